"""What changed between two releases: per-table counts, schema changes and every changed id.

Rows are matched on their table's key (``TABLES[t].key``) for every table in
``ENTITY_TABLES``, with one FULL OUTER JOIN per table in DuckDB (no Python loop
over rows). Each key is one of:

- ``added``: only in the new release;
- ``removed``: only in the old release, and not redirected;
- ``merged``: only in the old release, and an ``old_id`` of the new release's
  ``id_redirects`` (``new_id`` says where it resolves now);
- ``changed``: in both, and at least one column present in both schemas differs
  (``IS DISTINCT FROM``, so NULL against a value is a change). A column added or
  removed by a schema change is reported once in ``columns_added`` /
  ``columns_removed``, never as a change of every row;
- ``unchanged``: in both, every common column equal. Counted, never listed.

The ids themselves go to the TEMP table ``diff_changes``, with exactly the
columns of ``TABLES["changes"]``: the build publishes it as the ``changes``
table, and ``render_changelog`` writes the release's ``CHANGELOG.md``.

The first release (``old_release`` None) has nothing to compare with: its diff
counts every row as added (so ``rows_after = rows_before + added - removed -
merged`` holds for every diff), and ``diff_changes`` is empty.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from transforms.duck import quote_ident, sql_literal
from transforms.errors import PwcError
from transforms.release.schema import ENTITY_TABLES, TABLES

if TYPE_CHECKING:
    import pyarrow as pa

CHANGES_TABLE = "diff_changes"
"""The TEMP table ``diff_tables`` (re)creates: the rows of the release's ``changes`` table."""

CHANGE_KINDS = ("added", "removed", "merged", "changed")
"""The values of ``changes.change``, in report order."""

CHANGES_QUERY_EXAMPLE = "SELECT change, id, new_id, changed_columns FROM changes WHERE table_name = 'results' ORDER BY ALL LIMIT 20;"

COUNTS = ("rows_before", "rows_after", "added", "removed", "merged", "changed", "unchanged")

REDIRECTS_TABLE = "id_redirects"


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(sql_literal(v) for v in values) + "]"


_CHANGE_ORDER = (
    f"list_position({_sql_list(ENTITY_TABLES)}, table_name), "
    f"list_position({_sql_list(CHANGE_KINDS)}, change), table_name, id"
)
"""Report order of change rows: tables in ENTITY_TABLES order, then the kind of change, then id."""


@dataclass
class TableDiff:
    """How one entity table changed. ``rows_after = rows_before + added - removed - merged``."""

    table: str
    rows_before: int
    rows_after: int
    added: int
    removed: int
    merged: int
    changed: int
    unchanged: int
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    columns_retyped: list[str] = field(default_factory=list)
    """Columns in both schemas whose type differs (values compared after casting to the new type)."""
    table_added: bool = False
    """The old release had no such table (not set for the first release)."""
    table_removed: bool = False
    """The new release has no such table."""

    @property
    def schema_changed(self) -> bool:
        return bool(
            self.columns_added
            or self.columns_removed
            or self.columns_retyped
            or self.table_added
            or self.table_removed
        )


