"""Releases for the site's tests: the seed rows, and a leaderboard whose names are hostile."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.builds import FIXTURES

SEEDS = {
    "1809.10853": "paper-page-adaptive-input-representations.txt",
    "1611.01462": "paper-page-tying-word-vectors.txt",
}

HOSTILE_MODELS = ("<script>alert(1)</script>", "\x1b[31mRedNet\x1b[0m \x07bell", '"><svg onload=alert(3)>')
HOSTILE_TASK = "Image Classification <i>x</i>"
HOSTILE_DATASET = "Hostile <b>Set</b>"


def seed_rows(arxiv: str) -> list[tuple[str, str, str, str, str]]:
    """The Results table of a seed page, in page order: (task, dataset, metric, value, model)."""
    text = (FIXTURES / "seeds" / SEEDS[arxiv]).read_text(encoding="utf-8")
    block = text.split("TaskDatasetMetricValueModel", 1)[1].split("Related Papers", 1)[0]
    rows = []
    for line in block.strip().splitlines():
        m = re.match(
            r"^(Language Modelling)(.+?)(Test perplexity|Validation perplexity|PPL)([\d.]+)(.+)$", line
        )
        assert m, line
        rows.append(m.groups())
    return rows


def seed_text(arxiv: str) -> str:
    return (FIXTURES / "seeds" / SEEDS[arxiv]).read_text(encoding="utf-8")


def write_hostile_leaderboard(path: Path) -> Path:
    """One leaderboard in the evaluation-tables format whose task, dataset, model and paper names
    are HTML, script and terminal escapes."""
    titles = (
        "<img src=x onerror=alert(2)> Hostile Names",
        "Terminal \x1b]0;title\x07 Escapes",
        "Quotes ' and \" in titles",
    )
    urls = (
        "https://arxiv.org/abs/1903.00001",
        "https://arxiv.org/abs/2001.00002",
        "https://arxiv.org/abs/1805.00003",
    )
    dates = ("2019-03-01", "2020-01-01", "2018-05-05")
    values = ("91.5", "93.0", "88.0")
    rows = [
        {
            "code_links": [],
            "metrics": {"Accuracy": value},
            "model_links": [],
            "model_name": model,
            "paper_date": day,
            "paper_title": title,
            "paper_url": url,
        }
        for model, title, url, day, value in zip(HOSTILE_MODELS, titles, urls, dates, values, strict=True)
    ]
    doc = [
        {
            "categories": ["Hostile"],
            "datasets": [
                {
                    "dataset": HOSTILE_DATASET,
                    "dataset_citations": [],
                    "dataset_links": [],
                    "description": "",
                    "sota": {"metrics": ["Accuracy"], "rows": rows},
                    "subdatasets": [],
                }
            ],
            "description": "A **description** with <script>alert(4)</script> and [a link](javascript:alert(5)).",
            "source_link": None,
            "subtasks": [],
            "synonyms": [],
            "task": HOSTILE_TASK,
        }
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
