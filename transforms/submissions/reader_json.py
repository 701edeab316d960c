"""Reading a submission, JSON: strict parsing that refuses what JSON readers silently fix
(duplicate keys, NaN, numbers that overflow), with the position of every problem."""

from __future__ import annotations

import json
import math
from typing import Any, Final

from transforms.submissions.reader_problems import (
    BadNumber,
    Duplicates,
    Unreadable,
    excerpt,
    one_problem,
    parser_too_deep,
)

_JSON_HINTS: Final = {
    "Expecting property name enclosed in double quotes": (
        "keys need double quotes, and a comma before } is not allowed"
    ),
    "Expecting ',' delimiter": "a comma is missing between two items",
    "Expecting ':' delimiter": "a colon is missing between a key and its value",
    "Expecting value": (
        "a value is missing or is not JSON (single quotes, a comma before ] or }, bare words, "
        "NaN and comments are not JSON)"
    ),
    "Extra data": "the file goes on after the first JSON value ends; put everything in one object",
    "Unterminated string starting at": "a string is not closed with a double quote",
    "Invalid \\escape": "a backslash in a string must be doubled (\\\\) or start a valid escape",
    "Invalid \\uXXXX escape": "a \\u escape needs exactly four hex digits",
}


def parse_json(name: str, text: str, sniffed: bool) -> tuple[Any, dict[int, Duplicates]]:
    """``json.loads`` with hooks that mark what must be refused; the walk reports it with its path.

    Returns the document and the duplicate keys of each object (keyed by ``id()``:
    every object the hook made is kept alive by the document, so ids stay unique).
    """
    duplicates: dict[int, Duplicates] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            counts: dict[str, int] = {}
            for key, _ in pairs:
                counts[key] = counts.get(key, 0) + 1
            duplicates[id(obj)] = Duplicates([(key, n) for key, n in counts.items() if n > 1], pairs)
        return obj

    try:
        document = json.loads(
            text,
            object_pairs_hook=pairs_hook,
            parse_constant=_json_constant,
            parse_float=_json_float,
            parse_int=_json_int,
            # Raw control characters in strings are let through here so that the walk can name the
            # string that holds them (and all such strings), instead of stopping at the first one.
            strict=False,
        )
    except RecursionError:
        raise Unreadable([parser_too_deep(name)]) from None
    except json.JSONDecodeError as exc:
        line_start = text.rfind("\n", 0, exc.pos) + 1
        line_end = text.find("\n", exc.pos)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        hint = next((h for m, h in _JSON_HINTS.items() if exc.msg.startswith(m)), "")
        fix = f"correct the JSON at line {exc.lineno}, column {exc.colno}" + (f": {hint}" if hint else "")
        if sniffed:
            fix += "; if the file is YAML, give it a .yaml name"
        raise Unreadable(
            [
                one_problem(
                    name,
                    code="json.syntax",
                    expected="valid JSON",
                    found=f"{exc.msg} at line {exc.lineno}, column {exc.colno}: {excerpt(line, exc.colno)}",
                    fix=fix,
                )
            ]
        ) from None
    return document, duplicates


def _json_constant(text: str) -> BadNumber:
    return BadNumber(text, "json.not_finite")


def _json_float(text: str) -> float | BadNumber:
    value = float(text)
    return value if math.isfinite(value) else BadNumber(text, "number.too_large")


def _json_int(text: str) -> int | BadNumber:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return BadNumber(text, "number.too_large")
