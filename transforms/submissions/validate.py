"""The one submission validator: the CLI, the intake DAG and the nightly build all call :func:`validate_batch`.

Three steps, for a whole batch of files at once:

1. **Read** each file safely (:mod:`transforms.submissions.reader`: size, encoding,
   duplicate keys, NaN, nesting, YAML aliases, control characters).
2. **Structure**: recognise the format and check it with its JSON Schema, then
   convert to the canonical form (:mod:`transforms.submissions.formats`).
3. **Meaning**: flatten every submitted value into rows and run the Great
   Expectations suites ``expectations/submission_*.json`` over the batch in ONE
   GE run (names cleaned with the nightly build's SQL macros, values parsed by the
   nightly build's parser, bounds from the metric registry, existing values and
   names from the latest release). Each failing row comes back by its ``row_id``
   and becomes a :class:`Problem` at its file, record and field.

A file is valid when it has no ``error`` problem; warnings never refuse a file.
"""

from __future__ import annotations

import difflib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transforms.duck import write_arrow
from transforms.errors import PwcError
from transforms.submissions.problems import Problem, has_errors, show

if TYPE_CHECKING:
    import duckdb

    from transforms.submissions.reader_problems import Limits
    from transforms.submissions.reference import Reference
    from transforms.validate.report import GateReport

SUITES = ("submission_results", "submission_papers")
NAME_SUITE = "submission_names"
"""Checked only when there is a release to compare names with."""
EARLIEST_DATE = date(1900, 1, 1)
MAX_SAME_WARNINGS = 3
"""Per file and rule, the same found value is reported at this many places, then summarised."""

_ISSUE_FIX = {
    "missing": "give the number, or leave the metric out if the paper does not report it",
    "multiple_numbers": "give one number per metric (e.g. the mean of '92.0 ± 1.3' is written 92.0;"
    " a second setting is a second model or metric)",
    "text": "a metric value is a number; put words in notes",
    "not_finite": "give a finite number (NaN and infinity are not results)",
    "unparseable": 'write the number plainly, e.g. 85.2, "85.2%" or "1.2M" (no ~, >, ? or notes in the value)',
}


@dataclass(frozen=True)
class Received:
    """One file as received: its name (data, never opened) and its first bytes."""

    name: str
    data: bytes
    """The file's bytes; callers may pass only the first ``max_bytes + 1`` of a larger file."""
    size: int | None = None
    """The file's real size when ``data`` was cut short."""


@dataclass
class Verdict:
    """What the validator decided about one file."""

    index: int
    name: str
    syntax: str | None = None
    format: str | None = None
    submission_id: str | None = None
    canonical: bytes | None = None
    problems: list[Problem] = field(default_factory=list)
    results: int = 0
    """Submitted metric values."""
    papers: int = 0

    @property
    def valid(self) -> bool:
        return not has_errors(self.problems)

    @property
    def status(self) -> str:
        """PASS (no problem), WARN (warnings only) or FAIL (an error)."""
        if not self.valid:
            return "FAIL"
        return "WARN" if self.problems else "PASS"

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "file": self.name,
            "status": self.status,
            "valid": self.valid,
            "format": self.format,
            "syntax": self.syntax,
            "submission_id": self.submission_id,
            "results": self.results,
            "papers": self.papers,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_json_dict() for p in self.problems],
        }


@dataclass
class Batch:
    """Every verdict of one validation run, and what they were compared with."""

    verdicts: list[Verdict]
    reference_release: str | None
    today: date
    seconds: dict[str, float] = field(default_factory=dict)
    gate: dict[str, Any] | None = None
    """The GE report's statistics (expectations evaluated / failed)."""

    @property
    def valid(self) -> bool:
        return all(v.valid for v in self.verdicts)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "files": len(self.verdicts),
            "invalid_files": sum(not v.valid for v in self.verdicts),
            "compared_with_release": self.reference_release,
            "today": self.today.isoformat(),
            "great_expectations": self.gate,
            "verdicts": [v.to_json_dict() for v in self.verdicts],
        }


@dataclass(frozen=True)
class Context:
    """What a validation run needs besides the files."""

    expectations: Path
    limits: Limits | None = None
    reference: Reference | None = None
    today: date | None = None
    """Dates after this are in the future (default: today, UTC)."""


