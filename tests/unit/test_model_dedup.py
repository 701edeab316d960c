"""Model deduplication (transforms/normalize/models.py, model_identity.py) against real, hand-labelled pairs.

``tests/fixtures/model_pairs.csv`` holds model-name pairs from the bundled sample (the 2020
evaluation-tables dump and the 12 leaderboard files), labelled ``same`` / ``different`` by reading
the names and rows (see tests/fixtures/README.md). Here the rules are scored *pairwise and without
the guard's evidence* (the leaderboard values); the build, with the guard, is scored on the same
file by tests/integration/test_clean_data.py and benchmarks/data_quality.py. Every name is checked
against the sample, read once per module (~3 s).

Data sourced from the Papers with Code archive (CC BY-SA 4.0).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts.model_pair_candidates import DUMP, clean_name, dump_cells
from transforms.errors import ConfigError
from transforms.normalize.labels import MODEL_CATEGORIES, ModelPair, load_model_pairs, score_model_pairs
from transforms.normalize.model_identity import base_form, marks, same_model
from transforms.normalize.models import RULES_PATH, load_rules, name_key, rules

PAIRS = Path(__file__).parents[1] / "fixtures" / "model_pairs.csv"
LEADERBOARDS = DUMP.parent / "leaderboards"

PIX2PIX_PAPER = "arxiv:1611.07004"  # Image-to-Image Translation with Conditional Adversarial Networks

ISSUE_CATEGORIES = (
    "configuration",
    "citation_tag",
    "unbalanced_parenthesis",
    "year_suffix",
    "marker",
    "version_size",
)
"""The kinds of difference issue 10 names; each needs labelled pairs of both kinds."""

ROWS_DECIDE = "two entries on one leaderboard"
"""Reason of pairs labelled ``different`` from their rows (two values in one leaderboard): names alone
cannot tell, only the guard's evidence does."""


def predict_same(pair: ModelPair) -> str | None:
    """The rules alone, pairwise: the rule that merges the two spellings (never across papers)."""
    if not pair.same_paper:
        return None
    return same_model(pair.name_a, pair.name_b, apart=rules().apart(pair.paper_key))


@pytest.fixture(scope="module")
def archive() -> dict[str, set[str]]:
    """Paper key -> trimmed model names with results in the sample (as stg_results stages them)."""
    names: dict[str, set[str]] = defaultdict(set)
    for path in (DUMP, *sorted(LEADERBOARDS.glob("*.json"))):
        for paper, model, _, _ in dump_cells(path):
            if paper is not None:
                names[paper].add(model)
    return names


# --- the labelled set ---------------------------------------------------------------------------


def test_the_rules_alone_on_labelled_pairs(record_property: Callable[[str, Any], None]) -> None:
    pairs = load_model_pairs(PAIRS)
    score = score_model_pairs(pairs, lambda p: predict_same(p) is not None)
    summary = (
        f"rules alone (no guard) on {score.pairs} labelled pairs: precision={score.precision:.3f} "
        f"recall={score.recall:.3f} ({len(score.wrong_merges)} merges of pairs the rows tell apart)"
    )
    record_property("model_rules_precision", round(score.precision, 4))
    record_property("model_rules_recall", round(score.recall, 4))
    print(summary)
    # What the names alone tell apart, the rules keep apart; the rest needs the guard (the build).
    named = [p for p in score.wrong_merges if not p.reason.startswith(ROWS_DECIDE)]
    assert not named, "wrong merges:\n" + "\n".join(
        f"  line {p.line}: {p.paper_key}: {p.name_a!r} / {p.name_b!r} ({p.reason})" for p in named
    )
    assert score.recall >= 0.9, summary


def test_labelled_set_shape() -> None:
    pairs = load_model_pairs(PAIRS)
    assert len(pairs) >= 500
    by_label = Counter(p.label for p in pairs)
    for label, n in by_label.items():
        assert n >= len(pairs) / 3, f"{label}: only {n} of {len(pairs)} pairs"
    cross = [p for p in pairs if not p.same_paper]
    assert len(cross) >= 20, "cross-paper generic names must be well represented"
    assert all(p.label == "different" for p in cross), "pairs across papers are never one model to merge"
    assert all(p.category == "cross_paper" for p in cross)
    for p in pairs:
        assert p.reason.strip(), f"line {p.line}: say why"
        assert p.paper_key != p.paper_key_b, f"line {p.line}: leave paper_key_b empty for one paper"
        if p.same_paper:
            assert p.name_a != p.name_b, f"line {p.line}: a spelling paired with itself"


