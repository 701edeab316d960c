"""Accepted submissions into the nightly build's raw tables.

Each accepted submission is validated again with :func:`validate_batch` (the same
function as the CLI and the intake: rules may have changed since it was
accepted). One that no longer passes is withheld from the release, reported in
``ingest.json`` and kept untouched in ``accepted/``. The others become rows of
the same raw tables the archive dumps fill (``source = 'submission'``, ranked
after every archive file), so staging, identities and deduplication treat them
exactly like archived rows: a submitted result equal to an archived one
collapses into it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from transforms.duck import write_arrow

if TYPE_CHECKING:
    import duckdb

    from transforms.config import Settings

log = logging.getLogger(__name__)

SOURCE = "submission"
SOURCE_RANK_BASE = 1_000_000
"""Submissions rank after every archive file: where they disagree, the archive's attributes win."""

SUBMISSIONS_SCHEMA = pa.schema(
    [
        ("submission_id", pa.string()),
        ("submitter", pa.string()),
        ("submitter_github", pa.string()),
        ("received_at", pa.string()),
        ("receipts", pa.int32()),
        ("submission_format", pa.string()),
        ("result_values", pa.int32()),
        ("status", pa.string()),
        ("withheld_reason", pa.string()),
        ("source_rank", pa.int32()),
    ]
)
PREVIOUS_SCHEMA = pa.schema([("submission_id", pa.string()), ("first_release", pa.string())])


@dataclass
class SubmissionIngest:
    included: int = 0
    withheld: list[dict[str, Any]] = field(default_factory=list)
    previous_release: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "included": self.included,
            "withheld": self.withheld,
            "previous_release": self.previous_release,
        }


def create_tables(con: duckdb.DuckDBPyConnection, release_id: str) -> None:
    for name, schema in (
        ("raw_submissions", SUBMISSIONS_SCHEMA),
        ("raw_previous_submissions", PREVIOUS_SCHEMA),
    ):
        write_arrow(con, name, schema.empty_table())
    con.execute(
        "CREATE OR REPLACE TABLE build_info AS SELECT CAST($rid AS VARCHAR) AS release_id",
        {"rid": release_id},
    )


def ingest_submissions(
    con: duckdb.DuckDBPyConnection, settings: Settings, release_id: str, writer: Any
) -> SubmissionIngest:
    """Validate and load every accepted submission; ``writer`` appends raw rows (ingest.load)."""
    from transforms.submissions.intake import ACCEPTED, SubmissionStore

    report = SubmissionIngest()
    create_tables(con, release_id)
    previous = _previous_submissions(settings.store, release_id)
    if previous is not None:
        report.previous_release, rows = previous
        _append(con, "raw_previous_submissions", rows, PREVIOUS_SCHEMA)

    store = SubmissionStore(settings.submissions)
    accepted = [sid for sid in store.listdir(ACCEPTED) if store.exists(ACCEPTED, sid, "submission.json")]
    if not accepted:
        return report
    entries = []
    for sid in accepted:
        receipts = [
            store.read_json(ACCEPTED, sid, "receipts", n)
            for n in store.listdir(ACCEPTED, sid, "receipts")
            if n.endswith(".json")
        ]
        if not receipts:
            continue  # crashed between submission.json and its first receipt: not accepted yet
        first = min(receipts, key=lambda r: str(r["receipt_id"]))
        moment = datetime.fromisoformat(str(first["received_at"])).astimezone(UTC).replace(tzinfo=None)
        entries.append((moment.isoformat(sep=" "), sid, first, len(receipts)))
    entries.sort()

    from transforms.submissions.canonical import flatten_results, papers
    from transforms.submissions.intake import intake_context
    from transforms.submissions.validate import Received, validate_batch

    # The same input the intake validated: the first original, under the name it was sent with.
    received = [
        Received(
            str(first["file_name"]), store.read_bytes(ACCEPTED, sid, "originals", str(first["receipt_id"]))
        )
        for _, sid, first, _ in entries
    ]
    batch = validate_batch(received, intake_context(settings))
    import json

    table_rows: list[dict[str, Any]] = []
    for rank, ((received_at, sid, first, count), verdict) in enumerate(
        zip(entries, batch.verdicts, strict=True)
    ):
        doc = json.loads(store.read_bytes(ACCEPTED, sid, "submission.json"))
        submitter = doc.get("submitter") or {}
        status, reason = "valid", None
        if not verdict.valid or verdict.submission_id != sid:
            status = "withheld"
            reason = (
                "; ".join(f"{p.where}: {p.found} (expected {p.expected})" for p in verdict.errors[:5])
                or "its canonical form no longer hashes to its id"
            )
            report.withheld.append({"submission_id": sid, "reason": reason})
            log.warning("withholding submission %s: %s", sid, reason)
        table_rows.append(
            {
                "submission_id": sid,
                "submitter": submitter.get("name"),
                "submitter_github": submitter.get("github"),
                "received_at": received_at,
                "receipts": count,
                "submission_format": first.get("submission_format"),
                "result_values": verdict.results,
                "status": status,
                "withheld_reason": reason,
                "source_rank": SOURCE_RANK_BASE + rank,
            }
        )
        if status == "valid":
            _emit(writer, sid, SOURCE_RANK_BASE + rank, doc, flatten_results(doc), papers(doc))
            report.included += 1
    _append(con, "raw_submissions", table_rows, SUBMISSIONS_SCHEMA)
    return report