def received_from_paths(paths: Sequence[Path], max_bytes: int) -> list[Received]:
    """Files given on a command line (a directory stands for every file in it, recursively; hidden
    names skipped), each read up to ``max_bytes + 1`` so that an oversized file is recognised
    without reading it all. PwcError for a path that does not exist or a folder with no file."""
    files: list[tuple[str, Path]] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            files += [(p.relative_to(path).as_posix(), p) for p in found]
        elif path.is_file():
            files.append((path.name if path.is_absolute() else path.as_posix(), path))
        elif path.exists():
            raise PwcError(f"{path}: not a regular file (a pipe, socket or device); give the file itself")
        else:
            raise PwcError(f"{path}: no such file or directory")
    if not files:
        raise PwcError(f"{', '.join(map(str, paths))}: no files to validate")
    received = []
    for name, path in files:
        try:
            size = path.stat().st_size
            with path.open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise PwcError(f"{path}: cannot read: {exc.strerror or exc}") from None
        received.append(Received(name, data, size=size))
    return received


def validate_batch(items: Sequence[Received], context: Context) -> Batch:
    """Validate every file; one Great Expectations run covers the whole batch."""
    from transforms.submissions.canonical import canonical_bytes, submission_id
    from transforms.submissions.formats import convert
    from transforms.submissions.reader import read_document
    from transforms.submissions.reader_problems import Limits, Unreadable

    limits = context.limits or Limits()
    today = context.today or datetime.now(UTC).date()
    started = time.perf_counter()
    verdicts: list[Verdict] = []
    canonical: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(items):
        verdict = Verdict(index=index, name=item.name)
        verdicts.append(verdict)
        try:
            verdict.syntax, document = read_document(item.name, item.data, limits, size=item.size)
        except Unreadable as exc:
            verdict.problems.extend(exc.problems)
            continue
        converted = convert(item.name, document)
        verdict.format = converted.format
        verdict.problems.extend(converted.problems)
        if converted.canonical is not None and not has_errors(converted.problems):
            canonical[index] = converted.canonical
            verdict.canonical = canonical_bytes(converted.canonical)
            verdict.submission_id = submission_id(converted.canonical)
    seconds = {"read_and_structure": time.perf_counter() - started}

    batch = Batch(verdicts, context.reference.release_id if context.reference else None, today, seconds)
    if canonical:
        started = time.perf_counter()
        _check_meaning(verdicts, canonical, context, today, batch)
        seconds["meaning"] = time.perf_counter() - started
    for v in verdicts:
        v.problems.sort(key=lambda p: (p.severity != "error", _record_order(p.record), p.field, p.code))
    return batch


def _record_order(record: str) -> tuple[Any, ...]:
    head, _, rest = record.partition("[")
    number = rest.split("]")[0]
    return (head, int(number) if number.isdigit() else -1, record)


# --------------------------------------------------------------------------- meaning (GE)


@dataclass
class _Row:
    file_index: int
    record: str
    field: str
    paper_record: str


def _check_meaning(
    verdicts: list[Verdict],
    canonical: dict[int, dict[str, Any]],
    context: Context,
    today: date,
    batch: Batch,
) -> None:
    import duckdb

    from transforms.duck import create_macros
    from transforms.validate.gate import run_gate

    con = duckdb.connect()
    try:
        create_macros(con)
        rows, papers = _load_rows(con, verdicts, canonical)
        names = _attach_reference(con, context.reference)
        _build_tables(con, with_reference=names is not None)
        tables = list(SUITES) + ([NAME_SUITE] if names is not None else [])
        parameters: dict[str, Any] = {"today": today, "earliest_date": EARLIEST_DATE}
        if names is not None:
            parameters.update({f"ids__{t}__name": frozenset(v) for t, v in names.items()})
        report = run_gate(
            con, context.expectations, tables=tables, parameters=parameters, index_column="row_id"
        )
        batch.gate = report.to_json_dict()["statistics"]
        _problems_from_report(con, report, verdicts, rows, papers, names, context.reference)
    finally:
        con.close()


