"""trafilatura's costliest XPath expressions matched in Python: the same elements at less cost.

An extraction evaluates a dozen XPath expressions over the page or its candidate article: the
raw page's prunes (infinite-scroll containers and share bars, comment sections and lists),
the cleaned page's comment prune, the body candidates (``BODY_XPATH``), and on each candidate
the discard lists (overall, captions, teasers, the precision list). Their ``re:test`` calls go
back from libxml2 into Python's ``re`` once per element and attribute, and their ``.//*``
steps visit every node of the tree: together about a quarter of the stage's CPU on the WCXB
pages (2026-12, with the overall list already in Python).

Here each of those expressions has a Python stand-in that walks only the elements of the
tags it names (lxml's tag filter, in C) and tests the same attributes with the same regular
expressions, in document order as the XPath gives them; where the patterns are long
alternations, each verdict is remembered by tag and attributes (a page repeats its class
names, and the stage's runs on a page meet them again). The body candidates' stand-ins give
the first element only: trafilatura's ``_extract`` reads no other.

A stand-in is used only when the expression's text in the installed trafilatura is the one it
was written for, but for the ``re:test`` patterns, which are read from trafilatura's own
expression (so its token lists can change); any other text keeps its XPath. Each stand-in
takes the place of its expression in trafilatura's list (:class:`InPython`, so every caller
that walks the list, trafilatura's or :mod:`.shared_steps`', finds it), and calls the XPath
outside :func:`discard_matched_in_python` (the extract stage's call): other callers of
trafilatura in the process, such as the benchmarks' trafilatura reference, get the XPath's
own evaluation. ``tests/test_discard_xpath.py`` holds every stand-in to its XPath on crafted
trees, on the benchmark pages' raw and cleaned trees, and on every tree the stage gives it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from lxml.etree import XPath, _Element  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.xpaths import (
    BODY_XPATH,
    DISCARD_IMAGE_ELEMENTS,
    OVERALL_DISCARD_XPATH,
    PRECISION_DISCARD_XPATH,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
    TEASER_DISCARD_XPATH,
)

Matcher = Callable[[HtmlElement], list[HtmlElement]]
Search = Callable[[str], object]
"""A compiled pattern's search: a match object (true) or None."""
Verdict = Callable[[str, list[tuple[str, str]]], object]
"""Whether an element of a tag and attributes (in their order) is matched."""

# lxml's EXSLT re:test(value, pattern[, flags]): Python's re.search, compiled with re.UNICODE
# (and re.IGNORECASE for an "i" flag).
_RE_TEST = re.compile(r"re:test\((@[\w|@-]+), '([^']*)'(?:, '([^']*)')?\)")

# A stand-in's verdicts remembered up to this many (then forgotten at once): more than a page
# holds, and a long run over many pages keeps a bounded memory.
REMEMBERED_VERDICTS = 10_000

# Every element with attributes: "descendant::" is "//" without its step over every node.
_WITH_ATTRIBUTES = XPath("descendant::*[@*]")
_BLOCKS = ("div", "item", "list", "p", "section", "span")
_BODIES = ("article", "div", "main", "section")


def _first(items: list[tuple[str, str]], first: str, second: str) -> str:
    """The string value of ``@first|@second`` for an element of attributes ``items``: the one
    of the two that comes first (XPath's document order), or ''."""
    for name, value in items:
        if name in (first, second):
            return value
    return ""


def _walk(tags: tuple[str, ...] | XPath, verdict: Verdict, first_only: bool = False) -> Matcher:
    """The elements under a tree's root of one of ``tags`` (or those an XPath gives) for which
    ``verdict`` holds, in document order (only the first with ``first_only``).

    A verdict depends on the element's tag and attributes only, and no element without
    attributes has it (each shape below tests attributes only, and no pattern is found in ''):
    each verdict is kept by tag and attributes, which a page repeats (a site's class names)
    and the stage's several runs on a page meet again, up to :data:`REMEMBERED_VERDICTS`."""
    known: dict[tuple[Any, ...], bool] = {}

    def matches(tree: HtmlElement) -> list[HtmlElement]:
        found = []
        for element in tags(tree) if isinstance(tags, XPath) else tree.iterdescendants(*tags):
            items = element.items()
            if not items:
                continue
            tag = element.tag
            key = (tag, *items)
            hit = known.get(key)
            if hit is None:
                if len(known) >= REMEMBERED_VERDICTS:
                    known.clear()
                hit = known[key] = bool(verdict(tag, items))
            if hit:
                found.append(element)
                if first_only:
                    break
        return found

    return matches


