"""The release built from the full bundled sample: contract, licence, identities, seeds."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.support.builds import ROOT, SAMPLE, Built
from transforms.client.verify import verify_release
from transforms.normalize.values import parse_metric_value
from transforms.release.manifest import parse_sha256sums
from transforms.release.schema import TABLES
from transforms.storage import sha256_file

pytestmark = pytest.mark.integration


def manifest_of(built: Built) -> dict:
    return json.loads((built.release_dir / "manifest.json").read_text())


def test_release_layout_matches_the_contract(sample_release: Built) -> None:
    d = sample_release.release_dir
    expected = {"manifest.json", "SHA256SUMS", "LICENSE", "README.md", "validation.json", "pwc.duckdb"}
    assert expected <= {p.name for p in d.iterdir()}
    assert sorted(p.name for p in (d / "parquet").iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    assert verify_release(d).ok
    index = json.loads((sample_release.store / "index.json").read_text())
    latest = json.loads((sample_release.store / "latest.json").read_text())
    assert [r["release_id"] for r in index["releases"]] == ["2026-01-02.0"]
    assert latest["release_id"] == index["latest"] == "2026-01-02.0"
    assert latest["manifest_sha256"] == sha256_file(d / "manifest.json")
    assert not any(p.name.startswith(".staging") and any(p.iterdir()) for p in sample_release.store.iterdir())


def test_row_counts_and_checksums_match_the_manifest(
    sample_release: Built, release_db: duckdb.DuckDBPyConnection
) -> None:
    manifest = manifest_of(sample_release)
    d = sample_release.release_dir
    assert set(manifest["tables"]) == set(TABLES)
    for name, entry in manifest["tables"].items():
        in_duckdb = release_db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        in_parquet = pq.ParquetFile(d / entry["file"]).metadata.num_rows
        assert entry["row_count"] == in_duckdb == in_parquet, name
        # The sample build has no accepted submissions and, as a first release, nothing to
        # compare with (no changes, no redirects); every archive table has rows.
        assert in_parquet > 0 or name in {"submissions", "changes", "id_redirects"}, name
        assert entry["sha256"] == sha256_file(d / entry["file"])
        assert [c["name"] for c in entry["columns"]] == TABLES[name].column_names
    for f in manifest["files"]:
        assert sha256_file(d / f["path"]) == f["sha256"], f["path"]
        assert (d / f["path"]).stat().st_size == f["bytes"]
    sums, problems = parse_sha256sums((d / "SHA256SUMS").read_text())
    assert not problems
    assert sums == {f["path"]: f["sha256"] for f in manifest["files"] if f["path"] != "SHA256SUMS"}
    validation = json.loads((d / "validation.json").read_text())
    assert manifest["validation"]["success"] is True and validation["success"] is True
    assert manifest["validation"]["suites"] == len(TABLES)
    assert manifest["validation"]["expectations"] == validation["statistics"]["evaluated_expectations"] > 80
    assert manifest["validation"]["failed"] == 0
    # The full 2020 dump is in: 43,960 metric cells collapse to fewer, never to more, results.
    assert 25_000 < manifest["tables"]["results"]["row_count"] < 43_960 + 8_000


def test_licence_travels_with_the_data(sample_release: Built, release_db: duckdb.DuckDBPyConnection) -> None:
    d = sample_release.release_dir
    attribution = "Data sourced from the Papers with Code archive (CC BY-SA 4.0)"
    for name in TABLES:
        meta = pq.ParquetFile(d / "parquet" / f"{name}.parquet").metadata
        kv = {k.decode(): v.decode() for k, v in meta.metadata.items()}
        assert kv["license"] == "CC-BY-SA-4.0"
        assert kv["release_id"] == "2026-01-02.0"
        assert kv["attribution"] == attribution
        if meta.num_row_groups:  # an empty table (no submissions) has none
            assert meta.row_group(0).column(0).compression == "ZSTD"
    info = dict(release_db.execute("SELECT key, value FROM release_info").fetchall())
    assert info["license"] == "CC-BY-SA-4.0" and info["attribution"] == attribution
    assert info["release_id"] == "2026-01-02.0"
    licence = (d / "LICENSE").read_text()
    assert licence.startswith("Attribution-ShareAlike 4.0 International")
    assert "Section 3 -- License Conditions." in licence
    readme = (d / "README.md").read_text()
    assert attribution in readme
    for name, spec in TABLES.items():
        assert f"### `{name}`" in readme and spec.grain in readme


def test_parquet_rows_are_sorted_by_key(sample_release: Built) -> None:
    for name, spec in TABLES.items():
        keys = (
            pq.read_table(sample_release.release_dir / "parquet" / f"{name}.parquet", columns=[spec.key])
            .column(0)
            .to_pylist()
        )
        assert keys == sorted(keys), name


def test_every_value_comes_from_the_one_parser(release_db: duckdb.DuckDBPyConnection) -> None:
    rows = release_db.execute("SELECT DISTINCT value_raw, value, value_issue FROM results").fetchall()
    assert len(rows) > 10_000
    for raw, value, issue in rows:
        parsed = parse_metric_value(raw)
        assert (parsed.value, parsed.issue) == (value, issue), raw
    issues = dict(release_db.execute("SELECT value_issue, count(*) FROM results GROUP BY 1").fetchall())
    assert set(issues) == {None, "missing", "multiple_numbers", "text", "unparseable"}


def test_repeated_task_subtrees_collapse(release_db: duckdb.DuckDBPyConnection) -> None:
    """'Atari Games' is a top-level task and also nested under 'Video Games' in the 2020 dump."""
    with gzip.open(SAMPLE / "evaluation-tables.2020-08-28.json.gz") as fh:
        dump = json.load(fh)
    cells = []

    def walk(tasks: list, parent: str | None) -> None:
        for t in tasks:
            if t["task"] == "Atari Games":
                cells.append(
                    (parent, sum(len(r["metrics"]) for d in t["datasets"] for r in d["sota"]["rows"]))
                )
            walk(t["subtasks"], t["task"])

    walk(dump, None)
    assert {p for p, _ in cells} >= {None, "Video Games"} and len({n for _, n in cells}) == 1
    per_copy = cells[0][1]
    in_release = release_db.execute("""
        SELECT count(*) FROM results JOIN tasks USING (task_id)
        WHERE tasks.name = 'Atari Games' AND list_contains(results.sources, 'evaluation-tables.2020-08-28.json.gz')
    """).fetchone()[0]
    assert 0 < in_release <= per_copy  # once, not once per parent
    parents = {
        r[0]
        for r in release_db.execute("""
        SELECT p.name FROM (SELECT unnest(parent_task_ids) AS pid FROM tasks WHERE name = 'Atari Games')
        JOIN tasks AS p ON p.task_id = pid
    """).fetchall()
    }
    assert "Video Games" in parents


def test_conflicting_values_are_both_kept_and_flagged(release_db: duckdb.DuckDBPyConnection) -> None:
    bad = release_db.execute("""
        SELECT identity_id, count(*) AS n, count(DISTINCT coalesce(CAST(value AS VARCHAR), value_raw)) AS v,
               bool_and(is_conflict) AS flagged
        FROM results GROUP BY identity_id HAVING n > 1 AND (v < n OR NOT flagged)
    """).fetchall()
    assert bad == []
    conflicts = release_db.execute(
        "SELECT count(DISTINCT identity_id) FROM results WHERE is_conflict"
    ).fetchone()[0]
    assert conflicts > 50
    lonely = release_db.execute("""
        SELECT count(*) FROM results r
        WHERE is_conflict AND (SELECT count(*) FROM results o WHERE o.identity_id = r.identity_id) < 2
    """).fetchone()[0]
    assert lonely == 0


def test_rows_without_a_paper_are_kept(release_db: duckdb.DuckDBPyConnection) -> None:
    n = release_db.execute("SELECT count(*) FROM results WHERE paper_id IS NULL").fetchone()[0]
    assert n >= 600  # the 2020 dump alone has 644 unique rows without a paper
    empty_model = release_db.execute("SELECT count(*) FROM results WHERE model_name_raw = ''").fetchone()[0]
    assert empty_model > 0


def test_a_paper_is_its_arxiv_id_without_version(release_db: duckdb.DuckDBPyConnection) -> None:
    dupes = release_db.execute(
        "SELECT arxiv_id FROM papers WHERE arxiv_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1"
    ).fetchall()
    assert dupes == []
    assert all(
        not re.search(r"v\d+$", a)
        for (a,) in release_db.execute("SELECT arxiv_id FROM papers WHERE arxiv_id IS NOT NULL").fetchall()
    )
    urls = release_db.execute("""
        SELECT list_sort(list_distinct(list(paper_url_raw))) FROM results JOIN papers USING (paper_id)
        WHERE papers.arxiv_id = '1908.03826'
    """).fetchone()[0]
    assert urls and all("1908.03826" in u for u in urls)
    assert release_db.execute("SELECT count(*) FROM papers WHERE arxiv_id = 'cs/0205028'").fetchone()[0] == 1
    assert release_db.execute("SELECT count(*) FROM papers WHERE arxiv_id = '0000.00000'").fetchone()[0] == 0


def test_names_are_trimmed_and_raw_forms_kept(release_db: duckdb.DuckDBPyConnection) -> None:
    for table in ("tasks", "datasets", "metrics"):
        untrimmed = release_db.execute(
            f"SELECT count(*) FROM {table} WHERE name <> trim(name) OR name LIKE '%  %' OR name LIKE '%\u3000%'"
        ).fetchone()[0]
        assert untrimmed == 0, table
    raw_spaced = release_db.execute(
        "SELECT count(*) FROM results WHERE metric_name_raw <> trim(metric_name_raw)"
    ).fetchone()[0]
    assert raw_spaced > 0  # the raw spelling is kept beside the clean one


def test_historical_variants_are_ingested(release_db: duckdb.DuckDBPyConnection) -> None:
    # eff.json: JSON numbers; the raw text is kept and the value parsed.
    eff = release_db.execute(
        "SELECT count(*), count(value) FROM results WHERE source = 'leaderboards/eff.json'"
    ).fetchone()
    assert eff[0] > 1000 and eff[1] == eff[0]
    # nlp-progress.json: subdatasets are datasets named after their parent, linked to it.
    sub = release_db.execute("""
        SELECT d.name, p.name FROM datasets d JOIN datasets p ON d.parent_dataset_id = p.dataset_id
        WHERE d.name = 'CoNLL-2014 Shared Task / Restricted'
    """).fetchall()
    assert sub == [("CoNLL-2014 Shared Task / Restricted", "CoNLL-2014 Shared Task")]
    # nlpprogress.json: older schema without paper_date / uses_additional_data.
    old = release_db.execute(
        "SELECT count(*), count(*) FILTER (WHERE uses_additional_data) FROM results WHERE source = 'leaderboards/nlpprogress.json'"
    ).fetchone()
    assert old[0] > 100 and old[1] == 0


@pytest.fixture(scope="module")
def site_db(
    sample_release: Built, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The release as the site opens it: ``pwc.duckdb`` with its site index (kept beside it)."""
    from transforms.site.release import open_release_dir

    tmp = tmp_path_factory.mktemp("site")
    opened = open_release_dir(sample_release.release_dir, spill_root=tmp / "spill", index_dir=tmp / "index")
    try:
        yield opened.cursor()
    finally:
        opened.close()


