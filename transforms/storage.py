"""Storage: one location type for a directory on this machine, on object storage, or behind http(s).

Every part of the pipeline that reads or writes files by path or URL goes through
:class:`Location`: the build's work directory, the publisher's store, the client's
store, the intake's submissions root. Whether a location is on this machine's file
system is decided once, when it is opened, and the few things that differ (an
atomic rename locally, one PUT on object storage; links exist only locally) are
decided here and nowhere else.

- :func:`open_location` takes a local path, any fsspec URL (``s3://``, ``memory://``,
  ``file://``...) or an http(s) base URL (read-only).
- Paths inside a location are relative, with forward slashes (``2026-01-02.0/manifest.json``).
- :meth:`Location.write_bytes` writes whole: readers see the old file or the new one, never
  half of it. A local write goes through a temporary file named ``.tmp-*`` in the same folder
  (fsync, rename); names starting with ``.`` are never data (:func:`is_hidden`), so readers and
  listings skip them by rule.
- Reads are bounded (:class:`TransferLimits`): an overall deadline, a minimum transfer rate, and
  :meth:`Location.read_capped` for files read whole (metadata). Over http, ``requests`` retries
  connection errors and 429/5xx with back-off (urllib3's ``Retry`` in an ``HTTPAdapter``), bodies
  are read as sent (no transparent decompression), and a ``Content-Encoding`` is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import posixpath
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from transforms.errors import MissingDependency, PwcError, TransferError

CHUNK = 1 << 20
TMP_PREFIX = ".tmp-"
LEASE = ".lease"
"""The lease object of a location (a hidden name: never data)."""
LEASE_SETTLE = 1.0
"""Seconds between winning an object store's lease and reading it back to confirm ownership."""
RETRY_STATUSES = (429, 500, 502, 503, 504)
"""HTTP answers worth asking again (busy, or a passing server fault); anything else is final."""


