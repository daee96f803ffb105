"""site_banner: a page title that is only the site's name, replaced by the page's own.

trafilatura takes a page's single ``<h1>`` as its title. Many blogs set their site name in
that ``<h1>``, as the link to their home page ("Antoyo's Blog", "davidbau.com"), and give the
article a lower heading: the title line of the output is then the site's banner, chrome above
the article. Such a heading is known by its link home; the page's ``<title>`` less the site's
name ("Vibe Coding" from "davidbau.com Vibe Coding") is the article's title then.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from lxml.html import HtmlElement  # type: ignore[import-untyped]

from cleaner.rules.text import TITLE_SEPARATORS

# How far above a heading a link may stand and still be the heading's link ("<a href='/'>
# <h1>Site</h1></a>", "<div><a href='/'><h1>…").
_LINK_LEVELS_ABOVE = 2


def without_banner_title(tree: HtmlElement, page: Mapping[str, str]) -> dict[str, str]:
    """``page`` (the page's metadata) with its title replaced when it is the site's banner:
    by the ``<title>`` less the banner's text, or by none when nothing else is left.

    >>> from lxml.html import fromstring
    >>> html = ("<html><head><title>Vibe Coding | davidbau.com</title></head><body>"
    ...         "<h1><a href='https://davidbau.com/'>davidbau.com</a></h1><p>x</p></body></html>")
    >>> without_banner_title(fromstring(html), {"title": "davidbau.com"})
    {'title': 'Vibe Coding'}
    >>> html = "<html><body><h1><a href='/post/1'>A story</a></h1></body></html>"
    >>> without_banner_title(fromstring(html), {"title": "A story"})
    {'title': 'A story'}
    """
    title = " ".join(page.get("title", "").split())
    if not title or title.casefold() not in banner_names(tree):
        return dict(page)
    found = tree.find(".//title")
    own = " ".join(found.text_content().split()) if found is not None else ""
    rest = strip_site_name(own, title)
    page = {key: value for key, value in page.items() if key != "title"}
    if rest:
        page["title"] = rest
    return page


def banner_names(tree: HtmlElement) -> set[str]:
    """The case-folded texts of the page's ``<h1>`` headings that link to the site's home."""
    names = set()
    for heading in tree.iter("h1"):
        if _links_home(heading):
            names.add(" ".join(heading.text_content().split()).casefold())
    return names


def strip_site_name(title: str, site: str) -> str:
    """``title`` less ``site`` at its start or end, with the separator between them.

    >>> strip_site_name("Reflections on JUCE - Part 1 | Playful Tones", "Playful Tones")
    'Reflections on JUCE - Part 1'
    >>> strip_site_name("davidbau.com Vibe Coding", "davidbau.com")
    'Vibe Coding'
    >>> strip_site_name("Playful Tones", "Playful Tones")
    ''
    """
    folded, name = title.casefold(), site.casefold()
    if folded.startswith(name):
        rest = title[len(site) :]
    elif folded.endswith(name):
        rest = title[: len(title) - len(site)]
    else:
        return title if folded != name else ""
    rest = rest.strip()
    for separator in (*TITLE_SEPARATORS, " · ", ":"):
        mark = separator.strip()
        if rest.startswith(mark):
            rest = rest[len(mark) :]
        if rest.endswith(mark):
            rest = rest[: -len(mark)]
    return rest.strip()


def _links_home(heading: HtmlElement) -> bool:
    links = list(heading.iter("a"))
    above = heading.getparent()
    for _ in range(_LINK_LEVELS_ABOVE):
        if above is None:
            break
        if above.tag == "a":
            links.append(above)
        above = above.getparent()
    return any(_is_home(link.get("href") or "") for link in links)


def _is_home(href: str) -> bool:
    """Whether a link goes to a site's home page ("/", "https://example.com/")."""
    parts = urlsplit(href.strip())
    return (
        parts.path in ("", "/") and not parts.query and (bool(parts.netloc) or href.strip() == "/")
    )
