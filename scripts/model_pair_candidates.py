"""Mine candidate model-name pairs for reviewing model deduplication (transforms/normalize/models.py).

Prints CSV rows, one candidate pair a line, for a person to label ``same`` / ``different``:

    .venv/bin/python scripts/model_pair_candidates.py                       # from the bundled 2020 dump
    .venv/bin/python scripts/model_pair_candidates.py --db WORK/work.duckdb # from a built work database
    .venv/bin/python scripts/model_pair_candidates.py --kind variant --kind generic --limit 50
    .venv/bin/python scripts/model_pair_candidates.py --db WORK/work.duckdb --check-keys  # twins agree?
    .venv/bin/python scripts/model_pair_candidates.py --db WORK/work.duckdb --source '%' --values \
        --kind tagged                               # the whole sample, with each pair's shared values

Kinds of candidate (``--kind``, repeatable; all by default):

* ``same-key``  two spellings in one paper with the same ``name_key`` (the first rule merges them);
* ``tagged``    two spellings in one paper equal once a trailing year ``(2018)`` (and a footnote mark
  before it), a trailing bracketed or ``(Author et al., 2018)`` tag, "model" after single/ensemble
  and every separator are dropped: year suffixes, citation tags, configuration separators;
* ``variant``   two spellings in one paper that differ only by something that may carry meaning:
  ``+`` signs, digits, a parenthesised part, "single model" / "ensemble", ``*`` / dagger marks;
* ``close``     two spellings in one paper that are close by ``difflib`` (ratio >= ``--min-ratio``
  on the lowercased names) and are neither of the above;
* ``generic``   one short name (``CNN``, ``LSTM``) in two different papers; such names must never
  be merged across papers.

The columns are those of ``tests/fixtures/model_pairs.csv`` (``label`` left empty, ``reason``
holding the candidate kind) plus ``context``: the tasks and datasets each spelling has results on,
to judge pairs the names alone do not settle; with ``--values`` (and ``--db``) also the values of the
two spellings on every leaderboard both sit in, differing ones first (two different values in one
leaderboard make two entries). Labels are for a person to set by reading the names and rows; the
script never judges. Names are as the build trims them (whitespace collapsed), paper
keys as the build derives them (``arxiv:<id>``, ``url:<normalised url>``, ``title:<lowercased title>``).

Data sourced from the Papers with Code archive (CC BY-SA 4.0).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import itertools
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from transforms.ingest.evaluation_tables import walk_task
from transforms.ingest.jsonstream import open_bytes
from transforms.normalize.models import name_key

ROOT = Path(__file__).resolve().parents[1]
DUMP = ROOT / "data" / "sample" / "evaluation-tables.2020-08-28.json.gz"
KINDS = ("same-key", "tagged", "variant", "close", "generic")
COLUMNS = ("paper_key", "name_a", "paper_key_b", "name_b", "label", "reason", "context")

# Python twins of the SQL macros in transforms/sql/macros.sql (clean_name, arxiv_from_url,
# norm_url, paper_key), so a dump can be read without building; checked against a work DB by
# --check-keys.
_SPACES = re.compile(r"[\t\n\f\r \u00a0\u2000-\u200b\u3000\ufeff]+")
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/((?:[a-z\-]+(?:\.[A-Za-z]{2})?/\d{7})|(?:\d{4}\.\d{4,5}))")
_SCHEME = re.compile(r"^(https?://)?(www\.)?")
_TRAIL = re.compile(r"(/+|\.git)$")


def clean_name(s: str | None) -> str | None:
    """``clean_name``: collapse every kind of whitespace to one space and trim."""
    return None if s is None else _SPACES.sub(" ", s).strip(" ")


def paper_key(url: str | None, title: str | None) -> str | None:
    """``paper_key(arxiv_from_url(url), url, title)`` as stg_results derives it."""
    url = url.strip(" ") if url is not None else None  # SQL trim() removes spaces only
    url = url or None
    if url is not None:
        m = _ARXIV.search(url)
        if m:
            return "arxiv:" + m.group(1)
        normed = _TRAIL.sub("", _SCHEME.sub("https://", url, count=1), count=1)
        return None if normed == "https://" else "url:" + normed
    title = clean_name(title)
    return "title:" + title.lower() if title else None


Cell = tuple[str | None, str, str, str]
"""(paper key, trimmed model name, task, dataset) of one archived metric cell."""


def dump_cells(path: Path = DUMP) -> Iterator[Cell]:
    """Every metric cell of an evaluation-tables dump, as stg_results would stage it."""
    with open_bytes(path) as fh:
        data = json.load(fh)
    for index, task in enumerate(data if isinstance(data, list) else [data]):
        for emitted in walk_task(task, path.name, index):
            row = emitted.row
            if emitted.kind != "result" or row["metric_name_raw"] is None:
                continue
            yield (
                paper_key(row["paper_url_raw"], row["paper_title_raw"]),
                clean_name(row["model_name_raw"]) or "",
                clean_name(row["task_raw"]) or "(unnamed task)",
                clean_name(row["dataset_raw"]) or "(unnamed dataset)",
            )


def db_cells(db: Path, source_like: str) -> Iterator[Cell]:
    """The staged cells of a work database (stg_results), restricted to sources LIKE ``source_like``."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        yield from con.execute(
            "SELECT paper_key, model_name, task_name, dataset_name FROM stg_results WHERE source LIKE ?",
            [source_like],
        ).fetchall()
    finally:
        con.close()


