"""tidy: the layout pass. Trailing white space goes, runs of blank lines become one blank line,
leading and trailing blank lines go (a text that ended with a newline keeps one; none is
added, even when the last line was chrome that a line stage removed: the edit log tells how
the text the line stages received ended), and a site section suffix (" – National",
" | Reuters") leaves the title line and the title in the metadata. With Markdown output, the
markers of an HTML page's headings, numbered items, quotes, code fences (with the code's blank
lines), escaped "|" of table cells and hard line breaks (a ``<br>``) that the extract stage
recorded (:mod:`cleaner.stages.page_layout`) are written here, after every other stage; with
plain-text output, the few that keep the page's text whole (a numbered list's numbers, the
escaped "|", a code block's blank lines).

A suffix is recognised by a ``title-suffix`` rule of ``rules/chrome/`` or, for HTML pages, by
the site name trafilatura found. Only the first line is treated as a title, and only when it
looks like one: short, set apart by a blank line or alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cleaner.document import (
    Document,
    Edit,
    Replacement,
    apply_replacements,
    line_spans,
    report_timeouts,
)
from cleaner.registry import TIDY, StageSettings
from cleaner.rules.chrome import PATTERN_TIMEOUT_S, ChromeRuleSet
from cleaner.rules.text import TITLE_SEPARATORS
from cleaner.stages.code_lines import CODE_LINES_KEY
from cleaner.stages.page_layout import (
    LAYOUT_KEYS,
    LINE_BREAKS_KEY,
    MARKDOWN_KEY,
    hard_break_insertions,
    marker_insertions,
)

NAME = TIDY
OPTIONS = frozenset({"rules"})
DESCRIPTION = (
    "Layout: trims trailing spaces, collapses blank-line runs, removes a section suffix "
    "(' – National') from the title; writes Markdown markers when asked."
)

# Longer than this, a first line is a paragraph, not a headline.
MAX_TITLE_CHARS = 250
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+$", re.M)
_SPACE_BEFORE_NEWLINE = (" \n", "\t\n", "\u00a0\n")
# The same white space as a trailing space: a line holding only a no-break space is blank,
# or trimming it would leave a blank run that only a second cleaning collapses.
_BLANK_RUN = re.compile(r"\n(?:[ \t\u00a0]*\n){2,}")


@dataclass(frozen=True)
class TidyStage:
    rules: ChromeRuleSet
    name: str = NAME
    description: str = DESCRIPTION

    def __call__(self, doc: Document) -> Document:
        text = doc.text
        # Blank lines before the first visible line and white space after the last visible
        # character are handled once, by the leading/final edits; the other layout edits look
        # only at the text between. The first line keeps its indentation: it can be meaning
        # (an indented code line, which the repair stage leaves alone).
        end = len(text.rstrip())
        start = text.rfind("\n", 0, len(text) - len(text.lstrip())) + 1 if end else 0
        replacements = []
        # The pattern is tried at every space of the text; most texts have no trailing space
        # at all, which a look for a space before a newline tells (before ``end`` the text
        # has a visible character, so a trailing space always stands before a newline).
        if any(space in text for space in _SPACE_BEFORE_NEWLINE):
            replacements = [
                Replacement(m.start(), m.end(), "", "tidy.trailing-space")
                for m in _TRAILING_SPACE.finditer(text, start, end)
            ]
        replacements += [
            Replacement(m.start(), m.end(), "\n\n", "tidy.blank-lines")
            for m in _BLANK_RUN.finditer(text, start, end)
        ]
        if start:
            replacements.append(Replacement(0, start, "", "tidy.leading-blank"))
        # White space after the last line ends in one newline, or none when it holds none:
        # a text with no final newline (a JSONL field, a string given to the library) is
        # clean as it is, and comes out unchanged.
        # The convention is the one of the text the line stages received: a last line they
        # removed ("Share this article", with or without its newline) leaves the newline
        # before it, which is not the input's.
        ends_with_newline = "\n" in text[end:]
        received = _received_ending(doc.edits, len(text))
        if received is not None:
            ends_with_newline = received
        ending = "\n" if end and ends_with_newline else ""
        if text[end:] != ending:
            replacements.append(Replacement(end, len(text), ending, "tidy.final-newline"))
        timed_out: set[str] = set()  # rules whose pattern timed out: skipped for this document
        title = self._title_suffix(text, start, doc.metadata, timed_out)
        if title is not None:
            replacements.append(title)
        metadata: dict[str, Any] = {}
        meta_title = doc.metadata.get("title")
        if isinstance(meta_title, str):
            trimmed, _ = self.strip_suffix(meta_title, doc.metadata.get("sitename"), timed_out)
            if trimmed != meta_title:
                metadata["title"] = trimmed
        tidied = apply_replacements(doc, NAME, _without_overlaps(replacements), **metadata)
        markers = doc.metadata.get(MARKDOWN_KEY)
        markers = markers if isinstance(markers, list | tuple) else ()
        broken = doc.metadata.get(LINE_BREAKS_KEY)
        broken = broken if isinstance(broken, list | tuple) else ()
        if markers or broken:
            # Written on the laid-out text, as a second set of edits: a closing fence sits at
            # the end of a code line, where a layout edit (the final newline, a blank-line
            # run) may start, and one of the two would be dropped as overlapping.
            laid_out = tidied.text
            lines = [(offset, laid_out[offset:end]) for offset, end in line_spans(laid_out)]
            tidied = apply_replacements(
                tidied,
                NAME,
                [
                    *(
                        Replacement(begin, end, marker, "tidy.markdown")
                        for begin, end, marker in marker_insertions(lines, markers)
                    ),
                    *(
                        Replacement(begin, end, marker, "tidy.line-break")
                        for begin, end, marker in hard_break_insertions(lines, broken)
                    ),
                ],
            )
        done = (*LAYOUT_KEYS, CODE_LINES_KEY)
        if any(key in tidied.metadata for key in done):
            # Written into the text now (the markers, the line breaks), or read by the grammar
            # stage (the code lines): the lists have done their work.
            kept = {k: v for k, v in tidied.metadata.items() if k not in done}
            tidied = Document(text=tidied.text, metadata=kept, edits=tidied.edits)
        return report_timeouts(tidied, NAME, timed_out, PATTERN_TIMEOUT_S)

    def _title_suffix(
        self, text: str, start: int, metadata: Mapping[str, Any], timed_out: set[str]
    ) -> Replacement | None:
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        line = text[start:end].rstrip()
        next_end = text.find("\n", end + 1)
        next_line = text[end + 1 : len(text) if next_end == -1 else next_end]
        if not line or len(line) > MAX_TITLE_CHARS or next_line.strip():
            return None
        trimmed, rule_id = self.strip_suffix(line, metadata.get("sitename"), timed_out)
        if trimmed == line:
            return None
        # Without its suffix the line would be chrome ("Story continues below advertisement
        # – National"), which the chrome stage would remove on a second cleaning: keep it
        # whole, so that cleaning the output again changes nothing.
        if self.rules.line_rule(trimmed, timed_out) is not None:
            return None
        return Replacement(start + len(trimmed), start + len(line), "", rule_id)

    def strip_suffix(
        self, title: str, sitename: object = None, timed_out: set[str] | None = None
    ) -> tuple[str, str]:
        """``title`` without its section suffix, and the id of the rule that found it.

        A rule whose pattern times out is added to ``timed_out`` and skipped (without
        ``timed_out``, :class:`~cleaner.rules.chrome.PatternTimeout` is raised).
        Stacked suffixes ("X – National | Reuters") all go, so that the result has none left
        for a second cleaning to find."""
        trimmed, rule_id = self._strip_one_suffix(title, sitename, timed_out)
        while trimmed.strip():
            again, _ = self._strip_one_suffix(trimmed, sitename, timed_out)
            if again == trimmed or not again.strip():
                break
            trimmed = again
        return trimmed, rule_id

    def _strip_one_suffix(
        self, title: str, sitename: object, timed_out: set[str] | None
    ) -> tuple[str, str]:
        for rule in self.rules.of_action("title-suffix"):
            found = rule.search(title, timed_out)
            if found and found.end() == len(title) and found.start() > 0:
                return title[: found.start()].rstrip(), rule.rule_id
        if isinstance(sitename, str) and sitename.strip():
            for separator in TITLE_SEPARATORS:
                suffix = separator + sitename.strip()
                if title.endswith(suffix) and len(title) > len(suffix):
                    return title[: -len(suffix)].rstrip(), "tidy.title-sitename"
        return title, ""


def _received_ending(edits: tuple[Edit, ...], length: int) -> bool | None:
    """Whether the text the text stages received ended with a newline, read back from the
    edit log (the text tidy receives has ``length`` characters); None when the log does not
    tell (no edit reached the end, or one inserted text there).

    Each stage's edits are offsets into the text that stage received, in order, so going
    back stage by stage gives the length each stage received, and the last edit of a stage
    that reaches that end holds what the end was before it (its ``before``). The walk stops
    at an edit that replaced the whole text (the extract stage's text from a page): the
    convention is that of the text it produced, not of the HTML file.
    """
    applied = [edit for edit in edits if edit.applied]
    ending: bool | None = None
    position = len(applied)
    while position:
        stage = applied[position - 1].stage
        first = position - 1
        while first and applied[first - 1].stage == stage:
            first -= 1
        group = applied[first:position]
        position = first
        received = length - sum(len(edit.after) - len(edit.before) for edit in group)
        last = group[-1]
        if received < 0 or last.end > received:
            return None  # not one pass over the text: the log cannot be read back
        if last.end == received:
            if last.start == 0:
                return ending
            if not last.before:
                return None
            ending = last.before.endswith("\n")
        length = received
    return ending


def _without_overlaps(replacements: list[Replacement]) -> list[Replacement]:
    kept: list[Replacement] = []
    for rep in sorted(replacements, key=lambda r: (r.start, -r.end)):
        if kept and rep.start < kept[-1].end:
            continue
        kept.append(rep)
    return kept


def build(settings: StageSettings) -> TidyStage:
    return TidyStage(rules=settings.chrome_rules(settings.options.get("rules")))
