"""site_banner: a page title that is only the site's name, replaced by the page's own.

trafilatura takes a page's single ``<h1>`` as its title. Many blogs set their site name in
that ``<h1>``, as the link to their home page ("Antoyo's Blog", "davidbau.com"), and give the
article a lower heading: the title line of the output is then the site's banner, chrome above
the article. Such a heading is known by its link home; the page's ``<title>`` less the site's
name ("Vibe Coding" from "davidbau.com Vibe Coding") is the article's title then.

A headline may link home too, or link another site's home ("Why <a href='https://python.org/'>
Python</a> won"): the link must be the heading's whole text and go to the page's own site, and
a heading that opens the ``<title>`` before a separator ("Budget agreed | Town News") is the
headline whatever it links to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from lxml.html import HtmlElement  # type: ignore[import-untyped]

from cleaner.rules.text import TITLE_SEPARATORS

# How far above a heading a link may stand and still be the heading's link ("<a href='/'>
# <h1>Site</h1></a>", "<div><a href='/'><h1>…").
_LINK_LEVELS_ABOVE = 2
# A banner heading is its link: the home link holds (nearly) all of the heading's text.
_BANNER_LINK_MIN_SHARE = 0.8
# Links to one host a page needs before that host is taken for the page's own site.
_SITE_MIN_LINKS = 3


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
    if not title or title.casefold() not in banner_names(tree, page.get("url"), title.casefold()):
        return dict(page)
    found = tree.find(".//title")
    own = " ".join(found.text_content().split()) if found is not None else ""
    if _opens_title(own, title):
        return dict(page)
    rest = strip_site_name(own, title)
    page = {key: value for key, value in page.items() if key != "title"}
    if rest:
        page["title"] = rest
    return page


def banner_names(
    tree: HtmlElement, page_url: str | None = None, only: str | None = None
) -> set[str]:
    """The case-folded texts of the page's ``<h1>`` headings that are a link to the home
    page of the page's own site (that of ``page_url`` when known); of those whose folded
    text is ``only``, when given (the other headings are not weighed)."""
    page_host = _host(page_url or "")
    # With the page's URL unknown, its site is guessed: the host its links go to most (a
    # count over all links, made only once a heading needs it), or a host whose name spells
    # the heading.
    linked_host = None
    names = set()
    for heading in tree.iter("h1"):
        text = " ".join(heading.text_content().split())
        if not text or (only is not None and text.casefold() != only):
            continue
        if page_host:
            own_hosts = {page_host}
        else:
            if linked_host is None:
                linked_host = _most_linked_host(tree)
            own_hosts = {linked_host, _spelled_host(text)}
        own_hosts.discard("")
        if _links_home(heading, text, own_hosts):
            names.add(text.casefold())
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


def _opens_title(title: str, heading: str) -> bool:
    """Whether ``title`` is ``heading`` then a separator and more: a headline first, the site
    name after it ("Budget agreed | Town News")."""
    if not title.casefold().startswith(heading.casefold()):
        return False
    rest = title[len(heading) :]
    return any(rest.startswith(mark) and rest[len(mark) :].strip() for mark in TITLE_SEPARATORS)


def _links_home(heading: HtmlElement, text: str, own_hosts: set[str]) -> bool:
    links = [
        link
        for link in heading.iter("a")
        if _visible_chars(link.text_content()) >= _BANNER_LINK_MIN_SHARE * _visible_chars(text)
    ]
    above = heading.getparent()
    for _ in range(_LINK_LEVELS_ABOVE):
        if above is None:
            break
        if above.tag == "a":
            links.append(above)
        above = above.getparent()
    return any(_is_own_home(link.get("href") or "", own_hosts) for link in links)


def _is_own_home(href: str, own_hosts: set[str]) -> bool:
    """Whether a link goes to the home page of the page's own site: "/", or a root URL on
    one of ``own_hosts``."""
    parts = _split(href)
    if parts is None or parts.path not in ("", "/") or parts.query:
        return False
    if not parts.netloc:
        return href.strip() == "/"
    host = _host(href)
    return not own_hosts.isdisjoint({host, _spelled_host(host), *host.split(".")[:-1]})


def _spelled_host(text: str) -> str:
    """The letters and digits of a heading, lower case: a site's host name spelled out
    ("davidbau.com", "Playful Tones" for playfultones.com); empty for none."""
    return "".join(char for char in text.casefold() if char.isalnum())


def _most_linked_host(tree: HtmlElement) -> str:
    """With the page's URL unknown, its site is the host most of its absolute links go to
    (its menus), if at least a few do; empty otherwise."""
    hosts = Counter(_host(link.get("href") or "") for link in tree.iter("a"))
    hosts.pop("", None)
    if not hosts:
        return ""
    host, links = hosts.most_common(1)[0]
    return host if links >= _SITE_MIN_LINKS else ""


def _host(url: str) -> str:
    """A URL's host name, lower case, without "www."; empty for a relative or broken URL."""
    parts = _split(url)
    host = (parts.hostname or "").lower() if parts is not None else ""
    return host.removeprefix("www.")


def _split(url: str) -> SplitResult | None:
    """``url`` in parts, or None when it cannot be split: a page's links are whatever its
    authors typed ("http://[broken/" raises)."""
    try:
        return urlsplit(url.strip())
    except ValueError:
        return None


def _visible_chars(text: str) -> int:
    return sum(len(word) for word in text.split())
