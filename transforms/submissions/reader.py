"""Read one submitted file (JSON or YAML bytes) into plain JSON-like data, or refuse it precisely.

A submission comes from anyone, so every byte is hostile until proven otherwise:
the reader accepts strict UTF-8 only, parses with hooks that refuse what JSON
readers silently "fix" (duplicate keys, NaN, numbers that overflow), builds YAML
from parser events without ever expanding an alias, and finally walks the
document once, without recursion, to enforce depth, size and character rules.

The result is made only of ``dict`` (text keys), ``list``, ``str``, ``int``,
``float``, ``bool`` and ``None``. Anything else is an :class:`Unreadable` whose
problems name the file, record and field, what was expected, what was found and
how to fix it. The file name is data: it is only copied into ``Problem.file`` and
looked at for its suffix, never opened or joined to a path.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

from transforms.submissions.reader_checks import check_document
from transforms.submissions.reader_json import parse_json
from transforms.submissions.reader_problems import (
    Limits,
    Report,
    Unreadable,
    empty_file,
    one_problem,
    too_large,
)
from transforms.submissions.reader_yaml import NOTHING, YamlBuilder

Syntax = Literal["json", "yaml"]


def read_document(
    name: str, data: bytes, limits: Limits | None = None, size: int | None = None
) -> tuple[Syntax, Any]:
    """Parse one submitted file.

    ``name`` is the file name as received and is only used in problems and to pick
    the syntax (``.json`` -> JSON, ``.yaml``/``.yml`` -> YAML, otherwise JSON when
    the text starts with ``{`` or ``[``). ``data`` may hold one byte more than
    ``limits.max_bytes`` so that an oversized file is recognised without reading it
    all; ``size`` is the file's real size when the caller knows it (it is what a
    refusal reports). Returns ``(syntax, document)`` with a mapping or list at the top, made only
    of dict (text keys), list, str, int, float, bool and None. Raises
    :class:`Unreadable` with every problem found (syntax errors stop at the first).
    """
    limits = limits or Limits()
    real = max(len(data), size or 0)
    if real > limits.max_bytes:
        raise Unreadable([too_large(name, real, exact=size is not None, limits=limits)])
    text = _decode(name, data)
    if not text.strip(_WHITESPACE):
        raise Unreadable([empty_file(name, data, "only whitespace" if data else "0 bytes")])
    syntax, sniffed = _syntax_of(name, text)
    report = Report(name)
    if syntax == "json":
        document, duplicates = parse_json(name, text, sniffed)
    else:
        document, complete = YamlBuilder(report, text, limits).build()
        if not complete:
            raise Unreadable(report.problems())
        if document is NOTHING:
            raise Unreadable([empty_file(name, data, "only comments and whitespace")])
        duplicates = {}
    check_document(report, document, limits, duplicates)
    if report:
        raise Unreadable(report.problems())
    return syntax, document


_WHITESPACE: Final = " \t\r\n"
_BOM: Final = b"\xef\xbb\xbf"


def _decode(name: str, data: bytes) -> str:
    """Strict UTF-8, a leading byte-order mark dropped; anything else is refused with its position."""
    fix = "save the file as UTF-8 (in most editors: Save As, then Encoding: UTF-8) and submit it again"
    for mark, encoding in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(mark):
            raise Unreadable(
                [
                    one_problem(
                        name,
                        code="encoding.not_utf8",
                        expected="UTF-8 text",
                        found=f"{encoding} text (the file starts with the byte-order mark {mark.hex(' ').upper()})",
                        fix=fix,
                    )
                ]
            )
    bom = len(_BOM) if data.startswith(_BOM) else 0
    body = data[bom:]
    if b"\x00" in body[:4]:
        # UTF-8 text never starts with NUL; UTF-16/32 without a byte-order mark does, and would
        # otherwise "decode" into text full of NULs and fail later with a confusing message.
        raise Unreadable(
            [
                one_problem(
                    name,
                    code="encoding.not_utf8",
                    expected="UTF-8 text",
                    found="NUL bytes at the start of the file, as in UTF-16 or UTF-32 text",
                    fix=fix,
                )
            ]
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = body.rfind(b"\n", 0, exc.start) + 1
        line = body.count(b"\n", 0, exc.start) + 1
        # The bytes before the first bad one are valid, so the column can be counted in characters.
        column = len(body[line_start : exc.start].decode("utf-8")) + 1
        bad = body[exc.start : exc.end]
        shown = " ".join(f"0x{byte:02X}" for byte in bad)
        hint = " (Windows-1252 or Latin-1 text looks like this)" if len(bad) == 1 and bad[0] >= 0x80 else ""
        raise Unreadable(
            [
                one_problem(
                    name,
                    code="encoding.not_utf8",
                    expected="UTF-8 text",
                    found=(
                        f"byte{'s' if len(bad) > 1 else ''} {shown} at byte offset {exc.start + bom:,} "
                        f"(line {line}, column {column}), which {'are' if len(bad) > 1 else 'is'} "
                        f"not valid UTF-8{hint}"
                    ),
                    fix=fix,
                )
            ]
        ) from None


def _syntax_of(name: str, text: str) -> tuple[Syntax, bool]:
    """JSON or YAML, and whether that was guessed from the content rather than the name's suffix."""
    suffix = name.lower()
    if suffix.endswith(".json"):
        return "json", False
    if suffix.endswith((".yaml", ".yml")):
        return "yaml", False
    first = _FIRST_CHAR.match(text)
    return ("json" if first and first.group(1) in "{[" else "yaml"), True


_FIRST_CHAR: Final = re.compile(r"[ \t\r\n]*(.)", re.DOTALL)
