"""The metric registry (transforms/normalize/metrics.yaml) against the real archive.

Every metric name below is copied from the 2020 evaluation-tables dump, and the
tests check that it really occurs there, so a case cannot silently drift away
from the data it was written for. The dump is read once per module (~1 s).
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from transforms.errors import ConfigError
from transforms.ingest.evaluation_tables import walk_task
from transforms.normalize.labels import load_look_alikes, load_metric_groups, score_metrics
from transforms.normalize.metrics import REGISTRY_PATH, clean, fold, load_registry, lookup, registry
from transforms.normalize.values import parse_metric_value

SAMPLE = Path(__file__).parents[2] / "data/sample"
DUMP_2020 = SAMPLE / "evaluation-tables.2020-08-28.json.gz"


class Cell(NamedTuple):
    task: str | None
    dataset: str | None
    model: str | None
    metric: str  # raw, untrimmed
    value_raw: str | None


def _cells(data: Any, source: str) -> list[Cell]:
    out = []
    for index, task in enumerate(data if isinstance(data, list) else [data]):
        for emitted in walk_task(task, source, index):
            row = emitted.row
            if emitted.kind == "result" and row["metric_name_raw"] is not None:
                out.append(
                    Cell(
                        row["task_raw"],
                        row["dataset_raw"],
                        row["model_name_raw"],
                        row["metric_name_raw"],
                        row["value_raw"],
                    )
                )
    return out


@pytest.fixture(scope="module")
def dump_cells() -> list[Cell]:
    """Every metric cell the ingest walk yields from the 2020 dump (43,960, repeats included)."""
    with gzip.open(DUMP_2020, "rt", encoding="utf-8") as fh:
        return _cells(json.load(fh), DUMP_2020.name)


@pytest.fixture(scope="module")
def raw_names(dump_cells: list[Cell]) -> Counter[str]:
    return Counter(c.metric for c in dump_cells)


@pytest.fixture(scope="module")
def trimmed_names(dump_cells: list[Cell]) -> Counter[str]:
    return Counter(c.metric.strip() for c in dump_cells)


@pytest.fixture(scope="module")
def sample_raw_names(raw_names: Counter[str]) -> set[str]:
    """Every raw metric name of the sample (dump and leaderboard files), untrimmed."""
    names = set(raw_names)
    for path in sorted((SAMPLE / "leaderboards").glob("*.json")):
        names.update(c.metric for c in _cells(json.loads(path.read_text(encoding="utf-8")), path.name))
    return names


@pytest.fixture(scope="module")
def real_names(trimmed_names: Counter[str]) -> Counter[str]:
    """Cells per trimmed metric name over the dump and the sota-extractor leaderboard files."""
    names = Counter(trimmed_names)
    for path in sorted((SAMPLE / "leaderboards").glob("*.json")):
        names.update(clean(c.metric) for c in _cells(json.loads(path.read_text(encoding="utf-8")), path.name))
    return names


@pytest.fixture(scope="module")
def real_keys(raw_names: Counter[str]) -> set[str]:
    """Fold keys of every metric name in the dump and the sota-extractor leaderboards."""
    names = set(raw_names)
    for path in sorted((SAMPLE / "leaderboards").glob("*.json")):
        names.update(c.metric for c in _cells(json.loads(path.read_text(encoding="utf-8")), path.name))
    return {fold(n) for n in names}


def resolved(name: str) -> str:
    """What a name becomes: its registry entry, or its own fold key when unknown."""
    info = lookup(name)
    return info.name if info.known else f"unknown:{info.key}"


# --- the file itself -----------------------------------------------------------------------


def test_shipped_registry_loads_and_validates() -> None:
    reg = load_registry(REGISTRY_PATH)
    assert len(reg.entries) == 673
    assert sum(len(e.aliases) for e in reg.entries) == 76
    assert dict(reg.unreviewed) == {}  # every name with 3 results or more was reviewed
    assert registry() is registry()  # loaded once per process
    assert {e.unit for e in reg.entries} - {None} == set(reg.units)  # every documented unit is used
    assert all(e.note for e in reg.entries if e.direction is None or e.unit is None)


def test_every_spelling_in_the_registry_occurs_in_the_real_data(real_keys: set[str]) -> None:
    reg = registry()
    spellings = [s for e in reg.entries for s in (e.name, *e.aliases)]
    assert [s for s in spellings if fold(s) not in real_keys] == []


def test_task_names_in_the_registry_occur_in_the_real_data(dump_cells: list[Cell]) -> None:
    dump_tasks = {fold(c.task) for c in dump_cells if c.task}
    extractor_tasks = {fold(t) for t in ("Simple Video Games", "Common Sense", "Question Answering")}
    for entry in registry().task_entries:
        assert {fold(t) for t in entry.tasks} <= dump_tasks | extractor_tasks, entry.tasks


def _mutated(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    doc = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "metrics.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _entry(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in doc["metrics"] if e["name"] == name)


MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "alias of another entry",
        lambda d: _entry(d, "Accuracy").setdefault("aliases", []).append("Top 1 Accuracy"),
        (
            r'"Top-1 Accuracy": name: \'Top-1 Accuracy\' folds to \'top 1 accuracy\', which already belongs '
            r'to metrics\[0\] "Accuracy"'
        ),
    ),
    (
        "one alias in two entries",
        lambda d: _entry(d, "Test perplexity").setdefault("aliases", []).append("PPL"),
        r'"Perplexity": aliases: \'PPL\' folds to \'ppl\', which already belongs to metrics\[\d+\] "Test perplexity"',
    ),
    (
        "two entries folding together",
        lambda d: d["metrics"].append({**_entry(d, "mAP"), "name": "MAP", "aliases": []}),
        r'"MAP": name: .* already belongs to metrics\[\d+\] "mAP"',
    ),
    (
        "redundant alias",
        lambda d: _entry(d, "FID").setdefault("aliases", []).append("fid"),
        r'"FID": aliases: \'fid\' folds to \'fid\' like another spelling of the same entry',
    ),
    (
        "bad direction",
        lambda d: _entry(d, "FID").update(direction="up"),
        r'"FID": direction: expected one of higher, lower .* found \'up\'',
    ),
    (
        "unit not in the list",
        lambda d: _entry(d, "PSNR").update(unit="decibel"),
        r'"PSNR": unit: expected one of percent, .* found \'decibel\'',
    ),
    (
        "inverted bounds",
        lambda d: _entry(d, "MOS").update(min=5, max=1),
        r'"MOS": min 5 is greater than max 1',
    ),
    (
        "non-numeric bound",
        lambda d: _entry(d, "PSNR").update(max="100"),
        r'"PSNR": max: expected a finite number or null',
    ),
    (
        "null direction without a note",
        lambda d: _entry(d, "Score").pop("note"),
        r'"Score": direction is null: add a note',
    ),
    (
        "missing field",
        lambda d: _entry(d, "PSNR").pop("max"),
        r'"PSNR": max: missing',
    ),
    (
        "misspelt field",
        lambda d: _entry(d, "PSNR").update(mni=0),
        r'"PSNR": unknown field\(s\) mni',
    ),
    (
        "task facts for a metric the registry lacks",
        lambda d: d["task_metrics"].append({**d["task_metrics"][0], "metric": "Points", "tasks": ["Go"]}),
        r'task_metrics\[\d+\] "Points": metric: expected the name of a registry entry',
    ),
    (
        "an unreviewed name that has an entry",
        lambda d: d.update(unreviewed=["ACCURACY"]),
        r"unreviewed\[0\]: 'ACCURACY' folds to 'accuracy', which belongs to metrics\[0\] \"Accuracy\"",
    ),
    (
        "an unreviewed name listed twice",
        lambda d: d.update(unreviewed=["Frobnication", "frobnication "]),
        r"unreviewed\[1\]: 'frobnication ' folds to 'frobnication' like 'Frobnication' above",
    ),
    (
        "unreviewed not a list",
        lambda d: d.update(unreviewed="Frobnication"),
        r"unreviewed: expected a list of metric names, found str",
    ),
    (
        "one task twice for a metric",
        lambda d: d["task_metrics"].append({**d["task_metrics"][0], "tasks": ["atari games"]}),
        r"tasks: 'atari games' already has facts for 'Score'",
    ),
]


@pytest.mark.parametrize(("change", "message"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_registry_names_the_entry_and_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_registry(_mutated(tmp_path, change))
    assert str(tmp_path / "metrics.yaml") in str(caught.value)


def test_unreadable_or_non_yaml_registry(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the metric registry"):
        load_registry(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("metrics: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_registry(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping with a 'units' mapping and a 'metrics' list"):
        load_registry(bad)


# --- coverage --------------------------------------------------------------------------------


def test_the_200_most_frequent_names_of_the_2020_dump_are_known(trimmed_names: Counter[str]) -> None:
    assert sum(trimmed_names.values()) == 43_960
    top = trimmed_names.most_common(200)
    cutoff = top[-1][1]
    assert cutoff == 24  # eight more names tie with the 200th; they are covered too
    frequent = [name for name, n in trimmed_names.items() if n >= cutoff]
    assert len(frequent) == 208
    assert [name for name in frequent if not lookup(name).known] == []
    covered = sum(n for name, n in trimmed_names.items() if lookup(name).known)
    assert covered == 43_600  # 99.2% of all cells; the other 360 cells are spread over rare names


def test_every_name_with_three_results_is_reviewed_or_marked(real_names: Counter[str]) -> None:
    """Issue 10: a name with at least 3 cells in the sample (dump and leaderboard files, trimmed as
    the build trims) has a reviewed entry, is an alias of one, or is listed under ``unreviewed``."""
    frequent = [name for name, n in real_names.items() if n >= 3]
    assert len(frequent) == 764
    reg = registry()
    assert [n for n in frequent if not lookup(n).known and not reg.is_unreviewed(n)] == []
    for name in frequent:
        info = lookup(name)
        if info.known:
            entry = reg.by_key[info.key]
            assert entry.direction is not None or entry.note, name  # a null direction says why


# --- folding and aliases ---------------------------------------------------------------------

VARIANT_GROUPS: dict[str, list[str]] = {
    "Top-1 Accuracy": ["Top 1 Accuracy", "Top-1 Accuracy", "Top-1 accuracy %", "Top-1 (%)", "Top-1"],
    "Top-5 Accuracy": ["Top 5 Accuracy", "Top-5 Accuracy", "Top-5 (%)"],
    "Number of params": [
        "Number of params",
        "Number of Params",
        "PARAMS",
        "Params",
        "Parameters",
        "No. parameters",
    ],
    "mAP": ["mAP", "MAP"],
    "Accuracy": ["Accuracy", "Accuracy (%)", "Acc"],
    "F1": ["F1", "F1 score", "F1-score", "F1-Score"],
    "F-Measure": ["F-Measure", "F-measure", "F-measure (%)"],
    "Mean NME": ["Mean NME ", "Mean NME"],  # trailing space in 139 of 140 cells
    "Video hit@1": ["Video hit@1 ", "Video hit@1"],
    "SSIM": [" SSIM", "SSIM"],
    "MSE": ["MSE ", "MSE"],
    "Relation F1": ["Relation F1 ", "Relation F1"],
    "FPS": ["FPS", "Speed  (FPS)", "Frame (fps)"],
    "Accuracy (10-fold)": ["Accuracy (10-fold)", "Accuracy(10-fold)"],
    "Rank-1": ["Rank-1", "rank-1"],
    "BLEU": ["BLEU", "BLEU score"],
    "Perplexity": ["Perplexity", "PPL"],
    "Inception Score": ["Inception score", "Inception Score", "IS"],
    "FID": ["FID", "Frechet Inception Distance"],
    "Recall@10": ["Recall@10", "R@10"],
    "MOS": ["MOS", "Mean Opinion Score"],
    "GFlops": ["GFlops", "GFLOPs"],
}


@pytest.mark.parametrize(("canonical", "spellings"), VARIANT_GROUPS.items(), ids=list(VARIANT_GROUPS))
def test_variant_spellings_resolve_to_one_entry(
    raw_names: Counter[str], canonical: str, spellings: list[str]
) -> None:
    assert [s for s in spellings if s not in raw_names] == []  # each spelling is real, byte for byte
    assert {resolved(s) for s in spellings} == {canonical}
    assert len({lookup(s).direction for s in spellings}) == 1


TRAPS: list[tuple[str, str]] = [
    ("P@10%", "P@10"),  # precision at the top 10% of results vs at rank 10
    ("Test perplexity", "Validation perplexity"),  # 67 rows carry both
    ("Test perplexity", "Perplexity"),
    ("Top 1 Accuracy", "Top 5 Accuracy"),
    ("Top-1 (%)", "Top-5 (%)"),
    ("Top 1 Accuracy", "Top 1 Accuracy (kNN)"),
    ("mAP", "mAP@0.5"),
    ("MAP", "Mean mAP"),
    ("BLEU", "BLEU-4"),
    ("F1", "F1@10%"),
    ("F1", "F1(10-fold)"),
    ("F1", "Macro-F1"),
    ("F1", "F-Measure"),  # salient object detection reports F-beta
    ("Number of params", "Params (M)"),  # a count vs millions
    ("FLOPS", "GFlops"),
    ("Accuracy (CV)", "Accuracy (CV I)"),
    ("MSE (10^-2, 50% missing)", "MSE (10^2, 50% missing)"),  # the hyphen is a minus sign
    ("MR", "MRR"),
    ("Hits@1", "Hits@10"),
    ("10%", "10"),
]


@pytest.mark.parametrize(("a", "b"), TRAPS, ids=[f"{a} | {b}" for a, b in TRAPS])
def test_look_alikes_stay_apart(raw_names: Counter[str], a: str, b: str) -> None:
    assert a in raw_names
    assert b in raw_names or b == "10"  # "10" is not in the data: "10%" must still not fold to it
    assert fold(a) != fold(b)
    assert resolved(a) != resolved(b)


@pytest.mark.parametrize(
    ("spelling", "same_as"),
    [
        ("Top-1\u3000Accuracy", "Top 1 Accuracy"),  # ideographic space
        ("\u00a0mAP\u00a0", "mAP"),  # NBSP
        ("\ufeffF1\u200b", "F1"),  # BOM, zero-width space
        ("Top_1\tAccuracy", "Top-1 Accuracy"),
        ("Accuracy ( % )", "Accuracy"),
        ("TAR@FAR=0.01", "TAR @ FAR=0.01"),
        ("Top\u20111 Accuracy", "Top-1 Accuracy"),  # non-breaking hyphen
    ],
)
def test_fold_ignores_whitespace_case_and_separators(spelling: str, same_as: str) -> None:
    assert fold(spelling) == fold(same_as)
    assert lookup(spelling) is lookup(same_as)  # one shared MetricInfo per entry


def test_unknown_names_fall_back_to_the_cleaned_name() -> None:
    info = lookup("  Frobnication\u00a0Index (%) ")
    assert (info.name, info.key, info.known) == ("Frobnication Index (%)", "frobnication index", False)
    assert (info.direction, info.unit, info.min_value, info.max_value) == (None, None, None, None)
    for odd in ("", "   ", "%", "(%)", "-", "\u3000"):
        assert lookup(odd).known is False
    assert lookup(None).known is False  # type: ignore[arg-type]  # a JSON null never raises
    assert lookup("Score", 3).direction is None  # type: ignore[arg-type]


# --- the labelled sets (tests/fixtures/metric_groups.csv, metric_look_alikes.csv) ---------------

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_labelled_metric_sets_are_real_and_well_formed(sample_raw_names: set[str]) -> None:
    groups = load_metric_groups(FIXTURES / "metric_groups.csv")
    pairs = load_look_alikes(FIXTURES / "metric_look_alikes.csv")
    assert len(groups) >= 80 and len(pairs) >= 50
    names = [n for g in groups for n in g.names] + [n for p in pairs for n in (p.name_a, p.name_b)]
    assert [n for n in names if n not in sample_raw_names] == []  # byte for byte as archived
    in_group = Counter(n for g in groups for n in g.names)
    assert [n for n, k in in_group.items() if k > 1] == [], "a spelling belongs to one group"
    group_of = {n: g.group for g in groups for n in g.names}
    for p in pairs:
        a, b = group_of.get(p.name_a), group_of.get(p.name_b)
        assert a is None or a != b, f"line {p.line}: a look-alike pair inside group {a}"
        assert p.reason.strip()


def test_the_registry_folds_the_labelled_groups_and_keeps_look_alikes_apart(
    record_property: Callable[[str, Any], None],
) -> None:
    """The registry alone (the build adds nothing for metrics): at least 95% of the groups fold,
    every look-alike pair stays apart. The one group left apart, "Mean Rank"/"MR", is the
    registry's reviewed choice (MR also abbreviates miss rate)."""
    groups = load_metric_groups(FIXTURES / "metric_groups.csv")
    pairs = load_look_alikes(FIXTURES / "metric_look_alikes.csv")

    names = [n for g in groups for n in g.names] + [n for p in pairs for n in (p.name_a, p.name_b)]
    score = score_metrics(groups, pairs, {clean(n): lookup(n).key for n in names}, spelling=clean)
    record_property("metric_folding_rate", round(score.folding_rate, 4))
    print(
        f"metric registry: {score.folding_rate:.1%} of {score.groups} groups folded, "
        f"{score.apart_rate:.0%} of {score.look_alikes} look-alikes apart"
    )
    assert [g.group for g in score.not_folded] == ["mean-rank"]
    assert score.folding_rate >= 0.95
    assert score.merged_look_alikes == []


