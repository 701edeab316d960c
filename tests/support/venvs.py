"""Fresh virtual environments for the packaging tests: the wheel, and other Python versions.

Both are cached, keyed by what they are made from, so a rerun costs seconds:

- :func:`wheel` builds the project's wheel from a copy of its sources (the checkout stays
  clean of ``build/``), cached by the sources' sha256;
- :func:`venv` makes a virtual environment with ``uv`` for one interpreter and installs a list
  of requirements into it, cached by interpreter, requirements and lock.

The interpreters are the machine's pyenv versions (3.11 is the one running the tests). The cache
is ``~/.cache/pwc-archive-tests`` (``$PWC_TEST_CACHE``); a file lock per entry lets xdist workers
and other checkouts share it, and venvs unused for days are pruned when a newer sibling is made.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.builds import ROOT

CACHE = Path(os.environ.get("PWC_TEST_CACHE", Path.home() / ".cache" / "pwc-archive-tests"))
UV = Path(sys.executable).parent / "uv"
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
SOURCES = ("pyproject.toml", "README.md", "transforms", "expectations")
"""What the wheel is built from (``transforms/expectations`` links to ``expectations``)."""


def interpreter(version: str) -> Path | None:
    """The newest pyenv interpreter ``python<version>`` (e.g. "3.12"), or None."""
    if sys.version_info[:2] == tuple(int(p) for p in version.split(".")):
        return Path(sys.executable)
    found = sorted(PYENV.glob(f"{version}.*/bin/python{version}"))
    return found[-1] if found else None


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes() if path.is_file() else os.readlink(path).encode())
    return h.hexdigest()[:16]


def _source_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        top = ROOT / name
        if top.is_file():
            files.append(top)
            continue
        for path in top.rglob("*"):
            if "__pycache__" in path.parts:
                continue
            if path.is_symlink() or path.is_file():
                files.append(path)
    return files


def _uv(*args: str) -> None:
    """Run ``uv``; a failure says which command and what uv said."""
    done = subprocess.run([str(UV), *args], capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"uv {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """One process at a time makes a cache entry (xdist workers, other checkouts on this machine
    share the cache); the others wait and then find it made."""
    (CACHE / "locks").mkdir(parents=True, exist_ok=True)
    with open(CACHE / "locks" / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def wheel() -> Path:
    """The project's wheel, built once per version of its sources."""
    out = CACHE / "wheels" / _digest(_source_files())
    with _locked(f"wheel-{out.name}"):
        return _build_wheel(out)


def _build_wheel(out: Path) -> Path:
    built = list(out.glob("pwc_archive-*.whl"))
    if built:
        return max(built)
    work = CACHE / "wheel-src" / out.name
    shutil.rmtree(work, ignore_errors=True)
    for name in SOURCES:
        src = ROOT / name
        if src.is_file():
            work.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, work / name)
        else:
            shutil.copytree(src, work / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    _uv("build", "--wheel", "--out-dir", str(out), str(work))
    shutil.rmtree(work, ignore_errors=True)
    return max(out.glob("pwc_archive-*.whl"))


def venv(python: Path, requirements: list[str], *, name: str, editable: bool = False) -> Path:
    """A virtual environment for ``python`` with ``requirements`` installed (pinned by the lock);
    with ``editable``, the checkout installed editable on top. Returns its bin folder."""
    lock = ROOT / "requirements.lock"
    key = hashlib.sha256(
        "\n".join([str(python), *requirements, lock.read_text(), str(ROOT) if editable else ""]).encode()
    ).hexdigest()[:16]
    root = CACHE / "venvs" / f"{name}-{key}"
    with _locked(root.name):
        return _make_venv(root, python, requirements, lock, editable)


STALE_DAYS = 3
"""A cached venv nobody used for this long is removed when a sibling (same name, other key) is
made: each change of the sources or the lock makes a new one, and the old ones would pile up."""


def _prune(root: Path) -> None:
    name = root.name.rsplit("-", 1)[0]
    cutoff = time.time() - STALE_DAYS * 86400
    for sibling in root.parent.glob(f"{name}-*"):
        done = sibling / ".complete"
        if sibling != root and done.exists() and done.stat().st_mtime < cutoff:
            shutil.rmtree(sibling, ignore_errors=True)


def _make_venv(root: Path, python: Path, requirements: list[str], lock: Path, editable: bool) -> Path:
    done = root / ".complete"
    if done.exists():
        done.touch()  # in use: kept by _prune
        return root / "bin"
    _prune(root)
    shutil.rmtree(root, ignore_errors=True)
    _uv("venv", "-q", "--python", str(python), str(root))
    target = ["--python", str(root / "bin" / "python")]
    _uv("pip", "install", "-q", *target, "--constraint", str(lock), *requirements)
    if editable:
        _uv("pip", "install", "-q", *target, "--no-deps", "-e", str(ROOT))
    done.touch()
    return root / "bin"
