"""Converting evaluation-tables documents (PwC's own exchange format: task trees and/or flat rows)
into the canonical form."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from transforms.submissions.canonical import EVALUATION_TABLES, Converted, DocPath, ordered
from transforms.submissions.convert_common import Ignored, converted, paper_from
from transforms.submissions.problems import (
    has_errors,
    show,
)
from transforms.submissions.schema_check import Checker


class EvaluationTables:
    def __init__(self, name: str) -> None:
        self.name = name
        self.checker = Checker(name, EVALUATION_TABLES)

    def convert(self, document: dict[str, Any]) -> Converted:
        out = self.checker.check_located(document)
        if has_errors([p for _, p in out]):
            return Converted(EVALUATION_TABLES, None, ordered(out))
        ignored = Ignored()
        items: list[tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]] = []
        for path, task, dataset, row in self._rows(document):
            if row.get("model_links"):
                ignored.add("model_links", [*path, "model_links"])
            if not row.get("paper_url"):
                title = row.get("paper_title") or ""
                out.append(
                    self.checker.problem(
                        [*path, "paper_url"] if "paper_url" in row else path,
                        expected='"paper_url": where the paper of this result can be read (a result needs its paper)',
                        found=(
                            f"paper_url {show(row.get('paper_url', ''))}"
                            if "paper_url" in row
                            else 'missing key "paper_url"'
                        )
                        + (f" (paper_title {show(title)})" if title else " and no paper_title"),
                        fix='add "paper_url": "https://arxiv.org/abs/..." (and "paper_title", "paper_date")',
                        code="evaluation_tables.no_paper",
                    )
                )
                continue
            paper = paper_from(row.get("paper_title"), row["paper_url"], row.get("paper_date"))
            codes = [{"url": link["url"]} for link in row.get("code_links") or []]
            result = {
                "task": task,
                "dataset": dataset,
                "model": row["model_name"],
                "metrics": copy.deepcopy(row["metrics"]),
                "uses_additional_data": row.get("uses_additional_data", False),
            }
            items.append((result, paper, codes))
        if not items and not out:
            out.append(
                self.checker.problem(
                    [],
                    expected="at least one row (a model's metrics on a task and dataset)",
                    found="no rows in tasks or rows",
                    fix='add the results as rows under "sota": {"rows": [...]} of a dataset, or under "rows"',
                    code="evaluation_tables.no_rows",
                )
            )
        out += ignored.problems(
            self.checker,
            [
                "model_name",
                "paper_title",
                "paper_url",
                "paper_date",
                "code_links",
                "metrics",
                "uses_additional_data",
            ],
            ["model_links"],
            "row",
            "evaluation_tables.not_stored",
        )
        problems = ordered(out)
        if has_errors(problems):
            return Converted(EVALUATION_TABLES, None, problems)
        consent = {"license": document["license"], "submitter": document["submitter"]}
        return converted(self.name, EVALUATION_TABLES, consent, items, problems)

    def _rows(self, document: dict[str, Any]) -> Iterator[tuple[DocPath, str, str, dict[str, Any]]]:
        """(path, task, dataset, row) for every row, Task trees first, in file order."""
        for t, task in enumerate(document.get("tasks") or []):
            yield from self._task(task, ["tasks", t])
        for r, row in enumerate(document.get("rows") or []):
            yield ["rows", r], row["task"], row["dataset"], row

    def _task(
        self, task: dict[str, Any], path: DocPath
    ) -> Iterator[tuple[DocPath, str, str, dict[str, Any]]]:
        for d, dataset in enumerate(task.get("datasets") or []):
            yield from self._dataset(dataset, [*path, "datasets", d], task["task"])
        for s, sub in enumerate(task.get("subtasks") or []):
            yield from self._task(sub, [*path, "subtasks", s])

    def _dataset(
        self, dataset: dict[str, Any], path: DocPath, task: str
    ) -> Iterator[tuple[DocPath, str, str, dict[str, Any]]]:
        name = dataset["dataset"] if "dataset" in dataset else dataset["subdataset"]
        for r, row in enumerate((dataset.get("sota") or {}).get("rows") or []):
            yield [*path, "sota", "rows", r], task, name, row
        for s, sub in enumerate(dataset.get("subdatasets") or []):
            yield from self._dataset(sub, [*path, "subdatasets", s], task)
