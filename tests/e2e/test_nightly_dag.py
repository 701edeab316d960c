"""End to end: `scripts/airflow dags test nightly_release` through real Airflow, tmp storage.

One tmp Airflow home (SQLite metadata DB, migrated by the wrapper on first use) and one
tmp store serve the whole module:

- the first run builds a release from the bundled sample (the full 2020 dump);
- a second run for the same logical date publishes the rebuild under the next N;
- a run on a corrupt source fails in ``ingest`` and leaves the store untouched.

Each run is a module-scoped fixture that records the store right after it finished,
so the tests do not depend on the order they run in.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.airflow_env import PROJECT_ROOT, airflow_env, dags_test, log_tail
from transforms.client.verify import verify_release
from transforms.duck import quote_ident
from transforms.release.schema import TABLES

pytestmark = [pytest.mark.airflow, pytest.mark.slow]

DAG_ID = "nightly_release"
DAY = "2026-01-15"
LAYERS = (
    ("plan",),
    ("check_changed",),
    ("ingest",),
    ("normalize",),
    ("build_tables",),
    ("validate", "export"),
    ("seal",),
    ("publish",),
    ("cleanup", "site_index"),
)
"""The nightly's tasks in order; the tasks of one layer may run in either order."""
CHAIN = tuple(task for layer in LAYERS for task in layer)
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
CORRUPT_MESSAGE = "leaderboards/example_json_format.json: invalid JSON at line 27, column 13"
MAX_LINES = 55
"""What ``dags test`` may print for a successful nightly: ``make nightly`` adds its command line,
and the operator's whole output stays under 60 lines."""
FORCED_ID = "2026-01-20.0"


@dataclass
class Site:
    """The module's Airflow home and storage."""

    root: Path
    home: Path
    store: Path
    work: Path

    def env(self, **overrides: Any) -> dict[str, str]:
        """The subprocess environment; the source is the bundled sample unless overridden."""
        settings: dict[str, Any] = {"store": self.store, "work": self.work, **overrides}
        return airflow_env(self.home, **settings)


@dataclass
class Run:
    """One `dags test` run and the store as it was right after it."""

    returncode: int
    log: Path
    store_entries: list[str]
    latest: bytes | None
    index: bytes | None
    task_states: dict[str, str]
    task_times: dict[str, tuple[str, str]] = field(default_factory=dict)
    asset_extras: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def require_success(self) -> None:
        assert self.returncode == 0, f"dags test exited {self.returncode}\n{log_tail(self.log)}"

    def latest_json(self) -> dict[str, Any]:
        assert self.latest is not None, "no latest.json in the store"
        return json.loads(self.latest)

    def index_json(self) -> dict[str, Any]:
        assert self.index is not None, "no index.json in the store"
        return json.loads(self.index)


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _task_states(home: Path) -> dict[str, str]:
    """task_id -> state of the most recent run of the DAG, from the metadata DB."""
    db = home / "airflow.db"
    if not db.is_file():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT ti.task_id, ti.state FROM task_instance ti "
            "WHERE ti.dag_id = ? AND ti.run_id = (SELECT run_id FROM dag_run WHERE dag_id = ? "
            "ORDER BY id DESC LIMIT 1)",
            (DAG_ID, DAG_ID),
        ).fetchall()
    finally:
        con.close()
    return {task_id: state for task_id, state in rows}


def _task_times(home: Path) -> dict[str, tuple[str, str]]:
    """task_id -> (start, end) of the most recent run of the DAG (the order the tasks ran in)."""
    con = sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT task_id, start_date, end_date FROM task_instance WHERE dag_id = ? AND run_id ="
            " (SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1)",
            (DAG_ID, DAG_ID),
        ).fetchall()
    finally:
        con.close()
    return {task_id: (start, end) for task_id, start, end in rows if start and end}


def _asset_extras(home: Path) -> list[dict[str, Any]]:
    """The extra of every asset event the nightly emitted, oldest first."""
    con = sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT extra FROM asset_event WHERE source_dag_id = ? ORDER BY id", (DAG_ID,)
        ).fetchall()
    finally:
        con.close()
    return [json.loads(extra) if isinstance(extra, str) else dict(extra or {}) for (extra,) in rows]


