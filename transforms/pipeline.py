"""The nightly build as plain functions, one per stage.

The Airflow DAG runs each stage as its own task; ``pwc-archive release build``
and the benchmark call :func:`build_release`, which runs the same functions in
one process. Stages share nothing but the work directory of the release
(``<work>/<release_id>/``: ``work.duckdb``, JSON summaries, ``release/``), so a
retried or re-run stage redoes exactly its own step.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
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

from transforms.config import Settings
from transforms.duck import Limits, connect, resource_errors
from transforms.errors import PwcError, ValidationFailed
from transforms.ingest.load import ingest as ingest_sources
from transforms.ingest.sources import discover
from transforms.release.layout import parse_release_id
from transforms.storage import Location, open_location
from transforms.submissions.ingest import ingest_submissions
from transforms.tables.previous import fetch_previous, previous_quality

log = logging.getLogger(__name__)

WORK_DB = "work.duckdb"
EXPORT_JSON = "export.json"
QUALITY_JSON = "quality.json"
DATA_DOCS = "data-docs"
"""``<work>/<run>/data-docs/``: GX's Data Docs of the gate run (validate writes, seal ships them)."""
RELEASE_DATA_DOCS = "reports/data-docs"
"""Where the Data Docs sit in a release (listed in the manifest like every file)."""


# --------------------------------------------------------------------------- workspace


