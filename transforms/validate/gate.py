"""The Great Expectations gate: validate release tables before they are published.

Every release table has one suite, ``expectations/<table>.json`` (see
``expectations/README.md``). :func:`run_gate` reads each table once from DuckDB
(via Arrow into pandas, DATE columns as ``datetime.date``), resolves the suites'
``$PARAMETER`` values, validates with Great Expectations' pandas datasource and
returns a :class:`GateReport`; :func:`raise_for_failures` turns a failed report
into one :class:`~transforms.errors.ValidationFailed`.

GX's SQL datasource does not work on DuckDB, hence pandas. ``great_expectations``
takes seconds to import, so it is imported on first use, and one ephemeral,
in-memory context (no ``gx/`` folder, no data docs, no progress bars) serves
every call in the process.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transforms.duck import columns as columns_of
from transforms.duck import count_rows, distinct_values, quote_ident, read_arrow
from transforms.errors import ConfigError, ValidationFailed
from transforms.release.schema import TABLES

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

PARTIAL_UNEXPECTED_COUNT = 20
"""How many unexpected values a report keeps per expectation (GX's SUMMARY format)."""

DEFAULT_MIN_ROWS = 1
"""``min_rows__<table>`` when the caller gives none: a release table is never empty."""

PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
"""Names GX's suite-parameter parser accepts (it reads ``a.b`` as an expression)."""

_IDS = re.compile(r"^ids__(?P<table>[a-z0-9_]+?)__(?P<column>[a-z0-9_]+)$")
_ROWS = re.compile(r"^(?P<bound>min_rows|max_rows)__(?P<table>[a-z0-9_]+)$")
_GATE_INDEX = "gate_index"
_IN_SET = "expect_column_values_to_be_in_set"
_NOT_IN_SET = "expect_column_values_to_not_be_in_set"
_EXAMPLES_IN_MESSAGE = 3


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ExpectationReport:
    """The outcome of one expectation, JSON-safe and without resolved value sets."""

    index: int
    """Position in the suite file."""
    type: str
    kwargs: dict[str, Any]
    """As written in the suite: parameters appear as ``{"$PARAMETER": name}``."""
    why: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    """GX's percentage: of the non-null values in the column (after any row_condition)."""
    partial_unexpected_list: list[Any] = field(default_factory=list)
    observed_value: Any = None
    details: Any = None
    exception: str | None = None
    bounds: dict[str, Any] = field(default_factory=dict)
    """Resolved scalar parameters (e.g. ``max_value`` from ``max_rows__results``)."""
    evaluated_as: str | None = None
    """How GX evaluated it when that differs from ``type`` (large value sets, see ``_prepare``)."""
    unexpected_index: list[Any] = field(default_factory=list)
    """With ``run_gate(index_column=...)``: that column's value for EVERY failing row (not in JSON)."""
    meta: dict[str, Any] = field(default_factory=dict)
    """The expectation's ``meta`` as written in the suite (``why``, and e.g. ``severity``, ``fix``)."""

    def describe(self) -> str:
        """``type(column)`` plus the row condition, as used in failure messages."""
        kw = self.kwargs
        if "column" in kw:
            cols = str(kw["column"])
        elif "column_list" in kw:
            cols = ", ".join(map(str, kw["column_list"]))
        elif "column_A" in kw:
            cols = f"{kw['column_A']}, {kw['column_B']}"
        else:
            cols = ""
        text = f"{self.type}({cols})" if cols else self.type
        if kw.get("row_condition"):
            text += f" where {_condition_text(kw['row_condition'])}"
        return text

    def to_json_dict(self) -> dict[str, Any]:
        """The expectation as it appears in ``validation.json``."""
        out: dict[str, Any] = {
            "index": self.index,
            "type": self.type,
            "kwargs": self.kwargs,
            "why": self.why,
            "success": self.success,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "partial_unexpected_list": self.partial_unexpected_list,
        }
        if self.bounds:
            out["bounds"] = self.bounds
        if self.evaluated_as is not None:
            out["evaluated_as"] = self.evaluated_as
        if self.observed_value is not None:
            out["observed_value"] = self.observed_value
        if self.details is not None:
            out["details"] = self.details
        if self.exception is not None:
            out["exception"] = self.exception
        return out


@dataclass(frozen=True)
class TableReport:
    """One table's validation against its suite."""

    table: str
    suite: str
    """Suite file name (not the full path, so reports do not depend on the checkout)."""
    row_count: int
    expectations: list[ExpectationReport]

    @property
    def success(self) -> bool:
        return all(e.success for e in self.expectations)

    @property
    def evaluated_expectations(self) -> int:
        return len(self.expectations)

    @property
    def successful_expectations(self) -> int:
        return sum(e.success for e in self.expectations)

    def to_json_dict(self) -> dict[str, Any]:
        """The table as it appears in ``validation.json``."""
        return {
            "suite": self.suite,
            "row_count": self.row_count,
            "success": self.success,
            "evaluated_expectations": self.evaluated_expectations,
            "successful_expectations": self.successful_expectations,
            "expectations": [e.to_json_dict() for e in self.expectations],
        }


@dataclass(frozen=True)
class Failure:
    """A failed expectation and the table it belongs to."""

    table: str
    row_count: int
    expectation: ExpectationReport

    def message(self, report_path: str | None = None) -> str:
        """One line: table, expectation, how many rows, a few examples, where the report is."""
        e = self.expectation
        head = f"{self.table}: {e.describe()}"
        if e.exception is not None:
            line = f"{head} could not be evaluated: {e.exception}"
        elif e.unexpected_count is not None:
            examples: list[Any] = []
            for v in e.partial_unexpected_list:
                if len(examples) == _EXAMPLES_IN_MESSAGE:
                    break
                if _short(v) not in examples:
                    examples.append(_short(v))
            line = (
                f"{head} failed: {e.unexpected_count:,} of {self.row_count:,} rows"
                f" ({_percent(e.unexpected_count, self.row_count)}), e.g. {examples!r}"
            )
        else:
            line = f"{head} failed: observed {_short(e.observed_value, 200)}"
            mismatched = e.details.get("mismatched") if isinstance(e.details, dict) else None
            if isinstance(mismatched, dict):
                line += "".join(f"; {k} {v!r}" for k, v in sorted(mismatched.items()) if v)
            if e.bounds:
                line += "; expected " + ", ".join(f"{k}={v!r}" for k, v in e.bounds.items())
        if report_path:
            line += f" — full report: {report_path}"
        return line


@dataclass(frozen=True)
class GateReport:
    """Everything the gate found; ``to_json_dict()`` is the release's ``validation.json``."""

    tables: dict[str, TableReport]
    parameters: dict[str, Any]
    """Scalar parameters as used, and for ``ids__*`` the number of distinct values."""
    great_expectations_version: str

    @property
    def success(self) -> bool:
        return all(t.success for t in self.tables.values())

    def failures(self) -> list[Failure]:
        """Failed expectations in table order, then suite order."""
        return [
            Failure(t.table, t.row_count, e)
            for t in self.tables.values()
            for e in t.expectations
            if not e.success
        ]

    def summary_line(self) -> str:
        """E.g. ``Great Expectations gate passed: 97 expectations in 8 tables``."""
        total = sum(t.evaluated_expectations for t in self.tables.values())
        if self.success:
            return f"Great Expectations gate passed: {total} expectations in {len(self.tables)} tables"
        failed = len(self.failures())
        failed_tables = sum(not t.success for t in self.tables.values())
        return (
            f"Great Expectations gate failed: {failed} of {total} expectations"
            f" in {failed_tables} of {len(self.tables)} tables"
        )

    def to_json_dict(self) -> dict[str, Any]:
        """Deterministic, ``json.dumps``-able (no NaN, no dates, no timestamps or run ids)."""
        evaluated = sum(t.evaluated_expectations for t in self.tables.values())
        successful = sum(t.successful_expectations for t in self.tables.values())
        return {
            "success": self.success,
            "great_expectations_version": self.great_expectations_version,
            "statistics": {
                "tables": len(self.tables),
                "failed_tables": sum(not t.success for t in self.tables.values()),
                "evaluated_expectations": evaluated,
                "successful_expectations": successful,
                "unsuccessful_expectations": evaluated - successful,
            },
            "parameters": self.parameters,
            "tables": {name: t.to_json_dict() for name, t in self.tables.items()},
        }


# --------------------------------------------------------------------------- suites


def load_suite(path: str | Path) -> dict[str, Any]:
    """Read one suite file and check its shape (not its expectations: GX does that).

    Raises ConfigError naming the file, and the line and column for bad JSON.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such suite file; every validated table needs expectations/<table>.json"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read suite file: {exc}") from exc
    try:
        suite = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}:{exc.colno}: suite file is not valid JSON: {exc.msg}"
        ) from None
    if not isinstance(suite, dict) or not isinstance(suite.get("name"), str):
        raise ConfigError(f'{path}: a suite is a JSON object with a "name" string')
    expectations = suite.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise ConfigError(f'{path}: "expectations" must be a non-empty list')
    for i, e in enumerate(expectations):
        where = f"{path}: expectations[{i}]"
        if not isinstance(e, dict) or not isinstance(e.get("type"), str):
            raise ConfigError(f'{where} must be an object with a "type" string')
        if not isinstance(e.get("kwargs", {}), dict):
            raise ConfigError(f'{where} ({e["type"]}): "kwargs" must be an object')
        for name in suite_parameters({"expectations": [e]}):
            if not PARAMETER_NAME.match(name):
                raise ConfigError(
                    f'{where} ({e["type"]}): $PARAMETER "{name}" is not a valid GX parameter name;'
                    " use letters, digits and _ (e.g. ids__tasks__task_id, not ids.tasks.task_id)"
                )
    return suite


def suite_parameters(suite: Mapping[str, Any]) -> list[str]:
    """The ``$PARAMETER`` names a suite uses, in order of first use."""
    names: list[str] = []
    for e in suite.get("expectations", []):
        for value in (e.get("kwargs") or {}).values():
            if isinstance(value, dict) and "$PARAMETER" in value and value["$PARAMETER"] not in names:
                names.append(value["$PARAMETER"])
    return names


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
    _check_given_parameters(given, names, {p for _, s in suites.values() for p in suite_parameters(s)})

    present = _database_tables(con)
    missing = [n for n in names if n not in present]
    if missing:
        raise ValidationFailed(
            f"Great Expectations gate failed: table(s) {', '.join(missing)} not found in the database"
            f" (found: {', '.join(sorted(present)) or 'none'})"
        )

    resolved = _resolve_parameters(con, suites, given, present)
    session = _gx_session()
    reports: dict[str, TableReport] = {}
    for name in names:
        path, suite = suites[name]
        columns = _columns_read(suite)
        if columns is not None and index_column is not None:
            columns.add(index_column)
        frame = _read_table(con, name, columns)
        reports[name] = _validate_table(session, name, path, suite, frame, resolved, index_column)
        del frame
    shown = {
        k: ({"distinct_values": len(v)} if isinstance(v, (set, frozenset)) else _json_safe(v))
        for k, v in sorted(resolved.items())
    }
    return GateReport(tables=reports, parameters=shown, great_expectations_version=session.version)


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


_SESSION: _GxSession | None = None
_SESSION_LOCK = threading.Lock()


def _gx_session() -> _GxSession:
    """The process's one ephemeral GX context and pandas batch definition (created on first use)."""
    global _SESSION
    with _SESSION_LOCK:
        if _SESSION is None:
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
            _SESSION = _GxSession(gx.__version__, gx, batch_definition)
        return _SESSION


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
            frame.insert(position, name, pd.Categorical.from_codes(codes, dtype=nothing))
    return frame


def _columns_read(suite: Mapping[str, Any]) -> set[str] | None:
    """Columns the suite's expectations look at; None when that cannot be told (read all)."""
    columns: set[str] = set()
    for e in suite["expectations"]:
        kwargs = e.get("kwargs") or {}
        found = [kwargs[k] for k in ("column", "column_A", "column_B") if isinstance(kwargs.get(k), str)]
        found += [c for c in kwargs.get("column_list") or [] if isinstance(c, str)]
        condition = kwargs.get("row_condition")
        if condition is not None:
            names = _condition_columns(condition)
            if names is None:
                return None
            found += names
        if not found and not str(e["type"]).startswith("expect_table_"):
            return None
        columns.update(found)
    return columns


def _condition_columns(condition: Any) -> list[str] | None:
    """Columns named in a Condition dict (None for pandas query strings: unknown)."""
    if not isinstance(condition, dict):
        return None
    names: list[str] = []
    column = condition.get("column")
    if isinstance(column, dict) and isinstance(column.get("name"), str):
        names.append(column["name"])
    for sub in condition.get("conditions") or []:
        more = _condition_columns(sub)
        if more is None:
            return None
        names += more
    if not names:
        return None
    return names


def _check_given_parameters(given: Mapping[str, Any], tables: Sequence[str], named: set[str]) -> None:
    known = set(TABLES) | set(tables)
    for name, value in given.items():
        ids, rows = _IDS.match(name), _ROWS.match(name)
        if (
            not (ids and ids["table"] in known)
            and not (rows and rows["table"] in known)
            and name not in named
        ):
            raise ConfigError(
                f"unknown gate parameter {name!r}: expected min_rows__<table>, max_rows__<table>,"
                f" ids__<table>__<column> with <table> one of {', '.join(sorted(known))},"
                " or a $PARAMETER the suites name"
            )
        if rows and value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"gate parameter {name!r} must be an integer or None, got {value!r}")


