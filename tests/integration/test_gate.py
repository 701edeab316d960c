"""The Great Expectations gate against a tiny real release database.

One session-scoped DuckDB file holds every table in tables.py (all fourteen,
schema 1.2.0) in its exact schema with a few known-good rows. Each known-bad
case copies it into memory, applies one SQL mutation and checks that exactly
the intended expectations fail and that the ValidationFailed message names the
table and the expectation. The tables a release may leave empty (conflicts,
id_redirects, changes) pass empty with ``min_rows__<table> = 0`` only.
Great Expectations is imported once, by the first gate run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from transforms.errors import ConfigError, ValidationFailed
from transforms.release.schema import TABLES
from transforms.validate.gate import raise_for_failures, run_gate
from transforms.validate.report import GateReport

pytestmark = pytest.mark.integration

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"


def _id(prefix: str, n: int) -> str:
    return f"{prefix}_{n:016x}"


P1, P2, P3 = _id("ppr", 1), _id("ppr", 2), _id("ppr", 3)
T1, T2 = _id("tsk", 1), _id("tsk", 2)
D1, D2 = _id("dst", 1), _id("dst", 2)
M1, M2, M3 = _id("met", 1), _id("met", 2), _id("met", 3)
MO1, MO2 = _id("mdl", 1), _id("mdl", 2)
MO8, MO9 = _id("mdl", 8), _id("mdl", 9)
"""Ids of earlier releases: MO9 was merged into MO1, MO8 removed."""
A1, A2, A3 = _id("mal", 1), _id("mal", 2), _id("mal", 3)
I1, I2, I3, I4 = _id("idn", 1), _id("idn", 2), _id("idn", 3), _id("idn", 4)
S1 = "5e" * 32
"""A submission id: a whole sha256."""
REL, PREV = "2026-11-02.0", "2026-10-01.0"
"""This release and the previous one."""

# Hand-written known-good rows, one INSERT per table: the text after INSERT INTO <table>,
# either VALUES in tables.py column order or, for the wider tables, an explicit column list.
GOOD_ROWS = {
    "papers": f"""
        VALUES
        ('{P1}', '1809.10853', 'Adaptive Input Representations', 'We introduce adaptive input...',
         ['Alexei Baevski', 'Michael Auli'], DATE '2018-09-28', 'https://arxiv.org/abs/1809.10853',
         'https://arxiv.org/pdf/1809.10853', 'https://paperswithcode.com/paper/adaptive-input',
         'ICLR 2019', ['papers-with-abstracts.json.gz']),
        ('{P2}', 'cs/0205028', 'An old paper', NULL, ['A. Author'], DATE '2002-05-17',
         'https://arxiv.org/abs/cs/0205028', NULL, NULL, NULL, ['papers-with-abstracts.json.gz']),
        ('{P3}', NULL, 'A paper without arXiv id', NULL, NULL, NULL, 'https://example.org/paper',
         NULL, NULL, NULL, ['evaluation-tables.json.gz'])""",
    "tasks": f"""
        VALUES
        ('{T1}', 'Image Classification', 'Assign a label to an image.', ['Computer Vision'], NULL, [],
         ['Image Recognition'], ['evaluation-tables.json.gz']),
        ('{T2}', 'Fine-Grained Image Classification', NULL, ['Computer Vision'], '{T1}', ['{T1}'], [],
         ['evaluation-tables.json.gz'])""",
    "datasets": f"""
        VALUES
        ('{D1}', 'ImageNet', 'ImageNet ILSVRC 2012', 'A large image database.', 'https://image-net.org',
         NULL, [{{'title': 'site', 'url': 'https://image-net.org'}}], [], ['Images'], 'custom',
         ['datasets.json.gz']),
        ('{D2}', 'ImageNet ReaL', NULL, NULL, NULL, '{D1}', [], [], NULL, NULL,
         ['evaluation-tables.json.gz'])""",
    "metrics": f"""
        (metric_id, name, name_key, is_known, direction, unit, min_value, max_value, note, raw_names,
         result_count) VALUES
        ('{M1}', 'Top-1 Accuracy', 'top 1 accuracy', true, 'higher', 'percent', 0, 100,
         'folds Top 1 Accuracy', ['Top-1 Accuracy', 'Top 1 Accuracy'], 3),
        ('{M2}', 'Params', 'params', true, 'lower', 'count', 0, NULL, NULL, ['Params'], 2),
        ('{M3}', 'Weird Score', 'weird score', false, NULL, NULL, NULL, NULL, NULL, ['Weird Score'], 0)""",
    "models": f"""
        (model_id, paper_id, name, name_key, raw_names, links) VALUES
        ('{MO1}', '{P1}', 'ResNet-50', 'resnet50', ['ResNet-50', 'ResNet 50'],
         [{{'title': 'weights', 'url': 'https://x.org/w'}}]),
        ('{MO2}', NULL, '', '', [''], [])""",
    "model_aliases": f"""
        (alias_id, model_id, paper_id, name_raw, spelling_id, result_cells) VALUES
        ('{A1}', '{MO1}', '{P1}', 'ResNet-50', '{MO1}', 3),
        ('{A2}', '{MO1}', '{P1}', 'ResNet 50', '{MO9}', 1),
        ('{A3}', '{MO2}', NULL, '', '{MO2}', 1)""",
    "results": f"""
        (result_id, identity_id, task_id, dataset_id, paper_id, model_id, metric_id, value, value_raw,
         value_issue, is_percent, value_normalized, value_flag, direction, metric_name_raw, model_name_raw,
         paper_url_raw, paper_date, uses_additional_data, is_conflict, source, sources, submission_id,
         submitter, submission_ids) VALUES
        ('{_id("res", 1)}', '{I1}', '{T1}', '{D1}', '{P1}', '{MO1}', '{M1}', 76.1, '76.1', NULL, false,
         76.1, NULL, 'higher', 'Top-1 Accuracy', 'ResNet-50', NULL, DATE '2018-09-28', false, true,
         'evaluation-tables.json.gz', ['evaluation-tables.json.gz'], NULL, NULL, NULL),
        ('{_id("res", 2)}', '{I1}', '{T1}', '{D1}', '{P1}', '{MO1}', '{M1}', 0.762, '0.762', NULL, false,
         76.2, 'fraction_rescaled', 'higher', 'Top 1 Accuracy', 'ResNet-50', NULL, NULL, false, true,
         'evaluation-tables.json.gz', ['evaluation-tables.json.gz'], NULL, NULL, []),
        ('{_id("res", 3)}', '{I2}', '{T2}', '{D2}', NULL, '{MO2}', '{M2}', NULL, '25M params', 'text', NULL,
         NULL, NULL, NULL, 'Params', '', NULL, NULL, true, false,
         'sota/leaderboard.json', ['sota/leaderboard.json'], NULL, NULL, NULL),
        ('{_id("res", 4)}', '{I3}', '{T1}', '{D2}', '{P1}', '{MO1}', '{M1}', -0.5, '-0.5', NULL, false,
         NULL, 'out_of_bounds', 'higher', 'Top-1 Accuracy', 'ResNet-50', NULL, DATE '1950-01-01', false, false,
         'evaluation-tables.json.gz', ['evaluation-tables.json.gz'], NULL, NULL, NULL),
        ('{_id("res", 5)}', '{I4}', '{T1}', '{D1}', '{P1}', '{MO1}', '{M2}', 25000000, '25M', NULL, false,
         25000000, NULL, 'lower', 'Params', 'ResNet-50', NULL, DATE '2018-09-28', false, false,
         'submission', ['submission'], '{S1}', 'Ada Lovelace', ['{S1}'])""",
    "submissions": f"""
        VALUES
        ('{S1}', 'Ada Lovelace', 'ada', TIMESTAMP '2026-11-01 10:00:00', 'published', '2026-11-02.0',
         'pwc-submission-v1', 2, 3, 1)""",
    "code_links": f"""
        VALUES
        ('{_id("cdl", 1)}', '{P1}', 'https://github.com/pytorch/fairseq', 'pytorch/fairseq', true, 'pytorch',
         true, true, ['links-between-papers-and-code.json.gz']),
        ('{_id("cdl", 2)}', NULL, 'https://gitlab.com/someone/code', NULL, NULL, NULL, NULL, NULL,
         ['evaluation-tables.json.gz'])""",
    "methods": f"""
        VALUES
        ('{_id("mth", 1)}', 'ResNet', 'Residual Network', 'A residual network...', '{P1}', 'Deep Residual',
         'https://arxiv.org/abs/1512.03385v1', 2015, 2015, NULL, NULL, 'https://github.com/x/y', 3000,
         [{{'collection': 'Convolutional Neural Networks', 'area_id': 'computer-vision', 'area': 'Computer Vision'}}],
         'https://paperswithcode.com/method/resnet'),
        ('{_id("mth", 2)}', 'Dropout', NULL, NULL, NULL, NULL, NULL, NULL, 2000, NULL, NULL, NULL, NULL, [],
         'https://paperswithcode.com/method/dropout')""",
    "conflicts": f"""
        (result_id, identity_id, task_id, dataset_id, paper_id, model_id, metric_id, value, value_raw,
         values_in_identity, source, sources, submission_id) VALUES
        ('{_id("res", 1)}', '{I1}', '{T1}', '{D1}', '{P1}', '{MO1}', '{M1}', 76.1, '76.1', 2,
         'evaluation-tables.json.gz', ['evaluation-tables.json.gz'], NULL),
        ('{_id("res", 2)}', '{I1}', '{T1}', '{D1}', '{P1}', '{MO1}', '{M1}', 0.762, '0.762', 2,
         'evaluation-tables.json.gz', ['evaluation-tables.json.gz'], NULL)""",
    "id_registry": f"""
        (id, entity, first_release, last_release, status, current_id) VALUES
        ('{MO1}', 'models', '{PREV}', '{REL}', 'active', '{MO1}'),
        ('{MO9}', 'models', '{PREV}', '{PREV}', 'merged', '{MO1}'),
        ('{MO8}', 'models', '{PREV}', '{PREV}', 'removed', NULL),
        ('{S1}', 'submissions', '{REL}', '{REL}', 'active', '{S1}'),
        ('{I1}', 'result_identities', '{PREV}', '{REL}', 'active', '{I1}')""",
    "id_redirects": f"""
        (old_id, new_id, entity, reason, release) VALUES
        ('{MO9}', '{MO1}', 'models', 'spellings fold together', '{REL}')""",
    "changes": f"""
        (id, table_name, change, new_id, changed_columns, previous_release) VALUES
        ('{MO9}', 'models', 'merged', '{MO1}', NULL, '{PREV}'),
        ('{MO8}', 'models', 'removed', NULL, NULL, '{PREV}'),
        ('{MO1}', 'models', 'changed', NULL, ['raw_names'], '{PREV}'),
        ('{S1}', 'submissions', 'added', NULL, NULL, '{PREV}')""",
}


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name, table in TABLES.items():
        columns = ", ".join(
            f'"{c.name}" {c.type}' + ("" if c.nullable else " NOT NULL") for c in table.columns
        )
        con.execute(f'CREATE TABLE "{name}" ({columns})')
        con.execute(f'INSERT INTO "{name}" {GOOD_ROWS[name]}')


@pytest.fixture(scope="session")
def good_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gate") / "release.duckdb"
    with duckdb.connect(str(path)) as con:
        _create_tables(con)
    return path


@pytest.fixture(scope="session")
def good_report(good_db: Path) -> GateReport:
    """The first gate run imports Great Expectations; every later run reuses its context."""
    with duckdb.connect(str(good_db), read_only=True) as con:
        return run_gate(con, EXPECTATIONS)


def _copy(good_db: Path, mutation: str = "") -> duckdb.DuckDBPyConnection:
    """An in-memory copy of the good database (NOT NULL constraints dropped), then ``mutation``."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{good_db}' AS good (READ_ONLY)")
    for name in TABLES:
        con.execute(f'CREATE TABLE "{name}" AS FROM good."{name}"')
    con.execute("DETACH good")
    if mutation:
        con.execute(mutation)
    return con