# --- what separates two spellings ---------------------------------------------------------------

_ENSEMBLE = re.compile(r"\b(single[\s\-_]*model|single|ensemble)\b", re.IGNORECASE)
_PARENS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
_MARKS = re.compile(r"[*\u2020\u2021]")


def loose(name: str) -> str:
    """A deliberately over-folded key: what is left once every possibly meaningful part is gone."""
    s = _ENSEMBLE.sub(" ", name)
    s = _PARENS.sub(" ", s)
    s = _MARKS.sub("", s)
    s = re.sub(r"\d+", "", s).replace("+", "")
    return re.sub(r"[\W_]+", "", s.casefold())


_YEAR_TAG = re.compile(r"\s*[*\u2020\u2021\u2666]*\s*\((?:19|20)\d\d\)\s*$")
_BRACKET_TAG = re.compile(r"\s*\[\[?[^\[\]]*\]?\]\s*$")
_AUTHOR_TAG = re.compile(r"\s*\([A-Z][\w'\-]+(?: et al\.?| and [A-Z][\w'\-]+)?,? \d{4}\)$")
_MODEL_WORD = re.compile(r"\b(single|ensemble)[\s\-]*model\b")


def untagged(name: str) -> str:
    """Another over-folded key: the name without a trailing year, citation tag and separators."""
    s = _BRACKET_TAG.sub("", _AUTHOR_TAG.sub("", _YEAR_TAG.sub("", name)))
    s = _MODEL_WORD.sub(r"\1", s.casefold())
    return re.sub(r"[\s\-_()\[\],+&.:;'\"`]+", "", s)


def ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.casefold(), b.casefold()).ratio()


def is_generic(key: str, papers: int) -> bool:
    """A short, widely used name: an architecture family rather than one paper's model."""
    return papers >= 3 and len(key) <= 8 and not any(ch.isdigit() for ch in key)


Values = dict[tuple[str | None, str], dict[str, set[str]]]
"""(paper, spelling) -> leaderboard ("task / dataset / metric key") -> the spelling's value keys there."""


def db_values(db: Path) -> Values:
    """Each spelling's values per leaderboard, from the work database's ``model_board_values``."""
    import duckdb

    out: Values = defaultdict(lambda: defaultdict(set))
    con = duckdb.connect(str(db), read_only=True)
    try:
        for paper, name, task, dataset, metric, value in con.execute(
            "SELECT paper_key, model_name, task_name, dataset_name, metric_key, value_key FROM model_board_values"
        ).fetchall():
            out[(paper, name)][f"{task} / {dataset} / {metric}"].add(value)
    finally:
        con.close()
    return out


def shared_values(values: Values, paper: str, a: str, b: str) -> str:
    """The two spellings' values on the leaderboards both sit in, the differing ones first."""
    va, vb = values.get((paper, a), {}), values.get((paper, b), {})
    boards = sorted(va.keys() & vb.keys(), key=lambda k: (va[k] == vb[k], k))
    shown = [f"{k}: {sorted(va[k])} vs {sorted(vb[k])}" for k in boards[:4]]
    return f" || shared {len(boards)}: " + "; ".join(shown) if boards else " || shared 0"


