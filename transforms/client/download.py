"""Download one release: resumable, verified file by file, published locally by one rename.

Files land in ``<dest>/.<release_id>.partial/``. An interrupted file is resumed
from where it stopped (an http ``Range`` request, or a seek); a file that does
not match the manifest is deleted and named. Only when every file verifies is the
partial directory renamed to ``<dest>/<release_id>``, so that directory is either
absent or complete.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from transforms.client.store import ReleaseEntry, StoreLike, find_release, read_manifest_bytes
from transforms.client.verify import integrity_message, verify_release
from transforms.errors import IntegrityError, PwcError
from transforms.release.layout import MANIFEST, SHA256SUMS
from transforms.release.manifest import check_manifest, check_sha256sums, release_files, short
from transforms.storage import CHUNK, Location, loads_json, open_location, sha256_file, write_bytes_atomic

RERUN_HINT = "the partial download was kept for files that verified; rerun to retry"


def download_release(
    source: StoreLike,
    release: str = "latest",
    dest_dir: str | os.PathLike[str] = ".",
    progress: bool = True,
    *,
    chunk: int = CHUNK,
) -> Path:
    """Download ``release`` (an id or ``latest``) from ``source`` into ``dest_dir/<release_id>``.

    Resumes an earlier interrupted run, skips files already downloaded and verified,
    checks every file's size and sha256 against the manifest (itself checked against
    the store's index) and renames the finished directory into place. Returns its path.

    Raises ReleaseNotFound for an unknown id (listing the available ones), PwcError when
    the transfer breaks (rerun to resume), IntegrityError when a file does not match.
    """
    store = open_location(source)
    entry = find_release(store, release)
    rid = entry.release_id
    dest = Path(dest_dir)
    if dest.exists() and not dest.is_dir():
        raise PwcError(f"{dest}: is a file; expected the directory to download into (--to)")
    final = dest / rid
    if final.exists():
        report = verify_release(final)
        if report.ok:
            return final
        raise IntegrityError(
            f"{integrity_message(final, report.problems)}; {final} already exists but does not verify: "
            "move it away or delete it, then rerun"
        )

    manifest_bytes, files = _fetch_manifest(store, entry)
    partial = dest / f".{rid}.partial"
    partial.mkdir(parents=True, exist_ok=True)
    for rel in release_files(partial):
        if rel not in files:  # left by an older run (e.g. a temp file); the partial dir is ours
            (partial / rel).unlink()

    total = sum(int(e["bytes"]) for e in files.values())
    hashes: dict[str, str] = {}
    problems: list[str] = []
    with _ProgressBar(progress, total, rid) as advance:
        for rel, file_entry in files.items():
            try:
                hashes[rel] = _fetch_file(store, rid, rel, file_entry, partial, chunk, advance)
            except _Corrupt as exc:
                problems.append(str(exc))

    if problems:
        raise IntegrityError(f"{integrity_message(store.describe(rid), problems)}; {RERUN_HINT}")
    sums_problems = check_sha256sums(
        files, (partial / SHA256SUMS).read_text(encoding="utf-8", errors="replace")
    )
    if sums_problems:
        raise IntegrityError(
            f"{integrity_message(store.describe(rid), sums_problems)}; the release is broken at the source"
        )

    # The exact bytes the index vouches for: re-serialising could change them.
    write_bytes_atomic(partial / MANIFEST, manifest_bytes)
    report = verify_release(partial, trusted_sha256=hashes)
    if not report.ok:
        raise IntegrityError(f"{integrity_message(partial, report.problems)}; {RERUN_HINT}")
    try:
        partial.rename(final)
    except OSError as exc:
        raise PwcError(f"{final}: could not move the verified download into place ({exc})") from None
    return final


def fetch_release_files(
    store_url: str, release: str, rels: Sequence[str], dest: Path, *, in_place: bool = False
) -> dict[str, Path]:
    """Files of a release (paths relative to it), each checked against the manifest (itself
    checked against the index): ``{rel: local path}``. A file the manifest does not list is left
    out (an older schema may lack a table).

    Files land in ``dest/<release_id>/`` (resumed, not fetched again when they already match).
    With ``in_place`` and a store on this machine's file system, each file is verified where it
    is and its own path is returned: nothing is copied (the build reads the previous release so).
    """
    store = open_location(store_url)
    entry = find_release(store, release)
    _, files = _fetch_manifest(store, entry)
    wanted = [rel for rel in rels if rel in files]
    local_root = _local_root(store) if in_place else None
    out: dict[str, Path] = {}
    problems: list[str] = []
    for rel in wanted:
        if local_root is not None:
            path = local_root / entry.release_id / rel
            problem = _check_in_place(path, rel, files[rel])
            if problem:
                problems.append(problem)
            out[rel] = path
            continue
        try:
            _fetch_file(
                store, entry.release_id, rel, files[rel], dest / entry.release_id, CHUNK, lambda n: None
            )
        except _Corrupt as exc:
            problems.append(str(exc))
        out[rel] = dest / entry.release_id / rel
    if problems:
        raise IntegrityError(f"{integrity_message(store.describe(entry.release_id), problems)}; {RERUN_HINT}")
    return out


def _local_root(store: Location) -> Path | None:
    return store.local_path()


def _check_in_place(path: Path, rel: str, entry: Mapping[str, Any]) -> str | None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return f"{rel}: listed in {MANIFEST} but missing"
    if size != int(entry["bytes"]):
        return f"{rel}: size mismatch (expected {entry['bytes']} bytes, found {size})"
    found = sha256_file(path)
    if found != entry["sha256"]:
        return f"{rel}: sha256 mismatch (expected {short(str(entry['sha256']))}, found {short(found)})"
    return None


class _Corrupt(Exception):
    """One file did not match the manifest (already deleted)."""


def _fetch_manifest(store: Location, entry: ReleaseEntry) -> tuple[bytes, dict[str, dict[str, Any]]]:
    data = read_manifest_bytes(store, entry)
    where = store.describe(f"{entry.release_id}/{MANIFEST}")
    manifest = loads_json(data, where)
    files, problems = check_manifest(manifest)
    if not problems and manifest.get("release_id") != entry.release_id:
        problems.append(
            f"{MANIFEST}: release_id is {manifest.get('release_id')!r}, expected {entry.release_id}"
        )
    if problems:
        raise IntegrityError(f"{integrity_message(where, problems)}; the release is broken at the source")
    return data, files


def _fetch_file(
    store: Location,
    rid: str,
    rel: str,
    entry: Mapping[str, Any],
    partial: Path,
    chunk: int,
    advance: Callable[[int], None],
) -> str:
    """Bring ``partial/rel`` to the manifest's size and sha256; return the sha256."""
    size, expected = int(entry["bytes"]), str(entry["sha256"])
    target = partial / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    have = target.stat().st_size if target.is_file() else 0
    if have > size:
        target.unlink()  # longer than the real file: not a prefix of it
        have = 0
    advance(have)

    h = hashlib.sha256()
    if have:
        with open(target, "rb") as f:
            while block := f.read(chunk):
                h.update(block)
    if have < size:
        try:
            with store.stream(f"{rid}/{rel}", have, chunk) as stream:
                if stream.offset != have:  # the source restarted the file from its first byte
                    advance(-have)
                    have, h = 0, hashlib.sha256()
                with open(target, "r+b" if have else "wb") as out:
                    out.seek(have)
                    out.truncate()
                    for block in stream:
                        if have + len(block) > size:
                            out.close()
                            target.unlink()
                            raise _Corrupt(
                                f"{rel}: size mismatch (expected {size} bytes, the source sends more)"
                            )
                        out.write(block)
                        h.update(block)
                        have += len(block)
                        advance(len(block))
        except FileNotFoundError:
            raise IntegrityError(
                f"{rel}: listed in {MANIFEST} but missing from {store.describe(rid)}; the release is broken at the source"
            ) from None
        except OSError as exc:
            raise PwcError(
                f"{rel}: download interrupted after {have} of {size} bytes ({exc}); "
                f"the partial download was kept in {partial}; rerun to resume"
            ) from None

    if have != size:
        target.unlink()
        raise _Corrupt(f"{rel}: size mismatch (expected {size} bytes, the source sent {have})")
    found = h.hexdigest()
    if found != expected:
        target.unlink()
        raise _Corrupt(f"{rel}: sha256 mismatch (expected {short(expected)}, found {short(found)})")
    return found


class _ProgressBar:
    """A rich bytes/speed/ETA bar on stderr; a no-op when disabled or stderr is not a terminal."""

    def __init__(self, enabled: bool, total: int, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not (enabled and console.is_terminal),
            transient=False,
        )
        self.task = self.progress.add_task(label, total=total)

    def __enter__(self) -> Callable[[int], None]:
        self.progress.start()
        return lambda n: self.progress.advance(self.task, n)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