def _load_rows(
    con: duckdb.DuckDBPyConnection, verdicts: list[Verdict], canonical: dict[int, dict[str, Any]]
) -> tuple[list[_Row], list[_Row]]:
    """Flatten every canonical submission into in-memory tables ``flat_results`` and ``flat_papers``."""
    import pyarrow as pa

    from transforms.normalize.metrics import lookup
    from transforms.normalize.models import name_key
    from transforms.normalize.values import parse_metric_value, value_text
    from transforms.submissions.canonical import flatten_results, papers

    rows: list[_Row] = []
    paper_rows: list[_Row] = []
    results: dict[str, list[Any]] = defaultdict(list)
    paper_cols: dict[str, list[Any]] = defaultdict(list)
    for index, doc in canonical.items():
        flat = flatten_results(doc)
        verdicts[index].results = len(flat)
        for r in flat:
            parsed = parse_metric_value(r.value)
            info = lookup(r.metric, r.task)
            paper = r.paper or {}
            results["row_id"].append(len(rows))
            results["file_index"].append(index)
            results["task_raw"].append(r.task)
            results["dataset_raw"].append(r.dataset)
            results["model_raw"].append(r.model)
            results["metric_raw"].append(r.metric)
            results["paper_arxiv"].append(_text(paper.get("arxiv_id")))
            results["paper_url"].append(_text(paper.get("url")))
            results["paper_title"].append(_text(paper.get("title")))
            results["value_raw"].append(value_text(r.value))
            results["value"].append(parsed.value)
            results["value_issue"].append(parsed.issue)
            results["is_percent"].append(parsed.is_percent)
            results["unit"].append(info.unit)
            results["min_value"].append(info.min_value)
            results["max_value"].append(info.max_value)
            results["metric_key"].append(info.key)
            results["model_key"].append(name_key(r.model) if isinstance(r.model, str) else "")
            rows.append(_Row(index, r.record, r.field, r.paper_record))
        listed = papers(doc)
        verdicts[index].papers = len(listed)
        for record, paper in listed:
            date_raw = paper.get("date")
            if date_raw is None:
                continue
            paper_cols["row_id"].append(len(paper_rows))
            paper_cols["file_index"].append(index)
            paper_cols["date_raw"].append(str(date_raw))
            paper_rows.append(_Row(index, record, "date", record))
    results_schema = pa.schema(
        [("row_id", pa.int64()), ("file_index", pa.int32())]
        + [(c, pa.string()) for c in ("task_raw", "dataset_raw", "model_raw", "metric_raw")]
        + [(c, pa.string()) for c in ("paper_arxiv", "paper_url", "paper_title", "value_raw")]
        + [("value", pa.float64()), ("value_issue", pa.string()), ("is_percent", pa.bool_())]
        + [("unit", pa.string()), ("min_value", pa.float64()), ("max_value", pa.float64())]
        + [("metric_key", pa.string()), ("model_key", pa.string())]
    )
    papers_schema = pa.schema([("row_id", pa.int64()), ("file_index", pa.int32()), ("date_raw", pa.string())])
    flat_results = pa.Table.from_pydict(
        {name: results.get(name, []) for name in results_schema.names}, schema=results_schema
    )
    flat_papers = pa.Table.from_pydict(
        {name: paper_cols.get(name, []) for name in papers_schema.names}, schema=papers_schema
    )
    write_arrow(con, "flat_results", flat_results)
    write_arrow(con, "flat_papers", flat_papers)
    return rows, paper_rows


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _attach_reference(
    con: duckdb.DuckDBPyConnection, reference: Reference | None
) -> dict[str, set[str]] | None:
    """Attach the release to compare with, read-only, and the ``ref_*`` views over it
    (``sql/submissions/reference_*.sql``); its task/dataset/metric names (None without a release)."""
    from transforms.duck import SQL_DIR, sql_literal

    if reference is None:
        con.execute((SQL_DIR / "submissions" / "reference_none.sql").read_text(encoding="utf-8"))
        return None
    try:
        con.execute(f"ATTACH {sql_literal(str(reference.duckdb_path))} AS ref (READ_ONLY)")
    except Exception as exc:  # duckdb raises IOException, SerializationException, ...
        raise PwcError(
            f"{reference.duckdb_path}: cannot open release {reference.release_id} to compare with: {exc}"
        ) from exc
    # A release from before deduplication (schema < 1.2) has no keys: there, names match as spelled.
    deduplicated = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = 'ref' "
        "AND table_name = 'metrics' AND column_name = 'name_key'"
    ).fetchone()
    views = "reference_deduplicated.sql" if deduplicated and deduplicated[0] else "reference_by_name.sql"
    con.execute((SQL_DIR / "submissions" / views).read_text(encoding="utf-8"))
    return {
        "tasks": {r[0] for r in con.execute("SELECT name FROM ref.tasks").fetchall()},
        "datasets": {r[0] for r in con.execute("SELECT name FROM ref.datasets").fetchall()},
        "metrics": {r[0] for r in con.execute("SELECT name FROM ref_metric_names").fetchall() if r[0]},
    }