def _scan(tags: tuple[str, ...], test: Callable[[HtmlElement], object]) -> Matcher:
    """The elements under a tree's root of one of ``tags`` that pass ``test``, in document
    order: for a test cheaper than remembering its verdicts (substrings, anchored patterns;
    measured on the stage's own calls)."""

    def matches(tree: HtmlElement) -> list[HtmlElement]:
        return [element for element in tree.iterdescendants(*tags) if test(element)]

    return matches


# The stand-ins, each for an expression of one shape: the expression's text with whitespace
# runs made single spaces and each re:test pattern written {} (the patterns' searches, in
# order, are the builder's arguments).


def _raw_scroll(
    scroll_id: Search, scroll_class: Search, appended_id: Search, appended_class: Search
) -> Matcher:
    def scroll(element: HtmlElement) -> object:
        return scroll_id(element.get("id", "")) or scroll_class(element.get("class", ""))

    containers = _scan(("div", "section", "aside"), scroll)

    def matches(tree: HtmlElement) -> list[HtmlElement]:
        # The second step reads inside the element: it is tested on the few containers found.
        return [
            element
            for element in containers(tree)
            if next(element.iterdescendants("h1"), None) is None
            or appended_id(element.get("id", ""))
            or appended_class(element.get("class", ""))
        ]

    return matches


def _raw_share_buttons() -> Matcher:
    def test(element: HtmlElement) -> object:
        return "elementor-share-buttons" in element.get("class", "")

    return _scan(("div", "section", "aside"), test)


def _comments(by_id: Search, by_class: Search) -> Matcher:
    def test(element: HtmlElement) -> object:
        return by_id(element.get("id", "")) or by_class(element.get("class", ""))

    return _scan(("div", "list", "section", "details"), test)


def _comments_and_lists(
    by_id: Search, by_class: Search, list_by_id: Search, list_by_class: Search
) -> Matcher:
    def test(element: HtmlElement) -> object:
        element_id = element.get("id", "")
        element_class = element.get("class", "")
        return (by_id(element_id) or by_class(element_class)) and (
            element.tag not in ("ol", "ul")
            or list_by_id(element_id)
            or list_by_class(element_class)
        )

    return _scan(("div", "list", "section", "details", "ol", "ul"), test)


def _overall_blocks(cookie: Search, by_id: Search, by_class: Search) -> Matcher:
    def verdict(tag: str, items: list[tuple[str, str]]) -> object:
        attributes = dict(items)
        return (
            "data-lp-replacement-content" in attributes
            or "nav" in attributes.get("role", "").replace("N", "n")
            or "MostPopularStories" in attributes.get("data-component", "")
            or cookie(_first(items, "id", "class"))
            or by_id(attributes.get("id", ""))
            or by_class(attributes.get("class", ""))
        )

    return _walk(_BLOCKS, verdict)


def _overall_hidden(hidden: Search, by_id: Search, by_class: Search) -> Matcher:
    def verdict(tag: str, items: list[tuple[str, str]]) -> object:
        attributes = dict(items)
        element_class = attributes.get("class", "")
        style = attributes.get("style", "")
        return (
            element_class == "comments-title"
            or _first(items, "id", "class").startswith("reply-")
            or hidden(_first(items, "id", "style"))
            or "display:none" in style
            or "display: none" in style
            or by_id(attributes.get("id", ""))
            or by_class(element_class)
            or attributes.get("aria-hidden") == "true"
        )

    return _walk(_WITH_ATTRIBUTES, verdict)


def _captions() -> Matcher:
    def test(element: HtmlElement) -> object:
        return "caption" in element.get("id", "") or "caption" in element.get("class", "")

    return _scan(_BLOCKS, test)


def _teasers() -> Matcher:
    def test(element: HtmlElement) -> object:
        return "teaser" in element.get("id", "").replace("T", "t") or (
            "teaser" in element.get("class", "").replace("T", "t")
        )

    return _scan(_BLOCKS, test)


def _precision_blocks(bottom: Search, link: Search) -> Matcher:
    def verdict(tag: str, items: list[tuple[str, str]]) -> object:
        first = _first(items, "id", "class")
        return bottom(first) or link(first) or "border" in dict(items).get("style", "")

    return _walk(_BLOCKS, verdict)


