"""What cleaning did, counted in one place.

A document's figures (:class:`DocumentMetrics`) are derived here from its
:class:`~cleaner.pipeline.Result`, and a run's totals (:class:`Counts`) add them up. The audit
lines, the report, the engine adapters' flat fields and the CLI's summary all read these, so
a figure means the same wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cleaner.pipeline import Result

REPAIR_STAGE = "repair"
GRAMMAR_STAGE = "grammar"
CHROME_LINES_KEY = "chrome_lines_removed"
"""The metadata key where the chrome and captions stages count the lines they removed."""


@dataclass(frozen=True)
class DocumentMetrics:
    """One cleaned document's figures."""

    chars_in: int
    """Characters after decoding, before cleaning."""
    chars_out: int
    edit_counts: dict[str, int]
    """Applied edits per stage, in the order the stages first edited."""
    chrome_lines_removed: int
    spin_score: tuple[Any, Any] | None
    """(before, after) when the repair stage scored the document, else None."""

    @classmethod
    def of(cls, result: Result) -> DocumentMetrics:
        metadata = result.metadata
        spin = None
        if "spin_score_before" in metadata:
            spin = (metadata.get("spin_score_before"), metadata.get("spin_score_after"))
        return cls(
            chars_in=result.input_chars,
            chars_out=len(result.text),
            edit_counts=result.edit_counts(),
            chrome_lines_removed=int(metadata.get(CHROME_LINES_KEY, 0) or 0),
            spin_score=spin,
        )

    @property
    def edits(self) -> int:
        """Edits applied, every stage."""
        return sum(self.edit_counts.values())

    @property
    def repairs(self) -> int:
        return self.edit_counts.get(REPAIR_STAGE, 0)

    @property
    def grammar_fixes(self) -> int:
        return self.edit_counts.get(GRAMMAR_STAGE, 0)


@dataclass
class Counts:
    """What a shard, an input or a run did."""

    documents: int = 0
    failures: int = 0
    chrome_lines_removed: int = 0
    repairs: int = 0
    grammar_fixes: int = 0
    edits: int = 0

    def add(self, other: Counts | Mapping[str, int]) -> None:
        values = other.__dict__ if isinstance(other, Counts) else other
        for key in self.__dict__:
            setattr(self, key, getattr(self, key) + int(values.get(key, 0)))

    def add_document(self, metrics: DocumentMetrics) -> None:
        """A cleaned document's figures (its ``documents`` count is the caller's)."""
        self.chrome_lines_removed += metrics.chrome_lines_removed
        self.edits += metrics.edits
        self.repairs += metrics.repairs
        self.grammar_fixes += metrics.grammar_fixes

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)
