"""download_release over a real local HTTP server (with Range) and from a local directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support.fake_release import write_fake_release
from tests.support.http_server import FileServer, serve_directory
from transforms.client.download import download_release
from transforms.client.store import list_releases, read_manifest, resolve_release_id
from transforms.client.verify import verify_release
from transforms.errors import IntegrityError, PwcError, ReleaseNotFound
from transforms.storage import TransferLimits

pytestmark = pytest.mark.integration

OLD, NEW = "2026-01-02.9", "2026-01-02.10"
RESULTS = f"{NEW}/parquet/results.parquet"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    write_fake_release(root, OLD, results_rows=100)
    write_fake_release(root, NEW)
    return root


@pytest.fixture
def server(store: Path) -> Iterator[FileServer]:
    with serve_directory(store) as srv:
        yield srv


def _size(store: Path, rel: str) -> int:
    return (store / rel).stat().st_size


def test_download_over_http_verifies(server: FileServer, store: Path, tmp_path: Path) -> None:
    out = download_release(server.url, NEW, tmp_path, progress=False)
    assert out == tmp_path / NEW
    assert verify_release(out).ok
    assert (out / "manifest.json").read_bytes() == (store / NEW / "manifest.json").read_bytes()
    assert not (tmp_path / f".{NEW}.partial").exists()
    rows = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/parquet/results.parquet')").fetchone()
    assert rows == (3000,)

    # A second run finds the verified directory and transfers no release file.
    before = len(server.log)
    assert download_release(server.url, NEW, tmp_path, progress=False) == out
    assert all(not r.path.startswith(f"{NEW}/parquet") for r in server.log[before:])


def test_latest_resolves_to_the_newest_release(server: FileServer, store: Path, tmp_path: Path) -> None:
    assert [e.release_id for e in list_releases(server.url)] == [OLD, NEW]
    assert resolve_release_id(server.url, "latest") == NEW
    assert resolve_release_id(store, OLD) == OLD
    assert read_manifest(server.url, "latest")["release_id"] == NEW
    assert download_release(server.url, dest_dir=tmp_path, progress=False) == tmp_path / NEW


def test_unknown_release_lists_the_available_ones(server: FileServer, tmp_path: Path) -> None:
    with pytest.raises(
        ReleaseNotFound, match=rf"release 2025-01-01\.0 not found in .*index\.json; available: {OLD}, {NEW}$"
    ):
        download_release(server.url, "2025-01-01.0", tmp_path, progress=False)
    with pytest.raises(PwcError, match=r"expected YYYY-MM-DD\.N"):
        download_release(server.url, "yesterday", tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_store_without_index_says_so(tmp_path: Path) -> None:
    with (
        serve_directory(tmp_path) as srv,
        pytest.raises(ReleaseNotFound, match=r"index\.json: not found") as info,
    ):
        list_releases(srv.url)
    assert str(info.value).startswith(f"{srv.url}/index.json: not found; expected a release store")


def test_dropped_connection_is_resumed_in_the_same_run_with_a_range_request(
    server: FileServer, store: Path, tmp_path: Path
) -> None:
    size = _size(store, RESULTS)
    server.fail_after_bytes[RESULTS] = size // 3

    out = download_release(server.url, NEW, tmp_path, progress=False)
    assert verify_release(out).ok
    results = server.requests_for(RESULTS)
    assert [(r.range, r.status) for r in results] == [(None, 200), (f"bytes={size // 3}-", 206)]
    assert sum(r.body_bytes for r in results) == size < 2 * size


def test_connection_that_keeps_breaking_stops_after_the_retries_and_a_rerun_resumes(
    server: FileServer, store: Path, tmp_path: Path
) -> None:
    size = _size(store, RESULTS)
    step = size // 10
    server.fail_after_bytes[RESULTS] = [step] * 4  # one first try + 3 resumes, each breaking again
    limits = TransferLimits(retries=3, backoff=0.0)

    with pytest.raises(
        PwcError,
        match=rf"^parquet/results\.parquet: download interrupted after {4 * step} of {size} bytes "
        r".*3 resumes tried.*rerun to resume",
    ):
        download_release(server.url, NEW, tmp_path, progress=False, limits=limits)
    partial = tmp_path / f".{NEW}.partial"
    assert (partial / "parquet" / "results.parquet").stat().st_size == 4 * step
    assert not (tmp_path / NEW).exists()
    assert [p.name for p in tmp_path.iterdir()] == [partial.name]  # nothing visible
    n_before = len(server.log)
    # Files kept complete in the hidden partial folder (a 200 in the log only says a transfer began:
    # a file still in flight when the download stopped is fetched again, as it should be).
    completed = {
        f"{NEW}/{p.relative_to(partial).as_posix()}"
        for p in (partial / "parquet").iterdir()
        if f"{NEW}/parquet/{p.name}" != RESULTS
        and p.stat().st_size == _size(store, f"{NEW}/parquet/{p.name}")
    }
    assert completed  # the other files were fetched meanwhile

    out = download_release(server.url, NEW, tmp_path, progress=False)
    assert verify_release(out).ok
    results = server.requests_for(RESULTS)
    assert [r.range for r in results][-1] == f"bytes={4 * step}-"
    assert sum(r.body_bytes for r in results) == size
    # Files that had completed before the interruption were not fetched again.
    assert not completed & {r.path for r in server.log[n_before:]}


def test_resume_restarts_the_file_when_the_server_ignores_range(
    server: FileServer, store: Path, tmp_path: Path
) -> None:
    size = _size(store, RESULTS)
    server.fail_after_bytes[RESULTS] = 1000
    server.ignore_range.add(RESULTS)

    out = download_release(server.url, NEW, tmp_path, progress=False)
    assert verify_release(out).ok
    results = server.requests_for(RESULTS)
    assert [(r.range, r.status, r.body_bytes) for r in results] == [
        (None, 200, 1000),
        ("bytes=1000-", 200, size),
    ]


def test_corrupted_file_is_refused_and_named(server: FileServer, tmp_path: Path) -> None:
    server.corrupt.add(RESULTS)
    with pytest.raises(
        IntegrityError,
        match=r"^parquet/results\.parquet: sha256 mismatch \(expected \w{12}…, found \w{12}…\) .*"
        r"the partial download was kept for files that verified; rerun to retry$",
    ):
        download_release(server.url, NEW, tmp_path, progress=False)
    assert not (tmp_path / NEW).exists()
    partial = tmp_path / f".{NEW}.partial"
    assert not (partial / "parquet" / "results.parquet").exists()
    assert (partial / "parquet" / "papers.parquet").is_file()

    # Once the source serves the right bytes, a rerun fetches only what is missing.
    server.corrupt.clear()
    before = len(server.log)
    out = download_release(server.url, NEW, tmp_path, progress=False)
    assert verify_release(out).ok
    assert [r.path for r in server.log[before:] if "/parquet/" in r.path] == [RESULTS]


def test_existing_damaged_destination_is_not_overwritten(server: FileServer, tmp_path: Path) -> None:
    out = download_release(server.url, OLD, tmp_path, progress=False)
    readme = out / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"#", b"="))  # same size, other bytes
    with pytest.raises(
        IntegrityError, match=r"^README\.md: sha256 mismatch .*already exists but does not verify"
    ):
        download_release(server.url, OLD, tmp_path, progress=False)


def test_local_directory_source(store: Path, tmp_path: Path) -> None:
    out = download_release(store, "latest", tmp_path / "dl", progress=False)
    assert out == tmp_path / "dl" / NEW
    assert verify_release(out).ok


def test_local_source_resumes_from_a_partial_file(store: Path, tmp_path: Path) -> None:
    partial = tmp_path / f".{OLD}.partial" / "parquet"
    partial.mkdir(parents=True)
    src = (store / OLD / "parquet" / "papers.parquet").read_bytes()
    (partial / "papers.parquet").write_bytes(src[:100])
    (partial / "models.parquet").write_bytes(b"garbage that is not a prefix")
    with pytest.raises(IntegrityError, match=r"^parquet/models\.parquet: sha256 mismatch"):
        download_release(str(store), OLD, tmp_path, progress=False)
    assert (partial / "papers.parquet").read_bytes() == src
    out = download_release(str(store), OLD, tmp_path, progress=False)
    assert verify_release(out).ok


def test_fsspec_url_source(store: Path, tmp_path: Path) -> None:
    import fsspec

    mem = fsspec.filesystem("memory")
    mem.put(str(store), "/pwc-store", recursive=True)
    try:
        assert [e.release_id for e in list_releases("memory://pwc-store")] == [OLD, NEW]
        out = download_release("memory://pwc-store", OLD, tmp_path, progress=False)
        assert verify_release(out).ok
        assert download_release(f"file://{store}", NEW, tmp_path, progress=False) == tmp_path / NEW
    finally:
        mem.rm("/pwc-store", recursive=True)


def test_manifest_paths_escaping_the_release_are_refused(tmp_path: Path) -> None:
    from transforms.storage import read_json, write_json_atomic

    store = tmp_path / "store"
    release = write_fake_release(store, OLD, results_rows=10)
    manifest = read_json(release / "manifest.json")
    manifest["files"].append({"path": "../../escaped.txt", "sha256": "0" * 64, "bytes": 1})
    sha = write_json_atomic(release / "manifest.json", manifest)
    index = read_json(store / "index.json")
    index["releases"][0]["manifest_sha256"] = sha
    write_json_atomic(store / "index.json", index)
    write_json_atomic(store / "latest.json", {"release_id": OLD, "manifest_sha256": sha})

    with pytest.raises(
        IntegrityError,
        match=r"^manifest\.json: files\[\d+\]\.path: '\.\./\.\./escaped\.txt': expected a relative path",
    ):
        download_release(store, "latest", tmp_path / "dl", progress=False)
    assert not (tmp_path / "dl").exists()


def test_manifest_that_differs_from_the_index_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    release = write_fake_release(store, OLD, results_rows=10)
    (release / "manifest.json").write_bytes(
        (release / "manifest.json").read_bytes().replace(b"0.1.0", b"0.1.1")
    )
    with pytest.raises(
        IntegrityError, match=r"^manifest\.json: sha256 mismatch \(expected \w{12}… from index\.json"
    ):
        download_release(store, OLD, tmp_path / "dl", progress=False)


def test_dropped_connections_and_busy_answers_are_retried_with_back_off(
    server: FileServer, store: Path, tmp_path: Path
) -> None:
    """urllib3's Retry in the session's HTTPAdapter: a connection closed before any answer and
    429/503/500 answers are asked again, with back-off, until the file comes."""
    server.faults["index.json"] = ["drop", "503"]
    server.faults[RESULTS] = ["503", "drop", "429", "500"]
    limits = TransferLimits(retries=5, backoff=0.05)

    out = download_release(server.url, NEW, tmp_path, progress=False, limits=limits)

    assert verify_release(out).ok
    assert [r.status for r in server.requests_for("index.json")] == [0, 503, 200]  # 0: dropped
    assert [r.status for r in server.requests_for(RESULTS)] == [503, 0, 429, 500, 200]
    assert [r.range for r in server.requests_for(RESULTS)] == [None] * 5


def test_a_server_that_stays_busy_is_one_line_after_the_retries(server: FileServer, tmp_path: Path) -> None:
    server.faults[RESULTS] = ["503"] * 10
    limits = TransferLimits(retries=2, backoff=0.0)
    with pytest.raises(PwcError, match=r"results\.parquet: expected HTTP 200, found 503 .* after retries$"):
        download_release(server.url, NEW, tmp_path, progress=False, limits=limits)
    assert [r.status for r in server.requests_for(RESULTS)] == [503, 503, 503]
    assert not (tmp_path / NEW).exists()
