"""Converting model-index YAML (paperswithcode/model-index, kept by library authors) into the
canonical form: keys case-insensitive, each result of each model one result."""

from __future__ import annotations

import copy
from typing import Any

from transforms.submissions.canonical import MODEL_INDEX, Converted, DocPath, fold, json_key, ordered
from transforms.submissions.convert_common import Ignored, converted, paper_from
from transforms.submissions.problems import (
    PathPart,
    Problem,
    has_errors,
    show,
)
from transforms.submissions.schema_check import Checker, closest

_MI_TOP = {"models": "Models", "collections": "Collections", "import": "Import"}


_MI_TOP_EXACT = {"license": "license", "submitter": "submitter"}


_MI_MODEL = {
    "name": "Name",
    "metadata": "Metadata",
    "results": "Results",
    "paper": "Paper",
    "code": "Code",
    "weights": "Weights",
    "config": "Config",
    "readme": "README",
    "in collection": "In Collection",
    "image": "Image",
}


_MI_RESULT = {"task": "Task", "dataset": "Dataset", "metrics": "Metrics"}


_MI_PAPER = {"title": "Title", "url": "URL"}


_MI_SUBMITTER = {"name": "name", "email": "email", "github": "github"}


_MI_KEPT = ("Name", "Results", "Paper", "Code", "In Collection")


