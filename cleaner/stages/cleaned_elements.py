"""The page's asides, navigation, footers, forms' widgets and the like hidden from trafilatura's
fast precise run, which deletes them unread.

trafilatura copies the tree it is given, prunes the copy with XPath expressions over every
element (comment sections, infinite-scroll containers), copies it again and only then deletes
the elements of its cleaning list (``trafilatura.settings.MANUALLY_CLEANED``: ``aside``,
``nav``, ``footer``, ``svg``, ``head``...) with their subtrees, keeping their tails. Those
subtrees are about a third of a benchmark page's elements: each copy and each XPath walk over
them is wasted. For the run, :func:`cleaned_elements_hidden` swaps each such subtree (the
outermost of nested ones) for an empty element of the same tag holding the same tail, which
trafilatura's cleaning deletes as it would have deleted the subtree, and swaps the subtrees
back afterwards: the tree is left exactly as it was.

The run's output is the same as long as nothing before the cleaning reads inside those
subtrees, and the cleaning deletes the empty element as it would have deleted the subtree.
A subtree is left in place where that is not certain:

- it holds an ``<h1>`` (the infinite-scroll prune keeps a container that holds one) or a
  JSON-LD script (trafilatura reads those to tell a forum thread);
- its tag, or any cleaning-list tag inside it, is nested in an element of the same tag
  somewhere on the page: trafilatura deletes while it iterates, and after deleting an element
  holding one of its own tag the iteration ends inside the deleted subtree, so the elements of
  that tag after it stay (a page with a ``<nav>`` inside a ``<nav>`` keeps its later navs);
- it is a ``<form>`` (kept when it holds most of the page's text), a ``<figure>`` (kept as a
  block when it holds a table) or a ``<math>`` (its formula is written into its tail first).

Only the fast precise run gets this: the full runs give readability and jusText the raw tree,
the balanced runs fall back to a baseline read of it, and the recall run brings the cleaned
elements back when they held every paragraph. ``tests/test_cleaned_elements.py`` holds the
fast precise output to the plain run's on every benchmark page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura import settings

# Left in place by tag: trafilatura does more with these than delete them (see above).
KEPT_TAGS = frozenset({"form", "figure", "math"})


@contextmanager
def cleaned_elements_hidden(tree: HtmlElement) -> Iterator[int]:
    """Within the block, ``tree`` with the subtrees trafilatura's cleaning deletes unread
    swapped for empty elements of the same tags and tails; the number swapped is given."""
    swapped = _swap_in_stand_ins(tree)
    try:
        yield len(swapped)
    finally:
        for stand_in, element in reversed(swapped):
            stand_in.getparent().replace(stand_in, element)


def _swap_in_stand_ins(tree: HtmlElement) -> list[tuple[HtmlElement, HtmlElement]]:
    tags = tuple(settings.MANUALLY_CLEANED)  # read at each call: callers may change the list
    outermost: list[tuple[HtmlElement, bool]] = []
    nested_tags: set[str] = set()
    current: HtmlElement | None = None
    holds_nesting = False
    # Document order: the cleaning-list elements inside an outermost one follow it.
    for element in tree.iter(*tags):
        if current is not None and any(a is current for a in element.iterancestors(current.tag)):
            if next(element.iterancestors(element.tag), None) is not None:
                nested_tags.add(element.tag)
                holds_nesting = True
            continue
        if current is not None:
            outermost.append((current, holds_nesting))
        current, holds_nesting = element, False
    if current is not None:
        outermost.append((current, holds_nesting))
    swapped = []
    for element, holds_nesting in outermost:
        # A childless element costs trafilatura no more than its stand-in would.
        if holds_nesting or not len(element):
            continue
        tag = element.tag
        if tag in KEPT_TAGS or tag in nested_tags or element.find(".//h1") is not None:
            continue
        if any("ld+json" in (script.get("type") or "") for script in element.iter("script")):
            continue
        stand_in = element.makeelement(tag)
        stand_in.tail = element.tail
        element.getparent().replace(element, stand_in)
        swapped.append((stand_in, element))
    return swapped
