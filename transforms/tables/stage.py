"""The tables stage: the release tables from the staged data, then ids and the diff.

Order: the internal (``int_``) models and the release tables (``sql/release``), then the
lineage of every id (``int_lineage``) and the id registry and redirects built from it, then
the ``changes`` table from the diff against the previous release.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms.duck import ModelRun, count_rows, create_macros, quote_ident, run_models
from transforms.release.schema import TABLES
from transforms.tables.changes import build_changes
from transforms.tables.previous import load_previous

RELEASE_MODELS = (
    "int_metric_spellings",
    "int_model_spellings",
    "int_papers",
    "papers",
    "tasks",
    "datasets",
    "metrics",
    "models",
    "model_aliases",
    "results",
    "code_links",
    "methods",
    "submissions",
    "conflicts",
)
"""Release tables and the internal (``int_``) models they need, in build order."""

ID_MODELS = ("int_lineage", "id_registry", "id_redirects")
"""Every id's lineage, then the registry of every id ever published and the redirects."""


def build_tables(con: duckdb.DuckDBPyConnection, work: Path, release_id: str) -> dict[str, int]:
    """Materialise every release table in ``con``; returns row counts (tables, lineage, changes)."""
    create_macros(con)
    load_previous(con, work)
    runs: list[ModelRun] = run_models(con, "release", RELEASE_MODELS)
    runs += run_models(con, "release", ID_MODELS)
    changes = build_changes(con, work, release_id)
    rows = {
        r.name: r.rows if r.rows is not None else count_rows(con, quote_ident(r.name))
        for r in runs
        if r.name in TABLES
    }
    lineage = next(r.rows for r in runs if r.name == "int_lineage")
    return {**rows, "int_lineage": int(lineage or 0), "changes": changes}
