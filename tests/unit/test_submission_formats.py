"""Submission formats: recognition, JSON Schema checks with precise messages, conversion, identity.

The documented examples (docs/examples/) hold real results of real papers from
the 2020 evaluation-tables dump: a test checks every value against the dump. The
two community files are real submissions received after the closure.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.support import dump2020
from transforms.submissions.canonical import (
    FORMATS,
    Converted,
    FlatResult,
    arxiv_id_from_url,
    canonical_bytes,
    flatten_results,
    papers,
    schema_path,
    submission_id,
)
from transforms.submissions.formats import convert, recognise
from transforms.submissions.problems import Problem
from transforms.submissions.unrecognised import suggest_conversion

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
COMMUNITY = ROOT / "tests" / "fixtures" / "submissions" / "community"

CONSENT = {"license": "CC-BY-SA-4.0", "submitter": {"name": "Jane Doe"}}
PAPER = {
    "title": "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
    "url": "https://arxiv.org/abs/1905.11946v3",
    "arxiv_id": "1905.11946",
    "date": "2019-05-28",
}


def own(**changes: Any) -> dict[str, Any]:
    """A small valid own-format document (real EfficientNet results), with top-level changes."""
    doc: dict[str, Any] = {
        "schema_version": 1,
        **copy.deepcopy(CONSENT),
        "paper": dict(PAPER),
        "results": [
            {
                "task": "Image Classification",
                "dataset": "ImageNet",
                "model": "EfficientNet-B0",
                "metrics": {"Top 1 Accuracy": "76.3%", "Top 5 Accuracy": 93.2},
            },
            {
                "task": "Image Classification",
                "dataset": "ImageNet",
                "model": "EfficientNet-B7",
                "metrics": {"Top 1 Accuracy": "84.4%"},
            },
        ],
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def errors(converted: Converted) -> list[Problem]:
    return [p for p in converted.problems if p.severity == "error"]


def only_error(converted: Converted) -> Problem:
    found = errors(converted)
    assert len(found) == 1, [(p.where, p.found) for p in found]
    return found[0]


def by_code(converted: Converted, code: str) -> list[Problem]:
    return [p for p in converted.problems if p.code == code]


# --------------------------------------------------------------------------- schemas


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_schema_is_draft_2020_12_with_an_id_and_documents_every_property(fmt: str) -> None:
    schema = json.loads(schema_path(fmt).read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:pwc-archive:schema:")
    assert schema["title"] and schema["description"]

    def properties(node: Any, where: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                yield f"{where}.{name}", prop
            for key, value in node.items():
                if key not in ("if", "examples"):  # a condition and sample data, not documentation
                    yield from properties(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from properties(item, f"{where}[{i}]")

    listed = list(properties(schema, ""))
    assert len(listed) > 10
    for where, prop in listed:
        assert prop.get("title") and prop.get("description"), where


def test_schema_path_names_the_shipped_files_and_refuses_unknown_formats() -> None:
    assert schema_path("pwc-submission-v1").name == "submission-v1.schema.json"
    assert schema_path("model-index").name == "model-index.schema.json"
    assert schema_path("evaluation-tables").name == "evaluation-tables.schema.json"
    with pytest.raises(ValueError, match="unknown submission format 'csv'"):
        schema_path("csv")


# --------------------------------------------------------------------------- the documented examples


def _dump_results() -> set[tuple[str, str, str, str, str, str]]:
    keys = ("task_raw", "dataset_raw", "model_name_raw", "paper_url_raw", "metric_name_raw", "value_raw")
    return {tuple(row[k] for k in keys) for row in dump2020.result_rows()}  # type: ignore[misc]


@pytest.fixture(scope="module")
def dump_results() -> set[tuple[str, str, str, str, str, str]]:
    return _dump_results()


EXAMPLE_FORMATS = {
    "submission.json": "pwc-submission-v1",
    "submission.yaml": "pwc-submission-v1",
    "model-index.yaml": "model-index",
    "evaluation-tables.json": "evaluation-tables",
}


def test_every_example_file_is_tested() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(EXAMPLE_FORMATS)


@pytest.mark.parametrize("name", sorted(EXAMPLE_FORMATS))
def test_example_is_valid_and_holds_real_results_of_the_2020_dump(
    name: str, dump_results: set[tuple[str, str, str, str, str, str]]
) -> None:
    converted = convert(name, load(EXAMPLES / name))
    assert converted.format == EXAMPLE_FORMATS[name]
    assert converted.problems == []
    assert converted.canonical is not None
    flat = flatten_results(converted.canonical)
    assert flat
    for r in flat:
        assert r.paper is not None and r.paper["url"].startswith("https://arxiv.org/abs/")
        key = (r.task, r.dataset, r.model, r.paper["url"], r.metric, r.value)
        assert key in dump_results, key


def test_example_submission_json_is_its_own_canonical_form() -> None:
    document = load(EXAMPLES / "submission.json")
    canonical = convert("submission.json", document).canonical
    assert canonical == document  # every default is written out already
    assert canonical["paper"]["arxiv_id"] == "1905.11946"
    assert [r["model"] for r in canonical["results"]] == [f"EfficientNet-B{i}" for i in range(8)]
    assert canonical["results"][7]["metrics"] == {
        "Number of params": "66M",
        "Top 1 Accuracy": "84.4%",
        "Top 5 Accuracy": "97.1%",
    }
    assert canonical["code"][0] == {
        "url": "https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet",
        "official": True,
        "framework": "tf",
    }


def test_example_submission_yaml_converts_with_defaults_filled_in() -> None:
    document = load(EXAMPLES / "submission.yaml")
    canonical = convert("submission.yaml", document).canonical
    assert canonical is not None
    expected = copy.deepcopy(document)
    for result in expected["results"]:
        result["uses_additional_data"] = False
    assert canonical == expected
    assert canonical["paper"]["title"] == "Fixing the train-test resolution discrepancy: FixEfficientNet"
    last = canonical["results"][-1]
    assert last["model"] == "FixEfficientNet-L2"
    # YAML reads 88.5% as a string: kept exactly as written.
    assert last["metrics"] == {
        "Top 1 Accuracy": "88.5%",
        "Top 5 Accuracy": "98.7%",
        "Number of params": "480M",
    }


def test_example_model_index_converts_to_one_paper_with_the_collection_code() -> None:
    canonical = convert("model-index.yaml", load(EXAMPLES / "model-index.yaml")).canonical
    assert canonical is not None
    assert canonical["paper"] == {
        "title": "Self-training with Noisy Student improves ImageNet classification",
        "url": "https://arxiv.org/abs/1911.04252v4",
        "arxiv_id": "1911.04252",
    }
    assert canonical["code"] == [{"url": "https://github.com/google-research/noisystudent"}]
    assert len(canonical["results"]) == 9
    assert canonical["results"][0] == {
        "task": "Image Classification",
        "dataset": "ImageNet",
        "model": "NoisyStudent (EfficientNet-B0)",
        "metrics": {"Top 1 Accuracy": "78.8%", "Top 5 Accuracy": "94.5%", "Number of params": "5.3M"},
        "uses_additional_data": False,
    }
    assert "paper" not in canonical["results"][0]


def test_example_evaluation_tables_keeps_one_paper_and_code_per_result() -> None:
    canonical = convert("evaluation-tables.json", load(EXAMPLES / "evaluation-tables.json")).canonical
    assert canonical is not None
    assert "paper" not in canonical and canonical["code"] == []
    where = [(r["task"], r["dataset"], r["model"]) for r in canonical["results"]]
    assert where == [
        ("Image Classification", "ImageNet", "AdvProp (EfficientNet-B8)"),
        ("Image Classification", "ImageNet", "EfficientNet-B8 (RandAugment)"),
        ("Image Classification", "ImageNet", "AdvProp (EfficientNet-B7)"),
        ("Image Classification", "ImageNet", "EfficientNet-B7"),
        ("Image Classification", "SVHN", "WideResNet-28-10"),
        ("Fine-Grained Image Classification", "Stanford Cars", "EfficientNet-B7"),  # a subtask
        ("Image Classification", "Flowers-102", "EfficientNet-B7"),  # from "rows"
    ]
    first = canonical["results"][0]
    assert first["paper"] == {
        "title": "Adversarial Examples Improve Image Recognition",
        "url": "https://arxiv.org/abs/1911.09665v2",
        "arxiv_id": "1911.09665",
        "date": "2019-11-21",
    }
    assert first["code"][0] == {"url": "https://github.com/rwightman/pytorch-image-models"}
    listed = papers(canonical)
    assert [record for record, _ in listed] == ["results[0].paper", "results[1].paper", "results[5].paper"]


# --------------------------------------------------------------------------- canonical form and identity


def test_canonical_form_fills_defaults_and_changes_nothing_else() -> None:
    document = own()
    before = copy.deepcopy(document)
    converted = convert("s.json", document)
    assert converted.format == "pwc-submission-v1" and converted.problems == []
    canonical = converted.canonical
    assert document == before, "the input is not modified"
    assert canonical == {
        **before,
        "code": [],
        "results": [{**r, "uses_additional_data": False} for r in before["results"]],
    }
    metrics = canonical["results"][0]["metrics"]
    assert metrics["Top 1 Accuracy"] == "76.3%" and metrics["Top 5 Accuracy"] == 93.2
    assert isinstance(metrics["Top 5 Accuracy"], float)


def test_canonical_bytes_are_compact_sorted_utf8() -> None:
    data = canonical_bytes({"b": 1, "a": {"é": "85.2%", "c": [1, 2.5]}})
    assert data == '{"a":{"c":[1,2.5],"é":"85.2%"},"b":1}'.encode()


def test_same_content_in_any_key_order_json_or_yaml_has_one_id() -> None:
    document = load(EXAMPLES / "submission.json")
    as_json = convert("a.json", json.loads(json.dumps(document, indent=4))).canonical
    reordered = json.loads(json.dumps(_reversed_keys(document)))
    assert list(reordered) != list(document)
    as_reordered = convert("b.json", reordered).canonical
    as_yaml = convert("c.yaml", yaml.safe_load(yaml.safe_dump(document, sort_keys=True))).canonical
    assert as_json and as_reordered and as_yaml
    ids = {submission_id(as_json), submission_id(as_reordered), submission_id(as_yaml)}
    assert len(ids) == 1
    (only,) = ids
    assert len(only) == 64 and int(only, 16) >= 0


def test_a_different_value_gets_a_different_id() -> None:
    one = convert("a.json", own()).canonical
    changed = own()
    changed["results"][0]["metrics"]["Top 1 Accuracy"] = "76.4%"
    other = convert("b.json", changed).canonical
    assert one and other and submission_id(one) != submission_id(other)


def test_the_id_depends_on_content_not_on_the_source_format() -> None:
    rows = {
        **CONSENT,
        "rows": [
            {
                "task": "Image Classification",
                "dataset": "ImageNet",
                "model_name": "EfficientNet-B0",
                "paper_title": PAPER["title"],
                "paper_url": PAPER["url"],
                "paper_date": PAPER["date"],
                "code_links": [{"title": "tensorflow/tpu", "url": "https://github.com/tensorflow/tpu"}],
                "metrics": {"Top 1 Accuracy": "76.3%"},
            }
        ],
    }
    same = own(
        code=[{"url": "https://github.com/tensorflow/tpu"}],
        results=[
            {
                "task": "Image Classification",
                "dataset": "ImageNet",
                "model": "EfficientNet-B0",
                "metrics": {"Top 1 Accuracy": "76.3%"},
            }
        ],
    )
    from_rows = convert("rows.json", rows)
    from_own = convert("own.json", same)
    assert from_rows.format == "evaluation-tables" and from_own.format == "pwc-submission-v1"
    assert from_rows.canonical == from_own.canonical
    assert from_rows.canonical and submission_id(from_rows.canonical) == submission_id(
        from_own.canonical or {}
    )


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


# --------------------------------------------------------------------------- flatten_results and papers


def test_flatten_results_gives_one_row_per_metric_with_its_place_and_paper() -> None:
    canonical = convert("s.json", own()).canonical
    assert canonical is not None
    flat = flatten_results(canonical)
    assert flat[0] == FlatResult(
        record="results[0]",
        field='metrics["Top 1 Accuracy"]',
        task="Image Classification",
        dataset="ImageNet",
        model="EfficientNet-B0",
        metric="Top 1 Accuracy",
        value="76.3%",
        uses_additional_data=False,
        paper=PAPER,
        paper_record="paper",
    )
    assert [(r.record, r.field, r.value) for r in flat] == [
        ("results[0]", 'metrics["Top 1 Accuracy"]', "76.3%"),
        ("results[0]", 'metrics["Top 5 Accuracy"]', 93.2),
        ("results[1]", 'metrics["Top 1 Accuracy"]', "84.4%"),
    ]


def test_a_model_zoo_gives_each_result_its_own_paper() -> None:
    resnet = {
        "title": "Deep Residual Learning for Image Recognition",
        "url": "http://arxiv.org/abs/1512.03385v1",
        "date": "2015-12-10",
    }
    document = own(paper=None)
    document["results"][0]["paper"] = dict(PAPER)
    document["results"][1]["paper"] = dict(PAPER)
    document["results"].append(
        {
            "task": "Image Classification",
            "dataset": "ImageNet",
            "model": "ResNet-50",
            "metrics": {"Top 1 Accuracy": "77.15%"},
            "paper": resnet,
            "code": [{"url": "https://github.com/KaimingHe/deep-residual-networks", "official": True}],
        }
    )
    converted = convert("zoo.json", document)
    assert converted.problems == [] and converted.canonical is not None
    flat = flatten_results(converted.canonical)
    assert [r.paper_record for r in flat] == ["results[0].paper"] * 2 + [
        "results[1].paper",
        "results[2].paper",
    ]
    assert flat[-1].paper == resnet
    assert papers(converted.canonical) == [("results[0].paper", PAPER), ("results[2].paper", resnet)]


def test_papers_lists_the_top_level_paper_once() -> None:
    canonical = convert("s.json", own(results=None)).canonical
    assert canonical is not None and canonical["results"] == []
    assert papers(canonical) == [("paper", PAPER)]
    assert flatten_results(canonical) == []


# --------------------------------------------------------------------------- own format: precise errors


def test_missing_licence_says_what_to_add_to_agree() -> None:
    document = own()
    del document["license"]
    converted = convert("s.json", document)
    assert converted.format == "pwc-submission-v1" and converted.canonical is None
    problem = only_error(converted)
    assert (problem.record, problem.field, problem.code) == ("(file)", "", "schema.required")
    assert problem.found == 'missing key "license"'
    assert problem.expected == '"license": "CC-BY-SA-4.0" (licence consent)'
    assert (
        problem.fix == 'add "license": "CC-BY-SA-4.0" at the top level to agree to publish under CC BY-SA 4.0'
    )


def test_any_other_licence_is_refused_with_the_reason() -> None:
    problem = only_error(convert("s.json", own(license="MIT")))
    assert (problem.record, problem.code) == ("license", "schema.const")
    assert problem.expected == '"CC-BY-SA-4.0" (licence consent)'
    assert problem.found == '"MIT"'
    assert "the archive is published under CC BY-SA 4.0" in problem.fix
    assert 'set "license": "CC-BY-SA-4.0" if you agree' in problem.fix


def test_unknown_keys_suggest_the_closest_allowed_key() -> None:
    document = own(licence="CC-BY-SA-4.0", codes=[])
    del document["license"]
    converted = convert("s.json", document)
    unknown = {p.found: p.fix for p in by_code(converted, "schema.additionalProperties")}
    assert unknown == {
        'unknown key "codes"': 'did you mean "code"? rename "codes" to "code"',
        'unknown key "licence"': 'did you mean "license"? rename "licence" to "license"',
    }
    result_typo = own()
    result_typo["results"][1]["metric"] = result_typo["results"][1].pop("metrics")
    converted = convert("s.json", result_typo)
    typo = by_code(converted, "schema.additionalProperties")[0]
    assert (typo.record, typo.found, typo.fix) == (
        "results[1]",
        'unknown key "metric"',
        'did you mean "metrics"? rename "metric" to "metrics"',
    )
    missing = by_code(converted, "schema.required")[0]
    assert (missing.record, missing.found, missing.fix) == (
        "results[1]",
        'missing key "metrics" ("metric" is there: a misspelling?)',
        'rename "metric" to "metrics"',
    )


def test_problems_point_at_the_record_and_field() -> None:
    document = own()
    document["results"] += [copy.deepcopy(document["results"][0]) for _ in range(2)]
    document["results"][3]["metrics"]["Top-1 Accuracy"] = True
    document["results"][3]["uses_additional_data"] = "no"
    del document["results"][2]["dataset"]
    converted = convert("s.json", document)
    places = [(p.record, p.field, p.code) for p in converted.problems]
    assert places == [
        ("results[2]", "", "schema.required"),
        ("results[3]", 'metrics["Top-1 Accuracy"]', "schema.type"),
        ("results[3]", "uses_additional_data", "schema.type"),
    ]
    missing, value, flag = converted.problems
    assert missing.found == 'missing key "dataset"'
    assert missing.fix == 'add "dataset": "ImageNet" to results[2]'
    assert value.expected == "a number or a string" and value.found == "true (a boolean)"
    assert value.where == 's.json: results[3].metrics["Top-1 Accuracy"]'
    assert flag.expected == "true or false" and flag.fix == "write true or false, e.g. false"


def test_a_paper_needs_a_url_or_an_arxiv_id_and_the_date_shape() -> None:
    paper = {"title": PAPER["title"], "date": "28/05/2019"}
    converted = convert("s.json", own(paper=paper))
    link, date = converted.problems
    assert (date.record, date.field, date.code) == ("paper", "date", "schema.pattern")
    assert date.expected == "a date written YYYY-MM-DD" and date.found == '"28/05/2019"'
    assert (link.record, link.field, link.code) == ("paper", "", "schema.required")
    assert link.found == 'missing key "url" or "arxiv_id"'
    assert link.fix == 'add "url": "https://arxiv.org/abs/1905.11946v3" to paper (or "arxiv_id")'


@pytest.mark.parametrize(
    "arxiv_id", ["2507.22176", "2507.22176v2", "1307.1058", "cs/0205028", "math.GT/0309136v1"]
)
def test_new_and_old_style_arxiv_ids_are_accepted(arxiv_id: str) -> None:
    paper = {"title": "T", "arxiv_id": arxiv_id, "date": "2002-05-20"}
    assert convert("s.json", own(paper=paper)).problems == []


@pytest.mark.parametrize(
    "arxiv_id", ["arXiv:1905.11946", "https://arxiv.org/abs/1905.11946", "1905.119", "cs/205028"]
)
def test_malformed_arxiv_ids_are_refused_with_how_to_write_them(arxiv_id: str) -> None:
    problem = only_error(convert("s.json", own(paper={**PAPER, "arxiv_id": arxiv_id})))
    assert (problem.record, problem.field, problem.code) == ("paper", "arxiv_id", "schema.pattern")
    assert problem.fix.startswith("write the bare identifier (e.g. 1905.11946)")


def test_urls_must_be_http_and_github_names_bare() -> None:
    document = own(code=[{"url": "github.com/tensorflow/tpu", "official": "yes"}])
    document["submitter"]["github"] = "@janedoe"
    converted = convert("s.json", document)
    assert [(p.record, p.field, p.code) for p in converted.problems] == [
        ("code[0]", "official", "schema.type"),
        ("code[0]", "url", "schema.pattern"),
        ("submitter", "github", "schema.pattern"),
    ]
    assert converted.problems[1].expected == "an http(s) URL"
    assert converted.problems[2].fix == "write the user name only (e.g. janedoe): no @, no URL"


def test_a_paper_is_required_unless_every_result_has_its_own() -> None:
    problem = only_error(convert("s.json", own(paper=None)))
    assert (problem.record, problem.code) == ("(file)", "schema.required")
    assert problem.found == 'missing key "paper" (and results[0] has no paper of its own)'
    assert 'or give every result its own "paper"' in problem.fix
    assert problem.fix.startswith('add "paper": {"title": ')
    empty = only_error(convert("s.json", own(paper=None, results=[])))
    assert "a submission without results adds a paper" in empty.found


def test_empty_metrics_long_notes_and_bad_metric_names() -> None:
    document = own()
    document["results"][0]["metrics"] = {}
    document["results"][1]["notes"] = "n" * 10_001
    document["results"][1]["metrics"][""] = 1
    converted = convert("s.json", document)
    found = {(p.record, p.field, p.code): p for p in converted.problems}
    empty = found[("results[0]", "metrics", "schema.minProperties")]
    assert empty.expected == "at least one metric (name: value)"
    notes = found[("results[1]", "notes", "schema.maxLength")]
    assert notes.expected == "text of at most 10,000 characters"
    assert notes.found.endswith("(10,001 characters)")
    assert notes.fix == "shorten it to at most 10,000 characters"
    unnamed = found[("results[1]", 'metrics[""]', "schema.minLength")]
    assert unnamed.expected == "a metric name"


def test_problems_are_sorted_by_path() -> None:
    document = own(license="MIT", schema_version=2)
    document["results"][1]["model"] = ""
    document["paper"]["url"] = "ftp://example.org/p.pdf"
    converted = convert("s.json", document)
    assert [p.record for p in converted.problems] == ["license", "paper", "results[1]", "schema_version"]


def test_found_values_are_escaped() -> None:
    document = own()
    document["\x1b[31mred"] = 1
    problem = only_error(convert("s.json", document))
    assert "\x1b" not in problem.found and "\\u001b" in problem.found


def test_wrong_types_at_the_top_level() -> None:
    converted = convert("s.json", own(submitter="Jane Doe", results={"model": "x"}))
    assert [(p.record, p.code, p.expected) for p in converted.problems] == [
        ("results", "schema.type", "a list"),
        ("submitter", "schema.type", "a mapping (key: value)"),
    ]
    assert (
        converted.problems[1].fix
        == 'write a mapping (key: value), e.g. {"name": "Jane Doe", "github": "janedoe"}'
    )


# --------------------------------------------------------------------------- model-index

MODEL_INDEX = """
Models:
  - Name: EfficientNet-B0
    Metadata:
      Parameters: 5288548
    Results:
      - Task: Image Classification
        Dataset: ImageNet
        Metrics:
          Top 1 Accuracy: 76.3%
          Top 5 Accuracy: 93.2
    Paper: https://arxiv.org/pdf/1905.11946v3.pdf
    Code: https://github.com/lukemelas/EfficientNet-PyTorch
    Weights: https://example.org/efficientnet-b0.pth
