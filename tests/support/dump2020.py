"""The full 2020 evaluation-tables dump, parsed and walked once per test process.

Several modules check rules against every real row (value shapes, metric names, model names,
the documented examples); each used to parse the 47 MB dump on its own.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from typing import Any

from tests.support.builds import SAMPLE
from transforms.ingest.evaluation_tables import walk_task

DUMP_2020 = SAMPLE / "evaluation-tables.2020-08-28.json.gz"


@cache
def tasks() -> list[Any]:
    """The dump's top-level task objects (do not modify them: they are shared)."""
    with gzip.open(DUMP_2020, "rt", encoding="utf-8") as fh:
        data: list[Any] = json.load(fh)
    return data


@cache
def result_rows() -> tuple[dict[str, Any], ...]:
    """Every raw result row the ingest walk emits for the dump (one per metric cell)."""
    return tuple(
        emitted.row
        for index, task in enumerate(tasks())
        for emitted in walk_task(task, DUMP_2020.name, index)
        if emitted.kind == "result" and emitted.row["metric_name_raw"] is not None
    )
