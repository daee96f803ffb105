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
- and only when the page holds, between the first and the last of the text runs the output
  keeps, enough runs ending a sentence that the output lacks: the holes the pruning left in
  the article. What the output lacks before or after its span (a sidebar, teasers, comments,
  a footer) is not what the recall run brings back as a switch (tuning pages: a short output
  without such holes is a complete article, or a box the recall mode does not extend);
- its output replaces the precise one when it holds the precise output (the same container,
  not a different box), adds a good share of words to it, and some of those words are in
  sentences or list items, not only in headings, labels and link lines; or, adding less,
  when its additions are sentences and list items between the precise output's first and
  last lines (the holes themselves) and it adds at most as many words around them as in
  them.

Thresholds from the WCXB tuning pages (``bench/extraction_split.json``), swept together; each
comment says what moved them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import ahocorasick

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
# The recall run is asked for only when the page's sentence-ending text runs that the output
# lacks, between the first and last runs it holds, have this many words and this share of the
# output's words: the share mirrors ADDED_TEXT_SHARE (a switch needs that much added text).
# Tuning pages (both benchmarks, the runs the share of text runs asks for): 40 words and 0.1
# asked for 6 of 62 AEB runs and 38 of 122 WCXB runs, keeping 18 of the 20 switches; the two
# left out lost F1 when they switched (AEB d90bda7e -0.11, WCXB 0214 -0.07). Holes measured
# without the share (0.0) asked for 46 WCXB runs for the 0214 switch; 0.15 lost 0455 (+0.11);
# 30 to 60 words gave the same switches.
HOLE_WORDS = 40
HOLE_SHARE = 0.1
# A recall output that adds fewer words than ADDED_SHARE still replaces the precise one when
# it adds this many words of sentences and list items between the first and the last line of
# the precise output, and at most as many words outside them as between them (more outside
# refuses the switch; as many is allowed): those lines fill the holes of the article
# (its pruned key points and steps), not a box around it. Tuning pages (both benchmarks, the
# runs the gates above ask for): two more switches, WCXB 4180 (a list of sleep tips, +0.07
# F1 at the extract stage) and 0101 (a list of findings, +0.06); no switch for the worse
# (60 words kept only 0101; the additions of every switch that lost F1 lie outside the span).
SPAN_ADDED_WORDS = 40
# Up to this many characters searched in all (runs times output length), one search of the
# output per run beats building an Aho-Corasick automaton of the runs (benchmark pages: at
# most 10 million, 3 ms, where the automaton took as long; over the 255 pages that ask, 0.06 s
# against 0.23 s CPU).
DIRECT_SEARCH_CHARS = 50_000_000
# A line of fewer words than this that stops mid-sentence, or at an ellipsis, is an excerpt
# cut short: the teaser of another article (a blurb truncated after a few sentences), not a
# paragraph of this one. A paragraph of the article that an extraction gives whole ends its
# sentence; a longer line without an end is article text laid out without one, not a blurb.
# Tuning pages: 50 words left 0296's blurbs (about 60 words each) counted as prose, and its
# article lost to them (F1 0.62; 0.98 at 100 words); without a limit, 4858 lost its article
# (its precise output empty, its balanced one a single line of 5,005 words ending at a byline).
CUT_SHORT_WORDS = 100
_SENTENCE_END = (".", "!", "?", '"', "\u201d", ")", "\u2019", ":")
_ELLIPSIS = ("\u2026", "...")
_WORD = re.compile(r"\w+")


def is_prose(line: str) -> bool:
    """Whether a line of many words reads as sentences: it ends one, or holds two."""
    return line.rstrip().endswith(_SENTENCE_END) or line.count(". ") >= 2


def is_cut_short(line: str, words: Sequence[str]) -> bool:
    """Whether ``line`` (its ``words`` found by ``\\w+``) is an excerpt cut short: under
    :data:`CUT_SHORT_WORDS` words, ending mid-sentence or at an ellipsis. Such lines are the
    blurbs of other articles in a teaser list; another extraction adding them adds no article.

    >>> blurb = "Filing a claim can feel endless. Our lawyers help you through the"
    >>> is_cut_short(blurb, blurb.split())
    True
    >>> teaser = "The court ruled on the appeal. What it means for your family and your home..."
    >>> is_cut_short(teaser, teaser.split())
    True
    >>> sentence = "The court ruled on the appeal. Families may now file a new claim."
    >>> is_cut_short(sentence, sentence.split())
    False
    """
    if len(words) >= CUT_SHORT_WORDS:
        return False
    end = line.rstrip()
    return end.endswith(_ELLIPSIS) or not end.endswith(_SENTENCE_END)


def reads_as_text(line: str, words: list[str]) -> bool:
    """Whether an output line is article text: a sentence-length line, or a list item that
    ends a sentence (a teaser link in a list of related stories is a headline and a blurb,
    without a full stop). A table line is neither: a layout table may hold a whole page."""
    line = line.lstrip()
    if line.startswith("|"):
        return False
    return is_prose(line) and (line.startswith("- ") or len(words) >= PROSE_LINE_WORDS)


def _line_key(line: str) -> str:
    """A line as two extractions both write it: without its list marker and spacing."""
    line = line.strip()
    return " ".join(line.removeprefix("- ").split())


