"""Writing results: atomic file writes and the JSON shapes of a cleaned document."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cleaner.document import Edit
from cleaner.io.atomic import replace_with
from cleaner.pipeline import Result
from cleaner.stages.code_lines import CODE_LINES_KEY
from cleaner.stages.page_layout import LAYOUT_KEYS

# Notes stages leave for later stages (tidy removes them; with tidy skipped they remain):
# never a record's metadata.
_WORKING_KEYS = frozenset((*LAYOUT_KEYS, CODE_LINES_KEY))

# Edits whose before/after text is longer than this (the extract stage's whole HTML page)
# are shortened in JSON output; the text itself is in the document, not needed twice.
MAX_EDIT_TEXT_CHARS = 2000

# Only a JSON string can hold one, so its escape is valid wherever it is found in a line.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def atomic_write_bytes(path: Path, data: bytes, *, through_links: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half
    (flushed to disk before the rename). The file gets the mode a plain ``open`` would give it
    (the umask), or keeps the one it had. A symbolic link is written through, as the shell's
    ``>`` would (the file it names is replaced), for the one file a user named; a place
    cleaner chose (``through_links=False``: a file in an ``-o`` folder) replaces the link, so
    that a link left in that folder cannot lead the write onto another file, an input say."""
    replace_with(
        path, lambda handle: handle.write(data), keep_mode=True, through_links=through_links
    )


def atomic_write_text(path: Path, text: str, *, through_links: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), through_links=through_links)


def edit_to_json(edit: Edit) -> dict[str, Any]:
    data = edit.to_dict()
    for key in ("before", "after"):
        value = data[key]
        if len(value) > MAX_EDIT_TEXT_CHARS:
            data[key] = value[:MAX_EDIT_TEXT_CHARS]
            data[f"{key}_truncated_from"] = len(value)
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def result_record(
    result: Result,
    doc_id: str,
    record: Mapping[str, Any] | None = None,
    text_field: str = "text",
) -> dict[str, Any]:
    """The JSONL record of a cleaned document.

    Without an input record: ``{"id", "text", "metadata", "edits"}``. With one (JSONL input),
    every input field is kept, ``text_field`` holds the cleaned text and cleaner's metadata and
    edits are added under ``metadata`` and ``edits``.
    """
    out: dict[str, Any] = dict(record) if record is not None else {}
    out.setdefault("id", doc_id)
    out[text_field] = result.text
    metadata = dict(out.get("metadata") or {}) if isinstance(out.get("metadata"), dict) else {}
    # The layout markers are tidy's to write and remove: without tidy (``--skip tidy``) they
    # are left over, and are no metadata of the text.
    metadata.update(_jsonable({k: v for k, v in result.metadata.items() if k not in _WORKING_KEYS}))
    metadata["edit_counts"] = result.edit_counts()
    out["metadata"] = metadata
    out["edits"] = [edit_to_json(edit) for edit in result.edits]
    return out


def failure_record(
    reason: str, where: str, record: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The JSONL record of an input line that could not be cleaned: the input record as it
    was, with ``cleaner_error`` saying why (and, for a line that holds no record, such as bad
    JSON, ``cleaner_input`` naming it as ``file:LINE``), so that output lines stay one per
    input line, in their places."""
    out: dict[str, Any] = dict(record) if record is not None else {"cleaner_input": where}
    out["cleaner_error"] = reason
    return out


def to_json_line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def failure_line(reason: str, where: str, record: Mapping[str, Any] | None = None) -> str:
    """:func:`failure_record` as a JSON line that any UTF-8 output can hold: a lone surrogate
    of the input record (the reason a line may have failed) is written as its ``\\udXXX``
    escape, as the input held it, instead of failing the write."""
    line = to_json_line(failure_record(reason, where, record))
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", line)
