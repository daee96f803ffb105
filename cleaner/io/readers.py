"""Turning files and streams into documents to clean.

A reader yields :class:`Source` items: the raw bytes of one document (or its text, for JSONL
records) with the metadata known before cleaning. Reading never cleans anything.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from cleaner.io.source import Source as Source  # re-exported: readers hand it out
from cleaner.io.source import too_large
from cleaner.io.warc import read_warc, read_warc_path

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
WARC_SUFFIXES = {".warc"}
WARC_MAGIC = b"WARC/"
GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 64
"""Enough to see a gzip header or a WARC version line."""
SKIP_CHUNK_BYTES = 1 << 16
"""The rest of an over-long JSONL line is skipped in pieces this big, never held whole."""
_SURROGATE = re.compile("[\ud800-\udfff]")


def input_kind(name: str) -> str | None:
    """'text', 'html', 'jsonl', 'warc' from a file name (a .gz suffix is looked through), or
    None when the name says nothing. The one detector ``clean`` and ``corpus`` share."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    suffix = os.path.splitext(lowered)[1]
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in WARC_SUFFIXES:
        return "warc"
    return None


def sniff_kind(head: bytes) -> str | None:
    """'warc' when ``head`` (the first bytes, decompressed) opens a WARC record, else None:
    a WARC file's records are never text to clean, whatever the file is called."""
    return "warc" if head.startswith(WARC_MAGIC) else None


def detect_kind(name: str) -> str | None:
    """The kind ``clean`` reads the file ``name`` as: by its name, then (for names that say
    nothing, or say text) by its first bytes. None for standard input and unreadable files."""
    kind = input_kind(name)
    if name == "-" or kind not in (None, "text"):
        return kind
    try:
        if not stat.S_ISREG(os.stat(name).st_mode):
            # A pipe (`<(...)`, a FIFO) or a device gives its bytes once: sniffing here took
            # the first ones from the real read ('warning: empty input'). read_path sniffs
            # the one stream it reads.
            return kind
        with open_bytes(Path(name)) as stream:
            _, head = _sniffed(stream)
    except (OSError, EOFError, zlib.error):
        return kind
    return sniff_kind(head) or "text"


class _Replay(io.RawIOBase):
    """A stream that gives back bytes already read (to sniff the format), then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        super().__init__()
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            count = min(len(view), len(self._head))
            view[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        # What has arrived, not a full buffer: a pipe's reader (JSONL on stdin, answered a
        # record at a time) must get each line as soon as it is written.
        data = _read_some(self._rest, len(view))
        view[: len(data)] = data
        return len(data)


def _read_some(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes of what ``stream`` has now (one read; b"" only at its end)."""
    read1 = getattr(stream, "read1", None)
    return bytes(read1(size)) if read1 is not None else stream.read(size)


def _head(stream: IO[bytes]) -> bytes:
    """The first bytes of ``stream`` to sniff its format: up to ``SNIFF_BYTES``, but no more
    than has arrived once a line is complete (a record written to a pipe is answered before
    the next one comes; waiting for 64 bytes held two short records back)."""
    head = b""
    while len(head) < SNIFF_BYTES and (len(head) < len(GZIP_MAGIC) or b"\n" not in head):
        piece = _read_some(stream, SNIFF_BYTES - len(head))
        if not piece:
            break
        head += piece
    return head


def _sniffed(stream: IO[bytes]) -> tuple[IO[bytes], bytes]:
    """``stream`` decompressed if it is gzip, ready to read from its start, and its head."""
    head = _head(stream)
    replay: IO[bytes] = io.BufferedReader(_Replay(head, stream))
    if head.startswith(GZIP_MAGIC):
        replay = gzip.GzipFile(fileobj=replay, mode="rb")  # type: ignore[assignment]
        head = _head(replay)
        replay = io.BufferedReader(_Replay(head, replay))
    return replay, head


def _plain(path: Path) -> bool:
    """A regular, uncompressed file: its size on disk is the document's size."""
    return path.suffix.lower() != ".gz" and path.is_file()


