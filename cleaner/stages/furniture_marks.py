"""furniture_marks: whether trafilatura's discard lists read an element as page furniture by
its own name.

The extract stage's pre-steps give trafilatura back parts of the page it would delete although
they hold the article (a table in an embed block, an accordion's wrappers, prose in a block
named "embed"). They change only elements that the discard lists take for furniture by their
own class or id, so that a step never touches a wrapper trafilatura would have kept (a change
there can move trafilatura's choice of the article's container), and they ask again with the
name they would give an element.

The lists are read at each call: the extract stage puts its Python stand-ins in them
(:mod:`.discard_xpath`).
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml.etree import Element, SubElement  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.xpaths import OVERALL_DISCARD_XPATH


def named_as_furniture(element: HtmlElement) -> bool:
    """Whether trafilatura's first overall discard expression (blocks named as navigation,
    widgets, sharing, related links, ads...) matches ``element`` by its tag and attributes."""
    return discard_matches(element.tag, element.attrib, every_list=False)


def discard_matches(tag: str, attributes: Mapping[str, str], every_list: bool = True) -> bool:
    """Whether trafilatura's overall discard expressions (the first only, unless
    ``every_list``: the second reads hiding marks) match an element of ``tag`` and
    ``attributes``. The expressions look at descendants, so they are asked about a bare
    element under an empty parent: an element's content plays no part."""
    parent = Element("div")
    SubElement(parent, tag, dict(attributes))
    expressions = OVERALL_DISCARD_XPATH if every_list else OVERALL_DISCARD_XPATH[:1]
    return any(expression(parent) for expression in expressions)
