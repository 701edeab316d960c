"""Every snippet of the README's "Open a release" section, run as pasted against a built release.

The README promises that each block works from the repository root after ``make nightly``.
Here the "repository root" is a temporary folder whose ``releases`` is the store of the
session's sample release (the whole bundled sample, published by the real publisher, so
``releases/latest`` is the publisher's own link); each Python block runs in a fresh
interpreter of this venv, the shell blocks as shell commands. Two substitutions only, both
about where things are: the web server of the HTTP snippet listens on a free port instead
of 8000, and ``.venv/bin/`` is this venv's bin folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.builds import ROOT, Built

pytestmark = pytest.mark.integration

SECTION = ("## Open a release", "## What each table holds")
BIN = Path(sys.executable).parent


def snippets() -> list[tuple[str, str]]:
    """(language, code) of every fenced block of the section, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(SECTION[0]) : readme.index(SECTION[1])]
    return [
        (m["lang"], m["code"]) for m in re.finditer(r"```(?P<lang>\w+)\n(?P<code>.*?)```", section, re.DOTALL)
    ]


@pytest.fixture(scope="module")
def root(sample_release: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder standing for the repository root: ``releases`` is the sample release's store."""
    root = tmp_path_factory.mktemp("readme-root")
    (root / "releases").symlink_to(sample_release.store, target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PWC_STORE": str(root / "releases"),  # what the default store is when run from the checkout
        "HF_HOME": str(tmp_path_factory.mktemp("hf-home")),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    }


@pytest.fixture(scope="module")
def manifest(sample_release: Built) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((sample_release.release_dir / "manifest.json").read_bytes())
    return data


@pytest.fixture(scope="module")
def web_server(root: Path, env: dict[str, str]) -> Iterator[str]:
    """The README's own ``cd releases && python3 -m RangeHTTPServer ...`` line, on a free port:
    its base URL."""
    (line,) = [code.strip() for lang, code in snippets() if lang == "bash" and "HTTPServer" in code]
    folder, command = line.removeprefix("cd ").split(" && ")
    argv = command.replace("python3", f"{sys.executable} -u").replace(" 8000 ", " 0 ").split()
    server = subprocess.Popen(
        argv, cwd=root / folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert server.stdout is not None
        m = re.search(r"port (\d+)", server.stdout.readline())
        assert m, "http.server did not say its port"
        yield f"http://127.0.0.1:{m[1]}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def run_python(code: str, root: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"snippet failed:\n{code}\n--- stderr ---\n{done.stderr[-3000:]}"
    print(f"--- snippet ---\n{code}--- output ---\n{done.stdout}")  # the record (pytest -s shows it)
    return done.stdout


def test_the_section_has_every_loader() -> None:
    code = "\n".join(c for _, c in snippets())
    for needle in (
        "duckdb.connect(",
        "pd.read_parquet(",
        "pl.read_parquet(",
        "load_dataset(",
        "'releases/latest/parquet/results.parquet'",
        "register_filesystem(",
        "mlc.Dataset(",
        "release path latest",
    ):
        assert needle in code, needle
    assert "parquet/*.parquet" not in code  # one glob over every table is a schema mismatch


def test_release_path_prints_the_newest_release(
    root: Path, env: dict[str, str], sample_release: Built
) -> None:
    (line,) = [c.strip() for lang, c in snippets() if lang == "bash" and "release path" in c]
    command = line.split("#")[0].replace(".venv/bin/", f"{BIN}/").split()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, f"{root / 'releases' / sample_release.release_id}\n")


def test_every_python_snippet_runs_as_pasted(
    root: Path, env: dict[str, str], web_server: str, manifest: dict[str, Any]
) -> None:
    counts = {name: t["row_count"] for name, t in manifest["tables"].items()}
    results = counts["results"]
    python = [code for lang, code in snippets() if lang == "python"]
    assert len(python) == 7
    outputs = [run_python(code.replace("http://127.0.0.1:8000", web_server), root, env) for code in python]
    duck, pandas_, polars_, hf, parquet, croissant, http = outputs

    assert manifest["release_id"] in duck and "CC-BY-SA-4.0" in duck
    assert "Language Modelling" in duck  # arXiv 1809.10853 (adaptive input representations)
    for out in (pandas_, polars_, hf, croissant):
        assert out == f"{results} results\n"
    assert re.search(rf"│\s+{results}\s+│", http), http
    assert "metric" in parquet and "results" in parquet
