"""streamed_segments: the parts of a page that React streams in late are put where they show.

A page rendered by React's streaming server (Next.js and others) sends its slow parts after
the rest: each arrives at the end of the HTML in a hidden ``<div hidden id="S:7">``, and a
small script call moves it into its place, marked by an empty ``<template id="P:7">``
(``$RS("S:7","P:7")``) or ``<template id="B:7">`` (``$RC("B:7","S:7")``, a boundary that showed
a "Loading..." fallback meanwhile). trafilatura runs no script: it finds those parts after
the page's footer, outside the container it takes for the article, and leaves them out (tuning
pages: a stock guide that kept 5,000 of its 14,600 characters).

:func:`place_streamed_segments` does what the page's own calls do: for each call found in the
page's scripts, whose hidden segment and empty template both exist, the segment's content
takes the template's place and the empty segment goes. A hidden element that no call moves
stays hidden, and so does everything on a page without such calls. The extract stage keeps
the placed page's output only when it holds the output of the page as it came (a part placed
above the article can move trafilatura's choice of container: then the page is read as it
came).
"""

from __future__ import annotations

import logging
import re

from lxml.html import HtmlElement  # type: ignore[import-untyped]

_LOG = logging.getLogger(__name__)

# React's calls: $RS(segment, placeholder) and $RC(boundary, segment), with the ids as
# string literals (the call's arguments in the page's inline scripts).
_CALL = re.compile(r'\$R([SC])\("([^"\\]+)","([^"\\]+)"\)')
_CALL_NAMES = ("$RS(", "$RC(")


def may_hold_streamed_segments(html: str) -> bool:
    """Whether the page's source calls React's segment moves at all (a search at C speed:
    most pages do not, and their scripts are then never read)."""
    return any(name in html for name in _CALL_NAMES)


def place_streamed_segments(tree: HtmlElement) -> int:
    """Move each hidden streamed segment of ``tree`` that a call of the page's scripts places
    into its template's place; the number of segments placed. Mutates ``tree``."""
    calls = [
        (kind, first, second)
        for script in tree.iter("script")
        if script.text and "$R" in script.text
        for kind, first, second in _CALL.findall(script.text)
    ]
    if not calls:
        return 0
    by_id = {
        element.get("id"): element
        for element in tree.iter("div", "template")
        if element.get("id") is not None
    }
    placed = 0
    for kind, first, second in calls:
        segment_id, template_id = (first, second) if kind == "S" else (second, first)
        segment, template = by_id.get(segment_id), by_id.get(template_id)
        if segment is None or template is None:
            continue
        if segment.tag != "div" or segment.get("hidden") is None:
            continue
        if template.tag != "template" or len(template) or (template.text or "").strip():
            continue
        if template.getparent() is None or segment.getparent() is None:
            continue
        _LOG.debug(
            "streamed segment %s placed at %s: %.60r", segment_id, template_id, _words(segment)
        )
        _move_content(segment, template)
        placed += 1
    return placed


def _move_content(segment: HtmlElement, template: HtmlElement) -> None:
    """Put the content of ``segment`` (its text and children) where ``template`` is, and drop
    both elements (their tails stay)."""
    if segment.text:
        previous = template.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + segment.text
        else:
            parent = template.getparent()
            parent.text = (parent.text or "") + segment.text
        segment.text = None
    for child in list(segment):
        template.addprevious(child)  # moves the child with its tail
    template.drop_tree()
    segment.drop_tree()


def _words(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())
