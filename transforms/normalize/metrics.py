"""The metric registry: reviewed facts about metric names, and a fast lookup.

Papers with Code let people name metric columns freely, so one metric has many
spellings (``Top 1 Accuracy``, ``Top-1 Accuracy``, ``Top-1 accuracy %``) and
look-alike names mean different things (``P@10%`` vs ``P@10``, ``Test`` vs
``Validation perplexity``). ``metrics.yaml`` next to this module is the reviewed
answer: one entry per canonical metric with its aliases, which direction is
better, its unit and plausible bounds. Every entry was checked against the real
values of the 2020 dump; the file's header explains the units and bounds.

Two spellings are the same metric when they have the same *fold key*
(:func:`fold`) or when a reviewed alias joins them. Folding removes only
differences that cannot change the meaning: case, whitespace, hyphens and
underscores used as word separators, and a trailing ``(%)`` / `` %`` unit
suffix. Everything else (``mAP`` vs ``mAP@0.5``, ``Top-1`` vs ``Top-5``) is
left apart, and joining two names that fold differently takes an alias in the
YAML, never a fuzzy match.

A generic name such as ``Score`` means different things per task (Atari game
points, VQA-CP accuracy), so the YAML can also key facts by (task, metric);
:func:`lookup` uses them when it is given the task.

Every name with at least three results in the bundled sample is either an entry
(or an alias of one) or listed under ``unreviewed``: read, but what it measures
could not be settled from the rows. An unreviewed name is looked up like an
unknown one (no direction, not ranked); the list says that it was looked at.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml

from transforms.errors import ConfigError

REGISTRY_PATH: Final = Path(__file__).with_name("metrics.yaml")
"""The reviewed registry shipped with the package."""

DIRECTIONS: Final = ("higher", "lower")
"""Allowed ``direction`` values; ``null`` (no better side) needs a ``note`` saying why."""

_ENTRY_FIELDS: Final = frozenset({"name", "aliases", "direction", "unit", "min", "max", "task_hint", "note"})
_TASK_FIELDS: Final = frozenset({"tasks", "metric", "direction", "unit", "min", "max", "note"})

# --- folding -------------------------------------------------------------------
# Characters that are invisible but not whitespace to Python (BOM, zero-width).
_INVISIBLE: Final = re.compile("[\ufeff\u200b\u200c\u200d\u2060]")
# A trailing unit suffix: "Accuracy (%)", "Top-1 accuracy %". A % glued to the
# name is part of it ("P@10%" is precision at the top 10% of results).
_PERCENT_SUFFIX: Final = re.compile(r"(?:\s*\(\s*%\s*\)|\s+%)\s*$")
# A hyphen (ASCII or Unicode hyphen) or underscore used as a word separator. A
# hyphen that starts a number after a symbol is a minus sign and is kept:
# "MSE (10^-2, ...)" and "MSE (10^2, ...)" are different columns in the dump.
_SEPARATOR: Final = re.compile(r"_|(?<![^\w\s])[-\u2010\u2011]|[-\u2010\u2011](?![0-9.])")
_SPACES: Final = re.compile(r"\s+")
# Spaces next to brackets and operators carry no meaning: "Accuracy(10-fold)"
# and "Accuracy (10-fold)", "TAR @ FAR=0.01" and "TAR@FAR=0.01".
_SPACE_AT_SYMBOL: Final = re.compile(r" ?([()\[\]{}@,:;/=+&<>^]) ?")


@dataclass(frozen=True)
class MetricInfo:
    """What the registry says about one metric name (in one task)."""

    name: str
    """Canonical name (the registry's), or the cleaned raw name when unknown."""
    key: str
    """Fold key of the name (see :func:`fold`)."""
    known: bool
    """True when the registry has an entry for the name."""
    direction: str | None
    """``"higher"`` or ``"lower"`` is better; None when unknown or when no side is better."""
    unit: str | None
    """One of the registry's units (see the YAML header), or None when unknown."""
    min_value: float | None
    """Smallest plausible value (inclusive), or None for no lower bound."""
    max_value: float | None
    """Largest plausible value (inclusive), or None for no upper bound."""

    def in_bounds(self, value: float) -> bool:
        """True unless ``value`` falls outside the entry's plausible range."""
        if self.min_value is not None and value < self.min_value:
            return False
        return self.max_value is None or value <= self.max_value


@dataclass(frozen=True)
class MetricEntry:
    """One reviewed entry of ``metrics.yaml``."""

    name: str
    aliases: tuple[str, ...]
    direction: str | None
    unit: str | None
    min_value: float | None
    max_value: float | None
    task_hint: str | None
    note: str | None

    @property
    def key(self) -> str:
        return fold(self.name)

    def info(self) -> MetricInfo:
        return MetricInfo(
            self.name, self.key, True, self.direction, self.unit, self.min_value, self.max_value
        )


@dataclass(frozen=True)
class TaskMetricEntry:
    """Facts about a generic metric name (``Score``) inside particular tasks."""

    tasks: tuple[str, ...]
    metric: str
    direction: str | None
    unit: str | None
    min_value: float | None
    max_value: float | None
    note: str | None


@dataclass(frozen=True, eq=False)
class Registry:
    """The loaded registry: entries in file order and the indexes used by :meth:`lookup`."""

    path: Path
    units: Mapping[str, str]
    """Allowed units and what each means (the YAML's ``units`` section)."""
    entries: tuple[MetricEntry, ...] = field(repr=False)
    by_key: Mapping[str, MetricEntry] = field(repr=False)
    """Every fold key (of a name or an alias) -> its entry."""
    task_entries: tuple[TaskMetricEntry, ...] = field(repr=False)
    by_task: Mapping[tuple[str, str], MetricInfo] = field(repr=False)
    """(fold key of the task, fold key of the metric's canonical name) -> facts in that task."""
    _infos: Mapping[str, MetricInfo] = field(repr=False)
    unreviewed: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Fold key -> name, for the names listed under ``unreviewed`` (looked at, not reviewed)."""

    def is_unreviewed(self, name: str) -> bool:
        """True when ``name`` is listed under ``unreviewed`` (and so has no entry)."""
        return fold(name) in self.unreviewed

    def lookup(self, name: str, task: str | None = None) -> MetricInfo:
        """What the registry knows about ``name`` (in ``task``); never raises."""
        if not isinstance(name, str):  # a JSON null or number where a name should be
            name = "" if name is None else str(name)
        key = fold(name)
        info = self._infos.get(key)
        if info is None:
            return MetricInfo(clean(name), key, False, None, None, None, None)
        if isinstance(task, str) and self.by_task:
            specific = self.by_task.get((fold(task), info.key))
            if specific is not None:
                return specific
        return info


def clean(name: str) -> str:
    """The name as a person wrote it, minus invisible characters and stray whitespace."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", name)).strip()


