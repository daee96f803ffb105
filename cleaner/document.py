"""The document that flows through the stage chain, and the edits stages record on it.

A stage never mutates a document: it returns a new one whose ``edits`` tuple is the old one
plus what the stage did. Offsets in an edit refer to the text the stage *received*, so an edit
log can be replayed stage by stage.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, overload


@dataclass(frozen=True, slots=True)
class Edit:
    """One change (or, with ``applied=False``, one finding) made by a stage.

    ``start``/``end`` are character offsets into the stage's input text; ``line`` is the
    1-based line of ``start`` in that text.
    """

    stage: str
    rule_id: str
    start: int
    end: int
    before: str
    after: str
    line: int
    applied: bool = True
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "stage": self.stage,
            "rule_id": self.rule_id,
            "line": self.line,
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
        }
        if not self.applied:
            data["applied"] = False
        if self.message:
            data["message"] = self.message
        return data


@dataclass(frozen=True, slots=True)
class Replacement:
    """A change a stage wants to make: replace ``text[start:end]`` with ``after``."""

    start: int
    end: int
    after: str
    rule_id: str
    message: str = ""


def _freeze(metadata: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(metadata or {}))


@dataclass(frozen=True)
class Document:
    """Text plus metadata plus the append-only log of edits that produced it.

    ``raw`` holds the undecoded input bytes until the ``decode`` stage turns them into ``text``.
    """

    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    edits: tuple[Edit, ...] = ()
    raw: bytes | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.metadata, MappingProxyType):
            object.__setattr__(self, "metadata", _freeze(self.metadata))

    @classmethod
    def from_bytes(cls, raw: bytes, metadata: Mapping[str, Any] | None = None) -> Document:
        return cls(text="", metadata=_freeze(metadata), raw=raw)

    def with_metadata(self, **updates: Any) -> Document:
        merged = dict(self.metadata)
        merged.update(updates)
        return replace(self, metadata=_freeze(merged))

    def with_text(self, text: str, edits: Iterable[Edit] = (), **metadata_updates: Any) -> Document:
        merged = dict(self.metadata)
        merged.update(metadata_updates)
        return replace(self, text=text, edits=self.edits + tuple(edits), metadata=_freeze(merged))

    def with_findings(self, findings: Iterable[Edit]) -> Document:
        return replace(self, edits=self.edits + tuple(findings))


def line_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of ``text`` (its ``\\n`` included), one at a time. Only
    ``\\n`` ends a line: str.splitlines also splits on form feeds, U+2028 and other separators,
    which would make line numbers disagree with LineIndex and with ftfy's own segmentation."""
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        yield start, end
        start = end


class TextLines(Sequence[tuple[int, str]]):
    """Chosen lines of one text as (offset, line) pairs. Only their places are stored and a
    line is cut from the text when asked for, so the lines of a long document cost 16 bytes
    each instead of a second copy of the text."""

    def __init__(self, text: str, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._text = text
        self._starts = array("q")
        self._ends = array("q")
        for start, end in spans:
            self.append(start, end)

    def append(self, start: int, end: int) -> None:
        self._starts.append(start)
        self._ends.append(end)

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> tuple[int, str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[int, str] | list[tuple[int, str]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start = self._starts[index]
        return start, self._text[start : self._ends[index]]


_NOT_SPACE = re.compile(r"\S")  # stdlib re: \\S is exactly what str.strip() keeps


def count_non_blank_lines(text: str, start: int = 0, end: int | None = None) -> int:
    """How many lines of ``text[start:end]`` hold more than white space (as ``line.strip()``
    sees it), counted in place: no copy of the stretch, however long."""
    end = len(text) if end is None else end
    count = 0
    while start < end:
        line_end = text.find("\n", start, end) + 1 or end
        if _NOT_SPACE.search(text, start, line_end):
            count += 1
        start = line_end
    return count


class LineIndex:
    """Maps character offsets of one text to 1-based line numbers."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        pos = text.find("\n")
        while pos != -1:
            self._starts.append(pos + 1)
            pos = text.find("\n", pos + 1)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def apply_replacements(
    doc: Document, stage: str, replacements: Iterable[Replacement], **metadata_updates: Any
) -> Document:
    """Apply non-overlapping replacements to ``doc.text`` and log each as an :class:`Edit`.

    Replacements are sorted by position; one that overlaps an earlier one is a bug in the
    stage and raises ``ValueError`` rather than silently corrupting the text.
    """
    ordered = sorted(replacements, key=lambda r: (r.start, r.end))
    if not ordered:
        return doc.with_metadata(**metadata_updates) if metadata_updates else doc
    text = doc.text
    index = LineIndex(text)
    pieces: list[str] = []
    edits: list[Edit] = []
    cursor = 0
    for rep in ordered:
        if rep.start < cursor or rep.end < rep.start or rep.end > len(text):
            raise ValueError(f"stage {stage}: overlapping or out-of-range edit {rep!r}")
        before = text[rep.start : rep.end]
        if before == rep.after:
            continue
        pieces.append(text[cursor : rep.start])
        pieces.append(rep.after)
        cursor = rep.end
        edits.append(
            Edit(
                stage=stage,
                rule_id=rep.rule_id,
                start=rep.start,
                end=rep.end,
                before=before,
                after=rep.after,
                line=index.line_of(rep.start),
                message=rep.message,
            )
        )
    pieces.append(text[cursor:])
    return doc.with_text("".join(pieces), edits, **metadata_updates)


def add_warning(doc: Document, warning: str) -> Document:
    """``doc`` with ``warning`` added to its ``warnings`` metadata (shown to users, not fatal)."""
    return doc.with_metadata(warnings=(*tuple(doc.metadata.get("warnings", ())), warning))


def report_timeouts(doc: Document, stage: str, rule_ids: Iterable[str], seconds: float) -> Document:
    """``doc`` with a finding (an unapplied edit) and a warning for each rule whose regex
    timed out on it and was therefore skipped for this document."""
    ids = sorted(set(rule_ids))
    if not ids:
        return doc
    message = f"regex timed out after {seconds:g} s on this document; rule skipped for it"
    findings = [
        Edit(stage, rule_id, 0, 0, "", "", line=1, applied=False, message=message)
        for rule_id in ids
    ]
    warnings = (
        *tuple(doc.metadata.get("warnings", ())),
        *(f"{stage}: rule {rule_id}: {message}" for rule_id in ids),
    )
    return doc.with_findings(findings).with_metadata(warnings=warnings)
