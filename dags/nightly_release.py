"""
### nightly_release

Builds one immutable release of the Papers with Code archive, every night:
ingest the source dumps (streaming) → normalise (values, names, identities) →
build the release tables (SQL) → **validate every table with Great Expectations
(the gate)**, and meanwhile export the Parquet files and `pwc.duckdb` → seal the
release (LICENSE, README, reports, manifest last) once the gate passed → publish
atomically, then update `index.json` / `latest.json`.

**Publish only on change**: `check_changed` compares the fingerprint of what a
build would be made of (each source file's sha256, the accepted submissions, the
rule files, the schema version, the code's version) with the one the latest
release's manifest records; when they are equal it is *skipped*, with the reason
in its log, and so is every stage after it: nothing is built or published.
Trigger with `force` = true to publish anyway.

**Trigger form** (each overrides the Airflow Variable and `PWC_*`): `source`,
`store`, `release_id` (else `YYYY-MM-DD.N` from the run's logical date, N =
rebuilds of that day) and `force`. The `pwc_archive_release` asset event's extra
carries `release_id` and `location`. Tasks pass only a run reference (`<release id>~<run>`); all data lives in the
run's own work directory
(`pwc_work` / `$PWC_WORK`) and the store (`pwc_store` / `$PWC_STORE`, a path or
an fsspec URL). Configuration: Airflow Variables `pwc_source`, `pwc_store`,
`pwc_work`, `pwc_expectations`, else `PWC_*` environment variables, else the
project-local defaults.

**When it fails**
The log's last line names the failed task, the cause (file, record, field) and
the fix:
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
from airflow.sdk import Asset, Param, dag, task

PWC_RELEASE = Asset(name="pwc_archive_release", uri="pwc-archive://releases/latest")
"""Updated whenever a release is published (extra: ``release_id``, ``location``); downstream DAGs
can schedule on it."""


def _failed(context: dict) -> None:
    """Every task's failure callback: the log's last line names the cause and the fix."""
    from transforms.airflow_support import report_failure

    report_failure(context)


def _retrying(context: dict) -> None:
    """Every task's retry callback: one line with the error (a retry is never silent)."""
    from transforms.airflow_support import report_retry

    report_retry(context)


@dag(
    schedule="30 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    tags=["pwc-archive", "release"],
    doc_md=__doc__,
    params={
        "source": Param(
            None,
            type=["null", "string"],
            description="Directory of the archive dumps; empty: Variable pwc_source, $PWC_SOURCE or data/sample.",
        ),
        "store": Param(
            None,
            type=["null", "string"],
            description="Release store (directory or fsspec URL such as s3://bucket/pwc); "
            "empty: Variable pwc_store, $PWC_STORE or releases/.",
        ),
        "release_id": Param(
            None,
            type=["null", "string"],
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[.][0-9]+$",
            description="Release id YYYY-MM-DD.N; empty: the run's logical date and the next free N.",
        ),
        "force": Param(
            False,
            type="boolean",
            description="Build and publish even when nothing changed since the latest release.",
        ),
    },
    default_args={
        "owner": "pwc-archive",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": _failed,
        "on_retry_callback": _retrying,
    },
)
def nightly_release() -> None:
    @task
    def plan(**context) -> str:
        """Pick the release id (the form's, or one for this run's logical date); the run's work
        directory goes with it."""
        from transforms.airflow_support import plan_run

        return plan_run(context)

    @task
    def check_changed(run: str) -> str:
        """Skipped (and so is everything after it) when the latest release was made of the same
        inputs, submissions, rules, schema and code; the log says which release and how to force."""
        from transforms.airflow_support import check_changed_or_skip

        return check_changed_or_skip(run)

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
        """The Great Expectations gate: every table against its suite (and its Data Docs)."""
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
    def publish(run: str, **context) -> str:
        """Move the release into the store atomically; then index.json and latest.json. The asset
        event carries the release id."""
        from transforms.airflow_support import publish_with_event

        return publish_with_event(run, context["outlet_events"][PWC_RELEASE])

    @task
    def site_index(run: str) -> str:
        """Build the new release's site index where pwc-archive serve looks for it (the work dir's
        site-cache), so the site opens it at once. After publish: the release does not wait for it."""
        from transforms.airflow_support import build_site_index

        return build_site_index(run)

    @task
    def cleanup(run: str) -> None:
        """Print the run's summary, then drop the work directory (the release is in the store)."""
        from transforms.airflow_support import finish_run

        finish_run(run)

    run = check_changed(plan())
    built = build_tables(normalize(ingest(run)))
    sealed = seal(run)
    [validate(built), export(built)] >> sealed
    published = publish(sealed)
    done = cleanup(sealed)
    published >> [done, site_index(sealed)]


nightly_release()
