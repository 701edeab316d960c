"""The submission validator end to end, on the bundled sample release (2026-01-02.0) and real files.

Every file here is real data or one change away from it: the documented examples (real rows of the
2020 evaluation-tables dump), the two real community submissions, and copies of
docs/examples/submission.json with one thing changed. Problems are checked by their exact code,
record and field and by the words of their messages; the CLI by its exit codes and output.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.support.builds import ROOT, Built, build
from transforms.cli import app
from transforms.submissions.validate import Batch, Context, Received, Verdict, validate_batch

pytestmark = pytest.mark.integration

EXAMPLES = ROOT / "docs" / "examples"
COMMUNITY = ROOT / "tests" / "fixtures" / "submissions" / "community"
EXPECTATIONS = ROOT / "expectations"
RELEASE = "2026-01-02.0"
TODAY = date(2026, 1, 2)
"""Fixed 'today' of the in-process runs: dates after it are in the future."""

runner = CliRunner()


# --------------------------------------------------------------------------- helpers


def example() -> dict[str, Any]:
    """docs/examples/submission.json: EfficientNet-B0..B7 on ImageNet, 8 results x 3 metrics."""
    doc: dict[str, Any] = json.loads((EXAMPLES / "submission.json").read_text(encoding="utf-8"))
    return doc


def variant(change: Callable[[dict[str, Any]], Any]) -> bytes:
    """The example with one thing changed, as JSON bytes."""
    doc = example()
    change(doc)
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def metric(result: int, name: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda doc: doc["results"][result]["metrics"].__setitem__(name, value)


def where(v: Verdict) -> list[tuple[str, str, str, str]]:
    """(severity, code, record, field) of every problem, in the verdict's order."""
    return [(p.severity, p.code, p.record, p.field) for p in v.problems]


def canonical_id(doc: dict[str, Any]) -> str:
    """The documented submission id: sha256 of compact, key-sorted UTF-8 JSON of the canonical form."""
    data = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def by_name(batch: Batch) -> dict[str, Verdict]:
    return {v.name: v for v in batch.verdicts}


@pytest.fixture(scope="module")
def context(sample_release: Built) -> Context:
    from transforms.submissions.reference import open_reference

    reference = open_reference(str(sample_release.store))
    assert reference is not None and reference.release_id == RELEASE
    return Context(expectations=EXPECTATIONS, reference=reference, today=TODAY)


@pytest.fixture(scope="module")
def store(sample_release: Built) -> str:
    return str(sample_release.store)


# --------------------------------------------------------------------------- 1. the documented examples


def test_every_documented_example_is_valid_without_a_single_warning(context: Context) -> None:
    paths = sorted(EXAMPLES.iterdir())
    assert [p.name for p in paths] == [
        "evaluation-tables.json",
        "model-index.yaml",
        "submission.json",
        "submission.yaml",
    ]
    batch = validate_batch([Received(p.name, p.read_bytes()) for p in paths], context)

    # They were compared with the release: all three suites ran (names too), nothing failed.
    assert batch.reference_release == RELEASE
    assert batch.gate is not None
    assert batch.gate["tables"] == 3 and batch.gate["unsuccessful_expectations"] == 0
    verdicts = by_name(batch)
    assert {n: (v.status, v.format) for n, v in verdicts.items()} == {
        "evaluation-tables.json": ("PASS", "evaluation-tables"),
        "model-index.yaml": ("PASS", "model-index"),
        "submission.json": ("PASS", "pwc-submission-v1"),
        "submission.yaml": ("PASS", "pwc-submission-v1"),
    }
    for v in batch.verdicts:
        assert v.problems == [], (v.name, v.problems)
        assert v.results > 0 and re.fullmatch(r"[0-9a-f]{64}", v.submission_id or "")
    own_yaml = yaml.safe_load((EXAMPLES / "submission.yaml").read_text(encoding="utf-8"))
    assert verdicts["submission.json"].results == 24  # 8 results x 3 metrics
    assert verdicts["submission.yaml"].results == sum(len(r["metrics"]) for r in own_yaml["results"])
    assert verdicts["submission.json"].submission_id == canonical_id(example())


# --------------------------------------------------------------------------- 2. meaning checks

