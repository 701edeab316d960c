"""Open releases for serving: resolved through the client, verified, read-only.

The site serves one release by default and any other release of the same store on request
(the release switcher). Each is opened once:

1. the store's index entry is found (``latest`` resolved) and the manifest checked against it;
2. a local release directory is verified file by file (``transforms.client.verify``); a remote
   store's ``pwc.duckdb`` is fetched into a cache directory and checked against the manifest by
   the client's download code. Either refuses a corrupt or stale copy with the client's message;
3. a release older than the site's schema (it lacks tables the pages read) is refused, naming
   the schema it has and the one it needs;
4. ``pwc.duckdb`` is ATTACHed read-only to an in-memory DuckDB database, and so is the release's
   site index file (``<cache_dir>/site-index/``; built first when it is not there, see
   :func:`transforms.publish.site_index.ensure_index_file`). A release built before the index
   moved out of it still holds the tables itself, and those are read.

Nothing is ever written into a release directory: DuckDB spills to a temporary directory.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from transforms.duck import Limits, apply_limits, sql_literal
from transforms.errors import IntegrityError, PwcError, ReleaseNotFound
from transforms.publish.site_index import (
    build_site_index,
    ensure_index_file,
    has_site_index,
    holds_site_index,
    index_file_name,
    index_file_release,
    tokens_macro_sql,
)

DUCKDB_FILE = "pwc.duckdb"
MANIFEST = "manifest.json"
RELEASE_CATALOG = "rel"
INDEX_CATALOG = "site"
SEARCH_PATH = f"memory.main,{INDEX_CATALOG}.main,{RELEASE_CATALOG}.main"
"""Where a page's unqualified names resolve: the server's own tables, the site index, the release."""
INDEX_DIR = "site-index"
"""The folder of the serving cache (``ServeConfig.cache_dir``) that holds the releases' site index files."""
MIN_SCHEMA = (1, 2)
"""The oldest release schema the pages can read (1.2.0: canonical metrics, ``leaderboards`` view,
id registry and redirects)."""


class StaleRelease(PwcError):
    """The release's schema is older than what the site reads."""

    exit_code = 1


@dataclass
class OpenRelease:
    """One release opened for serving; :meth:`cursor` gives each thread its own cursor."""

    release_id: str
    directory: Path | None
    """The local release directory (None when only ``pwc.duckdb`` was fetched from a remote store)."""
    manifest: dict[str, Any]
    con: duckdb.DuckDBPyConnection
    index_built_at_start: bool
    open_seconds: float
    files_url: str | None = None
    """Where the release's files can be downloaded directly (an http store), else served by the app."""
    cache: dict[str, Any] = field(default_factory=dict)
    """Page data computed once per release (home page lists, counts)."""
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the release (a DuckDB cursor is not shared between threads)."""
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = new_cursor(self.con)
            self._local.cursor = cur
        return cur

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``key`` is asked for; the release never changes."""
        if key not in self.cache:
            value = compute()
            with self._lock:
                self.cache.setdefault(key, value)
        return self.cache[key]

    @property
    def schema_version(self) -> str:
        return str(self.manifest.get("schema_version", ""))

    @property
    def created_at(self) -> str:
        return str(self.manifest.get("created_at", ""))

    @property
    def row_counts(self) -> dict[str, int]:
        tables = self.manifest.get("tables") or {}
        return {name: int(t.get("row_count", 0)) for name, t in tables.items() if isinstance(t, dict)}

    @property
    def files(self) -> list[dict[str, Any]]:
        """The manifest's files (path, bytes, sha256), the manifest itself first."""
        listed = [f for f in self.manifest.get("files", []) if isinstance(f, dict)]
        return [{"path": MANIFEST, "bytes": None, "sha256": None}, *listed]

    def close(self) -> None:
        self.con.close()


def new_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of ``con`` that reads the site index first, then the release's tables."""
    cur = con.cursor()
    cur.execute(f"SET search_path = {sql_literal(SEARCH_PATH)}")
    return cur


def check_schema(release_id: str, schema_version: str) -> None:
    """Refuse a release whose schema is older than :data:`MIN_SCHEMA` (or not SemVer)."""
    try:
        major, minor = (int(part) for part in schema_version.split(".")[:2])
    except ValueError:
        raise StaleRelease(
            f"{release_id}/{MANIFEST}: schema_version: expected MAJOR.MINOR.PATCH, found {schema_version!r}"
        ) from None
    need = ".".join(map(str, MIN_SCHEMA))
    if major != MIN_SCHEMA[0] or minor < MIN_SCHEMA[1]:
        raise StaleRelease(
            f"{release_id}: schema {schema_version} is not served: the site reads schema {MIN_SCHEMA[0]}.x "
            f"from {need}.0 on; serve a newer release (pwc-archive release list) or rebuild this one"
        )


