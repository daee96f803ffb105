"""Reading WARC files (``.warc``, ``.warc.gz``): one document per HTML response.

Records are streamed with warcio (webrecorder's maintained reader): a multi-gigabyte crawl is
never held in memory, only one record's payload at a time. ``response`` records (and
``resource`` records, which some crawlers use for stored pages) whose content type is HTML
become documents; every other record (requests, metadata, images, redirects) is passed over.
The target URI, the WARC date and the record id are kept as metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from cleaner.io.readers import Source

HTML_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
DOCUMENT_RECORD_TYPES = ("response", "resource")


def _content_type(record: Any) -> str:
    if record.http_headers is not None:
        value = record.http_headers.get_header("Content-Type") or ""
    else:
        value = record.rec_headers.get_header("Content-Type") or ""
    return str(value).split(";", 1)[0].strip().lower()


def _is_html_document(record: Any) -> bool:
    if record.rec_type not in DOCUMENT_RECORD_TYPES:
        return False
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        # Redirects and errors carry a server's page, not the article.
        if not str(status).startswith("2"):
            return False
    return _content_type(record) in HTML_CONTENT_TYPES


def read_warc(stream: IO[bytes], name: str, max_bytes: int | None = None) -> Iterator[Source]:
    """One :class:`Source` per HTML response in ``stream``, named ``name:<record number>``.

    A payload larger than ``max_bytes`` becomes a failed source without being read whole. A
    damaged archive ends the stream with one failed source naming the problem.
    """
    number = 0
    try:
        for record in ArchiveIterator(stream):
            number += 1
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
            content = record.content_stream()
            limit = -1 if max_bytes is None else max_bytes + 1
            payload = content.read(limit)
            if max_bytes is not None and len(payload) > max_bytes:
                yield Source(
                    name=where,
                    error=f"record is above the {max_bytes / 1e6:g} MB limit",
                    record=fields,
                )
                continue
            yield Source(name=where, raw=payload, metadata=metadata, record=fields)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        yield Source(name=f"{name}:{number + 1}", error=f"damaged WARC file: {exc}")


def read_warc_path(path: Path, name: str, max_bytes: int | None = None) -> Iterator[Source]:
    """The HTML responses of a ``.warc`` or ``.warc.gz`` file (warcio detects the compression)."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield Source(name=name, error=f"cannot read: {exc.strerror or exc}")
        return
    with stream:
        yield from read_warc(stream, name, max_bytes)
