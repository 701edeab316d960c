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

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

from transforms.errors import SourceError
from transforms.submissions.problems import PathPart, Problem, located, safe_text, show

Syntax = Literal["json", "yaml"]

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


def read_document(
    name: str, data: bytes, limits: Limits = Limits(), size: int | None = None
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
    real = max(len(data), size or 0)
    if real > limits.max_bytes:
        raise Unreadable([_too_large(name, real, exact=size is not None, limits=limits)])
    text = _decode(name, data)
    if not text.strip(_WHITESPACE):
        raise Unreadable([_empty(name, data, "only whitespace" if data else "0 bytes")])
    syntax, sniffed = _syntax_of(name, text)
    report = _Report(name)
    if syntax == "json":
        document, duplicates = _parse_json(name, text, sniffed)
    else:
        document, complete = _YamlBuilder(report, text, limits).build()
        if not complete:
            raise Unreadable(report.problems())
        if document is _NOTHING:
            raise Unreadable([_empty(name, data, "only comments and whitespace")])
        duplicates = {}
    _check_document(report, document, limits, duplicates)
    if report:
        raise Unreadable(report.problems())
    return syntax, document


# --- problems -------------------------------------------------------------------------------------------

_WHITESPACE: Final = " \t\r\n"
_BOM: Final = b"\xef\xbb\xbf"
_FILE: Final[tuple[PathPart, ...]] = ()
_SHOWN_KEY: Final = 60
"""Characters of a key kept in a problem's record/field (a 20,000-character key is not a location)."""

_CONTROLS: Final = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
"""Characters refused in text: C0/C1 controls (not tab, LF, CR), line/paragraph separators and the
bidirectional overrides/isolates that make text display differently from what it holds (the same set
problems.show() escapes)."""
_SURROGATES: Final = r"\ud800-\udfff"
"""Lone surrogates (from JSON ``\\ud800`` escapes): not text, and they cannot be written as UTF-8."""
_CONTROL_RE: Final = re.compile(f"[{_CONTROLS}]")
_SURROGATE_RE: Final = re.compile(f"[{_SURROGATES}]")
_BAD_TEXT_RE: Final = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
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


class _Report:
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
            _FILE,
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
            part = _BAD_TEXT_RE.sub("\ufffd", part)
            if len(part) > _SHOWN_KEY:
                part = part[: _SHOWN_KEY - 1] + "…"
        shown.append(part)
    return shown


def _one(name: str, *, code: str, expected: str, found: str, fix: str) -> Problem:
    """A whole-file problem (record ``(file)``)."""
    return located(name, _FILE, expected=expected, found=found, fix=fix, code=code)


def _too_large(name: str, size: int, exact: bool, limits: Limits) -> Problem:
    megabytes = limits.max_bytes / 1_000_000
    return _one(
        name,
        code="file.too_large",
        expected=f"a file of at most {limits.max_bytes:,} bytes ({megabytes:g} MB)",
        found=f"{size:,} bytes" if exact else f"at least {size:,} bytes",
        fix=(
            f"split the submission into several files of at most {megabytes:g} MB each "
            "(for example one file per paper or per task), or ask the maintainers to accept a larger file"
        ),
    )


def _empty(name: str, data: bytes, what: str) -> Problem:
    return _one(
        name,
        code="file.empty",
        expected="a JSON object or YAML mapping holding the submission",
        found=f"an empty file ({what})",
        fix="upload the file again with its content; an editor or upload tool may have saved an empty file",
    )


def _excerpt(line: str, column: int, width: int = 30) -> str:
    """A short piece of ``line`` around 1-based ``column``, escaped, to show where a syntax error is."""
    start = max(column - 1 - width, 0)
    piece = line[start : column - 1 + width]
    prefix = "…" if start else ""
    suffix = "…" if column - 1 + width < len(line) else ""
    return show(prefix + _SURROGATE_RE.sub("\ufffd", piece) + suffix, limit=2 * width + 4)


def _char(ch: str) -> str:
    """``U+001B (ESCAPE)``."""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        label = "lone surrogate"
    else:
        label = unicodedata.name(ch, "") or _CHAR_NAMES.get(
            code, "control character" if unicodedata.category(ch) == "Cc" else "not a character"
        )
    return f"U+{code:04X} ({label})"


# --- bytes to text --------------------------------------------------------------------------------------


def _decode(name: str, data: bytes) -> str:
    """Strict UTF-8, a leading byte-order mark dropped; anything else is refused with its position."""
    fix = "save the file as UTF-8 (in most editors: Save As, then Encoding: UTF-8) and submit it again"
    for mark, encoding in ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16")):
        if data.startswith(mark):
            raise Unreadable(
                [
                    _one(
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
                _one(
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
                _one(
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


# --- JSON -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BadNumber:
    """Stands in the parsed document for a number the hooks refused, so the walk can name its path."""

    text: str
    code: str


@dataclass(frozen=True)
class _Duplicates:
    """The keys an object holds more than once (with their counts), found by the JSON hook."""

    keys: list[tuple[str, int]]
    pairs: list[tuple[str, Any]]
    """All pairs as parsed. Holding them keeps alive the values dict() dropped: were one of them freed,
    a later object could get its id and inherit its duplicate keys."""


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


def _parse_json(name: str, text: str, sniffed: bool) -> tuple[Any, dict[int, _Duplicates]]:
    """``json.loads`` with hooks that mark what must be refused; the walk reports it with its path.

    Returns the document and the duplicate keys of each object (keyed by ``id()``:
    every object the hook made is kept alive by the document, so ids stay unique).
    """
    duplicates: dict[int, _Duplicates] = {}

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            counts: dict[str, int] = {}
            for key, _ in pairs:
                counts[key] = counts.get(key, 0) + 1
            duplicates[id(obj)] = _Duplicates([(key, n) for key, n in counts.items() if n > 1], pairs)
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
        raise Unreadable([_parser_too_deep(name)]) from None
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
                _one(
                    name,
                    code="json.syntax",
                    expected="valid JSON",
                    found=f"{exc.msg} at line {exc.lineno}, column {exc.colno}: {_excerpt(line, exc.colno)}",
                    fix=fix,
                )
            ]
        ) from None
    return document, duplicates


def _json_constant(text: str) -> _BadNumber:
    return _BadNumber(text, "json.not_finite")


def _json_float(text: str) -> float | _BadNumber:
    value = float(text)
    return value if math.isfinite(value) else _BadNumber(text, "number.too_large")


def _json_int(text: str) -> int | _BadNumber:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
        return _BadNumber(text, "number.too_large")


def _parser_too_deep(name: str) -> Problem:
    return _one(
        name,
        code="doc.too_deep",
        expected="mappings and lists nested a few levels deep",
        found="nesting too deep for the parser to follow (thousands of levels)",
        fix="flatten the structure; a submission needs only a few levels (results, then metrics)",
    )


# --- YAML -----------------------------------------------------------------------------------------------


class _PySafeLoader(yaml.SafeLoader):
    """The pure-Python safe loader, used for its parser, resolver and scalar constructors only."""


_YamlLoader: type[Any] = _PySafeLoader
"""The loader class in use: libyaml's when PyYAML was built with it (ten times faster to parse)."""

if getattr(yaml, "__with_libyaml__", False):

    class _CSafeLoader(yaml.CSafeLoader):
        """The libyaml safe loader, used for its parser, resolver and scalar constructors only."""

    _YamlLoader = _CSafeLoader


_TAG: Final = "tag:yaml.org,2002:"
_STR, _MERGE, _VALUE = _TAG + "str", _TAG + "merge", _TAG + "value"
_FLOAT, _INT, _TIMESTAMP = _TAG + "float", _TAG + "int", _TAG + "timestamp"
_MAP_TAGS: Final = (None, "!", _TAG + "map")
_SEQ_TAGS: Final = (None, "!", _TAG + "seq")
_SCALARS: Final[dict[str, Callable[[Any, ScalarNode], Any]]] = {
    _TAG + "null": SafeConstructor.construct_yaml_null,
    _TAG + "bool": SafeConstructor.construct_yaml_bool,
    _INT: SafeConstructor.construct_yaml_int,
    _FLOAT: SafeConstructor.construct_yaml_float,
    _TIMESTAMP: SafeConstructor.construct_yaml_timestamp,
}
"""Scalar types that have a JSON equivalent (timestamps become ISO text); str is taken as is."""

_YAML_UNREADABLE: Final = re.compile(
    r"[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
"""Characters YAML refuses anywhere in a file (its "printable" set, inverted)."""
_YAML_LINE_BREAK: Final = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
_DIGITS: Final = re.compile(r"[-+]?[0-9_]+")


class _Stop(Exception):
    """The YAML builder cannot go on (too deep, too many values, a second document)."""


_NOTHING: Final = object()
"""The document of a YAML stream that holds none (only comments)."""


@dataclass(slots=True)
class _Frame:
    """An open YAML mapping or list, with what is needed to place its next node."""

    container: dict[str, Any] | list[Any]
    path: tuple[PathPart, ...]
    want_key: bool = True
    key: str | None = None
    """The key waiting for its value; None when the key was refused (the value is then dropped)."""
    key_lines: dict[str, int] = field(default_factory=dict)


class _YamlBuilder:
    """Builds the document straight from parser events, never composing a node graph.

    Working on events means an alias is refused where it appears, before anything
    is expanded (a "billion laughs" file costs its own size, nothing more), the
    nesting and the number of values are counted as they come (so a file of
    100,000 ``[`` stops at depth 21 without the parser scanning the rest), there is
    no recursion, and every problem knows its path and line.
    """

    def __init__(self, report: _Report, text: str, limits: Limits) -> None:
        self.report = report
        self.text = text
        self.limits = limits
        self.stack: list[_Frame] = []
        self.root: Any = _NOTHING
        self.documents = 0
        self.values = 0
        self.loader: Any = None

    def build(self) -> tuple[Any, bool]:
        """The document (or _NOTHING) and whether it was read to its end."""
        try:
            # Inside the try: the pure-Python reader already refuses control characters here.
            self.loader = loader = _YamlLoader(self.text)
            while loader.check_event():
                self._event(loader.get_event())
        except _Stop:
            return self.root, False
        except yaml.reader.ReaderError:
            self._unreadable_characters()
            return self.root, False
        except yaml.MarkedYAMLError as exc:
            self._syntax(exc.problem or str(exc), exc.problem_mark, exc.context, exc.context_mark)
            return self.root, False
        except yaml.YAMLError as exc:
            self._syntax(str(exc), None, None, None)
            return self.root, False
        except RecursionError:
            self._replace_with(_parser_too_deep(self.report.name))
            return self.root, False
        finally:
            if self.loader is not None:
                self.loader.dispose()
        return self.root, True

    def _event(self, event: Event) -> None:
        if isinstance(event, ScalarEvent):
            self._scalar(event)
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            self._start(event)
        elif isinstance(event, CollectionEndEvent):
            self.stack.pop()
        elif isinstance(event, AliasEvent):
            self._alias(event)
        elif isinstance(event, DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.report.add(
                    _FILE,
                    code="yaml.multiple_documents",
                    expected="one YAML document per file",
                    found=f"a second document starting at line {_line(event)}",
                    fix="remove the extra --- separator, or put each document in its own file",
                )
                raise _Stop

    # Where the next node goes -------------------------------------------------------------------

    def _is_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1].container, dict) and self.stack[-1].want_key

    def _path(self) -> tuple[PathPart, ...]:
        """Path of the node that starts now (a key's path is its mapping's)."""
        if not self.stack:
            return _FILE
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            return (*frame.path, len(frame.container))
        if frame.want_key or frame.key is None:
            return frame.path
        return (*frame.path, frame.key)

    def _put(self, value: Any) -> None:
        """Place a value (not a key) and count it."""
        self.values += 1
        if self.values > self.limits.max_items:
            self.report.add(
                _FILE,
                code="doc.too_many_values",
                expected=f"at most {self.limits.max_items:,} values in one file",
                found=f"more than {self.limits.max_items:,} values",
                fix="split the submission into several files",
            )
            raise _Stop
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            frame.container.append(value)
        else:
            if frame.key is not None:
                frame.container[frame.key] = value
            frame.want_key, frame.key = True, None

    def _refuse_key(self) -> None:
        """The key just read is refused: its value will be read and dropped."""
        frame = self.stack[-1]
        frame.want_key, frame.key = False, None

    # Nodes ------------------------------------------------------------------------------------------

    def _scalar(self, event: ScalarEvent) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
        if self._is_key():
            self._key(event, tag)
        else:
            self._put(self._scalar_value(event, tag))

    def _key(self, event: ScalarEvent, tag: str) -> None:
        frame = self.stack[-1]
        line = _line(event)
        if tag == _MERGE and event.tag is None:
            self.report.add(
                frame.path,
                code="yaml.merge_key",
                expected="plain keys",
                found=f"a merge key << at line {line}",
                fix="merge keys are not accepted; write the keys out in this mapping",
            )
            return self._refuse_key()
        key = self._scalar_value(event, tag)
        if not isinstance(key, str):
            if key is not None or tag == _TAG + "null":
                self.report.add(
                    frame.path,
                    code="yaml.key_type",
                    expected="text keys",
                    found=(
                        f"the key {show(event.value)} at line {line}, "
                        f"which YAML reads as {_yaml_reading(key)}"
                    ),
                    fix=f"quote the key: {show(event.value)}: ...",
                )
            return self._refuse_key()
        if key in frame.container:
            self.report.add(
                frame.path,
                code="yaml.duplicate_key",
                expected="each key once in a mapping",
                found=f"the key {show(key)} at line {line} (first at line {frame.key_lines[key]})",
                fix="keep one of them; YAML readers silently keep only the last value",
            )
            return self._refuse_key()
        frame.key_lines[key] = line
        frame.want_key, frame.key = False, key

    def _scalar_value(self, event: ScalarEvent, tag: str) -> Any:
        """The JSON value of a scalar, or None after reporting why it has none."""
        if tag == _STR or (event.tag is None and tag in (_MERGE, _VALUE)):
            # An unquoted "<<" or "=" that is not a key is plain text; the safe loader would choke on it.
            return event.value
        constructor = _SCALARS.get(tag)
        if constructor is None:
            self._tag(event, tag)
            return None
        node = ScalarNode(tag, event.value, style=event.style)  # marks only serve messages we write ourselves
        try:
            value = constructor(self.loader, node)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, yaml.YAMLError):
            self._bad_scalar(event, tag)
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self._not_finite(event)
            return None
        if isinstance(value, date):  # and datetime, its subclass
            return value.isoformat()
        return value

    def _start(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        is_map = isinstance(event, MappingStartEvent)
        path = self._path()
        if len(self.stack) + 1 > self.limits.max_depth:
            self.report.add(
                path,
                code="doc.too_deep",
                expected=f"at most {self.limits.max_depth} levels of nested mappings and lists",
                found=f"a {'mapping' if is_map else 'list'} at level {len(self.stack) + 1} (line {_line(event)})",
                fix="flatten the structure; a submission needs only a few levels (results, then metrics)",
            )
            raise _Stop
        if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
            self._tag(event, event.tag or "")
        container: dict[str, Any] | list[Any] = {} if is_map else []
        if self._is_key():
            self.report.add(
                path,
                code="yaml.key_type",
                expected="text keys",
                found=f"a {'mapping' if is_map else 'list'} used as a key at line {_line(event)}",
                fix='use a plain text key (quote it if needed: "key": ...)',
            )
            self._refuse_key()
        else:
            self._put(container)
        # A refused key's mapping or list is still read (to find its end), then dropped.
        self.stack.append(_Frame(container, path))

    def _alias(self, event: AliasEvent) -> None:
        self.report.add(
            self._path(),
            code="yaml.alias",
            expected="values written out in full",
            found=f"the alias *{safe_text(event.anchor or '')} at line {_line(event)}",
            fix="aliases are not accepted; write the value out (copy it where the alias is)",
        )
        if self._is_key():
            self._refuse_key()
        else:
            self._put(None)

    # Problems -----------------------------------------------------------------------------------------

    def _tag(self, event: NodeEvent, tag: str) -> None:
        shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
        if shown.startswith("!!python/"):
            why = "Python-specific tags are not accepted (submissions are data, not objects)"
        elif shown == "!!binary":
            why = "binary data is not accepted; link files from the submission instead"
        elif shown in ("!!set", "!!omap", "!!pairs"):
            why = f"{shown} is not accepted; write a plain list or mapping"
        else:
            why = "YAML tags are not accepted; remove the tag"
        self.report.add(
            self._path(),
            code="yaml.tag",
            expected="plain YAML values (text, numbers, true/false, null, lists, mappings)",
            found=f"the tag {show(shown)} at line {_line(event)}",
            fix=why,
        )

    def _bad_scalar(self, event: ScalarEvent, tag: str) -> None:
        path, line = self._path(), _line(event)
        if tag == _INT and _DIGITS.fullmatch(event.value):  # valid digits: too many of them for int()
            self._too_large(event)
        elif tag == _TIMESTAMP and event.tag is None:
            self.report.add(
                path,
                code="yaml.date",
                expected="a real calendar date (YYYY-MM-DD)",
                found=f"{show(event.value)} at line {line}",
                fix="correct the date, or quote it if it is not meant as a date",
            )
        else:
            shown = "!!" + tag[len(_TAG) :]
            self.report.add(
                path,
                code="yaml.tag",
                expected=f"a value that fits its tag {shown}",
                found=f"{show(event.value)} at line {line}",
                fix="remove the tag, or correct the value",
            )

    def _not_finite(self, event: ScalarEvent) -> None:
        if re.search(r"nan|inf", event.value, re.IGNORECASE):
            self.report.add(
                self._path(),
                code="yaml.not_finite",
                expected="a finite number",
                found=f"{show(event.value)} at line {_line(event)}",
                fix="leave the value out, or use null if the result is missing; NaN and infinity are not accepted",
            )
        else:
            self._too_large(event)

    def _too_large(self, event: ScalarEvent) -> None:
        self.report.add(
            self._path(),
            code="number.too_large",
            expected="a number that fits a 64-bit float (at most about 1.8e308)",
            found=f"{show(event.value)} at line {_line(event)}",
            fix="check the value; quote it if it is meant as text",
        )

    def _syntax(self, problem: str, mark: Any, context: str | None, context_mark: Any) -> None:
        found = problem
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
            lines = _YAML_LINE_BREAK.split(self.text)
            text_line = lines[mark.line] if mark.line < len(lines) else ""
            found = f"{problem} at line {line}, column {column}: {_excerpt(text_line, column)}"
            if context and context_mark is not None:
                found += f" ({context} from line {context_mark.line + 1})"
            where = f"at line {line}, column {column}"
            indent = text_line[: len(text_line) - len(text_line.lstrip(" \t"))]
        else:
            where, indent = "where the parser stopped", ""
        tabs = "; YAML indentation must use spaces, not tabs" if "\t" in indent else ""
        self._replace_with(
            _one(
                self.report.name,
                code="yaml.syntax",
                expected="valid YAML",
                found=safe_text(found),
                fix=(
                    f"correct the YAML {where}; check the indentation, a missing colon, or text that needs "
                    "quotes (it contains ': ' or ' #' or starts with a special character)" + tabs
                ),
            )
        )

    def _unreadable_characters(self) -> None:
        """YAML refuses some characters anywhere in a file; name each one with its line and column."""
        report = _Report(self.report.name)
        line, line_start, scanned = 1, 0, 0
        for seen, match in enumerate(_YAML_UNREADABLE.finditer(self.text)):
            for brk in _YAML_LINE_BREAK.finditer(self.text, scanned, match.start()):
                line, line_start = line + 1, brk.end()
            scanned = match.start()
            report.add(
                _FILE,
                code="text.control_character",
                expected="text without control characters (tab and line breaks are fine)",
                found=f"{_char(match.group())} at line {line}, column {match.start() - line_start + 1}",
                fix="remove the character; it is often pasted in invisibly from a PDF or a terminal",
            )
            if seen >= MAX_PROBLEMS:  # enough to show the pattern; the rest are counted, not listed
                break
        if not report:  # the parser saw a character this pattern does not: say what it said
            report.add(
                _FILE,
                code="yaml.syntax",
                expected="valid YAML",
                found="a character YAML does not accept",
                fix="remove control characters from the file",
            )
        self.report.replace(report.problems())

    def _replace_with(self, problem: Problem) -> None:
        self.report.replace([problem])


def _line(event: Event) -> int:
    return int(event.start_mark.line) + 1 if event.start_mark is not None else 0


def _yaml_reading(value: Any) -> str:
    """What an unquoted key turned into: ``null``, ``the boolean true``, ``the number 1.5``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {show(value)}"
    if isinstance(value, (int, float)):
        return f"the number {show(value)}"
    return f"a value of type {type(value).__name__}"


# --- the walk -------------------------------------------------------------------------------------------

_PLAIN: Final = frozenset({int, bool, type(None)})


def _check_document(
    report: _Report, document: Any, limits: Limits, duplicates: dict[int, _Duplicates]
) -> None:
    """One iterative pass: top-level type, depth, number of values, text, and the parser's marks."""
    if not isinstance(document, (dict, list)):
        report.add(
            _FILE,
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
                    _FILE,
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
                if len(value) > limits.max_string or _BAD_TEXT_RE.search(value):
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
            elif kind is _BadNumber:
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
    report: _Report,
    node: dict[Any, Any],
    path: tuple[PathPart, ...],
    limits: Limits,
    duplicates: dict[int, _Duplicates],
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
        elif len(key) > limits.max_string or _BAD_TEXT_RE.search(key):
            _check_text(report, path, key, limits, is_key=True)


def _check_text(
    report: _Report, path: tuple[PathPart, ...], text: str, limits: Limits, *, is_key: bool
) -> None:
    """Report a string (or key) that is too long, holds controls or lone surrogates."""
    # A bad key is reported at the mapping that holds it; the key itself is in `found`.
    what = "the key " if is_key else ""
    printable = _SURROGATE_RE.sub("\ufffd", text)
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
            _CONTROL_RE,
            "text.control_character",
            "text without control or bidirectional-override characters (tab and line breaks are fine)",
            "remove the character; it is often pasted in invisibly from a PDF or a terminal",
        ),
        (
            _SURROGATE_RE,
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
            found=f"{what}{show(printable)}: {_char(match.group())} at character {match.start() + 1:,}{more}",
            fix=fix,
        )


def _bad_number(report: _Report, path: tuple[PathPart, ...], number: _BadNumber) -> None:
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
    return show(_SURROGATE_RE.sub("\ufffd", value) if isinstance(value, str) else value)
