"""What a reader yields: one document as read, before cleaning (its own module, so that every
reader, WARC included, builds on it without importing another reader)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cleaner.document import Document


@dataclass(frozen=True)
class Source:
    """One document as read: bytes or text, where it came from, and any fields to keep."""

    name: str
    raw: bytes | None = None
    text: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    record: Mapping[str, Any] | None = None
    """For JSONL inputs: the whole input record, so output keeps every other field."""
    error: str | None = None
    """Set when this source could not be read; the document is reported as failed."""
    line: int | None = None
    """For JSONL inputs: the line this document is on (its output keeps that place)."""

    def document(self) -> Document:
        if self.raw is not None:
            return Document.from_bytes(self.raw, self.metadata)
        return Document(text=self.text or "", metadata=self.metadata)


def too_large(max_bytes: int, what: str = "document", size: int | None = None) -> str:
    known = "" if size is None else f" {size / 1e6:.1f} MB,"
    return (
        f"{what} is{known} above the {max_bytes / 1e6:g} MB limit "
        "(raise it with --max-bytes or max_bytes in the pipeline file)"
    )