@dataclass(frozen=True)
class TransferLimits:
    """How long and how slowly a location may keep a reader waiting.

    A server that lies (an endless body, a drip of one byte every few seconds) or stalls makes
    the transfer fail with :class:`TransferError` instead of hanging: the whole of a location's
    transfers ends by ``deadline`` seconds after it was opened, and a transfer that brings fewer
    than ``min_rate`` bytes per second over any ``window`` seconds is given up (``window`` is
    also the socket read timeout, so a silent server is noticed as soon). ``retries`` bounds
    the retries of one request (connection errors and 429/5xx, ``backoff`` · 2ⁿ seconds apart,
    at most ``backoff_max``, a Retry-After header included).
    """

    deadline: float = 6 * 3600.0
    min_rate: float = 1024.0
    window: float = 30.0
    connect_timeout: float = 10.0
    retries: int = 5
    backoff: float = 0.5
    backoff_max: float = 30.0

    def retry_policy(self) -> Any:
        """The urllib3 ``Retry`` for one request (also what a broken body's resume draws on)."""
        from urllib3.util.retry import Retry

        return Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            other=0,
            allowed_methods=frozenset({"GET", "HEAD"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff,
            backoff_max=self.backoff_max,
            respect_retry_after_header=True,
            retry_after_max=int(self.backoff_max),
            raise_on_status=False,
        )


class Clock:
    """The deadline of one location's transfers, started when the location is opened."""

    def __init__(self, limits: TransferLimits) -> None:
        self.limits = limits
        self.started = time.monotonic()

    def remaining(self) -> float:
        return self.limits.deadline - (time.monotonic() - self.started)

    def check(self, what: str) -> None:
        """TransferError naming ``what`` once the deadline has passed."""
        if self.remaining() <= 0:
            raise TransferError(
                f"{what}: deadline of {self.limits.deadline:g} s reached; "
                "rerun to resume, or allow more time (--deadline)"
            )


def metered(blocks: Iterator[bytes], clock: Clock, what: str) -> Iterator[bytes]:
    """``blocks`` as they come, failing (TransferError) past the deadline or below the minimum rate.

    The rate is judged over consecutive windows of ``limits.window`` seconds: a window that
    brought fewer than ``min_rate × window`` bytes ends the transfer.
    """
    limits = clock.limits
    window_start, window_bytes = time.monotonic(), 0
    for block in blocks:
        clock.check(what)
        window_bytes += len(block)
        now = time.monotonic()
        if now - window_start >= limits.window:
            if window_bytes < limits.min_rate * (now - window_start):
                rate = window_bytes / (now - window_start)
                raise TransferError(
                    f"{what}: the source sends {rate:.0f} B/s, below the minimum of "
                    f"{limits.min_rate:g} B/s over {limits.window:g} s; rerun to resume, "
                    "or lower the minimum (--min-rate)"
                )
            window_start, window_bytes = now, 0
        yield block
    clock.check(what)


def is_hidden(name: str) -> bool:
    """Names starting with ``.`` (temporary files, staging folders) are never data."""
    return posixpath.basename(name.rstrip("/")).startswith(".")


@dataclass
class Chunks:
    """A byte stream of one file; ``offset`` is where it really starts.

    ``offset`` equals the requested offset when the location honoured it, and is 0 when
    an http server ignored the Range header and sent the whole file.
    """

    offset: int
    iterator: Iterator[bytes]

    def __iter__(self) -> Iterator[bytes]:
        return self.iterator


class Location:
    """A directory addressed by path or URL. Subclasses: :class:`FsLocation`, :class:`HttpLocation`."""

    url: str
    is_local: bool = False
    """On this machine's file system (then :meth:`local_path` is set)."""
    limits: TransferLimits
    """The deadline, minimum rate and retries of this location's transfers."""
    clock: Clock
    """When this location's deadline ends (shared with its children)."""

    def describe(self, rel: str = "") -> str:
        """The URL or path of ``rel``, for messages."""
        return f"{self.url.rstrip('/')}/{rel}" if rel else self.url

    def local_path(self, rel: str = "") -> Path | None:
        """The path of ``rel`` on this machine, or None when the location is not local."""
        return None

    def child(self, rel: str) -> Location:
        """The location of the folder ``rel`` inside this one."""
        raise NotImplementedError

    # reading
    def read_bytes(self, rel: str, limit: int | None = None) -> bytes:
        """The file (at most ``limit`` bytes); FileNotFoundError when absent."""
        raise NotImplementedError

    def read_json(self, rel: str) -> Any:
        """A JSON file; FileNotFoundError when absent, PwcError naming it when not JSON."""
        return loads_json(self.read_bytes(rel), self.describe(rel))

    def read_capped(self, rel: str, max_bytes: int) -> bytes:
        """The whole file, refused (TransferError) when it is larger than ``max_bytes``: never
        more than ``max_bytes + 1`` bytes are read. FileNotFoundError when absent."""
        data = self.read_bytes(rel, limit=max_bytes + 1)
        if len(data) > max_bytes:
            raise TransferError(
                f"{self.describe(rel)}: larger than the {max_bytes:,} bytes allowed for this file; "
                "refusing to read it (the store is broken or not a pwc-archive store)"
            )
        return data

    def stream(self, rel: str, offset: int = 0, chunk: int = CHUNK) -> Any:
        """A context manager yielding :class:`Chunks` of ``rel`` from ``offset``.

        FileNotFoundError when absent; iterating raises OSError (ConnectionError over
        http) when the transfer breaks.
        """
        raise NotImplementedError

    def exists(self, rel: str = "") -> bool:
        raise NotImplementedError

    def is_dir(self, rel: str = "") -> bool:
        raise NotImplementedError

    def listdir(self, rel: str = "") -> list[str]:
        """Names directly under a folder, sorted, hidden names left out; [] when it does not exist."""
        raise NotImplementedError

    def modified(self, rel: str) -> datetime | None:
        """When a file was last written, if the location can tell."""
        return None

    # writing (a read-only location raises PwcError)
    def write_bytes(self, rel: str, data: bytes) -> None:
        raise self._read_only()

    def write_json(self, rel: str, obj: Any) -> str:
        """Canonical JSON, written whole; returns the sha256 of the bytes written."""
        data = canonical_json_bytes(obj)
        self.write_bytes(rel, data)
        return hashlib.sha256(data).hexdigest()

    def put_file(self, local: Path, rel: str) -> None:
        """Copy a local file to ``rel`` (whole: a half-copied file is never visible under ``rel``)."""
        raise self._read_only()

    def copy(self, src: str, dst: str) -> None:
        raise self._read_only()

    def move(self, src: str, dst: str) -> None:
        """Rename within the location: atomic locally; copy then delete on object storage."""
        raise self._read_only()

    def remove(self, rel: str) -> None:
        """Delete a file or a folder with everything in it; nothing when absent."""
        raise self._read_only()

    def makedirs(self, rel: str = "") -> None:
        raise self._read_only()

    def _read_only(self) -> PwcError:
        return PwcError(
            f"{self.url}: this location is read-only (http); write to a directory or an fsspec URL"
        )


class FsLocation(Location):
    """A local directory or any fsspec URL (``s3://``, ``gs://``, ``memory://``, ``file://``...)."""

    def __init__(self, url: str, limits: TransferLimits | None = None) -> None:
        from fsspec.core import url_to_fs
        from fsspec.implementations.local import LocalFileSystem

        self.url = url
        self.limits = limits or TransferLimits()
        self.clock = Clock(self.limits)
        try:
            self.fs, root = url_to_fs(url)
        except ImportError as exc:
            raise MissingDependency(f"{url}: {_missing_package_hint(url, exc)}") from None
        except ValueError as exc:  # fsspec: "Protocol not known: ..."
            raise PwcError(f"{url}: not a directory or a storage URL fsspec knows ({exc})") from None
        self.root = root.rstrip("/") or "/"
        self.is_local = isinstance(self.fs, LocalFileSystem)
        if not self.is_local and getattr(self.fs, "dircache", None) is not None:
            # Another process (a second writer, the intake's web form) changes the store at any
            # time: a listing cached by this process would hide its releases and lease objects,
            # so every listing and existence check asks the store itself.
            from fsspec.dircache import DirCache

            self.fs.dircache = DirCache(use_listings_cache=False)
        if self.is_local and os.path.exists(self.root) and not os.path.isdir(self.root):
            raise PwcError(f"{url}: is a file; expected a directory (or a URL) here")

    def path(self, rel: str = "") -> str:
        return posixpath.join(self.root, rel) if rel else self.root

    def local_path(self, rel: str = "") -> Path | None:
        return Path(self.path(rel)) if self.is_local else None

    def describe(self, rel: str = "") -> str:
        if self.is_local:
            return self.path(rel)
        return super().describe(rel)

    def child(self, rel: str) -> FsLocation:
        child = FsLocation(self.path(rel) if self.is_local else f"{self.url.rstrip('/')}/{rel}", self.limits)
        child.clock = self.clock
        return child

    def read_bytes(self, rel: str, limit: int | None = None) -> bytes:
        with self.fs.open(self.path(rel), "rb") as fh:
            data: bytes = fh.read() if limit is None else fh.read(limit)
        return data

    @contextmanager
    def stream(self, rel: str, offset: int = 0, chunk: int = CHUNK) -> Iterator[Chunks]:
        with self.fs.open(self.path(rel), "rb") as fh:
            if offset:
                fh.seek(offset)

            def chunks() -> Iterator[bytes]:
                while block := fh.read(chunk):
                    yield block

            yield Chunks(
                offset, chunks() if self.is_local else metered(chunks(), self.clock, self.describe(rel))
            )

    def exists(self, rel: str = "") -> bool:
        return bool(self.fs.exists(self.path(rel)))

    def is_dir(self, rel: str = "") -> bool:
        return bool(self.fs.isdir(self.path(rel)))

    def is_link(self, rel: str) -> bool:
        """A symbolic link (only a local location has them)."""
        return self.is_local and os.path.islink(self.path(rel))

    def listdir(self, rel: str = "") -> list[str]:
        base = self.path(rel)
        if self.is_local:
            try:
                names = os.listdir(base)
            except (FileNotFoundError, NotADirectoryError):
                return []
        else:
            if not self.fs.isdir(base):
                return []
            names = [posixpath.basename(p.rstrip("/")) for p in self.fs.ls(base, detail=False)]
        return sorted(n for n in names if not is_hidden(n))

    def modified(self, rel: str) -> datetime | None:
        info = self.fs.info(self.path(rel))
        stamp = info.get("mtime") or info.get("LastModified") or info.get("created")
        try:
            when = stamp if isinstance(stamp, datetime) else datetime.fromtimestamp(float(stamp), UTC)
        except (TypeError, ValueError):
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)

    def write_bytes(self, rel: str, data: bytes) -> None:
        if self.is_local:
            write_bytes_atomic(Path(self.path(rel)), data)
            return
        self.fs.makedirs(posixpath.dirname(self.path(rel)), exist_ok=True)
        self.fs.pipe_file(self.path(rel), data)  # one PUT: an object appears whole or not at all

    def put_file(self, local: Path, rel: str) -> None:
        target = self.path(rel)
        if self.is_local:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(target).with_name(f"{TMP_PREFIX}{Path(target).name}")
            try:
                shutil.copyfile(local, tmp)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            return
        self.fs.put_file(str(local), target)

    def copy(self, src: str, dst: str) -> None:
        self.fs.makedirs(posixpath.dirname(self.path(dst)), exist_ok=True)
        # An object store has no folders, only key prefixes: a folder is copied object by object.
        recursive = not self.is_local and bool(self.fs.isdir(self.path(src)))
        self.fs.copy(self.path(src), self.path(dst), recursive=recursive)

    def move(self, src: str, dst: str) -> None:
        target = self.path(dst)
        self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
        if self.is_local:
            os.replace(self.path(src), target)  # atomic; moves a link itself, never its target
        else:
            # No rename on object storage: a server-side copy, then the source goes. A crash in
            # between leaves both (the callers treat the target as the truth and sweep the source).
            recursive = bool(self.fs.isdir(self.path(src)))
            self.fs.copy(self.path(src), target, recursive=recursive)
            self.fs.rm(self.path(src), recursive=recursive)

    def remove(self, rel: str) -> None:
        target = self.path(rel)
        if self.is_local and os.path.islink(target):
            os.unlink(target)
        elif self.is_local and os.path.isdir(target):
            shutil.rmtree(target, ignore_errors=True)
        elif self.fs.exists(target):
            self.fs.rm(target, recursive=True)

    def makedirs(self, rel: str = "") -> None:
        self.fs.makedirs(self.path(rel), exist_ok=True)

    def create_exclusive(self, rel: str, data: bytes) -> bool:
        """Write ``rel`` only if it does not exist yet (an object store's conditional PUT,
        ``If-None-Match: *``; O_EXCL locally). False when it already exists."""
        if self.is_local:
            target = Path(self.path(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                return False
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            return True
        self.fs.makedirs(posixpath.dirname(self.path(rel)), exist_ok=True)
        try:
            self.fs.pipe_file(self.path(rel), data, mode="create")
        except FileExistsError:
            return False
        except OSError as exc:
            # s3fs turns S3's "412 PreconditionFailed" (the key exists) into a bare OSError(EINVAL);
            # "409 ConditionalRequestConflict" means another conditional PUT of the key is under way.
            if _precondition_failed(exc):
                return False
            raise
        return True

    @contextmanager
    def lease(self, name: str = LEASE, *, wait: float = 300.0, ttl: float = 3600.0) -> Iterator[None]:
        """Hold the location's one write lease while the block runs: one writer at a time.

        Locally an exclusive ``flock`` on ``<root>/<name>`` (released by the kernel if the process
        dies). On object storage a lease object created with a conditional write, naming its
        holder and when it expires (a holder that died leaves a lease that lapses after ``ttl``
        seconds). Another holder is waited for up to ``wait`` seconds, then LeaseBusy names it.
        """
        owner = {
            "holder": f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}",
            "acquired": datetime.now(UTC).isoformat(timespec="seconds"),
            "expires": (datetime.now(UTC) + timedelta(seconds=ttl)).isoformat(timespec="seconds"),
        }
        if self.is_local:
            with self._local_lease(name, wait, owner):
                yield
            return
        deadline = time.monotonic() + wait
        body = canonical_json_bytes(owner)
        while True:
            if self.create_exclusive(name, body):
                # The conditional PUT made us the holder; a waiter that judged the previous lease
                # lapsed may still delete ours by mistake (S3 has no conditional delete here), so
                # ownership is confirmed by reading the lease back after that window.
                time.sleep(LEASE_SETTLE)
                if (self._lease_holder(name) or {}).get("holder") == owner["holder"]:
                    break
                continue
            held = self._lease_holder(name)
            if held is not None and _expired(held):
                # Lapsed: its holder died. Delete it only if it is still that same lease (read
                # again just before), then the next conditional create decides who gets it.
                time.sleep(LEASE_SETTLE / 2)
                if self._lease_holder(name) == held:
                    self.remove(name)
                continue
            if time.monotonic() >= deadline:
                raise LeaseBusy(self.describe(name), held, wait)
            time.sleep(0.5)
        try:
            yield
        finally:
            if (self._lease_holder(name) or {}).get("holder") == owner["holder"]:
                self.remove(name)

    @contextmanager
    def _local_lease(self, name: str, wait: float, owner: dict[str, str]) -> Iterator[None]:
        import fcntl

        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as fh:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        fh.seek(0)
                        held = _parse_lease(fh.read())
                        raise LeaseBusy(str(path), held, wait) from None
                    time.sleep(0.2)
            try:
                fh.seek(0)
                fh.truncate()
                fh.write(canonical_json_bytes(owner))
                fh.flush()
                yield
            finally:
                fh.seek(0)
                fh.truncate()
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _lease_holder(self, name: str) -> dict[str, Any] | None:
        try:
            return _parse_lease(self.read_bytes(name, limit=4096))
        except FileNotFoundError:
            return None


class LeaseBusy(PwcError):
    """Another writer holds the location's lease and did not let go in time."""

    def __init__(self, where: str, held: dict[str, Any] | None, waited: float) -> None:
        who = f" by {held.get('holder')} since {held.get('acquired')}" if held else ""
        super().__init__(
            f"{where}: another writer holds this store{who}; waited {waited:g} s. Nothing was "
            "changed: rerun when it is done (or remove the lease file if its holder is gone)"
        )


def _precondition_failed(exc: BaseException) -> bool:
    """The object store refused a conditional write because the key exists (412) or another
    conditional write of it is in flight (409): as good as FileExistsError."""
    seen: BaseException | None = exc
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, dict):
            error = response.get("Error") or {}
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            if error.get("Code") in ("PreconditionFailed", "ConditionalRequestConflict") or status in (
                409,
                412,
            ):
                return True
        seen = seen.__cause__ or seen.__context__
    return False


