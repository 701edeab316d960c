"""Read a release store: a local directory, an fsspec URL, or an http(s) base URL.

The store holds ``index.json`` (every release, oldest first), ``latest.json``
(the newest complete release) and one directory per release id. Everything here
only reads; the publisher is the only writer.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from transforms.errors import IntegrityError, PwcError, ReleaseNotFound
from transforms.publish.manifest import (
    INDEX,
    INDEX_FORMAT,
    LATEST,
    MANIFEST,
    is_release_id,
    loads_json,
    parse_release_id,
    release_sort_key,
)

CHUNK = 1 << 20
HTTP_TIMEOUT = (10.0, 60.0)
"""(connect, read) seconds for http(s) stores; a stalled transfer fails instead of hanging."""


@dataclass(frozen=True)
class ReleaseEntry:
    """One release as listed in the store's index.json."""

    release_id: str
    created_at: str
    schema_version: str
    manifest_sha256: str
    tables: dict[str, int] = field(default_factory=dict)


@dataclass
class Chunks:
    """A byte stream of one store file; ``offset`` is where it really starts.

    ``offset`` equals the requested offset when the store honoured it, and is 0 when
    an http server ignored the Range header and sent the whole file.
    """

    offset: int
    iterator: Iterator[bytes]

    def __iter__(self) -> Iterator[bytes]:
        return self.iterator


class Store:
    """A release store; subclasses read files by path relative to the store root."""

    url: str

    def location(self, rel: str) -> str:
        """The URL or path of ``rel``, for messages."""
        return f"{self.url.rstrip('/')}/{rel}"

    def read_bytes(self, rel: str) -> bytes:
        """The whole (small) file; FileNotFoundError when absent."""
        raise NotImplementedError

    def stream(self, rel: str, offset: int = 0, chunk: int = CHUNK) -> AbstractContextManager[Chunks]:
        """Stream ``rel`` from ``offset`` in chunks.

        FileNotFoundError when absent; iterating raises OSError (ConnectionError over
        http) when the transfer breaks, whatever the store.
        """
        raise NotImplementedError