def added_in_span(
    precise: Counter[str], precise_lines: set[str], recalled_lines: Sequence[str]
) -> tuple[int, int]:
    """Words the recall output's lines (``recalled_lines``, lower-cased, in order) add to the
    precise output (its words ``precise``, its lines ``precise_lines`` as :func:`_line_key`
    gives them): those of sentences and list items between the first and the last line the two
    share, and those of any line outside that span.

    >>> precise = ["the council met on monday.", "the vote comes in april."]
    >>> recalled = ["home", precise[0], "- the roads get new lights.", precise[1], "contact us"]
    >>> words = Counter(_WORD.findall(" ".join(precise)))
    >>> added_in_span(words, {_line_key(line) for line in precise}, recalled)
    (4, 3)
    """
    held = [index for index, line in enumerate(recalled_lines) if _line_key(line) in precise_lines]
    if not held:
        return 0, sum(len(_WORD.findall(line)) for line in recalled_lines)
    first, last = held[0], held[-1]
    inside = Counter(
        word
        for line in recalled_lines[first + 1 : last]
        if _line_key(line) not in precise_lines
        and reads_as_text(line, words := _WORD.findall(line))
        for word in words
    )
    outside = Counter(
        word
        for line in (*recalled_lines[:first], *recalled_lines[last + 1 :])
        for word in _WORD.findall(line)
    )
    return sum((inside - precise).values()), sum((outside - precise).values())


def may_be_short(text: str, page_text_runs: int) -> bool:
    """Whether ``text``, the extraction of a page with ``page_text_runs`` characters of text
    runs (``text_runs`` in :mod:`cleaner.stages.html_extraction`), is short enough of the
    page's text that the recall mode may find more of the article."""
    return len(text) < TEXT_RUN_SHARE * page_text_runs


def hole_words(text: str, runs: Sequence[str]) -> int:
    """Words of the page's text ``runs`` (in document order) that end a sentence and that
    ``text`` lacks, between the first and the last run it holds; every such run when it holds
    none.

    >>> runs = ["The council met on Monday to vote on the budget.",
    ...         "The roads of the north district get new lights this year.",
    ...         "The schools get a new roof before the winter comes.",
    ...         "Read our other stories about the council and its budget."]
    >>> hole_words("The council met on Monday to vote on the budget.\\n"
    ...            "The schools get a new roof before the winter comes.", runs)
    11
    """
    # A run and the output differ in their spacing; the extract stage wrote every "&" of the
    # tree as "&amp;" (trafilatura unescapes its output).
    flat = " ".join(text.split())
    runs = [" ".join(run.replace("&amp;", "&").split()) for run in runs]
    found = held_runs(flat, runs)
    held = [index for index, run in enumerate(runs) if run in found]
    first, last = (held[0], held[-1]) if held else (-1, len(runs))
    return sum(
        len(_WORD.findall(run))
        for run in runs[first + 1 : last]
        if run.endswith(_SENTENCE_END) and run not in found
    )


def held_runs(flat: str, runs: Sequence[str]) -> set[str]:
    """The ``runs`` that occur in ``flat`` (``run in flat`` for each), in one pass over
    ``flat`` when searching it once per run would cost more (a page of 20,000 runs and a 1 MB
    output: 20,000 searches of the output)."""
    found = {""}
    if len(runs) * len(flat) <= DIRECT_SEARCH_CHARS:
        found.update(run for run in runs if run in flat)
        return found
    automaton = ahocorasick.Automaton()
    for run in runs:
        if run:
            automaton.add_word(run, run)
    if len(automaton) == 0:
        return found
    automaton.make_automaton()
    for _, run in automaton.iter(flat):
        found.add(run)
    return found


def may_hold_pruned_text(text: str, runs: Sequence[str]) -> bool:
    """Whether the page's text ``runs`` that ``text`` lacks inside its span are enough for
    the recall mode's output to replace it (:func:`hole_words`)."""
    output_words = len(_WORD.findall(text))
    return hole_words(text, runs) >= max(HOLE_WORDS, HOLE_SHARE * output_words)


def recall_reason(precise: str, recalled: str) -> str:
    """Why the recall mode's output should replace the precise one ("" when it should not):
    it holds the precise output and adds a good share of words, some in sentences and list
    items; or it adds at least :data:`SPAN_ADDED_WORDS` words of sentences and list items
    inside the precise output's span and at most as many words outside it as inside
    (:func:`added_in_span`).

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
    if kept < KEPT_SHARE * precise_total:
        return ""
    if added >= max(ADDED_SHARE * precise_total, 1):
        text_words = Counter(
            word
            for line in recalled_lines
            if reads_as_text(line, words := _WORD.findall(line))
            for word in words
        )
        added_text = sum((text_words - precise_words).values())
        if added_text >= max(ADDED_TEXT_WORDS, ADDED_TEXT_SHARE * precise_total):
            return (
                f"the recall extraction holds the precise one and adds {added} words"
                f" ({added_text} in sentences and list items) to its {precise_total}"
            )
    precise_lines = {_line_key(line) for line in precise.lower().splitlines()} - {""}
    inside, outside = added_in_span(precise_words, precise_lines, recalled_lines)
    if inside < SPAN_ADDED_WORDS or outside > inside:
        return ""
    return (
        f"the recall extraction holds the precise one and adds {inside} words of sentences and"
        f" list items inside its span ({outside} outside) to its {precise_total}"
    )
