"""The intake: every file of the inbox ends in exactly one place, and nothing is lost.

Layout of the submissions root (a local directory or any fsspec URL)::

    inbox/                           files dropped by people or bots
                                     (names starting with '.' are uploads in progress: skipped)
    claimed/<receipt_id>/            in flight: claim.json (written first), original
    accepted/<submission_id>/        submission.json (canonical form; id = its sha256)
                                     receipts/<receipt_id>.json, originals/<receipt_id>
    rejected/<receipt_id>/           original, report.json, report.md, receipt.json
    status.json                      every receipt and its outcome (rebuilt after each run)

A run has two steps, each safe to crash at any point and re-run:

1. **claim**: for each inbox file, write ``claimed/<rid>/claim.json`` (name,
   sha256, size, time received), then move the file to ``claimed/<rid>/original``.
   Recovery finishes or drops half-made claims by comparing name and sha256, so
   a file is claimed exactly once.
2. **process**: validate every claimed file in one batch (one Great Expectations
   run), then file each: copy the original to its destination, write the
   reports, write the receipt LAST (the commit point), delete the claim. A
   re-run redoes a claim whose receipt is missing and only deletes one whose
   receipt exists: nothing is processed twice.

The same content sent twice is accepted once: the second receipt is filed under
the same submission id with ``status: duplicate`` and ``duplicate_of``.
File names are data: they are recorded in receipts, never used as paths.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from transforms.storage import TMP_PREFIX, FsLocation, open_location
from transforms.submissions.problems import Problem
from transforms.submissions.validate import Batch, Context, Received, Verdict, validate_batch

log = logging.getLogger(__name__)

INBOX, CLAIMED, ACCEPTED, REJECTED = "inbox", "claimed", "accepted", "rejected"
STATUS_FILE = "status.json"
CLAIM_FILE = "claim.json"
ORIGINAL = "original"
RECEIPT_FORMAT = "pwc-archive-receipt/1"


@dataclass(frozen=True)
class Claim:
    receipt_id: str
    inbox_name: str
    """The name in the inbox exactly (may hold surrogate escapes for bytes that are not UTF-8)."""
    sha256: str
    bytes: int
    received_at: str
    symlink: bool = False
    special: str | None = None
    """What the inbox entry was when it was not a regular file nor a link (``a named pipe``...):
    it is never opened, and is rejected."""

    @property
    def file_name(self) -> str:
        """The name as text, bytes that are not UTF-8 shown as \\xNN: what receipts and reports say."""
        return display_name(self.inbox_name)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "receipt_id": self.receipt_id,
            "file_name": self.file_name,
            "inbox_name_hex": self.inbox_name.encode("utf-8", "surrogateescape").hex(),
            "sha256": self.sha256,
            "bytes": self.bytes,
            "received_at": self.received_at,
            "symlink": self.symlink,
            "special": self.special,
        }


def display_name(name: str) -> str:
    """A file name as printable UTF-8 text (undecodable bytes as ``\\xNN``)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass
class IntakeReport:
    claimed: int = 0
    recovered: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    compared_with_release: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "recovered_claims": self.recovered,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "compared_with_release": self.compared_with_release,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


