"""DAG integrity: the DAG parses through Airflow's own DagBag and parsing does no work.

Everything Airflow-related runs in one subprocess (a fresh interpreter, tmp AIRFLOW_HOME
and tmp PWC_* dirs) so this test process never imports Airflow. The probe:

1. imports ``airflow.sdk`` (and its public names), installs an audit hook
   (``sys.addaudithook``) and executes the DAG file with ``runpy``: every ``open``,
   directory listing, ``sqlite3.connect``,
   ``socket.connect`` and process start during parsing is recorded, as are
   ``Variable.get`` calls (a spy that still calls the real method) and new modules;
2. then makes deliberate canary calls (a file opened in the tmp store, an in-memory
   SQLite DB, a local TCP connect) that the same checks must flag, so the parse
   checks cannot pass vacuously;
3. loads the DAG folder with ``airflow.dag_processing.dagbag.DagBag`` and reports the
   DAG's attributes, also after a serialisation round trip (the scheduler's view).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.airflow_env import DAGS_FOLDER, PROJECT_ROOT, airflow_env

pytestmark = pytest.mark.airflow

CHAINS: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "nightly_release": (
        "plan",
        "check_changed",
        "ingest",
        "normalize",
        "build_tables",
        ("export", "validate"),
        "seal",
        "publish",
        ("cleanup", "site_index"),
    ),
    "submission_intake": ("claim", "validate_and_file", "publish_status"),
}
"""Every DAG of the project and its tasks in order (one DAG per file, named after it). A tuple is
a layer of tasks that run side by side: each depends on the layer before, the next on each."""


def layers(dag_id: str) -> list[tuple[str, ...]]:
    return [step if isinstance(step, tuple) else (step,) for step in CHAINS[dag_id]]


def task_ids(dag_id: str) -> list[str]:
    return [task for layer in layers(dag_id) for task in layer]


SCHEDULES = {"nightly_release": "nightly", "submission_intake": "*/15 * * * *"}
HEAVY_MODULES = ("duckdb", "great_expectations", "pandas", "transforms.pipeline")

PROBE = r'''
import json, os, runpy, socket, sqlite3, sys

dag_file, dags_folder, canary_path, out_path = sys.argv[1:5]
watched_roots = json.loads(sys.argv[5])

# Airflow's own imports are not the DAG's work: load airflow.sdk and resolve its public
# names first, as a dag processor has them loaded before it parses any file. (Resolving
# them imports croniter, whose import runs `file -b <python>` via platform.architecture().)
import airflow.sdk
for _name in airflow.sdk.__all__:
    try:
        getattr(airflow.sdk, _name)
    except (AttributeError, ImportError):  # airflow.sdk 1.3 lists "lineage", which does not resolve
        pass
from airflow.sdk import Variable

WATCHED = {
    "open", "os.listdir", "os.scandir", "sqlite3.connect", "socket.connect", "socket.getaddrinfo",
    "subprocess.Popen", "os.system", "os.posix_spawn", "os.exec", "os.fork", "urllib.Request",
}
events = []
recording = [True]

def hook(event, args):
    if recording[0] and event in WATCHED:
        events.append((event, args))

variable_reads = []
_real_get = Variable.__dict__["get"].__func__

def _spy_get(cls, key, *args, **kwargs):
    if recording[0]:
        variable_reads.append(key)
    return _real_get(cls, key, *args, **kwargs)

Variable.get = classmethod(_spy_get)

def describe(event, args):
    if event in ("open", "os.listdir", "os.scandir"):
        path = args[0] if args else None
        if path is None or isinstance(path, int):
            return {"event": event, "path": None}
        path = os.fsdecode(path)
        return {"event": event, "path": os.path.realpath(os.path.join(os.getcwd(), path))}
    if event == "socket.connect":
        return {"event": event, "detail": repr(args[1])}
    return {"event": event, "detail": repr(args[:2])}

def snapshot():
    """Every file under the tmp PWC_* dirs with size and mtime: catches writes made in C
    (duckdb.connect creates its file without a Python-level open event). Only the tmp
    dirs: other processes may legitimately write the project's releases/ meanwhile."""
    state = {}
    for root in watched_roots:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                state[path] = [st.st_size, st.st_mtime_ns]
    return state

