"""Canonical metrics, deduplicated models, scale flags, conflicts and leaderboards in the release
built from the real 2020 dump (the bundled sample)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from typing import Any

import duckdb
import pytest

from scripts.model_pair_candidates import clean_name
from tests.support.builds import FIXTURES, ROOT, Built
from transforms.normalize.labels import (
    load_look_alikes,
    load_metric_groups,
    load_model_pairs,
    score_metrics,
    score_model_pairs,
)
from transforms.normalize.metrics import clean
from transforms.normalize.model_identity import group_spellings

pytestmark = pytest.mark.integration


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def _metric_of(con: duckdb.DuckDBPyConnection, raw: str) -> str:
    """The metric id every result archived under the raw spelling ``raw`` has (exactly one)."""
    ids = _rows(con, "SELECT DISTINCT metric_id FROM results WHERE metric_name_raw = ?", raw)
    assert len(ids) == 1, (raw, ids)
    return str(ids[0][0])


# --------------------------------------------------------------------------- metrics


@pytest.mark.parametrize(
    ("canonical", "spellings"),
    [
        ("Top-1 Accuracy", ["Top 1 Accuracy", "Top-1 Accuracy", "Top-1 accuracy %", "Top-1 (%)", "Top-1"]),
        ("Top-5 Accuracy", ["Top 5 Accuracy", "Top-5 Accuracy", "Top-5 (%)"]),
        ("Number of params", ["Number of params", "Number of Params", "Params", "PARAMS", "Parameters"]),
        ("mAP", ["mAP", "MAP"]),
        ("SSIM", ["SSIM", " SSIM"]),
        ("Perplexity", ["Perplexity", "PPL", "ppl"]),
        ("F1", ["F1", "F1 score", "F1-Score", "F1-score"]),
    ],
)
def test_known_variant_groups_fold_into_one_metric(
    release_db: duckdb.DuckDBPyConnection, canonical: str, spellings: list[str]
) -> None:
    ids = {_metric_of(release_db, s) for s in spellings}
    assert len(ids) == 1
    (row,) = _rows(
        release_db, "SELECT name, is_known, direction, raw_names FROM metrics WHERE metric_id = ?", ids.pop()
    )
    assert row[0] == canonical and row[1] is True and row[2] in ("higher", "lower")
    assert set(spellings) <= set(row[3]), "every raw spelling is kept beside the canonical name"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("P@10%", "P@10"),
        ("Test perplexity", "Validation perplexity"),
        ("Top-1 Accuracy", "Top-5 Accuracy"),
        ("mAP", "mAP@0.5"),
    ],
)
def test_look_alike_metrics_stay_apart(release_db: duckdb.DuckDBPyConnection, a: str, b: str) -> None:
    assert _metric_of(release_db, a) != _metric_of(release_db, b)


def test_metric_directions_come_from_the_registry(release_db: duckdb.DuckDBPyConnection) -> None:
    facts = dict(
        _rows(
            release_db,
            "SELECT name, direction FROM metrics WHERE name IN ('Top-1 Accuracy', 'Perplexity', 'FID', 'Score')",
        )
    )
    assert facts == {"Top-1 Accuracy": "higher", "Perplexity": "lower", "FID": "lower", "Score": None}
    unknown = _rows(release_db, "SELECT count(*), count(direction) FROM metrics WHERE NOT is_known")[0]
    assert unknown[0] > 0 and unknown[1] == 0, "names outside the registry fall back with direction unknown"


def test_a_generic_score_takes_its_direction_from_the_task(release_db: duckdb.DuckDBPyConnection) -> None:
    by_task = dict(
        _rows(
            release_db,
            """
            SELECT t.name, list_distinct(list(r.direction))
            FROM results r JOIN metrics m USING (metric_id) JOIN tasks t USING (task_id)
            WHERE m.name = 'Score' GROUP BY 1
            """,
        )
    )
    assert by_task["Atari Games"] == ["higher"]
    assert len(by_task) > 1


# --------------------------------------------------------------------------- values


def test_a_fraction_among_percentages_is_reconciled_and_keeps_its_raw_value(
    release_db: duckdb.DuckDBPyConnection,
) -> None:
    rows = _rows(
        release_db,
        """
        SELECT r.value, r.value_raw, r.value_normalized, b.lo, b.hi
        FROM results r
        JOIN (SELECT task_id, dataset_id, metric_id, min(value) FILTER (WHERE value > 1) AS lo,
                     max(value) AS hi FROM results GROUP BY ALL) b USING (task_id, dataset_id, metric_id)
        WHERE r.value_flag = 'fraction_rescaled'
        """,
    )
    assert rows, "the 2020 dump has a fraction written among percentages"
    for value, raw, normalized, lo, hi in rows:
        assert value <= 1 and float(raw) == value, "value and value_raw stay as archived"
        assert normalized == pytest.approx(value * 100) and lo <= normalized <= hi


def test_impossible_values_are_flagged_and_not_ranked(release_db: duckdb.DuckDBPyConnection) -> None:
    (row,) = _rows(
        release_db,
        """
        SELECT r.value, r.value_normalized, r.value_flag
        FROM results r JOIN metrics m USING (metric_id) JOIN datasets d USING (dataset_id)
        WHERE m.name = 'mIoU' AND d.name = 'ShapeNet' AND r.value_raw = '7,537'
        """,
    )
    assert row == (7537.0, None, "out_of_bounds")
    listed = _rows(release_db, "SELECT count(*) FROM leaderboards WHERE value_flag = 'out_of_bounds'")
    assert listed == [(0,)]


def test_conflicts_table_lists_every_value_of_every_disputed_identity(
    release_db: duckdb.DuckDBPyConnection,
) -> None:
    in_results = _rows(
        release_db, "SELECT result_id, identity_id, value_raw FROM results WHERE is_conflict ORDER BY 1"
    )
    in_conflicts = _rows(release_db, "SELECT result_id, identity_id, value_raw FROM conflicts ORDER BY 1")
    assert in_conflicts == in_results and in_results
    counts = _rows(
        release_db,
        """
        SELECT bool_and(values_in_identity = n) FROM conflicts
        JOIN (SELECT identity_id, count(*) AS n FROM conflicts GROUP BY 1) USING (identity_id)
        """,
    )
    assert counts == [(True,)]


# --------------------------------------------------------------------------- models


def test_spellings_of_one_model_in_one_paper_are_one_model(release_db: duckdb.DuckDBPyConnection) -> None:
    rows = _rows(
        release_db,
        """
        SELECT a.name_raw, a.model_id FROM model_aliases a JOIN papers p USING (paper_id)
        WHERE p.arxiv_id = '1611.07004' AND lower(a.name_raw) = 'pix2pix'
        """,
    )
    assert {name for name, _ in rows} >= {"Pix2pix", "pix2pix"}
    assert len({model for _, model in rows}) == 1
    merged = _rows(
        release_db,
        "SELECT a.name_raw FROM model_aliases a JOIN papers p USING (paper_id) "
        "WHERE p.arxiv_id = '1703.06870' AND a.name_raw IN ('Mask R-CNN', 'Mask-RCNN')",
    )
    assert len(merged) == 2


def test_generic_model_names_are_never_merged_across_papers(release_db: duckdb.DuckDBPyConnection) -> None:
    spread = _rows(
        release_db,
        "SELECT count(DISTINCT model_id), count(DISTINCT paper_id) FROM models WHERE name_key = 'cnn'",
    )
    models, papers = spread[0]
    assert papers > 1 and models >= papers, "the same name in many papers stays many models"
    one_paper_each = _rows(
        release_db,
        "SELECT count(*) FROM (SELECT model_id FROM model_aliases GROUP BY 1 HAVING count(DISTINCT paper_id) > 1)",
    )
    assert one_paper_each == [(0,)]


def test_every_archived_spelling_has_an_alias(release_db: duckdb.DuckDBPyConnection) -> None:
    missing = _rows(
        release_db,
        """
        SELECT count(*) FROM results r
        ANTI JOIN model_aliases a ON a.model_id = r.model_id AND a.name_raw = r.model_name_raw
        """,
    )
    assert missing == [(0,)]


# --------------------------------------------------------------------------- leaderboards


def test_imagenet_top1_leaderboard_ranks_as_in_the_data(release_db: duckdb.DuckDBPyConnection) -> None:
    board = _rows(
        release_db,
        """
        SELECT rank, model, value, value_raw FROM leaderboards
        WHERE task = 'Image Classification' AND dataset = 'ImageNet' AND metric = 'Top-1 Accuracy'
        ORDER BY rank, model
        """,
    )
    # The state of the art of the 2020-08-28 dump, first.
    assert board[0][:3] == (1, "FixEfficientNet-L2", 88.5)
    assert board[1][:3] == (2, "NoisyStudent (EfficientNet-L2)", 88.4)
    values = [v for _, _, v, _ in board]
    assert values == sorted(values, reverse=True), "higher is better: descending"
    ranks = [r for r, *_ in board]
    assert ranks == sorted(ranks) and len(board) > 150
    # Every ranked value is one of the archived cells of that leaderboard.
    archived = _rows(
        release_db,
        """
        SELECT count(*) FROM results r JOIN metrics m USING (metric_id) JOIN datasets d USING (dataset_id)
        JOIN tasks t USING (task_id)
        WHERE t.name = 'Image Classification' AND d.name = 'ImageNet' AND m.name = 'Top-1 Accuracy'
          AND r.value_normalized IS NOT NULL
        """,
    )
    assert archived == [(len(board),)]


def test_lower_is_better_leaderboards_rank_ascending(release_db: duckdb.DuckDBPyConnection) -> None:
    wrong = _rows(
        release_db,
        """
        SELECT count(*) FROM (
            SELECT task_id, dataset_id, metric_id, direction,
                   arg_min(value, rank) AS best, min(value) AS lo, max(value) AS hi
            FROM leaderboards GROUP BY ALL
        ) WHERE (direction = 'lower' AND best <> lo) OR (direction = 'higher' AND best <> hi)
        """,
    )
    assert wrong == [(0,)]


# --------------------------------------------------------------------------- quality report


def test_quality_report_counts_what_the_tables_hold(
    sample_release: Built, release_db: duckdb.DuckDBPyConnection
) -> None:
    report = json.loads((sample_release.release_dir / "quality.json").read_text(encoding="utf-8"))
    figures = report["figures"]
    issues = dict(
        _rows(
            release_db, "SELECT value_issue, count(*) FROM results WHERE value_issue IS NOT NULL GROUP BY 1"
        )
    )
    assert figures["unparsed_values"] == issues
    flags = dict(
        _rows(release_db, "SELECT value_flag, count(*) FROM results WHERE value_flag IS NOT NULL GROUP BY 1")
    )
    assert figures["scale_flags"] == flags
    assert figures["conflicts"]["results"] == _rows(release_db, "SELECT count(*) FROM conflicts")[0][0]
    assert (
        figures["unknown_metrics"]["metrics"]
        == _rows(release_db, "SELECT count(*) FROM metrics WHERE NOT is_known")[0][0]
    )
    aliases, models = _rows(
        release_db, "SELECT count(DISTINCT spelling_id), count(DISTINCT model_id) FROM model_aliases"
    )[0]
    assert figures["merges"]["model_spellings_merged"] == aliases - models > 50
    assert report["previous_release"] is None and report["comparison"] == []
    readme = (sample_release.release_dir / "README.md").read_text(encoding="utf-8")
    assert "## Data quality" in readme and "nothing to compare with" in readme


# --------------------------------------------------------------------------- issue 10: trust


def _make_id(prefix: str, identity: str) -> str:
    """The build's make_id macro: '<prefix>_<first 16 hex of sha256(identity)>'."""
    return f"{prefix}_{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