def duckdb_sha256(manifest: dict[str, Any]) -> str | None:
    """The sha256 of the release's ``pwc.duckdb`` as its manifest lists it; None when it is not
    listed as a valid entry (the value names a file, see :func:`index_file_for`)."""
    from transforms.release.manifest import check_manifest

    entry = check_manifest(manifest)[0].get(DUCKDB_FILE)  # only entries with a well-formed sha256
    return str(entry["sha256"]) if entry else None


def open_duckdb(
    path: Path, release_id: str, limits: Limits, index_file: Path | None = None
) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """An in-memory database with the release ATTACHed read-only and the site index available:
    the release's own (a release from before the index moved out), else ``index_file`` (built
    first if missing), else built into memory (no ``index_file``: nowhere to keep it).

    Returns (connection, whether the site index had to be built now).
    """
    con = duckdb.connect(":memory:")
    try:
        apply_limits(con, limits)
        con.execute(f"ATTACH {sql_literal(str(path))} AS {RELEASE_CATALOG} (READ_ONLY)")
        built = False
        if has_site_index(con, RELEASE_CATALOG):
            con.execute(f"ATTACH ':memory:' AS {INDEX_CATALOG}")
        elif index_file is not None:
            # Every core and the build's memory for this one-off; the file is then only read.
            built = ensure_index_file(path, index_file, _index_limits(limits))
            con.execute(f"ATTACH {sql_literal(str(index_file))} AS {INDEX_CATALOG} (READ_ONLY)")
        else:
            con.execute(f"ATTACH ':memory:' AS {INDEX_CATALOG}")
            con.execute(f"USE {INDEX_CATALOG}")  # where the tables go; USE resets the search path
            con.execute(f"SET search_path = {sql_literal(SEARCH_PATH)}")
            apply_limits(con, _index_limits(limits))
            build_site_index(con)
            apply_limits(con, limits)
            con.execute("USE memory")
            built = True
        con.execute(f"SET search_path = {sql_literal(SEARCH_PATH)}")
        con.execute(tokens_macro_sql(temporary=False))
    except duckdb.Error as exc:
        con.close()
        raise PwcError(f"{path}: cannot be served ({exc}); verify the release (pwc-archive release verify)")
    except BaseException:
        con.close()
        raise
    return con, built


INDEX_MEMORY_LIMIT = "1GB"
"""DuckDB's memory while a server builds a release's site index: the build's default, not the
serving pool's (the index's ordered list aggregates need more than 512 MB at full scale). A
one-off, on a connection closed before the first page."""


def _index_limits(limits: Limits) -> Limits:
    """Every core and :data:`INDEX_MEMORY_LIMIT` for the one-off index build."""
    return Limits(INDEX_MEMORY_LIMIT, max(limits.threads, os.cpu_count() or 1), limits.spill_dir)


def index_file_for(index_dir: Path | None, release_id: str, manifest: dict[str, Any]) -> Path | None:
    """Where the site index of this release is kept (None: no folder, or no sha256 to name it by)."""
    sha = duckdb_sha256(manifest)
    return index_dir / index_file_name(release_id, sha) if index_dir is not None and sha else None


def _limits(memory_limit: str, threads: int, spill_root: Path) -> Limits:
    return Limits(memory_limit=memory_limit, threads=threads, spill_dir=spill_root)


def open_release_dir(
    directory: Path,
    *,
    memory_limit: str = "512MB",
    threads: int = 1,
    spill_root: Path | None = None,
    verify: bool = True,
    index_dir: Path | None = None,
) -> OpenRelease:
    """Verify and open a release directory (one downloaded with ``pwc-archive release download``).

    ``verify=False`` only where this process's parent verified the same directory just before.
    The site index is kept in ``index_dir`` (None: built into memory at every start).
    """
    from transforms.client.verify import verify_release_or_raise

    started = time.perf_counter()
    if verify:
        verify_release_or_raise(directory)
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    rid = str(manifest["release_id"])
    check_schema(rid, str(manifest.get("schema_version", "")))
    spill = spill_root or Path(tempfile.mkdtemp(prefix="pwc-site-"))
    limits = _limits(memory_limit, threads, spill / rid)
    con, built = open_duckdb(directory / DUCKDB_FILE, rid, limits, index_file_for(index_dir, rid, manifest))
    return OpenRelease(rid, directory, manifest, con, built, time.perf_counter() - started)


