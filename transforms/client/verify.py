"""Verify a local release directory against its manifest.

Every problem is one line that starts with the release-relative path it is about,
e.g. ``parquet/results.parquet: sha256 mismatch (expected ab12…, found cd34…)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from transforms.errors import IntegrityError, PwcError
from transforms.release.layout import MANIFEST, SHA256SUMS, is_release_id
from transforms.release.manifest import check_manifest, check_sha256sums, release_files, short
from transforms.storage import loads_metadata, sha256_file


@dataclass
class VerifyReport:
    """The outcome of verifying one release directory."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    checked: int = 0
    """How many files listed in the manifest were checked."""


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
        manifest = loads_metadata(manifest_path.read_bytes(), MANIFEST)
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
