"""headline: the page's own headline as its title, and a body line that says it again.

A page's metadata title is its ``og:title`` or ``<title>``, which most sites write as the
headline joined to their name or a section ("Green Gifts for Gardeners - Columbia Star",
"Opinion | Republicans Are Following Trump to Nowhere"). The headline the reader sees is the
page's ``<h1>``: when the title is that heading plus such parts on either side of a separator,
the heading alone is the title. A dash or colon inside a headline is no separator unless the
heading says so: "Spider-Man: No Way Home – review" stays whole when the heading is whole.

Measured on the tuning pages of both benchmarks (``bench/extraction_split.json``), neither of
whose gold texts holds the headline (WCXB: 11 of 496 pages open with it; AEB: none of 110):
the title line is words the gold lacks, so the shortest true headline costs least.

The body may open with the headline in another form than the title ("TIPS FOR ONLINE
SUCCESS", curly quotes, "The Best Home Security Cameras of 2026" under the title "Best Home
Security Cameras of 2026"): :func:`repeats_headline` tells that line from a first sentence,
so that the title line says the headline once, in the page's own words.

A body may also open with the page's ``<h1>`` worded apart from a title written for search
engines or left stale ("Top Ten Tech Conferences 2026" over the heading "The Ten Best Tech
Conferences to Attend in 2026", a year on): no ratio of the words tells those from a first
sentence, but the page's structure does. :func:`opens_with_page_heading` takes the line for
the headline when it IS an ``<h1>`` of the page and shares most of its words with the title;
the visible heading then becomes the title line, as the reader saw it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.metadata import extract_sitename

from cleaner.rules.text import TITLE_SEPARATORS
from cleaner.stages.site_banner import strip_site_name

# What may join a headline to a site or section name in a title. Wider than tidy's list (a
# middle dot, a bullet, a colon): here a part is cut only where the page's own heading ends.
HEADLINE_SEPARATORS = (*TITLE_SEPARATORS, " · ", " • ", " » ", " / ", ": ")
_SEPARATOR = re.compile("(" + "|".join(re.escape(mark) for mark in HEADLINE_SEPARATORS) + ")")
# Longer than this, a heading or a body line is a paragraph, not a headline (tidy's limit).
MAX_HEADLINE_CHARS = 250
# A first body line this similar to the title, word for word (difflib's ratio on the words),
# is the headline again: an article ("The"), a year or one word changed. Tuning pages: 0.9
# matched 6 more pages than equality alone (casing and quotes aside), all headlines; 0.8
# began to take a first sentence that shares the title's words.
SAME_HEADLINE_RATIO = 0.9
_WORD = re.compile(r"\w+")
# An <h1> opening the body is the headline in other words when at least this share of its
# distinct key words (:func:`_key_words`) are the title's, and this share of the title's are
# its. Tuning pages: the 20 pairs it takes (17 WCXB, 3 AEB), all a headline over its
# heading, share 0.5 to 0.83 of the larger side ("Making Google Sans Flex" under "Google
# Sans: Evolving Google's Typeface": 2 of 4 and 2 of 4); the <h1>s it leaves share less
# ("Affordable nutrition" under "Affordable food: Nutrition for low-income families": 2 of
# 7), and a heading that is the site's name shares one part of the title only.
SHARED_HEADLINE_WORDS = 0.5
# The meta tags that may declare a site's name (og:site_name, application-name, publisher,
# twitter:site...): any but a title or a description, which say the headline.
# Read in each <head> the parser built: libxml2 puts a <head> only under the root <html>
# (it drops one met inside the body), so the root's children hold them all, without a search
# of the whole page for more (the search was most of this module's time).
_DECLARED_SITE_NAMES = XPath(
    "meta[not(contains(concat(@property, @name), 'title'))"
    " and not(contains(concat(@property, @name), 'description'))]/@content"
)
# A site name written as its host: "davidbau.com", "Bold.org", "realestate.com.au".
_HOST_NAME = re.compile(r"[\w-]+(?:\.[\w-]+)+")


def with_page_headline(tree: HtmlElement, page: Mapping[str, str]) -> dict[str, str]:
    """``page`` (the page's metadata) with its title cut to the page's ``<h1>`` when the title
    is that heading with a site or section name before or after it.

    >>> from lxml.html import fromstring
    >>> html = "<html><body><h1>Green Gifts for Gardeners</h1><p>x</p></body></html>"
    >>> with_page_headline(fromstring(html), {"title": "Green Gifts for Gardeners - Columbia Star"})
    {'title': 'Green Gifts for Gardeners'}
    """
    title = " ".join(page.get("title", "").split())
    sitename = page.get("sitename", "")
    if sitename and not _names_the_site(tree, page):
        sitename = ""  # a headline: no name to cut, nor a heading to pass over
    if title and _words(title) == _words(sitename):
        # The title is only the site's name (trafilatura takes a lone <h1>, a blog's banner,
        # for the title): the <title> less that name is the page's own.
        found = tree.find(".//title")
        own = " ".join(found.text_content().split()) if found is not None else ""
        rest = strip_site_name(own, sitename)
        # A site name in the metadata may be the headline itself ("X | Bold.org | Bold.org"
        # with the site name "X | Bold.org"): what is left must not be the host's name.
        names = {_letters(name) for name in (sitename, *host_names(page.get("url", "")))}
        if _words(rest) and _letters(rest) not in names:
            title = rest
    headline = page_headline(tree, title, sitename)
    for name in (sitename, *host_names(page.get("url", ""))):
        headline = without_site_part(headline, name)
    if not title or headline == page.get("title"):
        return dict(page)
    return {**page, "title": headline}


def _names_the_site(tree: HtmlElement, page: Mapping[str, str]) -> bool:
    """Whether the page's site name names its site, not its headline. Without a site name in
    its meta tags, trafilatura takes the part of the ``<title>`` holding a dot for the site's
    name: a host name ("Vibe Coding | davidbau.com"), or as often the headline itself ("U.S.
    inflation cools in May | Daily News", "Dr. Ana Ruiz | Faculty"), which the lone ``<h1>``
    then repeats as the title. Such a name counts only when it is spelled like a host."""
    sitename = page.get("sitename", "")
    declared = [name for head in tree.iterchildren("head") for name in _DECLARED_SITE_NAMES(head)]
    if any(" ".join(str(name).split()).lstrip("@") == sitename for name in declared):
        return True
    if sitename != extract_sitename(tree):
        return True  # from JSON-LD: the publisher's name
    hosts = {_letters(name) for name in host_names(page.get("url", ""))}
    return bool(_HOST_NAME.fullmatch(sitename)) or _letters(sitename) in hosts


def page_headline(tree: HtmlElement, title: str, sitename: str = "") -> str:
    """The page's ``<h1>`` that is a run of whole parts at the start or end of ``title`` (its
    parts split at :data:`HEADLINE_SEPARATORS`); ``title`` itself when none is. A heading
    that is the site's name (``sitename``, a blog's banner) is never the headline: "September
    2018 open thread | The GiveWell Blog" under the heading "The GiveWell Blog" stays whole."""
    pieces = _SEPARATOR.split(title)  # part, separator, part, ...
    if len(pieces) < 3:
        return title
    whole = _words(title)
    site = _words(sitename)
    for heading in tree.iter("h1"):
        text = " ".join(heading.text_content().split())
        words = _words(text)
        if not words or len(text) > MAX_HEADLINE_CHARS or words == site:
            continue
        if words == whole:
            return title
        for cut in range(1, len(pieces), 2):
            before, after = "".join(pieces[:cut]), "".join(pieces[cut + 1 :])
            # The part before a colon introduces the rest ("Review: Spider-Man: No Way
            # Home", "Opinion: …"): a heading saying only that part is a label.
            if words == _words(before) and pieces[cut] != ": ":
                rest = after
            elif words == _words(after):
                rest = before
            else:
                continue
            # A section's name in the <h1> and the headline in a lower heading: the headline.
            # The longer part is the headline: a section's name may be a lower heading too
            # (NYT: "Opinion" in an <h2> over the <h1> "Republicans Are Following Trump…").
            if len(_words(rest)) > len(words) and _is_subheading(tree, rest):
                return rest.strip()
            return text
    return title


