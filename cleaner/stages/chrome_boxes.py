"""Page boxes that trafilatura's pruning lets through, dropped from the tree before extraction.

A newsletter sign-up, a pop-up or modal dialog, an author bio, a tooltip: sites name these
boxes in their class and id attributes, in words any site uses. trafilatura discards elements
by such names too, but from a fixed list that misses many spellings ("popup-message",
"newsletter_inline", "author-bio"); the boxes then reach the text, where the line rules see
only their words.

:data:`BOX_TOKENS` are the words that named boxes whose text the default output kept and the
gold text lacked, on several sites of the WCXB tuning pages, and almost never named article
text there or on the AEB tuning pages: ``bench/train_chrome_boxes.py`` measures a fixed
vocabulary of box words on those pages and selects them (its docstring gives the rule; "email"
named boxes on only two sites once the article guards below were in place, and left). A word
names a box here as a whole token of a class or id, split at non-letters only, so "bio" matches
"author-bio" and "js-bio-info" but neither "biology" nor "BioMedArticle-body" (a camelCase name
is one word: its parts are often a proper name).

Only block containers of at most :data:`MAX_BOX_WORDS` words go: a box is short. A container
that holds the article is never one, however it is named (a WordPress post body in
"entry-content popup-gallery", a guide in "email-guide", a faculty profile in ``<section
id="bio">``, a whole newsletter issue in "newsletter-issue"):

- an element holding an ``h1``, ``article`` or ``main`` stays;
- the boxes dropped from a page take together at most half of its prose (the words of its
  sentence-length text runs): a page's prose is mostly its article, so a "box" holding most of
  it is the article;
- a paragraph or list inside an ``article`` or ``main`` element is the article's own text (the
  "email-steps" of a how-to); only containers (a sign-up form, a bio block) go from there.

Inline elements (a tooltip span around a word of the article) stay. Only the named elements
are measured, each up to the first word past :data:`MAX_BOX_WORDS`, and the page's prose only
when a box is about to go: most pages have no named element, and walking every element of a
news page to measure the few that are cost a tenth of the pipeline's time on AEB. Nested boxes
are each read to that bound at most, so deep nesting stays cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from lxml.html import HtmlElement  # type: ignore[import-untyped]

# Selected by bench/train_chrome_boxes.py from the tuning pages (see its printed evidence).
BOX_TOKENS = frozenset({"bio", "modal", "newsletter", "popup"})
# A box (a sign-up form, a bio, a pop-up) is a few sentences; two long paragraphs' worth of words
# keeps an article container out of reach (a bound set by that reasoning, not fitted).
MAX_BOX_WORDS = 200
BOX_TAGS = frozenset(
    {"div", "section", "aside", "form", "dialog", "ul", "ol", "li", "p", "figure", "footer"}
)
# A text run of a sentence's length is prose; menus, buttons and labels are shorter.
PROSE_RUN_WORDS = 8

# An element holding one of these holds the article (a newsletter platform's "newsletter-post"
# block with its headline), not a box.
_ARTICLE_MARKS = frozenset({"h1", "article", "main"})
# Inside these, paragraphs and lists are the article's text.
_ARTICLE_CONTEXTS = frozenset({"article", "main"})
_ARTICLE_TEXT_TAGS = frozenset({"p", "ol", "ul", "li"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"\w+")
_WHOLE_TOKEN = re.compile(r"[a-z0-9]+")


def attribute_tokens(value: str) -> set[str]:
    """The words of a class or id value, split at non-letters (not at camelCase humps).

    >>> sorted(attribute_tokens("popup-message js-bio_info BioMedArticle"))
    ['bio', 'biomedarticle', 'info', 'js', 'message', 'popup']
    """
    return {token for token in _NON_ALNUM.split(value.lower()) if token}


def is_box(names: str, tokens: frozenset[str] = BOX_TOKENS) -> bool:
    """``names`` (an element's class and id) hold a box word as a whole token."""
    return bool(attribute_tokens(names) & tokens)


def named_elements(body: HtmlElement, tokens: frozenset[str] = BOX_TOKENS) -> list[HtmlElement]:
    """The elements of :data:`BOX_TAGS` in ``body`` (itself included) whose class or id holds
    one of ``tokens`` as a whole token (:func:`is_box`), in document order.

    The whole-token test runs only on the names that hold a token anywhere once lowercased
    (``str.lower`` is the whole-token test's own first step, so none is missed): the names of
    the page are lowercased, joined and searched with ``str.find``, one pass per token. A
    case-blind regular expression searched in each element's names took twice as long (1.2 s
    against 0.6 s on the 892 benchmark pages, CPU time)."""
    elements: list[HtmlElement] = []
    names: list[str] = []
    for element in body.iter(*BOX_TAGS):
        class_names, element_id = element.get("class"), element.get("id")
        if class_names is not None or element_id is not None:
            elements.append(element)
            names.append(f"{class_names or ''} {element_id or ''}".lower())
    joined = "\n".join(names)
    found_at: list[int] = []
    # A token that is not lowercase letters and digits is never a whole token of a name.
    for token in filter(_WHOLE_TOKEN.fullmatch, tokens):
        found = joined.find(token)
        while found >= 0:
            found_at.append(found)
            found = joined.find(token, found + 1)
    if not found_at:
        return []
    starts = list(accumulate((len(name) + 1 for name in names[:-1]), initial=0))
    holding = {bisect_right(starts, found) - 1 for found in found_at}
    return [
        elements[index]
        for index in sorted(holding)
        if is_box(f"{elements[index].get('class') or ''} {elements[index].get('id') or ''}", tokens)
    ]


def _measure(element: HtmlElement) -> tuple[int, int]:
    """The words and prose words (in runs of :data:`PROSE_RUN_WORDS` or more) of ``element``,
    read only until its words pass :data:`MAX_BOX_WORDS`: past that it is no box."""
    words = prose = 0
    for text in element.itertext():
        count = len(_WORD.findall(text))
        words += count
        if count >= PROSE_RUN_WORDS:
            prose += count
        if words > MAX_BOX_WORDS:
            break
    return words, prose


class _PageProse:
    """The words of the page's sentence-length text runs, counted only as far as a question
    needs: whether a page holds a few hundred words of prose is settled long before its end."""

    def __init__(self, body: HtmlElement) -> None:
        # Read lazily: an XPath over the page's text nodes builds them all at once (half the
        # time of the whole function on the benchmark pages), where a few hundred words
        # settle most questions.
        self._texts = body.itertext()
        self.words = 0

    def at_least(self, words: int) -> bool:
        while self.words < words and (text := next(self._texts, None)) is not None:
            # A run of PROSE_RUN_WORDS words has at least this many characters (one-letter
            # words): shorter runs need no word count.
            if len(text) >= 2 * PROSE_RUN_WORDS - 1 and (
                (count := len(_WORD.findall(text))) >= PROSE_RUN_WORDS
            ):
                self.words += count
        return self.words >= words


def box_elements(body: HtmlElement, tokens: frozenset[str] = BOX_TOKENS) -> list[HtmlElement]:
    """The outermost boxes named by ``tokens`` under ``body``, in document order."""
    candidates = named_elements(body, tokens)
    boxes: list[HtmlElement] = []
    dropped: set[HtmlElement] = set()
    page_prose: _PageProse | None = None
    dropped_prose = 0
    for element in candidates:
        ancestors = list(element.iterancestors())
        if dropped.intersection(ancestors):
            continue  # inside a box already dropped
        if element.tag in _ARTICLE_TEXT_TAGS and any(
            ancestor.tag in _ARTICLE_CONTEXTS for ancestor in ancestors
        ):
            continue
        words, prose = _measure(element)
        if words > MAX_BOX_WORDS or next(element.iter(*_ARTICLE_MARKS), None) is not None:
            continue
        if page_prose is None:
            page_prose = _PageProse(body)
        if not page_prose.at_least(2 * (dropped_prose + prose)):
            continue
        boxes.append(element)
        dropped.add(element)
        dropped_prose += prose
    return boxes


def drop_chrome_boxes(tree: HtmlElement) -> int:
    """Remove the boxes from ``tree`` in place (their tails stay); the number removed.

    >>> from lxml.html import fromstring
    >>> page = fromstring(
    ...     "<html><body><article><p>The article, a few sentences that tell the story.</p>"
    ...     "<div class='popup-message'>Sign up!</div><p>More of it.</p></article></body></html>"
    ... )
    >>> drop_chrome_boxes(page), page.text_content()
    (1, 'The article, a few sentences that tell the story.More of it.')
    """
    body = next(tree.iter("body"), None)
    if body is None:
        return 0
    boxes = box_elements(body)
    for element in boxes:
        element.drop_tree()
    return len(boxes)
