"""Settings refuse typos: one pydantic-settings model, the same precedence as before
(argument > PWC_* > pwc-archive.toml > default), ``origin`` in every message.

Real settings files in tmp dirs; the CLI in a real process for the exit code and the one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from transforms.config import DEFAULT_STORE, Settings, setting_names
from transforms.errors import ConfigError


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A settings file named by $PWC_CONFIG; no PWC_* of the caller leaks in."""
    for key in [k for k in os.environ if k.startswith("PWC_")]:
        monkeypatch.delenv(key)
    path = tmp_path / "pwc-archive.toml"
    monkeypatch.setenv("PWC_CONFIG", str(path))
    yield path


def test_precedence_argument_env_file_default(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.write_text('[pwc-archive]\nstore = "/from/file"\nwork = "/from/file/work"\nthreads = 3\n')
    monkeypatch.setenv("PWC_WORK", "/from/env/work")
    monkeypatch.setenv("PWC_THREADS", "4")
    s = Settings.load(threads=5)
    assert (s.store, s.work, s.threads, s.memory_limit) == ("/from/file", "/from/env/work", 5, "1GB")
    assert s.origin["store"] == str(config)
    assert s.origin["work"] == "$PWC_WORK"
    assert s.origin["threads"] == "argument"
    assert s.origin["memory_limit"] == "default"
    assert Settings.load(store=None).store == "/from/file", "a None argument is no argument"


def test_defaults_without_a_file(config: Path) -> None:
    s = Settings.load()
    assert s.store == str(DEFAULT_STORE) and s.origin["store"] == "default"


def test_file_keys_may_sit_at_the_top_level(config: Path) -> None:
    config.write_text('store = "s3://bucket/pwc"\n')
    assert Settings.load().store == "s3://bucket/pwc"


def test_a_typo_in_the_file_is_refused_by_name(config: Path) -> None:
    config.write_text('[pwc-archive]\nstor = "/somewhere"\n')
    with pytest.raises(ConfigError) as caught:
        Settings.load()
    message = str(caught.value)
    assert "\n" not in message
    assert f"{config}: unknown setting 'stor' (did you mean 'store'?)" in message
    assert "valid settings: " + ", ".join(setting_names()) in message


def test_origin_is_not_a_setting(config: Path) -> None:
    config.write_text('origin = "x"\n')
    with pytest.raises(ConfigError, match="unknown setting 'origin'"):
        Settings.load()
    with pytest.raises(ConfigError, match="unknown setting 'stor'"):
        Settings.load(stor="/x")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("threads", '"many"', "threads: expected a whole number, found 'many'"),
        ("threads", "0", "threads: expected a positive number, found 0"),
        ("max_submission_bytes", "-1", "max_submission_bytes: expected a positive number, found -1"),
        ("memory_limit", '"2XB"', "memory_limit: expected a size such as 1GB or 512MiB, found '2XB'"),
    ],
)
def test_a_bad_value_names_field_value_and_file(config: Path, key: str, value: str, expected: str) -> None:
    config.write_text(f"{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        Settings.load()
    assert str(caught.value) == f"{expected} (from {config})"


def test_a_bad_environment_value_names_the_variable(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PWC_THREADS", "two")
    with pytest.raises(
        ConfigError, match=r"threads: expected a whole number, found 'two' \(from \$PWC_THREADS\)"
    ):
        Settings.load()


def test_a_store_that_is_a_file_is_refused(config: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    with pytest.raises(ConfigError, match="store: .* is a file; expected a directory or a URL"):
        Settings.load(store=str(a_file))


def test_with_replaces_validates_and_keeps_equality(config: Path) -> None:
    s = Settings.load()
    t = s.with_(store="/elsewhere", work=None)
    assert t.store == "/elsewhere" and t.work == s.work and t.origin["store"] == "argument"
    assert s.with_() == s and t != s
    with pytest.raises(ConfigError, match="threads"):
        s.with_(threads="x")


def test_the_cli_says_one_line_and_exits_2(config: Path) -> None:
    config.write_text('stor = "/somewhere"\n')
    done = subprocess.run(
        [sys.executable, "-m", "transforms.cli", "release", "list"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PWC_CONFIG": str(config)},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "unknown setting 'stor'" in done.stderr and str(config) in done.stderr
    assert "valid settings: source, store, work" in done.stderr


def test_importing_the_settings_pulls_no_pipeline_packages() -> None:
    code = (
        "import sys, transforms.config, transforms.cli\n"
        "print(sorted(m for m in ('airflow', 'great_expectations', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
