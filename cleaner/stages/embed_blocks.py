"""embed_blocks: prose in a block named "embed" is the article's, not an embedded widget.

trafilatura's overall discard list deletes every block whose class contains "embed" (meant
for embedded players and social posts). Site builders use the word for their own blocks of
article text: Webflow wraps custom HTML in ``<div class="w-embed">`` (an article's FAQ), a
blog theme styles its pull quotes as ``<p class="c-block-quote-embed-05">``; trafilatura
drops that text with the widgets (tuning pages: a wine guide's whole FAQ, a guide's six
key-point paragraphs).

:func:`keep_prose_embed_blocks` removes the "embed" class tokens from a block that holds
prose (a paragraph of :data:`PROSE_CHARS` or more outside links) and no embedded media or
social post (``iframe``, ``video``, ``audio``, ``object``, ``embed``, a ``blockquote`` with
a class, which is how Twitter, Instagram and TikTok embeds are marked up). Other discard
marks on the block stay, and a player or a post keeps its "embed" class.
"""

from __future__ import annotations

import logging
import re

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

_LOG = logging.getLogger(__name__)

# The extract stage's measure of a prose paragraph (html_extraction.PROSE_PARAGRAPH_CHARS).
PROSE_CHARS = 80
# trafilatura's "embed"/"embedded" class tokens match anywhere in the class attribute, in the
# blocks its first discard expression looks at.
_EMBED = re.compile("embed")
_EMBED_BLOCKS = XPath(
    './/*[self::div or self::p or self::section or self::span][contains(@class, "embed")]'
)
_MEDIA = XPath(".//iframe|.//video|.//audio|.//object|.//embed|.//blockquote[@class]")


def keep_prose_embed_blocks(tree: HtmlElement) -> int:
    """Remove the "embed" class tokens of each block holding prose and no embedded media; the
    number of blocks changed. Mutates ``tree``."""
    blocks = [block for block in _EMBED_BLOCKS(tree) if _holds_prose(block) and not _MEDIA(block)]
    for block in blocks:
        classes = str(block.get("class"))
        block.set("class", " ".join(token for token in classes.split() if not _EMBED.search(token)))
        _LOG.debug("embed class removed: %r %.60r", classes, _words(block))
    return len(blocks)


def _holds_prose(block: HtmlElement) -> bool:
    paragraphs = [block] if block.tag == "p" else list(block.iter("p"))
    return any(
        len(_words(paragraph)) - sum(len(_words(link)) for link in paragraph.iter("a"))
        >= PROSE_CHARS
        for paragraph in paragraphs
    )


def _words(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())
