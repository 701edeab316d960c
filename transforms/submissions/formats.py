"""Submission formats: recognise a document, check its structure with its JSON Schema, convert it.

Three formats are accepted (``FORMATS``); every one is converted to the
project's own format, version 1 (``schemas/submission-v1.schema.json``), the
*canonical* form that is hashed, stored and checked further:

* ``pwc-submission-v1``: the own format. The canonical form is the document with
  its defaults filled in (``code: []``, ``results: []``,
  ``uses_additional_data: false``) and nothing else changed: metric values stay
  exactly as given (``76.3`` stays a number, ``"76.3%"`` a string), names are not
  rewritten.
* ``model-index``: the YAML of library authors (paperswithcode/model-index),
  keys case-insensitive, with the two consent keys ``license`` and ``submitter``
  added at the top. Each result of each model becomes one result.
* ``evaluation-tables``: PwC's own exchange format, Task trees (``tasks``)
  and/or flat rows naming their task and dataset (``rows``), plus the consent keys.

Converted formats put the paper where the own format would: when every result of
the file has the same paper, it becomes the top-level ``paper`` and the code
links of all results become the top-level ``code`` (in order of first
appearance, without repeats); otherwise each result carries its own ``paper``
and ``code``. A paper taken from a URL alone has no title, and model-index and
``paper_date: null`` rows have no date: the canonical form of a converted file
may lack ``paper.title`` and ``paper.date`` (the own format requires both).
An arXiv id is derived from arxiv.org/abs and /pdf URLs, without its version.
Nothing about the source format is recorded inside the canonical dict, so the
submission id depends on the content only; :attr:`Converted.format` says which
format was recognised.

Structure only: whether values parse, dates are real, results are listed twice
or names are known is for the Great Expectations suite that runs on
:func:`flatten_results` and :func:`papers`.

Every JSON Schema error becomes one :class:`Problem` at its place in the file as
received (``results[3]``, ``metrics["Top-1"]``; model-index keys as the submitter
spelled them) saying what was expected, what was found and how to fix it.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from transforms.submissions.problems import (
    PathPart,
    Problem,
    Severity,
    has_errors,
    located,
    safe_text,
    show,
    split_path,
)

FORMATS: tuple[str, ...] = ("pwc-submission-v1", "model-index", "evaluation-tables")
OWN, MODEL_INDEX, EVALUATION_TABLES = FORMATS
LICENSE = "CC-BY-SA-4.0"
"""The only accepted value of ``license``: the submitter's consent to publish under CC BY-SA 4.0."""

SCHEMA_DIR = Path(__file__).parent / "schemas"
_SCHEMA_FILES = {
    OWN: "submission-v1.schema.json",
    MODEL_INDEX: "model-index.schema.json",
    EVALUATION_TABLES: "evaluation-tables.schema.json",
}

DocPath = list[PathPart]


@dataclass(frozen=True)
class Converted:
    """What :func:`convert` made of one document."""

    format: str | None
    """Which format was recognised (one of ``FORMATS``); None when none was."""
    canonical: dict[str, Any] | None
    """The own format v1 with defaults filled in; None when there are errors."""
    problems: list[Problem]
    """Errors refuse the file; warnings don't."""


@dataclass(frozen=True)
class FlatResult:
    """One metric value of one result, with everything needed to check it alone."""

    record: str
    """``results[3]``"""
    field: str
    """``metrics["Top-1 Accuracy"]``"""
    task: str
    dataset: str
    model: str
    metric: str
    value: Any
    """As given: a number or a string."""
    uses_additional_data: bool
    paper: dict[str, Any] | None
    """The effective paper: the result's own, else the top-level one."""
    paper_record: str
    """``paper`` or ``results[3].paper``: where that paper is in the file."""


# --------------------------------------------------------------------------- public API


def schema_path(format: str) -> Path:
    """The path of the JSON Schema shipped for a format (one of ``FORMATS``)."""
    try:
        return SCHEMA_DIR / _SCHEMA_FILES[format]
    except KeyError:
        raise ValueError(
            f"unknown submission format {format!r}: expected one of {', '.join(FORMATS)}"
        ) from None


def canonical_bytes(canonical: dict[str, Any]) -> bytes:
    """The bytes that are hashed and stored: compact JSON, keys sorted, UTF-8."""
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def submission_id(canonical: dict[str, Any]) -> str:
    """The sha256 (hex) of :func:`canonical_bytes`.

    The same content sent twice (any key order, JSON or YAML, any whitespace)
    has one id.
    """
    return hashlib.sha256(canonical_bytes(canonical)).hexdigest()


def recognise(document: Any) -> str | None:
    """Which format a parsed document is in (one of ``FORMATS``), or None.

    A mapping with ``schema_version``, ``paper`` or ``results`` is the own
    format; one with ``Models``, ``Collections`` or ``Import`` (any case) is
    model-index; one with ``rows``, or with ``tasks`` that are not just a list of
    task names, is evaluation-tables.
    """
    if not isinstance(document, dict):
        return None
    if any(key in document for key in ("schema_version", "paper", "results")):
        return OWN
    folded = {_fold(key) for key in document if isinstance(key, str)}
    if folded & {"models", "collections", "import"}:
        return MODEL_INDEX
    if "rows" in document:
        return EVALUATION_TABLES
    if "tasks" in document and not _task_names(document["tasks"]):
        return EVALUATION_TABLES
    return None


def convert(name: str, document: Any) -> Converted:
    """Recognise the format, check its structure with its JSON Schema, and convert to the canonical own form.

    ``name`` is the file name as received (data: it only labels the problems);
    ``document`` is the parsed file (plain dict/list/str/int/float/bool/None).
    """
    fmt = recognise(document)
    if fmt is None:
        return Converted(None, None, [_unrecognised(name, document)])
    if fmt == OWN:
        problems = _Checker(name, OWN).check(document)
        if has_errors(problems):
            return Converted(OWN, None, problems)
        return Converted(OWN, _with_defaults(copy.deepcopy(document)), problems)
    if fmt == MODEL_INDEX:
        return _ModelIndex(name).convert(document)
    return _EvaluationTables(name).convert(document)


def flatten_results(canonical: dict[str, Any]) -> list[FlatResult]:
    """One :class:`FlatResult` per (result, metric) of a canonical submission, in file order."""
    top = canonical.get("paper")
    flat: list[FlatResult] = []
    for index, result in enumerate(canonical.get("results") or []):
        own = result.get("paper")
        paper = own if own is not None else top
        paper_record = f"results[{index}].paper" if own is not None else "paper"
        for metric, value in (result.get("metrics") or {}).items():
            record, field = split_path(["results", index, "metrics", metric])
            flat.append(
                FlatResult(
                    record=record,
                    field=field,
                    task=result["task"],
                    dataset=result["dataset"],
                    model=result["model"],
                    metric=metric,
                    value=value,
                    uses_additional_data=bool(result.get("uses_additional_data", False)),
                    paper=paper,
                    paper_record=paper_record,
                )
            )
    return flat


