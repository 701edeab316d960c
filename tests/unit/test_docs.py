"""Docs stay true: the table reference is generated from the schema, and the SQL matches it."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.support.builds import ROOT
from transforms.duck import SQL_DIR, VIEW_MARKER
from transforms.release.schema import ENTITY_TABLES, TABLES


def test_tables_doc_is_current() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "transforms.publish.dataset_card"], capture_output=True, text=True, check=True
    ).stdout
    assert (ROOT / "docs" / "tables.md").read_text() == generated, "run `make docs`"


def test_every_table_has_one_sql_model_with_a_grain_comment() -> None:
    for name, spec in TABLES.items():
        sql = (SQL_DIR / "release" / f"{name}.sql").read_text().removeprefix(VIEW_MARKER + "\n")
        assert sql.startswith(f"-- {name}: one row per"), name
        assert spec.key in sql


def test_sql_never_formats_values_into_strings() -> None:
    for path in SQL_DIR.rglob("*.sql"):
        assert not re.search(r"(?<!\\x)\{[a-z_]+\}", path.read_text()), path


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```", 2)[1]
    commands = [line for line in first_block.splitlines()[1:] if line.strip() and not line.startswith("#")]
    assert [c.split("#")[0].strip() for c in commands] == ["make nightly", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_lineage_model_names_every_entity_table() -> None:
    """int_lineage.sql spells out one SELECT per entity table: none may be missing or extra."""
    sql = (SQL_DIR / "release" / "int_lineage.sql").read_text()
    active = sql[sql.index("WITH active AS") : sql.index("spellings AS")]
    found = re.findall(
        r"SELECT '(\w+)'(?: AS entity)?, (\w+)(?: AS id)?, (\w+)(?: AS lineage_id)? FROM (\w+)", active
    )
    entities = {f[0]: f for f in found if f[0] != "result_identities"}
    assert set(entities) == set(ENTITY_TABLES)
    for table, (_, key, lineage, source) in entities.items():
        assert key == lineage == TABLES[table].key and source == table
