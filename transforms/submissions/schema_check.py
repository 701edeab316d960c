"""Checking a document against its JSON Schema: every schema error becomes one Problem at its place in
the file as received, saying what was expected, what was found and how to fix it."""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from transforms.submissions.canonical import (
    FORMATS,
    LICENSE,
    MODEL_INDEX,
    OWN,
    SCHEMA_FILES,
    DocPath,
    fold,
    kind,
    or_list,
    ordered,
    schema_path,
    type_phrase,
)
from transforms.submissions.problems import (
    Problem,
    Severity,
    located,
    show,
    split_path,
)


@cache
def schemas() -> dict[str, dict[str, Any]]:
    return {fmt: json.loads(schema_path(fmt).read_text(encoding="utf-8")) for fmt in FORMATS}


@cache
def _by_id() -> dict[str, dict[str, Any]]:
    return {schema["$id"]: schema for schema in schemas().values()}


@cache
def _validator(fmt: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], DRAFT202012.create_resource(schema)) for schema in schemas().values()
    )
    return Draft202012Validator(schemas()[fmt], registry=registry)


@cache
def converted_validator() -> Draft202012Validator:
    """The own format as converted formats produce it: paper title and date may be missing."""
    relaxed = copy.deepcopy(schemas()[OWN])
    relaxed["$defs"]["paper"]["required"] = []
    registry: Registry[Any] = Registry().with_resource(relaxed["$id"], DRAFT202012.create_resource(relaxed))
    return Draft202012Validator(relaxed, registry=registry)


def _resolve(schema: Any) -> dict[str, Any]:
    """Follow ``$ref`` (always absolute in the shipped schemas), keeping the outer annotations."""
    if not isinstance(schema, dict):
        return {}
    merged = dict(schema)
    seen = 0
    while "$ref" in merged and seen < 10:
        seen += 1
        ref = merged.pop("$ref")
        target = _pointer(ref)
        merged = {**target, **merged}
    return merged


def _pointer(ref: str) -> dict[str, Any]:
    base, _, fragment = ref.partition("#")
    node: Any = _by_id()[base]
    for step in filter(None, fragment.split("/")):
        node = node[step.replace("~1", "/").replace("~0", "~")]
    return node if isinstance(node, dict) else {}


def _walk_schema(root: dict[str, Any], schema_path: Sequence[Any]) -> list[dict[str, Any]]:
    """The schemas passed through along an error's schema path (outermost first).

    jsonschema leaves ``$ref`` out of schema paths: a step that is not in a
    schema is looked up in the schema its ``$ref`` points to.
    """
    node: Any = root
    passed: list[dict[str, Any]] = [root]
    for step in schema_path:
        hops = 0
        while isinstance(node, dict) and step not in node and "$ref" in node and hops < 10:
            node, hops = _pointer(node["$ref"]), hops + 1
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and step not in _CONTAINERS:
            passed.append(node)
    return passed


_CONTAINERS = ("properties", "$defs", "patternProperties", "dependentSchemas")
"""Schema keywords whose value maps names to schemas (not itself a schema)."""


@cache
def _pattern_phrases() -> dict[str, tuple[str, str]]:
    """pattern of the shipped schemas -> (what it means, how to write it)."""
    defs = schemas()[OWN]["$defs"]
    submitter = defs["submitter"]["properties"]
    url = defs["url"]["pattern"]
    return {
        url: (
            "an http(s) URL",
            "write the full address starting with https:// (e.g. https://github.com/owner/repo)",
        ),
        "^(https?://\\S+)?$": (
            'an http(s) URL, or ""',
            "write the full address starting with https:// (e.g. https://arxiv.org/abs/1905.11946v3)",
        ),
        defs["date"]["pattern"]: (
            "a date written YYYY-MM-DD",
            "write the date as YYYY-MM-DD (e.g. 2019-05-28); for an arXiv paper, the date of its v1",
        ),
        defs["arxiv_id"]["pattern"]: (
            "an arXiv id such as 1905.11946 or cs/0205028 (optionally with v2)",
            'write the bare identifier (e.g. 1905.11946), not "arXiv:1905.11946", not the URL',
        ),
        submitter["email"]["pattern"]: (
            "an e-mail address",
            'write an address such as jane.doe@example.org, or leave "email" out',
        ),
        submitter["github"]["pattern"]: (
            "a GitHub user name (letters, digits and inner hyphens, at most 39)",
            "write the user name only (e.g. janedoe): no @, no URL",
        ),
    }


