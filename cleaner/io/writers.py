"""Writing results: atomic file writes and the JSON shapes of a cleaned document."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cleaner.document import Edit
from cleaner.pipeline import Result

# Edits whose before/after text is longer than this (the extract stage's whole HTML page)
# are shortened in JSON output; the text itself is in the document, not needed twice.
MAX_EDIT_TEXT_CHARS = 2000
TEMP_PREFIX = ".cleaner-"
"""Temporary files are named ``.cleaner-<random>.tmp`` whatever the target is called: a name
derived from the target's could exceed the file system's 255-byte limit."""

_umask_lock = threading.Lock()


def _umask() -> int:
    """The process umask (reading it means setting it: do so under a lock)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """An existing file keeps its permissions; a new one gets what ``open`` would give it."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The data goes to a temporary file in the same folder, is flushed to disk, then renamed
    over ``path``; on any failure the temporary file is removed. The file gets the mode a
    plain ``open`` would give it (the umask), or keeps the one it had.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


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
    metadata.update(_jsonable(result.metadata))
    metadata["edit_counts"] = result.edit_counts()
    out["metadata"] = metadata
    out["edits"] = [edit_to_json(edit) for edit in result.edits]
    return out


def to_json_line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"
