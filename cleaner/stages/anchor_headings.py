"""anchor_headings: a heading that links to itself stays in trafilatura's precise output.

Documentation generators, Nuxt and Hugo themes and table-of-contents plugins wrap each heading
of an article in a link to its own anchor (``<h3 id="cognitive-benefits"><a
href="#cognitive-benefits">Cognitive Benefits</a></h3>``), so that a reader can copy a link to
the section. trafilatura's precise mode deletes a heading whose text is one link longer than
10 characters (``delete_by_link_density`` on its headings, meant for teaser headlines linking
to other pages): such an article loses every section heading (a guide to music lessons: 29
headings). The balanced mode keeps them.

The same holds for two other kinds of heading link that are no teaser:

- an ``<a>`` without ``href`` is no link at all but an anchor target (``<h2><a name="1.
  State Farm">1. State Farm</a></h2>``, a CMS's ``<h3><a><strong>...``): a ranking of ten
  companies lost its ten names;
- a link to a page under the page's own URL is a chapter of the guide the page is (a
  beginner's guide at ``/guide`` whose chapter headings link to ``/guide/keyword-research``):
  the chapter list is the guide's outline, not other articles' teasers. Links to the page's
  parent or siblings stay teasers.

:func:`unwrap_anchor_headings` drops the link (keeping its text) from a heading whose links
all point at the heading itself (a fragment naming its ``id``): a link to another page (the
teaser headline the pruning is meant for) stays, and so does a table of contents, in a list
or set in headings ("Quick links", "In this article"), whose links point at other headings.
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement  # type: ignore[import-untyped]

_LOG = logging.getLogger(__name__)

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def unwrap_anchor_headings(tree: HtmlElement, page_url: str | None = None) -> int:
    """Unwrap the links of every heading whose links all point at the heading itself
    (``href="#its-id"``), are anchors without ``href``, or (given the page's own URL) lead to
    a chapter under it; the number of headings changed. Mutates ``tree``."""
    changed = 0
    for heading in list(tree.iter(*_HEADINGS)):
        links = list(heading.iter("a"))
        if not links or not all(_is_own(link.get("href"), heading, page_url) for link in links):
            continue
        for link in links:
            link.drop_tag()
        changed += 1
        _LOG.debug("heading link unwrapped: %.60r", " ".join(heading.text_content().split()))
    return changed


def _is_own(href: str | None, heading: HtmlElement, page_url: str | None) -> bool:
    if href is None:
        return True  # an anchor target, no link
    return _points_at(href, heading) or (page_url is not None and _is_chapter(href, page_url))


def _is_chapter(href: str, page_url: str) -> bool:
    """Whether ``href`` (relative to ``page_url``) leads to a page under ``page_url``'s path,
    on the same host."""
    page = urlsplit(page_url)
    if not page.netloc:
        return False
    target = urlsplit(urljoin(page_url, href.strip()))
    if target.netloc.lower() != page.netloc.lower():
        return False
    prefix = page.path.rstrip("/") + "/"
    return prefix != "/" and target.path.startswith(prefix) and len(target.path) > len(prefix)


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
