"""Download one release: parallel, resumable, verified file by file, published locally by one rename.

Files land in ``<dest>/.<release_id>.partial/`` (a hidden name: never data, whatever happens to
the process). Several files are fetched at once (``jobs``) under one progress display. A
connection that breaks mid-file is resumed from its last byte (an http ``Range`` request, or a
seek) under the same retry budget and back-off as the requests themselves (urllib3's ``Retry``,
see :class:`~transforms.storage.TransferLimits`); a file that does not match the manifest is
deleted and named. Only when every file verifies is the partial directory renamed to
``<dest>/<release_id>``, so that directory is either absent or complete. ``tables`` fetches only
those tables' Parquet files (with the manifest and the licence): the directory then holds those
files, each verified, and says so in ``release verify``.

Ctrl-C stops every transfer and raises :class:`Interrupted`; what was fetched stays in the hidden
partial directory for the next run to resume.
"""

from __future__ import annotations

import hashlib
import os
import queue
import secrets
import shutil
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from transforms.client.store import ReleaseEntry, StoreLike, find_release, read_manifest_bytes
from transforms.client.verify import integrity_message, verify_release
from transforms.errors import IntegrityError, Interrupted, PwcError
from transforms.release.layout import (
    CROISSANT_FILE,
    LATEST_LINK,
    LICENSE_FILE,
    MANIFEST,
    README_FILE,
    SHA256SUMS,
    is_release_id,
    parquet_file,
    release_sort_key,
)
from transforms.release.manifest import check_manifest, check_sha256sums, release_files, short
from transforms.storage import (
    CHUNK,
    Location,
    TransferLimits,
    loads_metadata,
    open_location,
    point_link,
    sha256_file,
    write_bytes_atomic,
)

RERUN_HINT = "the partial download was kept for files that verified; rerun to retry"
DEFAULT_JOBS = 4
"""Files fetched at once: enough to fill a link whose single streams are slow, few enough for a
small server."""
TABLE_COMPANIONS = (SHA256SUMS, LICENSE_FILE, README_FILE, CROISSANT_FILE)
"""Fetched with any single table: the licence and the dataset card travel with the data."""


def download_release(
    source: StoreLike,
    release: str = "latest",
    dest_dir: str | os.PathLike[str] = ".",
    progress: bool = True,
    *,
    tables: Sequence[str] = (),
    jobs: int = DEFAULT_JOBS,
    limits: TransferLimits | None = None,
    chunk: int = CHUNK,
) -> Path:
    """Download ``release`` (an id or ``latest``) from ``source`` into ``dest_dir/<release_id>``.

    Resumes an earlier interrupted run, skips files already downloaded and verified,
    checks every file's size and sha256 against the manifest (itself checked against
    the store's index) and renames the finished directory into place. Returns its path.
    ``tables`` limits the download to those tables' Parquet files (plus the manifest, SHA256SUMS,
    LICENSE, README.md and croissant.json); ``jobs`` files are fetched at once; ``limits`` bound
    the transfers (deadline, minimum rate, retries). A complete download of the newest release
    in ``dest_dir`` also moves ``dest_dir/latest`` to it.

    Raises ReleaseNotFound for an unknown id (listing the available ones), PwcError when
    the transfer breaks past its retries (rerun to resume), TransferError past the deadline or
    below the minimum rate, IntegrityError when a file does not match, Interrupted on Ctrl-C.
    """
    store = open_location(source, limits)
    entry = find_release(store, release)
    rid = entry.release_id
    dest = Path(dest_dir)
    if dest.exists() and not dest.is_dir():
        raise PwcError(f"{dest}: is a file; expected the directory to download into (--to)")
    final = dest / rid
    manifest_bytes, files = _fetch_manifest(store, entry)
    wanted = _wanted_files(files, tables, store.describe(f"{rid}/{MANIFEST}"))
    complete = not tables

    present = _check_existing(final, files, wanted, complete)
    if present is not None and set(wanted) <= present:
        if complete:
            _point_latest(dest, rid)
        return final

    partial = dest / f".{rid}.partial"
    partial.mkdir(parents=True, exist_ok=True)
    for rel in release_files(partial):
        if rel not in files:  # left by an older run (e.g. a temp file); the partial dir is ours
            (partial / rel).unlink()

    todo = [rel for rel in wanted if rel not in (present or set())]
    hashes = _fetch_all(store, rid, todo, files, partial, chunk, jobs, progress)

    if SHA256SUMS in hashes:
        sums_problems = check_sha256sums(
            files, (partial / SHA256SUMS).read_text(encoding="utf-8", errors="replace")
        )
        if sums_problems:
            raise IntegrityError(
                f"{integrity_message(store.describe(rid), sums_problems)}; the release is broken at the source"
            )
    # The exact bytes the index vouches for: re-serialising could change them.
    write_bytes_atomic(partial / MANIFEST, manifest_bytes)
    if complete and present is None:
        # Checked whole before it appears: <dest>/<id> is absent or complete.
        report = verify_release(partial, trusted_sha256=hashes)
        if not report.ok:
            raise IntegrityError(f"{integrity_message(partial, report.problems)}; {RERUN_HINT}")
    _install(partial, final, [*todo, MANIFEST])
    if complete and present is not None:
        # Completed a directory that held some tables already: the whole of it is checked now.
        report = verify_release(final, trusted_sha256=hashes)
        if not report.ok:
            raise IntegrityError(f"{integrity_message(final, report.problems)}; {RERUN_HINT}")
    if complete:
        _point_latest(dest, rid)
    return final


