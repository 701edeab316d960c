"""Hand-labelled sets of real spellings, and how a build's deduplication scores on them.

The model and metric rules are reviewed data; the labelled sets are the evidence
they are reviewed against. They were labelled by reading the real names (and the
rows behind them), never by running the rules (``tests/fixtures/README.md`` says
how), so they can score any version of the rules, old or new:

* ``model_pairs.csv``: two spellings of one paper (or two papers) and whether
  they are one model (``same``) or not (``different``), with the kind of
  difference (``category``). A build is scored by whether it put the two
  spellings in one model.
* ``metric_groups.csv``: groups of raw metric spellings that mean one metric; a
  group is *folded* when every spelling gets one canonical metric.
* ``metric_look_alikes.csv``: pairs of metric names that look alike but are
  different metrics; they must stay apart.

The scoring functions take the build's answer as a function, so the benchmark
(``benchmarks/data_quality.py``, from a work database) and the tests (from a
published release) share one definition of precision, recall and folding.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from transforms.errors import ConfigError

MODEL_PAIR_COLUMNS: Final = ("paper_key", "name_a", "paper_key_b", "name_b", "label", "category", "reason")
METRIC_GROUP_COLUMNS: Final = ("group", "name", "reason")
LOOK_ALIKE_COLUMNS: Final = ("name_a", "name_b", "reason")
LABELS: Final = ("same", "different")

MODEL_CATEGORIES: Final = {
    "spelling": "case, spacing, hyphens or other punctuation",
    "configuration": "the configuration after the base name: its separators, or its content",
    "citation_tag": "a citation tag (or a bracketed tag that is not one)",
    "unbalanced_parenthesis": "a parenthesis left open",
    "year_suffix": "a year suffix such as ' (2018)'",
    "footnote_mark": "an NLP-progress footnote mark before the year suffix",
    "marker": "single model / ensemble markers",
    "version_size": "version and size markers (B4/B5, 12/24 layers, base/large)",
    "plus_variant": "a '+' or '++' that names a variant",
    "star_variant": "a '*' that marks a variant",
    "typo_or_abbreviation": "typos, plurals, abbreviations of one name",
    "cross_paper": "the same name in two papers",
    "other": "different models with close names",
}
"""The kinds of difference a labelled pair shows (what a reader sees, not what a rule does)."""


@dataclass(frozen=True)
class ModelPair:
    """One labelled pair of model spellings."""

    line: int
    paper_key: str
    name_a: str
    paper_key_b: str
    name_b: str
    label: str
    category: str
    reason: str

    @property
    def same_paper(self) -> bool:
        return not self.paper_key_b

    @property
    def paper_b(self) -> str:
        return self.paper_key_b or self.paper_key


@dataclass(frozen=True)
class MetricGroup:
    """Raw spellings that mean one metric."""

    line: int
    group: str
    names: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class LookAlike:
    """Two metric names that look alike and mean different things."""

    line: int
    name_a: str
    name_b: str
    reason: str


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if tuple(reader.fieldnames or ()) != columns:
                raise ConfigError(f"{path}: header must be {','.join(columns)}, found {reader.fieldnames}")
            return [(i, row) for i, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the labelled set: {exc}") from None


def load_model_pairs(path: Path) -> list[ModelPair]:
    """The labelled model pairs; ConfigError names the file, line and field of a bad row."""
    pairs = []
    for line, row in _rows(path, MODEL_PAIR_COLUMNS):
        if row["label"] not in LABELS:
            raise ConfigError(
                f"{path}: line {line}: label: expected same or different, found {row['label']!r}"
            )
        if row["category"] not in MODEL_CATEGORIES:
            raise ConfigError(
                f"{path}: line {line}: category: expected one of {', '.join(MODEL_CATEGORIES)}, "
                f"found {row['category']!r}"
            )
        pairs.append(ModelPair(line, **row))
    return pairs


def load_metric_groups(path: Path) -> list[MetricGroup]:
    """The labelled metric groups: rows with the same ``group`` are one group (two spellings or more)."""
    names: dict[str, list[str]] = defaultdict(list)
    first: dict[str, tuple[int, str]] = {}
    for line, row in _rows(path, METRIC_GROUP_COLUMNS):
        names[row["group"]].append(row["name"])
        first.setdefault(row["group"], (line, row["reason"]))
    groups = []
    for group, spellings in names.items():
        line, reason = first[group]
        if len(spellings) < 2:
            raise ConfigError(
                f"{path}: line {line}: group {group!r} has one spelling; a group needs two or more"
            )
        groups.append(MetricGroup(line, group, tuple(spellings), reason))
    return groups


def load_look_alikes(path: Path) -> list[LookAlike]:
    """The labelled look-alike metric pairs."""
    return [LookAlike(line, **row) for line, row in _rows(path, LOOK_ALIKE_COLUMNS)]


# --------------------------------------------------------------------------- scoring


@dataclass
class PairScore:
    """How a build's model deduplication did on the labelled pairs."""

    pairs: int = 0
    merged_same: list[ModelPair] = field(default_factory=list)
    wrong_merges: list[ModelPair] = field(default_factory=list)
    missed: list[ModelPair] = field(default_factory=list)
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)
    """category -> {same, merged_same, different, wrong_merges}."""

    @property
    def precision(self) -> float:
        merged = len(self.merged_same) + len(self.wrong_merges)
        return len(self.merged_same) / merged if merged else 1.0

    @property
    def recall(self) -> float:
        same = len(self.merged_same) + len(self.missed)
        return len(self.merged_same) / same if same else 1.0