MEANING: dict[str, bytes] = {
    "approx.json": variant(metric(0, "Top 1 Accuracy", "~93")),
    "plus-minus.json": variant(metric(0, "Top 1 Accuracy", "92.0 ± 1.3")),
    "not-available.json": variant(metric(0, "Top 1 Accuracy", "N/A")),
    "above-100.json": variant(metric(0, "Top 1 Accuracy", "134.5%")),
    "negative-params.json": variant(metric(0, "Number of params", "-5.3M")),
    "perplexity.json": variant(
        lambda doc: doc["results"].__setitem__(
            0,
            {
                "task": "Language Modelling",
                "dataset": "WikiText-103",
                "model": "EfficientNet-B0",
                "metrics": {"Test perplexity": 0.85},
            },
        )
    ),
    "not-a-date.json": variant(lambda doc: doc["paper"].__setitem__("date", "2023-02-30")),
    "future.json": variant(lambda doc: doc["paper"].__setitem__("date", "2099-01-01")),
    "today.json": variant(lambda doc: doc["paper"].__setitem__("date", TODAY.isoformat())),
    "tomorrow.json": variant(lambda doc: doc["paper"].__setitem__("date", "2026-01-03")),
    "twice.json": variant(lambda doc: doc["results"].append(copy.deepcopy(doc["results"][0]))),
    "typo.json": variant(lambda doc: doc["results"][0].__setitem__("task", "Image Clasification")),
    "new-names.json": variant(
        lambda doc: doc["results"].append(
            {
                "task": "Image Classification",
                "dataset": "ImageNet V2 Matched Frequency",
                "model": "EfficientNet-B0",
                "metrics": {"Throughput (images/s)": 2200},
            }
        )
    ),
    "conflict.json": variant(metric(0, "Top 1 Accuracy", "77.3%")),
}

TOP1 = 'metrics["Top 1 Accuracy"]'
CONFLICT = ("warning", "result.conflict", "results[0]", TOP1)

EXPECTED: dict[str, tuple[str, list[tuple[str, str, str, str]]]] = {
    "approx.json": ("FAIL", [("error", "value.unparsed", "results[0]", TOP1)]),
    # parses (to 92.0), so it is only a value that differs from the release's 76.3%
    "plus-minus.json": ("WARN", [CONFLICT]),
    "not-available.json": ("FAIL", [("error", "value.unparsed", "results[0]", TOP1)]),
    "above-100.json": ("FAIL", [("error", "value.above_max", "results[0]", TOP1), CONFLICT]),
    "negative-params.json": (
        "FAIL",
        [
            ("error", "value.below_min", "results[0]", 'metrics["Number of params"]'),
            ("warning", "result.conflict", "results[0]", 'metrics["Number of params"]'),
        ],
    ),
    "perplexity.json": ("FAIL", [("error", "value.below_min", "results[0]", 'metrics["Test perplexity"]')]),
    "not-a-date.json": ("FAIL", [("error", "date.invalid", "paper", "date")]),
    "future.json": ("FAIL", [("error", "date.out_of_range", "paper", "date")]),
    "today.json": ("PASS", []),
    "tomorrow.json": ("FAIL", [("error", "date.out_of_range", "paper", "date")]),
    "twice.json": (
        "FAIL",
        [
            ("error", "result.duplicate", "results[8]", 'metrics["Number of params"]'),
            ("error", "result.duplicate", "results[8]", TOP1),
            ("error", "result.duplicate", "results[8]", 'metrics["Top 5 Accuracy"]'),
        ],
    ),
    "typo.json": ("WARN", [("warning", "name.unknown_task", "results[0]", "task")]),
    "new-names.json": (
        "WARN",
        [
            ("warning", "name.unknown_dataset", "results[8]", "dataset"),
            ("warning", "name.unknown_metric", "results[8]", 'metrics["Throughput (images/s)"]'),
        ],
    ),
    "conflict.json": ("WARN", [CONFLICT]),
}


@pytest.fixture(scope="module")
def meaning(context: Context) -> Batch:
    """Every meaning case in one batch: one GE run, as the intake does it."""
    return validate_batch([Received(n, data) for n, data in MEANING.items()], context)


def verdict(meaning: Batch, name: str) -> Verdict:
    return by_name(meaning)[name]


