"""Pure helpers for the release contract: ids, hashes, SHA256SUMS, manifest, index.

Shared by the publisher (which writes releases) and the client (which lists,
downloads and verifies them), so both sides read the contract from one place.

A release directory holds ``manifest.json`` (written last), ``SHA256SUMS``,
``LICENSE``, ``README.md``, ``validation.json``, ``pwc.duckdb`` and
``parquet/<table>.parquet``. The manifest's ``files`` list names every file of
the release except ``manifest.json`` itself; ``SHA256SUMS`` names every file
except ``manifest.json`` and ``SHA256SUMS``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from transforms.errors import PublishError, PwcError

MANIFEST = "manifest.json"
SHA256SUMS = "SHA256SUMS"
INDEX = "index.json"
LATEST = "latest.json"
INDEX_FORMAT = 1

LICENSE_ID = "CC-BY-SA-4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
DEFAULT_LICENSE: dict[str, str] = {
    "id": LICENSE_ID,
    "url": LICENSE_URL,
    "attribution": "Papers with Code archive (paperswithcode.com, Meta AI Research and contributors), "
    "CC BY-SA 4.0; redistributed by the pwc-archive project.",
}

RELEASE_ID_RE = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})\.(?P<n>0|[1-9][0-9]*)$")
"""``YYYY-MM-DD.N``: the build's logical date and a rebuild counter without leading zeros."""

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SUMS_LINE_RE = re.compile(r"^(?P<sha>[0-9a-f]{64})  (?P<path>\S.*)$")


def parse_release_id(release_id: str) -> tuple[date, int]:
    """Split ``YYYY-MM-DD.N`` into (date, N); raise PwcError naming the expected form."""
    m = RELEASE_ID_RE.match(release_id) if isinstance(release_id, str) else None
    if m is not None:
        try:
            return date.fromisoformat(m["date"]), int(m["n"])
        except ValueError:
            pass
    raise PwcError(
        f"release id {release_id!r} is not valid: expected YYYY-MM-DD.N "
        "(a real date, then a build number 0, 1, 2, ... without leading zeros), e.g. 2026-01-02.0"
    )


def is_release_id(s: str) -> bool:
    """True when ``s`` is a well-formed release id."""
    try:
        parse_release_id(s)
    except PwcError:
        return False
    return True


def release_sort_key(release_id: str) -> tuple[date, int]:
    """Sort key ordering releases by (date, N): 2026-01-02.10 comes after 2026-01-02.9."""
    return parse_release_id(release_id)


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex sha256 of a local file, read in chunks (bounded memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def safe_relpath(path: str) -> str:
    """Check a release-relative path (forward slashes, no ``..``, not absolute) and return it.

    Paths come from manifests that may have been fetched over the network, so a
    path escaping the release directory is refused, not resolved.
    """
    p = PurePosixPath(path) if isinstance(path, str) else None
    if (
        p is None
        or not path
        or "\\" in path
        or p.is_absolute()
        or any(part in ("", ".", "..") for part in path.split("/"))
    ):
        raise PwcError(
            f"{path!r}: expected a relative path inside the release with forward slashes "
            "and no '.' or '..' parts (e.g. parquet/papers.parquet)"
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
    release_dir: str | os.PathLike[str], paths: Iterable[str | os.PathLike[str]] | None = None
) -> Path:
    """Write ``<release_dir>/SHA256SUMS`` for ``paths`` (default: every file of the release).

    manifest.json and SHA256SUMS itself are never listed. Returns the file's path.
    """
    root = Path(release_dir)
    rels = release_files(root) if paths is None else [relpath(root, p) for p in paths]
    entries = [file_entry(root, r) for r in rels if r not in (MANIFEST, SHA256SUMS)]
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
    files = [file_entry(root, rel) for rel in release_files(root)]
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


def canonical_json_bytes(obj: Any) -> bytes:
    """Canonical JSON: UTF-8, indent=2, sorted keys, no NaN, trailing newline."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def write_json_atomic(path: str | os.PathLike[str], obj: Any, fs: Any = None) -> str:
    """Write ``obj`` as canonical JSON so readers see the old file or the new one, never half.

    Local paths (``fs`` None or a local fsspec filesystem): temp file in the same
    directory, fsync, ``os.replace``. Other fsspec filesystems: one ``pipe_file``
    (an object-store PUT is atomic per object). Returns the sha256 of the bytes written.
    """
    data = canonical_json_bytes(obj)
    if fs is None or _is_local(fs):
        write_bytes_atomic(Path(path), data)
    else:
        fs.pipe_file(str(path), data)
    return hashlib.sha256(data).hexdigest()


def read_json(path: str | os.PathLike[str], fs: Any = None) -> Any:
    """Load a JSON file (local, or through an fsspec filesystem).

    Raises FileNotFoundError when absent (callers say what was expected there) and
    PwcError naming the file, line and column when it is not valid JSON.
    """
    if fs is None:
        data = Path(path).read_bytes()
    else:
        with fs.open(str(path), "rb") as f:
            data = f.read()
    return loads_json(data, str(path))


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


def is_sha256(value: Any) -> bool:
    """True for a 64-character lowercase hex string."""
    return isinstance(value, str) and _SHA256_RE.match(value) is not None


def _is_local(fs: Any) -> bool:
    protocol = getattr(fs, "protocol", "")
    protocols = (protocol,) if isinstance(protocol, str) else tuple(protocol)
    return "file" in protocols or "local" in protocols


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a local file so readers see the old content or the new, never half (temp, fsync, rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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
