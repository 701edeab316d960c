"""An isolated Airflow environment for subprocesses: tmp AIRFLOW_HOME, SQLite DB, tmp storage.

Tests never inherit a developer's Airflow or pwc-archive settings: every ``AIRFLOW_*``,
``AIRFLOW__*`` and ``PWC_*`` variable of the calling process is dropped, then the
settings a test needs are set explicitly (the same defaults ``scripts/airflow`` embeds).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_WRAPPER = PROJECT_ROOT / "scripts" / "airflow"
DAGS_FOLDER = PROJECT_ROOT / "dags"

_DROPPED_PREFIXES = ("AIRFLOW_", "AIRFLOW__", "PWC_")


def airflow_env(
    home: Path,
    *,
    store: Path | str | None = None,
    work: Path | str | None = None,
    source: Path | str | None = None,
    expectations: Path | str | None = None,
    submissions: Path | str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """An environment dict for a subprocess running Airflow against ``home``.

    ``store``/``work``/``source``/``expectations`` become ``PWC_*``; one left as None
    keeps the project default (e.g. the bundled sample as source). ``PWC_CONFIG``
    points at a file that does not exist, so no ``pwc-archive.toml`` is read.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "GX_ANALYTICS_ENABLED": "False",
            "PWC_CONFIG": str(home / "no-such-pwc-archive.toml"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    # The submissions root defaults to one inside the test's home, never the project's own.
    submissions = submissions if submissions is not None else home / "submissions"
    for name, value in (
        ("STORE", store),
        ("WORK", work),
        ("SOURCE", source),
        ("EXPECTATIONS", expectations),
        ("SUBMISSIONS", submissions),
    ):
        if value is not None:
            env[f"PWC_{name}"] = str(value)
    env.update(extra or {})
    return env


def run_logged(args: Sequence[str], env: Mapping[str, str], log_path: Path, timeout: float) -> int:
    """Run ``args`` from the project root with stdout+stderr into ``log_path``; the exit code.

    A timeout kills the process and is reported as exit code -9 with a note in the log.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            list(args),
            cwd=PROJECT_ROOT,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # The wrapper execs airflow, which may have children: end the whole group we started.
            os.killpg(proc.pid, 9)
            proc.wait()
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"\n[test harness] killed after {timeout:.0f} s timeout\n")
    return -9


def dags_test(
    dag_id: str,
    logical_date: str,
    env: Mapping[str, str],
    log_path: Path,
    timeout: float = 600,
    conf: Mapping[str, Any] | None = None,
) -> int:
    """``scripts/airflow dags test <dag_id> <logical_date> [-c <conf>]``; returns the exit code.

    ``conf`` is the run's configuration: the trigger form's parameters."""
    args = [str(AIRFLOW_WRAPPER), "dags", "test", dag_id, logical_date]
    if conf is not None:
        args += ["-c", json.dumps(dict(conf))]
    return run_logged(args, env, log_path, timeout)


def log_tail(log_path: Path, lines: int = 60) -> str:
    """The last ``lines`` lines of a log file, for assertion messages."""
    if not log_path.is_file():
        return f"({log_path} was not written)"
    text = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    return f"--- last {min(lines, len(text))} lines of {log_path} ---\n" + "\n".join(text[-lines:])
