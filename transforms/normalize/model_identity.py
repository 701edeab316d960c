"""Model identity within one paper: the reviewed rules that say two spellings are one model.

:func:`transforms.normalize.models.name_key` folds only what cannot carry meaning
(case, spacing, meaningless punctuation). The archive's files write one model
in more ways than that, and each way is a rule here, applied in this order and
each on top of the ones before it (:data:`RULES`):

``spelling``
    ``name_key``: ``Mask R-CNN`` / ``Mask-RCNN``.
``unbalanced_parenthesis``
    A name cut off inside a parenthesis is closed: ``Latent ODE (ODE enc``.
``year_suffix``
    A trailing ``(2018)``: the NLP-progress leaderboards append the year of the
    paper to every model (``LSTM (2018)`` / ``LSTM``). It is the paper's year,
    not the model's: one paper's model appears with ``(2016)`` and ``(2017)``.
``footnote_mark``
    A footnote mark right before that year suffix: NLP-progress marks entries with
    ``*`` (dynamic evaluation) or ``♦`` (trained on train and dev) and the other
    files write the same entry without it (``AWD-LSTM + dynamic eval * (2017)`` /
    ``AWD-LSTM + dynamic eval``). A mark without the year suffix is a variant and
    stays: ``HRNet*``, ``Zhang et al. *``.
``citation_tag``
    A trailing citation in any style: ``[[Tai et al.2015]]``, ``[tai2015improved]``,
    ``[cite:ICML15DAN]``, ``[11, 12]``, ``(Sung et al., 2018)``. Two tags that
    name different authors, years or references (``[6, 9]`` / ``[11]``) keep their
    spellings apart.
``configuration``
    The configuration after the base name written with other separators:
    parentheses or brackets, a joining ``+``, ``,``, ``&``, `` - `` or a plain space
    (``Transformer-XL (24 layers)`` / ``Transformer-XL - 24 layers``, ``PCB (RPP)``
    / ``PCB + RPP``, ``A2C + gSDE`` / ``A2C gSDE``). A ``+`` that marks a variant
    is kept: ``UNet++``, ``CPN+``, ``RefineDet512+ (VGG-16)``, ``DeepLab v3+ ImageNet``,
    ``(+Mapillary)``.
``marker_spelling``
    ``single model`` is ``single``, ``ensemble model`` is ``ensemble``.
``plural``
    An acronym or ``-net`` name in the plural: ``SN-GANs``, ``F-ConvNets``, ``networks``.

What always keeps spellings apart, whatever the rules say (:func:`blockers`):

* a reviewed ``keep_apart`` entry (``model_rules.yaml``);
* different *marks* (:class:`Marks`): single model / ensemble markers, version and
  size markers (``B4``/``B5``, ``12 layers``/``24 layers``, ``base``/``large``,
  ``-S``/``-M``), variant stars and daggers, ``v3+``;
* citation tags naming different authors, years or references;
* **the guard**, which beats every rule: two spellings that both appear in one
  leaderboard (task, dataset, canonical metric) with different values are
  different entries. A merge a rule wanted and the guard refused is a
  :class:`RejectedMerge`, reported in the release's ``quality.json``.

A rule merges the spellings that meet under its key only when every pair of
them may be merged; when one pair is blocked the whole group stays as it was,
so a spelling that could belong to either of two different models is never
guessed into one of them. Precision comes before recall: a missed merge leaves
two rows for one model, a wrong merge destroys a result.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from transforms.normalize.models import name_key


@dataclass(frozen=True)
class Rule:
    """One reviewed way of writing the same model differently."""

    name: str
    reason: str
    """One line: why two spellings this rule joins are one model (used in id_redirects)."""
    key: Callable[[str], str]
    """The key under which this rule (and every rule before it) joins spellings."""


# --------------------------------------------------------------------------- the rules' transforms

_OPENERS: Final = {"(": ")", "[": "]"}
_YEAR_SUFFIX: Final = re.compile(r"\s*\((?:19|20)\d{2}\)$")


def close_brackets(name: str) -> str:
    """``Latent ODE (ODE enc`` -> ``Latent ODE (ODE enc)``: a truncated name's open brackets closed."""
    stack: list[str] = []
    for ch in name:
        if ch in _OPENERS:
            stack.append(_OPENERS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
    return name + "".join(reversed(stack))


def strip_year(name: str) -> str:
    """``LSTM (2018)`` -> ``LSTM``: one trailing year in parentheses (the paper's year)."""
    return _YEAR_SUFFIX.sub("", name, count=1)


_FOOTNOTE_YEAR: Final = re.compile(r"\s*[*\u2020\u2021\u2666]+\s*\((?:19|20)\d{2}\)$")


def strip_footnote_year(name: str) -> str:
    """``AWD-LSTM + dynamic eval * (2017)`` -> ``AWD-LSTM + dynamic eval``; else :func:`strip_year`."""
    stripped = _FOOTNOTE_YEAR.sub("", name, count=1)
    return stripped if stripped != name else strip_year(name)


@dataclass(frozen=True)
class Citation:
    """What a citation tag says, as far as it can be read: first author and year, or an opaque key."""

    author: str | None
    year: str | None
    key: str | None = None
    """An opaque tag's text (``cite:icml15dan``, ``6,9``): two different ones cite different papers."""

    def contradicts(self, other: Citation) -> bool:
        """Two tags that name different authors, years or opaque keys cite different papers."""
        if self.author and other.author and self.author != other.author:
            return True
        if self.key and other.key and self.key != other.key:
            return True
        return bool(self.year and other.year and self.year != other.year)


_CITATIONS: Final = (
    # [[Tai et al.2015]], [[Kim2014]], [[Long et al.(2018)Long, Ruan, ...]]: converted LaTeX citations
    ("author-year", re.compile(r"\s*\[\[(?P<body>[^\[\]]+)\]\]$")),
    # [cite:ICML15DAN]: an opaque citation key
    ("opaque", re.compile(r"\s*\[(?P<body>cite:[^\[\]]+)\]$", re.IGNORECASE)),
    # [11, 12], [6, 9]: numbered references
    ("opaque", re.compile(r"\s*\[(?P<body>\d{1,3}(?:\s*[,;\u2013-]\s*\d{1,3})*)\]$")),
    # [tai2015improved], [Qi:2018fd], [Huang2017Densely], [kim:13]: BibTeX keys (a four-digit year, or
    # two digits after a colon); [ResNet50] or [Fpz-Cz] are not keys
    (
        "author-year",
        re.compile(
            r"\s*\[(?P<body>[A-Za-z][A-Za-z'\-]*:?(?:19|20)\d{2}(?:[A-Za-z][\w+:\-]*)?"
            r"|[A-Za-z][A-Za-z'\-]*:\d{2}(?:[A-Za-z][\w+:\-]*)?)\]$"
        ),
    ),
    # (Sung et al., 2018), (Tai et al. 2015), (Ma and Hovy, 2016)
    (
        "author-year",
        re.compile(
            r"\s*\((?P<body>[A-Z][^\W\d_][\w'\-]*(?: et al\.?| (?:and|&) [A-Z][\w'\-]+)?,? (?:19|20)\d{2}[a-z]?)\)$"
        ),
    ),
)
_AUTHOR: Final = re.compile(r"[^\W\d_]+")
_FOUR_DIGIT_YEAR: Final = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def strip_citations(name: str) -> tuple[str, tuple[Citation, ...]]:
    """The name without its trailing citation tags, and what the tags say."""
    found: list[Citation] = []
    changed = True
    while changed:
        changed = False
        for kind, pattern in _CITATIONS:
            m = pattern.search(name)
            if m is None or m.start() == 0:
                continue  # a tag alone is the whole name, not a tag on one
            body = m.group("body")
            if kind == "opaque":
                found.append(Citation(None, None, re.sub(r"\s+", "", body.casefold())))
            else:
                author = _AUTHOR.match(body)
                year = _FOUR_DIGIT_YEAR.search(body)
                found.append(
                    Citation(author.group().casefold() if author else None, year.group(1) if year else None)
                )
            name = name[: m.start()]
            changed = True
            break
    return name, tuple(found)


# A "+" that joins two parts ("A + B", "A+B", "A +B"): one "+", not first, not right after an opening
# bracket, followed by a word. "A+ B" keeps its "+" (DeepLab v3+ ImageNet), as do "++", "CPN+",
# "RefineDet512+ (VGG-16)" and "(+Mapillary)".
_JOINING_PLUS: Final = re.compile(r"(?<=[^\s+(\[])\+(?=[^\W_])|(?<=[^\s(\[]\s)\+(?=\s?[^\W_])")
# "v3+" is a version of its own whatever follows.
_VERSION_PLUS: Final = re.compile(r"(?<=[vV]\d)\+|(?<=[vV]\d\d)\+")
_JOINING_AMPERSAND: Final = re.compile(r"(?<=[^\W_])\s*&\s*(?=[^\W_])")
_CONFIG_SEPARATORS: Final = re.compile(r"[()\[\],;]")
_SPACED_DASH: Final = re.compile(r"\s[-\u2010-\u2015]\s")
_PLUS_PLACEHOLDER: Final = "\u0000"


def configuration_form(name: str) -> str:
    """The name with the separators between its base and its configuration written as spaces."""
    s = _VERSION_PLUS.sub(_PLUS_PLACEHOLDER, name)
    s = _JOINING_PLUS.sub(" ", s)
    s = _JOINING_AMPERSAND.sub(" ", s)
    s = _CONFIG_SEPARATORS.sub(" ", s)
    s = _SPACED_DASH.sub(" ", s)
    return re.sub(r"\s+", " ", s.replace(_PLUS_PLACEHOLDER, "+")).strip()


_SINGLE_MODEL: Final = re.compile(r"\bsingle[\s\-_]*model\b", re.IGNORECASE)
_ENSEMBLE_MODEL: Final = re.compile(r"\bensemble[\s\-_]*model\b", re.IGNORECASE)


def marker_form(name: str) -> str:
    """``single model`` -> ``single``, ``ensemble model`` -> ``ensemble``."""
    return _ENSEMBLE_MODEL.sub("ensemble", _SINGLE_MODEL.sub("single", name))


# GANs, MPNNs (two capitals before a lower-case s); ConvNets, networks.
_PLURAL: Final = re.compile(r"(?<=[A-Z]{2})s\b|(?<=[Nn]et)s\b|(?<=[Nn]etwork)s\b")


def singular_form(name: str) -> str:
    """``SN-GANs`` -> ``SN-GAN``, ``F-ConvNets`` -> ``F-ConvNet``; ``FeatDepth-MS`` is left alone."""
    return _PLURAL.sub("", name)


@lru_cache(maxsize=65536)
def base_form(name: str) -> str:
    """The name closed, without its year suffix and citation tags: what marks are read from."""
    return strip_citations(strip_footnote_year(close_brackets(name)))[0]


def _configured(name: str) -> str:
    return name_key(configuration_form(base_form(name)))


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        "spelling",
        "the same model of one paper, written with different case, spacing or punctuation",
        name_key,
    ),
    Rule(
        "unbalanced_parenthesis",
        "one spelling is the other cut off inside a parenthesis",
        lambda n: name_key(close_brackets(n)),
    ),
    Rule(
        "year_suffix",
        "one spelling carries the year of the paper as a suffix such as ' (2018)'",
        lambda n: name_key(strip_year(close_brackets(n))),
    ),
    Rule(
        "footnote_mark",
        "one spelling carries an NLP-progress footnote mark (* dynamic evaluation, \u2666 train+dev) before the year suffix",
        lambda n: name_key(strip_footnote_year(close_brackets(n))),
    ),
    Rule(
        "citation_tag",
        "the spellings differ only in a citation tag of the paper ([[Tai et al.2015]], [tai2015improved])",
        lambda n: name_key(base_form(n)),
    ),
    Rule(
        "configuration",
        "the configuration after the base name is written with other separators (parentheses, '+', ',', ' - ', space)",
        _configured,
    ),
    Rule(
        "marker_spelling",
        "'single model' is written 'single', 'ensemble model' 'ensemble'",
        lambda n: name_key(marker_form(configuration_form(base_form(n)))),
    ),
    Rule(
        "plural",
        "one spelling is the plural of the other (SN-GANs, F-ConvNets)",
        lambda n: name_key(singular_form(marker_form(configuration_form(base_form(n))))),
    ),
)
"""The reviewed rules, in the order they apply; each key includes every rule before it."""

