"""A built release is a Hugging Face dataset and a Croissant dataset, from the one schema.

Real ``huggingface_hub``, ``datasets`` and ``mlcroissant`` on a release built from the real
2020 dump (the session's tiny release); nothing is mocked but the one broken Metadata that
shows a refused croissant.json fails the seal step.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.builds import Built
from transforms.errors import ValidationFailed
from transforms.release.schema import TABLES

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def manifest(tiny_release: Built) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tiny_release.release_dir / "manifest.json").read_bytes())
    return data


@pytest.fixture(scope="module", autouse=True)
def _offline_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``datasets`` and the Hub client never go online and cache under a tmp dir."""
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HOME", str(tmp_path_factory.mktemp("hf-home")))
    mp.setenv("HF_DATASETS_OFFLINE", "1")
    mp.setenv("HF_HUB_OFFLINE", "1")
    logging.getLogger("absl").setLevel(logging.ERROR)
    yield
    mp.undo()


def test_readme_header_is_a_dataset_card_with_one_config_per_table(tiny_release: Built) -> None:
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(tiny_release.release_dir / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "cc-by-sa-4.0"
    assert data["pretty_name"] == f"Papers with Code archive (release {tiny_release.release_id})"
    assert data["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in data["configs"]}
    assert list(configs) == list(TABLES)
    assert [name for name, c in configs.items() if c.get("default")] == ["results"]
    assert configs["papers"]["data_files"] == [{"split": "train", "path": "parquet/papers.parquet"}]
    assert card.text.startswith(f"# Papers with Code archive — release {tiny_release.release_id}")


def test_every_table_with_rows_loads_with_datasets_and_empty_ones_are_named(
    tiny_release: Built, manifest: dict[str, Any]
) -> None:
    import datasets

    datasets.disable_progress_bars()
    counts = {name: t["row_count"] for name, t in manifest["tables"].items()}
    loaded = {}
    for name, rows in counts.items():
        if rows:
            loaded[name] = datasets.load_dataset(str(tiny_release.release_dir), name, split="train").num_rows
    assert loaded == {name: rows for name, rows in counts.items() if rows}
    default = datasets.load_dataset(str(tiny_release.release_dir), split="train")
    assert default.num_rows == counts["results"]
    assert set(default.column_names) == set(TABLES["results"].column_names)

    empty = sorted(name for name, rows in counts.items() if not rows)
    assert empty  # a first release has empty tables (submissions, changes, ...)
    readme = (tiny_release.release_dir / "README.md").read_text()
    assert "cannot load a 0-row split" in readme
    for name in empty:
        assert f"`{name}`" in readme.split("Empty in this release:")[1].split("\n")[0]
    with pytest.raises(ValueError, match="corresponds to no data"):
        datasets.load_dataset(str(tiny_release.release_dir), empty[0], split="train")


def test_croissant_validates_and_its_files_carry_the_manifest_sha256(
    tiny_release: Built, manifest: dict[str, Any]
) -> None:
    from transforms.publish.croissant import validate_croissant

    path = tiny_release.release_dir / "croissant.json"
    assert validate_croissant(path) == []
    jsonld = json.loads(path.read_bytes())
    assert jsonld["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert "Papers with Code archive" in jsonld["citeAs"]
    files = {f["path"]: f for f in manifest["files"]}
    objects = {o["@id"]: o for o in jsonld["distribution"]}
    assert set(objects) == {t["file"] for t in manifest["tables"].values()}
    for rel, obj in objects.items():
        assert obj["sha256"] == files[rel]["sha256"]
        assert obj["contentSize"] == f"{files[rel]['bytes']} B"
    assert "croissant.json" in files  # listed, hence verified, like every file
    record_sets = {r["@id"]: [f["name"] for f in r["field"]] for r in jsonld["recordSet"]}
    assert record_sets == {name: spec.column_names for name, spec in TABLES.items()}


def test_mlcroissant_reads_every_record_of_every_table(tiny_release: Built, manifest: dict[str, Any]) -> None:
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=tiny_release.release_dir / "croissant.json")
    counts = {name: sum(1 for _ in dataset.records(name)) for name in TABLES}
    assert counts == {name: t["row_count"] for name, t in manifest["tables"].items()}
    first = next(iter(dataset.records("datasets")))
    assert set(first) == {f"datasets/{c}" for c in TABLES["datasets"].column_names}


def test_a_croissant_file_mlcroissant_refuses_fails_the_seal(
    tiny_release: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlcroissant as mlc

    from transforms.publish import croissant

    real = croissant.build_metadata

    def broken(**kwargs: Any) -> Any:
        metadata = real(**kwargs)
        field = metadata.record_sets[0].fields[0]
        field.source = mlc.Source(
            file_object="parquet/no-such-table.parquet", extract=mlc.Extract(column="x")
        )
        return metadata

    monkeypatch.setattr(croissant, "build_metadata", broken)
    with pytest.raises(
        ValidationFailed, match=r"croissant\.json: mlcroissant refuses the Croissant metadata: "
    ):
        croissant.write_croissant(
            tmp_path,
            release_id=tiny_release.release_id,
            created_at="2026-01-03T00:00:00Z",
            counts={},
            parquet={f"parquet/{n}.parquet": {"sha256": "0" * 64, "bytes": 1} for n in TABLES},
        )
    assert not (tmp_path / "croissant.json").exists()