def _article_body(by_id: Search, by_class: Search) -> Matcher:
    def verdict(tag: str, items: list[tuple[str, str]]) -> object:
        attributes = dict(items)
        element_id = attributes.get("id", "")
        element_class = attributes.get("class", "")
        return (
            element_class in ("post", "entry")
            or attributes.get("itemprop") == "articleBody"
            or element_id == "articleContent"
            or by_id(element_id)
            or by_class(element_class)
        )

    return _walk(_BODIES, verdict, first_only=True)


def _story_body(by_id: Search, fulltext: Search, by_class: Search) -> Matcher:
    def verdict(tag: str, items: list[tuple[str, str]]) -> object:
        attributes = dict(items)
        element_id = attributes.get("id", "")
        element_class = attributes.get("class", "")
        return (
            attributes.get("role") == "article"
            or element_id in ("article", "story")
            or element_class in ("postarea", "art-postcontent", "text", "cell", "story")
            or by_id(element_id)
            or fulltext(element_class)
            or by_class(element_class)
        )

    return _walk(_BODIES, verdict, first_only=True)


def _main_content(by_id: Search, by_class: Search) -> Matcher:
    def verdict(tag: str, items: list[tuple[str, str]]) -> object:
        attributes = dict(items)
        element_id = attributes.get("id", "")
        element_class = attributes.get("class", "")
        return (
            element_id == "content"
            or element_class == "content"
            or by_id(element_id)
            or by_class(element_class)
            or "main-content" in element_id.replace("C", "c").replace("M", "m")
            or "main-content" in element_class.replace("C", "c").replace("M", "m")
            or "page-content" in element_class.replace("C", "c").replace("P", "p")
        )

    return _walk(_BODIES, verdict, first_only=True)


_BLOCK_TAGS = (
    ".//*[self::div or self::item or self::list or self::p or self::section or self::span]["
)
_BODY_TAGS = "self::article or self::div or self::main or self::section]["

# (trafilatura's list, the expression's index, its shape, the stand-in's builder)
_STAND_INS: tuple[tuple[list[Any], int, str, Callable[..., Matcher]], ...] = (
    (
        RAW_TREE_PRUNE_XPATH,
        0,
        ".//*[self::div or self::section or self::aside][ re:test(@id, '{}') or "
        "re:test(@class, '{}')][ not(.//h1) or re:test(@id, '{}') or re:test(@class, '{}')]",
        _raw_scroll,
    ),
    (
        RAW_TREE_PRUNE_XPATH,
        1,
        ".//*[self::div or self::section or self::aside]"
        "[contains(@class, 'elementor-share-buttons')]",
        _raw_share_buttons,
    ),
    (
        REMOVE_COMMENTS_XPATH,
        0,
        ".//*[self::div or self::list or self::section or self::details][ "
        "re:test(@id, '{}') or re:test(@class, '{}')]",
        _comments,
    ),
    (
        REMOVE_COMMENTS_AND_LISTS_XPATH,
        0,
        ".//*[self::div or self::list or self::section or self::details or self::ol or "
        "self::ul][ re:test(@id, '{}') or re:test(@class, '{}')][ not(self::ol or self::ul) or "
        "re:test(@id, '{}') or re:test(@class, '{}')]",
        _comments_and_lists,
    ),
    (
        OVERALL_DISCARD_XPATH,
        0,
        _BLOCK_TAGS + " @data-lp-replacement-content or contains(translate(@role, 'N', 'n'), "
        "'nav') or contains(@data-component, 'MostPopularStories') or "
        "re:test(@id|@class, '{}') or re:test(@id, '{}') or re:test(@class, '{}')]",
        _overall_blocks,
    ),
    (
        OVERALL_DISCARD_XPATH,
        1,
        ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or "
        "re:test(@id|@style, '{}') or contains(@style, 'display:none') or "
        "contains(@style, 'display: none') or re:test(@id, '{}') or re:test(@class, '{}') or "
        "@aria-hidden='true']",
        _overall_hidden,
    ),
    (
        DISCARD_IMAGE_ELEMENTS,
        0,
        _BLOCK_TAGS + " contains(@id, 'caption') or contains(@class, 'caption')]",
        _captions,
    ),
    (
        TEASER_DISCARD_XPATH,
        0,
        _BLOCK_TAGS + " contains(translate(@id, 'T', 't'), 'teaser') or "
        "contains(translate(@class, 'T', 't'), 'teaser')]",
        _teasers,
    ),
    (
        PRECISION_DISCARD_XPATH,
        1,
        _BLOCK_TAGS + " re:test(@id|@class, '{}') or re:test(@id|@class, '{}') or "
        "contains(@style, 'border')]",
        _precision_blocks,
    ),
    (
        BODY_XPATH,
        0,
        ".//*[" + _BODY_TAGS + " @class='post' or @class='entry' or "
        "@itemprop='articleBody' or @id='articleContent' or re:test(@id, '{}') or "
        "re:test(@class, '{}') ][1]",
        _article_body,
    ),
    (
        BODY_XPATH,
        2,
        "(.//*[" + _BODY_TAGS + " @role='article' or @id='article' or @id='story' or "
        "@class='postarea' or @class='art-postcontent' or @class='text' or @class='cell' or "
        "@class='story' or re:test(@id, '{}') or re:test(@class, '{}', 'i') or "
        "re:test(@class, '{}') ])[1]",
        _story_body,
    ),
    (
        BODY_XPATH,
        3,
        "(.//*[" + _BODY_TAGS + " @id='content' or @class='content' or re:test(@id, '{}') or "
        "re:test(@class, '{}') or contains(translate(@id, 'CM','cm'), 'main-content') or "
        "contains(translate(@class, 'CM','cm'), 'main-content') or "
        "contains(translate(@class, 'CP','cp'), 'page-content') ])[1]",
        _main_content,
    ),
)


