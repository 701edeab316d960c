"""The previous release: what a new release keeps stable and compares itself with.

The ingest stage copies the newest release before the one being built (its
Parquet tables, manifest and quality report; verified against its manifest
like any download) into ``<work>/<release_id>/previous/``. The build stage
then loads from it:

* ``prev_ids``: every id the archive ever published, with its first and last
  release and status (the previous release's ``id_registry``; for a release
  from before ids were registered, schema < 1.2, the keys of its tables);
* ``prev_redirects``: its ``id_redirects``;

and the release diff reads its tables in place (:func:`previous_relations`).
Without a previous release these tables are empty and the release is the first.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import duckdb

from transforms.duck import quote_ident, sql_literal
from transforms.release.layout import QUALITY_FILE as QUALITY
from transforms.release.schema import ENTITY_TABLES, TABLES

log = logging.getLogger(__name__)

PREVIOUS_DIR = "previous"
INFO = "previous.json"
IDENTITIES = "result_identities"
"""The id_registry entity of results.identity_id."""

PREV_IDS_COLUMNS = "id VARCHAR, entity VARCHAR, first_release VARCHAR, last_release VARCHAR, status VARCHAR, current_id VARCHAR"
PREV_REDIRECTS_COLUMNS = "old_id VARCHAR, new_id VARCHAR, entity VARCHAR, reason VARCHAR, release VARCHAR"


def fetch_previous(store: str, release_id: str, work: Path) -> dict[str, Any]:
    """Make the previous release's tables readable for this build; returns (and writes) its summary.

    A store on this file system is read in place, each file verified against its manifest
    first; any other store is downloaded, verified, into ``work/previous``. The summary's
    ``dir`` says where the release's files are.
    """
    from transforms.client.download import fetch_release_files
    from transforms.client.store import previous_release_id

    target = work / PREVIOUS_DIR
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    previous = previous_release_id(store, release_id)
    info: dict[str, Any] = {"release_id": previous, "tables": [], "quality": False, "dir": str(target)}
    if previous is not None:
        log.info("comparing with the previous release %s of %s", previous, store)
        wanted = [f"parquet/{table}.parquet" for table in TABLES] + [QUALITY]
        found = fetch_release_files(store, previous, wanted, target / "download", in_place=True)
        if found:
            rel, path = next(iter(found.items()))
            info["dir"] = str(path.parents[len(Path(rel).parts) - 1])  # the release's own directory
        info["tables"] = [t for t in TABLES if f"parquet/{t}.parquet" in found]
        info["quality"] = QUALITY in found
    (target / INFO).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return info


def read_info(work: Path) -> dict[str, Any]:
    path = work / PREVIOUS_DIR / INFO
    if not path.is_file():
        return {"release_id": None, "tables": [], "quality": False}
    info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return info


def previous_dir(work: Path) -> Path:
    """Where the previous release's files are (in its local store, or fetched into the work dir)."""
    return Path(read_info(work).get("dir") or work / PREVIOUS_DIR)


def previous_relations(work: Path) -> dict[str, str | None]:
    """Table -> a relation over the previous release's Parquet file (None when it has no such table)."""
    info = read_info(work)
    out: dict[str, str | None] = {}
    for table in TABLES:
        path = previous_dir(work) / "parquet" / f"{table}.parquet"
        out[table] = f"read_parquet({sql_literal(str(path))})" if table in info["tables"] else None
    return out


def previous_quality(work: Path) -> dict[str, Any] | None:
    if not read_info(work)["quality"]:
        return None
    path = previous_dir(work) / QUALITY
    if not path.is_file():
        return None
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report


def load_previous(con: duckdb.DuckDBPyConnection, work: Path) -> str | None:
    """Create ``prev_ids``, ``prev_redirects``, ``prev_results`` and ``previous_info`` in the work DB
    (empty without a previous release); returns the previous release id."""
    info = read_info(work)
    previous = info["release_id"]
    relations = previous_relations(work)
    con.execute(f"CREATE OR REPLACE TABLE prev_ids ({PREV_IDS_COLUMNS})")
    con.execute(f"CREATE OR REPLACE TABLE prev_redirects ({PREV_REDIRECTS_COLUMNS})")
    con.execute(
        "CREATE OR REPLACE TABLE previous_info AS SELECT CAST($p AS VARCHAR) AS release_id", {"p": previous}
    )
    # Relations are read_parquet() of the previous release's own files, keys come from the schema:
    # no input value reaches these statements' text.
    results = TABLES["results"]
    if relations.get("results"):
        con.execute(f"CREATE OR REPLACE VIEW prev_results AS SELECT * FROM {relations['results']}")  # noqa: S608
    else:
        con.execute("DROP VIEW IF EXISTS prev_results")
        columns = ", ".join(f"{quote_ident(c.name)} {c.type}" for c in results.columns)
        con.execute(f"CREATE OR REPLACE TABLE prev_results ({columns})")
    if previous is None:
        return None
    if relations.get("id_registry"):
        con.execute(f"INSERT INTO prev_ids SELECT * FROM {relations['id_registry']}")  # noqa: S608
        if relations.get("id_redirects"):
            con.execute(f"INSERT INTO prev_redirects SELECT * FROM {relations['id_redirects']}")  # noqa: S608
        return str(previous)
    # A release from before the id registry (schema < 1.2): its keys, first seen there.
    for table in ENTITY_TABLES:
        relation = relations.get(table)
        if relation is None:
            continue
        key = quote_ident(TABLES[table].key)
        con.execute(
            f"INSERT INTO prev_ids SELECT DISTINCT {key}, $t, $p, $p, 'active', {key} FROM {relation}",  # noqa: S608
            {"t": table, "p": previous},
        )
    if relations.get("results"):
        con.execute(
            f"INSERT INTO prev_ids SELECT DISTINCT identity_id, $t, $p, $p, 'active', identity_id "  # noqa: S608
            f"FROM {relations['results']}",
            {"t": IDENTITIES, "p": previous},
        )
    return str(previous)
