"""Stable ids across releases: a rule change merges two models, and every id of the older release resolves.

Release A is built from real 2020-dump rows with a model-rules file that keeps
``Pix2Pix``, ``Pix2pix`` and ``pix2pix`` of the pix2pix paper (arXiv 1611.07004) apart;
release B from the same input with the shipped rules, which merge them; release
C rebuilds B's input unchanged.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.builds import SAMPLE, SUBSETS, Built, build

PAPER = "arxiv:1611.07004"
SPELLINGS = ("Pix2Pix", "Pix2pix", "pix2pix")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every task tree of the real 2020 dump that holds a row of the pix2pix paper."""
    with gzip.open(SAMPLE / "evaluation-tables.2020-08-28.json.gz", "rt", encoding="utf-8") as fh:
        tasks = json.load(fh)
    kept = [t for t in tasks if "1611.07004" in json.dumps(t)]
    assert kept, "the 2020 dump has rows of the pix2pix paper"
    root = tmp_path_factory.mktemp("pix2pix-source")
    (root / "evaluation-tables.pix2pix.json").write_text(json.dumps(kept), encoding="utf-8")
    shutil.copy(SUBSETS / "methods.2022-05.sample.json", root / "methods.sample.json")
    return root


@pytest.fixture(scope="module")
def releases(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    base = tmp_path_factory.mktemp("stable-ids")
    rules = base / "keep-apart.yaml"
    rules.write_text(
        json.dumps(
            {"keep_apart": [{"paper": PAPER, "names": list(SPELLINGS), "reason": "release A's older rules"}]}
        ),
        encoding="utf-8",
    )
    store, work = base / "store", base / "work"
    return {
        "A": build(source, store, work, "2026-03-01.0", model_rules=str(rules)),
        "B": build(source, store, work, "2026-03-02.0"),
        "C": build(source, store, work, "2026-03-03.0"),
    }


def _con(built: Built) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(built.release_dir / "pwc.duckdb"), read_only=True)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def _pix2pix_spellings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = _rows(
        con,
        "SELECT name_raw, model_id FROM model_aliases WHERE paper_id = 'pap_' || substr(sha256(?), 1, 16)",
        PAPER,
    )
    return {name: model for name, model in rows if name in SPELLINGS}


def test_release_a_keeps_the_spellings_apart_and_b_merges_them(releases: dict[str, Built]) -> None:
    with _con(releases["A"]) as a, _con(releases["B"]) as b:
        in_a, in_b = _pix2pix_spellings(a), _pix2pix_spellings(b)
    assert set(in_a) == set(in_b) == set(SPELLINGS)
    assert len(set(in_a.values())) == 3, "A's rules keep them apart"
    assert len(set(in_b.values())) == 1, "B merges them into one model"
    # The merged model keeps one of the ids A published: no new id for an old entity.
    assert in_b["pix2pix"] in set(in_a.values())


def test_every_id_of_release_a_resolves_in_release_b(releases: dict[str, Built]) -> None:
    with _con(releases["A"]) as a, _con(releases["B"]) as b:
        a_ids = {(e, i) for e, i in _rows(a, "SELECT entity, id FROM id_registry")}
        # The registry covers every key A published, and every identity.
        tables = [
            r[0]
            for r in _rows(a, "SELECT DISTINCT entity FROM id_registry WHERE entity <> 'result_identities'")
        ]
        for table in tables:
            key = {"model_aliases": "alias_id", "submissions": "submission_id"}.get(table, table[:-1] + "_id")
            published = {(table, r[0]) for r in _rows(a, f'SELECT "{key}" FROM "{table}"')}
            assert published <= a_ids, table
        b.execute("CREATE TEMP TABLE a_ids (entity VARCHAR, id VARCHAR)")
        b.executemany("INSERT INTO a_ids VALUES (?, ?)", sorted(a_ids))
        unresolved = _rows(
            b,
            """
            SELECT a_ids.entity, a_ids.id, reg.status, reg.current_id
            FROM a_ids LEFT JOIN id_registry AS reg ON reg.id = a_ids.id
            WHERE reg.id IS NULL OR reg.status = 'removed' OR reg.current_id IS NULL
            """,
        )
        assert unresolved == [], "the same input removes nothing: every id of A resolves in B"
        # current_id is an active id of B, of the same entity, in one hop.
        dangling = _rows(
            b,
            """
            SELECT reg.id FROM id_registry AS reg
            LEFT JOIN id_registry AS target ON target.id = reg.current_id
            WHERE reg.current_id IS NOT NULL
              AND (target.status IS DISTINCT FROM 'active' OR target.entity <> reg.entity)
            """,
        )
        assert dangling == []
        merged = _rows(
            b, "SELECT entity, count(*) FROM id_registry WHERE status = 'merged' GROUP BY 1 ORDER BY 1"
        )
    merged_by_entity = dict(merged)
    assert merged_by_entity["models"] == 2, "three spellings became one model"
    assert merged_by_entity["results"] >= 1
    assert merged_by_entity["result_identities"] >= 1


