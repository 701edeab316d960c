#!/usr/bin/env python
"""Time the in-process release build stage by stage (wall time, peak RSS).

Usage (from the repository root, with the project's venv)::

    .venv/bin/python benchmarks/build_stages.py [--source DIR] [--repeat N] [--json OUT]
    .venv/bin/python benchmarks/build_stages.py --streaming-check [--scale 5] [--json OUT]

Default mode builds a release from ``--source`` (default: the bundled sample,
which holds the full 2020-08-28 evaluation-tables dump) into a temporary store
and work directory by calling ``transforms.pipeline``'s stage functions in
order, in this process, and reports for each stage its wall time and its peak
RSS *during that stage*. Targets (issue): a cold build under 60 s and under
1.5 GB peak RSS on a 2-core machine. Exit status 1 when a target is missed.

``--streaming-check`` shows that ingest memory stays bounded: it runs the ingest
stage alone on the evaluation-tables dump and a plain ``json.load(gzip.open(dump))``
of the same file, each in its own subprocess, then the same on a synthetic input
``--scale`` times larger. Exit status 1 when ingest memory grows like json.load's.

See benchmarks/README.md for how to read the output.
"""

from __future__ import annotations

import os
import time

_T0 = time.perf_counter()
"""perf_counter at the top of the script, before any heavy import."""


