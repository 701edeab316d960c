"""The gate's report: what every expectation found, per table, and one-line failure messages.

``GateReport.to_json_dict()`` is the release's ``validation.json``; :class:`Failure` turns a failed
expectation into the line a person reads (table, expectation, how many rows, examples).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

_EXAMPLES_IN_MESSAGE = 3


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
    """How GX evaluated it when that differs from ``type`` (large value sets, see ``prepare_expectation``)."""
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
            text += f" where {condition_text(kw['row_condition'])}"
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
    seconds: dict[str, Any] = field(default_factory=dict, compare=False)
    """Where the gate's time went (``gx_import``, ``gx_context``, ``parameters``, and per table
    ``read`` and ``validate``), for benchmarks; not part of ``validation.json``."""
    gx_results: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """GX's own result per table (``ExpectationSuiteValidationResult``): what the Data Docs render;
    not part of ``validation.json``."""

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


def condition_text(condition: Any) -> str:
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


def json_safe(value: Any) -> Any:
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
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_safe(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return json_safe(value.tolist())
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    return str(value)