def only(meaning: Batch, name: str, code: str) -> Any:
    found = [p for p in verdict(meaning, name).problems if p.code == code]
    assert len(found) == 1, (name, code, verdict(meaning, name).problems)
    return found[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_meaning_problem_codes_records_and_fields(meaning: Batch, name: str) -> None:
    status, problems = EXPECTED[name]
    v = verdict(meaning, name)
    assert (v.status, where(v)) == (status, problems)
    # Warnings leave a file valid (with its id); one error refuses it.
    assert v.valid == (status != "FAIL")
    assert (v.submission_id is not None) and v.format == "pwc-submission-v1"
    for p in v.problems:
        assert p.file == name and p.expected and p.found and p.fix


def test_a_value_that_does_not_parse_says_why_and_how_to_write_it(meaning: Batch) -> None:
    p = only(meaning, "approx.json", "value.unparsed")
    assert p.found == '"~93" (unparseable)'
    assert "one number" in p.expected and '"85.2%"' in p.expected
    assert p.fix.startswith("write the number plainly") and "no ~" in p.fix
    missing = only(meaning, "not-available.json", "value.unparsed")
    assert missing.found == '"N/A" (missing)'
    assert missing.fix.startswith("give the number, or leave the metric out")
    # "92.0 ± 1.3" is read as 92.0: no parse problem, only the conflict with the archived 76.3%.
    assert only(meaning, "plus-minus.json", "result.conflict").found == '"92.0 ± 1.3"'


def test_bounds_name_the_metric_its_unit_and_the_range(meaning: Batch) -> None:
    above = only(meaning, "above-100.json", "value.above_max")
    assert above.expected == "Top 1 Accuracy is a percent metric: a value in [0, 100]"
    assert above.found == '"134.5%" (read as 134.5)'
    assert "misplaced decimal mark" in above.fix

    params = only(meaning, "negative-params.json", "value.below_min")
    assert params.expected == "Number of params is a count metric: a value in [0, …]"
    assert params.found == '"-5.3M" (read as -5.3e+06)'

    ppl = only(meaning, "perplexity.json", "value.below_min")
    assert ppl.expected == "Test perplexity is a ratio metric: a value in [1, …]"
    assert "(read as 0.85)" in ppl.found


def test_dates_must_be_real_and_not_in_the_future(meaning: Batch) -> None:
    invalid = only(meaning, "not-a-date.json", "date.invalid")
    assert (invalid.found, invalid.expected) == ('"2023-02-30"', "a real date written YYYY-MM-DD")
    assert "arXiv v1 date" in invalid.fix
    future = only(meaning, "future.json", "date.out_of_range")
    assert (future.found, future.expected) == ('"2099-01-01"', "a date that is not in the future")
    assert future.fix == "use the date the paper was first made public"
    # The boundary follows Context.today: today is fine, tomorrow is the future.
    assert verdict(meaning, "today.json").status == "PASS"
    assert only(meaning, "tomorrow.json", "date.out_of_range").found == '"2026-01-03"'
    assert meaning.today == TODAY


def test_a_result_listed_twice_is_reported_once_at_the_repeat_naming_the_first(meaning: Batch) -> None:
    v = verdict(meaning, "twice.json")
    assert v.results == 27
    assert {p.record for p in v.problems} == {"results[8]"}  # never at the first listing
    found = sorted(p.found for p in v.problems)
    assert found == [
        f'"{m}" for model "EfficientNet-B0" again; first listed at results[0]'
        for m in ("Number of params", "Top 1 Accuracy", "Top 5 Accuracy")
    ]
    assert v.problems[0].expected == "each (task, dataset, paper, model, metric) once per submission"
    assert "give the models distinct names" in v.problems[0].fix


def test_unknown_names_are_warnings_with_did_you_mean_from_the_release(meaning: Batch) -> None:
    typo = only(meaning, "typo.json", "name.unknown_task")
    assert typo.found == '"Image Clasification"'
    assert typo.expected == "a task name of the latest release"
    assert typo.fix.startswith('did you mean "Image Classification"? ')
    assert "a new task is fine" in typo.fix

    dataset = only(meaning, "new-names.json", "name.unknown_dataset")
    assert dataset.found == '"ImageNet V2 Matched Frequency"'
    assert dataset.fix == "use the archive's name if it is the same dataset; a new dataset is fine"
    unknown_metric = only(meaning, "new-names.json", "name.unknown_metric")
    assert unknown_metric.found == '"Throughput (images/s)"'
    assert unknown_metric.expected == "a metric name of the latest release"
    assert verdict(meaning, "new-names.json").valid


def test_a_conflict_names_the_archived_value_release_and_result(meaning: Batch, release_db: Any) -> None:
    p = only(meaning, "conflict.json", "result.conflict")
    assert p.found == '"77.3%"'
    m = re.fullmatch(r'"76\.3%" as in release 2026-01-02\.0 \(result (res_[0-9a-f]{16})\)', p.expected)
    assert m, p.expected
    archived = release_db.execute(
        "SELECT value_raw, model_name_raw, metric_name_raw, paper_url_raw FROM results WHERE result_id = ?",
        [m.group(1)],
    ).fetchall()
    assert archived == [("76.3%", "EfficientNet-B0", "Top 1 Accuracy", "https://arxiv.org/abs/1905.11946v3")]
    assert "the release keeps both values" in p.fix


# --------------------------------------------------------------------------- 3. without a release


def test_without_a_release_no_name_or_conflict_checks_and_the_summary_says_so(store: str) -> None:
    from transforms.submissions.report import text_report

    names = ["typo.json", "new-names.json", "conflict.json", "above-100.json"]
    context = Context(expectations=EXPECTATIONS, reference=None, today=TODAY)
    batch = validate_batch([Received(n, MEANING[n]) for n in names], context)
    assert batch.reference_release is None
    assert batch.gate is not None and batch.gate["tables"] == 2  # the names suite did not run
    assert {v.name: where(v) for v in batch.verdicts} == {
        "typo.json": [],
        "new-names.json": [],
        "conflict.json": [],
        # the value checks need no release
        "above-100.json": [("error", "value.above_max", "results[0]", TOP1)],
    }
    assert text_report(batch).endswith(
        "4 file(s): 3 valid (0 with warnings), 1 invalid; no release to compare names and values with\n"
    )


def test_cli_against_none_skips_the_release(store: str, tmp_path: Path) -> None:
    for name in ("typo.json", "conflict.json"):
        (tmp_path / name).write_bytes(MEANING[name])
    code, out, err = run("submission", "validate", str(tmp_path), "--store", store, "--against", "none")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("PASS  conflict.json  (pwc-submission-v1; 24 result value(s)")
    assert out.endswith(
        "2 file(s): 2 valid (0 with warnings), 0 invalid; no release to compare names and values with\n"
    )
    code, out, _ = run("submission", "validate", str(tmp_path), "--store", store)
    assert code == 0
    assert "[name.unknown_task]" in out and "[result.conflict]" in out
    assert out.endswith(
        f"2 file(s): 2 valid (2 with warnings), 0 invalid; names and values compared with release {RELEASE}\n"
    )


# --------------------------------------------------------------------------- 4. the real community files

COMMUNITY_FILES = ["2508.00017.json", "arxiv-2507.22176.json"]
PAPER_DATES = {"2508.00017.json": "2025-08-01", "arxiv-2507.22176.json": "2025-07-29"}


def test_community_submissions_fail_once_with_a_fix_that_makes_them_pass(context: Context) -> None:
    received = [Received(n, (COMMUNITY / n).read_bytes()) for n in COMMUNITY_FILES]
    batch = validate_batch(received, context)
    pasted: list[Received] = []
    filled: list[Received] = []
    for name, v in zip(COMMUNITY_FILES, batch.verdicts, strict=True):
        original = json.loads((COMMUNITY / name).read_bytes())
        assert (v.name, v.status, v.format, v.submission_id) == (name, "FAIL", None, None)
        assert where(v) == [("error", "format.unrecognised", "(file)", "")]
        p = v.problems[0]
        for key in ('"schema_version"', '"license"', '"submitter"', '"date"'):
            assert key in p.found
        assert "the own format" in p.expected and "docs/submissions.md" in p.expected
        assert "ready to paste" in p.fix
        assert 'replace "YYYY-MM-DD" with the paper\'s date' in p.fix
        assert "the consent must be your own, no one can give it for you" in p.fix
        document = p.fix[p.fix.index("\n{") + 1 :]
        assert f'"title": {json.dumps(original["title"], ensure_ascii=False)}' in document
        assert f'"arxiv_id": "{original["arxiv_id"]}"' in document
        assert '"date": "YYYY-MM-DD"' in document

        doc = json.loads(document)  # ready to paste: the fix ends with one JSON document
        assert doc["license"].startswith("<CC-BY-SA-4.0 if you agree")
        assert doc["submitter"] == {"name": "<your name>"}
        pasted.append(Received("pasted-" + name, document.encode("utf-8")))
        doc["license"] = "CC-BY-SA-4.0"
        doc["submitter"] = {"name": "Jane Doe"}
        doc["paper"]["date"] = PAPER_DATES[name]
        filled.append(Received("filled-" + name, json.dumps(doc, indent=2, ensure_ascii=False).encode()))

    again = by_name(validate_batch(pasted + filled, context))
    for name in COMMUNITY_FILES:
        original = json.loads((COMMUNITY / name).read_bytes())
        # As pasted, the placeholders do not validate: consent and date must come from the author.
        assert where(again["pasted-" + name]) == [
            ("error", "schema.const", "license", ""),
            ("error", "schema.pattern", "paper", "date"),
        ]
        v = again["filled-" + name]
        assert (v.status, v.format, v.problems, v.papers, v.results) == (
            "PASS",
            "pwc-submission-v1",
            [],
            1,
            0,
        )
        assert v.canonical is not None
        canonical = json.loads(v.canonical)
        assert canonical["paper"]["title"] == original["title"]
        assert canonical["paper"]["arxiv_id"] == original["arxiv_id"]
        assert v.submission_id == hashlib.sha256(v.canonical).hexdigest()


# --------------------------------------------------------------------------- 5. hostile input through the CLI

HOSTILE: dict[str, tuple[str, set[str]]] = {
    "not-utf8.json": ("FAIL", {"encoding.not_utf8"}),
    "nan.json": ("FAIL", {"json.not_finite"}),
    "infinity.json": ("FAIL", {"json.not_finite"}),
    "overflow.json": ("FAIL", {"number.too_large"}),
    "huge-string.json": ("FAIL", {"text.too_long"}),
    "control-chars.json": ("FAIL", {"text.control_character"}),
    "duplicate-keys.json": ("FAIL", {"json.duplicate_key"}),
    "alias-bomb.yaml": ("FAIL", {"yaml.alias"}),
    "deep.json": ("FAIL", {"doc.too_deep"}),
    "too-large.json": ("FAIL", {"file.too_large"}),
    # A model named like a path is data: nothing is opened, the file is valid.
    "sub/passwd.json": ("PASS", set()),
    # A file name with ESC and a right-to-left override: shown escaped, the content is fine.
    "evil\\u001b[31m\\u202eexample.json": ("PASS", set()),
}
MAX_BYTES = 200_000


def make_hostile(directory: Path) -> None:
    directory.mkdir()
    (directory / "not-utf8.json").write_bytes(
        b'{"schema_version": 1, "license": "CC-BY-SA-4.0", "x": "\xff\xfe"}'
    )
    (directory / "nan.json").write_bytes(variant(metric(0, "Top 1 Accuracy", float("nan"))))
    (directory / "infinity.json").write_bytes(variant(metric(0, "Top 1 Accuracy", float("inf"))))
    overflow = variant(metric(0, "Top 1 Accuracy", "OVERFLOW")).replace(b'"OVERFLOW"', b"1e309")
    (directory / "overflow.json").write_bytes(overflow)
    (directory / "huge-string.json").write_bytes(
        variant(lambda doc: doc["results"][0].__setitem__("notes", "x" * 100_000))
    )
    (directory / "control-chars.json").write_bytes(
        variant(lambda doc: doc["results"][0].__setitem__("model", "EfficientNet\x1b[2J\u202eB0"))
    )
    (directory / "duplicate-keys.json").write_text(
        '{"schema_version": 1, "license": "CC-BY-SA-4.0", "license": "MIT"}'
    )
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    (directory / "alias-bomb.yaml").write_text(bomb)
    (directory / "deep.json").write_text("[" * 100_000)
    (directory / "too-large.json").write_bytes(b" " * (MAX_BYTES + 10) + b"{}")
    (directory / "sub").mkdir()
    (directory / "sub" / "passwd.json").write_bytes(
        variant(lambda doc: doc["results"][0].__setitem__("model", "../../etc/passwd"))
    )
    (directory / "evil\x1b[31m\u202eexample.json").write_bytes((EXAMPLES / "submission.json").read_bytes())


def report_blocks(text: str) -> dict[str, tuple[str, list[str]]]:
    """The text report as {file as shown: (status, [codes])}."""
    blocks: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for line in text.splitlines():
        head = re.match(r"^(PASS|WARN|FAIL)  (.+?)  \((.*)\)$", line)
        if head:
            current = head.group(2)
            blocks[current] = (head.group(1), [])
            continue
        problem = re.match(r"^  (?:error|warning): .*  \[([a-z0-9_.]+)\]$", line)
        if problem and current is not None:
            blocks[current][1].append(problem.group(1))
    return blocks


def test_hostile_files_never_produce_a_traceback(store: str, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    make_hostile(hostile)
    assert b'"Top 1 Accuracy": 1e309' in (hostile / "overflow.json").read_bytes()
    command = [sys.executable, "-m", "transforms.cli", "submission", "validate", str(hostile)]
    command += ["--store", store, "--max-bytes", str(MAX_BYTES)]
    proc = subprocess.run(
        command, check=False, capture_output=True, cwd=ROOT, env=dict(os.environ), timeout=120
    )
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in out + err
    assert proc.returncode == 1, err
    assert err == ""

    blocks = report_blocks(out)
    assert {name: (status, set(codes)) for name, (status, codes) in blocks.items()} == HOSTILE
    assert blocks["deep.json"][1] == ["doc.too_deep"]  # one error, not one per level
    assert out.endswith(
        f"12 file(s): 2 valid (0 with warnings), 10 invalid; names and values compared with release {RELEASE}\n"
    )
    # Submitted text is escaped, never raw: no terminal escape, no bidi override reaches the terminal.
    assert "\x1b" not in out and "\u202e" not in out
    assert 'found:    "EfficientNet\\u001b[2J\\u202eB0": U+001B (ESCAPE) at character 13' in out
    assert f"found:    {MAX_BYTES + 12:,} bytes" in out
    assert "expected: a number that fits a 64-bit float" in out


# --------------------------------------------------------------------------- 6. CLI contract


def test_cli_exit_codes(store: str, tmp_path: Path) -> None:
    ok, warn, bad = tmp_path / "ok.json", tmp_path / "warn.json", tmp_path / "bad.json"
    ok.write_bytes((EXAMPLES / "submission.json").read_bytes())
    warn.write_bytes(MEANING["typo.json"])
    bad.write_bytes(MEANING["not-available.json"])

    code, out, err = run("submission", "validate", str(ok), str(warn), "--store", store)
    assert (code, err) == (0, "")
    assert out.startswith("PASS  ok.json  (pwc-submission-v1; 24 result value(s); submission id ")
    assert "WARN  warn.json  (pwc-submission-v1; 24 result value(s); submission id " in out

    code, out, err = run("submission", "validate", str(ok), str(warn), str(bad), "--store", store)
    assert (code, err) == (1, "")
    assert "FAIL  bad.json  (pwc-submission-v1; " in out
    assert '  error: results[0].metrics["Top 1 Accuracy"]  [value.unparsed]' in out

    code, out, err = run("submission", "validate", str(tmp_path / "missing.json"), "--store", store)
    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path / 'missing.json'}: no such file or directory\n"

    code, out, err = run("submission", "validate", str(ok), "--store", store, "--format", "xml")
    assert (code, out, err) == (2, "", "error: --format: expected text or json, found 'xml'\n")

    code, out, err = run("submission", "validate", str(ok), "--store", store, "--against", "2020-01-01.0")
    assert (code, out) == (2, "")
    assert err.startswith("error: release 2020-01-01.0 not found in ")
    assert err.rstrip().endswith(f"available: {RELEASE}")
    assert "Traceback" not in err


def test_cli_json_report(store: str, tmp_path: Path) -> None:
    for name in ("typo.json", "not-available.json"):
        (tmp_path / name).write_bytes(MEANING[name])
    (tmp_path / "submission.json").write_bytes((EXAMPLES / "submission.json").read_bytes())
    code, out, err = run("submission", "validate", str(tmp_path), "--store", store, "--format", "json")
    assert (code, err) == (1, "")
    report = json.loads(out)  # one JSON object, nothing else on stdout
    assert (report["valid"], report["files"], report["invalid_files"]) == (False, 3, 1)
    assert report["compared_with_release"] == RELEASE
    verdicts = {v["file"]: v for v in report["verdicts"]}
    assert {n: v["status"] for n, v in verdicts.items()} == {
        "not-available.json": "FAIL",
        "submission.json": "PASS",
        "typo.json": "WARN",
    }
    assert verdicts["submission.json"]["submission_id"] == canonical_id(example())
    assert re.fullmatch(r"[0-9a-f]{64}", verdicts["typo.json"]["submission_id"])
    # Refused for its meaning, the file still had a canonical form: its id is reported, its status is FAIL.
    bad = verdicts["not-available.json"]
    assert (bad["valid"], bad["errors"], bad["warnings"]) == (False, 1, 0)
    assert bad["submission_id"] == canonical_id(json.loads(MEANING["not-available.json"]))
    assert (verdicts["typo.json"]["valid"], verdicts["typo.json"]["warnings"]) == (True, 1)
    keys = {"file", "record", "field", "expected", "found", "fix", "severity", "code"}
    problems = [p for v in report["verdicts"] for p in v["problems"]]
    assert len(problems) == 2
    assert all(set(p) == keys for p in problems)
    assert {(p["file"], p["severity"], p["code"], p["record"], p["field"], p["found"]) for p in problems} == {
        ("not-available.json", "error", "value.unparsed", "results[0]", TOP1, '"N/A" (missing)'),
        ("typo.json", "warning", "name.unknown_task", "results[0]", "task", '"Image Clasification"'),
    }


def test_submission_id_is_sha256_of_canonical_bytes_for_json_and_yaml(store: str, tmp_path: Path) -> None:
    doc = example()
    (tmp_path / "efficientnet.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    # The same content in YAML, keys in another order.
    (tmp_path / "efficientnet.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    code, out, err = run("submission", "validate", str(tmp_path), "--store", store)
    assert (code, err) == (0, "")
    ids = dict(
        re.findall(
            r"^PASS  (\S+)  \(pwc-submission-v1; 24 result value\(s\); submission id ([0-9a-f]{64})\)$",
            out,
            re.MULTILINE,
        )
    )
    assert ids == {"efficientnet.json": canonical_id(doc), "efficientnet.yaml": canonical_id(doc)}


# --------------------------------------------------------------------------- 7. one batch, one GE run


def test_a_batch_of_200_files_is_one_great_expectations_run(
    context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transforms.validate import gate

    calls: list[list[str]] = []
    real = gate.run_gate

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(list(kwargs.get("tables") or []))
        return real(*args, **kwargs)

    monkeypatch.setattr(gate, "run_gate", spy)
    items = [
        Received(
            f"batch/{i:03}.json",
            variant(lambda doc, i=i: doc["submitter"].__setitem__("name", f"Submitter {i}")),
        )
        for i in range(200)
    ]
    batch = validate_batch(items, context)
    assert calls == [["submission_results", "submission_papers", "submission_names"]]
    assert [v.status for v in batch.verdicts] == ["PASS"] * 200
    # The same results in 200 files: no duplicate across files, one id per content.
    assert len({v.submission_id for v in batch.verdicts}) == 200
    assert sum(v.results for v in batch.verdicts) == 200 * 24
    assert batch.gate is not None and batch.gate["unsuccessful_expectations"] == 0


# --------------------------------------------------------------------------- 8. the nightly build uses the same function


def test_the_nightly_build_validates_with_the_same_function(
    tiny_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    from transforms.config import Settings
    from transforms.submissions import validate
    from transforms.submissions.intake import run_intake

    root, releases = tmp_path / "submissions", tmp_path / "store"
    (root / "inbox").mkdir(parents=True)
    original = (EXAMPLES / "submission.json").read_bytes()
    (root / "inbox" / "submission.json").write_bytes(original)
    intake = run_intake(
        Settings.load(submissions=str(root), store=str(releases), work=str(tmp_path / "w0")), today=TODAY
    )
    assert (intake.accepted, intake.rejected) == (1, 0)
    sid = canonical_id(example())
    assert intake.outcomes[0]["submission_id"] == sid
    assert hashlib.sha256((root / "accepted" / sid / "submission.json").read_bytes()).hexdigest() == sid

    calls: list[tuple[list[Received], Batch]] = []
    real = validate.validate_batch

    def spy(items: list[Received], context: Context) -> Batch:
        batch = real(items, context)
        calls.append((list(items), batch))
        return batch

    monkeypatch.setattr(validate, "validate_batch", spy)

    def release(release_id: str) -> tuple[int, list[Any], list[Any]]:
        con = duckdb.connect(str(releases / release_id / "pwc.duckdb"), read_only=True)
        try:
            total = con.execute("SELECT count(*), count(DISTINCT result_id) FROM results").fetchone()
            assert total is not None and total[0] == total[1]
            submitted = con.execute(
                "SELECT source, submission_id, submitter, count(*) FROM results"
                " WHERE submission_id IS NOT NULL GROUP BY ALL"
            ).fetchall()
            subs = con.execute(
                "SELECT submission_id, submitter, status, first_release, result_values, results_new"
                " FROM submissions"
            ).fetchall()
        finally:
            con.close()
        return int(total[0]), submitted, subs

    first = build(tiny_source, releases, tmp_path / "w1", "2026-02-01.0", submissions=str(root))
    assert len(calls) == 1
    items, batch = calls[0]
    assert [(i.name, i.data) for i in items] == [("submission.json", original)]
    assert [(v.status, v.submission_id) for v in batch.verdicts] == [("PASS", sid)]
    assert batch.reference_release is None  # the store had no release yet
    count, submitted, subs = release(first.release_id)
    assert submitted == [("submission", sid, "Example Submitter", 24)]
    assert subs == [(sid, "Example Submitter", "published", "2026-02-01.0", 24, 24)]

    second = build(tiny_source, releases, tmp_path / "w2", "2026-02-02.0", submissions=str(root))
    assert len(calls) == 2
    _, batch = calls[1]
    # Validated again, now against the first release, which already holds these very values.
    assert batch.reference_release == "2026-02-01.0"
    assert [(v.status, v.submission_id, v.problems) for v in batch.verdicts] == [("PASS", sid, [])]
    count2, submitted2, subs2 = release(second.release_id)
    assert count2 == count
    assert submitted2 == submitted
    assert subs2 == [(sid, "Example Submitter", "published", "2026-02-01.0", 24, 24)]


# --------------------------------------------------------------------------- regressions (bugs found by these tests)


def test_a_year_zero_date_is_refused_without_breaking_the_batch(context: Context) -> None:
    year_zero = variant(lambda doc: doc["paper"].__setitem__("date", "0000-01-01"))
    batch = validate_batch(
        [Received("year-zero.json", year_zero), Received("submission.json", variant(lambda doc: None))],
        context,
    )
    first, second = batch.verdicts
    assert first.status == "FAIL"
    assert [(p.record, p.field) for p in first.errors] == [("paper", "date")]
    assert first.errors[0].code in {"date.invalid", "date.out_of_range", "schema.pattern"}
    assert second.status == "PASS"


def test_json_report_never_prints_a_raw_bidi_override_from_a_file_name(context: Context) -> None:
    from transforms.submissions.report import json_report

    name = "evil\u202enosj.json"
    batch = validate_batch([Received(name, b"{}")], context)
    out = json_report(batch)
    assert json.loads(out)["verdicts"][0]["file"] == name  # bots still get the exact name
    assert "\u202e" not in out


def test_a_release_on_object_storage_is_fetched_once_and_verified(
    sample_release: Built, tmp_path: Path
) -> None:
    import fsspec

    from transforms.errors import IntegrityError
    from transforms.submissions.reference import open_reference

    fs = fsspec.filesystem("memory")
    root = f"/reference-{tmp_path.name}"
    fs.put(str(sample_release.store) + "/", root, recursive=True)
    try:
        local = sample_release.release_dir / "pwc.duckdb"
        ref = open_reference(f"memory://{root}", cache_dir=tmp_path / "cache")
        assert ref is not None and ref.release_id == sample_release.release_id
        assert ref.duckdb_path.read_bytes() == local.read_bytes()
        # A copy on the server that no longer matches its manifest is refused, by name.
        remote = f"{root}/{sample_release.release_id}/pwc.duckdb"
        fs.pipe_file(remote, b"x" * local.stat().st_size)
        with pytest.raises(IntegrityError, match=r"pwc\.duckdb: sha256 mismatch"):
            open_reference(f"memory://{root}", cache_dir=tmp_path / "other-cache")
    finally:
        fs.rm(root, recursive=True)


def test_a_submission_repeating_an_archived_result_links_to_it(tiny_source: Path, tmp_path: Path) -> None:
    """The archived row (tiny subset: Knowledge Graphs / FB15k / HHolE / MRR .796) sent again with
    other spellings of its model and metric: one result, archived first, listing the submission."""
    import duckdb

    from transforms.config import Settings
    from transforms.submissions.intake import run_intake

    doc = {
        "schema_version": 1,
        "license": "CC-BY-SA-4.0",
        "submitter": {"name": "Repeat Submitter"},
        "paper": {
            "title": "Augmenting Compositional Models for Knowledge Base Completion Using Gradient Representations",
            "url": "https://arxiv.org/abs/1811.01062",
            "arxiv_id": "1811.01062",
            "date": "2018-11-02",
        },
        "results": [
            {"task": "Knowledge Graphs", "dataset": "FB15k", "model": "HHole", "metrics": {"mrr": "0.796"}}
        ],
    }
    root, store = tmp_path / "submissions", tmp_path / "store"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "repeat.json").write_text(json.dumps(doc), encoding="utf-8")
    settings = Settings.load(submissions=str(root), store=str(store), work=str(tmp_path / "w0"))
    intake = run_intake(settings, today=TODAY)
    assert intake.accepted == 1
    sid = intake.outcomes[0]["submission_id"]
    built = build(tiny_source, store, tmp_path / "w1", "2026-02-01.0", submissions=str(root))
    con = duckdb.connect(str(built.release_dir / "pwc.duckdb"), read_only=True)
    try:
        rows = con.execute(
            """
            SELECT r.value_raw, r.source, r.submission_id, r.submission_ids, m.name, mo.name
            FROM results r JOIN metrics m USING (metric_id) JOIN models mo USING (model_id)
            WHERE list_contains(r.submission_ids, ?)
            """,
            [sid],
        ).fetchall()
        subs = con.execute("SELECT result_values, results_new FROM submissions").fetchall()
        spellings = con.execute(
            "SELECT name_raw, model_id FROM model_aliases WHERE lower(name_raw) = 'hhole' ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    # One result: the archive's (its raw value, its source), linked to the submission.
    assert rows == [(".796", rows[0][1], None, [sid], "MRR", "HHolE")]
    assert rows[0][1].startswith("evaluation-tables")
    assert subs == [(1, 0)], "the submission repeats an archived result: nothing new"
    assert [name for name, _ in spellings] == ["HHolE", "HHole"]
    assert len({model for _, model in spellings}) == 1, "the submitted spelling is an alias of the model"


def test_a_submitted_spelling_finds_the_model_under_any_archived_spelling(context: Context) -> None:
    """The release joins "LSTM" and "LSTM (2018)" of arXiv 1803.10049 into one model (year suffix);
    a submission that writes the NLP-progress spelling still meets the archived 36.4 perplexity."""

    def nlp_progress_spelling(doc: dict[str, Any]) -> None:
        doc["paper"] = {
            "title": "Fast Parametric Learning with Activation Memorization",
            "url": "https://arxiv.org/abs/1803.10049",
            "arxiv_id": "1803.10049",
            "date": "2018-03-27",
        }
        doc.pop("code", None)
        doc["results"] = [
            {
                "task": "Word Level Models",
                "dataset": "WikiText-103",
                "model": "LSTM (2018)",
                "metrics": {"Test perplexity": "36.9"},
            }
        ]

    batch = validate_batch([Received("lstm.json", variant(nlp_progress_spelling))], context)
    (verdict_,) = batch.verdicts
    conflicts = [p for p in verdict_.problems if p.code == "result.conflict"]
    assert [p.field for p in conflicts] == ['metrics["Test perplexity"]'], where(verdict_)
    assert conflicts[0].expected.startswith('"36.4" as in release ')
