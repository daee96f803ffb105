"""captions: removes video and gallery player blocks: a player line ("Click to play video:
'X'") with the caption lines after it that repeat its caption, even when reworded.

Which lines are player lines is data, the ``player`` rules of ``rules/chrome/``; how a block is
found is :func:`cleaner.rules.players.player_removals`, which the chrome stage asks too.
"""

from __future__ import annotations

from dataclasses import dataclass

from cleaner.document import (
    Document,
    TextLines,
    apply_replacements,
    count_non_blank_lines,
    line_spans,
    report_timeouts,
)
from cleaner.registry import CAPTIONS, StageSettings
from cleaner.rules.chrome import PATTERN_TIMEOUT_S, ChromeRuleSet
from cleaner.rules.players import CAPTION_SIMILARITY, player_removals

NAME = CAPTIONS
OPTIONS = frozenset({"rules", "similarity"})
DESCRIPTION = "Removes video/gallery player lines ('Click to play video: ...') with the caption lines that repeat them, even when reworded."


@dataclass(frozen=True)
class CaptionsStage:
    rules: ChromeRuleSet
    name: str = NAME
    description: str = DESCRIPTION
    similarity: float = CAPTION_SIMILARITY

    def __call__(self, doc: Document) -> Document:
        if not self.rules.of_action("player"):
            return doc
        text = doc.text
        lines = TextLines(
            text, (span for span in line_spans(text) if count_non_blank_lines(text, *span))
        )
        timed_out: set[str] = set()  # rules whose pattern timed out: skipped for this document
        replacements = player_removals(self.rules, lines, timed_out, self.similarity)
        previous = int(doc.metadata.get("chrome_lines_removed", 0))
        cleaned = apply_replacements(
            doc, NAME, replacements, chrome_lines_removed=previous + len(replacements)
        )
        return report_timeouts(cleaned, NAME, timed_out, PATTERN_TIMEOUT_S)


def build(settings: StageSettings) -> CaptionsStage:
    similarity = float(settings.options.get("similarity", CAPTION_SIMILARITY))
    return CaptionsStage(
        rules=settings.chrome_rules(settings.options.get("rules")), similarity=similarity
    )
