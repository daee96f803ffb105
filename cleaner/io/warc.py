"""Reading WARC files (``.warc``, ``.warc.gz``): one document per HTML response.

Records are streamed with warcio (webrecorder's maintained reader): a multi-gigabyte crawl is
never held in memory, only one record's payload at a time. ``response`` records (and
``resource`` records, which some crawlers use for stored pages) whose content type is HTML
become documents; every other record (requests, metadata, images, redirects) is passed over.
The target URI, the WARC date and the record id are kept as metadata.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from cleaner.io.source import Source
from cleaner.stages.declared_charset import charset_parameter

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
DRAIN_BLOCK = 1 << 16
DOCUMENT_RECORD_TYPES = ("response", "resource")


def _content_type(record: Any) -> str:
    if record.http_headers is not None:
        value = record.http_headers.get_header("Content-Type") or ""
    else:
        value = record.rec_headers.get_header("Content-Type") or ""
    return str(value).split(";", 1)[0].strip().lower()


def _http_charset(record: Any) -> str | None:
    """The charset the server named in the response's ``Content-Type`` header
    (``text/html; charset=koi8-r``), which the decode stage puts before the page's own
    ``<meta>``, as browsers do; None when it names none."""
    if record.http_headers is None:
        return None
    return charset_parameter(str(record.http_headers.get_header("Content-Type") or ""))


def _is_html_document(record: Any) -> bool:
    if record.rec_type not in DOCUMENT_RECORD_TYPES:
        return False
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        # Redirects and errors carry a server's page, not the article.
        if not str(status).startswith("2"):
            return False
    return _content_type(record) in HTML_CONTENT_TYPES


def _missing_bytes(record: Any) -> int:
    """How many bytes of ``record`` its Content-Length promises but the file does not hold,
    once the record has been read to its end (0 for a complete record)."""
    remaining: object = getattr(record.raw_stream, "limit", 0)
    return remaining if isinstance(remaining, int) and remaining > 0 else 0


def _truncated(name: str, number: int, record: Any, missing: int) -> Source:
    length = record.length if isinstance(record.length, int) else None
    of = f" of its {length} bytes" if length is not None else ""
    return Source(
        name=f"{name}:{number}",
        error=f"damaged WARC file: the file ends inside record {number}, {missing} bytes{of} "
        "short (cut off or still being written?); that record and any after it are missing",
    )


class _CheckedIterator(ArchiveIterator):  # type: ignore[misc]
    """warcio's iterator, noting a record header the file cuts short: warcio takes that for
    the end of the file and stops without a word."""

    header_cut = False
    gzip_cut = False

    def close(self) -> None:
        # Asked as the iterator ends, before warcio drops its decompressor: a gzip stream that
        # stops before its end marker was cut off. Without this, a one-member .warc.gz cut
        # where its decompressed text ends between two records lost the records after
        # without a word (a plain .warc cut there cannot be told from a shorter file).
        decompressor = getattr(self.reader, "decompressor", None)
        if decompressor is not None and getattr(decompressor, "eof", True) is False:
            self.gzip_cut = True
        super().close()

    def _next_record(self, next_line: Any) -> Any:
        reader = self.reader
        read_text = False
        plain_readline = reader.readline

        def readline(*args: Any) -> Any:
            nonlocal read_text
            line = plain_readline(*args)
            read_text = read_text or bool(line.strip())
            return line

        reader.readline = readline
        try:
            return super()._next_record(next_line)
        except EOFError:
            if read_text or (next_line and next_line.strip()):
                self.header_cut = True
            raise
        finally:
            del reader.readline

    def _raise_invalid_gzip_err(self) -> None:
        """A ``.warc.gz`` compressed as one gzip member (``gzip crawl.warc``) rather than one
        member per record: warcio refuses it after the first record, because such a file
        cannot be read from a record's offset. We read records in order and never seek, so
        its records read like any others: the decompressed stream goes on from one record to
        the next. Refusing lost every record after the first."""


def _unread_bytes(stream: IO[bytes], iterator: ArchiveIterator) -> int:
    """Bytes after the last whole record: a record cut inside its header lines, which warcio
    passes over without a word."""
    try:
        return max(0, stream.tell() - int(iterator.offset))
    except (OSError, ValueError, AttributeError):
        return 0  # a stream that cannot tell (a pipe): nothing to compare


def read_warc(stream: IO[bytes], name: str, max_bytes: int | None = None) -> Iterator[Source]:
    """One :class:`Source` per HTML response in ``stream``, named ``name:<record number>``.

    A payload larger than ``max_bytes`` becomes a failed source without being read whole. A
    damaged archive (a record shorter than its Content-Length, a cut header, bad compression)
    ends the stream with one failed source naming the record; the records before it stand.
    Every error is one line: warcio's messages quote the bytes they choked on, line breaks
    included, which split a message (and a log line) in two.
    """
    for source in _read_warc(stream, name, max_bytes):
        if source.error is not None and _LINE_BREAKS.search(source.error):
            source = replace(source, error=one_line(source.error))
        yield source


_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_BREAK_RUN = re.compile(r"\s*[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]\s*")


def one_line(message: str) -> str:
    """``message`` with each line break (and the white space around it) as one space: every
    separator that str.splitlines splits on, as a log reader would."""
    return _BREAK_RUN.sub(" ", message).strip()


def _read_warc(stream: IO[bytes], name: str, max_bytes: int | None) -> Iterator[Source]:
    number = 0
    record: Any = None
    try:
        iterator = _CheckedIterator(stream)
        for record in iterator:
            number += 1
            declared = str(record.rec_headers.get_header("Content-Length") or "").strip()
            if record.rec_type is None or record.length is None or not declared.isdigit():
                # Every WARC record has a type and a Content-Length: this header was cut.
                yield Source(
                    name=f"{name}:{number}",
                    error=f"damaged WARC file: the header of record {number} is incomplete "
                    "(no WARC-Type or Content-Length; cut off?); that record and any after it "
                    "are missing",
                )
                return
            if not _is_html_document(record):
                continue
            where = f"{name}:{number}"
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            date = record.rec_headers.get_header("WARC-Date") or ""
            record_id = record.rec_headers.get_header("WARC-Record-ID") or where
            fields: dict[str, Any] = {"id": record_id, "url": uri, "date": date}
            metadata: dict[str, Any] = {
                "source": where,
                "format": "html",
                "url": uri,
                "date": date,
                "warc_record_id": record_id,
            }
            if charset := _http_charset(record):
                metadata["http_charset"] = charset
            content = record.content_stream()
            payload = content.read() if max_bytes is None else content.read(max_bytes + 1)
            if max_bytes is not None and len(payload) > max_bytes:
                yield Source(
                    name=where,
                    error=f"record is above the {max_bytes / 1e6:g} MB limit",
                    record=fields,
                )
                continue
            # The payload ended: a record the file cuts short ends here too, so it is checked
            # before its text is taken for the whole page.
            while record.raw_stream.read(DRAIN_BLOCK):
                pass
            missing = _missing_bytes(record)
            if missing:
                yield _truncated(name, number, record, missing)
                return
            yield Source(name=where, raw=payload, metadata=metadata, record=fields)
        # The iterator reads each record it passes over to its end, the last one included.
        if record is not None and _missing_bytes(record):
            yield _truncated(name, number, record, _missing_bytes(record))
        elif iterator.header_cut or (unread := _unread_bytes(stream, iterator)):
            got = "" if iterator.header_cut else f" ({unread} bytes that are not a whole record)"
            yield Source(
                name=f"{name}:{number + 1}",
                error=f"damaged WARC file: the file ends inside the header of record "
                f"{number + 1}{got}; cut off?",
            )
        elif iterator.gzip_cut:
            yield Source(
                name=f"{name}:{number + 1}",
                error=f"damaged WARC file: the gzip compression ends before its end marker "
                f"after record {number}; the file is cut off, and any records after it are "
                "missing",
            )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, OverflowError, zlib.error) as exc:
        # OverflowError: a Content-Length too large for a read (it crashed the command).
        yield Source(name=f"{name}:{number + 1}", error=f"damaged WARC file: {exc}")
    except (AttributeError, TypeError, IndexError, KeyError) as exc:
        # warcio fails this way on a file cut inside a record's header lines.
        yield Source(
            name=f"{name}:{number + 1}",
            error=f"damaged WARC file: record {number + 1} has an incomplete or unreadable "
            f"header (the file is cut off?): {type(exc).__name__}: {exc}",
        )


def read_warc_path(path: Path, name: str, max_bytes: int | None = None) -> Iterator[Source]:
    """The HTML responses of a ``.warc`` or ``.warc.gz`` file (warcio detects the compression;
    a ``.warc.gz`` may be one gzip member per record or one member for the whole file)."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield Source(name=name, error=f"cannot read: {exc.strerror or exc}")
        return
    with stream:
        yield from read_warc(stream, name, max_bytes)
