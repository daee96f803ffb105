"""Boxes named as such in the page (sign-up pop-ups, newsletter forms, author bios) leave the
extracted text (issue 17); article text in or beside such names stays."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from lxml.html import fromstring  # type: ignore[import-untyped]

from cleaner.document import Document
from cleaner.stages.chrome_boxes import drop_chrome_boxes
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.layout_tables import unwrap_layout_tables

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared" / "bench"
WCXB = SHARED / "wcxb-dev"
AEB = SHARED / "aeb"
_WORD = re.compile(r"\w+")

# Article paragraphs of three AEB news sites (gold bodies) that speak of subscribing, sign-ups
# and related matters: words of a box, in the article's own text.
ARTICLE_PARAGRAPHS = (
    "If you just want Disney+, you can sign up for a free 7-day trial. Afterwards you'll pay "
    "$6.99 per month. If you know you're in it for the long haul, then you can pay a $69.99 "
    "annual subscription fee, which saves you $14.",
    "Small investors in Hong Kong have welcomed the deal, subscribing for so many shares they "
    "will be allotted the maximum 10 per cent of the total they can get, Reuters reported.",
    "Assange is battling extradition to the United States, which accuses him of publishing "
    "secret documents related to his WikiLeaks work. He had been facing the rape charge in "
    "Sweden since 2010.",
)


def _extract(html: str, **options: bool) -> str:
    return ExtractStage(**options)(Document(html, {"format": "html"})).text


def _wcxb_page(key: str) -> str:
    return gzip.decompress((WCXB / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")


@pytest.mark.parametrize(
    ("key", "box_line"),
    [
        ("0030", "Been there, done that? Think again, my friend."),  # a newsletter pop-up
        ("0010", "Expert advice and our favorite products dropped right in your inbox."),
    ],
)
def test_a_named_sign_up_box_leaves_the_text(key: str, box_line: str) -> None:
    html = _wcxb_page(key)
    assert box_line in _extract(html, drop_chrome_boxes=False)
    cleaned = _extract(html)
    assert box_line not in cleaned
    assert len(cleaned) > 2000  # the article stays


def test_the_stage_says_how_many_boxes_it_dropped() -> None:
    doc = ExtractStage()(Document(_wcxb_page("0030"), {"format": "html"}))
    assert doc.metadata["chrome_boxes_dropped"] >= 1


def _page(article: str) -> str:
    return f"<html><head><title>T</title></head><body><main>{article}</main></body></html>"


def test_article_paragraphs_that_name_box_words_stay() -> None:
    paragraphs = "".join(f"<p>{text}</p>" for text in ARTICLE_PARAGRAPHS)
    tree = fromstring(_page(f"<article class='post-content'>{paragraphs}</article>"))
    assert drop_chrome_boxes(tree) == 0
    assert all(text in tree.text_content() for text in ARTICLE_PARAGRAPHS)


def test_a_long_container_named_like_a_box_stays() -> None:
    # A site may call its article column "modal-body": a box is short, an article is not.
    article = " ".join(ARTICLE_PARAGRAPHS * 8)
    tree = fromstring(_page(f"<div class='modal-body'><p>{article}</p></div>"))
    assert drop_chrome_boxes(tree) == 0


def test_a_short_post_in_a_box_named_container_stays() -> None:
    # Newsletter platforms wrap a whole post, headline included, in a "newsletter-post" block.
    tree = fromstring(
        _page(f"<div class='newsletter-post'><h1>Notes</h1><p>{ARTICLE_PARAGRAPHS[1]}</p></div>")
    )
    assert drop_chrome_boxes(tree) == 0


def test_inline_elements_and_part_words_stay() -> None:
    tree = fromstring(
        _page(
            "<p>Write to <a class='email'>the desk</a> with tips.</p>"
            "<div class='biology-notes'><p>Cells divide.</p></div>"
            "<div class='author-bio'><p>Jo writes about cells.</p></div>"
        )
    )
    assert drop_chrome_boxes(tree) == 1
    text = tree.text_content()
    assert "the desk" in text and "Cells divide." in text and "Jo writes" not in text


def _aeb_pages_with_a_box_touching_gold() -> list[tuple[str, str, str]]:
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, page in sorted(truth.items()):
        html = gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes()).decode(
            "utf-8", "replace"
        )
        tree = parse_html(html)
        if tree is None:
            continue
        unwrap_layout_tables(tree)
        before = set(_WORD.findall(tree.text_content().lower()))
        drop_chrome_boxes(tree)
        gone = before - set(_WORD.findall(tree.text_content().lower()))
        if gone & set(_WORD.findall(page["articleBody"].lower())):
            pages.append((key, html, page["articleBody"]))
    return pages


def test_no_aeb_article_line_is_lost_to_a_box() -> None:
    # AEB's gold bodies are real news articles: a box the drop removes may repeat an article
    # line (a teaser of the lead) but never take the article's own copy.
    pages = _aeb_pages_with_a_box_touching_gold()
    assert pages  # the check looks at real cases
    for key, html, gold in pages:
        without = " ".join(_extract(html, drop_chrome_boxes=False).split())
        cleaned = " ".join(_extract(html).split())
        lost = [
            line
            for line in (" ".join(raw.split()) for raw in gold.splitlines())
            if len(line) > 20 and line in without and line not in cleaned
        ]
        assert not lost, (key, lost)
