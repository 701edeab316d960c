"""Search over task, dataset, model and paper names with the site index's inverted index.

A query is cut into tokens by the index's own tokenizer (the ``site_tokens`` macro, so a query
and the names it should find are cut alike). Every token must match; the last one also matches
as a prefix (``transf`` finds Transformer) once it has 3 characters, the way a search box is
typed. Results come grouped by kind (tasks, datasets, models, papers), each kind ranked by how
many tokens matched exactly, then by how many results the thing has.

The ranking runs in DuckDB over ``site_search_terms`` (sorted by token: each token is one range).
The documents' names are held in memory as Arrow columns (:class:`Docs`, loaded once per
release): a page of hits is scattered over the whole table, and DuckDB would decode a block of
2,048 rows for each of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

SEARCH_SQL = Path(str(resources.files("transforms.site") / "sql" / "search.sql"))
KINDS = ("task", "dataset", "model", "paper")
MAX_TERMS = 8
MAX_QUERY_CHARS = 200
PREFIX_MIN = 3
PER_KIND = 10
"""Entries of each kind on the all-kinds page; one kind alone is paged by PAGE_SIZE."""


@dataclass
class Hits:
    """One kind's matches: how many in all, and the page shown."""

    kind: str
    total: int
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    kinds: dict[str, Hits]

    @property
    def total(self) -> int:
        return sum(h.total for h in self.kinds.values())


@cache
def _template() -> str:
    return SEARCH_SQL.read_text(encoding="utf-8")


def tokens(cur: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """The query's tokens, by the index's tokenizer, duplicates dropped, at most MAX_TERMS."""
    found = cur.execute("SELECT site_tokens($q)", {"q": query[:MAX_QUERY_CHARS]}).fetchone()
    out: list[str] = []
    for term in (found[0] if found else None) or []:
        if term not in out:
            out.append(term)
    return out[:MAX_TERMS]


def _prefix_end(term: str) -> str:
    """The smallest string greater than every string starting with ``term`` (tokens are ASCII)."""
    return term[:-1] + chr(ord(term[-1]) + 1)


class Docs:
    """``site_search_docs`` in memory, by doc number (doc n is row n - 1): Arrow columns."""

    COLUMNS = ("kind", "id", "name", "detail", "popularity")

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        table = cur.execute(
            "SELECT doc, kind, id, name, detail, popularity FROM site_search_docs ORDER BY doc"
        ).fetch_arrow_table()
        docs = table.column("doc")
        if len(docs) and (docs[0].as_py() != 1 or docs[-1].as_py() != len(docs)):
            raise ValueError("site_search_docs: expected doc numbers 1..n without gaps")
        self.table = table.select(list(self.COLUMNS))

    def entries(self, docs: list[int]) -> list[dict[str, Any]]:
        """The documents ``docs`` (doc numbers), in that order."""
        import pyarrow as pa

        picked = self.table.take(pa.array([d - 1 for d in docs], type=pa.int64()))
        rows: list[dict[str, Any]] = picked.to_pylist()
        return rows


def search(
    cur: duckdb.DuckDBPyConnection,
    query: str,
    *,
    docs: Docs,
    kind: str | None = None,
    limit: int = PER_KIND,
    offset: int = 0,
) -> SearchResult:
    """Matches of ``query``: every kind's total, and ``limit`` entries of each from ``offset``."""
    terms = tokens(cur, query)
    result = SearchResult(query, terms, {k: Hits(k, 0) for k in KINDS})
    if not terms:
        return result
    branches: list[str] = []
    params: dict[str, Any] = {"terms": len(terms), "offset": offset, "limit": limit}
    kind_filter = " AND kind = $kind" if kind else ""
    for i, term in enumerate(terms):
        params[f"t{i}"] = term
        if i == len(terms) - 1 and len(term) >= PREFIX_MIN:
            # A prefix range: one row per doc, exact when one of its tokens is the term itself.
            params[f"e{i}"] = _prefix_end(term)
            branches.append(
                f"SELECT {i} AS i, doc, any_value(kind) AS kind, any_value(popularity) AS popularity, "
                f"bool_or(term = $t{i}) AS exact FROM site_search_terms "
                f"WHERE term >= $t{i} AND term < $e{i}{kind_filter} GROUP BY doc"
            )
        else:
            branches.append(
                f"SELECT {i} AS i, doc, kind, popularity, true AS exact "
                f"FROM site_search_terms WHERE term = $t{i}{kind_filter}"
            )
    if kind:
        params["kind"] = kind
    text = _template().replace("$branches", "\n    UNION ALL\n    ".join(branches))
    page_docs: list[int] = []
    for found_kind, total, kind_docs in cur.execute(text, params).fetchall():
        result.kinds[found_kind].total = int(total)
        page_docs.extend((kind_docs or [])[offset:])
    for entry in docs.entries(page_docs):  # in rank order
        result.kinds[entry["kind"]].entries.append(entry)
    return result