def papers(canonical: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(record, paper) for the top-level paper and each distinct per-result paper, first place first."""
    listed: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    candidates: list[tuple[str, Any]] = [("paper", canonical.get("paper"))]
    candidates += [
        (f"results[{i}].paper", r.get("paper")) for i, r in enumerate(canonical.get("results") or [])
    ]
    for record, paper in candidates:
        if not isinstance(paper, dict):
            continue
        key = _json_key(paper)
        if key not in seen:
            seen.add(key)
            listed.append((record, paper))
    return listed


def suggest_conversion(document: Any) -> dict[str, Any] | None:
    """The own-format skeleton for a mapping of paper metadata, or None when it is not one.

    Built from the document's title, arxiv_id, url, authors, abstract, date and
    code links (``code``, ``code_url``, ``repo_url``). What only the submitter can
    give is a placeholder that does not validate until it is replaced: the
    date (``"YYYY-MM-DD"`` when not given), the licence consent and the
    submitter's name.
    """
    if not _looks_like_paper(document):
        return None
    paper: dict[str, Any] = {}
    if isinstance(document.get("title"), str) and document["title"].strip():
        paper["title"] = document["title"]
    else:
        paper["title"] = "<the paper's title>"
    arxiv = document.get("arxiv_id")
    if isinstance(arxiv, str) and re.match(_schemas()[OWN]["$defs"]["arxiv_id"]["pattern"], arxiv.strip()):
        paper["arxiv_id"] = arxiv.strip()
    url = _first_url(document, ("url", "paper_url", "url_abs", "abs_url"))
    if url is None and "arxiv_id" not in paper:
        url = _first_url(document, ("pdf_url", "url_pdf"))
    if url is not None:
        derived = arxiv_id_from_url(url)
        if derived is not None and "arxiv_id" not in paper:
            paper["arxiv_id"] = derived
        if derived is None or not _is_pdf(url):
            paper["url"] = url
    if "arxiv_id" not in paper and "url" not in paper:
        paper["url"] = "<https://... where the paper can be read>"
    date = document.get("date")
    paper["date"] = date if isinstance(date, str) and _DATE.match(date) else "YYYY-MM-DD"
    authors = document.get("authors")
    if isinstance(authors, str) and authors.strip():
        authors = [authors]
    if isinstance(authors, list) and authors and all(isinstance(a, str) for a in authors):
        paper["authors"] = list(authors)
    if isinstance(document.get("abstract"), str) and document["abstract"]:
        paper["abstract"] = document["abstract"]
    return {
        "schema_version": 1,
        "license": "<CC-BY-SA-4.0 if you agree to publish under CC BY-SA 4.0>",
        "submitter": {"name": "<your name>"},
        "paper": paper,
        "code": [{"url": u} for u in _code_urls(document)],
    }


# --------------------------------------------------------------------------- small helpers

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ARXIV_URL = re.compile(
    r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/"
    r"(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/[0-9]{7})(?:v[0-9]+)?(?:\.pdf)?/?$"
)


def arxiv_id_from_url(url: str) -> str | None:
    """``https://arxiv.org/abs/1905.11946v3`` -> ``1905.11946`` (abs and pdf URLs; no version)."""
    match = _ARXIV_URL.match(url.strip())
    return match.group("id") if match else None


def _is_pdf(url: str) -> bool:
    return "/pdf/" in url or url.endswith(".pdf")


def _fold(key: str) -> str:
    """model-index keys are case-insensitive and accept _ for a space (In_Collection)."""
    return " ".join(key.replace("_", " ").lower().split())


def _task_names(value: Any) -> bool:
    """A list of task names (papers-with-abstracts style), not Task objects."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _with_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    doc.setdefault("code", [])
    doc.setdefault("results", [])
    for result in doc["results"]:
        result.setdefault("uses_additional_data", False)
    return doc


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


_TYPE_PHRASES = {
    "object": "a mapping (key: value)",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "null": "null",
}


def _type_phrase(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    phrases = [_TYPE_PHRASES.get(t, t) for t in names]
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _or_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _sort_key(path: Sequence[PathPart]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in path)


def _ordered(located: Sequence[tuple[DocPath, Problem]]) -> list[Problem]:
    """Problems sorted by path (a record before its fields, list items in order), then rule and found."""
    ordered = sorted(located, key=lambda item: (_sort_key(item[0]), item[1].code, item[1].found))
    return [problem for _, problem in ordered]


# --------------------------------------------------------------------------- schemas


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    return {fmt: json.loads(schema_path(fmt).read_text(encoding="utf-8")) for fmt in FORMATS}


@cache
def _by_id() -> dict[str, dict[str, Any]]:
    return {schema["$id"]: schema for schema in _schemas().values()}


@cache
def _validator(fmt: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], DRAFT202012.create_resource(schema)) for schema in _schemas().values()
    )
    return Draft202012Validator(_schemas()[fmt], registry=registry)


@cache
def _converted_validator() -> Draft202012Validator:
    """The own format as converted formats produce it: paper title and date may be missing."""
    relaxed = copy.deepcopy(_schemas()[OWN])
    relaxed["$defs"]["paper"]["required"] = []
    registry: Registry[Any] = Registry().with_resource(relaxed["$id"], DRAFT202012.create_resource(relaxed))
    return Draft202012Validator(relaxed, registry=registry)


def _resolve(schema: Any) -> dict[str, Any]:
    """Follow ``$ref`` (always absolute in the shipped schemas), keeping the outer annotations."""
    if not isinstance(schema, dict):
        return {}
    merged = dict(schema)
    seen = 0
    while "$ref" in merged and seen < 10:
        seen += 1
        ref = merged.pop("$ref")
        target = _pointer(ref)
        merged = {**target, **merged}
    return merged


def _pointer(ref: str) -> dict[str, Any]:
    base, _, fragment = ref.partition("#")
    node: Any = _by_id()[base]
    for step in filter(None, fragment.split("/")):
        node = node[step.replace("~1", "/").replace("~0", "~")]
    return node if isinstance(node, dict) else {}


def _walk_schema(root: dict[str, Any], schema_path: Sequence[Any]) -> list[dict[str, Any]]:
    """The schemas passed through along an error's schema path (outermost first).

    jsonschema leaves ``$ref`` out of schema paths: a step that is not in a
    schema is looked up in the schema its ``$ref`` points to.
    """
    node: Any = root
    passed: list[dict[str, Any]] = [root]
    for step in schema_path:
        hops = 0
        while isinstance(node, dict) and step not in node and "$ref" in node and hops < 10:
            node, hops = _pointer(node["$ref"]), hops + 1
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and step not in _CONTAINERS:
            passed.append(node)
    return passed


_CONTAINERS = ("properties", "$defs", "patternProperties", "dependentSchemas")
"""Schema keywords whose value maps names to schemas (not itself a schema)."""


# --------------------------------------------------------------------------- schema errors -> problems


@cache
def _pattern_phrases() -> dict[str, tuple[str, str]]:
    """pattern of the shipped schemas -> (what it means, how to write it)."""
    defs = _schemas()[OWN]["$defs"]
    submitter = defs["submitter"]["properties"]
    url = defs["url"]["pattern"]
    return {
        url: (
            "an http(s) URL",
            "write the full address starting with https:// (e.g. https://github.com/owner/repo)",
        ),
        "^(https?://\\S+)?$": (
            'an http(s) URL, or ""',
            "write the full address starting with https:// (e.g. https://arxiv.org/abs/1905.11946v3)",
        ),
        defs["date"]["pattern"]: (
            "a date written YYYY-MM-DD",
            "write the date as YYYY-MM-DD (e.g. 2019-05-28); for an arXiv paper, the date of its v1",
        ),
        defs["arxiv_id"]["pattern"]: (
            "an arXiv id such as 1905.11946 or cs/0205028 (optionally with v2)",
            'write the bare identifier (e.g. 1905.11946), not "arXiv:1905.11946", not the URL',
        ),
        submitter["email"]["pattern"]: (
            "an e-mail address",
            'write an address such as jane.doe@example.org, or leave "email" out',
        ),
        submitter["github"]["pattern"]: (
            "a GitHub user name (letters, digits and inner hyphens, at most 39)",
            "write the user name only (e.g. janedoe): no @, no URL",
        ),
    }


class _Checker:
    """Runs one format's JSON Schema and turns its errors into problems."""

    def __init__(
        self,
        name: str,
        fmt: str,
        to_original: Callable[[DocPath], DocPath] = list,
        skip: Sequence[DocPath] = (),
    ) -> None:
        self.name = name
        self.fmt = fmt
        self.to_original = to_original
        self.skip = [list(p) for p in skip]
        self.yaml_keys = fmt == MODEL_INDEX

    # -- running

    def check(self, document: Any, validator: Draft202012Validator | None = None) -> list[Problem]:
        """Every schema error as a problem, sorted by path."""
        return _ordered(self.check_located(document, validator))

    def check_located(
        self, document: Any, validator: Draft202012Validator | None = None
    ) -> list[tuple[DocPath, Problem]]:
        """Every schema error as (path in the file as received, problem), without repeats."""
        validator = validator or _validator(self.fmt)
        self.root = validator.schema if isinstance(validator.schema, dict) else {}
        found: list[tuple[DocPath, Problem]] = []
        for error in validator.iter_errors(document):
            if any(list(error.absolute_path)[: len(s)] == s for s in self.skip):
                continue
            found.extend(self._translate(error))
        unique: dict[tuple[str, ...], tuple[DocPath, Problem]] = {}
        for path, problem in found:
            unique.setdefault(
                tuple(map(str, (problem.record, problem.field, problem.found, problem.code))), (path, problem)
            )
        return list(unique.values())

    def problem(
        self, path: DocPath, *, expected: str, found: str, fix: str, code: str, severity: Severity = "error"
    ) -> tuple[DocPath, Problem]:
        original = self.to_original(list(path))
        problem = located(
            self.name, original, expected=expected, found=found, fix=fix, severity=severity, code=code
        )
        return original, problem

    # -- rendering

    def key(self, key: Any) -> str:
        if self.yaml_keys and isinstance(key, str):
            return key
        return show(key)

    def place(self, path: DocPath) -> str:
        if not path:
            return "the top level"
        record, field = split_path(self.to_original(list(path)))
        return record + (("." if field and not field.startswith("[") else "") + field)

    def pair(self, key: str, value: Any) -> str:
        rendered = json.dumps(value, ensure_ascii=False)
        return f"{key}: {rendered}" if self.yaml_keys else f"{json.dumps(key)}: {rendered}"

    # -- translation

    def _translate(self, error: ValidationError) -> list[tuple[DocPath, Problem]]:
        validator = str(error.validator)
        path: DocPath = list(error.absolute_path)
        code = f"schema.{validator}"
        if validator in ("anyOf", "oneOf") and error.context:
            return self._any_of(error, path, code)
        if validator == "required":
            return [self._required(error, path, code)]
        if validator in ("additionalProperties", "unevaluatedProperties"):
            return self._unknown_keys(error, path, code)
        passed = _walk_schema(self.root, list(error.absolute_schema_path))
        examples = next((s["examples"] for s in reversed(passed) if s.get("examples")), None)
        example = f", e.g. {json.dumps(examples[0], ensure_ascii=False)}" if examples else ""
        instance: Any = error.instance
        rule: Any = error.validator_value
        in_names = "propertyNames" in list(error.absolute_schema_path)
        if validator == "const":
            return [self._const(error, path, code)]
        if validator == "type":
            expected = _type_phrase(error.validator_value)
            return [
                self.problem(
                    path,
                    expected=expected,
                    found=f"{show(instance)} ({_kind(instance)})",
                    fix=f"write {expected}{example}",
                    code=code,
                )
            ]
        if validator == "pattern":
            meaning, how = _pattern_phrases().get(str(rule), (f"text matching {rule}", "correct the text"))
            return [self.problem(path, expected=meaning, found=show(instance), fix=how, code=code)]
        if validator == "minLength":
            what = "a metric name" if in_names else "a non-empty string"
            return [
                self.problem(
                    path + ([instance] if in_names else []),
                    expected=what,
                    found=show(instance) + (" (an empty metric name)" if in_names else ""),
                    fix=("name the metric" if in_names else f"write the value{example}"),
                    code=code,
                )
            ]
        if validator == "maxLength":
            limit = int(rule)
            what = "a metric name" if in_names else "text"
            return [
                self.problem(
                    path,
                    expected=f"{what} of at most {limit:,} characters",
                    found=show(instance),
                    fix=f"shorten it to at most {limit:,} characters",
                    code=code,
                )
            ]
        if validator == "minProperties":
            is_metrics = bool(path) and path[-1] in ("metrics", "Metrics")
            return [
                self.problem(
                    path,
                    expected="at least one metric (name: value)" if is_metrics else "at least one entry",
                    found=show(instance),
                    fix=(
                        f"add the metrics of the result{example}" if is_metrics else f"add an entry{example}"
                    ),
                    code=code,
                )
            ]
        if validator == "maxItems":
            limit = int(rule)
            return [
                self.problem(
                    path,
                    expected=f"at most {limit:,} entries",
                    found=f"{len(instance):,} entries",
                    fix=f"keep at most {limit:,} entries",
                    code=code,
                )
            ]
        if validator == "not" and path and path[-1] == "Import":
            return [self._import(path)]
        title = next((s["title"] for s in reversed(passed) if s.get("title")), "this field")
        return [
            self.problem(
                path,
                expected=f"a valid {title.lower()} (rule {validator}: see {_SCHEMA_FILES[self.fmt]})",
                found=show(instance),
                fix=f"correct the value{example}",
                code=code,
            )
        ]

    def _any_of(self, error: ValidationError, path: DocPath, code: str) -> list[tuple[DocPath, Problem]]:
        subs = list(error.context or [])
        if all(s.validator == "required" and not s.relative_path for s in subs):
            keys = [k for s in subs for k in self._missing(s)]
            shown = [self.key(k) for k in keys]
            example = self._example_for(error, keys[0]) if keys else None
            hint = f"add {self.pair(keys[0], example)}" if keys and example is not None else f"add {shown[0]}"
            return [
                self.problem(
                    path,
                    expected=f"key {_or_list(shown)} (at least one)",
                    found=f"missing key {_or_list(shown)}",
                    fix=f"{hint} to {self.place(path)}"
                    + (f" (or {_or_list(shown[1:])})" if len(shown) > 1 else ""),
                    code="schema.required",
                )
            ]
        informative = [s for s in subs if s.validator != "type"]
        if not informative:
            types: list[str] = []
            for s in subs:
                value: Any = s.validator_value
                types += [value] if isinstance(value, str) else list(value)
            expected = _type_phrase(list(dict.fromkeys(types)))
            return [
                self.problem(
                    path,
                    expected=expected,
                    found=f"{show(error.instance)} ({_kind(error.instance)})",
                    fix=f"write {expected}",
                    code="schema.type",
                )
            ]
        chosen = best_match(informative)
        return self._translate(chosen) if chosen is not None else []

    def _missing(self, error: ValidationError) -> list[str]:
        instance = error.instance if isinstance(error.instance, dict) else {}
        required = error.validator_value if isinstance(error.validator_value, list) else []
        for key in required:
            if key not in instance and error.message == f"{key!r} is a required property":
                return [key]
        return [k for k in required if k not in instance][:1]

    def _property(self, error: ValidationError, key: str) -> dict[str, Any]:
        """The schema of property ``key`` of the object an error is about (with its annotations)."""
        passed = [error.schema, *reversed(_walk_schema(self.root, list(error.absolute_schema_path)[:-1]))]
        for schema in passed:
            prop = _resolve(schema).get("properties", {}).get(key)
            if isinstance(prop, dict):
                return prop
        return {}

    def _example_for(self, error: ValidationError, key: str) -> Any:
        examples = self._property(error, key).get("examples")
        return examples[0] if examples else None

    def _required(self, error: ValidationError, path: DocPath, code: str) -> tuple[DocPath, Problem]:
        keys = self._missing(error)
        key = keys[0] if keys else "?"
        prop = _resolve(self._property(error, key))
        shown = self.key(key)
        expected = f"{shown}: {_describe(prop)}"
        title = str(prop.get("title", ""))
        if title and title.lower() != key.lower():
            expected += f" ({title[0].lower() + title[1:]})"
        found = f"missing key {shown}"
        example = self._example_for(error, key)
        where = self.place(path)
        fix = (
            f"add {self.pair(key, example)} to {where}" if example is not None else f"add {shown} to {where}"
        )
        top = not path
        if top and key in ("license", "submitter") and self.fmt == MODEL_INDEX:
            fix = (
                "add these two lines at the top of the file: `license: CC-BY-SA-4.0` and "
                "`submitter: {name: Your Name}` (the first is your agreement to publish the results under "
                "CC BY-SA 4.0, the archive's licence; the consent must be your own)"
            )
        elif top and key == "license":
            fix = f'add "license": "{LICENSE}" at the top level to agree to publish under CC BY-SA 4.0'
        elif top and key == "submitter":
            fix = (
                'add "submitter": {"name": "Your Name"} at the top level ("github" and "email" are optional)'
            )
        elif top and key == "schema_version":
            fix = 'add "schema_version": 1 at the top level'
        elif top and key == "paper" and self.fmt == OWN:
            results = error.instance.get("results") if isinstance(error.instance, dict) else None
            bare = [
                i
                for i, r in enumerate(results if isinstance(results, list) else [])
                if not _has_key(r, "paper")
            ]
            if bare:
                found += f" (and results[{bare[0]}] has no paper of its own)"
            elif not results:
                found += " (and no results: a submission without results adds a paper)"
            fix = (
                f"add {self.pair('paper', example)} at the top level, or give every result its own"
                ' "paper" (a model zoo with several papers)'
            )
        elif top and key == "Models" and self.fmt == MODEL_INDEX:
            fix = "add Models: a list of the models, each with Name, Paper, Code and Results"
        instance = error.instance if isinstance(error.instance, dict) else {}
        near = [k for k in instance if isinstance(k, str) and k != key and _closest(k, [key]) == key]
        if near:
            found += f" ({self.key(near[0])} is there: a misspelling?)"
            fix = f"rename {self.key(near[0])} to {shown}"
        return self.problem(path, expected=expected, found=found, fix=fix, code=code)

    def _const(self, error: ValidationError, path: DocPath, code: str) -> tuple[DocPath, Problem]:
        const = error.validator_value
        if const == LICENSE:
            return self.problem(
                path,
                expected=f'"{LICENSE}" (licence consent)',
                found=show(error.instance),
                fix=(
                    "the archive is published under CC BY-SA 4.0 and can only take results their submitter"
                    f" agrees to publish under it: set {self.pair('license', LICENSE)} if you agree"
                    " (exactly this spelling); without it the file cannot be accepted"
                ),
                code=code,
            )
        if path == ["schema_version"]:
            return self.problem(
                path,
                expected="1 (the only version of the format)",
                found=show(error.instance),
                fix='write "schema_version": 1',
                code=code,
            )
        return self.problem(
            path, expected=show(const), found=show(error.instance), fix=f"write {show(const)}", code=code
        )

    def _unknown_keys(
        self, error: ValidationError, path: DocPath, code: str
    ) -> list[tuple[DocPath, Problem]]:
        schema = _resolve(error.schema)
        allowed = [k for k in schema.get("properties", {})]
        instance = error.instance if isinstance(error.instance, dict) else {}
        out = []
        for key in instance:
            if key in allowed:
                continue
            shown_allowed = ", ".join(self.key(k) for k in allowed)
            fix = f"remove {self.key(key)}: there is no such key here"
            suggestion = _closest(key, allowed) if isinstance(key, str) else None
            if suggestion is not None:
                fix = f"did you mean {self.key(suggestion)}? rename {self.key(key)} to {self.key(suggestion)}"
            elif self.fmt == OWN and not path and key in _PAPER_KEYS:
                fix = f'move {self.key(key)} into "paper" (see docs/submissions.md)'
            out.append(
                self.problem(
                    path,
                    expected=f"only the keys {shown_allowed}",
                    found=f"unknown key {self.key(key) if isinstance(key, str) else show(key)}",
                    fix=fix,
                    code=code,
                )
            )
        return out

    def _import(self, path: DocPath) -> tuple[DocPath, Problem]:
        return self.problem(
            path,
            expected="one self-contained file: the models themselves under Models",
            found="Import: a list of other files",
            fix=(
                "paste the models of the imported files into Models: a file name in a submission is data,"
                " never a path that is opened"
            ),
            code="model_index.import",
        )


_PAPER_KEYS = ("title", "arxiv_id", "authors", "abstract", "url", "date")


def _has_key(value: Any, key: str) -> bool:
    return isinstance(value, dict) and key in value


def _closest(key: str, allowed: Sequence[str]) -> str | None:
    for candidate in allowed:
        if candidate.lower() == key.lower() or _fold(candidate) == _fold(key):
            return candidate
    matches = difflib.get_close_matches(key.lower(), [a.lower() for a in allowed], n=1, cutoff=0.75)
    if not matches:
        return None
    return next(a for a in allowed if a.lower() == matches[0])


def _describe(schema: dict[str, Any]) -> str:
    """What a (resolved) property schema accepts, in a few words."""
    if "const" in schema:
        return show(schema["const"])
    pattern = schema.get("pattern")
    types = schema.get("type")
    if isinstance(pattern, str) and pattern in _pattern_phrases() and types == "string":
        return _pattern_phrases()[pattern][0]
    if "anyOf" in schema and not types:
        parts = [_describe(_resolve(s)) for s in schema["anyOf"]]
        return _or_list(parts)
    if types == "string":
        limit = schema.get("maxLength")
        text = "a non-empty string" if schema.get("minLength") else "a string"
        return text + (f" of at most {limit:,} characters" if limit else "")
    if types == "object":
        if schema.get("minProperties"):
            return "a mapping with at least one entry"
        parts = [show(k) for k in schema.get("required", [])]
        either = [show(k) for branch in schema.get("anyOf", []) for k in branch.get("required", [])]
        if either:
            parts.append(_or_list(either))
        if not parts:
            return "a mapping"
        return "a mapping with " + (
            parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        )
    if types is not None:
        return _type_phrase(types)
    return "a value"


# --------------------------------------------------------------------------- conversion helpers


def _converted(
    name: str,
    fmt: str,
    consent: dict[str, Any],
    items: list[tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]],
    problems: list[Problem],
    lone_paper: tuple[dict[str, Any], list[dict[str, Any]]] | None = None,
) -> Converted:
    """Assemble the canonical form from converted results (result, paper, code) and check it."""
    canonical: dict[str, Any] = {"schema_version": 1, **consent}
    distinct = {_json_key(p): p for _, p, _ in items if p is not None}
    if not items and lone_paper is not None:
        canonical["paper"], canonical["code"] = lone_paper[0], _unique_code(lone_paper[1])
    elif len(distinct) == 1:
        canonical["paper"] = next(iter(distinct.values()))
        canonical["code"] = _unique_code([c for _, _, codes in items for c in codes])
        canonical["results"] = [result for result, _, _ in items]
    else:
        results = []
        for result, paper, codes in items:
            result = dict(result)
            if paper is not None:
                result["paper"] = paper
            if codes:
                result["code"] = _unique_code(codes)
            results.append(result)
        canonical["results"] = results
    canonical = _with_defaults(canonical)
    checker = _Checker(name, OWN)
    leftovers = checker.check(canonical, _converted_validator())
    problems = problems + [
        Problem(
            p.file,
            p.record,
            p.field,
            p.expected,
            p.found,
            p.fix + " (found after conversion to the own format: please report the file if this is unclear)",
            p.severity,
            "converted." + p.code.removeprefix("schema."),
        )
        for p in leftovers
    ]
    if has_errors(problems):
        return Converted(fmt, None, problems)
    return Converted(fmt, canonical, problems)


