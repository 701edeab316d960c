"""The site's pure parts: value formatting, slugs, the SotA line, upload names, schema check, tokens."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from transforms.publish.site_index import tokens_macro_sql
from transforms.site.app import Urls, fmt_value
from transforms.site.data import slug, sota_chart
from transforms.site.release import StaleRelease, check_schema
from transforms.site.submit import clean_file_name


@pytest.mark.parametrize(
    ("value", "raw", "shown"),
    [
        (18.7, "18.70", "18.7"),
        (66.0, "66.0", "66"),
        (23.02, "23.02", "23.02"),
        (0.934, None, "0.934"),
        (1234567.0, None, "1234567"),
        (None, "85.2 ± 0.3", "85.2 ± 0.3"),
        (None, None, ""),
        (float("nan"), "NaN", "NaN"),
    ],
)
def test_values_show_as_the_seed_pages_do(value: float | None, raw: str | None, shown: str) -> None:
    assert fmt_value(value, raw) == shown


def test_slugs_are_readable_ascii_and_urls_quote_ids() -> None:
    assert slug("Tying Word Vectors and Word Classifiers: A Loss Framework") == (
        "tying-word-vectors-and-word-classifiers-a-loss-framework"
    )
    assert slug("Über <script>alert(1)</script>") == "uber-script-alert-1-script"
    assert slug(None) == "" and slug("!!!") == ""
    assert Urls("").paper("pap_0123456789abcdef", "A / B") == "/paper/pap_0123456789abcdef/a-b"
    assert Urls("/r/2026-01-02.0").page("search", q="a&b", kind="") == "/r/2026-01-02.0/search?q=a%26b"
    assert Urls("").page("task", "../x") == "/task/..%2Fx"


def _row(model: str, value: float, day: date, rank: int | None = None) -> dict[str, object]:
    return {"model": model, "value_normalized": value, "paper_date": day, "rank": rank}


def test_the_sota_line_is_the_best_value_so_far_by_direction() -> None:
    rows = [
        _row("a", 70.0, date(2017, 1, 1)),
        _row("b", 65.0, date(2018, 1, 1)),  # worse: a point, not a step
        _row("c", 80.0, date(2019, 6, 1)),
        _row("d", 78.0, date(2020, 1, 1)),
        _row("e", 90.0, date(2019, 6, 1)),  # same day as c, better: one step
        {"model": "undated", "value_normalized": 99.0, "paper_date": None, "rank": 1},
    ]
    chart = sota_chart(rows, "higher")
    assert [p["model"] for p in chart["points"]] == ["a", "b", "c", "e", "d"]
    assert [(s["model"], s["y"]) for s in chart["sota"]] == [("a", 70.0), ("e", 90.0), ("e", 90.0)]
    assert chart["sota"][-1]["date"] == "2020-01-01" and chart["sota"][-1]["extends"]
    lower = sota_chart(rows[:4], "lower")
    assert [(s["model"], s["y"]) for s in lower["sota"]] == [("a", 70.0), ("b", 65.0), ("b", 65.0)]
    assert sota_chart(rows, None)["sota"] == [], "no direction: points only, no state of the art"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("results.json", "results.json"),
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\my file.yaml", "my_file.yaml"),
        (".hidden.json", "hidden.json"),
        ("", "upload"),
        (None, "upload"),
        ("\x1b[31m.json", "_31m.json"),
        ("a" * 300, "a" * 100),
    ],
)
def test_upload_names_are_plain_file_names(sent: str | None, kept: str) -> None:
    assert clean_file_name(sent) == kept


def test_a_release_older_than_the_site_schema_is_stale() -> None:
    check_schema("2026-01-02.0", "1.2.0")
    check_schema("2026-01-02.0", "1.7.3")
    for old in ("1.0.0", "1.1.9", "2.0.0"):
        with pytest.raises(StaleRelease, match=rf"^2026-01-02.0: schema {old} is not served"):
            check_schema("2026-01-02.0", old)
    with pytest.raises(StaleRelease, match="expected MAJOR.MINOR.PATCH"):
        check_schema("2026-01-02.0", "")


def test_the_index_and_the_query_share_one_tokenizer() -> None:
    con = duckdb.connect()
    con.execute(tokens_macro_sql(temporary=True))
    tokens = con.execute(
        "SELECT site_tokens('Deep Residual Networks for the ImageNet-1k classes: über café')"
    ).fetchone()
    assert tokens == (["deep", "residual", "network", "imagenet", "1k", "classe", "uber", "cafe"],)
    assert con.execute(
        "SELECT site_tokens('the of and'), site_tokens(NULL), site_tokens('class bus')"
    ).fetchone() == ([], [], ["class", "bus"])


def test_a_key_index_finds_each_keys_rows_by_number_and_refuses_an_unsorted_table() -> None:
    from transforms.site.rows import KeyIndex

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('a', 'x', 1), ('a', 'x', 2), ('a', 'y', 3), ('b', 'x', 4)) "
        "v(k1, k2, n) ORDER BY k1, k2, n"
    )
    index = KeyIndex(con, "t", ("k1", "k2"))
    assert len(index) == 3
    assert (
        index.find("a", "x") == (0, 2) and index.find("a", "y") == (2, 1) and index.find("b", "x") == (3, 1)
    )
    assert index.find("a") is None and index.find("c", "x") is None and index.find("é", "x") is None
    first, count = index.find("a", "y")  # type: ignore[misc]
    assert con.execute(
        "SELECT n FROM t WHERE rowid BETWEEN ? AND ?", [first, first + count - 1]
    ).fetchall() == [(3,)]
    con.execute("CREATE TABLE u AS SELECT * FROM (VALUES ('a', 1), ('b', 2), ('a', 3)) v(k, n)")
    with pytest.raises(ValueError, match="u: rows are not sorted by k"):
        KeyIndex(con, "u", ("k",))
