"""Verify a local release directory against its manifest.

Every problem is one line that starts with the release-relative path it is about,
e.g. ``parquet/results.parquet: sha256 mismatch (expected ab12…, found cd34…)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transforms.errors import IntegrityError, PwcError
from transforms.publish.manifest import (
    MANIFEST,
    SHA256SUMS,
    is_release_id,
    is_sha256,
    loads_json,
    parse_sha256sums,
    release_files,
    safe_relpath,
    sha256_file,
)

_REQUIRED_KEYS = ("release_id", "schema_version", "created_at", "license", "tables", "files")


@dataclass
class VerifyReport:
    """The outcome of verifying one release directory."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    """How many files listed in the manifest were checked."""


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


def verify_release(
    release_dir: str | os.PathLike[str], *, trusted_sha256: Mapping[str, str] | None = None
) -> VerifyReport:
    """Check a local release directory against its manifest.json.

    Every listed file must exist with the listed size and sha256; table entries,
    SHA256SUMS and the manifest must agree; no unlisted file may be present; the
    manifest's release_id must match the directory name when that is a release id.
    ``trusted_sha256`` gives hashes already computed (e.g. while downloading) so
    those files are not read again. Raises PwcError if ``release_dir`` is not a directory.
    """
    root = Path(release_dir)
    if not root.is_dir():
        raise PwcError(
            f"{root}: expected a release directory, found {'a file' if root.exists() else 'nothing'}"
        )
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        return VerifyReport(
            ok=False, problems=[f"{MANIFEST}: missing (a release is complete only once it has one)"]
        )
    try:
        manifest = loads_json(manifest_path.read_bytes(), MANIFEST)
    except PwcError as exc:
        return VerifyReport(ok=False, problems=[str(exc)])

    files, problems = check_manifest(manifest)
    if isinstance(manifest, dict) and is_release_id(root.name) and manifest.get("release_id") != root.name:
        problems.append(
            f"{MANIFEST}: release_id is {manifest.get('release_id')!r} but the directory is {root.name}"
        )

    trusted = trusted_sha256 or {}
    checked = 0
    for rel, entry in files.items():
        path = root / rel
        checked += 1
        if not path.is_file():
            problems.append(f"{rel}: missing (listed in {MANIFEST})")
            continue
        size = path.stat().st_size
        if size != entry["bytes"]:
            problems.append(f"{rel}: size mismatch (expected {entry['bytes']} bytes, found {size})")
            continue
        found = trusted.get(rel) or sha256_file(path)
        if found != entry["sha256"]:
            problems.append(
                f"{rel}: sha256 mismatch (expected {short(entry['sha256'])}, found {short(found)})"
            )

    for rel in release_files(root):
        if rel not in files:
            problems.append(f"{rel}: not listed in {MANIFEST} (a release directory holds only listed files)")

    sums_path = root / SHA256SUMS
    if sums_path.is_file():
        problems.extend(check_sha256sums(files, sums_path.read_text(encoding="utf-8", errors="replace")))
    return VerifyReport(ok=not problems, problems=problems, checked=checked)


def verify_release_or_raise(
    release_dir: str | os.PathLike[str], *, trusted_sha256: Mapping[str, str] | None = None
) -> VerifyReport:
    """verify_release, raising IntegrityError with the first problem and the count if any."""
    report = verify_release(release_dir, trusted_sha256=trusted_sha256)
    if not report.ok:
        raise IntegrityError(integrity_message(release_dir, report.problems))
    return report


def integrity_message(release_dir: str | os.PathLike[str], problems: list[str]) -> str:
    """One line: the first problem, then how many there are and where."""
    more = f" (1 of {len(problems)} problems" if len(problems) > 1 else " (1 problem"
    return f"{problems[0]}{more} in {release_dir})"
