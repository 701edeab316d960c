"""What each page shows, read from one release: one function per page, plain dicts out.

Every query is a ``.sql`` file of ``sql/pages/`` with bound parameters; the site index tables
(``site_*``, see index.py) make each one a read of a contiguous range. Nothing here knows about
HTTP or HTML: :mod:`transforms.site.app` turns these dicts into pages.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from transforms.site.release import OpenRelease
from transforms.site.rows import KeyIndex

PAGES_SQL = Path(str(resources.files("transforms.site") / "sql" / "pages"))
PAGE_SIZE = 50
NOTABLE_BENCHMARKS = 12
RECENT_PAPERS = 10

ID_PATTERN = re.compile(r"^[a-z]{3}_[0-9a-f]{16}$")
"""Every stable id: ``<prefix>_<16 hex>`` (anything else is a 404 without a query)."""


@cache
def sql(name: str) -> str:
    """The text of ``sql/pages/<name>.sql`` (read once)."""
    return (PAGES_SQL / f"{name}.sql").read_text(encoding="utf-8")


def rows(cur: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of page query ``name`` as a dict."""
    result = cur.execute(sql(name), params)
    columns = [d[0] for d in result.description or []]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def one(cur: duckdb.DuckDBPyConnection, name: str, **params: Any) -> dict[str, Any] | None:
    found = rows(cur, name, **params)
    return found[0] if found else None


def slug(text: str | None, limit: int = 80) -> str:
    """A readable URL part for a name (ASCII, lowercase, dashes); never needed to find a page."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return s[:limit].rstrip("-")


@dataclass(frozen=True)
class Moved:
    """An id that is not a row of this release: merged into ``current_id``, or removed."""

    status: str
    current_id: str | None
    last_release: str | None
    reason: str | None


def resolve(cur: duckdb.DuckDBPyConnection, entity_id: str) -> Moved | None:
    """Where an id went (id_registry + id_redirects); None when no release ever published it."""
    found = one(cur, "resolve_id", id=entity_id)
    if found is None:
        return None
    return Moved(found["status"], found["current_id"], found["last_release"], found["reason"])


# --------------------------------------------------------------------------- pages


# --------------------------------------------------------------------------- row indexes

INDEXED = {
    "papers": ("papers", ("paper_id",)),
    "paper_pages": ("site_paper_pages", ("paper_id",)),
    "boards": ("site_boards", ("task_id", "dataset_id")),
    "board_rows": ("site_results", ("task_id", "dataset_id", "metric_id")),
}
"""Row indexes a release keeps in memory (rows.py): name -> (table, key columns)."""


def key_index(release: OpenRelease, name: str) -> KeyIndex | None:
    """The release's row index ``name`` (built once); None when the table is not sorted by its key."""

    def build() -> KeyIndex | None:
        table, columns = INDEXED[name]
        try:
            return KeyIndex(release.cursor(), table, columns)
        except ValueError:
            return None

    found: KeyIndex | None = release.once(f"index:{name}", build)
    return found


def warm(release: OpenRelease) -> None:
    """Build every row index now (at start), not in the first requests."""
    for name in INDEXED:
        key_index(release, name)
    has_key_index(release, "papers", "paper_id")


def _read(
    release: OpenRelease, index: str, key: tuple[str, ...], by_row: str, by_key: str, **params: Any
) -> list[dict[str, Any]]:
    """The rows of ``key``: by row numbers when the index has it (checked against the key), else
    by key. [] when the key is not in the table."""
    cur = release.cursor()
    idx = key_index(release, index)
    if idx is not None:
        where = idx.find(*key)
        if where is None:
            return []
        first, count = where
        found = rows(cur, by_row, first=first, last=first + count - 1)
        _, columns = INDEXED[index]
        if len(found) == count and all(tuple(r[c] for c in columns) == key for r in found):
            return found
    return rows(cur, by_key, **params)


RESULT_FIELDS = (
    "task_id", "task", "dataset_id", "dataset", "metric_id", "metric", "value", "value_raw", "value_flag",
    "model_id", "model", "is_conflict",
)  # fmt: skip
CODE_FIELDS = ("repo_url", "repo_name", "is_official", "framework")
RELATED_FIELDS = ("paper_id", "title", "published")
TASK_FIELDS = ("task_id", "task")


def has_key_index(release: OpenRelease, table: str, column: str) -> bool:
    """Whether the release's ``table`` has an ART index on ``column`` (releases exported since the
    index was added): a lookup by key then fetches one row, the fastest read there is."""

    def check() -> bool:
        found = (
            release.cursor()
            .execute(
                "SELECT count(*) FROM duckdb_indexes() WHERE table_name = ? AND expressions = ?",
                [table, f"[{column}]"],
            )
            .fetchone()
        )
        return bool(found and found[0])

    answer: bool = release.once(f"art:{table}.{column}", check)
    return answer