def test_labelled_model_pairs_score_on_the_build(
    release_db: duckdb.DuckDBPyConnection, record_property: Any
) -> None:
    """The build's models (the rules and the guard) against tests/fixtures/model_pairs.csv: a pair is
    merged when both spellings' own ids (model_aliases.spelling_id) belong to one model."""
    model_of = dict(_rows(release_db, "SELECT DISTINCT spelling_id, model_id FROM model_aliases"))
    pairs = load_model_pairs(FIXTURES / "model_pairs.csv")

    def merged(p: Any) -> bool:
        a = model_of.get(_make_id("mdl", p.paper_key + chr(31) + p.name_a))
        b = model_of.get(_make_id("mdl", p.paper_b + chr(31) + p.name_b))
        assert a is not None and b is not None, f"line {p.line}: a labelled spelling is not in the release"
        return a == b

    score = score_model_pairs(pairs, merged)
    record_property("model_dedup_precision", round(score.precision, 4))
    record_property("model_dedup_recall", round(score.recall, 4))
    summary = f"{score.pairs} pairs: precision {score.precision:.4f}, recall {score.recall:.4f}"
    print(summary)
    assert score.pairs >= 500
    assert score.precision >= 0.99 and score.recall >= 0.90, summary
    assert score.wrong_merges == [], [(p.line, p.name_a, p.name_b) for p in score.wrong_merges]


