"""Page boxes that trafilatura's pruning lets through, dropped from the tree before extraction.

A newsletter sign-up, a pop-up or modal dialog, an author bio, a tooltip: sites name these
boxes in their class and id attributes, in words any site uses. trafilatura discards elements
by such names too, but from a fixed list that misses many spellings ("popupMessage",
"static_email_sign_up", "author-bio"); the boxes then reach the text, where the line rules see
only their words.

:data:`BOX_TOKENS` are the words that named boxes whose text the default output kept and the
gold text lacked, on several sites of the WCXB tuning pages, and almost never named article
text there or on the AEB tuning pages: ``bench/train_chrome_boxes.py`` measures a fixed
vocabulary of box words on those pages and selects them (its docstring gives the rule). A word
names a box here as a whole token of a class or id (split at non-letters and at camelCase
humps), so "bio" matches "author-bio" and "js-bio-info" but not "biology".

Only block containers of at most :data:`MAX_BOX_WORDS` words go: a box is short, and a
container that holds the article (a site calling its whole post column "modal-content", a
short newsletter post in a "newsletter-post" block) is never one: neither is an element holding
an ``h1``, ``article`` or ``main``. Inline elements (a tooltip span around a word of the article) stay.
"""

from __future__ import annotations

import re

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

# Selected by bench/train_chrome_boxes.py from the tuning pages (see its printed evidence).
BOX_TOKENS = frozenset({"bio", "email", "modal", "newsletter", "popup"})
# A box (a sign-up form, a bio, a pop-up) is a few sentences; two long paragraphs' worth of words
# keeps an article container out of reach (a bound set by that reasoning, not fitted).
MAX_BOX_WORDS = 200
BOX_TAGS = frozenset(
    {"div", "section", "aside", "form", "dialog", "ul", "ol", "li", "p", "figure", "footer"}
)

# A class or id holding a box word anywhere, in any case: a cheap test that lets the whole-token
# test run on few elements. (A walk over the body's block elements in Python with this test
# costs 1.4 ms a page on the WCXB pages; an XPath testing the words on every element, 15 ms.)
_BOX_WORD = re.compile("|".join(sorted(BOX_TOKENS)), re.IGNORECASE)
# A short post on a newsletter platform sits in "<div class='newsletter-post'>" with its title:
# an element holding the page's headline or an article element is the article, not a box.
_HOLDS_AN_ARTICLE = XPath("boolean(descendant::h1 or descendant::article or descendant::main)")
_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"\w+")


def attribute_tokens(value: str) -> set[str]:
    """The words of a class or id value: split at camelCase humps and at non-letters.

    >>> sorted(attribute_tokens("popupMessage js-bio_info"))
    ['bio', 'info', 'js', 'message', 'popup']
    """
    return {token for token in _NON_ALNUM.split(_HUMP.sub(" ", value).lower()) if token}


def is_box(element: HtmlElement) -> bool:
    """A block container named by a box word, shaped like a box."""
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return bool(attribute_tokens(names) & BOX_TOKENS) and is_box_shaped(element)


def is_box_shaped(element: HtmlElement) -> bool:
    """A block container short enough to be a box, holding no headline or article."""
    if element.tag not in BOX_TAGS or _HOLDS_AN_ARTICLE(element):
        return False
    return len(_WORD.findall(element.text_content())) <= MAX_BOX_WORDS


def drop_chrome_boxes(tree: HtmlElement) -> int:
    """Remove the boxes from ``tree`` in place (their tails stay); the number removed.

    >>> from lxml.html import fromstring
    >>> page = fromstring(
    ...     "<html><body><article><p>The article.</p><div class='popupMessage'>Sign up!</div>"
    ...     "<p>More of it.</p></article></body></html>"
    ... )
    >>> drop_chrome_boxes(page), page.text_content()
    (1, 'The article.More of it.')
    """
    body = next(tree.iter("body"), None)
    if body is None:
        return 0
    named = [
        element
        for element in body.iter(*BOX_TAGS)
        if _BOX_WORD.search(f"{element.get('class') or ''} {element.get('id') or ''}")
    ]
    dropped = 0
    gone: set[HtmlElement] = set()
    for element in named:
        if any(ancestor in gone for ancestor in element.iterancestors()):
            continue
        if is_box(element):
            element.drop_tree()
            gone.add(element)
            dropped += 1
    return dropped
