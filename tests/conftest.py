"""Shared fixtures. Expensive things (a built release, the GE context) are session-scoped.

Tests never read a developer's own configuration: PWC_* variables are cleared and
every store/work directory is a tmp path.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.builds import ROOT, Built, build, make_source

# tests/production needs the running production profile (make up): only `make test-production`
# (PRODUCTION_TESTS=1) collects it, never a plain `make test`.
collect_ignore = [] if os.environ.get("PRODUCTION_TESTS") == "1" else ["production"]


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings() -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("PWC_")}
    for key in saved:
        del os.environ[key]
    os.environ["PWC_CONFIG"] = str(ROOT / "tests" / "no-such-config.toml")
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    # Never the project's own submissions/ folder: builds would ingest whatever a developer filed there.
    empty = tempfile.mkdtemp(prefix="pwc-test-submissions-")
    os.environ["PWC_SUBMISSIONS"] = empty
    yield
    os.environ.pop("PWC_SUBMISSIONS", None)
    os.environ.pop("PWC_CONFIG", None)
    os.environ.update(saved)


TIERS = {"unit": "unit", "integration": "integration", "e2e": "e2e", "production": "production"}
"""Test tiers by folder: ``tests/<tier>/...`` gets the marker ``<tier>`` (``make test-fast`` runs
``-m unit``). Markers a module sets itself (``airflow``, ``slow``) come on top."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = Path(__file__).resolve().parent
    for item in items:
        try:
            folder = Path(str(item.path)).resolve().relative_to(tests_dir).parts[0]
        except ValueError:
            continue
        if folder in TIERS:
            item.add_marker(getattr(pytest.mark, TIERS[folder]))


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory: pytest.TempPathFactory, tiny_source: Path) -> Built:
    """A small real release (11 tasks of the 2020 dump), built once: for tests that need a release,
    not a particular one."""
    base = tmp_path_factory.mktemp("tiny-release")
    return build(tiny_source, base / "store", base / "work", "2026-01-03.0")


@pytest.fixture(scope="session")
def sample_release(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The full bundled sample (whole 2020 dump, methods, leaderboards), built once."""
    base = tmp_path_factory.mktemp("sample-release")
    return build(None, base / "store", base / "work", "2026-01-02.0")


@pytest.fixture(scope="session")
def small_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_source(tmp_path_factory.mktemp("small-source"))


@pytest.fixture(scope="session")
def tiny_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_source(tmp_path_factory.mktemp("tiny-source"), tiny=True)


@pytest.fixture(scope="session")
def release_db(sample_release: Built) -> Iterator[Any]:
    import duckdb

    con = duckdb.connect(str(sample_release.release_dir / "pwc.duckdb"), read_only=True)
    yield con
    con.close()
