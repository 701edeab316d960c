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

from transforms.build.sqlrunner import quote_ident, sql_literal
from transforms.release.layout import QUALITY_FILE as QUALITY
from transforms.release.schema import ENTITY_TABLES, TABLES

log = logging.getLogger(__name__)

PREVIOUS_DIR = "previous"
INFO = "previous.json"
IDENTITIES = "result_identities"
"""The id_registry entity of results.identity_id."""

PREV_IDS_COLUMNS = "id VARCHAR, entity VARCHAR, first_release VARCHAR, last_release VARCHAR, status VARCHAR, current_id VARCHAR"
PREV_REDIRECTS_COLUMNS = "old_id VARCHAR, new_id VARCHAR, entity VARCHAR, reason VARCHAR, release VARCHAR"


def previous_release_id(store: str, release_id: str) -> str | None:
    """The newest release of ``store`` that sorts before ``release_id`` (None when there is none)."""
    from transforms.client.store import list_releases
    from transforms.errors import ReleaseNotFound
    from transforms.release.layout import release_sort_key

    try:
        entries = list_releases(store)
    except ReleaseNotFound:
        return None  # no index.json: nothing was published yet
    earlier = [e for e in entries if release_sort_key(e.release_id) < release_sort_key(release_id)]
    return earlier[-1].release_id if earlier else None


def fetch_previous(store: str, release_id: str, work: Path) -> dict[str, Any]:
    """Make the previous release's tables readable for this build; returns (and writes) its summary.

    A store on this file system is read in place, each file verified against its manifest
    first; any other store is downloaded, verified, into ``work/previous``. The summary's
    ``dir`` says where the release's files are.
    """
    from transforms.client.download import fetch_release_files

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
    """Create ``prev_ids``, ``prev_redirects`` and ``previous_info`` in the work DB; returns the previous id."""
    info = read_info(work)
    previous = info["release_id"]
    relations = previous_relations(work)
    con.execute(f"CREATE OR REPLACE TABLE prev_ids ({PREV_IDS_COLUMNS})")
    con.execute(f"CREATE OR REPLACE TABLE prev_redirects ({PREV_REDIRECTS_COLUMNS})")
    con.execute(
        "CREATE OR REPLACE TABLE previous_info AS SELECT CAST($p AS VARCHAR) AS release_id", {"p": previous}
    )
    if previous is None:
        return None
    if relations.get("id_registry"):
        con.execute(f"INSERT INTO prev_ids SELECT * FROM {relations['id_registry']}")
        if relations.get("id_redirects"):
            con.execute(f"INSERT INTO prev_redirects SELECT * FROM {relations['id_redirects']}")
        return str(previous)
    # A release from before the id registry (schema < 1.2): its keys, first seen there.
    for table in ENTITY_TABLES:
        relation = relations.get(table)
        if relation is None:
            continue
        key = quote_ident(TABLES[table].key)
        con.execute(
            f"INSERT INTO prev_ids SELECT DISTINCT {key}, $t, $p, $p, 'active', {key} FROM {relation}",
            {"t": table, "p": previous},
        )
    if relations.get("results"):
        con.execute(
            f"INSERT INTO prev_ids SELECT DISTINCT identity_id, $t, $p, $p, 'active', identity_id "
            f"FROM {relations['results']}",
            {"t": IDENTITIES, "p": previous},
        )
    return str(previous)
