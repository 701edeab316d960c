"""The suites: one Great Expectations suite (JSON) per table, their ``$PARAMETER`` values resolved.

A suite is ``expectations/<table>.json`` (see ``expectations/README.md``): readable by a person, so
referential checks name a parameter (``ids__<table>__<column>``) that is filled here from the
database, and row-count bounds are ``min_rows__<table>`` / ``max_rows__<table>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transforms.duck import columns, distinct_values, quote_ident
from transforms.errors import ConfigError, ValidationFailed
from transforms.release.schema import TABLES

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

PARAMETER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
"""Names GX's suite-parameter parser accepts (it reads ``a.b`` as an expression)."""


DEFAULT_MIN_ROWS = 1
"""``min_rows__<table>`` when the caller gives none: a release table is never empty."""


_IDS = re.compile(r"^ids__(?P<table>[a-z0-9_]+?)__(?P<column>[a-z0-9_]+)$")


_ROWS = re.compile(r"^(?P<bound>min_rows|max_rows)__(?P<table>[a-z0-9_]+)$")


_IN_SET = "expect_column_values_to_be_in_set"


_NOT_IN_SET = "expect_column_values_to_not_be_in_set"


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


def columns_read(suite: Mapping[str, Any]) -> set[str] | None:
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


def check_given_parameters(given: Mapping[str, Any], tables: Sequence[str], named: set[str]) -> None:
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


def resolve_parameters(
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
    if column not in columns(con, quote_ident(table)):
        raise ValidationFailed(
            f"Great Expectations gate failed: {path.name} checks references to {table}.{column},"
            f" but {table} has no column {column!r}"
        )
    return frozenset(distinct_values(con, table, column))


def prepare_expectation(
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
