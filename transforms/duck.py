"""The project's one small DuckDB helper: connect with the limits, quote, write Arrow, run a model.

A build opens several databases (the work database, the release's ``pwc.duckdb``,
Parquet files of the previous release). Each ``duckdb.connect`` of a new file
would start a buffer pool of its own, with DuckDB's default limit of 80 % of the
machine's memory, so :func:`connect` is the only place a build connects: it sets
the configured ``memory_limit``, ``threads`` and a spill directory, and other
database files are ATTACHed to that connection so they share its one buffer pool.

:func:`resource_errors` turns DuckDB's and the OS's out-of-memory and disk-full
errors into one :class:`~transforms.errors.ResourceError` line that names the
stage, the limit and the setting to change.
"""

from __future__ import annotations

import errno
import itertools
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb

from transforms.errors import ResourceError

if TYPE_CHECKING:
    import pyarrow as pa

SQL_DIR = Path(str(resources.files("transforms") / "sql"))
"""The project's SQL: ``macros.sql``, ``staging/``, ``release/``, ``views/``."""


@dataclass(frozen=True)
class Limits:
    """What every DuckDB connection of a build may use."""

    memory_limit: str = "1GB"
    """DuckDB's buffer pool (``SET memory_limit``); past it, operators spill to ``spill_dir``."""
    threads: int = 2
    spill_dir: Path | None = None
    """Where DuckDB spills (``SET temp_directory``); None keeps DuckDB's default beside the file."""


def quote_ident(name: str) -> str:
    """The one place identifiers are quoted (values are always bound parameters)."""
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    """A SQL string literal, only for statements DuckDB does not take parameters in
    (SET, COPY options, ATTACH). Prefer bound parameters everywhere else."""
    return "'" + value.replace("'", "''") + "'"


def apply_limits(con: duckdb.DuckDBPyConnection, limits: Limits) -> None:
    """Set the limits on an open connection (SET takes no bound parameters)."""
    con.execute(f"SET threads = {int(limits.threads)}")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = {sql_literal(limits.memory_limit)}")
    if limits.spill_dir is not None:
        limits.spill_dir.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = {sql_literal(str(limits.spill_dir))}")


def connect(
    path: Path | str | None = None, limits: Limits | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open ``path`` (None: an in-memory database) with ``limits`` applied."""
    target = ":memory:" if path is None else str(path)
    con = duckdb.connect(target, read_only=read_only)
    try:
        apply_limits(con, limits or Limits())
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def attached(con: duckdb.DuckDBPyConnection, path: Path, alias: str) -> Iterator[str]:
    """ATTACH another database file to ``con`` (sharing its buffer pool and limit); yields the alias."""
    con.execute(f"ATTACH {sql_literal(str(path))} AS {quote_ident(alias)}")
    try:
        yield quote_ident(alias)
    finally:
        con.execute(f"DETACH {quote_ident(alias)}")


# --------------------------------------------------------------------------- resource errors


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return isinstance(exc, duckdb.Error) and (
        "no space left on device" in text or "exceeds the maximum temp directory size" in text
    )


def _free_bytes(path: Path) -> int | None:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def _size(n: int | None) -> str:
    if n is None:
        return "unknown"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n}"  # pragma: no cover


@contextmanager
def resource_errors(
    stage: str, limits: Limits, where: Path, *, memory_setting: str, disk_setting: str
) -> Iterator[None]:
    """Re-raise out-of-memory and disk-full errors of ``stage`` as one :class:`ResourceError` line.

    ``where`` is the directory the stage writes to; ``memory_setting`` and ``disk_setting`` say
    what the user can change (e.g. ``PWC_MEMORY_LIMIT``, ``--work``). Anything else passes through.
    """
    try:
        yield
    except duckdb.OutOfMemoryException:
        raise ResourceError(
            f"{stage}: out of memory at DuckDB's memory_limit of {limits.memory_limit} "
            f"(spilling to {limits.spill_dir or where}); raise it with {memory_setting}, "
            "or free memory on this machine"
        ) from None
    except MemoryError:
        raise ResourceError(
            f"{stage}: this process ran out of memory (DuckDB memory_limit {limits.memory_limit}); "
            f"free memory on this machine or lower {memory_setting}"
        ) from None
    except (OSError, duckdb.Error) as exc:
        if not _is_disk_full(exc):
            raise
        written = Path(exc.filename) if isinstance(exc, OSError) and exc.filename else where
        free = _free_bytes(written)
        raise ResourceError(
            f"{stage}: disk full writing under {written} ({_size(free)} free there; a full-scale "
            f"build needs about 5 GB of work space and 1 GB per release); free space, or {disk_setting}"
        ) from None


# --------------------------------------------------------------------------- tables and models

_names = itertools.count()


def write_arrow(
    con: duckdb.DuckDBPyConnection,
    table: str,
    data: pa.Table,
    mode: Literal["replace", "append", "append_by_name"] = "replace",
) -> int:
    """Write an Arrow table into DuckDB table ``table``; returns the rows written.

    ``replace`` creates (or replaces) the table with ``data``'s schema; ``append`` inserts by
    position, ``append_by_name`` by column name (missing columns NULL).
    """
    view = f"_arrow_{next(_names)}"
    con.register(view, data)
    try:
        if mode == "replace":
            con.execute(f"CREATE OR REPLACE TABLE {quote_ident(table)} AS SELECT * FROM {view}")
        else:
            by_name = " BY NAME" if mode == "append_by_name" else ""
            con.execute(f"INSERT INTO {quote_ident(table)}{by_name} SELECT * FROM {view}")
    finally:
        con.unregister(view)
    return int(data.num_rows)


def count_rows(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    """``count(*)`` of a relation given as SQL: ``quote_ident(table)``, ``read_parquet(...)``."""
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    return int(row[0]) if row else 0


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name -> DuckDB type of a relation given as SQL (see :func:`count_rows`)."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def read_arrow(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column_names: Sequence[str] | None = None,
    order_by: str | None = None,
) -> pa.Table:
    """A table (some of its columns, optionally ordered by one) as Arrow."""
    select = ", ".join(quote_ident(c) for c in column_names) if column_names is not None else "*"
    order = f" ORDER BY {quote_ident(order_by)}" if order_by else ""
    return con.sql(f"SELECT {select} FROM {quote_ident(table)}{order}").fetch_arrow_table()


def distinct_values(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[object]:
    """The distinct non-NULL values of one column."""
    c = quote_ident(column)
    sql = f"SELECT DISTINCT {c} FROM {quote_ident(table)} WHERE {c} IS NOT NULL"
    values: list[object] = con.sql(sql).fetch_arrow_table().column(0).to_pylist()
    return values


VIEW_MARKER = "-- materialized: view"
"""A model whose file starts with this line is created as a view: staging models over the wide
catalogue dumps only rename and clean, so copying 1.4 GB of abstracts into a table would be a
pass over the text for nothing."""


@dataclass(frozen=True)
class ModelRun:
    name: str
    rows: int | None
    """None for a view (not materialised, so not counted)."""
    seconds: float


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The shared cleaning and identity macros (``sql/macros.sql``)."""
    con.execute((SQL_DIR / "macros.sql").read_text(encoding="utf-8"))


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
    return ModelRun(name, count_rows(con, quote_ident(name)), time.perf_counter() - started)


def run_models(con: duckdb.DuckDBPyConnection, folder: str, names: Sequence[str]) -> list[ModelRun]:
    """Run ``names`` in order (each may read the ones before it)."""
    return [run_model(con, folder, name) for name in names]
