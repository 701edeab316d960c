"""The submission intake end to end: claim -> validate (real GE) -> file -> status.

Every run is in-process against the full sample release (session fixture), so the
validator compares names and values with a real release. Great Expectations is
loaded once by the module's baseline run; later runs reuse it (~0.2 s each).

The baseline is one uninterrupted run over the mixed inbox (real examples,
real community files, hostile files) plus one file whose model name is markup.
Crash tests rebuild the same inbox, crash at one point, re-run, and must end in
exactly the baseline's state (:func:`tests.support.submissions.intake_state`
leaves out receipt ids and times, so two runs compare equal).
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.builds import Built
from tests.support.submissions import EXAMPLES, intake_state, make_mixed_inbox
from transforms.config import Settings
from transforms.submissions import intake
from transforms.submissions.intake import (
    IntakeReport,
    SubmissionStore,
    claim_inbox,
    intake_context,
    pending_claims,
    process_claims,
    run_intake,
)
from transforms.submissions.status import lookup_status

pytestmark = pytest.mark.integration

MARKUP_FILE = "markup.json"
MARKUP_MODEL = "<script>alert(1)</script> | **x**"

EXPECTED_CODES = {
    # file name -> the codes of its report.json (rejected files only)
    "arxiv-2507.22176.json": {"format.unrecognised"},
    "2508.00017.json": {"format.unrecognised"},
    "not-utf8.json": {"encoding.not_utf8"},
    "nan.json": {"json.not_finite"},
    "duplicate-keys.json": {"json.duplicate_key"},
    "alias-bomb.yaml": {"yaml.alias"},
    "deep.json": {"doc.too_deep"},
    "huge-string.json": {"text.too_long"},
    "control-chars.json": {"text.control_character"},
    "too-large.json": {"file.too_large"},
    "sub/passwd.json": {"schema.const"},
    "truncated.json": {"json.syntax"},
    MARKUP_FILE: {"result.duplicate"},
}
PROBLEM_KEYS = {"file", "record", "field", "expected", "found", "fix", "severity", "code"}

HEX64 = r"[0-9a-f]{64}"
RID = r"rcp-\d{8}T\d{12}Z-[0-9a-f]{12}"
LAYOUT = [
    re.compile(p)
    for p in (
        r"status\.json",
        r"inbox|claimed|accepted|rejected",
        rf"accepted/{HEX64}",
        rf"accepted/{HEX64}/(submission\.json|receipts|originals)",
        rf"accepted/{HEX64}/receipts/{RID}\.json",
        rf"accepted/{HEX64}/originals/{RID}",
        rf"rejected/{RID}",
        rf"rejected/{RID}/(original|report\.json|report\.md|receipt\.json)",
    )
]
"""Every path the intake may create under the root (the layout of intake.py's docstring)."""


class Crash(Exception):
    """Raised by an injected fault."""


# --------------------------------------------------------------------------- helpers


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def example(name: str = "submission.json") -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def make_inbox(inbox: Path) -> dict[str, str]:
    """The mixed inbox plus a file whose model name is markup (listed twice: rejected, name in the report)."""
    expected = make_mixed_inbox(inbox)
    doc = example()
    first = doc["results"][0]
    first["model"] = MARKUP_MODEL
    doc["results"] = [first, dict(first)]
    (inbox / MARKUP_FILE).write_text(json.dumps(doc), encoding="utf-8")
    expected[MARKUP_FILE] = "rejected"
    return expected


def dropped_files(inbox: Path) -> dict[str, bytes]:
    """Every file of an inbox (name relative to the inbox) -> its bytes; a symlink -> its link text."""
    out: dict[str, bytes] = {}
    for dirpath, _dirs, files in os.walk(inbox):
        for name in files:
            path = Path(dirpath) / name
            rel = path.relative_to(inbox).as_posix()
            out[rel] = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
    return out


def settings(root: Path | str, release: Built, work: Path) -> Settings:
    return Settings.load(submissions=str(root), store=str(release.store), work=str(work))


def receipts(root: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(receipt path, receipt) for every receipt under a local root."""
    paths = sorted(root.glob("accepted/*/receipts/*.json")) + sorted(root.glob("rejected/*/receipt.json"))
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def kept_original(root: Path, receipt: dict[str, Any]) -> Path:
    rid = receipt["receipt_id"]
    if receipt["status"] == "rejected":
        return root / "rejected" / rid / "original"
    return root / "accepted" / receipt["submission_id"] / "originals" / rid


def orphans(root: Path) -> list[Path]:
    """Originals already copied to their destination whose receipt (the commit point) is missing."""
    found = [
        p
        for p in root.glob("accepted/*/originals/*")
        if not (p.parent.parent / "receipts" / f"{p.name}.json").is_file()
    ]
    found += [d for d in root.glob("rejected/*") if not (d / "receipt.json").is_file()]
    return sorted(found)


def layout_violations(root: Path) -> list[str]:
    """Paths under the root that the documented layout does not allow (empty inbox sub-folders are fine)."""
    bad = []
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if rel.startswith("inbox/") and path.is_dir() and not path.is_symlink():
                continue
            if not any(p.fullmatch(rel) for p in LAYOUT):
                bad.append(rel)
    return sorted(bad)


def snapshot(base: Path, skip: Path | None = None) -> dict[str, tuple[bytes, int]]:
    """Every file under ``base`` (except under ``skip``): relative path -> (bytes, mtime in ns)."""
    out = {}
    for dirpath, _dirs, files in os.walk(base):
        if skip is not None and Path(dirpath).is_relative_to(skip):
            continue
        for name in files:
            path = Path(dirpath) / name
            out[path.relative_to(base).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return out


def counts(report: IntakeReport) -> tuple[int, int, int, int, int]:
    """(claimed, recovered, accepted, duplicates, rejected) of one run."""
    return report.claimed, report.recovered, report.accepted, report.duplicates, report.rejected


def status_counts(root: Path) -> dict[str, int]:
    return dict(json.loads((root / "status.json").read_text(encoding="utf-8"))["counts"])


# --------------------------------------------------------------------------- the baseline run


@dataclass
class Run:
    root: Path
    expected: dict[str, str]
    dropped: dict[str, bytes]
    report: IntakeReport
    state: dict[str, Any]


@pytest.fixture(scope="module")
def baseline(sample_release: Built, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One uninterrupted intake of the mixed inbox (read-only for tests: copy it to change it)."""
    base = tmp_path_factory.mktemp("intake-baseline")
    root = base / "root"
    expected = make_inbox(root / "inbox")
    dropped = dropped_files(root / "inbox")
    report = run_intake(settings(root, sample_release, base / "work"))
    return Run(root, expected, dropped, report, intake_state(root))


def copy_of(run: Run, target: Path) -> Path:
    shutil.copytree(run.root, target, symlinks=True)
    return target


# --------------------------------------------------------------------------- 1. the mixed inbox


def test_mixed_inbox_ends_fully_sorted(baseline: Run, sample_release: Built) -> None:
    root, expected, dropped = baseline.root, baseline.expected, baseline.dropped
    assert set(dropped) == set(expected) and len(expected) == 18

    # Every file has exactly one receipt, with exactly the expected status.
    state = baseline.state
    assert {name: [s for s, _, _ in entries] for name, entries in state["files"].items()} == {
        name: [status] for name, status in expected.items()
    }
    # Nothing left behind: no inbox file, no claim.
    assert state["inbox"] == [] and state["claims"] == []
    assert os.listdir(root / "claimed") == []
    assert [p for p in (root / "inbox").rglob("*") if not p.is_dir()] == []
    # Nothing lost: one kept original per file received, byte for byte.
    assert state["originals"] == sorted(sha256(b) for b in dropped.values())
    assert layout_violations(root) == []

    all_receipts = receipts(root)
    assert len(all_receipts) == len(expected)
    by_name = {r["file_name"]: r for _, r in all_receipts}
    for path, r in all_receipts:
        original = kept_original(root, r)
        assert original.read_bytes() == dropped[r["file_name"]], r["file_name"]
        assert r["sha256"] == sha256(original.read_bytes()) and r["bytes"] == len(dropped[r["file_name"]])
        assert r["compared_with_release"] == sample_release.release_id
        assert path.stem == r["receipt_id"] or path.parent.name == r["receipt_id"]

    # Accepted: the directory name is the sha256 of the canonical submission.json.
    accepted_ids = sorted(p.name for p in (root / "accepted").iterdir())
    assert accepted_ids == state["accepted_ids"] and len(accepted_ids) == 4
    for sid in accepted_ids:
        assert sha256((root / "accepted" / sid / "submission.json").read_bytes()) == sid
    first = by_name["submission.json"]
    resent = by_name["submission.resent.json"]
    assert first["status"] == "accepted" and "duplicate_of" not in first
    assert resent["status"] == "duplicate" and resent["duplicate_of"] == first["receipt_id"]
    assert resent["submission_id"] == first["submission_id"]
    assert sorted(os.listdir(root / "accepted" / first["submission_id"] / "originals")) == sorted(
        [first["receipt_id"], resent["receipt_id"]]
    )
    assert first["results"] == 24 and first["errors"] == 0 and first["submission_format"]

    # Rejected: original, report.json (every problem located, the right code), report.md.
    for name, codes in EXPECTED_CODES.items():
        r = by_name[name]
        home = root / "rejected" / r["receipt_id"]
        assert sorted(os.listdir(home)) == ["original", "receipt.json", "report.json", "report.md"]
        report = json.loads((home / "report.json").read_text(encoding="utf-8"))
        assert report["receipt_id"] == r["receipt_id"] and report["file"] == name
        assert report["valid"] is False and report["status"] == "FAIL"
        assert report["problems"], name
        for problem in report["problems"]:
            assert set(problem) == PROBLEM_KEYS, name
            assert problem["file"] == name
            assert problem["expected"] and problem["found"] and problem["fix"] and problem["record"]
        assert {p["code"] for p in report["problems"]} == codes, name
        assert r["errors"] == sum(p["severity"] == "error" for p in report["problems"]) > 0
        md = (home / "report.md").read_text(encoding="utf-8")
        assert md.startswith("# Submission report: ") and "**Verdict: FAIL**" in md
        assert "\x1b" not in md and "\u202e" not in md and "<" not in md, name
        for line in md.splitlines():
            if line.startswith("| "):
                # Five cells: no submitted '|' may open a sixth one.
                assert len(re.findall(r"(?<!\\)\|", line)) == 6, (name, line)

    # The located problems point at the right place.
    problems = {
        name: json.loads(
            (root / "rejected" / by_name[name]["receipt_id"] / "report.json").read_text(encoding="utf-8")
        )["problems"]
        for name in EXPECTED_CODES
    }
    assert [(p["record"], p["field"]) for p in problems["control-chars.json"]] == [("results[0]", "model")]
    assert "U+001B" in problems["control-chars.json"][0]["found"]
    assert [(p["record"], p["found"]) for p in problems["sub/passwd.json"]] == [("license", '"MIT"')]
    assert problems["too-large.json"][0]["found"] == "2,000,012 bytes"
    assert problems["huge-string.json"][0]["field"] == "notes"

    # Submitted markup is escaped in the Markdown report, never raw.
    md = (root / "rejected" / by_name[MARKUP_FILE]["receipt_id"] / "report.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\| \\*\\*x\\*\\*" in md
    assert "<script>" not in md and "**x**" not in md and "| **" not in md
    assert [p["record"] for p in problems[MARKUP_FILE]] == ["results[1]"] * 3
    assert all(MARKUP_MODEL in p["found"] for p in problems[MARKUP_FILE])  # JSON keeps the data as is
    control_md = (root / "rejected" / by_name["control-chars.json"]["receipt_id"] / "report.md").read_text(
        encoding="utf-8"
    )
    assert "EfficientNet\\\\u001b\\[2J\\\\u202eB0" in control_md

    # status.json: the same counts and one entry per receipt, newest first.
    status = json.loads((root / "status.json").read_text(encoding="utf-8"))
    assert (
        status["counts"]
        == dict(Counter(expected.values()))
        == {"accepted": 4, "duplicate": 1, "rejected": 13}
    )
    assert sorted(e["file_name"] for e in status["receipts"]) == sorted(expected)
    ids = [e["receipt_id"] for e in status["receipts"]]
    assert ids == sorted(ids, reverse=True)
    assert counts(baseline.report) == (18, 0, 4, 1, 13)


# --------------------------------------------------------------------------- 2. a second run


def test_a_second_run_on_the_empty_inbox_changes_nothing(
    baseline: Run, sample_release: Built, tmp_path: Path
) -> None:
    root = copy_of(baseline, tmp_path / "root")
    before = snapshot(root)
    assert any(k.startswith("accepted/") for k in before) and any(k.startswith("rejected/") for k in before)

    report = run_intake(settings(root, sample_release, tmp_path / "work"))

    assert counts(report) == (0, 0, 0, 0, 0)
    assert report.outcomes == []
    assert snapshot(root) == before  # every byte and every mtime, status.json included
    assert intake_state(root) == baseline.state


# --------------------------------------------------------------------------- 3. resubmission


def test_a_resubmission_is_a_duplicate_of_the_first_receipt(
    baseline: Run, sample_release: Built, tmp_path: Path
) -> None:
    root = copy_of(baseline, tmp_path / "root")
    first = next(r for _, r in receipts(root) if r["file_name"] == "submission.json")
    sid = first["submission_id"]
    shutil.copy(EXAMPLES / "submission.json", root / "inbox" / "submission.json")

    report = run_intake(settings(root, sample_release, tmp_path / "work"))

    assert (report.claimed, report.accepted, report.duplicates, report.rejected) == (1, 0, 1, 0)
    again = [r for _, r in receipts(root) if r["file_name"] == "submission.json"]
    assert len(again) == 2
    new = next(r for r in again if r["receipt_id"] != first["receipt_id"])
    assert new["status"] == "duplicate" and new["duplicate_of"] == first["receipt_id"]
    assert new["submission_id"] == sid and new["receipt_id"] > first["receipt_id"]
    assert sorted(p.name for p in (root / "accepted").iterdir()) == baseline.state["accepted_ids"]
    assert (root / "accepted" / sid / "originals" / new["receipt_id"]).read_bytes() == (
        EXAMPLES / "submission.json"
    ).read_bytes()
    assert status_counts(root) == {"accepted": 4, "duplicate": 2, "rejected": 13}

    status = lookup_status(str(root), str(sample_release.store), sid)
    assert status.submission_id == sid and status.state == "accepted"
    assert status.latest_release == sample_release.release_id and status.first_release is None
    listed = {r["receipt_id"]: r for r in status.receipts}
    assert {first["receipt_id"], new["receipt_id"]} <= set(listed)
    assert listed[new["receipt_id"]]["duplicate_of"] == first["receipt_id"]
    assert f"duplicate of {first['receipt_id']}" in status.text()
    # The receipt id and a short prefix of the submission id find the same submission.
    assert lookup_status(str(root), str(sample_release.store), new["receipt_id"]).submission_id == sid
    assert lookup_status(str(root), str(sample_release.store), sid[:10]).receipts == status.receipts


# --------------------------------------------------------------------------- 4. crashes

Scenario = Callable[[Path, Settings, pytest.MonkeyPatch], tuple[int, int]]
"""Crash a run on ``root`` (and check the state it left); returns the rerun's (claimed, recovered)."""


def crash_in_on_filed(nth: int) -> Scenario:
    """``on_filed`` raises after the nth filed claim (-1: the last): filed, but its claim not yet deleted."""

    def scenario(root: Path, s: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
        store = SubmissionStore(str(root))
        claim_inbox(store)
        total = len(pending_claims(store))
        stop = total if nth == -1 else nth
        filed: list[str] = []

        def on_filed(claim: intake.Claim, status: str) -> None:
            filed.append(claim.receipt_id)
            if len(filed) == stop:
                raise Crash(f"after file {stop}")

        with pytest.raises(Crash):
            process_claims(store, intake_context(s), s.max_submission_bytes, on_filed=on_filed)
        rid = filed[-1]
        assert (root / "claimed" / rid / "claim.json").is_file()
        assert [r for _, r in receipts(root) if r["receipt_id"] == rid]  # the receipt is written
        assert len(os.listdir(root / "claimed")) == total - stop + 1
        assert len(receipts(root)) == stop
        return 0, 0

    return scenario


def crash_in_store(method: str, nth: int, hits: str) -> Scenario:
    """``SubmissionStore.<method>`` raises on its nth call while filing ``hits``: original copied, no receipt."""

    def scenario(root: Path, s: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
        store = SubmissionStore(str(root))
        claim_inbox(store)
        real = getattr(SubmissionStore, method)
        calls = 0

        def failing(self: SubmissionStore, *args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == nth:
                raise Crash(f"{method} call {nth}")
            return real(self, *args, **kwargs)

        with monkeypatch.context() as m:
            m.setattr(SubmissionStore, method, failing)
            with pytest.raises(Crash):
                process_claims(store, intake_context(s), s.max_submission_bytes)
        [orphan] = orphans(root)  # mid-filing: one original kept, its receipt not written
        claim = json.loads((root / "claimed" / orphan.name / "claim.json").read_text(encoding="utf-8"))
        assert claim["file_name"] == hits
        return 0, 0

    return scenario


def crash_in_claim_move(root: Path, s: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """The 3rd move of claiming raises: its claim.json is written, the file is still in the inbox."""
    total = len(dropped_files(root / "inbox"))
    real = SubmissionStore.move
    calls = 0

    def failing(self: SubmissionStore, src: tuple[str, ...], dst: tuple[str, ...]) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Crash("move 3")
        real(self, src, dst)

    with monkeypatch.context() as m:
        m.setattr(SubmissionStore, "move", failing)
        with pytest.raises(Crash):
            run_intake(s)
    claims = sorted(os.listdir(root / "claimed"))
    assert len(claims) == 3
    half = [c for c in claims if not (root / "claimed" / c / "original").exists()]
    assert len(half) == 1
    name = json.loads((root / "claimed" / half[0] / "claim.json").read_text(encoding="utf-8"))["file_name"]
    assert (root / "inbox" / name).is_file()
    assert len(dropped_files(root / "inbox")) == total - 2
    assert receipts(root) == []
    return total - 3, 1


COPIED_BACK = ("submission.json", "alias-bomb.yaml", "sub/passwd.json")


def copied_not_deleted(root: Path, s: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Object storage: a move is copy + delete; a crash between them leaves a complete claim AND the file.

    Built by hand: claim everything, then put three originals back under their
    names (``copy2``: the object is the one received, older than its claim).
    """
    # The root is a local folder standing in for object storage: its moves are copy + delete.
    monkeypatch.setattr(intake, "_move_is_atomic", lambda store: False)
    store = SubmissionStore(str(root))
    claim_inbox(store)
    for claim in pending_claims(store):
        if claim.file_name in COPIED_BACK:
            target = root / "inbox" / claim.file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / "claimed" / claim.receipt_id / "original", target)
    assert sorted(dropped_files(root / "inbox")) == sorted(COPIED_BACK)
    return 0, len(COPIED_BACK)


CRASHES = {
    "on_filed-after-1st": crash_in_on_filed(1),
    "on_filed-after-5th": crash_in_on_filed(5),
    "on_filed-after-last": crash_in_on_filed(-1),
    # Claims are filed in name order; a rejected file writes report.json, report.md, receipt.json,
    # an accepted one submission.json (write_bytes) and its receipt, a duplicate only its receipt.
    "write_json-1st-call": crash_in_store("write_json", 1, "2508.00017.json"),  # report.json
    "write_json-13th-call": crash_in_store("write_json", 13, "evaluation-tables.json"),  # receipt
    "write_json-26th-call": crash_in_store("write_json", 26, "submission.resent.json"),  # duplicate's
    "write_bytes-2nd-call": crash_in_store("write_bytes", 2, "2508.00017.json"),  # report.md
    "write_bytes-21st-call": crash_in_store("write_bytes", 21, "huge-string.json"),  # report.json
    "claim-move-3rd-call": crash_in_claim_move,
    "copied-not-deleted": copied_not_deleted,
}


@pytest.mark.parametrize("crash", CRASHES.values(), ids=CRASHES.keys())
def test_a_crashed_run_and_a_rerun_end_like_an_uninterrupted_run(
    crash: Scenario,
    baseline: Run,
    sample_release: Built,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "root"
    expected = make_inbox(root / "inbox")
    dropped = dropped_files(root / "inbox")
    s = settings(root, sample_release, tmp_path / "work")

    rerun_claimed, rerun_recovered = crash(root, s, monkeypatch)
    report = run_intake(s)

    assert (report.claimed, report.recovered) == (rerun_claimed, rerun_recovered)
    state = intake_state(root)
    assert state == baseline.state
    # Nothing processed twice: one receipt per file name (the resent copy is its own file).
    assert sorted(state["files"]) == sorted(expected)
    assert all(len(entries) == 1 for entries in state["files"].values())
    assert len(receipts(root)) == len(expected)
    # Nothing lost: one kept original per file dropped; nothing half-filed.
    assert state["originals"] == sorted(sha256(b) for b in dropped.values())
    assert orphans(root) == []
    assert layout_violations(root) == []
    assert status_counts(root) == {"accepted": 4, "duplicate": 1, "rejected": 13}


WRITES = ("write_bytes", "copy", "move", "remove")
"""Every operation of the storage layer that changes the submissions root."""


def test_a_crash_at_every_write_of_the_intake_then_a_rerun_ends_like_an_uninterrupted_run(
    baseline: Run, sample_release: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crash injection at *every* write, move and delete of one intake run (claims, originals,
    reports, receipts, status.json), one crash point after the other: each crashed run, rerun,
    ends in exactly the uninterrupted run's state. The scenarios above explain single points;
    this sweep leaves no write untried (``make stress``; every 7th in the default suite)."""
    from transforms.storage import FsLocation

    calls: list[str] = []
    crash_at = 0

    def counted(method: str) -> Any:
        real = getattr(FsLocation, method)

        def wrapper(self: FsLocation, *args: Any, **kwargs: Any) -> Any:
            calls.append(f"{method}({args[0]!s})")
            if len(calls) == crash_at:
                raise Crash(f"{method} #{crash_at}")
            return real(self, *args, **kwargs)

        return wrapper

    for method in WRITES:
        monkeypatch.setattr(FsLocation, method, counted(method))

    def fresh(n: int) -> tuple[Path, Settings]:
        root = tmp_path / f"root-{n}"
        make_inbox(root / "inbox")
        return root, settings(root, sample_release, tmp_path / f"work-{n}")

    root, s = fresh(0)
    run_intake(s)  # counts the writes of an uninterrupted run
    points = list(calls)
    assert intake_state(root) == baseline.state
    assert len(points) > 50, points  # claims, originals, reports, receipts, status: dozens of writes
    kinds = {p.split("(")[0] for p in points}
    assert kinds == set(WRITES), kinds
    assert any("receipt" in p for p in points)

    # The default suite tries every STRIDE-th point (all kinds of write still come up); `make stress`
    # tries them all (PWC_CRASH_STRIDE=1).
    stride = int(os.environ.get("PWC_CRASH_STRIDE", "7"))
    tried = range(1, len(points) + 1, stride)
    assert {points[n - 1].split("(")[0] for n in tried} == set(WRITES)
    print(f"crash points tried: {len(tried)} of the run's {len(points)} writes")
    for n in tried:
        root, s = fresh(n)
        calls.clear()
        crash_at = n
        with pytest.raises(Crash):
            run_intake(s)
        crash_at = 0
        run_intake(s)
        where = f"crash at write {n} of {len(points)}: {points[n - 1]}"
        assert intake_state(root) == baseline.state, where
        assert orphans(root) == [], where
        assert layout_violations(root) == [], where
        assert status_counts(root) == {"accepted": 4, "duplicate": 1, "rejected": 13}, where
        shutil.rmtree(root)


# --------------------------------------------------------------------------- 5. names are data

WEIRD = "weird name ; rm -rf.json"
UNICODE = "résumé — 模型 ✓.yaml"
SHELL = "$(touch pwned)\n`id`.json"


def test_file_names_are_data(sample_release: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(EXAMPLES / "submission.json", inbox / WEIRD)
    shutil.copy(EXAMPLES / "submission.yaml", inbox / UNICODE)
    (inbox / SHELL).write_text('{"schema_version": 1, ', encoding="utf-8")
    dropped = dropped_files(inbox)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # a name used as a relative path would land here
    before = snapshot(tmp_path, skip=root)

    report = run_intake(settings(root, sample_release, tmp_path / "work"))

    assert (report.accepted, report.rejected) == (2, 1)
    by_name = {r["file_name"]: r for _, r in receipts(root)}
    assert set(by_name) == {WEIRD, UNICODE, SHELL}  # verbatim, newline and all
    assert [by_name[n]["status"] for n in (WEIRD, UNICODE, SHELL)] == ["accepted", "accepted", "rejected"]
    for name, r in by_name.items():
        rid = r["receipt_id"]
        if r["status"] == "rejected":
            original = root / "rejected" / rid / "original"
        else:
            original = root / "accepted" / r["submission_id"] / "originals" / rid
        assert original.read_bytes() == dropped[name]
    # Stored only at ids: every path under the root is one of the layout's, none made from a name.
    assert layout_violations(root) == []
    fragments = ("weird", "rm -rf", "résumé", "模型", "pwned", "`id`")
    for path in root.rglob("*"):
        assert not any(f in path.name for f in fragments), path
    # Nothing created or changed outside the root (cwd and work dir included).
    assert snapshot(tmp_path, skip=root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "root"]
    assert os.listdir(cwd) == []
    status = json.loads((root / "status.json").read_text(encoding="utf-8"))
    assert sorted(e["file_name"] for e in status["receipts"]) == sorted([WEIRD, UNICODE, SHELL])
    md = (root / "rejected" / by_name[SHELL]["receipt_id"] / "report.md").read_text(encoding="utf-8")
    assert md.splitlines()[0] == "# Submission report: $\\(touch pwned\\) \\`id\\`.json"


# --------------------------------------------------------------------------- 6. symlinks


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Real paths of every file opened through open()/io.open()/os.open() while the test runs."""
    seen: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def note(file: Any) -> None:
        if isinstance(file, str | bytes | os.PathLike):
            seen.append(os.path.realpath(os.fsdecode(file)))

    def spy_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        note(file)
        return real_open(file, *args, **kwargs)

    def spy_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        note(path)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    return seen


def test_a_symlink_is_rejected_without_reading_its_target(
    sample_release: Built, tmp_path: Path, opened: list[str]
) -> None:
    root = tmp_path / "root"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    target = tmp_path / "outside" / "secret.json"
    target.parent.mkdir()
    shutil.copy(EXAMPLES / "submission.json", target)  # a valid submission: reading it would accept it
    before = (target.read_bytes(), target.stat().st_mtime_ns)
    links = {"link.json": str(target), "rel-link.json": os.path.relpath(target, inbox)}
    for name, text in links.items():
        os.symlink(text, inbox / name)
    opened.clear()

    report = run_intake(settings(root, sample_release, tmp_path / "work"))

    assert (report.accepted, report.rejected) == (0, 2)
    assert any(p.endswith("/claim.json") for p in opened)  # the spy sees the intake's own reads
    assert str(target.resolve()) not in opened  # never opened, not even to copy or hash
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before
    assert os.listdir(inbox) == []
    assert not (root / "accepted").exists() or os.listdir(root / "accepted") == []
    by_name = {r["file_name"]: r for _, r in receipts(root)}
    assert set(by_name) == set(links)
    for name, text in links.items():
        r = by_name[name]
        home = root / "rejected" / r["receipt_id"]
        original = home / "original"
        assert not original.is_symlink() and original.read_bytes() == text.encode()
        assert r["sha256"] == sha256(text.encode()) and r["bytes"] == len(text.encode())
        problems = json.loads((home / "report.json").read_text(encoding="utf-8"))["problems"]
        assert [(p["code"], p["record"], p["found"]) for p in problems] == [
            ("file.symlink", "(file)", "a symbolic link")
        ]
        assert "a symbolic link" in (home / "report.md").read_text(encoding="utf-8")
    assert layout_violations(root) == []


# --------------------------------------------------------------------------- 7. one batch


def test_hundreds_of_files_are_validated_in_one_gate_run(
    sample_release: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transforms.validate import gate

    root = tmp_path / "root"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    count = 300
    for i in range(count):
        doc = example()
        for result in doc["results"]:
            result["model"] = f"{result['model']} (variant {i})"
        (inbox / f"variant-{i:04d}.json").write_text(json.dumps(doc), encoding="utf-8")
    calls: list[list[str]] = []
    real = gate.run_gate

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(list(kwargs.get("tables") or []))
        return real(*args, **kwargs)

    monkeypatch.setattr(gate, "run_gate", spy)

    report = run_intake(settings(root, sample_release, tmp_path / "work"))

    assert len(calls) == 1  # one Great Expectations run for the whole batch
    assert "submission_results" in calls[0]
    assert (report.claimed, report.accepted, report.duplicates, report.rejected) == (count, count, 0, 0)
    all_receipts = [r for _, r in receipts(root)]
    assert len(all_receipts) == count and {r["status"] for r in all_receipts} == {"accepted"}
    ids = {r["submission_id"] for r in all_receipts}
    assert len(ids) == count
    assert sorted(p.name for p in (root / "accepted").iterdir()) == sorted(ids)
    assert {r["results"] for r in all_receipts} == {24}


# --------------------------------------------------------------------------- 8. object storage


@pytest.fixture
def memory_root() -> Iterator[str]:
    """A fresh ``memory://`` submissions root; everything under it is removed afterwards."""
    import fsspec

    fs = fsspec.filesystem("memory")
    prefix = f"/pwc-intake-test-{uuid.uuid4().hex}"
    yield f"memory://{prefix.lstrip('/')}/root"
    for key in [k for k in fs.store if k.startswith(prefix)]:
        del fs.store[key]
    fs.pseudo_dirs[:] = [d for d in fs.pseudo_dirs if not d.startswith(prefix)]
    assert not any(k.startswith(prefix) for k in fs.store)
    assert not any(d.startswith(prefix) for d in fs.pseudo_dirs)


def test_intake_on_object_storage(
    memory_root: str, sample_release: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    local = tmp_path / "mixed"
    expected = make_inbox(local)
    dropped = dropped_files(local)
    for name, data in dropped.items():
        fs.pipe_file(f"{memory_root}/inbox/{name}", data)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)

    report = run_intake(settings(memory_root, sample_release, tmp_path / "work"))

    assert (report.claimed, report.accepted, report.duplicates, report.rejected) == (18, 4, 1, 13)
    root = memory_root.removeprefix("memory://")
    assert fs.find(f"{root}/inbox") == [] and fs.find(f"{root}/claimed") == []
    receipt_paths = sorted(fs.glob(f"{root}/accepted/*/receipts/*.json")) + sorted(
        fs.glob(f"{root}/rejected/*/receipt.json")
    )
    found = [json.loads(fs.cat_file(p)) for p in receipt_paths]
    assert {r["file_name"]: r["status"] for r in found} == expected
    assert len(found) == len(expected)
    originals = []
    for r in found:
        if r["status"] == "rejected":
            home = f"{root}/rejected/{r['receipt_id']}"
            original = fs.cat_file(f"{home}/original")
            report_json = json.loads(fs.cat_file(f"{home}/report.json"))
            assert {p["code"] for p in report_json["problems"]} == EXPECTED_CODES[r["file_name"]]
            assert fs.cat_file(f"{home}/report.md").startswith(b"# Submission report: ")
        else:
            sid = r["submission_id"]
            original = fs.cat_file(f"{root}/accepted/{sid}/originals/{r['receipt_id']}")
            assert sha256(fs.cat_file(f"{root}/accepted/{sid}/submission.json")) == sid
        assert original == dropped[r["file_name"]]
        originals.append(sha256(original))
    assert sorted(originals) == sorted(sha256(b) for b in dropped.values())
    assert sorted(p.rsplit("/", 1)[-1] for p in fs.ls(f"{root}/accepted", detail=False)) == sorted(
        {r["submission_id"] for r in found if r["status"] != "rejected"}
    )
    status = json.loads(fs.cat_file(f"{root}/status.json"))
    assert status["counts"] == {"accepted": 4, "duplicate": 1, "rejected": 13}
    assert os.listdir(cwd) == []  # nothing written to the local disk instead

    # A second run on object storage is a no-op too.
    again = run_intake(settings(memory_root, sample_release, tmp_path / "work"))
    assert (again.claimed, again.recovered, again.outcomes) == (0, 0, [])


# --------------------------------------------------------------------------- regressions (bugs these tests found)


def test_a_file_name_that_is_not_utf8_does_not_block_the_intake(
    sample_release: Built, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    try:
        shutil.copy(EXAMPLES / "submission.json", os.path.join(os.fsencode(inbox), b"caf\xe9.json"))
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    shutil.copy(EXAMPLES / "submission.yaml", inbox / "zzz.yaml")

    run_intake(settings(root, sample_release, tmp_path / "work"))

    found = {r["file_name"]: r["status"] for _, r in receipts(root)}
    assert found.pop("zzz.yaml") == "accepted"
    [(name, status)] = found.items()
    assert name.startswith("caf") and status == "accepted"
    assert os.listdir(inbox) == []


def test_a_resend_while_an_earlier_claim_is_pending_is_not_lost(
    sample_release: Built, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(EXAMPLES / "submission.json", inbox / "submission.json")
    claim_inbox(SubmissionStore(str(root)))  # the run stops after claiming (killed, validation failed...)
    claimed_at = max(p.stat().st_mtime_ns for p in (root / "claimed").rglob("*"))
    shutil.copy(EXAMPLES / "submission.json", inbox / "submission.json")  # the author sends it again
    os.utime(inbox / "submission.json", ns=(claimed_at + 10**9, claimed_at + 10**9))

    run_intake(settings(root, sample_release, tmp_path / "work"))

    statuses = sorted(r["status"] for _, r in receipts(root) if r["file_name"] == "submission.json")
    assert statuses == ["accepted", "duplicate"]


def test_a_symlink_to_a_directory_is_rejected_too(sample_release: Built, tmp_path: Path) -> None:
    root = tmp_path / "root"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(EXAMPLES / "submission.json", outside / "submission.json")
    os.symlink(outside, inbox / "folder-link")

    run_intake(settings(root, sample_release, tmp_path / "work"))

    assert os.listdir(inbox) == []
    assert [(r["file_name"], r["status"]) for _, r in receipts(root)] == [("folder-link", "rejected")]


def test_a_crash_before_the_status_is_repaired_by_the_rerun(
    sample_release: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(EXAMPLES / "submission.json", inbox / "submission.json")
    s = settings(root, sample_release, tmp_path / "work")

    def crash(store: SubmissionStore) -> dict[str, Any]:
        raise Crash("killed before the status was written")

    with monkeypatch.context() as m:
        m.setattr(intake, "write_status", crash)
        with pytest.raises(Crash):
            run_intake(s)
    assert len(receipts(root)) == 1  # filed; only the status is missing

    run_intake(s)

    assert (root / "status.json").is_file()
    assert status_counts(root) == {"accepted": 1}
