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
"""

from __future__ import annotations

import hashlib
import json
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

from transforms.errors import PwcError

CHUNK = 1 << 20
HTTP_TIMEOUT = (10.0, 60.0)
"""(connect, read) seconds for http(s) locations: a stalled transfer fails instead of hanging."""
TMP_PREFIX = ".tmp-"
LEASE = ".lease"
"""The lease object of a location (a hidden name: never data)."""


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

    def __init__(self, url: str) -> None:
        from fsspec.core import url_to_fs
        from fsspec.implementations.local import LocalFileSystem

        self.url = url
        self.fs, root = url_to_fs(url)
        self.root = root.rstrip("/") or "/"
        self.is_local = isinstance(self.fs, LocalFileSystem)
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
        if self.is_local:
            return FsLocation(self.path(rel))
        return FsLocation(f"{self.url.rstrip('/')}/{rel}")

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

            yield Chunks(offset, chunks())

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
        self.fs.copy(self.path(src), self.path(dst))

    def move(self, src: str, dst: str) -> None:
        target = self.path(dst)
        self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
        if self.is_local:
            os.replace(self.path(src), target)  # atomic; moves a link itself, never its target
        else:
            self.fs.copy(self.path(src), target)
            self.fs.rm(self.path(src))

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
        while not self.create_exclusive(name, body):
            held = self._lease_holder(name)
            if held is not None and _expired(held):
                self.remove(name)  # lapsed: its holder died; the next create decides who gets it
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
    """An http(s) base URL, read with ``requests`` (Range requests to resume). Read-only."""

    def __init__(self, url: str, timeout: tuple[float, float] = HTTP_TIMEOUT) -> None:
        import requests

        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def child(self, rel: str) -> HttpLocation:
        return HttpLocation(f"{self.url}/{rel}", self.timeout)

    def _get(self, rel: str, headers: dict[str, str] | None = None) -> Any:
        import requests

        url = self.describe(rel)
        try:
            resp = self.session.get(url, headers=headers or {}, stream=True, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PwcError(f"{url}: cannot fetch ({exc}); check the URL and your connection") from None
        if resp.status_code == 404:
            resp.close()
            raise FileNotFoundError(url)
        if resp.status_code not in (200, 206, 416):
            resp.close()
            raise PwcError(f"{url}: expected HTTP 200, found {resp.status_code} {resp.reason}")
        return resp

    def read_bytes(self, rel: str, limit: int | None = None) -> bytes:
        import requests

        resp = self._get(rel, {"Accept-Encoding": "identity"})
        try:
            if limit is None:
                return bytes(resp.content)
            return b"".join(_read_raw(resp, CHUNK, self.timeout[1], limit))
        except requests.RequestException as exc:
            raise PwcError(f"{self.describe(rel)}: transfer failed ({exc}); rerun to retry") from None
        finally:
            resp.close()

    @contextmanager
    def stream(self, rel: str, offset: int = 0, chunk: int = CHUNK) -> Iterator[Chunks]:
        # identity: byte offsets must count the file's bytes, not a compressed encoding of them.
        headers = {"Accept-Encoding": "identity"}
        resp = self._get(rel, {**headers, "Range": f"bytes={offset}-"} if offset else headers)
        try:
            start = offset
            if resp.status_code == 416 or (
                resp.status_code == 206
                and not resp.headers.get("Content-Range", "").startswith(f"bytes {offset}-")
            ):
                # What we hold is not a prefix the server agrees with: start the file again.
                resp.close()
                resp = self._get(rel, headers)
                start = 0
            elif resp.status_code == 200:
                start = 0  # the server ignored Range and sends the whole file
            yield Chunks(start, _read_raw(resp, chunk, self.timeout[1]))
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


def _read_raw(resp: Any, chunk: int, read_timeout: float, limit: int | None = None) -> Iterator[bytes]:
    """The response body as it arrives, as ConnectionError if the transfer breaks.

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
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise ConnectionError(f"no data received for {read_timeout:g} s") from exc
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise ConnectionError(f"{exc.__class__.__name__}: {exc}") from exc


def open_location(url: str | os.PathLike[str] | Location) -> Location:
    """A location by local path, fsspec URL or http(s) base URL (a Location is returned as is)."""
    if isinstance(url, Location):
        return url
    text = os.fspath(url)
    if text.startswith(("http://", "https://")):
        return HttpLocation(text)
    return FsLocation(text)


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
