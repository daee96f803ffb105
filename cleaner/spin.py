"""The spin score: how many spinner signatures a text carries per 1,000 words.

A signature is a match of a repair rule marked ``signature`` (the default): wording a synonym
spinner produces and a writer almost never does ("this 12 months", "one in all"). The score
lets users find and filter spun documents in a corpus; the repair stage records it before and
after repair (``spin_score_before`` / ``spin_score_after``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from cleaner.rules.repair import RepairMatch, RepairPack

#: Scores are per this many words, so short and long documents compare.
WORDS_PER_UNIT = 1000


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


def count_words(text: str) -> int:
    return len(text.split())


def score_matches(text: str, matches: list[RepairMatch]) -> SpinScore:
    """The score of ``text`` given the matches a pack found in it (avoids matching twice)."""
    hits = Counter(m.rule_id for m in matches if m.signature)
    return SpinScore(signatures=sum(hits.values()), words=count_words(text), by_rule=dict(hits))


def spin_score(text: str, pack: RepairPack) -> SpinScore:
    """Spinner signatures of ``pack`` found in ``text``, per 1,000 words."""
    return score_matches(text, pack.find(text))
