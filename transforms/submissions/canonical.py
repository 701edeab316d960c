"""The canonical form of a submission: the formats, the dataclasses every reader of it shares, its id
(sha256 of the canonical bytes), and the flat rows the checks and the build read from it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transforms.submissions.problems import (
    PathPart,
    Problem,
    split_path,
)

FORMATS: tuple[str, ...] = ("pwc-submission-v1", "model-index", "evaluation-tables")


OWN, MODEL_INDEX, EVALUATION_TABLES = FORMATS


LICENSE = "CC-BY-SA-4.0"
"""The only accepted value of ``license``: the submitter's consent to publish under CC BY-SA 4.0."""


SCHEMA_DIR = Path(__file__).parent / "schemas"


SCHEMA_FILES = {
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


def schema_path(format: str) -> Path:
    """The path of the JSON Schema shipped for a format (one of ``FORMATS``)."""
    try:
        return SCHEMA_DIR / SCHEMA_FILES[format]
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
        key = json_key(paper)
        if key not in seen:
            seen.add(key)
            listed.append((record, paper))
    return listed


DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


_ARXIV_URL = re.compile(
    r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/"
    r"(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/[0-9]{7})(?:v[0-9]+)?(?:\.pdf)?/?$"
)


def arxiv_id_from_url(url: str) -> str | None:
    """``https://arxiv.org/abs/1905.11946v3`` -> ``1905.11946`` (abs and pdf URLs; no version)."""
    match = _ARXIV_URL.match(url.strip())
    return match.group("id") if match else None


def is_pdf(url: str) -> bool:
    return "/pdf/" in url or url.endswith(".pdf")


def fold(key: str) -> str:
    """model-index keys are case-insensitive and accept _ for a space (In_Collection)."""
    return " ".join(key.replace("_", " ").lower().split())


def task_names(value: Any) -> bool:
    """A list of task names (papers-with-abstracts style), not Task objects."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def with_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    doc.setdefault("code", [])
    doc.setdefault("results", [])
    for result in doc["results"]:
        result.setdefault("uses_additional_data", False)
    return doc


def kind(value: Any) -> str:
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


def type_phrase(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    phrases = [_TYPE_PHRASES.get(t, t) for t in names]
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " or " + phrases[-1]


def or_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _sort_key(path: Sequence[PathPart]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in path)


def ordered(located: Sequence[tuple[DocPath, Problem]]) -> list[Problem]:
    """Problems sorted by path (a record before its fields, list items in order), then rule and found."""
    ordered = sorted(located, key=lambda item: (_sort_key(item[0]), item[1].code, item[1].found))
    return [problem for _, problem in ordered]
