"""The suites in expectations/ are well-formed and say what tables.py says.

Fast: no Great Expectations import (the gate's pure parts are tested here too;
the real validation runs in tests/integration/test_gate.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest

from transforms.errors import ConfigError, ValidationFailed
from transforms.release.schema import ENTITY_TABLES, TABLES, Table
from transforms.validate.gate import raise_for_failures
from transforms.validate.report import ExpectationReport, Failure, GateReport, TableReport
from transforms.validate.suites import PARAMETER_NAME, load_suite, suite_parameters

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"
ID_REGEX = "^[a-z]+_[0-9a-f]{16}$"


def _suite(name: str) -> dict[str, Any]:
    return load_suite(EXPECTATIONS / f"{name}.json")


def _find(suite: dict[str, Any], type_: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Expectations of ``type_`` whose kwargs include ``kwargs``."""
    return [
        e
        for e in suite["expectations"]
        if e["type"] == type_ and all(e["kwargs"].get(k) == v for k, v in kwargs.items())
    ]


def _unconditional(expectations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in expectations if "row_condition" not in e["kwargs"] and "mostly" not in e["kwargs"]]


tables = pytest.mark.parametrize("table", list(TABLES.values()), ids=list(TABLES))


SUBMISSION_SUITES = ("submission_names", "submission_papers", "submission_results")
"""Suites of the submission validator (over its batch frames, not release tables)."""
ANY_ID_REGEX = "^([a-z]+_[0-9a-f]{16}|[0-9a-f]{64})$"
"""Any id a release publishes: a <prefix>_<16 hex> id or a submission id."""
RELEASE_REGEX = "^\\d{4}-\\d{2}-\\d{2}\\.\\d+$"
KEY_REGEX = {
    "submissions": "^[0-9a-f]{64}$",
    "model_aliases": "^mal_[0-9a-f]{16}$",
    "id_registry": ANY_ID_REGEX,
    "id_redirects": ANY_ID_REGEX,
    "changes": ANY_ID_REGEX,
}
"""Keys that are not <prefix>_<16 hex> ids: a submission id is a whole sha256, an alias id has
its own prefix, and the bookkeeping tables hold every kind of published id."""
MAY_BE_EMPTY = ("submissions", "conflicts", "id_redirects", "changes")
"""Tables the pipeline allows to be empty (it passes min_rows__<table> = 0)."""


def test_one_suite_per_table_and_no_strays() -> None:
    found = sorted(p.stem for p in EXPECTATIONS.glob("*.json"))
    assert found == sorted([*TABLES, *SUBMISSION_SUITES])


@tables
def test_suite_parses_and_names_its_table(table: Table) -> None:
    suite = _suite(table.name)
    assert suite["name"] == table.name
    assert suite["meta"]["table"] == table.name
    assert suite["meta"]["notes"].strip()


@tables
def test_column_set_matches_tables_py(table: Table) -> None:
    (e,) = _find(_suite(table.name), "expect_table_columns_to_match_set")
    assert e["kwargs"]["exact_match"] is True
    assert e["kwargs"]["column_set"] == table.column_names


@tables
def test_key_is_not_null_unique_and_an_id(table: Table) -> None:
    suite = _suite(table.name)
    assert _unconditional(_find(suite, "expect_column_values_to_not_be_null", column=table.key))
    assert _unconditional(_find(suite, "expect_column_values_to_be_unique", column=table.key))
    regex = KEY_REGEX.get(table.name, ID_REGEX)
    assert _find(suite, "expect_column_values_to_match_regex", column=table.key, regex=regex)


@tables
def test_every_non_nullable_column_has_a_not_null_expectation(table: Table) -> None:
    suite = _suite(table.name)
    for column in table.columns:
        if not column.nullable:
            found = _find(suite, "expect_column_values_to_not_be_null", column=column.name)
            assert _unconditional(found), f"{table.name}.{column.name} is NOT NULL in tables.py"


@tables
def test_every_reference_has_an_in_set_expectation(table: Table) -> None:
    suite = _suite(table.name)
    for column, ref_table, ref_column in table.references:
        value_set = {"$PARAMETER": f"ids__{ref_table}__{ref_column}"}
        found = _find(suite, "expect_column_values_to_be_in_set", column=column, value_set=value_set)
        assert _unconditional(found), f"{table.name}.{column} -> {ref_table}.{ref_column}"