def _unique_code(codes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for code in codes:
        out.setdefault(code["url"], code)
    return list(out.values())


def _paper_from(title: Any, url: Any, date: Any = None) -> dict[str, Any]:
    paper: dict[str, Any] = {}
    if isinstance(title, str) and title:
        paper["title"] = title
    if isinstance(url, str) and url:
        paper["url"] = url
        arxiv = arxiv_id_from_url(url)
        if arxiv is not None:
            paper["arxiv_id"] = arxiv
    if isinstance(date, str) and date:
        paper["date"] = date
    return paper


class _Ignored:
    """Keys that have no place in the own format: one warning per key, at its first place."""

    def __init__(self) -> None:
        self.places: dict[str, list[DocPath]] = {}

    def add(self, key: str, path: DocPath) -> None:
        self.places.setdefault(key, []).append(path)

    def problems(
        self, checker: _Checker, kept: Sequence[str], known: Sequence[str], what: str, code: str
    ) -> list[tuple[DocPath, Problem]]:
        """One warning per key; a key that is not a known field of the format may be a typo of a kept one."""
        out = []
        for key, places in self.places.items():
            suggestion = None if key in known else _closest(key, kept)
            fix = "nothing to do if that is intended: the value is not stored"
            if suggestion is not None and suggestion != key:
                fix = f"did you mean {checker.key(suggestion)}? rename it, else nothing to do (it is not stored)"
            count = f" in {len(places)} {what}s" if len(places) > 1 else ""
            out.append(
                checker.problem(
                    places[0],
                    expected=f"only {', '.join(checker.key(k) for k in kept)} are stored",
                    found=f"{checker.key(str(checker.to_original(places[0])[-1]))}{count}: not stored"
                    " (the archive has no place for it)",
                    fix=fix,
                    code=code,
                    severity="warning",
                )
            )
        return out


# --------------------------------------------------------------------------- model-index

_MI_TOP = {"models": "Models", "collections": "Collections", "import": "Import"}
_MI_TOP_EXACT = {"license": "license", "submitter": "submitter"}
_MI_MODEL = {
    "name": "Name",
    "metadata": "Metadata",
    "results": "Results",
    "paper": "Paper",
    "code": "Code",
    "weights": "Weights",
    "config": "Config",
    "readme": "README",
    "in collection": "In Collection",
    "image": "Image",
}
_MI_RESULT = {"task": "Task", "dataset": "Dataset", "metrics": "Metrics"}
_MI_PAPER = {"title": "Title", "url": "URL"}
_MI_SUBMITTER = {"name": "name", "email": "email", "github": "github"}
_MI_KEPT = ("Name", "Results", "Paper", "Code", "In Collection")


class _ModelIndex:
    def __init__(self, name: str) -> None:
        self.name = name
        self.renames: dict[tuple[PathPart, ...], str] = {}
        self.problems: list[tuple[DocPath, Problem]] = []

    def to_original(self, path: DocPath) -> DocPath:
        return [
            self.renames.get(tuple(path[: i + 1]), part) if isinstance(part, str) else part
            for i, part in enumerate(path)
        ]

    def _rekey(self, mapping: Any, table: dict[str, str], path: DocPath) -> Any:
        if not isinstance(mapping, dict):
            return mapping
        out: dict[Any, Any] = {}
        for key, value in mapping.items():
            canon = table.get(_fold(key)) if isinstance(key, str) else None
            new = canon or key
            if new in out:
                first = self.renames.get((*path, new), new)
                self.problems.append(
                    self.checker.problem(
                        [*path, new],
                        expected=f"{self.checker.key(new)} once (model-index keys are case-insensitive)",
                        found=f"both {self.checker.key(first)} and {self.checker.key(key)}",
                        fix=f"keep one of them (the second, {self.checker.key(key)}, is ignored)",
                        code="model_index.duplicate_key",
                    )
                )
                continue
            out[new] = value
            if new != key:
                self.renames[(*path, new)] = key
        return out

    def normalise(self, document: dict[Any, Any]) -> dict[Any, Any]:
        """The document with its keys spelled as in the schema; ``renames`` remembers the originals."""
        top = self._rekey(document, {**_MI_TOP, **_MI_TOP_EXACT}, [])
        top["submitter"] = (
            self._rekey(top.get("submitter"), _MI_SUBMITTER, ["submitter"]) if "submitter" in top else None
        )
        if top["submitter"] is None:
            del top["submitter"]
        for group in ("Models", "Collections"):
            items = top.get(group)
            if not isinstance(items, list):
                continue
            models = []
            for i, model in enumerate(items):
                model = self._rekey(model, _MI_MODEL, [group, i])
                if isinstance(model, dict):
                    # As in model-index itself, an empty field (`Weights:`) is no field.
                    model = {k: v for k, v in model.items() if v is not None}
                    if isinstance(model.get("Paper"), dict):
                        model["Paper"] = self._rekey(model["Paper"], _MI_PAPER, [group, i, "Paper"])
                    if isinstance(model.get("Results"), list):
                        model["Results"] = [
                            self._rekey(r, _MI_RESULT, [group, i, "Results", j])
                            for j, r in enumerate(model["Results"])
                        ]
                models.append(model)
            top[group] = models
        return top

    def convert(self, document: dict[Any, Any]) -> Converted:
        self.checker = _Checker(self.name, MODEL_INDEX, self.to_original)
        doc = self.normalise(document)
        skip: list[DocPath] = []
        if "Import" in doc:
            self.problems.append(self.checker._import(["Import"]))
            skip.append(["Import"])
        for group in ("Models", "Collections"):
            listed = doc.get(group)
            for i, model in enumerate(listed if isinstance(listed, list) else []):
                if isinstance(model, str):
                    skip.append([group, i])
                    self.problems.append(
                        self._file_name([group, i], model, "a model (Name, Results, Paper, ...)")
                    )
                elif isinstance(model, dict) and isinstance(model.get("Results"), str):
                    skip.append([group, i, "Results"])
                    self.problems.append(
                        self._file_name([group, i, "Results"], model["Results"], "a list of results")
                    )
        self.checker.skip = skip
        found = self.problems + self.checker.check_located(doc)
        if has_errors([p for _, p in found]):
            return Converted(MODEL_INDEX, None, _ordered(found))
        return self._convert_checked(doc, found)

    def _file_name(self, path: DocPath, value: str, expected: str) -> tuple[DocPath, Problem]:
        return self.checker.problem(
            path,
            expected=expected + " written in this file",
            found=f"{show(value)} (a file name)",
            fix=(
                "paste the content here instead of the file name: a file name in a submission is data,"
                " never a path that is opened"
            ),
            code="model_index.file_reference",
        )

    def _convert_checked(self, doc: dict[str, Any], found: list[tuple[DocPath, Problem]]) -> Converted:
        out = list(found)
        ignored = _Ignored()
        collections: dict[str, dict[str, Any]] = {}
        for i, coll in enumerate(doc.get("Collections") or []):
            if coll["Name"] in collections:
                out.append(
                    self.checker.problem(
                        ["Collections", i, "Name"],
                        expected="a collection name used once",
                        found=f"{show(coll['Name'])} (also an earlier collection's name)",
                        fix="give each collection its own name, or merge the two",
                        code="model_index.duplicate_collection",
                    )
                )
            collections.setdefault(coll["Name"], coll)
            if coll.get("Results"):
                out.append(
                    self.checker.problem(
                        ["Collections", i, "Results"],
                        expected="results under the model they were measured on",
                        found=f"Results in collection {show(coll['Name'])}",
                        fix="move these Results into the model (under Models) that produced them",
                        code="model_index.collection_results",
                    )
                )
            for key, value in coll.items():
                if key not in ("Name", "Paper", "Code", "Results") and value not in (None, "", [], {}):
                    ignored.add(str(key), ["Collections", i, key])
        items: list[tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]] = []
        all_papers: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        for i, model in enumerate(doc["Models"]):
            names = model.get("In Collection")
            names = [names] if isinstance(names, str) else list(names or [])
            paper_source, code_url = model.get("Paper"), model.get("Code")
            for n in names:
                coll = collections.get(n)
                if coll is None:
                    known = list(collections)
                    suggestion = _closest(n, known)
                    out.append(
                        self.checker.problem(
                            ["Models", i, "In Collection"],
                            expected=(
                                "the Name of one of the Collections"
                                + (
                                    f": {', '.join(show(k) for k in known[:10])}"
                                    if known
                                    else " (there are none)"
                                )
                            ),
                            found=show(n),
                            fix=(
                                f"did you mean {show(suggestion)}?"
                                if suggestion
                                else "add the collection under Collections, or correct the name"
                            ),
                            code="model_index.unknown_collection",
                        )
                    )
                    continue
                paper_source = paper_source if paper_source is not None else coll.get("Paper")
                code_url = code_url if code_url is not None else coll.get("Code")
            for key, value in model.items():
                if key not in _MI_KEPT and value not in (None, "", [], {}):
                    ignored.add(str(key), ["Models", i, key])
            paper = self._paper(paper_source)
            codes = [{"url": code_url}] if isinstance(code_url, str) else []
            if paper is not None:
                all_papers.append((paper, codes))
            results = model.get("Results") or []
            if not results:
                out.append(
                    self.checker.problem(
                        ["Models", i],
                        expected="Results: the model's task, dataset and metrics",
                        found=f"model {show(model['Name'])} has no Results",
                        fix="add its Results, or leave the model out: it adds no result to the archive",
                        code="model_index.no_results",
                        severity="warning",
                    )
                )
                continue
            if paper is None:
                out.append(
                    self.checker.problem(
                        ["Models", i],
                        expected="Paper: the paper of the model's results (a URL, or Title and URL)",
                        found=f'missing key "Paper" (neither model {show(model["Name"])} nor its collection has one)',
                        fix="add `Paper: https://arxiv.org/abs/...` to the model, or to its collection (In Collection)",
                        code="model_index.no_paper",
                    )
                )
                continue
            for result in results:
                items.append(
                    (
                        {
                            "task": result["Task"],
                            "dataset": result["Dataset"],
                            "model": model["Name"],
                            "metrics": copy.deepcopy(result["Metrics"]),
                            "uses_additional_data": False,
                        },
                        paper,
                        codes,
                    )
                )
        lone = None
        if not items:
            distinct = {_json_key(p): (p, c) for p, c in all_papers}
            if len(distinct) == 1:
                paper = next(iter(distinct.values()))[0]
                lone = (paper, [c for p, codes in all_papers for c in codes])
            elif not has_errors([p for _, p in out]):
                out.append(
                    self.checker.problem(
                        ["Models"],
                        expected="at least one model with Results (or, without results, one paper)",
                        found=(
                            f"no results and {len(distinct)} papers"
                            if distinct
                            else "no results and no paper"
                        ),
                        fix="add Results to the models; a file without results can only add one paper",
                        code="model_index.nothing_to_store",
                    )
                )
        known = [v for v in _MI_MODEL.values() if v not in _MI_KEPT]
        out += ignored.problems(self.checker, _MI_KEPT, known, "place", "model_index.not_stored")
        problems = _ordered(out)
        if has_errors(problems):
            return Converted(MODEL_INDEX, None, problems)
        consent = {"license": doc["license"], "submitter": doc["submitter"]}
        return _converted(self.name, MODEL_INDEX, consent, items, problems, lone)

    @staticmethod
    def _paper(source: Any) -> dict[str, Any] | None:
        if isinstance(source, str):
            return _paper_from(None, source)
        if isinstance(source, dict):
            return _paper_from(source.get("Title"), source.get("URL"))
        return None


