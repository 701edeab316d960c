"""The build at scale: deterministic with duplicated source records, bounded memory, clear limits.

Input: ``benchmarks/gen_scale.py`` at a small scale (the shape of the final 2025 dumps, built from
real rows), with every catalogue dump given duplicate records that share a key but differ in
their other fields (and one exact duplicate each), as the real dumps have.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.builds import ROOT, Built, build
from transforms.errors import ResourceError

pytestmark = pytest.mark.integration

SCALE = "0.01"
DUMPS = ("papers-with-abstracts", "links-between-papers-and-code", "methods", "datasets")


def _read(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data: list[dict[str, Any]] = json.load(fh)
    return data


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(records, fh)


def _variant(dump: str, record: dict[str, Any], n: int) -> dict[str, Any]:
    """The same entity (same key fields) with other values in every other field."""
    copy = dict(record)
    if dump == "papers-with-abstracts":
        copy["title"] = f"{record.get('title') or 'Untitled'} (duplicate record {n})"
        copy["abstract"] = f"Another abstract of the same paper, record {n}."
        copy["authors"] = list(reversed(record.get("authors") or ["Someone Else"]))
        copy["proceeding"] = f"Venue {n}"
    elif dump == "links-between-papers-and-code":
        copy["is_official"] = not record.get("is_official")
        copy["framework"] = "jax" if record.get("framework") != "jax" else "tf"
        copy["mentioned_in_paper"] = not record.get("mentioned_in_paper")
    elif dump == "methods":
        copy["description"] = f"Another description, record {n}."
        copy["full_name"] = f"{record.get('full_name') or record['name']} (duplicate {n})"
    else:
        copy["full_name"] = f"{record.get('full_name') or record['name']} (duplicate {n})"
        copy["homepage"] = f"https://example.org/duplicate-{n}"
    return copy


def duplicate_records(source: Path) -> dict[str, list[list[dict[str, Any]]]]:
    """Give every catalogue dump duplicates: for every 10th record, one variant placed before it,
    one after the end, and one exact copy. Returns, per dump, the groups of records of one key."""
    groups: dict[str, list[list[dict[str, Any]]]] = {}
    for dump in DUMPS:
        path = source / f"{dump}.json.gz"
        records = _read(path)
        out: list[dict[str, Any]] = []
        tail: list[dict[str, Any]] = []
        groups[dump] = []
        for i, record in enumerate(records):
            if i % 10 == 0:
                early, late = _variant(dump, record, 1), _variant(dump, record, 2)
                out += [early, record]
                tail += [late, dict(record)]
                groups[dump].append([record, early, late])
            else:
                out.append(record)
        _write(path, out + tail)
    return groups


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("scaled") / "source"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gen_scale.py"), "--scale", SCALE, "--out", str(out)],
        check=True,
        capture_output=True,
    )
    (out / "gen_scale.txt").unlink()
    return out, duplicate_records(out)


@pytest.fixture(scope="module")
def first(scaled: tuple[Path, Any], tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("first")
    return build(scaled[0], base / "store", base / "work", "2026-05-01.0", threads=4)


def _parquet_hashes(release_dir: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((release_dir / "parquet").glob("*.parquet"))
    }


def test_identical_rebuild_gives_identical_parquet(
    scaled: tuple[Path, Any], first: Built, tmp_path: Path
) -> None:
    again = build(scaled[0], tmp_path / "store", tmp_path / "work", "2026-05-01.0", threads=1)
    assert _parquet_hashes(again.release_dir) == _parquet_hashes(first.release_dir)


def test_a_release_on_top_of_an_identical_build_changes_nothing(
    scaled: tuple[Path, Any], first: Built
) -> None:
    second = build(scaled[0], first.store, first.work, "2026-05-02.0")
    con = duckdb.connect(str(second.release_dir / "pwc.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM changes").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM id_redirects").fetchone() == (0,)
        for table in ("papers", "code_links", "methods", "datasets", "results"):
            key = {"papers": "paper_id", "code_links": "code_link_id", "methods": "method_id"}.get(
                table, "dataset_id" if table == "datasets" else "result_id"
            )
            old = first.release_dir / "parquet" / f"{table}.parquet"
            missing = con.execute(
                f"SELECT count(*) FROM read_parquet($p) AS o ANTI JOIN {table} AS n USING ({key})",
                {"p": str(old)},
            ).fetchone()
            assert missing == (0,), table
    finally:
        con.close()
    # Same ids and values: only the release id in the files' metadata differs.
    assert (second.release_dir / "parquet" / "papers.parquet").stat().st_size == (
        first.release_dir / "parquet" / "papers.parquet"
    ).stat().st_size


def test_duplicate_records_are_never_mixed(scaled: tuple[Path, Any], first: Built) -> None:
    groups = scaled[1]
    con = duckdb.connect(str(first.release_dir / "pwc.duckdb"), read_only=True)
    try:
        papers = {
            r[0]: r[1:]
            for r in con.execute("SELECT arxiv_id, title, abstract, proceeding FROM papers").fetchall()
        }
        checked = 0
        for group in groups["papers-with-abstracts"]:
            arxiv = group[0].get("arxiv_id")
            if not arxiv or arxiv.startswith("0000") or arxiv not in papers:
                continue
            title, abstract, proceeding = papers[arxiv]
            # The published title, abstract and venue are those of one record, never a mix.
            assert any(
                (r.get("abstract"), r.get("proceeding")) == (abstract, proceeding)
                and (r.get("title") or "").strip() == title
                for r in group
            ), arxiv
            checked += 1
        assert checked >= 50
        links = {
            (r[0], r[1]): r[2:]
            for r in con.execute(
                "SELECT p.arxiv_id, c.repo_url, c.is_official, c.framework, c.mentioned_in_paper "
                "FROM code_links AS c JOIN papers AS p USING (paper_id) WHERE p.arxiv_id IS NOT NULL"
            ).fetchall()
        }
        checked = 0
        for group in groups["links-between-papers-and-code"]:
            key = (group[0].get("paper_arxiv_id"), _repo(group[0]["repo_url"]))
            if key not in links:
                continue
            # The link's flags are those of one record of the group, never a mix of two.
            assert any(
                (r["is_official"], r["framework"], r["mentioned_in_paper"]) == links[key] for r in group
            ), key
            checked += 1
        assert checked >= 50
    finally:
        con.close()


def test_the_build_keeps_to_its_memory_limit(scaled: tuple[Path, Any], tmp_path: Path) -> None:
    """Peak RSS of a whole build, measured in this process, is the limit plus a fixed overhead."""
    import great_expectations  # noqa: F401  (loaded before the window: it is the same in any build)

    limit_mb, overhead_mb = 128, 450
    before = _rss_mb()
    if not _reset_peak():
        pytest.skip("needs /proc/self/clear_refs to measure a peak")
    build(scaled[0], tmp_path / "store", tmp_path / "work", "2026-05-03.0", memory_limit=f"{limit_mb}MB")
    peak = _peak_mb()
    assert peak - before <= limit_mb + overhead_mb, (before, peak)


def test_a_tiny_memory_limit_spills_or_fails_with_one_line(scaled: tuple[Path, Any], tmp_path: Path) -> None:
    env = {**os.environ, "PWC_MEMORY_LIMIT": "24MB"}
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "pwc-archive"),
            "release",
            "build",
            "--source",
            str(scaled[0]),
            "--store",
            str(tmp_path / "store"),
            "--work",
            str(tmp_path / "work"),
            "--release-id",
            "2026-05-04.0",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        assert (tmp_path / "store" / "2026-05-04.0" / "manifest.json").is_file()
        return
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    assert "out of memory at DuckDB's memory_limit of 24MB" in errors[0]
    assert "PWC_MEMORY_LIMIT" in errors[0]
    assert not (tmp_path / "store" / "2026-05-04.0").exists()


def test_out_of_memory_names_the_stage_the_limit_and_the_setting(
    scaled: tuple[Path, Any], tmp_path: Path
) -> None:
    store = tmp_path / "store"
    with pytest.raises(ResourceError) as caught:
        build(scaled[0], store, tmp_path / "work", "2026-05-05.0", memory_limit="1MB")
    message = str(caught.value)
    assert message.split(":")[0] in ("ingest", "normalize", "build", "export", "validate")
    assert "memory_limit of 1MB" in message and "PWC_MEMORY_LIMIT" in message
    assert "\n" not in message
    assert not store.exists() or not any(store.iterdir())


def _repo(url: str) -> str:
    """The release's spelling of a repository URL (the norm_url macro)."""
    url = re.sub(r"^(https?://)?(www\.)?", "https://", url.strip())
    return re.sub(r"(/+|\.git)$", "", url)


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise AssertionError(field)


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False