@pytest.mark.parametrize("category", ISSUE_CATEGORIES)
def test_every_category_of_the_issue_has_both_labels(category: str) -> None:
    labels = Counter(p.label for p in load_model_pairs(PAIRS) if p.category == category)
    assert labels["same"] >= 1 and labels["different"] >= 1, (category, MODEL_CATEGORIES[category], labels)


def test_labelled_set_has_the_traps() -> None:
    """The `different` side covers every kind of meaningful difference the issue names."""
    different = [p for p in load_model_pairs(PAIRS) if p.label == "different" and p.same_paper]

    def count(test: Callable[[str, str], bool]) -> int:
        return sum(1 for p in different if test(p.name_a, p.name_b))

    assert count(lambda a, b: a.count("+") != b.count("+")) >= 10
    assert count(lambda a, b: re.sub(r"\D", "", a) != re.sub(r"\D", "", b)) >= 10
    assert count(lambda a, b: ("ensemble" in a.lower()) != ("ensemble" in b.lower())) >= 10
    assert count(lambda a, b: a.count("*") != b.count("*")) >= 10
    assert count(lambda a, b: re.findall(r"\(.*?\)", a) != re.findall(r"\(.*?\)", b)) >= 10
    sizes = re.compile(r"\b(base|big|large|x*large|medium|small|x*[lms]|x*[LMS])\b", re.IGNORECASE)
    assert count(lambda a, b: sizes.findall(a) != sizes.findall(b)) >= 10
    assert count(lambda a, b: a.startswith(ROWS_DECIDE) or b.startswith(ROWS_DECIDE)) == 0
    assert sum(1 for p in different if p.reason.startswith(ROWS_DECIDE)) >= 10, "the guard's cases"


def test_no_duplicate_pairs() -> None:
    seen: dict[tuple[str, str, frozenset[str]], int] = {}
    for p in load_model_pairs(PAIRS):
        if p.same_paper:
            key = (p.paper_key, "", frozenset((p.name_a, p.name_b)))
        else:
            key = (
                min(p.paper_key, p.paper_key_b),
                max(p.paper_key, p.paper_key_b),
                frozenset((p.name_a, p.name_b)),
            )
        assert key not in seen, f"line {p.line} repeats line {seen[key]}"
        seen[key] = p.line


def test_every_name_is_in_the_sample(archive: dict[str, set[str]]) -> None:
    missing = []
    for p in load_model_pairs(PAIRS):
        for paper, name in ((p.paper_key, p.name_a), (p.paper_b, p.name_b)):
            assert clean_name(name) == name, f"line {p.line}: {name!r} is not trimmed as the build trims it"
            if name not in archive.get(paper, ()):
                missing.append(f"line {p.line}: {paper}: {name!r}")
    assert not missing, "not in the sample:\n" + "\n".join(missing)