# --------------------------------------------------------------------------- evaluation-tables


class _EvaluationTables:
    def __init__(self, name: str) -> None:
        self.name = name
        self.checker = _Checker(name, EVALUATION_TABLES)

    def convert(self, document: dict[str, Any]) -> Converted:
        out = self.checker.check_located(document)
        if has_errors([p for _, p in out]):
            return Converted(EVALUATION_TABLES, None, _ordered(out))
        ignored = _Ignored()
        items: list[tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]] = []
        for path, task, dataset, row in self._rows(document):
            if row.get("model_links"):
                ignored.add("model_links", [*path, "model_links"])
            if not row.get("paper_url"):
                title = row.get("paper_title") or ""
                out.append(
                    self.checker.problem(
                        [*path, "paper_url"] if "paper_url" in row else path,
                        expected='"paper_url": where the paper of this result can be read (a result needs its paper)',
                        found=(
                            f"paper_url {show(row.get('paper_url', ''))}"
                            if "paper_url" in row
                            else 'missing key "paper_url"'
                        )
                        + (f" (paper_title {show(title)})" if title else " and no paper_title"),
                        fix='add "paper_url": "https://arxiv.org/abs/..." (and "paper_title", "paper_date")',
                        code="evaluation_tables.no_paper",
                    )
                )
                continue
            paper = _paper_from(row.get("paper_title"), row["paper_url"], row.get("paper_date"))
            codes = [{"url": link["url"]} for link in row.get("code_links") or []]
            result = {
                "task": task,
                "dataset": dataset,
                "model": row["model_name"],
                "metrics": copy.deepcopy(row["metrics"]),
                "uses_additional_data": row.get("uses_additional_data", False),
            }
            items.append((result, paper, codes))
        if not items and not out:
            out.append(
                self.checker.problem(
                    [],
                    expected="at least one row (a model's metrics on a task and dataset)",
                    found="no rows in tasks or rows",
                    fix='add the results as rows under "sota": {"rows": [...]} of a dataset, or under "rows"',
                    code="evaluation_tables.no_rows",
                )
            )
        out += ignored.problems(
            self.checker,
            [
                "model_name",
                "paper_title",
                "paper_url",
                "paper_date",
                "code_links",
                "metrics",
                "uses_additional_data",
            ],
            ["model_links"],
            "row",
            "evaluation_tables.not_stored",
        )
        problems = _ordered(out)
        if has_errors(problems):
            return Converted(EVALUATION_TABLES, None, problems)
        consent = {"license": document["license"], "submitter": document["submitter"]}
        return _converted(self.name, EVALUATION_TABLES, consent, items, problems)

    def _rows(self, document: dict[str, Any]) -> Iterator[tuple[DocPath, str, str, dict[str, Any]]]:
        """(path, task, dataset, row) for every row, Task trees first, in file order."""
        for t, task in enumerate(document.get("tasks") or []):
            yield from self._task(task, ["tasks", t])
        for r, row in enumerate(document.get("rows") or []):
            yield ["rows", r], row["task"], row["dataset"], row

    def _task(
        self, task: dict[str, Any], path: DocPath
    ) -> Iterator[tuple[DocPath, str, str, dict[str, Any]]]:
        for d, dataset in enumerate(task.get("datasets") or []):
            yield from self._dataset(dataset, [*path, "datasets", d], task["task"])
        for s, sub in enumerate(task.get("subtasks") or []):
            yield from self._task(sub, [*path, "subtasks", s])

    def _dataset(
        self, dataset: dict[str, Any], path: DocPath, task: str
    ) -> Iterator[tuple[DocPath, str, str, dict[str, Any]]]:
        name = dataset["dataset"] if "dataset" in dataset else dataset["subdataset"]
        for r, row in enumerate((dataset.get("sota") or {}).get("rows") or []):
            yield [*path, "sota", "rows", r], task, name, row
        for s, sub in enumerate(dataset.get("subdatasets") or []):
            yield from self._dataset(sub, [*path, "subdatasets", s], task)


