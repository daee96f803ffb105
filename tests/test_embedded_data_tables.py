"""Data tables in embed blocks (cleaner.stages.layout_tables.keep_embedded_data_tables): a
site builder frames a table pasted into an article in a block whose class trafilatura's
discard list reads as an embedded widget; the extract stage keeps the table, and leaves a
widget with content of its own and a metadata table to trafilatura's judgement."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.layout_tables import keep_embedded_data_tables

PARAGRAPHS = [
    "Tipping customs differ from one kind of service to the next, and the amount that feels"
    " generous at a counter can look mean at a table where a server looked after you all night.",
    "The figures below are what most guides in the country suggest today; round up when the"
    " service went beyond what you asked for, and down only when something really went wrong.",
    "Whatever you decide, tip in cash when you can, because card tips are sometimes shared out"
    " weeks later or pass through the owner's hands before reaching the staff.",
]
ROWS = [
    ("Full service restaurant", "20%"),
    ("Counter service", "15%"),
    ("Hotel porter", "$2 per bag"),
    ("Hairdresser", "15 to 20%"),
]


def _table(header: bool = True) -> str:
    head = "<thead><tr><th>Service</th><th>Usual tip</th></tr></thead>" if header else ""
    rows = "".join(f"<tr><td>{service}</td><td>{tip}</td></tr>" for service, tip in ROWS)
    return f"<table class='dataframe'>{head}<tbody>{rows}</tbody></table>"


def _page(block: str) -> str:
    first, second, third = (f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    return (
        "<html><head><title>How much to tip</title></head><body><article>"
        f"<h1>How much to tip</h1><div class='rich-text'>{first}{second}{block}{third}</div>"
        "</article></body></html>"
    )


def _embedded(table: str) -> str:
    """A Webflow embed block: the table's stylesheet and a scroll frame around it."""
    return (
        "<div class='w-embed'><style>.responsive-table { overflow-x: auto; }</style>"
        f"<div class='responsive-table'>{table}</div></div>"
    )


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_a_data_table_in_an_embed_block_is_extracted() -> None:
    # Before the step the table was gone: trafilatura deletes the "w-embed" block.
    text = _extract(_page(_embedded(_table())))
    for service, tip in ROWS:
        assert service in text
        assert tip in text
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_a_table_of_rows_without_header_cells_is_data_too() -> None:
    text = _extract(_page(_embedded(_table(header=False))))
    for service, _ in ROWS:
        assert service in text


def test_a_widget_with_content_of_its_own_and_a_metadata_table_keep_their_wrappers() -> None:
    widget = (
        "<div class='w-embed'><h3>Our partner offers</h3>"
        f"{_table()}<a href='/partners'>See every offer</a></div>"
    )
    metadata = (
        "<div class='metatable w-embed'><table><tr><td>Subjects:</td><td>Etiquette</td></tr>"
        "<tr><td>Cite as:</td><td>guide 1024</td></tr><tr><td>Filed:</td><td>2025</td></tr>"
        "</table></div>"
    )
    tree = parse_html(_page(widget + metadata))
    assert tree is not None
    assert keep_embedded_data_tables(tree) == 0
    assert len(tree.xpath("//div[contains(@class, 'w-embed')]")) == 2


def test_a_table_outside_any_discarded_wrapper_is_unchanged() -> None:
    html = _page(f"<div class='table-scroll'>{_table()}</div>")
    tree = parse_html(html)
    assert tree is not None
    assert keep_embedded_data_tables(tree) == 0
    text = _extract(html)
    for service, _ in ROWS:
        assert service in text


def test_a_table_the_page_already_shows_keeps_the_wrappers_of_its_copy() -> None:
    # Review: a 'table-mobile-slider' (the discard list reads 'slide') holds the small-screen
    # copy of a table the page already shows; unwrapping it printed the table twice.
    html = _page(_table() + f"<div class='table-mobile-slider'>{_table()}</div>")
    tree = parse_html(html)
    assert tree is not None
    assert keep_embedded_data_tables(tree) == 0
    assert _extract(html).count("Hotel porter") == 1


def test_a_table_every_copy_of_which_trafilatura_would_delete_comes_out_once() -> None:
    # Review: the same table in two embed blocks, a paragraph between them, came out
    # nowhere once copies kept their wrappers; the first copy is given back.
    html = _page(_embedded(_table()) + f"<p>{PARAGRAPHS[0]}</p>" + _embedded(_table()))
    assert _extract(html).count("Hotel porter") == 1


def test_a_copy_without_the_header_row_is_the_same_table() -> None:
    # A small-screen copy that leaves the header row out, framed in a block trafilatura
    # deletes, beside the table in an embed block: before, both frames went and the rows
    # came out twice. The copy's rows are the headed table's other rows, word for word.
    html = _page(
        _embedded(_table()) + f"<div class='table-mobile-slider'>{_table(header=False)}</div>"
    )
    tree = parse_html(html)
    assert tree is not None
    assert keep_embedded_data_tables(tree) == 1
    text = _extract(html)
    assert text.count("Hotel porter") == 1
    assert "Usual tip" in text


def test_a_header_less_table_of_other_rows_is_a_table_of_its_own() -> None:
    # The same services at other rates (a second country's customs): not a copy.
    other = _table(header=False).replace("20%", "10%").replace("15%", "5%")
    html = _page(_embedded(_table()) + f"<p>{PARAGRAPHS[0]}</p>" + _embedded(other))
    tree = parse_html(html)
    assert tree is not None
    assert keep_embedded_data_tables(tree) == 2  # each table's embed block
    text = _extract(html)
    assert text.count("Hotel porter") == 2
    assert "| 10% |" in text


def test_the_same_rows_under_two_headers_are_two_tables_and_a_bare_copy_stays_apart() -> None:
    # Two tables with the same figures under different headers ("last year", "this year")
    # are two tables; a header-less table with those rows is no copy of either.
    last = _table().replace("Usual tip", "Last year")
    html = _page(
        _embedded(_table())
        + f"<p>{PARAGRAPHS[0]}</p>"
        + _embedded(last)
        + f"<p>{PARAGRAPHS[1]}</p>"
        + _embedded(_table(header=False))
    )
    assert _extract(html).count("Hotel porter") == 3


def test_a_header_less_copy_of_a_table_the_page_already_shows_keeps_its_wrapper() -> None:
    html = _page(_table() + f"<div class='table-mobile-slider'>{_table(header=False)}</div>")
    tree = parse_html(html)
    assert tree is not None
    assert keep_embedded_data_tables(tree) == 0
    assert _extract(html).count("Hotel porter") == 1
