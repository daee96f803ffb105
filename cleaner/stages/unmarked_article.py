"""unmarked_article: the article's container named for trafilatura when nothing else names it.

trafilatura finds an article by a list of body expressions (containers named "article-body",
"post-content", "story", an ``<article>``, a ``<main>``...), each taking its first match in the
page. When none of these first matches holds the article's prose (a page built of generic
grid cells; or one whose only "page-content" is its breadcrumb trail), its main pass comes
back empty and its last resort takes every ``<p>`` of the page one by one: the article's
section headings and lists are lost (tuning pages: a parenting FAQ without its questions, a
coffee history without its country headings).

:func:`name_unmarked_article` finds the container holding most of the page's prose paragraphs
and makes it an ``<article>``, which trafilatura's second expression takes when its first found
nothing with prose. It acts only when the page has no ``<article>`` and the first match of
every body expression holds less than half of the page's prose paragraph text, so a page whose
article trafilatura finds is never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.xpaths import BODY_XPATH

from cleaner.stages.page_parts import PROSE_PARAGRAPH_CHARS
from cleaner.stages.split_bodies import body_containers

_LOG = logging.getLogger(__name__)

# The container named holds at least this share of the page's prose paragraph text: the
# article with its own furniture, not a wrapper around the page's columns (a share below the
# whole, so that a teaser or a sidebar note with a paragraph of prose does not push the
# choice up to the page's wrapper).
ARTICLE_PROSE_SHARE = 0.8
# A body expression's first match holding this share of the prose is trafilatura's find of
# the article: the page is left as it is. (A match holding less, a navigation block with a
# paragraph of blurb, makes trafilatura fall back to the page's paragraphs one by one, or
# take a fraction of the article.)
FOUND_PROSE_SHARE = 0.5
# A container holding this share of the text of the page's <body> is the page's own wrapper.
WHOLE_PAGE_SHARE = 0.99
# Text a reader sees: not that of scripts and styles.
_SHOWN_TEXT = XPath(".//text()[not(parent::script or parent::style or parent::noscript)]")
# Containers that can be the article's (the tags trafilatura's body expressions read, less
# <article>, absent by the rule's condition).
_CONTAINER_TAGS = frozenset({"div", "section", "main"})


def name_unmarked_article(tree: HtmlElement) -> bool:
    """Make the container holding most of the page's prose paragraphs an ``<article>``, when
    the page has none and no body expression's first match holds half of that prose; whether
    it did.
    Mutates ``tree``."""
    if next(tree.iter("article"), None) is not None:
        return False
    total = 0
    held: dict[HtmlElement, int] = {}
    for paragraph in tree.iter("p"):
        length = len(paragraph.text_content())
        if length < PROSE_PARAGRAPH_CHARS:
            continue
        total += length
        for ancestor in paragraph.iterancestors():
            held[ancestor] = held.get(ancestor, 0) + length
    if not total:
        return False
    if any(held.get(match, 0) >= FOUND_PROSE_SHARE * total for match in _first_matches(tree)):
        return False  # trafilatura finds the article (or most of it) itself
    # The containers holding the share are nested (each holds more than half of the prose):
    # the deepest is the article's own.
    holding = [ancestor for ancestor, chars in held.items() if chars >= ARTICLE_PROSE_SHARE * total]
    article = max(holding, key=lambda element: sum(1 for _ in element.iterancestors()))
    if article.tag not in _CONTAINER_TAGS:
        return False  # the page's <body>, a table cell: no container of the article's own
    body = next(tree.iter("body"), None)
    if body is not None and _shown_chars(article) >= WHOLE_PAGE_SHARE * _shown_chars(body):
        # A wrapper of the whole page (a CMS's off-canvas frame) says nothing about where the
        # article is: named, it would have trafilatura read the page's every block as article.
        return False
    _LOG.debug(
        "article container named: <%s class=%r> holds %d of %d characters of prose",
        article.tag,
        article.get("class"),
        held[article],
        total,
    )
    article.tag = "article"
    return True


def _shown_chars(element: HtmlElement) -> int:
    return sum(len(text.strip()) for text in _SHOWN_TEXT(element))


def _first_matches(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The first match of each of trafilatura's body expressions, in trafilatura's order and
    one at a time (the first in the Python form :func:`~.split_bodies.body_containers`, which
    is quicker): a page whose first match holds the article costs one search."""
    yield from body_containers(tree)[:1]
    for expression in BODY_XPATH[1:]:
        match = next((element for element in expression(tree) if element is not None), None)
        if match is not None:
            yield match
