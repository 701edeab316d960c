"""
### nightly_release

Builds one immutable release of the Papers with Code archive, every night:
ingest the source dumps (streaming) → normalise (values, names, identities) →
build the release tables (SQL) → **validate every table with Great Expectations
(the gate)**, and meanwhile export the Parquet files and `pwc.duckdb` → seal the
release (LICENSE, README, reports, manifest last) once the gate passed → publish
atomically, then update `index.json` / `latest.json`.

The release id is `YYYY-MM-DD.N` from the run's logical date (N = rebuilds of
that day). Tasks pass only a run reference (`<release id>~<run>`); all data lives in the
run's own work directory
(`pwc_work` / `$PWC_WORK`) and the store (`pwc_store` / `$PWC_STORE`, a path or
an fsspec URL). Configuration: Airflow Variables `pwc_source`, `pwc_store`,
`pwc_work`, `pwc_expectations`, else `PWC_*` environment variables, else the
project-local defaults.

**When it fails**
- `ingest`: a source file is corrupt or missing; the log names the file and the
  line/column. Fix or remove the file and clear the task.
- `validate`: the gate refused the data; the log lists each failed expectation
  (table, column, examples) and the path of the full `validation.json`. Nothing
  was published (`seal` does not run) and `latest` is unchanged. Fix the rule or
  the data, clear the task.
- any stage, "out of memory" or "disk full": the log's last line names the stage,
  the limit and the setting to change (`PWC_MEMORY_LIMIT`, `PWC_WORK`). Nothing
  was published.
- `publish`: safe to clear and re-run; a half-copied release is never visible
  and a re-run converges (an identical release already in place is kept).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, dag, task

PWC_RELEASE = Asset(name="pwc_archive_release", uri="pwc-archive://releases/latest")
"""Updated whenever a release is published; downstream DAGs can schedule on it."""


@dag(
    schedule="30 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    tags=["pwc-archive", "release"],
    doc_md=__doc__,
    default_args={
        "owner": "pwc-archive",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    },
)
def nightly_release() -> None:
    @task
    def plan(**context) -> str:
        """Pick the release id for this run's logical date; the run's work directory goes with it."""
        from transforms.airflow_support import plan_run

        return plan_run(context)

    @task
    def ingest(run: str) -> str:
        """Stream every source file into raw tables (fails at once on a corrupt file)."""
        from transforms.airflow_support import run_stage

        run_stage("ingest", run)
        return run

    @task
    def normalize(run: str) -> str:
        """Parse metric values, clean names, derive identities (staging models)."""
        from transforms.airflow_support import run_stage

        run_stage("normalize", run)
        return run

    @task
    def build_tables(run: str) -> str:
        """Materialise the release tables from the SQL models."""
        from transforms.airflow_support import run_stage

        run_stage("build", run)
        return run

    @task
    def validate(run: str) -> str:
        """The Great Expectations gate: every table against its suite."""
        from transforms.airflow_support import run_stage

        run_stage("validate", run)
        return run

    @task
    def export(run: str) -> str:
        """Write the Parquet files and pwc.duckdb (runs beside the gate; both only read the tables)."""
        from transforms.airflow_support import run_stage

        run_stage("export", run)
        return run

    @task
    def seal(run: str) -> str:
        """Once the gate passed: LICENSE, README, reports, SHA256SUMS and (last) the manifest."""
        from transforms.airflow_support import run_stage

        run_stage("seal", run)
        return run

    @task(outlets=[PWC_RELEASE])
    def publish(run: str) -> str:
        """Move the release into the store atomically; then index.json and latest.json."""
        from transforms.airflow_support import run_stage

        return run_stage("publish", run)

    @task
    def cleanup(run: str) -> None:
        """Drop the work directory once the release is safely in the store."""
        from transforms.airflow_support import run_stage

        run_stage("cleanup", run)

    run = plan()
    built = build_tables(normalize(ingest(run)))
    sealed = seal(run)
    [validate(built), export(built)] >> sealed
    published = publish(sealed)
    done = cleanup(sealed)
    published >> done


nightly_release()
