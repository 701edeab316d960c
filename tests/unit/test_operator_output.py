"""The operator's lines: a failure ends with the task, the cause and the fix; stage lines count rows
even when some models report none (views)."""

from __future__ import annotations

from transforms.airflow_support import failure_line
from transforms.errors import SourceError, ValidationFailed
from transforms.pipeline import _rows_text


def _raised_from(cause: Exception) -> Exception:
    """What the task raises for a known error: AirflowFailException from the PwcError (a stand-in
    with the same chaining; the callback reads ``__cause__``)."""
    try:
        raise RuntimeError(str(cause).splitlines()[0]) from cause
    except RuntimeError as exc:
        return exc


def test_a_source_error_ends_with_the_file_and_the_fix() -> None:
    cause = SourceError("leaderboards/x.json: invalid JSON at line 27, column 13")
    lines = failure_line("ingest", _raised_from(cause))
    expected = (
        "FAILED ingest: leaderboards/x.json: invalid JSON at line 27, column 13 -> fix or remove that "
        "source file, then clear the failed task (or trigger again)"
    )
    assert lines == [expected]


def test_a_refused_gate_lists_each_expectation_then_the_last_line() -> None:
    cause = ValidationFailed(
        "Great Expectations gate failed: 1 of 219 expectations in 1 of 14 tables\n"
        "papers.title: expect_column_values_to_not_be_null, 3 rows"
    )
    *details, last = failure_line("validate", _raised_from(cause))
    assert details == ["papers.title: expect_column_values_to_not_be_null, 3 rows"]
    assert last.startswith("FAILED validate: Great Expectations gate failed: 1 of 219 expectations")
    assert "validation.json" in last


def test_an_unexpected_error_points_at_its_traceback() -> None:
    [line] = failure_line("publish", KeyError("index"))
    assert line.startswith("FAILED publish: 'index' -> an unexpected error")
    assert failure_line("seal", None) == [
        "FAILED seal: see the task's log above; fix the cause, then clear the task"
    ]


def test_stage_lines_count_rows_and_skip_views() -> None:
    assert _rows_text("normalize", {"stg_results": 10, "stg_view": None}) == "10 staging rows"
    assert _rows_text("build", {"results": 5, "papers": 2, "int_lineage": 99}) == "7 release rows"
    assert _rows_text("export", {"results": 1234, "papers": 5}) == "papers 5, results 1,234"
    assert _rows_text("publish", "/store/2026-01-01.0") == "/store/2026-01-01.0"
