"""Builders and paths shared by tests (importable; conftest.py only declares fixtures)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
FIXTURES = ROOT / "tests" / "fixtures"
SUBSETS = FIXTURES / "subsets"
CORRUPT = FIXTURES / "corrupt" / "example_json_format.json"


@dataclass
class Built:
    store: Path
    work: Path
    release_id: str
    result: Any

    @property
    def release_dir(self) -> Path:
        return self.store / self.release_id


def make_source(root: Path, *, tiny: bool = False, extra: dict[str, Path] | None = None) -> Path:
    """A source dir cut from the real data: one subset of the 2020 dump + the methods sample."""
    root.mkdir(parents=True, exist_ok=True)
    name = "tiny" if tiny else "small"
    shutil.copy(
        SUBSETS / f"evaluation-tables.2020-08-28.{name}.json", root / f"evaluation-tables.{name}.json"
    )
    shutil.copy(SUBSETS / "methods.2022-05.sample.json", root / "methods.sample.json")
    for handmade in SAMPLE.glob("*.handmade.json"):
        shutil.copy(handmade, root / handmade.name)
    for rel, src in (extra or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, root / rel)
    return root


def build(source: Path | None, store: Path, work: Path, release_id: str, **settings: Any) -> Built:
    from transforms.config import Settings
    from transforms.pipeline import build_release

    s = Settings.load(source=str(source) if source else None, store=str(store), work=str(work), **settings)
    result = build_release(s, release_id=release_id)
    return Built(store, work, result.release_id, result)
