"""What every conversion into the canonical form shares: the converted document checked against the
own format, papers taken from a title and a URL, and keys a format does not use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from transforms.submissions.canonical import (
    OWN,
    Converted,
    DocPath,
    arxiv_id_from_url,
    json_key,
    with_defaults,
)
from transforms.submissions.problems import (
    Problem,
    has_errors,
)
from transforms.submissions.schema_check import Checker, closest, converted_validator


def converted(
    name: str,
    fmt: str,
    consent: dict[str, Any],
    items: list[tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]],
    problems: list[Problem],
    lone_paper: tuple[dict[str, Any], list[dict[str, Any]]] | None = None,
) -> Converted:
    """Assemble the canonical form from converted results (result, paper, code) and check it."""
    canonical: dict[str, Any] = {"schema_version": 1, **consent}
    distinct = {json_key(p): p for _, p, _ in items if p is not None}
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
    canonical = with_defaults(canonical)
    checker = Checker(name, OWN)
    leftovers = checker.check(canonical, converted_validator())
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


def paper_from(title: Any, url: Any, date: Any = None) -> dict[str, Any]:
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


class Ignored:
    """Keys that have no place in the own format: one warning per key, at its first place."""

    def __init__(self) -> None:
        self.places: dict[str, list[DocPath]] = {}

    def add(self, key: str, path: DocPath) -> None:
        self.places.setdefault(key, []).append(path)

    def problems(
        self, checker: Checker, kept: Sequence[str], known: Sequence[str], what: str, code: str
    ) -> list[tuple[DocPath, Problem]]:
        """One warning per key; a key that is not a known field of the format may be a typo of a kept one."""
        out = []
        for key, places in self.places.items():
            suggestion = None if key in known else closest(key, kept)
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