# --- name_key on the named traps and folds --------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("UNet", "UNet++"),
        ("U-Net", "UNet++"),
        ("PointNet", "PointNet++"),
        ("DeepLab v3", "DeepLab v3+"),
        ("CPN", "CPN+"),
        ("ResNet-50", "ResNet-101"),
        ("VGG-16", "VGG-19"),
        ("EfficientNet-B0", "EfficientNet-B3"),
        ("1 01", "101"),
        ("v1.5", "v15"),
        ("GIN", "GIN-0"),
        ("BERT (large)", "BERT"),
        ("BERT base", "BERT large"),
        ("ALBERT xlarge", "ALBERT xxlarge"),
        ("GPT-2 (large)", "GPT-2 (medium)"),
        ("X (ResNet-101)", "X (ResNet-50)"),
        ("AUNet (ResNeXt-152-FPN)", "AUNet (ResNet-152-FPN)"),
        ("QANet (single model)", "QANet (ensemble)"),
        ("BiDAF", "BiDAF (ensemble)"),
        ("KIM", "KIM Ensemble"),
        ("ResNeSt-200 (multi-scale)", "ResNeSt-200 (single-scale)"),
        ("Model*", "Model"),
        ("HRNet", "HRNet*"),
        ("Zhang et al.", "Zhang et al. *"),
        ("NoisyDARTS-A", "NoisyDARTS-a"),
        ("MixNet-M", "MixNet-S"),
    ],
)
def test_name_key_keeps_apart(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("fastText", "FastText"),
        ("Pix2Pix", "pix2pix"),
        ("COMPLEX", "Complex"),
        ("MS-CNN", "MSCNN"),
        ("Mask R-CNN", "Mask-RCNN"),
        ("Faster R-CNN", "Faster-RCNN"),
        ("Resnet101", "ResNet-101"),
        ("NAS Cell", "NASCell"),
        ("Bi_LSTM", "Bi-LSTM"),
        ("Model\u2013X", "Model X"),
        ("PixelLink + VGG16 2s", "PixelLink+VGG16 2s"),
        ("NTS-Net (K = 4)", "NTS-Net (K=4)"),
        ("IDDA (AlexNet)", "IDDA(Alexnet)"),
        ("Yeung et al.", "Yeung et. al."),
        ("Yeung et al.", "Yeung et al"),
        ("\u2161-Model", "II-model"),  # NFKC: ROMAN NUMERAL TWO
        ("\u2018ELMo\u2019", "ELMo"),
        ("TinyBERT (M=6;d' =768;d'i=3072)", "TinyBERT (M=6;d'=768;d'i=3072)"),
        ("  Mask R-CNN ", "Mask R-CNN"),
        ("NoisyDARTS-A", "NoisyDARTS A"),
    ],
)
def test_name_key_folds(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_decimal_point_is_kept() -> None:
    assert name_key("v1.5") == "v1.5"
    assert name_key("BERT (v1.1)") != name_key("BERT (v11)")


# --- real papers ----------------------------------------------------------------------------------


def test_pix2pix_spellings_in_one_paper_become_one_model(archive: dict[str, set[str]]) -> None:
    spellings = {"Pix2Pix", "Pix2pix", "pix2pix"}
    assert spellings <= archive[PIX2PIX_PAPER], "the pix2pix paper's three spellings are in the dump"
    grouped = rules().group_paper(PIX2PIX_PAPER, sorted(archive[PIX2PIX_PAPER]))
    assert len({grouped.label[s] for s in spellings}) == 1


def test_plus_plus_is_never_merged(archive: dict[str, set[str]]) -> None:
    """UNet and UNet++ never share a paper in the 2020 dump; the ++ traps that do are checked as well."""
    unet_papers = {p for p, names in archive.items() if names & {"UNet++", "UNet++ (ResNet-101)"}}
    assert unet_papers == {"arxiv:1912.05074", "arxiv:1807.10165"}
    for paper in unet_papers:
        assert same_model("UNet", "UNet++") is None
        assert same_model("U-Net", "UNet++") is None
    for paper, a, b in [
        ("arxiv:1612.00593", "PointNet", "PointNet++"),
        ("arxiv:1711.07341", "FusionNet (ensemble)", "FusionNet++ (ensemble)"),
        ("arxiv:1905.01395", "Bayesian timeSVD", "Bayesian timeSVD++"),
    ]:
        assert {a, b} <= archive[paper]
        grouped = rules().group_paper(paper, sorted(archive[paper]))
        assert grouped.label[a] != grouped.label[b]


def test_no_merge_in_the_archive_drops_a_meaningful_mark(archive: dict[str, set[str]]) -> None:
    """Over every paper of the sample (rules alone, no guard): spellings merged into one model agree
    on the marks the rules must keep, read independently of the rules: variant +/++ and *, digits,
    single model / ensemble, multi/single-scale, size words. Only a trailing year suffix, a footnote
    mark before it and citation tags (what the rules strip) are not read."""
    variant_plus = re.compile(r"\+\+|\+(?=\s*(?:$|[)*\]]|\s\())|(?<=[(\[])\+|(?<=[vV]\d)\+")
    sizes = re.compile(r"\b(base|big|large|x*large|medium|small|tiny|huge|x*[lms])\b", re.IGNORECASE)

    def meaning(name: str) -> tuple[object, ...]:
        core = base_form(name)
        low = core.lower()
        return (
            len(variant_plus.findall(core)),
            core.count("*"),
            tuple(re.findall(r"\d+(?:\.\d+)?", name_key(core))),
            "ensemble" in low,
            bool(re.search(r"single[\s\-_]*model|single\s*(?:[),]|$)", low)),
            "multi-scale" in low or "multiscale" in low,
            "single-scale" in low,
            tuple(w.lower() for w in sizes.findall(core)),
        )

    merged = 0
    bad = []
    for paper, names in archive.items():
        grouped = rules().group_paper(paper, sorted(names))
        groups: dict[str, list[str]] = defaultdict(list)
        for name in names:
            groups[grouped.label[name]].append(name)
        for spellings in groups.values():
            merged += len(spellings) - 1
            if len({meaning(s) for s in spellings}) > 1:
                bad.append(f"{paper}: {sorted(spellings)}")
    assert merged > 300, "the rules merge the known spelling variants of the sample"
    assert not bad, "merged spellings that differ in meaning:\n" + "\n".join(bad)


def test_no_paper_means_no_folding() -> None:
    r = rules()
    assert r.group_key(None, "CNN") != r.group_key(None, "cnn")
    assert r.group_key(None, "CNN") == r.group_key(None, "CNN")
    assert marks("CNN") == marks("cnn")


# --- load_rules ---------------------------------------------------------------------------------


def test_shipped_rules_load() -> None:
    loaded = load_rules(RULES_PATH)
    assert loaded.path == RULES_PATH
    assert all(len(entry.names) >= 2 for entry in loaded.keep_apart)


def test_keep_apart_entry_splits_only_its_paper(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "keep_apart:\n"
        f"  - paper: '{PIX2PIX_PAPER}'\n"
        "    names: ['Pix2Pix', 'pix2pix']\n"
        "    reason: test entry\n",
        encoding="utf-8",
    )
    loaded = load_rules(path)
    assert loaded.group_key(PIX2PIX_PAPER, "Pix2Pix") != loaded.group_key(PIX2PIX_PAPER, "pix2pix")
    assert loaded.group_key("arxiv:0000.00001", "Pix2Pix") == loaded.group_key("arxiv:0000.00001", "pix2pix")


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("keep_apart: [\n", "", "not valid YAML"),
        ("- paper: x\n", "", "expected a mapping with one key, keep_apart"),
        ("keep_apart: []\nextra: 1\n", "", "expected a mapping with one key, keep_apart"),
        ("keep_apart: {paper: x}\n", "keep_apart", "expected a list, found dict"),
        (
            "keep_apart:\n  - just a string\n",
            "keep_apart[0]",
            "expected a mapping with paper, names and reason",
        ),
        (
            "keep_apart:\n  - {paper: 'arxiv:1', names: [a, A], reason: r, note: n}\n",
            "keep_apart[0]",
            "expected a mapping with paper, names and reason",
        ),
        (
            "keep_apart:\n  - {paper: '1611.07004', names: [Pix2Pix, pix2pix], reason: r}\n",
            "keep_apart[0]: paper",
            "expected a paper key like 'arxiv:1611.07004', found '1611.07004'",
        ),
        (
            "keep_apart:\n  - {paper: 'arxiv:1611.07004', names: [Pix2Pix], reason: r}\n",
            "keep_apart[0]: names",
            "expected two or more trimmed spellings",
        ),
        (
            "keep_apart:\n  - {paper: 'arxiv:1611.07004', names: [' Pix2Pix', pix2pix], reason: r}\n",
            "keep_apart[0]: names",
            "expected two or more trimmed spellings",
        ),
        (
            "keep_apart:\n  - {paper: 'arxiv:1611.07004', names: [Pix2Pix, pix2pix], reason: '  '}\n",
            "keep_apart[0]: reason",
            "say why these spellings are different models",
        ),
        (
            (
                "keep_apart:\n"
                "  - {paper: 'arxiv:1611.07004', names: [Pix2Pix, pix2pix], reason: ok}\n"
                "  - {paper: 'arxiv:1912.05074', names: [UNet, UNet++], reason: plus}\n"
            ),
            "keep_apart[1]: names",
            "['UNet', 'UNet++'] do not fold together, so they are apart already; remove the entry",
        ),
    ],
)
def test_load_rules_errors_name_file_and_entry(tmp_path: Path, text: str, where: str, says: str) -> None:
    path = tmp_path / "model_rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rules(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {where}"), message
    assert says in message, message


def test_load_rules_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError, match="cannot read the model rules") as info:
        load_rules(path)
    assert str(path) in str(info.value)