def _run(
    site: Site, name: str, env: dict[str, str], timeout: float, conf: dict[str, Any] | None = None
) -> Run:
    log = site.root / "logs" / f"{name}.log"
    code = dags_test(DAG_ID, DAY, env, log, timeout=timeout, conf=conf)
    return Run(
        returncode=code,
        log=log,
        store_entries=sorted(p.name for p in site.store.iterdir()) if site.store.is_dir() else [],
        latest=_read(site.store / "latest.json"),
        index=_read(site.store / "index.json"),
        task_states=_task_states(site.home),
        task_times=_task_times(site.home),
        asset_extras=_asset_extras(site.home),
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("nightly_dag")
    return Site(root=root, home=root / "airflow_home", store=root / "store", work=root / "work")


@pytest.fixture(scope="module")
def first_run(site: Site) -> Run:
    """The nightly DAG on the bundled sample into an empty store."""
    return _run(site, "first", site.env(), timeout=600)


@pytest.fixture(scope="module")
def unchanged(site: Site, first_run: Run) -> Run:
    """The same logical date and the same input again, after the first run."""
    first_run.require_success()
    return _run(site, "unchanged", site.env(), timeout=600)


@pytest.fixture(scope="module")
def rebuild(site: Site, unchanged: Run) -> Run:
    """The same input once more, forced through the trigger form, which also names the store (over
    $PWC_STORE, pointed elsewhere) and the release id."""
    unchanged.require_success()
    conf = {"force": True, "store": str(site.store), "release_id": FORCED_ID}
    return _run(site, "forced", site.env(store=site.root / "env-store"), timeout=600, conf=conf)


@pytest.fixture(scope="module")
def failed_run(site: Site, first_run: Run) -> tuple[Run, Run]:
    """A run whose source holds a corrupt leaderboard file: (store before, the run)."""
    first_run.require_success()
    source = site.root / "corrupt_source"
    (source / "leaderboards").mkdir(parents=True)
    # The tiny evaluation-tables subset keeps this run short; ingest reads it first.
    shutil.copyfile(
        FIXTURES / "subsets" / "evaluation-tables.2020-08-28.tiny.json",
        source / "evaluation-tables.tiny.json",
    )
    shutil.copyfile(
        FIXTURES / "corrupt" / "example_json_format.json",
        source / "leaderboards" / "example_json_format.json",
    )
    before = Run(
        returncode=0,
        log=Path(),
        store_entries=sorted(p.name for p in site.store.iterdir()),
        latest=_read(site.store / "latest.json"),
        index=_read(site.store / "index.json"),
        task_states={},
    )
    # Own work dir; the DAG's real retry settings: a corrupt source fails fast (no retry can fix it).
    env = site.env(source=source, work=site.root / "work_failed")
    return before, _run(site, "failed", env, timeout=300)


# ----------------------------------------------------------------------------- the nightly run


def test_every_task_ran_and_succeeded(first_run: Run) -> None:
    first_run.require_success()
    assert first_run.task_states == {task: "success" for task in CHAIN}
    times = first_run.task_times
    assert set(times) == set(CHAIN)
    for before, after in itertools.pairwise(LAYERS):
        # Each layer starts after every task of the layer before has ended.
        assert max(times[t][1] for t in before) <= min(times[t][0] for t in after), (before, after, times)


def test_a_successful_run_prints_a_short_summary(site: Site, first_run: Run) -> None:
    first_run.require_success()
    lines = first_run.text.splitlines()
    assert len(lines) < MAX_LINES, f"{len(lines)} lines\n{first_run.text}"
    assert not any("great_expectations" in line or "Traceback" in line for line in lines)
    head = next(i for i, line in enumerate(lines) if f"release {DAY}.0 published to " in line)
    summary = lines[head:]
    assert summary[0].endswith(f"{site.store / (DAY + '.0')}") or str(site.store / f"{DAY}.0") in summary[0]
    for stage in ("ingest", "normalize", "build", "export", "validate", "seal", "publish", "total"):
        assert any(f"  {stage} " in line and " s " in line for line in summary), (stage, summary)
    assert any("expectations on 14 tables passed" in line for line in summary), summary
    assert any("results " in line for line in summary if "  export " in line), summary


def test_release_is_published_and_verifies(site: Site, first_run: Run) -> None:
    first_run.require_success()
    release = site.store / f"{DAY}.0"
    assert (release / "manifest.json").is_file()
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release_id"] == f"{DAY}.0"
    report = verify_release(release)
    assert report.ok, report.problems
    assert report.checked >= len(TABLES) + 1


def test_latest_and_index_point_to_the_release(site: Site, first_run: Run) -> None:
    first_run.require_success()
    manifest_sha = _sha256(site.store / f"{DAY}.0" / "manifest.json")
    assert first_run.latest_json() == {"release_id": f"{DAY}.0", "manifest_sha256": manifest_sha}
    index = first_run.index_json()
    assert index["latest"] == f"{DAY}.0"
    assert [r["release_id"] for r in index["releases"]] == [f"{DAY}.0"]
    visible = [name for name in first_run.store_entries if not name.startswith(".")]  # not .staging/
    assert visible == [f"{DAY}.0", "index.json", "latest", "latest.json"]  # latest: a link to the release


def test_work_dir_of_the_release_is_cleaned_up(site: Site, first_run: Run) -> None:
    first_run.require_success()
    assert not (site.work / f"{DAY}.0").exists()


def test_the_site_serves_the_new_release_from_the_index_the_nightly_built(site: Site, first_run: Run) -> None:
    from transforms.site.release import INDEX_DIR, default_cache_dir, open_store_release

    first_run.require_success()
    cache = default_cache_dir(str(site.work))
    assert [p.name.rsplit("-", 1)[0] for p in (cache / INDEX_DIR).glob("*.site.duckdb")] == [f"{DAY}.0"]
    opened = open_store_release(str(site.store), f"{DAY}.0", cache_dir=cache, spill_root=site.root / "spill")
    try:
        assert not opened.index_built_at_start, "serve had to build the index the nightly should have built"
        assert opened.cursor().execute("SELECT count(*) FROM site_paper_results").fetchone()[0] > 0  # type: ignore[index]
    finally:
        opened.close()


def test_manifest_row_counts_match_the_duckdb_file(site: Site, first_run: Run) -> None:
    first_run.require_success()
    release = site.store / f"{DAY}.0"
    tables = json.loads((release / "manifest.json").read_text(encoding="utf-8"))["tables"]
    assert set(tables) == set(TABLES)
    con = duckdb.connect(str(release / "pwc.duckdb"), read_only=True)
    try:
        counts = {
            name: con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()[0] for name in tables
        }
    finally:
        con.close()
    assert counts == {name: t["row_count"] for name, t in tables.items()}
    # No submissions were accepted in this test's root, and a first release has nothing to
    # compare with: those tables alone may be empty.
    may_be_empty = {"submissions", "changes", "id_redirects", "conflicts"}
    assert all(n > 0 for name, n in counts.items() if name not in may_be_empty), counts
    assert counts["submissions"] == counts["changes"] == counts["id_redirects"] == 0
    quality = json.loads((release / "quality.json").read_text(encoding="utf-8"))
    assert quality["release_id"] == f"{DAY}.0" and quality["figures"]["results"] == counts["results"]
    assert "first release" in (release / "CHANGELOG.md").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- publish only on change


def test_an_unchanged_input_publishes_nothing(site: Site, first_run: Run, unchanged: Run) -> None:
    unchanged.require_success()
    assert unchanged.task_states == {
        "plan": "success",
        **{task: "skipped" for task in CHAIN if task != "plan"},
    }
    assert unchanged.store_entries == first_run.store_entries
    assert (unchanged.latest, unchanged.index) == (first_run.latest, first_run.index)
    assert f"nothing published: unchanged since release {DAY}.0" in unchanged.text
    assert "force=true" in unchanged.text
    assert len(unchanged.asset_extras) == 1, "a skipped publish emitted an asset event"


def test_the_manifest_records_the_fingerprint(site: Site, first_run: Run) -> None:
    first_run.require_success()
    manifest = json.loads((site.store / f"{DAY}.0" / "manifest.json").read_text(encoding="utf-8"))
    fingerprint = manifest["fingerprint"]
    assert set(fingerprint) == {"sha256", "inputs", "submissions", "rules", "schema_version", "code"}
    assert fingerprint["inputs"] == {i["path"]: i["sha256"] for i in manifest["inputs"]}
    assert fingerprint["submissions"] == {}
    assert fingerprint["schema_version"] == manifest["schema_version"]
    assert "normalize/model_rules.yaml" in fingerprint["rules"]


def test_force_and_the_trigger_form_publish_again(site: Site, first_run: Run, rebuild: Run) -> None:
    rebuild.require_success()
    assert rebuild.task_states == {task: "success" for task in CHAIN}
    first = site.store / f"{DAY}.0"
    second = site.store / FORCED_ID
    assert (second / "manifest.json").is_file()
    assert verify_release(second).ok
    assert "forced: building although latest is" in rebuild.text
    # The form's store won over $PWC_STORE: nothing went there.
    assert not (site.root / "env-store").exists() or not any((site.root / "env-store").iterdir())
    # The first release is immutable: still intact and still the bytes latest.json named then.
    assert verify_release(first).ok
    assert _sha256(first / "manifest.json") == first_run.latest_json()["manifest_sha256"]
    index = rebuild.index_json()
    assert [r["release_id"] for r in index["releases"]] == [f"{DAY}.0", FORCED_ID]
    assert index["latest"] == FORCED_ID
    assert rebuild.latest_json() == {
        "release_id": FORCED_ID,
        "manifest_sha256": _sha256(second / "manifest.json"),
    }
    assert not any(p.name.startswith(FORCED_ID) for p in site.work.glob("*"))


def test_the_release_event_carries_the_release_id(site: Site, first_run: Run, rebuild: Run) -> None:
    rebuild.require_success()
    assert rebuild.asset_extras == [
        {"release_id": f"{DAY}.0", "location": str(site.store / f"{DAY}.0")},
        {"release_id": FORCED_ID, "location": str(site.store / FORCED_ID)},
    ]


# ----------------------------------------------------------------------------- Data Docs


def test_data_docs_ship_in_the_release_and_name_every_suite(site: Site, first_run: Run) -> None:
    first_run.require_success()
    release = site.store / f"{DAY}.0"
    docs = release / "reports" / "data-docs"
    index = (docs / "index.html").read_text(encoding="utf-8")
    listed = {f["path"]: f["sha256"] for f in json.loads((release / "manifest.json").read_text())["files"]}
    assert listed["reports/data-docs/index.html"] == _sha256(docs / "index.html")
    for table in TABLES:
        suite = json.loads((PROJECT_ROOT / "expectations" / f"{table}.json").read_text())["name"]
        pages = list((docs / "validations" / suite).rglob("*.html"))
        assert len(pages) == 1, (table, pages)
        rel = pages[0].relative_to(docs).as_posix()
        assert rel in index, f"{table}: {rel} not linked from the index"
        assert f"reports/data-docs/{rel}" in listed
        assert f"/{DAY}.0/" in rel, f"{rel}: not the release's validation run"
        assert f">{suite}</a>" in pages[0].read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- a failing run


def test_corrupt_source_fails_in_ingest_and_leaves_latest_alone(
    site: Site, failed_run: tuple[Run, Run]
) -> None:
    before, run = failed_run
    assert run.returncode == 1, f"expected exit 1 (DagRun failed), got {run.returncode}\n{log_tail(run.log)}"
    text = run.text
    assert CORRUPT_MESSAGE in text, log_tail(run.log)
    last = text.rstrip().splitlines()[-1]
    assert last.startswith(f"FAILED ingest: {CORRUPT_MESSAGE}"), log_tail(run.log)
    assert "fix or remove that source file" in last
    assert "Traceback" not in text
    assert run.task_states["plan"] == "success"
    assert run.task_states["ingest"] == "failed"
    assert run.task_states["publish"] != "success" and "[DAG TEST] starting task_id=publish " not in text
    assert run.store_entries == before.store_entries, "the failed run changed the store"
    assert run.latest == before.latest
    assert run.index == before.index
