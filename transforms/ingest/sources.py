"""Which files of a source directory are which archive dump.

A source directory holds the archive's dumps (gzip or plain JSON) under their
upstream names, plus leaderboard files in the evaluation-tables format under
``leaderboards/``. Unknown files are reported, never silently used or dropped.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass
from pathlib import Path

from transforms.errors import SourceError

KINDS: dict[str, tuple[str, ...]] = {
    # Order matters: it is the source priority (first = preferred when two sources disagree).
    "evaluation_tables": (
        "evaluation-tables*.json",
        "evaluation-tables*.json.gz",
        "leaderboards/*.json",
        "leaderboards/*.json.gz",
    ),
    "papers": ("papers-with-abstracts*.json", "papers-with-abstracts*.json.gz"),
    "code_links": ("links-between-papers-and-code*.json", "links-between-papers-and-code*.json.gz"),
    "methods": ("methods*.json", "methods*.json.gz"),
    "datasets": ("datasets*.json", "datasets*.json.gz"),
}
IGNORED = ("README*", "*.md", "*.txt", ".*")


@dataclass(frozen=True)
class SourceFile:
    kind: str
    path: Path
    name: str
    """Path relative to the source directory, with forward slashes: the ``source`` value in the data."""
    rank: int
    """Priority: lower wins when sources disagree (dumps before leaderboard files)."""

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()


@dataclass(frozen=True)
class SourceSet:
    root: Path
    files: tuple[SourceFile, ...]
    unknown: tuple[str, ...]

    def of_kind(self, kind: str) -> list[SourceFile]:
        return [f for f in self.files if f.kind == kind]


def discover(root: Path) -> SourceSet:
    """Classify every file under ``root``; fails if there are no evaluation tables."""
    if not root.is_dir():
        raise SourceError(f"{root}: source directory not found")
    files: list[SourceFile] = []
    unknown: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        kind = _kind_of(rel)
        if kind is None:
            if not any(fnmatch.fnmatch(path.name, pat) for pat in IGNORED):
                unknown.append(rel)
            continue
        files.append(SourceFile(kind, path, rel, 0))
    kind_order = list(KINDS)
    files.sort(key=lambda f: (kind_order.index(f.kind), "/" in f.name, f.name))
    ranked = tuple(SourceFile(f.kind, f.path, f.name, i) for i, f in enumerate(files))
    result = SourceSet(root, ranked, tuple(unknown))
    if not result.of_kind("evaluation_tables"):
        raise SourceError(
            f"{root}: no evaluation tables found (expected evaluation-tables*.json[.gz] "
            f"or leaderboards/*.json); found {len(files)} other dump files"
        )
    return result


def _kind_of(rel: str) -> str | None:
    for kind, patterns in KINDS.items():
        for pattern in patterns:
            if "/" in pattern:
                if fnmatch.fnmatch(rel, pattern) and rel.count("/") == pattern.count("/"):
                    return kind
            elif "/" not in rel and fnmatch.fnmatch(rel, pattern):
                return kind
    return None