def _wanted_files(files: Mapping[str, Any], tables: Sequence[str], where: str) -> list[str]:
    """Release-relative paths to fetch: every file, or the named tables' and their companions."""
    if not tables:
        return sorted(files)
    listed = sorted(
        rel.removeprefix("parquet/").removesuffix(".parquet") for rel in files if rel.startswith("parquet/")
    )
    unknown = [t for t in tables if parquet_file(t) not in files]
    if unknown:
        raise PwcError(f"{where}: no table {unknown[0]!r} in this release; tables: {', '.join(listed)}")
    chosen = {parquet_file(t) for t in tables} | {rel for rel in TABLE_COMPANIONS if rel in files}
    return sorted(chosen)


def _check_existing(
    final: Path, files: Mapping[str, Mapping[str, Any]], wanted: Iterable[str], complete: bool
) -> set[str] | None:
    """The wanted files ``final`` already holds, each matching the manifest; None when it does not
    exist. IntegrityError when anything in it differs from the release (never overwritten)."""
    if not final.exists():
        return None
    if not final.is_dir():
        raise PwcError(f"{final}: expected a release directory, found a file; move it away, then rerun")
    if complete:
        report = verify_release(final)
        if report.ok:
            return set(files)
    problems: list[str] = []
    present: set[str] = set()
    for rel in release_files(final):
        if rel not in files:
            problems.append(f"{rel}: not listed in {MANIFEST}")
            continue
        problem = _check_in_place(final / rel, rel, files[rel])
        if problem:
            problems.append(problem)
        elif rel in wanted:
            present.add(rel)
    if problems:
        raise IntegrityError(
            f"{integrity_message(final, problems)}; {final} already exists but does not verify: "
            "move it away or delete it, then rerun"
        )
    return present


def _install(partial: Path, final: Path, rels: Sequence[str]) -> None:
    """Put the verified files in place: one rename of the whole directory when ``final`` is new,
    else file by file (each one rename, the manifest last) into the files ``final`` holds."""
    try:
        if not final.exists():
            partial.rename(final)
            return
        for rel in sorted(set(rels), key=lambda r: r == MANIFEST):
            (final / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial / rel, final / rel)
        _remove_empty_tree(partial)
    except OSError as exc:
        raise PwcError(f"{final}: could not move the verified download into place ({exc})") from None


def _remove_empty_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            path.rmdir()
    root.rmdir()


def _point_latest(dest: Path, rid: str) -> None:
    """``dest/latest`` → the newest complete release downloaded into ``dest`` (so README
    snippets that say ``releases/latest/...`` work after a download too)."""
    newest = max(
        (p.name for p in dest.iterdir() if is_release_id(p.name) and (p / MANIFEST).is_file()),
        key=release_sort_key,
        default=rid,
    )
    if newest == rid:
        point_link(dest / LATEST_LINK, rid)


