"""Load every source file into raw DuckDB tables (``raw_*``), streaming.

Raw tables keep the archive's values as they were (strings untouched) plus the
source file and record path of each row, so that every later value can be
traced back to a byte range of an input.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from transforms.duck import count_rows, quote_ident, write_arrow
from transforms.errors import SourceError
from transforms.ingest.evaluation_tables import walk_task
from transforms.ingest.jsonstream import iter_items
from transforms.ingest.sources import SourceFile, SourceSet

log = logging.getLogger(__name__)

MAX_CATALOG_RECORD_BYTES = 16 * 1024 * 1024
"""Largest record of a catalogue dump (DuckDB's default; a paper with abstract is ~2.5 KB). The
JSON reader's buffer is twice this, taken from the memory limit, so it is kept at the default."""

BATCH_ROWS = 10_000
"""Rows buffered per raw table before an Arrow append: bounds ingest memory (benchmarks/README.md)."""

_LINK = pa.struct([("title", pa.string()), ("url", pa.string())])

_STR = pa.string()
_PROVENANCE = [("source", _STR), ("source_rank", pa.int32()), ("record", _STR)]
"""Every raw row says which file it came from and where in it (e.g. ``[3].datasets[0].sota.rows[7]``)."""
_BOARD = [("task_raw", _STR), ("dataset_raw", _STR), ("parent_dataset_raw", _STR)]

RAW_SCHEMAS: dict[str, pa.Schema] = {
    "raw_task_nodes": pa.schema(
        _PROVENANCE
        + [("task_raw", _STR), ("parent_task_raw", _STR), ("depth", pa.int32()), ("description", _STR)]
        + [("categories", pa.list_(_STR)), ("synonyms", pa.list_(_STR)), ("source_link_url", _STR)]
    ),
    "raw_leaderboards": pa.schema(
        _PROVENANCE
        + _BOARD
        + [("description", _STR), ("links", pa.list_(_LINK)), ("citations", pa.list_(_LINK))]
        + [("metric_columns", pa.list_(_STR))]
    ),
    "raw_results": pa.schema(
        _PROVENANCE
        + _BOARD
        + [
            ("model_name_raw", _STR),
            ("paper_title_raw", _STR),
            ("paper_url_raw", _STR),
            ("paper_date_raw", _STR),
        ]
        + [
            ("uses_additional_data", pa.bool_()),
            ("code_links", pa.list_(_LINK)),
            ("model_links", pa.list_(_LINK)),
        ]
        + [("metric_name_raw", _STR), ("value_raw", _STR), ("value_is_number", pa.bool_())]
        # Set for rows from accepted community submissions (source 'submission'), NULL for the archive.
        + [("submission_id", _STR)]
    ),
}
_KIND_TABLE = {"task": "raw_task_nodes", "leaderboard": "raw_leaderboards", "result": "raw_results"}

# Flat dumps are read by DuckDB's own streaming JSON reader with explicit columns:
# missing keys become NULL, unknown keys are ignored, nothing is inferred.
_CATALOG_COLUMNS: dict[str, dict[str, str]] = {
    "papers": {
        "paper_url": "VARCHAR",
        "arxiv_id": "VARCHAR",
        "title": "VARCHAR",
        "abstract": "VARCHAR",
        "url_abs": "VARCHAR",
        "url_pdf": "VARCHAR",
        "proceeding": "VARCHAR",
        "authors": "VARCHAR[]",
        "tasks": "VARCHAR[]",
        "date": "VARCHAR",
    },
    "code_links": {
        "paper_url": "VARCHAR",
        "paper_title": "VARCHAR",
        "paper_arxiv_id": "VARCHAR",
        "paper_url_abs": "VARCHAR",
        "paper_url_pdf": "VARCHAR",
        "repo_url": "VARCHAR",
        "is_official": "BOOLEAN",
        "mentioned_in_paper": "BOOLEAN",
        "mentioned_in_github": "BOOLEAN",
        "framework": "VARCHAR",
    },
    "methods": {
        "url": "VARCHAR",
        "name": "VARCHAR",
        "full_name": "VARCHAR",
        "description": "VARCHAR",
        "paper": "STRUCT(title VARCHAR, url VARCHAR)",
        "introduced_year": "VARCHAR",
        "source_url": "VARCHAR",
        "source_title": "VARCHAR",
        "code_snippet_url": "VARCHAR",
        "num_papers": "VARCHAR",
        "collections": "STRUCT(collection VARCHAR, area_id VARCHAR, area VARCHAR)[]",
    },
    "datasets": {
        "url": "VARCHAR",
        "name": "VARCHAR",
        "full_name": "VARCHAR",
        "homepage": "VARCHAR",
        "description": "VARCHAR",
        "parent_dataset": "VARCHAR",
        "license_name": "VARCHAR",
        "license_url": "VARCHAR",
        "modalities": "VARCHAR[]",
        "introduced_date": "VARCHAR",
    },
}


@dataclass
class IngestReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    unknown_files: list[str] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)
    """Every source file's sha256, taken while it was read (evaluation tables) or beside it."""
    more: Any = None


