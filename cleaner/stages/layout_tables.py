"""layout_tables: tables that lay a page out, turned into the blocks they hold.

trafilatura writes a table as rows of ``cell | cell`` text: one row per line, each cell's
content run together. A page laid out with a table (an old blog whose article sits in one
cell beside a sidebar cell) comes out as one line of many thousand characters, the byline,
date and article paragraphs merged, and no later stage can tell its chrome from its prose.
Cells that hold a flow of paragraphs, and between them most of their table's text, are
layout cells, not data: their table, rows and cells become ``div`` elements before
extraction, so each paragraph stays a line of its own. A table with header cells or a
caption is data whatever its cells hold: unwrapped, its short cells ("North", "£1.2m")
would be dropped by the extractor.
"""

from __future__ import annotations

from lxml.html import HtmlElement  # type: ignore[import-untyped]

# A data table's cell may hold one paragraph (a WordPress table wraps each cell's text in
# <p>); a cell with a flow of several paragraphs or headings is the page's layout.
LAYOUT_CELL_MIN_BLOCKS = 3
# The layout cells of a layout table (its article cell, or the cards of a grid) hold nearly
# all its text (0.75 to 1.0 of it on the tuning pages of WCXB and AEB); a long note in one
# cell of a data table holds about half (0.54 in a three-row comparison).
LAYOUT_CELL_MIN_SHARE = 0.6
# Marks of a data table: header cells, a header row group, a caption.
_DATA_TABLE_TAGS = ("th", "thead", "caption")
_FLOW_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre")
_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th")


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn each table that has a layout cell into ``div`` blocks, in place; the number of
    tables turned.

    >>> from lxml.html import fromstring
    >>> page = fromstring("<div><table><tr><td><p>a</p><p>b</p><p>c</p></td></tr></table></div>")
    >>> unwrap_layout_tables(page), page.find(".//td") is None
    (1, True)
    >>> data = fromstring("<div><table><tr><td><p>1</p></td><td>2</td></tr></table></div>")
    >>> unwrap_layout_tables(data)
    0
    >>> headed = fromstring("<div><table><tr><th>n</th></tr><tr><td><p>a</p><p>b</p><p>c</p>"
    ...                     "</td></tr></table></div>")
    >>> unwrap_layout_tables(headed)
    0
    """
    layout = [table for table in tree.iter("table") if _has_layout_cell(table)]
    # Each part is judged by its own table before any tag changes: a nested data table
    # inside a layout cell stays a table.
    parts = [
        part
        for table in layout
        for part in table.iter(*_TABLE_PARTS)
        if part is table or (part.tag != "table" and _owner_table(part) is table)
    ]
    for part in parts:
        part.tag = "div"
    return len(layout)


def _has_layout_cell(table: HtmlElement) -> bool:
    if any(_owner_table(mark) is table for mark in table.iter(*_DATA_TABLE_TAGS)):
        return False
    flow_chars = 0
    for cell in table.iter("td"):
        if _owner_table(cell) is not table:
            continue
        for blocks, _ in enumerate(cell.iter(*_FLOW_TAGS), start=1):
            if blocks >= LAYOUT_CELL_MIN_BLOCKS:
                flow_chars += _visible_chars(cell)
                break
    return flow_chars > 0 and flow_chars >= LAYOUT_CELL_MIN_SHARE * _visible_chars(table)


def _visible_chars(element: HtmlElement) -> int:
    """The characters of an element's text less its white space."""
    return sum(len(word) for word in element.text_content().split())


def _owner_table(part: HtmlElement) -> HtmlElement | None:
    """The nearest table above a row or cell (or above a table)."""
    parent = part.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent
