"""The release contract's formats: hashes, SHA256SUMS, manifest, index and latest pointer.

Shared by the publisher (which writes releases) and the client (which lists,
downloads and verifies them), so both sides read the contract from one place.
Names and the release-id grammar: ``layout.py``.

A release directory holds ``manifest.json`` (written last), ``SHA256SUMS``,
``LICENSE``, ``README.md``, ``validation.json``, ``pwc.duckdb`` and
``parquet/<table>.parquet``. The manifest's ``files`` list names every file of
the release except ``manifest.json`` itself; ``SHA256SUMS`` names every file
except ``manifest.json`` and ``SHA256SUMS``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from transforms.errors import PublishError, PwcError
from transforms.release.layout import (
    DEFAULT_LICENSE,
    INDEX,
    INDEX_FORMAT,
    MANIFEST,
    SHA256SUMS,
    parse_release_id,
    release_sort_key,
)
from transforms.storage import sha256_file, write_bytes_atomic

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SUMS_LINE_RE = re.compile(r"^(?P<sha>[0-9a-f]{64})  (?P<path>\S.*)$")


def safe_relpath(path: str) -> str:
    """Check a release-relative path (forward slashes, no ``..``, not absolute) and return it.

    Paths come from manifests that may have been fetched over the network, so a
    path escaping the release directory is refused, not resolved, and so is one with control
    characters (a terminal escape sequence in a file name is never written or printed raw:
    the message shows it escaped).
    """
    p = PurePosixPath(path) if isinstance(path, str) else None
    if (
        p is None
        or not path
        or _CONTROL_RE.search(path)
        or "\\" in path
        or p.is_absolute()
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        raise PwcError(
            f"{path!r}: expected a relative path inside the release with forward slashes, "
            "no '.' or '..' parts and no control characters (e.g. parquet/papers.parquet)"
        )
    return path


def relpath(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """``path`` relative to ``root`` with forward slashes (``path`` may already be relative)."""
    p = Path(path)
    if p.is_absolute():
        p = p.relative_to(Path(root))
    return safe_relpath(p.as_posix())


def file_entry(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> dict[str, Any]:
    """``{"path", "sha256", "bytes"}`` for one file of a release; ``path`` absolute or relative to root."""
    rel = relpath(root, path)
    full = Path(root) / rel
    return {"path": rel, "sha256": sha256_file(full), "bytes": full.stat().st_size}


class FileHashes:
    """:func:`file_entry` of the files of one release directory, each file hashed once.

    Sealing a release lists its files three times (croissant.json, SHA256SUMS, manifest.json);
    at full scale a pass over them is 1.1 GB of sha256. An entry is reused while its file keeps
    its size and modification time: a file written again is hashed again.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._seen: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}

    def entry(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        rel = relpath(self.root, path)
        stat = (self.root / rel).stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        seen = self._seen.get(rel)
        if seen is None or seen[0] != stamp:
            seen = (stamp, file_entry(self.root, rel))
            self._seen[rel] = seen
        return dict(seen[1])


def release_files(release_dir: str | os.PathLike[str]) -> list[str]:
    """Every file under ``release_dir`` as sorted relative paths, except manifest.json."""
    root = Path(release_dir)
    rels = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink())
    return sorted(r for r in rels if r != MANIFEST)


def format_sha256sums(entries: Iterable[Mapping[str, Any]]) -> str:
    """``<sha256>  <path>`` lines (sha256sum format), sorted by path, skipping manifest.json/SHA256SUMS."""
    rows = sorted((e["path"], e["sha256"]) for e in entries if e["path"] not in (MANIFEST, SHA256SUMS))
    return "".join(f"{sha}  {path}\n" for path, sha in rows)


def parse_sha256sums(text: str) -> tuple[dict[str, str], list[str]]:
    """Parse a SHA256SUMS text into ({path: sha256}, problems); problems name the line."""
    sums: dict[str, str] = {}
    problems: list[str] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _SUMS_LINE_RE.match(line)
        if m is None:
            problems.append(
                f"{SHA256SUMS}: line {lineno}: expected '<64 lowercase hex>  <path>', found {line[:80]!r}"
            )
        elif m["path"] in sums:
            problems.append(f"{SHA256SUMS}: line {lineno}: {m['path']} is listed twice")
        else:
            sums[m["path"]] = m["sha"]
    return sums, problems


