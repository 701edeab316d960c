"""Normalise stage: parse every distinct raw value once, then run the staging models."""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa

from transforms.duck import ModelRun, create_macros, run_model, run_models, write_arrow
from transforms.normalize.metrics import Registry, registry
from transforms.normalize.model_identity import RULES, Evidence
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
        # The spelling's group after each rule of model_identity.RULES: where two spellings first
        # share one, that rule merged them (int_model_spellings.merge_rule, id_redirects.reason).
        ("stage_groups", pa.list_(pa.string())),
    ]
)
_MODEL_RULE_NAMES = pa.schema([("stage", pa.int32()), ("rule", pa.string()), ("reason", pa.string())])
_MODEL_REJECTIONS = pa.schema(
    [
        ("paper_key", pa.string()),
        ("rule", pa.string()),
        ("name_a", pa.string()),
        ("name_b", pa.string()),
        ("task_name", pa.string()),
        ("dataset_name", pa.string()),
        ("metric_key", pa.string()),
        ("values_a", pa.list_(pa.string())),
        ("values_b", pa.list_(pa.string())),
    ]
)


UNREVIEWED_NOTE = "unreviewed: listed in metrics.yaml as read but not reviewed (what it measures is unclear)"
"""``metrics.note`` of a name the registry lists as unreviewed."""


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
                entry.note if entry else (UNREVIEWED_NOTE if reg.is_unreviewed(name) else None),
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
    """``model_keys``: each (paper, trimmed model name) spelling and the model it belongs to in its paper.

    The spellings of each paper are grouped by the reviewed rules and the guard
    (:mod:`transforms.normalize.model_identity`), whose evidence is every
    spelling's values per leaderboard (``model_board_values``). Merges the guard
    refused go to ``model_merge_rejections`` (reported in quality.json); the
    rules' names and reasons to ``model_rule_names`` (id_redirects' reasons).
    """
    model_rules = model_rules or rules()
    run_model(con, "normalize", "model_board_values")
    evidence: dict[str, list[tuple[str, tuple[str, str, str], str]]] = {}
    for paper, name, task, dataset, metric, value in con.execute(
        "SELECT paper_key, model_name, task_name, dataset_name, metric_key, value_key "
        "FROM model_board_values ORDER BY ALL"
    ).fetchall():
        evidence.setdefault(paper, []).append((name, (task, dataset, metric), value))
    by_paper: dict[str | None, list[str]] = {}
    for paper, name in con.execute(
        "SELECT DISTINCT paper_key, model_name FROM stg_results ORDER BY 1, 2"
    ).fetchall():
        by_paper.setdefault(paper, []).append(name)

    keys: dict[str, list] = {f.name: [] for f in _MODEL_KEYS}  # type: dict[str, list]
    rejected: dict[str, list] = {f.name: [] for f in _MODEL_REJECTIONS}  # type: dict[str, list]
    for paper, names in by_paper.items():
        if paper is None:  # no paper: nothing is folded
            groups = {name: ["=" + name] * len(RULES) for name in names}
        else:
            grouped = model_rules.group_paper(paper, names, Evidence.from_cells(evidence.get(paper, ())))
            apart = model_rules.apart(paper)
            groups = {
                name: [("=" if name in apart else "~") + label for label in grouped.stage_labels[name]]
                for name in names
            }
            for r in grouped.rejected:
                for column, value in zip(
                    _MODEL_REJECTIONS.names,
                    (
                        paper,
                        r.rule,
                        r.a,
                        r.b,
                        *r.conflict.board,
                        list(r.conflict.values_a),
                        list(r.conflict.values_b),
                    ),
                    strict=True,
                ):
                    rejected[column].append(value)
        for name in names:
            keys["paper_key"].append(paper)
            keys["model_name"].append(name)
            keys["name_key"].append(name_key(name))
            keys["group_key"].append(groups[name][-1])
            keys["stage_groups"].append(groups[name])
    write_arrow(con, "model_keys", pa.Table.from_pydict(keys, schema=_MODEL_KEYS))
    write_arrow(con, "model_merge_rejections", pa.Table.from_pydict(rejected, schema=_MODEL_REJECTIONS))
    rule_names = {
        "stage": list(range(1, len(RULES) + 1)),
        "rule": [rule.name for rule in RULES],
        "reason": [rule.reason for rule in RULES],
    }
    write_arrow(con, "model_rule_names", pa.Table.from_pydict(rule_names, schema=_MODEL_RULE_NAMES))
    return len(keys["model_name"])


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