def _is_subheading(tree: HtmlElement, text: str) -> bool:
    """Whether ``text`` (the title less the ``<h1>``'s part) is a lower heading of the page:
    the headline under a section's name ("Reviews | Inception is a masterpiece" under the
    heading "Reviews")."""
    words = _words(text)
    return any(_words(heading.text_content()) == words for heading in tree.iter("h2", "h3"))


def host_names(url: str) -> tuple[str, ...]:
    """The names a site may sign its titles with, read from a page's URL: its host and its
    host less the public suffix ("realestate.com.au", "realestate"; "flatworldsolutions" for
    "Flatworld Solutions"), compared letter for letter by :func:`without_site_part`.

    >>> host_names("https://www.realestate.com.au/news/tiny-homes/")
    ('realestate.com.au', 'realestate')
    """
    try:
        host = (urlsplit(url.strip()).hostname or "").removeprefix("www.")
    except ValueError:  # a page's URL is whatever its authors typed ("http://[broken/")
        return ()
    labels = host.split(".")
    if len(labels) < 2:
        return ()
    # "co.uk", "com.au": a short second-level label belongs to the suffix
    cut = 2 if len(labels) > 2 and len(labels[-2]) <= 3 else 1
    return (host, ".".join(labels[:-cut]))


def without_site_part(title: str, sitename: str) -> str:
    """``title`` less a first or last part (split at :data:`HEADLINE_SEPARATORS`) that is
    ``sitename``, letter for letter whatever the spaces, case and punctuation, and whatever
    the separator: "Tastify | Top 7 Catering Trends", "Gardenary Planting vs. Ordinary
    Planting • Gardenary", "8 Recent Trends in Photography - Flatworld Solutions" for the
    host name "flatworldsolutions". A title that is no more than the name stays.

    >>> without_site_part("Tastify | Top 7 Corporate Catering Trends for 2024", "Tastify")
    'Top 7 Corporate Catering Trends for 2024'
    >>> without_site_part("Spider-Man: No Way Home – review", "Film Weekly")
    'Spider-Man: No Way Home – review'
    """
    site = _letters(sitename)
    pieces = _SEPARATOR.split(title)
    if not site or len(pieces) < 3:
        return title
    # The part cut must be shorter than the rest: a metadata site name is sometimes the
    # headline ("Gardenary Planting vs. Ordinary Planting • Gardenary" with the site name
    # "Gardenary Planting vs. Ordinary Planting"), and a site's name is seldom longer.
    if _letters(pieces[-1]) == site:
        rest = "".join(pieces[:-2]).strip()
        return rest if len(_letters(rest)) > len(site) else title
    if _letters(pieces[0]) == site:
        rest = "".join(pieces[2:]).strip()
        return rest if len(_letters(rest)) > len(site) else title
    return title