def _resolve_parameters(
    con: duckdb.DuckDBPyConnection,
    suites: Mapping[str, tuple[Path, dict[str, Any]]],
    given: Mapping[str, Any],
    present: set[str],
) -> dict[str, Any]:
    """Values for every parameter the suites use: given, else from the database, else defaults."""
    resolved: dict[str, Any] = {}
    for path, suite in suites.values():
        for name in suite_parameters(suite):
            if name in resolved:
                continue
            if name in given:
                value = given[name]
                resolved[name] = frozenset(value) if _IDS.match(name) and value is not None else value
            elif m := _ROWS.match(name):
                resolved[name] = DEFAULT_MIN_ROWS if m["bound"] == "min_rows" else None
            elif m := _IDS.match(name):
                resolved[name] = _distinct_ids(con, m["table"], m["column"], path, present)
            else:
                raise ConfigError(
                    f"{path}: $PARAMETER {name!r} has no value; the gate resolves ids__<table>__<column>,"
                    " min_rows__<table> and max_rows__<table>; the caller must give any other"
                    " (see expectations/README.md)"
                )
    return resolved


def _distinct_ids(
    con: duckdb.DuckDBPyConnection, table: str, column: str, path: Path, present: set[str]
) -> frozenset[Any]:
    if table not in present:
        raise ValidationFailed(
            f"Great Expectations gate failed: {path.name} checks references to {table}.{column},"
            f" but the database has no table {table!r}"
        )
    columns = {r[0] for r in con.execute(f"DESCRIBE {_quote(table)}").fetchall()}
    if column not in columns:
        raise ValidationFailed(
            f"Great Expectations gate failed: {path.name} checks references to {table}.{column},"
            f" but {table} has no column {column!r}"
        )
    return frozenset(distinct_values(con, table, column))


