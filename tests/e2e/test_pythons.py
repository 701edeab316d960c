"""Python 3.11 to 3.13: the wheel with its ``pipeline`` extra, installed on each interpreter the
machine has, builds the same release, verifies it and serves the light client.

On each version (the running 3.11 and pyenv's 3.12 and 3.13; one that is missing is skipped and
says so) a fresh venv gets the wheel with ``[pipeline]``, pinned by the one universal
``requirements.lock`` (its markers add what a version alone needs, e.g. ``pyyaml-ft`` on 3.13);
venvs are cached by wheel, lock and interpreter (:mod:`tests.support.venvs`). Then, as installed
console scripts from a folder outside the checkout: ``release build`` of the tiny cut of the
2020 dump under one release id, ``release verify``, and the client over HTTP (``list``,
``download``, ``verify`` of the download). Last, the releases are compared: the Parquet files
byte for byte; the manifest but for the build time; the DuckDB file table by table (its bytes
are not reproducible: ``release_info``'s ``created_at`` row and DuckDB's block layout vary).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
import tomllib
from pathlib import Path
from typing import Any

import duckdb
import pytest
from packaging.specifiers import SpecifierSet

from tests.support import venvs
from tests.support.builds import ROOT, make_source
from tests.support.http_server import serve_directory

VERSIONS = ("3.11", "3.12", "3.13")
RID = "2026-04-01.0"
TIMESTAMPED = {"manifest.json", "README.md", "croissant.json", "SHA256SUMS", "pwc.duckdb"}
"""Files that carry the build time (``created_at``): equal but for it, compared apart."""
DATA_DOCS = "reports/data-docs/"
"""GE's Data Docs pages carry the validation's run time and id: a report of the build, not data."""


def test_the_package_declares_the_tested_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    allowed = SpecifierSet(project["requires-python"])
    assert all(v in allowed for v in VERSIONS), project["requires-python"]
    assert "3.10" not in allowed and "3.14" not in allowed  # nothing claimed that is not tested
    classifiers = {c.removeprefix("Programming Language :: Python :: ") for c in project["classifiers"]}
    assert set(VERSIONS) <= classifiers


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_source(tmp_path_factory.mktemp("pythons-source"), tiny=True)


@pytest.fixture(scope="module")
def built() -> dict[str, Path]:
    """Release directory built on each version (filled by the per-version test)."""
    return {}


def run(bin_: Path, *args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(bin_ / "pwc-archive"), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{bin_}: pwc-archive {' '.join(args)}:\n{done.stderr[-3000:]}"
    return done


@pytest.mark.parametrize("version", VERSIONS)
def test_build_verify_and_client(
    version: str, source: Path, built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    python = venvs.interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine (pyenv: {venvs.PYENV})")
    started = time.monotonic()
    bin_ = venvs.venv(python, [f"{venvs.wheel()}[pipeline]"], name=f"py{version}")
    installed = time.monotonic()
    here = tmp_path_factory.mktemp(f"py{version}")
    (here / "submissions").mkdir()  # the default submissions folder (cwd), empty
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PWC_", "VIRTUAL_ENV", "PYTHON"))}
    env |= {"GX_ANALYTICS_ENABLED": "False", "HOME": str(here)}

    reported = subprocess.run(
        [str(bin_ / "python"), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert reported == version

    done = run(bin_, "release", "build", "--source", str(source), "--release-id", RID, cwd=here, env=env)
    assert done.stdout.splitlines()[-1] == RID
    release = here / "releases" / RID  # the default store: releases/ in the current folder
    assert run(bin_, "release", "verify", str(release), cwd=here, env=env).stdout.startswith("ok: ")
    build_done = time.monotonic()

    with serve_directory(here / "releases") as server:
        listed = run(bin_, "release", "list", "--from", server.url, cwd=here, env=env).stdout
        assert listed.split()[0] == RID and "(latest)" in listed
        run(
            bin_,
            "release",
            "download",
            "latest",
            "--from",
            server.url,
            "--to",
            "downloads",
            cwd=here,
            env=env,
        )
    assert run(bin_, "release", "verify", f"downloads/{RID}", cwd=here, env=env).stdout.startswith("ok: ")
    built[version] = release
    print(
        f"Python {version}: venv {installed - started:.1f} s, build+verify {build_done - installed:.1f} s, "
        f"client {time.monotonic() - build_done:.1f} s"
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_without_build_time(release: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((release / "manifest.json").read_bytes())
    manifest.pop("created_at")
    manifest["files"] = [
        f for f in manifest["files"] if f["path"] not in TIMESTAMPED and not f["path"].startswith(DATA_DOCS)
    ]
    return manifest


def test_every_version_builds_the_same_release(built: dict[str, Path]) -> None:
    if len(built) < 2:
        pytest.skip(f"releases built on {sorted(built)} only: nothing to compare")
    (first, reference), *others = sorted(built.items())
    parquet = {p.name: sha256(p) for p in sorted((reference / "parquet").glob("*.parquet"))}
    assert parquet
    for version, release in others:
        assert {p.name: sha256(p) for p in sorted((release / "parquet").glob("*.parquet"))} == parquet, (
            f"Parquet bytes differ between Python {first} and {version}"
        )
        assert manifest_without_build_time(release) == manifest_without_build_time(reference)
        con = duckdb.connect()
        for alias, path in (("a", reference / "pwc.duckdb"), ("b", release / "pwc.duckdb")):
            quoted = str(path).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS {alias} (READ_ONLY)")  # ATTACH takes no parameters
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'a' ORDER BY 1"
            ).fetchall()
        ]
        assert "results" in tables
        for table in tables:
            keep = " WHERE key <> 'created_at'" if table == "release_info" else ""
            a, b = f"SELECT * FROM a.{table}{keep}", f"SELECT * FROM b.{table}{keep}"
            differing = con.execute(
                f"SELECT count(*) FROM (({a} EXCEPT ALL {b}) UNION ALL ({b} EXCEPT ALL {a}))"
            ).fetchone()
            assert differing == (0,), f"pwc.duckdb table {table} differs between Python {first} and {version}"
        con.close()
    print(f"same {len(parquet)} Parquet files (sha256) on Python {', '.join(sorted(built))}")
