"""The command line keeps its promise: one line and a documented exit code for every failure,
every default visible in --help, --version, and Ctrl-C that leaves nothing incomplete visible.

Real processes (``python -m transforms.cli``), a real HTTP server, a real SIGINT.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main

from tests.support.fake_release import write_fake_release
from tests.support.hostile_server import serve_hostile
from tests.support.http_server import serve_directory
from transforms import __version__
from transforms.cli import app

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "transforms.cli"]
RID = "2026-01-02.0"


def cli(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """The command in a fresh interpreter; ``prelude`` runs first (e.g. to hide a package)."""
    code = f"{prelude}\nimport sys\nfrom transforms.cli import main\nsys.argv = ['pwc-archive', *sys.argv[1:]]\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, check=False
    )


def one_line(done: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert done.returncode == code, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
    assert text in done.stderr, done.stderr


def test_version() -> None:
    done = cli("--version")
    assert (done.returncode, done.stdout) == (0, f"pwc-archive {__version__}\n")


def help_entries(help_text: str) -> dict[str, str]:
    """Each option's entry in plain --help (its line and the more indented lines under it)."""
    entries: dict[str, str] = {}
    current: list[str] | None = None
    for line in help_text.splitlines():
        m = re.match(r"^  (--[\w-]+)", line)
        if m:
            current = entries.setdefault(m[1], [])  # type: ignore[assignment]
            current.append(line)
        elif current is not None and line.startswith("   "):
            current.append(line)
        else:
            current = None
    return {opt: re.sub(r"\s+", " ", " ".join(lines)) for opt, lines in entries.items()}  # type: ignore[arg-type]


def test_every_default_is_visible_in_help() -> None:
    group = typer.main.get_command(app)
    checked = 0
    commands = [
        ((group_name, name), command)
        for group_name, sub in group.commands.items()  # type: ignore[attr-defined]
        for name, command in (getattr(sub, "commands", None) or {"": sub}).items()
    ]
    for path, command in commands:
        group_name, name = path
        done = cli(*(p for p in path if p), "--help")
        assert done.returncode == 0, done.stderr
        entries = help_entries(done.stdout)
        for param in command.params:
            if param.param_type_name != "option" or param.required or param.name == "help":
                continue
            if getattr(param, "is_flag", False) and not param.secondary_opts:
                continue  # a lone flag (--json) is off unless given: nothing to show
            entry = entries[param.opts[0]]
            assert "[default: " in entry, f"{group_name} {name} {param.opts[0]}: no default shown: {entry}"
            checked += 1
    assert checked > 20


def test_usage_errors_are_one_line() -> None:
    one_line(cli("release", "bogus"), 2, "No such command 'bogus'. (see --help)")
    one_line(cli("release", "download"), 2, "Missing argument 'release'.")
    one_line(
        cli("release", "download", "latest", "--from", ".", "--jobs", "0"), 2, "Invalid value for '--jobs'"
    )


def test_a_missing_optional_package_is_named_with_exit_2(tmp_path: Path) -> None:
    hide = "import sys; sys.modules['ijson'] = None  # as on a light install"
    done = cli(
        "release", "build", "--store", str(tmp_path / "s"), "--work", str(tmp_path / "w"), prelude=hide
    )
    one_line(
        done,
        2,
        "this command needs 'ijson', which comes with the pipeline extra: pip install 'pwc-archive[pipeline]'",
    )
    done = cli(
        "release", "list", "--from", "s3://bucket/pwc", prelude="import sys; sys.modules['s3fs'] = None"
    )
    one_line(done, 2, "s3:// needs the package 's3fs', which is not installed")
    assert "pip install s3fs" in done.stderr


def test_control_characters_from_a_store_are_printed_escaped(tmp_path: Path) -> None:
    store = tmp_path / "store"
    write_fake_release(store, RID, results_rows=10)
    index = (store / "index.json").read_text()
    (store / "index.json").write_text(
        index.replace('"schema_version": "1.0.0"', '"schema_version": "\\u001b[31mred"')
    )
    done = cli("release", "list", "--from", str(store))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "schema \\x1b[31mred" in done.stdout


def test_ctrl_c_stops_a_download_leaves_nothing_visible_and_says_so(tmp_path: Path) -> None:
    store = tmp_path / "store"
    write_fake_release(store, RID)
    results = f"{RID}/parquet/results.parquet"
    to = tmp_path / "dl"
    with serve_hostile(store, {results: "trickle"}, trickle_rate=20_000) as server:
        child = subprocess.Popen(
            [*CLI, "release", "download", "latest", "--from", server.url, "--to", str(to), "--no-progress"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while server.sent.get(results, 0) < 20_000 and time.monotonic() < deadline:
            time.sleep(0.05)  # until the slow file is under way
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    assert child.returncode == 130, err
    assert out == ""
    assert err == (
        f"error: interrupted: nothing incomplete is visible in {to}; what was fetched is kept in "
        f"{to / f'.{RID}.partial'} (hidden) for the next run to resume\n"
    )
    assert [p.name for p in to.iterdir()] == [f".{RID}.partial"]
    kept = (to / f".{RID}.partial" / "parquet" / "results.parquet").stat().st_size
    assert kept > 0

    with serve_directory(store) as honest:
        done = subprocess.run(
            [*CLI, "release", "download", "latest", "--from", honest.url, "--to", str(to), "--no-progress"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stdout) == (0, f"{to / RID}\n"), done.stderr
        assert [r.range for r in honest.requests_for(results)] == [f"bytes={kept}-"]  # resumed, not restarted


def test_ctrl_c_in_any_command_is_one_line_and_exit_130(tmp_path: Path) -> None:
    store = tmp_path / "store"
    write_fake_release(store, RID, results_rows=10)
    with serve_hostile(store, {"index.json": "drip"}, drip_seconds=0.5) as server:
        child = subprocess.Popen(
            [*CLI, "release", "list", "--from", server.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not server.sent.get("index.json") and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    assert (child.returncode, err) == (130, "error: interrupted; nothing incomplete is left visible\n")
