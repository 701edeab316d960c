"""The data-quality report of a release (``quality.json``, and a section of its README).

It counts what normalisation found and did, so that a reader can judge the data
and see it improve (or not) from one release to the next:

* values that did not parse, by reason (``results.value_issue``);
* conflicts: identities with more than one value;
* scale flags: fractions among percentages reconciled, unclear scales, values
  outside their metric's bounds (``results.value_flag``);
* unknown metrics: names the metric registry does not know (direction unknown);
* merges: model spellings and metric spellings merged, results collapsed, ids redirected;
* one result, many sources: results that several source files (or a submission)
  report, folded into one row whose ``sources`` lists them all;
* model merges by rule (transforms/normalize/model_identity.py), and the merges the
  guard refused: two spellings of one paper with different values in one leaderboard
  are two entries, whatever a rule says (``rejected_model_merges`` lists them);
* the diff against the previous release.

Every figure is compared with the same figure of the previous release's report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb

VERSION = 1
"""Version of the report's JSON layout."""
TOP_UNKNOWN = 20

_REJECTED = """
SELECT paper_key, rule, name_a, name_b, task_name, dataset_name, metric_key, values_a, values_b
FROM model_merge_rejections
ORDER BY paper_key, name_a, name_b
"""


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _counts(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in con.execute(sql).fetchall()}


