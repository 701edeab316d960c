"""Read a release store: a local directory, an fsspec URL, or an http(s) base URL.

The store holds ``index.json`` (every release, oldest first), ``latest.json``
(the newest complete release) and one directory per release id. Everything here
only reads (through :mod:`transforms.storage`); the publisher is the only writer.

A store may be a server that lies: every metadata file is read with a size cap
(:data:`MAX_METADATA_BYTES`), as stored bytes (never decompressed), and parsed with depth and
number limits (:func:`~transforms.storage.loads_metadata`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

from transforms.errors import IntegrityError, PwcError, ReleaseNotFound
from transforms.release.layout import (
    INDEX,
    INDEX_FORMAT,
    LATEST,
    MANIFEST,
    is_release_id,
    parse_release_id,
    release_sort_key,
)
from transforms.storage import Location, loads_metadata, open_location

MAX_METADATA_BYTES: dict[str, int] = {INDEX: 8 << 20, LATEST: 64 << 10, MANIFEST: 8 << 20}
"""Largest index.json, latest.json and manifest.json read (bytes). An index entry is ~300 bytes
(8 MiB: 25,000 releases); a manifest with 30 files and every table's columns is ~20 KB."""


@dataclass(frozen=True)
class ReleaseEntry:
    """One release as listed in the store's index.json."""

    release_id: str
    created_at: str
    schema_version: str
    manifest_sha256: str
    tables: dict[str, int] = field(default_factory=dict)


StoreLike = Location | str | os.PathLike[str]
"""A store given as a Location, a local path, an fsspec URL or an http(s) base URL."""


def _read_store_json(store: Location, rel: str, missing: str) -> Any:
    try:
        data = store.read_capped(rel, MAX_METADATA_BYTES[rel])
    except FileNotFoundError:
        raise ReleaseNotFound(f"{store.describe(rel)}: not found; {missing}") from None
    return loads_metadata(data, store.describe(rel))


def read_index(store: StoreLike) -> dict[str, Any]:
    """The store's index.json, checked for the fields readers rely on."""
    st = open_location(store)
    where = st.describe(INDEX)
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


def list_releases(store: StoreLike) -> list[ReleaseEntry]:
    """Every release in the store, oldest first (ordered by date, then build number)."""
    st = open_location(store)
    where = st.describe(INDEX)
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
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise PwcError(
                f"{where}: releases[{i}]: expected release_id, created_at, schema_version, "
                f"manifest_sha256 and tables, found a bad entry ({exc!r})"
            ) from None
        if not is_release_id(entry.release_id):
            raise PwcError(f"{where}: releases[{i}].release_id: {entry.release_id!r} is not YYYY-MM-DD.N")
        entries.append(entry)
    return sorted(entries, key=lambda e: release_sort_key(e.release_id))


def find_release(store: StoreLike, release: str = "latest") -> ReleaseEntry:
    """The index entry for ``release`` (an id, or ``latest`` resolved through latest.json)."""
    st = open_location(store)
    entries = list_releases(st)
    by_id = {e.release_id: e for e in entries}
    if release == "latest":
        pointer = _read_store_json(st, LATEST, "the store has no complete release yet")
        rid = pointer.get("release_id") if isinstance(pointer, dict) else None
        if rid not in by_id:
            raise ReleaseNotFound(
                f"{st.describe(LATEST)}: points to {rid!r}, which {INDEX} does not list; "
                f"the store is inconsistent (available: {_available(entries)})"
            )
        entry = by_id[rid]
        if pointer.get("manifest_sha256") != entry.manifest_sha256:
            raise IntegrityError(
                f"{st.describe(LATEST)}: manifest_sha256 {pointer.get('manifest_sha256')!r} differs from "
                f"{INDEX} ({entry.manifest_sha256}); the store is inconsistent"
            )
        return entry
    parse_release_id(release)
    if release not in by_id:
        raise ReleaseNotFound(
            f"release {release} not found in {st.describe(INDEX)}; available: {_available(entries)}"
        )
    return by_id[release]


