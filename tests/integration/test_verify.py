"""verify_release on a real release directory (real Parquet and DuckDB files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.fake_release import write_fake_release
from transforms.client.verify import verify_release, verify_release_or_raise
from transforms.errors import IntegrityError

pytestmark = pytest.mark.integration

RID = "2026-01-02.0"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fake_release(tmp_path_factory.mktemp("store"), RID)


@pytest.fixture
def release(pristine: Path, tmp_path: Path) -> Path:
    """A private copy each test may damage."""
    return Path(shutil.copytree(pristine, tmp_path / RID))


def test_intact_release_verifies(release: Path) -> None:
    report = verify_release(release)
    assert report.ok, report.problems
    assert report.problems == []
    assert report.checked == 13  # 8 tables, pwc.duckdb, LICENSE, README.md, validation.json, SHA256SUMS
    assert verify_release_or_raise(release).ok


def test_one_flipped_byte_in_a_parquet_file_is_named(release: Path) -> None:
    path = release / "parquet" / "results.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    report = verify_release(release)
    assert not report.ok
    assert len(report.problems) == 1
    assert report.problems[0].startswith("parquet/results.parquet: sha256 mismatch (expected ")
    with pytest.raises(IntegrityError, match=r"^parquet/results\.parquet: sha256 mismatch .*\(1 problem in "):
        verify_release_or_raise(release)


def test_missing_file_is_named(release: Path) -> None:
    (release / "pwc.duckdb").unlink()
    report = verify_release(release)
    assert not report.ok
    assert report.problems == ["pwc.duckdb: missing (listed in manifest.json)"]


def test_truncated_file_reports_size(release: Path) -> None:
    path = release / "parquet" / "tasks.parquet"
    path.write_bytes(path.read_bytes()[:-3])
    assert any(p.startswith("parquet/tasks.parquet: size mismatch") for p in verify_release(release).problems)


def test_extra_file_is_named(release: Path) -> None:
    (release / "parquet" / "notes.txt").write_text("not part of the release\n")
    report = verify_release(release)
    assert not report.ok
    assert report.problems == [
        "parquet/notes.txt: not listed in manifest.json (a release directory holds only listed files)"
    ]


def test_edited_sha256sums_is_named(release: Path) -> None:
    sums = release / "SHA256SUMS"
    lines = sums.read_text().splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.endswith("  parquet/papers.parquet\n"))
    lines[i] = "0" * 64 + "  parquet/papers.parquet\n"
    sums.write_text("".join(lines))

    report = verify_release(release)
    assert not report.ok
    assert any(p.startswith("SHA256SUMS: sha256 mismatch") for p in report.problems)
    assert "SHA256SUMS: parquet/papers.parquet has sha256 000000000000… but manifest.json says" in "\n".join(
        report.problems
    )
    with pytest.raises(IntegrityError, match=r"\(1 of 2 problems in "):
        verify_release_or_raise(release)


def test_missing_or_broken_manifest(release: Path) -> None:
    manifest = release / "manifest.json"
    manifest.write_text('{"release_id": ')
    report = verify_release(release)
    assert not report.ok and report.problems[0].startswith(
        "manifest.json: expected JSON, found invalid content"
    )
    manifest.unlink()
    assert verify_release(release).problems == [
        "manifest.json: missing (a release is complete only once it has one)"
    ]


def test_manifest_for_another_release_is_named(release: Path, tmp_path: Path) -> None:
    moved = release.rename(tmp_path / "2026-01-02.1")
    assert verify_release(moved).problems == [
        "manifest.json: release_id is '2026-01-02.0' but the directory is 2026-01-02.1"
    ]
