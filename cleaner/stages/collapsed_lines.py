"""An extraction line that holds a whole block structure of the page, given back as its blocks.

Some of trafilatura's paths flatten an element into one line of text. When its main extractor
finds nothing, its baseline takes the page's <article> element (or JSON, or the whole body) as
ONE paragraph: a product review, its menus, share buttons, author bio and related links come
out as a single line of 10,000 to 40,000 characters (WCXB tuning pages 0214, 4007, 4267, 4377,
4708, 4858: precision 0.52 to 0.93). The main extractor does the same to a tab panel or card
whose content sits in nested <div>s below one list item (pages 1657, 4864: a plan comparison
with its headings, table and paragraphs on one line). Every later stage works on lines: the
chrome stage cannot drop a newsletter box or a "Related" list that shares a line with the
article, and a reader gets a wall of text.

The repair looks only at lines longer than :data:`LONG_LINE_CHARS` (a check on the output
string, nothing else, on every other page). For such a line it finds the element of the page
that holds it (the deepest one whose text holds the line's start and its end) and writes that
element's text again, one line per block (paragraph, heading, list item, table row, <br>).
When the blocks split the line into several lines, all much shorter than it, the line is
replaced: by trafilatura's extraction of that element as a page of its own (out of its page it
is no longer dropped with the menu that swallowed it, and the usual pruning of share bars,
bylines and teasers applies), when that keeps the element's sentences; else by the blocks, and
the chrome stage judges them line by line. Otherwise the line stays as it is. So a long paragraph that is one block in the page (a legal
clause, a poem without breaks, CJK prose without spaces) is never touched: its element has no
block inside it, and writing it again gives the same single line.

Elements trafilatura's own cleaning never extracts (scripts, forms, buttons, navigation,
media; :data:`SKIPPED_TAGS`) are left out of the rewritten lines, as its main extractor would;
a rewrite that would lose words of the line (:data:`WORDS_KEPT_SHARE`) leaves it alone.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from copy import copy, deepcopy
from typing import Any

from lxml.etree import SubElement  # type: ignore[import-untyped]
from lxml.html import Element, HtmlElement  # type: ignore[import-untyped]
from trafilatura.baseline import basic_cleaning

from cleaner.stages.recall_fallback import PROSE_LINE_WORDS, is_prose

# A line this long is a page's worth of text (tuning pages: the longest real paragraphs
# trafilatura writes are 2,000 to 2,700 characters, a collapsed page 3,000 to 40,000); only such
# lines are looked at, so the cost on every other page is one pass over the output string.
LONG_LINE_CHARS = 2_000
# The rewritten blocks replace the line only when there are at least this many of them and the
# longest holds at most this share of the line: a real split into blocks, not a paragraph with
# a caption beside it.
MIN_BLOCKS = 3
LONGEST_BLOCK_SHARE = 0.5
# The line's start and end, this many characters (spaces removed) each, locate its element.
ANCHOR_CHARS = 40
# The rewritten blocks may hold at most this multiple of the line's characters (spaces aside):
# the element holding the line's start and end is the line's source, not a container of which
# the line is a part (the skipped elements and list markers make up the difference otherwise).
REWRITTEN_SHARE = 1.5
# The element extracted as a page of its own must keep this share of the words of its
# sentence-length blocks (tuning pages: 0.82 where the rest was reader comments, 0.96 to 1.0
# where it was chrome; 0.73 where trafilatura's pruning dropped the article's tabs and
# accordions, and the blocks are kept instead). The share the benchmarks use for "kept the
# article".
PROSE_KEPT_SHARE = 0.8
_WORD = re.compile(r"\w+")
# Inline elements: text flows through them on the same line. Everything else is a block.
INLINE_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del",
        "dfn", "em", "font", "i", "img", "ins", "kbd", "mark", "nobr", "q", "s", "samp",
        "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)  # fmt: skip
# Never extracted (trafilatura's cleaning list less <figure>, whose caption may be text, and
# <time>, whose date is inline text), and elements hidden from the reader. Less the inline
# elements whose text the line holds too ("The price is x=42 dollars", x=42 in <math>): the
# baseline that wrote the line kept it, and so do the rewritten lines (:data:`KEPT_TEXT_TAGS`).
SKIPPED_TAGS = frozenset(
    {
        "applet", "area", "audio", "button", "canvas", "datalist", "dialog", "embed",
        "fieldset", "form", "frame", "frameset", "head", "iframe", "input", "legend",
        "link", "map", "marquee", "menu", "menuitem", "nav", "noindex", "noscript",
        "object", "optgroup", "option", "output", "param", "picture", "progress", "rp", "rt",
        "rtc", "script", "select", "source", "style", "template", "textarea", "track",
        "use", "video",
    }
)  # fmt: skip
# Inline elements trafilatura's cleaning drops with their text: the element given to it as a
# page of its own has them as <span>s, so its extraction keeps the words the line holds.
KEPT_TEXT_TAGS = frozenset({"label", "math", "svg"})
# The rewritten lines must hold this share of the words of the line's sentences (the element's
# sentence-length blocks, skipped elements' text inline): a rewrite that loses words of the
# sentences leaves the line alone. Menus, forms and buttons in blocks of their own may go
# (tuning pages 4267, 4858: 3 to 9 % of the line's words are such menus).
WORDS_KEPT_SHARE = 0.98
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def has_long_line(text: str) -> bool:
    """Whether ``text`` holds a line over :data:`LONG_LINE_CHARS` characters (cheap: most
    outputs are shorter than one such line, and the rest is one pass of ``str.split``)."""
    if len(text) <= LONG_LINE_CHARS:
        return False
    return any(len(line) > LONG_LINE_CHARS for line in text.split("\n"))


def unfold_long_lines(
    tree: HtmlElement, text: str, extract: Callable[[HtmlElement], str] | None = None
) -> tuple[str, int]:
    """``text`` (an extraction of ``tree``) with each line over :data:`LONG_LINE_CHARS` that
    flattens a block structure of the page replaced by that structure's lines, and how many
    lines were replaced. ``tree`` is not changed.

    The lines are ``extract``'s (trafilatura's extraction of a page holding only the element
    that gave the line: out of its page, the element is no longer dropped with the menu that
    swallowed it, and the usual pruning of share bars, bylines and teasers applies) when they
    keep the element's sentences (:func:`keeps_the_prose`); else the element's blocks."""
    if not has_long_line(text):
        return text, 0
    lines = text.split("\n")
    elsewhere = {line.strip() for line in lines if len(line) <= LONG_LINE_CHARS}
    body = tree.find("body")
    squeezed_text = SqueezedText(body if body is not None else tree)
    unfolded = 0
    for index, line in enumerate(lines):
        if len(line) <= LONG_LINE_CHARS:
            continue
        found = holding_element(tree, line, squeezed_text)
        if found is None:
            continue
        # Located in the page as it is (a script between the line's start and end does not
        # hide them), then cleaned as trafilatura's baseline cleaned it: a copy of the element
        # only, so a legitimately long paragraph costs no copy of the page.
        element = basic_cleaning(copy(found))
        # A block the output already holds on a line of its own (the part of a card that
        # trafilatura's main extractor wrote apart) is not written twice.
        every_block = block_lines(element)
        blocks = [block for block in every_block if block not in elsewhere]
        if len(blocks) < MIN_BLOCKS or max(map(len, blocks)) > LONGEST_BLOCK_SHARE * len(line):
            continue
        if len(_squeezed(" ".join(blocks))) > REWRITTEN_SHARE * len(_squeezed(line)):
            continue
        if not keeps_the_words(block_lines(element, skip=False), every_block):
            continue
        if extract is not None:
            alone = [
                extracted
                for extracted in extract(_page_of(element)).split("\n")
                if extracted.strip() and extracted.strip() not in elsewhere
            ]
            if alone and not has_long_line("\n".join(alone)) and keeps_the_prose(blocks, alone):
                blocks = alone
        lines[index] = "\n".join(blocks)
        unfolded += 1
    return ("\n".join(lines), unfolded) if unfolded else (text, 0)


def _page_of(element: HtmlElement) -> HtmlElement:
    page = Element("html")
    body = SubElement(page, "body")
    body.append(deepcopy(element))
    for kept in body.iter(*KEPT_TEXT_TAGS):
        kept.tag = "span"
    return page


def keeps_the_words(every_line: list[str], blocks: list[str]) -> bool:
    """Whether ``blocks`` hold :data:`WORDS_KEPT_SHARE` of the words of the sentence-length
    lines of ``every_line`` (the element written with nothing skipped).

    >>> keeps_the_words(["The price is x=42 dollars a month, taxes and fees included."],
    ...                 ["The price is", "dollars a month, taxes and fees included."])
    False
    """
    return _holds_prose_of(every_line, blocks, WORDS_KEPT_SHARE)


def keeps_the_prose(blocks: list[str], lines: list[str]) -> bool:
    """Whether ``lines`` hold :data:`PROSE_KEPT_SHARE` of the words of the sentence-length
    lines of ``blocks``: an extraction that leaves out menus, labels and bylines, not the
    article's paragraphs."""
    return _holds_prose_of(blocks, lines, PROSE_KEPT_SHARE)


