"""Failure paths and reproducibility, on real subsets of the 2020 dump (fast builds)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support.builds import CORRUPT, ROOT, build, make_source
from transforms.client.verify import verify_release
from transforms.errors import ResourceError, SourceError, ValidationFailed
from transforms.publish import store as store_module

pytestmark = pytest.mark.integration


def store_state(store: Path) -> dict[str, object]:
    """What a reader of the store can see."""
    visible = sorted(p.name for p in store.iterdir() if not p.name.startswith(".")) if store.exists() else []
    read = lambda name: (store / name).read_bytes() if (store / name).exists() else None
    return {"entries": visible, "index": read("index.json"), "latest": read("latest.json")}


def table_hashes(store: Path, release_id: str) -> dict[str, str]:
    manifest = json.loads((store / release_id / "manifest.json").read_text())
    return {name: t["sha256"] for name, t in manifest["tables"].items()}


def test_same_input_gives_byte_identical_parquet(small_source: Path, tmp_path: Path) -> None:
    a = build(small_source, tmp_path / "a", tmp_path / "wa", "2026-02-01.0")
    b = build(small_source, tmp_path / "b", tmp_path / "wb", "2026-02-01.0")
    assert table_hashes(a.store, a.release_id) == table_hashes(b.store, b.release_id)
    # And the DuckDB file carries the same rows (it is not byte-reproducible: it records write times).
    assert json.loads((a.release_dir / "manifest.json").read_text())["tables"]["results"]["row_count"] > 2000


def test_rebuild_takes_the_next_id_and_moves_latest(tiny_source: Path, tmp_path: Path) -> None:
    from transforms.config import Settings
    from transforms.pipeline import build_release

    s = Settings.load(source=str(tiny_source), store=str(tmp_path / "store"), work=str(tmp_path / "work"))
    from datetime import date

    ids = [build_release(s, day=date(2026, 3, 4)).release_id for _ in range(2)]
    assert ids == ["2026-03-04.0", "2026-03-04.1"]
    latest = json.loads((tmp_path / "store" / "latest.json").read_text())
    assert latest["release_id"] == "2026-03-04.1"
    # The local store's latest link followed latest.json (a relative link: the store can move).
    assert os.readlink(tmp_path / "store" / "latest") == "2026-03-04.1"
    assert (tmp_path / "store" / "latest" / "pwc.duckdb").is_file()
    assert table_hashes(tmp_path / "store", ids[0]).keys() == table_hashes(tmp_path / "store", ids[1]).keys()


def test_crash_in_the_middle_of_publishing_leaves_nothing_visible(
    tiny_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, work = tmp_path / "store", tmp_path / "work"
    build(tiny_source, store, work, "2026-04-01.0")
    before = store_state(store)

    real_copy = store_module._copy_file
    copied: list[Path] = []

    def crash_on_fourth(src: Path, dst: Path) -> None:
        if len(copied) == 3:
            raise OSError(28, "No space left on device (injected)")
        copied.append(dst)
        real_copy(src, dst)

    monkeypatch.setattr(store_module, "_copy_file", crash_on_fourth)
    # A full disk is one line naming the stage and where, not an OSError traceback.
    with pytest.raises(ResourceError, match=r"^publish: disk full writing under .*store"):
        build(tiny_source, store, work, "2026-04-02.0")
    assert len(copied) == 3  # the crash really happened mid-copy
    assert store_state(store) == before  # no partial release, index and latest untouched

    monkeypatch.setattr(store_module, "_copy_file", real_copy)
    after = build(tiny_source, store, work, "2026-04-02.0")
    assert verify_release(after.release_dir).ok
    assert json.loads((store / "latest.json").read_text())["release_id"] == "2026-04-02.0"
    assert not list((store / ".staging").iterdir())  # the crashed attempt's debris is gone


def test_crash_between_rename_and_index_update_converges(
    tiny_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, work = tmp_path / "store", tmp_path / "work"
    build(tiny_source, store, work, "2026-04-01.0")
    before = store_state(store)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("connection to the store lost (injected)")

    monkeypatch.setattr(store_module, "_update_index", crash)
    with pytest.raises(OSError, match="injected"):
        build(tiny_source, store, work, "2026-04-03.0")
    # The release directory is complete but not listed: readers (index/latest) do not see it.
    assert store_state(store)["index"] == before["index"]
    assert store_state(store)["latest"] == before["latest"]
    monkeypatch.undo()
    build(tiny_source, store, work, "2026-04-03.0")
    index = json.loads((store / "index.json").read_text())
    assert [r["release_id"] for r in index["releases"]] == ["2026-04-01.0", "2026-04-03.0"]


def test_a_failing_suite_blocks_publishing_with_a_clear_report(tiny_source: Path, tmp_path: Path) -> None:
    store, work = tmp_path / "store", tmp_path / "work"
    build(tiny_source, store, work, "2026-05-01.0")
    before = store_state(store)
    suites = tmp_path / "expectations"
    shutil.copytree(ROOT / "expectations", suites)
    suite = json.loads((suites / "results.json").read_text())
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "value", "min_value": 0, "max_value": 1},
            "meta": {"why": "Injected for the test: every value a fraction (false for real data)."},
        }
    )
    (suites / "results.json").write_text(json.dumps(suite))

    with pytest.raises(ValidationFailed) as failed:
        build(tiny_source, store, work, "2026-05-02.0", expectations=str(suites))
    message = str(failed.value)
    assert message.startswith("Great Expectations gate failed: 1 of ")
    assert "results: expect_column_values_to_be_between(value) failed" in message
    report = Path(message.rsplit("full report: ", 1)[1].strip())
    assert report.is_file() and json.loads(report.read_text())["success"] is False
    assert store_state(store) == before
    assert not (store / "2026-05-02.0").exists()


def test_a_corrupt_source_fails_the_build_naming_file_and_position(tmp_path: Path) -> None:
    store, work = tmp_path / "store", tmp_path / "work"
    good = make_source(tmp_path / "good", tiny=True)
    build(good, store, work, "2026-06-01.0")
    before = store_state(store)
    bad = make_source(tmp_path / "bad", tiny=True, extra={"leaderboards/example_json_format.json": CORRUPT})
    with pytest.raises(SourceError) as failed:
        build(bad, store, work, "2026-06-02.0")
    assert str(failed.value) == (
        "leaderboards/example_json_format.json: invalid JSON at line 27, column 13: "
        "parse error: invalid object key (must be a string) (top-level item 0)"
    )
    assert store_state(store) == before


def test_a_corrupt_gzip_dump_is_named(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", tiny=True)
    (src / "evaluation-tables.broken.json.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20)
    with pytest.raises(SourceError, match=r"^evaluation-tables\.broken\.json\.gz: "):
        build(src, tmp_path / "store", tmp_path / "work", "2026-06-03.0")


def test_a_catalog_dump_with_bad_json_is_named(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", tiny=True)
    (src / "methods.bad.json").write_text('[{"url": "https://paperswithcode.com/method/x", "name": "X"},]')
    with pytest.raises(SourceError, match=r"^methods\.bad\.json: cannot read as a methods dump"):
        build(src, tmp_path / "store", tmp_path / "work", "2026-06-04.0")


def test_object_storage_store_and_work_dir(tiny_source: Path, tmp_path: Path) -> None:
    """The fsspec path (as for s3:// or gs://), through fsspec's in-memory filesystem.

    The work dir is mirrored per stage, the release is uploaded with its manifest
    last, and a client lists and downloads it from the same URL.
    """
    import fsspec

    from transforms.client.download import download_release
    from transforms.client.store import list_releases
    from transforms.config import Settings
    from transforms.pipeline import build_release

    fs = fsspec.filesystem("memory")
    try:
        s = Settings.load(source=str(tiny_source), store="memory://pwc/releases", work="memory://pwc/work")
        result = build_release(s, release_id="2026-08-01.0")
        assert result.location == "memory://pwc/releases/2026-08-01.0"
        assert fs.exists("/pwc/releases/2026-08-01.0/manifest.json")
        assert not fs.exists("/pwc/work/2026-08-01.0")  # cleaned up after publishing
        assert [e.release_id for e in list_releases("memory://pwc/releases")] == ["2026-08-01.0"]
        local = download_release("memory://pwc/releases", "latest", tmp_path, progress=False)
        assert verify_release(local).ok
    finally:
        if fs.exists("/pwc"):
            fs.rm("/pwc", recursive=True)