def _alias_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Fill ``ref_alias_keys`` (model_id, match_key) with every spelling the release archived for the
    papers the batch names (``ref.model_aliases``), under its folded name: the model-identity rules
    join more than folded names, so a submitted spelling must find its model under any of them.
    The folding is Python's (:func:`transforms.normalize.models.name_key`), hence not in the SQL."""
    import pyarrow as pa

    from transforms.normalize.models import name_key

    rows = con.execute(
        """
        SELECT DISTINCT a.model_id, a.paper_id, clean_name(a.name_raw)
        FROM ref.model_aliases AS a
        WHERE a.paper_id IN (SELECT make_id('pap', paper_key) FROM submission_keyed WHERE paper_key IS NOT NULL)
        ORDER BY ALL
        """
    ).fetchall()
    table = pa.Table.from_pydict(
        {
            "model_id": [r[0] for r in rows],
            "match_key": [f"{r[1]}\x1f{name_key(r[2] or '')}" for r in rows],
        },
        schema=pa.schema([("model_id", pa.string()), ("match_key", pa.string())]),
    )
    write_arrow(con, "ref_alias_keys", table, mode="append")


def _build_tables(con: duckdb.DuckDBPyConnection, with_reference: bool) -> None:
    """The frames the suites check (``sql/submissions``), from the flat tables: the same cleaning
    and identity macros as the release, and the release's ids through the ``ref_*`` views."""
    from transforms.duck import run_model, run_models

    run_model(con, "submissions", "submission_keyed")
    deduplicated = con.execute("SELECT deduplicated FROM ref_info").fetchone()
    if deduplicated and deduplicated[0]:
        _alias_keys(con)
    models = ["submission_results", "submission_papers"]
    run_models(con, "submissions", models + (["submission_names"] if with_reference else []))


# --------------------------------------------------------------------------- failures -> problems


def _problems_from_report(
    con: duckdb.DuckDBPyConnection,
    report: GateReport,
    verdicts: list[Verdict],
    rows: list[_Row],
    paper_rows: list[_Row],
    names: dict[str, set[str]] | None,
    reference: Reference | None,
) -> None:
    fetched: dict[str, list[dict[str, Any]]] = {}

    def frame_of(table: str) -> list[dict[str, Any]]:
        # Rows come back to Python only for a table with a failure (names share the results' rows).
        source = "submission_results" if table == "submission_names" else table
        if source not in fetched:
            fetched[source] = _fetch(con, source)
        return fetched[source]

    suggester = _Suggester(names or {})
    for table, table_report in report.tables.items():
        for e in table_report.expectations:
            if e.success:
                continue
            meta = e.meta
            code = str(meta.get("code") or e.type)
            if e.exception or not e.unexpected_index:
                # An expectation that could not run, or a table-level failure: a bug, not bad input.
                raise PwcError(
                    f"submission suite {table}.json: {e.describe()} failed without naming rows"
                    f" ({e.exception or e.observed_value}); the validator and the suite disagree"
                )
            frame = frame_of(table)
            places = paper_rows if table == "submission_papers" else rows
            seen: dict[tuple[int, str], int] = defaultdict(int)
            reported: set[tuple[int, str, str]] = set()
            first_of = _first_occurrences(frame, e.unexpected_index) if code == "result.duplicate" else {}
            for row_id in e.unexpected_index:
                row = frame[int(row_id)]
                place = places[int(row_id)]
                if code == "result.duplicate":
                    first = first_of[int(row_id)]
                    if first == int(row_id):
                        continue  # the first listing is fine; each repeat is reported
                    row = {**row, "first_record": places[first].record}
                problem = _problem(code, meta, row, place, verdicts, suggester, reference)
                once = (place.file_index, problem.record + "." + problem.field, problem.found)
                if once in reported:
                    continue  # e.g. one unknown task named once, seen by every metric of the result
                reported.add(once)
                key = (place.file_index, problem.found)
                seen[key] += 1
                if problem.severity == "warning" and seen[key] > MAX_SAME_WARNINGS:
                    continue
                verdicts[place.file_index].problems.append(problem)
            for (file_index, found), count in seen.items():
                if count > MAX_SAME_WARNINGS and str(meta.get("severity")) == "warning":
                    verdicts[file_index].problems.append(
                        Problem(
                            verdicts[file_index].name,
                            "(file)",
                            "",
                            str(meta.get("expected", "")),
                            f"{found} at {count - MAX_SAME_WARNINGS} more places",
                            str(meta.get("fix", "")),
                            "warning",
                            code,
                        )
                    )