def score_model_pairs(pairs: Iterable[ModelPair], merged: Callable[[ModelPair], bool]) -> PairScore:
    """Precision and recall of ``merged`` (did the build put the two spellings in one model?)."""
    score = PairScore()
    for pair in pairs:
        score.pairs += 1
        cat = score.by_category.setdefault(
            pair.category, {"same": 0, "merged_same": 0, "different": 0, "wrong_merges": 0}
        )
        is_merged = merged(pair)
        if pair.label == "same":
            cat["same"] += 1
            if is_merged:
                cat["merged_same"] += 1
                score.merged_same.append(pair)
            else:
                score.missed.append(pair)
        else:
            cat["different"] += 1
            if is_merged:
                cat["wrong_merges"] += 1
                score.wrong_merges.append(pair)
    return score


@dataclass
class MetricScore:
    """How a build's metric folding did on the labelled groups and look-alikes."""

    groups: int = 0
    not_folded: list[MetricGroup] = field(default_factory=list)
    look_alikes: int = 0
    merged_look_alikes: list[LookAlike] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    """Labelled spellings the build has no metric for (not in its data)."""

    @property
    def folding_rate(self) -> float:
        return (self.groups - len(self.not_folded)) / self.groups if self.groups else 1.0

    @property
    def apart_rate(self) -> float:
        return (
            (self.look_alikes - len(self.merged_look_alikes)) / self.look_alikes if self.look_alikes else 1.0
        )


def score_metrics(
    groups: Iterable[MetricGroup],
    look_alikes: Iterable[LookAlike],
    metric_of: Mapping[str, str],
    spelling: Callable[[str], str] = lambda name: name,
) -> MetricScore:
    """Folding of ``metric_of`` (spelling -> the build's metric) on groups, and look-alikes kept apart.

    Labelled names are raw, byte for byte as archived (`` SSIM``); ``spelling``
    turns one into the key of ``metric_of`` (the build trims names first). A
    spelling the build does not know counts against it: a group with one is not
    folded, and a look-alike pair with one is not scored as apart.
    """
    score = MetricScore()
    for group in groups:
        score.groups += 1
        ids = {metric_of.get(spelling(name)) for name in group.names}
        score.unplaced.extend(name for name in group.names if spelling(name) not in metric_of)
        if len(ids) != 1 or None in ids:
            score.not_folded.append(group)
    for pair in look_alikes:
        score.look_alikes += 1
        a, b = metric_of.get(spelling(pair.name_a)), metric_of.get(spelling(pair.name_b))
        score.unplaced.extend(name for name, m in ((pair.name_a, a), (pair.name_b, b)) if m is None)
        if a is None or b is None or a == b:
            score.merged_look_alikes.append(pair)
    return score