# --- bounds ----------------------------------------------------------------------------------

# Every real parsed value outside its entry's bounds: (entry, task, dataset, model, raw cell).
EXPECTED_OUTLIERS = {
    ("mIoU", "Semantic Segmentation", "ShapeNet", "MCL", "7,537"),  # a mistyped 75.37 ("Mean IoU")
    # a vandalised row like the "10%" ones below
    ("mAP (@0.1, Through-wall)", "Low-Light Image Enhancement", "3DMatch Benchmark", "nnh", "224"),
    ("MR", "Link Prediction", "FB15k", "ComplEx NSCaching", "0.82"),  # MRR values filed as mean rank
    ("MR", "Link Prediction", "FB15k", "ParTransH", "0.183"),
    ("MR", "Knowledge Graph Completion", "FB15k-237", "KBAT", "0.210"),  # twice (repeated subtask)
    ("10%", "Question Answering", "0", "turkish language questions test", "10000"),  # vandalised rows
    ("10%", "Face Anonymization", "2019_test set", "sm", "122"),
    ("MOS", "Speech Synthesis", "North American English", "means", "0"),
}


def test_real_values_outside_the_bounds_are_the_known_bad_cells(dump_cells: list[Cell]) -> None:
    checked, outside = 0, []
    for cell in dump_cells:
        parsed = parse_metric_value(cell.value_raw)
        info = lookup(cell.metric, cell.task)
        if parsed.value is None or not info.known:
            continue
        checked += 1
        if not info.in_bounds(parsed.value):
            outside.append((info.name, cell.task, cell.dataset, cell.model, cell.value_raw))
    assert checked == 43_069
    assert len(outside) == 9  # of 43,069 parsed values of known metrics
    assert Counter(o[0] for o in outside) == {
        "MR": 4,
        "10%": 2,
        "mIoU": 1,
        "MOS": 1,
        "mAP (@0.1, Through-wall)": 1,
    }
    assert set(outside) == EXPECTED_OUTLIERS
    assert parse_metric_value("7,537").value == 7537.0  # why the range check has to catch it


