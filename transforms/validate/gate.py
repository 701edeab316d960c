"""The Great Expectations gate: validate release tables before they are published.

Every release table has one suite, ``expectations/<table>.json`` (see
``expectations/README.md``). :func:`run_gate` reads each table once from DuckDB
(via Arrow into pandas, DATE columns as ``datetime.date``), resolves the suites'
``$PARAMETER`` values, validates with Great Expectations' pandas datasource and
returns a :class:`GateReport`; :func:`raise_for_failures` turns a failed report
into one :class:`~transforms.errors.ValidationFailed`.

GX's SQL datasource does not work on DuckDB, hence pandas. ``great_expectations``
takes seconds to import, so it is imported on first use, and one ephemeral,
in-memory context (no ``gx/`` folder, no progress bars) serves every call in the
process; :mod:`transforms.validate.data_docs` renders a report's results as GX Data Docs.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transforms.duck import columns as columns_of
from transforms.duck import count_rows, quote_ident, read_arrow
from transforms.errors import ConfigError, ValidationFailed
from transforms.release.schema import TABLES
from transforms.validate.report import ExpectationReport, GateReport, TableReport, json_safe
from transforms.validate.suites import (
    check_given_parameters,
    columns_read,
    load_suite,
    prepare_expectation,
    resolve_parameters,
    suite_parameters,
)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

PARTIAL_UNEXPECTED_COUNT = 20
"""How many unexpected values a report keeps per expectation (GX's SUMMARY format)."""


_GATE_INDEX = "gate_index"


# --------------------------------------------------------------------------- report


# --------------------------------------------------------------------------- suites


# --------------------------------------------------------------------------- gate


def run_gate(
    con: duckdb.DuckDBPyConnection,
    expectations_dir: Path,
    tables: Sequence[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    index_column: str | None = None,
) -> GateReport:
    """Validate release tables in ``con`` against ``expectations_dir/<table>.json``.

    ``tables`` defaults to every table in ``transforms.release.schema.TABLES``; each
    must exist in the database and have a suite. ``parameters`` sets suite
    parameters by name: ``min_rows__<table>`` / ``max_rows__<table>`` (ints;
    defaults 1 and open), and overrides for ``ids__<table>__<column>``, which
    are otherwise the column's distinct non-null values read from ``con``.
    Any other ``$PARAMETER`` a suite names (e.g. ``today``) must be given.

    ``index_column`` asks GX for every failing row, not a sample: each
    expectation's ``unexpected_index`` then lists that column's values for the
    rows that failed it (the submission validator maps them back to files).

    Returns the report whatever the outcome; call :func:`raise_for_failures`.
    Raises ConfigError for a missing or malformed suite or an unknown parameter,
    and ValidationFailed when a table to validate is not in the database.
    """
    names = list(TABLES) if tables is None else list(tables)
    given = dict(parameters or {})

    suites: dict[str, tuple[Path, dict[str, Any]]] = {}
    for name in names:
        path = Path(expectations_dir) / f"{name}.json"
        if not path.exists():
            raise ConfigError(
                f"{path}: no suite for table {name!r}; every release table must be checked."
                f" Add expectations/{name}.json (see expectations/README.md)"
            )
        suites[name] = (path, load_suite(path))
    check_given_parameters(given, names, {p for _, s in suites.values() for p in suite_parameters(s)})

    present = _database_tables(con)
    missing = [n for n in names if n not in present]
    if missing:
        raise ValidationFailed(
            f"Great Expectations gate failed: table(s) {', '.join(missing)} not found in the database"
            f" (found: {', '.join(sorted(present)) or 'none'})"
        )

    seconds: dict[str, Any] = {"tables": {}}
    started = time.perf_counter()
    resolved = resolve_parameters(con, suites, given, present)
    seconds["parameters"] = time.perf_counter() - started
    started = time.perf_counter()
    gx_was_imported = "great_expectations" in sys.modules
    session = _gx_session()
    seconds["gx_import_and_context" if not gx_was_imported else "gx_context"] = time.perf_counter() - started
    reports: dict[str, TableReport] = {}
    gx_results: dict[str, Any] = {}
    for name in names:
        path, suite = suites[name]
        columns = columns_read(suite)
        if columns is not None and index_column is not None:
            columns.add(index_column)
        started = time.perf_counter()
        frame = _read_table(con, name, columns)
        read = time.perf_counter() - started
        reports[name], gx_results[name] = _validate_table(
            session, name, path, suite, frame, resolved, index_column
        )
        seconds["tables"][name] = {"read": read, "validate": time.perf_counter() - started - read}
        del frame
    shown = {
        k: ({"distinct_values": len(v)} if isinstance(v, (set, frozenset)) else json_safe(v))
        for k, v in sorted(resolved.items())
    }
    return GateReport(
        tables=reports,
        parameters=shown,
        great_expectations_version=session.version,
        seconds=seconds,
        gx_results=gx_results,
    )


def raise_for_failures(report: GateReport, report_path: str | None) -> None:
    """Raise one ValidationFailed summarising every failed expectation, if any failed.

    The message starts with :meth:`GateReport.summary_line` and has one line per
    failed expectation, each pointing at ``report_path`` (the full JSON report).
    """
    if report.success:
        return
    lines = [report.summary_line()]
    lines += [f.message(report_path) for f in report.failures()]
    raise ValidationFailed("\n".join(lines))


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _GxSession:
    version: str
    gx: Any
    batch_definition: Any
    context: Any
    """The ephemeral context: its in-memory validation results store feeds the Data Docs."""


_SESSION: _GxSession | None = None
_SESSION_LOCK = threading.Lock()


def _gx_session() -> _GxSession:
    """The process's one ephemeral GX context and pandas batch definition (created on first use)."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
            _quiet_gx()
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            config = DataContextConfig(
                analytics_enabled=False,
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            )
            context = gx.get_context(mode="ephemeral", project_config=config)
            asset = context.data_sources.add_pandas("pwc_release").add_dataframe_asset("release_table")
            batch_definition = asset.add_batch_definition_whole_dataframe("whole_table")
            # GX fingerprints every pandas batch (md5 of the frame, falling back to pickling
            # it when a column holds lists): seconds per table, for a marker we never read.
            from great_expectations.execution_engine import pandas_execution_engine

            if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
                pandas_execution_engine.HASH_THRESHOLD = 0
            _SESSION = _GxSession(gx.__version__, gx, batch_definition, context)
        return _SESSION


def _quiet_gx() -> None:
    """Silence GX at the source, before its import: it logs hundreds of INFO lines while importing
    (``_docs_decorators`` registrations, metric re-declarations, datasource loading) and pandas warns
    for every regex with a group (``column_values_match_regex`` uses ``str.contains``). Warnings
    and errors of GX still show."""
    import logging
    import warnings

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    warnings.filterwarnings(
        "ignore", message="This pattern is interpreted as a regular expression, and has match groups"
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _database_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_catalog = current_database()"
    ).fetchall()
    return {r[0] for r in rows}


def _read_table(con: duckdb.DuckDBPyConnection, table: str, columns: set[str] | None = None) -> pd.DataFrame:
    """The table as pandas; DATE becomes ``datetime.date`` so GX can compare it.

    Columns outside ``columns`` (None: all) keep their name and position but hold
    only NULLs, as an empty categorical: no expectation reads them, abstracts or
    author lists would otherwise cost hundreds of MB on the way through pandas, and
    GX filters the whole frame for every expectation (a categorical's codes are one
    byte a row to copy).
    """
    import numpy as np
    import pandas as pd

    names = list(columns_of(con, quote_ident(table)))
    read = [n for n in names if columns is None or n in columns]
    arrow = read_arrow(con, table, read) if read else None
    rows = arrow.num_rows if arrow is not None else count_rows(con, quote_ident(table))
    frame = arrow.to_pandas(date_as_object=True) if arrow is not None else pd.DataFrame(index=range(rows))
    nothing = pd.CategoricalDtype(categories=[])
    for position, name in enumerate(names):
        if name not in read:
            codes = np.full(rows, -1, dtype=np.int8)
            # pandas-stubs (installed with mlcroissant) does not list Categorical among insert's values.
            frame.insert(position, name, pd.Categorical.from_codes(codes, dtype=nothing))  # type: ignore[arg-type]
    return frame


def _validate_table(
    session: _GxSession,
    table: str,
    path: Path,
    suite: dict[str, Any],
    frame: pd.DataFrame,
    resolved: Mapping[str, Any],
    index_column: str | None = None,
) -> tuple[TableReport, Any]:
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    raw = suite["expectations"]
    expectations = []
    notes: dict[int, str] = {}
    params: dict[str, Any] = {}
    for i, e in enumerate(raw):
        type_, kwargs, note = prepare_expectation(e, frame, resolved)
        for name in suite_parameters({"expectations": [{"kwargs": kwargs}]}):
            params[name] = resolved[name]
        if note:
            notes[i] = note
        meta = {**(e.get("meta") or {}), _GATE_INDEX: i}
        try:
            config = ExpectationConfiguration(type=type_, kwargs=kwargs, meta=meta)
            expectations.append(config.to_domain_obj())
        except Exception as exc:  # GX raises several types (pydantic, InvalidExpectationConfiguration)
            raise ConfigError(
                f"{path}: expectations[{i}] ({e['type']}) is not a valid expectation: {exc}"
            ) from exc
    gx_suite = session.gx.ExpectationSuite(name=suite["name"], expectations=expectations)
    batch = session.batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT,
    }
    if index_column is not None:
        result_format = {
            "result_format": "COMPLETE",
            "unexpected_index_column_names": [index_column],
            "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT,
        }
    result = batch.validate(gx_suite, expectation_parameters=params, result_format=result_format)
    by_index = {r.expectation_config.meta[_GATE_INDEX]: r for r in result.results}
    reports = [
        _expectation_report(i, e, by_index.get(i), resolved, notes.get(i), index_column)
        for i, e in enumerate(raw)
    ]
    report = TableReport(table=table, suite=path.name, row_count=len(frame), expectations=reports)
    return report, result


def _expectation_report(
    index: int,
    raw: Mapping[str, Any],
    result: Any,
    params: Mapping[str, Any],
    note: str | None,
    index_column: str | None = None,
) -> ExpectationReport:
    kwargs = raw.get("kwargs") or {}
    bounds = {
        k: json_safe(params[v["$PARAMETER"]])
        for k, v in kwargs.items()
        if isinstance(v, dict)
        and "$PARAMETER" in v
        and not isinstance(params[v["$PARAMETER"]], (list, tuple, set, frozenset))
    }
    common = {
        "index": index,
        "type": raw["type"],
        "kwargs": json_safe(kwargs),
        "why": str((raw.get("meta") or {}).get("why", "")),
        "bounds": bounds,
        "evaluated_as": note,
        "meta": dict(raw.get("meta") or {}),
    }
    if result is None:
        return ExpectationReport(success=False, exception="GX returned no result", **common)
    res = result.result or {}
    partial = res.get("partial_unexpected_list") or []
    rows: list[Any] = []
    if index_column is not None:
        for entry in res.get("unexpected_index_list") or []:
            value: Any = entry.get(index_column) if isinstance(entry, dict) else entry
            rows.append(value.item() if hasattr(value, "item") else value)
    return ExpectationReport(
        success=bool(result.success),
        element_count=res.get("element_count"),
        unexpected_count=res.get("unexpected_count"),
        unexpected_percent=json_safe(res.get("unexpected_percent")),
        partial_unexpected_list=json_safe(list(partial[:PARTIAL_UNEXPECTED_COUNT])),
        observed_value=json_safe(res.get("observed_value")),
        details=json_safe(res.get("details")),
        exception=_exception_text(result.exception_info),
        unexpected_index=rows,
        **common,
    )


def _exception_text(info: Any) -> str | None:
    """GX's exception_info is either one dict or a dict of them keyed by metric id."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    messages = sorted(
        {
            str(e.get("exception_message"))
            for e in entries
            if isinstance(e, dict) and e.get("raised_exception")
        }
    )
    return "; ".join(messages) or None
