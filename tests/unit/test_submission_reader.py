"""The submission reader against hostile and malformed files.

Every refusal is checked for what a submitter sees: the code, the record and
field, and the parts of expected/found/fix that tell them what to change. YAML
cases run with both the libyaml and the pure-Python loader, since PyYAML may be
installed without libyaml.
"""

from __future__ import annotations

import json
import pickle
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from transforms.errors import SourceError
from transforms.submissions import reader_yaml
from transforms.submissions.problems import Problem
from transforms.submissions.reader import read_document
from transforms.submissions.reader_problems import BAD_TEXT_RE, MAX_PROBLEMS, Limits, Unreadable


def refused(name: str, data: bytes | str, limits: Limits | None = None) -> list[Problem]:
    """The problems of a file the reader must refuse."""
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(Unreadable) as info:
        read_document(name, raw, limits or Limits())
    problems = info.value.problems
    assert problems and all(p.severity == "error" and p.code for p in problems)
    return problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def place(problem: Problem) -> tuple[str, str, str]:
    return problem.record, problem.field, problem.code


@pytest.fixture(params=["libyaml", "python"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a YAML test with each loader the reader may use."""
    if request.param == "libyaml":
        fast = getattr(reader_yaml, "_CSafeLoader", None)
        if fast is None:
            pytest.skip("PyYAML is built without libyaml")
        monkeypatch.setattr(reader_yaml, "_YamlLoader", fast)
    else:
        monkeypatch.setattr(reader_yaml, "_YamlLoader", reader_yaml._PySafeLoader)
    return str(request.param)


# --- valid files ----------------------------------------------------------------------------------------

SUBMISSION: dict[str, Any] = {
    "paper": {"title": "Deep Residual Learning", "arxiv_id": "1512.03385"},
    "results": [
        {
            "task": "Image Classification",
            "dataset": "ImageNet",
            "model_name": "ResNet-152",
            "metrics": {"Top 1 Accuracy": 78.57, "Top 5 Accuracy": "94.29%", "Params": 60_200_000},
            "uses_additional_data": False,
            "notes": None,
            "code": ["https://github.com/KaimingHe/deep-residual-networks"],
            "comment": "tab\tand\nnewline and CR\r are fine; so are é, 深度, 😀",
        }
    ],
}


def test_valid_json_round_trip() -> None:
    data = json.dumps(SUBMISSION, ensure_ascii=False, indent=2).encode()
    assert read_document("resnet.json", data) == ("json", SUBMISSION)


def test_valid_yaml_round_trip(yaml_loader: str) -> None:
    data = yaml.safe_dump(SUBMISSION, allow_unicode=True, sort_keys=False).encode()
    assert read_document("resnet.yaml", data) == ("yaml", SUBMISSION)


def test_yaml_values_become_json_values(yaml_loader: str) -> None:
    text = """\
paper:
  title: Deep Residual Learning
  date: 2015-12-10            # YAML reads this as a date: it comes back as ISO text
  updated: 2016-01-02 03:04:05
  id: !!str 1512
results:
  - {metric: 1_000, hex: 0x10, ratio: 0.5, neg: -0.5, flag: yes, none: ~, quoted: "2020-05-01"}
  - &first plain anchor without any alias is harmless
"""
    assert read_document("s.yml", text.encode()) == (
        "yaml",
        {
            "paper": {
                "title": "Deep Residual Learning",
                "date": "2015-12-10",
                "updated": "2016-01-02T03:04:05",
                "id": "1512",
            },
            "results": [
                {
                    "metric": 1000,
                    "hex": 16,
                    "ratio": 0.5,
                    "neg": -0.5,
                    "flag": True,
                    "none": None,
                    "quoted": "2020-05-01",
                },
                "plain anchor without any alias is harmless",
            ],
        },
    )


@pytest.mark.parametrize(
    ("name", "data", "syntax"),
    [
        ("a.json", b'{"a": 1}', "json"),
        ("A.JSON", b'{"a": 1}', "json"),
        ("a.yaml", b"a: 1", "yaml"),
        ("a.yml", b"a: 1", "yaml"),
        ("a.yaml", b'{"a": 1}', "yaml"),  # JSON is YAML: the suffix decides
        ("upload", b' \n {"a": 1}', "json"),
        ("upload.txt", b"[1, 2]", "json"),
        ("upload", b"a: 1", "yaml"),
    ],
)
def test_syntax_from_suffix_then_first_character(name: str, data: bytes, syntax: str) -> None:
    assert read_document(name, data)[0] == syntax


def test_bom_is_dropped(yaml_loader: str) -> None:
    assert read_document("a.json", b'\xef\xbb\xbf{"a": "\xc3\xa9"}') == ("json", {"a": "é"})
    assert read_document("a.yaml", b"\xef\xbb\xbfa: \xc3\xa9\n") == ("yaml", {"a": "é"})
    assert read_document("upload", b'\xef\xbb\xbf  {"a": 1}')[0] == "json"


def test_surrogate_pair_escape_is_one_character() -> None:
    assert read_document("a.json", b'{"a": "\\ud83d\\ude00"}') == ("json", {"a": "😀"})


def test_limits_are_inclusive() -> None:
    limits = Limits(max_bytes=40, max_depth=4, max_string=5, max_items=6)
    data = b'{"abcde": [[{"k": "vvvvv"}]], "b": 1}'  # 38 bytes, depth 4, 6 values
    assert read_document("a.json", data.ljust(40), limits)[1] == {"abcde": [[{"k": "vvvvv"}]], "b": 1}


# --- size, emptiness, encoding --------------------------------------------------------------------------


def test_too_large() -> None:
    problem = only(refused("big.json", b" " * 2_000_001))
    assert place(problem) == ("(file)", "", "file.too_large")
    assert problem.expected == "a file of at most 2,000,000 bytes (2 MB)"
    assert problem.found == "at least 2,000,001 bytes"
    assert "split the submission into several files of at most 2 MB" in problem.fix
    assert "ask the maintainers" in problem.fix


def test_too_large_is_checked_before_anything_else() -> None:
    problem = only(refused("big.json", b"\xff" * 11, Limits(max_bytes=10)))
    assert (problem.code, problem.expected) == ("file.too_large", "a file of at most 10 bytes (1e-05 MB)")


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"", "an empty file (0 bytes)"),
        (b" \n\t\r\n", "an empty file (only whitespace)"),
        (b"\xef\xbb\xbf\n", "an empty file (only whitespace)"),
    ],
)
@pytest.mark.parametrize("name", ["a.json", "a.yaml", "upload"])
def test_empty(name: str, data: bytes, found: str) -> None:
    problem = only(refused(name, data))
    assert place(problem) == ("(file)", "", "file.empty")
    assert problem.found == found


def test_yaml_with_only_comments_is_empty(yaml_loader: str) -> None:
    problem = only(refused("a.yaml", "# results to come\n\n# nothing yet\n"))
    assert (problem.code, problem.found) == ("file.empty", "an empty file (only comments and whitespace)")


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (
            b'{"model": "caf\xe9"}',  # Latin-1
            (
                "byte 0xE9 at byte offset 14 (line 1, column 15), which is not valid UTF-8 "
                "(Windows-1252 or Latin-1 text looks like this)"
            ),
        ),
        (
            b'{\n  "a": "\xc3\xa9\xc3\xa9",\n  "m": "x\x80"\n}',  # a stray continuation byte, after é é
            (
                "byte 0x80 at byte offset 26 (line 3, column 10), which is not valid UTF-8 "
                "(Windows-1252 or Latin-1 text looks like this)"
            ),
        ),
        (
            b'{"a": "\xe2\x82"}',  # a 3-byte sequence cut short
            "bytes 0xE2 0x82 at byte offset 7 (line 1, column 8), which are not valid UTF-8",
        ),
        (
            b'\xef\xbb\xbf{"a": "\xff"}',  # the offset counts the BOM, the column does not
            (
                "byte 0xFF at byte offset 10 (line 1, column 8), which is not valid UTF-8 "
                "(Windows-1252 or Latin-1 text looks like this)"
            ),
        ),
        (
            b'{"a": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 ("CESU-8"): not UTF-8
            (
                "byte 0xED at byte offset 7 (line 1, column 8), which is not valid UTF-8 "
                "(Windows-1252 or Latin-1 text looks like this)"
            ),
        ),
        (
            '{"a": 1}'.encode("utf-16-le"),
            "NUL bytes at the start of the file, as in UTF-16 or UTF-32 text",
        ),
        (
            '{"a": 1}'.encode("utf-16"),  # with its byte-order mark (little-endian here)
            "UTF-16 text (the file starts with the byte-order mark FF FE)",
        ),
        (
            b"\xfe\xff" + '{"a": 1}'.encode("utf-16-be"),
            "UTF-16 text (the file starts with the byte-order mark FE FF)",
        ),
        (
            '{"a": 1}'.encode("utf-32"),
            "UTF-32 text (the file starts with the byte-order mark FF FE 00 00)",
        ),
    ],
)
@pytest.mark.parametrize("name", ["a.json", "a.yaml"])
def test_not_utf8(name: str, data: bytes, found: str) -> None:
    problem = only(refused(name, data))
    assert place(problem) == ("(file)", "", "encoding.not_utf8")
    assert problem.expected == "UTF-8 text"
    assert problem.found == found
    assert problem.fix.startswith("save the file as UTF-8")


# --- JSON -----------------------------------------------------------------------------------------------


def results_json(value: str) -> bytes:
    """A submission whose third result holds ``value`` as its Top-1 metric."""
    rows = ['{"model": "a"}', '{"model": "b"}', '{"metrics": {"Top-1": ' + value + "}}"]
    return ('{"results": [' + ", ".join(rows) + "]}").encode()


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_not_finite(constant: str) -> None:
    problem = only(refused("a.json", results_json(constant)))
    assert place(problem) == ("results[2]", 'metrics["Top-1"]', "json.not_finite")
    assert (problem.expected, problem.found) == ("a finite number", constant)
    assert "use null if the result is missing" in problem.fix


@pytest.mark.parametrize("number", ["1e309", "-1e309", "1" * 400 + ".0"])
def test_json_float_overflow(number: str) -> None:
    problem = only(refused("a.json", results_json(number)))
    assert place(problem) == ("results[2]", 'metrics["Top-1"]', "number.too_large")
    assert problem.expected == "a number that fits a 64-bit float (at most about 1.8e308)"
    assert problem.found == (f'"{number}"' if len(number) < 40 else "a number with 401 digits")


def test_json_huge_integer() -> None:
    problem = only(refused("a.json", results_json("9" * 5000)))
    assert place(problem) == ("results[2]", 'metrics["Top-1"]', "number.too_large")
    assert problem.found == "a number with 5,000 digits"


def test_json_big_but_convertible_numbers_are_kept() -> None:
    doc = read_document("a.json", results_json("1" * 4000))[1]
    assert doc["results"][2]["metrics"]["Top-1"] == int("1" * 4000)
    assert read_document("a.json", results_json("1e308"))[1]["results"][2]["metrics"]["Top-1"] == 1e308
    assert read_document("a.json", results_json("1e-400"))[1]["results"][2]["metrics"]["Top-1"] == 0.0


def test_json_duplicate_key_at_top_level() -> None:
    problem = only(refused("a.json", b'{"paper": {"title": "A"}, "results": [], "paper": {"title": "B"}}'))
    assert place(problem) == ("(file)", "", "json.duplicate_key")
    assert problem.found == 'the key "paper" 2 times'
    assert "keep one" in problem.fix and "silently keep only the last" in problem.fix


def test_json_duplicate_keys_nested() -> None:
    problems = refused(
        "a.json",
        results_json('1, "Top-1": 2, "Top-5": 3, "Top-1": 4, "Top-5": 5, "My metric": 6, "My metric": 7'),
    )
    assert [place(p) for p in problems] == [("results[2]", "metrics", "json.duplicate_key")] * 3
    assert [p.found for p in problems] == [
        'the key "Top-1" 3 times',
        'the key "Top-5" 2 times',
        'the key "My metric" 2 times',
    ]


def test_json_duplicate_inside_a_dropped_duplicate_is_not_misplaced() -> None:
    # The first "a" object is dropped by the parser; another object must not inherit its duplicates.
    problems = refused("a.json", b'{"a": {"x": 1, "x": 2}, "a": 1, "b": {"y": 3}, "c": [{"z": 1}]}')
    assert [(place(p), p.found) for p in problems] == [
        (("(file)", "", "json.duplicate_key"), 'the key "a" 2 times')
    ]


@pytest.mark.parametrize(
    ("text", "found", "hint"),
    [
        (
            '{"a": 1,}',
            'Expecting property name enclosed in double quotes at line 1, column 9: "{\\"a\\": 1,}"',
            "a comma before } is not allowed",
        ),
        (
            '{\n  "a": 1\n  "b": 2\n}',
            'Expecting \',\' delimiter at line 3, column 3: "  \\"b\\": 2"',
            "a comma is missing",
        ),
        (
            "{'a': 1}",
            "Expecting property name enclosed in double quotes at line 1, column 2: \"{'a': 1}\"",
            "",
        ),
        (
            '{"a": 1} {"b": 2}',
            'Extra data at line 1, column 10: "{\\"a\\": 1} {\\"b\\": 2}"',
            "goes on after",
        ),
        ('{"a": "x', 'Unterminated string starting at at line 1, column 7: "{\\"a\\": \\"x"', "not closed"),
        ('{"\x1b[31mred": tru}', 'Expecting value at line 1, column 14: "{\\"\\u001b[31mred\\": tru}"', ""),
    ],
)
def test_json_syntax_error(text: str, found: str, hint: str) -> None:
    problem = only(refused("a.json", text))
    assert place(problem) == ("(file)", "", "json.syntax")
    assert problem.expected == "valid JSON"
    assert problem.found == found
    assert problem.fix.startswith("correct the JSON at line ")
    assert hint in problem.fix
    assert "\x1b" not in problem.found  # the excerpt is escaped


def test_json_syntax_excerpt_is_short_on_a_long_line() -> None:
    text = '{"a": "' + "x" * 5000 + '", "b": oops, "c": "' + "y" * 5000 + '"}'
    problem = only(refused("a.json", text))
    assert problem.found.startswith("Expecting value at line 1, column 5016: ")
    assert 'xx\\", \\"b\\": oops, \\"c\\": \\"yy' in problem.found
    assert len(problem.found) < 140


def test_guessed_json_hints_at_yaml() -> None:
    problem = only(refused("upload", "{a: 1}"))
    assert problem.code == "json.syntax"
    assert problem.fix.endswith("if the file is YAML, give it a .yaml name")
    assert "give it a .yaml name" not in only(refused("a.json", "{a: 1}")).fix


# --- YAML -----------------------------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_alias_bomb(yaml_loader: str) -> None:
    problems = refused("bomb.yaml", BILLION_LAUGHS)
    assert len(problems) == MAX_PROBLEMS + 1
    assert place(problems[0]) == ("b[0]", "", "yaml.alias")
    assert problems[0].found == "the alias *a at line 2"
    assert place(problems[9]) == ("c[0]", "", "yaml.alias")
    assert all(p.code == "yaml.alias" for p in problems[:-1])
    assert place(problems[-1]) == ("(file)", "", "file.more_problems")
    assert problems[-1].found == "22 more problems not listed"


def test_yaml_harmless_alias_is_still_refused(yaml_loader: str) -> None:
    text = """\
defaults: &training {epochs: 90, batch: 256}
results:
  - model: ResNet-50
    training: *training
"""
    problem = only(refused("a.yaml", text))
    assert place(problem) == ("results[0]", "training", "yaml.alias")
    assert problem.found == "the alias *training at line 4"
    assert problem.fix.startswith("aliases are not accepted; write the value out")


def test_yaml_alias_as_key(yaml_loader: str) -> None:
    problem = only(refused("a.yaml", "a: &k name\n*k : 2\n"))
    assert (place(problem), problem.found) == (("(file)", "", "yaml.alias"), "the alias *k at line 2")


def test_yaml_merge_key(yaml_loader: str) -> None:
    problem = only(refused("a.yaml", "base: {epochs: 90}\nrun:\n  <<: {epochs: 10}\n  lr: 0.1\n"))
    assert place(problem) == ("run", "", "yaml.merge_key")
    assert problem.found == "a merge key << at line 3"
    assert "write the keys out" in problem.fix
    # A "<<" that is a value, or a quoted key, is just text.
    assert read_document("a.yaml", b'a: <<\n"<<": b\nc: =\n')[1] == {"a": "<<", "<<": "b", "c": "="}


def test_yaml_duplicate_keys(yaml_loader: str) -> None:
    text = """\
paper: A
results:
  - model: a
    metrics:
      Top-1: 1
      Top-5: 2
      Top-1: 3
paper: B
"""
    problems = refused("a.yaml", text)
    assert [(place(p), p.found) for p in problems] == [
        (("results[0]", "metrics", "yaml.duplicate_key"), 'the key "Top-1" at line 7 (first at line 5)'),
        (("(file)", "", "yaml.duplicate_key"), 'the key "paper" at line 8 (first at line 1)'),
    ]
    assert "keep one" in problems[0].fix


@pytest.mark.parametrize(
    ("key", "found"),
    [
        ("1", 'the key "1" at line 2, which YAML reads as the number 1'),
        ("1.5", 'the key "1.5" at line 2, which YAML reads as the number 1.5'),
        ("true", 'the key "true" at line 2, which YAML reads as the boolean true'),
        ("no", 'the key "no" at line 2, which YAML reads as the boolean false'),
        ("null", 'the key "null" at line 2, which YAML reads as null'),
        ("~", 'the key "~" at line 2, which YAML reads as null'),
    ],
)
def test_yaml_non_text_key(yaml_loader: str, key: str, found: str) -> None:
    problem = only(refused("a.yaml", f"results:\n  {key}: x\n"))
    assert place(problem) == ("results", "", "yaml.key_type")
    assert problem.expected == "text keys"
    assert problem.found == found
    assert problem.fix == f'quote the key: "{key}": ...'
    assert read_document("a.yaml", f'results:\n  "{key}": x\n'.encode())[1] == {"results": {key: "x"}}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("m:\n  ? [a, b]\n  : x\n", "a list used as a key at line 2"),
        ("m:\n  ? {a: 1}\n  : x\n", "a mapping used as a key at line 2"),
        ("m: {[a]: x}\n", "a list used as a key at line 1"),
    ],
)
def test_yaml_collection_key(yaml_loader: str, text: str, found: str) -> None:
    problem = only(refused("a.yaml", text))
    assert (place(problem), problem.found) == (("m", "", "yaml.key_type"), found)
    assert "quote it" in problem.fix


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.Inf"])
def test_yaml_not_finite(yaml_loader: str, value: str) -> None:
    problem = only(refused("a.yaml", f"results:\n  - metrics: {{Top-1: {value}}}\n"))
    assert place(problem) == ("results[0]", 'metrics["Top-1"]', "yaml.not_finite")
    assert problem.found == f'"{value}" at line 2'
    assert "NaN and infinity are not accepted" in problem.fix


@pytest.mark.parametrize(("value", "shown"), [("1.0e+400", '"1.0e+400"'), ("9" * 5000, None)])
def test_yaml_number_too_large(yaml_loader: str, value: str, shown: str | None) -> None:
    problem = only(refused("a.yaml", f"results:\n  - metrics: {{Top-1: {value}}}\n"))
    assert place(problem) == ("results[0]", 'metrics["Top-1"]', "number.too_large")
    if shown:
        assert problem.found == f"{shown} at line 2"
    else:
        assert problem.found.startswith('"9999') and problem.found.endswith("(5,000 characters) at line 2")


def test_yaml_date_becomes_iso_text(yaml_loader: str) -> None:
    text = "date: 2020-05-01\nwhen: 2020-05-01T10:20:30Z\nlocal: 2020-05-01 10:20:30.5 +02:00\n"
    assert read_document("a.yaml", text.encode())[1] == {
        "date": "2020-05-01",
        "when": "2020-05-01T10:20:30+00:00",
        "local": "2020-05-01T10:20:30.500000+02:00",
    }


def test_yaml_impossible_date(yaml_loader: str) -> None:
    problem = only(refused("a.yaml", "paper:\n  date: 2020-02-30\n"))
    assert place(problem) == ("paper", "date", "yaml.date")
    assert (problem.expected, problem.found) == (
        "a real calendar date (YYYY-MM-DD)",
        '"2020-02-30" at line 2',
    )


@pytest.mark.parametrize(
    ("value", "found", "fix"),
    [
        (
            "!!python/object:os.system {}",
            '"!!python/object:os.system"',
            "Python-specific tags are not accepted",
        ),
        ("!!python/name:os.system ''", '"!!python/name:os.system"', "Python-specific tags are not accepted"),
        ("!!python/tuple [1, 2]", '"!!python/tuple"', "Python-specific tags are not accepted"),
        ("!!binary aGVsbG8=", '"!!binary"', "binary data is not accepted"),
        ("!!set {a, b}", '"!!set"', "!!set is not accepted; write a plain list or mapping"),
        ("!!omap [a: 1]", '"!!omap"', "!!omap is not accepted"),
        ("!custom 5", '"!custom"', "YAML tags are not accepted; remove the tag"),
    ],
)
def test_yaml_tags(yaml_loader: str, value: str, found: str, fix: str) -> None:
    problem = only(refused("a.yaml", f"results:\n  - model: {value}\n"))
    assert place(problem) == ("results[0]", "model", "yaml.tag")
    assert problem.found == f"the tag {found} at line 2"
    assert fix in problem.fix


def test_yaml_python_tags_are_never_run(yaml_loader: str, tmp_path: Path) -> None:
    target = tmp_path / "created-by-yaml"
    text = f"a: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path [{str(target)!r}]]\n"
    problems = refused("a.yaml", text)
    assert [place(p) for p in problems] == [("a", "", "yaml.tag"), ("a[0]", "", "yaml.tag")]
    assert not target.exists()


@pytest.mark.parametrize(
    ("value", "found"),
    [("!!int abc", '"abc" at line 1'), ("!!float x", '"x" at line 1'), ("!!bool maybe", '"maybe" at line 1')],
)
def test_yaml_value_not_matching_its_tag(yaml_loader: str, value: str, found: str) -> None:
    problem = only(refused("a.yaml", f"a: {value}\n"))
    assert (place(problem), problem.found) == (("a", "", "yaml.tag"), found)
    assert problem.expected.startswith("a value that fits its tag !!")


def test_yaml_standard_tags_that_fit_json_are_fine(yaml_loader: str) -> None:
    text = "a: !!str 1.5\nb: !!int '7'\nc: !!float 2\nd: !!bool true\ne: !!null ''\nf: !!map {x: !!seq [1]}\n"
    assert read_document("a.yaml", text.encode())[1] == {
        "a": "1.5",
        "b": 7,
        "c": 2.0,
        "d": True,
        "e": None,
        "f": {"x": [1]},
    }


def test_yaml_multiple_documents(yaml_loader: str) -> None:
    problem = only(refused("a.yaml", "results: []\n---\nresults: [1]\n"))
    assert place(problem) == ("(file)", "", "yaml.multiple_documents")
    assert (problem.expected, problem.found) == (
        "one YAML document per file",
        "a second document starting at line 2",
    )
    # A single document may still start with --- (and end with ...).
    assert read_document("a.yaml", b"---\nresults: []\n...\n")[1] == {"results": []}


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("a: b: c\n", "mapping values are not allowed"),
        ("results:\n  - a: 1\n - b: 2\n", ""),
        ("a: [1, 2\nb: 3\n", ""),
        ('a: "unterminated\n', ""),
    ],
)
def test_yaml_syntax_error(yaml_loader: str, text: str, start: str) -> None:
    problem = only(refused("a.yaml", text))
    assert place(problem) == ("(file)", "", "yaml.syntax")
    assert problem.expected == "valid YAML"
    assert problem.found.startswith(start)
    assert " at line " in problem.found and ", column " in problem.found
    assert problem.fix.startswith("correct the YAML at line ")


def test_yaml_syntax_error_names_line_column_and_excerpt(yaml_loader: str) -> None:
    problem = only(refused("a.yaml", "paper: x\nresults:\n  model: a: b\n"))
    assert problem.found.startswith("mapping values are not allowed")
    assert problem.found.endswith(' at line 3, column 11: "  model: a: b"')
    assert problem.fix.startswith("correct the YAML at line 3, column 11;")


def test_yaml_tab_indentation_gets_a_hint(yaml_loader: str) -> None:
    problem = only(refused("a.yaml", "results:\n\t- model: a\n"))
    assert problem.code == "yaml.syntax"
    assert 'cannot start any token at line 2, column 1: "\\t- model: a"' in problem.found
    assert problem.fix.startswith("correct the YAML at line 2, column 1;")
    assert problem.fix.endswith("YAML indentation must use spaces, not tabs")


@pytest.mark.parametrize(
    ("char", "label"),
    [("\x00", "U+0000 (NULL)"), ("\x1b", "U+001B (ESCAPE)"), ("\uffff", "U+FFFF (not a character)")],
)
def test_yaml_raw_control_character(yaml_loader: str, char: str, label: str) -> None:
    problems = refused("a.yaml", f"paper: x\nresults:\n  - model: ab{char}c{char}\n")
    assert [(place(p), p.found) for p in problems] == [
        (("(file)", "", "text.control_character"), f"{label} at line 3, column 14"),
        (("(file)", "", "text.control_character"), f"{label} at line 3, column 16"),
    ]


# --- text -----------------------------------------------------------------------------------------------

CONTROLS = [
    ("\x00", "U+0000 (NULL)"),
    ("\x1b", "U+001B (ESCAPE)"),
    ("\x7f", "U+007F (DELETE)"),
    ("\u0085", "U+0085 (NEXT LINE)"),
    ("\u2028", "U+2028 (LINE SEPARATOR)"),
    ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
]


@pytest.mark.parametrize(("char", "label"), CONTROLS)
@pytest.mark.parametrize("escaped", [True, False], ids=["escaped", "raw"])
def test_json_control_character_in_value(char: str, label: str, escaped: bool) -> None:
    written = json.dumps(f"ResNet{char}-50", ensure_ascii=escaped)
    problem = only(refused("a.json", results_json(written)))
    assert place(problem) == ("results[2]", 'metrics["Top-1"]', "text.control_character")
    assert problem.found == f'"ResNet\\u{ord(char):04x}-50": {label} at character 7'
    assert problem.expected.startswith("text without control")
    assert problem.fix.startswith("remove the character")


@pytest.mark.parametrize(("char", "label"), CONTROLS)
def test_yaml_control_character_in_value(yaml_loader: str, char: str, label: str) -> None:
    problem = only(refused("a.yaml", f'results:\n  - model: "ResNet\\u{ord(char):04x}-50"\n'))
    assert place(problem) == ("results[0]", "model", "text.control_character")
    assert problem.found == f'"ResNet\\u{ord(char):04x}-50": {label} at character 7'


def test_control_characters_in_a_key_and_counted() -> None:
    problem = only(refused("a.json", b'{"results": [{"model\\u202e": "x\\ty\\n", "m": 1}]}'))
    assert place(problem) == ("results[0]", "", "text.control_character")
    assert problem.found == 'the key "model\\u202e": U+202E (RIGHT-TO-LEFT OVERRIDE) at character 6'
    problem = only(refused("a.json", b'{"a": "\\u001b[31mred\\u001b[0m\\u0007"}'))
    assert problem.found.endswith("U+001B (ESCAPE) at character 1; 3 such characters in this text")


def test_text_is_escaped_in_every_report_field() -> None:
    name = "evil\x1b[2J.json"
    with pytest.raises(Unreadable) as info:
        read_document(name, b'{"a\\u001b[2J": {"b": "\\u001b[31m"}}')
    for problem in info.value.problems:
        assert problem.file == name  # as received: renderers escape it
        for text in (problem.record, problem.field, problem.expected, problem.found, problem.fix):
            assert "\x1b" not in text
    assert "\x1b" not in str(info.value)


def test_json_lone_surrogate() -> None:
    problems = refused("a.json", b'{"results": [{"model": "Res\\ud800Net", "\\udfff": 1}]}')
    assert [(place(p), p.found) for p in problems] == [
        (("results[0]", "", "text.surrogate"), 'the key "\ufffd": U+DFFF (lone surrogate) at character 1'),
        (("results[0]", "model", "text.surrogate"), '"Res\ufffdNet": U+D800 (lone surrogate) at character 4'),
    ]
    for problem in problems:  # a report must stay writable as UTF-8
        json.dumps(problem.to_json_dict(), ensure_ascii=False).encode("utf-8")


def test_yaml_lone_surrogate_escape(yaml_loader: str) -> None:
    # libyaml refuses the escape itself; the pure-Python parser lets it through to the text check.
    problem = only(refused("a.yaml", 'model: "Res\\ud800Net"\n'))
    if yaml_loader == "libyaml":
        assert (problem.code, problem.found.split(" at line")[0]) == (
            "yaml.syntax",
            "found invalid Unicode character escape code",
        )
    else:
        assert (place(problem), problem.found) == (
            ("model", "", "text.surrogate"),
            '"Res\ufffdNet": U+D800 (lone surrogate) at character 4',
        )


def test_long_string_value() -> None:
    problem = only(refused("a.json", results_json(json.dumps("x" * 100_000))))
    assert place(problem) == ("results[2]", 'metrics["Top-1"]', "text.too_long")
    assert problem.expected == "text of at most 20,000 characters"
    assert problem.found.startswith('100,000 characters, starting "xxxxx')
    assert len(problem.found) < 100
    assert "belongs in the paper" in problem.fix


def test_long_key(yaml_loader: str) -> None:
    key = "k" * 20_001
    # YAML takes a long key only in the explicit "? key" form (a plain key ends after 1024 characters).
    problem = only(refused("a.yaml", f"results:\n  - ? {key}\n    : 1\n"))
    assert place(problem) == ("results[0]", "", "text.too_long")
    assert problem.found.startswith('the key 20,001 characters, starting "kkk')


def test_long_key_is_shortened_in_the_location() -> None:
    key = "k" * 30_000
    problems = refused("a.json", json.dumps({key: {"v": "\x00"}}).encode())
    assert [place(p) for p in problems] == [
        ("(file)", "", "text.too_long"),
        ('["' + "k" * 59 + '…"]', "v", "text.control_character"),
    ]


def test_all_text_problems_are_reported_in_one_pass() -> None:
    data = json.dumps(
        {
            "paper": {"title": "t" * 20_001, "abstract": "a\x00b"},
            "results": [{"model": f"m{i}\x1b"} for i in range(3)],
        }
    ).encode()
    assert [place(p) for p in refused("a.json", data)] == [
        ("paper", "title", "text.too_long"),
        ("paper", "abstract", "text.control_character"),
        ("results[0]", "model", "text.control_character"),
        ("results[1]", "model", "text.control_character"),
        ("results[2]", "model", "text.control_character"),
    ]


def test_problems_are_capped() -> None:
    data = json.dumps({"results": [{"model": f"m{i}\x00"} for i in range(75)]}).encode()
    problems = refused("a.json", data)
    assert len(problems) == MAX_PROBLEMS + 1
    assert [p.record for p in problems[:3]] == ["results[0]", "results[1]", "results[2]"]
    last = problems[-1]
    assert place(last) == ("(file)", "", "file.more_problems")
    assert last.found == "25 more problems not listed"
    assert last.fix == "fix the problems above and validate the file again to see the rest"


# --- shape ----------------------------------------------------------------------------------------------


def nested_json(depth: int) -> bytes:
    return ('{"results": ' + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "}").encode()


def nested_yaml(depth: int) -> bytes:
    lines = ["results:"] + ["  " * level + "- " for level in range(1, depth - 1)]
    return ("\n".join(lines) + "\n" + "  " * (depth - 1) + "- 1\n").encode()


@pytest.mark.parametrize("syntax", ["json", "yaml"])
def test_depth_limit(syntax: str, yaml_loader: str) -> None:
    make = nested_json if syntax == "json" else nested_yaml
    assert read_document(f"a.{syntax}", make(20))[0] == syntax
    problem = only(refused(f"a.{syntax}", make(21)))
    assert place(problem) == ("results[0]", "[0]" * 18, "doc.too_deep")
    assert problem.expected == "at most 20 levels of nested mappings and lists"
    assert problem.found.startswith("a list at level 21")
    assert "flatten the structure" in problem.fix


def test_json_nesting_beyond_the_parser() -> None:
    for data in (b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000):
        problem = only(refused("a.json", data))
        assert place(problem) == ("(file)", "", "doc.too_deep")
        assert problem.found == "nesting too deep for the parser to follow (thousands of levels)"


def test_json_deep_but_parsable_nesting_names_its_path() -> None:
    problem = only(refused("a.json", b'{"a": ' + b"[" * 500 + b"]" * 500 + b"}"))
    assert place(problem) == ("a[0]", "[0]" * 18, "doc.too_deep")


@pytest.mark.parametrize("data", [b"[" * 100_000, b"- " * 100_000, b"{" * 100_000])
def test_yaml_nesting_beyond_the_limit_stops_early(yaml_loader: str, data: bytes) -> None:
    problems = refused("a.yaml", data)
    assert problems[-1].code == "doc.too_deep"
    assert problems[-1].found.startswith("a ")
    assert problems[-1].found.endswith("at level 21 (line 1)")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.json", b'{"a": [1, 2, 3], "b": {"c": [4, 5]}}'),
        ("a.yaml", b"a: [1, 2, 3]\nb: {c: [4, 5]}\n"),
    ],
)
def test_too_many_values(name: str, data: bytes) -> None:
    assert read_document(name, data, Limits(max_items=9))[1]["b"] == {"c": [4, 5]}
    problem = only(refused(name, data, Limits(max_items=8)))
    assert place(problem) == ("(file)", "", "doc.too_many_values")
    assert (problem.expected, problem.found) == ("at most 8 values in one file", "more than 8 values")
    assert "split the submission" in problem.fix


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("a.json", "42", "the number 42"),
        ("a.json", '"results"', 'text "results"'),
        ("a.json", "null", "the value null"),
        ("a.json", "true", "the value true"),
        ("a.yaml", "just a sentence\n", 'text "just a sentence"'),
        ("a.yaml", "---\n", "the value null"),
        ("upload", "- not\n- json\n", None),  # a top-level list is accepted
    ],
)
def test_top_level_must_be_a_mapping_or_list(name: str, text: str, found: str | None) -> None:
    if found is None:
        assert read_document(name, text.encode()) == ("yaml", ["not", "json"])
        return
    problem = only(refused(name, text))
    assert place(problem) == ("(file)", "", "doc.top_level")
    assert problem.expected.startswith("an object (mapping) at the top level")
    assert problem.found == found


# --- the file name is data ------------------------------------------------------------------------------


_AUDIT: list[list[tuple[str, tuple[Any, ...]]]] = []
_FILE_SYSTEM_EVENTS = ("open", "os.", "shutil.", "glob.", "pathlib.")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _AUDIT and event.startswith(_FILE_SYSTEM_EVENTS) and event not in ("os.putenv", "os.unsetenv"):
        _AUDIT[-1].append((event, args))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one records only inside file_system_calls()


@contextmanager
def file_system_calls() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Every file-system audit event (open, os.*, shutil.*, ...) raised inside the block."""
    calls: list[tuple[str, tuple[Any, ...]]] = []
    _AUDIT.append(calls)
    try:
        yield calls
    finally:
        _AUDIT.remove(calls)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", "~/.ssh/id_rsa"])
def test_file_name_is_only_data(name: str) -> None:
    data = b'{"../../etc/passwd": "../../etc/passwd", "paper": "/etc/shadow"}'
    with file_system_calls() as calls:
        assert read_document(name, data) == (
            "json",
            {"../../etc/passwd": "../../etc/passwd", "paper": "/etc/shadow"},
        )
        assert read_document(name, b"../../etc/passwd: /etc/shadow\n") == (
            "yaml",
            {"../../etc/passwd": "/etc/shadow"},
        )
        problems = refused(name, b'{"a": NaN, "b": "\\u0000"}')
    assert calls == []
    assert [p.file for p in problems] == [name, name]
    for problem in problems:
        for text in (problem.record, problem.field, problem.expected, problem.found, problem.fix):
            assert name not in text


def test_file_system_calls_are_seen(tmp_path: Path) -> None:
    """The check above would notice a reader that opened its file name."""
    with file_system_calls() as calls:
        (tmp_path / "x").write_text("x")
    assert calls and calls[0][0] == "open"


def test_unreadable_is_a_source_error_with_a_one_line_message() -> None:
    with pytest.raises(SourceError) as info:
        read_document("sub.json", b'{"results": [{"m": NaN}], "x": "\\u0000"}')
    assert str(info.value) == (
        "sub.json: results[0].m: expected a finite number; found NaN. leave the value out, or use null "
        "if the result is missing; NaN and Infinity are not JSON (and 1 more problem)"
    )
    assert isinstance(info.value, Unreadable)
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.problems, str(copy)) == (info.value.problems, str(info.value))


# --- hostile files at the size limit (timings are measured, not asserted) ------------------------------


def big_submission(size: int) -> dict[str, Any]:
    row = {
        "task": "Image Classification",
        "dataset": "ImageNet",
        "model_name": "ResNet",
        "metrics": {"Top 1 Accuracy": 76.1, "Top 5 Accuracy": "93.2%", "Params": 25557032},
        "paper": {"title": "Deep Residual Learning for Image Recognition", "arxiv_id": "1512.03385"},
        "code": ["https://github.com/example/resnet"],
        "extra_training_data": False,
        "notes": None,
    }
    rows = size // (len(json.dumps(dict(row, model_name="ResNet-99999"))) + 2)
    # Through JSON so that no two rows share an object (yaml.dump would write those as aliases).
    return json.loads(json.dumps({"results": [dict(row, model_name=f"ResNet-{i}") for i in range(rows)]}))


def test_largest_valid_json_reads() -> None:
    doc = big_submission(1_900_000)
    data = json.dumps(doc).encode()
    assert 1_800_000 < len(data) <= 1_900_000
    assert read_document("big.json", data) == ("json", doc)


def test_largest_valid_yaml_reads(yaml_loader: str) -> None:
    doc = big_submission(1_000_000)
    data = yaml.safe_dump(doc, sort_keys=False).encode()
    assert read_document("big.yaml", data) == ("yaml", doc)


@pytest.mark.parametrize("name", ["a.json", "upload", "a.yaml"])
def test_two_megabytes_of_brackets(name: str) -> None:
    problems = refused(name, b"[" * 2_000_000)
    assert problems[-1].code == "doc.too_deep"


# --- never a traceback ----------------------------------------------------------------------------------

FUZZ_PIECES = [
    *(b"{ } [ ] : , - ? # ' \" \\ | > ! & * < = ~ %".split()),
    *(b"\n", b"  ", b"\t", b"\r", b"\x00", b"\xff", b"\xc3", b"\xe2\x80\xae", b"\xc2\x85"),
    *(
        b"&a ",
        b"*a",
        b"!!python/object:os.system ",
        b"!!binary ",
        b"---\n",
        b"...\n",
        b"<<: ",
        b"NaN",
        b"1e999",
    ),
    *(b"\\ud800", b"9" * 5000, b"%YAML 1.1\n", b"%TAG ! tag:x:\n", b"2020-13-45"),
]


@pytest.mark.parametrize("name", ["a.json", "a.yaml", "upload"])
def test_mangled_files_give_problems_never_tracebacks(yaml_loader: str, name: str) -> None:
    rng = random.Random(f"{name}-{yaml_loader}")
    base = [
        json.dumps(SUBMISSION, indent=1).encode(),
        yaml.safe_dump(SUBMISSION, sort_keys=False).encode(),
    ]
    limits = Limits(max_depth=5, max_items=40, max_string=100)
    for _ in range(400):
        data = bytearray(rng.choice(base))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data) + 1)
            if rng.random() < 0.5:
                data[at:at] = rng.choice(FUZZ_PIECES)
            else:
                del data[at : at + rng.randint(1, 8)]
        try:
            _, document = read_document(name, bytes(data), limits)
        except Unreadable as exc:
            for problem in exc.problems:
                assert problem.code and problem.expected and problem.found and problem.fix
                for text in (problem.record, problem.field, problem.expected, problem.found, problem.fix):
                    assert not BAD_TEXT_RE.search(text), problem
                json.dumps(problem.to_json_dict(), ensure_ascii=False).encode("utf-8")
        else:
            json.dumps(document, allow_nan=False, ensure_ascii=False).encode("utf-8")
