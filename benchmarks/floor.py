#!/usr/bin/env python
"""The floor a release build is measured against: DuckDB alone turning the dumps into Parquet.

Usage (from the repository root, with the project's venv)::

    .venv/bin/python benchmarks/floor.py --source DIR [--json OUT] [--threads 2]

For each of the five archive dumps in ``--source`` (the names
``../shared/tools/gen_scale.py`` writes: evaluation-tables, papers-with-abstracts,
links-between-papers-and-code, methods, datasets; gzip or plain JSON), one DuckDB
statement reads the file with DuckDB's own JSON reader and schema detection
(``read_json``: the evaluation tables become nested structs with a map of
metrics) and writes one zstd Parquet file: nothing else (no cleaning, no ids, no
validation, no second pass). That is the least any build must do with these
inputs, so ``build / floor`` says how close a build is to it.
``benchmarks/full_scale.py`` runs this in the same run as the builds and prints
the ratio.

Prints wall and CPU seconds and peak RSS (in a fresh subprocess, so the figure is
DuckDB's alone) and, with ``--json``, writes them.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DUMPS = (
    "evaluation-tables",
    "papers-with-abstracts",
    "links-between-papers-and-code",
    "methods",
    "datasets",
)


def find_dumps(source: Path) -> dict[str, Path]:
    """The five dumps of ``source`` by name (``NAME.json.gz`` or ``NAME.json``); missing ones left out."""
    found: dict[str, Path] = {}
    for name in DUMPS:
        for candidate in (source / f"{name}.json.gz", source / f"{name}.json"):
            if candidate.is_file():
                found[name] = candidate
                break
    return found


def _floor_in_process(source: Path, out: Path, threads: int) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = false")
    files: dict[str, Any] = {}
    for name, path in find_dumps(source).items():
        target = out / f"{name}.parquet"
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        # COPY TO takes no bound target: the path is a temp file this script named.
        reader = "read_json($p, format = 'array', maximum_object_size = 134217728)"
        sql = f"COPY (SELECT * FROM {reader}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"  # noqa: S608
        con.execute(sql, {"p": str(path)})
        files[name] = {
            "seconds": round(time.perf_counter() - t0, 2),
            "cpu_seconds": round(time.process_time() - cpu0, 2),
            "input_bytes": path.stat().st_size,
            "parquet_bytes": target.stat().st_size,
        }
    con.close()
    return files


def run_floor(source: Path, threads: int = 2) -> dict[str, Any]:
    """Run the floor in a fresh Python process; returns its figures (seconds, CPU, peak RSS, per file)."""
    with tempfile.TemporaryDirectory(prefix="pwc-floor-") as tmp:
        started = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--source",
                str(source),
                "--out",
                tmp,
                "--threads",
                str(threads),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"floor run failed: {proc.stderr.strip().splitlines()[-1:]}")
    figures: dict[str, Any] = json.loads(proc.stdout)
    figures["wall_seconds"] = round(wall, 2)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True, help="directory holding the five dumps")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (the build's default: 2)")
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        cpu0 = time.process_time()
        files = _floor_in_process(args.source, args.out, args.threads)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(
            json.dumps(
                {
                    "files": files,
                    "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
                    "cpu_seconds_statements": round(time.process_time() - cpu0, 2),
                    "peak_rss_bytes": usage.ru_maxrss * 1024,
                }
            )
        )
        return 0
    if not find_dumps(args.source):
        print(f"{args.source}: none of the dumps {', '.join(DUMPS)} found", file=sys.stderr)
        return 2
    figures = run_floor(args.source, args.threads)
    for name, f in figures["files"].items():
        print(
            f"{name:32} {f['seconds']:8.2f} s  cpu {f['cpu_seconds']:8.2f} s  {f['parquet_bytes'] / 1e6:8.1f} MB"
        )
    print(
        f"{'floor (process start to end)':32} {figures['wall_seconds']:8.2f} s  cpu {figures['cpu_seconds']:8.2f} s"
        f"  peak RSS {figures['peak_rss_bytes'] / 1e6:,.0f} MB"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
