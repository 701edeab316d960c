"""The production profile end to end: Postgres metadata, Celery workers, SeaweedFS as S3.

Runs through the real scheduler and worker (runs triggered over the REST API), against the
bucket the profile configures (``s3://pwc-archive/releases`` and ``.../submissions``):

- the nightly publishes a release into the bucket; ``pwc-archive release download`` gets it
  through the S3 endpoint's plain HTTP (anonymous read) and it verifies;
- the intake sorts the files of the bucket's inbox into accepted/ and rejected/ with receipts;
- a worker killed with SIGKILL in the middle of a task: the task is retried and the run still
  publishes a release that verifies;
- the nightly and a second writer (``pwc-archive release build`` on the same bucket) at once:
  both releases verify, the index lists both, latest is the newest;
- the store's lease on S3 holds against writers in other processes (conditional PUTs).
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.production.profile import ROOT, Profile
from transforms.release.layout import release_sort_key

pytestmark = pytest.mark.production

NIGHTLY, INTAKE = "nightly_release", "submission_intake"
RUN_TIMEOUT = 900.0
CLI = str(ROOT / ".venv" / "bin" / "pwc-archive")


def _latest(profile: Profile) -> dict[str, Any]:
    return dict(json.loads(profile.fs().cat_file(f"{profile.bucket}/releases/latest.json")))


def _index_ids(profile: Profile) -> list[str]:
    index = json.loads(profile.fs().cat_file(f"{profile.bucket}/releases/index.json"))
    return [r["release_id"] for r in index["releases"]]


def _download_and_verify(profile: Profile, release: str, to: Path) -> Path:
    """``release download`` over the S3 endpoint's plain HTTP, then ``release verify``."""
    got = subprocess.run(
        [CLI, "release", "download", release, "--from", profile.http_store, "--to", str(to), "--no-progress"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert got.returncode == 0, got.stderr
    directory = Path(got.stdout.strip().splitlines()[-1])
    verified = subprocess.run(
        [CLI, "release", "verify", str(directory)], capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0, verified.stderr
    return directory


def _published_id(profile: Profile, run_id: str) -> str:
    xcom = profile.call(
        "GET", f"dags/{NIGHTLY}/dagRuns/{run_id}/taskInstances/publish/xcomEntries/return_value"
    )
    value = xcom["value"]
    return str(value).rstrip("/").rsplit("/", 1)[-1]


def test_nightly_publishes_to_the_bucket_and_download_verifies(profile: Profile, tmp_path: Path) -> None:
    started = time.monotonic()
    run_id = profile.trigger(NIGHTLY, force=True)  # a new release even on unchanged input
    state = profile.wait(NIGHTLY, run_id, RUN_TIMEOUT)
    elapsed = time.monotonic() - started
    assert state == "success", profile.summary(NIGHTLY, run_id)
    print(f"\nnightly through scheduler + celery worker: {elapsed:.0f} s")
    release_id = _published_id(profile, run_id)
    tis = profile.task_instances(NIGHTLY, run_id)
    assert all(ti["hostname"] for ti in tis.values()), "every task ran on a celery worker"
    assert tis["site_index"]["state"] == "success", "the site index of the new release (from the bucket)"
    assert release_id in _index_ids(profile)
    assert _latest(profile)["release_id"] == max(_index_ids(profile), key=release_sort_key)
    directory = _download_and_verify(profile, release_id, tmp_path)
    assert directory.name == release_id
    assert (directory / "manifest.json").is_file()
    latest_dir = _download_and_verify(profile, "latest", tmp_path / "latest")
    assert latest_dir.name == _latest(profile)["release_id"]
    # Anonymous reads only: a write without the keys is refused.
    anonymous_put = requests.put(f"{profile.http_store}/not-a-release.txt", data=b"x", timeout=30)
    assert anonymous_put.status_code == 403
    assert not profile.fs().exists(f"{profile.bucket}/releases/not-a-release.txt")


def test_intake_takes_the_files_of_the_bucket_inbox(profile: Profile) -> None:
    fs = profile.fs()
    root = f"{profile.bucket}/submissions"
    stamp = time.strftime("%H%M%S")
    good = ROOT / "docs" / "examples" / "submission.json"
    fs.put_file(str(good), f"{root}/inbox/prod-{stamp}.json")
    fs.pipe_file(f"{root}/inbox/prod-{stamp}-broken.json", b'{"schema_version": 1, "results": [')
    run_id = profile.trigger(INTAKE)
    assert profile.wait(INTAKE, run_id, RUN_TIMEOUT) == "success", profile.summary(INTAKE, run_id)
    assert [p for p in fs.find(f"{root}/inbox") if f"prod-{stamp}" in p] == []
    receipts = [json.loads(fs.cat_file(p)) for p in fs.find(root) if "/receipt" in p and p.endswith(".json")]
    names = {r.get("file_name") or r.get("name") or json.dumps(r): r for r in receipts}
    mine = {k: v for k, v in names.items() if f"prod-{stamp}" in k}
    assert len(mine) == 2, sorted(names)
    statuses = sorted(str(r.get("status")) for r in mine.values())
    assert statuses[-1] == "rejected" and statuses[0] in ("accepted", "duplicate"), statuses
    assert fs.exists(f"{root}/status.json")


def test_a_worker_killed_mid_task_is_retried_and_the_release_converges(
    profile: Profile, tmp_path: Path
) -> None:
    started = time.monotonic()
    run_id = profile.trigger(NIGHTLY, force=True)  # a new release even on unchanged input
    # The kill must land inside the task: ``validate`` is the longest task on the sample (its
    # process imports Great Expectations, several seconds on any machine, before it reads a
    # table), and the worker dies as soon as the task is seen running. A shorter task
    # (``build_tables``, a second or two on a fast machine) could finish before the kill.
    profile.wait_task_running(NIGHTLY, run_id, "validate", timeout=RUN_TIMEOUT)
    profile.kill_worker()
    profile.start_worker()
    state = profile.wait(NIGHTLY, run_id, RUN_TIMEOUT)
    print(f"\nnightly with a worker killed in validate: {time.monotonic() - started:.0f} s")
    tis = profile.task_instances(NIGHTLY, run_id)
    assert state == "success", profile.summary(NIGHTLY, run_id)
    assert tis["validate"]["try_number"] >= 2, profile.summary(NIGHTLY, run_id)
    release_id = _published_id(profile, run_id)
    assert release_id in _index_ids(profile)
    _download_and_verify(profile, release_id, tmp_path)
    assert _latest(profile)["release_id"] == max(_index_ids(profile), key=release_sort_key)


def test_the_nightly_and_a_second_writer_at_once_obey_the_single_writer_rule(
    profile: Profile, tmp_path: Path
) -> None:
    started = time.monotonic()
    before = set(_index_ids(profile))
    run_id = profile.trigger(NIGHTLY, force=True)  # a new release even on unchanged input
    # A second writer on the same bucket at the same time: the same stages in one process, under
    # an older day's id: both releases must end up in the index, and latest must stay the newest
    # id whichever of the two publishes last.
    other_id = f"2026-01-01.{int(time.time()) % 100000}"
    second = subprocess.Popen(
        [
            CLI,
            "release",
            "build",
            "--store",
            profile.store,
            "--release-id",
            other_id,
            "--work",
            str(tmp_path / "work"),
            "--force",
        ],
        env=profile.cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    state = profile.wait(NIGHTLY, run_id, RUN_TIMEOUT)
    _, err = second.communicate(timeout=RUN_TIMEOUT)
    print(f"\nnightly and a second writer at once: {time.monotonic() - started:.0f} s")
    assert state == "success", profile.summary(NIGHTLY, run_id)
    assert second.returncode == 0, err[-2000:]
    nightly_id = _published_id(profile, run_id)
    ids = _index_ids(profile)
    assert {nightly_id, other_id} <= set(ids), (before, ids)
    for release_id in (nightly_id, other_id):
        _download_and_verify(profile, release_id, tmp_path / "dl")
    assert _latest(profile)["release_id"] == max(ids, key=release_sort_key)


def _hold_lease(store: str, options: dict[str, Any], log: str, rounds: int) -> None:
    import fsspec.config

    from transforms.storage import FsLocation

    fsspec.config.conf["s3"] = options
    location = FsLocation(store)
    for _ in range(rounds):
        with location.lease(wait=120):
            start = time.time()
            time.sleep(0.3)
            end = time.time()
        with open(log, "a") as fh:
            fh.write(f"{start} {end}\n")


def test_the_lease_admits_one_writer_at_a_time_on_s3(profile: Profile, tmp_path: Path) -> None:
    from transforms.storage import FsLocation

    store = f"s3://{profile.bucket}/lease-test-{int(time.time())}"
    location = FsLocation(store)
    assert location.create_exclusive("probe", b"1") is True
    assert location.create_exclusive("probe", b"2") is False, "SeaweedFS honours If-None-Match: *"
    assert location.read_bytes("probe") == b"1"
    log = str(tmp_path / "holds.txt")
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_hold_lease, args=(store, profile.s3_options(), log, 3)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    holds = sorted(tuple(map(float, line.split())) for line in Path(log).read_text().splitlines())
    assert len(holds) == 12
    for (_, end), (start, _) in itertools.pairwise(holds):
        assert start >= end, f"two holders at once: {holds}"
    location.remove("")
    assert not location.exists("probe")


def test_reindex_rebuilds_a_lost_index_from_the_manifests_in_the_bucket(profile: Profile) -> None:
    from transforms.publish.store import ensure_index
    from transforms.storage import FsLocation

    store = FsLocation(profile.store)
    before = _index_ids(profile)
    assert before, "the nightly tests published releases first"
    saved_latest = _latest(profile)
    store.remove("index.json")  # as if a crash came between a release's upload and the index
    store.remove("latest.json")
    ensure_index(store)  # what every build does before reading the store: reindex under the lease
    assert _index_ids(profile) == before
    assert _latest(profile)["release_id"] == saved_latest["release_id"]
    assert not store.exists(".lease"), "the lease is given back"


def test_a_nightly_on_unchanged_input_publishes_nothing(profile: Profile) -> None:
    """After a release of the same input, a run without ``force`` skips every stage: no new release."""
    first = profile.trigger(NIGHTLY, force=True)
    assert profile.wait(NIGHTLY, first, RUN_TIMEOUT) == "success", profile.summary(NIGHTLY, first)
    before = _index_ids(profile)
    run_id = profile.trigger(NIGHTLY)
    assert profile.wait(NIGHTLY, run_id, RUN_TIMEOUT) == "success", profile.summary(NIGHTLY, run_id)
    tis = profile.task_instances(NIGHTLY, run_id)
    assert tis["check_changed"]["state"] == "skipped", profile.summary(NIGHTLY, run_id)
    assert {tis[t]["state"] for t in ("ingest", "build_tables", "publish")} == {"skipped"}
    assert _index_ids(profile) == before