"""


def test_model_index_without_consent_shows_the_two_lines_to_add() -> None:
    converted = convert("model-index.yml", yaml.safe_load(MODEL_INDEX))
    assert converted.format == "model-index" and converted.canonical is None
    assert [p.found for p in converted.problems] == ["missing key license", "missing key submitter"]
    for problem in converted.problems:
        assert "`license: CC-BY-SA-4.0` and `submitter: {name: Your Name}`" in problem.fix


def test_model_index_converts_with_arxiv_id_from_the_url_and_warns_about_what_is_not_stored() -> None:
    document = {**CONSENT, **yaml.safe_load(MODEL_INDEX)}
    converted = convert("model-index.yml", document)
    assert errors(converted) == []
    assert converted.canonical == {
        "schema_version": 1,
        **CONSENT,
        "paper": {"url": "https://arxiv.org/pdf/1905.11946v3.pdf", "arxiv_id": "1905.11946"},
        "code": [{"url": "https://github.com/lukemelas/EfficientNet-PyTorch"}],
        "results": [
            {
                "task": "Image Classification",
                "dataset": "ImageNet",
                "model": "EfficientNet-B0",
                "metrics": {"Top 1 Accuracy": "76.3%", "Top 5 Accuracy": 93.2},
                "uses_additional_data": False,
            }
        ],
    }
    warnings = [(p.record, p.field, p.severity, p.code) for p in converted.problems]
    assert warnings == [
        ("Models[0]", "Metadata", "warning", "model_index.not_stored"),
        ("Models[0]", "Weights", "warning", "model_index.not_stored"),
    ]


def test_model_index_keys_are_case_insensitive_and_problems_use_the_submitters_spelling() -> None:
    lower = yaml.safe_load(MODEL_INDEX.replace("Models:", "models:").replace("Name:", "name:"))
    lower = {"License": "CC-BY-SA-4.0", "SUBMITTER": {"Name": "Jane Doe"}, **lower}
    for model in lower["models"]:
        model["results"] = model.pop("Results")
        model["results"][0]["metrics"] = model["results"][0].pop("Metrics")
    as_spelled = convert("lower.yml", lower)
    canonical = convert("upper.yml", {**CONSENT, **yaml.safe_load(MODEL_INDEX)}).canonical
    assert as_spelled.canonical == canonical
    assert canonical is not None and submission_id(canonical) == submission_id(as_spelled.canonical or {})

    lower["models"][0]["results"][0]["metrics"] = {}
    problem = only_error(convert("lower.yml", lower))
    assert problem.where == "lower.yml: models[0].results[0].metrics"


def test_model_index_models_inherit_paper_and_code_from_their_collection() -> None:
    document = {
        **CONSENT,
        "Collections": [
            {
                "Name": "EfficientNet",
                "Paper": {"Title": PAPER["title"], "URL": PAPER["url"]},
                "Code": "https://github.com/tensorflow/tpu",
            }
        ],
        "Models": [
            {
                "Name": f"EfficientNet-B{i}",
                "In_Collection": "EfficientNet",
                "Results": [
                    {"Task": "Image Classification", "Dataset": "ImageNet", "Metrics": {"Top 1 Accuracy": v}}
                ],
            }
            for i, v in ((0, "76.3%"), (7, "84.4%"))
        ],
    }
    canonical = convert("mi.yml", document).canonical
    assert canonical is not None
    assert canonical["paper"] == {"title": PAPER["title"], "url": PAPER["url"], "arxiv_id": "1905.11946"}
    assert canonical["code"] == [{"url": "https://github.com/tensorflow/tpu"}]
    assert [r["model"] for r in canonical["results"]] == ["EfficientNet-B0", "EfficientNet-B7"]


def test_model_index_with_several_papers_keeps_them_per_result() -> None:
    document = {
        **CONSENT,
        "Models": [
            {
                "Name": "ResNet-50",
                "Paper": "http://arxiv.org/abs/1512.03385v1",
                "Code": "https://github.com/KaimingHe/deep-residual-networks",
                "Results": [
                    {
                        "Task": "Image Classification",
                        "Dataset": "ImageNet",
                        "Metrics": {"Top 1 Accuracy": "77.15%"},
                    }
                ],
            },
            {
                "Name": "EfficientNet-B0",
                "Paper": PAPER["url"],
                "Results": [
                    {
                        "Task": "Image Classification",
                        "Dataset": "ImageNet",
                        "Metrics": {"Top 1 Accuracy": "76.3%"},
                    }
                ],
            },
        ],
    }
    canonical = convert("zoo.yml", document).canonical
    assert canonical is not None and "paper" not in canonical and canonical["code"] == []
    first, second = canonical["results"]
    assert first["paper"] == {"url": "http://arxiv.org/abs/1512.03385v1", "arxiv_id": "1512.03385"}
    assert first["code"] == [{"url": "https://github.com/KaimingHe/deep-residual-networks"}]
    assert second["paper"]["arxiv_id"] == "1905.11946" and "code" not in second


def test_model_index_import_and_file_names_are_never_followed() -> None:
    document = {
        **CONSENT,
        "Import": ["models/resnet.yml"],
        "Models": [
            "docs/rexnet.md",
            {"Name": "X", "Paper": PAPER["url"], "Results": "results/x.yml"},
        ],
    }
    converted = convert("mi.yml", document)
    assert [(p.record, p.field, p.code) for p in converted.problems] == [
        ("Import", "", "model_index.import"),
        ("Models[0]", "", "model_index.file_reference"),
        ("Models[1]", "Results", "model_index.file_reference"),
    ]
    assert "never a path that is opened" in converted.problems[0].fix
    assert converted.problems[1].found == '"docs/rexnet.md" (a file name)'


def test_model_index_names_unknown_collections_and_missing_papers() -> None:
    document = {
        **CONSENT,
        "Collections": [{"Name": "EfficientNet", "Paper": PAPER["url"]}],
        "Models": [
            {
                "Name": "B0",
                "In Collection": "Efficientnet-v1",
                "Results": [{"Task": "T", "Dataset": "D", "Metrics": {"m": 1}}],
            },
            {"Name": "B1", "Results": [{"Task": "T", "Dataset": "D", "Metrics": {"m": 1}}]},
            {"Name": "B2", "In Collection": "EfficientNet"},
        ],
    }
    converted = convert("mi.yml", document)
    assert [(p.record, p.field, p.severity, p.code) for p in converted.problems] == [
        ("Models[0]", "", "error", "model_index.no_paper"),
        ("Models[0]", '["In Collection"]', "error", "model_index.unknown_collection"),
        ("Models[1]", "", "error", "model_index.no_paper"),
        ("Models[2]", "", "warning", "model_index.no_results"),
    ]
    unknown = converted.problems[1]
    assert unknown.expected == 'the Name of one of the Collections: "EfficientNet"'
    assert unknown.fix == 'did you mean "EfficientNet"?'
    assert converted.problems[2].fix.startswith("add `Paper: https://arxiv.org/abs/...` to the model")


def test_model_index_duplicate_keys_in_two_cases_are_refused() -> None:
    document = {**CONSENT, "Models": [{"Name": "A", "name": "B", "Paper": PAPER["url"]}]}
    problem = only_error(convert("mi.yml", document))
    assert (problem.record, problem.field, problem.code) == ("Models[0]", "Name", "model_index.duplicate_key")
    assert problem.found == "both Name and name"


def test_model_index_typos_in_result_keys_are_caught() -> None:
    document = {
        **CONSENT,
        "Models": [
            {
                "Name": "A",
                "Paper": PAPER["url"],
                "Results": [{"Task": "T", "Dataset": "D", "Metric": {"m": 1}}],
            }
        ],
    }
    converted = convert("mi.yml", document)
    typo = by_code(converted, "schema.additionalProperties")[0]
    assert (typo.record, typo.field, typo.found, typo.fix) == (
        "Models[0]",
        "Results[0]",
        "unknown key Metric",
        "did you mean Metrics? rename Metric to Metrics",
    )


def test_model_index_without_results_may_add_its_one_paper() -> None:
    document = {
        **CONSENT,
        "Models": [{"Name": "A", "Paper": PAPER["url"], "Code": "https://github.com/tensorflow/tpu"}],
    }
    converted = convert("mi.yml", document)
    assert errors(converted) == [] and converted.canonical is not None
    assert converted.canonical["paper"] == {"url": PAPER["url"], "arxiv_id": "1905.11946"}
    assert converted.canonical["results"] == []


def test_a_top_level_list_of_models_is_explained() -> None:
    converted = convert("mi.yml", yaml.safe_load(MODEL_INDEX)["Models"])
    problem = only_error(converted)
    assert converted.format is None and problem.code == "format.top_level_list"
    assert "no place for the consent keys" in problem.fix
    assert "`Models:` with your list under it" in problem.fix


# --------------------------------------------------------------------------- evaluation-tables

ROW = {
    "model_name": "EfficientNet-B7",
    "paper_title": PAPER["title"],
    "paper_url": PAPER["url"],
    "paper_date": PAPER["date"],
    "code_links": [{"title": "tensorflow/tpu", "url": "https://github.com/tensorflow/tpu"}],
    "model_links": [],
    "metrics": {"Top 1 Accuracy": "84.4%", "Number of params": "66M"},
}


def tables(*rows: dict[str, Any], subdataset: bool = False) -> dict[str, Any]:
    dataset: dict[str, Any] = {
        "dataset": "ImageNet",
        "sota": {"metrics": ["Top 1 Accuracy"], "rows": list(rows)},
    }
    if subdataset:
        dataset = {
            "dataset": "ImageNet",
            "subdatasets": [{"subdataset": "ImageNet ReaL", "sota": dataset["sota"]}],
        }
    return {
        **CONSENT,
        "tasks": [
            {
                "task": "Computer Vision",
                "datasets": [],
                "subtasks": [
                    {"task": "Image Classification", "categories": ["Computer Vision"], "datasets": [dataset]}
                ],
            }
        ],
    }


def test_evaluation_tables_tree_with_one_paper_becomes_the_top_level_paper() -> None:
    converted = convert("et.json", tables(ROW, subdataset=True))
    assert converted.format == "evaluation-tables" and converted.problems == []
    assert converted.canonical == {
        "schema_version": 1,
        **CONSENT,
        "paper": PAPER,
        "code": [{"url": "https://github.com/tensorflow/tpu"}],
        "results": [
            {
                "task": "Image Classification",
                "dataset": "ImageNet ReaL",
                "model": "EfficientNet-B7",
                "metrics": {"Top 1 Accuracy": "84.4%", "Number of params": "66M"},
                "uses_additional_data": False,
            }
        ],
    }


def test_evaluation_tables_row_errors_point_into_the_tree() -> None:
    typo = {k: v for k, v in ROW.items() if k != "metrics"} | {
        "metric": ROW["metrics"],
        "paper_date": "2019-5-28",
    }
    converted = convert("et.json", tables(ROW, typo))
    place = "tasks[0]", "subtasks[0].datasets[0].sota.rows[1]"
    assert [(p.record, p.field, p.code) for p in converted.problems] == [
        (*place, "schema.required"),
        (*place, "schema.unevaluatedProperties"),
        (place[0], place[1] + ".paper_date", "schema.pattern"),
    ]
    assert converted.problems[1].fix == 'did you mean "metrics"? rename "metric" to "metrics"'


def test_evaluation_tables_rows_need_their_paper_url() -> None:
    no_url = {**ROW, "paper_url": ""}
    problem = only_error(convert("et.json", {**CONSENT, "rows": [{"task": "T", "dataset": "D", **no_url}]}))
    assert (problem.record, problem.field, problem.code) == (
        "rows[0]",
        "paper_url",
        "evaluation_tables.no_paper",
    )
    assert problem.found == f'paper_url "" (paper_title "{PAPER["title"]}")'


def test_evaluation_tables_flat_rows_need_task_and_dataset_and_model_links_are_not_stored() -> None:
    rows = [{"task": "Image Classification", "dataset": "ImageNet", **ROW}, dict(ROW)]
    rows[0]["model_links"] = [{"title": "weights", "url": "https://example.org/w"}]
    converted = convert("et.json", {**CONSENT, "rows": rows})
    assert [(p.record, p.found) for p in converted.problems] == [
        ("rows[1]", 'missing key "dataset"'),
        ("rows[1]", 'missing key "task"'),
    ]
    converted = convert("et.json", {**CONSENT, "rows": rows[:1]})
    warning = converted.problems[0]
    assert (warning.severity, warning.record, warning.field) == ("warning", "rows[0]", "model_links")
    assert converted.canonical is not None


def test_evaluation_tables_without_rows_is_refused() -> None:
    assert only_error(convert("et.json", {**CONSENT, "tasks": []})).code == "evaluation_tables.no_rows"
    problem = only_error(
        convert("et.json", {**CONSENT, "tasks": [{"task": "T", "datasets": [{"sota": {}}]}]})
    )
    assert problem.found == 'missing key "dataset" or "subdataset"'


# --------------------------------------------------------------------------- recognition and unrecognised shapes


@pytest.mark.parametrize(
    ("document", "fmt"),
    [
        ({"schema_version": 1}, "pwc-submission-v1"),
        ({"paper": {}}, "pwc-submission-v1"),
        ({"models": []}, "model-index"),
        ({"Import": []}, "model-index"),
        ({"rows": []}, "evaluation-tables"),
        ({"tasks": [{"task": "x"}]}, "evaluation-tables"),
        ({"tasks": ["Numerical Differentiation"], "title": "x"}, None),
        ({"title": "x"}, None),
        ([], None),
        ("text", None),
        (None, None),
    ],
)
def test_recognise(document: Any, fmt: str | None) -> None:
    assert recognise(document) == fmt


@pytest.mark.parametrize("name", ["2508.00017.json", "arxiv-2507.22176.json"])
def test_real_community_submissions_get_one_error_with_a_ready_conversion(name: str) -> None:
    document = json.loads((COMMUNITY / name).read_bytes())
    converted = convert(name, document)
    assert converted.format is None and converted.canonical is None
    problem = only_error(converted)
    assert (problem.record, problem.code) == ("(file)", "format.unrecognised")
    assert "the own format" in problem.expected and "model-index" in problem.expected
    assert "evaluation-tables" in problem.expected
    for missing in ('"schema_version"', '"license"', '"submitter"', '"date"'):
        assert missing in problem.found
    assert 'replace "YYYY-MM-DD" with the paper\'s date (for an arXiv paper, the date of v1)' in problem.fix
    assert "the consent must be your own" in problem.fix
    assert '"pdf_url" (derived from the arXiv id)' in problem.fix

    skeleton = suggest_conversion(document)
    assert skeleton is not None
    pasted = json.loads(problem.fix[problem.fix.index("\n{") :])
    assert pasted == skeleton
    assert skeleton["paper"]["title"] == document["title"]
    assert skeleton["paper"]["arxiv_id"] == document["arxiv_id"]
    assert skeleton["paper"]["authors"] == document["authors"]
    assert skeleton["paper"]["abstract"] == document["abstract"]
    assert skeleton["paper"]["date"] == "YYYY-MM-DD"

    # The placeholders do not validate: consent and the date must come from the submitter.
    still = convert(name, skeleton)
    assert [(p.record, p.field, p.code) for p in errors(still)] == [
        ("license", "", "schema.const"),
        ("paper", "date", "schema.pattern"),
    ]
    filled = {**skeleton, "license": "CC-BY-SA-4.0", "submitter": {"name": "Jane Doe"}}
    filled["paper"] = {**skeleton["paper"], "date": "2025-07-29"}
    assert convert(name, filled).problems == []


def test_community_code_links_and_tasks_are_explained() -> None:
    first = json.loads((COMMUNITY / "2508.00017.json").read_bytes())
    second = json.loads((COMMUNITY / "arxiv-2507.22176.json").read_bytes())
    assert suggest_conversion(first)["code"] == [  # type: ignore[index]
        {"url": "https://github.com/Generative-Logic/GL"},
        {"url": "https://doi.org/10.5281/zenodo.16408441"},
    ]
    assert suggest_conversion(second)["code"] == [{"url": "https://github.com/fleonid/MLEdiff"}]  # type: ignore[index]
    fix_first = only_error(convert("2508.00017.json", first)).fix
    assert "the names of the code links" in fix_first
    fix_second = only_error(convert("arxiv-2507.22176.json", second)).fix
    assert '"tasks" (a task without results cannot be stored' in fix_second
    assert '"task", "dataset", "model" and "metrics"' in fix_second


def test_suggest_conversion_is_only_for_paper_metadata() -> None:
    assert suggest_conversion({"foo": 1}) is None
    assert suggest_conversion([{"title": "x"}]) is None
    assert suggest_conversion(own()) is None
    skeleton = suggest_conversion({"title": "T", "pdf_url": "https://example.org/paper.pdf"})
    assert skeleton is not None and skeleton["paper"]["url"] == "https://example.org/paper.pdf"


@pytest.mark.parametrize(
    ("document", "code", "hint"),
    [
        ("just text", "format.unrecognised", "a submission is a mapping"),
        ({"foo": 1}, "format.unrecognised", 'write the file in the own format: {"schema_version": 1'),
        ({**CONSENT}, "format.unrecognised", "the consent keys are there, the content is not"),
        ({"Name": "A", "Results": []}, "format.unrecognised", "put it in a list under Models"),
        ([{"task": "T", "datasets": []}], "format.top_level_list", '"tasks": [...your list...]'),
        ([dict(ROW)], "format.top_level_list", 'give each row its "task" and "dataset"'),
    ],
)
def test_unrecognised_shapes_say_what_is_accepted(document: Any, code: str, hint: str) -> None:
    problem = only_error(convert("x", document))
    assert problem.code == code and hint in problem.fix


@pytest.mark.parametrize(
    ("url", "arxiv_id"),
    [
        ("https://arxiv.org/abs/1905.11946v3", "1905.11946"),
        ("http://arxiv.org/pdf/1512.03385v1.pdf", "1512.03385"),
        ("https://arxiv.org/pdf/2507.22176", "2507.22176"),
        ("https://arxiv.org/abs/cs/0205028v1", "cs/0205028"),
        ("https://openreview.net/forum?id=abc", None),
        ("https://arxiv.org/list/cs.LG/recent", None),
    ],
)
def test_arxiv_id_from_url(url: str, arxiv_id: str | None) -> None:
    assert arxiv_id_from_url(url) == arxiv_id


# --------------------------------------------------------------------------- docs/submissions.md

DOC = ROOT / "docs" / "submissions.md"


def _snippets() -> list[tuple[str, str]]:
    parts = DOC.read_text(encoding="utf-8").split("```")
    return [(p.split("\n", 1)[0], p.split("\n", 1)[1]) for p in parts[1::2]]


def test_docs_snippets_of_submissions_are_valid() -> None:
    checked = []
    for language, text in _snippets():
        if language not in ("json", "yaml"):
            continue
        document = json.loads(text) if language == "json" else yaml.safe_load(text)
        if document.keys() <= {"license", "submitter"}:
            continue  # the two consent lines alone
        converted = convert(f"snippet.{language}", document)
        assert converted.problems == [], text
        checked.append(converted.format)
    assert sorted(checked) == ["evaluation-tables", "model-index", "pwc-submission-v1"]


def test_docs_field_table_names_every_field_of_the_own_format() -> None:
    schema = json.loads(schema_path("pwc-submission-v1").read_text())
    table = DOC.read_text(encoding="utf-8")
    defs = schema["$defs"]
    fields = list(schema["properties"])
    fields += [f"submitter.{k}" for k in defs["submitter"]["properties"]]
    fields += [f"paper.{k}" for k in defs["paper"]["properties"]]
    fields += [f"code[].{k}" for k in defs["code"]["properties"]]
    fields += [f"results[].{k}" for k in defs["result"]["properties"]]
    for field in fields:
        assert f"| `{field}` |" in table, field
