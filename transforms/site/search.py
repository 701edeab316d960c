"""Search over task, dataset, model and paper names with the site index's inverted index.

A query is cut into tokens by the index's own tokenizer (the ``site_tokens`` macro, so a query
and the names it should find are cut alike). Every token must match; the last one also matches
as a prefix (``transf`` finds Transformer) once it has 3 characters, the way a search box is
typed. Results come grouped by kind (tasks, datasets, models, papers), each kind ranked by how
many tokens matched exactly, then by how many results the thing has.
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


def search(
    cur: duckdb.DuckDBPyConnection,
    query: str,
    *,
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
    for i, term in enumerate(terms):
        params[f"t{i}"] = term
        if i == len(terms) - 1 and len(term) >= PREFIX_MIN:
            params[f"e{i}"] = _prefix_end(term)
            where = f"term >= $t{i} AND term < $e{i}"
        else:
            where = f"term = $t{i}"
        kind_filter = " AND kind = $kind" if kind else ""
        branches.append(
            f"SELECT {i} AS i, doc, kind, popularity, term = $t{i} AS exact "
            f"FROM site_search_terms WHERE {where}{kind_filter}"
        )
    if kind:
        params["kind"] = kind
    text = _template().replace("$branches", "\n    UNION ALL\n    ".join(branches))
    docs: list[int] = []
    for found_kind, total, page_docs in cur.execute(text, params).fetchall():
        result.kinds[found_kind].total = int(total)
        docs.extend(page_docs or [])
    if docs:
        by_doc = {
            row[0]: row
            for row in cur.execute(
                "SELECT doc, kind, id, name, detail, popularity FROM site_search_docs "
                "WHERE doc IN (SELECT unnest($docs))",
                {"docs": docs},
            ).fetchall()
        }
        for doc in docs:  # in rank order
            _, k, entity_id, name, detail, popularity = by_doc[doc]
            result.kinds[k].entries.append(
                {"kind": k, "id": entity_id, "name": name, "detail": detail, "popularity": popularity}
            )
    return result
