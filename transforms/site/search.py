"""Search over task, dataset, model and paper names with the site index's inverted index.

A query is cut into tokens by the index's own tokenizer (the ``site_tokens`` macro, so a query
and the names it should find are cut alike). Every token must match; the last one also matches
as a prefix (``transf`` finds Transformer) once it has 3 characters, the way a search box is
typed. Results come grouped by kind (tasks, datasets, models, papers), each kind ranked by how
many tokens matched exactly (not only as a prefix), then by how many results the thing has,
then by the order of the index.

Each token is one range of ``site_search_terms`` (sorted by token, then document): DuckDB reads
the documents of each range (``sql/search_term.sql``, ``sql/search_prefix.sql``), and the
intersection and the ranking run on those sorted arrays in numpy, so the work grows with the
rarest token's matches, never with a sort of every match. The documents themselves (kind, name,
popularity) are held in memory as Arrow columns (:class:`Docs`, loaded once per release): a
page of hits is scattered over the whole table, and DuckDB would decode a block of 2,048 rows
for each of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

SQL_DIR = Path(str(resources.files("transforms.site") / "sql"))
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
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


class Docs:
    """``site_search_docs`` in memory, by doc number (doc n is row n - 1).

    The names as Arrow columns (compact strings), kind and popularity as numpy arrays for ranking.
    """

    COLUMNS = ("kind", "id", "name", "detail", "popularity")

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        table = cur.execute(
            "SELECT doc, kind, id, name, detail, popularity FROM site_search_docs ORDER BY doc"
        ).fetch_arrow_table()
        doc = table.column("doc").to_numpy()
        if len(doc) and not np.array_equal(doc, np.arange(1, len(doc) + 1)):
            raise ValueError("site_search_docs: expected doc numbers 1..n without gaps")
        self.table = table.select(list(self.COLUMNS))
        kinds = np.asarray(table.column("kind").to_numpy(zero_copy_only=False), dtype=object)
        self.kind = np.full(len(doc) + 1, -1, dtype=np.int8)  # by doc number (index 0 unused)
        for code, kind in enumerate(KINDS):
            self.kind[1:][kinds == kind] = code
        self.popularity = np.zeros(len(doc) + 1, dtype=np.int64)
        self.popularity[1:] = table.column("popularity").fill_null(0).to_numpy()

    def entries(self, docs: list[int]) -> list[dict[str, Any]]:
        """The documents ``docs`` (doc numbers), in that order."""
        import pyarrow as pa

        picked = self.table.take(pa.array([d - 1 for d in docs], type=pa.int64()))
        rows: list[dict[str, Any]] = picked.to_pylist()
        return rows


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


def _matches(cur: duckdb.DuckDBPyConnection, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(docs having every token, how many tokens each has exactly), docs ascending."""
    exact_sets: list[np.ndarray] = []
    prefix_docs: np.ndarray | None = None
    prefix_exact: np.ndarray | None = None
    for i, term in enumerate(terms):
        if i == len(terms) - 1 and len(term) >= PREFIX_MIN:
            found = cur.execute(_sql("search_prefix"), {"t": term, "e": _prefix_end(term)}).fetchnumpy()
            order = np.argsort(found["doc"], kind="stable")
            prefix_docs = np.asarray(found["doc"], dtype=np.int64)[order]
            prefix_exact = np.asarray(found["exact"], dtype=bool)[order]
        else:
            found = cur.execute(_sql("search_term"), {"t": term}).fetchnumpy()
            exact_sets.append(np.sort(np.asarray(found["doc"], dtype=np.int64)))
    sets = sorted(exact_sets + ([prefix_docs] if prefix_docs is not None else []), key=len)
    matched = sets[0]
    for other in sets[1:]:
        if not len(matched):
            break
        matched = np.intersect1d(matched, other, assume_unique=True)
    exact = np.full(len(matched), len(exact_sets), dtype=np.int64)
    if prefix_docs is not None and prefix_exact is not None and len(matched):
        exact += prefix_exact[np.searchsorted(prefix_docs, matched)]
    return matched, exact


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
    matched, exact = _matches(cur, terms)
    kinds = docs.kind[matched]
    page: list[int] = []
    for code, name in enumerate(KINDS):
        if kind and name != kind:
            continue
        mine = kinds == code
        result.kinds[name].total = int(mine.sum())
        if not result.kinds[name].total:
            continue
        these, these_exact = matched[mine], exact[mine]
        # Best first: most exact tokens, most popular, first in the index.
        order = np.lexsort((these, -docs.popularity[these], -these_exact))
        page.extend(int(d) for d in these[order[offset : offset + limit]])
    for entry in docs.entries(page):  # in rank order
        result.kinds[entry["kind"]].entries.append(entry)
    return result
