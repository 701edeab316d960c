"""The nightly build as plain functions, one per stage.

The Airflow DAG runs each stage as its own task; ``pwc-archive release build``
and the benchmark call :func:`build_release`, which runs the same functions in
one process. Stages share nothing but the work directory of the release
(``<work>/<release_id>/``: ``work.duckdb``, JSON summaries, ``release/``), so a
retried or re-run stage redoes exactly its own step.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from transforms.build.ids import build_lineage
from transforms.build.previous import fetch_previous, load_previous, previous_quality
from transforms.build.sqlrunner import ID_MODELS, RELEASE_MODELS, create_macros, run_models, sql_literal
from transforms.build.tables import TABLES
from transforms.config import Settings
from transforms.errors import PwcError, ValidationFailed
from transforms.ingest.load import ingest as ingest_sources
from transforms.ingest.sources import discover
from transforms.publish.manifest import parse_release_id
from transforms.submissions.ingest import ingest_submissions

log = logging.getLogger(__name__)

WORK_DB = "work.duckdb"


# --------------------------------------------------------------------------- workspace


@contextmanager
def workspace(settings: Settings, release_id: str) -> Iterator[Path]:
    """The release's work directory as a local path.

    A local ``work`` setting is used in place. A URL (``s3://...``) is mirrored:
    downloaded before the stage and uploaded after it succeeds, so tasks of one
    run can execute on different machines.
    """
    parse_release_id(release_id)
    if "://" not in settings.work:
        path = Path(settings.work) / release_id
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    import fsspec

    fs, root = fsspec.core.url_to_fs(settings.work)
    remote = f"{root.rstrip('/')}/{release_id}"
    with tempfile.TemporaryDirectory(prefix=f"pwc-{release_id}-") as tmp:
        local = Path(tmp)
        if fs.exists(remote):
            fs.get(remote + "/", str(local), recursive=True)
        yield local
        fs.put(str(local) + "/", remote, recursive=True)


@contextmanager
def work_db(settings: Settings, path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path / WORK_DB), read_only=read_only)
    try:
        # SET takes no bound parameters (and a parameterised query makes DuckDB import pandas).
        con.execute(f"SET threads = {int(settings.threads)}")
        con.execute(f"SET memory_limit = {sql_literal(settings.memory_limit)}")
        if not read_only:
            con.execute(f"SET temp_directory = {sql_literal(str(path / 'spill'))}")
        yield con
    finally:
        con.close()


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")


def _read_json(path: Path, stage: str) -> Any:
    if not path.is_file():
        raise PwcError(f"{path}: missing; run the {stage} stage for this release first")
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- stages


def plan(settings: Settings, day: date) -> str:
    """The release id for a build on ``day``: ``YYYY-MM-DD.N``, N one past the last of that day."""
    from transforms.publish.store import plan_release_id

    return plan_release_id(settings.store, day)


def ingest(settings: Settings, release_id: str) -> dict[str, Any]:
    """Discover and stream every source file into raw tables of a fresh work database."""
    sources = discover(settings.require_source())
    inputs = [{"path": f.name, "sha256": f.sha256(), "bytes": f.path.stat().st_size} for f in sources.files]
    with workspace(settings, release_id) as path:
        (path / WORK_DB).unlink(missing_ok=True)
        with work_db(settings, path) as con:
            report = ingest_sources(
                con, sources, more=lambda writer: ingest_submissions(con, settings, release_id, writer)
            )
        previous = fetch_previous(settings.store, release_id, path)
        summary = {
            "inputs": inputs,
            "rows": report.rows,
            "files": report.files,
            "unknown_files": report.unknown_files,
            "submissions": report.more.to_json_dict(),
            "previous_release": previous["release_id"],
        }
        _write_json(path / "ingest.json", summary)
    return summary


def normalize(settings: Settings, release_id: str) -> dict[str, Any]:
    """Parse values and materialise the staging models."""
    from transforms.normalize.models import load_rules
    from transforms.normalize.stage import normalize as run_normalize

    model_rules = load_rules(settings.model_rules) if settings.model_rules else None
    with workspace(settings, release_id) as path, work_db(settings, path) as con:
        runs = run_normalize(con, model_rules)
    return {r.name: r.rows for r in runs}


def build(settings: Settings, release_id: str) -> dict[str, Any]:
    """Materialise the release tables, the id registry and the diff against the previous release."""
    from transforms.build.changes import build_changes

    with workspace(settings, release_id) as path, work_db(settings, path) as con:
        create_macros(con)
        load_previous(con, path)
        runs = run_models(con, "release", RELEASE_MODELS)
        lineage = build_lineage(con, path)
        runs += run_models(con, "release", ID_MODELS)
        changes = build_changes(con, path, release_id)
    rows = {r.name: r.rows for r in runs if r.name in TABLES}
    return {**rows, "int_lineage": lineage, "changes": changes}


def validate(settings: Settings, release_id: str) -> dict[str, Any]:
    """Run the Great Expectations gate; writes ``validation.json``; raises ValidationFailed."""
    from transforms.validate.gate import raise_for_failures, run_gate

    with workspace(settings, release_id) as path:
        with work_db(settings, path) as con:
            raw_cells = con.execute(
                "SELECT count(*) FROM raw_results WHERE metric_name_raw IS NOT NULL"
            ).fetchone()[0]  # type: ignore[index]
            report = run_gate(
                con,
                Path(settings.expectations),
                # A release never holds more results than archived cells (dedupe only removes).
                # Submissions are few or none: an empty submissions table is a valid release. A first
                # release has no changes or redirects, and clean data has no conflicts.
                parameters={
                    "max_rows__results": int(raw_cells),
                    "min_rows__submissions": 0,
                    "min_rows__conflicts": 0,
                    "min_rows__id_redirects": 0,
                    "min_rows__changes": 0,
                },
            )
        out = path / "validation.json"
        summary = report.to_json_dict()
        _write_json(out, summary)
        raise_for_failures(report, str(out))
    return {"success": True, "report": str(out)}


def export(settings: Settings, release_id: str, created_at: datetime | None = None) -> dict[str, Any]:
    """Write the complete release directory (Parquet, DuckDB, LICENSE, README, manifest last)."""
    from transforms.build.changes import CHANGELOG, DIFF_JSON
    from transforms.publish.export import export_release
    from transforms.publish.quality import build_report

    created = created_at or datetime.now(UTC)
    with workspace(settings, release_id) as path:
        ingest_summary = _read_json(path / "ingest.json", "ingest")
        validation = _read_json(path / "validation.json", "validate")
        if not validation.get("success"):
            raise ValidationFailed(f"{path / 'validation.json'}: the gate did not pass; refusing to export")
        diff = _read_json(path / DIFF_JSON, "build")
        with work_db(settings, path, read_only=True) as con:
            quality = build_report(con, release_id=release_id, previous=previous_quality(path), diff=diff)
            manifest = export_release(
                con,
                path / "release",
                release_id=release_id,
                created_at=created,
                inputs=ingest_summary["inputs"],
                validation=validation,
                quality=quality,
                changelog=(path / CHANGELOG).read_text(encoding="utf-8"),
            )
    return {name: t["row_count"] for name, t in manifest["tables"].items()}


def publish(settings: Settings, release_id: str) -> str:
    """Move the exported release into the store atomically, then update index/latest."""
    from transforms.publish.store import publish_release

    with workspace(settings, release_id) as path:
        return publish_release(path / "release", settings.store, release_id)


def cleanup(settings: Settings, release_id: str) -> None:
    """Remove the release's work directory (after a successful publish)."""
    if "://" in settings.work:
        import fsspec

        fs, root = fsspec.core.url_to_fs(settings.work)
        target = f"{root.rstrip('/')}/{release_id}"
        if fs.exists(target):
            fs.rm(target, recursive=True)
    else:
        shutil.rmtree(Path(settings.work) / release_id, ignore_errors=True)


# --------------------------------------------------------------------------- in-process build

STAGES: tuple[str, ...] = ("ingest", "normalize", "build", "validate", "export", "publish")


@dataclass
class BuildResult:
    release_id: str
    location: str
    seconds: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)


def build_release(
    settings: Settings,
    release_id: str | None = None,
    day: date | None = None,
    on_stage: Callable[[str, float], None] | None = None,
    keep_work: bool = False,
) -> BuildResult:
    """Run every stage in this process (no scheduler); returns the published release."""
    rid = release_id or plan(settings, day or datetime.now(UTC).date())
    parse_release_id(rid)
    result = BuildResult(rid, "")
    steps: dict[str, Callable[[], Any]] = {
        "ingest": lambda: ingest(settings, rid),
        "normalize": lambda: normalize(settings, rid),
        "build": lambda: build(settings, rid),
        "validate": lambda: validate(settings, rid),
        "export": lambda: export(settings, rid),
        "publish": lambda: publish(settings, rid),
    }
    for stage in STAGES:
        started = time.perf_counter()
        result.details[stage] = steps[stage]()
        result.seconds[stage] = time.perf_counter() - started
        if on_stage:
            on_stage(stage, result.seconds[stage])
    result.location = str(result.details["publish"])
    if not keep_work:
        cleanup(settings, rid)
    return result