@dataclass
class ReleaseDiff:
    """The difference between two releases, table by table (``ENTITY_TABLES`` order)."""

    old_release: str | None
    new_release: str
    tables: dict[str, TableDiff]

    @property
    def is_first_release(self) -> bool:
        return self.old_release is None

    def totals(self) -> dict[str, int]:
        """Each count summed over the tables."""
        return {k: sum(getattr(t, k) for t in self.tables.values()) for k in COUNTS}

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: release ids, per-table counts and schema changes, totals."""
        return {
            "old_release": self.old_release,
            "new_release": self.new_release,
            "tables": {name: asdict(t) for name, t in self.tables.items()},
            "totals": self.totals(),
        }


def create_changes_table(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the empty TEMP table ``diff_changes`` with the columns of ``TABLES["changes"]``."""
    columns = ", ".join(
        f"{quote_ident(c.name)} {c.type}{'' if c.nullable else ' NOT NULL'}"
        for c in TABLES["changes"].columns
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {CHANGES_TABLE} ({columns})")


def diff_tables(
    con: duckdb.DuckDBPyConnection,
    old: Mapping[str, str | None],
    new: Mapping[str, str | None],
    *,
    old_release: str | None,
    new_release: str,
    redirects: str | None = None,
) -> ReleaseDiff:
    """Compare the entity tables of two releases; fill the TEMP table ``diff_changes`` in ``con``.

    ``old`` and ``new`` map table names of ``ENTITY_TABLES`` to SQL relations usable
    after FROM (``read_parquet('/r/parquet/papers.parquet')``, a quoted table name).
    A table missing (or None) on one side only is compared with an empty table: a table
    new in this schema has every row added (``table_added``). Tables missing on both
    sides are left out of the diff. ``redirects`` is a relation with ``old_id`` and
    ``new_id``: the new release's ``id_redirects``; without it nothing counts as merged.

    With ``old_release`` None (the first release) every row counts as added and
    ``diff_changes`` stays empty: there is no earlier release to compare with.

    Raises PwcError when a relation lacks its key column, or a key is NULL or not unique.
    """
    create_changes_table(con)
    tables: dict[str, TableDiff] = {}
    for name in ENTITY_TABLES:
        old_rel = old.get(name) if old_release is not None else None
        new_rel = new.get(name)
        if new_rel is None and old_rel is None:
            continue
        if old_release is None:
            assert new_rel is not None
            rows = _count(con, new_rel)
            tables[name] = TableDiff(name, 0, rows, rows, 0, 0, 0, 0)
        else:
            tables[name] = _diff_table(con, name, old_rel, new_rel, old_release, redirects)
    return ReleaseDiff(old_release, new_release, tables)


def diff_release_dirs(
    dir_a: Path, dir_b: Path, *, con: duckdb.DuckDBPyConnection | None = None
) -> tuple[ReleaseDiff, pa.Table]:
    """Compare two local release directories (A older, B newer); return the diff and its change rows.

    Reads each ``manifest.json`` for the release id and ``parquet/<table>.parquet``;
    B's ``parquet/id_redirects.parquet``, when present, tells merged from removed. The
    second value is ``diff_changes`` as a pyarrow Table (the rows of B's ``changes``
    table), in ``ENTITY_TABLES`` order, then added/removed/merged/changed, then id.
    With ``con`` the TEMP table ``diff_changes`` also stays in that connection.
    """
    old_release = _manifest_release_id(dir_a)
    new_release = _manifest_release_id(dir_b)
    old = _parquet_relations(dir_a)
    new = _parquet_relations(dir_b)
    redirects_file = dir_b / "parquet" / f"{REDIRECTS_TABLE}.parquet"
    redirects = _read_parquet(redirects_file) if redirects_file.is_file() else None
    own = con is None
    db = duckdb.connect() if con is None else con
    try:
        diff = diff_tables(
            db, old, new, old_release=old_release, new_release=new_release, redirects=redirects
        )
        changes = db.execute(f"SELECT * FROM {CHANGES_TABLE} ORDER BY {_CHANGE_ORDER}").fetch_arrow_table()
    except duckdb.Error as exc:
        raise PwcError(f"{dir_a} → {dir_b}: cannot compare the releases ({exc})") from None
    finally:
        if own:
            db.close()
    return diff, changes


def diff_store_releases(
    store: str, release_a: str, release_b: str, *, cache_dir: Path | None = None
) -> tuple[ReleaseDiff, pa.Table]:
    """Compare two releases of a store (ids, or ``latest``): ``diff_release_dirs`` on their directories.

    Every compared file is checked against the manifest's sha256 first. A local store
    is read in place; any other store (fsspec URL, http) has the manifest and the
    compared Parquet files of each release fetched into ``cache_dir/<release_id>/``
    [default: ``<tmp>/pwc-archive-diff``] (a copy that already matches is not fetched again).
    """
    cache = cache_dir or Path(tempfile.gettempdir()) / "pwc-archive-diff"
    dirs = [_release_tables(store, release, cache) for release in (release_a, release_b)]
    return diff_release_dirs(dirs[0], dirs[1])


def first_changes(changes: pa.Table, n: int) -> list[dict[str, Any]]:
    """The first ``n`` ids of each (table, kind of change), in report order, as dicts."""
    if n <= 0 or changes.num_rows == 0:
        return []
    con = duckdb.connect()
    try:
        con.register("changes_rows", changes)
        cursor = con.execute(
            "SELECT * FROM changes_rows "
            f"QUALIFY row_number() OVER (PARTITION BY table_name, change ORDER BY id) <= $n "
            f"ORDER BY {_CHANGE_ORDER}",
            {"n": n},
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def render_text(diff: ReleaseDiff, changes: list[dict[str, Any]] | None = None) -> str:
    """A plain-text report for the terminal: counts per table, schema changes, and ``changes`` if given."""
    lines = [_title(diff), ""]
    header = ("table", "before", "after", "added", "removed", "merged", "changed", "unchanged")
    rows = [(t.table, *(getattr(t, k) for k in COUNTS)) for t in diff.tables.values()]
    rows.append(("total", *diff.totals().values()))
    width = max(len(header[0]), *(len(str(r[0])) for r in rows))
    cells = [[f"{v:,}" for v in r[1:]] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header[1:])]
    lines.append("  ".join([header[0].ljust(width), *(h.rjust(w) for h, w in zip(header[1:], widths))]))
    for r, c in zip(rows, cells, strict=True):
        lines.append("  ".join([str(r[0]).ljust(width), *(v.rjust(w) for v, w in zip(c, widths))]))
    schema = _schema_lines(diff, code="")
    lines += ["", "schema changes:" if schema else "schema changes: none"]
    lines += [f"  {s}" for s in schema]
    if changes:
        lines += ["", "changes (first ids of each kind):"]
        for ch in changes:
            detail = ""
            if ch["change"] == "merged":
                detail = f" → {ch['new_id']}"
            elif ch["change"] == "changed":
                detail = f" ({', '.join(ch['changed_columns'] or [])})"
            lines.append(f"  {ch['table_name']:<{width}}  {ch['change']:<8} {ch['id']}{detail}")
    return "\n".join(lines) + "\n"


def render_changelog(diff: ReleaseDiff) -> str:
    """The release's ``CHANGELOG.md``: deterministic (same diff, same bytes)."""
    from transforms.release.layout import ATTRIBUTION

    out = [f"# {_title(diff)}", ""]
    if diff.is_first_release:
        out += [
            "This is the first release: there is no earlier release to compare with, so every",
            "row is new and the `changes` table is empty.",
            "",
            "| table | rows |",
            "|---|---:|",
        ]
        out += [f"| `{t.table}` | {t.rows_after:,} |" for t in diff.tables.values()]
        out += [f"| **total** | {diff.totals()['rows_after']:,} |", ""]
    else:
        out += [
            "Rows are matched on each table's stable id. *Merged* ids were folded into another",
            "entity and redirect to it (see `id_redirects`); *changed* rows have the same id and",
            "at least one different value.",
            "",
            "| table | rows before | rows after | added | removed | merged | changed |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        keys = COUNTS[:-1]  # unchanged = rows after - added - changed
        out += [
            f"| `{t.table}` | " + " | ".join(f"{getattr(t, k):,}" for k in keys) + " |"
            for t in diff.tables.values()
        ]
        totals = diff.totals()
        out += ["| **total** | " + " | ".join(f"{totals[k]:,}" for k in keys) + " |", ""]
        out += ["## Schema changes", ""]
        schema = _schema_lines(diff, code="`")
        out += [f"- {s}" for s in schema] if schema else ["None."]
        out += [
            "",
            "## Every changed id",
            "",
            "The full list of ids (added, removed, merged with the id they now resolve to, changed",
            "with the columns that differ) is in the `changes` table (`parquet/changes.parquet`, and",
            "in `pwc.duckdb`), for example:",
            "",
            "```sql",
            CHANGES_QUERY_EXAMPLE,
            "```",
            "",
        ]
    out += [f"{ATTRIBUTION}.", ""]
    return "\n".join(out)


# --- internals -------------------------------------------------------------------------------


def _title(diff: ReleaseDiff) -> str:
    if diff.old_release is None:
        return f"Changes in {diff.new_release}: first release"
    return f"Changes in {diff.new_release} since {diff.old_release}"


def _schema_lines(diff: ReleaseDiff, *, code: str) -> list[str]:
    def names(cols: list[str]) -> str:
        return ", ".join(f"{code}{c}{code}" for c in cols)

    lines = []
    for t in diff.tables.values():
        parts = []
        if t.table_added:
            parts.append("new table")
        if t.table_removed:
            parts.append("table removed")
        if t.columns_added:
            parts.append(f"columns added: {names(t.columns_added)}")
        if t.columns_removed:
            parts.append(f"columns removed: {names(t.columns_removed)}")
        if t.columns_retyped:
            parts.append(f"column type changed: {names(t.columns_retyped)}")
        if parts:
            lines.append(f"{code}{t.table}{code}: " + "; ".join(parts))
    return lines


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    return int(row[0]) if row else 0


def _key_is_unique(con: duckdb.DuckDBPyConnection, relation: str, key: str) -> bool:
    row = con.execute(
        f"SELECT count({key}) = count(*) AND count(DISTINCT {key}) = count(*) FROM {relation}"
    ).fetchone()
    return bool(row and row[0])


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def _diff_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    old_rel: str | None,
    new_rel: str | None,
    old_release: str,
    redirects: str | None,
) -> TableDiff:
    key = TABLES[name].key
    k = quote_ident(key)
    old_cols = _columns(con, old_rel) if old_rel else {}
    new_cols = _columns(con, new_rel) if new_rel else {}
    for rel, cols in ((old_rel, old_cols), (new_rel, new_cols)):
        if rel and key not in cols:
            raise PwcError(f"{name}: {rel} has no key column {key!r} (found {', '.join(cols) or 'none'})")
    # A table absent on one side is an empty table with only the key column.
    old_from = old_rel or f"(SELECT {k} FROM {new_rel} LIMIT 0)"
    new_from = new_rel or f"(SELECT {k} FROM {old_rel} LIMIT 0)"
    both = old_rel is not None and new_rel is not None
    common = sorted(c for c in new_cols if c in old_cols and c != key)
    retyped = [c for c in common if old_cols[c] != new_cols[c]]

    def old_value(c: str, cast_as_text: bool) -> str:
        o = f"o.{quote_ident(c)}"
        if c in retyped:
            # Compare in the new type, so a widening (INTEGER -> BIGINT) changes no row.
            return f"CAST({o} AS VARCHAR)" if cast_as_text else f"TRY_CAST({o} AS {new_cols[c]})"
        return o

    def new_value(c: str, cast_as_text: bool) -> str:
        n = f"n.{quote_ident(c)}"
        return f"CAST({n} AS VARCHAR)" if c in retyped and cast_as_text else n

    def row_hash(side: str, cast_as_text: bool) -> str:
        values = [(old_value if side == "o" else new_value)(c, cast_as_text) for c in common]
        return f"hash({', '.join(values)})" if values else "0"

    def compared(cast_as_text: bool) -> str:
        items = [
            f"CASE WHEN {old_value(c, cast_as_text)} IS DISTINCT FROM {new_value(c, cast_as_text)} "
            f"THEN {sql_literal(c)} END"
            for c in common
        ]
        if not items:
            return "CAST([] AS VARCHAR[])"
        return f"list_filter([{', '.join(items)}], x -> x IS NOT NULL)"

    redirect_join = ""
    redirect_id = "CAST(NULL AS VARCHAR)"
    if redirects is not None:
        redirect_join = (
            f"LEFT JOIN (SELECT old_id, min(new_id) AS new_id FROM {redirects} GROUP BY old_id) AS r "
            f"ON r.old_id = k.id"
        )
        redirect_id = "r.new_id"

    # Two passes, so that wide rows (abstracts) are never carried through a join: first every
    # key with a hash of its row on each side; then, only for the keys whose hashes differ, the
    # columns that differ (IS DISTINCT FROM decides: equal hashes are taken as equal rows).
    def statements(cast_as_text: bool) -> list[str]:
        return [
            f"""
            CREATE OR REPLACE TEMP TABLE _diff_keys AS
            SELECT
                coalesce(n.id, o.id) AS id,
                o.id IS NOT NULL AS in_old,
                n.id IS NOT NULL AS in_new,
                o.h IS DISTINCT FROM n.h AS differs
            FROM (SELECT {k} AS id, {row_hash("o", cast_as_text)} AS h FROM {old_from} AS o) AS o
            FULL OUTER JOIN (SELECT {k} AS id, {row_hash("n", cast_as_text)} AS h FROM {new_from} AS n) AS n
              ON o.id = n.id
            """,
            f"""
            CREATE OR REPLACE TEMP TABLE _diff_cols AS
            WITH candidates AS (SELECT id FROM _diff_keys WHERE in_old AND in_new AND differs)
            SELECT n.{k} AS id, {compared(cast_as_text)} AS cols
            FROM (SELECT * FROM {old_from} WHERE {k} IN (SELECT id FROM candidates)) AS o
            JOIN (SELECT * FROM {new_from} WHERE {k} IN (SELECT id FROM candidates)) AS n
              ON o.{k} = n.{k}
            """,
            f"""
            CREATE OR REPLACE TEMP TABLE _diff_rows AS
            SELECT
                k.id,
                CASE
                    WHEN NOT k.in_old THEN 'added'
                    WHEN NOT k.in_new AND {redirect_id} IS NOT NULL THEN 'merged'
                    WHEN NOT k.in_new THEN 'removed'
                    WHEN len(c.cols) > 0 THEN 'changed'
                    ELSE 'unchanged'
                END AS change,
                CASE WHEN NOT k.in_new THEN {redirect_id} END AS new_id,
                CASE WHEN k.in_old AND k.in_new AND len(c.cols) > 0 THEN c.cols END AS changed_columns
            FROM _diff_keys AS k
            LEFT JOIN _diff_cols AS c ON c.id = k.id
            {redirect_join}
            """,
        ]

    def run(cast_as_text: bool) -> None:
        keys, cols, rows = statements(cast_as_text)
        con.execute(keys)
        # Without a row whose hash differs (a nightly over an unchanged archive) the column
        # comparison is empty: LIMIT 0 spares it the scan of both sides (1.2 s for papers at
        # full scale) and keeps its column types.
        found = con.execute("SELECT count(*) FROM _diff_keys WHERE in_old AND in_new AND differs").fetchone()
        con.execute(cols if found and found[0] else f"{cols} LIMIT 0")
        con.execute(rows)

    try:
        run(cast_as_text=False)
    except duckdb.Error:
        if not retyped:
            raise
        run(cast_as_text=True)  # a type change TRY_CAST cannot bridge
    try:
        counts = dict.fromkeys(("added", "removed", "merged", "changed", "unchanged"), 0)
        null_ids = 0
        for change, n, nulls in con.execute(
            "SELECT change, count(*), count(*) FILTER (WHERE id IS NULL) FROM _diff_rows GROUP BY change"
        ).fetchall():
            counts[change] = int(n)
            null_ids += int(nulls)
        rows_before = _count(con, old_rel) if old_rel else 0
        rows_after = _count(con, new_rel) if new_rel else 0
        joined_before = counts["removed"] + counts["merged"] + counts["changed"] + counts["unchanged"]
        joined_after = counts["added"] + counts["changed"] + counts["unchanged"]
        if null_ids or joined_before != rows_before or joined_after != rows_after:
            bad = [rel for rel in (old_rel, new_rel) if rel and not _key_is_unique(con, rel, k)]
            raise PwcError(
                f"{name}: the key {key} is NULL or not unique in {' and '.join(bad or [str(new_rel)])}; "
                "rows cannot be matched between the releases"
            )
        con.execute(
            f"INSERT INTO {CHANGES_TABLE} "
            "SELECT id, $table, change, new_id, changed_columns, $previous FROM _diff_rows "
            "WHERE change <> 'unchanged' "
            f"ORDER BY list_position({_sql_list(CHANGE_KINDS)}, change), id",
            {"table": name, "previous": old_release},
        )
    finally:
        for temp in ("_diff_rows", "_diff_cols", "_diff_keys"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    return TableDiff(
        name,
        rows_before=rows_before,
        rows_after=rows_after,
        **counts,
        columns_added=sorted(c for c in new_cols if c not in old_cols) if both else [],
        columns_removed=sorted(c for c in old_cols if c not in new_cols) if both else [],
        columns_retyped=retyped if both else [],
        table_added=old_rel is None,
        table_removed=new_rel is None,
    )


def _read_parquet(path: Path) -> str:
    return f"read_parquet({sql_literal(str(path))})"


def _parquet_relations(release_dir: Path) -> dict[str, str | None]:
    return {
        name: _read_parquet(p)
        for name in ENTITY_TABLES
        if (p := release_dir / "parquet" / f"{name}.parquet").is_file()
    }


def _manifest_release_id(release_dir: Path) -> str:
    path = release_dir / "manifest.json"
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise PwcError(f"{path}: not found; expected a release directory") from None
    except (OSError, ValueError) as exc:
        raise PwcError(f"{path}: cannot read the manifest ({exc})") from None
    rid = manifest.get("release_id") if isinstance(manifest, dict) else None
    if not isinstance(rid, str):
        raise PwcError(f"{path}: expected a 'release_id' string, found {rid!r}")
    return rid


def _release_tables(store: str, release: str, cache: Path) -> Path:
    """A directory with the manifest and the compared Parquet files of ``release``, each verified:
    the release's own directory in a local store, else ``cache/<release_id>``."""
    from transforms.client.download import fetch_release_files
    from transforms.client.store import find_release, read_manifest_bytes
    from transforms.release.layout import MANIFEST, parquet_file
    from transforms.storage import write_bytes_atomic

    entry = find_release(store, release)
    rels = [parquet_file(name) for name in (*ENTITY_TABLES, REDIRECTS_TABLE)]
    found = fetch_release_files(store, entry.release_id, rels, cache, in_place=True)
    rel, path = next(iter(found.items()))
    release_dir = path.parents[len(Path(rel).parts) - 1]
    if not (release_dir / MANIFEST).is_file():  # fetched: bring the exact bytes the index vouches for
        write_bytes_atomic(release_dir / MANIFEST, read_manifest_bytes(store, entry))
    return release_dir
