"""The release diff on synthetic tables with the real release columns: exact counts, exact change rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from transforms.client.diff import (
    CHANGES_TABLE,
    ReleaseDiff,
    TableDiff,
    diff_release_dirs,
    diff_tables,
    first_changes,
    render_changelog,
    render_text,
)
from transforms.duck import quote_ident, sql_literal
from transforms.errors import PwcError
from transforms.release.schema import ENTITY_TABLES, TABLES

A, B = "2026-01-02.0", "2026-02-01.0"


def create(
    con: duckdb.DuckDBPyConnection,
    name: str,
    table: str,
    rows: list[dict[str, Any]],
    *,
    drop: tuple[str, ...] = (),
    add: dict[str, str] | None = None,
    retype: dict[str, str] | None = None,
) -> str:
    """Table ``name`` with the real columns of ``table`` (minus ``drop``, plus ``add``); returns its relation."""
    cols = [(c.name, (retype or {}).get(c.name, c.type)) for c in TABLES[table].columns if c.name not in drop]
    cols += list((add or {}).items())
    con.execute(f"CREATE TABLE {quote_ident(name)} ({', '.join(f'{quote_ident(n)} {t}' for n, t in cols)})")
    for row in rows:
        names = ", ".join(quote_ident(c) for c in row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO {quote_ident(name)} ({names}) VALUES ({marks})", list(row.values()))
    return quote_ident(name)


def paper(pid: str, **values: Any) -> dict[str, Any]:
    return {"paper_id": pid, "title": f"Title {pid}", "authors": ["Ada", "Bob"], **values}


def changes(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT * FROM {CHANGES_TABLE} ORDER BY table_name, id").fetchall()


@pytest.fixture
def con() -> Any:
    db = duckdb.connect()
    yield db
    db.close()


def test_counts_and_change_rows_are_exact(con: duckdb.DuckDBPyConnection) -> None:
    old = create(
        con,
        "old_papers",
        "papers",
        [paper("p1"), paper("p2"), paper("p3"), paper("p4"), paper("p5"), paper("p7")],
    )
    new = create(
        con,
        "new_papers",
        "papers",
        [
            paper("p1"),  # unchanged
            paper("p2", title="Retitled"),  # changed
            paper("p3", abstract="Now has one"),  # NULL -> value is a change
            paper("p6"),  # added
            paper("p7", authors=["Ada"], url_pdf="https://x/p7.pdf"),  # a list and a scalar differ
        ],  # p4 removed, p5 merged into p1
    )
    redirects = create(con, "redirects", "id_redirects", [{"old_id": "p5", "new_id": "p1"}])
    diff = diff_tables(
        con, {"papers": old}, {"papers": new}, old_release=A, new_release=B, redirects=redirects
    )

    t = diff.tables["papers"]
    assert (t.rows_before, t.rows_after) == (6, 5)
    assert (t.added, t.removed, t.merged, t.changed, t.unchanged) == (1, 1, 1, 3, 1)
    assert t.rows_after == t.rows_before + t.added - t.removed - t.merged
    assert (t.columns_added, t.columns_removed, t.schema_changed) == ([], [], False)
    assert list(diff.tables) == ["papers"]  # tables absent on both sides are left out
    assert changes(con) == [
        ("p2", "papers", "changed", None, ["title"], A),
        ("p3", "papers", "changed", None, ["abstract"], A),
        ("p4", "papers", "removed", None, None, A),
        ("p5", "papers", "merged", "p1", None, A),
        ("p6", "papers", "added", None, None, A),
        ("p7", "papers", "changed", None, ["authors", "url_pdf"], A),  # sorted column names
    ]


def test_changes_table_has_exactly_the_release_columns(con: duckdb.DuckDBPyConnection) -> None:
    rel = create(con, "t", "tasks", [{"task_id": "t1", "name": "T"}])
    diff_tables(con, {"tasks": rel}, {"tasks": rel}, old_release=A, new_release=B)
    described = con.execute(f"DESCRIBE {CHANGES_TABLE}").fetchall()
    assert [(r[0], r[1]) for r in described] == [(c.name, c.type) for c in TABLES["changes"].columns]
    assert changes(con) == []  # unchanged rows are never listed


def test_without_redirects_every_vanished_id_is_removed(con: duckdb.DuckDBPyConnection) -> None:
    old = create(con, "old_papers", "papers", [paper("p1"), paper("p5")])
    new = create(con, "new_papers", "papers", [paper("p1")])
    diff = diff_tables(con, {"papers": old}, {"papers": new}, old_release=A, new_release=B)
    assert (diff.tables["papers"].removed, diff.tables["papers"].merged) == (1, 0)


def test_a_schema_change_is_reported_once_not_as_changed_rows(con: duckdb.DuckDBPyConnection) -> None:
    old = create(
        con,
        "old_results",
        "results",
        [{"result_id": "r1", "value": 1.0, "legacy": "x"}, {"result_id": "r2", "value": 2.0, "legacy": "y"}],
        drop=("value_normalized", "value_flag", "direction"),
        add={"legacy": "VARCHAR"},
    )
    new = create(
        con,
        "new_results",
        "results",
        [
            {"result_id": "r1", "value": 1.0, "value_normalized": 100.0, "value_flag": "percent_rescaled"},
            {"result_id": "r2", "value": 2.5, "value_normalized": 2.5},
        ],
    )
    diff = diff_tables(con, {"results": old}, {"results": new}, old_release=A, new_release=B)
    t = diff.tables["results"]
    assert (t.changed, t.unchanged) == (1, 1)
    assert t.columns_added == ["direction", "value_flag", "value_normalized"]
    assert t.columns_removed == ["legacy"]
    assert changes(con) == [("r2", "results", "changed", None, ["value"], A)]


def test_a_widened_column_type_changes_no_row(con: duckdb.DuckDBPyConnection) -> None:
    rows = [{"metric_id": "m1", "name": "Acc", "name_key": "acc", "is_known": True, "result_count": 3}]
    old = create(con, "old_metrics", "metrics", rows, retype={"result_count": "INTEGER"})
    new = create(con, "new_metrics", "metrics", rows)
    diff = diff_tables(con, {"metrics": old}, {"metrics": new}, old_release=A, new_release=B)
    t = diff.tables["metrics"]
    assert (t.changed, t.unchanged, t.columns_retyped) == (0, 1, ["result_count"])


def test_a_table_new_in_the_schema_has_every_row_added(con: duckdb.DuckDBPyConnection) -> None:
    papers = create(con, "papers", "papers", [paper("p1")])
    aliases = create(
        con,
        "model_aliases",
        "model_aliases",
        [
            {"alias_id": f"a{i}", "model_id": "m", "name_raw": "M", "spelling_id": "m", "result_cells": 1}
            for i in range(3)
        ],
    )
    diff = diff_tables(
        con,
        {"papers": papers, "model_aliases": None},
        {"papers": papers, "model_aliases": aliases},
        old_release=A,
        new_release=B,
    )
    t = diff.tables["model_aliases"]
    assert (t.rows_before, t.rows_after, t.added, t.table_added, t.columns_added) == (0, 3, 3, True, [])
    assert diff.tables["papers"].unchanged == 1
    assert [r[:3] for r in changes(con)] == [(f"a{i}", "model_aliases", "added") for i in range(3)]


def test_the_first_release_counts_rows_and_lists_no_change(con: duckdb.DuckDBPyConnection) -> None:
    papers = create(con, "papers", "papers", [paper("p1"), paper("p2")])
    diff = diff_tables(con, {}, {"papers": papers}, old_release=None, new_release=A)
    assert diff.is_first_release
    t = diff.tables["papers"]
    assert (t.rows_before, t.rows_after, t.added, t.table_added) == (0, 2, 2, False)
    assert changes(con) == []
    assert diff.to_json_dict()["old_release"] is None


def test_diff_changes_is_recreated_on_each_call(con: duckdb.DuckDBPyConnection) -> None:
    old = create(con, "old_papers", "papers", [paper("p1")])
    new = create(con, "new_papers", "papers", [paper("p2")])
    diff_tables(con, {"papers": old}, {"papers": new}, old_release=A, new_release=B)
    assert len(changes(con)) == 2
    diff_tables(con, {"papers": new}, {"papers": new}, old_release=A, new_release=B)
    assert changes(con) == []


def test_a_duplicate_key_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    old = create(con, "old_papers", "papers", [paper("p1")])
    new = create(con, "new_papers", "papers", [paper("p1"), paper("p1", title="Other")])
    with pytest.raises(PwcError, match=r"^papers: the key paper_id is NULL or not unique in \"new_papers\""):
        diff_tables(con, {"papers": old}, {"papers": new}, old_release=A, new_release=B)


def test_a_null_key_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    old = create(con, "old_papers", "papers", [paper("p1")])
    new = create(con, "new_papers", "papers", [paper("p1"), {"paper_id": None, "title": "No id"}])
    with pytest.raises(PwcError, match=r"^papers: the key paper_id is NULL or not unique in \"new_papers\""):
        diff_tables(con, {"papers": old}, {"papers": new}, old_release=A, new_release=B)


def test_a_relation_without_its_key_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    old = create(con, "old_papers", "papers", [paper("p1")])
    con.execute("CREATE TABLE bad AS SELECT 'p1' AS id")
    with pytest.raises(PwcError, match=r"^papers: \"bad\" has no key column 'paper_id' \(found id\)$"):
        diff_tables(con, {"papers": old}, {"papers": '"bad"'}, old_release=A, new_release=B)


# --- release directories ---------------------------------------------------------------------


def write_release(root: Path, release_id: str, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """A release directory with manifest.json and parquet/<table>.parquet for the given tables."""
    d = root / release_id
    (d / "parquet").mkdir(parents=True)
    con = duckdb.connect()
    for table, rows in tables.items():
        create(con, table, table, rows)
        target = d / "parquet" / f"{table}.parquet"
        con.execute(f"COPY {quote_ident(table)} TO {sql_literal(str(target))} (FORMAT parquet)")
    con.close()
    (d / "manifest.json").write_text(json.dumps({"release_id": release_id}))
    return d


def two_releases(tmp_path: Path) -> tuple[Path, Path]:
    a = write_release(
        tmp_path,
        A,
        {
            "papers": [paper("p1"), paper("p2"), paper("p3")],
            "tasks": [{"task_id": "t1", "name": "Segmentation"}, {"task_id": "t2", "name": "segmentation"}],
        },
    )
    b = write_release(
        tmp_path,
        B,
        {
            "papers": [paper("p1", published="2020-01-01"), paper("p3"), paper("p4")],
            "tasks": [{"task_id": "t1", "name": "Segmentation"}],
            "id_redirects": [
                {"old_id": "t2", "new_id": "t1", "entity": "tasks", "reason": "r", "release": B}
            ],
        },
    )
    return a, b


def test_release_directories_diff_and_change_rows(tmp_path: Path) -> None:
    a, b = two_releases(tmp_path)
    diff, rows = diff_release_dirs(a, b)
    assert (diff.old_release, diff.new_release) == (A, B)
    assert list(diff.tables) == ["papers", "tasks"]
    assert diff.totals() == {
        "rows_before": 5,
        "rows_after": 4,
        "added": 1,
        "removed": 1,
        "merged": 1,
        "changed": 1,
        "unchanged": 2,
    }
    assert rows.column_names == TABLES["changes"].column_names
    assert rows.to_pylist() == [  # ENTITY_TABLES order, then the kind of change, then id
        {"id": "p4", "table_name": "papers", "change": "added", "new_id": None, "changed_columns": None,
         "previous_release": A},
        {"id": "p2", "table_name": "papers", "change": "removed", "new_id": None, "changed_columns": None,
         "previous_release": A},
        {"id": "p1", "table_name": "papers", "change": "changed", "new_id": None,
         "changed_columns": ["published"], "previous_release": A},
        {"id": "t2", "table_name": "tasks", "change": "merged", "new_id": "t1", "changed_columns": None,
         "previous_release": A},
    ]  # fmt: skip
    assert [(r["table_name"], r["change"]) for r in first_changes(rows, 1)] == [
        ("papers", "added"),
        ("papers", "removed"),
        ("papers", "changed"),
        ("tasks", "merged"),
    ]
    assert first_changes(rows, 0) == []


def test_a_directory_without_manifest_is_named(tmp_path: Path) -> None:
    a, _ = two_releases(tmp_path)
    with pytest.raises(PwcError, match=r"manifest\.json: not found; expected a release directory$"):
        diff_release_dirs(a, tmp_path / "nope")


def test_entity_tables_are_what_the_diff_compares() -> None:
    assert "results" in ENTITY_TABLES and "changes" not in ENTITY_TABLES
    assert "id_redirects" not in ENTITY_TABLES and "conflicts" not in ENTITY_TABLES


# --- reports ---------------------------------------------------------------------------------


def test_changelog_is_deterministic_and_complete(tmp_path: Path) -> None:
    a, b = two_releases(tmp_path)
    first = render_changelog(diff_release_dirs(a, b)[0])
    again = render_changelog(diff_release_dirs(a, b)[0])
    assert first.encode() == again.encode()
    assert first.startswith(f"# Changes in {B} since {A}\n")
    assert "| table | rows before | rows after | added | removed | merged | changed |" in first
    assert "| `papers` | 3 | 3 | 1 | 1 | 0 | 1 |" in first
    assert "| `tasks` | 2 | 1 | 0 | 0 | 1 | 0 |" in first
    assert "| **total** | 5 | 4 | 1 | 1 | 1 | 1 |" in first
    assert "## Schema changes\n\nNone.\n" in first
    assert "SELECT change, id, new_id, changed_columns FROM changes WHERE table_name = 'results'" in first
    assert first.endswith("Data sourced from the Papers with Code archive (CC BY-SA 4.0).\n")


def test_changelog_lists_schema_changes() -> None:
    diff = ReleaseDiff(A, B, {})
    diff.tables["results"] = TableDiff(
        "results", 2, 2, 0, 0, 0, 0, 2, columns_added=["direction", "value_flag"], columns_removed=["legacy"]
    )
    diff.tables["model_aliases"] = TableDiff("model_aliases", 0, 3, 3, 0, 0, 0, 0, table_added=True)
    text = render_changelog(diff)
    assert "- `results`: columns added: `direction`, `value_flag`; columns removed: `legacy`\n" in text
    assert "- `model_aliases`: new table\n" in text


def test_first_release_changelog_says_there_is_nothing_to_compare(con: duckdb.DuckDBPyConnection) -> None:
    papers = create(con, "papers", "papers", [paper("p1"), paper("p2")])
    text = render_changelog(diff_tables(con, {}, {"papers": papers}, old_release=None, new_release=A))
    assert text.startswith(f"# Changes in {A}: first release\n\nThis is the first release:")
    assert "| `papers` | 2 |" in text and "rows before" not in text
    assert text.endswith("Data sourced from the Papers with Code archive (CC BY-SA 4.0).\n")


def test_text_report(tmp_path: Path) -> None:
    a, b = two_releases(tmp_path)
    diff, rows = diff_release_dirs(a, b)
    text = render_text(diff, first_changes(rows, 5))
    lines = text.splitlines()
    assert lines[0] == f"Changes in {B} since {A}"
    assert lines[2].split() == [
        "table",
        "before",
        "after",
        "added",
        "removed",
        "merged",
        "changed",
        "unchanged",
    ]
    assert lines[3].split() == ["papers", "3", "3", "1", "1", "0", "1", "1"]
    assert lines[5].split() == ["total", "5", "4", "1", "1", "1", "1", "2"]
    assert "schema changes: none" in lines
    assert "  tasks   merged   t2 → t1" in lines
    assert "  papers  changed  p1 (published)" in lines
