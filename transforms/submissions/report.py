"""Render validation verdicts: a readable text report, Markdown (rejections), JSON (bots).

Every piece of submitted text (file names, names, values) is shown escaped:
control characters as ``\\uXXXX`` in text, and Markdown/HTML specials escaped in
Markdown, so a name can neither forge report lines nor inject markup.
"""

from __future__ import annotations

import json
import re

from transforms.submissions.problems import Problem, safe_text
from transforms.submissions.validate import Batch, Verdict

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~-])")


def text_report(batch: Batch, color: bool = False) -> str:
    """The terminal report: one block per file, each problem with where/expected/found/fix."""
    lines: list[str] = []
    for v in batch.verdicts:
        lines.append(_headline(v, color))
        for p in v.problems:
            lines.extend(_problem_lines(p, color))
        if v.problems:
            lines.append("")
    lines.append(_summary(batch))
    return "\n".join(lines) + "\n"


def _headline(v: Verdict, color: bool) -> str:
    status = v.status
    if color:
        status = {
            "PASS": "\x1b[32mPASS\x1b[0m",
            "WARN": "\x1b[33mWARN\x1b[0m",
            "FAIL": "\x1b[31mFAIL\x1b[0m",
        }[status]
    facts = [v.format or "format not recognised"]
    if v.submission_id:
        facts.append(f"{v.results} result value(s)")
        facts.append(f"submission id {v.submission_id}")
    if v.problems:
        facts.append(f"{len(v.errors)} error(s), {len(v.warnings)} warning(s)")
    return f"{status}  {safe_text(v.name)}  ({'; '.join(facts)})"


def _problem_lines(p: Problem, color: bool) -> list[str]:
    label: str = p.severity
    if color:
        label = "\x1b[31merror\x1b[0m" if p.severity == "error" else "\x1b[33mwarning\x1b[0m"
    where = p.record + (("." if p.field and not p.field.startswith("[") else "") + p.field)
    out = [f"  {label}: {safe_text(where)}  [{p.code}]"]
    out.append(f"      expected: {safe_text(p.expected)}")
    out.append(f"      found:    {safe_text(p.found)}")
    if p.fix:
        first, *rest = safe_text(p.fix).split("\n")
        out.append(f"      fix:      {first}")
        out.extend(f"                {line}" for line in rest)
    return out


def _summary(batch: Batch) -> str:
    valid = sum(v.valid for v in batch.verdicts)
    warned = sum(v.status == "WARN" for v in batch.verdicts)
    against = (
        f"names and values compared with release {batch.reference_release}"
        if batch.reference_release
        else "no release to compare names and values with"
    )
    return (
        f"{len(batch.verdicts)} file(s): {valid} valid ({warned} with warnings),"
        f" {len(batch.verdicts) - valid} invalid; {against}"
    )


def json_report(batch: Batch) -> str:
    """The machine-readable report (``--format json``): stable keys, one object."""
    # ASCII only: a bidi override or C1 control in a file name cannot reach a terminal raw.
    return json.dumps(batch.to_json_dict(), indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def md_escape(text: str) -> str:
    """Submitted text made inert in Markdown and HTML."""
    text = safe_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def markdown_report(verdicts: list[Verdict], batch: Batch) -> str:
    """The report filed next to a rejected submission (and shown to its author)."""
    out: list[str] = []
    for v in verdicts:
        out.append(f"# Submission report: {md_escape(v.name)}")
        out.append("")
        out.append(f"**Verdict: {v.status}** ({len(v.errors)} error(s), {len(v.warnings)} warning(s)).")
        out.append(f"Format: {md_escape(v.format or 'not recognised')}.")
        if batch.reference_release:
            out.append(f"Compared with release {md_escape(batch.reference_release)}.")
        out.append("")
        if v.problems:
            out.append("| severity | where | expected | found | how to fix |")
            out.append("| --- | --- | --- | --- | --- |")
            for p in v.problems:
                where = p.record + (("." if p.field and not p.field.startswith("[") else "") + p.field)
                out.append(
                    "| "
                    + " | ".join(md_escape(x) for x in (p.severity, where, p.expected, p.found, p.fix))
                    + " |"
                )
            out.append("")
        out.append(
            "Fix the problems above and send the file again; `pwc-archive submission validate FILE`"
            " runs these same checks on your machine."
        )
    return "\n".join(out) + "\n"