def _emit(writer: Any, sid: str, rank: int, doc: dict[str, Any], flat: list[Any], listed: list[Any]) -> None:
    """Raw rows for one submission, shaped like the archive's (see ingest.load.RAW_SCHEMAS)."""
    from transforms.normalize.values import value_text

    base = {"source": SOURCE, "source_rank": rank}
    code = [{"title": _repo_title(c.get("url")), "url": c.get("url")} for c in doc.get("code") or []]
    boards: set[tuple[str, str]] = set()
    for r in flat:
        paper = r.paper or {}
        record = f"{sid}:{r.record}.{r.field}"
        writer.add(
            "raw_results",
            {
                **base,
                "record": record,
                "task_raw": r.task,
                "dataset_raw": r.dataset,
                "parent_dataset_raw": None,
                "model_name_raw": r.model,
                "paper_title_raw": paper.get("title"),
                "paper_url_raw": _paper_url(paper),
                "paper_date_raw": paper.get("date"),
                "uses_additional_data": bool(r.uses_additional_data),
                "code_links": code if r.paper_record == "paper" else [],
                "model_links": [],
                "metric_name_raw": r.metric,
                "value_raw": value_text(r.value),
                "value_is_number": isinstance(r.value, (int, float)) and not isinstance(r.value, bool),
                "submission_id": sid,
            },
        )
        if (r.task, r.dataset) not in boards:
            boards.add((r.task, r.dataset))
            writer.add(
                "raw_task_nodes",
                {
                    **base,
                    "record": f"{sid}:{r.record}.task",
                    "task_raw": r.task,
                    "parent_task_raw": None,
                    "depth": 0,
                    "description": None,
                    "categories": [],
                    "synonyms": [],
                    "source_link_url": None,
                },
            )
            writer.add(
                "raw_leaderboards",
                {
                    **base,
                    "record": f"{sid}:{r.record}.dataset",
                    "task_raw": r.task,
                    "dataset_raw": r.dataset,
                    "parent_dataset_raw": None,
                    "description": None,
                    "links": [],
                    "citations": [],
                    "metric_columns": [],
                },
            )
    for record, paper in listed:
        writer.add_catalog(
            "papers",
            {
                **base,
                "paper_url": None,
                "arxiv_id": paper.get("arxiv_id"),
                "title": paper.get("title"),
                "abstract": paper.get("abstract"),
                "url_abs": _paper_url(paper),
                "url_pdf": None,
                "proceeding": None,
                "authors": paper.get("authors"),
                "tasks": None,
                "date": paper.get("date"),
            },
        )
        if record != "paper":
            continue
        for c in doc.get("code") or []:
            writer.add_catalog(
                "code_links",
                {
                    **base,
                    "paper_url": None,
                    "paper_title": paper.get("title"),
                    "paper_arxiv_id": paper.get("arxiv_id"),
                    "paper_url_abs": _paper_url(paper),
                    "paper_url_pdf": None,
                    "repo_url": c.get("url"),
                    "is_official": c.get("official"),
                    "mentioned_in_paper": None,
                    "mentioned_in_github": None,
                    "framework": c.get("framework"),
                },
            )


def _paper_url(paper: dict[str, Any]) -> str | None:
    url = paper.get("url")
    if isinstance(url, str) and url:
        return url
    arxiv = paper.get("arxiv_id")
    return f"https://arxiv.org/abs/{arxiv}" if isinstance(arxiv, str) and arxiv else None


def _repo_title(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    parts = url.rstrip("/").split("/")
    return "/".join(parts[-2:]) if "github.com" in url and len(parts) >= 5 else None


def _append(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], schema: pa.Schema
) -> None:
    if not rows:
        return
    write_arrow(con, table, pa.Table.from_pylist(rows, schema=schema), "append")


def _previous_submissions(store: str, release_id: str) -> tuple[str, list[dict[str, Any]]] | None:
    """The newest release before ``release_id`` and its submissions (id, first release), if any."""
    from transforms.client.store import previous_release_id
    from transforms.submissions.reference import published_submissions

    previous = previous_release_id(store, release_id)
    if previous is None:
        return None
    firsts = published_submissions(store, previous)
    return previous, [{"submission_id": s, "first_release": f} for s, f in sorted(firsts.items())]