class ModelIndex:
    def __init__(self, name: str) -> None:
        self.name = name
        self.renames: dict[tuple[PathPart, ...], str] = {}
        self.problems: list[tuple[DocPath, Problem]] = []

    def to_original(self, path: DocPath) -> DocPath:
        return [
            self.renames.get(tuple(path[: i + 1]), part) if isinstance(part, str) else part
            for i, part in enumerate(path)
        ]

    def _rekey(self, mapping: Any, table: dict[str, str], path: DocPath) -> Any:
        if not isinstance(mapping, dict):
            return mapping
        out: dict[Any, Any] = {}
        for key, value in mapping.items():
            canon = table.get(fold(key)) if isinstance(key, str) else None
            new = canon or key
            if new in out:
                first = self.renames.get((*path, new), new)
                self.problems.append(
                    self.checker.problem(
                        [*path, new],
                        expected=f"{self.checker.key(new)} once (model-index keys are case-insensitive)",
                        found=f"both {self.checker.key(first)} and {self.checker.key(key)}",
                        fix=f"keep one of them (the second, {self.checker.key(key)}, is ignored)",
                        code="model_index.duplicate_key",
                    )
                )
                continue
            out[new] = value
            if new != key:
                self.renames[(*path, new)] = key
        return out

    def normalise(self, document: dict[Any, Any]) -> dict[Any, Any]:
        """The document with its keys spelled as in the schema; ``renames`` remembers the originals."""
        top = self._rekey(document, {**_MI_TOP, **_MI_TOP_EXACT}, [])
        top["submitter"] = (
            self._rekey(top.get("submitter"), _MI_SUBMITTER, ["submitter"]) if "submitter" in top else None
        )
        if top["submitter"] is None:
            del top["submitter"]
        for group in ("Models", "Collections"):
            items = top.get(group)
            if not isinstance(items, list):
                continue
            models = []
            for i, model in enumerate(items):
                model = self._rekey(model, _MI_MODEL, [group, i])
                if isinstance(model, dict):
                    # As in model-index itself, an empty field (`Weights:`) is no field.
                    model = {k: v for k, v in model.items() if v is not None}
                    if isinstance(model.get("Paper"), dict):
                        model["Paper"] = self._rekey(model["Paper"], _MI_PAPER, [group, i, "Paper"])
                    if isinstance(model.get("Results"), list):
                        model["Results"] = [
                            self._rekey(r, _MI_RESULT, [group, i, "Results", j])
                            for j, r in enumerate(model["Results"])
                        ]
                models.append(model)
            top[group] = models
        return top

    def convert(self, document: dict[Any, Any]) -> Converted:
        self.checker = Checker(self.name, MODEL_INDEX, self.to_original)
        doc = self.normalise(document)
        skip: list[DocPath] = []
        if "Import" in doc:
            self.problems.append(self.checker._import(["Import"]))
            skip.append(["Import"])
        for group in ("Models", "Collections"):
            listed = doc.get(group)
            for i, model in enumerate(listed if isinstance(listed, list) else []):
                if isinstance(model, str):
                    skip.append([group, i])
                    self.problems.append(
                        self._file_name([group, i], model, "a model (Name, Results, Paper, ...)")
                    )
                elif isinstance(model, dict) and isinstance(model.get("Results"), str):
                    skip.append([group, i, "Results"])
                    self.problems.append(
                        self._file_name([group, i, "Results"], model["Results"], "a list of results")
                    )
        self.checker.skip = skip
        found = self.problems + self.checker.check_located(doc)
        if has_errors([p for _, p in found]):
            return Converted(MODEL_INDEX, None, ordered(found))
        return self._convert_checked(doc, found)

    def _file_name(self, path: DocPath, value: str, expected: str) -> tuple[DocPath, Problem]:
        return self.checker.problem(
            path,
            expected=expected + " written in this file",
            found=f"{show(value)} (a file name)",
            fix=(
                "paste the content here instead of the file name: a file name in a submission is data,"
                " never a path that is opened"
            ),
            code="model_index.file_reference",
        )

    def _convert_checked(self, doc: dict[str, Any], found: list[tuple[DocPath, Problem]]) -> Converted:
        out = list(found)
        ignored = Ignored()
        collections: dict[str, dict[str, Any]] = {}
        for i, coll in enumerate(doc.get("Collections") or []):
            if coll["Name"] in collections:
                out.append(
                    self.checker.problem(
                        ["Collections", i, "Name"],
                        expected="a collection name used once",
                        found=f"{show(coll['Name'])} (also an earlier collection's name)",
                        fix="give each collection its own name, or merge the two",
                        code="model_index.duplicate_collection",
                    )
                )
            collections.setdefault(coll["Name"], coll)
            if coll.get("Results"):
                out.append(
                    self.checker.problem(
                        ["Collections", i, "Results"],
                        expected="results under the model they were measured on",
                        found=f"Results in collection {show(coll['Name'])}",
                        fix="move these Results into the model (under Models) that produced them",
                        code="model_index.collection_results",
                    )
                )
            for key, value in coll.items():
                if key not in ("Name", "Paper", "Code", "Results") and value not in (None, "", [], {}):
                    ignored.add(str(key), ["Collections", i, key])
        items: list[tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]] = []
        all_papers: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
        for i, model in enumerate(doc["Models"]):
            names = model.get("In Collection")
            names = [names] if isinstance(names, str) else list(names or [])
            paper_source, code_url = model.get("Paper"), model.get("Code")
            for n in names:
                coll = collections.get(n)
                if coll is None:
                    known = list(collections)
                    suggestion = closest(n, known)
                    out.append(
                        self.checker.problem(
                            ["Models", i, "In Collection"],
                            expected=(
                                "the Name of one of the Collections"
                                + (
                                    f": {', '.join(show(k) for k in known[:10])}"
                                    if known
                                    else " (there are none)"
                                )
                            ),
                            found=show(n),
                            fix=(
                                f"did you mean {show(suggestion)}?"
                                if suggestion
                                else "add the collection under Collections, or correct the name"
                            ),
                            code="model_index.unknown_collection",
                        )
                    )
                    continue
                paper_source = paper_source if paper_source is not None else coll.get("Paper")
                code_url = code_url if code_url is not None else coll.get("Code")
            for key, value in model.items():
                if key not in _MI_KEPT and value not in (None, "", [], {}):
                    ignored.add(str(key), ["Models", i, key])
            paper = self._paper(paper_source)
            codes = [{"url": code_url}] if isinstance(code_url, str) else []
            if paper is not None:
                all_papers.append((paper, codes))
            results = model.get("Results") or []
            if not results:
                out.append(
                    self.checker.problem(
                        ["Models", i],
                        expected="Results: the model's task, dataset and metrics",
                        found=f"model {show(model['Name'])} has no Results",
                        fix="add its Results, or leave the model out: it adds no result to the archive",
                        code="model_index.no_results",
                        severity="warning",
                    )
                )
                continue
            if paper is None:
                out.append(
                    self.checker.problem(
                        ["Models", i],
                        expected="Paper: the paper of the model's results (a URL, or Title and URL)",
                        found=f'missing key "Paper" (neither model {show(model["Name"])} nor its collection has one)',
                        fix="add `Paper: https://arxiv.org/abs/...` to the model, or to its collection (In Collection)",
                        code="model_index.no_paper",
                    )
                )
                continue
            for result in results:
                items.append(
                    (
                        {
                            "task": result["Task"],
                            "dataset": result["Dataset"],
                            "model": model["Name"],
                            "metrics": copy.deepcopy(result["Metrics"]),
                            "uses_additional_data": False,
                        },
                        paper,
                        codes,
                    )
                )
        lone = None
        if not items:
            distinct = {json_key(p): (p, c) for p, c in all_papers}
            if len(distinct) == 1:
                paper = next(iter(distinct.values()))[0]
                lone = (paper, [c for p, codes in all_papers for c in codes])
            elif not has_errors([p for _, p in out]):
                out.append(
                    self.checker.problem(
                        ["Models"],
                        expected="at least one model with Results (or, without results, one paper)",
                        found=(
                            f"no results and {len(distinct)} papers"
                            if distinct
                            else "no results and no paper"
                        ),
                        fix="add Results to the models; a file without results can only add one paper",
                        code="model_index.nothing_to_store",
                    )
                )
        known = [v for v in _MI_MODEL.values() if v not in _MI_KEPT]
        out += ignored.problems(self.checker, _MI_KEPT, known, "place", "model_index.not_stored")
        problems = ordered(out)
        if has_errors(problems):
            return Converted(MODEL_INDEX, None, problems)
        consent = {"license": doc["license"], "submitter": doc["submitter"]}
        return converted(self.name, MODEL_INDEX, consent, items, problems, lone)

    @staticmethod
    def _paper(source: Any) -> dict[str, Any] | None:
        if isinstance(source, str):
            return paper_from(None, source)
        if isinstance(source, dict):
            return paper_from(source.get("Title"), source.get("URL"))
        return None
