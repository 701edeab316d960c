"""Croissant metadata of a release (``croissant.json``), written and validated with ``mlcroissant``.

Croissant (MLCommons' JSON-LD vocabulary for ML datasets) lets ``mlcroissant`` and the tools
built on it read a release without knowing this project: one file object per Parquet file (its
sha256 and size are the manifest's, from the same :func:`~transforms.release.manifest.file_entry`),
one record set per table with one field per column, typed from ``release/schema.py``. List
columns are repeated fields; lists of structs are repeated fields with one sub-field per struct
member. Written in the seal step, before SHA256SUMS and the manifest (which list it too), and
read back by ``mlcroissant`` at once: an error fails the build.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from transforms.errors import ValidationFailed
from transforms.release.layout import ATTRIBUTION, CROISSANT_FILE, LICENSE_URL, parquet_file
from transforms.release.schema import SCHEMA_VERSION, TABLES, Column, Table
from transforms.storage import canonical_json_bytes, write_bytes_atomic

NAME = "pwc-archive"
_STRUCT_LIST = re.compile(r"STRUCT\((?P<members>.*)\)\[\]")


def citation(release_id: str) -> str:
    """How to cite the release (BibTeX), as the card and croissant.json give it."""
    key = "pwc_archive_" + release_id.replace("-", "_").replace(".", "_")
    return (
        f"@misc{{{key},\n"
        f"  title = {{Papers with Code archive, release {release_id}}},\n"
        "  note = {Data sourced from the Papers with Code archive (paperswithcode.com, Meta AI Research "
        "and contributors), CC BY-SA 4.0; redistributed by the pwc-archive project},\n"
        f"  year = {{{release_id[:4]}}}\n"
        "}"
    )


def build_metadata(
    *, release_id: str, created_at: str, counts: Mapping[str, int], parquet: Mapping[str, Mapping[str, Any]]
) -> Any:
    """The ``mlcroissant.Metadata`` of a release. ``parquet`` maps each table's Parquet path to its
    ``{"sha256", "bytes"}`` entry (the manifest's)."""
    import datetime

    import mlcroissant as mlc

    distribution = [
        mlc.FileObject(
            id=parquet_file(name),
            name=f"{name}.parquet",
            description=f"Table {name}: {spec.grain} ({counts.get(name, 0):,} rows).",
            content_url=parquet_file(name),
            content_size=f"{parquet[parquet_file(name)]['bytes']} B",
            encoding_formats=[mlc.EncodingFormat.PARQUET],
            sha256=str(parquet[parquet_file(name)]["sha256"]),
        )
        for name, spec in TABLES.items()
    ]
    record_sets = [
        mlc.RecordSet(
            id=name,
            name=name,
            description=f"{spec.grain}; primary key {spec.key}.",
            key=[f"{name}/{spec.key}"],
            fields=[_field(mlc, spec, col) for col in spec.columns],
        )
        for name, spec in TABLES.items()
    ]
    return mlc.Metadata(
        name=NAME,
        description=(
            f"{ATTRIBUTION}. Release {release_id} of the Papers with Code archive: papers, tasks, datasets, "
            "metrics, models, results, code links and methods, with stable ids across releases "
            f"(schema {SCHEMA_VERSION})."
        ),
        license=[LICENSE_URL],
        cite_as=citation(release_id),
        # SemVer is required: the schema's version, the release id as build metadata.
        version=f"{SCHEMA_VERSION}+{release_id}",
        date_published=datetime.datetime.fromisoformat(created_at),
        keywords=["machine learning", "benchmarks", "leaderboards", "papers with code"],
        url="https://paperswithcode.com",
        distribution=distribution,
        record_sets=record_sets,
    )


def _field(mlc: Any, table: Table, col: Column) -> Any:
    rel = parquet_file(table.name)
    description = col.description + ("" if col.nullable else " Never NULL.")

    def source(**extra: Any) -> Any:
        return mlc.Source(file_object=rel, extract=mlc.Extract(column=col.name), **extra)

    struct = _STRUCT_LIST.fullmatch(col.type)
    if struct:
        members = [m.strip().split(" ", 1) for m in struct["members"].split(",")]
        return mlc.Field(
            id=f"{table.name}/{col.name}",
            name=col.name,
            description=description,
            repeated=True,
            sub_fields=[
                mlc.Field(
                    id=f"{table.name}/{col.name}/{member}",
                    name=member,
                    description=f"{member} of each {col.name} entry.",
                    data_types=[_data_type(mlc, member_type)],
                    source=source(transforms=[mlc.Transform(json_path=member)]),
                )
                for member, member_type in members
            ],
        )
    repeated = col.type.endswith("[]")
    return mlc.Field(
        id=f"{table.name}/{col.name}",
        name=col.name,
        description=description,
        data_types=[_data_type(mlc, col.type.removesuffix("[]"))],
        repeated=True if repeated else None,
        source=source(),
    )


def _data_type(mlc: Any, duck_type: str) -> Any:
    types = {
        "VARCHAR": mlc.DataType.TEXT,
        "BIGINT": mlc.DataType.INTEGER,
        "INTEGER": mlc.DataType.INTEGER,
        "DOUBLE": mlc.DataType.FLOAT,
        "BOOLEAN": mlc.DataType.BOOL,
        "DATE": mlc.DataType.DATE,
        "TIMESTAMP": mlc.DataType.DATETIME,
    }
    try:
        return types[duck_type]
    except KeyError:
        raise ValueError(
            f"release/schema.py: no Croissant data type for the column type {duck_type!r}"
        ) from None


def write_croissant(
    release_dir: Path,
    *,
    release_id: str,
    created_at: str,
    counts: Mapping[str, int],
    parquet: Mapping[str, Mapping[str, Any]],
) -> Path:
    """Write ``croissant.json`` into ``release_dir`` and validate it with mlcroissant.

    Raises ValidationFailed naming every issue mlcroissant reports as an error (a warning is
    logged); the file is then removed, so no release ever ships metadata that does not load.
    """
    import json

    logging.getLogger("absl").setLevel(logging.ERROR)  # mlcroissant's warnings go through absl
    metadata = build_metadata(release_id=release_id, created_at=created_at, counts=counts, parquet=parquet)
    target = release_dir / CROISSANT_FILE
    jsonld = json.loads(json.dumps(metadata.to_json(), default=str))
    write_bytes_atomic(target, canonical_json_bytes(jsonld))
    problems = validate_croissant(target)
    if problems:
        target.unlink()
        raise ValidationFailed(
            f"{target}: mlcroissant refuses the Croissant metadata: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
        )
    return target


def validate_croissant(path: Path) -> list[str]:
    """mlcroissant's errors for a croissant.json file (an empty list when it loads)."""
    import mlcroissant as mlc

    try:
        dataset = mlc.Dataset(jsonld=path)
    except mlc.ValidationError as exc:
        return [line.strip(" -") for line in str(exc).splitlines() if line.strip().startswith("-")] or [
            str(exc)
        ]
    return [str(e) for e in dataset.metadata.ctx.issues.errors]
