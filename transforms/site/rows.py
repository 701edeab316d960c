"""Where a key's rows are in a table sorted by that key, held in memory: key -> row numbers.

DuckDB finds rows by a key through its blocks' min/max, then still decodes every value of
each block it keeps; a read by row number (``rowid``) decodes only what it returns, several
times cheaper for the point reads a page makes. A :class:`KeyIndex` maps each key of a table
sorted by it (``papers``, every ``site_*`` table) to its first row number and row count, as
sorted numpy arrays (a few bytes a key: 12 MB for 576k papers). Rows read by number are checked
against the key, and a table whose keys are not contiguous has no index (it is read by key).
"""

from __future__ import annotations

import duckdb
import numpy as np

from transforms.duck import quote_ident


class KeyIndex:
    """Row ranges of ``table`` by the key ``columns`` (joined with '/'), from the table itself."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> None:
        self.table, self.columns = table, columns
        key = " || '/' || ".join(quote_ident(c) for c in columns)
        # Built from the index's own (quoted) column names; no value reaches the text.
        found = cur.execute(
            f"SELECT {key} AS k, min(rowid) AS first, count(*) AS n, max(rowid) - min(rowid) + 1 AS span "  # noqa: S608
            f"FROM {quote_ident(table)} WHERE {key} IS NOT NULL GROUP BY k"
        ).fetchnumpy()
        if not bool(np.all(found["n"] == found["span"])):
            raise ValueError(f"{table}: rows are not sorted by {', '.join(columns)}")
        keys = np.asarray(found["k"], dtype=object).astype(np.bytes_)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.first = np.asarray(found["first"])[order]
        self.count = np.asarray(found["n"])[order]

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, *parts: str) -> tuple[int, int] | None:
        """(first row number, row count) of the key ``parts``; None when the table has no such key."""
        try:
            wanted = "/".join(parts).encode("ascii")
        except UnicodeEncodeError:
            return None
        at = int(np.searchsorted(self.keys, wanted))
        if at < len(self.keys) and self.keys[at] == wanted:
            return int(self.first[at]), int(self.count[at])
        return None
