"""Publish only on change, in process (``pwc-archive release build``): the manifest records what
the release was made of; a build on the same input publishes nothing (one line says so, exit 0),
``--force`` publishes anyway, and a changed source file publishes.

Real builds of the tiny source into a tmp store, through the CLI in a real process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from transforms.client.verify import verify_release
from transforms.config import Settings
from transforms.pipeline import check_changed, fingerprint

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "pwc-archive")


def build(source: Path, store: Path, work: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CLI,
            "release",
            "build",
            "--source",
            str(source),
            "--store",
            str(store),
            "--work",
            str(work),
            *extra,
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )


def releases(store: Path) -> list[str]:
    return [r["release_id"] for r in json.loads((store / "index.json").read_text())["releases"]]


def test_a_build_publishes_only_when_something_changed(tiny_source: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(tiny_source, source)
    store, work = tmp_path / "store", tmp_path / "work"

    first = build(source, store, work, "--release-id", "2026-03-01.0")
    assert first.returncode == 0, first.stderr
    manifest = json.loads((store / "2026-03-01.0" / "manifest.json").read_text())
    settings = Settings.load(source=str(source), store=str(store), work=str(work))
    assert manifest["fingerprint"] == fingerprint(settings)

    same = build(source, store, work, "--release-id", "2026-03-02.0")
    assert same.returncode == 0, same.stderr
    assert same.stdout == ""
    [line] = [x for x in same.stderr.splitlines() if x.strip()]
    assert line.startswith("nothing published: unchanged since release 2026-03-01.0 (fingerprint ")
    assert "--force" in line
    assert releases(store) == ["2026-03-01.0"] and not (store / "2026-03-02.0").exists()

    forced = build(source, store, work, "--release-id", "2026-03-02.0", "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == "2026-03-02.0"
    assert releases(store) == ["2026-03-01.0", "2026-03-02.0"]

    # One changed byte in one source file is a change, and the check names the file.
    changed_file = next(source.glob("methods*.json"))
    data = json.loads(changed_file.read_text())
    data[0]["name"] = str(data[0]["name"]) + " (renamed)"
    changed_file.write_text(json.dumps(data))
    checked = check_changed(settings)
    assert checked.changed and f"inputs: {changed_file.name}" in checked.message, checked.message
    third = build(source, store, work, "--release-id", "2026-03-03.0")
    assert third.returncode == 0, third.stderr
    assert releases(store) == ["2026-03-01.0", "2026-03-02.0", "2026-03-03.0"]
    report = verify_release(store / "2026-03-03.0")
    assert report.ok, report.problems
    assert "reports/data-docs/index.html" in {
        f["path"] for f in json.loads((store / "2026-03-03.0" / "manifest.json").read_text())["files"]
    }