def test_labelled_metric_groups_score_on_the_build(release_db: duckdb.DuckDBPyConnection) -> None:
    metric_of = {
        clean(raw): metric
        for metric, names in _rows(release_db, "SELECT metric_id, raw_names FROM metrics")
        for raw in names
    }
    groups = load_metric_groups(FIXTURES / "metric_groups.csv")
    look_alikes = load_look_alikes(FIXTURES / "metric_look_alikes.csv")
    score = score_metrics(groups, look_alikes, metric_of, spelling=clean)
    assert score.unplaced == []
    assert score.folding_rate >= 0.95, [g.group for g in score.not_folded]
    assert score.look_alikes >= 50 and score.merged_look_alikes == []


def _readme_query(word: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```sql\n(.*?)```", readme, flags=re.DOTALL) if word in b]
    return block


def test_the_readme_wikitext_query_ranks_each_result_once(release_db: duckdb.DuckDBPyConnection) -> None:
    """Issue 10: the two NLP-progress files carry the same WikiText-103 results, one with a year
    suffix on every model; before, 25 rows of which 8 were one result twice."""
    rows = _rows(release_db, _readme_query("WikiText-103"))
    assert len(rows) == 17
    assert len({(title, value) for _, _, value, title, _ in rows}) == len(rows), "no result twice"
    both = {"leaderboards/nlp-progress.json", "leaderboards/nlpprogress.json"}
    folded = {(model, value) for _, model, value, _, sources in rows if set(sources) == both}
    assert ("LSTM", 36.4) in folded and ("Gated CNN", 37.2) in folded
    assert len(folded) == 8


def test_no_leaderboard_ranks_one_models_result_twice(
    sample_release: Built, release_db: duckdb.DuckDBPyConnection
) -> None:
    """No leaderboard has two rows of one paper and one value for one model: not for one model id,
    and not for two models that the rules would join, unless the guard refused that merge (the two
    spellings hold different values in some leaderboard; quality.json lists it)."""
    twice = _rows(
        release_db,
        """
        SELECT task, dataset, metric, paper_id, model_id, value, count(*) FROM leaderboards
        GROUP BY ALL HAVING count(*) > 1
        """,
    )
    assert twice == []
    pairs = _rows(
        release_db,
        """
        WITH rows AS (SELECT DISTINCT task_id, dataset_id, metric_id, paper_id, model_id, value FROM leaderboards
                      WHERE paper_id IS NOT NULL)
        SELECT DISTINCT a.paper_id, a.model_id, b.model_id
        FROM rows AS a JOIN rows AS b USING (task_id, dataset_id, metric_id, paper_id, value)
        WHERE a.model_id < b.model_id
        """,
    )
    assert pairs, "one paper's models do share values (parameter counts, ties)"
    spellings: dict[str, list[str]] = defaultdict(list)
    for model, raw in _rows(release_db, "SELECT model_id, name_raw FROM model_aliases"):
        spellings[model].append(clean_name(raw) or "")
    quality = json.loads((sample_release.release_dir / "quality.json").read_text(encoding="utf-8"))
    refused = {frozenset(r["spellings"]) for r in quality["rejected_model_merges"]}
    joined_without_a_refusal = []
    for _, a, b in pairs:
        names = spellings[a] + spellings[b]
        grouped = group_spellings(names)
        if len({grouped.label[n] for n in names}) == 1:
            cross = {frozenset((x, y)) for x in spellings[a] for y in spellings[b]}
            if not cross & refused:
                joined_without_a_refusal.append(sorted(names))
    assert joined_without_a_refusal == []


def test_quality_report_counts_folded_sources_and_refused_merges(
    sample_release: Built, release_db: duckdb.DuckDBPyConnection
) -> None:
    report = json.loads((sample_release.release_dir / "quality.json").read_text(encoding="utf-8"))
    figures = report["figures"]
    several, copies = _rows(
        release_db, "SELECT count(*) FILTER (WHERE len(sources) > 1), sum(len(sources) - 1) FROM results"
    )[0]
    assert figures["one_result_many_sources"] == {
        "results_with_several_sources": several,
        "copies_folded": copies,
    }
    assert several > 1000
    by_sources = {tuple(r["sources"]): r["results"] for r in report["results_by_sources"]}
    assert by_sources[("leaderboards/nlp-progress.json", "leaderboards/nlpprogress.json")] > 200
    assert sum(by_sources.values()) == several
    merges = figures["model_merges"]
    assert sum(merges["spellings_merged_by_rule"].values()) == figures["merges"]["model_spellings_merged"]
    assert merges["spellings_merged_by_rule"]["year_suffix"] > 200
    rejected = report["rejected_model_merges"]
    assert merges["rejected_by_guard"] == len(rejected) > 0
    awd = next(r for r in rejected if set(r["spellings"]) == {"AWD-LSTM-MoS", "AWD-LSTM-MoS (2018)"})
    assert awd["rule"] == "year_suffix" and awd["values"] == [["v:54.44"], ["v:55.97"]]
    assert awd["leaderboard"] == {
        "task": "Word Level Models",
        "dataset": "Penn Treebank",
        "metric": "test perplexity",
    }
    models = _rows(
        release_db,
        "SELECT count(DISTINCT model_id) FROM model_aliases WHERE paper_id = ? AND name_raw IN (?, ?)",
        _make_id("pap", "arxiv:1711.03953"),
        "AWD-LSTM-MoS",
        "AWD-LSTM-MoS (2018)",
    )
    assert models == [(2,)], "the refused merge left two models"
    readme = (sample_release.release_dir / "README.md").read_text(encoding="utf-8")
    assert "Merges refused by the guard" in readme and "AWD-LSTM-MoS" in readme