class SubmissionStore:
    """The submissions root (a :class:`~transforms.storage.FsLocation`: a local disk or object
    storage), with the intake's rules on top: links are never followed, hidden names are skipped."""

    def __init__(self, url: str) -> None:
        self.location = FsLocation(url)
        self.url = url
        self.local = self.location.is_local

    # ------------------------------------------------------------------ paths
    @staticmethod
    def _rel(*parts: str) -> str:
        return posixpath.join(*parts) if parts else ""

    def path(self, *parts: str) -> str:
        return self.location.path(self._rel(*parts))

    def exists(self, *parts: str) -> bool:
        return self.location.exists(self._rel(*parts))

    def read_bytes(self, *parts: str, limit: int | None = None) -> bytes:
        return self.location.read_bytes(self._rel(*parts), limit=limit)

    def read_json(self, *parts: str) -> Any:
        return json.loads(self.read_bytes(*parts).decode("utf-8"))

    def write_bytes(self, data: bytes, *parts: str) -> None:
        """Write whole: readers never see a half-written file (a hidden temp file + rename locally)."""
        self.location.write_bytes(self._rel(*parts), data)

    def write_json(self, obj: Any, *parts: str) -> None:
        self.write_bytes(
            (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode(), *parts
        )

    def is_link(self, *parts: str) -> bool:
        return self.location.is_link(self._rel(*parts))

    def special_kind(self, *parts: str) -> str | None:
        """What a local entry is when it is neither a regular file, a folder nor a link (a named
        pipe, a socket, a device), told without opening it: reading a pipe would wait forever."""
        if not self.local:
            return None
        try:
            mode = os.lstat(self.path(*parts)).st_mode
        except FileNotFoundError:
            return None
        if stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode):
            return None
        if stat.S_ISFIFO(mode):
            return "a named pipe (FIFO)"
        if stat.S_ISSOCK(mode):
            return "a socket"
        return "a device file" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file"

    def copy(self, src: tuple[str, ...], dst: tuple[str, ...]) -> None:
        if self.is_link(*src):
            # Never follow a link someone dropped: keep the link text itself.
            self.write_bytes(os.readlink(self.path(*src)).encode("utf-8", "surrogateescape"), *dst)
            return
        kind = self.special_kind(*src)
        if kind is not None:
            self.write_bytes(f"({kind}: nothing to keep, never opened)\n".encode(), *dst)
            return
        self.location.copy(self._rel(*src), self._rel(*dst))

    def remove(self, *parts: str) -> None:
        self.location.remove(self._rel(*parts))

    def listdir(self, *parts: str) -> list[str]:
        """Names directly under a folder (sorted, hidden names skipped); [] when it does not exist."""
        return self.location.listdir(self._rel(*parts))

    def inbox_files(self) -> list[str]:
        """Inbox files (relative names, sub-folders included), oldest name first; dot-files skipped."""
        base = self.path(INBOX)
        names: list[str] = []
        if self.local:
            for dirpath, dirnames, filenames in os.walk(base):
                # A link to a folder is never entered (never followed) but claimed like a file: rejected.
                links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in links)
                rel = os.path.relpath(dirpath, base)
                for name in [*filenames, *links]:
                    if name.startswith("."):
                        continue
                    names.append(name if rel == "." else posixpath.join(Path(rel).as_posix(), name))
            return sorted(names)
        fs = self.location.fs
        if not fs.exists(base):
            return []
        for p in fs.find(base):
            rel = posixpath.relpath(p, base)
            if not any(part.startswith(".") for part in rel.split("/")):
                names.append(rel)
        return sorted(names)

    def fingerprint(self, *parts: str) -> tuple[str, int, bool]:
        """(sha256, size, is_symlink) of a file, streamed; a symlink is hashed by its link text,
        a special file (never opened) by what it is."""
        if self.is_link(*parts):
            text = os.readlink(self.path(*parts)).encode("utf-8", "surrogateescape")
            return hashlib.sha256(text).hexdigest(), len(text), True
        kind = self.special_kind(*parts)
        if kind is not None:
            return hashlib.sha256(kind.encode()).hexdigest(), 0, False
        digest = hashlib.sha256()
        size = 0
        with self.location.stream(self._rel(*parts)) as chunks:
            for block in chunks:
                digest.update(block)
                size += len(block)
        return digest.hexdigest(), size, False

    def newer_than(self, moment: str, *parts: str) -> bool:
        """Whether a file was modified after ``moment`` (ISO time); False when the store cannot tell."""
        when = self.location.modified(self._rel(*parts))
        return when is not None and when > datetime.fromisoformat(moment)

    def move(self, src: tuple[str, ...], dst: tuple[str, ...]) -> None:
        """Atomic locally (moves a link itself, not its target); copy then delete on object storage."""
        self.location.move(self._rel(*src), self._rel(*dst))


# --------------------------------------------------------------------------- claim