def fetch_release_files(
    store_url: str, release: str, rels: Sequence[str], dest: Path, *, in_place: bool = False
) -> dict[str, Path]:
    """Files of a release (paths relative to it), each checked against the manifest (itself
    checked against the index): ``{rel: local path}``. A file the manifest does not list is left
    out (an older schema may lack a table).

    Files land in ``dest/<release_id>/`` (not fetched again when they already match; a file there
    that does not match is fetched again, through a private folder and one rename).
    With ``in_place`` and a store on this machine's file system, each file is verified where it
    is and its own path is returned: nothing is copied (the build reads the previous release so).
    """
    store = open_location(store_url)
    entry = find_release(store, release)
    _, files = _fetch_manifest(store, entry)
    wanted = [rel for rel in rels if rel in files]
    local_root = store.local_path() if in_place else None
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
        final = dest / entry.release_id / rel
        out[rel] = final
        if final.is_file() and _check_in_place(final, rel, files[rel]) is None:
            continue  # already here and it matches the manifest
        # A file in ``dest`` that does not match is stale (a store wiped and rebuilt reuses ids),
        # and ``dest`` is shared by every build on this machine: each fetch goes to a private
        # folder and replaces the file in one rename once it verified, so two builds reading
        # the same previous release at once never write into one file.
        private = dest / f".fetch-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            _fetch_file(store, entry.release_id, rel, files[rel], private, CHUNK, lambda n: None)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(private / rel, final)
        except _Corrupt as exc:
            problems.append(str(exc))
        finally:
            shutil.rmtree(private, ignore_errors=True)
    if problems:
        raise IntegrityError(f"{integrity_message(store.describe(entry.release_id), problems)}; {RERUN_HINT}")
    return out


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


class _Cancelled(Exception):
    """Another file failed or the user interrupted: stop this transfer where it is."""


def _fetch_manifest(store: Location, entry: ReleaseEntry) -> tuple[bytes, dict[str, dict[str, Any]]]:
    data = read_manifest_bytes(store, entry)
    where = store.describe(f"{entry.release_id}/{MANIFEST}")
    manifest = loads_metadata(data, where)
    files, problems = check_manifest(manifest)
    if not problems and manifest.get("release_id") != entry.release_id:
        problems.append(
            f"{MANIFEST}: release_id is {manifest.get('release_id')!r}, expected {entry.release_id}"
        )
    if problems:
        raise IntegrityError(f"{integrity_message(where, problems)}; the release is broken at the source")
    return data, files


@dataclass
class _Outcome:
    rel: str
    sha256: str | None = None
    corrupt: str | None = None
    error: BaseException | None = None


def _fetch_all(
    store: Location,
    rid: str,
    rels: Sequence[str],
    files: Mapping[str, Mapping[str, Any]],
    partial: Path,
    chunk: int,
    jobs: int,
    progress: bool,
) -> dict[str, str]:
    """Fetch ``rels`` with ``jobs`` workers under one progress display; ``{rel: sha256}``.

    Workers are daemon threads: a transfer stalled in a socket read cannot keep the process
    alive once the command has given up. The first error (other than a corrupt file, which is
    collected and named) stops every other transfer.
    """
    total = sum(int(files[rel]["bytes"]) for rel in rels)
    stop = threading.Event()
    todo: queue.Queue[str] = queue.Queue()
    for rel in sorted(rels, key=lambda r: -int(files[r]["bytes"])):  # largest first: shortest total
        todo.put(rel)
    done: queue.Queue[_Outcome] = queue.Queue()
    hashes: dict[str, str] = {}
    problems: list[str] = []
    first_error: BaseException | None = None

    with _ProgressDisplay(progress, total, rid) as display:

        def work() -> None:
            while not stop.is_set():
                try:
                    rel = todo.get_nowait()
                except queue.Empty:
                    return
                advance = display.file(rel, int(files[rel]["bytes"]))
                outcome = _Outcome(rel)
                try:
                    outcome.sha256 = _fetch_file(
                        store, rid, rel, files[rel], partial, chunk, advance, stop=stop
                    )
                except _Corrupt as exc:
                    outcome.corrupt = str(exc)
                except Exception as exc:  # noqa: BLE001 -- handed to the main thread, which raises it
                    outcome.error = exc
                finally:
                    display.finish(rel)
                done.put(outcome)

        workers = [
            threading.Thread(target=work, name=f"download-{i}", daemon=True)
            for i in range(max(1, min(jobs, len(rels))))
        ]
        for w in workers:
            w.start()
        try:
            for _ in rels:
                outcome = _next_outcome(done, workers)
                if outcome is None:
                    break
                if outcome.sha256 is not None:
                    hashes[outcome.rel] = outcome.sha256
                elif outcome.corrupt is not None:
                    problems.append(outcome.corrupt)
                elif outcome.error is not None and not isinstance(outcome.error, _Cancelled):
                    first_error = first_error or outcome.error
                    stop.set()
        except KeyboardInterrupt:
            stop.set()
            for w in workers:
                w.join(timeout=2.0)
            raise Interrupted(
                f"interrupted: nothing incomplete is visible in {partial.parent}; what was fetched "
                f"is kept in {partial} (hidden) for the next run to resume"
            ) from None
    if first_error is not None:
        raise first_error
    if problems:
        raise IntegrityError(f"{integrity_message(store.describe(rid), problems)}; {RERUN_HINT}")
    return hashes


