"""The pwc-archive command: exit codes and exact messages, on a real release and HTTP server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.builds import CORRUPT, ROOT, Built, make_source
from tests.support.http_server import serve_directory
from transforms.cli import app

pytestmark = pytest.mark.integration

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def build(source: Path, tmp_path: Path, release_id: str) -> tuple[int, str, str]:
    """``pwc-archive release build`` into tmp store/work dirs."""
    return run(
        "release", "build", "--source", str(source), "--store", str(tmp_path / "s"),
        "--work", str(tmp_path / "w"), "--release-id", release_id,
    )  # fmt: skip


def test_build_prints_the_release_id_and_publishes(tiny_source: Path, tmp_path: Path) -> None:
    code, out, err = build(tiny_source, tmp_path, "2026-07-01.0")
    assert code == 0, err
    assert out == "2026-07-01.0\n"
    assert "validate" in err and "published 2026-07-01.0" in err
    assert (tmp_path / "s" / "2026-07-01.0" / "manifest.json").is_file()


def test_build_with_a_missing_source_is_one_clear_line(tmp_path: Path) -> None:
    code, out, err = run(
        "release", "build", "--source", str(tmp_path / "nope"), "--store", str(tmp_path / "s")
    )
    assert code == 2
    assert out == ""
    assert err.startswith(
        f"error: source: '{tmp_path / 'nope'}' is not a directory (from argument); checked --source,"
    )
    assert "Traceback" not in err


def test_build_with_a_corrupt_source_names_file_and_position(tmp_path: Path) -> None:
    src = make_source(tmp_path / "src", tiny=True, extra={"leaderboards/example_json_format.json": CORRUPT})
    code, _, err = build(src, tmp_path, "2026-07-02.0")
    assert code == 2
    assert err == (
        "error: leaderboards/example_json_format.json: invalid JSON at line 27, column 13: "
        "parse error: invalid object key (must be a string) (top-level item 0)\n"
    )
    assert not (tmp_path / "s" / "2026-07-02.0").exists()


def test_build_rejects_a_malformed_release_id(tiny_source: Path, tmp_path: Path) -> None:
    code, _, err = build(tiny_source, tmp_path, "latest")
    assert code == 2
    assert err.startswith("error: ") and "YYYY-MM-DD.N" in err


def test_list_marks_the_latest(tiny_release: Built) -> None:
    code, out, _ = run("release", "list", "--from", str(tiny_release.store))
    assert code == 0
    assert out.startswith(f"{tiny_release.release_id} ") and out.rstrip().endswith("(latest)")
    code, out, _ = run("release", "list", "--from", str(tiny_release.store), "--json")
    assert json.loads(out)[0]["release_id"] == tiny_release.release_id


def test_list_of_an_empty_store_says_where_it_looked(tmp_path: Path) -> None:
    code, _, err = run("release", "list", "--from", str(tmp_path))
    assert code == 2
    assert err.startswith("error: ") and "index.json" in err


def test_verify_intact_then_flipped_byte(tiny_release: Built, tmp_path: Path) -> None:
    copy = tmp_path / tiny_release.release_id
    shutil.copytree(tiny_release.release_dir, copy)
    code, out, _ = run("release", "verify", str(copy))
    assert code == 0 and out.startswith(f"ok: {copy}: ")
    target = copy / "parquet" / "results.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    code, _, err = run("release", "verify", str(copy))
    assert code == 1
    assert "FAILED parquet/results.parquet: sha256 mismatch" in err
    assert err.rstrip().endswith("the release is not intact")


def test_download_over_http_verifies_and_refuses_corruption(tiny_release: Built, tmp_path: Path) -> None:
    with serve_directory(tiny_release.store) as server:
        code, out, err = run(
            "release",
            "download",
            "latest",
            "--from",
            server.url,
            "--to",
            str(tmp_path / "ok"),
            "--no-progress",
        )
        assert code == 0, err
        assert out.strip() == str(tmp_path / "ok" / tiny_release.release_id)
        code, out, _ = run("release", "verify", out.strip())
        assert code == 0

        server.corrupt.add(f"{tiny_release.release_id}/parquet/papers.parquet")
        code, out, err = run(
            "release",
            "download",
            tiny_release.release_id,
            "--from",
            server.url,
            "--to",
            str(tmp_path / "bad"),
            "--no-progress",
        )
        assert code == 1
        assert err.startswith("error: parquet/papers.parquet: sha256 mismatch")
        assert not (tmp_path / "bad" / tiny_release.release_id).exists()


def test_download_of_an_unknown_release_lists_the_known_ones(tiny_release: Built, tmp_path: Path) -> None:
    code, _, err = run(
        "release", "download", "1999-01-01.0", "--from", str(tiny_release.store), "--to", str(tmp_path)
    )
    assert code == 2
    assert "1999-01-01.0" in err and tiny_release.release_id in err


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for command in ("release build", "release list", "release download", "release verify"):
        assert f"pwc-archive {command}" in readme, command
    for code in ("0", "1", "2"):
        assert f"| {code} |" in readme
