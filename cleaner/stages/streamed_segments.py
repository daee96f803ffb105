"""streamed_segments: the parts of a page that React streams in, put where they are shown.

A page rendered by React's streaming server (Next.js) sends its slow parts after the rest:
the place of each part is an empty ``<template id="B:0">`` (with a "Loading..." fallback
after it) or ``<template id="P:7">``, and the part itself comes at the end of the body in a
``<div hidden id="S:0">``, which a script moves into place when the page loads. An extractor
runs no scripts: trafilatura deletes the hidden divs, and the article keeps only its
"Loading paragraph..." placeholders (a stock guide: two thirds of its words).

:func:`place_streamed_segments` does the script's work: each hidden ``S:`` div's content
replaces its template (``P:`` the template alone, ``B:`` the template and its fallback up to
the boundary's closing ``<!--/$-->`` comment), and the empty div goes. A hidden div without
its template stays as it is.
"""

from __future__ import annotations

import logging

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

_LOG = logging.getLogger(__name__)

_SEGMENTS = XPath('//div[@hidden][starts-with(@id, "S:")]')
_TEMPLATES = XPath('//template[starts-with(@id, "B:") or starts-with(@id, "P:")]')
# React's comment closing a suspense boundary (``<!--$?-->`` opens one still loading).
_BOUNDARY_END = "/$"


def place_streamed_segments(tree: HtmlElement) -> int:
    """Move each streamed segment's content into its template's place; the number of segments
    placed. Mutates ``tree``."""
    segments = _SEGMENTS(tree)
    if not segments:
        return 0
    templates: dict[str, HtmlElement] = {
        str(template.get("id")): template for template in _TEMPLATES(tree)
    }
    placed = 0
    for segment in segments:
        number = str(segment.get("id"))[2:]
        boundary = templates.get(f"B:{number}")
        template = templates.get(f"P:{number}", boundary)
        if template is None or _inside(template, segment):
            continue
        parent = template.getparent()
        if parent is None:
            continue
        if f"P:{number}" not in templates:
            _drop_fallback(template)
        position = parent.index(template)
        tail = template.tail
        parent.remove(template)
        children = list(segment)
        _append_text(parent, position - 1, segment.text)
        for offset, child in enumerate(children):
            parent.insert(position + offset, child)
        _append_text(parent, position + len(children) - 1, tail)
        if segment.getparent() is not None:
            segment.drop_tree()
        placed += 1
        _LOG.debug("streamed segment %s placed: %.60r", segment.get("id"), _words(children))
    return placed


def _drop_fallback(template: HtmlElement) -> None:
    """Remove the fallback shown while the boundary loads: the template's following siblings
    up to the boundary's closing comment. A page saved without React's comments has no
    closing mark: its fallback (a short "Loading..." line) stays, rather than everything
    after the template."""
    fallback = []
    for sibling in template.itersiblings():
        if not isinstance(sibling.tag, str) and (sibling.text or "").strip() == _BOUNDARY_END:
            break
        fallback.append(sibling)
    else:
        return
    for sibling in fallback:
        sibling.drop_tree()


def _inside(element: HtmlElement, container: HtmlElement) -> bool:
    return any(ancestor is container for ancestor in element.iterancestors())


def _append_text(parent: HtmlElement, index: int, text: str | None) -> None:
    """Put ``text`` after the child at ``index`` of ``parent`` (at the start of ``parent``'s
    text for -1)."""
    if not text:
        return
    if index < 0:
        parent.text = (parent.text or "") + text
        return
    element = parent[index]
    element.tail = (element.tail or "") + text


def _words(elements: list[HtmlElement]) -> str:
    return " ".join(" ".join(element.text_content().split()) for element in elements)
