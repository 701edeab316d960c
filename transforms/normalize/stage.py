"""Normalise stage: parse every distinct raw value once, then run the staging models."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from transforms.build.sqlrunner import STAGING_MODELS, ModelRun, create_macros, run_models
from transforms.normalize.values import parse_metric_value

_PARSES = pa.schema(
    [
        ("value_raw", pa.string()),
        ("value", pa.float64()),
        ("value_issue", pa.string()),
        ("is_percent", pa.bool_()),
    ]
)


def build_value_parses(con: duckdb.DuckDBPyConnection) -> int:
    """Fill ``value_parses`` (one row per distinct raw cell) with the project's one value parser.

    Parsing distinct values in Python and joining in SQL keeps one parser for the
    build and the submission validator, at a fraction of a per-row UDF's cost.
    """
    raws = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT value_raw FROM raw_results WHERE metric_name_raw IS NOT NULL"
        ).fetchall()
    ]
    numeric = {
        r[0]
        for r in con.execute("SELECT DISTINCT value_raw FROM raw_results WHERE value_is_number").fetchall()
    }
    rows = {"value_raw": [], "value": [], "value_issue": [], "is_percent": []}  # type: dict[str, list]
    for raw in raws:
        # JSON numbers were stored as their text; parse them back as numbers, not strings.
        parsed = parse_metric_value(float(raw) if raw in numeric and raw is not None else raw)
        rows["value_raw"].append(raw)
        rows["value"].append(parsed.value)
        rows["value_issue"].append(parsed.issue)
        rows["is_percent"].append(parsed.is_percent)
    table = pa.Table.from_pydict(rows, schema=_PARSES)
    con.register("_parses", table)
    con.execute("CREATE OR REPLACE TABLE value_parses AS SELECT * FROM _parses")
    con.unregister("_parses")
    return len(raws)


def normalize(con: duckdb.DuckDBPyConnection) -> list[ModelRun]:
    """Create the macros, parse values and materialise every staging model."""
    create_macros(con)
    build_value_parses(con)
    return run_models(con, "staging", STAGING_MODELS)
