"""anchor_headings: a heading that links to itself stays in trafilatura's precise output.

Documentation generators, Nuxt and Hugo themes and table-of-contents plugins wrap each heading
of an article in a link to its own anchor (``<h3 id="cognitive-benefits"><a
href="#cognitive-benefits">Cognitive Benefits</a></h3>``), so that a reader can copy a link to
the section. trafilatura's precise mode deletes a heading whose text is one link longer than
10 characters (``delete_by_link_density`` on its headings, meant for teaser headlines linking
to other pages): such an article loses every section heading (a guide to music lessons: 29
headings). The balanced mode keeps them.

:func:`unwrap_anchor_headings` drops the link (keeping its text) from a heading whose links
all point at the heading itself (a fragment naming its ``id``): a link to another page (the
teaser headline the pruning is meant for) stays, and so does a table of contents, in a list
or set in headings ("Quick links", "In this article"), whose links point at other headings.
"""

from __future__ import annotations

from lxml.html import HtmlElement  # type: ignore[import-untyped]

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def unwrap_anchor_headings(tree: HtmlElement) -> int:
    """Unwrap the links of every heading whose links all point at the heading itself
    (``href="#its-id"``); the number of headings changed. Mutates ``tree``."""
    changed = 0
    for heading in list(tree.iter(*_HEADINGS)):
        links = list(heading.iter("a"))
        if not links or not all(_points_at(link.get("href"), heading) for link in links):
            continue
        for link in links:
            link.drop_tag()
        changed += 1
    return changed


def _points_at(href: str | None, heading: HtmlElement) -> bool:
    """Whether ``href`` is a fragment naming ``heading`` itself: the ``id`` of the heading,
    of an element inside it, or of the heading's parent (a theme's section wrapper). A link
    to another heading is a table of contents set in headings ("Quick links")."""
    if href is None or not href.strip().startswith("#"):
        return False
    target = href.strip()[1:]
    if not target:
        return False
    parent = heading.getparent()
    ids = {element.get("id") for element in heading.iter()}
    ids.update(element.get("name") for element in heading.iter("a"))
    if parent is not None:
        ids.add(parent.get("id"))
    return target in ids
