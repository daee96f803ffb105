"""html_parsing: the extract stage's tree is the tree trafilatura's ``load_html`` builds, on pages
made to hit each of its repairs and each of the shortcuts taken around them (the benchmark
pages are in ``test_extract_stage.py``)."""

from __future__ import annotations

import pytest
from lxml.html import tostring
from trafilatura.utils import INVALID_XML_CHARS, load_html, repair_faulty_html

from cleaner.stages.html_parsing import (
    REPAIR_WINDOW_CHARS,
    holds_xml_invalid_chars,
    parse_html,
    repaired_bytes,
)

PARAGRAPH = "<p>" + "Words of a paragraph that runs on for a while. " * 20 + "</p>\n"
BODY = PARAGRAPH * 40  # many lines, far past the repair's window
XHTML_DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"'
    ' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
)

PAGES = {
    "plain text": "plain words",
    "a fragment": "<p>one block</p>",
    "an encoding declaration": (
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>"
    ),
    # the repair deletes a doctype holding a "/" from the first line, on a long page
    "an XHTML doctype": f"{XHTML_DOCTYPE}\n<html><body>{BODY}</body></html>",
    # ...and closes a self-closed <html/> in the first lines
    "a self-closed html tag": f'{XHTML_DOCTYPE}\n<html lang="en"/>\n<body>{BODY}</body></html>',
    "a self-closed html tag past the doctype's length": (
        f"{XHTML_DOCTYPE}\n\n\n<html/>\n<body>{BODY}</body></html>"
    ),
    # characters XML forbids, deep in the page: the whole page is repaired
    "forbidden characters": (
        f"<!DOCTYPE html>\n<html><body>{BODY}\x00\x0b\x1f\ufffe\uffff{BODY}</body></html>"
    ),
    "forbidden characters in the first line": (
        f"{XHTML_DOCTYPE}\x01\n<html/>\n<body>{BODY}</body></html>"
    ),
    "a page on one line": (
        "<!DOCTYPE html><html><body>" + BODY.replace("\n", " ") + "</body></html>"
    ),
    "a page on two lines": (
        "<!DOCTYPE html>\n<html><body>" + BODY.replace("\n", " ") + "</body></html>"
    ),
    "a line break at the window's edge": (
        "<!DOCTYPE html>\n<html><body><p>" + "x" * (REPAIR_WINDOW_CHARS - 28) + "</p>\n"
        "<p>after</p></body></html>"
    ),
    "non-ASCII white space first": f"\u3000\n<html><body>{BODY}</body></html>",
    "a no-break space before a fragment": "\xa0<p>one</p><p>two</p>",
    "a lone surrogate": f"<html><body>{BODY}\ud800</body></html>",
    "non-ASCII text": f"<!DOCTYPE html>\n<html><body>{BODY}<p>Ça coûte 5 € — 東京</p></body></html>",
}


@pytest.mark.parametrize("name", PAGES)
def test_the_tree_is_trafilaturas(name: str) -> None:
    page = PAGES[name]
    theirs = load_html(page)
    ours = parse_html(page)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert tostring(ours) == tostring(theirs)


@pytest.mark.parametrize("name", [name for name in PAGES if name != "a lone surrogate"])
def test_the_repair_is_trafilaturas(name: str) -> None:
    page = PAGES[name]
    beginning = page[:50].lower()
    assert repaired_bytes(page, beginning) == repair_faulty_html(page, beginning).encode("utf-8")


def test_the_repairs_change_the_pages_made_for_them() -> None:
    # else the cases above would not test the repair of a page's head
    for name in ("an XHTML doctype", "a self-closed html tag", "forbidden characters"):
        page = PAGES[name]
        assert repair_faulty_html(page, page[:50].lower()) != page, name


def test_the_test_finds_exactly_the_characters_the_repair_deletes() -> None:
    # Every one- and two-byte character, the three-byte ones around U+FFFE and U+FFFF, and a
    # sample of the rest (a character's bytes can only match the byte test through those
    # ranges).
    codes = [
        *range(0x800),
        *range(0x800, 0xD800, 7),
        *range(0xE000, 0x10000),
        *range(0x10000, 0x110000, 0x101),
    ]
    for code in codes:
        text = f"a{chr(code)}b"
        expected = INVALID_XML_CHARS.search(text) is not None
        assert holds_xml_invalid_chars(text, text.encode()) == expected, hex(code)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\ufffd\uff21\ufffd text \uffff", True),  # after characters of the same first bytes
        ("\ufffe" + "\ufffd" * 3, True),
        ("\ufffd\uff21 \uffee\ufffd", False),  # their first two bytes alone, many times
        ("a\ufffd", False),
        ("caf\xe9 \x7f", False),  # a string of one-byte characters, DEL allowed
        ("caf\xe9 \x1b", True),
    ],
)
def test_the_test_reads_the_whole_page(text: str, expected: bool) -> None:
    assert holds_xml_invalid_chars(text, text.encode()) == expected
    assert holds_xml_invalid_chars(text[:-1], text[:-1].encode()) == (
        expected and text[-1] not in "\uffff\x1b"
    )
