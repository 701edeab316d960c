"""``pwc-archive release diff`` on two real releases built from the real data, edited in known ways.

Release A is built from the small subset of the 2020 dump; release B from a copy in
which one leaderboard of it has one row deleted, one metric value changed, one row
added and one row's paper date moved. The diff must count exactly those changes in
``results`` (a result's id comes from its identity and its value, so a new value is
one result removed and one added; a new paper date is the same result, changed).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.builds import Built, build
from tests.support.http_server import serve_directory
from transforms.cli import app
from transforms.release.schema import ENTITY_TABLES

pytestmark = pytest.mark.integration

A, B = "2026-03-01.0", "2026-03-02.0"
ADDED_MODEL = "Release Diff Test Model"
NUMBER = re.compile(r"^\d+(\.\d+)?$")

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def fold(name: str) -> str:
    """Stricter than any folding of the build: spellings equal here may be one entity there."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass
class Edits:
    """The rows edited in B, and how many results each edit touches."""

    task: str
    dataset: str
    deleted_model: str
    deleted_cells: int
    revalued_model: str
    revalued_metric: str
    redated_model: str
    redated_cells: int


def leaderboards(tasks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for task in tasks:
        for ds in task.get("datasets") or []:
            yield task["task"], ds
        yield from leaderboards(task.get("subtasks") or [])


def edit_source(path: Path) -> Edits:
    """Edit the evaluation-tables JSON at ``path`` in place; return what was edited."""
    tasks = json.loads(path.read_text(encoding="utf-8"))
    boards = list(leaderboards(tasks))
    # Each (task, dataset, model, metric) appearing once in the whole dump: no repeat under
    # a second parent, no conflicting value, so each edit touches exactly its own results.
    seen = Counter(
        (fold(t), fold(ds["dataset"]), fold(row.get("model_name") or ""), fold(metric))
        for t, ds in boards
        for row in ds["sota"]["rows"]
        for metric in row.get("metrics") or {}
    )

    def eligible(task: str, ds: dict[str, Any], row: dict[str, Any]) -> bool:
        metrics = row.get("metrics") or {}
        key = (fold(task), fold(ds["dataset"]), fold(row.get("model_name") or ""))
        return (
            bool(fold(row.get("model_name") or ""))
            and bool(metrics)
            and all(isinstance(v, str) and NUMBER.match(v) for v in metrics.values())
            and bool(re.match(r"^\d{4}-\d{2}-\d{2}$", row.get("paper_date") or ""))
            and all(seen[(*key, fold(m))] == 1 for m in metrics)
        )

    # The biggest leaderboard with enough such rows: one edited row cannot move its scale.
    task, ds = max(
        ((t, d) for t, d in boards if sum(eligible(t, d, r) for r in d["sota"]["rows"]) >= 4),
        key=lambda b: len(b[1]["sota"]["rows"]),
    )
    rows = ds["sota"]["rows"]
    picked = [r for r in rows if eligible(task, ds, r)]
    models = {fold(r.get("model_name") or "") for r in picked}
    assert len(models) == len(picked), "edited rows must be different models"
    deleted, revalued, redated, template = picked[:4]

    rows.remove(deleted)
    metric = next(iter(revalued["metrics"]))
    old = revalued["metrics"][metric]
    revalued["metrics"][metric] = old[:-1] + str((int(old[-1]) + 1) % 10)
    redated["paper_date"] = (date.fromisoformat(redated["paper_date"]) + timedelta(days=1)).isoformat()
    added_metric = next(iter(template["metrics"]))
    rows.append(
        {
            "code_links": [],
            "metrics": {added_metric: template["metrics"][added_metric]},  # a value on the board's scale
            "model_links": [],
            "model_name": ADDED_MODEL,
            "paper_date": None,
            "paper_title": "",
            "paper_url": "",
        }
    )
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return Edits(
        task=task.strip(),
        dataset=ds["dataset"].strip(),
        deleted_model=deleted["model_name"],
        deleted_cells=len(deleted["metrics"]),
        revalued_model=revalued["model_name"],
        revalued_metric=metric,
        redated_model=redated["model_name"],
        redated_cells=len(redated["metrics"]),
    )


@dataclass
class TwoReleases:
    store: Path
    a: Built
    b: Built
    edits: Edits


@pytest.fixture(scope="module")
def two_releases(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> TwoReleases:
    base = tmp_path_factory.mktemp("release-diff")
    store = base / "store"
    a = build(small_source, store, base / "work-a", A)
    edited = base / "source-b"
    shutil.copytree(small_source, edited)
    (dump,) = edited.glob("evaluation-tables.*.json")
    edits = edit_source(dump)
    b = build(edited, store, base / "work-b", B)
    return TwoReleases(store, a, b, edits)


def diff_json(store: Path, *args: str) -> dict[str, Any]:
    code, out, err = run("release", "diff", A, B, "--store", str(store), "--format", "json", *args)
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


def result_ids(release_dir: Path, task: str, dataset: str, model: str, metric: str | None = None) -> set[str]:
    """Ids of the results of ``model`` on the (task, dataset) leaderboard of a built release."""
    import duckdb

    pq = release_dir / "parquet"
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT r.result_id FROM read_parquet($results) AS r "
            "JOIN read_parquet($tasks) AS t USING (task_id) "
            "JOIN read_parquet($datasets) AS d USING (dataset_id) "
            "WHERE t.name = $task AND d.name = $dataset AND trim(r.model_name_raw) = trim($model) "
            "AND ($metric IS NULL OR trim(r.metric_name_raw) = trim($metric))",
            {
                "results": str(pq / "results.parquet"),
                "tasks": str(pq / "tasks.parquet"),
                "datasets": str(pq / "datasets.parquet"),
                "task": task,
                "dataset": dataset,
                "model": model,
                "metric": metric,
            },
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def test_diff_counts_exactly_the_edited_results(two_releases: TwoReleases) -> None:
    e = two_releases.edits
    report = diff_json(two_releases.store)
    assert (report["old_release"], report["new_release"]) == (A, B)
    assert set(report["tables"]) <= set(ENTITY_TABLES)
    results = report["tables"]["results"]
    assert {k: results[k] for k in ("added", "removed", "merged", "changed")} == {
        "added": 2,  # the new row, and the changed value's new result
        "removed": e.deleted_cells + 1,  # the deleted row's results, and the changed value's old result
        "merged": 0,
        "changed": e.redated_cells,  # same id, new paper_date
    }
    assert results["rows_after"] == results["rows_before"] + 2 - (e.deleted_cells + 1)
    assert results["unchanged"] == results["rows_after"] - 2 - e.redated_cells
    assert (results["columns_added"], results["columns_removed"]) == ([], [])
    for name, t in report["tables"].items():  # nothing but data changed between A and B
        assert (t["columns_added"], t["columns_removed"]) == ([], []), name
        assert t["rows_after"] == t["rows_before"] + t["added"] - t["removed"] - t["merged"], name
    assert report["totals"]["added"] == sum(t["added"] for t in report["tables"].values())


def test_diff_lists_the_edited_result_ids(two_releases: TwoReleases) -> None:
    e, a_dir, b_dir = two_releases.edits, two_releases.a.release_dir, two_releases.b.release_dir
    report = diff_json(two_releases.store, "--changes", "1000")
    listed: dict[str, set[str]] = {}
    for ch in report["changes"]:
        assert ch["previous_release"] == A
        if ch["table_name"] == "results":
            listed.setdefault(ch["change"], set()).add(ch["id"])
            if ch["change"] == "changed":
                assert ch["changed_columns"] == ["paper_date"], ch
    deleted = result_ids(a_dir, e.task, e.dataset, e.deleted_model)
    old_value = result_ids(a_dir, e.task, e.dataset, e.revalued_model, e.revalued_metric)
    new_value = result_ids(b_dir, e.task, e.dataset, e.revalued_model, e.revalued_metric)
    added_row = result_ids(b_dir, e.task, e.dataset, ADDED_MODEL)
    redated = result_ids(b_dir, e.task, e.dataset, e.redated_model)
    assert (len(deleted), len(old_value), len(new_value), len(added_row)) == (e.deleted_cells, 1, 1, 1)
    assert listed == {"removed": deleted | old_value, "added": new_value | added_row, "changed": redated}


def test_text_report_and_first_n_changes(two_releases: TwoReleases) -> None:
    e = two_releases.edits
    code, out, err = run("release", "diff", A, "latest", "--store", str(two_releases.store), "--changes", "1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"Changes in {B} since {A}"
    results = next(line.split() for line in lines if line.startswith("results "))
    assert results[3:7] == ["2", f"{e.deleted_cells + 1}", "0", f"{e.redated_cells}"]
    listed = [line.split() for line in lines if line.startswith("  results ")]
    assert [row[1] for row in listed] == ["added", "removed", "changed"]  # one of each kind
    assert listed[2][3:] == ["(paper_date)"]


def test_a_release_against_itself_has_no_change(two_releases: TwoReleases) -> None:
    code, out, err = run("release", "diff", B, B, "--store", str(two_releases.store), "--format", "json")
    assert code == 0, err
    totals = json.loads(out)["totals"]
    assert totals["added"] == totals["removed"] == totals["merged"] == totals["changed"] == 0
    assert totals["unchanged"] == totals["rows_after"] > 0


def test_an_unknown_release_is_one_line_naming_it(two_releases: TwoReleases) -> None:
    code, out, err = run("release", "diff", A, "2026-09-09.0", "--store", str(two_releases.store))
    assert (code, out) == (2, "")
    assert err == (
        f"error: release 2026-09-09.0 not found in {two_releases.store}/index.json; available: {A}, {B}\n"
    )


def test_a_bad_format_is_a_usage_error(two_releases: TwoReleases) -> None:
    code, _, err = run("release", "diff", A, B, "--store", str(two_releases.store), "--format", "xml")
    assert (code, err) == (2, "error: --format: expected text or json, found 'xml'\n")


def test_a_remote_store_is_fetched_and_verified(two_releases: TwoReleases, tmp_path: Path) -> None:
    from transforms.client.diff import diff_store_releases

    local, _ = diff_store_releases(str(two_releases.store), A, B)
    with serve_directory(two_releases.store) as server:
        remote, rows = diff_store_releases(server.url, A, B, cache_dir=tmp_path)
    assert remote == local
    assert sorted(p.name for p in (tmp_path / B / "parquet").iterdir()) == sorted(
        p.name
        for p in (two_releases.b.release_dir / "parquet").iterdir()
        if p.stem in (*ENTITY_TABLES, "id_redirects")
    )
    assert rows.num_rows == sum(remote.totals()[k] for k in ("added", "removed", "merged", "changed"))


def test_the_release_ships_the_same_diff(two_releases: TwoReleases) -> None:
    """B's own ``changes`` table and CHANGELOG.md are the diff against A that the command computes."""
    import pyarrow.parquet as pq

    from transforms.client.diff import diff_store_releases, render_changelog

    diff, rows = diff_store_releases(str(two_releases.store), A, B)
    b_dir = two_releases.b.release_dir
    shipped = pq.read_table(b_dir / "parquet" / "changes.parquet").sort_by("id")
    assert shipped.to_pylist() == rows.sort_by("id").to_pylist()
    assert (b_dir / "CHANGELOG.md").read_text(encoding="utf-8") == render_changelog(diff)
    first = (two_releases.a.release_dir / "CHANGELOG.md").read_text(encoding="utf-8")
    assert first.startswith(f"# Changes in {A}: first release\n")
    assert pq.read_table(two_releases.a.release_dir / "parquet" / "changes.parquet").num_rows == 0