def _seconds_since_process_start() -> float | None:
    """How long ago this process was started (Linux /proc; 10 ms resolution), else None."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            after_comm = fh.read().rsplit(")", 1)[1].split()
        start_ticks = int(after_comm[19])  # field 22 of stat(5): starttime, clock ticks since boot
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return None


_STARTUP_S = _seconds_since_process_start()
"""Interpreter start-up: process start until the first line of this script ran."""

import argparse
import gzip
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT / "data" / "sample"
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60.0
TARGET_RSS_BYTES = 1_500_000_000  # 1.5 GB, decimal (= 1430.5 MiB)
MB = 1_000_000

# --------------------------------------------------------------------------- memory probe


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _ru_maxrss_bytes() -> int:
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024  # bytes on macOS, KiB elsewhere


class RssProbe:
    """Peak RSS of a window of time in this process (all threads, DuckDB's memory included).

    Linux: writing ``5`` to ``/proc/self/clear_refs`` resets the peak (VmHWM) to the
    current RSS, so the VmHWM read after the window is the peak *of the window*.
    Elsewhere (or if clear_refs is not writable) ``getrusage().ru_maxrss`` is used;
    it cannot be reset, so a window's figure is the process's peak so far.
    """

    def __init__(self) -> None:
        self.resettable = self._try_reset()
        if self.resettable:
            self.method = "clear_refs+VmHWM (peak reset before each stage: figures are per stage)"
        else:
            self.method = "getrusage ru_maxrss (peak cannot be reset: each figure is the process peak so far)"

    @staticmethod
    def _try_reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
            return _status_kb("VmHWM") is not None
        except OSError:
            return False

    def reset(self) -> None:
        if self.resettable:
            self._try_reset()

    def peak(self) -> int:
        if self.resettable:
            hwm = _status_kb("VmHWM")
            if hwm is not None:
                return hwm
        return _ru_maxrss_bytes()

    @staticmethod
    def current() -> int | None:
        return _status_kb("VmRSS")


# --------------------------------------------------------------------------- machine and inputs


def _read_first(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except OSError:
        return None


def bytecode_info() -> dict[str, Any]:
    """Whether imports can use cached bytecode; without it every process compiles GX from source."""
    import importlib.util

    spec = importlib.util.find_spec("great_expectations")
    cached = None
    if spec and spec.origin and spec.origin.endswith(".py"):
        cached = Path(importlib.util.cache_from_source(spec.origin)).is_file()
    return {
        "dont_write_bytecode": sys.dont_write_bytecode,
        "pycache_prefix": sys.pycache_prefix,
        "great_expectations_pyc_present": cached,
    }


def _bytecode_note(b: dict[str, Any]) -> str:
    state = "cached .pyc present" if b["great_expectations_pyc_present"] else "NO cached .pyc"
    writes = "off (PYTHONDONTWRITEBYTECODE)" if b["dont_write_bytecode"] else "on"
    prefix = f", PYTHONPYCACHEPREFIX={b['pycache_prefix']}" if b["pycache_prefix"] else ""
    note = f"bytecode: GX {state}, writing {writes}{prefix}"
    if not b["great_expectations_pyc_present"]:
        note += " -> imports compile from source (slow GX/pandas imports; see benchmarks/README.md)"
    return note


def machine_info() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    mem_total = _meminfo_bytes("MemTotal")
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for pkg in ("duckdb", "pyarrow", "pandas", "great_expectations", "ijson"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "cgroup_cpu_max": _read_first("/sys/fs/cgroup/cpu.max"),
        "cgroup_memory_max": _read_first("/sys/fs/cgroup/memory.max"),
        "mem_total_bytes": mem_total,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "bytecode": bytecode_info(),
        "versions": versions,
    }


def _meminfo_bytes(field: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _uncompressed_bytes(path: Path) -> int | None:
    with path.open("rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return None
    total = 0
    with gzip.open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            total += len(block)
    return total


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- build mode


def _console() -> Any:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 130)


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def gate_breakdown(
    validate_details: dict[str, Any], stage_seconds: float, rows: dict[str, int]
) -> dict[str, Any]:
    """The validate stage split by where the gate says its time went (``GateReport.seconds``)."""
    seconds = validate_details.get("seconds") or {}
    tables = seconds.get("tables") or {}
    out: dict[str, Any] = {
        "gx_import_s": seconds.get("gx_import_and_context", 0.0),
        "gx_context_s": seconds.get("gx_context", 0.0),
        "resolve_parameters_s": seconds.get("parameters", 0.0),
        "read_tables_s": sum(t["read"] for t in tables.values()),
        "gx_validate_s": sum(t["validate"] for t in tables.values()),
        "tables": {
            name: {"rows": rows.get(name), "read_s": t["read"], "validate_s": t["validate"]}
            for name, t in tables.items()
        },
    }
    out["other_s"] = stage_seconds - sum(
        out[k]
        for k in ("gx_import_s", "gx_context_s", "resolve_parameters_s", "read_tables_s", "gx_validate_s")
    )
    return out


def run_build(source: Path, probe: RssProbe, run_no: int, console: Any) -> dict[str, Any]:
    import duckdb

    from transforms import pipeline
    from transforms.config import Settings

    with tempfile.TemporaryDirectory(prefix="pwc-bench-") as tmp:
        settings = Settings.load(source=str(source), store=f"{tmp}/store", work=f"{tmp}/work")
        release_id = pipeline.plan(settings, datetime.now(UTC).date())
        stages: dict[str, dict[str, Any]] = {}
        starts: dict[str, int | None] = {}
        metric_cells: list[int] = []
        gx_already_imported = "great_expectations" in sys.modules

        def stage_started(stage: str) -> None:
            starts[stage] = probe.current()
            probe.reset()

        def stage_finished(stage: str, seconds: float) -> None:
            peak = probe.peak()
            stages[stage] = {"seconds": seconds, "rss_start_bytes": starts[stage], "peak_rss_bytes": peak}
            console.print(
                f"  run {run_no}: {stage:<9} {seconds:7.2f} s   peak RSS {peak / MB:7.0f} MB", highlight=False
            )
            if stage == "ingest":  # the probe's own query, after the stage's figures were taken
                (run_dir,) = Path(settings.work).glob(f"{release_id}{pipeline.RUN_SEPARATOR}*")
                db = run_dir / pipeline.WORK_DB
                with duckdb.connect(str(db), read_only=True) as con:
                    row = con.execute(
                        "SELECT count(*) FROM raw_results WHERE metric_name_raw IS NOT NULL"
                    ).fetchone()
                    metric_cells.append(row[0] if row else 0)

        result = pipeline.build_release(
            settings,
            release_id=release_id,
            keep_work=True,
            hooks=pipeline.Hooks(stage_started=stage_started, stage_finished=stage_finished),
        )
        details = result.details
        stages["validate"]["breakdown"] = gate_breakdown(
            details["validate"], stages["validate"]["seconds"], details["export"]
        )
        release_bytes = _dir_bytes(Path(details["publish"]))
        work_bytes = _dir_bytes(Path(settings.work) / result.run)
        started = time.perf_counter()
        pipeline.cleanup(settings, result.run)
        cleanup_s = time.perf_counter() - started
        ingest = details["ingest"]
        return {
            "run": run_no,
            "release_id": release_id,
            "gx_imported_before_run": gx_already_imported,
            "settings": {"threads": settings.threads, "memory_limit": settings.memory_limit},
            "stages": stages,
            "total_s": sum(s["seconds"] for s in stages.values()),
            "peak_rss_bytes": max(s["peak_rss_bytes"] for s in stages.values()),
            "cleanup_s": cleanup_s,
            "ingest_summary": {"rows": ingest["rows"], "files": ingest["files"], "inputs": ingest["inputs"]},
            "metric_cells": metric_cells[0] if metric_cells else None,
            "release_bytes": release_bytes,
            "work_dir_bytes": work_bytes,
            "release_rows": details["export"],
        }


def build_mode(args: argparse.Namespace) -> int:
    load_before = _loadavg()
    bytecode_before = _bytecode_note(bytecode_info())  # before our runs may write .pyc files
    probe = RssProbe()
    imports_started = time.perf_counter()
    import duckdb  # noqa: F401
    import pyarrow  # noqa: F401
    import rich.console  # noqa: F401

    from transforms import pipeline  # noqa: F401
    from transforms.config import Settings  # noqa: F401
    from transforms.errors import PwcError

    imports_s = time.perf_counter() - imports_started
    script_top_to_ready_s = time.perf_counter() - _T0
    imports_peak = probe.peak()

    console = _console()
    source = Path(args.source).resolve()
    console.print(f"source {source}; RSS method: {probe.method}", highlight=False)
    runs = []
    for n in range(1, args.repeat + 1):
        try:
            runs.append(run_build(source, probe, n, console))
        except PwcError as exc:  # a failed build is no measurement
            console.print(f"[bold red]build failed in run {n}:[/] {exc}", highlight=False)
            return 2

    first = runs[0]
    inputs = []
    for item in first["ingest_summary"]["inputs"]:
        path = source / item["path"]
        inputs.append(
            {
                **item,
                "uncompressed_bytes": _uncompressed_bytes(path),
                "result_rows": first["ingest_summary"]["files"].get(item["path"]),
            }
        )
    cold_end_to_end = (_STARTUP_S or 0.0) + script_top_to_ready_s + first["total_s"]
    peak_all = max([imports_peak] + [r["peak_rss_bytes"] for r in runs])
    targets = {
        "wall": {
            "what": "cold build, process start to published release (start-up + imports + run 1 stages)",
            "seconds": cold_end_to_end,
            "limit_s": TARGET_SECONDS,
            "pass": cold_end_to_end < TARGET_SECONDS,
        },
        "rss": {
            "what": "peak RSS, max over imports and every stage of every run",
            "bytes": peak_all,
            "limit_bytes": TARGET_RSS_BYTES,
            "pass": peak_all < TARGET_RSS_BYTES,
        },
    }
    result = {
        "benchmark": "build_stages",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(),
        "source": str(source),
        "rss_method": probe.method,
        "startup": {
            "interpreter_s": _STARTUP_S,
            "imports_s": imports_s,
            "script_top_to_ready_s": script_top_to_ready_s,
            "imports_peak_rss_bytes": imports_peak,
        },
        "inputs": inputs,
        "loadavg_before": load_before,
        "bytecode_before": bytecode_before,
        "loadavg_after": _loadavg(),
        "metric_cells": first["metric_cells"],
        "runs": runs,
        "targets": targets,
        "pass": all(t["pass"] for t in targets.values()),
    }
    _print_build(console, result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {args.json}")
    return 0 if result["pass"] else 1


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / MB:,.0f}"


def _verdict(ok: bool) -> str:
    return "[bold green]PASS[/]" if ok else "[bold red]FAIL[/]"


_BREAKDOWN = (
    ("gx_import_s", "GX import"),
    ("gx_context_s", "GX context"),
    ("resolve_parameters_s", "id sets (DuckDB)"),
    ("read_tables_s", "tables to pandas"),
    ("gx_validate_s", "GX validation"),
    ("other_s", "other"),
)


def _warm_label(n: int) -> str:
    return "" if n < 2 else "; warm = run 2" if n == 2 else f"; warm = runs 2-{n}"


def _print_build(console: Any, r: dict[str, Any]) -> None:
    from rich.table import Table

    m = r["machine"]
    console.print(
        f"\n[bold]machine[/] nproc {m['nproc']}, RAM {_mb(m['mem_total_bytes'])} MB, {m['cpu_model']}, "
        f"Python {m['python']}, duckdb {m['versions']['duckdb']}, GX {m['versions']['great_expectations']}; "
        f"threads={r['runs'][0]['settings']['threads']} memory_limit={r['runs'][0]['settings']['memory_limit']}",
        highlight=False,
    )
    inputs = Table(title="inputs", title_justify="left")
    for col in ("file", "bytes", "uncompressed", "rows read"):
        inputs.add_column(col, justify="left" if col == "file" else "right")
    for i in r["inputs"]:
        inputs.add_row(
            i["path"],
            f"{i['bytes']:,}",
            "-" if i["uncompressed_bytes"] is None else f"{i['uncompressed_bytes']:,}",
            "-" if i["result_rows"] is None else f"{i['result_rows']:,}",
        )
    inputs.add_row(
        "[bold]total[/]",
        f"{sum(i['bytes'] for i in r['inputs']):,}",
        "",
        f"{r['metric_cells']:,} metric cells" if r["metric_cells"] is not None else "",
    )
    console.print(inputs)

    runs = r["runs"]
    cold, warm = runs[0], runs[1:]
    table = Table(title=f"stages (cold = run 1{_warm_label(len(runs))})", title_justify="left")
    table.add_column("stage")
    table.add_column("wall s (cold)", justify="right")
    table.add_column("RSS at start MB", justify="right")
    table.add_column("peak RSS MB", justify="right")
    table.add_column("peak − start MB", justify="right")
    if warm:
        table.add_column("wall s (warm, median)", justify="right")
        table.add_column("peak RSS MB (warm, max)", justify="right")
    for stage, s in cold["stages"].items():
        row = [
            stage,
            f"{s['seconds']:.2f}",
            _mb(s["rss_start_bytes"]),
            _mb(s["peak_rss_bytes"]),
            "-" if s["rss_start_bytes"] is None else _mb(s["peak_rss_bytes"] - s["rss_start_bytes"]),
        ]
        if warm:
            row += [
                f"{statistics.median(w['stages'][stage]['seconds'] for w in warm):.2f}",
                _mb(max(w["stages"][stage]["peak_rss_bytes"] for w in warm)),
            ]
        table.add_row(*row)
        if stage == "validate" and "breakdown" in s:
            for key, label in _BREAKDOWN:
                line = [f"  {label}", f"{s['breakdown'][key]:.2f}", "", "", ""]
                if warm:
                    line += [
                        f"{statistics.median(w['stages'][stage]['breakdown'][key] for w in warm):.2f}",
                        "",
                    ]
                table.add_row(*line, style="dim")
    total = ["[bold]stages total[/]", f"{cold['total_s']:.2f}", "", _mb(cold["peak_rss_bytes"]), ""]
    if warm:
        total += [
            f"{statistics.median(w['total_s'] for w in warm):.2f}",
            _mb(max(w["peak_rss_bytes"] for w in warm)),
        ]
    table.add_row(*total)
    console.print(table)

    tables = cold["stages"]["validate"].get("breakdown", {}).get("tables")
    if tables:
        gt = Table(title="validate, per release table (cold run)", title_justify="left")
        for col in ("table", "rows", "to pandas s", "GX validation s"):
            gt.add_column(col, justify="left" if col == "table" else "right")
        for name, t in tables.items():
            gt.add_row(
                name, f"{t.get('rows') or 0:,}", f"{t.get('read_s', 0):.2f}", f"{t.get('validate_s', 0):.2f}"
            )
        console.print(gt)

    st = r["startup"]
    console.print(
        f"interpreter start-up {st['interpreter_s'] or 0:.2f} s, imports (duckdb, pyarrow, rich, transforms) "
        f"{st['imports_s']:.2f} s, peak RSS after imports {_mb(st['imports_peak_rss_bytes'])} MB; "
        f"cleanup {cold['cleanup_s']:.2f} s; release {_mb(cold['release_bytes'])} MB on disk, "
        f"work dir {_mb(cold['work_dir_bytes'])} MB",
        highlight=False,
    )
    console.print(f"RSS method: {r['rss_method']}", highlight=False)
    console.print(r["bytecode_before"], highlight=False)
    console.print(
        f"load average (1, 5, 15 min) before: {r['loadavg_before']}, after: {r['loadavg_after']}"
        " (other processes on the machine slow the figures down)",
        highlight=False,
    )
    t = r["targets"]
    console.print(
        f"target wall  < {t['wall']['limit_s']:.0f} s:   {t['wall']['seconds']:6.2f} s  {_verdict(t['wall']['pass'])}"
        f"  ({t['wall']['what']})",
        highlight=False,
    )
    console.print(
        f"target RSS   < {t['rss']['limit_bytes'] / MB:,.0f} MB: {_mb(t['rss']['bytes']):>6} MB "
        f"{_verdict(t['rss']['pass'])}  ({t['rss']['what']})",
        highlight=False,
    )


# --------------------------------------------------------------------------- streaming check


def _child(args: argparse.Namespace) -> int:
    """Measure one thing in a fresh process; print one JSON line."""
    probe = RssProbe()
    out: dict[str, Any]
    if args.child == "jsonload":
        baseline = probe.current()
        probe.reset()
        started = time.perf_counter()
        with gzip.open(args.dump) as fh:
            data = json.load(fh)
        seconds = time.perf_counter() - started
        out = {
            "seconds": seconds,
            "rss_start_bytes": baseline,
            "peak_rss_bytes": probe.peak(),
            "items": len(data),
        }
    else:
        import logging

        logging.basicConfig(level=logging.WARNING)
        from transforms import pipeline
        from transforms.config import Settings

        with tempfile.TemporaryDirectory(prefix="pwc-bench-ingest-") as tmp:
            settings = Settings.load(source=args.source, store=f"{tmp}/store", work=f"{tmp}/work")
            release_id = f"{date.today().isoformat()}.0"
            baseline = probe.current()
            probe.reset()
            started = time.perf_counter()
            summary = pipeline.ingest(settings, release_id)
            seconds = time.perf_counter() - started
            peak = probe.peak()
            work_db = Path(settings.work) / release_id / pipeline.WORK_DB
            out = {
                "seconds": seconds,
                "rss_start_bytes": baseline,
                "peak_rss_bytes": peak,
                "rows": summary["rows"],
                "files": summary["files"],
                "work_db_bytes": work_db.stat().st_size,
            }
    out["rss_method"] = probe.method
    print(json.dumps(out))
    return 0


def _measure(kind: str, target: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    cmd += ["--dump", str(target)] if kind == "jsonload" else ["--source", str(target)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["delta_bytes"] = out["peak_rss_bytes"] - (out["rss_start_bytes"] or 0)
    return out


def _rename_tasks(task: Any, suffix: str) -> None:
    if isinstance(task, dict):
        if isinstance(task.get("task"), str):
            task["task"] = task["task"] + suffix
        for sub in task.get("subtasks") or []:
            _rename_tasks(sub, suffix)


def make_synthetic(dump: Path, scale: int, out: Path) -> None:
    """``scale`` copies of the dump's top-level task array in one gzip; copy k>0 renamed ``<task> [copy k]``.

    Streams the dump with the project's own reader (one task in memory at a time) and
    writes it in the dump's own layout (indent 2, ASCII), so the JSON text is ~``scale``
    times as long as the dump's.
    """
    from transforms.ingest.jsonstream import iter_items

    with gzip.open(out, "wt", encoding="ascii", compresslevel=6) as fh:
        fh.write("[")
        first = True
        for k in range(scale):
            for _, task in iter_items(dump, dump.name):
                if k:
                    _rename_tasks(task, f" [copy {k}]")
                text = json.dumps(task, indent=2, allow_nan=False).replace("\n", "\n  ")
                fh.write(("\n  " if first else ",\n  ") + text)
                first = False
        fh.write("\n]")


def streaming_mode(args: argparse.Namespace) -> int:
    from rich.table import Table

    from transforms.ingest.sources import discover

    console = _console()
    source = Path(args.source).resolve()
    dumps = [f for f in discover(source).of_kind("evaluation_tables") if "/" not in f.name]
    if not dumps:
        raise SystemExit(f"{source}: no top-level evaluation-tables*.json[.gz] dump to check")
    dump = dumps[0].path
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="pwc-bench-stream-") as tmp:
        cases = [("1x", dump)]
        if args.scale > 1:
            synthetic = Path(tmp) / f"x{args.scale}" / f"evaluation-tables.synthetic-x{args.scale}.json.gz"
            synthetic.parent.mkdir()
            console.print(f"writing synthetic {args.scale}x input {synthetic.name} ...", highlight=False)
            make_synthetic(dump, args.scale, synthetic)
            cases.append((f"{args.scale}x", synthetic))
        for label, path in cases:
            src = Path(tmp) / f"src-{label}"
            src.mkdir()
            (src / path.name).symlink_to(path)
            console.print(f"{label}: ingest stage alone (subprocess) ...", highlight=False)
            ingest = _measure("ingest", src)
            console.print(f"{label}: json.load(gzip.open(dump)) (subprocess) ...", highlight=False)
            loaded = _measure("jsonload", path)
            results[label] = {
                "file": path.name,
                "bytes": path.stat().st_size,
                "uncompressed_bytes": _uncompressed_bytes(path),
                "result_rows": ingest["files"].get(path.name),
                "ingest": ingest,
                "json_load": loaded,
            }
    labels = list(results)
    table = Table(
        title="ingest stage vs json.load of the same evaluation-tables dump (each in its own process)",
        title_justify="left",
    )
    table.add_column("input")
    table.add_column("JSON MB", justify="right")
    table.add_column("result rows", justify="right")
    for what in ("ingest", "json.load"):
        table.add_column(f"{what} s", justify="right")
        table.add_column(f"{what} peak RSS MB", justify="right")
        table.add_column(f"{what} peak − start MB", justify="right")
    for label in labels:
        c = results[label]
        row = [f"{label} {c['file']}", _mb(c["uncompressed_bytes"]), f"{c['result_rows']:,}"]
        for key in ("ingest", "json_load"):
            x = c[key]
            row += [f"{x['seconds']:.2f}", _mb(x["peak_rss_bytes"]), _mb(x["delta_bytes"])]
        table.add_row(*row)
    verdict: dict[str, Any] = {}
    if len(labels) == 2:
        a, b = results[labels[0]], results[labels[1]]
        growth = {k: b[k]["delta_bytes"] / a[k]["delta_bytes"] for k in ("ingest", "json_load")}
        growth_peak = {k: b[k]["peak_rss_bytes"] / a[k]["peak_rss_bytes"] for k in ("ingest", "json_load")}
        table.add_row(
            f"growth {labels[1]} / {labels[0]}",
            f"×{b['uncompressed_bytes'] / a['uncompressed_bytes']:.2f}",
            f"×{b['result_rows'] / a['result_rows']:.2f}",
            "",
            f"×{growth_peak['ingest']:.2f}",
            f"×{growth['ingest']:.2f}",
            "",
            f"×{growth_peak['json_load']:.2f}",
            f"×{growth['json_load']:.2f}",
            style="bold",
        )
        extra_rows = b["result_rows"] - a["result_rows"]
        marginal = {
            k: (b[k]["delta_bytes"] - a[k]["delta_bytes"]) / extra_rows for k in ("ingest", "json_load")
        }
        table.add_row(
            "extra bytes per extra result row",
            "",
            "",
            "",
            "",
            f"{marginal['ingest']:,.0f}",
            "",
            "",
            f"{marginal['json_load']:,.0f}",
        )
        # Bounded: with N times the data, ingest's memory (peak − start) must grow less than
        # half as much as json.load's does (json.load grows about N-fold, by construction).
        ok = growth["ingest"] < growth["json_load"] / 2
        verdict = {
            "scale": args.scale,
            "growth_delta": growth,
            "growth_peak": growth_peak,
            "marginal_bytes_per_result_row": marginal,
            "rule": f"ingest (peak − start) grows {labels[0]}→{labels[1]} by less than half of json.load's growth",
            "pass": ok,
        }
    console.print(table)
    method = results[labels[0]]["ingest"]["rss_method"]
    console.print(f"RSS method (in each subprocess): {method}", highlight=False)
    console.print(_bytecode_note(bytecode_info()), highlight=False)
    if verdict:
        console.print(
            f"bounded ingest memory: {_verdict(verdict['pass'])}  ({verdict['rule']})", highlight=False
        )
    out = {
        "benchmark": "build_stages --streaming-check",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(),
        "source": str(source),
        "rss_method": method,
        "cases": results,
        "verdict": verdict,
        "pass": verdict.get("pass", True),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {args.json}")
    return 0 if out["pass"] else 1


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time the in-process release build stage by stage (wall time, peak RSS).",
    )
    parser.add_argument(
        "--source",
        default=str(DEFAULT_SOURCE),
        help="source directory of archive dumps (default: the bundled sample, data/sample)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="builds to run in this process; run 1 is cold (pays the GX import) (default 1)",
    )
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT")
    parser.add_argument(
        "--streaming-check",
        action="store_true",
        help="compare ingest peak RSS with json.load of the evaluation-tables dump instead",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=5,
        help="--streaming-check: size of the synthetic input in copies of the dump (0/1: skip)",
    )
    parser.add_argument("--child", choices=("ingest", "jsonload"), help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.child:
        return _child(args)
    if not Path(args.source).is_dir():
        parser.error(f"--source {args.source}: not a directory")
    if args.streaming_check:
        return streaming_mode(args)
    return build_mode(args)


if __name__ == "__main__":
    sys.exit(main())