RULE_NAMES: Final = tuple(rule.name for rule in RULES)


# --------------------------------------------------------------------------- what keeps models apart

_SIZE_WORDS: Final = frozenset(
    {
        "tiny", "mini", "small", "base", "medium", "large", "big", "huge", "giant", "standard",
        "xs", "s", "m", "l", "xl", "xxl", "xxxl", "xlarge", "xxlarge", "deep", "shallow", "wide",
    }
)  # fmt: skip
_WORDS: Final = re.compile(r"[^\W_]+")
_DIGITS: Final = re.compile(r"\d+(?:\.\d+)?")
_ENSEMBLE_WORD: Final = re.compile(r"\bensemble", re.IGNORECASE)
_SINGLE_MARKER: Final = re.compile(r"\bsingle[\s\-_]*model\b|\bsingle\s*(?:[),\]]|$)", re.IGNORECASE)
_STARS: Final = frozenset("*\u2020\u2021\u2666\u00a7\u00b6\u22c6\u2605")


@dataclass(frozen=True)
class Marks:
    """What always tells models apart: two spellings with different marks are never merged."""

    markers: frozenset[str]
    """``single`` and/or ``ensemble``."""
    numbers: tuple[str, ...]
    """Every number, in order: versions, sizes, depths, widths (``B4``, ``12 layers``, ``ResNet-50``)."""
    sizes: tuple[str, ...]
    """Size words, in order: ``base``, ``large``, ``xl``, a lone ``S``/``M``/``L``."""
    stars: str
    """Variant marks: ``*``, daggers, diamonds."""
    version_plus: int
    """``v3+``: a version with a plus."""


