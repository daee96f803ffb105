"""The README's account of metadata authors holds: trafilatura splits an author value on "&",
" and " and "," and joins the names with "; ", a single name holding one of them included."""

from __future__ import annotations

import pytest
from conftest import REPO

from cleaner.api import clean

PROSE = "The council approved the new bridge after a long debate about its cost. " * 5


def _page(author: str) -> bytes:
    return (
        "<html><head><title>Bridge vote</title>"
        f'<meta name="author" content="{author}"></head><body><article><h1>Bridge vote</h1>'
        f"<p>{PROSE}</p></article></body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("Ana Lopez, Ben Kim and Cy Ng", "Ana Lopez; Ben Kim; Cy Ng"),
        ("Doe, Jane", "Doe; Jane"),
        ("Procter &amp; Gamble Staff", "Procter; Gamble Staff"),
    ],
)
def test_readme_author_examples_are_what_cleaner_gives(written: str, kept: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = written.replace("&amp;", "&")
    assert f"`{shown}` becomes" in readme and f"`{kept}`" in readme
    assert clean(_page(written), skip="grammar,repair").metadata.get("author") == kept


def test_an_author_without_a_space_is_left_out() -> None:
    assert "author" not in clean(_page("newsdesk"), skip="grammar,repair").metadata
