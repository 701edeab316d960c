"""Normalise stage: parse every distinct raw value once, then run the staging models."""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa

from transforms.duck import ModelRun, create_macros, run_models, write_arrow
from transforms.normalize.metrics import Registry, registry
from transforms.normalize.models import ModelRules, name_key, rules
from transforms.normalize.values import parse_metric_value

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
"""The staging models (``sql/staging``), in build order: they only rename, cast and clean."""

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
    write_arrow(con, "value_parses", pa.Table.from_pydict(rows, schema=_PARSES))
    return len(raws)


_METRIC_NAMES = pa.schema(
    [
        ("metric_name", pa.string()),
        ("metric_key", pa.string()),
        ("canonical_name", pa.string()),
        ("is_known", pa.bool_()),
        ("direction", pa.string()),
        ("unit", pa.string()),
        ("min_value", pa.float64()),
        ("max_value", pa.float64()),
        ("note", pa.string()),
    ]
)
_METRIC_IN_TASK = pa.schema(
    [
        ("task_name", pa.string()),
        ("metric_name", pa.string()),
        ("direction", pa.string()),
        ("unit", pa.string()),
        ("min_value", pa.float64()),
        ("max_value", pa.float64()),
    ]
)
_MODEL_KEYS = pa.schema(
    [
        ("paper_key", pa.string()),
        ("model_name", pa.string()),
        ("name_key", pa.string()),
        ("group_key", pa.string()),
    ]
)


def build_metric_lookups(con: duckdb.DuckDBPyConnection, reg: Registry | None = None) -> int:
    """``metric_names`` (the registry's facts per spelling) and ``metric_in_task`` (per task).

    One lookup per distinct (task, metric) pair with the project's one registry
    (:mod:`transforms.normalize.metrics`), the same the submission validator uses.
    """
    reg = reg or registry()
    names: dict[str, list] = {f.name: [] for f in _METRIC_NAMES}  # type: dict[str, list]
    for (name,) in con.execute("SELECT DISTINCT metric_name FROM stg_results ORDER BY 1").fetchall():
        info = reg.lookup(name)
        entry = reg.by_key.get(info.key)
        for column, value in zip(
            _METRIC_NAMES.names,
            (
                name,
                entry.key if entry else info.key,
                info.name,
                info.known,
                info.direction,
                info.unit,
                info.min_value,
                info.max_value,
                entry.note if entry else None,
            ),
            strict=True,
        ):
            names[column].append(value)
    write_arrow(con, "metric_names", pa.Table.from_pydict(names, schema=_METRIC_NAMES))
    in_task: dict[str, list] = {f.name: [] for f in _METRIC_IN_TASK}  # type: dict[str, list]
    pairs = con.execute("SELECT DISTINCT task_name, metric_name FROM stg_results ORDER BY 1, 2").fetchall()
    for task, name in pairs:
        info = reg.lookup(name, task)
        for column, value in zip(
            _METRIC_IN_TASK.names,
            (task, name, info.direction, info.unit, info.min_value, info.max_value),
            strict=True,
        ):
            in_task[column].append(value)
    write_arrow(con, "metric_in_task", pa.Table.from_pydict(in_task, schema=_METRIC_IN_TASK))
    return len(pairs)


def build_model_keys(con: duckdb.DuckDBPyConnection, model_rules: ModelRules | None = None) -> int:
    """``model_keys``: for each (paper, trimmed model name), its folded key and its model's group key."""
    model_rules = model_rules or rules()
    keys: dict[str, list] = {f.name: [] for f in _MODEL_KEYS}  # type: dict[str, list]
    spellings = con.execute("SELECT DISTINCT paper_key, model_name FROM stg_results ORDER BY 1, 2").fetchall()
    for paper, name in spellings:
        keys["paper_key"].append(paper)
        keys["model_name"].append(name)
        keys["name_key"].append(name_key(name))
        keys["group_key"].append(model_rules.group_key(paper, name))
    write_arrow(con, "model_keys", pa.Table.from_pydict(keys, schema=_MODEL_KEYS))
    return len(spellings)


def normalize(con: duckdb.DuckDBPyConnection, model_rules: ModelRules | None = None) -> list[ModelRun]:
    """Create the macros, parse values, materialise the staging models, then look names up.

    Metric names go through the metric registry and model names through the
    model rules once per distinct spelling; the build joins the results.
    """
    create_macros(con)
    build_value_parses(con)
    runs = run_models(con, "staging", STAGING_MODELS)
    started = time.perf_counter()
    pairs = build_metric_lookups(con)
    runs.append(ModelRun("metric_in_task", pairs, time.perf_counter() - started))
    started = time.perf_counter()
    spellings = build_model_keys(con, model_rules)
    runs.append(ModelRun("model_keys", spellings, time.perf_counter() - started))
    return runs