def new_receipt_id(now: datetime, name: str, sha256: str) -> str:
    """``rcp-<UTC time to the microsecond>-<12 hex of sha256(name, content)>``: sorts by arrival."""
    tag = hashlib.sha256(f"{name}\0{sha256}".encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"rcp-{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{tag}"


def recover_claims(store: SubmissionStore) -> int:
    """Finish or drop claims a crashed run left half-made; returns how many were repaired."""
    repaired = 0
    for rid in store.listdir(CLAIMED):
        if not store.exists(CLAIMED, rid, CLAIM_FILE):
            # claim.json is written before anything is moved: nothing was taken from the inbox.
            store.remove(CLAIMED, rid)
            repaired += 1
            continue
        claim = _read_claim(store, rid)
        name = claim.inbox_name
        in_inbox = store.exists(INBOX, name) and store.fingerprint(INBOX, name)[0] == claim.sha256
        has_original = store.exists(CLAIMED, rid, ORIGINAL) or _is_link(store, CLAIMED, rid, ORIGINAL)
        if (
            has_original
            and in_inbox
            and not _move_is_atomic(store)
            and not store.newer_than(claim.received_at, INBOX, name)
        ):
            # Object storage moves by copy + delete: the crash fell in between. (Locally a move is
            # atomic, so the same bytes in the inbox are a resend: they are claimed as new later.)
            store.remove(INBOX, name)
            repaired += 1
        elif not has_original and in_inbox:
            store.move((INBOX, name), (CLAIMED, rid, ORIGINAL))
            repaired += 1
        elif not has_original:
            store.remove(CLAIMED, rid)  # the file is gone from the inbox and was never taken
            repaired += 1
    return repaired


def _move_is_atomic(store: SubmissionStore) -> bool:
    """A local move is one rename; object storage copies, then deletes (a crash can fall between)."""
    return store.local


def claim_inbox(store: SubmissionStore, now: Callable[[], datetime] | None = None) -> tuple[int, int]:
    """Move every inbox file into a claim of its own; returns (claimed, recovered)."""
    clock = now or (lambda: datetime.now(UTC))
    recovered = recover_claims(store)
    claimed = 0
    for name in store.inbox_files():
        sha, size, link = store.fingerprint(INBOX, name)
        moment = clock()
        rid = new_receipt_id(moment, name, sha)
        while store.exists(CLAIMED, rid):  # same name and bytes within one microsecond
            moment = moment.replace(microsecond=(moment.microsecond + 1) % 1_000_000)
            rid = new_receipt_id(moment, name, sha)
        special = store.special_kind(INBOX, name)
        claim = Claim(rid, name, sha, size, moment.astimezone(UTC).isoformat(), link, special)
        store.write_json(claim.to_json_dict(), CLAIMED, rid, CLAIM_FILE)
        store.move((INBOX, name), (CLAIMED, rid, ORIGINAL))
        claimed += 1
    return claimed, recovered


WEB_UPLOADS = ".web"
"""Inbox folder of files received by the site's submit form (a dot folder: claim_inbox skips it)."""


def claim_upload(
    store: SubmissionStore, name: str, data: bytes, now: Callable[[], datetime] | None = None
) -> Claim:
    """Claim bytes received by the site's submit form at once, so the sender gets a receipt id.

    The same two steps as :func:`claim_inbox`, through the inbox: the bytes are written to
    ``inbox/.web/<receipt_id>/<name>`` (a dot folder, which claim_inbox never takes), then
    claim.json is written and the file moved into the claim. A crash or a concurrent intake run
    in between is repaired by :func:`recover_claims` like any claim. ``name`` must be a plain
    file name (the caller cleans what the sender called the file).
    """
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"claim_upload: {name!r} is not a plain file name")
    moment = (now or (lambda: datetime.now(UTC)))()
    sha = hashlib.sha256(data).hexdigest()
    rid = new_receipt_id(moment, name, sha)
    while store.exists(CLAIMED, rid) or store.exists(INBOX, WEB_UPLOADS, rid):
        moment = moment.replace(microsecond=(moment.microsecond + 1) % 1_000_000)
        rid = new_receipt_id(moment, name, sha)
    inbox_name = posixpath.join(WEB_UPLOADS, rid, name)
    store.write_bytes(data, INBOX, inbox_name)
    claim = Claim(rid, inbox_name, sha, len(data), moment.astimezone(UTC).isoformat())
    store.write_json(claim.to_json_dict(), CLAIMED, rid, CLAIM_FILE)
    try:
        store.move((INBOX, inbox_name), (CLAIMED, rid, ORIGINAL))
    except FileNotFoundError:
        pass  # an intake run's recover_claims moved it into this very claim first
    store.remove(INBOX, WEB_UPLOADS, rid)  # the emptied folder
    return claim


