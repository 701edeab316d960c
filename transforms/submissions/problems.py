"""What the submission validator says about a file: a list of problems.

Every problem names the file (as received: a name is data, never a path that is
opened), the record (``results[3]``, ``paper``, ``(file)``), the field inside it
(``metrics["Top-1 Accuracy"]``), what was expected, what was found and how to
fix it. ``error`` problems refuse the file; ``warning`` problems do not.

Plain data without I/O: the reader, the format converters, the GE suite and the
intake all produce these, and the CLI, JSON and Markdown reports render them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]

PathPart = str | int
"""One step into a document: a mapping key or a list index."""

FOUND_LIMIT = 120
"""Characters of a found value shown in a problem (the rest is elided with …)."""

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in one submitted file."""

    file: str
    """The file name as received (shown escaped; never used as a path)."""
    record: str
    """Which record: ``results[3]``, ``paper``, ``code[0]``, ``models[2]``, or ``(file)`` for the whole file."""
    field: str
    """Which field of the record (``metrics["Top-1"]``, ``date``); ``""`` for the record itself."""
    expected: str
    found: str
    fix: str
    severity: Severity = "error"
    code: str = ""
    """A stable machine-readable rule name, e.g. ``json.duplicate_key``, ``value.bounds``."""

    @property
    def where(self) -> str:
        """``file: record.field`` for one-line messages."""
        place = self.record + (("." if self.field and not self.field.startswith("[") else "") + self.field)
        return f"{self.file}: {place}" if place else self.file

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)


def located(
    file: str,
    parts: Sequence[PathPart],
    *,
    expected: str,
    found: str,
    fix: str,
    severity: Severity = "error",
    code: str = "",
) -> Problem:
    """A problem at a path into the document (see :func:`split_path`)."""
    record, field = split_path(parts)
    return Problem(file, record, field, expected, found, fix, severity, code)


def split_path(parts: Sequence[PathPart]) -> tuple[str, str]:
    """Split a document path into (record, field).

    The record is the first key, with its index when it holds a list
    (``["results", 3, "metrics", "Top-1"]`` -> ``("results[3]", 'metrics["Top-1"]')``);
    a path into a top-level list starts with the index (``[2, "model_name"]`` ->
    ``("[2]", "model_name")``); the empty path is the whole file: ``("(file)", "")``.
    """
    if not parts:
        return "(file)", ""
    first, rest = parts[0], list(parts[1:])
    if isinstance(first, int):
        record = f"[{first}]"
    else:
        record = _key(first)
        if rest and isinstance(rest[0], int):
            record += f"[{rest.pop(0)}]"
    return record, format_path(rest)


def format_path(parts: Sequence[PathPart]) -> str:
    """``["metrics", "Top-1", 0]`` -> ``metrics["Top-1"][0]``; plain identifiers join with dots."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += ("." if out else "") + part
        else:
            out += _key(part)
    return out


def _key(key: str) -> str:
    return key if _IDENT.match(key) else "[" + json.dumps(key, ensure_ascii=False) + "]"


def show(value: Any, limit: int = FOUND_LIMIT) -> str:
    """A found value as safe one-line text: JSON-quoted strings, controls escaped, long text elided.

    Submitted text is data: it is never printed raw (a name may hold terminal
    escape codes or a newline that forges another report line).
    """
    if isinstance(value, str):
        text = value if len(value) <= limit else value[: limit - 1] + "…"
        shown = json.dumps(text, ensure_ascii=False)
        if len(value) > limit:
            shown += f" ({len(value):,} characters)"
    else:
        try:
            shown = json.dumps(value, ensure_ascii=False, allow_nan=True, default=str)
        except (TypeError, ValueError):
            shown = repr(value)
        if len(shown) > limit:
            shown = shown[: limit - 1] + "…"
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)


def safe_text(text: str) -> str:
    """Text from a submission made safe for a terminal or a one-line log: controls escaped."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def has_errors(problems: Sequence[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)