class Checker:
    """Runs one format's JSON Schema and turns its errors into problems."""

    def __init__(
        self,
        name: str,
        fmt: str,
        to_original: Callable[[DocPath], DocPath] = list,
        skip: Sequence[DocPath] = (),
    ) -> None:
        self.name = name
        self.fmt = fmt
        self.to_original = to_original
        self.skip = [list(p) for p in skip]
        self.yaml_keys = fmt == MODEL_INDEX

    # -- running

    def check(self, document: Any, validator: Draft202012Validator | None = None) -> list[Problem]:
        """Every schema error as a problem, sorted by path."""
        return ordered(self.check_located(document, validator))

    def check_located(
        self, document: Any, validator: Draft202012Validator | None = None
    ) -> list[tuple[DocPath, Problem]]:
        """Every schema error as (path in the file as received, problem), without repeats."""
        validator = validator or _validator(self.fmt)
        self.root = validator.schema if isinstance(validator.schema, dict) else {}
        found: list[tuple[DocPath, Problem]] = []
        for error in validator.iter_errors(document):
            if any(list(error.absolute_path)[: len(s)] == s for s in self.skip):
                continue
            found.extend(self._translate(error))
        unique: dict[tuple[str, ...], tuple[DocPath, Problem]] = {}
        for path, problem in found:
            unique.setdefault(
                tuple(map(str, (problem.record, problem.field, problem.found, problem.code))), (path, problem)
            )
        return list(unique.values())

    def problem(
        self, path: DocPath, *, expected: str, found: str, fix: str, code: str, severity: Severity = "error"
    ) -> tuple[DocPath, Problem]:
        original = self.to_original(list(path))
        problem = located(
            self.name, original, expected=expected, found=found, fix=fix, severity=severity, code=code
        )
        return original, problem

    # -- rendering

    def key(self, key: Any) -> str:
        if self.yaml_keys and isinstance(key, str):
            return key
        return show(key)

    def place(self, path: DocPath) -> str:
        if not path:
            return "the top level"
        record, field = split_path(self.to_original(list(path)))
        return record + (("." if field and not field.startswith("[") else "") + field)

    def pair(self, key: str, value: Any) -> str:
        rendered = json.dumps(value, ensure_ascii=False)
        return f"{key}: {rendered}" if self.yaml_keys else f"{json.dumps(key)}: {rendered}"

    # -- translation

    def _translate(self, error: ValidationError) -> list[tuple[DocPath, Problem]]:
        validator = str(error.validator)
        path: DocPath = list(error.absolute_path)
        code = f"schema.{validator}"
        if validator in ("anyOf", "oneOf") and error.context:
            return self._any_of(error, path, code)
        if validator == "required":
            return [self._required(error, path, code)]
        if validator in ("additionalProperties", "unevaluatedProperties"):
            return self._unknown_keys(error, path, code)
        passed = _walk_schema(self.root, list(error.absolute_schema_path))
        examples = next((s["examples"] for s in reversed(passed) if s.get("examples")), None)
        example = f", e.g. {json.dumps(examples[0], ensure_ascii=False)}" if examples else ""
        instance: Any = error.instance
        rule: Any = error.validator_value
        in_names = "propertyNames" in list(error.absolute_schema_path)
        if validator == "const":
            return [self._const(error, path, code)]
        if validator == "type":
            expected = type_phrase(error.validator_value)
            return [
                self.problem(
                    path,
                    expected=expected,
                    found=f"{show(instance)} ({kind(instance)})",
                    fix=f"write {expected}{example}",
                    code=code,
                )
            ]
        if validator == "pattern":
            meaning, how = _pattern_phrases().get(str(rule), (f"text matching {rule}", "correct the text"))
            return [self.problem(path, expected=meaning, found=show(instance), fix=how, code=code)]
        if validator == "minLength":
            what = "a metric name" if in_names else "a non-empty string"
            return [
                self.problem(
                    path + ([instance] if in_names else []),
                    expected=what,
                    found=show(instance) + (" (an empty metric name)" if in_names else ""),
                    fix=("name the metric" if in_names else f"write the value{example}"),
                    code=code,
                )
            ]
        if validator == "maxLength":
            limit = int(rule)
            what = "a metric name" if in_names else "text"
            return [
                self.problem(
                    path,
                    expected=f"{what} of at most {limit:,} characters",
                    found=show(instance),
                    fix=f"shorten it to at most {limit:,} characters",
                    code=code,
                )
            ]
        if validator == "minProperties":
            is_metrics = bool(path) and path[-1] in ("metrics", "Metrics")
            return [
                self.problem(
                    path,
                    expected="at least one metric (name: value)" if is_metrics else "at least one entry",
                    found=show(instance),
                    fix=(
                        f"add the metrics of the result{example}" if is_metrics else f"add an entry{example}"
                    ),
                    code=code,
                )
            ]
        if validator == "maxItems":
            limit = int(rule)
            return [
                self.problem(
                    path,
                    expected=f"at most {limit:,} entries",
                    found=f"{len(instance):,} entries",
                    fix=f"keep at most {limit:,} entries",
                    code=code,
                )
            ]
        if validator == "not" and path and path[-1] == "Import":
            return [self._import(path)]
        title = next((s["title"] for s in reversed(passed) if s.get("title")), "this field")
        return [
            self.problem(
                path,
                expected=f"a valid {title.lower()} (rule {validator}: see {SCHEMA_FILES[self.fmt]})",
                found=show(instance),
                fix=f"correct the value{example}",
                code=code,
            )
        ]

    def _any_of(self, error: ValidationError, path: DocPath, code: str) -> list[tuple[DocPath, Problem]]:
        subs = list(error.context or [])
        if all(s.validator == "required" and not s.relative_path for s in subs):
            keys = [k for s in subs for k in self._missing(s)]
            shown = [self.key(k) for k in keys]
            example = self._example_for(error, keys[0]) if keys else None
            hint = f"add {self.pair(keys[0], example)}" if keys and example is not None else f"add {shown[0]}"
            return [
                self.problem(
                    path,
                    expected=f"key {or_list(shown)} (at least one)",
                    found=f"missing key {or_list(shown)}",
                    fix=f"{hint} to {self.place(path)}"
                    + (f" (or {or_list(shown[1:])})" if len(shown) > 1 else ""),
                    code="schema.required",
                )
            ]
        informative = [s for s in subs if s.validator != "type"]
        if not informative:
            types: list[str] = []
            for s in subs:
                value: Any = s.validator_value
                types += [value] if isinstance(value, str) else list(value)
            expected = type_phrase(list(dict.fromkeys(types)))
            return [
                self.problem(
                    path,
                    expected=expected,
                    found=f"{show(error.instance)} ({kind(error.instance)})",
                    fix=f"write {expected}",
                    code="schema.type",
                )
            ]
        chosen = best_match(informative)
        return self._translate(chosen) if chosen is not None else []

    def _missing(self, error: ValidationError) -> list[str]:
        instance = error.instance if isinstance(error.instance, dict) else {}
        required = error.validator_value if isinstance(error.validator_value, list) else []
        for key in required:
            if key not in instance and error.message == f"{key!r} is a required property":
                return [key]
        return [k for k in required if k not in instance][:1]

    def _property(self, error: ValidationError, key: str) -> dict[str, Any]:
        """The schema of property ``key`` of the object an error is about (with its annotations)."""
        passed = [error.schema, *reversed(_walk_schema(self.root, list(error.absolute_schema_path)[:-1]))]
        for schema in passed:
            prop = _resolve(schema).get("properties", {}).get(key)
            if isinstance(prop, dict):
                return prop
        return {}

    def _example_for(self, error: ValidationError, key: str) -> Any:
        examples = self._property(error, key).get("examples")
        return examples[0] if examples else None

    def _required(self, error: ValidationError, path: DocPath, code: str) -> tuple[DocPath, Problem]:
        keys = self._missing(error)
        key = keys[0] if keys else "?"
        prop = _resolve(self._property(error, key))
        shown = self.key(key)
        expected = f"{shown}: {_describe(prop)}"
        title = str(prop.get("title", ""))
        if title and title.lower() != key.lower():
            expected += f" ({title[0].lower() + title[1:]})"
        found = f"missing key {shown}"
        example = self._example_for(error, key)
        where = self.place(path)
        fix = (
            f"add {self.pair(key, example)} to {where}" if example is not None else f"add {shown} to {where}"
        )
        top = not path
        if top and key in ("license", "submitter") and self.fmt == MODEL_INDEX:
            fix = (
                "add these two lines at the top of the file: `license: CC-BY-SA-4.0` and "
                "`submitter: {name: Your Name}` (the first is your agreement to publish the results under "
                "CC BY-SA 4.0, the archive's licence; the consent must be your own)"
            )
        elif top and key == "license":
            fix = f'add "license": "{LICENSE}" at the top level to agree to publish under CC BY-SA 4.0'
        elif top and key == "submitter":
            fix = (
                'add "submitter": {"name": "Your Name"} at the top level ("github" and "email" are optional)'
            )
        elif top and key == "schema_version":
            fix = 'add "schema_version": 1 at the top level'
        elif top and key == "paper" and self.fmt == OWN:
            results = error.instance.get("results") if isinstance(error.instance, dict) else None
            bare = [
                i
                for i, r in enumerate(results if isinstance(results, list) else [])
                if not _has_key(r, "paper")
            ]
            if bare:
                found += f" (and results[{bare[0]}] has no paper of its own)"
            elif not results:
                found += " (and no results: a submission without results adds a paper)"
            fix = (
                f"add {self.pair('paper', example)} at the top level, or give every result its own"
                ' "paper" (a model zoo with several papers)'
            )
        elif top and key == "Models" and self.fmt == MODEL_INDEX:
            fix = "add Models: a list of the models, each with Name, Paper, Code and Results"
        instance = error.instance if isinstance(error.instance, dict) else {}
        near = [k for k in instance if isinstance(k, str) and k != key and closest(k, [key]) == key]
        if near:
            found += f" ({self.key(near[0])} is there: a misspelling?)"
            fix = f"rename {self.key(near[0])} to {shown}"
        return self.problem(path, expected=expected, found=found, fix=fix, code=code)

    def _const(self, error: ValidationError, path: DocPath, code: str) -> tuple[DocPath, Problem]:
        const = error.validator_value
        if const == LICENSE:
            return self.problem(
                path,
                expected=f'"{LICENSE}" (licence consent)',
                found=show(error.instance),
                fix=(
                    "the archive is published under CC BY-SA 4.0 and can only take results their submitter"
                    f" agrees to publish under it: set {self.pair('license', LICENSE)} if you agree"
                    " (exactly this spelling); without it the file cannot be accepted"
                ),
                code=code,
            )
        if path == ["schema_version"]:
            return self.problem(
                path,
                expected="1 (the only version of the format)",
                found=show(error.instance),
                fix='write "schema_version": 1',
                code=code,
            )
        return self.problem(
            path, expected=show(const), found=show(error.instance), fix=f"write {show(const)}", code=code
        )

    def _unknown_keys(
        self, error: ValidationError, path: DocPath, code: str
    ) -> list[tuple[DocPath, Problem]]:
        schema = _resolve(error.schema)
        allowed = [k for k in schema.get("properties", {})]
        instance = error.instance if isinstance(error.instance, dict) else {}
        out = []
        for key in instance:
            if key in allowed:
                continue
            shown_allowed = ", ".join(self.key(k) for k in allowed)
            fix = f"remove {self.key(key)}: there is no such key here"
            suggestion = closest(key, allowed) if isinstance(key, str) else None
            if suggestion is not None:
                fix = f"did you mean {self.key(suggestion)}? rename {self.key(key)} to {self.key(suggestion)}"
            elif self.fmt == OWN and not path and key in _PAPER_KEYS:
                fix = f'move {self.key(key)} into "paper" (see docs/submissions.md)'
            out.append(
                self.problem(
                    path,
                    expected=f"only the keys {shown_allowed}",
                    found=f"unknown key {self.key(key) if isinstance(key, str) else show(key)}",
                    fix=fix,
                    code=code,
                )
            )
        return out

    def _import(self, path: DocPath) -> tuple[DocPath, Problem]:
        return self.problem(
            path,
            expected="one self-contained file: the models themselves under Models",
            found="Import: a list of other files",
            fix=(
                "paste the models of the imported files into Models: a file name in a submission is data,"
                " never a path that is opened"
            ),
            code="model_index.import",
        )