def open_store_release(
    store: str,
    release: str,
    *,
    cache_dir: Path,
    memory_limit: str = "512MB",
    threads: int = 1,
    spill_root: Path | None = None,
    verify: bool = True,
) -> OpenRelease:
    """Resolve ``release`` (an id or ``latest``) in ``store``, verify it and open it; its site
    index is kept in ``cache_dir/site-index/`` (and a remote store's ``pwc.duckdb`` in ``cache_dir``).

    ``verify=False`` skips re-hashing a local release's files, only where this process's parent
    verified them just before (the manifest is still checked against the index).
    """
    started = time.perf_counter()
    found = locate_release(store, release, cache_dir, verify=verify)
    spill = spill_root or Path(tempfile.mkdtemp(prefix="pwc-site-"))
    index_file = index_file_for(cache_dir / INDEX_DIR, found.release_id, found.manifest)
    con, built = open_duckdb(
        found.path, found.release_id, _limits(memory_limit, threads, spill / found.release_id), index_file
    )
    return OpenRelease(
        found.release_id,
        found.directory,
        found.manifest,
        con,
        built,
        time.perf_counter() - started,
        found.files_url,
    )


@dataclass(frozen=True)
class LocatedRelease:
    """A store's release, checked, with a local ``pwc.duckdb`` to open."""

    release_id: str
    manifest: dict[str, Any]
    directory: Path | None
    """The release directory of a local store (None for a remote one)."""
    path: Path
    """``pwc.duckdb``: in the local store, or fetched into the cache."""
    files_url: str | None


def locate_release(store: str, release: str, cache_dir: Path, *, verify: bool = True) -> LocatedRelease:
    """Resolve ``release`` (an id or ``latest``) in ``store``: its manifest checked against the
    index, its schema against the site's, a local release's files verified (``verify``) or a remote
    store's ``pwc.duckdb`` fetched into ``cache_dir`` through the client's checked download."""
    from transforms.client.download import fetch_release_files
    from transforms.client.store import find_release, read_manifest_bytes
    from transforms.client.verify import verify_release_or_raise
    from transforms.storage import open_location

    entry = find_release(store, release)
    rid = entry.release_id
    manifest = json.loads(read_manifest_bytes(store, entry))  # checked against the index's sha256
    if not isinstance(manifest, dict):
        raise IntegrityError(f"{rid}/{MANIFEST}: expected a JSON object")
    check_schema(rid, str(manifest.get("schema_version", "")))
    root = open_location(store).local_path()
    local = root / rid if root is not None else None
    files_url = None
    if local is not None:
        if verify:
            verify_release_or_raise(local)
        path = local / DUCKDB_FILE
    else:
        path = fetch_release_files(store, rid, [DUCKDB_FILE], cache_dir)[DUCKDB_FILE]
        if store.startswith(("http://", "https://")):
            files_url = f"{store.rstrip('/')}/{rid}"
    return LocatedRelease(rid, manifest, local, path, files_url)


def prepare_site_index(
    store: str, release: str, cache_dir: Path, limits: Limits
) -> tuple[str, Path | None, bool]:
    """Build the site index of a store's release where ``pwc-archive serve`` (with the same
    ``cache_dir``) will look for it, so that serving it starts at once (the nightly's last task).

    The release's files were verified when it was published, so they are not hashed again here.
    Returns (release id, the index file or None when the release holds its own index, built now).
    """
    found = locate_release(store, release, cache_dir, verify=False)
    if holds_site_index(found.path):
        return found.release_id, None, False
    index_file = index_file_for(cache_dir / INDEX_DIR, found.release_id, found.manifest)
    if index_file is None:
        raise IntegrityError(f"{found.release_id}/{MANIFEST}: lists no sha256 for {DUCKDB_FILE}")
    return found.release_id, index_file, ensure_index_file(found.path, index_file, limits)


KEEP_INDEXES = 3
"""Site index files the nightly keeps: those of the store's newest releases (an older release
opened from the switcher gets its file built again, and removed by the next nightly)."""


def prune_site_indexes(store: str, cache_dir: Path, keep: int = KEEP_INDEXES) -> list[Path]:
    """Remove from the serving cache what belongs to releases other than the store's ``keep``
    newest: their site index files (``cache_dir/site-index/``) and, for a remote store, their
    fetched ``pwc.duckdb`` (``cache_dir/<release id>/``). A server that has one open keeps reading
    it (the file lives on until closed). Returns what was removed."""
    import shutil

    from transforms.client.store import list_releases
    from transforms.release.layout import parse_release_id

    kept = {e.release_id for e in list_releases(store)[-keep:]}
    removed = []
    index_dir = cache_dir / INDEX_DIR
    for path in sorted(index_dir.iterdir() if index_dir.is_dir() else []):
        release_id = index_file_release(path.name)  # None: a lock file, removed with its index
        if release_id is not None and release_id not in kept:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".lock").unlink(missing_ok=True)
            removed.append(path)
    for folder in sorted(p for p in cache_dir.glob("*") if p.is_dir() and p.name not in kept):
        try:
            parse_release_id(folder.name)
        except PwcError:
            continue  # not a release's folder (site-index/, reference/, ...)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def default_cache_dir(work: str) -> Path:
    """The serving cache of a settings' work dir (``<work>/site-cache``; a temporary folder when the
    work dir is a URL): remote releases' ``pwc.duckdb`` and every release's site index. The
    nightly's ``site_index`` task and ``pwc-archive serve`` both use it, so serve finds the index
    the nightly built."""
    if "://" in work:
        return Path(tempfile.gettempdir()) / "pwc-site-cache"
    return Path(work) / "site-cache"


