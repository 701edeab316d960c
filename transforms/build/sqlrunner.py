"""Run the project's SQL models: each ``.sql`` file is one SELECT materialised as a table."""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

SQL_DIR = Path(str(resources.files("transforms") / "sql"))

STAGING_MODELS = (
    "stg_results",
    "stg_task_nodes",
    "stg_leaderboards",
    "stg_papers",
    "stg_code_links",
    "stg_methods",
    "stg_datasets",
)

RELEASE_MODELS = (
    "int_metric_spellings",
    "int_model_spellings",
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


def quote_ident(name: str) -> str:
    """The one place identifiers are quoted (values are always bound parameters)."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    """A SQL string literal, only for statements DuckDB does not take parameters in
    (SET, COPY options). Prefer bound parameters everywhere else."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class ModelRun:
    name: str
    rows: int
    seconds: float


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))


def run_model(con: duckdb.DuckDBPyConnection, folder: str, name: str) -> ModelRun:
    """Materialise ``sql/<folder>/<name>.sql`` as table ``name``."""
    started = time.perf_counter()
    sql = (SQL_DIR / folder / f"{name}.sql").read_text(encoding="utf-8")
    con.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS\n{sql}")
    rows = con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()[0]  # type: ignore[index]
    return ModelRun(name, int(rows), time.perf_counter() - started)


def run_models(
    con: duckdb.DuckDBPyConnection, folder: str, names: tuple[str, ...] | list[str]
) -> list[ModelRun]:
    return [run_model(con, folder, name) for name in names]
