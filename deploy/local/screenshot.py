"""A screenshot of the profile's Airflow UI (the DAG list) in headless Chromium: docs/screenshots/airflow-ui.png.

Logs in with the simple auth manager's admin password (``.prod/admin-password.json``), as a
person would, through the login form. Usage (the profile up): ``.venv/bin/python deploy/local/screenshot.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    port = os.environ.get("PWC_API_PORT", "18080")
    state = Path(os.environ.get("PWC_PROD", ROOT / ".prod"))
    password = json.loads((state / "admin-password.json").read_text())["admin"]
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots" / "airflow-ui.png"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 800})
        page.goto(f"{base}/auth/login", wait_until="networkidle")
        page.fill("input[name='username']", "admin")
        page.fill("input[name='password']", password)
        page.click("button[type='submit']")
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/dags", wait_until="networkidle")
        page.get_by_text("nightly_release").first.wait_for(timeout=30_000)
        page.get_by_text("submission_intake").first.wait_for(timeout=30_000)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=False)
        browser.close()
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