def _holds_prose_of(source: list[str], target: list[str], share: float) -> bool:
    """Whether ``target`` holds ``share`` of the words of the sentence-length lines of
    ``source``."""
    prose = Counter(
        word
        for line in source
        if len(words := _WORD.findall(line.lower())) >= PROSE_LINE_WORDS and is_prose(line)
        for word in words
    )
    kept = prose & Counter(_WORD.findall("\n".join(target).lower()))
    return sum(kept.values()) >= share * sum(prose.values())


def _squeezed(text: str) -> str:
    return "".join(html.unescape(text).split())


class SqueezedText:
    """The text of ``root`` as :func:`holding_element` compares it (spaces removed, entities
    decoded), written once, with the span of each element's text in it: finding the element
    that holds a line costs one pass over the page, not one per level of its nesting."""

    def __init__(self, root: HtmlElement) -> None:
        pieces: list[str] = []
        length = 0
        starts: dict[HtmlElement, int] = {}
        self.spans: dict[HtmlElement, tuple[int, int]] = {}
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            node, closing = stack.pop()
            text = None
            if closing:
                self.spans[node] = (starts.pop(node), length)
            elif isinstance(node.tag, str):
                starts[node] = length
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node))
                text = node.text
            if (closing or not isinstance(node.tag, str)) and node is not root:
                text = node.tail  # a comment's own text is not the page's, its tail is
            if text:
                piece = _squeezed(text)
                pieces.append(piece)
                length += len(piece)
        self.text = "".join(pieces)

    def occurrences(self, part: str) -> list[int]:
        found = []
        start = self.text.find(part)
        while start >= 0:
            found.append(start)
            start = self.text.find(part, start + 1)
        return found


