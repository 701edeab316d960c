"""Write a small but real release into a local store, using the manifest helpers.

Real Parquet files written by DuckDB, a real (tiny) ``pwc.duckdb``, the text files,
SHA256SUMS, manifest.json last, then index.json and latest.json. A test helper
only: end-to-end tests use the real publisher instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from transforms.release.layout import DEFAULT_LICENSE, INDEX, LATEST, MANIFEST, parse_release_id
from transforms.release.manifest import (
    build_manifest,
    index_entry,
    latest_pointer,
    updated_index,
    write_sha256sums,
)
from transforms.storage import read_json, write_json_atomic

TABLES = ("papers", "tasks", "datasets", "metrics", "models", "results", "code_links", "methods")

# One SELECT per table; ``?`` is the row count. md5() makes the values incompressible,
# so ``results`` is big enough (about 200 kB at the default size) to interrupt mid-way.
_QUERIES: dict[str, str] = {
    "papers": "SELECT 'paper_' || i AS paper_id, 'Paper ' || i AS title, md5('abs' || i) AS abstract "
    "FROM range(?) t(i)",
    "tasks": "SELECT 'task_' || i AS task_id, 'Task ' || i AS name FROM range(?) t(i)",
    "datasets": "SELECT 'ds_' || i AS dataset_id, 'Dataset ' || i AS name FROM range(?) t(i)",
    "metrics": "SELECT 'metric_' || i AS metric_id, 'Metric ' || i AS name FROM range(?) t(i)",
    "models": "SELECT 'model_' || i AS model_id, md5('model' || i) AS name FROM range(?) t(i)",
    "results": "SELECT 'res_' || i AS result_id, md5('a' || i) || md5('b' || i) AS model_name_raw, "
    "i * 0.5 AS value, CAST(i AS VARCHAR) || '%' AS value_raw FROM range(?) t(i)",
    "code_links": "SELECT 'code_' || i AS code_link_id, 'https://github.com/x/r' || i AS repo_url FROM range(?) t(i)",
    "methods": "SELECT 'method_' || i AS method_id, 'Method ' || i AS name FROM range(?) t(i)",
}


def _sql_string(value: str) -> str:
    # COPY ... TO takes no bound parameters; quote the (test-controlled) path as a literal.
    return "'" + value.replace("'", "''") + "'"


def write_fake_release(
    store: str | Path,
    release_id: str = "2026-01-02.0",
    *,
    results_rows: int = 3000,
    rows: int = 20,
) -> Path:
    """Publish a small real release ``release_id`` into the local ``store``; return its directory."""
    day, _ = parse_release_id(release_id)
    store = Path(store)
    release_dir = store / release_id
    (release_dir / "parquet").mkdir(parents=True)
    con = duckdb.connect()
    tables: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        n = results_rows if name == "results" else rows
        path = release_dir / "parquet" / f"{name}.parquet"
        con.execute(f"COPY ({_QUERIES[name]}) TO {_sql_string(str(path))} (FORMAT parquet)", [n])
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_sql_string(str(path))})").fetchall()
        tables[name] = {"row_count": n, "columns": [{"name": c[0], "type": c[1]} for c in described]}
    con.close()

    db = duckdb.connect(str(release_dir / "pwc.duckdb"))
    db.execute(
        "CREATE TABLE license AS SELECT ? AS id, ? AS url, ? AS attribution", list(DEFAULT_LICENSE.values())
    )
    db.execute("CREATE TABLE release AS SELECT ? AS release_id", [release_id])
    db.execute("CHECKPOINT")
    db.close()

    (release_dir / "LICENSE").write_text("Creative Commons Attribution-ShareAlike 4.0 International\n")
    (release_dir / "README.md").write_text(f"# Papers with Code archive, release {release_id}\n")
    validation = {"success": True, "suites": {name: "passed" for name in TABLES}}
    (release_dir / "validation.json").write_text(json.dumps(validation, indent=2) + "\n")
    write_sha256sums(release_dir)

    manifest = build_manifest(
        release_dir,
        release_id=release_id,
        schema_version="1.0.0",
        created_at=f"{day.isoformat()}T03:00:00Z",
        pipeline_version="0.1.0",
        tables=tables,
        inputs=[{"path": "fixtures/dump.json.gz", "sha256": "0" * 64, "bytes": 1}],
        validation=validation,
    )
    manifest_sha = write_json_atomic(release_dir / MANIFEST, manifest)

    index_path = store / INDEX
    entry = index_entry(manifest, manifest_sha)
    index = updated_index(read_json(index_path) if index_path.exists() else None, entry)
    write_json_atomic(index_path, index)
    newest = next(r for r in index["releases"] if r["release_id"] == index["latest"])
    write_json_atomic(store / LATEST, latest_pointer(newest))
    return release_dir
