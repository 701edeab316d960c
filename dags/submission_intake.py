"""
### submission_intake

Sorts every file of the submissions inbox into `accepted/` or `rejected/`, every
15 minutes (and whenever it is triggered by hand).

1. `claim`: each inbox file is moved into a claim of its own
   (`claimed/<receipt_id>/`, with its name, sha256 and time received).
2. `validate_and_file`: every claimed file is validated in ONE batch (one Great
   Expectations run over all of them, the same validator as
   `pwc-archive submission validate` and the nightly build), then filed:
   - `accepted/<submission_id>/`: canonical `submission.json` (the id is its
     sha256), the original bytes and a receipt. The same content sent again is
     recorded as a duplicate of the first receipt.
   - `rejected/<receipt_id>/`: the original bytes, `report.json` and `report.md`.
3. `publish_status`: rebuilds `status.json`, the public list of receipts.

Configuration: Airflow Variable `pwc_submissions` (else `$PWC_SUBMISSIONS`, else
the project-local `submissions/`), a directory or storage URL; names and values
are compared with the latest release of `pwc_store` / `$PWC_STORE`.

**When it fails** nothing is lost: a file is either still in the inbox, in a
claim, or filed with its receipt. Clear the failed task (or wait for the next
run): the claim step repairs half-made claims and filing skips what already has
a receipt, so a re-run converges. A file that makes validation itself fail is a
bug: its claim stays in `claimed/` until the validator is fixed.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task


@dag(
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=60),
    tags=["pwc-archive", "submissions"],
    doc_md=__doc__,
    default_args={
        "owner": "pwc-archive",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=10),
    },
)
def submission_intake() -> None:
    @task
    def claim() -> dict[str, int]:
        """Move every inbox file into its own claim (repairing claims a crash left half-made)."""
        from transforms.airflow_support import run_intake_step

        return run_intake_step("claim_step")

    @task
    def validate_and_file(claimed: dict[str, int]) -> dict[str, object]:
        """One validation batch over every claim; file each into accepted/ or rejected/."""
        from transforms.airflow_support import run_intake_step

        return run_intake_step("process_step")

    @task
    def publish_status(filed: dict[str, object]) -> dict[str, int]:
        """Rebuild status.json: every receipt and its outcome."""
        from transforms.airflow_support import run_intake_step

        return run_intake_step("status_step")

    publish_status(validate_and_file(claim()))


submission_intake()