def _validate_table(
    session: _GxSession,
    table: str,
    path: Path,
    suite: dict[str, Any],
    frame: pd.DataFrame,
    resolved: Mapping[str, Any],
    index_column: str | None = None,
) -> TableReport:
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    raw = suite["expectations"]
    expectations = []
    notes: dict[int, str] = {}
    params: dict[str, Any] = {}
    for i, e in enumerate(raw):
        type_, kwargs, note = _prepare(e, frame, resolved)
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
    return TableReport(table=table, suite=path.name, row_count=len(frame), expectations=reports)


def _prepare(
    expectation: Mapping[str, Any], frame: pd.DataFrame, resolved: Mapping[str, Any]
) -> tuple[str, dict[str, Any], str | None]:
    """The type and kwargs GX gets, and a note when they differ from the suite's.

    GX rebuilds an expectation's kwargs (pydantic ``.dict()``) over a hundred times
    per validation, so a value set of 600k paper ids costs minutes. For
    ``expect_column_values_to_be_in_set`` with a ``$PARAMETER`` value set, GX is
    given an equivalent expectation over the column's own distinct values: either
    ``expect_column_values_to_not_be_in_set`` with those outside the set (normally
    none) or, when most are outside, ``expect_column_values_to_be_in_set`` with
    those inside. The same rows fail, with the same counts and examples.
    """
    type_ = str(expectation["type"])
    kwargs = dict(expectation.get("kwargs") or {})
    value_set = kwargs.get("value_set")
    if type_ != _IN_SET or not (isinstance(value_set, dict) and "$PARAMETER" in value_set):
        return type_, kwargs, None
    name = value_set["$PARAMETER"]
    allowed = resolved[name]
    if not isinstance(allowed, (list, tuple, set, frozenset)):
        return type_, kwargs, None
    column = kwargs.get("column")
    inside: list[Any] = []
    outside: list[Any] = []
    if column in frame.columns:
        allowed_set = allowed if isinstance(allowed, (set, frozenset)) else frozenset(allowed)
        for v in frame[column].dropna().unique().tolist():
            (inside if v in allowed_set else outside).append(v)
    if len(outside) <= len(inside):
        type_, kwargs["value_set"], which = _NOT_IN_SET, sorted(outside, key=repr), "missing from"
    else:
        kwargs["value_set"], which = sorted(inside, key=repr), "found in"
    note = (
        f"{type_} with the {len(kwargs['value_set']):,} distinct {column} value(s) {which} {name}"
        f" ({len(allowed):,} values)"
    )
    return type_, kwargs, note


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
        k: _json_safe(params[v["$PARAMETER"]])
        for k, v in kwargs.items()
        if isinstance(v, dict)
        and "$PARAMETER" in v
        and not isinstance(params[v["$PARAMETER"]], (list, tuple, set, frozenset))
    }
    common = {
        "index": index,
        "type": raw["type"],
        "kwargs": _json_safe(kwargs),
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
        unexpected_percent=_json_safe(res.get("unexpected_percent")),
        partial_unexpected_list=_json_safe(list(partial[:PARTIAL_UNEXPECTED_COUNT])),
        observed_value=_json_safe(res.get("observed_value")),
        details=_json_safe(res.get("details")),
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


def _condition_text(condition: Any) -> str:
    if isinstance(condition, dict) and condition.get("type") == "nullity":
        return f"{condition['column']['name']} IS {'' if condition.get('is_null') else 'NOT '}NULL"
    if isinstance(condition, dict) and condition.get("type") == "comparison":
        return f"{condition['column']['name']} {condition.get('operator')} {condition.get('parameter')!r}"
    return str(condition)


def _percent(count: int, total: int) -> str:
    if total == 0:
        return "n/a"
    pct = 100.0 * count / total
    return "<0.01%" if 0 < pct < 0.01 else f"{pct:.2f}%"


def _short(value: Any, limit: int = 60) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


def _json_safe(value: Any) -> Any:
    """Plain JSON values: NaN/inf and dates become strings, numpy scalars and arrays Python values."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_json_safe(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _json_safe(value.tolist())
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    return str(value)
