"""split_bodies: an article body that a page splits into sibling containers, joined.

Sites interleave ad slots with the article by closing its container and opening an identical
one beside it; trafilatura reads only the first container that its body expression matches,
and lost half of such articles on the Article Extraction Benchmark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.xpaths import BODY_XPATH

# trafilatura's first body expression (article/entry/post content containers) without its
# "first match only" predicate: the containers an article body may be split across.
_BODY_CONTAINERS = XPath(
    BODY_XPATH[0].path.replace("][1]", "]", 1),
    namespaces={"re": "http://exslt.org/regular-expressions"},
)


@dataclass(frozen=True)
class AttributeTest:
    """One attribute's part of the body expression: values it must equal, or a pattern it
    must contain a match of."""

    name: str
    values: frozenset[str]
    pattern: re.Pattern[str] | None

    def holds(self, value: str) -> bool:
        """Whether the attribute's ``value`` passes the test."""
        return value in self.values or (
            self.pattern is not None and bool(self.pattern.search(value))
        )


@dataclass(frozen=True)
class ContainerTest:
    """The body expression's test as plain Python.

    lxml runs every ``re:test`` of an XPath as a call back into Python, and libxml2's
    predicates are slow in themselves: walking the candidate tags and reading each
    attribute once costs half as much."""

    tags: tuple[str, ...]
    attributes: tuple[AttributeTest, ...]

    def __call__(self, tree: HtmlElement) -> list[HtmlElement]:
        # A page repeats its class names (a grid's "col-md-4" on every card): each distinct
        # value of an attribute is tested once per page (0.87 s -> 0.6 s CPU on the 892
        # benchmark pages, where the patterns' searches took half the time).
        answers: dict[tuple[str, str], bool] = {}
        found = []
        for element in tree.iterdescendants(*self.tags):
            for test in self.attributes:
                value = element.get(test.name)
                if value is None:
                    continue
                answer = answers.get((test.name, value))
                if answer is None:
                    answer = answers[test.name, value] = test.holds(value)
                if answer:
                    found.append(element)
                    break
        return found

    def accepts(self, element: HtmlElement) -> bool:
        for test in self.attributes:
            value = element.get(test.name)
            if value is not None and test.holds(value):
                return True
        return False


_BODY_EXPRESSION = re.compile(r"\s*\.//\*\[(?P<tags>[^\]]*)\]\[(?P<test>.*)\]\[1\]\s*", re.S)
_SELF_TAG = re.compile(r"self::([a-z][\w-]*)")
_ATTRIBUTE_SEARCH = re.compile(r"re:test\(@([a-z][\w-]*), '([^']*)'\)")
_ATTRIBUTE_EQUALS = re.compile(r"@([a-z][\w-]*)='([^']*)'")
_ONLY_OR = re.compile(r"(?:\s|\bor\b)*")


def container_test(path: str) -> ContainerTest | None:
    """The body expression ``path`` as a :class:`ContainerTest`, or None when it is not the
    plain shape (tag alternatives, then attribute equalities and ``re:test`` searches joined
    by "or") that the translation understands."""
    shape = _BODY_EXPRESSION.fullmatch(path)
    if shape is None or not _ONLY_OR.fullmatch(_SELF_TAG.sub(" ", shape["tags"])):
        return None
    tags = tuple(_SELF_TAG.findall(shape["tags"]))
    test = shape["test"]
    searches = _ATTRIBUTE_SEARCH.findall(test)
    rest = _ATTRIBUTE_SEARCH.sub(" ", test)
    equals = _ATTRIBUTE_EQUALS.findall(rest)
    if (
        not tags
        or not (equals or searches)
        or not _ONLY_OR.fullmatch(_ATTRIBUTE_EQUALS.sub(" ", rest))
    ):
        return None
    names = dict.fromkeys(name for name, _ in [*equals, *searches])
    attributes = []
    for name in names:
        patterns = [f"(?:{pattern})" for found, pattern in searches if found == name]
        attributes.append(
            AttributeTest(
                name=name,
                values=frozenset(value for found, value in equals if found == name),
                pattern=re.compile("|".join(patterns)) if patterns else None,
            )
        )
    return ContainerTest(tags, tuple(attributes))


# The Python form when trafilatura's expression has the shape it understands, the XPath
# itself otherwise; a test holds the two to the same answers on the benchmark pages.
body_containers: Any = container_test(BODY_XPATH[0].path) or _BODY_CONTAINERS


def join_split_bodies(tree: HtmlElement) -> int:
    """Join an article body that a page splits into sibling containers of one kind.

    Sites interleave ad slots with the article by closing its container and opening an
    identical one (same tag, class and id) beside it; trafilatura reads only the first. The
    later chunks' children move into the first chunk, in document order. Chunks count as one
    body only when they are siblings or cousins (same parent or same grandparent), so teaser
    boxes elsewhere on the page that happen to share the class are left alone. Returns how
    many chunks were joined (0 when the body is in one piece). Mutates ``tree``.
    """
    found = body_containers(tree)
    if len(found) < 2:
        return 0
    first = found[0]
    signature = (first.tag, first.get("class"), first.get("id"))
    parent = first.getparent()
    grandparent = parent.getparent() if parent is not None else None
    chunks = [first]
    for element in found[1:]:
        if (element.tag, element.get("class"), element.get("id")) != signature:
            continue
        element_parent = element.getparent()
        if element_parent is None:
            continue
        same_parent = element_parent is parent
        same_grandparent = grandparent is not None and element_parent.getparent() is grandparent
        if (same_parent or same_grandparent) and not _inside(element, chunks):
            chunks.append(element)
    if len(chunks) < 2:
        return 0
    for chunk in chunks[1:]:
        first.extend(list(chunk))
        holder = chunk.getparent()
        if holder is not None:
            holder.remove(chunk)
    return len(chunks)


def _inside(element: HtmlElement, containers: list[HtmlElement]) -> bool:
    return any(ancestor in containers for ancestor in element.iterancestors())
