"""The release contract's names: files of a release and of a store, the release-id grammar, the licence.

A store holds ``index.json`` (every release), ``latest.json`` (the newest complete one) and one
directory per release id ``YYYY-MM-DD.N``. A release directory holds ``manifest.json`` (written
last), ``SHA256SUMS``, ``LICENSE``, ``README.md``, ``validation.json``, ``quality.json``,
``CHANGELOG.md``, ``croissant.json``, ``pwc.duckdb`` and ``parquet/<table>.parquet``. A local store
also has ``latest``, a link to the newest complete release. Formats: ``manifest.py``;
tables: ``schema.py``.
"""

from __future__ import annotations

import re
from datetime import date

from transforms.errors import PwcError

MANIFEST = "manifest.json"
SHA256SUMS = "SHA256SUMS"
INDEX = "index.json"
LATEST = "latest.json"
INDEX_FORMAT = 1

LICENSE_ID = "CC-BY-SA-4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
DEFAULT_LICENSE: dict[str, str] = {
    "id": LICENSE_ID,
    "url": LICENSE_URL,
    "attribution": "Papers with Code archive (paperswithcode.com, Meta AI Research and contributors), "
    "CC BY-SA 4.0; redistributed by the pwc-archive project.",
}

RELEASE_ID_RE = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})\.(?P<n>0|[1-9][0-9]*)$")
"""``YYYY-MM-DD.N``: the build's logical date and a rebuild counter without leading zeros."""


def parse_release_id(release_id: str) -> tuple[date, int]:
    """Split ``YYYY-MM-DD.N`` into (date, N); raise PwcError naming the expected form."""
    m = RELEASE_ID_RE.fullmatch(release_id) if isinstance(release_id, str) else None
    if m is not None:
        try:
            return date.fromisoformat(m["date"]), int(m["n"])
        except ValueError:
            pass
    raise PwcError(
        f"release id {release_id!r} is not valid: expected YYYY-MM-DD.N "
        "(a real date, then a build number 0, 1, 2, ... without leading zeros), e.g. 2026-01-02.0"
    )


def is_release_id(s: str) -> bool:
    """True when ``s`` is a well-formed release id."""
    try:
        parse_release_id(s)
    except PwcError:
        return False
    return True


def release_sort_key(release_id: str) -> tuple[date, int]:
    """Sort key ordering releases by (date, N): 2026-01-02.10 comes after 2026-01-02.9."""
    return parse_release_id(release_id)


DUCKDB_FILE = "pwc.duckdb"
VALIDATION_FILE = "validation.json"
QUALITY_FILE = "quality.json"
CHANGELOG_FILE = "CHANGELOG.md"
README_FILE = "README.md"
CROISSANT_FILE = "croissant.json"
"""Croissant (JSON-LD) metadata of the release: record sets, fields and file objects with sha256."""
LATEST_LINK = "latest"
"""In a local store or download folder: a symbolic link to the newest complete release."""
LICENSE_FILE = "LICENSE"
PARQUET_DIR = "parquet"
ATTRIBUTION = "Data sourced from the Papers with Code archive (CC BY-SA 4.0)"
"""The attribution every copy of the data carries (README, Parquet metadata, pwc.duckdb)."""


def parquet_file(table: str) -> str:
    """The release-relative path of a table's Parquet file."""
    return f"{PARQUET_DIR}/{table}.parquet"