def build_report(
    con: duckdb.DuckDBPyConnection,
    *,
    release_id: str,
    previous: Mapping[str, Any] | None,
    diff: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The report for the release tables in ``con`` (the work database), compared with ``previous``."""
    figures: dict[str, Any] = {
        "results": _one(con, "SELECT count(*) FROM results"),
        "unparsed_values": _counts(
            con,
            "SELECT value_issue, count(*) FROM results WHERE value_issue IS NOT NULL GROUP BY 1 ORDER BY 1",
        ),
        "conflicts": {
            "identities": _one(con, "SELECT count(DISTINCT identity_id) FROM conflicts"),
            "results": _one(con, "SELECT count(*) FROM conflicts"),
        },
        "scale_flags": _counts(
            con, "SELECT value_flag, count(*) FROM results WHERE value_flag IS NOT NULL GROUP BY 1 ORDER BY 1"
        ),
        "unknown_metrics": {
            "metrics": _one(con, "SELECT count(*) FROM metrics WHERE NOT is_known"),
            "results": _one(
                con, "SELECT count(*) FROM results JOIN metrics USING (metric_id) WHERE NOT metrics.is_known"
            ),
            "results_without_direction": _one(con, "SELECT count(*) FROM results WHERE direction IS NULL"),
        },
        "merges": {
            "models_with_several_spellings": _one(
                con,
                "SELECT count(*) FROM (SELECT model_id FROM int_model_spellings GROUP BY 1 HAVING count(*) > 1)",
            ),
            "model_spellings_merged": _one(
                con, "SELECT count(*) - count(DISTINCT model_id) FROM int_model_spellings"
            ),
            "metrics_with_several_spellings": _one(
                con,
                "SELECT count(*) FROM (SELECT metric_id FROM int_metric_spellings GROUP BY 1 HAVING count(*) > 1)",
            ),
            "metric_spellings_folded": _one(
                con, "SELECT count(*) - count(DISTINCT metric_id) FROM int_metric_spellings"
            ),
            "archived_cells": _one(con, "SELECT count(*) FROM stg_results"),
            "cells_collapsed_into_results": _one(
                con, "SELECT (SELECT count(*) FROM stg_results) - (SELECT count(*) FROM results)"
            ),
            "ids_redirected_in_this_release": _one(
                con,
                "SELECT count(*) FROM id_redirects WHERE release = (SELECT release_id FROM build_info)",
            ),
        },
        "one_result_many_sources": {
            "results_with_several_sources": _one(con, "SELECT count(*) FROM results WHERE len(sources) > 1"),
            "copies_folded": _one(con, "SELECT sum(len(sources) - 1) FROM results"),
        },
        "model_merges": {
            "spellings_merged_by_rule": _counts(
                con,
                "SELECT merge_rule, count(*) FROM int_model_spellings WHERE merge_rule IS NOT NULL "
                "GROUP BY 1 ORDER BY 1",
            ),
            "rejected_by_guard": _one(con, "SELECT count(*) FROM model_merge_rejections"),
        },
    }
    top_unknown = [
        {"metric": name, "results": int(n)}
        for name, n in con.execute(
            "SELECT metrics.name, count(*) AS n FROM results JOIN metrics USING (metric_id) "
            "WHERE NOT metrics.is_known GROUP BY 1 ORDER BY n DESC, 1 LIMIT $n",
            {"n": TOP_UNKNOWN},
        ).fetchall()
    ]
    by_sources = [
        {"sources": list(sources), "results": int(n)}
        for sources, n in con.execute(
            "SELECT sources, count(*) FROM results WHERE len(sources) > 1 GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    ]
    rejected = [
        {
            "paper": paper,
            "rule": rule,
            "spellings": [a, b],
            "leaderboard": {"task": task, "dataset": dataset, "metric": metric},
            "values": [list(values_a), list(values_b)],
        }
        for paper, rule, a, b, task, dataset, metric, values_a, values_b in con.execute(_REJECTED).fetchall()
    ]
    changes = _changes_summary(diff)
    if changes is not None:
        figures["changes"] = changes
    previous_figures = (previous or {}).get("figures") or {}
    return {
        "report_version": VERSION,
        "release_id": release_id,
        "previous_release": (previous or {}).get("release_id"),
        "figures": figures,
        "top_unknown_metrics": top_unknown,
        "results_by_sources": by_sources,
        "rejected_model_merges": rejected,
        "comparison": compare(figures, previous_figures) if previous else [],
    }


def _md(text: str) -> str:
    """A model or dataset name inside Markdown prose: specials escaped."""
    return "".join("\\" + ch if ch in "\\`*_[]<>|#" else ch for ch in text)


def _value(key: str) -> str:
    """A guard value key (``v:85.5``, ``raw:...``) as a reader writes it."""
    return key.split(":", 1)[1] if ":" in key else key


def _changes_summary(diff: Mapping[str, Any] | None) -> dict[str, int] | None:
    """Added / removed / merged / changed ids over every table (the diff's own totals)."""
    if not diff or not diff.get("old_release"):
        return None
    totals = diff.get("totals") or {}
    return {kind: int(totals.get(kind, 0)) for kind in ("added", "removed", "merged", "changed")}


def flatten(figures: Mapping[str, Any], prefix: str = "") -> dict[str, int]:
    """``{"conflicts": {"results": 3}}`` -> ``{"conflicts.results": 3}``."""
    out: dict[str, int] = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        elif isinstance(value, int):
            out[name] = value
    return out


def compare(figures: Mapping[str, Any], previous: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per figure of either report: value, previous value (None if absent) and change."""
    now, before = flatten(figures), flatten(previous)
    rows = []
    for name in sorted(set(now) | set(before)):
        value, was = now.get(name, 0), before.get(name)
        rows.append(
            {"figure": name, "value": value, "previous": was, "change": None if was is None else value - was}
        )
    return rows


def render_markdown(report: Mapping[str, Any]) -> str:
    """The README section: every figure, with the previous release's beside it."""
    previous = report.get("previous_release")
    lines = ["## Data quality", ""]
    if previous:
        lines.append(f"Compared with the previous release, `{previous}`. The full report is `quality.json`.")
        lines += ["", "| figure | this release | previous | change |", "|---|---:|---:|---:|"]
        for row in report["comparison"]:
            was = "–" if row["previous"] is None else f"{row['previous']:,}"
            change = "new" if row["change"] is None else (f"{row['change']:+,}" if row["change"] else "0")
            lines.append(f"| {row['figure']} | {row['value']:,} | {was} | {change} |")
    else:
        lines.append("The first release: nothing to compare with. The full report is `quality.json`.")
        lines += ["", "| figure | this release |", "|---|---:|"]
        for name, value in flatten(report["figures"]).items():
            lines.append(f"| {name} | {value:,} |")
    unknown = report.get("top_unknown_metrics") or []
    if unknown:
        names = ", ".join(f"{u['metric']} ({u['results']:,})" for u in unknown[:10])
        lines += [
            "",
            f"Most used metrics the registry does not know (direction unknown, not ranked): {names}.",
        ]
    rejected = report.get("rejected_model_merges") or []
    if rejected:
        shown = "; ".join(
            f"{_md(r['spellings'][0])} / {_md(r['spellings'][1])} ({_md(r['leaderboard']['dataset'])}: "
            f"{', '.join(_value(v) for v in r['values'][0])} vs {', '.join(_value(v) for v in r['values'][1])})"
            for r in rejected[:5]
        )
        lines += [
            "",
            (
                f"Merges refused by the guard ({len(rejected):,}): two spellings of one paper with different "
                f"values in one leaderboard stay two models, whatever a rule says. For example: {shown}. "
                "All of them are in `quality.json` (`rejected_model_merges`)."
            ),
        ]
    lines += [
        "",
        (
            "Figures: `unparsed_values.<reason>` cells that are not one number; `conflicts` identities with more "
            "than one value; `scale_flags.<flag>` values reconciled between fraction and percent scales or "
            "flagged (see `results.value_flag`); `unknown_metrics` names outside the metric registry; `merges` "
            "model and metric spellings merged, archived cells collapsed into one result, ids redirected "
            "(`id_redirects`); `one_result_many_sources` results reported by several sources, folded into one "
            "row (`results.sources`), and the copies folded; `model_merges` model spellings merged by each "
            "reviewed rule and merges the guard refused; `changes` ids added, removed, merged or changed since "
            "the previous release (`changes`, `CHANGELOG.md`)."
        ),
        "",
    ]
    return "\n".join(lines)
