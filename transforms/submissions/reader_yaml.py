"""Reading a submission, YAML: the document is built from parser events, never expanding an alias,
with only the plain JSON types (no tags, no dates, no binary)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

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

from transforms.submissions.problems import PathPart, Problem, safe_text, show
from transforms.submissions.reader_problems import (
    FILE_LEVEL,
    MAX_PROBLEMS,
    Limits,
    Report,
    char_name,
    excerpt,
    one_problem,
    parser_too_deep,
)


class _PySafeLoader(yaml.SafeLoader):
    """The pure-Python safe loader, used for its parser, resolver and scalar constructors only."""


_YamlLoader: type[Any] = _PySafeLoader
"""The loader class in use: libyaml's when PyYAML was built with it (ten times faster to parse)."""


if getattr(yaml, "__with_libyaml__", False):

    class _CSafeLoader(yaml.CSafeLoader):
        """The libyaml safe loader, used for its parser, resolver and scalar constructors only."""

    _YamlLoader = _CSafeLoader


TAG: Final = "tag:yaml.org,2002:"
_STR, _MERGE, _VALUE = TAG + "str", TAG + "merge", TAG + "value"
_FLOAT, _INT, _TIMESTAMP = TAG + "float", TAG + "int", TAG + "timestamp"


_MAP_TAGS: Final = (None, "!", TAG + "map")


_SEQ_TAGS: Final = (None, "!", TAG + "seq")


_SCALARS: Final[dict[str, Callable[[Any, ScalarNode], Any]]] = {
    TAG + "null": SafeConstructor.construct_yaml_null,
    TAG + "bool": SafeConstructor.construct_yaml_bool,
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


NOTHING: Final = object()
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


class YamlBuilder:
    """Builds the document straight from parser events, never composing a node graph.

    Working on events means an alias is refused where it appears, before anything
    is expanded (a "billion laughs" file costs its own size, nothing more), the
    nesting and the number of values are counted as they come (so a file of
    100,000 ``[`` stops at depth 21 without the parser scanning the rest), there is
    no recursion, and every problem knows its path and line.
    """

    def __init__(self, report: Report, text: str, limits: Limits) -> None:
        self.report = report
        self.text = text
        self.limits = limits
        self.stack: list[_Frame] = []
        self.root: Any = NOTHING
        self.documents = 0
        self.values = 0
        self.loader: Any = None

    def build(self) -> tuple[Any, bool]:
        """The document (or NOTHING) and whether it was read to its end."""
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
            self._replace_with(parser_too_deep(self.report.name))
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
                    FILE_LEVEL,
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
            return FILE_LEVEL
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
                FILE_LEVEL,
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
            if key is not None or tag == TAG + "null":
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
        shown = "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag
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
            shown = "!!" + tag[len(TAG) :]
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
            found = f"{problem} at line {line}, column {column}: {excerpt(text_line, column)}"
            if context and context_mark is not None:
                found += f" ({context} from line {context_mark.line + 1})"
            where = f"at line {line}, column {column}"
            indent = text_line[: len(text_line) - len(text_line.lstrip(" \t"))]
        else:
            where, indent = "where the parser stopped", ""
        tabs = "; YAML indentation must use spaces, not tabs" if "\t" in indent else ""
        self._replace_with(
            one_problem(
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
        report = Report(self.report.name)
        line, line_start, scanned = 1, 0, 0
        for seen, match in enumerate(_YAML_UNREADABLE.finditer(self.text)):
            for brk in _YAML_LINE_BREAK.finditer(self.text, scanned, match.start()):
                line, line_start = line + 1, brk.end()
            scanned = match.start()
            report.add(
                FILE_LEVEL,
                code="text.control_character",
                expected="text without control characters (tab and line breaks are fine)",
                found=f"{char_name(match.group())} at line {line}, column {match.start() - line_start + 1}",
                fix="remove the character; it is often pasted in invisibly from a PDF or a terminal",
            )
            if seen >= MAX_PROBLEMS:  # enough to show the pattern; the rest are counted, not listed
                break
        if not report:  # the parser saw a character this pattern does not: say what it said
            report.add(
                FILE_LEVEL,
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