def _first_occurrences(frame: list[dict[str, Any]], row_ids: list[Any]) -> dict[int, int]:
    """For each duplicated row, the first row (lowest id) with the same result identity."""
    first: dict[tuple[Any, ...], int] = {}
    out: dict[int, int] = {}
    for row_id in sorted(int(r) for r in row_ids):
        row = frame[row_id]
        key = tuple(row[k] for k in ("file_index", "task", "dataset", "paper_key", "model", "metric"))
        out[row_id] = first.setdefault(key, row_id)
    return out


def _fetch(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    from transforms.duck import read_arrow

    rows: list[dict[str, Any]] = read_arrow(con, table, order_by="row_id").to_pylist()
    return rows


def _problem(
    code: str,
    meta: dict[str, Any],
    row: dict[str, Any],
    place: _Row,
    verdicts: list[Verdict],
    suggester: _Suggester,
    reference: Reference | None,
) -> Problem:
    severity = "warning" if meta.get("severity") == "warning" else "error"
    expected = str(meta.get("expected", meta.get("why", "")))
    fix = str(meta.get("fix", ""))
    record, fld = place.record, place.field
    found = show(row.get("value_raw"))
    if code == "value.unparsed":
        found = f"{show(row['value_raw'])} ({row['value_issue'].replace('_', ' ')})"
        fix = _ISSUE_FIX.get(str(row["value_issue"]), fix)
    elif code in ("value.below_min", "value.above_max"):
        low, high = row["min_value"], row["max_value"]
        unit = row["unit"] or "value"
        expected = f"{row['metric']} is a {unit} metric: a value in [{_num(low)}, {_num(high)}]"
        found = f"{show(row['value_raw'])} (read as {_num(row['value_in_unit'])})"
    elif code == "result.duplicate":
        found = f"{show(row['metric'])} for model {show(row['model'])} again; first listed at {row['first_record']}"
    elif code == "result.conflict":
        rid = reference.release_id if reference else "?"
        expected = (
            f"{show(row['existing_value_raw'])} as in release {rid} (result {row['existing_result_id']})"
        )
        found = show(row["value_raw"])
    elif code in ("date.invalid", "date.out_of_range"):
        found = show(row["date_raw"])
        if code == "date.out_of_range" and row["date"] is not None and row["date"] > EARLIEST_DATE:
            expected = "a date that is not in the future"
        elif code == "date.out_of_range":
            expected = f"a date on or after {EARLIEST_DATE.isoformat()}"
    elif code.startswith("name.unknown_"):
        kind = code.removeprefix("name.unknown_")
        column = {"task": "task", "dataset": "dataset", "metric": "metric"}[kind]
        value = str(row[column])
        found = show(value)
        fld = column if column != "metric" else fld
        hint = suggester.suggest(kind + "s", value)
        if hint:
            fix = f"did you mean {show(hint)}? " + fix
    return Problem(verdicts[place.file_index].name, record, fld, expected, found, fix, severity, code)  # type: ignore[arg-type]


def _num(value: Any) -> str:
    if value is None:
        return "…"
    return f"{value:g}" if isinstance(value, float) else str(value)


class _Suggester:
    """Close names from the latest release: case-insensitive exact match first, then difflib."""

    def __init__(self, names: dict[str, set[str]]) -> None:
        self.names = {k: sorted(v) for k, v in names.items()}
        self.lowered = {k: {n.lower(): n for n in v} for k, v in names.items()}
        self.cache: dict[tuple[str, str], str | None] = {}

    def suggest(self, kind: str, value: str) -> str | None:
        key = (kind, value)
        if key not in self.cache:
            exact = self.lowered.get(kind, {}).get(value.lower())
            if exact is not None:
                self.cache[key] = exact
            else:
                lowered = list(self.lowered.get(kind, {}))
                close = difflib.get_close_matches(value.lower(), lowered, n=1, cutoff=0.75)
                self.cache[key] = self.lowered[kind][close[0]] if close else None
        return self.cache[key]
