"""Headings that link to their own anchor (cleaner.stages.anchor_headings): trafilatura's
precise mode deletes a heading that is one link; the extract stage keeps a section heading
that links to itself, and leaves a table of contents and teaser headlines to the pruning."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.anchor_headings import unwrap_anchor_headings
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html

SECTIONS = ["Cognitive Benefits", "Emotional Benefits", "Social Benefits", "Choosing a Teacher"]
PARAGRAPHS = [
    f"Learning to play an instrument in {topic} improves memory, attention and patience, and"
    f" a weekly lesson keeps the habit going for years, whatever the age of the student."
    for topic in ("childhood", "the teenage years", "adult life", "retirement")
]


def _section(heading: str, paragraph: str, number: int) -> str:
    anchor = heading.lower().replace(" ", "-")
    return f"<h3 id='{anchor}'><a href='#{anchor}'>{heading}</a></h3>" + "".join(
        f"<p>{paragraph} Part {part} of section {number}.</p>" for part in range(3)
    )


def _page(toc: str = "") -> str:
    body = "".join(
        _section(heading, paragraph, number)
        for number, (heading, paragraph) in enumerate(zip(SECTIONS, PARAGRAPHS, strict=True))
    )
    return (
        "<html><head><title>Music lessons at any age</title></head><body>"
        f"<article><h1>Music lessons at any age</h1><div class='content'>{toc}{body}</div>"
        "</article></body></html>"
    )


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_section_headings_linking_to_their_own_anchor_are_kept() -> None:
    # The old stage dropped all four headings: each is one link of more than 10 characters.
    lines = _extract(_page()).splitlines()
    for heading in SECTIONS:
        assert heading in lines
    for paragraph in PARAGRAPHS:
        assert any(line.startswith(paragraph) for line in lines)


def test_a_table_of_contents_in_headings_is_left_to_the_pruning() -> None:
    toc = "<h4><a href='#top'>In this article</a></h4>" + "".join(
        f"<h4><a href='#{heading.lower().replace(' ', '-')}'>{heading}: the details</a></h4>"
        for heading in SECTIONS
    )
    text = _extract(_page(toc))
    assert "In this article" not in text
    assert "the details" not in text


def test_only_links_to_the_heading_itself_are_unwrapped() -> None:
    tree = parse_html(
        "<html><body>"
        "<h2 id='a'><a href='#a'>Own anchor</a></h2>"
        "<div id='b'><h2><a href='#b'>Anchor of its section</a></h2></div>"
        "<h2><a name='c' href='#c'>Named anchor</a></h2>"
        "<h2><a href='#elsewhere'>Another section</a></h2>"
        "<h2><a href='/news/story'>A teaser headline</a></h2>"
        "<h2 id='d'><a href='#d'>Mixed</a> <a href='/other'>links</a></h2>"
        "</body></html>"
    )
    assert tree is not None
    assert unwrap_anchor_headings(tree) == 3
    kept = [heading.text_content() for heading in tree.iter("h2") if heading.find("a") is not None]
    assert kept == ["Another section", "A teaser headline", "Mixed links"]
