"""The release's own diff against the previous release: the ``changes`` table and CHANGELOG.md."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from transforms.duck import quote_ident, run_model
from transforms.release.schema import ENTITY_TABLES
from transforms.tables.previous import previous_relations, read_info

CHANGELOG = "CHANGELOG.md"
DIFF_JSON = "diff.json"


def build_changes(con: duckdb.DuckDBPyConnection, work: Path, release_id: str) -> int:
    """Diff the release tables in ``con`` with the previous release's; returns the number of changes.

    Creates the ``changes`` table and writes ``CHANGELOG.md`` and ``diff.json``
    into the work directory for the export stage.
    """
    from transforms.client.diff import diff_tables, render_changelog

    old = previous_relations(work)
    diff = diff_tables(
        con,
        {t: old[t] for t in ENTITY_TABLES},
        {t: quote_ident(t) for t in ENTITY_TABLES},
        old_release=read_info(work)["release_id"],
        new_release=release_id,
        redirects="id_redirects",
    )
    run_model(con, "release", "changes")
    (work / CHANGELOG).write_text(render_changelog(diff), encoding="utf-8")
    (work / DIFF_JSON).write_text(
        json.dumps(diff.to_json_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return int(con.execute("SELECT count(*) FROM changes").fetchone()[0])  # type: ignore[index]
