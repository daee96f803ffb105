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

import logging
import re

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

from cleaner.stages.furniture_marks import named_as_furniture

_LOG = logging.getLogger(__name__)

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


# A table without header cells is data when it has this many rows of two cells or more (a
# price list, a schedule); fewer rows may be a layout row of two columns.
DATA_TABLE_MIN_ROWS = 3
# The wrappers of a table lie this close above it (tuning pages: a site builder's embed block
# around a responsive-scroll div around the table).
TABLE_WRAPPER_LEVELS = 3
_UNSEEN_TAGS = ("style", "script")
_SHOWN_TEXT = XPath(".//text()[not(ancestor::style or ancestor::script)]")
# A wrapper named as metadata frames the page's record (a preprint's subjects and citation
# line, "metatable"), not a table of the article: it stays as trafilatura judges it.
_METADATA_NAME = re.compile(r"meta", re.IGNORECASE)


def keep_embedded_data_tables(tree: HtmlElement) -> int:
    """Unwrap the wrappers around data tables that trafilatura's discard list would take for
    page furniture; the number of wrappers unwrapped. Mutates ``tree``.

    Site builders put a table pasted into an article in an embed block (``<div
    class="w-embed">``): trafilatura's overall discard list reads "embed" as an embedded
    widget and deletes the block, table and all (a tipping guide lost its two tables). A
    wrapper that holds nothing but a data table (its text is the table's) is the table's
    frame, whatever its class says: its tag goes, the table stays where it was. A table in
    a widget with a heading or a link list of its own keeps its wrapper, and so does a table
    framed as the page's metadata; a table the page shows twice is given back once.
    """
    framed: dict[str, list[list[HtmlElement]]] = {}
    tables = [table for table in tree.iter("table") if _is_data_table(table)]
    copy_of = _headed_tables_by_body(tables)
    for table in tables:
        text = " ".join(table.text_content().split())
        # A copy without the header row (a small-screen copy that shows each row's labels
        # only) is the headed table's copy when their other rows are the same, word for word.
        if not _header_rows(table):
            text = copy_of.get(_body_text(table), text)
        framed.setdefault(text, []).append(_discarded_frames(table))
    wrappers = {
        id(wrapper): wrapper
        for copies in framed.values()
        # A table the page shows twice is given back once: when trafilatura keeps a copy (a
        # "table-mobile-slider" frames the small-screen copy of the table above it), none;
        # when it would delete every copy, the first.
        if all(copies)
        for wrapper in copies[0]
    }
    for wrapper in wrappers.values():
        _LOG.debug("data table wrapper unwrapped: <%s class=%r>", wrapper.tag, wrapper.get("class"))
        wrapper.drop_tag()
    return len(wrappers)


def _headed_tables_by_body(tables: list[HtmlElement]) -> dict[str, str]:
    """The whole text of each table with a header row, keyed by the text of its other rows:
    what a copy without the header is a copy of. Rows shared by tables under different
    headers ("2024" and "2025" over the same figures) are two tables: no key for them, and a
    header-less table with those rows stays a table of its own."""
    by_body: dict[str, set[str]] = {}
    for table in tables:
        if _header_rows(table):
            text = " ".join(table.text_content().split())
            by_body.setdefault(_body_text(table), set()).add(text)
    return {body: next(iter(texts)) for body, texts in by_body.items() if len(texts) == 1}


def _own_rows(table: HtmlElement) -> list[HtmlElement]:
    return [row for row in table.iter("tr") if _owner_table(row) is table]


def _header_rows(table: HtmlElement) -> list[HtmlElement]:
    """The rows of ``table`` that head its columns: those of a ``<thead>``, or a row of
    header cells only (a row whose first cell alone is ``<th>`` labels that row)."""
    return [
        row
        for row in _own_rows(table)
        if (row.getparent() is not None and row.getparent().tag == "thead")
        or (len(row) > 0 and all(cell.tag == "th" for cell in row))
    ]


def _body_text(table: HtmlElement) -> str:
    """The text of a table's rows less its header rows, one row a line."""
    heads = {id(row) for row in _header_rows(table)}
    return "\n".join(
        " ".join(row.text_content().split()) for row in _own_rows(table) if id(row) not in heads
    )


def _discarded_frames(table: HtmlElement) -> list[HtmlElement]:
    """The wrappers of ``table`` (ancestors within :data:`TABLE_WRAPPER_LEVELS` that show no
    text of their own) that trafilatura's discard list names as furniture, innermost first."""
    frames: list[HtmlElement] = []
    inner = table
    for level, ancestor in enumerate(table.iterancestors(), start=1):
        if level > TABLE_WRAPPER_LEVELS or ancestor.tag in ("body", "html", "td", "th"):
            break
        if _shows_text_beside(ancestor, inner):
            break
        inner = ancestor
        if _METADATA_NAME.search(_names(ancestor)):
            break
        if named_as_furniture(ancestor):
            frames.append(ancestor)
    return frames


def _names(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _is_data_table(table: HtmlElement) -> bool:
    if any(_owner_table(mark) is table for mark in table.iter(*_DATA_TABLE_TAGS)):
        return True
    rows = [row for row in table.iter("tr") if _owner_table(row) is table]
    full = [row for row in rows if len(row.findall("td")) >= 2]
    return len(full) >= DATA_TABLE_MIN_ROWS and not _has_layout_cell(table)


def _shows_text_beside(wrapper: HtmlElement, inner: HtmlElement) -> bool:
    """Whether a reader sees text in ``wrapper`` outside its child ``inner``: its own text,
    a child's tail, or a child other than ``inner`` holding text. A stylesheet or script is
    not seen (a table's embed block carries the table's stylesheet in a ``<style>``). Stops
    at the first such text: the wrapper of a whole page is not read through."""
    if (wrapper.text or "").strip():
        return True
    for child in wrapper:
        if (child.tail or "").strip():
            return True
        if child is inner or not isinstance(child.tag, str) or child.tag in _UNSEEN_TAGS:
            continue
        if any(str(text).strip() for text in _SHOWN_TEXT(child)):
            return True
    return False