@tables
def test_id_parameters_are_only_used_for_declared_references(table: Table) -> None:
    suite = _suite(table.name)
    declared = {(c, f"ids__{t}__{rc}") for c, t, rc in table.references}
    used = {
        (e["kwargs"].get("column"), e["kwargs"]["value_set"]["$PARAMETER"])
        for e in suite["expectations"]
        if isinstance(e["kwargs"].get("value_set"), dict)
    }
    assert used == declared


@tables
def test_row_count_is_bounded_by_caller_parameters(table: Table) -> None:
    (e,) = _find(_suite(table.name), "expect_table_row_count_to_be_between")
    assert e["kwargs"] == {
        "min_value": {"$PARAMETER": f"min_rows__{table.name}"},
        "max_value": {"$PARAMETER": f"max_rows__{table.name}"},
    }


@tables
def test_every_expectation_says_why(table: Table) -> None:
    for i, e in enumerate(_suite(table.name)["expectations"]):
        assert set(e) == {"type", "kwargs", "meta"}, f"{table.name}[{i}]"
        why = e["meta"].get("why", "")
        assert why.strip() and why.endswith("."), f"{table.name}[{i}] {e['type']} needs meta.why"


@tables
def test_expectations_name_real_columns_and_real_types(table: Table) -> None:
    installed = distribution("great-expectations")
    for i, e in enumerate(_suite(table.name)["expectations"]):
        core = installed.locate_file(f"great_expectations/expectations/core/{e['type']}.py")
        assert Path(str(core)).exists(), f"{table.name}[{i}]: no such expectation {e['type']}"
        kw = e["kwargs"]
        named = [kw[k] for k in ("column", "column_A", "column_B") if k in kw] + kw.get("column_list", [])
        if "row_condition" in kw:
            named += _condition_columns(kw["row_condition"])
        for column in named:
            assert column in table.column_names, f"{table.name}[{i}]: unknown column {column}"


def _condition_columns(condition: dict[str, Any]) -> list[str]:
    """Columns a GX condition object names (nullity, comparison, and/or groups)."""
    if condition["type"] in ("and", "or"):
        return [c for sub in condition["conditions"] for c in _condition_columns(sub)]
    return [condition["column"]["name"]]


@tables
def test_parameter_names_follow_the_convention(table: Table) -> None:
    for name in suite_parameters(_suite(table.name)):
        assert PARAMETER_NAME.match(name)
        kind, _, rest = name.partition("__")
        if kind == "ids":
            ref_table, _, ref_column = rest.partition("__")
            assert ref_column in TABLES[ref_table].column_names
        else:
            assert kind in ("min_rows", "max_rows") and rest == table.name


def test_results_rules_for_value_and_dates() -> None:
    suite = _suite("results")
    issue_null = {"type": "nullity", "column": {"name": "value_issue"}, "is_null": True}
    issue_set = {"type": "nullity", "column": {"name": "value_issue"}, "is_null": False}
    assert _find(suite, "expect_column_values_to_not_be_null", column="value", row_condition=issue_null)
    assert _find(suite, "expect_column_values_to_be_null", column="value", row_condition=issue_set)
    assert _find(
        suite, "expect_column_values_to_be_between", column="value", min_value=-1e300, max_value=1e300
    )
    (issues,) = _find(suite, "expect_column_values_to_be_in_set", column="value_issue")
    assert sorted(issues["kwargs"]["value_set"]) == [
        "missing",
        "multiple_numbers",
        "not_finite",
        "text",
        "unparseable",
    ]
    dates = {"min_value": "1950-01-01", "max_value": "2030-12-31"}
    assert _find(suite, "expect_column_values_to_be_between", column="paper_date", **dates)
    assert _find(_suite("papers"), "expect_column_values_to_be_between", column="published", **dates)
    years = {"min_value": 1900, "max_value": 2100}
    assert _find(_suite("methods"), "expect_column_values_to_be_between", column="introduced_year", **years)


def _when(column: str, value: Any) -> dict[str, Any]:
    return {"type": "comparison", "column": {"name": column}, "operator": "==", "parameter": value}


def _null(column: str, is_null: bool) -> dict[str, Any]:
    return {"type": "nullity", "column": {"name": column}, "is_null": is_null}