def _parse_lease(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _expired(held: dict[str, Any]) -> bool:
    try:
        return datetime.fromisoformat(str(held.get("expires"))) < datetime.now(UTC)
    except ValueError:
        return True  # unreadable: a torn write of a holder that died


class HttpLocation(Location):
    """An http(s) base URL, read with ``requests`` (Range requests to resume). Read-only.

    One session per location: connection errors and 429/5xx answers are retried with back-off by
    urllib3's ``Retry`` (mounted through an ``HTTPAdapter``), bodies are read raw (``identity``
    asked for, any other ``Content-Encoding`` refused) and metered against the location's
    :class:`TransferLimits`.
    """

    def __init__(self, url: str, limits: TransferLimits | None = None) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        self.url = url.rstrip("/")
        self.limits = limits or TransferLimits()
        self.clock = Clock(self.limits)
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=self.limits.retry_policy(), pool_maxsize=16)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def child(self, rel: str) -> HttpLocation:
        child = HttpLocation(f"{self.url}/{rel}", self.limits)
        child.session, child.clock = self.session, self.clock
        return child

    def _timeout(self) -> tuple[float, float]:
        """(connect, read) seconds: a silent server is noticed within one rate window, and no
        wait outlasts the deadline."""
        remaining = max(self.clock.remaining(), 0.001)
        return min(self.limits.connect_timeout, remaining), min(self.limits.window, remaining)

    def _get(self, rel: str, headers: dict[str, str] | None = None) -> Any:
        import requests

        url = self.describe(rel)
        self.clock.check(url)
        # identity: byte offsets and size limits count the file's bytes, not a compressed encoding.
        asked = {"Accept-Encoding": "identity", **(headers or {})}
        try:
            resp = self.session.get(url, headers=asked, stream=True, timeout=self._timeout())
        except requests.exceptions.RetryError as exc:
            raise PwcError(
                f"{url}: the server kept failing after {self.limits.retries} retries ({_reason(exc)}); "
                "try again later"
            ) from None
        except requests.RequestException as exc:
            raise PwcError(
                f"{url}: cannot fetch ({_reason(exc)}) after {self.limits.retries} retries; "
                "check the URL and your connection"
            ) from None
        if resp.status_code == 404:
            resp.close()
            raise FileNotFoundError(url)
        if resp.status_code not in (200, 206, 416):
            resp.close()
            retried = " after retries" if resp.status_code in RETRY_STATUSES else ""
            raise PwcError(f"{url}: expected HTTP 200, found {resp.status_code} {resp.reason}{retried}")
        encoding = resp.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            resp.close()
            raise TransferError(
                f"{url}: the server sent the body with Content-Encoding {encoding!r} though "
                "'identity' was asked for; refusing to decompress it (its size is unknown until expanded)"
            )
        return resp

    def read_bytes(self, rel: str, limit: int | None = None) -> bytes:
        resp = self._get(rel)
        try:
            blocks = metered(_read_raw(resp, CHUNK, limit, self.limits), self.clock, self.describe(rel))
            return b"".join(blocks)
        except ConnectionError as exc:
            raise PwcError(f"{self.describe(rel)}: transfer failed ({exc}); rerun to retry") from None
        finally:
            resp.close()

    @contextmanager
    def stream(self, rel: str, offset: int = 0, chunk: int = CHUNK) -> Iterator[Chunks]:
        resp = self._get(rel, {"Range": f"bytes={offset}-"} if offset else None)
        try:
            start = offset
            if resp.status_code == 416 or (
                resp.status_code == 206
                and not resp.headers.get("Content-Range", "").startswith(f"bytes {offset}-")
            ):
                # What we hold is not a prefix the server agrees with: start the file again.
                resp.close()
                resp = self._get(rel)
                start = 0
            elif resp.status_code == 200:
                start = 0  # the server ignored Range and sends the whole file
            yield Chunks(
                start, metered(_read_raw(resp, chunk, limits=self.limits), self.clock, self.describe(rel))
            )
        finally:
            resp.close()

    def exists(self, rel: str = "") -> bool:
        try:
            self._get(rel).close()
        except FileNotFoundError:
            return False
        return True

    def is_dir(self, rel: str = "") -> bool:
        return False

    def listdir(self, rel: str = "") -> list[str]:
        return []  # a plain http server lists nothing: stores are read through their index.json


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, in a few words."""
    inner: BaseException = exc
    while True:
        nxt = getattr(inner, "reason", None)
        if isinstance(nxt, BaseException) and nxt is not inner:
            inner = nxt
            continue
        if inner.args and isinstance(inner.args[0], BaseException) and inner.args[0] is not inner:
            inner = inner.args[0]
            continue
        break
    return f"{inner.__class__.__name__}: {inner}" if str(inner) else inner.__class__.__name__


def _read_raw(
    resp: Any, chunk: int, limit: int | None = None, limits: TransferLimits | None = None
) -> Iterator[bytes]:
    """The response body as it arrives, never decoded; ConnectionError if the transfer breaks.

    ``read1`` hands over every byte received before a connection drops (a full-size
    ``read`` would discard them with the error), so a resume loses nothing.
    """
    import requests
    import urllib3.exceptions

    seen = 0
    try:
        while block := resp.raw.read1(chunk, decode_content=False):
            if limit is not None and seen + len(block) > limit:
                yield block[: limit - seen]
                return
            seen += len(block)
            yield block
    except urllib3.exceptions.ProtocolError as exc:
        raise ConnectionError("the connection broke before the end of the file") from exc
    except urllib3.exceptions.ReadTimeoutError:
        # Silence for a whole rate window: as slow as a transfer can be, not a passing break.
        lim = limits or TransferLimits()
        raise TransferError(
            f"{resp.url}: no data for {lim.window:g} s, below the minimum of {lim.min_rate:g} B/s; "
            "rerun to resume, or lower the minimum (--min-rate)"
        ) from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise ConnectionError(f"{exc.__class__.__name__}: {exc}") from exc


def open_location(url: str | os.PathLike[str] | Location, limits: TransferLimits | None = None) -> Location:
    """A location by local path, fsspec URL or http(s) base URL (a Location is returned as is).

    ``limits`` bound its transfers (default :class:`TransferLimits`); the deadline starts now.
    """
    if isinstance(url, Location):
        return url
    text = os.fspath(url)
    if text.startswith(("http://", "https://")):
        return HttpLocation(text, limits)
    return FsLocation(text, limits)


def _missing_package_hint(url: str, exc: ImportError) -> str:
    """Which package to install for ``url``'s protocol (fsspec's own hint when it has one)."""
    from fsspec.registry import known_implementations

    protocol = url.split("://", 1)[0] if "://" in url else "file"
    known = known_implementations.get(protocol, {})
    hint = str(known.get("err") or exc)
    package = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs"}
    name = package.get(protocol) or getattr(exc, "name", None) or "the filesystem package"
    return f"{protocol}:// needs the package {name!r}, which is not installed ({hint.rstrip('.')}); install it with: pip install {name}"


# --------------------------------------------------------------------------- local files and JSON


def canonical_json_bytes(obj: Any) -> bytes:
    """Canonical JSON: UTF-8, indent=2, sorted keys, no NaN, trailing newline."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def loads_json(data: bytes, where: str) -> Any:
    """Parse JSON bytes; PwcError names ``where`` with line and column on failure."""
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        detail = (
            f"{exc.msg} at line {exc.lineno} column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else str(exc)
        )
        raise PwcError(f"{where}: expected JSON, found invalid content ({detail})") from None


