"""Flatten evaluation-tables trees (task -> dataset -> sota rows) into raw rows.

Nothing is normalised here: every string is kept exactly as archived so that the
staging SQL can clean it and the release can show raw beside clean. The walk is
per top-level task, so memory is bounded by the largest task, not the dump.
Tolerates the historical variants: missing keys, ``subdataset`` names, numeric
metric values, no ``uses_additional_data``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from transforms.normalize.values import value_text

MAX_DEPTH = 32
"""Task trees are at most 4 deep in the real data; deeper means a cycle or garbage."""


@dataclass
class Emitted:
    kind: str  # "task" | "leaderboard" | "result"
    row: dict[str, Any]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value_text(value)


def _links(value: Any) -> list[dict[str, str | None]]:
    out = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                out.append({"title": _text(item.get("title")), "url": _text(item.get("url"))})
            elif isinstance(item, str):
                out.append({"title": None, "url": item})
    return out


def _dict(value: Any) -> dict[str, Any]:
    """A JSON object, or {} for anything else (older dumps have nulls and missing keys)."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    """A JSON array, or [] for anything else."""
    return value if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [s for s in (_text(v) for v in value) if s is not None]
    if isinstance(value, str):
        return [value]
    return []


def walk_task(task: Any, source: str, item_index: int) -> Iterator[Emitted]:
    """Yield the task nodes, leaderboards and metric cells of one top-level task."""
    yield from _walk(task, source, f"[{item_index}]", None, 0)


def _walk(task: Any, source: str, path: str, parent: str | None, depth: int) -> Iterator[Emitted]:
    if not isinstance(task, dict) or depth > MAX_DEPTH:
        return
    name = _text(task.get("task"))
    link = _dict(task.get("source_link"))
    yield Emitted(
        "task",
        {
            "source": source,
            "record": path,
            "task_raw": name,
            "parent_task_raw": parent,
            "depth": depth,
            "description": _text(task.get("description")),
            "categories": _strings(task.get("categories")),
            "synonyms": _strings(task.get("synonyms")),
            "source_link_url": _text(link.get("url")),
        },
    )
    for d_index, dataset in enumerate(_list(task.get("datasets"))):
        yield from _walk_dataset(dataset, source, f"{path}.datasets[{d_index}]", name, None, depth)
    for s_index, sub in enumerate(_list(task.get("subtasks"))):
        yield from _walk(sub, source, f"{path}.subtasks[{s_index}]", name, depth + 1)


def _walk_dataset(
    dataset: Any, source: str, path: str, task: str | None, parent: str | None, depth: int
) -> Iterator[Emitted]:
    if not isinstance(dataset, dict) or depth > MAX_DEPTH:
        return
    name = _text(dataset.get("dataset") if dataset.get("dataset") is not None else dataset.get("subdataset"))
    sota = _dict(dataset.get("sota"))
    yield Emitted(
        "leaderboard",
        {
            "source": source,
            "record": path,
            "task_raw": task,
            "dataset_raw": name,
            "parent_dataset_raw": parent,
            "description": _text(dataset.get("description")),
            "links": _links(dataset.get("dataset_links")),
            "citations": _links(dataset.get("dataset_citations")),
            "metric_columns": _strings(sota.get("metrics")),
        },
    )
    for r_index, row in enumerate(_list(sota.get("rows"))):
        if not isinstance(row, dict):
            continue
        base = {
            "source": source,
            "record": f"{path}.sota.rows[{r_index}]",
            "task_raw": task,
            "dataset_raw": name,
            "parent_dataset_raw": parent,
            "model_name_raw": _text(row.get("model_name")),
            "paper_title_raw": _text(row.get("paper_title")),
            "paper_url_raw": _text(row.get("paper_url")),
            "paper_date_raw": _text(row.get("paper_date")),
            "uses_additional_data": row.get("uses_additional_data")
            if isinstance(row.get("uses_additional_data"), bool)
            else None,
            "code_links": _links(row.get("code_links")),
            "model_links": _links(row.get("model_links")),
        }
        metrics = _dict(row.get("metrics"))
        if not metrics:
            # Kept so that the row is accounted for; it yields no result.
            yield Emitted(
                "result", {**base, "metric_name_raw": None, "value_raw": None, "value_is_number": False}
            )
        for metric, value in metrics.items():
            yield Emitted(
                "result",
                {
                    **base,
                    "metric_name_raw": metric,
                    "value_raw": value_text(value),
                    "value_is_number": isinstance(value, (int, float)) and not isinstance(value, bool),
                },
            )
    for s_index, sub in enumerate(_list(dataset.get("subdatasets"))):
        yield from _walk_dataset(sub, source, f"{path}.subdatasets[{s_index}]", task, name, depth + 1)