def repeats_headline(line: str, title: str) -> bool:
    """Whether a body line is ``title`` again: the same words whatever their case, quotes and
    punctuation, or nearly the same (:data:`SAME_HEADLINE_RATIO`), and no longer than a
    headline.

    >>> repeats_headline("TIPS FOR ONLINE SUCCESS", "Tips for Online Success")
    True
    >>> repeats_headline("The Best Home Security Cameras of 2026", "Best Home Security Cameras of 2026")
    True
    >>> repeats_headline("Oil prices rose on Monday after the talks failed.", "Oil prices rise")
    False
    """
    if len(line) > MAX_HEADLINE_CHARS:
        return False
    ours, theirs = _words(line), _words(title)
    if not ours or not theirs:
        return False
    if ours == theirs:
        return True
    return SequenceMatcher(None, ours, theirs, autojunk=False).ratio() >= SAME_HEADLINE_RATIO


def page_headings(tree: HtmlElement) -> tuple[str, ...]:
    """The text of each ``<h1>`` of the page no longer than a headline, its whitespace runs
    as single spaces: read before the extraction's pre-steps rewrite the tree's text (the
    ampersands written as references for trafilatura)."""
    found = (" ".join(heading.text_content().split()) for heading in tree.iter("h1"))
    return tuple(text for text in found if text and len(text) <= MAX_HEADLINE_CHARS)


