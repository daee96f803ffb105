"""When trafilatura's recall mode gives the article that the precise extraction cut short.

The precise extraction (and trafilatura's balanced one) keeps the right container but prunes
parts of it that a reader counts as the article: the bulleted key points of a guide, a list of
principles, the items of a ranked list, a paragraph in a <div> beside the <p> elements. Its
output is then a clean subset of the article, and no box from elsewhere: the balanced
fallback (``fallback_reason`` in :mod:`cleaner.stages.html_extraction`) does not fire, since
the balanced mode prunes the same parts. trafilatura's recall mode keeps them.

The decision reads the page and the two outputs:

- the recall run is asked for only when the precise output is short of the page's prose
  (its text runs of a sentence or more, wherever they sit), so pages whose output holds their
  text cost nothing more;
- its output replaces the precise one when it holds the precise output (the same container,
  not a different box), adds a good share of words to it, and some of those words are in
  sentences or list items, not only in headings, labels and link lines.

Thresholds from the WCXB tuning pages (``bench/extraction_split.json``), swept together; each
comment says what moved them.
"""

from __future__ import annotations

import re
from collections import Counter

# The recall run is tried when the output is shorter than this share of the page's text runs
# (tuning pages: 0.7 asked for it on 84 of 496 pages, 0.8 on 124 for 0.0008 more macro F1,
# 1.0 on 327 pages for nothing more).
TEXT_RUN_SHARE = 0.8
# The recall output must hold this share of the precise output's words: it extends the same
# article rather than replacing it with something else (tuning pages: 0.9 to 0.98 gave the
# same switches).
KEPT_SHARE = 0.95
# ...and add at least this share of the precise output's words (tuning pages: 0.15 switched
# 6 pages more, 1 of them for the worse, for 0.0004; 0.3 lost 3 good switches)...
ADDED_SHARE = 0.2
# ...of which this many, and this share of the precise output's words, are in prose lines or
# list items that end a sentence: headings, table cells, teaser links and the words of a
# subscribe box are what the precise pruning is right to drop (tuning pages: an AEB news
# page gained 190 words of which 49 (0.08) in sentences, a subscribe box and teasers, and
# lost 0.10 F1; one WCXB page gained 0.07 F1 with the same share, the others 0.18 or more).
ADDED_TEXT_WORDS = 20
ADDED_TEXT_SHARE = 0.1
# A line of output is prose when it has this many words and ends a sentence: what another
# extraction adds in such lines is article (or comment) text, not navigation.
PROSE_LINE_WORDS = 12
_SENTENCE_END = (".", "!", "?", '"', "\u201d", ")", "\u2019", ":")
_WORD = re.compile(r"\w+")


def is_prose(line: str) -> bool:
    """Whether a line of many words reads as sentences: it ends one, or holds two."""
    return line.rstrip().endswith(_SENTENCE_END) or line.count(". ") >= 2


def reads_as_text(line: str, words: list[str]) -> bool:
    """Whether an output line is article text: a sentence-length line, or a list item that
    ends a sentence (a teaser link in a list of related stories is a headline and a blurb,
    without a full stop). A table line is neither: a layout table may hold a whole page."""
    line = line.lstrip()
    if line.startswith("|"):
        return False
    return is_prose(line) and (line.startswith("- ") or len(words) >= PROSE_LINE_WORDS)


def may_be_short(text: str, page_text_runs: int) -> bool:
    """Whether ``text``, the extraction of a page with ``page_text_runs`` characters of text
    runs (``text_run_chars``), is short enough of the page's text that the recall mode may find
    more of the article."""
    return len(text) < TEXT_RUN_SHARE * page_text_runs


def recall_reason(precise: str, recalled: str) -> str:
    """Why the recall mode's output should replace the precise one ("" when it should not).

    >>> precise = "The council met on Monday to vote on the budget for the schools."
    >>> points = [f"- Point {n}: the roads of the north district get new lights." for n in (1, 2)]
    >>> bool(recall_reason(precise, "\\n".join([precise, *points])))
    True
    >>> recall_reason(precise, precise + "\\nHome\\nNews\\nContact us")
    ''
    """
    precise_words = Counter(_WORD.findall("\n".join(dict.fromkeys(precise.lower().splitlines()))))
    recalled_lines = list(dict.fromkeys(recalled.lower().splitlines()))
    recalled_words = Counter(_WORD.findall("\n".join(recalled_lines)))
    precise_total = sum(precise_words.values())
    kept = sum((precise_words & recalled_words).values())
    added = sum((recalled_words - precise_words).values())
    if kept < KEPT_SHARE * precise_total or added < max(ADDED_SHARE * precise_total, 1):
        return ""
    text_words = Counter(
        word
        for line in recalled_lines
        if reads_as_text(line, words := _WORD.findall(line))
        for word in words
    )
    added_text = sum((text_words - precise_words).values())
    if added_text < max(ADDED_TEXT_WORDS, ADDED_TEXT_SHARE * precise_total):
        return ""
    return (
        f"the recall extraction holds the precise one and adds {added} words"
        f" ({added_text} in sentences and list items) to its {precise_total}"
    )
