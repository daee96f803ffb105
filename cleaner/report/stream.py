"""``_audit.jsonl`` read for the report without holding a whole line, and a document's text
written into its viewer file without holding it twice.

A spun text at ``--max-bytes`` has an audit line of ~5 MB with ~11k edits: parsed whole, it
became ~11k dicts beside the line; its text, JSON-escaped into a chunk file, three more copies
(issue 14: the runner's report step was the run's peak). Here each edit is read, counted and
dropped; what the report needs of the edits is kept compactly (:class:`EditSummary`) and the
text is escaped a block at a time, giving the very bytes the whole-value code gave.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"
# What may still follow the digits a number was decoded from ("12" of "12.5e-3"): when the
# rest of the buffer is only these, the number may be cut by the block's end.
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]+")
_FIRST_BLOCK = 1 << 16
_TEXT_BLOCK = 1 << 18
LONG_LISTS = ("edits", "view")
"""The audit line's long lists: streamed item by item, never held as one value."""


class AuditLines:
    """The records of an ``_audit.jsonl`` handle, one top-level value at a time.

    :meth:`next_record` gives a line's other keys as a dict and hands each item of its
    ``edits`` and ``view`` lists to a callback. Memory: one item (or the head) plus a block.
    """

    def __init__(self, handle: IO[bytes], block: int = _FIRST_BLOCK) -> None:
        self.handle = handle
        self.first_block = block
        # As json.loads decodes bytes: a lone surrogate's UTF-8 form reads back as it.
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
        self.buffer = ""
        self.pos = 0
        self.block = block

    def _more(self) -> bool:
        data = self.handle.read(self.block)
        self.buffer = self.buffer[self.pos :] + self.decoder.decode(data, final=not data)
        self.pos = 0
        return bool(data)

    def _peek(self) -> str:
        """The next character that is not whitespace ("" at the end)."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def _take(self, expected: str) -> str:
        found = self._peek()
        if found not in expected or not found:
            raise ValueError(f"_audit.jsonl: expected {expected!r}, found {found!r}")
        self.pos += 1
        return found

    def _value(self) -> Any:
        """One JSON value. A value is taken only with a character after it in the buffer, so
        that a number cut by the block's end is never read short."""
        self._peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
                cut_number = isinstance(value, int | float) and bool(
                    _NUMBER_TAIL.fullmatch(self.buffer, end)
                )
                if end < len(self.buffer) and not cut_number:
                    self.pos = end
                    self.block = self.first_block
                    return value
            except json.JSONDecodeError:
                pass
            # A long item: read ever larger blocks, so it is decoded O(log n) times, not O(n).
            if not self._more():
                value, end = _DECODER.raw_decode(self.buffer, self.pos)  # raises if cut
                self.pos = end
                return value
            self.block = min(self.block * 2, 1 << 26)

    def next_record(self, on_item: Callable[[str, Any], None]) -> dict[str, Any] | None:
        """The next object's keys but the long lists (whose items go to ``on_item(key,
        item)``), or None at the end. Values that are not objects are skipped, as
        :func:`cleaner.io.readers.iter_jsonl` skips them."""
        while True:
            first = self._peek()
            if not first:
                return None
            if first == "{":
                break
            self._value()
        self.pos += 1
        head: dict[str, Any] = {}
        if self._peek() == "}":
            self.pos += 1
            return head
        while True:
            key = self._value()
            if not isinstance(key, str):
                raise ValueError("_audit.jsonl: a key that is not a string")
            self._take(":")
            head.pop(key, None)
            if key in LONG_LISTS and self._peek() == "[":
                self.pos += 1
                if self._peek() == "]":
                    self.pos += 1
                else:
                    while True:
                        on_item(key, self._value())
                        if self._take(",]") == "]":
                            break
            else:
                value = self._value()
                if key in LONG_LISTS:
                    for item in value if isinstance(value, list) else ():
                        on_item(key, item)
                else:
                    head[key] = value
            if self._take(",}") == "}":
                return head


class EditSummary:
    """What the report reads of a document's edits, without a dict per edit.

    Iterating gives edits that :meth:`cleaner.report.totals.Totals.add` counts exactly as
    it counts the real ones: per (stage, rule) the applied edits in order of first
    appearance, then the findings (edits not applied) in order, whole up to the first of
    each rule with text (the example), the others by their rule only. ``shown`` holds the first
    ``keep`` findings for the viewer, ``shown_total`` how many there are.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.applied: dict[tuple[str, str], int] = {}
        self.findings: list[dict[str, Any]] = []
        self.counted_only: dict[str, dict[str, Any]] = {}
        """Per rule whose example is settled (a finding with text), the stand-in for the rest."""
        self.shown: list[dict[str, Any]] = []
        self.shown_total = 0

    def add(self, edit: Any) -> None:
        if not isinstance(edit, dict):
            return
        if edit.get("applied") is False:
            self.shown_total += 1
            if len(self.shown) < self.keep:
                self.shown.append(edit)
        stage, rule = str(edit.get("stage", "")), str(edit.get("rule_id", ""))
        if edit.get("applied", True):
            self.applied[(stage, rule)] = self.applied.get((stage, rule), 0) + 1
        elif rule in self.counted_only:
            self.findings.append(self.counted_only[rule])
        else:
            # Totals take a rule's first finding with text as its example: kept whole.
            self.findings.append(edit)
            if str(edit.get("before", "")):
                self.counted_only[rule] = {"stage": stage, "rule_id": rule, "applied": False}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for (stage, rule), count in self.applied.items():
            edit = {"stage": stage, "rule_id": rule, "applied": True}
            for _ in range(count):
                yield edit
        yield from self.findings


def ascii_json_string(text: str) -> Iterator[bytes]:
    """``json.dumps(text, ensure_ascii=True)`` in pieces: escaping is per code point."""
    yield b'"'
    for start in range(0, len(text), _TEXT_BLOCK):
        yield json.dumps(text[start : start + _TEXT_BLOCK]).encode("ascii")[1:-1]
    yield b'"'


class UnreadableText(Exception):
    """A file that did not read as UTF-8 text, maybe only part way through: the pieces
    :func:`file_json_string` gave of it before are to be dropped."""


def file_json_string(path: Path) -> Iterator[bytes]:
    """``json.dumps(path.read_text(encoding="utf-8"))`` in pieces, reading the file once;
    :class:`UnreadableText` if it cannot be read as UTF-8, which may come after some pieces."""
    try:
        # Text mode, as read_text: "\r\n" and "\r" read as "\n".
        with open(path, encoding="utf-8") as handle:
            yield b'"'
            while block := handle.read(_TEXT_BLOCK):
                yield json.dumps(block).encode("ascii")[1:-1]
    except (OSError, ValueError) as exc:
        raise UnreadableText(f"{path}: {exc}") from exc
    yield b'"'