def open_bytes(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_bounded(stream: IO[bytes], name: str, max_bytes: int | None) -> bytes | Source:
    """At most ``max_bytes`` from ``stream``; a failed source when there is more. Never reads
    more than one byte past the limit, so a decompression bomb or ``/dev/zero`` costs only
    the limit in memory."""
    raw = stream.read(-1 if max_bytes is None else max_bytes + 1)
    if max_bytes is not None and len(raw) > max_bytes:
        return Source(name=name, error=too_large(max_bytes))
    return raw


def read_stream(
    stream: IO[bytes], name: str, kind: str, text_field: str = "text", max_bytes: int | None = None
) -> Iterator[Source]:
    """The documents of an open (decompressed) stream read as ``kind``."""
    if kind == "warc":
        yield from read_warc(stream, name, max_bytes)
        return
    if kind == "jsonl":
        yield from read_jsonl(stream, name, text_field, max_bytes)
        return
    raw = read_bounded(stream, name, max_bytes)
    if isinstance(raw, Source):
        yield raw
        return
    metadata = {"source": name, "format": "html" if kind == "html" else "auto"}
    yield Source(name=name, raw=raw, metadata=metadata)


def read_path(
    path: Path, fmt: str = "auto", text_field: str = "text", max_bytes: int | None = None
) -> Iterator[Source]:
    """The documents in one file: one for text and HTML, one per line for JSONL, one per HTML
    response for WARC. ``auto`` goes by the name, then by the content (a WARC file is read as
    WARC whatever its name); reading stops one byte past ``max_bytes`` per document."""
    name = str(path)
    kind = input_kind(path.name) if fmt == "auto" else fmt
    if kind == "warc":
        # From the file itself: warcio reads a .warc.gz member by member.
        yield from read_warc_path(path, name, max_bytes)
        return
    try:
        size = path.stat().st_size
        if max_bytes is not None and kind != "jsonl" and size > max_bytes and _plain(path):
            yield Source(name=name, error=too_large(max_bytes, size=size))
            return
        with open_bytes(path) as stream:
            if fmt == "auto" and kind in (None, "text"):
                stream, head = _sniffed(stream)
                kind = sniff_kind(head) or "text"
            yield from read_stream(stream, name, kind or "text", text_field, max_bytes)
    except (OSError, EOFError, zlib.error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        yield Source(name=name, error=f"cannot read: {reason}")


def read_input(
    name: str,
    fmt: str = "auto",
    text_field: str = "text",
    max_bytes: int | None = None,
    stdin_kind: str = "text",
) -> Iterator[Source]:
    """The documents of one command-line input: a file, or ``-`` for standard input (read as
    ``stdin_kind`` when ``fmt`` is auto and its content is not recognised)."""
    if name == "-":
        try:
            stream, head = _sniffed(sys.stdin.buffer)
            kind = fmt if fmt != "auto" else sniff_kind(head) or stdin_kind
            yield from read_stream(stream, "<stdin>", kind, text_field, max_bytes)
        except (OSError, EOFError, zlib.error) as exc:
            yield Source(name="<stdin>", error=f"cannot read: {exc}")
        return
    path = Path(name)
    if path.is_dir():
        yield Source(name=name, error="is a folder (use 'cleaner corpus' for folders)")
    elif not path.exists():
        yield Source(name=name, error=_missing(path))
    else:
        yield from read_path(path, fmt, text_field, max_bytes)


def _missing(path: Path) -> str:
    """Why ``path`` (which does not exist as a file) cannot be read: a link that leads to
    itself or in a loop says so rather than "no such file", which it plainly is there."""
    if not path.is_symlink():
        return "no such file"
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a broken symbolic link: it leads to itself (a loop)"
    return f"a broken symbolic link: it leads to {os.readlink(path)}, which does not exist"


def read_input_list(listing: str) -> list[str]:
    """The paths an ``--input-list`` file names, one a line (``-``: standard input); blank
    lines are skipped. Raises OSError or UnicodeDecodeError."""
    if listing == "-":
        lines = sys.stdin.read().splitlines()
    else:
        lines = Path(listing).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


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


def bounded_lines(
    stream: IO[bytes], max_bytes: int | None, length: int | None = None
) -> Iterator[bytes | None]:
    """The lines of ``stream`` (its next ``length`` bytes, or all of it); None in place of a
    line longer than ``max_bytes``, whose bytes are read past in pieces, never held whole."""
    if max_bytes is None and length is None:
        yield from stream
        return
    remaining = length

    def read(size: int | None) -> bytes:
        nonlocal remaining
        if remaining is None:
            return stream.readline(-1 if size is None else size)
        piece = stream.readline(remaining if size is None else min(size, remaining))
        remaining -= len(piece)
        return piece

    while remaining is None or remaining > 0:
        line = read(None if max_bytes is None else max_bytes + 1)
        if not line:
            return
        if max_bytes is None or len(line) <= max_bytes or line.endswith(b"\n"):
            yield line
            continue
        while (piece := read(SKIP_CHUNK_BYTES)) and not piece.endswith(b"\n"):
            pass
        yield None


def _lone_surrogate(value: Any, path: str = "") -> tuple[str, int] | None:
    """Where in a parsed JSON value a lone surrogate (``"\\ud800"``) sits, and its code point:
    JSON allows the escape, but no UTF-8 output can hold it."""
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        if found is None:
            return None
        return f"{path or 'the value'} (character {found.start()})", ord(found.group())
    if isinstance(value, dict):
        for key, item in value.items():
            where = _lone_surrogate(key, "a key") or _lone_surrogate(
                item, f"{path}.{key}" if path else f"field {key!r}"
            )
            if where:
                return where
    elif isinstance(value, list):
        for index, item in enumerate(value):
            where = _lone_surrogate(item, f"{path}[{index}]")
            if where:
                return where
    return None


def read_jsonl(
    stream: IO[bytes],
    name: str,
    text_field: str = "text",
    max_bytes: int | None = None,
    *,
    first_line: int = 1,
    length: int | None = None,
) -> Iterator[Source]:
    """One source per JSONL line, streamed; a bad line becomes a failed source, not a stop.
    A line longer than ``max_bytes`` is skipped unread (reported as failed). ``length`` reads
    only that many bytes (a byte range cut at line starts, numbered from ``first_line``)."""
    lines = bounded_lines(stream, max_bytes, length)
    for number, line in enumerate(lines, start=first_line):
        where = f"{name}:{number}"
        if line is None:
            yield Source(name=where, line=number, error=too_large(max_bytes or 0, "line"))
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except UnicodeDecodeError as exc:
            yield Source(name=where, line=number, error=_not_utf8(exc))
            continue
        except json.JSONDecodeError as exc:
            yield Source(name=where, line=number, error=f"invalid JSON: {exc}")
            continue
        if not isinstance(record, dict):
            held = next((kind for cls, kind in _JSON_KINDS if isinstance(record, cls)), None)
            held = held or ("a string" if isinstance(record, str) else "null")
            yield Source(
                name=where, line=number, error=f"a JSONL line must be a JSON object (here: {held})"
            )
            continue
        surrogate = _lone_surrogate(record)
        if surrogate is not None:
            place, code = surrogate
            # The whole record travels with the error, as any failed line's does (its
            # writers keep a lone surrogate as its \\u escape, as it was in the input).
            yield Source(
                name=where,
                line=number,
                error=f"invalid Unicode: {place} holds a lone surrogate (U+{code:04X}, from a "
                f"\\u{code:04x} escape), which no UTF-8 text can hold",
                record=record,
            )
            continue
        text = record.get(text_field)
        if not isinstance(text, str):
            yield Source(
                name=where, line=number, error=_no_text_reason(record, text_field), record=record
            )
            continue
        metadata = record_metadata(record, text_field, where)
        yield Source(name=where, line=number, text=text, metadata=metadata, record=record)


def _not_utf8(exc: UnicodeDecodeError) -> str:
    """A JSONL line that is not UTF-8: where, and what to do (the JSON error would say
    nothing of the encoding, which is the problem)."""
    if exc.encoding.replace("_", "-").lower() not in ("utf-8", "utf8"):
        # json.loads took the line for UTF-16/32 (a BOM or NUL bytes; PowerShell's `>` writes
        # UTF-16).
        return f"not UTF-8 (it reads as {exc.encoding}): JSONL is read as UTF-8; convert the file"
    byte = exc.object[exc.start]
    return (
        f"not UTF-8 (byte 0x{byte:02x} at byte {exc.start + 1} of the line): JSONL is read as "
        "UTF-8; convert the file (a cp1252 or Latin-1 file: iconv -f cp1252 -t utf-8)"
    )


_JSON_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "true or false"),
    (int, "a number"),
    (float, "a number"),
    (list, "an array"),
    (dict, "an object"),
)