def _next_outcome(done: queue.Queue[_Outcome], workers: Sequence[threading.Thread]) -> _Outcome | None:
    """The next finished file; None once every worker has ended without a further outcome.

    Waits in short slices so that Ctrl-C reaches the main thread at once.
    """
    while True:
        try:
            return done.get(timeout=0.2)
        except queue.Empty:
            if not any(w.is_alive() for w in workers) and done.empty():
                return None


def _fetch_file(
    store: Location,
    rid: str,
    rel: str,
    entry: Mapping[str, Any],
    partial: Path,
    chunk: int,
    advance: Callable[[int], None],
    *,
    stop: threading.Event | None = None,
) -> str:
    """Bring ``partial/rel`` to the manifest's size and sha256; return the sha256.

    A transfer that breaks is resumed from the bytes already written, under the location's
    retry policy (urllib3 ``Retry``: the same budget and back-off as a failed request).
    """
    from urllib3.exceptions import MaxRetryError, ProtocolError

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
    retry = store.limits.retry_policy()
    while have < size:
        try:
            with store.stream(f"{rid}/{rel}", have, chunk) as stream:
                if stream.offset != have:  # the source restarted the file from its first byte
                    advance(-have)
                    have, h = 0, hashlib.sha256()
                with open(target, "r+b" if have else "wb") as out:
                    out.seek(have)
                    out.truncate()
                    for block in stream:
                        if stop is not None and stop.is_set():
                            raise _Cancelled(rel)
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
            if have < size:
                raise ConnectionError(f"the source ended the file after {have} of {size} bytes")
        except FileNotFoundError:
            raise IntegrityError(
                f"{rel}: listed in {MANIFEST} but missing from {store.describe(rid)}; the release is broken at the source"
            ) from None
        except ConnectionError as exc:
            try:
                retry = retry.increment(
                    method="GET", url=store.describe(f"{rid}/{rel}"), error=ProtocolError(exc)
                )
            except MaxRetryError:
                raise PwcError(
                    f"{rel}: download interrupted after {have} of {size} bytes ({exc}; "
                    f"{store.limits.retries} resumes tried); the partial download was kept in "
                    f"{partial}; rerun to resume"
                ) from None
            retry.sleep()
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


class _ProgressDisplay:
    """One rich display on stderr: a bar for the whole release and a line per file in flight.

    A no-op when disabled or stderr is not a terminal. Rich's ``Progress`` is safe to update
    from the worker threads.
    """

    def __init__(self, enabled: bool, total: int, label: str) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._escape = escape
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
        self.total = self.progress.add_task(label, total=total)
        self._files: dict[str, Any] = {}
        self._lock = threading.Lock()

    def file(self, rel: str, size: int) -> Callable[[int], None]:
        """A callback advancing ``rel``'s line and the total by n bytes."""
        task = self.progress.add_task(f"  {self._escape(rel)}", total=size)
        with self._lock:
            self._files[rel] = task

        def advance(n: int) -> None:
            self.progress.advance(task, n)
            self.progress.advance(self.total, n)

        return advance

    def finish(self, rel: str) -> None:
        with self._lock:
            task = self._files.pop(rel, None)
        if task is not None:
            self.progress.remove_task(task)

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()