def paper_page(release: OpenRelease, paper_id: str) -> dict[str, Any] | None:
    """The paper, its tasks, Results rows, code links and related papers (see site_paper_pages)."""
    if has_key_index(release, "papers", "paper_id"):
        found = rows(release.cursor(), "paper_by_id", id=paper_id)
    else:
        found = _read(release, "papers", (paper_id,), "paper", "paper_by_id", id=paper_id)
    if not found:
        return None
    lists = _read(release, "paper_pages", (paper_id,), "paper_lists", "paper_lists_by_id", id=paper_id)
    page = json.loads(lists[0]["page"]) if lists else {}

    def records(key: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
        return [dict(zip(fields, row, strict=True)) for row in page.get(key, [])]

    return {
        "paper": found[0],
        "tasks": records("tasks", TASK_FIELDS),
        "results": records("results", RESULT_FIELDS),
        "code": records("code", CODE_FIELDS),
        "related": records("related", RELATED_FIELDS),
    }


def board_page(release: OpenRelease, task_id: str, dataset_id: str, metric_id: str) -> dict[str, Any] | None:
    """A leaderboard: its summary, its metrics (tabs), its rows ranked, and its chart's data."""
    metrics = _read(
        release,
        "boards",
        (task_id, dataset_id),
        "board_metrics_rows",
        "board_metrics",
        task=task_id,
        dataset=dataset_id,
    )
    board = next((m for m in metrics if m["metric_id"] == metric_id), None)
    if board is None:
        return None
    entries = _read(
        release,
        "board_rows",
        (task_id, dataset_id, metric_id),
        "board_rows_range",
        "board_rows",
        task=task_id,
        dataset=dataset_id,
        metric=metric_id,
    )
    return {
        "board": board,
        "rows": entries,
        "metrics": metrics,
        "chart": sota_chart(entries, board["direction"]),
    }


def main_metric(cur: duckdb.DuckDBPyConnection, task_id: str, dataset_id: str) -> str | None:
    """The metric a (task, dataset) leaderboard opens on."""
    metrics = rows(cur, "board_metrics", task=task_id, dataset=dataset_id)
    return metrics[0]["metric_id"] if metrics else None


def sota_chart(entries: list[dict[str, Any]], direction: str | None) -> dict[str, Any]:
    """The state-of-the-art-over-time chart's data: every dated, comparable result as a point, and
    the step line of the best value so far (by the metric's direction), in paper-date order.

    Dates are milliseconds since the epoch (what the chart's linear time axis plots).
    """
    points = []
    for e in entries:
        value, when = e.get("value_normalized"), e.get("paper_date")
        if value is None or when is None or not math.isfinite(value):
            continue
        points.append(
            {
                "x": _epoch_ms(when),
                "y": value,
                "model": e["model"],
                "date": when.isoformat(),
                "rank": e["rank"],
            }
        )
    points.sort(key=lambda p: (p["x"], p["model"]))
    sota: list[dict[str, Any]] = []
    if direction in ("higher", "lower"):
        best: float | None = None
        for p in points:
            better = best is None or (p["y"] > best if direction == "higher" else p["y"] < best)
            if better:
                best = p["y"]
                if sota and sota[-1]["x"] == p["x"]:
                    sota[-1] = {"x": p["x"], "y": best, "model": p["model"], "date": p["date"]}
                else:
                    sota.append({"x": p["x"], "y": best, "model": p["model"], "date": p["date"]})
        if sota and points and points[-1]["x"] > sota[-1]["x"]:
            # The line runs on to the newest result: the record still stands then.
            sota.append({**sota[-1], "x": points[-1]["x"], "date": points[-1]["date"], "extends": True})
    return {"points": points, "sota": sota, "direction": direction}


def _epoch_ms(day: date) -> int:
    return (day - date(1970, 1, 1)).days * 86_400_000


def task_page(cur: duckdb.DuckDBPyConnection, task_id: str) -> dict[str, Any] | None:
    task = one(cur, "task", id=task_id)
    if task is None:
        return None
    return {
        "task": task,
        "subtasks": rows(cur, "task_subtasks", id=task_id),
        "boards": rows(cur, "task_boards", id=task_id),
    }


def dataset_page(cur: duckdb.DuckDBPyConnection, dataset_id: str) -> dict[str, Any] | None:
    dataset = one(cur, "dataset", id=dataset_id)
    if dataset is None:
        return None
    return {
        "dataset": dataset,
        "subsets": rows(cur, "dataset_subsets", id=dataset_id),
        "boards": rows(cur, "dataset_boards", id=dataset_id),
    }


def method_page(cur: duckdb.DuckDBPyConnection, method_id: str) -> dict[str, Any] | None:
    method = one(cur, "method", id=method_id)
    return None if method is None else {"method": method}


def model_page(cur: duckdb.DuckDBPyConnection, model_id: str) -> dict[str, Any] | None:
    model = one(cur, "model", id=model_id)
    if model is None:
        return None
    return {"model": model, "results": rows(cur, "model_results", id=model_id)}


CATALOGUES = {
    "tasks": ("tasks_page", "tasks"),
    "datasets": ("datasets_page", "datasets"),
    "methods": ("methods_page", "methods"),
    "papers": ("papers_page", "papers"),
    "sota": ("boards_page", "boards"),
}
"""Catalogue name -> (page query, counts column)."""


def counts(release: OpenRelease) -> dict[str, int]:
    """How many tasks, datasets, methods, papers, leaderboards and results the release has."""
    found = release.once("counts", lambda: one(release.cursor(), "counts"))
    return dict(found or {})


def catalogue_page(release: OpenRelease, name: str, page: int) -> dict[str, Any]:
    """Page ``page`` (1-based) of a catalogue, PAGE_SIZE entries."""
    query, counted = CATALOGUES[name]
    total = counts(release)[counted]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    entries = rows(release.cursor(), query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return {"entries": entries, "page": page, "pages": pages, "total": total}


def home_page(release: OpenRelease) -> dict[str, Any]:
    """Notable benchmarks, recent papers and the release's facts (computed once per release)."""

    def compute() -> dict[str, Any]:
        cur = release.cursor()
        return {
            "boards": rows(cur, "home_boards", limit=NOTABLE_BENCHMARKS),
            "papers": rows(cur, "home_papers", limit=RECENT_PAPERS),
        }

    return {**release.once("home", compute), "counts": counts(release)}
