"""The site over real releases, through a real uvicorn server on 127.0.0.1: pages, ids, search,
submissions, and refusing a corrupt or stale release."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
import requests
from typer.testing import CliRunner

from tests.support.builds import ROOT, SAMPLE, SUBSETS, Built, build, make_source
from tests.support.fake_release import write_fake_release
from tests.support.html import table_rows, visible_text
from tests.support.http_server import serve_directory
from tests.support.site_data import (
    HOSTILE_MODELS,
    seed_rows,
    seed_text,
    write_hostile_leaderboard,
)
from tests.support.site_server import LiveSite, live_site, site_config
from transforms.cli import app as cli_app
from transforms.errors import IntegrityError
from transforms.site.release import StaleRelease, open_store_release

pytestmark = pytest.mark.integration

ATTRIBUTION = "Data sourced from the PWC Archive (CC-BY-SA 4.0)"


@pytest.fixture(scope="module")
def site(sample_release: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    tmp = tmp_path_factory.mktemp("site")
    with live_site(site_config(sample_release.store, tmp / "submissions", tmp)) as live:
        yield live


@pytest.fixture(scope="module")
def db(sample_release: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(sample_release.release_dir / "pwc.duckdb"), read_only=True)
    yield con
    con.close()


def get(site: LiveSite, path: str, **kw: object) -> requests.Response:
    return requests.get(site.url + path, timeout=60, **kw)  # type: ignore[arg-type]


def paper_id(db: duckdb.DuckDBPyConnection, arxiv: str) -> str:
    return str(db.execute("SELECT paper_id FROM papers WHERE arxiv_id = ?", [arxiv]).fetchone()[0])  # type: ignore[index]


# --------------------------------------------------------------------------- paper pages


@pytest.mark.parametrize("arxiv", ["1809.10853", "1611.01462"])
def test_seed_paper_pages_show_exactly_the_seed_rows_in_order(
    site: LiveSite, db: duckdb.DuckDBPyConnection, arxiv: str
) -> None:
    resp = get(site, f"/paper/{paper_id(db, arxiv)}")
    assert resp.status_code == 200
    rows = [tuple(r) for r in table_rows(resp.text, "results")]
    assert rows == seed_rows(arxiv)


@pytest.mark.parametrize("arxiv", ["1809.10853", "1611.01462"])
def test_seed_paper_pages_have_the_seed_content_in_the_seed_order(
    site: LiveSite, db: duckdb.DuckDBPyConnection, arxiv: str
) -> None:
    pid = paper_id(db, arxiv)
    title, authors, published, proceeding, abstract = db.execute(
        "SELECT title, authors, published, proceeding, abstract FROM papers WHERE paper_id = ?", [pid]
    ).fetchone()  # type: ignore[misc]
    html = get(site, f"/paper/{pid}").text
    text = visible_text(html)
    seed = seed_text(arxiv)
    # The tasks of its Results table (the dump's own paper-level task list is not in a release).
    assert re.findall(r'class="tag" href="[^"]+">([^<]+)</a>', html) == ["Language Modelling"]
    assert title in seed and ", ".join(authors) in seed and abstract in seed
    # Title, authors, date, proceeding, tasks, Paper/PDF/Code, Abstract, Results, Related Papers.
    order = [
        "Papers",
        f"/{title}",
        ", ".join(authors),
        str(published),
        *([proceeding] if proceeding else []),
        "Language Modelling",
        "Paper",
        "PDF",
        "Code",
        "Abstract",
        abstract,
        "Results",
        "Task Dataset Metric Value Model",
        "Related Papers",
        ATTRIBUTION,
    ]
    at = -1
    for part in order:
        found = text.find(part, at + 1)
        assert found > at, f"{part!r} is not after the previous part"
        at = found
    assert "TasksSotADatasetsPapersMethodsSubmitAbout" in text.replace(" ", "")


def test_paper_links_official_code_first_and_related_papers_newest_first(
    site: LiveSite, db: duckdb.DuckDBPyConnection
) -> None:
    pid = paper_id(db, "1809.10853")
    html = get(site, f"/paper/{pid}").text
    assert 'Code<span class="official">(official)</span>' in html
    official = db.execute(
        "SELECT repo_url FROM code_links WHERE paper_id = ? ORDER BY is_official DESC NULLS LAST, "
        "mentioned_in_paper DESC NULLS LAST, repo_url",
        [pid],
    ).fetchall()
    positions = [html.find(f'href="{url}"') for (url,) in official]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    # Related papers: papers with results in Language Modelling, newest first, never itself.
    expected = db.execute(
        """
        SELECT DISTINCT p.paper_id, p.published FROM results r JOIN papers p USING (paper_id)
        WHERE r.task_id IN (SELECT task_id FROM results WHERE paper_id = $pid) AND p.paper_id <> $pid
        ORDER BY p.published DESC NULLS LAST, p.paper_id LIMIT 8
        """,
        {"pid": pid},
    ).fetchall()
    related = html.split("Related Papers", 1)[1]
    shown = [related.find(f"/paper/{rid}/") for rid, _ in expected]
    assert len(expected) == 8 and all(p > 0 for p in shown) and shown == sorted(shown)


def test_slug_is_optional_and_canonical(site: LiveSite, db: duckdb.DuckDBPyConnection) -> None:
    pid = paper_id(db, "1809.10853")
    plain = get(site, f"/paper/{pid}")
    slugged = get(site, f"/paper/{pid}/adaptive-input-representations-for-neural-language-modeling")
    wrong = get(site, f"/paper/{pid}/anything-at-all")
    assert plain.status_code == slugged.status_code == wrong.status_code == 200
    assert table_rows(plain.text, "results") == table_rows(wrong.text, "results")
    assert (
        f'rel="canonical" href="/paper/{pid}/adaptive-input-representations-for-neural-language-modeling"'
        in plain.text
    )


# --------------------------------------------------------------------------- leaderboards


def test_leaderboard_is_ranked_by_direction_with_its_chart_data(
    site: LiveSite, db: duckdb.DuckDBPyConnection
) -> None:
    task, dataset, metric = db.execute(
        "SELECT task_id, dataset_id, metric_id FROM leaderboards WHERE task = 'Language Modelling' "
        "AND dataset = 'WikiText-103' AND metric = 'Test perplexity' LIMIT 1"
    ).fetchone()  # type: ignore[misc]
    resp = get(site, f"/sota/{task}/{dataset}/{metric}")
    assert resp.status_code == 200
    assert "lower is better" in visible_text(resp.text)
    rows = table_rows(resp.text, "leaderboard")
    expected = db.execute(
        "SELECT rank, model FROM leaderboards WHERE task_id = ? AND dataset_id = ? AND metric_id = ? "
        "ORDER BY rank, value, model",
        [task, dataset, metric],
    ).fetchall()
    ranked = [r for r in rows if r[0] != "–"]
    assert [int(r[0]) for r in ranked] == [rank for rank, _ in expected]
    assert {r[1] for r in ranked} == {m for _, m in expected}
    values = [float(r[2].split()[0]) for r in ranked]
    assert values == sorted(values), "perplexity: lower is better, the best first"
    chart = json.loads(resp.text.split('id="sota-data">', 1)[1].split("</script>", 1)[0])
    assert chart["direction"] == "lower"
    assert (
        len(chart["points"])
        == db.execute(
            "SELECT count(*) FROM leaderboards WHERE task_id = ? AND dataset_id = ? AND metric_id = ? "
            "AND paper_date IS NOT NULL",
            [task, dataset, metric],
        ).fetchone()[0]
    )  # type: ignore[index]
    best = [p["y"] for p in chart["sota"]]
    assert best == sorted(best, reverse=True) and best[-1] == min(values)
    # The chart library is served by the app itself.
    script = get(site, "/static/vendor/chart.umd.min.js")
    assert script.status_code == 200 and "Chart.js v4" in script.text[:200]


def test_leaderboard_without_metric_opens_on_its_main_metric(
    site: LiveSite, db: duckdb.DuckDBPyConnection
) -> None:
    task, dataset = db.execute(
        "SELECT task_id, dataset_id FROM leaderboards WHERE task = 'Language Modelling' AND dataset = 'WikiText-103' LIMIT 1"
    ).fetchone()  # type: ignore[misc]
    resp = get(site, f"/sota/{task}/{dataset}", allow_redirects=False)
    assert resp.status_code == 302 and resp.headers["location"].startswith(f"/sota/{task}/{dataset}/met_")


def test_task_dataset_method_model_and_catalogue_pages(site: LiveSite, db: duckdb.DuckDBPyConnection) -> None:
    task_id = db.execute("SELECT task_id FROM tasks WHERE name = 'Language Modelling'").fetchone()[0]  # type: ignore[index]
    task = visible_text(get(site, f"/task/{task_id}").text)
    assert "WikiText-103" in task and "Penn Treebank (Word Level)" in task
    dataset_id = db.execute("SELECT dataset_id FROM datasets WHERE name = 'WikiText-103'").fetchone()[0]  # type: ignore[index]
    assert "Language Modelling" in visible_text(get(site, f"/dataset/{dataset_id}").text)
    method_id, name = db.execute("SELECT method_id, name FROM methods ORDER BY method_id LIMIT 1").fetchone()  # type: ignore[misc]
    assert name in visible_text(get(site, f"/method/{method_id}").text)
    model_id = db.execute(
        "SELECT model_id FROM models WHERE name = 'Transformer (Adaptive inputs)'"
    ).fetchone()[0]  # type: ignore[index]
    assert "WikiText-103" in visible_text(get(site, f"/model/{model_id}").text)
    for kind, table in (
        ("tasks", "tasks"),
        ("datasets", "datasets"),
        ("methods", "methods"),
        ("papers", "papers"),
    ):
        first, second = get(site, f"/{kind}"), get(site, f"/{kind}?page=2")
        assert first.status_code == second.status_code == 200, kind
        total = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
        assert f"{total:,} {kind}" in visible_text(first.text), kind
        assert f"Page 2 of {-(-total // 50)}" in visible_text(second.text), kind
    assert "Notable Benchmarks" in visible_text(get(site, "/").text)
    assert get(site, "/sota").status_code == 200


def test_every_page_has_the_footer_release_id_and_files_link(site: LiveSite, sample_release: Built) -> None:
    rid = sample_release.release_id
    for path in (
        "/",
        "/tasks",
        "/search?q=bert",
        "/submit",
        "/about",
        "/release",
        "/paper/pap_0000000000000000",
    ):
        text = visible_text(get(site, path).text)
        assert ATTRIBUTION in text and f"Release {rid}" in text, path
    files = get(site, "/release")
    assert 'href="/release/files/parquet/results.parquet"' in files.text
    manifest = get(site, "/release/files/manifest.json")
    assert manifest.json()["release_id"] == rid
    assert get(site, "/release/files/../../etc/passwd").status_code == 404


# --------------------------------------------------------------------------- ids


def test_unknown_and_malformed_ids_are_404_pages_never_tracebacks(site: LiveSite) -> None:
    for path in (
        "/paper/pap_0000000000000000",
        "/paper/not-an-id",
        "/task/tsk_0000000000000000/x",
        "/dataset/%3Cscript%3E",
        "/method/mth_0000000000000000",
        "/model/mdl_0000000000000000",
        "/sota/tsk_0000000000000000/dst_0000000000000000/met_0000000000000000",
        "/no/such/page",
        "/r/2099-01-01.0/",
        "/tasks?page=abc",
    ):
        resp = get(site, path)
        assert resp.status_code in (400, 404), path
        assert resp.headers["content-type"].startswith("text/html"), path
        assert "Traceback" not in resp.text and ATTRIBUTION in visible_text(resp.text), path
    assert "<script>" not in get(site, "/dataset/%3Cscript%3E").text


@pytest.fixture(scope="module")
def merged_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Release A keeps three spellings of the pix2pix model apart; release B merges them."""
    import gzip

    with gzip.open(SAMPLE / "evaluation-tables.2020-08-28.json.gz", "rt", encoding="utf-8") as fh:
        tasks = [t for t in json.load(fh) if "1611.07004" in json.dumps(t)]
    base = tmp_path_factory.mktemp("merged")
    source = base / "source"
    source.mkdir()
    (source / "evaluation-tables.pix2pix.json").write_text(json.dumps(tasks), encoding="utf-8")
    shutil.copy(SUBSETS / "methods.2022-05.sample.json", source / "methods.sample.json")
    rules = base / "keep-apart.yaml"
    rules.write_text(
        json.dumps(
            {
                "keep_apart": [
                    {"paper": "arxiv:1611.07004", "names": ["Pix2Pix", "Pix2pix", "pix2pix"], "reason": "A"}
                ]
            }
        ),
        encoding="utf-8",
    )
    store, work = base / "store", base / "work"
    return {
        "A": build(source, store, work, "2026-03-01.0", model_rules=str(rules)),
        "B": build(source, store, work, "2026-03-02.0"),
    }


