"""repeated_blocks: an article that a page holds more than once comes out once.

Some pages carry their article two or three times (a copy per screen size, a print copy, a
"full story" panel), and trafilatura extracts every copy: on the WCXB tuning pages a cost
guide came out three times over (precision 0.34) and a lesson list twice. A copy shows in the
output as a run of consecutive lines that all repeat earlier lines and hold at least
:data:`REPEATED_BLOCK_PARAGRAPHS` prose paragraphs; such a run goes. A single repeated
paragraph (a pull quote, a refrain, a summary box that restates one point) stays, and so do
repeated short lines (headings, list items, table rows) and repeated data, which articles
repeat on purpose.
"""

from __future__ import annotations

import re

# A line this long is a prose paragraph, not a heading, label or list entry (the extract
# stage's measure of page prose uses the same length)...
REPEATED_PARAGRAPH_CHARS = 80
# ...and it ends a sentence: a copy of an article repeats its prose, while a page's repeated
# data does not (AEB tuning: a meal plan that lists the same long meal lines on each day kept
# its F1 only with this test).
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")
# List items and table rows do not count: the same entry under two headings (an address for
# mail and for visits, one trip's terms in two offers) is the article's structure, not a copy.
_ITEM_MARKERS = ("- ", "* ", "| ")
# Two repeated paragraphs in a row are a copied block; one alone may be a pull quote (tuning
# pages: one-paragraph runs are repeats that the gold text keeps as often as not).
REPEATED_BLOCK_PARAGRAPHS = 2


def drop_repeated_blocks(text: str) -> str:
    """``text`` without the runs of lines that copy earlier text.

    A run is a stretch of consecutive lines each of which (stripped) appeared earlier in the
    text; blank lines inside it do not end it. It is dropped when it holds
    :data:`REPEATED_BLOCK_PARAGRAPHS` or more prose paragraphs: lines of
    :data:`REPEATED_PARAGRAPH_CHARS` or more characters that end a sentence and are not list
    items or table rows.

    >>> one, two = "First paragraph. " * 6, "Second paragraph. " * 6
    >>> drop_repeated_blocks("\\n".join([one, two, "Share", one, two])).splitlines()[2]
    'Share'
    >>> drop_repeated_blocks("\\n".join([one, two, "Share", one, two])).count("\\n")
    2
    """
    lines = text.split("\n")
    seen: set[str] = set()
    repeated: list[bool | None] = []  # None: a blank line, which neither starts nor ends a run
    for line in lines:
        key = line.strip()
        repeated.append(None if not key else key in seen)
        seen.add(key)
    keep = [True] * len(lines)
    start = 0
    while start < len(lines):
        if not repeated[start]:
            start += 1
            continue
        end = start
        while end < len(lines) and repeated[end] is not False:
            end += 1
        while end > start and repeated[end - 1] is None:
            end -= 1  # blank lines after the run belong to what follows
        paragraphs = sum(1 for line in lines[start:end] if _is_paragraph(line.strip()))
        if paragraphs >= REPEATED_BLOCK_PARAGRAPHS:
            first = start
            while first > 0 and repeated[first - 1] is None:
                first -= 1  # the blank lines that set the copy apart go with it
            keep[first:end] = [False] * (end - first)
        start = end
    if all(keep):
        return text
    return "\n".join(line for line, kept in zip(lines, keep, strict=True) if kept)


def _is_paragraph(line: str) -> bool:
    return (
        len(line) >= REPEATED_PARAGRAPH_CHARS
        and not line.startswith(_ITEM_MARKERS)
        and _SENTENCE_END.search(line) is not None
    )
