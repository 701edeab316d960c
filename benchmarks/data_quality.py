#!/usr/bin/env python
"""Score the build's model deduplication and metric folding against the hand-labelled sets.

Usage (from the repository root, with the project's venv)::

    .venv/bin/python benchmarks/data_quality.py [--source DIR] [--db WORK_DB] [--show N] [--json OUT]

Without ``--db`` the script runs the build's own ``ingest`` and ``normalize``
stages (``transforms.pipeline``) on ``--source`` (default: the bundled sample,
the full 2020 dump and 12 leaderboard files) in a temporary work directory, then
reads what they decided: ``model_keys`` (which model each spelling of a paper
belongs to: the reviewed rules and the guard) and ``metric_names`` (the canonical
metric of each spelling). With ``--db`` it reads those tables from an existing
work database (``pwc-archive release build --keep-work``).

It prints, on the labelled sets of ``tests/fixtures`` (see its README):

* model dedup: precision and recall over the labelled pairs, and per category;
* metric folding: the share of labelled spelling groups folded into one metric,
  and of look-alike pairs kept apart;
* the first ``--show`` misses and wrong merges of each.

Targets (issue 10): precision >= 0.99 and recall >= 0.90 on >= 500 pairs; folding
>= 95% of >= 150 groups; every one of >= 50 look-alike pairs apart. Exit status 0
when every target is met, 1 when one is missed, 2 when the build or the inputs fail.
See benchmarks/README.md for the figures before and after issue 10.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
DEFAULT_SOURCE = ROOT / "data" / "sample"
RELEASE_ID = "2000-01-01.0"

TARGETS = {
    "model_pairs": 500,
    "precision": 0.99,
    "recall": 0.90,
    "metric_groups": 150,
    "folding_rate": 0.95,
    "look_alikes": 50,
    "apart_rate": 1.0,
}


def build_work_db(source: Path, tmp: Path) -> tuple[Path, float]:
    """Run the ingest and normalize stages on ``source``; the work database and the seconds taken."""
    from transforms.config import Settings
    from transforms.pipeline import ingest, normalize

    settings = Settings.load(source=str(source), store=str(tmp / "store"), work=str(tmp / "work"))
    started = time.perf_counter()
    ingest(settings, RELEASE_ID)
    normalize(settings, RELEASE_ID)
    return tmp / "work" / RELEASE_ID / "work.duckdb", time.perf_counter() - started


def decisions(db: Path) -> tuple[dict[tuple[str | None, str], str], dict[str, str]]:
    """(paper, spelling) -> model group, and spelling -> metric key, as the build decided them."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        groups = {
            (paper, name): group
            for paper, name, group in con.execute(
                "SELECT paper_key, model_name, group_key FROM model_keys"
            ).fetchall()
        }
        metrics = dict(con.execute("SELECT metric_name, metric_key FROM metric_names").fetchall())
    finally:
        con.close()
    return groups, metrics


def run(args: argparse.Namespace) -> dict[str, Any]:
    from transforms.normalize.labels import (
        load_look_alikes,
        load_metric_groups,
        load_model_pairs,
        score_metrics,
        score_model_pairs,
    )

    pairs = load_model_pairs(args.pairs)
    groups_labelled = load_metric_groups(args.metric_groups)
    look_alikes = load_look_alikes(args.look_alikes)
    with tempfile.TemporaryDirectory(prefix="pwc-dq-") as tmp:
        seconds = None
        db = args.db
        if db is None:
            db, seconds = build_work_db(args.source, Path(tmp))
        groups, metrics = decisions(db)

    absent = sorted(
        {
            f"{paper}: {name!r}"
            for p in pairs
            for paper, name in ((p.paper_key, p.name_a), (p.paper_b, p.name_b))
            if (paper, name) not in groups
        }
    )

    def merged(p: Any) -> bool:
        a, b = groups.get((p.paper_key, p.name_a)), groups.get((p.paper_b, p.name_b))
        return p.same_paper and a is not None and a == b

    from transforms.normalize.metrics import clean

    models = score_model_pairs(pairs, merged)
    metric_score = score_metrics(groups_labelled, look_alikes, metrics, spelling=clean)
    figures = {
        "model_pairs": models.pairs,
        "same_pairs": len(models.merged_same) + len(models.missed),
        "different_pairs": models.pairs - len(models.merged_same) - len(models.missed),
        "precision": round(models.precision, 4),
        "recall": round(models.recall, 4),
        "wrong_merges": len(models.wrong_merges),
        "missed_merges": len(models.missed),
        "metric_groups": metric_score.groups,
        "folding_rate": round(metric_score.folding_rate, 4),
        "look_alikes": metric_score.look_alikes,
        "apart_rate": round(metric_score.apart_rate, 4),
    }
    met = {name: figures[name] >= target for name, target in TARGETS.items()}
    return {
        "source": str(args.source) if args.db is None else None,
        "db": str(args.db) if args.db else None,
        "ingest_normalize_seconds": round(seconds, 2) if seconds is not None else None,
        "figures": figures,
        "targets": TARGETS,
        "targets_met": met,
        "by_category": models.by_category,
        "wrong_merges": [_pair(p) for p in models.wrong_merges],
        "missed_merges": [_pair(p) for p in models.missed],
        "groups_not_folded": [
            {"line": g.line, "group": g.group, "names": list(g.names)} for g in metric_score.not_folded
        ],
        "look_alikes_merged": [
            {"line": p.line, "names": [p.name_a, p.name_b]} for p in metric_score.merged_look_alikes
        ],
        "labelled_names_not_in_build": absent + sorted(set(metric_score.unplaced)),
    }


