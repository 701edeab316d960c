"""Export stage: write a complete release directory (everything but publishing it).

Writes ``parquet/<table>.parquet`` (zstd, rows sorted by key, licence and release
id in the key-value metadata), ``pwc.duckdb`` (the same tables plus
``release_info``), ``LICENSE``, ``README.md`` (a Hugging Face dataset card),
``croissant.json`` (validated by mlcroissant), ``validation.json``, ``SHA256SUMS`` and, last,
``manifest.json``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from transforms import __version__
from transforms.duck import SQL_DIR, count_rows, quote_ident, sql_literal
from transforms.publish.croissant import write_croissant
from transforms.publish.dataset_card import render_readme
from transforms.release.layout import (
    ATTRIBUTION,
    CHANGELOG_FILE,
    DEFAULT_LICENSE,
    DUCKDB_FILE,
    LICENSE_FILE,
    MANIFEST,
    QUALITY_FILE,
    README_FILE,
    VALIDATION_FILE,
    parquet_file,
    parse_release_id,
)
from transforms.release.manifest import FileHashes, build_manifest, write_sha256sums
from transforms.release.schema import SCHEMA_VERSION, TABLES
from transforms.storage import canonical_json_bytes, write_bytes_atomic

LICENSE_TEXT = resources.files("transforms.publish") / "templates" / "CC-BY-SA-4.0.txt"


def write_parquet(
    con: duckdb.DuckDBPyConnection, relation: str, table: str, target: Path, release_id: str
) -> None:
    """One table to Parquet, byte-reproducibly. ``relation`` holds the table's rows already sorted
    by key (``pwc.duckdb``'s copy, written in key order): an ordered scan, no second sort."""
    spec = TABLES[table]
    metadata = {
        "license": DEFAULT_LICENSE["id"],
        "license_url": DEFAULT_LICENSE["url"],
        "attribution": ATTRIBUTION,
        "release_id": release_id,
        "schema_version": SCHEMA_VERSION,
        "table": table,
        "grain": spec.grain,
        "primary_key": spec.key,
    }
    # Statements built from the schema's own names (quoted) and literals DuckDB takes no
    # parameters for (COPY options): no input value reaches the SQL text.
    kv = ", ".join(f"{quote_ident(k)}: {sql_literal(v)}" for k, v in metadata.items())
    con.execute(
        f"COPY (SELECT * FROM {relation}) "  # noqa: S608
        f"TO {sql_literal(str(target))} (FORMAT parquet, COMPRESSION zstd, "
        f"ROW_GROUP_SIZE {int(spec.row_group_rows)}, KV_METADATA {{{kv}}})"
    )


VIEWS = {
    "leaderboards": "Every leaderboard (task, dataset, metric) with its results ranked by the metric's "
    "direction in the task, the state of the art first (rank 1)",
}
"""Views of ``pwc.duckdb`` (``transforms/sql/views/<name>.sql``), with their descriptions."""


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create the documented views over the release tables in ``con``."""
    for name, description in VIEWS.items():
        sql = (SQL_DIR / "views" / f"{name}.sql").read_text(encoding="utf-8")
        con.execute(f"CREATE OR REPLACE VIEW {quote_ident(name)} AS\n{sql}")
        con.execute(f"COMMENT ON VIEW {quote_ident(name)} IS {sql_literal(description)}")


RELEASE_DB = "release_db"
"""The alias ``pwc.duckdb`` is ATTACHed under while the export writes it."""


POINT_LOOKUPS = {"papers": "paper_id"}
"""Tables of ``pwc.duckdb`` with an ART index on their key. A point lookup through it fetches the
one row: for papers DuckDB then decodes one abstract and author list, not the 2,048 of the vector
a scan reads (measured at full scale: 4.3 ms -> 1.7 ms a paper; the index costs 0.3 s to build)."""


def write_duckdb(con: duckdb.DuckDBPyConnection, release_id: str, created_at: str) -> dict[str, int]:
    """Fill ``pwc.duckdb`` (ATTACHed to ``con`` as RELEASE_DB): every release table in key order,
    documented, the views, and release_info with the licence. Returns each table's row count.

    Tables are written sorted by key: readers' point lookups skip row groups by their key range,
    and the Parquet files are then written from these tables by an ordered scan.
    """
    home = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    counts: dict[str, int] = {}
    try:
        for name, spec in TABLES.items():
            columns = ", ".join(quote_ident(c) for c in spec.column_names)
            con.execute(
                f"CREATE TABLE {RELEASE_DB}.{quote_ident(name)} AS "  # noqa: S608
                f"SELECT {columns} FROM {quote_ident(str(home))}.{quote_ident(name)} "
                f"ORDER BY {quote_ident(spec.key)}"
            )
            counts[name] = count_rows(con, f"{RELEASE_DB}.{quote_ident(name)}")
        con.execute(f"USE {RELEASE_DB}")
        for name, key in POINT_LOOKUPS.items():
            con.execute(
                f"CREATE INDEX {quote_ident(f'{name}_{key}')} ON {quote_ident(name)} ({quote_ident(key)})"
            )
        for name, spec in TABLES.items():
            con.execute(
                f"COMMENT ON TABLE {quote_ident(name)} IS {sql_literal(spec.grain + '; key ' + spec.key)}"
            )
            for col in spec.columns:
                con.execute(
                    f"COMMENT ON COLUMN {quote_ident(name)}.{quote_ident(col.name)} IS {sql_literal(col.description)}"
                )
        create_views(con)
        info = {
            "release_id": release_id,
            "schema_version": SCHEMA_VERSION,
            "pipeline_version": __version__,
            "created_at": created_at,
            "license": DEFAULT_LICENSE["id"],
            "license_url": DEFAULT_LICENSE["url"],
            "attribution": ATTRIBUTION,
            "row_counts": json.dumps(counts, sort_keys=True),
        }
        con.execute("CREATE TABLE release_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
        con.executemany("INSERT INTO release_info VALUES (?, ?)", sorted(info.items()))
        con.execute(
            "COMMENT ON TABLE release_info IS 'Licence, attribution and release metadata of this file'"
        )
        con.execute("CHECKPOINT")
    finally:
        con.execute(f"USE {quote_ident(str(home))}")
    return counts


def export_tables(
    con: duckdb.DuckDBPyConnection, release_dir: Path, *, release_id: str, created_at: datetime
) -> dict[str, dict[str, Any]]:
    """Write the release's data files into ``release_dir`` (replaced if present): one Parquet file
    per table and ``pwc.duckdb``. Returns each table's row count and columns (for the manifest).

    Needs nothing from the gate, so it runs while the gate validates the same tables; the
    release is only sealed (:func:`seal_release`) once the gate has passed.
    """
    parse_release_id(release_id)
    if release_dir.exists():
        shutil.rmtree(release_dir)
    (release_dir / "parquet").mkdir(parents=True)
    con.execute("SET preserve_insertion_order = true")
    # ATTACHed, not opened on its own: writing it shares the build's one buffer pool and memory
    # limit (a second connection would bring a pool of its own).
    con.execute(f"ATTACH {sql_literal(str(release_dir / DUCKDB_FILE))} AS {RELEASE_DB} (READ_WRITE)")
    tables: dict[str, dict[str, Any]] = {}
    try:
        counts = write_duckdb(con, release_id, _timestamp(created_at))
        for name, spec in TABLES.items():
            relation = f"{RELEASE_DB}.{quote_ident(name)}"
            write_parquet(con, relation, name, release_dir / "parquet" / f"{name}.parquet", release_id)
            types = {row[0]: row[1] for row in con.execute(f"DESCRIBE {relation}").fetchall()}
            tables[name] = {
                "row_count": counts[name],
                "columns": [{"name": c, "type": types[c]} for c in spec.column_names],
            }
    finally:
        con.execute(f"DETACH {RELEASE_DB}")
    return tables


def seal_release(
    release_dir: Path,
    *,
    release_id: str,
    created_at: datetime,
    tables: Mapping[str, Mapping[str, Any]],
    inputs: list[dict[str, Any]],
    validation: Mapping[str, Any],
    quality: Mapping[str, Any] | None = None,
    changelog: str | None = None,
    fingerprint: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Complete an exported release directory: LICENSE, ``validation.json``, ``quality.json``,
    CHANGELOG.md, README.md, ``croissant.json``, SHA256SUMS and, last, ``manifest.json``.
    Returns the manifest. Raises ValidationFailed when mlcroissant refuses ``croissant.json``.

    ``quality`` is the data-quality report (``quality.json``, and a README section);
    ``changelog`` the Markdown diff against the previous release (``CHANGELOG.md``).
    """
    parse_release_id(release_id)
    created = _timestamp(created_at)
    counts = {name: int(t["row_count"]) for name, t in tables.items()}
    (release_dir / LICENSE_FILE).write_bytes(LICENSE_TEXT.read_bytes())
    write_bytes_atomic(release_dir / VALIDATION_FILE, canonical_json_bytes(dict(validation)))
    if quality is not None:
        write_bytes_atomic(release_dir / QUALITY_FILE, canonical_json_bytes(dict(quality)))
    if changelog is not None:
        (release_dir / CHANGELOG_FILE).write_text(changelog, encoding="utf-8")
    (release_dir / README_FILE).write_text(
        render_readme(
            release_id=release_id,
            counts=counts,
            created_at=created,
            inputs=inputs,
            validation=validation,
            quality=quality,
        ),
        encoding="utf-8",
    )
    # The Parquet files' sha256 and sizes as the manifest will list them (the same entries: each
    # file is hashed once for croissant.json, SHA256SUMS and the manifest).
    hashes = FileHashes(release_dir)
    rels = [str(spec.get("file", parquet_file(name))) for name, spec in tables.items()]
    parquet = {rel: hashes.entry(rel) for rel in rels}
    write_croissant(release_dir, release_id=release_id, created_at=created, counts=counts, parquet=parquet)
    write_sha256sums(release_dir, hashes=hashes)
    manifest = build_manifest(
        release_dir,
        release_id=release_id,
        schema_version=SCHEMA_VERSION,
        created_at=created_at,
        pipeline_version=__version__,
        tables=dict(tables),
        inputs=inputs,
        license={**DEFAULT_LICENSE, "attribution": ATTRIBUTION},
        validation=_validation_summary(validation),
        hashes=hashes,
    )
    if fingerprint is not None:
        # What the release was made of (pipeline.fingerprint): the nightly publishes only on change.
        manifest["fingerprint"] = dict(fingerprint)
    write_bytes_atomic(release_dir / MANIFEST, canonical_json_bytes(manifest))
    return manifest


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _validation_summary(validation: Mapping[str, Any]) -> dict[str, Any]:
    """The gate report's own statistics, plus where the full report is."""
    stats = validation.get("statistics", {})
    return {
        "success": bool(validation.get("success")),
        "suites": int(stats.get("tables", 0)),
        "expectations": int(stats.get("evaluated_expectations", 0)),
        "failed": int(stats.get("unsuccessful_expectations", 0)),
        "great_expectations_version": validation.get("great_expectations_version"),
        "report": VALIDATION_FILE,
    }
