"""The submit form's work: check an upload with the one submission validator, file it, look it up.

An upload is checked by :func:`transforms.submissions.validate.validate_batch` (the very rules of
the CLI, the intake and the nightly build, the reader's size and hostile-input limits included).
A valid file is claimed at once (:func:`transforms.submissions.intake.claim_upload`), which gives
the sender a receipt id; the intake DAG then files it as it files every inbox file. The
validator (Great Expectations) is imported on the first upload, never to serve a page, and runs
one upload at a time so that its memory stays that of one run.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transforms.errors import PwcError

_VALIDATE_LOCK = threading.Lock()
_RECEIPT = re.compile(r"^rcp-\d{8}T\d{12}Z-[0-9a-f]{12}$")
UPLOAD_OVERHEAD = 64 * 1024
"""Bytes of a multipart body besides the file (boundaries, headers, the other fields)."""


@dataclass
class UploadResult:
    """What the form shows after an upload."""

    file_name: str
    valid: bool
    status: str
    """PASS, WARN or FAIL (the validator's)."""
    problems: list[dict[str, Any]] = field(default_factory=list)
    receipt_id: str | None = None
    submission_id: str | None = None
    results: int = 0
    compared_with: str | None = None


def clean_file_name(name: str | None) -> str:
    """What the sender called the file, as a plain name for the inbox (the name is data).

    Only the last path part, letters, digits, ``.``, ``_`` and ``-`` kept, at most 100 characters,
    never starting with a dot; ``upload`` when nothing is left.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip(".")[:100]
    return cleaned or "upload"


def check_and_file(
    name: str,
    data: bytes,
    size: int,
    *,
    submissions: str,
    expectations: Path,
    max_bytes: int,
    reference: Any,
) -> UploadResult:
    """Validate one upload; when valid, claim it into the intake and return its receipt id.

    ``data`` holds at most ``max_bytes + 1`` bytes of the file and ``size`` its real size, so an
    oversized file is refused by the reader's own size rule without being read whole.
    """
    from transforms.submissions.intake import SubmissionStore, claim_upload
    from transforms.submissions.reader_problems import Limits
    from transforms.submissions.validate import Context, Received, validate_batch

    file_name = clean_file_name(name)
    context = Context(expectations=expectations, limits=Limits(max_bytes=max_bytes), reference=reference)
    with _VALIDATE_LOCK:
        batch = validate_batch([Received(file_name, data, size=size)], context)
    verdict = batch.verdicts[0]
    result = UploadResult(
        file_name=file_name,
        valid=verdict.valid,
        status=verdict.status,
        problems=[p.to_json_dict() for p in verdict.problems],
        submission_id=verdict.submission_id,
        results=verdict.results,
        compared_with=batch.reference_release,
    )
    if verdict.valid:
        claim = claim_upload(SubmissionStore(submissions), file_name, data)
        result.receipt_id = claim.receipt_id
    return result


@dataclass
class ReceiptStatus:
    """A receipt's state for the status page."""

    receipt_id: str
    state: str
    """received (waiting for the intake), accepted, published, rejected or duplicate."""
    detail: dict[str, Any] = field(default_factory=dict)
    first_release: str | None = None
    latest_release: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)


class ReceiptNotFound(PwcError):
    """No claim or receipt has that id."""


def receipt_status(submissions: str, store: str | None, receipt_id: str) -> ReceiptStatus:
    """received -> accepted -> published in release X (or rejected, with the report's problems)."""
    from transforms.submissions.intake import CLAIM_FILE, CLAIMED, REJECTED, SubmissionStore
    from transforms.submissions.status import SubmissionNotFound, lookup_status

    if not _RECEIPT.match(receipt_id):
        raise ReceiptNotFound(
            f"{receipt_id!r}: a receipt id looks like rcp-20260101T120000000000Z-0123456789ab"
        )
    root = SubmissionStore(submissions)
    if root.exists(CLAIMED, receipt_id, CLAIM_FILE):
        return ReceiptStatus(receipt_id, "received", root.read_json(CLAIMED, receipt_id, CLAIM_FILE))
    # Without a store (one release directory served) no release can be said to publish it: a
    # store path that does not exist reads as a store without releases.
    release_store = store or str(Path(submissions) / ".no-release-store")
    try:
        found = lookup_status(submissions, release_store, receipt_id)
    except SubmissionNotFound:
        raise ReceiptNotFound(f"{receipt_id}: no receipt with this id") from None
    receipt = next((r for r in found.receipts if r.get("receipt_id") == receipt_id), {})
    problems: list[dict[str, Any]] = []
    if found.state == "rejected" and root.exists(REJECTED, receipt_id, "report.json"):
        problems = list(root.read_json(REJECTED, receipt_id, "report.json").get("problems", []))
    elif receipt:
        problems = list(receipt.get("warnings_list", []))
    state = found.state
    if state == "accepted" and receipt.get("status") == "duplicate":
        state = "duplicate"
    return ReceiptStatus(receipt_id, state, receipt, found.first_release, found.latest_release, problems)