def test_the_merged_model_id_redirects_with_its_reason(releases: dict[str, Built]) -> None:
    with _con(releases["A"]) as a, _con(releases["B"]) as b:
        old_ids = set(_pix2pix_spellings(a).values())
        new_id = _pix2pix_spellings(b)["pix2pix"]
        gone = sorted(old_ids - {new_id})
        redirects = [
            _rows(b, "SELECT new_id, entity, reason, release FROM id_redirects WHERE old_id = ?", old)
            for old in gone
        ]
        registry = [
            _rows(
                b, "SELECT status, current_id, first_release, last_release FROM id_registry WHERE id = ?", old
            )
            for old in gone
        ]
        spelling_ids = {
            r[0] for r in _rows(b, "SELECT spelling_id FROM model_aliases WHERE model_id = ?", new_id)
        }
        # Each of the old model's results now lives on a result of the merged model, same value.
        moved = _rows(
            b,
            """
            SELECT old.value_raw, new.value_raw, new.model_id
            FROM a_results AS old
            JOIN id_redirects AS r ON r.old_id = old.result_id
            JOIN results AS new ON new.result_id = r.new_id
            """.replace(
                "a_results", f"read_parquet('{releases['A'].release_dir / 'parquet' / 'results.parquet'}')"
            ),
        )
        old_results = _rows(a, "SELECT count(*) FROM results WHERE list_contains(?, model_id)", gone)[0][0]
    assert len(gone) == 2
    for (redirect,), (entry,) in zip(redirects, registry, strict=True):
        assert redirect[:2] == (new_id, "models") and redirect[3] == "2026-03-02.0"
        assert "model spellings merged" in redirect[2]
        assert entry == ("merged", new_id, "2026-03-01.0", "2026-03-01.0")
    assert old_ids <= spelling_ids, "model_aliases keeps each spelling's own id"
    assert len(moved) == old_results > 0
    assert all(o == n and model == new_id for o, n, model in moved)


def test_release_b_records_the_merge_in_its_diff_changelog_and_quality_report(
    releases: dict[str, Built],
) -> None:
    b = releases["B"].release_dir
    quality_a = json.loads((releases["A"].release_dir / "quality.json").read_text(encoding="utf-8"))
    quality_b = json.loads((b / "quality.json").read_text(encoding="utf-8"))
    with _con(releases["B"]) as con:
        changes = dict(
            _rows(con, "SELECT change, count(*) FROM changes WHERE table_name = 'models' GROUP BY 1")
        )
        merged_results = _rows(
            con, "SELECT count(*) FROM changes WHERE table_name = 'results' AND change = 'merged'"
        )[0][0]
        redirected_results = _rows(con, "SELECT count(*) FROM id_redirects WHERE entity = 'results'")[0][0]
    assert changes.get("merged") == 2
    assert merged_results == redirected_results > 0
    changelog = (b / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "2026-03-01.0" in changelog and "2026-03-02.0" in changelog
    merges_a = quality_a["figures"]["merges"]["model_spellings_merged"]
    assert quality_b["figures"]["merges"]["model_spellings_merged"] == merges_a + 2
    assert quality_b["previous_release"] == "2026-03-01.0"
    row = next(r for r in quality_b["comparison"] if r["figure"] == "merges.model_spellings_merged")
    assert row == {
        "figure": "merges.model_spellings_merged",
        "value": merges_a + 2,
        "previous": merges_a,
        "change": 2,
    }
    readme = (b / "README.md").read_text(encoding="utf-8")
    assert "## Data quality" in readme and "merges.model_spellings_merged" in readme


def test_an_unchanged_rebuild_changes_nothing_and_keeps_every_id(releases: dict[str, Built]) -> None:
    with _con(releases["B"]) as b, _con(releases["C"]) as c:
        active_b = set(_rows(b, "SELECT entity, id, first_release FROM id_registry WHERE status = 'active'"))
        active_c = set(_rows(c, "SELECT entity, id, first_release FROM id_registry WHERE status = 'active'"))
        assert _rows(c, "SELECT count(*) FROM changes")[0][0] == 0
        redirects_b = set(_rows(b, "SELECT * FROM id_redirects"))
        redirects_c = set(_rows(c, "SELECT * FROM id_redirects"))
    assert active_b == active_c, "the same input keeps every id and its first release"
    assert redirects_b == redirects_c, "a redirect keeps its reason and the release that made it"
    changelog = (releases["C"].release_dir / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "2026-03-02.0" in changelog
