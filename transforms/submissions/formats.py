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
from typing import Any

from transforms.submissions.canonical import (
    EVALUATION_TABLES,
    MODEL_INDEX,
    OWN,
    Converted,
    fold,
    task_names,
    with_defaults,
)
from transforms.submissions.convert_evaluation_tables import EvaluationTables
from transforms.submissions.convert_model_index import ModelIndex
from transforms.submissions.problems import (
    has_errors,
)
from transforms.submissions.schema_check import Checker
from transforms.submissions.unrecognised import unrecognised

# --------------------------------------------------------------------------- public API


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
    folded = {fold(key) for key in document if isinstance(key, str)}
    if folded & {"models", "collections", "import"}:
        return MODEL_INDEX
    if "rows" in document:
        return EVALUATION_TABLES
    if "tasks" in document and not task_names(document["tasks"]):
        return EVALUATION_TABLES
    return None


def convert(name: str, document: Any) -> Converted:
    """Recognise the format, check its structure with its JSON Schema, and convert to the canonical own form.

    ``name`` is the file name as received (data: it only labels the problems);
    ``document`` is the parsed file (plain dict/list/str/int/float/bool/None).
    """
    fmt = recognise(document)
    if fmt is None:
        return Converted(None, None, [unrecognised(name, document)])
    if fmt == OWN:
        problems = Checker(name, OWN).check(document)
        if has_errors(problems):
            return Converted(OWN, None, problems)
        return Converted(OWN, with_defaults(copy.deepcopy(document)), problems)
    if fmt == MODEL_INDEX:
        return ModelIndex(name).convert(document)
    return EvaluationTables(name).convert(document)


# --------------------------------------------------------------------------- small helpers


# --------------------------------------------------------------------------- schemas


# --------------------------------------------------------------------------- schema errors -> problems


# --------------------------------------------------------------------------- conversion helpers


# --------------------------------------------------------------------------- model-index


# --------------------------------------------------------------------------- evaluation-tables


# --------------------------------------------------------------------------- unrecognised documents