def write_sha256sums(
    release_dir: str | os.PathLike[str],
    paths: Iterable[str | os.PathLike[str]] | None = None,
    hashes: FileHashes | None = None,
) -> Path:
    """Write ``<release_dir>/SHA256SUMS`` for ``paths`` (default: every file of the release).

    manifest.json and SHA256SUMS itself are never listed. Returns the file's path.
    """
    root = Path(release_dir)
    hashes = hashes or FileHashes(root)
    rels = release_files(root) if paths is None else [relpath(root, p) for p in paths]
    entries = [hashes.entry(r) for r in rels if r not in (MANIFEST, SHA256SUMS)]
    target = root / SHA256SUMS
    write_bytes_atomic(target, format_sha256sums(entries).encode("utf-8"))
    return target


def utc_iso(moment: datetime | str) -> str:
    """ISO 8601 UTC with a ``Z`` suffix, second precision; strings are checked and normalised."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            raise PwcError(
                f"created_at: expected ISO 8601 (e.g. 2026-01-02T03:04:05Z), found {moment!r}"
            ) from None
    if moment.tzinfo is None:
        raise PwcError(f"created_at: expected a timezone-aware UTC time, found naive {moment.isoformat()}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_manifest(
    release_dir: str | os.PathLike[str],
    *,
    release_id: str,
    schema_version: str,
    created_at: datetime | str,
    pipeline_version: str,
    tables: Mapping[str, Mapping[str, Any]],
    inputs: Iterable[Mapping[str, Any]] = (),
    license: Mapping[str, str] = DEFAULT_LICENSE,
    validation: Mapping[str, Any] | None = None,
    hashes: FileHashes | None = None,
) -> dict[str, Any]:
    """Build the manifest dict for a finished release directory (call it after SHA256SUMS exists).

    ``files`` is computed by hashing every file in the directory except manifest.json.
    ``tables`` maps name -> ``{"row_count", "columns": [{"name", "type"}]}``; ``file``
    defaults to ``parquet/<name>.parquet`` and ``sha256``/``bytes`` are filled from
    ``files`` (given values must agree). Raises PublishError when a table file is missing
    or disagrees.
    """
    parse_release_id(release_id)
    root = Path(release_dir)
    hashes = hashes or FileHashes(root)
    files = [hashes.entry(rel) for rel in release_files(root)]
    by_path = {f["path"]: f for f in files}
    out_tables: dict[str, dict[str, Any]] = {}
    for name, spec in sorted(tables.items()):
        rel = str(spec.get("file", f"parquet/{name}.parquet"))
        found = by_path.get(rel)
        if found is None:
            raise PublishError(f"tables.{name}: expected {rel} in {root}, found no such file")
        for key in ("sha256", "bytes"):
            if key in spec and spec[key] != found[key]:
                raise PublishError(
                    f"tables.{name}: {key} given as {spec[key]!r} but {rel} has {found[key]!r}"
                )
        if "row_count" not in spec or "columns" not in spec:
            raise PublishError(f"tables.{name}: expected row_count and columns, found keys {sorted(spec)}")
        out_tables[name] = {
            "file": rel,
            "row_count": int(spec["row_count"]),
            "sha256": found["sha256"],
            "bytes": found["bytes"],
            "columns": [{"name": str(c["name"]), "type": str(c["type"])} for c in spec["columns"]],
        }
    return {
        "release_id": release_id,
        "schema_version": schema_version,
        "created_at": utc_iso(created_at),
        "pipeline_version": pipeline_version,
        "license": dict(license),
        "inputs": sorted(
            ({"path": str(i["path"]), "sha256": str(i["sha256"]), "bytes": int(i["bytes"])} for i in inputs),
            key=lambda i: i["path"],
        ),
        "tables": out_tables,
        "files": files,
        "validation": dict(validation or {}),
    }


def index_entry(manifest: Mapping[str, Any], manifest_sha256: str) -> dict[str, Any]:
    """The index.json entry describing one release."""
    return {
        "release_id": manifest["release_id"],
        "created_at": manifest["created_at"],
        "schema_version": manifest["schema_version"],
        "manifest_sha256": manifest_sha256,
        "tables": {name: t["row_count"] for name, t in sorted(manifest["tables"].items())},
    }


def updated_index(index: Mapping[str, Any] | None, entry: Mapping[str, Any]) -> dict[str, Any]:
    """A new index.json dict with ``entry`` added (oldest first; latest = newest id).

    Raises PublishError if the id is already listed: releases are immutable, so a
    rebuild takes the next N.
    """
    releases = [dict(r) for r in (index or {}).get("releases", [])]
    if any(r["release_id"] == entry["release_id"] for r in releases):
        raise PublishError(
            f"release {entry['release_id']} is already in {INDEX}: releases are immutable; "
            "publish the rebuild under the next id (same date, N + 1)"
        )
    releases.append(dict(entry))
    releases.sort(key=lambda r: release_sort_key(r["release_id"]))
    return {"format": INDEX_FORMAT, "latest": releases[-1]["release_id"], "releases": releases}


def latest_pointer(entry: Mapping[str, Any]) -> dict[str, str]:
    """The latest.json dict pointing at one index entry."""
    return {"release_id": entry["release_id"], "manifest_sha256": entry["manifest_sha256"]}


def is_sha256(value: Any) -> bool:
    """True for a 64-character lowercase hex string."""
    return isinstance(value, str) and _SHA256_RE.match(value) is not None


# --------------------------------------------------------------------------- checking a manifest

_REQUIRED_KEYS = ("release_id", "schema_version", "created_at", "license", "tables", "files")


def short(sha: str) -> str:
    """The first 12 hex digits of a sha256, for messages."""
    return f"{sha[:12]}…"


def check_manifest(manifest: Any) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Check a parsed manifest's structure; return ({path: files entry}, problems).

    Covers required keys, safe relative paths, well-formed sha256/bytes, no duplicate
    or self-listed files, and ``tables`` entries that agree with ``files``.
    """
    if not isinstance(manifest, dict):
        return {}, [f"{MANIFEST}: expected a JSON object, found {type(manifest).__name__}"]
    problems = [f"{MANIFEST}: missing key {k!r}" for k in _REQUIRED_KEYS if k not in manifest]
    files: dict[str, dict[str, Any]] = {}
    raw_files = manifest.get("files", [])
    if not isinstance(raw_files, list):
        return {}, problems + [f"{MANIFEST}: files: expected a list, found {type(raw_files).__name__}"]
    for i, entry in enumerate(raw_files):
        where = f"{MANIFEST}: files[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected an object with path, sha256, bytes")
            continue
        try:
            rel = safe_relpath(entry.get("path"))  # type: ignore[arg-type]
        except PwcError as exc:
            problems.append(f"{where}.path: {exc}")
            continue
        if not is_sha256(entry.get("sha256")):
            problems.append(f"{rel}: manifest sha256 {entry.get('sha256')!r} is not 64 lowercase hex digits")
        elif not isinstance(entry.get("bytes"), int) or entry["bytes"] < 0:
            problems.append(f"{rel}: manifest bytes {entry.get('bytes')!r} is not a whole number")
        elif rel == MANIFEST:
            problems.append(f"{rel}: the manifest must not list itself")
        elif rel in files:
            problems.append(f"{rel}: listed twice in {MANIFEST} files")
        else:
            files[rel] = entry
    if "files" in manifest and SHA256SUMS not in files:
        problems.append(f"{SHA256SUMS}: not listed in {MANIFEST} files (every release has one)")
    tables = manifest.get("tables", {})
    if not isinstance(tables, dict):
        return files, problems + [f"{MANIFEST}: tables: expected an object, found {type(tables).__name__}"]
    for name, table in sorted(tables.items()):
        if not isinstance(table, dict) or "file" not in table:
            problems.append(
                f"{MANIFEST}: tables.{name}: expected an object with file, row_count, sha256, bytes"
            )
            continue
        rel = table["file"]
        listed = files.get(rel)
        if listed is None:
            problems.append(f"{rel}: tables.{name} names it but {MANIFEST} files does not list it")
            continue
        for key in ("sha256", "bytes"):
            if table.get(key) != listed.get(key):
                problems.append(
                    f"{rel}: tables.{name}.{key} is {table.get(key)!r} but files says {listed.get(key)!r}"
                )
        if not isinstance(table.get("row_count"), int) or table["row_count"] < 0:
            problems.append(
                f"{rel}: tables.{name}.row_count {table.get('row_count')!r} is not a whole number"
            )
    return files, problems


def check_sha256sums(files: Mapping[str, Mapping[str, Any]], text: str) -> list[str]:
    """Problems where SHA256SUMS disagrees with the manifest's files (it lists all but itself)."""
    sums, problems = parse_sha256sums(text)
    expected = {p: e["sha256"] for p, e in files.items() if p != SHA256SUMS}
    for rel in sorted(expected.keys() | sums.keys()):
        if rel not in sums:
            problems.append(f"{SHA256SUMS}: {rel} is missing (manifest.json lists it)")
        elif rel not in expected:
            problems.append(f"{SHA256SUMS}: lists {rel}, which manifest.json does not")
        elif sums[rel] != expected[rel]:
            problems.append(
                f"{SHA256SUMS}: {rel} has sha256 {short(sums[rel])} but manifest.json says {short(expected[rel])}"
            )
    return problems
