"""chrome: removes page-chrome lines (ad slugs, newsletter promos, share prompts), lines
repeated back to back, and the comment-form or related-links tail of a page.

Which lines are chrome is data: the ``line`` and ``tail`` rules of ``rules/chrome/``. This
module only decides how they apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cleaner.document import Document, Replacement, apply_replacements
from cleaner.registry import StageSettings
from cleaner.rules.chrome import (
    DEFAULT_MAX_LINE_CHARS,
    PATTERN_TIMEOUT_S,
    ChromeRuleSet,
    lines_with_offsets,
    load_chrome_rules,
    normalize_line,
)
from cleaner.rules.repair import report_timeouts

NAME = "chrome"
DESCRIPTION = "Removes page-chrome lines (ad slugs, newsletter promos, share prompts), back-to-back repeats and comment/related-links tails, from rules/chrome/."

REPEATED_LINE_RULE = "chrome.repeated-line"
# A repeated short line ("Yes." "Yes.") can be real dialogue; a repeated sentence of several
# words back to back is a scraping artefact.
MIN_WORDS_FOR_REPEAT = 4
# A tail marker ends the article only in the latter part of a document: "Related Articles"
# near the top is a navigation box, not the end of the story. At least this many article
# lines must stand before the marker for each one after it.
TAIL_MIN_BEFORE_RATIO = 1.0


def is_repeatable(line_key: str) -> bool:
    """Whether a line is long enough that a copy of it right after it is an artefact."""
    return len(line_key.split()) >= MIN_WORDS_FOR_REPEAT


@dataclass(frozen=True)
class ChromeStage:
    rules: ChromeRuleSet
    name: str = NAME
    description: str = DESCRIPTION
    drop_repeated_lines: bool = True

    def __call__(self, doc: Document) -> Document:
        line_rules = self.rules.index("line")
        player_rules = self.rules.index("player")
        tail_rules = self.rules.index("tail")
        replacements: list[Replacement] = []
        # (offset, tail marker rule id or "", counts as article text) for lines that stay
        kept: list[tuple[int, str, bool]] = []
        previous_kept = ""
        after_player = False
        timed_out: set[str] = set()  # rules whose pattern timed out: skipped for this document
        for offset, line in lines_with_offsets(doc.text):
            stripped = line.strip()
            if not stripped:
                continue
            if len(stripped) > DEFAULT_MAX_LINE_CHARS * 4:
                kept.append((offset, "", True))  # prose, and too long to be any rule's
                previous_kept, after_player = "", False
                continue
            normalized = normalize_line(stripped)
            key = normalized.casefold()
            folded = (key, normalized.lower())
            rule = line_rules.first_match(normalized, timed_out, folded)
            if rule is not None:
                replacements.append(Replacement(offset, offset + len(line), "", rule.rule_id))
                continue
            if self.drop_repeated_lines and key == previous_kept and is_repeatable(key):
                replacements.append(Replacement(offset, offset + len(line), "", REPEATED_LINE_RULE))
                continue
            # Player lines and the caption after them are removed later by the captions
            # stage; they must not count as article when judging where a page's tail starts.
            is_player = player_rules.first_match(normalized, timed_out, folded) is not None
            marker = tail_rules.first_match(normalized, timed_out, folded)
            marker_id = marker.rule_id if marker is not None else ""
            kept.append((offset, marker_id, not (is_player or after_player or marker_id)))
            previous_kept, after_player = key, is_player
        tail = None
        # Cutting a tail leaves fewer lines after any earlier marker, which may then qualify:
        # cut again until none does, so that cleaning the output again cuts nothing.
        while (found := self._tail(kept)) is not None:
            tail = found
            kept = [entry for entry in kept if entry[0] < found[0]]
        if tail is not None:
            start, rule_id = tail
            replacements = [r for r in replacements if r.start < start]
            replacements.append(Replacement(start, len(doc.text), "", rule_id))
        removed = sum(
            sum(1 for line in doc.text[r.start : r.end].split("\n") if line.strip())
            for r in replacements
        )
        cleaned = apply_replacements(doc, NAME, replacements, chrome_lines_removed=removed)
        return report_timeouts(cleaned, NAME, timed_out, PATTERN_TIMEOUT_S)

    @staticmethod
    def _tail(kept: list[tuple[int, str, bool]]) -> tuple[int, str] | None:
        """Where a comment/related-links tail starts, and the marker rule that says so.

        A marker counts only once at least as many article lines stand before it as after
        it. Counting the lines that stay (not ones the rules remove) keeps the decision the
        same when the cleaned text is cleaned again.
        """
        article_total = sum(1 for _, _, article in kept if article)
        article_before = 0
        for offset, marker_id, article in kept:
            if marker_id:
                article_after = article_total - article_before
                if article_before >= max(article_after, 1) * TAIL_MIN_BEFORE_RATIO:
                    return offset, marker_id
            if article:
                article_before += 1
        return None


def build(settings: StageSettings) -> ChromeStage:
    root = settings.options.get("rules", settings.rules_dir / "chrome")
    return ChromeStage(
        rules=load_chrome_rules(Path(root)),
        drop_repeated_lines=bool(settings.options.get("drop_repeated_lines", True)),
    )
