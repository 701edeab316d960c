"""The running production profile as the tests see it: its settings, Airflow's REST API, the bucket.

Everything is read from ``deploy/local/env.sh`` (the same file ``make up`` uses) in a bash
subprocess, so the tests follow whatever ports and credentials the profile was started with.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "deploy" / "local" / "profile.sh"
TERMINAL = {"success", "failed"}


def profile_env() -> dict[str, str]:
    """The environment ``make up`` runs Airflow with (ports, AIRFLOW__*, the generated secrets)."""
    out = subprocess.run(
        ["bash", "-c", f". {ROOT / 'deploy' / 'local' / 'env.sh'} && env -0"],
        check=True,
        capture_output=True,
    ).stdout
    pairs = (item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    return dict(pairs)


@dataclass
class Profile:
    env: dict[str, str]

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.env['PWC_API_PORT']}"

    @property
    def s3_endpoint(self) -> str:
        return self.env["PWC_S3_ENDPOINT"]

    @property
    def bucket(self) -> str:
        return self.env["PWC_BUCKET"]

    @property
    def http_store(self) -> str:
        """The release store through the S3 endpoint's plain HTTP (anonymous reads)."""
        return f"{self.s3_endpoint}/{self.bucket}/releases"

    @property
    def store(self) -> str:
        return f"s3://{self.bucket}/releases"

    @property
    def submissions(self) -> str:
        return f"s3://{self.bucket}/submissions"

    def s3_options(self) -> dict[str, Any]:
        return {
            "key": self.env["PWC_S3_ACCESS_KEY"],
            "secret": self.env["PWC_S3_SECRET_KEY"],
            "endpoint_url": self.s3_endpoint,
            "client_kwargs": {"region_name": "us-east-1"},
        }

    def fs(self) -> Any:
        import s3fs

        return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False, **self.s3_options())

    def cli_env(self) -> dict[str, str]:
        """An environment for ``pwc-archive`` subprocesses writing to the bucket: fsspec reads the
        s3 options from ``FSSPEC_S3`` (JSON)."""
        import json

        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env["FSSPEC_S3"] = json.dumps(self.s3_options())
        return env

    # ------------------------------------------------------------------ Airflow's REST API

    @cached_property
    def session(self) -> requests.Session:
        session = requests.Session()
        resp = session.post(
            f"{self.api}/auth/token",
            json={"username": "admin", "password": self.env["PWC_ADMIN_PASSWORD"]},
            timeout=30,
        )
        resp.raise_for_status()
        session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
        return session

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.session.request(method, f"{self.api}/api/v2/{path}", timeout=60, **kwargs)
        resp.raise_for_status()
        return resp.json()

    def unpause(self, dag_id: str) -> None:
        self.call("PATCH", f"dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, **conf: Any) -> str:
        """A manual run; ``conf`` fills the trigger form (the nightly's ``force=True`` builds and
        publishes even when nothing changed since the latest release)."""
        run = self.call("POST", f"dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
        return str(run["dag_run_id"])

    def run_state(self, dag_id: str, run_id: str) -> str:
        return str(self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}")["state"])

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        data = self.call("GET", f"dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {t["task_id"]: t for t in data["task_instances"]}

    def wait_idle(self, dag_id: str, timeout: float) -> None:
        """Until no run of ``dag_id`` is queued or running (the scheduled run that unpausing creates)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.call("GET", f"dags/{dag_id}/dagRuns", params={"state": ["queued", "running"]})
            if not runs["dag_runs"]:
                return
            time.sleep(3)
        raise TimeoutError(f"{dag_id}: runs still active after {timeout:g} s")

    def wait(self, dag_id: str, run_id: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in TERMINAL:
                return state
            time.sleep(3)
        raise TimeoutError(
            f"{dag_id} {run_id}: not finished after {timeout:g} s: {self.summary(dag_id, run_id)}"
        )

    def summary(self, dag_id: str, run_id: str) -> str:
        tis = self.task_instances(dag_id, run_id)
        return ", ".join(f"{t}={ti['state']}(try {ti['try_number']})" for t, ti in tis.items())

    def wait_task_running(self, dag_id: str, run_id: str, task_id: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ti = self.task_instances(dag_id, run_id)[task_id]
            if ti["state"] == "running":
                return
            if self.run_state(dag_id, run_id) in TERMINAL:
                raise AssertionError(f"{run_id} ended before {task_id} ran: {self.summary(dag_id, run_id)}")
            time.sleep(0.25)
        raise TimeoutError(f"{task_id} of {run_id} not running after {timeout:g} s")

    # ------------------------------------------------------------------ the celery worker

    def worker_pid(self) -> int:
        return int((Path(self.env["PWC_PROD"]) / "run" / "worker.pid").read_text())

    def kill_worker(self) -> None:
        """SIGKILL the worker's whole process group (the worker, its pool, the running task)."""
        pid = self.worker_pid()
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # gone (reaped by init) before a new one may start
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        raise TimeoutError(f"the celery worker {pid} is still there 30 s after SIGKILL")

    def start_worker(self) -> None:
        subprocess.run([str(PROFILE), "start-worker"], check=True, timeout=60)
