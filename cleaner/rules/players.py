"""Player blocks: where the ``player`` chrome rules find a video or gallery player line, and
the caption lines after it that repeat its caption.

A player line ("Click to play video: 'X'", "Watch: X", "Video: X") is followed on many sites by
a caption that repeats X, sometimes reworded by a spinner ("have no choice" -> "haven't any
alternative"). A rule marked ``standalone`` makes its player line a block even when no caption
follows; the others only with one (so an article line starting "Watch:" stays unless its words
are repeated right after it).

The captions stage removes these blocks; the chrome stage, which runs before it, asks the same
question of the lines it keeps, so that a block the captions stage will remove does not count
as article when a comment tail is judged. Both call :func:`player_removals` on the one rule set
the pipeline loaded, and so agree.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence

from rapidfuzz import fuzz

from cleaner.document import Replacement
from cleaner.rules.chrome import REPEATED_LINE_RULE, ChromeRuleSet, fold_line, is_repeatable
from cleaner.rules.text import normalize_line

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


def player_removals(
    rules: ChromeRuleSet,
    lines: Sequence[tuple[int, str]],
    timed_out: set[str],
    similarity: float = CAPTION_SIMILARITY,
    candidates: Container[int] | None = None,
) -> list[Replacement]:
    """What removing the player blocks takes from a text whose non-blank lines are ``lines``
    (offset, line with its newline): player blocks, and the copies their removal makes
    neighbours. A rule whose pattern times out is added to ``timed_out`` and skipped.
    ``candidates``: the offsets of the only lines that may be player lines, when known
    (:meth:`~cleaner.rules.chrome.RuleIndex.candidate_line_starts`)."""
    replacements: list[Replacement] = []
    captions: set[int] = set()
    previous_kept: str | None = ""
    previous_line = ""  # the last kept line, whose key is worked out only when asked for
    removed_since_kept = False
    for index, (offset, line) in enumerate(lines):
        if index in captions:
            removed_since_kept = True
            continue
        may_be_player = candidates is None or offset in candidates
        if not may_be_player and not removed_since_kept:
            # No block starts here and no copy check is due: the line is kept as it stands.
            previous_kept, previous_line = None, line
            continue
        normalized = normalize_line(line)
        folded = fold_line(normalized)
        if may_be_player:
            block = _player_block(
                rules, lines, index, (normalized, folded), timed_out, similarity, captions
            )
            if block is not None:
                block_replacements, caption_index = block
                replacements.extend(block_replacements)
                captions.add(caption_index)
                removed_since_kept = True
                continue
        key = folded[0]
        if removed_since_kept:
            if previous_kept is None:
                previous_kept = normalize_line(previous_line).casefold()
            if key == previous_kept and is_repeatable(key):
                # Removing the player made an article line and its copy neighbours; the
                # chrome stage drops such copies, and would have had they been neighbours.
                replacements.append(Replacement(offset, offset + len(line), "", REPEATED_LINE_RULE))
                continue
        previous_kept = key
        removed_since_kept = False
    return replacements


def _player_block(
    rules: ChromeRuleSet,
    lines: Sequence[tuple[int, str]],
    index: int,
    line_forms: tuple[str, tuple[str, str]],
    timed_out: set[str],
    similarity: float,
    claimed: set[int],
) -> tuple[list[Replacement], int] | None:
    """The removals for a player block starting at ``lines[index]`` (normalised, and its
    :func:`fold_line`, in ``line_forms``), and the index of its
    caption line (``index`` itself when there is none). A caption line an earlier block
    ``claimed`` is not this block's: one line is removed once."""
    offset, line = lines[index]
    normalized, folded = line_forms
    for rule in rules.index("player").candidates(normalized, folded):
        found = rule.matches_folded(normalized, folded, timed_out, triggered=True)
        if found is None or isinstance(found, bool):
            continue  # no match, or an exact line: no caption to look for
        repeat = _caption_after(lines, index, found.group("caption"), similarity, claimed)
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


def _caption_after(
    lines: Sequence[tuple[int, str]],
    index: int,
    caption: str,
    similarity: float,
    claimed: set[int],
) -> int | None:
    for candidate in range(index + 1, min(index + 1 + CAPTION_LOOKAHEAD, len(lines))):
        if candidate not in claimed and caption_similarity(caption, lines[candidate][1]) >= similarity:
            return candidate
    return None