def _is_link(store: SubmissionStore, *parts: str) -> bool:
    return store.is_link(*parts)


def _read_claim(store: SubmissionStore, rid: str) -> Claim:
    data = store.read_json(CLAIMED, rid, CLAIM_FILE)
    raw = data.get("inbox_name_hex")
    return Claim(
        receipt_id=str(data["receipt_id"]),
        inbox_name=bytes.fromhex(raw).decode("utf-8", "surrogateescape") if raw else str(data["file_name"]),
        sha256=str(data["sha256"]),
        bytes=int(data["bytes"]),
        received_at=str(data["received_at"]),
        symlink=bool(data.get("symlink", False)),
        special=data.get("special") if isinstance(data.get("special"), str) else None,
    )


def pending_claims(store: SubmissionStore) -> list[Claim]:
    """Complete claims (claim.json and original), oldest first."""
    claims = []
    for rid in store.listdir(CLAIMED):
        if store.exists(CLAIMED, rid, CLAIM_FILE) and (
            store.exists(CLAIMED, rid, ORIGINAL) or _is_link(store, CLAIMED, rid, ORIGINAL)
        ):
            claims.append(_read_claim(store, rid))
    return sorted(claims, key=lambda c: c.receipt_id)


# --------------------------------------------------------------------------- process


def process_claims(
    store: SubmissionStore,
    context: Context,
    max_bytes: int,
    on_filed: Callable[[Claim, str], None] | None = None,
) -> IntakeReport:
    """Validate every pending claim in one batch and file each into accepted/ or rejected/."""
    import time

    report = IntakeReport(compared_with_release=context.reference.release_id if context.reference else None)
    claims = pending_claims(store)
    if not claims:
        return report
    started = time.perf_counter()
    received = [_received(store, c, max_bytes) for c in claims]
    report.seconds["read"] = time.perf_counter() - started
    started = time.perf_counter()
    batch = validate_batch(received, context)
    report.seconds["validate"] = time.perf_counter() - started
    started = time.perf_counter()
    for claim, verdict in zip(claims, batch.verdicts, strict=True):
        if verdict.valid:
            status = _file_accepted(store, claim, verdict, batch)
        else:
            status = _file_rejected(store, claim, verdict, batch)
        if status == "accepted":
            report.accepted += 1
        elif status == "duplicate":
            report.duplicates += 1
        else:
            report.rejected += 1
        report.outcomes.append(
            {"receipt_id": claim.receipt_id, "status": status, "submission_id": verdict.submission_id}
        )
        if on_filed:
            on_filed(claim, status)  # tests inject crashes here
        store.remove(CLAIMED, claim.receipt_id)
    report.seconds["file"] = time.perf_counter() - started
    return report


def _received(store: SubmissionStore, claim: Claim, max_bytes: int) -> Received:
    if claim.symlink or claim.special:
        return Received(claim.file_name, b"", size=None)
    data = store.read_bytes(CLAIMED, claim.receipt_id, ORIGINAL, limit=max_bytes + 1)
    return Received(claim.file_name, data, size=claim.bytes)


def _receipt(claim: Claim, verdict: Verdict, batch: Batch, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "format": RECEIPT_FORMAT,
        "receipt_id": claim.receipt_id,
        "status": status,
        "file_name": claim.file_name,
        "received_at": claim.received_at,
        "sha256": claim.sha256,
        "bytes": claim.bytes,
        "submission_format": verdict.format,
        "submission_id": verdict.submission_id,
        "results": verdict.results,
        "errors": len(verdict.errors),
        "warnings": len(verdict.warnings),
        "compared_with_release": batch.reference_release,
        **extra,
    }


