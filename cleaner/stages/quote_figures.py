"""quote_figures: a quotation set in a ``<figure>`` is text, not an illustration.

HTML's own pattern for a quotation with its source is ``<figure><blockquote>...</blockquote>
<figcaption>who said it</figcaption></figure>``. trafilatura deletes every ``<figure>`` before
extraction (it takes figures for images with captions), and with them the quotations an
article is built around (tuning pages: an interview round-up lost each expert's words).

:func:`open_quote_figures` turns a figure holding a ``blockquote`` of prose and no media
(``img``, ``picture``, ``video``, ``audio``, ``iframe``, ``object``, ``embed``, other than
a decorative one marked ``aria-hidden``) into a ``div``, and its caption into a paragraph. A figure with an image stays a figure,
whatever text its caption holds.
"""

from __future__ import annotations

import logging

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

_LOG = logging.getLogger(__name__)

# A quotation worth keeping is a sentence or more (a pull quote of a few words is styling).
QUOTE_CHARS = 40
# Media hidden from assistive technology (a speaker's avatar beside the quotation) is
# decoration, not the figure's content.
_MEDIA = XPath(
    "(.//img|.//picture|.//video|.//audio|.//iframe|.//object|.//embed)"
    "[not(ancestor-or-self::*[@aria-hidden='true'])]"
)


def open_quote_figures(tree: HtmlElement) -> int:
    """Turn each figure that holds a quotation and no media into a ``div`` (its caption into a
    ``p``); the number of figures turned. Mutates ``tree``."""
    figures = [figure for figure in tree.iter("figure") if _is_quotation(figure)]
    for figure in figures:
        figure.tag = "div"
        for caption in figure.iter("figcaption"):
            caption.tag = "p"
        _LOG.debug("quotation figure opened: %.60r", " ".join(figure.text_content().split()))
    return len(figures)


def _is_quotation(figure: HtmlElement) -> bool:
    if _MEDIA(figure):
        return False
    return any(
        len(" ".join(quote.text_content().split())) >= QUOTE_CHARS
        for quote in figure.iter("blockquote")
    )
