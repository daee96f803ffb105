"""Streamed segments of a React page (cleaner.stages.streamed_segments): the parts a Next.js
page streams in arrive in hidden ``S:`` divs at the end of the body, which trafilatura
deletes; the extract stage puts each into its template's place, as the page's script would."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.streamed_segments import place_streamed_segments

LEAD = (
    "Index funds hold every share of a market index, so their return follows the market's"
    " and their costs stay low, since nobody is paid to pick the winners."
)
STREAMED = [
    "The first step is to pick the index: a broad one covering the whole market suits most"
    " savers better than a narrow sector that rises and falls with a single industry.",
    "Then compare the funds that follow it. Two funds tracking the same index can differ in"
    " their yearly fee, and over thirty years that gap adds up to a surprising sum.",
]
CLOSING = (
    "Finally, keep buying on a schedule and leave the account alone when prices fall, which"
    " is the hardest part for most people and the one that matters most."
)


def _page(with_comments: bool = True) -> str:
    opening, closing = ("<!--$?-->", "<!--/$-->") if with_comments else ("", "")
    boundaries = "".join(
        f"{opening}<template id='B:{number}'></template><div>Loading paragraph...</div>{closing}"
        for number in range(len(STREAMED))
    )
    segments = "".join(
        f"<div hidden id='S:{number}'><p>{paragraph}</p></div>"
        for number, paragraph in enumerate(STREAMED)
    )
    return (
        "<html><head><title>How to invest in index funds</title></head><body><main><article>"
        f"<h1>How to invest in index funds</h1><div class='article-body'><p>{LEAD}</p>"
        f"{boundaries}<p>{CLOSING}</p></div></article></main>{segments}</body></html>"
    )


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_streamed_paragraphs_are_extracted_in_their_place() -> None:
    # Before: both streamed paragraphs were lost with their hidden divs.
    text = _extract(_page())
    positions = [text.index(paragraph) for paragraph in (LEAD, *STREAMED, CLOSING)]
    assert positions == sorted(positions)
    assert "Loading paragraph" not in text


def test_without_reacts_comments_the_fallback_stays_and_nothing_else_goes() -> None:
    tree = parse_html(_page(with_comments=False))
    assert tree is not None
    assert place_streamed_segments(tree) == 2
    body = " ".join(tree.text_content().split())
    for paragraph in (LEAD, *STREAMED, CLOSING):
        assert paragraph in body
    assert not tree.xpath("//div[@hidden]")


def test_a_segment_inside_another_is_placed_with_it() -> None:
    tree = parse_html(
        "<html><body><div class='toc'><template id='B:0'></template></div>"
        f"<div hidden id='S:0'><section><template id='P:1'></template></section></div>"
        f"<div hidden id='S:1'><p>{STREAMED[0]}</p></div></body></html>"
    )
    assert tree is not None
    assert place_streamed_segments(tree) == 2
    placed = tree.find(".//div[@class='toc']/section/p")
    assert placed is not None
    assert placed.text == STREAMED[0]


def test_hidden_divs_without_a_template_and_pages_without_segments_are_unchanged() -> None:
    html = (
        f"<html><body><article><p>{LEAD}</p></article>"
        f"<div hidden id='S:4'><p>{STREAMED[0]}</p></div></body></html>"
    )
    tree = parse_html(html)
    assert tree is not None
    assert place_streamed_segments(tree) == 0
    assert tree.xpath("//div[@hidden]")
    plain = parse_html(f"<html><body><article><p>{LEAD}</p></article></body></html>")
    assert plain is not None
    assert place_streamed_segments(plain) == 0