MAX_JSON_DEPTH = 32
"""Deepest nesting accepted in metadata JSON (a manifest is 5 levels deep)."""
_MAX_INT_DIGITS = 19
"""Whole numbers in metadata are counts and sizes: 19 digits hold any 64-bit count."""


def loads_metadata(data: bytes, where: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse metadata JSON from an untrusted source: PwcError naming ``where`` unless it is JSON
    nested at most ``max_depth`` deep with finite numbers of a sane size.

    ``1e400`` (infinite once parsed), ``NaN``, a 5,000-digit integer or 200,000 nested brackets
    are refused with one line instead of an OverflowError or RecursionError later.
    """

    def finite(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"the number {text[:40]} is out of range")
        return value

    def bounded_int(text: str) -> int:
        if len(text.lstrip("-")) > _MAX_INT_DIGITS:
            raise ValueError(f"the whole number {text[:40]}… has more than {_MAX_INT_DIGITS} digits")
        return int(text)

    def constant(text: str) -> Any:
        raise ValueError(f"{text} is not a JSON number")

    try:
        value = json.loads(data, parse_float=finite, parse_int=bounded_int, parse_constant=constant)
    except RecursionError:
        raise PwcError(f"{where}: expected JSON nested at most {max_depth} deep, found deeper") from None
    except json.JSONDecodeError as exc:
        raise PwcError(
            f"{where}: expected JSON, found invalid content ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PwcError(f"{where}: expected JSON, found invalid content ({exc})") from None
    if _depth_exceeds(value, max_depth):
        raise PwcError(f"{where}: expected JSON nested at most {max_depth} deep, found deeper")
    return value


def _depth_exceeds(value: Any, max_depth: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a local file so readers see the old content or the new, never half (temp, fsync, rename).

    The temporary file is ``.tmp-<name>-<random>`` in the same folder: a hidden name, which
    every reader skips (:func:`is_hidden`), and which a crash may leave behind as debris only.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{target.name}-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename is durable only once the directory entry is on disk.
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def point_link(link: str | os.PathLike[str], target: str) -> bool:
    """Make the symbolic link ``link`` point to ``target`` (a name relative to the link's folder),
    replacing it in one rename: a reader sees the old target or the new, never no link.

    Returns False (and changes nothing) where the platform has no symbolic links; raises PwcError
    when ``link`` exists and is not a link (a real file or folder is never replaced).
    """
    path = Path(link)
    if path.exists() and not path.is_symlink():
        raise PwcError(f"{path}: expected a symbolic link to the newest release, found a real file or folder")
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.symlink(target, tmp, target_is_directory=True)
    except (NotImplementedError, OSError) as exc:
        if isinstance(exc, NotImplementedError) or getattr(exc, "winerror", None) is not None:
            return False
        raise
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def read_json(path: str | os.PathLike[str]) -> Any:
    """A local JSON file; FileNotFoundError when absent, PwcError naming it (line, column) when not JSON."""
    return loads_json(Path(path).read_bytes(), str(path))


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> str:
    """Canonical JSON into a local file, whole; returns the sha256 of the bytes written."""
    data = canonical_json_bytes(obj)
    write_bytes_atomic(path, data)
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str], chunk: int = CHUNK) -> str:
    """Hex sha256 of a local file, streamed."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()