_PAPER_KEYS = ("title", "arxiv_id", "authors", "abstract", "url", "date")


def _has_key(value: Any, key: str) -> bool:
    return isinstance(value, dict) and key in value


def closest(key: str, allowed: Sequence[str]) -> str | None:
    for candidate in allowed:
        if candidate.lower() == key.lower() or fold(candidate) == fold(key):
            return candidate
    matches = difflib.get_close_matches(key.lower(), [a.lower() for a in allowed], n=1, cutoff=0.75)
    if not matches:
        return None
    return next(a for a in allowed if a.lower() == matches[0])


def _describe(schema: dict[str, Any]) -> str:
    """What a (resolved) property schema accepts, in a few words."""
    if "const" in schema:
        return show(schema["const"])
    pattern = schema.get("pattern")
    types = schema.get("type")
    if isinstance(pattern, str) and pattern in _pattern_phrases() and types == "string":
        return _pattern_phrases()[pattern][0]
    if "anyOf" in schema and not types:
        parts = [_describe(_resolve(s)) for s in schema["anyOf"]]
        return or_list(parts)
    if types == "string":
        limit = schema.get("maxLength")
        text = "a non-empty string" if schema.get("minLength") else "a string"
        return text + (f" of at most {limit:,} characters" if limit else "")
    if types == "object":
        if schema.get("minProperties"):
            return "a mapping with at least one entry"
        parts = [show(k) for k in schema.get("required", [])]
        either = [show(k) for branch in schema.get("anyOf", []) for k in branch.get("required", [])]
        if either:
            parts.append(or_list(either))
        if not parts:
            return "a mapping"
        return "a mapping with " + (
            parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        )
    if types is not None:
        return type_phrase(types)
    return "a value"
