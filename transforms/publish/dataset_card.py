"""The release README (dataset card) and the repo's table reference, from one schema.

The README starts with a Hugging Face dataset-card header written with ``huggingface_hub``'s
card API (``DatasetCardData``, ``DatasetCard``): licence, pretty name, size category and one
config per table naming its Parquet file, ``results`` the default. A release directory is then
a dataset ``datasets.load_dataset(release_dir, "<table>")`` reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transforms.publish.croissant import citation
from transforms.release.layout import ATTRIBUTION, parquet_file
from transforms.release.schema import SCHEMA_VERSION, TABLES

DEFAULT_CONFIG = "results"
"""The table ``load_dataset(release_dir)`` loads when no config is named."""
HF_LICENSE = "cc-by-sa-4.0"
"""The licence's id in the Hub's list (``manifest.json`` uses the SPDX id CC-BY-SA-4.0)."""
_SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))


def size_category(rows: int) -> str:
    """The Hub's size category for a number of examples."""
    for bound, label in _SIZE_CATEGORIES:
        if rows < bound:
            return label
    return "1M<n<10M" if rows < 10_000_000 else "10M<n<100M"


def card_data(release_id: str, counts: Mapping[str, int]) -> Any:
    """The dataset card's YAML header (``huggingface_hub.DatasetCardData``), from the schema.

    One config per table (``data_files``: its Parquet file as the ``train`` split), ``results``
    the default; the size category is that of the largest table.
    """
    from huggingface_hub import DatasetCardData

    configs = [
        {
            "config_name": name,
            "data_files": [{"split": "train", "path": parquet_file(name)}],
            **({"default": True} if name == DEFAULT_CONFIG else {}),
        }
        for name in TABLES
    ]
    return DatasetCardData(
        license=HF_LICENSE,
        pretty_name=f"Papers with Code archive (release {release_id})",
        language=["en"],
        size_categories=[size_category(max(counts.values(), default=0))],
        source_datasets=["original"],
        tags=["papers-with-code", "leaderboards", "benchmarks", "machine-learning"],
        configs=configs,
    )


def tables_markdown(counts: Mapping[str, int] | None = None) -> str:
    """Grain, key and columns of every release table, as Markdown."""
    out: list[str] = []
    for name, spec in TABLES.items():
        rows = f" — {counts[name]:,} rows" if counts and name in counts else ""
        out.append(f"### `{name}`{rows}\n")
        out.append(f"Grain: {spec.grain}. Primary key: `{spec.key}`.")
        if spec.references:
            refs = ", ".join(f"`{c}` → `{t}.{tc}`" for c, t, tc in spec.references)
            out.append(f" References: {refs}.")
        out.append("\n\n| column | type | description |\n|---|---|---|\n")
        for col in spec.columns:
            null = "" if col.nullable else " (never NULL)"
            out.append(f"| `{col.name}` | {col.type} | {col.description}{null} |\n")
        out.append("\n")
    return "".join(out)


def render_readme(
    *,
    release_id: str,
    counts: Mapping[str, int],
    created_at: str,
    inputs: list[dict[str, Any]],
    validation: Mapping[str, Any],
    quality: Mapping[str, Any] | None = None,
) -> str:
    from huggingface_hub import DatasetCard

    from transforms.publish.quality import render_markdown

    quality_section = render_markdown(quality) + "\n" if quality else ""
    empty = [name for name in TABLES if not counts.get(name)]
    empty_note = (
        "Empty in this release: "
        + ", ".join(f"`{n}`" for n in empty)
        + ". Their Parquet files and DuckDB tables keep the full schema, but Hugging Face "
        '`datasets` cannot load a 0-row split (`load_dataset` says the split "corresponds to no '
        'data"): read them with DuckDB, pandas or polars.\n'
        if empty
        else ""
    )
    table_list = "\n".join(f"| `{n}` | {counts.get(n, 0):,} | `parquet/{n}.parquet` |" for n in TABLES)
    input_list = "\n".join(f"| `{i['path']}` | {i['bytes']:,} | `{i['sha256'][:16]}…` |" for i in inputs)
    passed = "passed" if validation.get("success") else "FAILED"
    body = f"""
# Papers with Code archive — release {release_id}

{ATTRIBUTION}.

This release re-publishes the record of machine-learning results kept by Papers
with Code (paperswithcode.com, closed July 2025): papers, tasks, datasets,
metrics, models, results, code links and methods. The data is licensed under the
[Creative Commons Attribution-ShareAlike 4.0 International licence](https://creativecommons.org/licenses/by-sa/4.0/)
(full text in `LICENSE`). If you share it or build on it, credit
"Papers with Code archive (CC BY-SA 4.0)" and share your derivative under the same licence.

- Release id: `{release_id}` (schema version {SCHEMA_VERSION}), built {created_at}.
- Integrity: every file's sha256 is in `SHA256SUMS` and `manifest.json`; check with
  `sha256sum -c SHA256SUMS` or `pwc-archive release verify <dir>`.
- Validation: the Great Expectations gate {passed}; the report is `validation.json`.

## Load it

Paths are relative to this release's directory (`pwc-archive release path latest` prints it).

```python
import duckdb
con = duckdb.connect("pwc.duckdb", read_only=True)
con.sql("SELECT * FROM results JOIN metrics USING (metric_id) LIMIT 5")

import pandas as pd
results = pd.read_parquet("parquet/results.parquet")

import polars as pl
results = pl.read_parquet("parquet/results.parquet")

from datasets import load_dataset   # one config per table; results is the default
results = load_dataset("path/to/{release_id}", "results", split="train")

import mlcroissant as mlc           # croissant.json: record sets and fields of every table
records = mlc.Dataset(jsonld="croissant.json").records("results")
```

{empty_note}
## Tables

| table | rows | file |
|---|---|---|
{table_list}

Values are kept with their raw form beside them (`value_raw`, `metric_name_raw`,
`model_name_raw`, ...): normalisation is auditable. Metric spellings are folded
into one canonical metric with its direction, unit and bounds (the reviewed metric
registry), and spellings of one model inside a paper into one model
(`model_aliases` lists every spelling).

Ids are stable across releases: they derive from each entity's identity, never
from row order, and an id once published always resolves. `id_registry` lists
every id ever published (first and last release, status, where it resolves now);
`id_redirects` maps the ids of merged entities to the id they live on as.
`CHANGELOG.md` and the `changes` table list what changed since the previous release
(`pwc-archive release diff A B` compares any two).

The DuckDB file also has the view `leaderboards`: for each (task, dataset, metric)
the results ranked by the metric's direction, the state of the art first:

```sql
SELECT rank, model, value, paper_title FROM leaderboards
WHERE task = 'Image Classification' AND dataset = 'ImageNet' AND metric = 'Top-1 Accuracy'
ORDER BY rank LIMIT 10;
```

{quality_section}{tables_markdown(counts)}
## Cite

```bibtex
{citation(release_id)}
```

## Inputs

| file | bytes | sha256 |
|---|---|---|
{input_list}
"""
    header = card_data(release_id, counts).to_yaml()
    return str(DatasetCard(f"---\n{header}\n---\n{body.lstrip(chr(10))}"))


def main() -> None:
    """Print docs/tables.md (``make docs``)."""
    print("# Release tables\n")
    print("Generated from `transforms/release/schema.py` by `make docs`; a test checks it is current.")
    print("Every release's README.md carries the same text with its row counts.\n")
    print(tables_markdown(), end="")


if __name__ == "__main__":
    main()