def _file_accepted(store: SubmissionStore, claim: Claim, verdict: Verdict, batch: Batch) -> str:
    sid = verdict.submission_id
    assert sid is not None and verdict.canonical is not None
    home = (ACCEPTED, sid)
    receipt_rel = (*home, "receipts", f"{claim.receipt_id}.json")
    if store.exists(*receipt_rel):
        return str(store.read_json(*receipt_rel)["status"])  # filed before a crash: only the claim is left
    others = [n.removesuffix(".json") for n in store.listdir(*home, "receipts") if n.endswith(".json")]
    others = sorted(o for o in others if o != claim.receipt_id)
    status = "duplicate" if others else "accepted"
    store.copy((CLAIMED, claim.receipt_id, ORIGINAL), (*home, "originals", claim.receipt_id))
    if not store.exists(*home, "submission.json"):
        store.write_bytes(verdict.canonical, *home, "submission.json")
    extra: dict[str, Any] = {"warnings_list": [p.to_json_dict() for p in verdict.warnings]}
    if others:
        extra["duplicate_of"] = others[0]
    store.write_json(_receipt(claim, verdict, batch, status, **extra), *receipt_rel)
    return status


def _file_rejected(store: SubmissionStore, claim: Claim, verdict: Verdict, batch: Batch) -> str:
    from transforms.submissions.report import markdown_report

    home = (REJECTED, claim.receipt_id)
    if store.exists(*home, "receipt.json"):
        return "rejected"
    problems = verdict.problems
    if claim.symlink:
        problems = [
            Problem(
                claim.file_name,
                "(file)",
                "",
                "a regular file",
                "a symbolic link",
                "send the file itself, not a link to it",
                "error",
                "file.symlink",
            )
        ]
        verdict.problems = problems
    if claim.special:
        problems = [
            Problem(
                claim.file_name,
                "(file)",
                "",
                "a regular file",
                claim.special,
                "send the file itself (its bytes), not a pipe, socket or device",
                "error",
                "file.special",
            )
        ]
        verdict.problems = problems
    store.copy((CLAIMED, claim.receipt_id, ORIGINAL), (*home, ORIGINAL))
    store.write_json({"receipt_id": claim.receipt_id, **verdict.to_json_dict()}, *home, "report.json")
    store.write_bytes(markdown_report([verdict], batch).encode("utf-8"), *home, "report.md")
    store.write_json(_receipt(claim, verdict, batch, "rejected"), *home, "receipt.json")
    return "rejected"


# --------------------------------------------------------------------------- status


def iter_receipts(store: SubmissionStore) -> Iterator[dict[str, Any]]:
    """Every receipt in the store (accepted, duplicate, rejected)."""
    for sid in store.listdir(ACCEPTED):
        for name in store.listdir(ACCEPTED, sid, "receipts"):
            if name.endswith(".json"):
                yield store.read_json(ACCEPTED, sid, "receipts", name)
    for rid in store.listdir(REJECTED):
        if store.exists(REJECTED, rid, "receipt.json"):
            yield store.read_json(REJECTED, rid, "receipt.json")


