"""End to end through real Airflow: submissions go from the inbox into a release.

One tmp Airflow home, store and submissions root serve the module, in this order:

1. ``nightly_release`` builds release A from the tiny source (no submissions yet);
2. ``submission_intake`` sorts a mixed inbox (the documented examples, a resent
   copy, the two real community files, hostile files) against release A;
3. ``submission_intake`` again on the empty inbox: nothing changes;
4. ``nightly_release`` builds release B, which carries the accepted submissions'
   results with their provenance and a ``submissions`` table;
5. the same content sent once more is a duplicate receipt, and ``submission
   status`` says it was published in release B.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.airflow_env import PROJECT_ROOT, airflow_env, dags_test, log_tail
from tests.support.builds import make_source
from tests.support.submissions import EXAMPLES, intake_state, make_mixed_inbox

pytestmark = [pytest.mark.airflow, pytest.mark.slow]


@dataclass
class Site:
    root: Path
    home: Path
    store: Path
    work: Path
    source: Path
    submissions: Path

    def env(self) -> dict[str, str]:
        return airflow_env(
            self.home, store=self.store, work=self.work, source=self.source, submissions=self.submissions
        )

    def run(self, dag_id: str, logical_date: str, name: str) -> Path:
        log = self.root / "logs" / f"{name}.log"
        code = dags_test(dag_id, logical_date, self.env(), log, timeout=600)
        assert code == 0, f"{dag_id} exited {code}\n{log_tail(log)}"
        return log

    def task_states(self, dag_id: str) -> dict[str, str]:
        con = sqlite3.connect(f"file:{self.home / 'airflow.db'}?mode=ro", uri=True)
        try:
            rows = con.execute(
                "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id ="
                " (SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1)",
                (dag_id, dag_id),
            ).fetchall()
        finally:
            con.close()
        return dict(rows)


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and mtime: shows a run changed nothing."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("submission_dags")
    return Site(
        root=root,
        home=root / "airflow_home",
        store=root / "store",
        work=root / "work",
        source=make_source(root / "source", tiny=True),
        submissions=root / "submissions",
    )


@pytest.fixture(scope="module")
def journey(site: Site) -> dict[str, Any]:
    """Run the five steps once; record what each left behind."""
    out: dict[str, Any] = {}
    site.run("nightly_release", "2026-02-01", "nightly-a")
    out["release_a"] = json.loads((site.store / "latest.json").read_text())["release_id"]

    out["expected"] = make_mixed_inbox(site.submissions / "inbox")
    out["intake_log"] = site.run("submission_intake", "2026-02-01T10:00:00+00:00", "intake-1")
    out["intake_states"] = site.task_states("submission_intake")
    out["state_1"] = intake_state(site.submissions)
    out["tree_1"] = _tree(site.submissions)
    out["status_1"] = json.loads((site.submissions / "status.json").read_text())

    site.run("submission_intake", "2026-02-01T10:15:00+00:00", "intake-2")
    out["state_2"] = intake_state(site.submissions)
    out["tree_2"] = _tree(site.submissions)

    out["nightly_b_log"] = site.run("nightly_release", "2026-02-02", "nightly-b")
    out["release_b"] = json.loads((site.store / "latest.json").read_text())["release_id"]

    (site.submissions / "inbox").mkdir(exist_ok=True)
    (site.submissions / "inbox" / "sent-again.json").write_bytes((EXAMPLES / "submission.json").read_bytes())
    site.run("submission_intake", "2026-02-02T10:00:00+00:00", "intake-3")
    out["state_3"] = intake_state(site.submissions)
    return out


def test_intake_sorts_every_file_into_exactly_one_place(journey: dict[str, Any]) -> None:
    assert journey["intake_states"] == {
        "claim": "success",
        "validate_and_file": "success",
        "publish_status": "success",
    }
    state = journey["state_1"]
    assert state["inbox"] == [] and state["claims"] == []
    found = {name: [status for status, _, _ in receipts] for name, receipts in state["files"].items()}
    assert found == {name: [status] for name, status in journey["expected"].items()}
    assert len(state["originals"]) == len(journey["expected"])
    status = journey["status_1"]
    assert status["counts"] == {"accepted": 4, "duplicate": 1, "rejected": 12}
    # Names and values were compared with release A, and the log says so.
    assert f"compared with release {journey['release_a']}" in journey["intake_log"].read_text()


def test_rejections_carry_reports_that_name_the_problem(site: Site, journey: dict[str, Any]) -> None:
    codes = {name: receipts[0][2] for name, receipts in journey["state_1"]["files"].items()}
    assert codes["alias-bomb.yaml"] == ["yaml.alias"]
    assert codes["not-utf8.json"] == ["encoding.not_utf8"]
    assert codes["deep.json"] == ["doc.too_deep"]
    assert codes["too-large.json"] == ["file.too_large"]
    assert codes["arxiv-2507.22176.json"] == ["format.unrecognised"]
    for report in site.submissions.glob("rejected/*/report.md"):
        text = report.read_text()
        assert text.startswith("# Submission report: ") and "| severity | where |" in text
        assert "\x1b" not in text


def test_second_intake_run_is_a_no_op(journey: dict[str, Any]) -> None:
    assert journey["state_2"] == journey["state_1"]
    assert journey["tree_2"] == journey["tree_1"]


def test_accepted_submissions_count_as_a_change(journey: dict[str, Any], site: Site) -> None:
    """Release A's input again, plus the accepted submissions: the nightly publishes (not skipped),
    and its log names what changed."""
    text = journey["nightly_b_log"].read_text(encoding="utf-8")
    assert f"changed since {journey['release_a']}: submissions: " in text
    assert journey["release_b"] != journey["release_a"]
    assert site.task_states("nightly_release")["check_changed"] == "success"
    manifest = json.loads((site.store / journey["release_b"] / "manifest.json").read_text())
    assert sorted(manifest["fingerprint"]["submissions"]) == sorted(journey["state_1"]["accepted_ids"])


def test_accepted_results_are_in_the_next_release_with_provenance(
    site: Site, journey: dict[str, Any]
) -> None:
    release_b = journey["release_b"]
    assert release_b != journey["release_a"]
    accepted = journey["state_1"]["accepted_ids"]
    con = duckdb.connect(str(site.store / release_b / "pwc.duckdb"), read_only=True)
    try:
        subs = con.execute(
            "SELECT submission_id, submitter, status, first_release, results_new FROM submissions ORDER BY 1"
        ).fetchall()
        assert [s[0] for s in subs] == accepted
        assert all(s[2] == "published" and s[3] == release_b for s in subs)
        assert sum(s[4] for s in subs) > 0  # the tiny source has no ImageNet results
        provenance = con.execute(
            "SELECT count(*), count(DISTINCT submission_id), min(submitter) FROM results WHERE source = 'submission'"
        ).fetchone()
        assert provenance is not None and provenance[0] == sum(s[4] for s in subs)
        assert provenance[2] == "Example Submitter"
        # A real EfficientNet row from docs/examples/submission.json, now in the release.
        row = con.execute(
            "SELECT r.value_raw, r.submission_id FROM results r JOIN models m USING (model_id)"
            " JOIN metrics k USING (metric_id) WHERE m.name = 'EfficientNet-B7' AND k.name = 'Top-1 Accuracy'"
        ).fetchall()
        assert row and all(sid in accepted for _, sid in row)
        release_a_results = con.execute("SELECT count(*) FROM results WHERE submission_id IS NULL").fetchone()
    finally:
        con.close()
    con = duckdb.connect(str(site.store / journey["release_a"] / "pwc.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM results").fetchone() == release_a_results
    finally:
        con.close()


def test_resubmission_is_a_duplicate_and_status_says_published(site: Site, journey: dict[str, Any]) -> None:
    receipts = journey["state_3"]["files"]["sent-again.json"]
    assert [r[0] for r in receipts] == ["duplicate"]
    sid = receipts[0][1]
    assert journey["state_3"]["accepted_ids"] == journey["state_1"]["accepted_ids"]
    proc = subprocess.run(
        [sys.executable, "-m", "transforms.cli", "submission", "status", sid[:12]],
        cwd=PROJECT_ROOT,
        env=site.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"{sid}: published in release {journey['release_b']}"
    assert "sent-again.json" in proc.stdout and "duplicate of rcp-" in proc.stdout
