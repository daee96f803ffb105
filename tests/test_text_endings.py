"""How a cleaned text ends: clean text comes out as it went in, a final newline included or
not; an HTML page's text, which cleaner writes, ends with one."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import CORE_SKIP, run_cli

from cleaner import clean

ARTICLE = "The council met on Monday.\n\nIt voted to expand bus service across the city."
PAGE = (
    "<html><head><title>Buses</title></head><body><article><h1>Buses</h1>"
    "<p>The council met on Monday and voted to expand bus service across the city.</p>"
    "<p>Officials said costs would rise by about five percent next year.</p>"
    "</article></body></html>"
)


def test_clean_text_without_a_final_newline_comes_out_unchanged() -> None:
    result = clean(ARTICLE, skip=CORE_SKIP)
    assert result.text == ARTICLE and not result.edits


def test_clean_text_with_a_final_newline_keeps_it() -> None:
    result = clean(ARTICLE + "\n", skip=CORE_SKIP)
    assert result.text == ARTICLE + "\n" and not result.edits


def test_white_space_after_the_last_line_ends_in_one_newline_or_none() -> None:
    ended = clean(ARTICLE + "  \n\n \n", skip=CORE_SKIP)
    assert ended.text == ARTICLE + "\n"
    assert [edit.rule_id for edit in ended.edits] == ["tidy.final-newline"]
    unended = clean(ARTICLE + " \t", skip=CORE_SKIP)
    assert unended.text == ARTICLE
    assert [edit.rule_id for edit in unended.edits] == ["tidy.final-newline"]


def test_a_jsonl_text_field_keeps_its_ending(tmp_path: Path) -> None:
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n", encoding="utf-8")
    result = run_cli("clean", str(docs), "-f", "jsonl", "--skip", ",".join(CORE_SKIP))
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["text"] == ARTICLE and record["edits"] == []


def test_an_html_page_text_ends_with_one_newline() -> None:
    result = clean(PAGE, skip=CORE_SKIP, format="html")
    assert result.text.endswith(
        "across the city.\n\nOfficials said costs would rise by about five percent next year.\n"
    )
    assert result.text.startswith("Buses\n\n")
