"""One typed settings model (pydantic-settings) that refuses typos.

Resolution order for every field: explicit argument (CLI flag, trigger-form parameter,
Airflow Variable) > environment variable ``PWC_<FIELD>`` > ``pwc-archive.toml`` (``$PWC_CONFIG``
or the current directory; keys at the top level or under ``[pwc-archive]``) > a default that
works on a laptop. A key the model does not know (``stor = ...``) is refused with one line that
names the key, the file and the valid keys: a typo silently falling back to the default store
would publish somewhere nobody looks.

Defaults never point into the installed package (site-packages): run from a source checkout
(``make setup`` installs it editable), they are the checkout's folders (``releases/``,
``.work/``, ``data/sample``, ...); installed from a wheel, they are the same names relative
to the current directory. The Great Expectations suites ship inside the package and are read
from there unless ``expectations`` names another folder.

Only pydantic and pydantic-settings are imported here (base dependencies): the light client
imports this module and must not pull Airflow or Great Expectations.
"""

from __future__ import annotations

import os
import re
import tomllib
from difflib import get_close_matches
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

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
FILE_SECTION = "pwc-archive"

_SIZE = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
_PLACES = ("store", "work", "submissions")
"""Settings that must be a directory or a URL, never an existing file."""


class Settings(BaseSettings):
    """Where things are. Stores and work dirs may be local paths or fsspec URLs."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,  # PWC_STORE= (empty) means "not set", as before
        extra="forbid",
        frozen=True,
        validate_default=False,
    )

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
    max_submission_bytes: int = Field(default=2_000_000, gt=0)
    """Largest submission file accepted (bytes); larger files are rejected, never read whole."""
    model_rules: str = ""
    """Model deduplication exceptions (YAML); empty = the reviewed file shipped with the package."""
    threads: int = Field(default=2, gt=0)
    """DuckDB worker threads."""
    memory_limit: str = "1GB"
    """DuckDB memory limit; DuckDB spills to the work dir above it."""
    origin: dict[str, str] = Field(default_factory=dict, exclude=True)
    """For error messages: where each field's value came from (``argument``, ``$PWC_STORE``, the
    settings file's path or ``default``). Not a setting: refused in the file and the environment."""

    @field_validator("source", "store", "work", "expectations", "submissions", "model_rules", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        """Paths may be given as ``Path`` objects; they are kept as text (a path or a URL)."""
        return str(value) if isinstance(value, os.PathLike) else value

    @field_validator("memory_limit")
    @classmethod
    def _a_size(cls, value: str) -> str:
        if not _SIZE.fullmatch(value):
            raise ValueError("expected a size such as 1GB or 512MiB")
        return value

    @field_validator(*_PLACES)
    @classmethod
    def _not_a_file(cls, value: str) -> str:
        if "://" not in value and os.path.exists(value) and not os.path.isdir(value):
            raise ValueError("is a file; expected a directory or a URL")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Argument > ``PWC_*`` > ``pwc-archive.toml`` > default (no .env, no secrets dir)."""
        return init_settings, env_settings, _TomlFile(settings_cls)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Resolve settings; ``overrides`` with value ``None`` are ignored.

        Raises ConfigError (one line: the field or key, the value, where it came from) for an
        unknown key in the settings file, an unknown override or a value of the wrong kind.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = sorted(set(given) - set(setting_names()))
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}; valid settings: {', '.join(setting_names())}")
        origin = _origins(given)
        try:
            return cls(**given, origin=origin)
        except ValidationError as exc:
            raise ConfigError(_one_line(exc, origin)) from None

    def __eq__(self, other: object) -> bool:
        """Equal when every setting is; where a value came from does not count."""
        if not isinstance(other, Settings):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.model_dump().items())))

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (``None`` values ignored), validated like ``load``."""
        given = {k: v for k, v in changes.items() if v is not None}
        if not given:
            return self
        origin = {**self.origin, **dict.fromkeys(given, "argument")}
        values = {**self.model_dump(), **given}
        try:
            return type(self).model_validate({**values, "origin": origin})
        except ValidationError as exc:
            raise ConfigError(_one_line(exc, origin)) from None

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


def setting_names() -> list[str]:
    """Every key a settings file (or ``PWC_*``) may set, in declaration order."""
    return [name for name in Settings.model_fields if name != "origin"]


def config_file() -> Path:
    """The settings file read: ``$PWC_CONFIG``, else ``pwc-archive.toml`` in the current directory."""
    return Path(os.environ.get(ENV_PREFIX + "CONFIG") or CONFIG_FILE)


def read_config_file() -> tuple[dict[str, Any], Path | None]:
    """The settings file's keys (checked: every key known) and its path; ``({}, None)`` if absent."""
    path = config_file()
    if not path.is_file():
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid TOML settings file: {exc}") from None
    section = data.get(FILE_SECTION, data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: expected a [{FILE_SECTION}] table")
    names = setting_names()
    for key in section:
        if key not in names:
            near = get_close_matches(key, names, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(f"{path}: unknown setting {key!r}{hint}; valid settings: {', '.join(names)}")
    return dict(section), path


class _TomlFile(PydanticBaseSettingsSource):
    """``pwc-archive.toml`` as a settings source, below the environment."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.values, self.path = read_config_file()

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)


def _origins(given: dict[str, Any]) -> dict[str, str]:
    """Where each setting comes from, by the same precedence the sources apply."""
    file_values, file_path = read_config_file()
    origin: dict[str, str] = {}
    for name in setting_names():
        env_name = ENV_PREFIX + name.upper()
        if name in given:
            origin[name] = "argument"
        elif os.environ.get(env_name):
            origin[name] = f"${env_name}"
        elif name in file_values:
            origin[name] = str(file_path)
        else:
            origin[name] = "default"
    return origin


_MESSAGES = {
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "greater_than": "expected a positive number",
    "string_type": "expected text",
}


def _one_line(exc: ValidationError, origin: dict[str, str]) -> str:
    """The first problem of a ValidationError as one line: field, what was expected, what was
    found, and where the value came from."""
    error = exc.errors(include_url=False)[0]
    name = str(error["loc"][0]) if error["loc"] else "settings"
    if error["type"] == "extra_forbidden":
        return f"unknown setting {name!r}; valid settings: {', '.join(setting_names())}"
    what = _MESSAGES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
    found = error.get("input")
    if what.startswith("is a file"):
        return f"{name}: {found!r} {what} (from {origin.get(name, 'default')})"
    return f"{name}: {what}, found {found!r} (from {origin.get(name, 'default')})"
