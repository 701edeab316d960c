"""The release-contract helpers: ids, canonical JSON, SHA256SUMS, manifest, index."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from transforms.errors import PublishError, PwcError
from transforms.release import manifest as manifest_module
from transforms.release.layout import parse_release_id, release_sort_key
from transforms.release.manifest import (
    FileHashes,
    build_manifest,
    file_entry,
    index_entry,
    parse_sha256sums,
    updated_index,
    write_sha256sums,
)
from transforms.storage import canonical_json_bytes, read_json, sha256_file, write_json_atomic


def test_parse_release_id() -> None:
    assert parse_release_id("2026-01-02.0") == (date(2026, 1, 2), 0)
    assert parse_release_id("2026-01-02.10") == (date(2026, 1, 2), 10)


@pytest.mark.parametrize(
    "bad",
    [
        "2026-01-02",
        "2026-1-02.0",
        "2026-01-02.01",
        "2026-02-30.0",
        "2026-01-02.-1",
        "latest",
        " 2026-01-02.0",
    ],
)
def test_parse_release_id_rejects_bad_ids_naming_the_form(bad: str) -> None:
    with pytest.raises(PwcError, match=r"expected YYYY-MM-DD\.N") as info:
        parse_release_id(bad)
    assert repr(bad) in str(info.value)


def test_release_sort_key_orders_by_date_then_build_number() -> None:
    ids = ["2026-01-02.10", "2026-01-03.0", "2026-01-02.9", "2025-12-31.2", "2026-01-02.0"]
    assert sorted(ids, key=release_sort_key) == [
        "2025-12-31.2",
        "2026-01-02.0",
        "2026-01-02.9",
        "2026-01-02.10",
        "2026-01-03.0",
    ]


def test_canonical_json_is_stable_and_written_atomically(tmp_path: Path) -> None:
    a = {"b": [1, 2, {"z": 1, "a": "é"}], "a": None}
    b = {"a": None, "b": [1, 2, {"a": "é", "z": 1}]}
    data = canonical_json_bytes(a)
    assert data == canonical_json_bytes(b)
    assert data.endswith(b"}\n") and data.count(b"\n\n") == 0
    assert data.decode("utf-8") == json.dumps(b, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    target = tmp_path / "out.json"
    sha = write_json_atomic(target, a)
    assert target.read_bytes() == data
    assert sha == hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temp file left
    assert read_json(target) == a

    with pytest.raises(ValueError):
        canonical_json_bytes({"x": float("nan")})


def test_read_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "index.json"
    bad.write_text('{\n  "format": 1,\n}\n')
    with pytest.raises(
        PwcError, match=r"index\.json: expected JSON, found invalid content \(.* line 3 column 1\)"
    ):
        read_json(bad)


def _release_tree(root: Path) -> None:
    (root / "parquet").mkdir(parents=True)
    (root / "parquet" / "papers.parquet").write_bytes(b"PAR1 papers PAR1")
    (root / "parquet" / "results.parquet").write_bytes(b"PAR1 results PAR1" * 100)
    (root / "LICENSE").write_text("CC BY-SA 4.0\n")
    (root / "README.md").write_text("# release\n")
    (root / "manifest.json").write_text("{}\n")  # never listed


def test_sha256sums_is_accepted_by_the_real_sha256sum(tmp_path: Path) -> None:
    _release_tree(tmp_path)
    sums = write_sha256sums(tmp_path)
    text = sums.read_text()
    assert [line.split("  ")[1] for line in text.splitlines()] == [
        "LICENSE",
        "README.md",
        "parquet/papers.parquet",
        "parquet/results.parquet",
    ]
    parsed, problems = parse_sha256sums(text)
    assert problems == [] and parsed["LICENSE"] == sha256_file(tmp_path / "LICENSE")

    ok = subprocess.run(
        ["sha256sum", "--strict", "-c", "SHA256SUMS"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "parquet/results.parquet: OK" in ok.stdout

    (tmp_path / "parquet" / "results.parquet").write_bytes(b"tampered")
    bad = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1
    assert "parquet/results.parquet: FAILED" in bad.stdout


def test_sha256_file_and_file_entry(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 5000
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.bin").write_bytes(payload)
    expected = hashlib.sha256(payload).hexdigest()
    assert sha256_file(tmp_path / "sub" / "f.bin", chunk=1000) == expected
    assert file_entry(tmp_path, tmp_path / "sub" / "f.bin") == {
        "path": "sub/f.bin",
        "sha256": expected,
        "bytes": len(payload),
    }
    assert file_entry(tmp_path, "sub/f.bin")["path"] == "sub/f.bin"


def test_file_hashes_read_a_file_once_and_again_when_it_is_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.bin").write_bytes(b"first")
    read: list[str] = []

    def counting(path: Path, chunk: int = 1 << 20) -> str:
        read.append(Path(path).name)
        return sha256_file(path, chunk)

    monkeypatch.setattr(manifest_module, "sha256_file", counting)
    hashes = FileHashes(tmp_path)
    first = hashes.entry("sub/f.bin")
    assert first == file_entry(tmp_path, "sub/f.bin")
    assert hashes.entry(tmp_path / "sub" / "f.bin") == first
    write_sha256sums(tmp_path, hashes=hashes)
    assert read == ["f.bin", "f.bin"]  # one read for the cache, one by the uncached file_entry above

    (tmp_path / "sub" / "f.bin").write_bytes(b"second, longer")
    again = hashes.entry("sub/f.bin")
    assert again["sha256"] == hashlib.sha256(b"second, longer").hexdigest()
    assert again["bytes"] == len(b"second, longer")


def _manifest(root: Path, **tables: dict) -> dict:
    return build_manifest(
        root,
        release_id="2026-01-02.0",
        schema_version="1.0.0",
        created_at=datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=UTC),
        pipeline_version="0.1.0",
        tables=tables or {"papers": {"row_count": 1, "columns": [{"name": "paper_id", "type": "VARCHAR"}]}},
        inputs=[
            {"path": "b.json", "sha256": "1" * 64, "bytes": 2},
            {"path": "a.json", "sha256": "0" * 64, "bytes": 1},
        ],
        validation={"success": True},
    )


def test_build_manifest_lists_every_file_but_itself(tmp_path: Path) -> None:
    _release_tree(tmp_path)
    write_sha256sums(tmp_path)
    m = _manifest(tmp_path)
    assert [f["path"] for f in m["files"]] == [
        "LICENSE",
        "README.md",
        "SHA256SUMS",
        "parquet/papers.parquet",
        "parquet/results.parquet",
    ]
    assert m["created_at"] == "2026-01-02T03:04:05Z"
    assert m["license"]["id"] == "CC-BY-SA-4.0"
    assert [i["path"] for i in m["inputs"]] == ["a.json", "b.json"]
    papers = m["tables"]["papers"]
    assert papers["file"] == "parquet/papers.parquet"
    assert papers["sha256"] == sha256_file(tmp_path / "parquet" / "papers.parquet")
    assert papers["bytes"] == (tmp_path / "parquet" / "papers.parquet").stat().st_size
    assert canonical_json_bytes(m) == canonical_json_bytes(_manifest(tmp_path))  # reproducible


def test_build_manifest_refuses_a_missing_table_file(tmp_path: Path) -> None:
    _release_tree(tmp_path)
    with pytest.raises(
        PublishError, match=r"tables\.methods: expected parquet/methods\.parquet in .*, found no such file"
    ):
        _manifest(tmp_path, methods={"row_count": 0, "columns": []})


def test_index_keeps_releases_oldest_first_and_refuses_a_republish(tmp_path: Path) -> None:
    def entry(rid: str) -> dict:
        return index_entry(
            {
                "release_id": rid,
                "created_at": "x",
                "schema_version": "1.0.0",
                "tables": {"papers": {"row_count": 3}},
            },
            "a" * 64,
        )

    index = None
    for rid in ["2026-01-02.9", "2026-01-02.10", "2026-01-01.0"]:
        index = updated_index(index, entry(rid))
    assert index is not None
    assert [r["release_id"] for r in index["releases"]] == ["2026-01-01.0", "2026-01-02.9", "2026-01-02.10"]
    assert index["latest"] == "2026-01-02.10"
    assert index["format"] == 1 and index["releases"][0]["tables"] == {"papers": 3}
    with pytest.raises(PublishError, match="already in index.json: releases are immutable"):
        updated_index(index, entry("2026-01-02.9"))
