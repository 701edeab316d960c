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


def settings_from_airflow() -> Settings:
    """Settings with Airflow Variables taking precedence over env vars and defaults."""
    from airflow.sdk import Variable

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