RUN_SEPARATOR = "~"
"""A run reference is ``<release id>~<run>``: what the stages pass each other (the DAG's tasks
through XCom). Each run has its own work directory ``<work>/<run reference>``, so two builds of
one release id never share one. A bare release id is a run of its own (``<work>/<release id>``)."""
_RUN_TOKEN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def run_reference(release_id: str, run: str) -> str:
    """``<release id>~<run>``; ``run`` is reduced to a short token (e.g. an Airflow run id)."""
    parse_release_id(release_id)
    token = re.sub(r"[^a-z0-9-]+", "-", run.lower()).strip("-")[:40]
    if not _RUN_TOKEN.fullmatch(token):
        token = hashlib.sha256(run.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{release_id}{RUN_SEPARATOR}{token}"


def release_of(run: str) -> str:
    """The release id of a run reference (checked), e.g. ``2026-01-02.0`` of ``2026-01-02.0~a1b2``."""
    release_id, _, token = run.partition(RUN_SEPARATOR)
    parse_release_id(release_id)
    if RUN_SEPARATOR in run and not _RUN_TOKEN.fullmatch(token):
        raise PwcError(f"run reference {run!r} is not valid: expected <release id>~<token of a-z, 0-9, ->")
    return release_id


@contextmanager
def workspace(settings: Settings, run: str) -> Iterator[Path]:
    """The release's work directory as a local path.

    A local ``work`` setting is used in place. A URL (``s3://...``) is mirrored:
    downloaded before the stage and uploaded after it succeeds, so tasks of one
    run can execute on different machines.
    """
    release_id = release_of(run)
    work = open_location(settings.work).child(run)
    local = work.local_path()
    if local is not None:
        local.mkdir(parents=True, exist_ok=True)
        yield local
        return
    with tempfile.TemporaryDirectory(prefix=f"pwc-{release_id}-") as tmp:
        mirror = Path(tmp)
        for rel in _remote_files(work):
            with work.stream(rel) as chunks, open(_ensure_parent(mirror / rel), "wb") as out:
                out.writelines(chunks)
        fetched = _file_states(mirror)
        yield mirror
        # Only what the stage wrote goes back: stages that run side by side (validate, export)
        # write different files and only read the work database.
        for rel, state in sorted(_file_states(mirror).items()):
            if fetched.get(rel) != state:
                work.put_file(mirror / rel, rel)


def _remote_files(location: Location, prefix: str = "") -> list[str]:
    files: list[str] = []
    for name in location.listdir(prefix):
        rel = f"{prefix}/{name}" if prefix else name
        files += _remote_files(location, rel) if location.is_dir(rel) else [rel]
    return files


def _ensure_parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _file_states(root: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def limits(settings: Settings, path: Path) -> Limits:
    """The DuckDB limits of every connection of this release's build (spilling into its work dir)."""
    return Limits(memory_limit=settings.memory_limit, threads=settings.threads, spill_dir=path / "spill")


@contextmanager
def work_db(settings: Settings, path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path / WORK_DB, limits(settings, path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")


def _read_json(path: Path, stage: str) -> Any:
    if not path.is_file():
        raise PwcError(f"{path}: missing; run the {stage} stage for this release first")
    return json.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- fingerprint

FINGERPRINT_PARTS = ("inputs", "submissions", "rules", "schema_version", "code")
"""What a release is made of, besides its date: the manifest's ``fingerprint`` records each."""
_PACKAGE = Path(__file__).resolve().parent


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tree_sha256(root: Path, pattern: str) -> str:
    """One sha256 over the names and bytes of ``root``'s files matching ``pattern`` (sorted)."""
    digest = hashlib.sha256()
    for path in sorted(root.glob(pattern)):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(_sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def accepted_submissions(settings: Settings) -> dict[str, int]:
    """The accepted submissions a build would ingest (id -> receipts), as ``ingest_submissions``
    picks them: a folder in ``accepted/`` with ``submission.json`` and at least one receipt.
    A submission's id is the hash of its canonical content, so the ids stand for the content."""
    from transforms.submissions.intake import ACCEPTED, SubmissionStore

    store = SubmissionStore(settings.submissions)
    if not store.exists(ACCEPTED):
        return {}
    found: dict[str, int] = {}
    for sid in store.listdir(ACCEPTED):
        if not store.exists(ACCEPTED, sid, "submission.json"):
            continue
        receipts = [n for n in store.listdir(ACCEPTED, sid, "receipts") if n.endswith(".json")]
        if receipts:
            found[sid] = len(receipts)
    return dict(sorted(found.items()))


def fingerprint(settings: Settings, input_sha256: dict[str, str] | None = None) -> dict[str, Any]:
    """What a release built now would be made of: each source file's sha256, the accepted
    submissions, the rule files (``normalize/*.yaml``, the model rules, the GE suites), the schema
    version and the code's release-relevant version (the package version and its SQL models);
    ``sha256`` over all of them. Cheap: it hashes the inputs and reads no table.

    ``input_sha256`` gives the source files' hashes taken while ingesting (the ingest stage records
    what it read); otherwise every source file is hashed here.
    """
    from transforms import __version__
    from transforms.release.schema import SCHEMA_VERSION

    sources = discover(settings.require_source())
    hashes = input_sha256 or {}
    inputs = {f.name: hashes.get(f.name) or f.sha256() for f in sources.files}
    rules = {f"normalize/{p.name}": _sha256_file(p) for p in sorted((_PACKAGE / "normalize").glob("*.yaml"))}
    if settings.model_rules:
        rules["model_rules"] = _sha256_file(Path(settings.model_rules))
    rules["expectations"] = _tree_sha256(Path(settings.expectations), "*.json")
    parts: dict[str, Any] = {
        "inputs": dict(sorted(inputs.items())),
        "submissions": accepted_submissions(settings),
        "rules": rules,
        "schema_version": SCHEMA_VERSION,
        "code": {"pipeline_version": __version__, "sql": _tree_sha256(_PACKAGE / "sql", "**/*.sql")},
    }
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()
    return {"sha256": hashlib.sha256(canonical).hexdigest(), **parts}


def latest_fingerprint(settings: Settings) -> tuple[str | None, dict[str, Any] | None]:
    """The latest release's id and recorded fingerprint (None for either when there is none:
    an empty store, or a release from before fingerprints were recorded)."""
    from transforms.client.store import read_manifest
    from transforms.publish.store import existing_release_ids

    if not existing_release_ids(settings.store) or not open_location(settings.store).exists("index.json"):
        return None, None
    manifest = read_manifest(settings.store, "latest")
    recorded = manifest.get("fingerprint")
    return str(manifest["release_id"]), recorded if isinstance(recorded, dict) else None


@dataclass(frozen=True)
class ChangeCheck:
    """The answer of :func:`check_changed`: publish or not, and why, in one line."""

    changed: bool
    message: str
    latest: str | None
    sha256: str


def check_changed(settings: Settings, force: bool = False) -> ChangeCheck:
    """Whether a build now would differ from the latest release (publish only on change).

    Compares :func:`fingerprint` with the one the latest release's manifest records; ``force``
    builds anyway. The message names what changed (or says that nothing did and how to force).
    """
    current = fingerprint(settings)
    latest, recorded = latest_fingerprint(settings)
    short = current["sha256"][:12]
    if latest is None:
        return ChangeCheck(True, f"no release in {settings.store} yet: building the first", None, short)
    if recorded is None:
        why = f"latest release {latest} records no fingerprint: building"
        return ChangeCheck(True, why, latest, short)
    changed = [part for part in FINGERPRINT_PARTS if recorded.get(part) != current[part]]
    if force:
        note = f" ({', '.join(changed)} changed)" if changed else " (nothing changed)"
        return ChangeCheck(True, f"forced: building although latest is {latest}{note}", latest, short)
    if recorded.get("sha256") == current["sha256"]:
        why = (
            f"unchanged since release {latest} (fingerprint {short}: same inputs, submissions, rules, "
            "schema and code); force=true in the trigger form, `make nightly FORCE=1` or "
            "`pwc-archive release build --force` publishes anyway"
        )
        return ChangeCheck(False, why, latest, short)
    details = []
    for part in changed:
        old, new = recorded.get(part), current[part]
        if isinstance(old, dict) and isinstance(new, dict):
            keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            details.append(f"{part}: {', '.join(keys[:5])}{' …' if len(keys) > 5 else ''}")
        else:
            details.append(f"{part}: {old} -> {new}")
    return ChangeCheck(True, f"changed since {latest}: {'; '.join(details)}", latest, short)


# --------------------------------------------------------------------------- stages


def plan(settings: Settings, day: date) -> str:
    """The release id for a build on ``day``: ``YYYY-MM-DD.N``, N one past the last of that day."""
    from transforms.publish.store import plan_release_id

    return plan_release_id(settings.store, day)


def ingest(settings: Settings, run: str) -> dict[str, Any]:
    """Discover and stream every source file into raw tables of a fresh work database."""
    release_id = release_of(run)
    from transforms.publish.store import ensure_index

    sources = discover(settings.require_source())
    ensure_index(settings.store)
    with workspace(settings, run) as path:
        (path / WORK_DB).unlink(missing_ok=True)
        with work_db(settings, path) as con:
            report = ingest_sources(
                con, sources, more=lambda writer: ingest_submissions(con, settings, release_id, writer)
            )
        inputs = [
            {"path": f.name, "sha256": report.sha256[f.name], "bytes": f.path.stat().st_size}
            for f in sources.files
        ]
        previous = fetch_previous(settings.store, release_id, path)
        summary = {
            "inputs": inputs,
            "rows": report.rows,
            "files": report.files,
            "unknown_files": report.unknown_files,
            "submissions": report.more.to_json_dict(),
            "previous_release": previous["release_id"],
            "fingerprint": fingerprint(settings, input_sha256=dict(report.sha256)),
        }
        _write_json(path / "ingest.json", summary)
    return summary


def normalize(settings: Settings, run: str) -> dict[str, Any]:
    """Parse values and materialise the staging models."""
    from transforms.normalize.models import load_rules
    from transforms.normalize.stage import normalize as run_normalize

    model_rules = load_rules(settings.model_rules) if settings.model_rules else None
    with workspace(settings, run) as path, work_db(settings, path) as con:
        runs = run_normalize(con, model_rules)
    return {r.name: r.rows for r in runs}


def build(settings: Settings, run: str) -> dict[str, Any]:
    """Materialise the release tables, the id registry and the diff against the previous release."""
    release_id = release_of(run)
    from transforms.tables.stage import build_tables

    with workspace(settings, run) as path, work_db(settings, path) as con:
        return build_tables(con, path, release_id)


def validate(settings: Settings, run: str) -> dict[str, Any]:
    """Run the Great Expectations gate; writes ``validation.json``; raises ValidationFailed."""
    from transforms.validate.data_docs import build_data_docs
    from transforms.validate.gate import raise_for_failures, run_gate

    with workspace(settings, run) as path:
        with work_db(settings, path, read_only=True) as con:
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
        # GX's own Data Docs, also of a refused run (the operator reads them in the work dir).
        day = parse_release_id(release_of(run))[0]
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        build_data_docs(report, path / DATA_DOCS, release_of(run), run_time=moment)
        raise_for_failures(report, str(out))
    return {
        "success": True,
        "report": str(out),
        "seconds": report.seconds,
        "tables": len(summary.get("tables") or {}),
        "expectations": sum(int(t.get("evaluated_expectations", 0)) for t in summary["tables"].values()),
    }


def export(settings: Settings, run: str, created_at: datetime | None = None) -> dict[str, Any]:
    """Write the release's data files (Parquet, ``pwc.duckdb``) and its data-quality report.

    Independent of the gate: the in-process build runs it while ``validate`` runs, and the
    DAG runs the two as parallel tasks; ``seal`` then needs both.
    """
    release_id = release_of(run)
    from transforms.publish.export import export_tables
    from transforms.publish.quality import build_report
    from transforms.tables.changes import DIFF_JSON

    created = created_at or datetime.now(UTC)
    with workspace(settings, run) as path:
        diff = _read_json(path / DIFF_JSON, "build")
        with work_db(settings, path, read_only=True) as con:
            quality = build_report(con, release_id=release_id, previous=previous_quality(path), diff=diff)
            tables = export_tables(con, path / "release", release_id=release_id, created_at=created)
        _write_json(path / QUALITY_JSON, quality)
        _write_json(path / EXPORT_JSON, {"created_at": created.isoformat(), "tables": tables})
    return {name: t["row_count"] for name, t in tables.items()}


def seal(settings: Settings, run: str) -> dict[str, Any]:
    """Complete the exported release once the gate passed: LICENSE, README, reports, manifest last."""
    release_id = release_of(run)
    from transforms.publish.export import seal_release
    from transforms.tables.changes import CHANGELOG

    with workspace(settings, run) as path:
        ingest_summary = _read_json(path / "ingest.json", "ingest")
        validation = _read_json(path / "validation.json", "validate")
        if not validation.get("success"):
            raise ValidationFailed(f"{path / 'validation.json'}: the gate did not pass; refusing to seal")
        exported = _read_json(path / EXPORT_JSON, "export")
        docs = path / DATA_DOCS
        if not (docs / "index.html").is_file():
            raise PwcError(f"{docs / 'index.html'}: missing; run the validate stage for this release first")
        shutil.rmtree(path / "release" / RELEASE_DATA_DOCS, ignore_errors=True)
        shutil.copytree(docs, path / "release" / RELEASE_DATA_DOCS)
        manifest = seal_release(
            path / "release",
            release_id=release_id,
            created_at=datetime.fromisoformat(exported["created_at"]),
            tables=exported["tables"],
            inputs=ingest_summary["inputs"],
            validation=validation,
            quality=_read_json(path / QUALITY_JSON, "export"),
            changelog=(path / CHANGELOG).read_text(encoding="utf-8"),
            fingerprint=ingest_summary.get("fingerprint"),
        )
    return {"files": len(manifest["files"])}


def publish(settings: Settings, run: str) -> str:
    """Move the exported release into the store atomically, then update index/latest."""
    release_id = release_of(run)
    from transforms.publish.store import publish_release

    with workspace(settings, run) as path:
        return publish_release(path / "release", settings.store, release_id)


def cleanup(settings: Settings, run: str) -> None:
    """Remove the release's work directory (after a successful publish)."""
    open_location(settings.work).remove(run)


def run_stage(stage: str, settings: Settings, *args: Any) -> Any:
    """Run the stage function ``stage`` (one of STAGES, or plan/cleanup).

    Running out of memory or disk becomes one :class:`ResourceError` line naming the
    stage, the limit and the setting to change; the store is untouched (only the
    publish stage writes to it, and it writes a release whole or not at all).
    """
    fn: Callable[..., Any] = globals()[stage]
    work = open_location(settings.work).local_path()
    where = work if work is not None else Path(tempfile.gettempdir())
    if work is not None and args and isinstance(args[0], str):
        where = where / args[0]
    disk_setting = "point the work directory elsewhere with --work / PWC_WORK"
    if stage == "publish":
        where = open_location(settings.store).local_path() or where
        disk_setting = "publish into another store with --store / PWC_STORE"
    memory_setting = _setting_hint(settings, "memory_limit")
    with resource_errors(
        stage, limits(settings, where), where, memory_setting=memory_setting, disk_setting=disk_setting
    ):
        return fn(settings, *args)


def _setting_hint(settings: Settings, name: str) -> str:
    origin = settings.origin.get(name, "default")
    env = f"PWC_{name.upper()}"
    flag = "--" + name.replace("_", "-")
    where = f"{flag} (release build), {env} or {name} in pwc-archive.toml"
    if origin == "default":
        return f"{where}, e.g. {env}=4GB"
    return f"{where} (now {getattr(settings, name)}, from {origin})"


# --------------------------------------------------------------------------- the operator's summary

STAGES_DIR = "stages"
"""``<work>/<run>/stages/<stage>.json``: each stage's time and rows, one file per stage (stages that
run side by side never write the same file), read by :func:`run_summary`."""


def _total(values: Any) -> int:
    """The sum of the counts among ``values`` (models that make views report no rows: None)."""
    return sum(int(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))


def _rows_text(stage: str, result: Any) -> str:
    """A stage's result in a few words: the rows it made."""
    if not isinstance(result, dict):
        return str(result) if stage == "publish" else ""
    if stage == "ingest":
        rows, files = result.get("rows") or {}, result.get("files") or {}
        subs = (result.get("submissions") or {}).get("included", 0)
        return f"{_total(rows.values()):,} raw rows from {len(files)} files, {subs} submissions"
    if stage == "normalize":
        return f"{_total(result.values()):,} staging rows"
    if stage == "build":
        return f"{_total(v for k, v in result.items() if not k.startswith('int_')):,} release rows"
    if stage == "validate":
        return f"{result.get('expectations', 0)} expectations on {result.get('tables', 0)} tables passed"
    if stage == "export":
        return ", ".join(f"{name} {_total([n]):,}" for name, n in sorted(result.items()))
    if stage == "seal":
        return f"{result.get('files', 0)} files in the manifest"
    return ""


def record_stage(settings: Settings, run: str, stage: str, seconds: float, result: Any) -> str:
    """Keep a stage's time and rows in the run's work dir; returns its one summary line."""
    line = f"{stage:<9} {seconds:7.1f} s  {_rows_text(stage, result)}".rstrip()
    with workspace(settings, run) as path:
        out = _ensure_parent(path / STAGES_DIR / f"{stage}.json")
        _write_json(out, {"stage": stage, "seconds": round(seconds, 3), "line": line})
    return line


def run_summary(settings: Settings, run: str) -> list[str]:
    """The run's summary, a few lines: each stage with its time and rows, the release and where
    it went (the store's latest)."""
    release_id = release_of(run)
    with workspace(settings, run) as path:
        records = [
            json.loads(p.read_text(encoding="utf-8")) for p in sorted((path / STAGES_DIR).glob("*.json"))
        ]
    order = {stage: i for i, stage in enumerate(STAGES)}
    records.sort(key=lambda r: order.get(r["stage"], len(order)))
    total = sum(float(r["seconds"]) for r in records)
    from transforms.publish.store import existing_release_ids

    where = open_location(settings.store).child(release_id)
    published = release_id in existing_release_ids(settings.store)
    head = f"release {release_id} {'published to' if published else 'NOT published to'} {where.url}"
    return [head, *(f"  {r['line']}" for r in records), f"  {'total':<9} {total:7.1f} s of stage work"]


# --------------------------------------------------------------------------- in-process build

STAGES: tuple[str, ...] = ("ingest", "normalize", "build", "export", "validate", "seal", "publish")
"""In the order the in-process build runs them. ``export`` and ``validate`` need only ``build``
(the DAG runs them side by side); here the export goes first, before Great Expectations and
pandas are loaded, so that the process's peak is that of its largest stage, not of two."""


@dataclass
class BuildResult:
    release_id: str
    location: str
    run: str = ""
    """The run reference: the work directory is ``<work>/<run>``."""
    seconds: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    skipped: str = ""
    """Why nothing was built (``skip_unchanged`` and the fingerprint equals the latest's), else empty."""


@dataclass
class Hooks:
    """Called by :func:`build_release` around each stage (the benchmarks' probes)."""

    stage_started: Callable[[str], None] | None = None
    stage_finished: Callable[[str, float], None] | None = None


def build_release(
    settings: Settings,
    release_id: str | None = None,
    day: date | None = None,
    on_stage: Callable[[str, float], None] | None = None,
    keep_work: bool = False,
    hooks: Hooks | None = None,
    skip_unchanged: bool = False,
) -> BuildResult:
    """Run every stage in this process (no scheduler), one at a time; returns the published release.

    With ``skip_unchanged`` (the CLI without ``--force``) nothing is built when :func:`check_changed`
    finds the latest release made of the same inputs: the result's ``skipped`` says why and names it.
    """
    if release_id is not None:
        parse_release_id(release_id)  # an empty or malformed id is refused, never replaced by a plan
    if skip_unchanged:
        checked = check_changed(settings)
        log.info("%s", checked.message)
        if not checked.changed:
            return BuildResult(checked.latest or "", "", skipped=checked.message)
    rid = release_id if release_id is not None else plan(settings, day or datetime.now(UTC).date())
    run = run_reference(rid, secrets.token_hex(4))
    result = BuildResult(rid, "")
    hooks = hooks or Hooks()
    for stage in STAGES:
        if hooks.stage_started:
            hooks.stage_started(stage)
        started = time.perf_counter()
        result.details[stage] = run_stage(stage, settings, run)
        result.seconds[stage] = time.perf_counter() - started
        release_unused_memory()
        for callback in (on_stage, hooks.stage_finished):
            if callback:
                callback(stage, result.seconds[stage])
    result.location = str(result.details["publish"])
    result.run = run
    if not keep_work:
        cleanup(settings, run)
    return result


def release_unused_memory() -> None:
    """Hand freed heap pages back to the OS (glibc keeps them after pandas frees large frames)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
