"""The site in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Opens the home page, a leaderboard (its chart draws every point), both seed paper pages (rows
equal to the seed pages), the submit form (a valid file gets a receipt id, a hostile file a clear
error) and pages whose names are scripts and terminal escapes (no dialog ever opens). Every page
kind is screenshotted into ``.screenshots/`` (git-ignored; ``$PWC_SCREENSHOTS`` to change it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.builds import ROOT, Built, build, make_source
from tests.support.site_data import HOSTILE_MODELS, seed_rows, write_hostile_leaderboard
from tests.support.site_server import LiveSite, live_site, site_config

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PWC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
]
SCREENSHOTS = Path(os.environ.get("PWC_SCREENSHOTS") or ROOT / ".screenshots")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM}: not found; install Debian's chromium (make browser) or set PWC_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Tab:
    """One page, with every dialog, console error and failed request it meets recorded."""

    def __init__(self, browser: Any, base: str) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.base = base
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path, wait_until="load")
        return response

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000, "a screenshot with something on it"
        return target

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def site(sample_release: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    tmp = tmp_path_factory.mktemp("browser-site")
    with live_site(site_config(sample_release.store, tmp / "submissions", tmp)) as live:
        yield live


@pytest.fixture
def tab(browser: Any, site: LiveSite) -> Iterator[Tab]:
    t = Tab(browser, site.url)
    yield t
    t.close()


@pytest.fixture(scope="module")
def db(sample_release: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(sample_release.release_dir / "pwc.duckdb"), read_only=True)
    yield con
    con.close()


def _one(db: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> Any:
    return db.execute(sql, list(params)).fetchone()


def test_home_page(tab: Tab) -> None:
    assert tab.open("/").status == 200
    assert tab.page.locator("#notable tbody tr").count() > 5
    assert "Data sourced from the PWC Archive (CC-BY-SA 4.0)" in tab.page.inner_text("footer")
    tab.shot("home")
    assert not tab.errors and not tab.dialogs


def test_leaderboard_chart_draws_every_point_and_the_sota_line(
    tab: Tab, db: duckdb.DuckDBPyConnection
) -> None:
    task, dataset, metric = _one(
        db,
        "SELECT task_id, dataset_id, metric_id FROM leaderboards WHERE task = 'Language Modelling' "
        "AND dataset = 'WikiText-103' AND metric = 'Test perplexity' LIMIT 1",
    )
    dated = _one(
        db,
        "SELECT count(*) FROM leaderboards WHERE task_id = ? AND dataset_id = ? AND metric_id = ? "
        "AND paper_date IS NOT NULL",
        task,
        dataset,
        metric,
    )[0]
    assert tab.open(f"/sota/{task}/{dataset}/{metric}").status == 200
    tab.page.wait_for_function("() => window.Chart && Chart.getChart('sota-chart')")
    drawn = tab.page.evaluate(
        """() => {
            const chart = Chart.getChart('sota-chart');
            const canvas = document.getElementById('sota-chart');
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
            return {
                points: chart.getDatasetMeta(0).data.length,
                pointsOnCanvas: chart.getDatasetMeta(0).data.filter(p => isFinite(p.x) && isFinite(p.y)).length,
                sota: chart.getDatasetMeta(1).data.length,
                sotaType: chart.getDatasetMeta(1).type,
                painted: painted,
            };
        }"""
    )
    assert drawn["points"] == drawn["pointsOnCanvas"] == dated > 10
    assert drawn["sotaType"] == "line" and drawn["sota"] >= 2
    assert drawn["painted"] > 5_000, "the canvas has the points and the line on it"
    assert "lower is better" in tab.page.inner_text("#direction")
    ranks = tab.page.locator("#leaderboard tbody tr td:first-child").all_inner_texts()
    numbers = [int(r) for r in ranks if r != "–"]
    assert numbers == sorted(numbers) and numbers[0] == 1
    tab.shot("leaderboard")
    assert not tab.errors, tab.errors  # the chart runs under the Content-Security-Policy


@pytest.mark.parametrize("arxiv", ["1809.10853", "1611.01462"])
def test_seed_paper_pages_show_the_seed_rows(tab: Tab, db: duckdb.DuckDBPyConnection, arxiv: str) -> None:
    (pid,) = _one(db, "SELECT paper_id FROM papers WHERE arxiv_id = ?", arxiv)
    assert tab.open(f"/paper/{pid}").status == 200
    rows = [
        tuple(cell.strip() for cell in row.split("\t"))
        for row in tab.page.locator("#results tbody tr").all_inner_texts()
    ]
    assert rows == seed_rows(arxiv)
    headings = tab.page.locator("main h2").all_inner_texts()
    assert headings == ["Abstract", "Results", "Related Papers"]
    tab.shot(f"paper-{arxiv}")
    assert not tab.errors and not tab.dialogs


def test_every_other_page_kind_renders(tab: Tab, db: duckdb.DuckDBPyConnection) -> None:
    (task,) = _one(db, "SELECT task_id FROM tasks WHERE name = 'Language Modelling'")
    (dataset,) = _one(db, "SELECT dataset_id FROM datasets WHERE name = 'WikiText-103'")
    (method,) = _one(db, "SELECT method_id FROM methods WHERE name = 'Adam'")
    (model,) = _one(db, "SELECT model_id FROM models WHERE name = 'Transformer (Adaptive inputs)'")
    pages = {
        "task": f"/task/{task}",
        "dataset": f"/dataset/{dataset}",
        "method": f"/method/{method}",
        "model": f"/model/{model}",
        "catalogue-tasks": "/tasks",
        "catalogue-sota": "/sota",
        "search": "/search?q=language+model",
        "about": "/about",
        "not-found": "/paper/pap_0000000000000000",
    }
    for name, path in pages.items():
        status = tab.open(path).status
        assert status == (404 if name == "not-found" else 200), name
        tab.shot(name)
    assert not [e for e in tab.errors if "404" not in e], tab.errors
    assert not tab.dialogs


def test_submit_form_files_a_valid_file_and_refuses_a_hostile_one(tab: Tab, tmp_path: Path) -> None:
    assert tab.open("/submit").status == 200
    tab.shot("submit")
    tab.page.set_input_files("#file", str(ROOT / "docs" / "examples" / "submission.json"))
    with tab.page.expect_navigation(timeout=180_000):
        tab.page.click("form.upload button")
    receipt = tab.page.inner_text("#receipt-id")
    assert receipt.startswith("rcp-")
    tab.shot("submit-received")
    tab.page.click("text=its status page")
    assert "Received: waiting for the intake" in tab.page.inner_text("#state")
    tab.shot("submit-status")

    hostile = tmp_path / "<img src=x onerror=alert(1)>.json"
    hostile.write_bytes(b'{"schema_version": 1, "a": ' + b"[" * 200 + b"]" * 200 + b', "a": 1}')
    tab.open("/submit")
    tab.page.set_input_files("#file", str(hostile))
    with tab.page.expect_navigation(timeout=180_000):
        tab.page.click("form.upload button")
    message = tab.page.inner_text("#outcome")
    assert "Not accepted" in message and "Nothing was kept" in message
    problems = tab.page.locator("table.problems tbody tr").all_inner_texts()
    assert problems and all(p.startswith("error") for p in problems[:1])
    tab.shot("submit-error")
    assert not tab.dialogs


@pytest.fixture(scope="module")
def hostile_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveSite, duckdb.DuckDBPyConnection]]:
    base = tmp_path_factory.mktemp("hostile-browser")
    board = write_hostile_leaderboard(base / "hostile.json")
    source = make_source(base / "source", tiny=True, extra={"leaderboards/hostile.json": board})
    built = build(source, base / "store", base / "work", "2026-02-01.0")
    con = duckdb.connect(str(built.release_dir / "pwc.duckdb"), read_only=True)
    with live_site(site_config(built.store, base / "submissions", base)) as live:
        yield live, con
    con.close()


def test_names_are_data_no_script_runs(
    browser: Any, hostile_site: tuple[LiveSite, duckdb.DuckDBPyConnection]
) -> None:
    live, con = hostile_site
    task, dataset, metric = _one(
        con, "SELECT DISTINCT task_id, dataset_id, metric_id FROM results WHERE source LIKE '%hostile%'"
    )
    models = dict(
        con.execute(
            "SELECT name, model_id FROM models WHERE name IN (?, ?, ?)", list(HOSTILE_MODELS)
        ).fetchall()
    )
    tab = Tab(browser, live.url)
    try:
        tab.open(f"/sota/{task}/{dataset}/{metric}")
        tab.page.wait_for_function("() => window.Chart && Chart.getChart('sota-chart')")
        cells = tab.page.locator("#leaderboard tbody tr td:nth-child(2) a").all_inner_texts()
        assert "<script>alert(1)</script>" in cells and '"><svg onload=alert(3)>' in cells
        assert "\\u001b[31mRedNet\\u001b[0m \\u0007bell" in cells, "terminal escapes shown as text"
        assert tab.page.evaluate("() => Chart.getChart('sota-chart').getDatasetMeta(0).data.length") == 3
        tab.page.hover("#sota-chart")  # the tooltip draws a name on the canvas, never as HTML
        tab.shot("hostile-leaderboard")
        for path in (
            f"/model/{models['<script>alert(1)</script>']}",
            f"/task/{task}",
            f"/dataset/{dataset}",
            "/search?q=script+alert",
            "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        ):
            tab.open(path)
        assert tab.page.locator("script:not([src])").count() == 0
        assert tab.dialogs == [], "no name ever ran as a script"
        assert not [e for e in tab.errors if "Content Security Policy" in e], tab.errors
    finally:
        tab.close()
