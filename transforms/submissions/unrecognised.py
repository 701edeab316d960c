"""Documents in no known format: what the file seems to be and, for ad-hoc paper metadata sent
after the closure, the exact conversion to offer."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from transforms.submissions.canonical import DATE, OWN, arxiv_id_from_url, fold, is_pdf, kind
from transforms.submissions.problems import (
    Problem,
    located,
    safe_text,
    show,
)
from transforms.submissions.schema_check import schemas


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
    if isinstance(arxiv, str) and re.match(schemas()[OWN]["$defs"]["arxiv_id"]["pattern"], arxiv.strip()):
        paper["arxiv_id"] = arxiv.strip()
    url = _first_url(document, ("url", "paper_url", "url_abs", "abs_url"))
    if url is None and "arxiv_id" not in paper:
        url = _first_url(document, ("pdf_url", "url_pdf"))
    if url is not None:
        derived = arxiv_id_from_url(url)
        if derived is not None and "arxiv_id" not in paper:
            paper["arxiv_id"] = derived
        if derived is None or not is_pdf(url):
            paper["url"] = url
    if "arxiv_id" not in paper and "url" not in paper:
        paper["url"] = "<https://... where the paper can be read>"
    date = document.get("date")
    paper["date"] = date if isinstance(date, str) and DATE.match(date) else "YYYY-MM-DD"
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


def unrecognised(name: str, document: Any) -> Problem:
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
                    + ("" if DATE.match(str(document.get("date", ""))) else ' and the paper\'s "date"')
                    + f" ({found})"
                ),
                fix=_paper_fix(document, skeleton),
                code=code,
            )
        lowered = {fold(k) for k in keys if isinstance(k, str)}
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
        folded = [{fold(k) for k in d if isinstance(k, str)} for d in sample]
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
        found=f"{show(document)} ({kind(document)})",
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
