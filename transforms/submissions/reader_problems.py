"""Reading a submission, shared parts: limits, the refusal, and the problems report every reader fills."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from transforms.errors import SourceError
from transforms.submissions.problems import PathPart, Problem, located, safe_text, show

MAX_PROBLEMS: Final = 50
"""Problems reported from one file before the rest are summed up in one last problem."""


@dataclass(frozen=True)
class Limits:
    """Bounds that keep one submission cheap to read, whatever it holds."""

    max_bytes: int = 2_000_000
    """Size of the whole file."""
    max_depth: int = 20
    """Nesting of mappings and lists; the top-level mapping or list is depth 1."""
    max_string: int = 20_000
    """Characters in any one string, keys included."""
    max_items: int = 100_000
    """Values in the whole document (containers and scalars; keys not counted)."""


class Unreadable(SourceError):
    """The file cannot be read as a document; ``problems`` holds at least one error.

    A :class:`SourceError` so that a caller that does not render the problems
    still gets a one-line message and the project's exit code.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("Unreadable needs at least one problem")
        self.problems: list[Problem] = list(problems)
        first = self.problems[0]
        more = len(self.problems) - 1
        message = f"{safe_text(first.where)}: expected {first.expected}; found {first.found}. {first.fix}" + (
            f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        )
        super().__init__(message)

    def __reduce__(self) -> tuple[type[Unreadable], tuple[list[Problem]]]:
        # Rebuilt from the problems, not the message (for pickling: worker processes, task results).
        return type(self), (self.problems,)


FILE_LEVEL: Final[tuple[PathPart, ...]] = ()


_SHOWN_KEY: Final = 60
"""Characters of a key kept in a problem's record/field (a 20,000-character key is not a location)."""


_CONTROLS: Final = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
"""Characters refused in text: C0/C1 controls (not tab, LF, CR), line/paragraph separators and the
bidirectional overrides/isolates that make text display differently from what it holds (the same set
problems.show() escapes)."""


_SURROGATES: Final = r"\ud800-\udfff"
"""Lone surrogates (from JSON ``\\ud800`` escapes): not text, and they cannot be written as UTF-8."""


CONTROL_RE: Final = re.compile(f"[{_CONTROLS}]")


SURROGATE_RE: Final = re.compile(f"[{_SURROGATES}]")


BAD_TEXT_RE: Final = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
"""Both, for one fast search per string."""


_CHAR_NAMES: Final = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}
"""Names for controls that unicodedata leaves nameless."""


class Report:
    """Problems of one file, at most MAX_PROBLEMS of them plus a count of the rest."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._problems: list[Problem] = []
        self._more = 0

    def __bool__(self) -> bool:
        return bool(self._problems)

    def add(self, parts: Sequence[PathPart], *, code: str, expected: str, found: str, fix: str) -> None:
        if len(self._problems) >= MAX_PROBLEMS:
            self._more += 1
            return
        self._problems.append(
            located(self.name, _shown_path(parts), expected=expected, found=found, fix=fix, code=code)
        )

    def replace(self, problems: Sequence[Problem]) -> None:
        """Forget what was found so far: a syntax-level failure is the one thing to fix first."""
        self._problems, self._more = list(problems[:MAX_PROBLEMS]), max(len(problems) - MAX_PROBLEMS, 0)

    def problems(self) -> list[Problem]:
        if not self._more:
            return list(self._problems)
        more = located(
            self.name,
            FILE_LEVEL,
            expected=f"at most {MAX_PROBLEMS} problems listed per file",
            found=f"{self._more:,} more problem{'s' if self._more > 1 else ''} not listed",
            fix="fix the problems above and validate the file again to see the rest",
            code="file.more_problems",
        )
        return [*self._problems, more]


def _shown_path(parts: Sequence[PathPart]) -> list[PathPart]:
    """The path as it may appear in a report: long keys cut, controls and surrogates replaced.

    The problem about a bad key shows the key itself (escaped) in ``found``; the
    location only has to be recognisable, and must never carry raw controls.
    """
    shown: list[PathPart] = []
    for part in parts:
        if isinstance(part, str):
            part = BAD_TEXT_RE.sub("\ufffd", part)
            if len(part) > _SHOWN_KEY:
                part = part[: _SHOWN_KEY - 1] + "…"
        shown.append(part)
    return shown


def one_problem(name: str, *, code: str, expected: str, found: str, fix: str) -> Problem:
    """A whole-file problem (record ``(file)``)."""
    return located(name, FILE_LEVEL, expected=expected, found=found, fix=fix, code=code)


def too_large(name: str, size: int, exact: bool, limits: Limits) -> Problem:
    megabytes = limits.max_bytes / 1_000_000
    return one_problem(
        name,
        code="file.too_large",
        expected=f"a file of at most {limits.max_bytes:,} bytes ({megabytes:g} MB)",
        found=f"{size:,} bytes" if exact else f"at least {size:,} bytes",
        fix=(
            f"split the submission into several files of at most {megabytes:g} MB each "
            "(for example one file per paper or per task), or ask the maintainers to accept a larger file"
        ),
    )


def empty_file(name: str, data: bytes, what: str) -> Problem:
    return one_problem(
        name,
        code="file.empty",
        expected="a JSON object or YAML mapping holding the submission",
        found=f"an empty file ({what})",
        fix="upload the file again with its content; an editor or upload tool may have saved an empty file",
    )


def excerpt(line: str, column: int, width: int = 30) -> str:
    """A short piece of ``line`` around 1-based ``column``, escaped, to show where a syntax error is."""
    start = max(column - 1 - width, 0)
    piece = line[start : column - 1 + width]
    prefix = "…" if start else ""
    suffix = "…" if column - 1 + width < len(line) else ""
    return show(prefix + SURROGATE_RE.sub("\ufffd", piece) + suffix, limit=2 * width + 4)


def char_name(ch: str) -> str:
    """``U+001B (ESCAPE)``."""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        label = "lone surrogate"
    else:
        label = unicodedata.name(ch, "") or _CHAR_NAMES.get(
            code, "control character" if unicodedata.category(ch) == "Cc" else "not a character"
        )
    return f"U+{code:04X} ({label})"


@dataclass(frozen=True)
class BadNumber:
    """Stands in the parsed document for a number the hooks refused, so the walk can name its path."""

    text: str
    code: str


@dataclass(frozen=True)
class Duplicates:
    """The keys an object holds more than once (with their counts), found by the JSON hook."""

    keys: list[tuple[str, int]]
    pairs: list[tuple[str, Any]]
    """All pairs as parsed. Holding them keeps alive the values dict() dropped: were one of them freed,
    a later object could get its id and inherit its duplicate keys."""


def parser_too_deep(name: str) -> Problem:
    return one_problem(
        name,
        code="doc.too_deep",
        expected="mappings and lists nested a few levels deep",
        found="nesting too deep for the parser to follow (thousands of levels)",
        fix="flatten the structure; a submission needs only a few levels (results, then metrics)",
    )
