"""Model deduplication rules: which spellings of a model name inside one paper are one model.

Papers with Code leaderboards were typed by hand, so one paper's model appears as
``Mask R-CNN`` and ``Mask-RCNN``, ``Resnet101`` and ``ResNet-101``, ``Yeung et al.``
and ``Yeung et. al.``. :func:`name_key` folds away exactly the differences that
cannot carry meaning:

* case (``fastText`` / ``FastText``) and Unicode compatibility forms (NFKC), except
  for a single letter ending the name after a separator: a variant label whose case
  can carry meaning (``NoisyDARTS-A`` is the ImageNet model, ``NoisyDARTS-a`` the
  CIFAR-10 one, in one paper);
* whitespace, hyphens, dashes and underscores (``MS-CNN`` / ``MSCNN``), except
  between two digits, where ``1 01`` and ``101`` stay apart;
* quotes and backticks;
* full stops that are not decimal points (``et. al.`` / ``et al.``; ``v1.5`` keeps its point).

Everything else is kept, so these never fold together: ``UNet`` / ``UNet++``
(``+`` is kept), ``ResNet-50`` / ``ResNet-101`` (digits), ``BERT (large)`` /
``BERT`` and ``X (ResNet-101)`` / ``X (ResNet-50)`` (parenthesised sizes and
backbones), ``QANet (single model)`` / ``QANet (ensemble)``, ``Model*`` /
``Model``. Precision comes before recall: a missed merge leaves two rows for one
model, a wrong merge destroys a result.

``name_key`` is the first of the reviewed model-identity rules; the others (year
suffixes, citation tags, configuration separators, ...) and the guard that beats
them all are in :mod:`transforms.normalize.model_identity`.

Merging only ever happens inside one paper (:meth:`ModelRules.group_paper`).
Models without a paper are never folded: ``CNN`` in one leaderboard and ``cnn``
in another are not known to be the same thing. The folded key is still published
(``models.name_key``) as a cross-paper attribute: the same architecture in
many papers shares it, but is never merged by it.

``model_rules.yaml`` holds reviewed exceptions (``keep_apart``): spellings in a
paper that the rules would merge but are different models. It is data, edited by
curators like the metric registry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from transforms.errors import ConfigError

if TYPE_CHECKING:
    from transforms.normalize.model_identity import Evidence, PaperGroups

RULES_PATH: Final = Path(__file__).with_name("model_rules.yaml")
"""The reviewed exceptions shipped with the package."""

# Separators between two digits are kept (as one space): "1 01" is not "101".
_DIGIT_SEPARATOR: Final = re.compile(r"(?<=\d)[\s\-\u2010-\u2015_]+(?=\d)")
_SEPARATORS: Final = re.compile(r"[\s\-\u2010-\u2015_'\"`\u2018\u2019\u201c\u201d]+")
# A full stop that is not a decimal point (digit.digit).
_STOP: Final = re.compile(r"(?<!\d)\.|\.(?!\d)")
# A single letter ending the name after a separator keeps its case: NoisyDARTS-A / NoisyDARTS-a.
_VARIANT_LETTER: Final = re.compile(r"(?<=[\s\-\u2010-\u2015_])[^\W\d_]$")
_DIGIT_GAP: Final = "\u00b7"
"""Stands in for a separator between two digits in a key (never typed in model names)."""


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The key under which spellings of one model name meet (see the module docstring)."""
    s = unicodedata.normalize("NFKC", name).strip()
    variant = _VARIANT_LETTER.search(s)
    tail = variant.group() if variant else ""  # kept as typed, after the folded rest
    s = s[: variant.start()] if variant else s
    s = _DIGIT_SEPARATOR.sub(_DIGIT_GAP, s.casefold().strip())
    s = _SEPARATORS.sub("", s)
    return _STOP.sub("", s) + tail


@dataclass(frozen=True)
class KeepApart:
    """Spellings in one paper that fold together but name different models."""

    paper: str
    """The paper's identity as in the build (``arxiv:1611.07004``, ``url:https://...``)."""
    names: tuple[str, ...]
    reason: str


@dataclass(frozen=True, eq=False)
class ModelRules:
    path: Path
    keep_apart: tuple[KeepApart, ...] = ()
    _apart: Mapping[tuple[str, str], str] = field(default_factory=dict, repr=False)
    """(paper key, trimmed spelling) -> the spelling itself, for spellings kept apart."""

    def group_key(self, paper_key: str | None, model_name: str) -> str:
        """The key under which the first rule (``name_key``) alone would put a spelling, inside its paper.

        The build groups with every rule (:meth:`group_paper`); this is the
        ``spelling`` rule on its own. Without a paper the spelling is its own
        group (nothing is folded).
        """
        if paper_key is None:
            return "=" + model_name
        if (paper_key, model_name) in self._apart:
            return "=" + model_name
        return "~" + name_key(model_name)

    def apart(self, paper_key: str) -> frozenset[str]:
        """The spellings of ``paper_key`` that a ``keep_apart`` entry keeps on their own."""
        return frozenset(name for (paper, name) in self._apart if paper == paper_key)

    def group_paper(self, paper_key: str, names: list[str], evidence: Evidence | None = None) -> PaperGroups:
        """Group one paper's spellings into models: every rule, the guard, and this file's keep_apart."""
        from transforms.normalize.model_identity import group_spellings

        return group_spellings(names, apart=self.apart(paper_key), evidence=evidence)


@lru_cache(maxsize=1)
def rules() -> ModelRules:
    """The shipped rules, loaded once per process."""
    return load_rules(RULES_PATH)


def load_rules(path: Path | str) -> ModelRules:
    """Read and validate a rules file; ConfigError names the file, entry and field."""
    from transforms.normalize.metrics import read_reviewed_yaml

    path = Path(path)
    doc = read_reviewed_yaml(path, "the model rules")
    if not isinstance(doc, dict) or set(doc) - {"keep_apart"}:
        raise ConfigError(f"{path}: expected a mapping with one key, keep_apart (a list)")
    raw = doc.get("keep_apart") or []
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: keep_apart: expected a list, found {type(raw).__name__}")
    entries: list[KeepApart] = []
    apart: dict[tuple[str, str], str] = {}
    for i, item in enumerate(raw):
        entries.append(_keep_apart(path, i, item))
        for name in entries[-1].names:
            apart[(entries[-1].paper, name)] = name
    return ModelRules(path, tuple(entries), apart)


def _keep_apart(path: Path, i: int, item: Any) -> KeepApart:
    where = f"{path}: keep_apart[{i}]"
    if not isinstance(item, dict) or set(item) - {"paper", "names", "reason"}:
        raise ConfigError(f"{where}: expected a mapping with paper, names and reason, found {item!r}")
    paper, names, reason = item.get("paper"), item.get("names"), item.get("reason")
    if not isinstance(paper, str) or not re.match(r"^(arxiv|url|title):.+", paper):
        raise ConfigError(f"{where}: paper: expected a paper key like 'arxiv:1611.07004', found {paper!r}")
    if (
        not isinstance(names, list)
        or len(names) < 2
        or not all(isinstance(n, str) and n.strip() == n and n for n in names)
    ):
        raise ConfigError(f"{where}: names: expected two or more trimmed spellings, found {names!r}")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{where}: reason: say why these spellings are different models")
    from transforms.normalize.model_identity import group_spellings

    if len(set(group_spellings(names).label.values())) != 1:
        raise ConfigError(
            f"{where}: names: {names!r} do not fold together, so they are apart already; remove the entry"
        )
    return KeepApart(paper, tuple(names), reason.strip())
