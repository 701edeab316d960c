"""The build's cache of previous-release files (one folder per machine) never serves a stale file.

A store that was wiped and rebuilt reuses release ids, and two stores can hold different releases
under one id: a cached file that does not match the manifest being read is fetched again, not
reported as a broken release (seen on the production profile after its bucket was recreated).
"""

from __future__ import annotations

from pathlib import Path

from tests.support.fake_release import write_fake_release
from transforms.client.download import fetch_release_files
from transforms.storage import sha256_file

RID = "2026-01-02.0"
REL = "parquet/results.parquet"


def test_a_stale_cached_file_of_another_store_is_fetched_again(tmp_path: Path) -> None:
    first, second, cache = tmp_path / "first", tmp_path / "second", tmp_path / "cache"
    write_fake_release(first, RID, results_rows=2000)
    write_fake_release(second, RID, results_rows=3000)
    got_first = fetch_release_files(str(first), RID, [REL], cache)[REL]
    assert sha256_file(got_first) == sha256_file(first / RID / REL)

    got_second = fetch_release_files(str(second), RID, [REL], cache)[REL]

    assert got_second == got_first  # the same cache path, now holding the second store's file
    assert sha256_file(got_second) == sha256_file(second / RID / REL)
    assert [p.name for p in cache.iterdir()] == [RID], "no private fetch folder is left behind"


def test_a_cached_file_that_matches_is_not_fetched_again(tmp_path: Path) -> None:
    store, cache = tmp_path / "store", tmp_path / "cache"
    write_fake_release(store, RID)
    path = fetch_release_files(str(store), RID, [REL], cache)[REL]
    before = path.stat().st_ino
    again = fetch_release_files(str(store), RID, [REL], cache)[REL]
    assert again.stat().st_ino == before
