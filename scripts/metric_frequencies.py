"""Print the most frequent metric names of an evaluation-tables dump and what the registry says of them.

Used to build and review transforms/normalize/metrics.yaml:

    .venv/bin/python scripts/metric_frequencies.py                 # top 200 names, registry coverage
    .venv/bin/python scripts/metric_frequencies.py --top 300 --unknown   # only names the registry lacks
    .venv/bin/python scripts/metric_frequencies.py --bounds        # parsed values outside each entry's bounds

Frequency is the number of result cells per metric name after trimming whitespace, over every
cell the ingest walk yields (repeated subtasks included). Data sourced from the Papers with Code
archive (CC BY-SA 4.0).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from transforms.ingest.evaluation_tables import walk_task
from transforms.ingest.jsonstream import open_bytes
from transforms.normalize.metrics import lookup
from transforms.normalize.values import parse_metric_value

ROOT = Path(__file__).resolve().parents[1]
DUMP = ROOT / "data" / "sample" / "evaluation-tables.2020-08-28.json.gz"


def cells(path: Path) -> Iterator[dict[str, str | None]]:
    """Every metric cell of a dump (or of a sota-extractor leaderboard file) as an ingest row."""
    with open_bytes(path) as fh:
        data = json.load(fh)
    for index, task in enumerate(data if isinstance(data, list) else [data]):
        for emitted in walk_task(task, path.name, index):
            if emitted.kind == "result" and emitted.row["metric_name_raw"] is not None:
                yield emitted.row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DUMP], help="dump or leaderboard files")
    parser.add_argument("--top", type=int, default=200, help="how many names to list (default 200)")
    parser.add_argument("--unknown", action="store_true", help="list only names the registry lacks")
    parser.add_argument("--bounds", action="store_true", help="list parsed values outside the bounds")
    args = parser.parse_args()

    rows = [row for path in args.paths for row in cells(path)]
    counts = Counter(str(row["metric_name_raw"]).strip() for row in rows)
    if args.bounds:
        _print_bounds(rows)
        return
    known = 0
    for rank, (name, n) in enumerate(counts.most_common(args.top), start=1):
        info = lookup(name)
        known += info.known
        if args.unknown and info.known:
            continue
        canonical = info.name if info.known else "UNKNOWN"
        print(f"{rank:4} {n:6}  {name!r:45} -> {canonical} [{info.unit}, {info.direction}]")
    total = sum(counts.values())
    covered = sum(n for name, n in counts.items() if lookup(name).known)
    print(f"\n{known} of the top {min(args.top, len(counts))} names are in the registry;")
    print(f"registry covers {covered} of {total} cells ({covered / total:.1%}), {len(counts)} distinct names")


def _print_bounds(rows: list[dict[str, str | None]]) -> None:
    outside: dict[str, list[tuple[float, dict[str, str | None]]]] = defaultdict(list)
    checked = 0
    for row in rows:
        parsed = parse_metric_value(row["value_raw"])
        info = lookup(str(row["metric_name_raw"]), row["task_raw"])
        if parsed.value is None or not info.known:
            continue
        checked += 1
        if not info.in_bounds(parsed.value):
            outside[info.name].append((parsed.value, row))
    for name, hits in sorted(outside.items(), key=lambda kv: -len(kv[1])):
        info = lookup(name)
        print(f"{name} [{info.min_value}, {info.max_value}]: {len(hits)} cells")
        seen = set()
        for value, row in hits:
            key = (row["task_raw"], row["dataset_raw"], row["model_name_raw"], row["value_raw"])
            if key not in seen:
                seen.add(key)
                print(f"    {value:g} (raw {row['value_raw']!r})  {key[0]} / {key[1]} / {key[2]}")
    total = sum(len(h) for h in outside.values())
    print(f"\n{total} of {checked} parsed values of known metrics are outside their bounds")


if __name__ == "__main__":
    main()