@lru_cache(maxsize=65536)
def marks(name: str) -> Marks:
    """The marks of a spelling, read from its :func:`base_form` (year and citation tags are not marks)."""
    base = base_form(name)
    low = unicodedata.normalize("NFKC", base).casefold()
    markers = set()
    if _ENSEMBLE_WORD.search(low):
        markers.add("ensemble")
    if _SINGLE_MARKER.search(low):
        markers.add("single")
    words = _WORDS.findall(low)
    return Marks(
        frozenset(markers),
        tuple(_DIGITS.findall(name_key(base))),
        tuple(w for w in words if w in _SIZE_WORDS),
        "".join(ch for ch in base if ch in _STARS),
        len(_VERSION_PLUS.findall(base)),
    )


# --------------------------------------------------------------------------- the guard's evidence

Board = tuple[str, str, str]
"""A leaderboard: (task, dataset, canonical metric key)."""


@dataclass(frozen=True)
class Conflict:
    """Where two spellings of one paper sit in one leaderboard with different values."""

    board: Board
    values_a: tuple[str, ...]
    values_b: tuple[str, ...]


@dataclass
class Evidence:
    """Each spelling's values per leaderboard, for one paper (the guard's input)."""

    values: dict[str, dict[Board, frozenset[str]]] = field(default_factory=dict)

    @classmethod
    def from_cells(cls, cells: Iterable[tuple[str, Board, str]]) -> Evidence:
        """From (spelling, leaderboard, value key) cells; a value key is how results.sql compares values."""
        acc: dict[str, dict[Board, set[str]]] = defaultdict(lambda: defaultdict(set))
        for name, board, value in cells:
            acc[name][board].add(value)
        return cls({n: {b: frozenset(v) for b, v in boards.items()} for n, boards in acc.items()})

    def conflict(self, a: str, b: str) -> Conflict | None:
        """The first leaderboard (in sort order) where ``a`` and ``b`` have different values, if any."""
        va, vb = self.values.get(a), self.values.get(b)
        if not va or not vb:
            return None
        for board in sorted(va.keys() & vb.keys()):
            if va[board] != vb[board]:
                return Conflict(board, tuple(sorted(va[board])), tuple(sorted(vb[board])))
        return None


