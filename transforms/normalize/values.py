"""Parse archived metric cells into one number, or say why there is none.

Papers with Code typed every leaderboard cell by hand, so a cell is whatever a
person wrote: ``87.5``, ``87.5%``, ``1.82 M``, ``92.0 ± 1.3``, ``99,45``,
``**70.3**``, ``78.6/84.4``, ``Kinetics400``, ``-``. The release keeps the cell
as ``value_raw`` and adds ``value`` (a float or NULL) and ``value_issue`` (why
it is NULL). The rule throughout is *never guess*: a NULL with a reason can be
fixed later by a person, a wrong number silently corrupts every ranking built
on it. So a shape is only read as a number when it has exactly one reading;
everything else gets an issue.

Decisions on ambiguous shapes, each taken from what the real data contains
(the 2020 ``evaluation-tables`` dump plus the sota-extractor leaderboards,
50,707 cells):

* ``%`` / ``%%`` (``79.6%%``): ``is_percent`` is set and the number is kept as
  written (79.6, not 0.796): the unit lives in a separate flag so a leaderboard
  that mixes ``79.6%`` and ``80.1`` stays comparable without rescaling.
* Multipliers ``K``/``k`` = 1e3, ``M``/``m`` = 1e6, ``B`` = 1e9, optionally
  after a space (``1.82 M``). Lowercase ``m`` could mean metres or milli, but
  all 115 real ``m`` cells are in SNLI's ``Parameters`` column (``339m``,
  ``53.3m`` next to ``220k``) and PwC puts units in the metric name, never in
  the cell, so ``m`` is read as million. Lowercase ``b`` (bits/bytes?), ``G``
  and ``T`` never occur and are not accepted (``unparseable``).
* Qualified numbers are not numbers: ``~257M``, ``>1,400.000``, ``43B?``,
  ``60.7+`` are ``unparseable`` (an approximation or a bound is not the result;
  the exact value, where there is one, is in another row).
* ``±`` / ``+-`` / ``+/-``: the mean before it is the result (``92.0 ± 1.3``).
* Commas: ``[1-9]d{0,2}(,ddd)+`` (optionally ``.d+``) is thousands grouping
  (``2,200`` -> 2200, ``1,514,187``); ``d+,d{1,2}`` is a decimal comma
  (``99,45`` -> 99.45, ``76,2%``); any other comma shape (``0,537``,
  ``1,2345``, ``1.234,5``) is ``unparseable``. The one real cell this gets
  wrong is ``7,537`` in ShapeNet *Mean IoU* (neighbours are ``85.8%``): it
  reads 7537 by the thousands rule, and no rule that looks at the cell alone
  can tell it from ``2,200`` FPS; a range check on the metric has to catch it.
* ``.931`` -> 0.931; ``O.753`` -> 0.753 only when a letter O/o directly
  precedes ``.digits`` at the start of the cell.
* Decoration that does not change the number is removed: BOM, zero-width and
  all Unicode whitespace (NBSP, U+3000), markdown ``**x**``/``*x*``/``__x__``/
  ``_x_``, trailing footnote marks ``*``/``†``/``‡`` (``63.7*``), parentheses
  around the whole cell, full-width forms (``９２．３％``), U+2212 minus.
* A number followed by a parenthesised note is ``multiple_numbers`` when the
  note starts with a number (``70.1 (72.3)``, ``17.1(16.1 with basic dynamic
  evaluation)``) and ``unparseable`` otherwise (``42.5(1080Ti)``,
  ``47.6 (Titan X)``, ``78.0 (average of 3 split train/test)``): the note may
  change what the number means, so we do not take it.
* ``missing``: empty cells and placeholders (``-``, ``--``, ``–``, ``—``,
  ``−``, ``N/A``, ``NA``, ``?``, ``None``, ``null``, ``x``, also with a
  footnote mark such as ``--*``).
* ``text``: no digit at all, a URL, or a cell starting with a letter
  (``Kinetics400``, ``Yes``, ``fixed 20 per node``). JSON booleans too.
* ``not_finite``: JSON NaN/±inf, overflowing numbers (``1e309``) and the
  strings ``nan``/``inf``/``infinity`` (any case, signed): they are what a
  float NaN/inf becomes when a tool writes it as text, so they get the same
  issue as the JSON value instead of being called words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

ISSUES: Final = ("missing", "multiple_numbers", "text", "not_finite", "unparseable")
"""Every value of ``ParsedValue.issue`` (and of the release column ``value_issue``)."""


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """One metric cell read as a number, or the reason it could not be.

    ``value`` is None exactly when ``issue`` is set. ``is_percent`` records
    that the raw cell carried a ``%`` (or ``%%``) sign; the number itself is
    never divided by 100, so ``79.6%`` is ``ParsedValue(79.6, None, True)``.
    For cells with an issue the flag is informational only.
    """

    value: float | None
    issue: str | None
    is_percent: bool


# --- shared results (frozen, so safe to reuse) -------------------------------
_MISSING: Final = ParsedValue(None, "missing", False)
_TEXT: Final = ParsedValue(None, "text", False)
_NOT_FINITE: Final = ParsedValue(None, "not_finite", False)
_UNPARSEABLE: Final = ParsedValue(None, "unparseable", False)

# --- character classes -------------------------------------------------------
# Invisible characters that str.strip() keeps (they are not "whitespace" to
# Python) but that editors and Excel exports leave around cells.
_INVISIBLE: Final = "\ufeff\u200b\u200c\u200d\u2060"
# Full-width ASCII forms (U+FF01..U+FF5E) are the same characters typed with a
# CJK input method; mapping them back is exact, unlike NFKC which would also
# turn ``10²`` into ``102``.
_FULLWIDTH: Final = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}

# --- regular expressions (compiled once: this runs on ~330k distinct cells) ---
# The fast path: a plain ASCII number, optionally with one % sign. float()
# alone would also accept "nan", "inf", "1_000" and non-ASCII digits, so the
# shape is checked first.
_FAST: Final = re.compile(r"([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)(%?)")

_NUM_CORE: Final = (
    r"(?:"
    r"(?P<thousands>[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]+)?)"  # 2,200  1,514,187.5
    r"|(?P<deccomma>[0-9]+,[0-9]{1,2})"  # 99,45  74,2
    r"|(?P<plain>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"  # 87  .931  1.2E+05
    r")"
)
# One number with optional sign and one unit: % / %% or a K/M/B multiplier.
_SINGLE: Final = re.compile(
    r"(?P<sign>[-+\u2212]?)" + _NUM_CORE + r"(?:\s*(?P<pct>%%?)|\s*(?P<mult>[KkMmB]))?"
)
_PLUS_MINUS: Final = re.compile(r"\s*(?:±|\+/-|\+/\u2212|\+-|\+\u2212)\s*")
_MARKDOWN: Final = re.compile(r"(\*\*|__|\*|_)(.+)\1", re.DOTALL)
_FOOTNOTES: Final = re.compile(r"[*†‡]+$")
_O_TYPO: Final = re.compile(r"[Oo](?=\.[0-9])")
_NON_FINITE: Final = re.compile(r"[-+\u2212]?(?:nan|inf|infinity)", re.IGNORECASE)
_MISSING_RUN: Final = re.compile(r"[-–—\u2212]+|\?+")
# A scheme, "www.", or a bare host with a letter TLD followed by a path
# ("github.com/..."); "78.6/84.4" has a dot and a slash too but no such TLD.
_URL: Final = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.|(?:[a-z0-9-]+\.)+[a-z]{2,}/)", re.IGNORECASE)
_HAS_DIGIT: Final = re.compile(r"\d")  # any script: "٣" is a digit, so not "text"
_SPACES: Final = re.compile(r"\s+")
# Tokens for counting numbers in a cell that is not one number: a
# parenthesised group, or a run of characters between separators (whitespace,
# "/", ";", "|"). A hyphen between two digits is a range separator
# (``0.2-0.3``), not part of either number.
_RANGE_DASH: Final = re.compile(r"(?<=[0-9%])-(?=[0-9.])")
# A comma separates only when it is not between two digits: "1,2345" or
# "1.234,5" is one malformed number (unparseable), not two.
_LIST_COMMA: Final = re.compile(r"(?<![0-9]),|,(?![0-9])")
_TOKENS: Final = re.compile(r"\(([^()]*)\)|[^\s/;|()]+")
_NUMBER_TOKEN: Final = re.compile(_SINGLE.pattern + r"[*†‡]*")
_GROUP_SEPARATORS: Final = re.compile(r"[\s/;|]|(?<![0-9]),|,(?![0-9])")

_MULTIPLIER_EXP: Final = {"K": 3, "k": 3, "M": 6, "m": 6, "B": 9}
_MISSING_WORDS: Final = frozenset({"n/a", "na", "n.a.", "none", "null", "nil", "x"})


def parse_metric_value(raw: object) -> ParsedValue:
    """Read one archived metric cell (str from PwC exports, JSON number in scraped files).

    Never raises for any JSON value: a cell that is not exactly one readable
    number comes back with ``value=None`` and an ``issue`` from ``ISSUES``.
    """
    # bool is an int subclass: test it first so True never becomes 1.0.
    if raw is True or raw is False:
        return _TEXT
    if isinstance(raw, float):
        return ParsedValue(raw, None, False) if math.isfinite(raw) else _NOT_FINITE
    if isinstance(raw, int):
        try:
            return ParsedValue(float(raw), None, False)
        except OverflowError:  # an int beyond float range is not a finite double
            return _NOT_FINITE
    if isinstance(raw, str):
        return _parse_text(raw)
    if raw is None:
        return _MISSING
    if isinstance(raw, Decimal):  # ijson without use_float=True
        return parse_metric_value(float(raw)) if raw.is_finite() else _NOT_FINITE
    return _UNPARSEABLE  # a list or object where a cell should be


def value_text(raw: object) -> str | None:
    """The cell as text for ``value_raw``: strings unchanged, numbers as JSON spells them.

    A release must let a reader see exactly what was archived, so strings are
    returned byte for byte (BOM, spaces and all). Numbers use the shortest
    round-trip repr (``87`` -> "87", ``0.5`` -> "0.5", ``87.0`` -> "87.0"),
    which is the text a JSON writer emits, and NaN/inf use the spelling of
    Python's json module (``NaN``, ``Infinity``, ``-Infinity``).
    """
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    if raw is True:
        return "true"
    if raw is False:
        return "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if math.isnan(raw):
            return "NaN"
        if math.isinf(raw):
            return "Infinity" if raw > 0 else "-Infinity"
        return repr(raw)
    if isinstance(raw, Decimal):
        return str(raw)
    import json  # only for lists/objects, which never occur in real cells

    return json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str)


# --- string cells ------------------------------------------------------------


def _parse_text(raw: str) -> ParsedValue:
    """Parse a string cell: a fast path for plain numbers, then the careful path."""
    s = raw.strip()
    m = _FAST.fullmatch(s)
    if m is not None:
        value = float(m.group(1))
        if not math.isfinite(value):
            return _NOT_FINITE
        return ParsedValue(value, None, bool(m.group(2)))
    return _parse_messy(s)


def _parse_messy(s: str) -> ParsedValue:
    """Everything that is not a plain number: clean, then classify."""
    if not s.isascii():
        s = s.translate(_FULLWIDTH).strip().strip(_INVISIBLE).strip()
    is_percent = "%" in s
    s = _SPACES.sub(" ", s)
    if _is_missing(s):
        return _MISSING

    s = _strip_decoration(s)
    if _is_missing(s):
        return _MISSING
    if _NON_FINITE.fullmatch(s):
        return ParsedValue(None, "not_finite", is_percent)
    if _O_TYPO.match(s):  # "O.753": a letter O typed for the digit 0
        s = "0" + s[1:]

    parsed = _single_number(s)
    if parsed is not None:
        return parsed

    # "92.0 ± 1.3": the result is the mean; the spread must be a number too,
    # otherwise the cell is not the shape we think it is.
    parts = _PLUS_MINUS.split(s, maxsplit=1)
    if len(parts) == 2:
        mean, spread = _single_number(parts[0]), _single_number(parts[1])
        if mean is not None and spread is not None and mean.issue is None:
            return ParsedValue(mean.value, None, is_percent)

    if not _HAS_DIGIT.search(s) or _URL.match(s) or s[0].isalpha():
        return ParsedValue(None, "text", is_percent)
    if _count_numbers(s) >= 2:
        return ParsedValue(None, "multiple_numbers", is_percent)
    return ParsedValue(None, "unparseable", is_percent)


def _is_missing(s: str) -> bool:
    """Placeholders people type for "no result": empty, dashes, N/A, ?, None, x."""
    return not s or _MISSING_RUN.fullmatch(s) is not None or s.casefold() in _MISSING_WORDS


def _strip_decoration(s: str) -> str:
    """Remove markdown emphasis, footnote marks and whole-cell parentheses, repeatedly.

    These only decorate a number (``**70.3**`` is a bolded best result,
    ``63.7*`` points to a footnote, ``(16.97 15.58)`` groups a cell), so
    removing them never changes which number the cell holds.
    """
    while True:
        before = s
        m = _MARKDOWN.fullmatch(s)
        if m is not None:
            s = m.group(2).strip()
        s = _FOOTNOTES.sub("", s).rstrip()
        if len(s) >= 2 and s[0] == "(" and s[-1] == ")" and _wraps_whole(s):
            s = s[1:-1].strip()
        if s == before:
            return s


def _wraps_whole(s: str) -> bool:
    """True when the opening parenthesis at s[0] closes at s[-1] (not ``(a) (b)``)."""
    depth = 0
    for i, ch in enumerate(s):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i == len(s) - 1
    return False


def _single_number(s: str) -> ParsedValue | None:
    """Read ``s`` if it is exactly one number with at most one unit, else None."""
    m = _SINGLE.fullmatch(s.strip())
    if m is None:
        return None
    negative = m.group("sign") in ("-", "\u2212")
    mult = m.group("mult")
    if m.group("thousands") is not None:
        text = m.group("thousands").replace(",", "")
    elif m.group("deccomma") is not None:
        text = m.group("deccomma").replace(",", ".")
    else:
        text = m.group("plain")
    if mult is not None:
        # Scale in decimal so 0.46B is exactly 460000000.0, not 460000000.00000006.
        try:
            value = float(Decimal(text).scaleb(_MULTIPLIER_EXP[mult]))
        except InvalidOperation:  # pragma: no cover - the regex only admits valid decimals
            return _UNPARSEABLE
    else:
        value = float(text)
    if not math.isfinite(value):
        return ParsedValue(None, "not_finite", m.group("pct") is not None)
    return ParsedValue(-value if negative else value, None, m.group("pct") is not None)


def _count_numbers(s: str) -> int:
    """How many separate numbers a cell states (only ``>= 2`` matters).

    A token counts when it is a whole number (``78.6``, ``84.4%``, ``63.7*``)
    or a parenthesised group that *starts* with one (``(72.3)``,
    ``(16.1 with basic dynamic evaluation)``); a group that starts with a word
    (``(1080Ti)``, ``(average of 3 splits)``) is a note, not a number.
    """
    count = 0
    for m in _TOKENS.finditer(_LIST_COMMA.sub(" ", _RANGE_DASH.sub(" ", s))):
        group = m.group(1)
        if group is None:
            if _NUMBER_TOKEN.fullmatch(m.group(0)):
                count += 1
        else:
            first = _GROUP_SEPARATORS.split(group.strip(), maxsplit=1)[0]
            if first and _NUMBER_TOKEN.fullmatch(first):
                count += 1
    return count
