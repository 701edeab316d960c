"""The release a submission is compared with: names for "did you mean", values for conflicts.

The validator reads the latest release's ``pwc.duckdb`` (tasks, datasets,
metrics, results), through the client's one verified fetch: a local store is
read in place, any other store (fsspec URL, http) is fetched once into a cache
directory; either way the file is checked against the manifest's sha256 first.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from transforms.errors import ReleaseNotFound
from transforms.release.layout import DUCKDB_FILE, parquet_file


@dataclass(frozen=True)
class Reference:
    """A published release, opened for comparisons."""

    release_id: str
    duckdb_path: Path


def open_reference(store: str, release: str = "latest", cache_dir: Path | None = None) -> Reference | None:
    """The release ``release`` of ``store``; None when the store has no release yet.

    Raises ReleaseNotFound for an explicit id that is not in the store, and
    PwcError/IntegrityError when the store is unreadable or the file is corrupt.
    """
    from transforms.client.store import find_release, list_releases

    try:
        entries = list_releases(store)
    except ReleaseNotFound:
        if release != "latest":
            raise
        return None  # no index.json: nothing has been published yet
    if not entries:
        return None
    from transforms.client.download import fetch_release_files

    entry = find_release(store, release)
    cache = cache_dir or Path(tempfile.gettempdir()) / "pwc-archive-reference"
    found = fetch_release_files(store, entry.release_id, [DUCKDB_FILE], cache, in_place=True)
    if DUCKDB_FILE not in found:
        raise ReleaseNotFound(f"{entry.release_id}: its manifest lists no {DUCKDB_FILE}")
    return Reference(entry.release_id, found[DUCKDB_FILE])


def published_submissions(store: str, release_id: str) -> dict[str, str]:
    """submission id -> first release, from release ``release_id``'s ``submissions`` table.

    Empty for a release from before submissions were published (schema < 1.1).
    """
    import pyarrow.parquet as pq

    from transforms.client.download import fetch_release_files
    from transforms.client.store import find_release

    entry = find_release(store, release_id)
    if "submissions" not in entry.tables:
        return {}
    rel = parquet_file("submissions")
    cache = Path(tempfile.gettempdir()) / "pwc-archive-reference"
    path = fetch_release_files(store, entry.release_id, [rel], cache, in_place=True)[rel]
    # One thread: a pyarrow thread pool still winding down at exit can abort a short CLI process.
    table = pq.read_table(path, columns=["submission_id", "first_release"], use_threads=False)
    ids = table.column("submission_id").to_pylist()
    firsts = table.column("first_release").to_pylist()
    return {str(s): str(f) for s, f in zip(ids, firsts, strict=True)}