# --------------------------------------------------------------------------- grouping one paper


@dataclass(frozen=True)
class Blocked:
    """Why two spellings that a rule would join stay apart."""

    kind: str
    """``keep_apart``, ``marks``, ``citation`` or ``guard``."""
    a: str
    b: str
    conflict: Conflict | None = None


def _citations(name: str) -> tuple[Citation, ...]:
    return strip_citations(strip_footnote_year(close_brackets(name)))[1]


def blockers(
    xs: Collection[str],
    ys: Collection[str],
    *,
    rule: str,
    apart: Collection[str] = (),
    evidence: Evidence | None = None,
) -> list[Blocked]:
    """Why two groups of spellings of one paper may not become one model under ``rule`` (empty: they may).

    ``keep_apart`` entries and the guard hold for every rule and every pair of
    spellings. Marks and citation tags are checked for the rules after
    ``spelling`` (``name_key`` never folds a meaningful mark); marks agree when
    some spelling of each group has the same marks, since spellings already in
    one group may glue a size word (``BERTlarge`` / ``BERT large``).
    """
    found: list[Blocked] = []
    pairs = [(a, b) for a in sorted(xs) for b in sorted(ys)]
    for a, b in pairs:
        if a in apart or b in apart:
            found.append(Blocked("keep_apart", a, b))
    if rule != RULE_NAMES[0]:
        if not any(marks(a) == marks(b) for a, b in pairs):
            found.append(Blocked("marks", min(xs), min(ys)))
        for a, b in pairs:
            if any(x.contradicts(y) for x in _citations(a) for y in _citations(b)):
                found.append(Blocked("citation", a, b))
    if evidence is not None:
        for a, b in pairs:
            conflict = evidence.conflict(a, b)
            if conflict is not None:
                found.append(Blocked("guard", a, b, conflict))
    return found


