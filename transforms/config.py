"""One typed settings object.

Resolution order for every field: explicit argument (CLI flag, Airflow Variable)
> environment variable > ``pwc-archive.toml`` (``$PWC_CONFIG`` or the current
directory) > a default that works on a laptop.

Defaults never point into the installed package (site-packages): run from a source checkout
(``make setup`` installs it editable), they are the checkout's folders (``releases/``,
``.work/``, ``data/sample``, ...); installed from a wheel, they are the same names relative
to the current directory. The Great Expectations suites ship inside the package and are read
from there unless ``expectations`` names another folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from transforms.errors import ConfigError


def _checkout_root() -> Path | None:
    """The source checkout the package runs from (an editable install), or None for a wheel."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "transforms" / "config.py").is_file():
        return root
    return None


PROJECT_ROOT = _checkout_root()
"""The repository root when the package runs from a checkout (``make setup``), else None."""
_BASE = PROJECT_ROOT or Path()
"""Where the default folders are: the checkout, or (installed as a wheel) the current directory."""

DEFAULT_SOURCE = _BASE / "data" / "sample"
DEFAULT_STORE = _BASE / "releases"
DEFAULT_WORK = _BASE / ".work"
DEFAULT_EXPECTATIONS = (
    PROJECT_ROOT / "expectations"
    if PROJECT_ROOT
    else Path(str(resources.files("transforms") / "expectations"))
)
"""The suites: the checkout's ``expectations/``, or the copy shipped in the package (built from
the link ``transforms/expectations`` → ``../expectations``, so there is one set to edit)."""
DEFAULT_SUBMISSIONS = _BASE / "submissions"

ENV_PREFIX = "PWC_"
CONFIG_FILE = "pwc-archive.toml"


@dataclass(frozen=True)
class Settings:
    """Where things are. Stores and work dirs may be local paths or fsspec URLs."""

    source: str = str(DEFAULT_SOURCE)
    """Directory holding the archive dumps and leaderboard files."""
    store: str = str(DEFAULT_STORE)
    """Release store: a local directory or a URL such as ``s3://bucket/pwc``."""
    work: str = str(DEFAULT_WORK)
    """Scratch space shared by the pipeline's tasks, keyed by release id."""
    expectations: str = str(DEFAULT_EXPECTATIONS)
    """Directory with one Great Expectations suite (JSON) per release table."""
    submissions: str = str(DEFAULT_SUBMISSIONS)
    """Submissions root (inbox/, accepted/, rejected/): a local directory or an fsspec URL."""
    max_submission_bytes: int = 2_000_000
    """Largest submission file accepted (bytes); larger files are rejected, never read whole."""
    model_rules: str = ""
    """Model deduplication exceptions (YAML); empty = the reviewed file shipped with the package."""
    threads: int = 2
    """DuckDB worker threads."""
    memory_limit: str = "1GB"
    """DuckDB memory limit; DuckDB spills to the work dir above it."""
    origin: dict[str, str] = field(default_factory=dict, compare=False)
    """For error messages: where each field's value came from."""

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Resolve settings; ``overrides`` with value ``None`` are ignored."""
        values: dict[str, Any] = {}
        origin: dict[str, str] = {}
        file_values, file_path = _read_config_file()
        for f in fields(cls):
            if f.name == "origin":
                continue
            env_name = ENV_PREFIX + f.name.upper()
            if overrides.get(f.name) is not None:
                values[f.name], origin[f.name] = overrides[f.name], "argument"
            elif os.environ.get(env_name):
                values[f.name], origin[f.name] = os.environ[env_name], f"${env_name}"
            elif f.name in file_values:
                values[f.name], origin[f.name] = file_values[f.name], str(file_path)
            else:
                origin[f.name] = "default"
        for key in ("threads", "max_submission_bytes"):
            try:
                if key in values:
                    values[key] = int(values[key])
            except ValueError:
                raise ConfigError(
                    f"{key}: expected a whole number, found {values[key]!r} (from {origin[key]})"
                ) from None
            if key in values and values[key] < 1:
                raise ConfigError(
                    f"{key}: expected a positive number, found {values[key]!r} (from {origin[key]})"
                )
        memory = str(values.get("memory_limit", cls.memory_limit))
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", memory, re.IGNORECASE):
            raise ConfigError(
                f"memory_limit: expected a size such as 1GB or 512MiB, found {memory!r} "
                f"(from {origin.get('memory_limit', 'default')})"
            )
        for key in ("source", "store", "work", "expectations", "submissions"):
            if key in values:
                values[key] = str(values[key])
        for key in ("store", "work", "submissions"):
            place = str(values.get(key, getattr(cls, key)))
            if "://" not in place and os.path.exists(place) and not os.path.isdir(place):
                raise ConfigError(
                    f"{key}: {place!r} is a file; expected a directory or a URL "
                    f"(from {origin.get(key, 'default')})"
                )
        return cls(**values, origin=origin)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (``None`` values ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def require_source(self) -> Path:
        """The source directory, checked to exist."""
        path = Path(self.source)
        if not path.is_dir():
            raise ConfigError(
                f"source: {self.source!r} is not a directory (from "
                f"{self.origin.get('source', 'default')}); checked --source, "
                f"${ENV_PREFIX}SOURCE, {CONFIG_FILE} and the default {DEFAULT_SOURCE}"
            )
        return path


def _read_config_file() -> tuple[dict[str, Any], Path | None]:
    path = Path(os.environ.get(ENV_PREFIX + "CONFIG") or CONFIG_FILE)
    if not path.is_file():
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid TOML settings file: {exc}") from None
    section = data.get("pwc-archive", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: expected a [pwc-archive] table")
    return section, path
