"""furniture_marks: whether trafilatura's discard list reads an element as page furniture by
its own name.

The extract stage's pre-steps give trafilatura back parts of the page it would delete although
they hold the article (a table in an embed block, an accordion's wrappers). They change only
elements that the discard list would take for furniture by their own class or id, so that a
step never touches a wrapper trafilatura would have kept (a change there can move trafilatura's
choice of the article's container).
"""

from __future__ import annotations

from lxml.etree import Element, SubElement  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.xpaths import OVERALL_DISCARD_XPATH


def named_as_furniture(element: HtmlElement) -> bool:
    """Whether trafilatura's first overall discard expression (blocks named as navigation,
    widgets, sharing, related links, ads...) matches ``element`` by its tag and attributes.
    The expression looks at descendants, so it is asked about a bare copy under an empty
    parent: the element's content plays no part."""
    parent = Element("div")
    SubElement(parent, element.tag, dict(element.attrib))
    return bool(OVERALL_DISCARD_XPATH[0](parent))