def _searches(xpath: XPath, shape: str) -> list[Search] | None:
    """The searches of ``xpath``'s re:test patterns, when its text has ``shape``; else None."""
    source = " ".join(xpath.path.split())
    found = list(_RE_TEST.finditer(source))
    shaped = _RE_TEST.sub(
        lambda match: (
            f"re:test({match[1]}, '{{}}'" + ("" if match[3] is None else f", '{match[3]}'") + ")"
        ),
        source,
    )
    if shaped != shape:
        return None
    patterns = [
        re.compile(match[2], re.UNICODE | (re.IGNORECASE if "i" in (match[3] or "") else 0))
        for match in found
    ]
    # An element without the attribute tests '': the stand-ins skip elements without
    # attributes, right only when no pattern is found in ''.
    if any(pattern.search("") for pattern in patterns):
        return None
    return [pattern.search for pattern in patterns]


_IN_PYTHON: ContextVar[bool] = ContextVar("cleaner_discard_in_python", default=False)


class InPython:
    """An expression of trafilatura's lists that evaluates as ``matcher`` within
    :func:`discard_matched_in_python` and as ``xpath`` elsewhere; otherwise it is ``xpath``
    (its ``path``, its text)."""

    __slots__ = ("matcher", "xpath")

    def __init__(self, xpath: XPath, matcher: Matcher) -> None:
        self.xpath = xpath
        self.matcher = matcher

    def __call__(self, tree: Any, **variables: Any) -> Any:
        if not variables and _IN_PYTHON.get() and isinstance(tree, _Element):
            return self.matcher(tree)
        return self.xpath(tree, **variables)

    def __getattr__(self, name: str) -> Any:
        if name in InPython.__slots__:  # not yet set (a copy in the making)
            raise AttributeError(name)
        return getattr(self.xpath, name)

    def __str__(self) -> str:
        return str(self.xpath)

    def __repr__(self) -> str:
        return repr(self.xpath)


def _install() -> dict[tuple[int, int], InPython]:
    installed = {}
    for expressions, index, shape, build in _STAND_INS:
        if index >= len(expressions):
            continue
        xpath = expressions[index]
        if isinstance(xpath, InPython):  # a second import of this module
            xpath = xpath.xpath
        searches = _searches(xpath, shape)
        if searches is None:
            expressions[index] = xpath
            continue
        expressions[index] = installed[id(expressions), index] = InPython(xpath, build(*searches))
    return installed


STAND_INS = _install()
"""The expressions matched in Python, by (id of trafilatura's list, index)."""


@contextmanager
def discard_matched_in_python() -> Iterator[None]:
    """Within the block, the expressions of :data:`STAND_INS` evaluate in Python."""
    token = _IN_PYTHON.set(True)
    try:
        yield
    finally:
        _IN_PYTHON.reset(token)
