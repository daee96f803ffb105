"""article_headers: a ``<header>`` that holds the article's prose is part of the article.

trafilatura's precise mode deletes every ``<header>`` element before extraction (its
precision discard list): a page header is a logo, a menu and a search box. But HTML5 gives
each article and each section a ``<header>`` of its own, and themes put more than a title
there: a review's opening paragraphs beside its headline, each entry of a listicle with its
verdict, a landing page's whole introduction (tuning pages: up to a fifth of an article's
words).

:func:`open_article_headers` turns a ``<header>`` into a ``<div>`` when it holds prose (a
paragraph of :data:`~.page_parts.PROSE_PARAGRAPH_CHARS` characters or more, outside links:
a sentence or more) and is no page header (no ``nav``, menu or search form inside, most of
its text outside links). A header of only a title, a byline and a date holds no such
paragraph and stays a header.
"""

from __future__ import annotations

import logging

from lxml.html import HtmlElement  # type: ignore[import-untyped]

from cleaner.stages.page_parts import PROSE_PARAGRAPH_CHARS

_LOG = logging.getLogger(__name__)

# A page header is mostly links (menu entries, the logo, account links); an article's header
# with prose has at most this share of its text in links.
HEADER_LINK_SHARE = 0.3
# Marks of a page header: navigation, a search or sign-in form.
_PAGE_HEADER_TAGS = ("nav", "form", "input", "button")


def open_article_headers(tree: HtmlElement) -> int:
    """Turn each ``<header>`` holding prose and no navigation into a ``<div>``; the number of
    headers turned. Mutates ``tree``."""
    headers = [header for header in tree.iter("header") if _holds_article_prose(header)]
    for header in headers:
        header.tag = "div"
        _LOG.debug(
            "article header opened: class=%r %.60r",
            header.get("class"),
            " ".join(header.text_content().split()),
        )
    return len(headers)


def _holds_article_prose(header: HtmlElement) -> bool:
    if any(True for _ in header.iter(*_PAGE_HEADER_TAGS)):
        return False
    if any(element.get("role") in ("navigation", "search") for element in header.iter()):
        return False
    text = _chars(header)
    linked = sum(_chars(link) for link in header.iter("a"))
    if not text or linked > HEADER_LINK_SHARE * text:
        return False
    return any(
        _chars(paragraph) - sum(_chars(link) for link in paragraph.iter("a"))
        >= PROSE_PARAGRAPH_CHARS
        for paragraph in header.iter("p")
    )


def _chars(element: HtmlElement) -> int:
    return len(" ".join(element.text_content().split()))