class _BatchWriter:
    """Collects rows per raw table and appends them to DuckDB in Arrow batches."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.pending: dict[str, list[dict[str, Any]]] = {name: [] for name in RAW_SCHEMAS}
        self.counts: dict[str, int] = {name: 0 for name in RAW_SCHEMAS}
        self.catalog: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _CATALOG_COLUMNS}

    def add(self, table: str, row: dict[str, Any]) -> None:
        rows = self.pending[table]
        rows.append(row)
        if len(rows) >= BATCH_ROWS:
            self.flush(table)

    def add_catalog(self, kind: str, row: dict[str, Any]) -> None:
        """A row for ``raw_<kind>`` (papers, code_links, ...) made in Python rather than read from a dump."""
        self.catalog[kind].append(row)

    def flush_catalogs(self) -> None:
        for kind, rows in self.catalog.items():
            if not rows:
                continue
            columns = {"source": pa.string(), "source_rank": pa.int32()}
            schema = pa.schema(
                list(columns.items()) + [(c, _arrow_type(t)) for c, t in _CATALOG_COLUMNS[kind].items()]
            )
            write_arrow(self.con, f"raw_{kind}", pa.Table.from_pylist(rows, schema=schema), "append_by_name")
            rows.clear()

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.pending):
            rows = self.pending[name]
            if not rows:
                continue
            write_arrow(self.con, name, pa.Table.from_pylist(rows, schema=RAW_SCHEMAS[name]), "append")
            self.counts[name] += len(rows)
            rows.clear()


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name, schema in RAW_SCHEMAS.items():
        write_arrow(con, name, schema.empty_table())
    for kind, columns in _CATALOG_COLUMNS.items():
        cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
        con.execute(f'CREATE OR REPLACE TABLE "raw_{kind}" (source VARCHAR, source_rank INTEGER, {cols})')


def _arrow_type(sql_type: str) -> pa.DataType:
    return {"VARCHAR": pa.string(), "BOOLEAN": pa.bool_(), "VARCHAR[]": pa.list_(pa.string())}.get(
        sql_type, pa.string()
    )


def ingest(
    con: duckdb.DuckDBPyConnection,
    sources: SourceSet,
    more: Callable[[_BatchWriter], Any] | None = None,
) -> IngestReport:
    """Stream every source file into the raw tables (replacing earlier contents).

    The flat catalogue dumps (papers with abstracts above all) are read by DuckDB's JSON
    reader on a second connection while this thread walks the evaluation tables in
    Python: on two cores the two reads overlap instead of adding up. Each file is read
    once; the evaluation tables are hashed while they are parsed (``report.sha256``).

    ``more`` may add rows of its own through the writer (accepted submissions do).
    """
    create_raw_tables(con)
    report = IngestReport(unknown_files=list(sources.unknown))
    for name in sources.unknown:
        log.warning("ignoring %s: not a known archive dump name", name)
    catalogs = [(kind, src) for kind in _CATALOG_COLUMNS for src in sources.of_kind(kind)]
    # The papers dump is most of the bytes: it gets the second connection to itself, and this
    # thread takes the other (small) catalogues after the evaluation tables.
    beside = [(kind, src) for kind, src in catalogs if kind == "papers"]
    here = [(kind, src) for kind, src in catalogs if kind != "papers"]
    # A commit that triggers an automatic checkpoint waits for every other connection's query
    # to end: with the catalogue load running beside the walk, that is a long spin. Checkpoint
    # once, at the end, instead.
    con.execute("SET checkpoint_threshold = '1TB'")
    cursor = con.cursor()
    stop = threading.Event()
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pwc-catalogs") as pool:
            loading = pool.submit(_load_catalogs, cursor, beside, stop)
            try:
                writer = _BatchWriter(con)
                tables = sources.of_kind("evaluation_tables")
                for src in tables:
                    report.files[src.name], report.sha256[src.name] = _load_evaluation_tables(writer, src)
                if not any(report.files[src.name] for src in tables):
                    raise SourceError(
                        f"{', '.join(src.name for src in tables)}: no metric values in any evaluation "
                        "table (every leaderboard is empty); a release needs results"
                    )
                if more is not None:
                    report.more = more(writer)
                writer.flush()
                report.files.update(_load_catalogs(con, here))
                for kind, src in catalogs:
                    report.sha256[src.name] = src.sha256()
                report.files.update(loading.result())
                report.files = {f.name: report.files[f.name] for f in sources.files if f.name in report.files}
            except BaseException:
                # Stop the other connection before leaving: its query must end before the pool
                # joins its thread (an interrupt only reaches a query that is running).
                stop.set()
                while not loading.done():
                    cursor.interrupt()
                    wait([loading], timeout=0.05)
                raise
    finally:
        cursor.close()  # only once its thread is gone: closing a cursor in use deadlocks DuckDB
    con.execute("RESET checkpoint_threshold")
    writer.flush_catalogs()
    report.rows.update(writer.counts)
    for kind in _CATALOG_COLUMNS:
        report.rows[f"raw_{kind}"] = count_rows(con, quote_ident(f"raw_{kind}"))
    return report


def _load_evaluation_tables(writer: _BatchWriter, src: SourceFile) -> tuple[int, str]:
    """Walk one evaluation-tables file into the writer; returns (metric cells, sha256 of the file)."""
    n = 0
    items = -1
    digest = hashlib.sha256()
    for index, task in iter_items(src.path, src.name, digest=digest):
        items = index
        if not isinstance(task, dict):
            raise SourceError(
                f"{src.name}: top-level item {index}: expected a task object, found {type(task).__name__}"
            )
        if "task" not in task:
            raise SourceError(
                f"{src.name}: top-level item {index}: expected a task object with a 'task' name, found "
                f"an object with keys {sorted(task)[:5]!r}; is this an evaluation-tables file?"
            )
        for emitted in walk_task(task, src.name, index):
            emitted.row["source_rank"] = src.rank
            writer.add(_KIND_TABLE[emitted.kind], emitted.row)
            n += emitted.kind == "result"
    if items < 0:
        raise SourceError(f"{src.name}: expected a JSON array of task objects, found an empty array")
    return n, digest.hexdigest()


def _load_catalogs(
    con: duckdb.DuckDBPyConnection,
    catalogs: list[tuple[str, SourceFile]],
    stop: threading.Event | None = None,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, src in catalogs:
        if stop is not None and stop.is_set():
            break
        counts[src.name] = _load_catalog(con, kind, src)
    con.execute("SELECT 1").fetchall()  # end the last statement's result: it holds a table lock
    return counts


def _load_catalog(con: duckdb.DuckDBPyConnection, kind: str, src: SourceFile) -> int:
    table = quote_ident(f"raw_{kind}")
    try:
        before = count_rows(con, table)
        # Only the table name is formatted in (quoted); the file, its columns and limits are bound.
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT $name AS source, $rank AS source_rank, * "  # noqa: S608
            "FROM read_json($path, format = 'array', columns = $columns, maximum_object_size = $max)",
            {
                "name": src.name,
                "rank": src.rank,
                "path": str(src.path),
                "columns": _CATALOG_COLUMNS[kind],
                "max": MAX_CATALOG_RECORD_BYTES,
            },
        )
        after = count_rows(con, table)
    except (duckdb.OutOfMemoryException, duckdb.InterruptException):
        raise  # not the file's fault: the stage reports the limit (transforms.duck.resource_errors)
    except duckdb.Error as exc:
        if "no space left on device" in str(exc).lower():
            raise
        detail = str(exc).split("\n")[0].replace(str(src.path), src.name)
        raise SourceError(f"{src.name}: cannot read as a {kind} dump: {detail}") from None
    return int(after) - int(before)
