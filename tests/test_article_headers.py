"""Article headers holding prose (cleaner.stages.article_headers): trafilatura's precise mode
deletes every <header>; the extract stage keeps an article's header that holds paragraphs of
its text, and leaves the page header (menu, search) and a header of title and byline alone."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.article_headers import open_article_headers
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html

INTRO = [
    "Public libraries lend far more than books: in many towns a card also opens a collection"
    " of tools, seeds and musical instruments that anyone can borrow for a few weeks.",
    "The idea started with a handful of volunteers who noticed how rarely most households use"
    " a drill, and it spread as councils looked for cheap ways to cut waste.",
]
BODY = [
    "Borrowing works like it does for a novel. You reserve an item online, collect it at the"
    " desk and bring it back clean, and a late return costs the same small fine.",
    "Most collections grow through donations, so the shelves reflect what a neighbourhood"
    " owns: ladders and pressure washers in the suburbs, sewing machines in the centre.",
    "Librarians say the most borrowed items are the ones people need once a year, such as a"
    " carpet cleaner before moving out or a tent for a single summer holiday.",
]
TITLE = "What your library lends besides books"


def _page(header: str) -> str:
    menu = (
        "<header class='site-header'><a href='/'>Town News</a><nav><ul>"
        + "".join(f"<li><a href='/{name}'>{name.title()}</a></li>" for name in ("local", "sport"))
        + "</ul></nav><form><input name='q'></form></header>"
    )
    body = "".join(f"<p>{paragraph}</p>" for paragraph in BODY)
    return (
        f"<html><head><title>{TITLE}</title></head><body>{menu}<main><article>{header}"
        f"{body}</article></main></body></html>"
    )


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_an_article_header_holding_the_opening_paragraphs_is_extracted() -> None:
    # Before: the two opening paragraphs went with the <header> in the precise pruning.
    intro = "".join(f"<p>{paragraph}</p>" for paragraph in INTRO)
    text = _extract(_page(f"<header class='entry-header'><h1>{TITLE}</h1>{intro}</header>"))
    for paragraph in INTRO + BODY:
        assert paragraph in text
    assert "Sport" not in text


def test_the_page_header_and_a_header_of_title_and_byline_stay_headers() -> None:
    html = _page(
        f"<header class='entry-header'><h1>{TITLE}</h1><p>By Ann Smith, 3 March</p></header>"
    )
    tree = parse_html(html)
    assert tree is not None
    assert open_article_headers(tree) == 0
    assert len(list(tree.iter("header"))) == 2
    text = _extract(html)
    for paragraph in BODY:
        assert paragraph in text
    assert "Town News" not in text


def test_a_header_with_a_menu_beside_a_paragraph_stays_a_header() -> None:
    tree = parse_html(
        "<html><body><header><nav><a href='/'>Home</a></nav>"
        f"<p>{INTRO[0]}</p></header></body></html>"
    )
    assert tree is not None
    assert open_article_headers(tree) == 0
