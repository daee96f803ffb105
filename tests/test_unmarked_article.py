"""An article in a container no body expression names (cleaner.stages.unmarked_article):
trafilatura then falls back to the page's paragraphs one by one and loses the article's
headings and lists; the extract stage names the container holding most of the prose an
<article>, and leaves alone every page where trafilatura finds the article itself."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.unmarked_article import name_unmarked_article

SECTIONS = {
    "How often should a bicycle chain be cleaned?": "A chain ridden on dry roads needs a wipe"
    " every few weeks, while one ridden through winter slush wants a proper clean after each"
    " wet ride, before the grit wears the sprockets down.",
    "Which lubricant suits a commuter?": "A wet lubricant lasts through rain and puddles but"
    " gathers dust in summer; a dry one stays clean on sunny days and has to be put on again"
    " far more often when the weather turns.",
    "When is a chain worn out?": "Once a chain has stretched by about half a percent it"
    " starts to wear the teeth of the cassette, and replacing it then costs far less than"
    " replacing both parts together later on.",
}
STEPS = ["Shift onto the smallest sprocket", "Wipe each link with a dry rag", "Oil every roller"]


def _article(open_tag: str = "<div class='grid-cell col-10'>", close_tag: str = "</div>") -> str:
    sections = "".join(
        f"<h2>{question}</h2><p>{answer}</p>" for question, answer in SECTIONS.items()
    )
    steps = "".join(f"<li>{step}</li>" for step in STEPS)
    return f"{open_tag}{sections}<ul>{steps}</ul>{close_tag}"


def _page(article: str, trail: str = "page-content-trail") -> str:
    # The breadcrumb trail's class holds "page-content", a name trafilatura's first body
    # expression reads as the article's container: it takes the trail, which holds no prose.
    return (
        "<html><head><title>Chain care questions</title></head><body>"
        f"<div class='{trail}'><a href='/'>Home</a> / <a href='/bikes'>Bikes</a></div>"
        f"<div class='grid-row'>{article}</div>"
        "<div class='grid-row'><p>Copyright, the cycling club.</p></div></body></html>"
    )


def _extracted(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_the_headings_and_list_of_an_unnamed_article_are_kept() -> None:
    # A grid cell, or a named container that comes after the trail named like one: without
    # the rule trafilatura gives the answers alone (and the footer line).
    for article in (_article(), _article("<div class='entry-content'>", "</div>")):
        text = _extracted(_page(article))
        for question, answer in SECTIONS.items():
            assert question in text
            assert answer in text
        for step in STEPS:
            assert step in text
        assert "Home" not in text
        assert "Copyright" not in text
        assert text.count(STEPS[0]) == 1


def test_the_container_holding_the_prose_becomes_the_article() -> None:
    tree = parse_html(_page(_article()))
    assert tree is not None
    assert name_unmarked_article(tree)
    (article,) = tree.iter("article")
    assert article.get("class") == "grid-cell col-10"
    assert len(list(article.iter("h2"))) == len(SECTIONS)


def test_pages_where_trafilatura_finds_the_article_are_left_alone() -> None:
    for article in (
        _article("<article>", "</article>"),
        _article("<div class='entry-content'>", "</div>"),
        _article("<main>", "</main>"),
    ):
        tree = parse_html(_page(article, trail="trail"))
        assert tree is not None
        before = [element.tag for element in tree.iter()]
        assert not name_unmarked_article(tree)
        assert [element.tag for element in tree.iter()] == before


def test_prose_spread_over_the_page_names_no_container() -> None:
    # Two equal halves in two columns: no container of the article's own holds most of it.
    halves = list(SECTIONS.items())
    left = "".join(f"<h2>{q}</h2><p>{a}</p>" for q, a in halves[:2])
    right = "".join(f"<h2>{q}</h2><p>{a}</p>" for q, a in halves[2:] + halves[:1])
    page = (
        "<html><body><div class='column'>" + left + "</div>"
        "<table><tr><td>" + right + "</td></tr></table></body></html>"
    )
    tree = parse_html(page)
    assert tree is not None
    assert not name_unmarked_article(tree)
    assert next(tree.iter("article"), None) is None


def test_a_wrapper_of_the_whole_page_is_not_named() -> None:
    # A CMS frame around everything the page shows says nothing about where the article is.
    page = f"<html><body><div class='off-canvas-frame'>{_article()}</div></body></html>"
    tree = parse_html(page)
    assert tree is not None
    assert not name_unmarked_article(tree)
    assert next(tree.iter("article"), None) is None
