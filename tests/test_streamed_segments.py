"""Parts of a page that React streams in late (cleaner.stages.streamed_segments): they arrive
hidden at the end of the HTML and a script call moves each into its place; trafilatura runs no
script and finds them outside the article, so the extract stage makes the page's own moves
first, and leaves hidden elements that no call moves alone."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.streamed_segments import may_hold_streamed_segments, place_streamed_segments

OPENING = [
    "Index funds spread a small saving over hundreds of companies at once, so that no single"
    " failure can take much of it away, and their yearly fees are a fraction of a percent.",
    "The first choice is between a fund that follows the whole market and one that follows a"
    " single region or industry, and for most savers the whole market is the calmer road.",
]
LATE = {
    "Fees matter more than they look": "A fee of one percent a year sounds small, yet over"
    " thirty years it takes close to a quarter of what the savings would otherwise have grown to.",
    "Rebalancing once a year": "Once a year, move money from whatever has grown beyond its"
    " planned share back to what has fallen behind, and leave the plan alone for the rest of it.",
}


def _page(calls: str, segment_attributes: str = "hidden") -> str:
    late = "".join(f"<h2>{title}</h2><p>{text}</p>" for title, text in LATE.items())
    opening = "".join(f"<p>{paragraph}</p>" for paragraph in OPENING)
    return (
        "<html><head><title>Index funds</title></head><body><main><article>"
        f"<h1>Index funds</h1>{opening}<template id='P:3'></template>"
        "<p>The last word: start early, and keep going.</p></article></main>"
        f"<div {segment_attributes} id='S:3'>{late}</div>"
        f"<script>{calls}</script></body></html>"
    )


def _extracted(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_a_segment_the_page_moves_is_extracted_in_its_place() -> None:
    text = _extracted(_page('$RS("S:3","P:3")'))
    for title, paragraph in LATE.items():
        assert text.count(title) == 1
        assert text.count(paragraph) == 1
    # In the place of its template: after the opening, before the last word.
    assert text.index(OPENING[1]) < text.index(next(iter(LATE))) < text.index("The last word")


def test_a_boundary_segment_takes_its_template_place() -> None:
    tree = parse_html(
        "<html><body><article><p>Before.</p><template id='B:0'></template>"
        "<p>After.</p></article><div hidden id='S:0'>Lead text <b>bold</b> tail</div>"
        '<script>$RC("B:0","S:0")</script></body></html>'
    )
    assert tree is not None
    assert place_streamed_segments(tree) == 1
    article = next(tree.iter("article"))
    assert " ".join(article.text_content().split()) == "Before.Lead text bold tailAfter."
    assert tree.find(".//template") is None
    assert tree.find(".//div[@id='S:0']") is None


def test_hidden_elements_no_call_moves_stay_as_they_are() -> None:
    for page in (
        _page(""),  # no call: a hidden element of the page's own
        _page('$RS("S:9","P:9")'),  # a call naming other ids
        _page('$RS("S:3","P:3")', segment_attributes="class='later'"),  # not hidden
    ):
        tree = parse_html(page)
        assert tree is not None
        assert place_streamed_segments(tree) == 0
        assert tree.find(".//template") is not None
    assert not may_hold_streamed_segments(_page(""))
    assert may_hold_streamed_segments(_page('$RS("S:3","P:3")'))


def test_a_placed_segment_that_would_replace_the_article_is_not_kept() -> None:
    # A late box of teasers named like an article body, placed above the article: trafilatura
    # takes the first container so named, the box, for the article (at the page's end the
    # box came second). Placed segments must add to the output, and here they would replace
    # it, so the page is extracted as it came.
    teasers = "".join(
        f"<p>{title}: a story from elsewhere on the site, with a sentence to draw readers in.</p>"
        for title in (
            "Markets this week",
            "Pensions explained",
            "Saving for a house",
            "Paying off a loan early",
            "Budgets that last",
            "Insurance you do not need",
        )
    )
    article = "".join(f"<p>{paragraph}</p>" for paragraph in OPENING)
    page = (
        "<html><head><title>Index funds</title></head><body><template id='P:1'></template>"
        f"<div class='entry-content'><h1>Index funds</h1>{article}</div>"
        f"<div hidden id='S:1'><div class='post-content'>{teasers}</div></div>"
        '<script>$RS("S:1","P:1")</script></body></html>'
    )
    tree = parse_html(page)
    assert tree is not None
    assert place_streamed_segments(tree) == 1  # the step itself places it...
    text = _extracted(page)
    for paragraph in OPENING:  # ...but the stage keeps the article it found without it
        assert paragraph in text
