"""captions: removes video and gallery player blocks.

A player line ("Click to play video: 'X'", "Watch: X", "Video: X") is followed on many sites by
a caption that repeats X, sometimes reworded by a spinner ("have no choice" -> "haven't any
alternative"). Both go. Which lines are player lines is data: the ``player`` rules of
``rules/chrome/``; a rule marked ``standalone`` removes its player line even when no caption
follows, the others only as part of a player block (so an article line starting "Watch:" stays
unless its words are repeated right after it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from cleaner.document import Document, Replacement, apply_replacements
from cleaner.registry import StageSettings
from cleaner.rules.chrome import (
    PATTERN_TIMEOUT_S,
    REPEATED_LINE_RULE,
    ChromeRuleSet,
    is_repeatable,
    lines_with_offsets,
    load_chrome_rules,
    normalize_line,
)
from cleaner.rules.repair import report_timeouts

NAME = "captions"
OPTIONS = frozenset({"rules", "similarity"})
DESCRIPTION = "Removes video/gallery player lines ('Click to play video: ...') with the caption lines that repeat them, even when reworded."

# Similarity (rapidfuzz ratio, 0-100) above which a line is taken as the player's caption
# repeated. Spinner rewording of a 10-word caption typically keeps it in the 80s; unrelated
# sentences of similar length score below 60.
CAPTION_SIMILARITY = 75.0
# How many non-blank lines after a player line may hold its caption.
CAPTION_LOOKAHEAD = 2
CAPTION_RULE_SUFFIX = ".caption"
_WORDS = re.compile(r"\w+")


def caption_similarity(caption: str, line: str) -> float:
    """How alike a player's caption and a candidate line are, ignoring case and punctuation."""
    left = " ".join(_WORDS.findall(normalize_line(caption).casefold()))
    right = " ".join(_WORDS.findall(normalize_line(line).casefold()))
    if not left or not right:
        return 0.0
    return float(fuzz.ratio(left, right))


@dataclass(frozen=True)
class CaptionsStage:
    rules: ChromeRuleSet
    name: str = NAME
    description: str = DESCRIPTION
    similarity: float = CAPTION_SIMILARITY

    def __call__(self, doc: Document) -> Document:
        if not self.rules.of_action("player"):
            return doc
        lines = [(o, line) for o, line in lines_with_offsets(doc.text) if line.strip()]
        timed_out: set[str] = set()  # rules whose pattern timed out: skipped for this document
        replacements = self.removals(lines, timed_out)
        previous = int(doc.metadata.get("chrome_lines_removed", 0))
        cleaned = apply_replacements(
            doc, NAME, replacements, chrome_lines_removed=previous + len(replacements)
        )
        return report_timeouts(cleaned, NAME, timed_out, PATTERN_TIMEOUT_S)

    def removals(self, lines: list[tuple[int, str]], timed_out: set[str]) -> list[Replacement]:
        """What this stage removes from a text whose non-blank lines are ``lines``
        (offset, line with its newline): player blocks, and the copies their removal makes
        neighbours. The chrome stage asks too, to know which lines will not stay."""
        replacements: list[Replacement] = []
        captions: set[int] = set()
        previous_kept = ""
        removed_since_kept = False
        for index, (offset, line) in enumerate(lines):
            if index in captions:
                removed_since_kept = True
                continue
            normalized = normalize_line(line)
            block = self._player_block(lines, index, normalized, timed_out)
            if block is not None:
                block_replacements, caption_index = block
                replacements.extend(block_replacements)
                captions.add(caption_index)
                removed_since_kept = True
                continue
            key = normalized.casefold()
            if removed_since_kept and key == previous_kept and is_repeatable(key):
                # Removing the player made an article line and its copy neighbours; the chrome
                # stage drops such copies, and would have had they been neighbours already.
                replacements.append(Replacement(offset, offset + len(line), "", REPEATED_LINE_RULE))
                continue
            previous_kept = key
            removed_since_kept = False
        return replacements

    def _player_block(
        self, lines: list[tuple[int, str]], index: int, normalized: str, timed_out: set[str]
    ) -> tuple[list[Replacement], int] | None:
        """The removals for a player block starting at ``lines[index]``, and the index of
        its caption line (``index`` itself when there is none)."""
        offset, line = lines[index]
        folded = (normalized.casefold(), normalized.lower())
        for rule in self.rules.index("player").candidates(normalized, folded):
            found = rule.matches(normalized, timed_out, folded)
            if found is None or isinstance(found, bool):
                continue  # no match, or an exact line: no caption to look for
            repeat = self._caption_after(lines, index, found.group("caption"))
            if repeat is None and not rule.standalone:
                continue
            removals = [Replacement(offset, offset + len(line), "", rule.rule_id)]
            if repeat is None:
                return removals, index
            rep_offset, rep_line = lines[repeat]
            removals.append(
                Replacement(
                    rep_offset, rep_offset + len(rep_line), "", rule.rule_id + CAPTION_RULE_SUFFIX
                )
            )
            return removals, repeat
        return None

    def _caption_after(self, lines: list[tuple[int, str]], index: int, caption: str) -> int | None:
        for candidate in range(index + 1, min(index + 1 + CAPTION_LOOKAHEAD, len(lines))):
            if caption_similarity(caption, lines[candidate][1]) >= self.similarity:
                return candidate
        return None


def build(settings: StageSettings) -> CaptionsStage:
    root = settings.options.get("rules", settings.rules_dir / "chrome")
    similarity = float(settings.options.get("similarity", CAPTION_SIMILARITY))
    return CaptionsStage(rules=load_chrome_rules(Path(root)), similarity=similarity)