def changes(before, after):
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))

files_before = snapshot()
modules_before = set(sys.modules)
sys.addaudithook(hook)
parse_error = None
try:
    runpy.run_path(dag_file, run_name="pwc_parse_probe")
except BaseException as exc:  # reported, not raised: the test shows it
    parse_error = f"{type(exc).__name__}: {exc}"
parse_events = [describe(e, a) for e, a in list(events)]
recording[0] = False
parse_file_changes = changes(files_before, snapshot())
recording[0] = True
new_modules = sorted(set(sys.modules) - modules_before)
heavy_loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("duckdb", "great_expectations", "pandas")
                      or m == "transforms.pipeline" or m.startswith("transforms.pipeline."))

# Canaries: the same recording must see each of these.
mark = len(events)
with open(canary_path, "w") as fh:
    fh.write("canary\n")
sqlite3.connect(":memory:").close()
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)
client = socket.create_connection(server.getsockname())
client.close()
server.close()
canary_events = [describe(e, a) for e, a in events[mark:]]
recording[0] = False
canary_file_changes = changes(files_before, snapshot())

# Airflow's own loader, as the dag processor uses it.
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.serialized_objects import DagSerialization

bag = DagBag(dag_folder=dags_folder)
dags = {}
for dag_id, dag in bag.dags.items():
    scheduler_dag = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    tasks = {}
    for task in dag.tasks:
        sched = scheduler_dag.get_task(task.task_id)
        tasks[task.task_id] = {
            "owner": task.owner,
            "retries": task.retries,
            "retry_exponential_backoff": task.retry_exponential_backoff,
            "scheduler_retries": sched.retries,
            "scheduler_backoff_multiplier": float(sched.retry_exponential_backoff),
            "retry_delay_s": task.retry_delay.total_seconds(),
            "max_retry_delay_s": task.max_retry_delay.total_seconds() if task.max_retry_delay else None,
            "upstream": sorted(task.upstream_task_ids),
            "downstream": sorted(task.downstream_task_ids),
        }
    dags[dag_id] = {
        "fileloc": dag.fileloc,
        "tags": sorted(dag.tags),
        "schedule": dag.schedule if isinstance(dag.schedule, str) else repr(dag.schedule),
        "timetable": type(dag.timetable).__name__,
        "cron": getattr(dag.timetable, "expression", None),
        "timezone": str(getattr(dag.timetable, "timezone", "")),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "doc_md": dag.doc_md,
        "topological_order": [t.task_id for t in dag.topological_sort()],
        "params": {
            name: {
                "default": dag.params.get_param(name).value,
                "description": dag.params.get_param(name).description,
                "schema": dag.params.get_param(name).schema,
            }
            for name in dag.params
        },
        "tasks": tasks,
    }

with open(out_path, "w") as fh:
    json.dump({
        "parse_error": parse_error,
        "parse_events": parse_events,
        "new_modules": new_modules,
        "heavy_loaded": heavy_loaded,
        "variable_reads": variable_reads,
        "canary_events": canary_events,
        "parse_file_changes": parse_file_changes,
        "canary_file_changes": canary_file_changes,
        "import_errors": {str(k): v for k, v in bag.import_errors.items()},
        "captured_warnings": {str(k): list(v) for k, v in bag.captured_warnings.items()},
        "dags": dags,
    }, fh, indent=1, default=str)
