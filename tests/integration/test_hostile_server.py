"""A lying or slow server: `release download` ends within its deadline, under a fixed memory bound,
with one line and the documented exit code, whatever the store sends.

Each case runs the real command in its own process against a local server that serves a real
(small) store except for one attacked file; the process's peak memory comes from the kernel
(``wait4``), its duration from the clock. The cases are those of the audit in issue 13: an
endless body, a gzip bomb, a drip of one byte every 5 s, JSON nested 200,000 deep, a count of
``1e400``, a file name with a terminal escape sequence.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.fake_release import write_fake_release
from tests.support.hostile_server import gzip_bomb, serve_hostile
from tests.support.processes import Measured, run_measured
from transforms.storage import read_json, write_json_atomic

pytestmark = pytest.mark.integration

RID = "2026-01-02.0"
RESULTS = f"{RID}/parquet/results.parquet"
DEADLINE, WINDOW = 20.0, 2.0
MEMORY_BOUND_MB = 200
"""Peak resident memory allowed to the whole command (Python, requests, rich: about 60 MB)."""
NESTED = '{"format": 1, "releases": ' + "[" * 200_000 + "]" * 200_000 + "}"


def download(url: str, to: Path, *extra: str) -> Measured:
    """`pwc-archive release download latest` in a child process: exit, output, time, peak RSS."""
    argv = [
        sys.executable, "-m", "transforms.cli", "release", "download", "latest", "--from", url,
        "--to", str(to), "--deadline", str(DEADLINE), "--rate-window", str(WINDOW), "--min-rate", "1024",
        "--no-progress", *extra,
    ]  # fmt: skip
    run = run_measured(argv, timeout=DEADLINE * 3)
    assert not run.timed_out, f"still running after {DEADLINE * 3:g} s: {run.stderr[-500:]}"
    return run


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("honest-store")
    write_fake_release(root, RID)
    gzip_bomb()  # made once, before any command is timed
    return root


def one_line_refusal(run: Measured, code: int, pattern: str) -> None:
    assert run.code == code, run.stderr
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: "), run.stderr
    assert "Traceback" not in run.stderr and "\x1b" not in run.stderr
    assert pattern in run.stderr, run.stderr
    assert run.seconds < DEADLINE, f"{run.seconds:.1f} s"
    assert run.peak_mb < MEMORY_BOUND_MB, f"{run.peak_mb:.0f} MB"
    print(f"{pattern[:40]!r}: exit {run.code} in {run.seconds:.1f} s, peak {run.peak_mb:.0f} MB")


CASES = {
    # name: (attacked path, attack, exit code, what the one line says)
    "index endless": ("index.json", "endless", 2, "larger than the 8,388,608 bytes allowed for this file"),
    "index gzip bomb": ("index.json", "gzip-bomb", 2, "Content-Encoding 'gzip'"),
    "index nested 200,000 deep": ("index.json", f"body:{NESTED}", 2, "expected JSON nested at most 32 deep"),
    "index count 1e400": (
        "index.json",
        (
            'body:{"format": 1, "latest": "x", "releases": [{"release_id": "2026-01-02.0", "created_at": "x",'
            ' "schema_version": "1", "manifest_sha256": "x", "tables": {"results": 1e400}}]}'
        ),
        2,
        "the number 1e400 is out of range",
    ),
    "latest drip": ("latest.json", "drip", 2, "no data for 2 s, below the minimum of 1024 B/s"),
    "manifest endless": (f"{RID}/manifest.json", "endless", 2, "larger than the 8,388,608 bytes allowed"),
    "manifest gzip bomb": (f"{RID}/manifest.json", "gzip-bomb", 2, "Content-Encoding 'gzip'"),
    "data file endless": (RESULTS, "endless", 1, "parquet/results.parquet: size mismatch"),
    "data file gzip bomb": (RESULTS, "gzip-bomb", 2, "Content-Encoding 'gzip'"),
    "data file drip": (RESULTS, "drip", 2, "no data for 2 s, below the minimum of 1024 B/s"),
    "data file drip, 1 byte/s": (RESULTS, "drip-fast", 2, "below the minimum of 1024 B/s over 2 s"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_lying_server_gets_one_line_within_the_deadline(case: str, store: Path, tmp_path: Path) -> None:
    path, attack, code, says = CASES[case]
    drip = 1.0 if attack == "drip-fast" else 5.0  # 1 byte a second: inside the read timeout
    with serve_hostile(store, {path: attack.removesuffix("-fast")}, drip_seconds=drip) as server:
        run = download(server.url, tmp_path / "dl")
    one_line_refusal(run, code, says)
    visible = [p.name for p in (tmp_path / "dl").iterdir()] if (tmp_path / "dl").exists() else []
    assert all(name.startswith(".") for name in visible), visible  # nothing incomplete is visible


def test_a_slow_but_steady_server_is_stopped_at_the_deadline(store: Path, tmp_path: Path) -> None:
    """4 KB/s passes the minimum rate; the results file (~200 kB) would take 50 s: the deadline ends it."""
    with serve_hostile(store, {RESULTS: "trickle"}, trickle_rate=4096) as server:
        run = download(server.url, tmp_path / "dl", "--deadline", "4")
    one_line_refusal(run, 2, "deadline of 4 s reached; rerun to resume")
    assert run.seconds < 4 + WINDOW + 5


def test_a_file_name_with_a_terminal_escape_is_refused_and_never_printed_raw(tmp_path: Path) -> None:
    store = tmp_path / "store"
    release = write_fake_release(store, RID, results_rows=10)
    manifest = read_json(release / "manifest.json")
    evil = "parquet/\x1b]0;pwned\x07\x1b[2J.parquet"
    manifest["files"].append({"path": evil, "sha256": "0" * 64, "bytes": 1})
    sha = write_json_atomic(release / "manifest.json", manifest)
    index = read_json(store / "index.json")
    index["releases"][0]["manifest_sha256"] = sha
    write_json_atomic(store / "index.json", index)
    write_json_atomic(store / "latest.json", {"release_id": RID, "manifest_sha256": sha})

    with serve_hostile(store, {}) as server:
        run = download(server.url, tmp_path / "dl")
    one_line_refusal(run, 1, r"'parquet/\x1b]0;pwned\x07\x1b[2J.parquet': expected a relative path")