def test_a_merged_id_redirects_to_the_id_it_lives_on_as(
    merged_store: dict[str, Built], tmp_path: Path
) -> None:
    b = merged_store["B"]
    with duckdb.connect(str(b.release_dir / "pwc.duckdb"), read_only=True) as con:
        old, new = con.execute(
            "SELECT old_id, new_id FROM id_redirects WHERE entity = 'models' LIMIT 1"
        ).fetchone()  # type: ignore[misc]
    with live_site(site_config(b.store, tmp_path / "submissions", tmp_path)) as live:
        resp = requests.get(f"{live.url}/model/{old}/pix2pix", allow_redirects=False, timeout=60)
        assert resp.status_code == 301 and resp.headers["location"] == f"/model/{new}"
        assert requests.get(f"{live.url}/model/{new}", timeout=60).status_code == 200
        # The release switcher: release A still has the old id as a page of its own.
        a = merged_store["A"].release_id
        assert requests.get(f"{live.url}/r/{a}/model/{old}", timeout=60).status_code == 200
        switched = requests.get(
            f"{live.url}/switch?release={a}&path=/tasks", allow_redirects=False, timeout=60
        )
        assert switched.headers["location"] == f"/r/{a}/tasks"
        page = requests.get(f"{live.url}/r/{a}/tasks", timeout=60).text
        assert f'<option value="{a}" selected>' in page and f"Release {a}" in visible_text(page)
        assert f'href="/r/{a}/task/' in page, "links stay in the release being browsed"


