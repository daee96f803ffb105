"""The page's own metadata (title, date, url, author, site name) from its meta tags, JSON-LD
and <title>, for the extract stage's HTML pages.

trafilatura's metadata helpers read the tags; its JSON-LD reader is replaced here by
:func:`with_json_ld`, which gives the same values at 60% of its cost: trafilatura strips the
whitespace between JSON tokens by a regular-expression substitution that expands a group
reference in Python for every space and every string, and drops lone surrogates one
character at a time.
"""

from __future__ import annotations

import contextlib
import json
import re
from copy import copy
from html import unescape
from html.entities import html5
from typing import Any

from htmldate import find_date
from lxml.etree import Element, SubElement  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.json_metadata import extract_json, extract_json_parse_error
from trafilatura.metadata import (
    examine_meta,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.utils import HTML_STRIP_TAGS

# The types of the script elements trafilatura reads as JSON-LD (its XPath
# './/script[@type="application/ld+json" or @type="application/settings+json"]').
JSON_LD_TYPES = frozenset({"application/ld+json", "application/settings+json"})
# The text of a JSON document less the whitespace outside its strings, as tokens: a string
# (escapes included), a run of other characters, or a quote that opens no string (kept as
# is, as trafilatura's minifier keeps it). The string is written as runs of plain characters
# between escapes, not as one alternation per character: the same strings (a quote ends one
# only where no backslash escapes it, in both forms), found in a third of the time (0.15 ->
# 0.05 s on the JSON-LD of the 892 benchmark pages).
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[^\s"]+|"')
_ESCAPED_CODE_UNIT = re.compile(r"\\u([0-9a-fA-F]{4})")
_SURROGATE = re.compile("[\ud800-\udfff]")
# The text fields a JSON-LD script may set, and an HTML character reference in one of them.
_JSON_LD_TEXT_FIELDS = ("title", "author", "sitename")
_CHARACTER_REFERENCE = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
)


def page_metadata(tree: HtmlElement, url: str | None) -> dict[str, str]:
    """Title, date, url, author and site name of a page, from its meta tags, JSON-LD and
    <title>, via trafilatura's metadata helpers.

    trafilatura's full metadata pass also searches the page body for authors, categories,
    tags and licences, which we do not use and which cost a third of its extraction time.
    """
    found = examine_meta(head_metas(tree))
    from_tags = {name: getattr(found, name) for name in _JSON_LD_TEXT_FIELDS}
    with contextlib.suppress(Exception):  # trafilatura guards its JSON-LD parser likewise
        found = with_json_ld(tree, found)
    for name, value in from_tags.items():
        read = getattr(found, name)
        if read != value and isinstance(read, str):
            setattr(found, name, without_entities(read))
    values: dict[str, Any] = {
        "title": found.title or extract_title(tree),
        "author": found.author if found.author and " " in found.author else None,
        "url": found.url or extract_url(tree, url),
        "sitename": (found.sitename or extract_sitename(tree) or "").lstrip("@") or None,
    }
    # Dates from meta tags, JSON-LD, the URL and time elements; the extensive search through
    # the page text costs an eighth of extraction time for 2 dates in 181 benchmark pages.
    values["date"] = find_date(tree, url=values["url"], extensive_search=False, original_date=True)
    return {key: value for key, value in values.items() if isinstance(value, str) and value}


def without_entities(value: str) -> str:
    """A JSON-LD string value with its HTML character references decoded.

    A script's text is not HTML-decoded by the parser, and many sites write JSON-LD strings
    HTML-escaped ("Camels &amp; Chocolate", "Derek Seaman&#039;s Tech Blog": 6 WCXB pages),
    which trafilatura decodes only in a script that also holds a JSON escape. The same value
    in a meta tag's attribute comes out decoded: so does this one. Only complete references
    are decoded (a known name or a number, then ";"): "Salt &not Pepper" stays as it is.

    A value trafilatura decoded (its script held a JSON escape) still holding a reference was
    escaped twice by the site ("How to write &amp;lt;br&amp;gt;" for a headline the page shows
    as "How to write <br>"): decoding it again gives the text the page shows. Which script a
    value came from is not known here, and a page's scripts may differ (a Yoast graph without
    escapes beside a script with them)."""
    return _CHARACTER_REFERENCE.sub(_decoded_reference, value)


def _decoded_reference(reference: re.Match[str]) -> str:
    text = reference[0]
    if text.startswith("&#"):
        return unescape(text)
    return html5.get(text[1:], text)


def head_metas(tree: HtmlElement) -> HtmlElement:
    """A page holding only copies of the <meta> children of ``tree``'s <head>: all that
    trafilatura's ``examine_meta`` reads. Its two searches (``.//head/meta``) walk the whole
    page for a <head>, which libxml2 only puts under the root: 0.44 -> 0.25 CPU s on the 892
    bench pages, the same values."""
    page = Element("html")
    for head in tree.iterchildren("head"):
        SubElement(page, "head").extend(copy(meta) for meta in head.iterchildren("meta"))
    return page


def with_json_ld(tree: HtmlElement, found: Any) -> Any:
    """``found`` (trafilatura's metadata Document) completed from the page's JSON-LD scripts,
    as trafilatura's ``extract_meta_json`` completes it: each script is minified and
    normalised the same way, then read by trafilatura's JSON-LD reader (or its fallback for
    a script that is not valid JSON)."""
    # The scripts by lxml's walk of one tag, not by trafilatura's XPath, which builds a node set
    # of every element of the page first: 0.59 -> 0.50 s for this function on the 892 benchmark
    # pages, the same scripts (a test holds them to the XPath's).
    for script in json_ld_scripts(tree):
        if not script.text:
            continue
        text = normalized_json(minified_json(script.text))
        try:
            found = extract_json(json.loads(text, strict=False), found)
        except json.JSONDecodeError:
            found = extract_json_parse_error(text, found)
    return found


def json_ld_scripts(tree: HtmlElement) -> list[HtmlElement]:
    """The script elements below ``tree`` (not itself) whose type is one of
    :data:`JSON_LD_TYPES`, in document order."""
    return [
        script for script in tree.iterdescendants("script") if script.get("type") in JSON_LD_TYPES
    ]


def minified_json(text: str) -> str:
    """``text`` less the whitespace outside its JSON strings, as trafilatura's minifier
    leaves it."""
    return "".join(_JSON_TOKENS.findall(text))


def normalized_json(text: str) -> str:
    """``text`` with its JSON escapes of line breaks and tabs dropped, the others decoded
    (lone surrogates dropped), HTML entities decoded (only when it holds a backslash, as in
    trafilatura), then without tags and with its whitespace runs as single spaces."""
    if "\\" in text:
        text = text.replace("\\n", "").replace("\\r", "").replace("\\t", "")
        text = _ESCAPED_CODE_UNIT.sub(lambda match: chr(int(match[1], 16)), text)
        text = unescape(_SURROGATE.sub("", text))
    return " ".join(HTML_STRIP_TAGS.sub("", text).split())