'''


@pytest.fixture(scope="module", params=sorted(CHAINS))
def probe(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the probe once per DAG file in a fresh interpreter; its JSON report plus the dirs it was given."""
    dag_id = request.param
    dag_file = DAGS_FOLDER / f"{dag_id}.py"
    tmp = tmp_path_factory.mktemp("dag_integrity")
    dirs = {name: tmp / name for name in ("store", "work", "source", "expectations", "submissions")}
    for path in dirs.values():
        path.mkdir()
    (dirs["source"] / "evaluation-tables.json").write_text("[]\n", encoding="utf-8")
    env = airflow_env(
        tmp / "airflow_home",
        store=dirs["store"],
        work=dirs["work"],
        source=dirs["source"],
        expectations=dirs["expectations"],
        submissions=dirs["submissions"],
    )
    script = tmp / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    out = tmp / "report.json"
    canary = dirs["store"] / "canary.txt"
    report_roots = {"dirs": {k: os.path.realpath(v) for k, v in dirs.items()}}
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            str(dag_file),
            str(DAGS_FOLDER),
            str(canary),
            str(out),
            json.dumps(list(report_roots["dirs"].values())),
        ],
        check=False,
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and out.is_file(), (
        f"probe exited {proc.returncode}\n--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    report.update(report_roots)
    report["canary"] = os.path.realpath(canary)
    report["dag_id"] = dag_id
    report["dag_file"] = os.path.realpath(dag_file)
    report["airflow_db"] = os.path.realpath(tmp / "airflow_home" / "airflow.db")
    return report


def forbidden_roots(report: dict[str, Any]) -> list[str]:
    """Storage a parse must never touch: the tmp PWC_* dirs and the project's data dirs."""
    project = [
        os.path.realpath(PROJECT_ROOT / name) for name in ("releases", ".work", "data", "expectations")
    ]
    return list(report["dirs"].values()) + project


def storage_touches(events: list[dict[str, Any]], roots: list[str]) -> list[dict[str, Any]]:
    """Events that open or list a path under one of ``roots``, or any ``.duckdb`` file."""
    hits = []
    for ev in events:
        path = ev.get("path")
        if not path:
            continue
        if path.endswith((".duckdb", ".duckdb.wal")) or any(
            path == root or path.startswith(root + os.sep) for root in roots
        ):
            hits.append(ev)
    return hits


def connections(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Database connections, network connections and process starts."""
    return [ev for ev in events if ev["event"] not in ("open", "os.listdir", "os.scandir")]


# ----------------------------------------------------------------------------- DagBag


def test_dag_file_imports_through_dagbag_without_errors(probe: dict[str, Any]) -> None:
    assert probe["import_errors"] == {}
    assert probe["captured_warnings"] == {}
    assert sorted(probe["dags"]) == sorted(CHAINS)
    assert Path(probe["dags"][probe["dag_id"]]["fileloc"]).resolve() == Path(probe["dag_file"])


def test_dag_is_documented_and_tagged(probe: dict[str, Any]) -> None:
    dag = probe["dags"][probe["dag_id"]]
    assert dag["tags"], "the DAG has no tags"
    assert dag["doc_md"] and dag["doc_md"].strip().startswith(f"### {probe['dag_id']}")
    assert "When it fails" in dag["doc_md"], "doc_md must say what to do when the DAG fails"


def test_schedule_is_cron_without_catchup_one_run_at_a_time(probe: dict[str, Any]) -> None:
    dag = probe["dags"][probe["dag_id"]]
    assert dag["timetable"] == "CronTriggerTimetable", dag
    cron = dag["cron"]
    assert cron == dag["schedule"]
    if SCHEDULES[probe["dag_id"]] == "nightly":
        minute, hour, day_of_month, month, day_of_week = cron.split()
        assert minute.isdigit() and 0 <= int(minute) <= 59, cron
        assert hour.isdigit() and 0 <= int(hour) <= 6, f"{cron!r}: not a nightly hour (00-06)"
        assert (day_of_month, month, day_of_week) == ("*", "*", "*"), f"{cron!r}: not every day"
    else:
        assert cron == SCHEDULES[probe["dag_id"]]
    assert dag["timezone"] == "UTC"
    assert dag["catchup"] is False
    assert dag["max_active_runs"] == 1


def test_every_task_has_owner_and_retries_with_exponential_backoff(probe: dict[str, Any]) -> None:
    tasks = probe["dags"][probe["dag_id"]]["tasks"]
    assert set(tasks) == set(task_ids(probe["dag_id"]))
    for task_id, task in tasks.items():
        assert task["owner"] == "pwc-archive", task_id
        assert task["retries"] >= 1 and task["scheduler_retries"] >= 1, task_id
        assert task["retry_exponential_backoff"], f"{task_id}: exponential backoff is off"
        # What the scheduler computes retry times with (True in a DAG file deserialises to 2.0).
        assert task["scheduler_backoff_multiplier"] > 1.0, task
        assert task["retry_delay_s"] > 0, task_id
        assert task["max_retry_delay_s"] is not None and task["max_retry_delay_s"] >= task["retry_delay_s"]


def test_task_chain(probe: dict[str, Any]) -> None:
    dag = probe["dags"][probe["dag_id"]]
    steps = layers(probe["dag_id"])
    order = task_ids(probe["dag_id"])
    tasks = dag["tasks"]
    assert set(tasks) == set(order)
    layer_of = {task: i for i, layer in enumerate(steps) for task in layer}
    assert [layer_of[t] for t in dag["topological_order"]] == sorted(layer_of[t] for t in order)
    for before, after in itertools.pairwise(steps):
        for b in before:
            for a in after:
                assert a in tasks[b]["downstream"], f"{b} >> {a} missing"
    # Any other edge only skips ahead along the chain (e.g. seal >> cleanup): never backwards
    # nor inside a layer.
    for task_id, task in tasks.items():
        for down in task["downstream"]:
            assert layer_of[down] > layer_of[task_id], f"{task_id} >> {down} goes against the chain"
    assert all(tasks[t]["upstream"] == [] for t in steps[0])
    assert all(tasks[t]["downstream"] == [] for t in steps[-1])


# ----------------------------------------------------------------------------- no work at parse time


def test_parsing_succeeds(probe: dict[str, Any]) -> None:
    assert probe["parse_error"] is None


def test_parsing_opens_no_database_socket_or_process(probe: dict[str, Any]) -> None:
    assert connections(probe["parse_events"]) == []
    assert not Path(probe["airflow_db"]).exists(), "parsing or DagBag created the Airflow metadata DB"


def test_parsing_touches_no_storage(probe: dict[str, Any]) -> None:
    assert storage_touches(probe["parse_events"], forbidden_roots(probe)) == []
    assert probe["parse_file_changes"] == [], "parsing created or changed files in storage"


def test_parsing_reads_no_variables(probe: dict[str, Any]) -> None:
    assert probe["variable_reads"] == []


@pytest.mark.parametrize("module", HEAVY_MODULES)
def test_parsing_imports_no_heavy_module(probe: dict[str, Any], module: str) -> None:
    assert module not in probe["new_modules"]
    assert not [m for m in probe["heavy_loaded"] if m == module or m.startswith(module + ".")]


def test_parse_checks_catch_deliberate_calls(probe: dict[str, Any]) -> None:
    """The hook and the checks above flag an open in the tmp store, a SQLite and a socket connect."""
    touched = storage_touches(probe["canary_events"], forbidden_roots(probe))
    assert {"event": "open", "path": probe["canary"]} in touched
    assert probe["canary_file_changes"] == [probe["canary"]]
    kinds = {ev["event"] for ev in connections(probe["canary_events"])}
    assert {"sqlite3.connect", "socket.connect"} <= kinds, probe["canary_events"]
    # and the parse itself was recorded (runpy opened the DAG file), so the hook was live.
    assert any(ev.get("path") == probe["dag_file"] for ev in probe["parse_events"])


def test_the_nightly_trigger_form_offers_source_store_release_id_and_force(probe: dict[str, Any]) -> None:
    if probe["dag_id"] != "nightly_release":
        pytest.skip("the nightly's form")
    params = probe["dags"]["nightly_release"]["params"]
    assert sorted(params) == ["force", "release_id", "source", "store"]
    assert all(p["description"] and len(p["description"]) > 20 for p in params.values()), params
    assert params["force"]["default"] is False and params["force"]["schema"]["type"] == "boolean"
    for name in ("source", "store", "release_id"):
        assert params[name]["default"] is None and params[name]["schema"]["type"] == ["null", "string"]
    assert params["release_id"]["schema"]["pattern"]