def write_status(store: SubmissionStore) -> dict[str, Any]:
    """Rebuild ``status.json``: every receipt's outcome, newest first (the public request status)."""
    entries = []
    for r in iter_receipts(store):
        entries.append(
            {
                k: r.get(k)
                for k in (
                    "receipt_id",
                    "status",
                    "file_name",
                    "received_at",
                    "submission_id",
                    "duplicate_of",
                    "results",
                    "errors",
                    "warnings",
                )
            }
        )
    entries.sort(key=lambda e: str(e["receipt_id"]), reverse=True)
    counts: dict[str, int] = {}
    for e in entries:
        counts[str(e["status"])] = counts.get(str(e["status"]), 0) + 1
    status = {"format": "pwc-archive-intake-status/1", "counts": counts, "receipts": entries}
    data = (json.dumps(status, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    if not store.exists(STATUS_FILE) or store.read_bytes(STATUS_FILE) != data:
        store.write_bytes(data, STATUS_FILE)  # a run that changed nothing leaves the file alone
    return status


# --------------------------------------------------------------------------- one call


def intake_context(settings: Any, today: date | None = None) -> Context:
    """The validation context of a run: the project's suites and the store's latest release."""
    from transforms.submissions.reader_problems import Limits
    from transforms.submissions.reference import open_reference

    work = open_location(settings.work).local_path()
    cache = work / "reference" if work is not None else None
    return Context(
        expectations=Path(settings.expectations),
        limits=Limits(max_bytes=settings.max_submission_bytes),
        reference=open_reference(settings.store, cache_dir=cache),
        today=today,
    )


@contextmanager
def _disk_guard(settings: Any) -> Iterator[None]:
    """A full disk while filing becomes one line naming where (every write is whole: a temporary
    file is removed when its write fails, so nothing half-written is left to read)."""
    from transforms.duck import Limits, resource_errors

    where = Path(FsLocation(settings.submissions).local_path() or Path(tempfile.gettempdir()))
    with resource_errors(
        "intake",
        Limits(),
        where,
        memory_setting="PWC_MEMORY_LIMIT",
        disk_setting="free space in the submissions root",
    ):
        yield


def sweep_debris(store: SubmissionStore, older_than: float = 600.0) -> int:
    """Remove temporary files (``.tmp-*``) a crashed or killed writer left, once they are older than
    ``older_than`` seconds (a running intake's own temporary file is younger). Returns how many."""
    if not store.local:
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for dirpath, _, filenames in os.walk(store.path()):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name.startswith(TMP_PREFIX) and os.lstat(path).st_mtime < cutoff:
                os.unlink(path)
                removed += 1
    return removed


def run_intake(settings: Any, today: date | None = None) -> IntakeReport:
    """Claim, validate and file every inbox file, then rebuild status.json (what the DAG's tasks do)."""
    with _disk_guard(settings):
        return _run_intake(settings, today)


def _run_intake(settings: Any, today: date | None = None) -> IntakeReport:
    store = SubmissionStore(settings.submissions)
    sweep_debris(store)
    started = time.perf_counter()
    claimed, recovered = claim_inbox(store)
    claim_seconds = time.perf_counter() - started
    report = process_claims(store, intake_context(settings, today), settings.max_submission_bytes)
    report.claimed, report.recovered = claimed, recovered
    report.seconds["claim"] = claim_seconds
    # Always: a crash after filing and before the status is repaired by the next run
    # (write_status leaves the file alone when nothing changed).
    started = time.perf_counter()
    write_status(store)
    report.seconds["status"] = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- DAG steps (settings in, summaries out)


def claim_step(settings: Any) -> dict[str, int]:
    """Task 1: recover half-made claims, then claim every inbox file."""
    store = SubmissionStore(settings.submissions)
    with _disk_guard(settings):
        sweep_debris(store)
        claimed, recovered = claim_inbox(store)
    log.info("claimed %d inbox file(s), repaired %d claim(s)", claimed, recovered)
    return {"claimed": claimed, "recovered_claims": recovered}


def process_step(settings: Any, today: date | None = None) -> dict[str, Any]:
    """Task 2: validate every pending claim in one batch, file each into accepted/ or rejected/."""
    store = SubmissionStore(settings.submissions)
    if not pending_claims(store):
        return IntakeReport().to_json_dict()
    with _disk_guard(settings):
        report = process_claims(store, intake_context(settings, today), settings.max_submission_bytes)
    log.info(
        "accepted %d, duplicates %d, rejected %d (compared with release %s)",
        report.accepted,
        report.duplicates,
        report.rejected,
        report.compared_with_release,
    )
    return report.to_json_dict()


def status_step(settings: Any) -> dict[str, int]:
    """Task 3: rebuild status.json from the receipts."""
    with _disk_guard(settings):
        return dict(write_status(SubmissionStore(settings.submissions))["counts"])