def _no_text_reason(record: dict[str, Any], text_field: str) -> str:
    """Why a JSONL object gives no text: the field is absent (say which fields it has, as a
    wrong --text-field is the usual cause) or holds something other than a string."""
    problem = f"field {text_field!r} is missing or not a string"
    if text_field not in record:
        fields = [repr(key)[:40] for key in list(record)[:8]]
        more = ", ..." if len(record) > len(fields) else ""
        held = f"its fields are {', '.join(fields)}{more}" if fields else "it has no field"
        return f"{problem} (here: absent; {held}; --text-field names the field to clean)"
    value = record[text_field]
    kind = "null" if value is None else "not text"
    kind = next((name for type_, name in _JSON_KINDS if isinstance(value, type_)), kind)
    return f"{problem} (here: {kind})"


def read_file(path: Path, name: str, kind: str, max_bytes: int) -> Source:
    """A text or HTML file (gzipped or not) read whole as one document, reading at most one
    byte past ``max_bytes`` (its format as its name says: the corpus runner names it so)."""
    try:
        with open_bytes(path) as stream:
            raw = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        reason = getattr(exc, "strerror", None) or exc
        return Source(name=name, error=f"cannot read: {reason}")
    if len(raw) > max_bytes:
        return Source(name=name, error=too_large(max_bytes))
    metadata = {"source": name, "format": "html" if kind == "html" else "auto"}
    return Source(name=name, raw=raw, metadata=metadata)


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSONL file written by cleaner, streamed (``_audit.jsonl`` and friends)."""
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict):
                    yield record
