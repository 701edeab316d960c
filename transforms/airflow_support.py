"""Glue for the DAG files: settings from the trigger form and Airflow Variables, dates from the run
context, one line per stage, the run's summary and a failure's last line.

Imported only inside task bodies and callbacks, at run time (never at DAG parse time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from transforms.config import Settings

log = logging.getLogger("transforms.nightly")

VARIABLES = {
    "source": "pwc_source",
    "store": "pwc_store",
    "work": "pwc_work",
    "expectations": "pwc_expectations",
    "submissions": "pwc_submissions",
}
"""Airflow Variable names; each overrides the matching PWC_* environment variable."""
PARAMS = ("source", "store")
"""Settings the nightly's trigger form may set; each overrides the Variable (empty: not given)."""


STORE_CONNECTION = "pwc_store_conn"
"""Airflow Variable naming the Connection (aws type) whose credentials open ``s3://`` stores."""


def s3_storage_options(login: str | None, password: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    """s3fs's options from an aws-type Connection: the access key in login, the secret in password,
    and in extra the ``endpoint_url`` of an S3-compatible server (SeaweedFS, MinIO) and the
    ``region_name``. Keys that are not set are left to s3fs's own lookup (environment, instance role).
    """
    options: dict[str, Any] = {}
    if login:
        options["key"] = login
    if password:
        options["secret"] = password
    endpoint = extra.get("endpoint_url") or (extra.get("service_config") or {}).get("s3", {}).get(
        "endpoint_url"
    )
    if endpoint:
        options["endpoint_url"] = endpoint
    if extra.get("region_name"):
        options["client_kwargs"] = {"region_name": extra["region_name"]}
    return options


def use_store_connection() -> None:
    """Open every ``s3://`` location of this task with the credentials of the Connection named by
    the Variable ``pwc_store_conn`` (nothing when it is unset: a local store needs none).

    The options go into fsspec's per-protocol defaults, which s3fs applies whenever a
    filesystem is created, so the storage layer stays free of Airflow.
    """
    import fsspec.config
    from airflow.sdk import Connection, Variable

    conn_id = Variable.get(STORE_CONNECTION, default=None)
    if not conn_id:
        return
    conn = Connection.get(conn_id)
    options = s3_storage_options(conn.login, conn.password, conn.extra_dejson)
    fsspec.config.conf["s3"] = {**fsspec.config.conf.get("s3", {}), **options}


def _context() -> dict[str, Any]:
    """The running task's context, or an empty one outside a task (a unit test, a shell)."""
    from airflow.sdk import get_current_context

    try:
        return dict(get_current_context())
    except Exception:  # noqa: BLE001 - "no context" is a RuntimeError or AirflowException by version
        return {}


def _params(context: dict[str, Any] | None = None) -> dict[str, Any]:
    params = (context if context is not None else _context()).get("params") or {}
    return {k: params[k] for k in params}


def settings_from_airflow(context: dict[str, Any] | None = None) -> Settings:
    """Settings: the trigger form's parameters, then Airflow Variables, then ``PWC_*``, the settings
    file and the defaults."""
    from airflow.sdk import Variable

    use_store_connection()
    overrides: dict[str, Any] = {field: Variable.get(name, default=None) for field, name in VARIABLES.items()}
    params = _params(context)
    for field in PARAMS:
        if params.get(field):
            overrides[field] = params[field]
    return Settings.load(**overrides)


def run_day(context: dict[str, Any]) -> date:
    """The day the release is for: the run's logical date (run_after for runs without one)."""
    moment = context.get("logical_date") or context["dag_run"].run_after
    return moment.date()


@contextmanager
def fail_fast() -> Iterator[None]:
    """Corrupt sources, gate refusals, bad settings and exhausted memory or disk fail the task at
    once: a retry with the same input and limits cannot fix them.

    Everything else (a store that is briefly unreachable, a killed worker) keeps the
    DAG's retries with exponential back-off.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from transforms.errors import ConfigError, IntegrityError, ResourceError, SourceError, ValidationFailed

    try:
        yield
    except (SourceError, ValidationFailed, ConfigError, IntegrityError, ResourceError) as exc:
        # The cause stays on the exception (report_failure reads it); no second traceback.
        raise AirflowFailException(str(exc).splitlines()[0]) from exc


def plan_run(context: dict[str, Any]) -> str:
    """The run reference for this DAG run: the trigger form's release id, else the one of its
    logical date, with the run's own token, so that the run has a work directory of its own
    (``transforms.pipeline.run_reference``)."""
    from transforms import pipeline
    from transforms.release.layout import parse_release_id

    given = _params(context).get("release_id")
    if given:
        with fail_fast():
            parse_release_id(str(given))
        release_id = str(given)
    else:
        release_id = run_stage("plan", run_day(context))
    return pipeline.run_reference(release_id, str(context.get("run_id") or "run"))


def check_changed_or_skip(run: str) -> str:
    """The ``check_changed`` task: skip (the task and every stage after it) when nothing changed
    since the latest release, unless the trigger form says ``force``."""
    from airflow.sdk.exceptions import AirflowSkipException

    from transforms import pipeline

    force = bool(_params().get("force"))
    with fail_fast():
        checked = pipeline.check_changed(settings_from_airflow(), force=force)
    if not checked.changed:
        log.warning("nothing published: %s", checked.message)
        raise AirflowSkipException(checked.message)
    log.info("%s", checked.message)
    return run


def run_stage(stage: str, *args: Any) -> Any:
    """Run ``transforms.pipeline.<stage>(settings, *args)`` as an Airflow task body; one log line
    with its time and rows, kept in the run's work dir for the summary."""
    from transforms import pipeline

    settings = settings_from_airflow()
    started = time.perf_counter()
    with fail_fast():
        result = pipeline.run_stage(stage, settings, *args)
    seconds = time.perf_counter() - started
    if stage in pipeline.STAGES and args and isinstance(args[0], str):
        line = pipeline.record_stage(settings, args[0], stage, seconds, result)
        log.info("%s", line)
    return result


def publish_with_event(run: str, event: Any) -> str:
    """The publish task: publish, then put the release id and its location on the asset event."""
    from transforms import pipeline

    location = str(run_stage("publish", run))
    event.extra = {"release_id": pipeline.release_of(run), "location": location}
    return location


def build_site_index(run: str) -> str:
    """The site_index task: build the just-published release's site index in the serving cache
    of the work dir (where ``pwc-archive serve`` with the same settings looks for it), so the site
    serves the new release at once. The release is already complete and listed."""
    import shutil

    from transforms import pipeline
    from transforms.site.release import default_cache_dir, prepare_site_index, prune_site_indexes

    settings = settings_from_airflow()
    release_id = pipeline.release_of(run)
    if "://" in settings.work:
        line = f"site index: not built (the work dir {settings.work} is a URL: no serving cache to fill)"
        log.info("%s", line)
        return line
    cache = default_cache_dir(settings.work)
    scratch = cache / f"building-{release_id}"  # DuckDB spills here, past the memory limit
    started = time.perf_counter()
    with fail_fast():
        try:
            rid, path, built = prepare_site_index(
                settings.store, release_id, cache, pipeline.limits(settings, scratch)
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        for old in prune_site_indexes(settings.store, cache):
            log.info("site index removed (not among the store's newest releases): %s", old)
    if path is None:
        line = f"site index: release {rid} holds its own"
    else:
        line = f"site index of {rid} {'built' if built else 'already built'} in {time.perf_counter() - started:.1f} s: {path}"
    log.info("%s", line)
    return line


def finish_run(run: str) -> None:
    """The cleanup task: the run's summary (stages, times, rows, release, where), then the work
    directory goes."""
    from transforms import pipeline

    settings = settings_from_airflow()
    for line in pipeline.run_summary(settings, run):
        log.info("%s", line)
    run_stage("cleanup", run)


FIXES = {
    "SourceError": "fix or remove that source file, then clear the failed task (or trigger again)",
    "ValidationFailed": "fix the data or the rule named above (full report in validation.json), then "
    "clear the task",
    "ConfigError": "correct that setting (flag, PWC_* variable, pwc-archive.toml or the trigger form), "
    "then trigger again",
    "IntegrityError": "the store holds a damaged file: restore it from a copy (pwc-archive release "
    "verify names it), then clear the task",
    "ResourceError": "raise the limit named or point the work directory elsewhere, then clear the task",
}


def failure_line(task_id: str, exc: BaseException | None) -> list[str]:
    """What a failed task's log ends with: the cause's detail lines, then one line naming the task,
    the cause (file, record, field) and the fix."""
    cause = exc.__cause__ if exc is not None and exc.__cause__ is not None else exc
    if cause is None:
        return [f"FAILED {task_id}: see the task's log above; fix the cause, then clear the task"]
    text = str(cause).strip() or type(cause).__name__
    first, *details = text.splitlines()
    fix = FIXES.get(type(cause).__name__)
    if fix is None:
        fix = "an unexpected error (a bug or an unreachable store): see the traceback above; clear the task to retry"
    return [*details, f"FAILED {task_id}: {first} -> {fix}"]


def report_failure(context: dict[str, Any]) -> None:
    """The nightly's failure callback: log the cause and the fix as the log's last line."""
    task = context.get("task_instance") or context.get("ti")
    task_id = str(getattr(task, "task_id", "?"))
    exc = context.get("exception")
    if exc is not None and not _is_known(exc):
        log.error("%s failed", task_id, exc_info=exc if isinstance(exc, BaseException) else None)
    for line in failure_line(task_id, exc if isinstance(exc, BaseException) else None):
        log.error("%s", line)


def report_retry(context: dict[str, Any]) -> None:
    """The nightly's retry callback: a retried task says so in one line (the task runner's own
    lines are silenced), with the error and when it runs again."""
    task = context.get("task_instance") or context.get("ti")
    exc = context.get("exception")
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0] if exc is not None else "?"
    log.warning(
        "%s failed (try %s), will retry: %s: %s",
        getattr(task, "task_id", "?"),
        getattr(task, "try_number", "?"),
        type(exc).__name__,
        first,
    )


def _is_known(exc: Any) -> bool:
    from transforms.errors import PwcError

    return isinstance(getattr(exc, "__cause__", None), PwcError) or isinstance(exc, PwcError)


def run_intake_step(step: str) -> Any:
    """Run ``transforms.submissions.intake.<step>(settings)`` as an Airflow task body."""
    from transforms.submissions import intake

    with fail_fast():
        return getattr(intake, step)(settings_from_airflow())
