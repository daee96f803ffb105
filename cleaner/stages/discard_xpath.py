"""trafilatura's ``OVERALL_DISCARD_XPATH`` matched in Python: the same elements at less cost.

Every extraction prunes its candidate article with trafilatura's overall discard list (and a
full precise run prunes the raw page with it for readability), two
XPath expressions whose ``re:test`` calls go back from libxml2 into Python's ``re`` once per
element and attribute: about a tenth of the stage's CPU. Here each expression is one pass over
the elements that carry an attribute (none can match without one), testing the same attributes
with the same regular expressions, in document order as the XPath gives them.

The patterns are read from trafilatura's own expressions, and the rest of each expression must
be the one this module was written for: any other trafilatura keeps its XPath
(:data:`PYTHON_MATCHERS` is then ``None``). ``tests/test_discard_xpath.py`` holds both
matchers to the XPath on the benchmark pages' raw and cleaned trees.

The matchers stand in only within :func:`discard_matched_in_python` (the extract stage's
call): other callers of trafilatura in the process, such as the benchmarks' trafilatura
reference, run it as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import trafilatura.external
import trafilatura.htmlprocessing
import trafilatura.main_extractor
from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.xpaths import OVERALL_DISCARD_XPATH

_PATTERN = re.compile(r"re:test\((@[\w|@-]+), '([^']*)'\)")

# The expressions with each re:test pattern as {}: the shape the matchers below follow.
_SHAPES = (
    ".//*[self::div or self::item or self::list or self::p or self::section or self::span]["
    " @data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
    "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, '{}') or "
    "re:test(@id, '{}') or re:test(@class, '{}')]",
    ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or "
    "re:test(@id|@style, '{}') or contains(@style, 'display:none') or "
    "contains(@style, 'display: none') or re:test(@id, '{}') or re:test(@class, '{}') or "
    "@aria-hidden='true']",
)
_FIRST_BLOCK_TAGS = frozenset({"div", "item", "list", "p", "section", "span"})
_WITH_ATTRIBUTES = XPath(".//*[@*]")


def _patterns(expression: XPath, shape: str) -> list[re.Pattern[str]] | None:
    source = " ".join(expression.path.split())
    found = _PATTERN.findall(source)
    if _PATTERN.sub(lambda match: f"re:test({match[1]}, '{{}}')", source) != shape:
        return None
    # lxml's EXSLT regular expressions are Python's, compiled with re.UNICODE.
    return [re.compile(pattern, re.UNICODE) for _, pattern in found]


def _first(attributes: Any, names: tuple[str, str]) -> str:
    """The string value of ``@a|@b``: the first of the two in the element's attribute order
    (XPath's document order), or ''."""
    for name, value in attributes.items():
        if name in names:
            return str(value)
    return ""


def _block_matcher(
    cookie: re.Pattern[str], by_id: re.Pattern[str], by_class: re.Pattern[str]
) -> Callable[[HtmlElement], list[HtmlElement]]:
    def matches(tree: HtmlElement) -> list[HtmlElement]:
        found = []
        for element in _WITH_ATTRIBUTES(tree):
            if element.tag not in _FIRST_BLOCK_TAGS:
                continue
            attributes = element.attrib
            if (
                "data-lp-replacement-content" in attributes
                or "nav" in attributes.get("role", "").replace("N", "n")
                or "MostPopularStories" in attributes.get("data-component", "")
                or cookie.search(_first(attributes, ("id", "class")))
                or by_id.search(attributes.get("id", ""))
                or by_class.search(attributes.get("class", ""))
            ):
                found.append(element)
        return found

    return matches


def _hidden_matcher(
    hidden: re.Pattern[str], by_id: re.Pattern[str], by_class: re.Pattern[str]
) -> Callable[[HtmlElement], list[HtmlElement]]:
    def matches(tree: HtmlElement) -> list[HtmlElement]:
        found = []
        for element in _WITH_ATTRIBUTES(tree):
            attributes = element.attrib
            style = attributes.get("style", "")
            if (
                attributes.get("class") == "comments-title"
                or _first(attributes, ("id", "class")).startswith("reply-")
                or hidden.search(_first(attributes, ("id", "style")))
                or "display:none" in style
                or "display: none" in style
                or by_id.search(attributes.get("id", ""))
                or by_class.search(attributes.get("class", ""))
                or attributes.get("aria-hidden") == "true"
            ):
                found.append(element)
        return found

    return matches


def _python_matchers() -> list[Callable[[HtmlElement], list[HtmlElement]]] | None:
    if len(OVERALL_DISCARD_XPATH) != len(_SHAPES):
        return None
    patterns = [
        _patterns(xpath, shape) for xpath, shape in zip(OVERALL_DISCARD_XPATH, _SHAPES, strict=True)
    ]
    if patterns[0] is None or patterns[1] is None:
        return None
    return [_block_matcher(*patterns[0]), _hidden_matcher(*patterns[1])]


PYTHON_MATCHERS = _python_matchers()
"""The expressions of ``OVERALL_DISCARD_XPATH`` as Python functions, or ``None``."""


_IN_PYTHON: ContextVar[bool] = ContextVar("cleaner_discard_in_python", default=False)


@contextmanager
def discard_matched_in_python() -> Iterator[None]:
    """Within the block, trafilatura's prunes with its overall discard list use
    :data:`PYTHON_MATCHERS`."""
    token = _IN_PYTHON.set(True)
    try:
        yield
    finally:
        _IN_PYTHON.reset(token)


def _prune_unwanted_nodes(tree: HtmlElement, nodelist: Any, *args: Any, **kwargs: Any) -> Any:
    # The prune calls each expression of its list on the tree: the matchers stand in for them.
    if nodelist is OVERALL_DISCARD_XPATH and PYTHON_MATCHERS is not None and _IN_PYTHON.get():
        nodelist = PYTHON_MATCHERS
    return _original_prune(tree, nodelist, *args, **kwargs)


_original_prune: Callable[..., Any] = getattr(
    trafilatura.htmlprocessing.prune_unwanted_nodes,
    "__wrapped_original__",
    trafilatura.htmlprocessing.prune_unwanted_nodes,
)
for _module in (trafilatura.main_extractor, trafilatura.external):
    setattr(_module, "prune_unwanted_nodes", _prune_unwanted_nodes)  # noqa: B010