def opens_with_page_heading(
    line: str, title: str, headings: tuple[str, ...], sitename: str = ""
) -> bool:
    """Whether a body's first ``line`` is one of the page's ``<h1>`` ``headings`` that says
    ``title`` in other words: most of the distinct words of each (:data:`SHARED_HEADLINE_WORDS`)
    are the other's. A heading that is the site's name (``sitename``) is a banner, never the
    headline; a line that is no ``<h1>`` (a first sentence, a section's ``<h2>``) never is.

    >>> opens_with_page_heading("The Ten Best Tech Conferences to Attend in 2026",
    ...     "Top Ten Tech Conferences 2026", ("The Ten Best Tech Conferences to Attend in 2026",))
    True
    >>> opens_with_page_heading("Ten tech conferences are worth a trip in 2026, we think.",
    ...     "Top Ten Tech Conferences 2026", ("Top Ten Tech Conferences 2026",))
    False
    """
    ours = _words(line)
    if not ours or len(line) > MAX_HEADLINE_CHARS or ours == _words(sitename):
        return False
    if not any(_words(heading) == ours for heading in headings):
        return False
    # A page whose <h1>s name its sections ("Cheap eats in Paris", "Budget hotels") has no
    # one heading that is its headline: the first section's name is no title (review).
    named = {tuple(_words(heading)) for heading in headings} - {(), tuple(_words(sitename))}
    if len(named) > 1:
        return False
    # A heading that is one part of the title between separators is its headline (cut by
    # :func:`page_headline` already) or the site's or section's name in a banner <h1>
    # ("Ten Garden Shows | Green Fingers Weekly" over the heading "Green Fingers Weekly").
    if any(_words(part) == ours for part in _SEPARATOR.split(title)[::2]):
        return False
    # The title's words less the parts that are the site's name ("Guide to filing your taxes
    # in 2024 | Consumer Financial Protection Bureau"): the headline's words are what the
    # heading says again. (:func:`without_site_part` keeps a name longer than the rest, as
    # this one is, for fear it is the headline; here the <h1> tells which part is.)
    site = _letters(sitename)
    parts = [part for part in _SEPARATOR.split(title)[::2] if _letters(part) != site]
    line_words, title_words = _key_words(ours), _key_words(_words(" ".join(parts) or title))
    shared = len(line_words & title_words)
    return shared >= SHARED_HEADLINE_WORDS * max(len(line_words), len(title_words))


def _key_words(words: list[str]) -> set[str]:
    """The distinct words of a headline less those of one or two letters ("to", "in", "of",
    "la", "de"), which say little of what it is about; numbers stay ("11", "2026")."""
    return {word for word in words if len(word) > 2 or word.isdigit()}


def _letters(text: str) -> str:
    """The letters and digits of a name, case-folded: "Flatworld Solutions" and the host
    label "flatworldsolutions" are one name."""
    return "".join(char for char in text.casefold() if char.isalnum())


def _words(text: str) -> list[str]:
    """The words of a text, case-folded: what two forms of one headline share."""
    return _WORD.findall(text.casefold())
