"""The site's index: derived tables that make every page a read of one contiguous range.

A release's tables are sorted by their own keys; a page needs rows by another key (a paper's
results, a task's leaderboards), with names from five tables, and a search needs an inverted
index (DuckDB's ``fts`` extension is a download this project cannot rely on). These tables,
built from the release tables by the SQL files in ``transforms/sql/site_index/`` and each sorted by the key a
page reads it by (so DuckDB's min/max zone maps skip every other block), live in a file of their
own, next to the release and never inside it (:func:`ensure_index_file`):

- the nightly builds it right after publishing (the ``site_index`` task), and
- ``pwc-archive serve`` builds it when it opens a release whose file is not there yet.

The release itself carries none of it: the index is 45 % of a ``pwc.duckdb`` that held it (366 of
822 MB at full scale), which every downloader paid for, and 9 s of every build. Releases built
before the move still hold the tables; the site reads those (:func:`has_site_index`).
They are derived data only: no release table depends on them.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import duckdb

from transforms.duck import SQL_DIR, Limits, connect, quote_ident, sql_literal

INDEX_SQL = SQL_DIR / "site_index"

FORMAT = "pwc-site-index/1"
"""Bumped whenever a table below changes shape: an older index is then rebuilt at start."""

INFO_TABLE = "site_index_info"

SITE_TABLES: dict[str, str] = {
    "site_results": "Site index: every result with the names a page shows, ranked, by leaderboard",
    "site_paper_results": "Site index: each paper page's Results table rows in page order, by paper",
    "site_boards": "Site index: one row per leaderboard (task, dataset, metric), size and state of the art",
    "site_tasks": "Site index: tasks with their counts, by name",
    "site_datasets": "Site index: datasets with their counts, by name",
    "site_methods": "Site index: methods, by name",
    "site_papers_by_date": "Site index: every paper, newest first",
    "site_task_papers": "Site index: (task, paper) pairs, newest paper first: related papers",
    "site_code_links": "Site index: code links by paper, official first",
    "site_paper_pages": "Site index: per paper, its tasks, Results rows, code links and related papers",
    "site_search_docs": "Site index: searchable tasks, datasets, models and papers",
    "site_search_terms": "Site index: inverted index (token, doc) of site_search_docs, by token",
}
"""Built in this order (later files read earlier tables)."""

TOKENS_MACRO = "site_tokens"


def tokens_macro_sql(*, temporary: bool) -> str:
    """``CREATE MACRO site_tokens(s)``: the one tokenizer of the index and of search queries.

    Temporary at release time (the release file keeps no macro); a plain macro in the server's
    in-memory catalog, where every cursor of the connection sees it.
    """
    body = (INDEX_SQL / "tokens.sql").read_text(encoding="utf-8")
    return f"CREATE OR REPLACE {'TEMP ' if temporary else ''}MACRO {TOKENS_MACRO}(s) AS (\n{body}\n)"


def build_site_index(con: duckdb.DuckDBPyConnection, *, temporary_macro: bool = True) -> dict[str, float]:
    """Create every site table in ``con``'s current database from the release tables it can see.

    Returns the seconds each table took. Safe to rerun (tables are replaced).
    """
    con.execute(tokens_macro_sql(temporary=temporary_macro))
    seconds: dict[str, float] = {}
    for name, description in SITE_TABLES.items():
        started = time.perf_counter()
        sql = (INDEX_SQL / f"{name}.sql").read_text(encoding="utf-8")
        con.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} AS\n{sql}")
        con.execute(f"COMMENT ON TABLE {quote_ident(name)} IS {sql_literal(description)}")
        seconds[name] = time.perf_counter() - started
    con.execute(f"CREATE OR REPLACE TABLE {INFO_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
    con.execute("INSERT INTO site_index_info VALUES ('format', ?)", [FORMAT])
    con.execute(
        f"COMMENT ON TABLE {INFO_TABLE} IS "
        + sql_literal("Format of the site index tables (site_*), read by pwc-archive serve")
    )
    return seconds


def has_site_index(con: duckdb.DuckDBPyConnection, catalog: str) -> bool:
    """Whether database ``catalog`` holds every site table, of the current :data:`FORMAT`."""
    wanted = [*SITE_TABLES, INFO_TABLE]
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND list_contains(?, table_name)",
        [catalog, wanted],
    ).fetchone()
    if not found or found[0] != len(wanted):
        return False
    # Only the catalog's name, quoted, is formatted in.
    sql = f"SELECT value FROM {quote_ident(catalog)}.main.site_index_info WHERE key = 'format'"  # noqa: S608
    row = con.execute(sql).fetchone()
    return row is not None and row[0] == FORMAT


RELEASE_ALIAS = "rel"
"""The alias the release's ``pwc.duckdb`` is ATTACHed under (read-only) while an index file is built."""


INDEX_SUFFIX = ".site.duckdb"


def index_file_name(release_id: str, duckdb_sha256: str) -> str:
    """The index file of one release: named by the release and the sha256 of its ``pwc.duckdb``
    (from the manifest), so a rebuilt release never meets the index of an older file."""
    return f"{release_id}-{duckdb_sha256[:16]}{INDEX_SUFFIX}"


def index_file_release(name: str) -> str | None:
    """The release id an index file's name (:func:`index_file_name`) was made of; None for another file."""
    return name.removesuffix(INDEX_SUFFIX).rsplit("-", 1)[0] if name.endswith(INDEX_SUFFIX) else None


def ensure_index_file(release_db: Path, target: Path, limits: Limits) -> bool:
    """Make sure ``target`` holds the site index of ``release_db`` (built if it is missing or of an
    older :data:`FORMAT`). Returns whether it was built now.

    The file is written beside ``target`` and renamed into place once complete, under a lock
    (``target`` + ``.lock``): two processes opening the same release at once build it once,
    and a reader never sees a half-built index. ``release_db`` is only read.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(target.name + ".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if holds_site_index(target):
            return False
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        partial.unlink(missing_ok=True)
        try:
            with connect(partial, limits) as con:
                con.execute(f"ATTACH {sql_literal(str(release_db))} AS {RELEASE_ALIAS} (READ_ONLY)")
                home = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
                con.execute(f"SET search_path = {sql_literal(f'{home}.main,{RELEASE_ALIAS}.main')}")
                build_site_index(con)
                con.execute(f"DETACH {RELEASE_ALIAS}")
                con.execute("CHECKPOINT")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
            partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
        return True


def holds_site_index(path: Path) -> bool:
    """Whether the DuckDB file ``path`` holds a complete site index of the current :data:`FORMAT`
    (an index file, or a release built before the index moved out of ``pwc.duckdb``)."""
    if not path.is_file():
        return False
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return has_site_index(con, str(con.execute("SELECT current_database()").fetchone()[0]))  # type: ignore[index]
    except duckdb.Error:
        return False
