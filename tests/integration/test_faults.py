"""Two things at once, full disks, temporary files and hostile inputs: every case ends in a correct
store or in one line with the documented exit code, never in a traceback.

The concurrency cases run two real ``pwc-archive release build`` processes on one store; they repeat
``PWC_STRESS_REPEAT`` times (2 by default in the suite; ``make stress`` runs 20).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.builds import ROOT, Built, build
from transforms.client.store import list_releases, resolve_release_id
from transforms.client.verify import verify_release
from transforms.errors import ResourceError
from transforms.release.layout import INDEX, LATEST, is_release_id, release_sort_key

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "pwc-archive")
REPEAT = int(os.environ.get("PWC_STRESS_REPEAT", "2"))


def cli(
    *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def one_line_error(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def example() -> dict[str, object]:
    """The documented example submission (real results of the 2020 dump)."""
    data: dict[str, object] = json.loads((ROOT / "docs" / "examples" / "submission.json").read_text())
    return data


def store_is_sound(store: Path) -> list[str]:
    """Every indexed release verifies, the index lists every complete release, latest is the newest."""
    entries = list_releases(store)
    ids = [e.release_id for e in entries]
    complete = sorted(
        (p.name for p in store.iterdir() if is_release_id(p.name) and (p / "manifest.json").is_file()),
        key=release_sort_key,
    )
    if (store / "latest").is_symlink():  # the local store's link follows latest.json
        assert os.readlink(store / "latest") == ids[-1]
    assert ids == complete, (ids, complete)
    for rid in ids:
        report = verify_release(store / rid)
        assert report.ok, (rid, report.problems)
    assert resolve_release_id(store, "latest") == ids[-1]
    return ids


# --------------------------------------------------------------------------- two publishers


def two_builds(source: Path, store: Path, work: Path, ids: tuple[str, str]) -> list[subprocess.Popen[str]]:
    procs = [
        subprocess.Popen(
            [
                CLI,
                "release",
                "build",
                "--source",
                str(source),
                "--store",
                str(store),
                "--work",
                str(work),
                "--release-id",
                rid,
                # The same source every round: without --force a round after the first publishes
                # nothing (unchanged input), and the race under test would not happen.
                "--force",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rid in ids
    ]
    for p in procs:
        p.wait(timeout=600)
    return procs


@pytest.mark.parametrize("same_id", [True, False], ids=["same-release-id", "different-release-ids"])
def test_two_builds_at_once_leave_a_sound_store(tiny_source: Path, tmp_path: Path, same_id: bool) -> None:
    store, work = tmp_path / "store", tmp_path / "work"  # one work root: each run gets its own dir
    published: list[str] = []
    for n in range(REPEAT):
        ids = (f"2026-09-{n + 1:02d}.0", f"2026-09-{n + 1:02d}.0" if same_id else f"2026-09-{n + 1:02d}.1")
        procs = two_builds(tiny_source, store, work, ids)
        for p in procs:
            _, err = p.communicate()
            assert p.returncode == 0, err[-2000:]  # same data under one id converges; other ids queue
            assert "Traceback" not in err
        published += sorted(set(ids), key=release_sort_key)
        assert store_is_sound(store) == published
    assert not list(store.glob(".staging/*")) and not list(store.glob(".tmp-*"))


def test_a_second_publisher_of_other_data_under_a_taken_id_fails_with_one_line(
    tiny_source: Path, small_source: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    build(tiny_source, store, tmp_path / "w1", "2026-09-20.0")
    before = (store / INDEX).read_bytes(), (store / LATEST).read_bytes()
    proc = cli(
        "release",
        "build",
        "--source",
        str(small_source),
        "--store",
        str(store),
        "--work",
        str(tmp_path / "w2"),
        "--release-id",
        "2026-09-20.0",
    )
    line = one_line_error(proc)
    assert "already published with other data" in line and "releases are immutable" in line
    assert ((store / INDEX).read_bytes(), (store / LATEST).read_bytes()) == before
    assert store_is_sound(store) == ["2026-09-20.0"]


def test_a_held_lease_makes_a_publisher_wait_then_say_who_holds_it(
    tiny_release: Built, tmp_path: Path
) -> None:
    from transforms.publish.store import publish_release
    from transforms.storage import LeaseBusy, open_location

    store = tmp_path / "store"
    shutil.copytree(tiny_release.store, store, symlinks=True)
    release_dir = tmp_path / "release"
    shutil.copytree(tiny_release.release_dir, release_dir)
    location = open_location(store)
    started = time.monotonic()
    with location.lease():
        holder = subprocess.run(  # another process: flock is per open file, so test across processes
            [
                sys.executable,
                "-c",
                (
                    "import sys; from pathlib import Path; from transforms.storage import open_location\n"
                    "from transforms.errors import PwcError\n"
                    "try:\n"
                    f"    with open_location({str(store)!r}).lease(wait=1.0): pass\n"
                    "except PwcError as e: print(e); sys.exit(3)\n"
                ),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert holder.returncode == 3 and "another writer holds this store" in holder.stdout, holder
    assert time.monotonic() - started >= 1.0
    assert "LeaseBusy" not in holder.stdout
    # Free again: publishing the same data under its id converges.
    publish_release(release_dir, str(store), tiny_release.release_id)
    assert issubclass(LeaseBusy, Exception)


def test_a_missing_index_is_rebuilt_and_the_lineage_goes_on(tiny_source: Path, tmp_path: Path) -> None:
    store, work = tmp_path / "store", tmp_path / "work"
    first = build(tiny_source, store, work, "2026-09-21.0")
    (store / INDEX).unlink()
    (store / LATEST).unlink()
    second = build(tiny_source, store, work, "2026-09-22.0")
    assert store_is_sound(store) == ["2026-09-21.0", "2026-09-22.0"]
    assert second.result.details["ingest"]["previous_release"] == first.release_id


def test_a_release_the_index_does_not_list_is_added_by_the_next_publish(
    tiny_source: Path, tmp_path: Path
) -> None:
    """A crash between the move and the index update: the next publisher lists it, nothing is lost."""
    store, work = tmp_path / "store", tmp_path / "work"
    build(tiny_source, store, work, "2026-09-23.0")
    index = json.loads((store / INDEX).read_text())
    build(tiny_source, store, work, "2026-09-24.0")
    (store / INDEX).write_text(json.dumps(index))  # the second release is complete but unlisted
    build(tiny_source, store, work, "2026-09-25.0")
    assert store_is_sound(store) == ["2026-09-23.0", "2026-09-24.0", "2026-09-25.0"]


# --------------------------------------------------------------------------- temporary files


def test_temporary_files_are_never_read_as_data_and_are_swept(tiny_release: Built, tmp_path: Path) -> None:
    from transforms.config import Settings
    from transforms.submissions.intake import run_intake

    root = tmp_path / "root"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "one.json").write_text(json.dumps(example()))
    s = Settings.load(submissions=str(root), store=str(tiny_release.store), work=str(tmp_path / "work"))
    first = run_intake(s)
    assert first.accepted == 1
    (sid,) = os.listdir(root / "accepted")
    receipts = root / "accepted" / sid / "receipts"
    # What a writer killed mid-write leaves: a torn temporary receipt beside the real one.
    torn = receipts / ".tmp-rcp-20260101T000000000000Z-abc.json-x1y2"
    torn.write_bytes(b'{"receipt_id": "rcp-')
    status = cli("submission", "status", sid, "--root", str(root), "--store", str(tiny_release.store))
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    # The same file sent again is a duplicate of the real receipt, not of the torn one.
    (root / "inbox" / "again.json").write_text(json.dumps(example()))
    second = run_intake(s)
    assert second.duplicates == 1
    receipt = json.loads(
        next(
            p
            for p in receipts.iterdir()
            if "again" not in p.name
            and not p.name.startswith(".")
            and json.loads(p.read_text())["file_name"] == "again.json"
        ).read_text()
    )
    assert not receipt["duplicate_of"].startswith(".")
    # The next run, once the debris is old enough to belong to no running writer, removes it.
    old = time.time() - 3600
    os.utime(torn, (old, old))
    run_intake(s)
    assert not torn.exists()


def test_a_full_disk_while_filing_is_one_line_and_leaves_no_debris(
    tiny_release: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transforms import storage
    from transforms.config import Settings
    from transforms.submissions.intake import run_intake

    root = tmp_path / "root"
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "one.json").write_text(json.dumps(example()))
    s = Settings.load(submissions=str(root), store=str(tiny_release.store), work=str(tmp_path / "work"))
    real = os.replace

    def full_disk(src: str, dst: str) -> None:
        if "receipts" in str(dst):
            raise OSError(28, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(storage.os, "replace", full_disk)
    with pytest.raises(ResourceError) as caught:
        run_intake(s)
    message = str(caught.value)
    assert message.startswith("intake: disk full writing under ") and "receipts" in message
    assert "\n" not in message
    assert not [p for p in root.rglob(".tmp-*")]  # the temporary receipt went with the failed write
    monkeypatch.setattr(storage.os, "replace", real)
    again = run_intake(s)  # space again: the pending claim is filed, nothing was lost
    assert again.accepted == 1


def test_a_full_disk_while_sealing_a_build_is_one_line_and_publishes_nothing(
    tiny_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while the release's files are written (here: the manifest, the last write of the
    seal): one ResourceError naming the stage, the place and the setting; the store untouched;
    the next build, with room again, publishes."""
    from transforms.publish import export

    store, work = tmp_path / "store", tmp_path / "work"
    first = build(tiny_source, store, work, "2026-09-23.0")
    before = sorted(p.name for p in store.iterdir())
    real = export.write_bytes_atomic

    def full(path: Path, data: bytes) -> str:
        if Path(path).name == "manifest.json":
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(export, "write_bytes_atomic", full)
    with pytest.raises(ResourceError) as caught:
        build(tiny_source, store, work, "2026-09-23.1")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("seal: disk full writing under "), message
    assert "--work / PWC_WORK" in message, message
    assert sorted(p.name for p in store.iterdir()) == before  # nothing published, latest unchanged
    assert json.loads((store / LATEST).read_text())["release_id"] == first.release_id

    monkeypatch.setattr(export, "write_bytes_atomic", real)
    again = build(tiny_source, store, work, "2026-09-23.1")
    assert store_is_sound(store)[-1] == again.release_id