def _value_set(suite: dict[str, Any], column: str) -> list[Any]:
    (e,) = _unconditional(_find(suite, "expect_column_values_to_be_in_set", column=column))
    return list(e["kwargs"]["value_set"])


def test_metrics_registry_facts() -> None:
    from transforms.normalize.metrics import DIRECTIONS, registry

    suite = _suite("metrics")
    assert sorted(_value_set(suite, "direction")) == sorted(DIRECTIONS)
    assert _value_set(suite, "unit") == list(registry().units)
    assert _unconditional(_find(suite, "expect_column_values_to_be_unique", column="name_key"))
    assert _find(
        suite,
        "expect_column_pair_values_a_to_be_greater_than_b",
        column_A="max_value",
        column_B="min_value",
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    )
    unknown = _when("is_known", False)
    for column in ("direction", "unit", "min_value", "max_value", "note"):
        assert _find(suite, "expect_column_values_to_be_null", column=column, row_condition=unknown), column


def test_results_normalized_value_rules() -> None:
    from transforms.normalize.metrics import DIRECTIONS

    suite = _suite("results")
    assert sorted(_value_set(suite, "direction")) == sorted(DIRECTIONS)
    assert sorted(_value_set(suite, "value_flag")) == [
        "fraction_rescaled",
        "out_of_bounds",
        "percent_rescaled",
        "scale_unclear",
    ]
    normalized_null = "expect_column_values_to_be_null"
    assert _find(suite, normalized_null, column="value_normalized", row_condition=_null("value", True))
    for flag in ("out_of_bounds", "scale_unclear"):
        assert _find(
            suite, normalized_null, column="value_normalized", row_condition=_when("value_flag", flag)
        )
    assert _find(
        suite,
        "expect_column_pair_values_to_be_equal",
        column_A="value_normalized",
        column_B="value",
        row_condition=_null("value_flag", True),
    )
    assert _find(
        suite,
        "expect_column_values_to_be_between",
        column="value_normalized",
        min_value=-1e300,
        max_value=1e300,
    )


def test_bookkeeping_value_sets() -> None:
    entities = [*ENTITY_TABLES, "result_identities"]
    registry_suite, redirects, changes = _suite("id_registry"), _suite("id_redirects"), _suite("changes")
    assert _value_set(registry_suite, "entity") == entities
    assert _value_set(redirects, "entity") == entities
    assert _value_set(registry_suite, "status") == ["active", "merged", "removed"]
    assert _value_set(changes, "table_name") == list(ENTITY_TABLES)
    assert _value_set(changes, "change") == ["added", "removed", "merged", "changed"]
    for table, column in (("id_registry", "current_id"), ("id_redirects", "new_id"), ("changes", "new_id")):
        assert _find(_suite(table), "expect_column_values_to_match_regex", column=column, regex=ANY_ID_REGEX)
    unequal = "expect_select_column_values_to_be_unique_within_record"
    assert _unconditional(_find(redirects, unequal, column_list=["old_id", "new_id"]))
    assert _find(
        registry_suite, unequal, column_list=["id", "current_id"], row_condition=_when("status", "merged")
    )
    assert _find(
        registry_suite,
        "expect_column_pair_values_to_be_equal",
        column_A="current_id",
        column_B="id",
        row_condition=_when("status", "active"),
    )
    assert _find(
        registry_suite,
        "expect_column_values_to_be_null",
        column="current_id",
        row_condition=_when("status", "removed"),
    )


def test_release_id_columns_match_the_release_pattern() -> None:
    columns = {
        "submissions": ["first_release"],
        "id_registry": ["first_release", "last_release"],
        "id_redirects": ["release"],
        "changes": ["previous_release"],
    }
    for table, names in columns.items():
        for column in names:
            found = _find(
                _suite(table), "expect_column_values_to_match_regex", column=column, regex=RELEASE_REGEX
            )
            assert found, f"{table}.{column}"


def test_conflicts_and_aliases_rules() -> None:
    conflicts = _suite("conflicts")
    assert _find(conflicts, "expect_column_values_to_be_between", column="values_in_identity", min_value=2)
    aliases = _suite("model_aliases")
    assert _find(aliases, "expect_compound_columns_to_be_unique", column_list=["paper_id", "name_raw"])


@pytest.mark.parametrize("table", MAY_BE_EMPTY)
def test_tables_that_may_be_empty_say_so(table: str) -> None:
    (e,) = _find(_suite(table), "expect_table_row_count_to_be_between")
    assert f"min_rows__{table} = 0" in e["meta"]["why"]