# --- generic Score ---------------------------------------------------------------------------

SCORE_BY_TASK = [
    ("Atari Games", "higher", "score", None, None),
    ("Continuous Control", "higher", "score", None, None),
    ("SNES Games", "higher", "score", None, None),
    ("General Reinforcement Learning", "higher", "score", 0.0, None),
    ("Visual Question Answering", "higher", "percent", 0.0, 100.0),
    ("Common Sense Reasoning", "higher", "percent", 0.0, 100.0),
]


@pytest.mark.parametrize(
    ("task", "direction", "unit", "low", "high"), SCORE_BY_TASK, ids=[s[0] for s in SCORE_BY_TASK]
)
def test_score_takes_its_meaning_from_the_task(
    dump_cells: list[Cell], task: str, direction: str, unit: str, low: float | None, high: float | None
) -> None:
    assert any(c.task == task and c.metric == "Score" for c in dump_cells)
    info = lookup("Score", task)
    assert (info.name, info.known, info.direction, info.unit) == ("Score", True, direction, unit)
    assert (info.min_value, info.max_value) == (low, high)
    assert lookup(" score ", f" {task.upper()} ") == info  # task names fold too


def test_score_without_a_covered_task_has_no_direction_or_unit() -> None:
    for task in (None, "Image Classification"):
        info = lookup("Score", task)
        assert (info.name, info.known, info.direction, info.unit) == ("Score", True, None, None)
    assert lookup("Accuracy", "Atari Games") is lookup("Accuracy")  # task facts exist for Score only
