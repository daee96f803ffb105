"""embed_blocks: prose in a block named "embed" is the article's, not an embedded widget.

trafilatura's overall discard list deletes every block whose class contains "embed" (meant
for embedded players and social posts). Site builders use the word for their own blocks of
article text: Webflow wraps custom HTML in ``<div class="w-embed">`` (an article's FAQ), a
blog theme styles its pull quotes as ``<p class="c-block-quote-embed-05">``; trafilatura
drops that text with the widgets (tuning pages: a wine guide's whole FAQ, a guide's six
key-point paragraphs).

:func:`keep_prose_embed_blocks` removes the word "embed" from the class of a block that
holds prose (a paragraph of :data:`~.page_parts.PROSE_PARAGRAPH_CHARS` or more outside
links) and no embedded media or social post (``iframe``, ``video``, ``audio``, ``object``,
``embed``, a ``blockquote`` with a class, which is how Twitter, Instagram and TikTok embeds
are marked up; a frame in a ``<noscript>``, hidden or of zero size shows nothing and does not
count). Only the word goes: the rest of each class token stays, so a block that
trafilatura's discard lists still match without it (``newsletter-embed``, a sign-up box)
is left as it was. So is a teaser card (a picture and a linked title: a related post's
card, whose blurb is a paragraph long), and a player or a post keeps its "embed" class.
A picture alone does not make a block media: a review's company profile shows its logo.
"""

from __future__ import annotations

import logging
import re

from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

from cleaner.stages.furniture_marks import discard_matches
from cleaner.stages.page_parts import PICTURE_TAGS, PLAYER_TAGS, PROSE_PARAGRAPH_CHARS, descendants

_LOG = logging.getLogger(__name__)

# trafilatura's "embed"/"embedded" class tokens match anywhere in the class attribute, in the
# blocks its first discard expression looks at.
_EMBED = re.compile("embed(?:ded)?")
_WORD = re.compile(r"\w")
# descendant::* with the class test first: './/*' is descendant-or-self::node()/child::*, a
# step per node of the page (the step's CPU on the 892 benchmark pages: 0.56 -> 0.25 s).
_EMBED_BLOCKS = XPath(
    'descendant::*[contains(@class, "embed")][self::div or self::p or self::section or self::span]'
)
_MEDIA = XPath(f"{descendants(PLAYER_TAGS)}|.//blockquote[@class]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_PICTURE = XPath(descendants(PICTURE_TAGS))
# A card's title is a heading in a link or a link in a heading, to another page (a
# profile's plain heading beside its logo is no teaser, nor a heading linked to itself).
_LINKED_TITLE = XPath(
    ".//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
    "[descendant::a[@href and not(starts-with(@href, '#'))]"
    " or ancestor::a[@href and not(starts-with(@href, '#'))]]"
)


def keep_prose_embed_blocks(tree: HtmlElement) -> int:
    """Remove the word "embed" from the class of each block holding prose and no embedded
    media, unless the block is a teaser card or trafilatura's discard lists match it without
    the word; the number of blocks changed. Mutates ``tree``."""
    changed = 0
    for block in _EMBED_BLOCKS(tree):
        if not _holds_prose(block) or _holds_media(block) or _is_teaser_card(block):
            continue
        classes = str(block.get("class"))
        without = _without_embed(classes)
        if discard_matches(block.tag, {**block.attrib, "class": without}):
            continue
        block.set("class", without)
        changed += 1
        _LOG.debug("embed class removed: %r %.60r", classes, _words(block))
    return changed


def _without_embed(classes: str) -> str:
    """``classes`` with the word "embed" cut out of each token; a token left with no letter
    or digit ("embed", "-embed-") goes."""
    tokens = (_EMBED.sub("", token) for token in classes.split())
    return " ".join(token for token in tokens if _WORD.search(token))


def _holds_prose(block: HtmlElement) -> bool:
    paragraphs = [block] if block.tag == "p" else list(block.iter("p"))
    return any(
        len(_words(paragraph)) - sum(len(_words(link)) for link in paragraph.iter("a"))
        >= PROSE_PARAGRAPH_CHARS
        for paragraph in paragraphs
    )


def _holds_media(block: HtmlElement) -> bool:
    """Whether ``block`` shows an embedded player or post. A frame the reader never sees is
    none: a tag manager's tracking frame (in a ``<noscript>``, hidden, zero-sized) that a
    page's unclosed embed block swallowed along with the rest of the article (tuning pages:
    a tipping guide that lost everything after its second table)."""
    return any(not _unseen(media) for media in _MEDIA(block))


def _unseen(media: HtmlElement) -> bool:
    if _HIDDEN_STYLE.search(media.get("style") or ""):
        return True
    if media.get("width", "").strip() == "0" and media.get("height", "").strip() == "0":
        return True
    return any(ancestor.tag == "noscript" for ancestor in media.iterancestors())


def _is_teaser_card(block: HtmlElement) -> bool:
    return bool(_PICTURE(block)) and bool(_LINKED_TITLE(block))


def _words(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())
