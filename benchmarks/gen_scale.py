#!/usr/bin/env python3
"""Deterministic generator of a synthetic source directory shaped like the final (July 2025)
Papers with Code dumps, at a chosen fraction of their real size.

    .venv/bin/python benchmarks/gen_scale.py --scale 1.0 --out OUTDIR [--seed 2025] [--gzip-level 1]

(Kept in the project from the team's shared tools, ``shared/tools/gen_scale.py``, so that a clean
clone can generate its own full-scale input; the only change is that the templates are read from
the bundled sample, ``data/sample/``. Generated files are derived from CC BY-SA 4.0 data. Kept as
written there, so it is left out of ruff.)

Writes, under OUTDIR (names as pwc-archive's transforms/ingest/sources.py expects):

    evaluation-tables.json.gz             ~326,393 x scale flattened metric values
    papers-with-abstracts.json.gz         576,261 x scale records (~2.5 KB each uncompressed)
    links-between-papers-and-code.json.gz 300,161 x scale records
    datasets.json.gz                      15,008 x scale records
    methods.json.gz                       8,725 x scale records
    gen_scale.txt                         what was written (counts, bytes, seed)

Templates: data/sample/evaluation-tables.2020-08-28.json.gz (the complete real 2020 dump) and
data/sample/methods.2022-05-20.json.gz, both bundled with the project.

Evaluation tables: the real 2020 task trees are replicated until the flattened metric-value count
reaches the target. Copy 0 is the real data (plus ``uses_additional_data``, which 2025 rows carry);
copy k >= 1 suffixes every task, dataset, model name and paper title with `` [ck]`` and maps every
paper URL to a paper of its own (arXiv ids re-numbered inside the same month, other URLs get a
``-ck`` suffix). Everything else is kept byte for byte: value strings (``85.2%``, ``-``, ``15.9M``...),
repeated subtrees (a task at top level and nested), empty model names, rows without a paper,
stray whitespace in names. Serialised like PwC's exporter (indent 2, sorted keys, ASCII).

Papers: every paper referenced by the evaluation tables (arXiv ones by arxiv_id + url_abs, others
by url_abs equal to the leaderboard's paper_url: the project's paper_key join) plus filler papers
with random abstracts (~1,000 characters drawn from the vocabulary of the real method and task
descriptions), authors, tasks, and method objects copied from the real methods dump. A little mess:
null arxiv ids with conference URLs, old-style ids (cs/0701123), placeholder 0000.00000 with a
null title, empty dates, null abstracts.

Links: each link points at a paper of the papers dump (same paper_url slug, arXiv id, url_abs),
GitHub repo URLs with the usual variants (trailing slash, .git, http, www).

Datasets: ~60 % of the names used by the evaluation tables plus filler names. Methods: the real
2022 methods replicated with suffixed names and URLs.

Same seed and scale give byte-identical files (gzip mtime 0, no set iteration).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DUMPS = HERE.parent / "data" / "sample"
ET_TEMPLATE = DUMPS / "evaluation-tables.2020-08-28.json.gz"
METHODS_TEMPLATE = DUMPS / "methods.2022-05-20.json.gz"

FULL = {
    "et_cells": 326_393,
    "papers": 576_261,
    "links": 300_161,
    "methods": 8_725,
    "datasets": 15_008,
}

ARXIV_NEW = re.compile(r"(arxiv\.org/(?:abs|pdf)/)(\d{4})\.(\d{4,5})")
ARXIV_OLD = re.compile(r"(arxiv\.org/(?:abs|pdf)/)([a-z\-]+(?:\.[A-Za-z]{2})?)/(\d{7})")


def gz_writer(path: Path, level: int) -> io.TextIOWrapper:
    raw = path.open("wb")
    gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=level, mtime=0)
    return io.TextIOWrapper(gz, encoding="utf-8", newline="\n", write_through=False)


def slugify(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:limit].rstrip("-") or "paper"


# --------------------------------------------------------------------------- evaluation tables


def count_cells(task: dict) -> int:
    n = 0
    for ds in task.get("datasets") or []:
        n += _count_ds(ds)
    for sub in task.get("subtasks") or []:
        n += count_cells(sub)
    return n


def _count_ds(ds: dict) -> int:
    n = sum(len(r.get("metrics") or {}) for r in (ds.get("sota") or {}).get("rows") or [])
    for sub in ds.get("subdatasets") or []:
        n += _count_ds(sub)
    return n


class PaperBook:
    """Every distinct paper the generated evaluation tables reference, in first-seen order."""

    def __init__(self) -> None:
        self.papers: dict[str, dict] = {}
        self.alloc: dict[str, int] = {}
        self.id_map: dict[tuple[int, str], str] = {}

    def map_url(self, url: str, k: int) -> str:
        if not url or k == 0:
            return url
        m = ARXIV_NEW.search(url)
        if m:
            yymm, num = m.group(2), m.group(3)
            key = (k, f"{yymm}.{num}")
            new = self.id_map.get(key)
            if new is None:
                n = self.alloc.get(yymm, 0)
                self.alloc[yymm] = n + 1
                new = f"{yymm}.{60000 + n:05d}"
                self.id_map[key] = new
            nyymm, nnum = new.split(".")
            return url[: m.start(2)] + nyymm + "." + nnum + url[m.end(3):]
        m = ARXIV_OLD.search(url)
        if m:
            arch, num = m.group(2), m.group(3)
            key = (k, f"{arch}/{num}")
            new = self.id_map.get(key)
            if new is None:
                n = self.alloc.get(arch, 0)
                self.alloc[arch] = n + 1
                new = f"{arch}/{num[:4]}{(900 - n) % 1000:03d}"
                self.id_map[key] = new
            return url[: m.start(2)] + new + url[m.end(3):]
        return url.rstrip("/") + f"-c{k}"

    def note(self, url: str, title: str, date: str | None) -> None:
        if not url:
            return
        m = ARXIV_NEW.search(url)
        if m:
            key = f"arxiv:{m.group(2)}.{m.group(3)}"
            arxiv = f"{m.group(2)}.{m.group(3)}"
        else:
            m = ARXIV_OLD.search(url)
            if m:
                arxiv = f"{m.group(2)}/{m.group(3)}"
                key = f"arxiv:{arxiv}"
            else:
                arxiv = None
                key = "url:" + re.sub(r"^(https?://)?(www\.)?", "", url.strip()).rstrip("/")
        if key not in self.papers:
            self.papers[key] = {"arxiv_id": arxiv, "url": url.strip(), "title": title or None, "date": date}
        elif not self.papers[key]["title"] and title:
            self.papers[key]["title"] = title


def transform_task(task: dict, k: int, book: PaperBook, rng: random.Random, names: dict) -> dict:
    sfx = f" [c{k}]" if k else ""
    out = dict(task)
    if isinstance(task.get("task"), str):
        out["task"] = task["task"] + sfx
        names["tasks"].setdefault(out["task"], None)
    out["datasets"] = [transform_ds(d, k, sfx, book, rng, names) for d in task.get("datasets") or []]
    out["subtasks"] = [transform_task(s, k, book, rng, names) for s in task.get("subtasks") or []]
    return out


def transform_ds(ds: dict, k: int, sfx: str, book: PaperBook, rng: random.Random, names: dict) -> dict:
    out = dict(ds)
    for key in ("dataset", "subdataset"):
        if isinstance(ds.get(key), str):
            out[key] = ds[key] + sfx
            if key == "dataset":
                names["datasets"].setdefault(out[key], None)
    sota = dict(ds.get("sota") or {})
    rows = []
    for r in sota.get("rows") or []:
        r = dict(r)
        if k:
            if r.get("model_name"):
                r["model_name"] = r["model_name"] + sfx
            if r.get("paper_title"):
                r["paper_title"] = r["paper_title"] + sfx
            r["paper_url"] = book.map_url(r.get("paper_url") or "", k)
        if "uses_additional_data" not in r:
            r["uses_additional_data"] = rng.random() < 0.08
        book.note(r.get("paper_url") or "", r.get("paper_title") or "", r.get("paper_date"))
        rows.append(r)
    if ds.get("sota") is not None:
        sota["rows"] = rows
        out["sota"] = sota
    out["subdatasets"] = [transform_ds(s, k, sfx, book, rng, names) for s in ds.get("subdatasets") or []]
    return out


def write_eval_tables(out: Path, scale: float, level: int, rng: random.Random) -> tuple[PaperBook, dict, dict]:
    template = json.load(gzip.open(ET_TEMPLATE))
    sizes = [count_cells(t) for t in template]
    target = round(FULL["et_cells"] * scale)
    book = PaperBook()
    names: dict[str, dict] = {"tasks": {}, "datasets": {}}
    cells = tasks = 0
    with gz_writer(out / "evaluation-tables.json.gz", level) as fh:
        fh.write("[")
        first = True
        k = 0
        while cells < target:
            for t, n in zip(template, sizes):
                if cells >= target:
                    break
                new = transform_task(t, k, book, rng, names)
                text = json.dumps(new, indent=2, sort_keys=True, ensure_ascii=True)
                fh.write(("\n  " if first else ",\n  ") + text.replace("\n", "\n  "))
                first = False
                cells += n
                tasks += 1
            k += 1
        fh.write("\n]")
    return book, names, {"top_level_tasks": tasks, "metric_values": cells, "copies": k,
                         "papers_referenced": len(book.papers)}


# --------------------------------------------------------------------------- vocab and pools


def build_vocab(methods: list[dict]) -> list[str]:
    words: list[str] = []
    tok = re.compile(r"^[A-Za-z][A-Za-z\-']*[.,;:]?$")
    for m in methods:
        for w in (m.get("description") or "").split():
            if tok.match(w) and len(w) < 20:
                words.append(w)
    template = json.load(gzip.open(ET_TEMPLATE))

    def walk(t):
        for w in (t.get("description") or "").split():
            if tok.match(w) and len(w) < 20:
                words.append(w)
        for s in t.get("subtasks") or []:
            walk(s)

    for t in template:
        walk(t)
    return words


FIRST = ("Wei Jing Yang Li Chen Hao Xin Yu Ming Lei Alex Maria John David Anna Peter Sara Laura Tom "
         "Mohammed Ali Fatima Ahmed Ivan Olga Dmitry Elena Hiroshi Yuki Kenji Sakura Raj Priya Amit "
         "Neha Carlos Lucia Jose Ana Pierre Marie Hans Julia Lukas Emma Noah Olivia Liam Sofia Mateo "
         "Zhang Jun Qiang Fei Yan Ting Jie Lin Hui Bo").split()
LAST = ("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Smith "
        "Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
        "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez "
        "Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores "
        "Kim Park Choi Jung Kang Cho Yoon Tanaka Suzuki Takahashi Watanabe Ito Sato Kumar Singh Sharma "
        "Gupta Patel Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Rossi Russo Ferrari "
        "Ivanov Petrov Smirnov Novak Kowalski Silva Santos Oliveira Costa Dubois Moreau Laurent").split()
FRAMEWORKS = ["none", "pytorch", "tf", "jax", "mxnet", "paddle", "caffe2", "mindspore", "torch"]
FRAMEWORK_W = [30, 45, 14, 3, 2, 3, 1, 1, 1]
VENUES = ["NeurIPS", "ICML", "ICLR", "CVPR", "ICCV", "ECCV", "ACL", "EMNLP", "NAACL", "AAAI", "IJCAI",
          "KDD", "WWW", "SIGIR", "Interspeech", "ICASSP", "MICCAI", "WACV", "BMVC", "COLING"]


def month_pool(rng: random.Random) -> list[tuple[int, int]]:
    """(year, month) weighted like arXiv ML growth: a month is drawn from this list."""
    pool = []
    for y in range(2008, 2026):
        for mth in range(1, 13):
            if (y, mth) > (2025, 7):
                continue
            w = int(round(2 ** ((y - 2008) / 2.6)))
            pool.extend([(y, mth)] * max(w, 1))
    return pool


# --------------------------------------------------------------------------- papers + links


class Writer:
    def __init__(self, fh: io.TextIOWrapper) -> None:
        self.fh = fh
        self.n = 0
        fh.write("[")

    def add(self, rec: dict) -> None:
        self.fh.write(("\n" if self.n == 0 else ",\n") + json.dumps(rec, ensure_ascii=False))
        self.n += 1

    def close(self) -> None:
        self.fh.write("\n]\n")
        self.fh.close()


def write_papers_and_links(out: Path, scale: float, level: int, seed: int, book: PaperBook,
                           task_names: list[str], methods: list[dict], vocab: list[str]) -> dict:
    rng = random.Random(seed * 7 + 1)
    n_papers = max(round(FULL["papers"] * scale), len(book.papers))
    n_links = round(FULL["links"] * scale)
    eval_papers = list(book.papers.values())
    n_eval = len(eval_papers)
    n_fill = n_papers - n_eval
    months = month_pool(rng)
    fill_alloc: dict[str, int] = {}
    used_slugs: set[str] = set()
    method_objs = []
    for m in methods:
        coll = (m.get("collections") or [{}])[0] or {}
        desc = (m.get("description") or "")
        method_objs.append({
            "name": m.get("name"), "full_name": m.get("full_name"), "description": desc[:150],
            "introduced_year": m.get("introduced_year"), "source_url": m.get("source_url"),
            "source_title": m.get("source_title"), "code_snippet_url": m.get("code_snippet_url"),
            "main_collection": {"name": coll.get("collection"), "description": "",
                                "parent": None, "area": coll.get("area")},
        })
    # Links: each paper gets 0 links (p=1-q) or 1..6 (mean ~1.75); q tuned to hit n_links.
    size_w = [52, 22, 12, 7, 4, 3]
    mean_size = sum((i + 1) * w for i, w in enumerate(size_w)) / sum(size_w)
    q = min(1.0, n_links / max(n_papers, 1) / mean_size)
    links_written = 0
    recent: list[dict] = []

    def words(n: int) -> str:
        return " ".join(rng.choices(vocab, k=n))

    def title_text() -> str:
        t = words(rng.randint(5, 13)).rstrip(".,;:")
        return t[:1].upper() + t[1:]

    def slug_for(title: str | None) -> str:
        base = slugify(title or "untitled", 55)
        s, n = base, 0
        while s in used_slugs:
            n += 1
            s = f"{base}-{n}"
        used_slugs.add(s)
        return "https://paperswithcode.com/paper/" + s

    def paper_record(info: dict | None) -> dict:
        if info is not None:  # referenced by the evaluation tables
            title = info["title"] or title_text()
            date = info["date"] or ""
            if info["arxiv_id"]:
                arxiv = info["arxiv_id"]
                ver = rng.choice(["v1", "v1", "v2", "v3"])
                url_abs = f"http://arxiv.org/abs/{arxiv}{ver}"
                url_pdf = f"http://arxiv.org/pdf/{arxiv}{ver}.pdf"
            else:
                arxiv = None
                url_abs = info["url"]
                url_pdf = None if rng.random() < 0.4 else info["url"].rstrip("/") + ".pdf"
        else:
            y, mth = rng.choice(months)
            date = f"{y}-{mth:02d}-{rng.randint(1, 28):02d}"
            title = title_text()
            r = rng.random()
            if r < 0.0005:
                arxiv, title = "0000.00000", None
                url_abs, url_pdf = "https://arxiv.org/abs/0000.00000", None
            elif r < 0.004:
                arxiv = f"{rng.choice(['cs', 'math', 'stat', 'physics', 'q-bio'])}/0{rng.randint(1, 6)}{rng.randint(1, 12):02d}{rng.randint(1, 999):03d}"
                date = f"200{arxiv.split('/')[1][1]}-{arxiv.split('/')[1][2:4]}-15"
                ver = "v1"
                url_abs, url_pdf = f"http://arxiv.org/abs/{arxiv}{ver}", f"http://arxiv.org/pdf/{arxiv}{ver}.pdf"
            elif r < 0.16:
                arxiv = None
                venue = rng.choice(["openaccess.thecvf.com/content", "aclanthology.org", "openreview.net/forum?id=",
                                    "proceedings.mlr.press/v", "papers.nips.cc/paper", "dl.acm.org/doi/10.1145/",
                                    "ieeexplore.ieee.org/document/"])
                url_abs = f"https://{venue}{rng.randint(10_000, 99_999_999)}"
                url_pdf = None if rng.random() < 0.5 else url_abs + ".pdf"
            else:
                yymm = f"{y % 100:02d}{mth:02d}"
                n = fill_alloc.get(yymm, 0)
                fill_alloc[yymm] = n + 1
                arxiv = f"{yymm}.{20000 + n:05d}"
                ver = rng.choice(["v1", "v1", "v2", "v3"])
                url_abs, url_pdf = f"http://arxiv.org/abs/{arxiv}{ver}", f"http://arxiv.org/pdf/{arxiv}{ver}.pdf"
            if rng.random() < 0.01:
                date = ""
        nwords = max(15, min(420, int(rng.gauss(150, 55))))
        abstract = None if rng.random() < 0.004 else words(nwords)
        nm = rng.choices(range(0, 9), weights=[35, 18, 14, 11, 8, 6, 4, 2, 2])[0]
        nt = rng.choices(range(0, 5), weights=[25, 35, 22, 12, 6])[0]
        rec = {
            "paper_url": slug_for(title),
            "arxiv_id": arxiv,
            "title": title,
            "abstract": abstract,
            "url_abs": url_abs,
            "url_pdf": url_pdf,
            "proceeding": f"{rng.choice(VENUES)} {rng.randint(2015, 2025)} {rng.randint(1, 12)}" if rng.random() < 0.2 else None,
            "authors": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.choices(range(1, 13), weights=[6, 12, 16, 16, 14, 11, 8, 6, 4, 3, 2, 2])[0])],
            "tasks": rng.sample(task_names, nt) if task_names else [],
            "date": date,
            "methods": rng.sample(method_objs, nm) if method_objs else [],
        }
        return rec

    def link_records(p: dict, count: int) -> list[dict]:
        out = []
        owner_base = (p["authors"][0].split()[-1].lower() if p["authors"] else "lab") + str(rng.randint(0, 999))
        repo_base = slugify(p["title"] or "code", 30)
        for i in range(count):
            owner = owner_base if i == 0 else f"{rng.choice(LAST).lower()}{rng.randint(1, 9999)}"
            repo = f"https://github.com/{owner}/{repo_base}"
            r = rng.random()
            if r < 0.02:
                repo += "/"
            elif r < 0.03:
                repo += ".git"
            elif r < 0.04:
                repo = repo.replace("https://", "http://")
            elif r < 0.05:
                repo = repo.replace("https://", "https://www.")
            out.append({
                "paper_url": p["paper_url"],
                "paper_title": p["title"],
                "paper_arxiv_id": p["arxiv_id"] if p["arxiv_id"] != "0000.00000" else None,
                "paper_url_abs": p["url_abs"],
                "paper_url_pdf": p["url_pdf"],
                "repo_url": repo,
                "is_official": i == 0 and rng.random() < 0.6,
                "mentioned_in_paper": rng.random() < 0.35,
                "mentioned_in_github": rng.random() < 0.7,
                "framework": rng.choices(FRAMEWORKS, weights=FRAMEWORK_W)[0],
            })
        return out

    pw = Writer(gz_writer(out / "papers-with-abstracts.json.gz", level))
    lw = Writer(gz_writer(out / "links-between-papers-and-code.json.gz", level))
    # Interleave the evaluation-table papers evenly among the filler papers.
    step = n_papers / max(n_eval, 1)
    next_eval, ei = 0.0, 0
    for i in range(n_papers):
        if ei < n_eval and i >= next_eval:
            rec = paper_record(eval_papers[ei])
            ei += 1
            next_eval += step
        else:
            rec = paper_record(None)
        pw.add(rec)
        if links_written < n_links and rng.random() < q:
            c = min(rng.choices(range(1, 7), weights=size_w)[0], n_links - links_written)
            for lr in link_records(rec, c):
                lw.add(lr)
            links_written += c
        recent.append(rec)
        if len(recent) > 5000:
            recent = recent[-2000:]
    # Top up to the exact link count with extra repos of recent papers.
    j = 0
    while links_written < n_links:
        for lr in link_records(recent[-1 - (j % len(recent))], 1):
            lr["repo_url"] = lr["repo_url"].rstrip("/") + f"-fork{j}"
            lw.add(lr)
        links_written += 1
        j += 1
    pw.close()
    lw.close()
    return {"papers": pw.n, "papers_from_eval_tables": n_eval, "links": lw.n}


# --------------------------------------------------------------------------- datasets, methods


def write_datasets(out: Path, scale: float, level: int, seed: int, ds_names: list[str], task_names: list[str],
                   vocab: list[str]) -> int:
    rng = random.Random(seed * 7 + 2)
    target = round(FULL["datasets"] * scale)
    chosen = [n for n in ds_names if rng.random() < 0.6][: int(target * 0.75)]
    names = list(chosen)
    i = 0
    while len(names) < target:
        names.append(f"{rng.choice(vocab).strip('.,;:').capitalize()}{rng.choice(['', '-', ' '])}{rng.choice(['Bench', 'Set', 'QA', '10K', 'Net', 'DB', 'Corpus', 'v2', 'X'])} {i}".strip())
        i += 1
    used = set()
    w = Writer(gz_writer(out / "datasets.json.gz", level))
    for name in names:
        slug = slugify(name, 60)
        s, n = slug, 0
        while s in used:
            n += 1
            s = f"{slug}-{n}"
        used.add(s)
        desc = " ".join(rng.choices(vocab, k=max(5, int(rng.gauss(140, 80)))))
        rec = {
            "url": f"https://paperswithcode.com/dataset/{s}",
            "name": name,
            "full_name": name if rng.random() < 0.5 else name + " " + " ".join(rng.choices(vocab, k=3)),
            "homepage": f"https://{s[:20]}.github.io/" if rng.random() < 0.7 else "",
            "description": desc,
            "short_description": desc[:200],
            "parent_dataset": None if rng.random() < 0.95 else rng.choice(names[: max(1, len(names) // 2)]),
            "image": None if rng.random() < 0.6 else f"https://production-media.paperswithcode.com/datasets/{s}.png",
            "thumbnail": None,
            "paper": None if rng.random() < 0.3 else {"title": " ".join(rng.choices(vocab, k=8)), "url": f"https://paperswithcode.com/paper/{s}-x"},
            "introduced_date": None if rng.random() < 0.3 else f"{rng.randint(1998, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "license_name": rng.choice([None, None, "CC BY 4.0", "MIT", "Unknown", "CC BY-NC 4.0", "Custom"]),
            "license_url": None,
            "modalities": rng.sample(["Images", "Texts", "Videos", "Audio", "Graphs", "Tabular", "3D", "Medical", "Time series"], rng.randint(0, 2)),
            "tasks": [{"task": t, "url": "https://paperswithcode.com/task/" + slugify(t)} for t in rng.sample(task_names, min(len(task_names), rng.randint(0, 4)))],
            "languages": rng.sample(["English", "Chinese", "German", "French", "Spanish", "Japanese"], rng.randint(0, 2)),
            "variants": [name],
            "num_papers": rng.randint(0, 3000),
            "data_loaders": [],
            "mention_count": rng.randint(0, 500),
            "verified_name": rng.random() < 0.2,
        }
        w.add(rec)
    w.close()
    return w.n


def write_methods(out: Path, scale: float, level: int, methods: list[dict]) -> int:
    target = round(FULL["methods"] * scale)
    w = Writer(gz_writer(out / "methods.json.gz", level))
    k = 0
    while w.n < target:
        for m in methods:
            if w.n >= target:
                break
            rec = dict(m)
            if k:
                rec["name"] = f"{m['name']} [c{k}]"
                rec["url"] = f"{m['url'].rstrip('/')}-c{k}"
                if m.get("full_name"):
                    rec["full_name"] = f"{m['full_name']} [c{k}]"
            w.add(rec)
        k += 1
    w.close()
    return w.n


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = the size of the final 2025 dumps")
    ap.add_argument("--out", required=True, type=Path, help="source directory to write (created)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--gzip-level", type=int, default=1, choices=range(1, 10))
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be positive")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    book, names, et = write_eval_tables(out, args.scale, args.gzip_level, rng)
    t_et = time.perf_counter() - t0
    methods = json.load(gzip.open(METHODS_TEMPLATE))
    vocab = build_vocab(methods)
    task_names = list(names["tasks"])
    pl = write_papers_and_links(out, args.scale, args.gzip_level, args.seed, book, task_names, methods, vocab)
    t_pl = time.perf_counter() - t0 - t_et
    nd = write_datasets(out, args.scale, args.gzip_level, args.seed, list(names["datasets"]), task_names, vocab)
    nm = write_methods(out, args.scale, args.gzip_level, methods)
    files = {}
    for p in sorted(out.glob("*.json.gz")):
        files[p.name] = p.stat().st_size
    summary = {
        "scale": args.scale, "seed": args.seed, "gzip_level": args.gzip_level,
        "evaluation_tables": et, "papers_and_links": pl, "datasets": nd, "methods": nm,
        "gz_bytes": files, "seconds": round(time.perf_counter() - t0, 1),
        "seconds_eval_tables": round(t_et, 1), "seconds_papers_links": round(t_pl, 1),
    }
    (out / "gen_scale.txt").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