# --------------------------------------------------------------------------- unrecognised documents

_PAPER_META_KEYS = ("title", "arxiv_id", "authors", "abstract", "pdf_url", "code", "code_url", "tasks")


def _looks_like_paper(document: Any) -> bool:
    if not isinstance(document, dict) or "schema_version" in document:
        return False
    return any(key in document for key in _PAPER_META_KEYS)


def _first_url(document: dict[str, Any], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = document.get(key)
        if isinstance(value, str) and re.match(r"^https?://\S+$", value.strip()):
            return value.strip()
    return None


def _code_urls(document: dict[str, Any]) -> list[str]:
    urls: list[str] = []

    def take(value: Any) -> None:
        if isinstance(value, str) and re.match(r"^https?://\S+$", value.strip()):
            urls.append(value.strip())
        elif isinstance(value, dict):
            take(value.get("url"))
        elif isinstance(value, list):
            for item in value:
                if not isinstance(item, list):
                    take(item)

    for key in ("code", "code_url", "code_urls", "repo_url"):
        take(document.get(key))
    return list(dict.fromkeys(urls))


_ACCEPTED = (
    'one of the accepted formats: the own format (a mapping with "schema_version": 1, "license",'
    ' "submitter", "paper", "code", "results"), model-index (a mapping with Models) or'
    ' evaluation-tables (a mapping with "tasks" and/or "rows"), each with the consent keys "license"'
    ' and "submitter"; see docs/submissions.md'
)


def _unrecognised(name: str, document: Any) -> Problem:
    code = "format.unrecognised"
    if isinstance(document, dict):
        keys = [k for k in document]
        found = f"a mapping with the keys {', '.join(show(k) for k in keys[:20])}" + (
            " …" if len(keys) > 20 else ""
        )
        skeleton = suggest_conversion(document)
        if skeleton is not None:
            return located(
                name,
                [],
                expected=_ACCEPTED,
                found=(
                    'paper metadata without "schema_version", "license", "submitter"'
                    + ("" if _DATE.match(str(document.get("date", ""))) else ' and the paper\'s "date"')
                    + f" ({found})"
                ),
                fix=_paper_fix(document, skeleton),
                code=code,
            )
        lowered = {_fold(k) for k in keys if isinstance(k, str)}
        if {"name", "results"} <= lowered:
            fix = (
                "this looks like one model-index model: put it in a list under Models and add the consent"
                " lines `license: CC-BY-SA-4.0` and `submitter: {name: Your Name}` at the top"
            )
        elif lowered & {"license", "submitter"}:
            fix = (
                'the consent keys are there, the content is not: add "schema_version": 1 with "paper" and'
                ' "results" (own format), Models (model-index), or "tasks"/"rows" (evaluation-tables)'
            )
        else:
            fix = (
                'write the file in the own format: {"schema_version": 1, "license": "CC-BY-SA-4.0",'
                ' "submitter": {...}, "paper": {...}, "results": [...]}; see docs/submissions.md'
            )
        return located(name, [], expected=_ACCEPTED, found=found, fix=fix, code=code)
    if isinstance(document, list):
        sample = [d for d in document[:50] if isinstance(d, dict)]
        folded = [{_fold(k) for k in d if isinstance(k, str)} for d in sample]
        found = f"a list of {len(document):,} item{'' if len(document) == 1 else 's'}"
        if folded and all({"name"} <= f and f & {"results", "paper", "metadata"} for f in folded):
            return located(
                name,
                [],
                expected="a model-index mapping: license, submitter and Models",
                found=found + " (model-index models)",
                fix=(
                    "a top-level list of models has no place for the consent keys: write `license: CC-BY-SA-4.0`"
                    " and `submitter: {name: Your Name}` at the top, then `Models:` with your list under it"
                ),
                code="format.top_level_list",
            )
        if folded and all({"task", "datasets"} <= f for f in folded):
            return located(
                name,
                [],
                expected="an evaluation-tables mapping: license, submitter and tasks",
                found=found + " (evaluation-tables Task objects)",
                fix=(
                    'a top-level list has no place for the consent keys: write {"license": "CC-BY-SA-4.0",'
                    ' "submitter": {"name": "Your Name"}, "tasks": [...your list...]}'
                ),
                code="format.top_level_list",
            )
        if folded and all({"model name", "metrics"} <= f for f in folded):
            return located(
                name,
                [],
                expected="an evaluation-tables mapping: license, submitter and rows",
                found=found + " (evaluation-tables rows)",
                fix=(
                    'a top-level list has no place for the consent keys: write {"license": "CC-BY-SA-4.0",'
                    ' "submitter": {"name": "Your Name"}, "rows": [...your list...]} and give each row'
                    ' its "task" and "dataset"'
                ),
                code="format.top_level_list",
            )
        return located(
            name,
            [],
            expected=_ACCEPTED,
            found=found,
            fix="a submission is a mapping with the consent keys at the top; see docs/submissions.md",
            code="format.top_level_list",
        )
    return located(
        name,
        [],
        expected=_ACCEPTED,
        found=f"{show(document)} ({_kind(document)})",
        fix="a submission is a mapping; see docs/submissions.md for a complete example",
        code=code,
    )


def _paper_fix(document: dict[str, Any], skeleton: dict[str, Any]) -> str:
    date_step = (
        '(1) replace "YYYY-MM-DD" with the paper\'s date (for an arXiv paper, the date of v1);'
        if skeleton["paper"]["date"] == "YYYY-MM-DD"
        else "(1) check the paper's date;"
    )
    notes = [
        "this looks like paper metadata; here it is in the own format, ready to paste into a .json file.",
        f"Before sending it: {date_step}",
        (
            '(2) set "license" to "CC-BY-SA-4.0" only if you agree to publish under CC BY-SA 4.0, the'
            " archive's licence: the consent must be your own, no one can give it for you;"
        ),
        '(3) put your name in "submitter" ("github" and "email" are optional).',
    ]
    unplaced = []
    for key in document:
        if key in ("title", "arxiv_id", "authors", "abstract", "code_url", "code_urls", "repo_url", "date"):
            continue
        if key in ("url", "paper_url", "url_abs", "abs_url") and "url" in skeleton["paper"]:
            continue
        if key == "code":
            names = isinstance(document["code"], list) and any(
                isinstance(c, dict) and set(c) - {"url"} for c in document["code"]
            )
            if names:
                unplaced.append("the names of the code links (the URL says where the code is)")
            continue
        if key in ("pdf_url", "url_pdf"):
            unplaced.append(
                f"{show(key)} (derived from the arXiv id)" if "arxiv_id" in skeleton["paper"] else show(key)
            )
        elif key == "tasks":
            unplaced.append(
                '"tasks" (a task without results cannot be stored: add "results", each with "task",'
                ' "dataset", "model" and "metrics")'
            )
        else:
            unplaced.append(show(key))
    if unplaced:
        notes.append("Not carried over, no place in the format: " + "; ".join(unplaced) + ".")
    converted = safe_text(json.dumps(skeleton, indent=2, ensure_ascii=False))
    return " ".join(notes) + "\n" + converted


__all__ = [
    "EVALUATION_TABLES",
    "FORMATS",
    "LICENSE",
    "MODEL_INDEX",
    "OWN",
    "Converted",
    "FlatResult",
    "arxiv_id_from_url",
    "canonical_bytes",
    "convert",
    "flatten_results",
    "papers",
    "recognise",
    "schema_path",
    "submission_id",
    "suggest_conversion",
]
