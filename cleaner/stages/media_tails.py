"""media_tails: text that follows an image wrapper or an anchor, kept by trafilatura's
precise mode.

Sites wrap an image in an inline box and write the paragraph's text right after it, in the
box's tail: ``<p><span class="lazy"><img …><noscript>…</noscript></span>Planning…</p>``.
trafilatura's cleaning unwraps the ``<img>`` and deletes the ``<noscript>``, which leaves the
``<span>`` empty; its precise mode then deletes empty elements *with their tail*
(``prune_html``: ``keep_tail`` is off in precision mode), so every paragraph that opens with
an image loses its text (a travel guide kept 84% of its words: each section's first
paragraph was gone). The balanced and recall modes delete the same element and keep its
tail. A table-of-contents plugin's empty anchor in front of each heading
(``<h2><span id="Key_Takeaways"></span>Key Takeaways</h2>``) loses the heading the same way.

:func:`keep_media_tails` moves such a tail to just before the wrapper (the previous sibling's
tail, or the parent's text), where every mode keeps it: the wrapper holds no text, so the
text reads the same, and the image (not part of text output) merely follows it.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.settings import CUT_EMPTY_ELEMS, MANUALLY_CLEANED, MANUALLY_STRIPPED

# What trafilatura's cleaning deletes or unwraps: a wrapper holding only these is empty then.
_CLEANED_TAGS = frozenset((*MANUALLY_CLEANED, *MANUALLY_STRIPPED))
# A caption under an image is written the same way ("<span><img></span>The Sony mirrorless
# system. Photo by: …"), and the precise mode's loss of it is a gain: the block holding the
# wrapper must be paragraph-sized. Tuning pages: captions of 8 to 16 words, the paragraphs a
# travel guide lost 18 to 59.
MIN_PARAGRAPH_WORDS = 20
_WORD = re.compile(r"\w+")
# The wrapper's own tags: inline boxes (a block element's tail starts a new line of text, and
# joining it to the text before would merge two lines).
_INLINE_WRAPPERS = frozenset(("span", "b", "i", "em", "strong")) & CUT_EMPTY_ELEMS


def keep_media_tails(tree: HtmlElement) -> int:
    """Move the tail text of every inline wrapper that trafilatura's cleaning leaves empty (it
    holds only images, ``<noscript>``, ``<picture>``, ``<svg>``… and no text) to just before
    the wrapper, when the block holding it is a paragraph (:data:`MIN_PARAGRAPH_WORDS`), and
    of every empty anchor target (an element with an ``id`` and nothing inside); the number
    of tails moved. Mutates ``tree``."""
    moved = 0
    for element in list(tree.iter(*_INLINE_WRAPPERS)):
        tail = element.tail
        if not tail or not tail.strip():
            continue
        parent = element.getparent()
        if parent is None:
            continue
        if not _is_anchor_marker(element) and not (
            _empties_in_cleaning(element)
            and len(_WORD.findall(parent.text_content())) >= MIN_PARAGRAPH_WORDS
        ):
            continue
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        element.tail = None
        moved += 1
    return moved


def _is_anchor_marker(element: HtmlElement) -> bool:
    """Whether ``element`` is an empty anchor target, an element with an ``id`` and nothing
    inside (``<h2><span class="ez-toc-section" id="Key_Takeaways"></span>Key Takeaways</h2>``,
    as a table-of-contents plugin marks every heading it lists): the text after it is the
    heading's or the paragraph's own, whatever its length."""
    return bool(element.get("id")) and not element.text and len(element) == 0


def _empties_in_cleaning(element: HtmlElement) -> bool:
    """Whether ``element`` holds no text of its own and only elements that trafilatura's
    cleaning deletes or unwraps (each without text outside a deleted one), at least one."""
    if element.text and element.text.strip():
        return False
    children = list(element)
    if not children:
        return False  # an empty box from the page itself: not this case (an icon, an anchor)
    for child in element.iterdescendants():
        if not isinstance(child.tag, str):
            continue  # a comment
        if child.tag not in _CLEANED_TAGS:
            return False
        if child.tail and child.tail.strip():
            return False
        if child.tag in MANUALLY_STRIPPED and child.text and child.text.strip():
            return False  # an unwrapped element's text stays
    return True