@lru_cache(maxsize=16384)
def fold(name: str) -> str:
    """The key under which spellings of one metric meet.

    Removes case, Unicode whitespace (NBSP, U+3000, trailing spaces), invisible
    characters, hyphen/underscore separators and a trailing ``(%)`` or `` %``
    suffix; keeps every other character, so ``P@10%``/``P@10`` and
    ``mAP``/``mAP@0.5`` stay apart.
    """
    s = clean(name)
    s = _PERCENT_SUFFIX.sub("", s)
    s = _SEPARATOR.sub(" ", s.casefold())
    s = _SPACES.sub(" ", s).strip()
    return _SPACE_AT_SYMBOL.sub(r"\1", s)


def lookup(name: str, task: str | None = None) -> MetricInfo:
    """What the shipped registry knows about metric ``name`` (optionally in ``task``).

    Never raises: an unknown name comes back with ``known=False``, its cleaned
    spelling as ``name`` and ``direction``/``unit``/bounds None. A generic name
    with task-specific facts (``Score`` in "Atari Games") gets those facts when
    ``task`` is given and the entry's general facts otherwise.
    """
    return registry().lookup(name, task)


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The shipped registry (``metrics.yaml``), loaded and validated once per process."""
    return load_registry(REGISTRY_PATH)


def load_registry(path: Path | str) -> Registry:
    """Read and validate a registry file.

    Raises ConfigError naming the file, the entry and the field when: the file
    is not a YAML mapping with ``units`` and ``metrics``; an entry has an
    unknown field, no name, a direction other than higher/lower, a unit not in
    ``units``, non-numeric or inverted bounds, or a null direction/unit without
    a ``note``; two entries (names or aliases) fold to the same key; an alias
    folds to its own entry's name (it is redundant); a task entry refers to a
    metric the registry does not have.
    """
    path = Path(path)
    doc = read_reviewed_yaml(path, "the metric registry")
    if not isinstance(doc, dict) or not isinstance(doc.get("metrics"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'units' mapping and a 'metrics' list")
    units = _units(path, doc.get("units"))

    entries: list[MetricEntry] = []
    by_key: dict[str, MetricEntry] = {}
    owner: dict[str, str] = {}  # fold key -> "metrics[i] "name"", for messages
    for i, raw in enumerate(doc["metrics"]):
        entry = _entry(path, i, raw, units)
        where = f'metrics[{i}] "{entry.name}"'
        for field_name, spelling in [("name", entry.name), *(("aliases", a) for a in entry.aliases)]:
            key = fold(spelling)
            if not key:
                raise ConfigError(f"{path}: {where}: {field_name} {spelling!r} is empty once folded")
            if key in owner:
                if by_key[key] is entry:
                    raise ConfigError(
                        f"{path}: {where}: aliases: {spelling!r} folds to {key!r} like another spelling "
                        "of the same entry; remove the redundant alias"
                    )
                raise ConfigError(
                    f"{path}: {where}: {field_name}: {spelling!r} folds to {key!r}, which already belongs "
                    f"to {owner[key]}; a spelling may name one entry only, so merge the entries or drop it"
                )
            owner[key] = where
            by_key[key] = entry
        entries.append(entry)

    task_entries, by_task = _task_entries(path, doc.get("task_metrics"), units, by_key)
    infos = {key: entry.info() for key, entry in by_key.items()}
    unreviewed = _unreviewed(path, doc.get("unreviewed"), owner)
    return Registry(path, units, tuple(entries), by_key, task_entries, by_task, infos, unreviewed)


# --- validation helpers ------------------------------------------------------------


def read_reviewed_yaml(path: Path, what: str) -> Any:
    """A reviewed data file (registry, rules) parsed; ConfigError names the file on any failure."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def _unreviewed(path: Path, raw: Any, owner: Mapping[str, str]) -> dict[str, str]:
    """The ``unreviewed`` list: names without an entry, each folding to a key of its own."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: unreviewed: expected a list of metric names, found {type(raw).__name__}")
    out: dict[str, str] = {}
    for i, name in enumerate(raw):
        where = f"{path}: unreviewed[{i}]"
        if not isinstance(name, str) or not clean(name):
            raise ConfigError(f"{where}: expected a non-empty metric name, found {name!r}")
        key = fold(name)
        if key in owner:
            raise ConfigError(
                f"{where}: {name!r} folds to {key!r}, which belongs to {owner[key]}; it is reviewed, remove it here"
            )
        if key in out:
            raise ConfigError(f"{where}: {name!r} folds to {key!r} like {out[key]!r} above; list it once")
        out[key] = clean(name)
    return out


def _units(path: Path, raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{path}: 'units' must map each allowed unit to what it means")
    for unit, meaning in raw.items():
        if not isinstance(unit, str) or not isinstance(meaning, str) or not meaning.strip():
            raise ConfigError(f"{path}: units: {unit!r} needs a description (a non-empty string)")
    return dict(raw)


def _entry(path: Path, i: int, raw: Any, units: Mapping[str, str]) -> MetricEntry:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: metrics[{i}]: expected a mapping with at least a name, found {raw!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not clean(name):
        raise ConfigError(f"{path}: metrics[{i}]: name: expected a non-empty string, found {name!r}")
    where = f'{path}: metrics[{i}] "{name}"'
    _no_unknown_fields(where, raw, _ENTRY_FIELDS)
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and clean(a) for a in aliases):
        raise ConfigError(f"{where}: aliases: expected a list of non-empty strings, found {aliases!r}")
    direction, unit, low, high, note = _facts(where, raw, units)
    task_hint = _optional_text(where, raw, "task_hint")
    return MetricEntry(
        clean(name), tuple(clean(a) for a in aliases), direction, unit, low, high, task_hint, note
    )


def _task_entries(
    path: Path, raw: Any, units: Mapping[str, str], by_key: Mapping[str, MetricEntry]
) -> tuple[tuple[TaskMetricEntry, ...], dict[tuple[str, str], MetricInfo]]:
    if raw is None:
        return (), {}
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: task_metrics: expected a list of (tasks, metric) entries")
    out: list[TaskMetricEntry] = []
    by_task: dict[tuple[str, str], MetricInfo] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ConfigError(f"{path}: task_metrics[{i}]: expected a mapping, found {item!r}")
        metric = item.get("metric")
        where = f'{path}: task_metrics[{i}] "{metric}"'
        _no_unknown_fields(where, item, _TASK_FIELDS)
        if not isinstance(metric, str) or fold(metric) not in by_key:
            raise ConfigError(f"{where}: metric: expected the name of a registry entry, found {metric!r}")
        tasks = item.get("tasks")
        if (
            not isinstance(tasks, list)
            or not tasks
            or not all(isinstance(t, str) and clean(t) for t in tasks)
        ):
            raise ConfigError(f"{where}: tasks: expected a non-empty list of task names, found {tasks!r}")
        direction, unit, low, high, note = _facts(where, item, units)
        entry = by_key[fold(metric)]
        task_entry = TaskMetricEntry(
            tuple(clean(t) for t in tasks), entry.name, direction, unit, low, high, note
        )
        info = MetricInfo(entry.name, entry.key, True, direction, unit, low, high)
        for task in task_entry.tasks:
            if (fold(task), entry.key) in by_task:
                raise ConfigError(f"{where}: tasks: {task!r} already has facts for {entry.name!r}")
            by_task[(fold(task), entry.key)] = info
        out.append(task_entry)
    return tuple(out), by_task


def _facts(
    where: str, raw: Mapping[str, Any], units: Mapping[str, str]
) -> tuple[str | None, str | None, float | None, float | None, str | None]:
    """direction, unit, min, max and note of an entry, validated."""
    note = _optional_text(where, raw, "note")
    for field_name in ("direction", "unit", "min", "max"):
        if field_name not in raw:
            raise ConfigError(f"{where}: {field_name}: missing; write null explicitly if there is none")
    direction = raw["direction"]
    if direction is not None and direction not in DIRECTIONS:
        raise ConfigError(
            f"{where}: direction: expected one of {', '.join(DIRECTIONS)} (or null with a note), "
            f"found {direction!r}"
        )
    unit = raw["unit"]
    if unit is not None and unit not in units:
        raise ConfigError(
            f"{where}: unit: expected one of {', '.join(units)} (or null with a note), found {unit!r}"
        )
    for field_name, value in (("direction", direction), ("unit", unit)):
        if value is None and note is None:
            raise ConfigError(f"{where}: {field_name} is null: add a note saying why the metric has none")
    low, high = _bound(where, raw, "min"), _bound(where, raw, "max")
    if low is not None and high is not None and low > high:
        raise ConfigError(f"{where}: min {low:g} is greater than max {high:g}; swap or fix them")
    return direction, unit, low, high, note


def _bound(where: str, raw: Mapping[str, Any], field_name: str) -> float | None:
    value = raw[field_name]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}: {field_name}: expected a finite number or null, found {value!r}")
    return float(value)


def _optional_text(where: str, raw: Mapping[str, Any], field_name: str) -> str | None:
    value = raw.get(field_name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {field_name}: expected a non-empty string, found {value!r}")
    return value.strip()


def _no_unknown_fields(where: str, raw: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