def holding_element(
    tree: HtmlElement, line: str, squeezed_text: SqueezedText | None = None
) -> HtmlElement | None:
    """The deepest element of ``tree`` whose text holds the start and the end of ``line`` in
    that order (spaces aside: the extraction's spacing is its own), or None when no element
    holds them. The element's text is compared as trafilatura reads it, entities decoded (the
    extract stage escapes every "&" of the tree before extraction). ``squeezed_text`` is the
    page's body as :class:`SqueezedText` writes it, when the caller has it."""
    # trafilatura writes a list item with a "- " first: not the page's text.
    squeezed = _squeezed(line.removeprefix("- "))
    if len(squeezed) < 2 * ANCHOR_CHARS:
        return None
    head, tail = squeezed[:ANCHOR_CHARS], squeezed[-ANCHOR_CHARS:]
    body = tree.find("body")
    current = body if body is not None else tree
    page = squeezed_text or SqueezedText(current)
    heads, tails = page.occurrences(head), page.occurrences(tail)

    def holds(element: HtmlElement) -> bool:
        # The first start inside the element's span, then an end after it, inside the span.
        start, end = page.spans[element]
        first = bisect_left(heads, start)
        if first == len(heads) or heads[first] + ANCHOR_CHARS > end:
            return False
        after = bisect_left(tails, heads[first] + ANCHOR_CHARS)
        return after < len(tails) and tails[after] + ANCHOR_CHARS <= end

    if current not in page.spans or not holds(current):
        return None
    while True:
        child = next((c for c in current if isinstance(c.tag, str) and holds(c)), None)
        if child is None:
            return current
        current = child


def block_lines(element: HtmlElement, skip: bool = True) -> list[str]:
    """The text of ``element``, one line per block: paragraphs, headings, list items ("- "
    first, as trafilatura writes them), table rows ("| cell | cell |") and the pieces between
    <br>s; whitespace runs as one space, entities decoded. With ``skip`` false, the text of
    :data:`SKIPPED_TAGS` elements is kept, inline."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        # Runs are joined as the page has them: "<a>house</a>," is "house,", not "house ,".
        joined = " ".join(html.unescape("".join(current)).split())
        if joined and joined not in ("-", "|", "| |"):
            lines.append(joined)
        current.clear()

    for event, node in _walk(element, skip=skip):
        if event == "text":
            current.append(node)
        elif event == "break":
            flush()
        elif event == "item":
            flush()
            current.append("- ")
        elif event == "cell":
            current.append(" | ")
        elif event == "row":
            flush()
            current.append("| ")
        elif event == "row-end":
            current.append(" |")
            flush()
    flush()
    return lines


def _walk(
    element: HtmlElement, in_kept_text: bool = False, skip: bool = True
) -> Iterator[tuple[str, str]]:
    """Events of the text layout of ``element``: ("text", run), and the boundaries ("break",
    "item", "row", "cell", "row-end"). Everything in a :data:`KEPT_TEXT_TAGS` element (a
    formula's <mi>, <mo>, <mn>) is inline."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if (skip and tag in SKIPPED_TAGS) or _hidden(element):
        return
    in_kept_text = in_kept_text or tag in KEPT_TEXT_TAGS
    inline = in_kept_text or tag in INLINE_TAGS or tag in SKIPPED_TAGS or not tag
    if tag == "li":
        yield "item", ""
    elif tag == "tr":
        yield "row", ""
    elif tag in ("td", "th") and element.getprevious() is not None:
        yield "cell", ""
    elif not inline and tag not in ("td", "th"):
        yield "break", ""  # a <br> too: not inline
    if tag and element.text:
        yield "text", element.text
    for child in element:
        yield from _walk(child, in_kept_text, skip)
        if child.tail:
            yield "text", child.tail
    if tag == "tr":
        yield "row-end", ""
    elif not inline and tag not in ("td", "th", "br"):
        yield "break", ""


def _hidden(element: Any) -> bool:
    if not isinstance(element.tag, str):
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style
