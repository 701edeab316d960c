"""Airflow's logging configuration for this project (``[logging] logging_config_class``).

Airflow's default, plus levels for the standard-library loggers that ``[logging] namespace_levels``
does not reach in Airflow 3.3 (it filters Airflow's structlog loggers only): the ``dags test``
driver's three lines per task and the DAG run's bookkeeping. An operator's ``make nightly`` then
shows the project's own lines (one per stage, a summary, a failure's cause and fix) and warnings.
``scripts/airflow`` sets this class unless ``AIRFLOW__LOGGING__LOGGING_CONFIG_CLASS`` is given.
"""

from __future__ import annotations

import os
from typing import Any

from airflow.config_templates.airflow_local_settings import DEFAULT_LOGGING_CONFIG

QUIET = os.environ.get(
    "PWC_AIRFLOW_QUIET_LOGGERS", "airflow.sdk.definitions.dag airflow.models.dagrun"
).split()
"""Standard-library loggers held at ERROR (the driver warns "No tasks to run" every second while skipped tasks settle) (space-separated; empty: none)."""

LOGGING_CONFIG: dict[str, Any] = {
    **DEFAULT_LOGGING_CONFIG,
    "loggers": {
        **DEFAULT_LOGGING_CONFIG.get("loggers", {}),
        **{name: {"level": "ERROR"} for name in QUIET},
    },
}