def _pair(p: Any) -> dict[str, Any]:
    return {
        "line": p.line,
        "paper": p.paper_key,
        "names": [p.name_a, p.name_b],
        "category": p.category,
        "reason": p.reason,
    }


def report(result: dict[str, Any], show: int) -> str:
    f = result["figures"]
    lines = [
        "data quality against the labelled sets (tests/fixtures)",
        f"  build: {result['db'] or 'ingest + normalize of ' + str(result['source'])}"
        + (f" ({result['ingest_normalize_seconds']} s)" if result["ingest_normalize_seconds"] else ""),
        "",
        f"model dedup: {f['model_pairs']} labelled pairs ({f['same_pairs']} same, {f['different_pairs']} different)",
        f"  precision {f['precision']:.4f}  (target >= {TARGETS['precision']}; {f['wrong_merges']} wrong merges)",
        f"  recall    {f['recall']:.4f}  (target >= {TARGETS['recall']}; {f['missed_merges']} same pairs left apart)",
        "",
        "  category                  same  merged  different  wrong merges",
    ]
    for cat, c in sorted(result["by_category"].items()):
        lines.append(
            f"  {cat:24} {c['same']:5} {c['merged_same']:7} {c['different']:10} {c['wrong_merges']:13}"
        )
    lines += [
        "",
        (
            f"metric folding: {f['metric_groups']} labelled spelling groups, {f['folding_rate']:.1%} folded "
            f"(target >= {TARGETS['folding_rate']:.0%})"
        ),
        f"  look-alikes: {f['look_alikes']} pairs, {f['apart_rate']:.1%} kept apart (target 100%)",
    ]
    for title, key in (
        ("wrong merges", "wrong_merges"),
        ("same pairs left apart", "missed_merges"),
        ("groups not folded", "groups_not_folded"),
        ("look-alikes merged", "look_alikes_merged"),
        ("labelled names the build does not have", "labelled_names_not_in_build"),
    ):
        items = result[key]
        if items and show:
            lines += ["", f"{title} ({len(items)}, first {min(show, len(items))}):"]
            lines += [f"  {json.dumps(item, ensure_ascii=False)}" for item in items[:show]]
    missed_targets = [name for name, ok in result["targets_met"].items() if not ok]
    lines += ["", "targets: " + ("all met" if not missed_targets else "MISSED " + ", ".join(missed_targets))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source", type=Path, default=DEFAULT_SOURCE, help="source directory (default: data/sample)"
    )
    parser.add_argument("--db", type=Path, help="score an existing work database instead of building one")
    parser.add_argument("--pairs", type=Path, default=FIXTURES / "model_pairs.csv")
    parser.add_argument("--metric-groups", type=Path, default=FIXTURES / "metric_groups.csv")
    parser.add_argument("--look-alikes", type=Path, default=FIXTURES / "metric_look_alikes.csv")
    parser.add_argument("--show", type=int, default=10, help="list at most N of each kind of error (0: none)")
    parser.add_argument("--json", type=Path, help="also write every figure and error as JSON")
    args = parser.parse_args(argv)
    from transforms.errors import PwcError

    try:
        result = run(args)
    except PwcError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report(result, args.show))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if all(result["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