def resolve_release_id(store: StoreLike, release: str = "latest") -> str:
    """The concrete release id for ``release`` (``latest`` or an id); ReleaseNotFound lists the ids."""
    return find_release(store, release).release_id


def read_manifest_bytes(store: StoreLike, entry: ReleaseEntry) -> bytes:
    """The exact bytes of a release's manifest.json, checked against the index's manifest_sha256."""
    st = open_location(store)
    rel = f"{entry.release_id}/{MANIFEST}"
    try:
        data = st.read_capped(rel, MAX_METADATA_BYTES[MANIFEST])
    except FileNotFoundError:
        raise ReleaseNotFound(
            f"{st.describe(rel)}: not found although {INDEX} lists {entry.release_id}; "
            "the store is inconsistent"
        ) from None
    found = hashlib.sha256(data).hexdigest()
    if found != entry.manifest_sha256:
        raise IntegrityError(
            f"{MANIFEST}: sha256 mismatch (expected {entry.manifest_sha256[:12]}… from {INDEX}, "
            f"found {found[:12]}…) at {st.describe(rel)}"
        )
    return data


def read_manifest(store: StoreLike, release_id: str = "latest") -> dict[str, Any]:
    """A release's manifest (``release_id`` may be ``latest``), checked against the index."""
    st = open_location(store)
    entry = find_release(st, release_id)
    manifest = loads_metadata(read_manifest_bytes(st, entry), st.describe(f"{entry.release_id}/{MANIFEST}"))
    if not isinstance(manifest, dict):
        raise PwcError(f"{entry.release_id}/{MANIFEST}: expected a JSON object")
    return manifest


def _available(entries: list[ReleaseEntry]) -> str:
    return ", ".join(e.release_id for e in entries) or "none"


def previous_release_id(store: StoreLike, release_id: str) -> str | None:
    """The newest release of ``store`` that sorts before ``release_id`` (None when there is none)."""
    try:
        entries = list_releases(store)
    except ReleaseNotFound:
        return None  # no index.json: nothing was published yet
    earlier = [e for e in entries if release_sort_key(e.release_id) < release_sort_key(release_id)]
    return earlier[-1].release_id if earlier else None


def release_location(store: StoreLike, release: str = "latest") -> str:
    """Where a release is, for a reader to open: its directory when the store is on this machine,
    else its URL (``release`` may be ``latest``).

    A local folder without ``index.json`` (where ``release download`` puts releases) is read by
    its directories: ``latest`` is the newest one holding a ``manifest.json``.
    """
    st = open_location(store)
    root = st.local_path()
    if root is not None and not root.is_dir():
        raise ReleaseNotFound(
            f"{root}: no such directory; build a release (make nightly) or download one "
            f"(pwc-archive release download latest --from URL --to {root})"
        )
    if root is not None and not st.exists(INDEX):
        ids = sorted(
            (n for n in st.listdir() if is_release_id(n) and st.exists(f"{n}/{MANIFEST}")),
            key=release_sort_key,
        )
        if release != "latest":
            parse_release_id(release)
        rid = ids[-1] if release == "latest" and ids else release
        if rid not in ids:
            raise ReleaseNotFound(
                f"{root}: no {INDEX} and no complete release {release!r} here (available: "
                f"{', '.join(ids) or 'none'}); build one (make nightly) or download one "
                f"(pwc-archive release download latest --from URL --to {root})"
            )
        return str(root / rid)
    rid = resolve_release_id(st, release)
    if root is not None:
        if not (root / rid / MANIFEST).is_file():
            raise ReleaseNotFound(
                f"{root / rid}: {INDEX} lists {rid} but its directory is missing or incomplete; "
                "the store is inconsistent"
            )
        return str(root / rid)
    return st.describe(rid)
