"""``pip install pwc-archive`` as a reader gets it: the wheel, in a fresh virtual environment,
without the ``pipeline`` extra, against a store served over HTTP.

The wheel is built from the checkout's sources and installed with ``uv`` into a new venv (both
cached by content, see :mod:`tests.support.venvs`: a rerun costs seconds). Every client command
runs as the installed console script, from a folder outside the checkout, with no ``PWC_*``
variable set: what it finds is what a reader who typed the README's commands would find. The
store holds two real releases built from the real data (a tiny and a small cut of the 2020 dump)
by this venv's pipeline, and is served by the tests' HTTP server (Range requests, a request log).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import venvs
from tests.support.builds import ROOT, build, make_source
from tests.support.http_server import FileServer, serve_directory
from transforms import __version__
from transforms.cli import PIPELINE_MODULES

A, B = "2026-04-01.0", "2026-04-02.0"
HEAVY = ("airflow", "great_expectations", "pandas", "mlcroissant", "huggingface_hub")
"""Modules a reader should not have to install (the pipeline extra brings them)."""


@dataclass
class Light:
    """The light install: its bin folder and an environment free of the tests' settings."""

    bin: Path
    env: dict[str, str]

    def run(self, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.bin / "pwc-archive"), *args],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check:
            assert done.returncode == 0, f"pwc-archive {' '.join(args)}:\n{done.stderr}"
        return done

    def python(self, code: str, cwd: Path) -> str:
        done = subprocess.run(
            [str(self.bin / "python"), "-c", code],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def light(tmp_path_factory: pytest.TempPathFactory) -> Light:
    python = venvs.interpreter("3.11")
    assert python is not None
    bin_ = venvs.venv(python, [str(venvs.wheel())], name="light")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PWC_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{bin_}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(tmp_path_factory.mktemp("reader-home"))  # nothing from a developer's home
    return Light(bin_, env)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real releases in one store: A from the tiny cut of the 2020 dump, B from the small one."""
    base = tmp_path_factory.mktemp("wheel-store")
    store = base / "store"
    build(make_source(base / "tiny", tiny=True), store, base / "work-a", A)
    build(make_source(base / "small"), store, base / "work-b", B)
    return store


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[FileServer]:
    with serve_directory(store) as server:
        yield server


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reader's current folder: outside the checkout, empty."""
    return tmp_path_factory.mktemp("reader")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_light_install_has_no_pipeline(light: Light, reader: Path) -> None:
    out = light.python(
        "import importlib.metadata as md, importlib.util as u, json\n"
        f"print(json.dumps({{'missing': [m for m in {list(HEAVY)!r} if u.find_spec(m) is None],"
        " 'dists': sorted(d.metadata['Name'].lower() for d in md.distributions())}))",
        reader,
    )
    found = json.loads(out)
    assert found["missing"] == list(HEAVY), f"the light install has {set(HEAVY) - set(found['missing'])}"
    dists = set(found["dists"])
    assert {"pwc-archive", "duckdb", "pyarrow", "typer"} <= dists
    assert not dists & {"apache-airflow", "great-expectations", "apache-airflow-core"}
    # The figure for the record: how small "light" is next to everything the lock pins.
    pinned = re.findall(r"^[\w.-]+==", (ROOT / "requirements.lock").read_text(), re.MULTILINE)
    print(f"light install: {len(dists)} distributions; requirements.lock pins {len(pinned)}")


def test_version(light: Light, reader: Path) -> None:
    done = light.run("--version", cwd=reader)
    assert done.stdout == f"pwc-archive {__version__}\n"


def test_defaults_never_point_into_site_packages(light: Light, reader: Path) -> None:
    out = light.python(
        "import json, sysconfig\n"
        "from transforms.config import Settings\n"
        "s = Settings.load()\n"
        "print(json.dumps({'settings': {k: str(v) for k, v in vars(s).items() if k != 'origin'},"
        " 'purelib': sysconfig.get_paths()['purelib']}))",
        reader,
    )
    found = json.loads(out)
    purelib = Path(found["purelib"]).resolve()
    settings = found["settings"]
    for name in ("source", "store", "work", "submissions"):
        path = (reader / settings[name]).resolve()
        assert path.is_relative_to(reader.resolve()), f"default {name} is {path}, not under {reader}"
        assert not path.is_relative_to(purelib), f"default {name} points into site-packages: {path}"
    # The suites ship inside the package: the one default that is (read-only) site-packages.
    suites = Path(settings["expectations"])
    assert suites.is_relative_to(purelib), suites
    assert sorted(p.name for p in suites.glob("*.json")), f"no suites shipped in {suites}"
    # --help shows the same relative defaults.
    assert "[default: releases/]" in re.sub(
        r"\s+", " ", light.run("release", "list", "--help", cwd=reader).stdout
    )


def test_pipeline_commands_name_the_extra(light: Light, reader: Path, tmp_path: Path) -> None:
    """``submission validate`` and ``release build`` need the pipeline extra: one line, exit 2."""
    (tmp_path / "s.json").write_text("[]", encoding="utf-8")
    for args in (["submission", "validate", str(tmp_path / "s.json")], ["release", "build"]):
        done = light.run(*args, cwd=reader, check=False)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
        assert "pip install 'pwc-archive[pipeline]'" in done.stderr
        assert any(package in done.stderr for package in PIPELINE_MODULES.values()), done.stderr


def test_list_download_verify_path_diff_over_http(
    light: Light, reader: Path, store: Path, server: FileServer
) -> None:
    listed = light.run("release", "list", "--from", server.url, cwd=reader).stdout.splitlines()
    assert [line.split()[0] for line in listed] == [A, B]
    assert listed[1].endswith("(latest)") and not listed[0].endswith("(latest)")
    assert light.run("release", "path", "latest", "--store", server.url, cwd=reader).stdout == (
        f"{server.url}/{B}\n"
    )

    # Into the default folder's name, as the README says: then `release path latest` finds it.
    done = light.run("release", "download", "latest", "--from", server.url, "--to", "releases", cwd=reader)
    assert done.stdout == f"{Path('releases') / B}\n"
    got = reader / "releases" / B
    manifest = json.loads((store / B / "manifest.json").read_bytes())
    files = [p.relative_to(store / B) for p in (store / B).rglob("*") if p.is_file()]
    assert files and all(sha256(got / f) == sha256(store / B / f) for f in files)
    assert {f"parquet/{t}.parquet" for t in manifest["tables"]} <= {str(f) for f in files}
    assert light.run("release", "path", "latest", cwd=reader).stdout == f"{reader / 'releases' / B}\n"
    assert (reader / "releases" / "latest").resolve() == got.resolve()

    # One table of the older release.
    light.run(
        "release", "download", A, "--from", server.url, "--to", "releases", "--table", "results", cwd=reader
    )
    assert sha256(reader / "releases" / A / "parquet" / "results.parquet") == sha256(
        store / A / "parquet" / "results.parquet"
    )
    assert not (reader / "releases" / A / "pwc.duckdb").exists()

    verified = light.run("release", "verify", str(got), cwd=reader).stdout
    assert verified.startswith(f"ok: {got}: ") and "match manifest.json" in verified
    (got / "parquet" / "results.parquet").write_bytes(b"not parquet")
    broken = light.run("release", "verify", str(got), cwd=reader, check=False)
    assert broken.returncode == 1 and "results.parquet" in broken.stderr

    # The diff of the two served releases, from the store's files over HTTP.
    report = json.loads(
        light.run("release", "diff", A, B, "--store", server.url, "--format", "json", cwd=reader).stdout
    )
    expected = json.loads((store / B / "manifest.json").read_bytes())["tables"]
    before = json.loads((store / A / "manifest.json").read_bytes())["tables"]
    assert (report["old_release"], report["new_release"]) == (A, B)
    results = report["tables"]["results"]
    assert results["rows_before"] == before["results"]["row_count"]
    assert results["rows_after"] == expected["results"]["row_count"]
    assert results["added"] > 0
    text = light.run("release", "diff", A, B, "--store", server.url, cwd=reader).stdout
    assert "results" in text and A in text and B in text
    assert any(r.path.endswith("results.parquet") for r in server.log)


def test_the_wheel_is_built_from_this_checkout() -> None:
    """The cache is keyed by the sources: a wheel of other sources is never the one tested."""
    wheel = venvs.wheel()
    assert wheel.name == f"pwc_archive-{__version__}-py3-none-any.whl"
    assert wheel.parent.name == venvs._digest(venvs._source_files())