def test_suite_files_are_formatted_for_people() -> None:
    for path in EXPECTATIONS.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n") and "\t" not in text, path.name
        assert max(len(line) for line in text.splitlines()) <= 300, path.name


# ------------------------------------------------------------------ load_suite


def test_bad_json_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "papers.json"
    path.write_text('{\n  "name": "papers",\n  "expectations": [,]\n}\n')
    with pytest.raises(ConfigError, match=r"papers\.json:3:20: suite file is not valid JSON"):
        load_suite(path)


def test_missing_suite_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tasks\.json: no such suite file"):
        load_suite(tmp_path / "tasks.json")


def test_dotted_parameter_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    bad = {"column": "paper_id", "value_set": {"$PARAMETER": "ids.papers.paper_id"}}
    suite = {"name": "models", "expectations": [{"type": "expect_column_values_to_be_in_set", "kwargs": bad}]}
    path.write_text(json.dumps(suite))
    with pytest.raises(
        ConfigError, match=r"expectations\[0\].*\"ids\.papers\.paper_id\" is not a valid GX parameter"
    ):
        load_suite(path)


def test_importing_the_gate_does_not_import_great_expectations() -> None:
    code = "import sys, transforms.validate; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------ messages


def _report() -> GateReport:
    in_set = ExpectationReport(
        index=15,
        type="expect_column_values_to_be_in_set",
        kwargs={"column": "task_id", "value_set": {"$PARAMETER": "ids__tasks__task_id"}},
        why="Every task_id points at an existing tasks.task_id.",
        success=False,
        element_count=43960,
        unexpected_count=3,
        unexpected_percent=0.0068,
        partial_unexpected_list=["tsk_00000000000000aa", "tsk_00000000000000aa", "tsk_00000000000000bb"],
    )
    row_count = ExpectationReport(
        index=1,
        type="expect_table_row_count_to_be_between",
        kwargs={
            "min_value": {"$PARAMETER": "min_rows__results"},
            "max_value": {"$PARAMETER": "max_rows__results"},
        },
        why="x.",
        success=False,
        observed_value=43960,
        bounds={"min_value": 1, "max_value": 40000},
    )
    ok = ExpectationReport(
        index=0, type="expect_table_columns_to_match_set", kwargs={}, why="x.", success=True
    )
    return GateReport(
        tables={
            "results": TableReport("results", "results.json", 43960, [ok, row_count, in_set]),
            "tasks": TableReport("tasks", "tasks.json", 10, [ok]),
        },
        parameters={},
        great_expectations_version="1.24.1",
    )


def test_validation_failed_message_has_one_line_per_failure() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        raise_for_failures(_report(), "releases/r/validation.json")
    assert str(excinfo.value).splitlines() == [
        "Great Expectations gate failed: 2 of 4 expectations in 1 of 2 tables",
        (
            "results: expect_table_row_count_to_be_between failed: observed 43960;"
            " expected min_value=1, max_value=40000 — full report: releases/r/validation.json"
        ),
        (
            "results: expect_column_values_to_be_in_set(task_id) failed: 3 of 43,960 rows (<0.01%),"
            " e.g. ['tsk_00000000000000aa', 'tsk_00000000000000bb'] — full report: releases/r/validation.json"
        ),
    ]


def test_report_json_keeps_parameter_names_not_values() -> None:
    report = _report()
    data = report.to_json_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["statistics"] == {
        "tables": 2,
        "failed_tables": 1,
        "evaluated_expectations": 4,
        "successful_expectations": 2,
        "unsuccessful_expectations": 2,
    }
    in_set = data["tables"]["results"]["expectations"][2]
    assert in_set["kwargs"]["value_set"] == {"$PARAMETER": "ids__tasks__task_id"}
    assert [f.table for f in report.failures()] == ["results", "results"]


def test_failure_without_report_path_and_with_exception() -> None:
    e = ExpectationReport(
        index=3,
        type="expect_column_values_to_be_between",
        kwargs={"column": "value", "min_value": -1e300, "max_value": 1e300},
        why="x.",
        success=False,
        exception="Column value is not numeric",
    )
    assert Failure("results", 5, e).message() == (
        "results: expect_column_values_to_be_between(value) could not be evaluated: Column value is not numeric"
    )
