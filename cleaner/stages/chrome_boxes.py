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

Inline elements (a tooltip span around a word of the article) stay. The page is measured in one
pass over the tree, so a page costs time linear in its size however deeply boxes nest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lxml.etree import iterwalk  # type: ignore[import-untyped]
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


def attribute_tokens(value: str) -> set[str]:
    """The words of a class or id value, split at non-letters (not at camelCase humps).

    >>> sorted(attribute_tokens("popup-message js-bio_info BioMedArticle"))
    ['bio', 'biomedarticle', 'info', 'js', 'message', 'popup']
    """
    return {token for token in _NON_ALNUM.split(value.lower()) if token}


@lru_cache(maxsize=128)
def _named_pattern(tokens: frozenset[str]) -> re.Pattern[str]:
    # A class or id holding a box word anywhere, in any case: a cheap test that lets the
    # whole-token test run on few elements.
    return re.compile("|".join(sorted(tokens)), re.IGNORECASE)


def is_box(names: str, tokens: frozenset[str] = BOX_TOKENS) -> bool:
    """``names`` (an element's class and id) hold a box word as a whole token."""
    return bool(attribute_tokens(names) & tokens)


@dataclass
class _Candidate:
    element: HtmlElement
    in_article: bool
    enclosing: _Candidate | None
    words: int = 0
    prose: int = 0
    holds_article: bool = False


@dataclass
class _Tally:
    """The words, prose words and article marks of an open element, summed as the walk ends it."""

    words: int = 0
    prose: int = 0
    holds_article: bool = False

    def add_run(self, text: str | None) -> None:
        count = len(_WORD.findall(text)) if text else 0
        self.words += count
        if count >= PROSE_RUN_WORDS:
            self.prose += count


def _measure(body: HtmlElement, candidates: dict[HtmlElement, _Candidate]) -> int:
    """Fill in each candidate's counts in one walk over ``body``; the page's prose words."""
    open_tallies: list[_Tally] = []
    open_candidates: list[_Candidate] = []
    article_depth = 0
    for event, element in iterwalk(body, events=("start", "end", "comment", "pi")):
        if event == "start":
            tally = _Tally(holds_article=element.tag in _ARTICLE_MARKS)
            tally.add_run(element.text)
            open_tallies.append(tally)
            candidate = candidates.get(element)
            if candidate is not None:
                candidate.in_article = article_depth > 0
                candidate.enclosing = open_candidates[-1] if open_candidates else None
                open_candidates.append(candidate)
            if element.tag in _ARTICLE_CONTEXTS:
                article_depth += 1
            continue
        if event == "end":
            tally = open_tallies.pop()
            if element.tag in _ARTICLE_CONTEXTS:
                article_depth -= 1
            candidate = candidates.get(element)
            if candidate is not None:
                candidate.words = tally.words
                candidate.prose = tally.prose
                candidate.holds_article = tally.holds_article
                open_candidates.pop()
            if not open_tallies:
                return tally.prose
            parent = open_tallies[-1]
            parent.words += tally.words
            parent.prose += tally.prose
            parent.holds_article = parent.holds_article or tally.holds_article
        elif not open_tallies:  # a comment beside the body, not in it
            continue
        open_tallies[-1].add_run(element.tail)
    return 0


def box_elements(body: HtmlElement, tokens: frozenset[str] = BOX_TOKENS) -> list[HtmlElement]:
    """The outermost boxes named by ``tokens`` under ``body``, in document order."""
    named = _named_pattern(tokens)
    candidates: dict[HtmlElement, _Candidate] = {}
    for element in body.iter(*BOX_TAGS):
        names = f"{element.get('class') or ''} {element.get('id') or ''}"
        if named.search(names) and is_box(names, tokens):
            candidates[element] = _Candidate(element, in_article=False, enclosing=None)
    if not candidates:
        return []
    page_prose = _measure(body, candidates)
    boxes: list[HtmlElement] = []
    removed: set[int] = set()
    dropped_prose = 0
    for candidate in candidates.values():
        if candidate.enclosing is not None and id(candidate.enclosing) in removed:
            removed.add(id(candidate))
            continue
        if candidate.in_article and candidate.element.tag in _ARTICLE_TEXT_TAGS:
            continue
        if candidate.words > MAX_BOX_WORDS or candidate.holds_article:
            continue
        if 2 * (dropped_prose + candidate.prose) > page_prose:
            continue
        boxes.append(candidate.element)
        removed.add(id(candidate))
        dropped_prose += candidate.prose
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
