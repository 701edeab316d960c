"""One result, many sources: the two NLP-progress leaderboard files carry the same results, one
writing every model with the paper's year (``LSTM (2018)``), the other without (``LSTM``).

Release A is built from the two real files with a rules file that keeps a few of those spellings
apart (an older rule set); release B from the same input with the shipped rules, which join them by
the ``year_suffix`` rule; release C rebuilds B's input unchanged. B folds each repeated result into
one row listing both files, redirects A's ids with the rule that merged them, and C changes nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.builds import SAMPLE, SUBSETS, Built, build

pytestmark = pytest.mark.integration

FILES = ("leaderboards/nlp-progress.json", "leaderboards/nlpprogress.json")
KEPT_APART = {
    # paper key -> the spellings release A keeps apart (WikiText-103 rows of both files)
    "arxiv:1803.10049": ["LSTM", "LSTM (2018)"],
    "arxiv:1612.08083": ["Gated CNN", "Gated CNN (2016)"],
}
BOARD = ("Word Level Models", "WikiText-103", "Test perplexity")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nlp-progress-source")
    for rel in FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / rel, root / rel)
    shutil.copy(SUBSETS / "methods.2022-05.sample.json", root / "methods.sample.json")
    return root


@pytest.fixture(scope="module")
def releases(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    base = tmp_path_factory.mktemp("one-result")
    rules = base / "older-rules.yaml"
    rules.write_text(
        json.dumps(
            {
                "keep_apart": [
                    {"paper": paper, "names": names, "reason": "release A's older rules"}
                    for paper, names in KEPT_APART.items()
                ]
            }
        ),
        encoding="utf-8",
    )
    store, work = base / "store", base / "work"
    return {
        "A": build(source, store, work, "2026-04-01.0", model_rules=str(rules)),
        "B": build(source, store, work, "2026-04-02.0"),
        "C": build(source, store, work, "2026-04-03.0"),
    }


def _con(built: Built) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(built.release_dir / "pwc.duckdb"), read_only=True)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def _board(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return _rows(
        con,
        """
        SELECT l.model, l.value, l.paper_id, r.sources FROM leaderboards AS l JOIN results AS r USING (result_id)
        WHERE l.task = ? AND l.dataset = ? AND l.metric = ? ORDER BY l.rank, l.model
        """,
        *BOARD,
    )


def test_each_repeated_result_is_one_row_listing_both_files(releases: dict[str, Built]) -> None:
    with _con(releases["A"]) as a, _con(releases["B"]) as b:
        board_a, board_b = _board(a), _board(b)
    # A keeps two of the pairs apart: those results are ranked twice there.
    assert len(board_a) == len(board_b) + 2
    assert [(m, v) for m, v, _, _ in board_a if v == 36.4] == [("LSTM", 36.4), ("LSTM (2018)", 36.4)]
    assert len({(paper, value) for _, value, paper, _ in board_b}) == len(board_b), "no result twice in B"
    by_model = {(model, value): sources for model, value, _, sources in board_b}
    assert by_model[("LSTM", 36.4)] == list(FILES)
    assert by_model[("Gated CNN", 37.2)] == list(FILES)


def test_merges_by_the_year_suffix_rule_redirect_with_their_reason(releases: dict[str, Built]) -> None:
    with _con(releases["A"]) as a, _con(releases["B"]) as b:
        for paper, (plain, suffixed) in KEPT_APART.items():
            pid = _rows(b, "SELECT 'pap_' || substr(sha256(?), 1, 16)", paper)[0][0]
            in_a = dict(_rows(a, "SELECT name_raw, model_id FROM model_aliases WHERE paper_id = ?", pid))
            in_b = dict(_rows(b, "SELECT name_raw, model_id FROM model_aliases WHERE paper_id = ?", pid))
            assert in_a[plain] != in_a[suffixed], "A keeps them apart"
            assert in_b[plain] == in_b[suffixed] in {in_a[plain], in_a[suffixed]}, (
                "B merges, keeping an id A published"
            )
            gone = ({in_a[plain], in_a[suffixed]} - {in_b[plain]}).pop()
            ((new_id, entity, reason, release),) = _rows(
                b, "SELECT new_id, entity, reason, release FROM id_redirects WHERE old_id = ?", gone
            )
            assert (new_id, entity, release) == (in_b[plain], "models", "2026-04-02.0")
            assert reason.startswith("model spellings merged (year_suffix): ")
        # Every result of A resolves in B (one hop, to an active result with the same value).
        a_results = _rows(a, "SELECT result_id, value_raw FROM results")
        b.execute("CREATE TEMP TABLE a_results (result_id VARCHAR, value_raw VARCHAR)")
        b.executemany("INSERT INTO a_results VALUES (?, ?)", a_results)
        unresolved = _rows(
            b,
            """
            SELECT a.result_id FROM a_results AS a
            LEFT JOIN id_registry AS reg ON reg.id = a.result_id
            LEFT JOIN results AS now ON now.result_id = reg.current_id
            WHERE now.result_id IS NULL OR now.value_raw IS DISTINCT FROM a.value_raw
            """,
        )
        merged = _rows(b, "SELECT count(*) FROM id_redirects WHERE entity = 'results'")[0][0]
    assert unresolved == []
    assert merged > 0


def test_the_quality_report_counts_what_was_folded(releases: dict[str, Built]) -> None:
    quality_a = json.loads((releases["A"].release_dir / "quality.json").read_text(encoding="utf-8"))
    quality_b = json.loads((releases["B"].release_dir / "quality.json").read_text(encoding="utf-8"))
    folded_a = quality_a["figures"]["one_result_many_sources"]["results_with_several_sources"]
    folded_b = quality_b["figures"]["one_result_many_sources"]["results_with_several_sources"]
    assert folded_b > folded_a > 200
    by_rule_b = quality_b["figures"]["model_merges"]["spellings_merged_by_rule"]
    by_rule_a = quality_a["figures"]["model_merges"]["spellings_merged_by_rule"]
    assert by_rule_b["year_suffix"] == by_rule_a["year_suffix"] + len(KEPT_APART)
    row = next(
        r
        for r in quality_b["comparison"]
        if r["figure"] == "model_merges.spellings_merged_by_rule.year_suffix"
    )
    assert row["change"] == len(KEPT_APART)
    # The guard: the two files' AWD-LSTM-MoS rows hold different Penn Treebank values.
    refused = {frozenset(r["spellings"]) for r in quality_b["rejected_model_merges"]}
    assert frozenset({"AWD-LSTM-MoS", "AWD-LSTM-MoS (2018)"}) in refused


def test_an_identical_rebuild_changes_no_id(releases: dict[str, Built]) -> None:
    with _con(releases["B"]) as b, _con(releases["C"]) as c:
        assert _rows(c, "SELECT count(*) FROM changes")[0][0] == 0
        registry_b = set(_rows(b, "SELECT id, entity, first_release, status, current_id FROM id_registry"))
        registry_c = set(_rows(c, "SELECT id, entity, first_release, status, current_id FROM id_registry"))
        redirects_b = set(_rows(b, "SELECT * FROM id_redirects"))
        redirects_c = set(_rows(c, "SELECT * FROM id_redirects"))
    assert registry_b == registry_c
    assert redirects_b == redirects_c
