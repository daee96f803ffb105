"""chrome: removes page-chrome lines (ad slugs, newsletter promos, share prompts), lines
repeated back to back, and the comment-form or related-links tail of a page.

Which lines are chrome is data: the ``line`` and ``tail`` rules of ``rules/chrome/``. This
module only decides how they apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from cleaner.document import (
    Document,
    Replacement,
    TextLines,
    apply_replacements,
    count_non_blank_lines,
    line_spans,
    report_timeouts,
)
from cleaner.registry import CHROME, StageSettings
from cleaner.rules.chrome import (
    DEFAULT_MAX_LINE_CHARS,
    PATTERN_TIMEOUT_S,
    REPEATED_LINE_RULE,
    ChromeRuleSet,
    is_repeatable,
)
from cleaner.rules.players import player_removals
from cleaner.rules.text import normalize_line
from cleaner.stages.page_layout import list_item_text

NAME = CHROME
OPTIONS = frozenset({"rules", "drop_repeated_lines"})
DESCRIPTION = "Removes page-chrome lines (ad slugs, newsletter promos, share prompts), back-to-back repeats and comment/related-links tails, from rules/chrome/."

# A tail marker ends the article only in the latter part of a document: "Related Articles"
# near the top is a navigation box, not the end of the story. At least this many article
# lines must stand before the marker for each one after it.
TAIL_MIN_BEFORE_RATIO = 1.0


class Kept(NamedTuple):
    """A line the line rules leave: where it starts and ends (its newline included), and the
    tail marker rule it matches ("" for none). The line itself is not kept: the kept lines of
    a long document would be a second copy of it."""

    offset: int
    end: int
    marker: str


@dataclass(frozen=True)
class ChromeStage:
    rules: ChromeRuleSet
    name: str = NAME
    description: str = DESCRIPTION
    drop_repeated_lines: bool = True

    def __call__(self, doc: Document) -> Document:
        line_rules = self.rules.index("line")
        tail_rules = self.rules.index("tail")
        replacements: list[Replacement] = []
        kept: list[Kept] = []
        previous_kept = ""
        timed_out: set[str] = set()  # rules whose pattern timed out: skipped for this document
        for offset, end in line_spans(doc.text):
            line = doc.text[offset:end]
            stripped = line.strip()
            if not stripped:
                continue
            if len(stripped) > DEFAULT_MAX_LINE_CHARS * 4:
                kept.append(Kept(offset, end, ""))  # prose, and too long to be any rule's
                previous_kept = ""
                continue
            normalized = normalize_line(stripped)
            key = normalized.casefold()
            folded = (key, normalized.lower())
            rule = line_rules.first_match(normalized, timed_out, folded)
            if rule is None and (item := list_item_text(normalized)):
                # A list item is chrome when its text is: the marker must not hide it.
                rule = line_rules.first_match(item, timed_out, (item.casefold(), item.lower()))
            if rule is not None:
                replacements.append(Replacement(offset, offset + len(line), "", rule.rule_id))
                continue
            if self.drop_repeated_lines and key == previous_kept and is_repeatable(key):
                replacements.append(Replacement(offset, offset + len(line), "", REPEATED_LINE_RULE))
                continue
            marker = tail_rules.first_match(normalized, timed_out, folded)
            kept.append(Kept(offset, end, marker.rule_id if marker is not None else ""))
            previous_kept = key
        tail = None
        # Cutting a tail leaves fewer lines after any earlier marker, which may then qualify:
        # cut again until none does, so that cleaning the output again cuts nothing.
        while (found := self._tail(doc.text, kept, timed_out)) is not None:
            tail = found
            kept = [entry for entry in kept if entry.offset < found[0]]
        if tail is not None:
            start, rule_id = tail
            replacements = [r for r in replacements if r.start < start]
            replacements.append(Replacement(start, len(doc.text), "", rule_id))
        removed = sum(count_non_blank_lines(doc.text, r.start, r.end) for r in replacements)
        cleaned = apply_replacements(doc, NAME, replacements, chrome_lines_removed=removed)
        return report_timeouts(cleaned, NAME, timed_out, PATTERN_TIMEOUT_S)

    def _tail(self, text: str, kept: list[Kept], timed_out: set[str]) -> tuple[int, str] | None:
        """Where a comment/related-links tail starts, and the marker rule that says so.

        A marker counts only once at least as many article lines stand before it as after
        it. Counting the lines that stay (not ones the rules remove, nor the player blocks
        the captions stage will remove, found as it finds them at its default similarity)
        keeps the decision the same when the cleaned text is cleaned again.
        """
        if not any(entry.marker for entry in kept):
            return None
        kept_lines = TextLines(text, ((entry.offset, entry.end) for entry in kept))
        players = {r.start for r in player_removals(self.rules, kept_lines, timed_out)}
        article = [not entry.marker and entry.offset not in players for entry in kept]
        article_total = sum(article)
        article_before = 0
        for entry, is_article in zip(kept, article, strict=True):
            if entry.marker:
                article_after = article_total - article_before
                if article_before >= max(article_after, 1) * TAIL_MIN_BEFORE_RATIO:
                    return entry.offset, entry.marker
            if is_article:
                article_before += 1
        return None


def build(settings: StageSettings) -> ChromeStage:
    return ChromeStage(
        rules=settings.chrome_rules(settings.options.get("rules")),
        drop_repeated_lines=bool(settings.options.get("drop_repeated_lines", True)),
    )
