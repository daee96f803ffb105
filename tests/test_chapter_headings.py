"""Headings whose links are the page's own (cleaner.stages.anchor_headings): anchors without
``href`` and chapter links under the page's URL are no teasers, so the extract stage keeps
those headings; a heading linking to the page's parent, a sibling page or another site is
left to trafilatura's pruning."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.anchor_headings import unwrap_anchor_headings
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html

PAGE_URL = "https://learn.example.org/beginners-guide-to-gardening"
CHAPTERS = {
    "Chapter 1: Reading your soil": "soil",
    "Chapter 2: Choosing what to plant": "planting",
    "Chapter 3: Watering through the summer": "watering",
}
SUMMARY = (
    "This chapter walks through the questions a first-time gardener meets in spring, from the"
    " state of the ground to the plants that suit a small plot, with one worked example."
)


def _page(headings: str) -> str:
    return (
        "<html><head><title>The beginner's guide to gardening</title>"
        f"<link rel='canonical' href='{PAGE_URL}'></head><body><article>"
        "<h1>The beginner's guide to gardening</h1><div class='article-body'>"
        f"<p>{SUMMARY}</p>{headings}</div></article></body></html>"
    )


def _chapters(href: str) -> str:
    return "".join(
        f"<h3><a href='{href.format(slug=slug)}'>{title}</a></h3><p>{SUMMARY} ({slug})</p>"
        for title, slug in CHAPTERS.items()
    )


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_chapter_headings_linking_under_the_page_url_are_kept() -> None:
    # Before: the three headings went (each one link of more than 10 characters).
    lines = _extract(_page(_chapters("/beginners-guide-to-gardening/{slug}"))).splitlines()
    for title in CHAPTERS:
        assert title in lines


def test_headings_that_are_anchors_without_href_are_kept() -> None:
    headings = "".join(
        f"<h2><a name='{slug}'><strong>{title}</strong></a></h2><p>{SUMMARY} ({slug})</p>"
        for title, slug in CHAPTERS.items()
    )
    lines = _extract(_page(headings)).splitlines()
    for title in CHAPTERS:
        assert title in lines


def test_links_to_other_pages_stay_links() -> None:
    tree = parse_html(
        "<html><body>"
        "<h3><a href='/beginners-guide-to-gardening/soil'>A chapter</a></h3>"
        "<h3><a href='/beginners-guide-to-cooking'>A sibling guide</a></h3>"
        "<h3><a href='/'>The site's home</a></h3>"
        "<h3><a href='https://elsewhere.example.com/beginners-guide-to-gardening/soil'>Another"
        " site</a></h3>"
        "<h3><a href='/beginners-guide-to-gardening/'>The page itself</a></h3>"
        "</body></html>"
    )
    assert tree is not None
    assert unwrap_anchor_headings(tree, PAGE_URL) == 1
    linked = [
        heading.text_content() for heading in tree.iter("h3") if heading.find("a") is not None
    ]
    assert linked == ["A sibling guide", "The site's home", "Another site", "The page itself"]


def test_without_the_page_url_chapter_links_stay_links() -> None:
    tree = parse_html(_page(_chapters("/beginners-guide-to-gardening/{slug}")))
    assert tree is not None
    assert unwrap_anchor_headings(tree) == 0