def test_a_fifo_in_the_inbox_is_rejected_without_being_opened(tiny_release: Built, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "inbox").mkdir(parents=True)
    os.mkfifo(root / "inbox" / "pipe.json")
    proc = cli(
        "submission", "intake", "--root", str(root), env={"PWC_STORE": str(tiny_release.store)}, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["rejected"] == 1
    (rejected,) = (root / "rejected").iterdir()
    assert "a named pipe" in (rejected / "report.md").read_text()


# --------------------------------------------------------------------------- hostile build inputs


def _source(tmp_path: Path, name: str, data: bytes) -> Path:
    src = tmp_path / "source"
    src.mkdir()
    (src / name).write_bytes(data)
    return src


HOSTILE_DUMPS = {
    "empty-array": (b"[]", "found an empty array"),
    "an-object": (b'{"foo": 1}', "expected a task object with a 'task' name"),
    "no-results": (b'[{"task": "x", "datasets": []}]', "no metric values in any evaluation table"),
    "deep-nesting": (b'[{"task": "x", "datasets": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]", "nest deeper"),
    "not-json": (b"[{]", "invalid JSON"),
}


@pytest.mark.parametrize("case", HOSTILE_DUMPS, ids=HOSTILE_DUMPS)
def test_a_malformed_dump_is_refused_before_any_gate_runs(case: str, tmp_path: Path) -> None:
    data, expected = HOSTILE_DUMPS[case]
    src = _source(tmp_path, "evaluation-tables.json", data)
    started = time.monotonic()
    proc = cli(
        "release",
        "build",
        "--source",
        str(src),
        "--store",
        str(tmp_path / "s"),
        "--work",
        str(tmp_path / "w"),
    )
    line = one_line_error(proc)
    assert "evaluation-tables.json" in line and expected in line, line
    assert time.monotonic() - started < 30
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_a_gzip_bomb_stops_at_the_item_limit(tmp_path: Path) -> None:
    """3 MB of gzip that would expand to one 3 GB string: refused within seconds and bounded memory."""
    src = tmp_path / "source"
    src.mkdir()
    with gzip.open(src / "evaluation-tables.json.gz", "wb", compresslevel=9) as fh:
        fh.write(b'[{"task": "')
        block = b"a" * (1 << 20)
        for _ in range(3000):
            fh.write(block)
        fh.write(b'"}]')
    assert (src / "evaluation-tables.json.gz").stat().st_size < 4_000_000
    started = time.monotonic()
    proc = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M",
            CLI,
            "release",
            "build",
            "--source",
            str(src),
            "--store",
            str(tmp_path / "s"),
            "--work",
            str(tmp_path / "w"),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # a hang guard (the bound that matters is memory, below), not a speed target: the machine may be busy
    assert time.monotonic() - started < 120
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    proc.stderr = "\n".join(proc.stderr.strip().splitlines()[:-1])
    line = one_line_error(proc)
    assert "a top-level item runs past 64 MB" in line
    assert peak_kb < 1_000_000


@pytest.mark.parametrize(
    "release_id",
    ["2026-01-01.0\n", "", " 2026-01-01.0", "2026-01-01.01", "2026-02-30.0", "latest", "../2026-01-01.0"],
)
def test_a_release_id_outside_the_grammar_is_refused(
    release_id: str, tiny_source: Path, tmp_path: Path
) -> None:
    proc = cli(
        "release",
        "build",
        "--source",
        str(tiny_source),
        "--store",
        str(tmp_path / "s"),
        "--work",
        str(tmp_path / "w"),
        "--release-id",
        release_id,
    )
    line = one_line_error(proc)
    assert "release id" in line and "YYYY-MM-DD.N" in line
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


@pytest.mark.parametrize("option", ["--store", "--work"])
def test_a_store_or_work_path_that_is_a_file_is_one_line(
    option: str, tiny_source: Path, tmp_path: Path
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    args = {"--store": str(tmp_path / "s"), "--work": str(tmp_path / "w"), option: str(a_file)}
    proc = cli("release", "build", "--source", str(tiny_source), *[x for kv in args.items() for x in kv])
    line = one_line_error(proc)
    assert "is a file; expected a directory" in line and option.lstrip("-") in line


def test_a_download_into_a_file_is_one_line(tiny_release: Built, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    proc = cli("release", "download", "latest", "--from", str(tiny_release.store), "--to", str(a_file))
    assert "is a file" in one_line_error(proc)