class FsspecStore(Store):
    """A local directory or any fsspec URL (``s3://``, ``gs://``, ``memory://``, ...)."""

    def __init__(self, url: str) -> None:
        from fsspec.core import url_to_fs

        self.url = url
        self.fs, root = url_to_fs(url)
        self.root = root.rstrip("/")

    def _path(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def read_bytes(self, rel: str) -> bytes:
        with self.fs.open(self._path(rel), "rb") as f:
            data: bytes = f.read()
        return data

    @contextmanager
    def stream(self, rel: str, offset: int = 0, chunk: int = CHUNK) -> Iterator[Chunks]:
        with self.fs.open(self._path(rel), "rb") as f:
            if offset:
                f.seek(offset)

            def chunks() -> Iterator[bytes]:
                while block := f.read(chunk):
                    yield block

            yield Chunks(offset, chunks())


class HttpStore(Store):
    """An http(s) base URL, read with ``requests`` (Range requests to resume)."""

    def __init__(self, url: str, timeout: tuple[float, float] = HTTP_TIMEOUT) -> None:
        import requests

        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def _get(self, rel: str, headers: dict[str, str] | None = None) -> Any:
        import requests

        url = self.location(rel)
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

    def read_bytes(self, rel: str) -> bytes:
        import requests

        resp = self._get(rel)
        try:
            return bytes(resp.content)
        except requests.RequestException as exc:
            raise PwcError(f"{self.location(rel)}: transfer failed ({exc}); rerun to retry") from None
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


def _read_raw(resp: Any, chunk: int, read_timeout: float) -> Iterator[bytes]:
    """The response body as it arrives, as ConnectionError if the transfer breaks.

    ``read1`` hands over every byte received before a connection drops (a full-size
    ``read`` would discard them with the error), so a resume loses nothing.
    """
    import requests
    import urllib3.exceptions

    try:
        while block := resp.raw.read1(chunk, decode_content=False):
            yield block
    except urllib3.exceptions.ProtocolError as exc:
        raise ConnectionError("the connection broke before the end of the file") from exc
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise ConnectionError(f"no data received for {read_timeout:g} s") from exc
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise ConnectionError(f"{exc.__class__.__name__}: {exc}") from exc


def open_store(url: str | os.PathLike[str]) -> Store:
    """Open a store by local path, fsspec URL or http(s) base URL."""
    text = os.fspath(url)
    if text.startswith(("http://", "https://")):
        return HttpStore(text)
    return FsspecStore(text)


def as_store(store: Store | str | os.PathLike[str]) -> Store:
    """``store`` itself, or the store opened at that URL/path."""
    return store if isinstance(store, Store) else open_store(store)


def _read_store_json(store: Store, rel: str, missing: str) -> Any:
    try:
        data = store.read_bytes(rel)
    except FileNotFoundError:
        raise ReleaseNotFound(f"{store.location(rel)}: not found; {missing}") from None
    return loads_json(data, store.location(rel))


def read_index(store: Store | str | os.PathLike[str]) -> dict[str, Any]:
    """The store's index.json, checked for the fields readers rely on."""
    st = as_store(store)
    where = st.location(INDEX)
    index = _read_store_json(
        st,
        INDEX,
        f"expected a release store (a directory or URL holding {INDEX}, {LATEST} and one "
        "directory per release); check the store location, or publish a release there first",
    )
    if not isinstance(index, dict) or not isinstance(index.get("releases"), list):
        raise PwcError(f"{where}: expected an object with a 'releases' list, found {type(index).__name__}")
    if index.get("format") != INDEX_FORMAT:
        raise PwcError(
            f"{where}: expected format {INDEX_FORMAT}, found {index.get('format')!r}; "
            "upgrade pwc-archive to read this store"
        )
    return index


def list_releases(store: Store | str | os.PathLike[str]) -> list[ReleaseEntry]:
    """Every release in the store, oldest first (ordered by date, then build number)."""
    st = as_store(store)
    where = st.location(INDEX)
    entries: list[ReleaseEntry] = []
    for i, r in enumerate(read_index(st)["releases"]):
        try:
            entry = ReleaseEntry(
                release_id=str(r["release_id"]),
                created_at=str(r["created_at"]),
                schema_version=str(r["schema_version"]),
                manifest_sha256=str(r["manifest_sha256"]),
                tables={str(k): int(v) for k, v in (r.get("tables") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PwcError(
                f"{where}: releases[{i}]: expected release_id, created_at, schema_version, "
                f"manifest_sha256 and tables, found a bad entry ({exc!r})"
            ) from None
        if not is_release_id(entry.release_id):
            raise PwcError(f"{where}: releases[{i}].release_id: {entry.release_id!r} is not YYYY-MM-DD.N")
        entries.append(entry)
    return sorted(entries, key=lambda e: release_sort_key(e.release_id))


def find_release(store: Store | str | os.PathLike[str], release: str = "latest") -> ReleaseEntry:
    """The index entry for ``release`` (an id, or ``latest`` resolved through latest.json)."""
    st = as_store(store)
    entries = list_releases(st)
    by_id = {e.release_id: e for e in entries}
    if release == "latest":
        pointer = _read_store_json(st, LATEST, "the store has no complete release yet")
        rid = pointer.get("release_id") if isinstance(pointer, dict) else None
        if rid not in by_id:
            raise ReleaseNotFound(
                f"{st.location(LATEST)}: points to {rid!r}, which {INDEX} does not list; "
                f"the store is inconsistent (available: {_available(entries)})"
            )
        entry = by_id[rid]
        if pointer.get("manifest_sha256") != entry.manifest_sha256:
            raise IntegrityError(
                f"{st.location(LATEST)}: manifest_sha256 {pointer.get('manifest_sha256')!r} differs from "
                f"{INDEX} ({entry.manifest_sha256}); the store is inconsistent"
            )
        return entry
    parse_release_id(release)
    if release not in by_id:
        raise ReleaseNotFound(
            f"release {release} not found in {st.location(INDEX)}; available: {_available(entries)}"
        )
    return by_id[release]


def resolve_release_id(store: Store | str | os.PathLike[str], release: str = "latest") -> str:
    """The concrete release id for ``release`` (``latest`` or an id); ReleaseNotFound lists the ids."""
    return find_release(store, release).release_id


def read_manifest_bytes(store: Store | str | os.PathLike[str], entry: ReleaseEntry) -> bytes:
    """The exact bytes of a release's manifest.json, checked against the index's manifest_sha256."""
    st = as_store(store)
    rel = f"{entry.release_id}/{MANIFEST}"
    try:
        data = st.read_bytes(rel)
    except FileNotFoundError:
        raise ReleaseNotFound(
            f"{st.location(rel)}: not found although {INDEX} lists {entry.release_id}; "
            "the store is inconsistent"
        ) from None
    found = hashlib.sha256(data).hexdigest()
    if found != entry.manifest_sha256:
        raise IntegrityError(
            f"{MANIFEST}: sha256 mismatch (expected {entry.manifest_sha256[:12]}… from {INDEX}, "
            f"found {found[:12]}…) at {st.location(rel)}"
        )
    return data


def read_manifest(store: Store | str | os.PathLike[str], release_id: str = "latest") -> dict[str, Any]:
    """A release's manifest (``release_id`` may be ``latest``), checked against the index."""
    st = as_store(store)
    entry = find_release(st, release_id)
    manifest = loads_json(read_manifest_bytes(st, entry), st.location(f"{entry.release_id}/{MANIFEST}"))
    if not isinstance(manifest, dict):
        raise PwcError(f"{entry.release_id}/{MANIFEST}: expected a JSON object")
    return manifest


def _available(entries: list[ReleaseEntry]) -> str:
    return ", ".join(e.release_id for e in entries) or "none"
