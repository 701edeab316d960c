"""The metric value parser against every cell shape found in the real archive.

Most raw strings below are copied byte for byte from the 2020 evaluation-tables
dump or the sota-extractor leaderboards (the comment names the leaderboard);
the rest are shapes the parser promises to handle that the real data lacks.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import dump2020
from transforms.normalize.values import ISSUES, ParsedValue, parse_metric_value, value_text

SAMPLE = Path(__file__).parents[2] / "data/sample"

OK = None  # expected issue for a parsed value

CASES: list[tuple[object, float | None, str | None, bool]] = [
    # --- plain numbers and JSON numbers ---
    ("87.5", 87.5, OK, False),
    ("0", 0.0, OK, False),
    (87, 87.0, OK, False),  # eff.json: JSON int
    (0.9542, 0.9542, OK, False),  # eff.json: JSON float
    (-19949.9, -19949.9, OK, False),  # eff.json: negative JSON float (game score)
    ("-0.2 ", -0.2, OK, False),  # negative, trailing space (dump)
    ("−0.5", -0.5, OK, False),  # U+2212 MINUS SIGN
    ("+5", 5.0, OK, False),
    ("1e-3", 0.001, OK, False),  # scientific notation
    ("1.2E+05", 120000.0, OK, False),
    (".931", 0.931, OK, False),  # leading dot (dump, WN18 Hits@1)
    ("O.753", 0.753, OK, False),  # letter O for zero (dump, COCO Captions BLEU-4)
    ("o.5", 0.5, OK, False),
    # --- whitespace and invisible characters ---
    ("\ufeff93.3", 93.3, OK, False),  # BOM (dump)
    (" 0.8784", 0.8784, OK, False),  # leading space (dump)
    ("51.5 ", 51.5, OK, False),  # trailing space (dump)
    ("\u300087.5\u3000", 87.5, OK, False),  # ideographic space U+3000
    ("\u00a087.5\u00a0", 87.5, OK, False),  # NBSP
    ("87.5\u00a0%", 87.5, OK, True),  # NBSP between number and %
    ("\u200b42\u200b", 42.0, OK, False),  # zero-width space
    ("９２．３％", 92.3, OK, True),  # full-width forms
    # --- percent ---
    ("96.95%", 96.95, OK, True),  # (dump)
    ("57.01 %", 57.01, OK, True),  # space before % (dump)
    (" 50.1%", 50.1, OK, True),  # (dump)
    ("79.6%%", 79.6, OK, True),  # doubled % (dump); never divided by 100
    ("88%%", 88.0, OK, True),  # (dump)
    ("-3.2%", -3.2, OK, True),
    # --- K / M / B multipliers ---
    ("1.82M", 1_820_000.0, OK, False),  # (dump, No. parameters)
    ("1.82 M", 1_820_000.0, OK, False),  # space before the suffix (dump)
    ("24M", 24_000_000.0, OK, False),  # (dump)
    ("1542M", 1_542_000_000.0, OK, False),  # (nlp-progress)
    ("0.46B", 460_000_000.0, OK, False),  # exact, not 460000000.00000006 (nlp-progress)
    ("0.151B", 151_000_000.0, OK, False),  # (nlp-progress)
    ("1.5B", 1.5e9, OK, False),
    ("340K", 340_000.0, OK, False),
    ("580k", 580_000.0, OK, False),  # lowercase k (dump, SNLI Parameters)
    ("339m", 339_000_000.0, OK, False),  # lowercase m = million: every real m is a param count (SNLI)
    ("53.3m", 53_300_000.0, OK, False),  # (snli.json)
    ("4.1G", None, "unparseable", False),  # G/T never occur; not accepted
    ("~257M", None, "unparseable", False),  # approximation (nlp-progress, WikiText-103)
    ("43B?", None, "unparseable", False),  # uncertain (nlp-progress, 1B Words)
    ("2.2.M", None, "unparseable", False),  # typo (dump, ChestX-ray14 Params)
    ("25M params", None, "unparseable", False),
    # --- mean ± spread ---
    ("92.0 ± 1.3", 92.0, OK, False),  # (dump)
    ("92.5±1.1", 92.5, OK, False),  # no spaces (dump)
    ("0.7482 ± 0.0015", 0.7482, OK, False),  # (ogb.json)
    ("212 ± 213", 212.0, OK, False),  # spread larger than the mean is still a spread (dump)
    ("92.0 +- 1.3", 92.0, OK, False),
    ("92.0 +/- 1.3", 92.0, OK, False),
    ("92.0% ± 1.3%", 92.0, OK, True),
    ("92.0 ± ", None, "unparseable", False),
    # --- commas ---
    ("99,45", 99.45, OK, False),  # decimal comma (dump, Feature Selection)
    ("74,2", 74.2, OK, False),  # decimal comma, one digit (dump)
    ("76,2%", 76.2, OK, True),  # decimal comma and % (dump, PROTEINS)
    ("2,200", 2200.0, OK, False),  # thousands (dump, Speed (FPS))
    ("1,514,187", 1_514_187.0, OK, False),  # thousands (dump, Trainable Parameters)
    ("1,234.5", 1234.5, OK, False),
    ("7,537", 7537.0, OK, False),  # thousands by rule; really a mistyped 75.37 IoU (dump)
    ("0,537", None, "unparseable", False),  # leading-zero group: neither reading is safe
    ("1,2345", None, "unparseable", False),
    ("1.234,5", None, "unparseable", False),
    (">1,400.000", None, "unparseable", False),  # a bound (dump, MNIST)
    # --- decoration ---
    ("**70.3**", 70.3, OK, False),  # markdown bold (dump)
    ("*70.3*", 70.3, OK, False),
    ("__70.3__", 70.3, OK, False),
    ("63.7*", 63.7, OK, False),  # footnote mark (dump)
    ("70.3†", 70.3, OK, False),
    ("70.3‡", 70.3, OK, False),
    ("(70.3)", 70.3, OK, False),  # parentheses around the whole cell
    ("60.7+", None, "unparseable", False),  # "+" is not a known marker (nlp-progress)
    ("56.4&", None, "unparseable", False),  # (dump, HIV-fMRI-77 F1)
    ("87:1", None, "unparseable", False),  # (dump, SemEval-2010 Task 8 F1)
    # --- missing ---
    ("", None, "missing", False),  # (dump)
    ("   ", None, "missing", False),
    ("-", None, "missing", False),  # (dump)
    ("--", None, "missing", False),  # (dump)
    ("---", None, "missing", False),  # (nlp-progress)
    ("--*", None, "missing", False),  # placeholder with footnote (dump)
    ("–", None, "missing", False),  # en dash (dump)
    ("—", None, "missing", False),  # em dash
    ("−", None, "missing", False),  # U+2212 alone (nlp-progress)
    ("N/A", None, "missing", False),  # (dump)
    ("n/a", None, "missing", False),
    ("NA", None, "missing", False),
    ("?", None, "missing", False),  # (nlp-progress)
    ("None", None, "missing", False),
    ("null", None, "missing", False),
    ("x", None, "missing", False),
    (None, None, "missing", False),  # JSON null
    # --- several numbers ---
    ("78.6/84.4", None, "multiple_numbers", False),  # (dump, SentEval MRPC)
    ("42.5 / 43.1", None, "multiple_numbers", False),
    ("91.6/91.1*", None, "multiple_numbers", False),  # (nlp-progress)
    ("70.1 (72.3)", None, "multiple_numbers", False),
    ("17.1(16.1 with basic dynamic evaluation)", None, "multiple_numbers", False),  # (nlpprogress)
    ("94.6 (14  gestures) , 91.9 (28 gestures )", None, "multiple_numbers", False),  # (dump)
    ("(32.76 32.07 26.26 22.74)", None, "multiple_numbers", False),  # (redditsota)
    ("78.6%/84.4%", None, "multiple_numbers", True),
    ("1.5-2.0", None, "multiple_numbers", False),  # a range
    # --- one number plus a note: the note may change the meaning, so strict ---
    ("42.5(1080Ti)", None, "unparseable", False),  # (dump, speed with GPU note)
    ("47.6 (Titan X)", None, "unparseable", False),  # (dump)
    ("78.0 (average of 3 split train/test)", None, "unparseable", False),  # (dump)
    ("70.14 (measured by Ge et al., 2018)", None, "unparseable", False),  # (dump)
    ("20 per node", None, "unparseable", False),  # (dump, Training Split)
    ("0.33s/img", None, "unparseable", False),  # (dump, Test Time)
    ("1_000", None, "unparseable", False),  # float() would accept it; we do not
    ("10²", None, "unparseable", False),
    # --- text ---
    ("Kinetics400", None, "text", False),  # (dump)
    ("UCF101", None, "text", False),  # (dump)
    ("Yes", None, "text", False),  # (dump)
    ("No", None, "text", False),  # (dump)
    ("Please tell us", None, "text", False),  # (ogb.json)
    ("fixed 20 per node", None, "text", False),  # (dump)
    ("github.com/pattyhendrix/CamVid-95-accuracy/blob/master/CamVid-95.ipynb", None, "text", False),
    ("https://arxiv.org/abs/1908.03826v1", None, "text", False),
    ("**Precision**", None, "text", False),  # (nlpprogress)
    ("Stanford conversion **v3.5.0**", None, "text", False),  # (nlpprogress)
    ("improving about 0.2-0.3dB", None, "text", False),  # (dump)
    (True, None, "text", False),  # JSON booleans are not 1/0
    (False, None, "text", False),
    # --- not finite ---
    (float("nan"), None, "not_finite", False),
    (float("inf"), None, "not_finite", False),
    (float("-inf"), None, "not_finite", False),
    ("1e309", None, "not_finite", False),  # overflows a double
    ("-1e309", None, "not_finite", False),
    (10**400, None, "not_finite", False),  # a JSON integer beyond float range
    ("NaN", None, "not_finite", False),  # what a float NaN becomes as text
    ("nan", None, "not_finite", False),
    ("inf", None, "not_finite", False),
    ("Infinity", None, "not_finite", False),
    ("-Infinity", None, "not_finite", False),
    # --- not a cell at all ---
    ([1, 2], None, "unparseable", False),
    ({"a": 1}, None, "unparseable", False),
]


@pytest.mark.parametrize(("raw", "value", "issue", "is_percent"), CASES, ids=[repr(c[0])[:40] for c in CASES])
def test_parse_metric_value(raw: object, value: float | None, issue: str | None, is_percent: bool) -> None:
    parsed = parse_metric_value(raw)
    assert parsed == ParsedValue(value, issue, is_percent)
    if value is not None:
        assert type(parsed.value) is float


def test_issues_are_the_documented_set() -> None:
    assert ISSUES == ("missing", "multiple_numbers", "text", "not_finite", "unparseable")
    assert {c[2] for c in CASES} - {None} == set(ISSUES)


def test_parsed_value_is_frozen() -> None:
    parsed = parse_metric_value("1")
    with pytest.raises(AttributeError):
        parsed.value = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("\ufeff93.3", "\ufeff93.3"),  # strings are kept byte for byte
        (" 51.5 ", " 51.5 "),
        ("", ""),
        (87, "87"),
        (0.5, "0.5"),
        (87.0, "87.0"),
        (-19949.9, "-19949.9"),
        (1e-7, "1e-07"),
        (True, "true"),
        (False, "false"),
        (None, None),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_value_text(raw: object, text: str | None) -> None:
    assert value_text(raw) == text


# --- the real data -----------------------------------------------------------


def _metric_values(task: dict[str, Any]) -> Iterator[object]:
    """Every metric cell under a task, walking subtasks and subdatasets."""
    stack: list[dict[str, Any]] = list(task.get("datasets") or [])
    while stack:
        ds = stack.pop()
        stack.extend(ds.get("subdatasets") or [])
        for row in (ds.get("sota") or {}).get("rows") or []:
            yield from (row.get("metrics") or {}).values()
    for sub in task.get("subtasks") or []:
        yield from _metric_values(sub)


def _check(values: Iterator[object]) -> tuple[int, Counter[str]]:
    total, outcomes = 0, Counter[str]()
    for raw in values:
        parsed = parse_metric_value(raw)  # must never raise
        total += 1
        if parsed.issue is None:
            assert parsed.value is not None and math.isfinite(parsed.value), raw
            outcomes["parsed"] += 1
        else:
            assert parsed.value is None and parsed.issue in ISSUES, (raw, parsed)
            outcomes[parsed.issue] += 1
    return total, outcomes


def test_the_real_2020_dump() -> None:
    """Every one of the 43,960 cells parses to a finite float or gets an issue.

    Measured when the parser was written: 43,426 parsed, 160 missing, 303 text,
    42 unparseable, 29 multiple_numbers; parsed / non-missing = 0.99146.
    """
    total, outcomes = _check(value for task in dump2020.tasks() for value in _metric_values(task))
    assert total == 43_960
    assert sum(outcomes.values()) == total
    assert outcomes["not_finite"] == 0
    assert outcomes["parsed"] / (total - outcomes["missing"]) >= 0.991


def test_the_real_leaderboards() -> None:
    """The sota-extractor files too, including eff.json's JSON numbers."""
    files = sorted((SAMPLE / "leaderboards").glob("*.json"))
    assert files, "the bundled leaderboards are missing"
    total, outcomes = 0, Counter[str]()
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        tasks = data if isinstance(data, list) else [data]
        n, counts = _check(v for task in tasks for v in _metric_values(task))
        total += n
        outcomes += counts
    assert sum(outcomes.values()) == total
    assert outcomes["parsed"] / (total - outcomes["missing"]) >= 0.99
