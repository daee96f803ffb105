"""The tree of an HTML page, built as trafilatura's ``load_html`` builds it from a string, at less
cost (the extract stage parses each page once and hands the tree to every extraction run).

Two savings, measured on the 711 WCXB development pages (CPU time, one process):

- trafilatura's repair of a page (``repair_faulty_html``) first deletes the characters XML
  forbids with a regular expression over the whole page: 0.83 s of the 0.95 s the repair
  takes on those pages, to change one page. A test of the bytes (and of the string for two
  characters) finds the pages that hold such characters (0.17 s); the others get the repair
  on their first lines only, where its two other steps (a doctype and an ``<html/>`` tag)
  read, and the rest of the page as it is;
- libxml2 parses the page's UTF-8 bytes faster than the Python string (0.58 s against 0.68 s
  for 200 pages, the encoding included): the bytes go first, the string only when they give
  no tree.

``tests/test_extract_stage.py`` holds the tree to trafilatura's own on every benchmark page
and on pages made to hit each repair.
"""

from __future__ import annotations

from lxml.etree import ElementDefaultClassLookup  # type: ignore[import-untyped]
from lxml.html import (  # type: ignore[import-untyped]
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    fromstring,
)
from trafilatura.utils import repair_faulty_html

# trafilatura's parser settings, with lxml's built-in choice of element classes: the lookup
# of lxml.html calls into Python for every element the extraction touches (a twentieth of
# the stage's time) to pick form-field classes that trafilatura never uses.
PARSER = HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
PARSER.set_element_class_lookup(
    ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)

# The characters trafilatura's repair deletes (its INVALID_XML_CHARS): C0 controls other than
# tab, line feed and carriage return, and U+FFFE and U+FFFF. In UTF-8 the controls are single
# bytes that no other character's encoding holds, so a test on the bytes is exact for them.
_XML_INVALID_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_XML_INVALID_NONCHARACTERS = ("\ufffe", "\uffff")
# The repair's doctype step reads the page's first line, its <html/> step the first 4 lines of
# the first 4,096 characters once the doctype is gone: a page cut at a line break this far
# past the first line keeps everything those steps read (and the text a match can span: a
# match lies within the <html ...> line or whitespace up to it) in its head.
REPAIR_WINDOW_CHARS = 4096


def parse_html(text: str) -> HtmlElement | None:
    """The tree of a page, parsed as trafilatura's ``load_html`` parses a string (its repairs,
    the retry on bytes, the refusal of a fragment that does not say "html"), with
    :data:`PARSER`. None when there is no usable tree."""
    beginning = text[:50].lower()
    # lxml raises several kinds of error on input it cannot parse. trafilatura parses the
    # string, then the bytes when the string gives no tree; the bytes go first here, and the
    # string when they give none. Two kinds of page keep trafilatura's order: one holding a
    # lone surrogate (lxml drops it from a string, the bytes would carry it), and one starting
    # with a non-ASCII character (lxml tells a whole document from a fragment by its start,
    # where a string may also skip non-ASCII white space).
    try:
        data = repaired_bytes(text, beginning)
    except UnicodeEncodeError:
        data = None
    if data is None or data.lstrip()[:1] >= b"\x80":
        repaired = repair_faulty_html(text, beginning) if data is None else data.decode("utf-8")
        tree = _parsed(repaired)
        if tree is None or len(tree) < 1:
            tree = _parsed(repaired.encode("utf-8", "surrogatepass"))
    else:
        tree = _parsed(data)
        if tree is None or len(tree) < 1:
            from_text = _parsed(data.decode("utf-8"))
            if from_text is not None and len(from_text) >= 1:
                tree = from_text
    if tree is None:
        return None
    if "html" not in beginning and len(tree) < 2:
        return None
    return tree


def repaired_bytes(text: str, beginning: str) -> bytes:
    """``repair_faulty_html(text, beginning)`` as UTF-8 (UnicodeEncodeError for a text holding
    a lone surrogate)."""
    data = text.encode("utf-8")
    first_break = text.find("\n")
    cut = text.find("\n", REPAIR_WINDOW_CHARS + first_break) if first_break >= 0 else -1
    if cut < 0 or holds_xml_invalid_chars(text, data):
        # a page on one line, or holding characters to delete (whose removal would shift
        # the repair's window): the whole page goes through the repair
        return repair_faulty_html(text, beginning).encode("utf-8")
    head = text[: cut + 1]
    repaired = repair_faulty_html(head, beginning)
    if repaired == head:
        return data
    return repaired.encode("utf-8") + data[len(head.encode("utf-8")) :]


def holds_xml_invalid_chars(text: str, data: bytes) -> bool:
    """Whether ``text``, whose UTF-8 encoding is ``data``, holds a character that trafilatura's
    repair deletes."""
    if len(data.translate(None, _XML_INVALID_BYTES)) != len(data):
        return True
    # The two non-characters are looked for in the string: a search for one character skips a
    # string whose widest character is narrower at once, and runs at memory speed otherwise
    # (0.05 s against 0.19 s for a search of their shared first two bytes in the 165 MB of the
    # 892 benchmark pages).
    return any(char in text for char in _XML_INVALID_NONCHARACTERS)


def parser_hit_a_limit() -> bool:
    """Whether the last parse stopped at one of libxml2's limits."""
    return any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in PARSER.error_log)


def _parsed(data: bytes | str) -> HtmlElement | None:
    try:
        return fromstring(data, parser=PARSER)
    except Exception:
        return None
