"""Export stage: write a complete release directory (everything but publishing it).

Writes ``parquet/<table>.parquet`` (zstd, rows sorted by key, licence and release
id in the key-value metadata), ``pwc.duckdb`` (the same tables plus
``release_info``), ``LICENSE``, ``README.md``, ``validation.json``,
``SHA256SUMS`` and, last, ``manifest.json``.
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
from transforms.build.sqlrunner import SQL_DIR, quote_ident, sql_literal
from transforms.build.tables import SCHEMA_VERSION, TABLES
from transforms.publish.dataset_card import render_readme
from transforms.publish.manifest import (
    DEFAULT_LICENSE,
    MANIFEST,
    build_manifest,
    canonical_json_bytes,
    parse_release_id,
    write_bytes_atomic,
    write_sha256sums,
)

ATTRIBUTION = "Data sourced from the Papers with Code archive (CC BY-SA 4.0)"
LICENSE_TEXT = resources.files("transforms.publish") / "templates" / "CC-BY-SA-4.0.txt"
DUCKDB_FILE = "pwc.duckdb"
QUALITY_FILE = "quality.json"
CHANGELOG_FILE = "CHANGELOG.md"


def write_parquet(con: duckdb.DuckDBPyConnection, table: str, target: Path, release_id: str) -> None:
    """One table to Parquet, byte-reproducibly: sorted by key, single-threaded writer."""
    spec = TABLES[table]
    columns = ", ".join(quote_ident(c) for c in spec.column_names)
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
    kv = ", ".join(f"{quote_ident(k)}: {sql_literal(v)}" for k, v in metadata.items())
    con.execute(
        f"COPY (SELECT {columns} FROM {quote_ident(table)} ORDER BY {quote_ident(spec.key)}) "
        f"TO {sql_literal(str(target))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880, "
        f"KV_METADATA {{{kv}}})"
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


def write_duckdb(release_dir: Path, release_id: str, created_at: str, counts: Mapping[str, int]) -> None:
    """``pwc.duckdb``: the Parquet tables, documented, the views, and release_info with the licence."""
    path = release_dir / DUCKDB_FILE
    con = duckdb.connect(str(path))
    try:
        for name, spec in TABLES.items():
            parquet = release_dir / "parquet" / f"{name}.parquet"
            con.execute(
                f"CREATE TABLE {quote_ident(name)} AS SELECT * FROM read_parquet($p)", {"p": str(parquet)}
            )
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
            "row_counts": json.dumps(dict(counts), sort_keys=True),
        }
        con.execute("CREATE TABLE release_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
        con.executemany("INSERT INTO release_info VALUES (?, ?)", sorted(info.items()))
        con.execute(
            "COMMENT ON TABLE release_info IS 'Licence, attribution and release metadata of this file'"
        )
        con.execute("CHECKPOINT")
    finally:
        con.close()


def export_release(
    con: duckdb.DuckDBPyConnection,
    release_dir: Path,
    *,
    release_id: str,
    created_at: datetime,
    inputs: list[dict[str, Any]],
    validation: Mapping[str, Any],
    quality: Mapping[str, Any] | None = None,
    changelog: str | None = None,
) -> dict[str, Any]:
    """Write every file of the release into ``release_dir`` (replaced if present); returns the manifest.

    ``quality`` is the data-quality report (``quality.json``, and a README section);
    ``changelog`` the Markdown diff against the previous release (``CHANGELOG.md``).
    """
    parse_release_id(release_id)
    if release_dir.exists():
        shutil.rmtree(release_dir)
    (release_dir / "parquet").mkdir(parents=True)
    con.execute("SET preserve_insertion_order = true")
    counts: dict[str, int] = {}
    tables: dict[str, dict[str, Any]] = {}
    for name, spec in TABLES.items():
        write_parquet(con, name, release_dir / "parquet" / f"{name}.parquet", release_id)
        counts[name] = int(con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()[0])  # type: ignore[index]
        described = con.execute(f"DESCRIBE {quote_ident(name)}").fetchall()
        types = {row[0]: row[1] for row in described}
        tables[name] = {
            "row_count": counts[name],
            "columns": [{"name": c, "type": types[c]} for c in spec.column_names],
        }
    created = created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    write_duckdb(release_dir, release_id, created, counts)
    (release_dir / "LICENSE").write_bytes(LICENSE_TEXT.read_bytes())
    write_bytes_atomic(release_dir / "validation.json", canonical_json_bytes(dict(validation)))
    if quality is not None:
        write_bytes_atomic(release_dir / QUALITY_FILE, canonical_json_bytes(dict(quality)))
    if changelog is not None:
        (release_dir / CHANGELOG_FILE).write_text(changelog, encoding="utf-8")
    (release_dir / "README.md").write_text(
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
    write_sha256sums(release_dir)
    manifest = build_manifest(
        release_dir,
        release_id=release_id,
        schema_version=SCHEMA_VERSION,
        created_at=created_at,
        pipeline_version=__version__,
        tables=tables,
        inputs=inputs,
        license={**DEFAULT_LICENSE, "attribution": ATTRIBUTION},
        validation=_validation_summary(validation),
    )
    write_bytes_atomic(release_dir / MANIFEST, canonical_json_bytes(manifest))
    return manifest


def _validation_summary(validation: Mapping[str, Any]) -> dict[str, Any]:
    """The gate report's own statistics, plus where the full report is."""
    stats = validation.get("statistics", {})
    return {
        "success": bool(validation.get("success")),
        "suites": int(stats.get("tables", 0)),
        "expectations": int(stats.get("evaluated_expectations", 0)),
        "failed": int(stats.get("unsuccessful_expectations", 0)),
        "great_expectations_version": validation.get("great_expectations_version"),
        "report": "validation.json",
    }