@pytest.fixture()
def copy_db(good_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _copy(good_db)
    yield con
    con.close()


# ------------------------------------------------------------------ known good


def test_known_good_release_passes_every_table(good_report: GateReport) -> None:
    assert list(good_report.tables) == list(TABLES)
    failures = [f.message() for f in good_report.failures()]
    assert failures == []
    assert good_report.success
    for name, table in good_report.tables.items():
        assert table.success, name
        assert table.row_count >= 1
        assert table.evaluated_expectations == table.successful_expectations >= 5
    raise_for_failures(good_report, "validation.json")  # does not raise
    assert good_report.summary_line().startswith("Great Expectations gate passed: ")


def test_suite_files_load_into_gx(good_report: GateReport) -> None:
    import great_expectations as gx  # already imported by the good_report run

    for name in TABLES:
        suite = gx.ExpectationSuite(**json.loads((EXPECTATIONS / f"{name}.json").read_text()))
        assert len(suite.expectations) == good_report.tables[name].evaluated_expectations


def test_report_is_deterministic_and_json_safe(good_db: Path, good_report: GateReport) -> None:
    with duckdb.connect(str(good_db), read_only=True) as con:
        again = run_gate(con, EXPECTATIONS)
    first = good_report.to_json_dict()
    assert again.to_json_dict() == first
    text = json.dumps(first, allow_nan=False, sort_keys=True)
    assert "$PARAMETER" in text and "ids__papers__paper_id" in text
    assert first["parameters"]["ids__papers__paper_id"] == {"distinct_values": 3}
    assert first["parameters"]["min_rows__results"] == 1
    assert first["parameters"]["max_rows__results"] is None
    assert first["great_expectations_version"]
    row_count = first["tables"]["results"]["expectations"][1]
    assert row_count["type"] == "expect_table_row_count_to_be_between"
    assert row_count["observed_value"] == 5


def test_failed_report_with_inf_and_dates_is_json_safe_and_deterministic(good_db: Path) -> None:
    mutation = f"""
        UPDATE results SET value = 'inf'::DOUBLE WHERE result_id = '{_id("res", 1)}';
        UPDATE results SET paper_date = DATE '1900-01-01' WHERE result_id = '{_id("res", 4)}';
    """
    runs = []
    for _ in range(2):
        with _copy(good_db, mutation) as con:
            runs.append(run_gate(con, EXPECTATIONS, tables=["results"]).to_json_dict())
    assert runs[0] == runs[1]
    text = json.dumps(runs[0], allow_nan=False)
    assert '"Infinity"' in text and '"1900-01-01"' in text


def test_caller_parameters_bound_the_row_count(good_db: Path) -> None:
    with duckdb.connect(str(good_db), read_only=True) as con:
        ok = run_gate(con, EXPECTATIONS, ["results"], {"min_rows__results": 5, "max_rows__results": 5})
        too_many = run_gate(con, EXPECTATIONS, ["results"], {"max_rows__results": 4})
    assert ok.success
    (failure,) = too_many.failures()
    assert failure.expectation.type == "expect_table_row_count_to_be_between"
    message = failure.message("r.json")
    assert message.startswith("results: expect_table_row_count_to_be_between failed: observed 5")
    assert "max_value=4" in message and message.endswith(" — full report: r.json")


# ------------------------------------------------------------------ known bad

R1, R2, R3, R4, R5 = (_id("res", n) for n in range(1, 6))

# case: (table, mutation, the expectations that fail, in suite order)
BAD_CASES = {
    "papers-duplicate-key": (
        "papers",
        f"INSERT INTO papers SELECT * FROM papers WHERE paper_id = '{P3}'",
        ["expect_column_values_to_be_unique(paper_id)"],
    ),
    "papers-arxiv-version": (
        "papers",
        f"UPDATE papers SET arxiv_id = '1809.10853v2' WHERE paper_id = '{P1}'",
        ["expect_column_values_to_match_regex(arxiv_id)"],
    ),
    "papers-date-out-of-range": (
        "papers",
        f"UPDATE papers SET published = DATE '1900-01-01' WHERE paper_id = '{P2}'",
        ["expect_column_values_to_be_between(published)"],
    ),
    "tasks-dangling-parent": (
        "tasks",
        f"UPDATE tasks SET parent_task_id = '{_id('tsk', 99)}' WHERE task_id = '{T2}'",
        ["expect_column_values_to_be_in_set(parent_task_id)"],
    ),
    "tasks-untrimmed-name": (
        "tasks",
        f"UPDATE tasks SET name = 'Image Classification ' WHERE task_id = '{T1}'",
        ["expect_column_values_to_not_match_regex(name)"],
    ),
    "datasets-null-key": (
        "datasets",
        f"UPDATE datasets SET dataset_id = NULL WHERE dataset_id = '{D2}'",
        ["expect_column_values_to_not_be_null(dataset_id)"],
    ),
    "metrics-extra-column": (
        "metrics",
        "ALTER TABLE metrics ADD COLUMN canonical_name VARCHAR",
        ["expect_table_columns_to_match_set"],
    ),
    "metrics-missing-column": (
        "metrics",
        "ALTER TABLE metrics DROP COLUMN raw_names",
        ["expect_table_columns_to_match_set"],
    ),
    "metrics-empty": (
        "metrics",
        "DELETE FROM metrics",
        ["expect_table_row_count_to_be_between"],
    ),
    "metrics-direction-outside-set": (
        "metrics",
        f"UPDATE metrics SET direction = 'up' WHERE metric_id = '{M1}'",
        ["expect_column_values_to_be_in_set(direction)"],
    ),
    "metrics-unit-outside-registry": (
        "metrics",
        f"UPDATE metrics SET unit = 'percentage' WHERE metric_id = '{M1}'",
        ["expect_column_values_to_be_in_set(unit)"],
    ),
    "metrics-inverted-bounds": (
        "metrics",
        f"UPDATE metrics SET min_value = 200 WHERE metric_id = '{M1}'",
        ["expect_column_pair_values_a_to_be_greater_than_b(max_value, min_value)"],
    ),
    "metrics-unknown-with-unit": (
        "metrics",
        f"UPDATE metrics SET unit = 'count' WHERE metric_id = '{M3}'",
        ["expect_column_values_to_be_null(unit) where is_known == False"],
    ),
    "metrics-duplicate-name-key": (
        "metrics",
        f"UPDATE metrics SET name_key = 'params' WHERE metric_id = '{M3}'",
        ["expect_column_values_to_be_unique(name_key)"],
    ),
    "metrics-unfolded-name-key": (
        "metrics",
        f"UPDATE metrics SET name_key = 'Params' WHERE metric_id = '{M2}'",
        ["expect_column_values_to_not_match_regex(name_key)"],
    ),
    "metrics-null-is-known": (
        "metrics",
        f"UPDATE metrics SET is_known = NULL WHERE metric_id = '{M2}'",
        ["expect_column_values_to_not_be_null(is_known)"],
    ),
    "models-dangling-paper": (
        "models",
        f"UPDATE models SET paper_id = '{_id('ppr', 99)}' WHERE model_id = '{MO1}'",
        ["expect_column_values_to_be_in_set(paper_id)"],
    ),
    "models-bad-id": (
        "models",
        f"UPDATE models SET model_id = 'mdl_XYZ' WHERE model_id = '{MO2}'",
        ["expect_column_values_to_match_regex(model_id)"],
    ),
    "models-name-key-with-space": (
        "models",
        f"UPDATE models SET name_key = 'resnet 50' WHERE model_id = '{MO1}'",
        ["expect_column_values_to_not_match_regex(name_key)"],
    ),
    "model-aliases-dangling-model": (
        "model_aliases",
        f"UPDATE model_aliases SET model_id = '{_id('mdl', 77)}' WHERE alias_id = '{A1}'",
        ["expect_column_values_to_be_in_set(model_id)"],
    ),
    "model-aliases-wrong-prefix": (
        "model_aliases",
        f"UPDATE model_aliases SET alias_id = '{MO1}' WHERE alias_id = '{A1}'",
        ["expect_column_values_to_match_regex(alias_id)"],
    ),
    "model-aliases-duplicate-grain": (
        "model_aliases",
        f"UPDATE model_aliases SET name_raw = 'ResNet-50' WHERE alias_id = '{A2}'",
        ["expect_compound_columns_to_be_unique(paper_id, name_raw)"],
    ),
    # R4 is flagged out_of_bounds (value_normalized NULL), so only the value's range breaks.
    "results-inf-value": (
        "results",
        f"UPDATE results SET value = 'inf'::DOUBLE WHERE result_id = '{R4}'",
        ["expect_column_values_to_be_between(value)"],
    ),
    "results-value-issue-outside-set": (
        "results",
        f"UPDATE results SET value_issue = 'weird' WHERE result_id = '{R3}'",
        ["expect_column_values_to_be_in_set(value_issue)"],
    ),
    # value_normalized goes with value, else the value_normalized rules fail too.
    "results-null-value-without-issue": (
        "results",
        f"UPDATE results SET value = NULL, value_normalized = NULL WHERE result_id = '{R1}'",
        ["expect_column_values_to_not_be_null(value) where value_issue IS NULL"],
    ),
    # value_normalized goes with value, else the value_normalized rules fail too.
    "results-value-with-issue": (
        "results",
        f"UPDATE results SET value = 25, value_normalized = 25 WHERE result_id = '{R3}'",
        ["expect_column_values_to_be_null(value) where value_issue IS NOT NULL"],
    ),
    "results-dangling-task": (
        "results",
        f"UPDATE results SET task_id = '{_id('tsk', 99)}' WHERE result_id = '{R4}'",
        ["expect_column_values_to_be_in_set(task_id)"],
    ),
    "results-null-metric": (
        "results",
        f"UPDATE results SET metric_id = NULL WHERE result_id = '{R4}'",
        ["expect_column_values_to_not_be_null(metric_id)"],
    ),
    "results-same-identity-same-value": (
        "results",
        f"INSERT INTO results SELECT * REPLACE ('{_id('res', 6)}' AS result_id) FROM results WHERE result_id = '{R1}'",
        ["expect_compound_columns_to_be_unique(identity_id, value) where value IS NOT NULL"],
    ),
    "results-date-out-of-range": (
        "results",
        f"UPDATE results SET paper_date = DATE '2031-01-01' WHERE result_id = '{R1}'",
        ["expect_column_values_to_be_between(paper_date)"],
    ),
    "results-value-flag-outside-set": (
        "results",
        f"UPDATE results SET value_flag = 'weird' WHERE result_id = '{R1}'",
        ["expect_column_values_to_be_in_set(value_flag)"],
    ),
    "results-out-of-bounds-normalized": (
        "results",
        f"UPDATE results SET value_normalized = -0.5 WHERE result_id = '{R4}'",
        ["expect_column_values_to_be_null(value_normalized) where value_flag == 'out_of_bounds'"],
    ),
    "results-normalized-without-value": (
        "results",
        f"UPDATE results SET value_normalized = 3 WHERE result_id = '{R3}'",
        [
            "expect_column_values_to_be_null(value_normalized) where value IS NULL",
            "expect_column_pair_values_to_be_equal(value_normalized, value) where value_flag IS NULL",
        ],
    ),
    "results-unflagged-normalized-differs": (
        "results",
        f"UPDATE results SET value_normalized = 76.0 WHERE result_id = '{R1}'",
        ["expect_column_pair_values_to_be_equal(value_normalized, value) where value_flag IS NULL"],
    ),
    "results-unflagged-normalized-null": (
        "results",
        f"UPDATE results SET value_normalized = NULL WHERE result_id = '{R1}'",
        ["expect_column_pair_values_to_be_equal(value_normalized, value) where value_flag IS NULL"],
    ),
    "results-rescaled-normalized-null": (
        "results",
        f"UPDATE results SET value_normalized = NULL WHERE result_id = '{R2}'",
        [
            "expect_column_values_to_not_be_null(value_normalized) where value_flag IN ['fraction_rescaled', 'percent_rescaled']"
        ],
    ),
    "results-flag-without-value": (
        "results",
        f"UPDATE results SET value_flag = 'scale_unclear' WHERE result_id = '{R3}'",
        ["expect_column_values_to_not_be_null(value) where value_flag IS NOT NULL"],
    ),
    "results-submission-without-submission-ids": (
        "results",
        f"UPDATE results SET submission_ids = NULL WHERE result_id = '{R5}'",
        ["expect_column_values_to_not_be_null(submission_ids) where submission_id IS NOT NULL"],
    ),
    "results-direction-outside-set": (
        "results",
        f"UPDATE results SET direction = 'better' WHERE result_id = '{R5}'",
        ["expect_column_values_to_be_in_set(direction)"],
    ),
    "code-links-dot-git": (
        "code_links",
        f"UPDATE code_links SET repo_url = repo_url || '.git' WHERE code_link_id = '{_id('cdl', 1)}'",
        ["expect_column_values_to_not_match_regex(repo_url)"],
    ),
    "code-links-duplicate-grain": (
        "code_links",
        (
            f"INSERT INTO code_links SELECT * REPLACE ('{_id('cdl', 3)}' AS code_link_id) FROM code_links"
            f" WHERE code_link_id = '{_id('cdl', 2)}'"
        ),
        ["expect_compound_columns_to_be_unique(paper_id, repo_url)"],
    ),
    "methods-year-3000": (
        "methods",
        f"UPDATE methods SET introduced_year = 3000 WHERE method_id = '{_id('mth', 1)}'",
        ["expect_column_values_to_be_between(introduced_year)"],
    ),
    "methods-placeholder-year": (
        "methods",
        f"UPDATE methods SET introduced_year = 2000 WHERE method_id = '{_id('mth', 2)}'",
        ["expect_column_values_to_not_be_in_set(introduced_year)"],
    ),
    "conflicts-single-value": (
        "conflicts",
        f"UPDATE conflicts SET values_in_identity = 1 WHERE result_id = '{R1}'",
        ["expect_column_values_to_be_between(values_in_identity)"],
    ),
    "conflicts-dangling-result": (
        "conflicts",
        f"UPDATE conflicts SET result_id = '{_id('res', 99)}' WHERE result_id = '{R1}'",
        ["expect_column_values_to_be_in_set(result_id)"],
    ),
    "id-registry-status-outside-set": (
        "id_registry",
        f"UPDATE id_registry SET status = 'gone' WHERE id = '{MO8}'",
        ["expect_column_values_to_be_in_set(status)"],
    ),
    "id-registry-entity-not-an-entity-table": (
        "id_registry",
        f"UPDATE id_registry SET entity = 'conflicts' WHERE id = '{MO8}'",
        ["expect_column_values_to_be_in_set(entity)"],
    ),
    "id-registry-release-without-sequence": (
        "id_registry",
        f"UPDATE id_registry SET last_release = '2026-11-02' WHERE id = '{MO1}'",
        ["expect_column_values_to_match_regex(last_release)"],
    ),
    "id-registry-active-points-elsewhere": (
        "id_registry",
        f"UPDATE id_registry SET current_id = '{MO9}' WHERE id = '{MO1}'",
        ["expect_column_pair_values_to_be_equal(current_id, id) where status == 'active'"],
    ),
    "id-registry-merged-into-itself": (
        "id_registry",
        f"UPDATE id_registry SET current_id = id WHERE id = '{MO9}'",
        ["expect_select_column_values_to_be_unique_within_record(id, current_id) where status == 'merged'"],
    ),
    "id-registry-merged-without-target": (
        "id_registry",
        f"UPDATE id_registry SET current_id = NULL WHERE id = '{MO9}'",
        ["expect_column_values_to_not_be_null(current_id) where status == 'merged'"],
    ),
    "id-registry-removed-resolves": (
        "id_registry",
        f"UPDATE id_registry SET current_id = '{MO1}' WHERE id = '{MO8}'",
        ["expect_column_values_to_be_null(current_id) where status == 'removed'"],
    ),
    "id-redirects-to-itself": (
        "id_redirects",
        "UPDATE id_redirects SET new_id = old_id",
        ["expect_select_column_values_to_be_unique_within_record(old_id, new_id)"],
    ),
    "id-redirects-bad-release": (
        "id_redirects",
        "UPDATE id_redirects SET release = 'latest'",
        ["expect_column_values_to_match_regex(release)"],
    ),
    "changes-change-outside-set": (
        "changes",
        f"UPDATE changes SET change = 'renamed' WHERE id = '{S1}'",
        ["expect_column_values_to_be_in_set(change)"],
    ),
    "changes-merged-without-target": (
        "changes",
        "UPDATE changes SET new_id = NULL WHERE change = 'merged'",
        ["expect_column_values_to_not_be_null(new_id) where change == 'merged'"],
    ),
    "changes-added-with-target": (
        "changes",
        f"UPDATE changes SET new_id = '{MO1}' WHERE change = 'added'",
        ["expect_column_values_to_be_null(new_id) where change != 'merged'"],
    ),
    "changes-changed-without-columns": (
        "changes",
        "UPDATE changes SET changed_columns = NULL WHERE change = 'changed'",
        ["expect_column_values_to_not_be_null(changed_columns) where change == 'changed'"],
    ),
    "changes-removed-with-columns": (
        "changes",
        "UPDATE changes SET changed_columns = ['x'] WHERE change = 'removed'",
        ["expect_column_values_to_be_null(changed_columns) where change != 'changed'"],
    ),
    "changes-table-not-an-entity-table": (
        "changes",
        "UPDATE changes SET table_name = 'conflicts' WHERE change = 'removed'",
        ["expect_column_values_to_be_in_set(table_name)"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_known_bad_table_fails_on_the_intended_expectation(good_db: Path, case: str) -> None:
    table, mutation, expected = BAD_CASES[case]
    with _copy(good_db, mutation) as con:
        report = run_gate(con, EXPECTATIONS, tables=[table])
    assert not report.success
    assert [f.expectation.describe() for f in report.failures()] == expected
    with pytest.raises(ValidationFailed) as excinfo:
        raise_for_failures(report, "/releases/r1/validation.json")
    lines = str(excinfo.value).splitlines()
    evaluated = report.tables[table].evaluated_expectations
    assert lines[0] == (
        f"Great Expectations gate failed: {len(expected)} of {evaluated} expectations in 1 of 1 tables"
    )
    assert len(lines) == 1 + len(expected)
    for line, describe in zip(lines[1:], expected, strict=True):
        assert line.startswith(f"{table}: {describe} ")
        assert line.endswith(" — full report: /releases/r1/validation.json")


def test_message_counts_rows_and_shows_examples(good_db: Path) -> None:
    with _copy(good_db, f"UPDATE results SET task_id = 'tsk_{'f' * 16}'") as con:
        report = run_gate(con, EXPECTATIONS, tables=list(TABLES))
    with pytest.raises(ValidationFailed) as excinfo:
        raise_for_failures(report, "v.json")
    total = sum(t.evaluated_expectations for t in report.tables.values())
    assert str(excinfo.value).splitlines() == [
        f"Great Expectations gate failed: 1 of {total} expectations in 1 of {len(TABLES)} tables",
        (
            "results: expect_column_values_to_be_in_set(task_id) failed: 5 of 5 rows (100.00%),"
            f" e.g. ['tsk_{'f' * 16}'] — full report: v.json"
        ),
    ]
    (failure,) = report.failures()
    assert failure.expectation.kwargs["value_set"] == {"$PARAMETER": "ids__tasks__task_id"}
    assert failure.expectation.unexpected_count == 5


MAY_BE_EMPTY = ["conflicts", "id_redirects", "changes"]


def test_tables_that_may_be_empty_pass_empty_only_with_min_rows_zero(good_db: Path) -> None:
    mutation = "".join(f'DELETE FROM "{name}";' for name in MAY_BE_EMPTY)
    with _copy(good_db, mutation) as con:
        allowed = run_gate(con, EXPECTATIONS, MAY_BE_EMPTY, {f"min_rows__{name}": 0 for name in MAY_BE_EMPTY})
        default = run_gate(con, EXPECTATIONS, MAY_BE_EMPTY)
    assert allowed.success, [f.message() for f in allowed.failures()]
    for name in MAY_BE_EMPTY:
        assert allowed.tables[name].row_count == 0
        assert allowed.tables[name].evaluated_expectations == allowed.tables[name].successful_expectations
    assert not default.success
    failed = [(f.table, f.expectation.describe()) for f in default.failures()]
    assert failed == [(name, "expect_table_row_count_to_be_between") for name in MAY_BE_EMPTY]


def test_wrong_column_set_names_missing_and_unexpected(good_db: Path) -> None:
    with _copy(good_db, "ALTER TABLE metrics RENAME COLUMN raw_names TO spellings") as con:
        report = run_gate(con, EXPECTATIONS, tables=["metrics"])
    (failure,) = report.failures()
    message = failure.message()
    assert message.startswith("metrics: expect_table_columns_to_match_set failed: observed ")
    assert "missing ['raw_names']" in message and "unexpected ['spellings']" in message


# ------------------------------------------------------------------ setup errors


def test_missing_suite_is_an_error(tmp_path: Path, copy_db: duckdb.DuckDBPyConnection) -> None:
    for suite in EXPECTATIONS.glob("*.json"):
        if suite.stem != "code_links":
            shutil.copy(suite, tmp_path / suite.name)
    with pytest.raises(ConfigError, match=r"code_links\.json: no suite for table 'code_links'"):
        run_gate(copy_db, tmp_path)


def test_missing_table_is_a_validation_failure(copy_db: duckdb.DuckDBPyConnection) -> None:
    copy_db.execute("DROP TABLE methods")
    with pytest.raises(ValidationFailed, match=r"table\(s\) methods not found in the database"):
        run_gate(copy_db, EXPECTATIONS)


def test_unknown_caller_parameter_is_an_error(copy_db: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ConfigError, match=r"unknown gate parameter 'max_rows\.results'"):
        run_gate(copy_db, EXPECTATIONS, parameters={"max_rows.results": 10})


def test_invalid_expectation_names_file_and_index(tmp_path: Path, copy_db: duckdb.DuckDBPyConnection) -> None:
    suite = json.loads((EXPECTATIONS / "metrics.json").read_text())
    suite["expectations"].append({"type": "expect_column_values_to_be_between", "kwargs": {"colum": "x"}})
    (tmp_path / "metrics.json").write_text(json.dumps(suite))
    with pytest.raises(
        ConfigError, match=r"metrics\.json: expectations\[\d+\] \(expect_column_values_to_be_between\)"
    ):
        run_gate(copy_db, tmp_path, tables=["metrics"])
