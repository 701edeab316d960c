"""`pwc-archive release path` and the `latest` link: every README snippet can be pasted as is."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.builds import Built
from tests.support.http_server import serve_directory

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "transforms.cli"]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False)


def test_a_local_store_has_a_latest_link_and_release_path_resolves_it(tiny_release: Built) -> None:
    store, rid = tiny_release.store, tiny_release.release_id
    assert os.readlink(store / "latest") == rid
    for release in ("latest", rid):
        done = cli("release", "path", release, "--store", str(store))
        assert (done.returncode, done.stdout, done.stderr) == (0, f"{store / rid}\n", "")

    done = cli("release", "path", "2020-01-01.0", "--store", str(store))
    assert done.returncode == 2
    assert done.stderr == f"error: release 2020-01-01.0 not found in {store}/index.json; available: {rid}\n"


def test_release_path_of_a_remote_store_is_a_url(tiny_release: Built) -> None:
    with serve_directory(tiny_release.store) as server:
        done = cli("release", "path", "latest", "--store", server.url)
    assert (done.returncode, done.stdout) == (0, f"{server.url}/{tiny_release.release_id}\n")


def test_a_download_folder_gets_a_latest_link_and_a_path(tiny_release: Built, tmp_path: Path) -> None:
    with serve_directory(tiny_release.store) as server:
        done = cli("release", "download", "latest", "--from", server.url, "--to", str(tmp_path / "releases"))
    assert done.returncode == 0, done.stderr
    rid = tiny_release.release_id
    assert done.stdout == f"{tmp_path / 'releases' / rid}\n"
    assert os.readlink(tmp_path / "releases" / "latest") == rid
    # Run from the folder above it, as the README's snippets are.
    done = cli("release", "path", "latest", "--store", "releases", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"{tmp_path / 'releases' / rid}\n")

    empty = tmp_path / "empty"
    empty.mkdir()
    done = cli("release", "path", "--store", str(empty))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {empty}: no index.json and no complete release 'latest' here")


def test_the_link_is_never_a_real_folder_replaced(tiny_release: Built, tmp_path: Path) -> None:
    from transforms.errors import PwcError
    from transforms.storage import point_link

    store = tmp_path / "store"
    shutil.copytree(tiny_release.store, store, symlinks=True)
    assert point_link(store / "latest", tiny_release.release_id)
    (store / "latest").unlink()
    (store / "latest").mkdir()
    with pytest.raises(PwcError, match="expected a symbolic link to the newest release, found a real"):
        point_link(store / "latest", tiny_release.release_id)