@dataclass(frozen=True)
class RejectedMerge:
    """A merge a rule wanted and the guard refused: both spellings are in one leaderboard, with different values."""

    rule: str
    a: str
    b: str
    conflict: Conflict


@dataclass(frozen=True)
class PaperGroups:
    """How the spellings of one paper group into models."""

    label: Mapping[str, str]
    """Spelling -> its model's label: the model's smallest spelling (code-point order)."""
    stage_labels: Mapping[str, tuple[str, ...]]
    """Spelling -> its label after each rule of :data:`RULES` (the last one is ``label``)."""
    rejected: tuple[RejectedMerge, ...]
    held_back: tuple[str, ...]
    """Spellings a rule would have merged but left alone because another pair of the group was blocked."""

    def join_rule(self, a: str, b: str) -> str | None:
        """The rule that put ``a`` and ``b`` in one model (None if they are apart)."""
        for rule, la, lb in zip(RULE_NAMES, self.stage_labels[a], self.stage_labels[b], strict=True):
            if la == lb:
                return rule
        return None


def group_spellings(
    names: Iterable[str], *, apart: Collection[str] = (), evidence: Evidence | None = None
) -> PaperGroups:
    """Group one paper's spellings into models with :data:`RULES`, never across one of :func:`blockers`.

    Deterministic: the result depends only on the set of names, ``apart`` and the evidence.
    """
    spellings = sorted(set(names))
    parent = {n: n for n in spellings}
    members: dict[str, list[str]] = {n: [n] for n in spellings}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    history: dict[str, list[str]] = {n: [] for n in spellings}
    rejected: dict[frozenset[str], RejectedMerge] = {}
    held: set[str] = set()
    for rule in RULES:
        by_key: dict[str, set[str]] = defaultdict(set)
        for n in spellings:
            if n not in apart:
                by_key[rule.key(n)].add(find(n))
        for key in sorted(by_key):
            roots = sorted(by_key[key])
            if len(roots) < 2:
                continue
            blocks = [
                found
                for x, y in itertools.combinations(roots, 2)
                for found in blockers(members[x], members[y], rule=rule.name, apart=apart, evidence=evidence)
            ]
            if blocks:
                for found in blocks:
                    pair = frozenset((found.a, found.b))
                    if found.kind == "guard" and found.conflict and pair not in rejected:
                        rejected[pair] = RejectedMerge(rule.name, found.a, found.b, found.conflict)
                blocked_names = {n for found in blocks for n in (found.a, found.b)}
                held.update(n for r in roots for n in members[r] if n not in blocked_names)
                continue
            target = roots[0]
            for other in roots[1:]:
                parent[other] = target
                members[target].extend(members.pop(other))
        for n in spellings:
            history[n].append(find(n))
    labels = {n: find(n) for n in spellings}
    return PaperGroups(
        labels,
        {n: tuple(h) for n, h in history.items()},
        tuple(sorted(rejected.values(), key=lambda r: (r.a, r.b))),
        tuple(sorted(held - {n for n in spellings if len(members.get(labels[n], [])) > 1})),
    )


def same_model(
    a: str, b: str, *, apart: Collection[str] = (), evidence: Evidence | None = None
) -> str | None:
    """The rule that makes ``a`` and ``b`` (spellings of one paper, alone) one model, or None.

    Pairwise: the paper's other spellings are not considered, so a spelling that
    the build leaves apart because it could belong to two models still pairs here.
    """
    return group_spellings((a, b), apart=apart, evidence=evidence).join_rule(a, b)
