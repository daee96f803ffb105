"""quote_figures: a quotation set in a ``<figure>`` is text, not an illustration.

HTML's own pattern for a quotation with its source is ``<figure><blockquote>...</blockquote>
<figcaption>who said it</figcaption></figure>``. trafilatura deletes every ``<figure>`` before
extraction (it takes figures for images with captions), and with them the quotations an
article is built around (tuning pages: an interview round-up lost each expert's words).

:func:`open_quote_figures` turns a figure holding a ``blockquote`` of prose and no media
(``img``, ``picture``, ``video``, ``audio``, ``iframe``, ``object``, ``embed``, other than
a decorative one marked ``aria-hidden``) into a ``div``, and its caption into a paragraph.
A figure with an image stays a figure, whatever text its caption holds. So does a pull
quote, a figure whose quotation repeats text found elsewhere in the page (compared with
case and white space made even): the article holds that sentence already, and opening the
figure would print it twice, with its cite line. A pull-quote class alone does not tell:
round-ups set each speaker's own words in the same markup.
"""

from __future__ import annotations

import logging

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

from cleaner.stages.page_parts import PICTURE_TAGS, PLAYER_TAGS, descendants, normalised

_LOG = logging.getLogger(__name__)

# A quotation worth keeping is a sentence or more (a pull quote of a few words is styling).
QUOTE_CHARS = 40
# Media hidden from assistive technology (a speaker's avatar beside the quotation) is
# decoration, not the figure's content.
_MEDIA = XPath(
    f"({descendants(PICTURE_TAGS + PLAYER_TAGS)})[not(ancestor-or-self::*[@aria-hidden='true'])]"
)
# The text a reader sees: scripts hold copies of the article (JSON-LD's articleBody) that
# would make every quotation look repeated.
# Texts are compared without their white space (:func:`_compact`): a link inside the
# article's sentence or a paragraph break inside the quotation neither hides a repetition
# nor makes one up.
_SHOWN_TEXT = XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]"
)
# Where a quotation names its source, and code no reader sees.
_UNSPOKEN_TAGS = ("cite", "footer", "script", "style")
# Quotation marks a pull quote adds around the sentence it repeats, and the full stop or
# ellipsis where it ends the sentence early.
_QUOTE_MARKS = "\"'“”„‘’«»‹› .…"
# Where the article's own text is: a quotation repeated in a sidebar ("quote of the week")
# is not repeated by the article.
_ARTICLE_TAGS = ("article", "main")


def open_quote_figures(tree: HtmlElement) -> int:
    """Turn each figure that holds a quotation and no media into a ``div`` (its caption into a
    ``p``), unless its quotation repeats the page's text; the number of figures turned.
    Mutates ``tree``."""
    candidates = [(figure, _quotations(figure)) for figure in tree.iter("figure")]
    figures = [(figure, quotes) for figure, quotes in candidates if quotes]
    if not figures:
        return 0
    body = tree.find(".//body")
    # Read only when a figure qualifies (figures with quotations are rare), once per container.
    texts: dict[int, str] = {}
    opened = 0
    for figure, quotes in figures:
        container = next(figure.iterancestors(*_ARTICLE_TAGS), None)
        if container is None:
            container = tree if body is None else body
        if id(container) not in texts:
            texts[id(container)] = _shown_text(container)
        figure_text = _shown_text(figure)
        if any(_repeated(quote, texts[id(container)], figure_text) for quote in quotes):
            _LOG.debug("pull quote left a figure: %.60r", figure_text)
            continue
        figure.tag = "div"
        for caption in figure.iter("figcaption"):
            caption.tag = "p"
        opened += 1
        _LOG.debug("quotation figure opened: %.60r", figure_text)
    return opened


def _shown_text(element: HtmlElement) -> str:
    return _compact("".join(str(text) for text in _SHOWN_TEXT(element)))


def _compact(text: str) -> str:
    return "".join(text.split()).casefold()


def _repeated(quote: str, page_text: str, figure_text: str) -> bool:
    """Whether ``quote`` occurs in the page's text more often than in its own figure; words
    too short to tell a sentence (a quotation that is mostly its cite line) never are."""
    return bool(quote) and page_text.count(quote) > figure_text.count(quote)


def _quotations(figure: HtmlElement) -> list[str]:
    """The figure's quotations of :data:`QUOTE_CHARS` or more, compacted as the page's text
    is (:func:`_compact`), without their quotation marks and cite lines; an empty string for
    one whose words less its cite line are too few to tell a sentence (it is never taken for
    a repetition); none when the figure holds media."""
    if _MEDIA(figure):
        return []
    spoken = [
        normalised(_spoken(quote)).strip(_QUOTE_MARKS)
        for quote in figure.iter("blockquote")
        if len(" ".join(quote.text_content().split())) >= QUOTE_CHARS
    ]
    return [_compact(words) if len(words) >= QUOTE_CHARS else "" for words in spoken]


def _spoken(quote: HtmlElement) -> str:
    """The quotation's text less its ``cite`` and ``footer`` (the speaker's name, which the
    article's own sentence does not repeat) and scripts."""
    parts = [quote.text or ""]
    for child in quote:
        # Comments and processing instructions are no text (their tag is not a string).
        if isinstance(child.tag, str) and child.tag not in _UNSPOKEN_TAGS:
            parts.append(_spoken(child))
        parts.append(child.tail or "")
    return " ".join(parts)