def candidates(
    cells: Iterable[Cell], kinds: set[str], min_ratio: float, values: Values | None = None
) -> Iterator[dict[str, str]]:
    by_paper: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str | None, str], set[str]] = defaultdict(set)
    for paper, name, task, dataset in cells:
        if not name:
            continue
        where[(paper, name)].add(f"{task} / {dataset}")
        if paper is not None:
            by_paper[paper].add(name)

    def context(pa: str | None, a: str, pb: str | None, b: str) -> str:
        def one(p: str | None, n: str) -> str:
            places = sorted(where[(p, n)])
            more = f" (+{len(places) - 3} more)" if len(places) > 3 else ""
            return "; ".join(places[:3]) + more

        return f"{a}: {one(pa, a)} || {b}: {one(pb, b)}"

    for paper in sorted(by_paper):
        for a, b in itertools.combinations(sorted(by_paper[paper]), 2):
            if name_key(a) == name_key(b):
                kind = "same-key"
            elif untagged(a) == untagged(b):
                kind = "tagged"
            elif loose(a) == loose(b) and loose(a):
                kind = "variant"
            elif ratio(a, b) >= min_ratio:
                kind = "close"
            else:
                continue
            if kind in kinds:
                yield {
                    "paper_key": paper,
                    "name_a": a,
                    "paper_key_b": "",
                    "name_b": b,
                    "label": "",
                    "reason": kind,
                    "context": context(paper, a, paper, b)
                    + (shared_values(values, paper, a, b) if values is not None else ""),
                }

    if "generic" in kinds:
        papers_of: dict[str, dict[str, str]] = defaultdict(dict)  # key -> paper -> a spelling
        for paper, names in by_paper.items():
            for n in names:
                papers_of[name_key(n)].setdefault(paper, n)
        for key in sorted(papers_of, key=lambda k: (-len(papers_of[k]), k)):
            papers = papers_of[key]
            if not is_generic(key, len(papers)):
                continue
            (pa, a), (pb, b) = sorted(papers.items())[:2]
            yield {
                "paper_key": pa,
                "name_a": a,
                "paper_key_b": pb,
                "name_b": b,
                "label": "",
                "reason": f"generic ({len(papers)} papers)",
                "context": context(pa, a, pb, b),
            }


def check_keys(db: Path, dump: Path) -> int:
    """Compare the Python paper keys of the dump with stg_results; print mismatches."""
    ours = {(p, n) for p, n, _, _ in dump_cells(dump)}
    theirs = {(p, n) for p, n, _, _ in db_cells(db, "evaluation-tables%")}
    for pair in sorted(ours ^ theirs, key=str)[:20]:
        print("only in", "dump" if pair in ours else "db", pair, file=sys.stderr)
    print(f"{len(ours)} (paper, model) in the dump, {len(theirs)} in the db, {len(ours ^ theirs)} differ")
    return 1 if ours ^ theirs else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dump", type=Path, default=DUMP, help="evaluation-tables dump (default: bundled)")
    parser.add_argument("--db", type=Path, help="read stg_results of this work database instead")
    parser.add_argument(
        "--source", default="evaluation-tables%", help="with --db: stg_results.source LIKE pattern"
    )
    parser.add_argument("--kind", action="append", choices=KINDS, help="candidate kinds (default: all)")
    parser.add_argument("--min-ratio", type=float, default=0.85, help="difflib ratio for 'close' pairs")
    parser.add_argument("--limit", type=int, default=0, help="print at most N rows per kind (0: all)")
    parser.add_argument(
        "--check-keys", action="store_true", help="with --db: check the dump's paper keys against the db"
    )
    parser.add_argument(
        "--values",
        action="store_true",
        help="with --db: add each pair's values on the leaderboards they share",
    )
    args = parser.parse_args(argv)
    if args.check_keys:
        if args.db is None:
            parser.error("--check-keys needs --db")
        return check_keys(args.db, args.dump)
    if args.values and args.db is None:
        parser.error("--values needs --db")
    cells = db_cells(args.db, args.source) if args.db else dump_cells(args.dump)
    values = db_values(args.db) if args.values else None
    kinds = set(args.kind or KINDS)
    writer = csv.DictWriter(sys.stdout, COLUMNS, lineterminator="\n")
    writer.writeheader()
    printed: dict[str, int] = defaultdict(int)
    for row in candidates(cells, kinds, args.min_ratio, values):
        kind = row["reason"].split(" ")[0]
        if args.limit and printed[kind] >= args.limit:
            continue
        printed[kind] += 1
        writer.writerow(row)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head: stop quietly
        sys.stderr.close()
        sys.exit(0)
