"""The spin score and the spin gate: how many spinner signatures a text carries, and whether
that makes it a spun document.

A signature is a match of a repair rule that is evidence of spinning (``signature``, the
default for an unguarded rule): wording a synonym spinner produces and clean English news does
not ("this 12 months", "one in all"). Ambiguous rules (``needs_spun``, or guarded ordinary
words such as "invoice" for "bill") are no evidence and do not count.

The score is signatures per 1,000 words. The gate calls a document spun when the score of its
input reaches the pack's threshold and its signatures come from a minimum number of different
rules (one phrase repeated is one piece of evidence); the repair stage
decides it once, before any repair, and runs the ambiguous rules only when it says spun. The
score lets users find and filter spun documents in a corpus; the repair stage records it before
and after repair (``spin_score_before`` / ``spin_score_after``) and the decision as
``spin_gate``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from cleaner.rules.repair import (
    WORDS_PER_UNIT,
    GateDecision,
    RepairMatch,
    RepairPack,
    count_words,
)

__all__ = [
    "WORDS_PER_UNIT",
    "GateDecision",
    "SpinScore",
    "count_words",
    "score_matches",
    "spin_gate",
    "spin_score",
]


@dataclass(frozen=True)
class SpinScore:
    """Signature count, word count and the rules that matched."""

    signatures: int
    words: int
    by_rule: Mapping[str, int] = field(default_factory=dict)

    @property
    def per_1000_words(self) -> float:
        if self.words == 0:
            return 0.0
        return round(self.signatures * WORDS_PER_UNIT / self.words, 3)


def score_matches(text: str, matches: list[RepairMatch]) -> SpinScore:
    """The score of ``text`` given the matches a pack found in it (avoids matching twice)."""
    hits = Counter(m.rule_id for m in matches if m.signature)
    return SpinScore(signatures=sum(hits.values()), words=count_words(text), by_rule=dict(hits))


def spin_score(text: str, pack: RepairPack) -> SpinScore:
    """Spinner signatures of ``pack`` found in ``text``, per 1,000 words."""
    return score_matches(text, pack.finish(pack.scan(text), spun=False).matches)


def spin_gate(text: str, pack: RepairPack) -> GateDecision:
    """Whether ``text`` is spun, by the signatures of ``pack`` and its gate threshold."""
    return pack.gate(pack.scan(text))
