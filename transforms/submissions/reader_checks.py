"""Reading a submission, the walk: one pass over the parsed document, without recursion, that
enforces depth, size, key and character rules and names every field it refuses."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Final

from transforms.submissions.problems import PathPart, show
from transforms.submissions.reader_problems import (
    BAD_TEXT_RE,
    CONTROL_RE,
    FILE_LEVEL,
    SURROGATE_RE,
    BadNumber,
    Duplicates,
    Limits,
    Report,
    char_name,
)

_PLAIN: Final = frozenset({int, bool, type(None)})


def check_document(report: Report, document: Any, limits: Limits, duplicates: dict[int, Duplicates]) -> None:
    """One iterative pass: top-level type, depth, number of values, text, and the parser's marks."""
    if not isinstance(document, (dict, list)):
        report.add(
            FILE_LEVEL,
            code="doc.top_level",
            expected='an object (mapping) at the top level, such as {"results": [...]}',
            found=f"{_kind(document)} {_show_value(document)}",
            fix="put the submission's fields in one object (see the submission format documentation)",
        )
        return
    values = 0
    # A stack of iterators rather than recursion: a deep document cannot exhaust the interpreter's stack,
    # and problems still come out in reading order.
    stack: list[tuple[Iterator[tuple[PathPart, Any]], tuple[PathPart, ...], int]] = []
    node: dict[str, Any] | list[Any] | None = document
    path: tuple[PathPart, ...] = ()
    depth = 1
    while True:
        if node is not None:  # entering a mapping or list: count it, check its keys
            values += len(node)
            if values + 1 > limits.max_items:  # + 1: the top-level value itself
                report.add(
                    FILE_LEVEL,
                    code="doc.too_many_values",
                    expected=f"at most {limits.max_items:,} values in one file",
                    found=f"more than {limits.max_items:,} values",
                    fix="split the submission into several files",
                )
                return
            if isinstance(node, dict):
                _check_keys(report, node, path, limits, duplicates)
                stack.append((iter(node.items()), path, depth))
            else:
                stack.append((enumerate(node), path, depth))
            node = None
        if not stack:
            return
        items, path, depth = stack[-1]
        for step, value in items:
            kind = type(value)
            if kind is str:
                if len(value) > limits.max_string or BAD_TEXT_RE.search(value):
                    _check_text(report, (*path, step), value, limits, is_key=False)
            elif kind is dict or kind is list:
                if depth + 1 > limits.max_depth:
                    report.add(
                        (*path, step),
                        code="doc.too_deep",
                        expected=f"at most {limits.max_depth} levels of nested mappings and lists",
                        found=f"{_kind(value)} at level {depth + 1}",
                        fix="flatten the structure; a submission needs only a few levels (results, then metrics)",
                    )
                else:
                    node, path, depth = value, (*path, step), depth + 1
                    break
            elif kind in _PLAIN:
                pass
            elif kind is float:
                if not math.isfinite(value):
                    report.add(
                        (*path, step),
                        code="number.too_large",
                        expected="a finite number",
                        found=show(value),
                        fix="correct the value",
                    )
            elif kind is BadNumber:
                _bad_number(report, (*path, step), value)
            else:  # the parsers above only make the types handled here; a guard, not a feature
                report.add(
                    (*path, step),
                    code="doc.type",
                    expected="text, a number, true/false, null, a list or a mapping",
                    found=f"a value of type {kind.__name__}",
                    fix="write the value as plain text or a number",
                )
        else:
            stack.pop()


def _check_keys(
    report: Report,
    node: dict[Any, Any],
    path: tuple[PathPart, ...],
    limits: Limits,
    duplicates: dict[int, Duplicates],
) -> None:
    """Duplicates the JSON hook saw, and each key's type and text (reported at the mapping)."""
    if duplicates and id(node) in duplicates:
        for key, count in duplicates[id(node)].keys:
            report.add(
                path,
                code="json.duplicate_key",
                expected="each key once in an object",
                found=f"the key {_show_value(key)} {count} times",
                fix="keep one of them; JSON readers silently keep only the last value",
            )
    for key in node:
        if type(key) is not str:
            report.add(
                path,
                code="yaml.key_type",
                expected="text keys",
                found=f"the key {show(key)}",
                fix='quote the key: "key": ...',
            )
        elif len(key) > limits.max_string or BAD_TEXT_RE.search(key):
            _check_text(report, path, key, limits, is_key=True)


def _check_text(
    report: Report, path: tuple[PathPart, ...], text: str, limits: Limits, *, is_key: bool
) -> None:
    """Report a string (or key) that is too long, holds controls or lone surrogates."""
    # A bad key is reported at the mapping that holds it; the key itself is in `found`.
    what = "the key " if is_key else ""
    printable = SURROGATE_RE.sub("\ufffd", text)
    if len(text) > limits.max_string:
        report.add(
            path,
            code="text.too_long",
            expected=f"text of at most {limits.max_string:,} characters",
            found=f"{what}{len(text):,} characters, starting {show(printable[:50] + '…')}",
            fix=(
                "shorten it; long text (abstracts, logs, tables) belongs in the paper or a linked file, "
                "not in the submission"
            ),
        )
    for pattern, code, expected, fix in (
        (
            CONTROL_RE,
            "text.control_character",
            "text without control or bidirectional-override characters (tab and line breaks are fine)",
            "remove the character; it is often pasted in invisibly from a PDF or a terminal",
        ),
        (
            SURROGATE_RE,
            "text.surrogate",
            "text made of whole Unicode characters",
            "remove the \\ud800-\\udfff escape or complete it as a surrogate pair (or write the character itself)",
        ),
    ):
        match = pattern.search(text)
        if match is None:
            continue
        count = len(text) - len(pattern.sub("", text))
        more = f"; {count:,} such characters in this text" if count > 1 else ""
        report.add(
            path,
            code=code,
            expected=expected,
            found=f"{what}{show(printable)}: {char_name(match.group())} at character {match.start() + 1:,}{more}",
            fix=fix,
        )


def _bad_number(report: Report, path: tuple[PathPart, ...], number: BadNumber) -> None:
    if number.code == "json.not_finite":
        report.add(
            path,
            code=number.code,
            expected="a finite number",
            found=number.text,
            fix="leave the value out, or use null if the result is missing; NaN and Infinity are not JSON",
        )
    else:
        digits = sum(c.isdigit() for c in number.text)
        report.add(
            path,
            code=number.code,
            expected="a number that fits a 64-bit float (at most about 1.8e308)",
            found=show(number.text) if len(number.text) <= 40 else f"a number with {digits:,} digits",
            fix="check the value; write it as a string if it is meant as text",
        )


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool) or value is None:
        return "the value"
    if isinstance(value, (int, float)):
        return "the number"
    return "a value"


def _show_value(value: Any) -> str:
    """show(), with lone surrogates replaced: they cannot be written to a UTF-8 report."""
    return show(SURROGATE_RE.sub("\ufffd", value) if isinstance(value, str) else value)
