"""The lines a corpus run writes about each document: ``_audit.jsonl`` (where it came from and
went, its figures, its edits and how the report shows them) and ``_errors.jsonl`` (why it
failed)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cleaner.io.source import Source
from cleaner.io.writers import edit_to_json, to_json_line
from cleaner.metrics import DocumentMetrics
from cleaner.pipeline import Result
from cleaner.report.view import final_spans


def doc_id(source: Source) -> str:
    """The document's own id (a JSONL record's ``id``), or where it was read."""
    record = source.record or {}
    value = record.get("id")
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    return source.name


def audit_record_head(
    result: Result,
    source: Source,
    input_name: str,
    output_name: str,
    output_line: int | None,
    metrics: DocumentMetrics,
) -> dict[str, Any]:
    """The audit record without its two long lists (``edits`` and ``view``, which follow)."""
    metadata = result.metadata
    record: dict[str, Any] = {
        "id": doc_id(source),
        "source": source.name,
        "input": input_name,
        "output": output_name,
    }
    if output_line is not None:
        record["output_line"] = output_line
    if isinstance(metadata.get("title"), str):
        record["title"] = metadata["title"]
    if isinstance(metadata.get("url"), str):
        record["url"] = metadata["url"]
    record["chars_in"] = metrics.chars_in
    record["chars_out"] = metrics.chars_out
    record["edit_counts"] = metrics.edit_counts
    record["chrome_lines_removed"] = metrics.chrome_lines_removed
    if metrics.spin_score is not None:
        record["spin_score"] = {"before": metrics.spin_score[0], "after": metrics.spin_score[1]}
    for key in (
        "language",
        "grammar_issues_per_1k_words_before",
        "grammar_issues_per_1k_words_after",
        "grammar_skipped",
        "grammar_findings",
        "warnings",
    ):
        if key in metadata:
            record[key] = metadata[key]
    record["timings_ms"] = {name: round(s * 1000, 3) for name, s in result.timings.items()}
    return record


def audit_line_pieces(
    result: Result,
    source: Source,
    input_name: str,
    output_name: str,
    output_line: int | None,
    metrics: DocumentMetrics,
) -> Iterator[bytes]:
    """One ``_audit.jsonl`` line (:func:`audit_record_head`, then the ``edits`` and the
    ``view`` lists) in pieces, byte for byte what ``json_line`` writes of the whole record:
    the edits and the view are written item by item. A document with many edits (a 2 MB spun text has ~18k) never holds
    a dict per edit nor its whole line (~5 MB, twice that as a str) at once. A lone surrogate
    raises :class:`UnicodeEncodeError` from the piece that holds it."""
    record = audit_record_head(result, source, input_name, output_name, output_line, metrics)
    head = json.dumps(record, ensure_ascii=False)
    yield head[:-1].encode("utf-8")
    yield from _list_pieces("edits", map(edit_to_json, result.edits), first=head == "{}")
    yield from _list_pieces("view", final_spans(result), first=False)
    yield b"}\n"


def _list_pieces(key: str, items: Iterable[Any], first: bool) -> Iterator[bytes]:
    """``"key": [item, ...]`` as json.dumps writes it inside an object, item by item."""
    yield f"{'' if first else ', '}{json.dumps(key)}: [".encode()
    separator = ""
    for item in items:
        yield (separator + json.dumps(item, ensure_ascii=False)).encode("utf-8")
        separator = ", "
    yield b"]"


def error_record(source: Source, input_name: str, reason: str, stage: str | None) -> dict[str, Any]:
    """One ``_errors.jsonl`` line for a document that failed."""
    return {
        "id": doc_id(source),
        "source": source.name,
        "input": input_name,
        "stage": stage or "read",
        "reason": reason,
    }


def input_error_record(input_name: str, stage: str, reason: str) -> dict[str, Any]:
    """One ``_errors.jsonl`` line for a whole input left out (its worker died, its output is
    a file cleaner did not write)."""
    return {
        "id": input_name,
        "source": input_name,
        "input": input_name,
        "stage": stage,
        "reason": reason,
    }


def json_line(record: Mapping[str, Any]) -> bytes:
    """A JSON line as UTF-8; :class:`UnicodeEncodeError` if the record holds a lone surrogate
    (JSON input may carry one as ``\\ud800``): no valid UTF-8 file can hold it."""
    return to_json_line(record).encode("utf-8")


def safe_json_line(record: Mapping[str, Any]) -> bytes:
    """A JSON line that is always written: a lone surrogate kept as its ``\\u`` escape."""
    try:
        return json_line(record)
    except UnicodeEncodeError:
        return (json.dumps(record) + "\n").encode("ascii")


def surrogate_reason(exc: UnicodeEncodeError) -> str:
    code = ord(str(exc.object)[exc.start])
    return (
        f"the document holds a lone surrogate (U+{code:04X}, from a \\u{code:04x} escape), "
        "which is not valid Unicode and cannot be written as UTF-8"
    )
