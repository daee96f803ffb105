"""captions: removes video and gallery player blocks: a player line ("Click to play video:
'X'") with the caption lines after it that repeat its caption, even when reworded.

Which lines are player lines is data, the ``player`` rules of ``rules/chrome/``; how a block is
found is :func:`cleaner.rules.players.player_removals`, which the chrome stage asks too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cleaner.document import (
    Document,
    Replacement,
    TextLines,
    apply_replacements,
    report_timeouts,
)
from cleaner.registry import CAPTIONS, StageSettings
from cleaner.rules.chrome import PATTERN_TIMEOUT_S, ChromeRuleSet
from cleaner.rules.players import CAPTION_SIMILARITY, player_removals

NAME = CAPTIONS
# A line (its newline included) holding more than white space; "^" and "$" of the stdlib
# re's MULTILINE mode, like line_spans, take only "\n" for a line end.
_NON_BLANK_LINE = re.compile(r"^[^\S\n]*\S[^\n]*\n?", re.MULTILINE)
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
        timed_out: set[str] = set()  # rules whose pattern timed out: skipped for this document
        # Most documents hold no line a player rule could match: one pass over the text
        # tells, and spares cutting and normalising every line.
        candidates = self.rules.index("player").candidate_line_starts(text)
        replacements: list[Replacement] = []
        if candidates is None or candidates:
            lines = TextLines(text, (m.span() for m in _NON_BLANK_LINE.finditer(text)))
            replacements = player_removals(
                self.rules, lines, timed_out, self.similarity, candidates
            )
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
