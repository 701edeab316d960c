#!/usr/bin/env python
"""Time one intake run over thousands of submission files built from real archive rows.

Usage (from the repository root, with the project's venv)::

    .venv/bin/python benchmarks/intake.py [--files 10000] [--json OUT]

1. Builds the bundled sample release into a temporary store (the release every
   submission is compared with; not timed as intake).
2. Generates ``--files`` submission files from the real 2020 evaluation-tables
   dump: one file per (paper, leaderboard) group of real rows, 80 % in the own
   JSON format, 10 % own YAML, 10 % model-index YAML. They are real rows, so most
   repeat archived results and some fail exactly where the archive is messy
   (values that do not parse, missing dates).
3. Runs the intake once, in this process (claim, one validation batch with one
   Great Expectations run, filing, status.json), and reports each phase.
4. Times one ``pwc-archive submission validate FILE`` from a cold start (a new
   interpreter, as a person would run it), with and without a release to compare.

Target (issue): the intake run under 60 s on a 2-core machine after interpreter
start-up. Exit status 1 when it is missed. Timings are not tests.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_S = 60.0


def generate(inbox: Path, count: int) -> dict[str, int]:
    """Write ``count`` submission files built from real rows of the 2020 dump."""
    import yaml

    from transforms.ingest.evaluation_tables import walk_task
    from transforms.ingest.jsonstream import iter_items

    dump = next((ROOT / "data" / "sample").glob("evaluation-tables*.json.gz"))
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    rows: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for index, task in iter_items(dump, dump.name):
        for emitted in walk_task(task, dump.name, index):
            if emitted.kind != "result":
                continue
            r = emitted.row
            url = r.get("paper_url_raw") or ""
            if not url.startswith("http") or not r.get("paper_title_raw") or r.get("metric_name_raw") is None:
                continue
            key = (url, r["task_raw"] or "", r["dataset_raw"] or "")
            groups.setdefault(key, r)
            # One result per model: the dump repeats whole subtrees, a submitter would not.
            result = rows[key].setdefault(
                r["model_name_raw"] or "unnamed",
                {
                    "task": r["task_raw"],
                    "dataset": r["dataset_raw"],
                    "model": r["model_name_raw"] or "unnamed",
                    "metrics": {},
                    "uses_additional_data": bool(r.get("uses_additional_data")),
                },
            )
            result["metrics"].setdefault(r["metric_name_raw"], r["value_raw"])
    keys = list(groups)
    formats = {"json": 0, "yaml": 0, "model-index": 0}
    for n in range(count):
        key = keys[n % len(keys)]
        first = groups[key]
        results = list(rows[key].values())
        submitter = {"name": f"Benchmark Submitter {n}"}
        paper: dict[str, Any] = {"title": first["paper_title_raw"], "url": key[0]}
        if first.get("paper_date_raw"):
            paper["date"] = first["paper_date_raw"]
        kind = "model-index" if n % 10 == 9 else "yaml" if n % 10 == 8 else "json"
        formats[kind] += 1
        if kind == "model-index":
            doc: dict[str, Any] = {
                "license": "CC-BY-SA-4.0",
                "submitter": submitter,
                "Models": [
                    {
                        "Name": r["model"],
                        "Paper": {"Title": paper["title"], "URL": paper["url"]},
                        "Results": [{"Task": r["task"], "Dataset": r["dataset"], "Metrics": r["metrics"]}],
                    }
                    for r in results
                ],
            }
            (inbox / f"{n:05d}.model-index.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
            continue
        doc = {
            "schema_version": 1,
            "license": "CC-BY-SA-4.0",
            "submitter": submitter,
            "paper": paper,
            "results": results,
        }
        if kind == "yaml":
            (inbox / f"{n:05d}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        else:
            (inbox / f"{n:05d}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    return formats


def cold_validate(path: Path, store: Path | None) -> tuple[float, int]:
    args = [str(ROOT / ".venv" / "bin" / "pwc-archive"), "submission", "validate", str(path)]
    args += ["--store", str(store)] if store else ["--against", "none"]
    env = {**os.environ, "PWC_CONFIG": "/nonexistent.toml"}
    started = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - started, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    startup = time.perf_counter() - _T0

    from transforms.config import Settings
    from transforms.pipeline import build_release
    from transforms.submissions.intake import run_intake

    tmp = Path(tempfile.mkdtemp(prefix="pwc-intake-bench-"))
    try:
        store, work, root = tmp / "store", tmp / "work", tmp / "submissions"
        settings = Settings.load(
            source=str(ROOT / "data" / "sample"), store=str(store), work=str(work), submissions=str(root)
        )
        started = time.perf_counter()
        release = build_release(settings, release_id="2026-01-01.0")
        build_s = time.perf_counter() - started
        print(f"reference release {release.release_id} built in {build_s:.1f} s (not part of the intake)")

        inbox = root / "inbox"
        inbox.mkdir(parents=True)
        started = time.perf_counter()
        formats = generate(inbox, args.files)
        gen_s = time.perf_counter() - started
        total_bytes = sum(p.stat().st_size for p in inbox.iterdir())
        print(f"generated {args.files:,} files ({total_bytes / 1e6:.1f} MB; {formats}) in {gen_s:.1f} s")

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        report = run_intake(settings)
        intake_s = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures = report.to_json_dict()
        print(
            f"intake: {intake_s:.1f} s for {report.claimed:,} files -> {report.accepted:,} accepted,"
            f" {report.duplicates:,} duplicates, {report.rejected:,} rejected"
        )
        for phase, secs in figures["seconds"].items():
            print(f"  {phase:<9} {secs:7.2f} s")
        print(f"  peak RSS of the process: {rss_after:.0f} MB (before the intake: {rss_before:.0f} MB)")
        rejected_codes: dict[str, int] = defaultdict(int)
        for report_path in root.glob("rejected/*/report.json"):
            for p in json.loads(report_path.read_text())["problems"]:
                if p["severity"] == "error":
                    rejected_codes[p["code"]] += 1
        top = sorted(rejected_codes.items(), key=lambda kv: -kv[1])[:8]
        print(f"  most frequent errors in rejected files: {top}")

        one = ROOT / "docs" / "examples" / "submission.json"
        cold_ref, code_ref = cold_validate(one, store)
        cold_none, code_none = cold_validate(one, None)
        print(
            f"cold `submission validate` of one file: {cold_ref:.2f} s compared with a release (exit {code_ref}),"
            f" {cold_none:.2f} s without (exit {code_none})"
        )

        result = {
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "interpreter_and_script_start_s": round(startup, 3),
            "files": args.files,
            "bytes": total_bytes,
            "formats": formats,
            "intake_s": round(intake_s, 3),
            "intake": figures,
            "peak_rss_mb": round(rss_after),
            "rejected_error_codes": dict(rejected_codes),
            "cold_validate_one_file_s": {
                "with_release": round(cold_ref, 3),
                "without_release": round(cold_none, 3),
            },
            "target_s": TARGET_S,
            "target_met": intake_s < TARGET_S,
        }
        if args.json:
            args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"target: intake under {TARGET_S:.0f} s -> {'met' if intake_s < TARGET_S else 'MISSED'}")
        return 0 if intake_s < TARGET_S else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