def test_the_release_carries_no_site_index(
    release_db: duckdb.DuckDBPyConnection, site_db: duckdb.DuckDBPyConnection
) -> None:
    """The site's derived tables live in a file of their own, never in what people download."""
    tables = {r[0] for r in release_db.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert not {t for t in tables if t.startswith("site_")}
    assert site_db.execute("SELECT count(*) FROM site_paper_results").fetchone()[0] > 0  # type: ignore[index]


SEED_QUERY = """
-- The site's paper pages read this table; what a page shows (the metric as the leaderboard
-- spelled it, the official dump and submissions, no parameter counts) is defined once, in
-- transforms/sql/site_index/site_paper_results.sql.
SELECT r.task, r.dataset, r.metric, r.value, r.model
FROM site_paper_results AS r
JOIN papers AS p USING (paper_id)
WHERE p.arxiv_id = $arxiv
ORDER BY r.position
"""


def _seed_rows(name: str) -> set[tuple[str, str, str, str, str]]:
    text = (ROOT / "tests" / "fixtures" / "seeds" / name).read_text()
    block = text.split("TaskDatasetMetricValueModel", 1)[1].split("Related Papers", 1)[0]
    rows = set()
    for line in block.strip().splitlines():
        m = re.match(
            r"^(Language Modelling)(.+?)(Test perplexity|Validation perplexity|PPL)([\d.]+)(.+)$", line
        )
        assert m, line
        rows.add(m.groups())
    return rows


@pytest.mark.parametrize(
    ("seed", "arxiv", "title"),
    [
        (
            "paper-page-adaptive-input-representations.txt",
            "1809.10853",
            "Adaptive Input Representations for Neural Language Modeling",
        ),
        (
            "paper-page-tying-word-vectors.txt",
            "1611.01462",
            "Tying Word Vectors and Word Classifiers: A Loss Framework for Language Modeling",
        ),
    ],
)
def test_seed_paper_pages_render_from_one_query(
    release_db: duckdb.DuckDBPyConnection,
    site_db: duckdb.DuckDBPyConnection,
    seed: str,
    arxiv: str,
    title: str,
) -> None:
    """The Papers With Code 2 pages are built on this archive: their results table is one query."""
    expected = _seed_rows(seed)
    got = {
        (task, dataset, metric, f"{value:g}", model)
        for task, dataset, metric, value, model in site_db.execute(SEED_QUERY, {"arxiv": arxiv}).fetchall()
    }
    assert got == expected
    paper = release_db.execute(
        "SELECT title, abstract, authors FROM papers WHERE arxiv_id = $a", {"a": arxiv}
    ).fetchone()
    assert paper[0] == title
    assert paper[1] and paper[1] in (ROOT / "tests" / "fixtures" / "seeds" / seed).read_text()
