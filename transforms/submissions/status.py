"""``pwc-archive submission status ID``: received -> accepted -> published in release X (or rejected, why).

Reads the submissions root (receipts) and the release store's latest release
(its ``submissions`` table says in which release each submission first appeared).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from transforms.errors import PwcError, ReleaseNotFound
from transforms.submissions.intake import ACCEPTED, REJECTED, SubmissionStore
from transforms.submissions.problems import safe_text

_HEX = re.compile(r"^[0-9a-f]{8,64}$")
_RECEIPT = re.compile(r"^rcp-\d{8}T\d{12}Z-[0-9a-f]{12}$")


class SubmissionNotFound(PwcError):
    """No receipt or accepted submission has that id."""


@dataclass
class Status:
    query: str
    state: str
    """accepted (waiting for the next release), published, rejected."""
    submission_id: str | None = None
    first_release: str | None = None
    latest_release: str | None = None
    receipts: list[dict[str, Any]] = field(default_factory=list)
    report: str | None = None
    """For a rejection: where the report is."""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "state": self.state,
            "submission_id": self.submission_id,
            "first_release": self.first_release,
            "latest_release": self.latest_release,
            "receipts": self.receipts,
            "report": self.report,
        }

    def text(self) -> str:
        lines = []
        if self.state == "published":
            lines.append(f"{self.submission_id}: published in release {self.first_release}")
        elif self.state == "accepted":
            waiting = f" (latest release: {self.latest_release})" if self.latest_release else ""
            lines.append(f"{self.submission_id}: accepted, not yet in a release{waiting}")
        else:
            lines.append(f"{self.query}: rejected; report: {self.report}")
        for r in self.receipts:
            extra = f", duplicate of {r['duplicate_of']}" if r.get("duplicate_of") else ""
            lines.append(
                f"  receipt {r['receipt_id']}: {r['status']}{extra}; file {safe_text(str(r['file_name']))!r}"
                f" received {r['received_at']}; {r.get('errors', 0)} error(s), {r.get('warnings', 0)} warning(s)"
            )
        return "\n".join(lines)


def lookup_status(root: str, release_store: str, query: str) -> Status:
    """The status of a submission id (full or 8+ leading hex characters) or a receipt id."""
    store = SubmissionStore(root)
    query = query.strip()
    if _RECEIPT.match(query):
        if store.exists(REJECTED, query, "receipt.json"):
            receipt = store.read_json(REJECTED, query, "receipt.json")
            return Status(
                query, "rejected", receipts=[receipt], report=store.path(REJECTED, query, "report.md")
            )
        for sid in store.listdir(ACCEPTED):
            if store.exists(ACCEPTED, sid, "receipts", f"{query}.json"):
                return _accepted(store, sid, release_store, query)
        raise SubmissionNotFound(f"{query}: no receipt with this id in {root} (it may not be processed yet)")
    if not _HEX.match(query):
        raise PwcError(
            f"{query!r}: expected a submission id (8 to 64 hex characters, as printed by"
            " 'submission validate') or a receipt id (rcp-...)"
        )
    matches = [sid for sid in store.listdir(ACCEPTED) if sid.startswith(query)]
    if not matches:
        raise SubmissionNotFound(
            f"{query}: no accepted submission with this id in {root}; a rejected file is looked up"
            " by its receipt id (rcp-...), see status.json"
        )
    if len(matches) > 1:
        raise PwcError(
            f"{query}: ambiguous, matches {', '.join(m[:16] for m in matches)}; give more characters"
        )
    return _accepted(store, matches[0], release_store, query)


def _accepted(store: SubmissionStore, sid: str, release_store: str, query: str) -> Status:
    receipts = [
        store.read_json(ACCEPTED, sid, "receipts", n)
        for n in store.listdir(ACCEPTED, sid, "receipts")
        if n.endswith(".json")
    ]
    latest, first = _published_in(release_store, sid)
    state = "published" if first else "accepted"
    return Status(query, state, sid, first, latest, receipts)


def _published_in(release_store: str, sid: str) -> tuple[str | None, str | None]:
    """(latest release id, release the submission first appeared in) from the store's latest release."""
    from transforms.client.store import find_release, list_releases
    from transforms.submissions.reference import published_submissions

    try:
        if not list_releases(release_store):
            return None, None
    except ReleaseNotFound:
        return None, None
    latest = find_release(release_store, "latest").release_id
    return latest, published_submissions(release_store, latest).get(sid)
