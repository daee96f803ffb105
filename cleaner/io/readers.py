"""Turning files and streams into documents to clean.

A reader yields :class:`Source` items: the raw bytes of one document (or its text, for JSONL
records) with the metadata known before cleaning. Reading never cleans anything.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cleaner.document import Document

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}


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

    def document(self) -> Document:
        if self.raw is not None:
            return Document.from_bytes(self.raw, self.metadata)
        return Document(text=self.text or "", metadata=self.metadata)


def input_format(path: Path) -> str:
    """'html', 'jsonl' or 'text', from the file name (a .gz suffix is looked through)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in HTML_SUFFIXES:
        return "html"
    if last in JSONL_SUFFIXES:
        return "jsonl"
    return "text"


def _open_bytes(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_path(path: Path, fmt: str = "auto", text_field: str = "text") -> Iterator[Source]:
    """The documents in one file: one for text and HTML, one per line for JSONL."""
    fmt = input_format(path) if fmt == "auto" else fmt
    name = str(path)
    if fmt == "jsonl":
        try:
            with _open_bytes(path) as stream:
                yield from read_jsonl(stream, name, text_field)
        except OSError as exc:
            yield Source(name=name, error=f"cannot read: {exc.strerror or exc}")
        return
    try:
        with _open_bytes(path) as stream:
            raw = stream.read()
    except (OSError, EOFError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        yield Source(name=name, error=f"cannot read: {reason}")
        return
    metadata: dict[str, Any] = {"source": name}
    if fmt in ("html", "text"):
        metadata["format"] = fmt if fmt == "html" else "auto"
    yield Source(name=name, raw=raw, metadata=metadata)


def record_metadata(record: Mapping[str, Any], text_field: str, source: str) -> dict[str, Any]:
    """The metadata a JSONL record gives the pipeline: its ``metadata`` object, then its
    ``id``, ``url`` and ``title``. Every engine must build it this way, or texts could differ
    between engines (extraction reads ``format`` and ``url``; tidy reads ``title``)."""
    metadata: dict[str, Any] = {"source": source}
    inner = record.get("metadata")
    if isinstance(inner, dict):
        metadata.update(inner)
    for key in ("id", "url", "title"):
        if key in record and key != text_field and key not in metadata:
            metadata[key] = record[key]
    return metadata


def read_jsonl(stream: IO[bytes], name: str, text_field: str = "text") -> Iterator[Source]:
    """One source per JSONL line, streamed; a bad line becomes a failed source, not a stop."""
    for number, line in enumerate(stream, start=1):
        where = f"{name}:{number}"
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield Source(name=where, error=f"invalid JSON: {exc}")
            continue
        if not isinstance(record, dict):
            yield Source(name=where, error="a JSONL line must be a JSON object")
            continue
        text = record.get(text_field)
        if not isinstance(text, str):
            yield Source(
                name=where, error=f"field {text_field!r} is missing or not a string", record=record
            )
            continue
        metadata = record_metadata(record, text_field, where)
        yield Source(name=where, text=text, metadata=metadata, record=record)