@dataclass(frozen=True)
class ServeConfig:
    """What ``pwc-archive serve`` serves."""

    store: str | None = None
    """A release store (directory, fsspec URL or http(s) base URL); None with ``release_dir``."""
    release: str = "latest"
    release_dir: Path | None = None
    """Serve this one release directory instead of a store."""
    submissions: str | None = None
    """Submissions root the submit form files uploads into (None: the submit form is closed)."""
    expectations: Path | None = None
    max_submission_bytes: int = 2_000_000
    cache_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "pwc-site-cache")
    memory_limit: str = "512MB"
    """DuckDB's buffer pool for every open release (the OS page cache holds the rest of the file)."""
    threads: int = 1
    """DuckDB threads per query: each page is a few small queries, and concurrent requests already
    use every core; more threads only add scheduling to each query."""
    request_threads: int = field(default_factory=lambda: (os.cpu_count() or 1) + 1)
    """Threads serving pages at once (a few more than cores: DuckDB reads without the GIL)."""
    max_open_releases: int = 3
    """Releases kept open at once (the default one always is); the least recently used closes."""
    verified: bool = False
    """The default release was verified by a parent process just before (worker processes)."""

    def to_json(self) -> str:
        """This configuration as JSON (handed to worker processes)."""
        import dataclasses

        return json.dumps(
            {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(self).items()}
        )

    @classmethod
    def from_json(cls, text: str) -> ServeConfig:
        values = json.loads(text)
        for key in ("release_dir", "expectations", "cache_dir"):
            if values.get(key) is not None:
                values[key] = Path(values[key])
        return cls(**values)


class Releases:
    """The default release, opened at start, and others of the same store opened on request."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.spill_root = Path(tempfile.mkdtemp(prefix="pwc-site-spill-"))
        if config.release_dir is not None:
            self.default = open_release_dir(
                config.release_dir,
                memory_limit=config.memory_limit,
                threads=config.threads,
                spill_root=self.spill_root,
                verify=not config.verified,
                index_dir=config.cache_dir / INDEX_DIR,
            )
        else:
            assert config.store is not None
            self.default = self._open(config.release, verify=not config.verified)
        self._others: OrderedDict[str, OpenRelease] = OrderedDict()
        self._lock = threading.Lock()
        self._opening: dict[str, threading.Lock] = {}

    def _open(self, release: str, verify: bool = True) -> OpenRelease:
        assert self.config.store is not None
        return open_store_release(
            self.config.store,
            release,
            cache_dir=self.config.cache_dir,
            memory_limit=self.config.memory_limit,
            threads=self.config.threads,
            spill_root=self.spill_root,
            verify=verify,
        )

    def listed(self) -> list[str]:
        """Release ids the switcher offers, newest first."""
        if self.config.store is None:
            return [self.default.release_id]
        from transforms.client.store import list_releases

        try:
            ids = [e.release_id for e in list_releases(self.config.store)]
        except PwcError:
            ids = []
        if self.default.release_id not in ids:
            ids.append(self.default.release_id)
        return list(reversed(ids))

    def get(self, release_id: str | None) -> OpenRelease:
        """The release ``release_id`` (None: the default); ReleaseNotFound when the store lacks it."""
        if release_id is None or release_id == self.default.release_id:
            return self.default
        if self.config.store is None:
            raise ReleaseNotFound(f"release {release_id}: this server serves only {self.default.release_id}")
        with self._lock:
            found = self._others.get(release_id)
            if found is not None:
                self._others.move_to_end(release_id)
                return found
            opening = self._opening.setdefault(release_id, threading.Lock())
        with opening:  # one thread opens it; the others wait for that one
            with self._lock:
                found = self._others.get(release_id)
            if found is not None:
                return found
            opened = self._open(release_id)
            with self._lock:
                self._others[release_id] = opened
                while len(self._others) > max(1, self.config.max_open_releases - 1):
                    _, oldest = self._others.popitem(last=False)
                    oldest.close()
            return opened

    def close(self) -> None:
        for release in [self.default, *self._others.values()]:
            release.close()
        self._others.clear()
        import shutil

        shutil.rmtree(self.spill_root, ignore_errors=True)
