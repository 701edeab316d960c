"""Glue for the DAG files: settings from Airflow Variables, dates from the run context.

Imported only inside task bodies, at run time (never at DAG parse time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from transforms.config import Settings

VARIABLES = {
    "source": "pwc_source",
    "store": "pwc_store",
    "work": "pwc_work",
    "expectations": "pwc_expectations",
    "submissions": "pwc_submissions",
}
"""Airflow Variable names; each overrides the matching PWC_* environment variable."""


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


def settings_from_airflow() -> Settings:
    """Settings with Airflow Variables taking precedence over env vars and defaults."""
    from airflow.sdk import Variable

    use_store_connection()
    overrides = {field: Variable.get(name, default=None) for field, name in VARIABLES.items()}
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
        raise AirflowFailException(str(exc)) from exc


def plan_run(context: dict[str, Any]) -> str:
    """The run reference for this DAG run: the release id of its logical date and the run's own
    token, so that the run has a work directory of its own (``transforms.pipeline.run_reference``)."""
    from transforms import pipeline

    release_id = run_stage("plan", run_day(context))
    return pipeline.run_reference(release_id, str(context.get("run_id") or "run"))


def run_stage(stage: str, *args: Any) -> Any:
    """Run ``transforms.pipeline.<stage>(settings, *args)`` as an Airflow task body."""
    from transforms import pipeline

    with fail_fast():
        return pipeline.run_stage(stage, settings_from_airflow(), *args)


def run_intake_step(step: str) -> Any:
    """Run ``transforms.submissions.intake.<step>(settings)`` as an Airflow task body."""
    from transforms.submissions import intake

    with fail_fast():
        return getattr(intake, step)(settings_from_airflow())
