"""Publish stage: move a finished release directory into the store, atomically.

Local stores: copy into ``<store>/.staging/<id>.<token>/`` then one ``rename`` to
``<store>/<id>``, so the release appears whole or not at all. Object stores
(fsspec URLs): upload every file, ``manifest.json`` last; a release without its
manifest is incomplete and never listed. In both cases ``index.json`` and then
``latest.json`` change only after the release is complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import secrets
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from transforms.errors import PublishError
from transforms.publish.links import update_latest_link
from transforms.release.layout import INDEX, LATEST, MANIFEST, is_release_id, release_sort_key
from transforms.release.manifest import index_entry, latest_pointer, updated_index
from transforms.storage import TMP_PREFIX, FsLocation, Location, loads_json, open_location, sha256_file

log = logging.getLogger(__name__)
STAGING = ".staging"


def _store(store: str | Location) -> FsLocation:
    location = open_location(store)
    if not isinstance(location, FsLocation):
        raise PublishError(f"{location.url}: cannot publish over http; give a directory or an fsspec URL")
    return location


def existing_release_ids(store: str | Location) -> list[str]:
    """Ids of the complete releases in the store (those with a manifest)."""
    location = _store(store)
    ids = [
        name for name in location.listdir() if is_release_id(name) and location.exists(f"{name}/{MANIFEST}")
    ]
    return sorted(ids, key=release_sort_key)


def plan_release_id(store: str, day: date) -> str:
    """``YYYY-MM-DD.N`` with N one past the highest existing release of that day."""
    prefix = day.isoformat()
    taken = [release_sort_key(i)[1] for i in existing_release_ids(store) if i.startswith(prefix + ".")]
    return f"{prefix}.{max(taken) + 1 if taken else 0}"


def publish_release(release_dir: Path, store: str, release_id: str) -> str:
    """Publish ``release_dir`` (whose manifest names ``release_id``) into ``store``.

    Re-running after a crash converges: an identical release already in place is
    kept and only the index is brought up to date. Returns the release's URL/path.
    """
    manifest_path = release_dir / MANIFEST
    if not manifest_path.is_file():
        raise PublishError(f"{release_dir}: no {MANIFEST}; the export stage did not finish")
    location = _store(store)
    manifest = _read_local_json(manifest_path)
    if manifest.get("release_id") != release_id:
        raise PublishError(
            f"{manifest_path}: release_id is {manifest.get('release_id')!r}, expected {release_id!r}"
        )
    manifest_sha = sha256_file(manifest_path)
    location.makedirs()
    # One writer at a time: the existence check, the move and the index update happen under the
    # store's lease, so two publishers can never replace a release or lose an index entry.
    with location.lease():
        _sweep_debris(location)
        reindex(location)
        if location.exists(f"{release_id}/{MANIFEST}"):
            existing_bytes = location.read_bytes(f"{release_id}/{MANIFEST}")
            existing = json.loads(existing_bytes)
            if _table_hashes(existing) != _table_hashes(manifest):
                raise PublishError(
                    f"{location.describe(release_id)}: release {release_id} is already published with "
                    "other data; releases are immutable: build again to publish under the next id"
                )
            # Same data already in place (a crash came after the rename): keep it, fix the index.
            log.info("release %s already in place with identical tables; updating the index", release_id)
            manifest, manifest_sha = existing, hashlib.sha256(existing_bytes).hexdigest()
        elif location.is_local:
            _publish_local(release_dir, Path(location.path()), release_id)
        else:
            _publish_remote(location, release_dir, release_id)
        _update_index(location, manifest, manifest_sha)
        update_latest_link(location)
    return location.describe(release_id)


def reindex(store: str | Location) -> list[str]:
    """Bring ``index.json`` (and ``latest.json``) up to the complete releases in the store.

    A release whose directory has its manifest but which the index does not list (the index is
    missing, or a crash came between the move and the index update) is added; the index is never
    treated as empty while releases exist. Returns the ids added. Call under the store's lease.
    """
    location = _store(store)
    index = location.read_json(INDEX) if location.exists(INDEX) else None
    listed = {r["release_id"] for r in (index or {}).get("releases", [])}
    added = []
    for release_id in existing_release_ids(location):
        if release_id in listed:
            continue
        data = location.read_bytes(f"{release_id}/{MANIFEST}")
        index = updated_index(index, index_entry(json.loads(data), hashlib.sha256(data).hexdigest()))
        added.append(release_id)
    if added and index is not None:
        log.warning("index.json did not list %s; added from their manifests", ", ".join(added))
        location.write_json(INDEX, index)
        newest = next(r for r in index["releases"] if r["release_id"] == index["latest"])
        location.write_json(LATEST, latest_pointer(newest))
        update_latest_link(location)
    return added


def ensure_index(store: str | Location) -> None:
    """Before a build reads the store: an index missing or behind its complete releases is
    rebuilt (under the lease), so that the build finds its previous release and never starts
    the lineage again as a first release."""
    location = open_location(store)
    if not isinstance(location, FsLocation) or not location.exists():
        return
    index = location.read_json(INDEX) if location.exists(INDEX) else None
    listed = {r.get("release_id") for r in (index or {}).get("releases", []) if isinstance(r, dict)}
    if set(existing_release_ids(location)) - listed:
        with location.lease():
            reindex(location)


def _sweep_debris(location: FsLocation) -> None:
    """Remove what a crashed writer left: staging copies and temporary files (never data)."""
    for name in (STAGING, *(n for n in _hidden_names(location) if n.startswith(TMP_PREFIX))):
        location.remove(name)


def _hidden_names(location: FsLocation) -> list[str]:
    if location.is_local:
        try:
            return sorted(n for n in os.listdir(location.path()) if n.startswith("."))
        except FileNotFoundError:
            return []
    return [
        posixpath.basename(p.rstrip("/"))
        for p in location.fs.ls(location.path(), detail=False)
        if posixpath.basename(p.rstrip("/")).startswith(".")
    ]


def _read_local_json(path: Path) -> dict[str, Any]:
    data = loads_json(path.read_bytes(), str(path))
    if not isinstance(data, dict):
        raise PublishError(f"{path}: expected a JSON object")
    return data


def _table_hashes(manifest: dict[str, Any]) -> dict[str, str]:
    return {name: t["sha256"] for name, t in manifest.get("tables", {}).items()}


def _publish_local(release_dir: Path, root: Path, release_id: str) -> None:
    staging_root = root / STAGING
    staging_root.mkdir(parents=True, exist_ok=True)
    staging = staging_root / f"{release_id}.{secrets.token_hex(4)}"
    _copy_tree(release_dir, staging)
    target = root / release_id
    if target.exists():
        # A directory without a manifest: debris of an older non-atomic writer. Not a release.
        shutil.rmtree(target)
    os.rename(staging, target)
    _fsync_dir(root)


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy the release files, manifest last (readers trust a directory only with its manifest)."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == MANIFEST)
    for path in files:
        out = dst / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        _copy_file(path, out)


def _copy_file(src: Path, dst: Path) -> None:
    """A hard link when the work directory and the store share a file system (a 770 MB release
    then publishes in milliseconds; nothing writes to an exported file again: a re-export
    replaces files, it never rewrites them), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _publish_remote(location: FsLocation, release_dir: Path, release_id: str) -> None:
    files = sorted(p for p in release_dir.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == MANIFEST)
    for path in files:
        location.put_file(path, f"{release_id}/{path.relative_to(release_dir).as_posix()}")


def _update_index(location: FsLocation, manifest: dict[str, Any], manifest_sha: str) -> None:
    index = location.read_json(INDEX) if location.exists(INDEX) else None
    entry = index_entry(manifest, manifest_sha)
    listed = {r["release_id"]: r for r in (index or {}).get("releases", [])}
    if listed.get(entry["release_id"], {}).get("manifest_sha256") != manifest_sha:
        index = updated_index(index, entry)
        location.write_json(INDEX, index)
    assert index is not None
    newest = next(r for r in index["releases"] if r["release_id"] == index["latest"])
    location.write_json(LATEST, latest_pointer(newest))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