# --------------------------------------------------------------------------- search


def test_search_finds_tasks_datasets_models_and_paper_titles(
    site: LiveSite, db: duckdb.DuckDBPyConnection
) -> None:
    text = get(site, "/search?q=language+model").text
    tasks = text.split('id="hits-task">', 1)[1].split("</section>", 1)[0]
    assert re.match(r"Tasks \(\d+\) Language Modelling \d+ results", visible_text(tasks)), (
        "the most used first"
    )
    assert text.index('id="hits-task"') < text.index('id="hits-paper"'), "tasks come before papers"
    papers = visible_text(get(site, "/search?q=adaptive+input+representations&kind=paper").text)
    assert "Adaptive Input Representations for Neural Language Modeling" in papers
    assert "ImageNet" in visible_text(get(site, "/search?q=imagen").text), "the last word matches as a prefix"
    assert "Transformer (Adaptive inputs)" in visible_text(
        get(site, "/search?q=transformer+adaptive&kind=model").text
    )
    assert "No task, dataset, model or paper" in get(site, "/search?q=zzqqxxnotaword").text
    assert get(site, "/search?q=x&kind=bogus").status_code == 400
    hostile = get(site, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert hostile.status_code == 200 and "<script>alert(1)" not in hostile.text


# --------------------------------------------------------------------------- names are data


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("hostile")
    board = write_hostile_leaderboard(base / "hostile.json")
    source = make_source(base / "source", tiny=True, extra={"leaderboards/hostile.json": board})
    return build(source, base / "store", base / "work", "2026-02-01.0")


def test_hostile_names_are_escaped_text(hostile_release: Built, tmp_path: Path) -> None:
    with duckdb.connect(str(hostile_release.release_dir / "pwc.duckdb"), read_only=True) as con:
        task, dataset, metric = con.execute(
            "SELECT DISTINCT task_id, dataset_id, metric_id FROM results WHERE source LIKE '%hostile%'"
        ).fetchone()  # type: ignore[misc]
    with live_site(site_config(hostile_release.store, tmp_path / "s", tmp_path)) as live:
        html = requests.get(f"{live.url}/sota/{task}/{dataset}/{metric}", timeout=60).text
        task_page = requests.get(f"{live.url}/task/{task}", timeout=60).text
    for raw in (
        "<script>alert(1)</script>",
        "<svg onload",
        "<img src=x",
        "<b>Set</b>",
        "<i>x</i>",
        "\x1b",
        "\x07",
    ):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\\u001b[31mRedNet\\u001b[0m \\u0007bell" in html, "terminal escapes are shown, not sent"
    assert "<script>alert(4)" not in task_page and 'href="javascript:' not in task_page
    assert (
        "&lt;script&gt;alert(4)&lt;/script&gt;" in task_page and "<strong>description</strong>" in task_page
    )
    chart = html.split('id="sota-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in chart and {p["model"] for p in json.loads(chart)["points"]} == set(HOSTILE_MODELS)


# --------------------------------------------------------------------------- submit


def test_submit_files_a_valid_upload_and_follows_its_receipt(sample_release: Built, tmp_path: Path) -> None:
    from transforms.config import Settings
    from transforms.submissions.intake import run_intake

    submissions = tmp_path / "submissions"
    with live_site(site_config(sample_release.store, submissions, tmp_path)) as live:
        example = (ROOT / "docs" / "examples" / "submission.json").read_bytes()
        resp = requests.post(
            f"{live.url}/submit",
            files={"file": ("../../my results.json", example, "application/json")},
            timeout=300,
        )
        assert resp.status_code == 200, visible_text(resp.text)[:2000]
        rid = resp.text.split('id="receipt-id">', 1)[1].split("<", 1)[0]
        claim = json.loads((submissions / "claimed" / rid / "claim.json").read_text())
        assert claim["file_name"] == f".web/{rid}/my_results.json"
        assert (submissions / "claimed" / rid / "original").read_bytes() == example
        assert not list((submissions / "inbox").rglob("*.json")), "nothing left in the inbox"
        assert "Received" in visible_text(requests.get(f"{live.url}/submit/{rid}", timeout=60).text)

        report = run_intake(
            Settings.load(
                submissions=str(submissions), store=str(sample_release.store), work=str(tmp_path / "w")
            )
        )
        assert report.accepted == 1
        status = visible_text(requests.get(f"{live.url}/submit/{rid}", timeout=60).text)
        assert "Accepted: it will be published in the next release" in status
        assert (
            requests.get(f"{live.url}/submit/rcp-20260101T000000000000Z-000000000000", timeout=60).status_code
            == 404
        )
        assert requests.get(f"{live.url}/submit/..%2F..%2Fetc", timeout=60).status_code == 404


def test_submit_refuses_invalid_and_hostile_uploads_with_clear_errors(
    sample_release: Built, tmp_path: Path
) -> None:
    submissions = tmp_path / "submissions"
    config = site_config(sample_release.store, submissions, tmp_path, max_submission_bytes=10_000)
    with live_site(config) as live:
        nested = b"[" * 5000 + b"]" * 5000
        resp = requests.post(f"{live.url}/submit", files={"file": ("deep.json", nested)}, timeout=300)
        assert resp.status_code == 422
        text = visible_text(resp.text)
        assert "Not accepted" in text and "nesting" in text.lower()
        big = b'{"a": "' + b"x" * 20_000 + b'"}'
        resp = requests.post(f"{live.url}/submit", files={"file": ("big.json", big)}, timeout=300)
        assert resp.status_code == 422 and "10,000" in visible_text(resp.text)
        huge = b"x" * 1_200_000
        resp = requests.post(f"{live.url}/submit", files={"file": ("huge.json", huge)}, timeout=300)
        assert resp.status_code == 413 and "largest file accepted is 10,000 bytes" in visible_text(resp.text)
        resp = requests.post(f"{live.url}/submit", files={"other": ("x.json", b"{}")}, timeout=300)
        assert resp.status_code == 400 and "Choose a file" in resp.text
    assert not (submissions / "claimed").exists() or not any((submissions / "claimed").iterdir())


# --------------------------------------------------------------------------- refusing a release


def test_a_corrupt_release_is_refused_at_start_with_the_verify_message(
    sample_release: Built, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    shutil.copytree(sample_release.store, store, symlinks=True)
    rid = sample_release.release_id
    db_file = store / rid / "pwc.duckdb"
    data = bytearray(db_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    db_file.write_bytes(bytes(data))
    result = CliRunner().invoke(cli_app, ["serve", "--store", str(store), "--port", "1"])
    assert result.exit_code == 1
    assert result.output.startswith("error: pwc.duckdb: sha256 mismatch (expected "), result.output
    assert f"(1 problem in {store / rid})" in result.output
    dir_result = CliRunner().invoke(cli_app, ["serve", "--release-dir", str(store / rid), "--port", "1"])
    assert dir_result.exit_code == 1 and "pwc.duckdb: sha256 mismatch" in dir_result.output


def test_a_stale_release_is_refused_at_start(tmp_path: Path) -> None:
    write_fake_release(tmp_path / "store", "2026-01-02.0")  # schema 1.0.0: no leaderboards, no id registry
    result = CliRunner().invoke(cli_app, ["serve", "--store", str(tmp_path / "store"), "--port", "1"])
    assert result.exit_code == 1
    assert (
        "2026-01-02.0: schema 1.0.0 is not served: the site reads schema 1.x from 1.2.0 on" in result.output
    )
    with pytest.raises(StaleRelease):
        open_store_release(str(tmp_path / "store"), "latest", cache_dir=tmp_path / "cache")


def test_a_remote_store_is_fetched_and_verified_through_the_client(
    sample_release: Built, tmp_path: Path
) -> None:
    rid = sample_release.release_id
    with serve_directory(sample_release.store) as server:
        opened = open_store_release(server.url, "latest", cache_dir=tmp_path / "cache")
        try:
            assert opened.release_id == rid and opened.files_url == f"{server.url}/{rid}"
            assert (tmp_path / "cache" / rid / "pwc.duckdb").stat().st_size > 0
            assert opened.cursor().execute("SELECT count(*) FROM site_paper_results").fetchone()[0] > 0  # type: ignore[index]
        finally:
            opened.close()
        server.corrupt.add(f"{rid}/pwc.duckdb")
        with pytest.raises(IntegrityError, match=r"^pwc.duckdb: sha256 mismatch"):
            open_store_release(server.url, "latest", cache_dir=tmp_path / "other-cache")


def test_serving_never_writes_into_the_release(sample_release: Built, site: LiveSite) -> None:
    from transforms.client.verify import verify_release

    for path in ("/", "/sota", "/search?q=language", "/papers?page=3"):
        assert get(site, path).status_code == 200
    assert verify_release(sample_release.release_dir).ok


def _seed_page(con: duckdb.DuckDBPyConnection, built: bool, pid: str) -> list[tuple[str, str, str]]:
    from transforms.site import data
    from transforms.site.release import OpenRelease

    page = data.paper_page(OpenRelease("r", None, {}, con, built, 0.0), pid)
    assert page is not None
    return [(r["dataset"], r["metric"], r["model"]) for r in page["results"]]


def test_the_site_index_is_built_once_into_its_own_file_never_into_the_release(
    sample_release: Built, db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    from transforms.client.verify import verify_release
    from transforms.duck import Limits
    from transforms.site.release import open_duckdb

    release = sample_release.release_dir / "pwc.duckdb"
    index = tmp_path / "site-index" / "r.site.duckdb"
    wanted = [(d, m, mo) for _, d, m, _, mo in seed_rows("1611.01462")]
    pid = paper_id(db, "1611.01462")
    for expect_built in (True, False):  # built at the first open, read at the second
        con, built = open_duckdb(release, "r", Limits(spill_dir=tmp_path / "spill"), index)
        try:
            assert built is expect_built
            assert _seed_page(con, built, pid) == wanted
        finally:
            con.close()
    assert sorted(p.name for p in index.parent.iterdir()) == ["r.site.duckdb", "r.site.duckdb.lock"]
    assert verify_release(sample_release.release_dir).ok
    # Nowhere to keep it: built into memory, and still nothing written anywhere else.
    con, built = open_duckdb(release, "r", Limits(spill_dir=tmp_path / "spill"))
    try:
        assert built and _seed_page(con, built, pid) == wanted
    finally:
        con.close()
    assert not any((tmp_path / "spill").iterdir())


BUILD_INDEX = """
import sys, time
from pathlib import Path
from transforms.duck import Limits
from transforms.publish.site_index import ensure_index_file
release, target, spill, start = sys.argv[1:5]
while time.time() < float(start):
    time.sleep(0.005)
print(ensure_index_file(Path(release), Path(target), Limits(spill_dir=Path(spill))))
"""


def test_two_servers_opening_a_release_at_once_build_its_site_index_once(
    sample_release: Built, tmp_path: Path
) -> None:
    import subprocess
    import sys
    import time

    target = tmp_path / "site-index" / "r.site.duckdb"
    start = str(time.time() + 3)  # both past their imports, then at the same moment
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                BUILD_INDEX,
                str(sample_release.release_dir / "pwc.duckdb"),
                str(target),
                str(tmp_path / f"spill{i}"),
                start,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs == ["False", "True"], "exactly one of them built it; the other found it complete"
    assert sorted(p.name for p in target.parent.iterdir()) == ["r.site.duckdb", "r.site.duckdb.lock"]


def test_the_nightly_keeps_the_site_indexes_of_the_newest_releases_only(
    sample_release: Built, tmp_path: Path
) -> None:
    from transforms.site.release import prune_site_indexes

    rid = sample_release.release_id
    cache = tmp_path / "site-cache"
    names = [f"{rid}-0123456789abcdef.site.duckdb", "2025-01-01.0-0123456789abcdef.site.duckdb"]
    for name in names:
        (cache / "site-index").mkdir(parents=True, exist_ok=True)
        (cache / "site-index" / name).write_bytes(b"x")
        (cache / "site-index" / f"{name}.lock").write_bytes(b"")
    for folder in (rid, "2025-01-01.0", "reference"):  # fetched copies of a remote store; not a release
        (cache / folder).mkdir()
    removed = prune_site_indexes(str(sample_release.store), cache)
    assert sorted(p.name for p in removed) == ["2025-01-01.0", names[1]]
    assert sorted(p.name for p in (cache / "site-index").iterdir()) == [names[0], f"{names[0]}.lock"]
    assert sorted(p.name for p in cache.iterdir()) == [rid, "reference", "site-index"]


def test_a_release_that_holds_its_own_site_index_is_served_from_it(
    sample_release: Built, db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Releases built before the index moved out of pwc.duckdb carry it: no second one is built."""
    from transforms.duck import Limits
    from transforms.publish.site_index import build_site_index
    from transforms.site.release import open_duckdb

    older = tmp_path / "pwc.duckdb"
    shutil.copy(sample_release.release_dir / "pwc.duckdb", older)
    with duckdb.connect(str(older)) as con:
        build_site_index(con)
    index = tmp_path / "site-index" / "older.site.duckdb"
    con, built = open_duckdb(older, "older", Limits(spill_dir=tmp_path / "spill"), index)
    try:
        assert not built and not index.exists()
        pid = paper_id(db, "1611.01462")
        assert _seed_page(con, built, pid) == [(d, m, mo) for _, d, m, _, mo in seed_rows("1611.01462")]
    finally:
        con.close()


def test_an_upload_is_received_accepted_then_published_in_the_next_release(
    tiny_source: Path, tmp_path: Path
) -> None:
    from transforms.config import Settings
    from transforms.submissions.intake import run_intake

    store, submissions = tmp_path / "store", tmp_path / "submissions"
    build(tiny_source, store, tmp_path / "work", "2026-04-01.0", submissions=str(submissions))
    with live_site(site_config(store, submissions, tmp_path)) as live:
        example = (ROOT / "docs" / "examples" / "submission.json").read_bytes()
        resp = requests.post(f"{live.url}/submit", files={"file": ("results.json", example)}, timeout=300)
        assert resp.status_code == 200, visible_text(resp.text)[:2000]
        rid = resp.text.split('id="receipt-id">', 1)[1].split("<", 1)[0]
        status = lambda: visible_text(requests.get(f"{live.url}/submit/{rid}", timeout=60).text)
        assert "Received: waiting for the intake" in status()
        run_intake(Settings.load(submissions=str(submissions), store=str(store), work=str(tmp_path / "w")))
        assert "Accepted: it will be published in the next release" in status()
        build(tiny_source, store, tmp_path / "work", "2026-04-02.0", submissions=str(submissions))
        assert "Published in release 2026-04-02.0" in status()
        page = requests.get(f"{live.url}/submit/{rid}", timeout=60).text
        assert 'href="/r/2026-04-02.0/"' in page, "a link to the release that published it"


def test_the_release_switcher_never_leaves_the_site(site: LiveSite) -> None:
    for path in ("//evil.example/x", "/\\evil.example", "https://evil.example", "tasks"):
        resp = get(site, f"/switch?path={quote(path, safe='')}", allow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/", path
    assert get(site, "/switch?path=/tasks", allow_redirects=False).headers["location"] == "/tasks"


def test_an_upload_claim_cut_short_is_finished_by_the_intakes_recovery(tmp_path: Path) -> None:
    from transforms.submissions.intake import (
        CLAIMED,
        INBOX,
        ORIGINAL,
        SubmissionStore,
        claim_inbox,
        claim_upload,
        pending_claims,
    )

    class CrashBeforeMove(SubmissionStore):
        def move(self, src: tuple[str, ...], dst: tuple[str, ...]) -> None:
            raise KeyboardInterrupt("the server stopped between claim.json and the move")

    data = b'{"schema_version": 1}'
    with pytest.raises(KeyboardInterrupt):
        claim_upload(CrashBeforeMove(str(tmp_path)), "results.json", data)
    store = SubmissionStore(str(tmp_path))
    (rid,) = store.listdir(CLAIMED)
    assert store.listdir(INBOX) == [], "listings never show hidden names"
    assert [p.name for p in (tmp_path / INBOX).iterdir()] == [".web"], "the upload waits in the dot folder"
    assert claim_inbox(store) == (0, 1), "recovery moved it into its claim; nothing claimed twice"
    assert (tmp_path / CLAIMED / rid / ORIGINAL).read_bytes() == data
    assert [c.receipt_id for c in pending_claims(store)] == [rid]
    with pytest.raises(ValueError, match="not a plain file name"):
        claim_upload(store, "../x.json", data)


def test_an_id_removed_from_the_data_is_a_410_page_and_lives_on_in_its_release(
    tiny_source: Path, tmp_path: Path
) -> None:
    board = write_hostile_leaderboard(tmp_path / "hostile.json")
    with_board = make_source(tmp_path / "source-a", tiny=True, extra={"leaderboards/hostile.json": board})
    store, work = tmp_path / "store", tmp_path / "work"
    a = build(with_board, store, work, "2026-05-01.0")
    build(tiny_source, store, work, "2026-05-02.0")
    with duckdb.connect(str(a.release_dir / "pwc.duckdb"), read_only=True) as con:
        (model_id,) = con.execute(
            "SELECT model_id FROM models WHERE name = ?", [HOSTILE_MODELS[0]]
        ).fetchone()  # type: ignore[misc]
    with live_site(site_config(store, tmp_path / "submissions", tmp_path)) as live:
        gone = requests.get(f"{live.url}/model/{model_id}", timeout=60)
        assert gone.status_code == 410
        assert f"{model_id} was last published in release 2026-05-01.0" in visible_text(gone.text)
        assert requests.get(f"{live.url}/r/2026-05-01.0/model/{model_id}", timeout=60).status_code == 200
