"""Run the project's SQL models: each ``.sql`` file is one SELECT materialised as a table."""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from transforms.duck import quote_ident, sql_literal

__all__ = ["create_macros", "quote_ident", "run_model", "run_models", "sql_literal"]

SQL_DIR = Path(str(resources.files("transforms") / "sql"))

STAGING_MODELS = (
    "stg_results",
    "stg_task_nodes",
    "stg_leaderboards",
    "stg_papers",
    "stg_paper_texts",
    "stg_code_links",
    "stg_methods",
    "stg_datasets",
)

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

ID_MODELS = ("id_registry", "id_redirects")
"""Built after ``int_lineage`` (transforms.build.ids); ``changes`` comes last, from the diff."""


@dataclass(frozen=True)
class ModelRun:
    name: str
    rows: int | None
    """None for a view (not materialised, so not counted)."""
    seconds: float


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))


VIEW_MARKER = "-- materialized: view"
"""A model whose file starts with this line is created as a view: staging models over the wide
catalogue dumps only rename and clean, so copying 1.4 GB of abstracts into a table would be a
pass over the text for nothing. Its rows are counted by the models that read it."""


def run_model(con: duckdb.DuckDBPyConnection, folder: str, name: str) -> ModelRun:
    """Materialise ``sql/<folder>/<name>.sql`` as table ``name`` (or a view, see VIEW_MARKER)."""
    started = time.perf_counter()
    sql = (SQL_DIR / folder / f"{name}.sql").read_text(encoding="utf-8")
    kind = "VIEW" if sql.startswith(VIEW_MARKER) else "TABLE"
    existing = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = $name",
        {"name": name},
    ).fetchone()
    if existing and existing[0] != ("VIEW" if kind == "VIEW" else "BASE TABLE"):
        con.execute(f"DROP {'TABLE' if kind == 'VIEW' else 'VIEW'} {quote_ident(name)}")
    con.execute(f"CREATE OR REPLACE {kind} {quote_ident(name)} AS\n{sql}")
    if kind == "VIEW":
        return ModelRun(name, None, time.perf_counter() - started)
    rows = con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()[0]  # type: ignore[index]
    return ModelRun(name, int(rows), time.perf_counter() - started)


def run_models(
    con: duckdb.DuckDBPyConnection, folder: str, names: tuple[str, ...] | list[str]
) -> list[ModelRun]:
    return [run_model(con, folder, name) for name in names]
