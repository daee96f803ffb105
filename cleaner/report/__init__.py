"""``report.html``: a page to review what a corpus run did.

The page tells the run (when, how long, which version, inputs cleaned, skipped as unchanged,
failed), lists every failure with its reason, totals edits per stage and per rule (sortable),
lists the grammar findings that were not applied, and has a row per document. A document
opens in a viewer that shows its clean text with what was removed struck through (a removed
line on its own line) and what was replaced highlighted (the original on hover). It needs no
network: style and script are inline, and the texts sit in small script files in
``_report/`` beside the page, loaded when a document is opened, so the page stays small and
still works opened straight from disk (``file://``, where ``fetch`` is refused).

The package: :mod:`~cleaner.report.view` (edits mapped onto the final text, computed as each
document is cleaned), :mod:`~cleaner.report.totals` (figures gathered from ``_audit.jsonl``),
:mod:`~cleaner.report.page` (the HTML).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import itertools
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from cleaner.io.atomic import replace_with
from cleaner.io.layout import ERRORS_FILE, REPORT_ASSETS
from cleaner.io.readers import iter_jsonl
from cleaner.report.page import (
    DOCS_PER_CHUNK,
    MAX_FINDINGS_PER_DOCUMENT,
    ROWS_HERE,
    document_entry,
    page_html,
    row_html,
    spin_text,
)
from cleaner.report.stream import (
    AuditLines,
    EditSummary,
    UnreadableText,
    ascii_json_string,
    file_json_string,
)
from cleaner.report.totals import OutputReader, Row, Totals
from cleaner.report.view import View, final_spans

MAX_ROWS = 20_000
"""Rows in the table: beyond this the page gets slow to open; _audit.jsonl has them all."""


MAX_FAILURES_SHOWN = 2000


def write_report(
    audit_path: Path,
    out_dir: Path,
    report_path: Path,
    max_documents: int = 200,
    run: Mapping[str, Any] | None = None,
    temp_dir: Path | None = None,
) -> None:
    """Write ``report_path`` from ``audit_path`` and the ``_errors.jsonl`` beside it.

    The page holds the run's details (``run``: what the runner knows, such as ``started``
    (epoch seconds), ``seconds``, ``input``, ``output``, ``stages``, ``jobs``,
    ``inputs_cleaned``, ``inputs_unchanged``, ``inputs_removed``), every failure with its
    reason, totals per stage and per rule, the grammar findings not applied, and a row per
    document (up to :data:`MAX_ROWS`). The texts of the first ``max_documents`` documents go
    to script files in ``_report/`` beside the page, loaded only when a document is opened:
    a ``<script>`` element loads a local file where ``fetch`` is refused (``file://``).

    ``temp_dir`` holds the page's temporary file while it is written (a corpus run's state
    folder, out of the user's sight).

    Memory stays flat in corpus size: rows go to a spooled temporary file as they are made,
    texts to their files a chunk at a time.
    """
    assets = report_path.parent / REPORT_ASSETS
    # Names the texts' version in their URLs, so that a browser never shows cached texts of
    # an earlier report; a hash, so that the same run gives the same page.
    texts_digest = hashlib.sha256()
    totals = Totals()
    reader = OutputReader(out_dir)
    in_chunk = 0
    chunks_written = 0

    with (
        tempfile.SpooledTemporaryFile(max_size=1 << 20) as rows,
        # The script of the chunk being made, a document at a time (on disk past 1 MB).
        tempfile.SpooledTemporaryFile(max_size=1 << 20) as chunk,
        contextlib.ExitStack() as stack,
    ):

        def add_to_chunk(entry: Callable[[bool], Iterable[bytes]]) -> None:
            """Add a document's entry, ``entry(True)``: its text is read from its file as it
            is written, so a file found unreadable part way is taken back out and the entry
            written again without the text, ``entry(False)``."""
            nonlocal in_chunk, texts_digest
            opening = f"cleanerReport.add({chunks_written},[" if not in_chunk else ","
            mark, digest_before = chunk.tell(), texts_digest.copy()
            try:
                write_to_chunk([opening.encode("ascii")], entry(True))
            except UnreadableText:
                chunk.seek(mark)
                chunk.truncate()
                texts_digest = digest_before
                write_to_chunk([opening.encode("ascii")], entry(False))
            in_chunk += 1

        def write_to_chunk(*parts: Iterable[bytes]) -> None:
            for piece in itertools.chain(*parts):
                texts_digest.update(piece)
                chunk.write(piece)

        def flush_chunk() -> None:
            nonlocal in_chunk, chunks_written
            if not in_chunk:
                return
            texts_digest.update(b"]);\n")
            chunk.write(b"]);\n")
            chunk.seek(0)
            replace_with(
                assets / _chunk_name(chunks_written),
                lambda h: shutil.copyfileobj(chunk, h, 1 << 20),
                durable=False,
            )
            chunk.seek(0)
            chunk.truncate()
            chunks_written += 1
            in_chunk = 0

        audit = stack.enter_context(audit_path.open("rb")) if audit_path.exists() else None
        lines = AuditLines(audit if audit is not None else io.BytesIO())
        listed = 0
        try:
            while True:
                read = _read_record(lines)
                if read is None:
                    break
                fields, summary, view = read
                record = {**fields, "edits": summary}
                number = totals.documents + 1
                listed_now = listed < MAX_ROWS
                totals.add(number, record, view, listed_now)
                shown = number <= max_documents and listed_now
                if shown:
                    add_to_chunk(
                        functools.partial(
                            _entry_pieces, number, fields, summary, view, reader, out_dir
                        )
                    )
                    if in_chunk == DOCS_PER_CHUNK:
                        flush_chunk()
                if listed_now:
                    listed += 1
                    counts = {str(k): int(v) for k, v in (record.get("edit_counts") or {}).items()}
                    row = Row(
                        number=number,
                        doc_id=str(record.get("id", "")),
                        source=str(record.get("source", "")),
                        output=str(record.get("output", "")),
                        chars_out=int(record.get("chars_out", 0) or 0),
                        chrome=int(record.get("chrome_lines_removed", 0) or 0),
                        counts=counts,
                        spin=spin_text(record),
                        shown=shown,
                    )
                    rows.write(_page_bytes(row_html(row)))
            flush_chunk()
        finally:
            reader.close()
        errors_path = audit_path.parent / ERRORS_FILE
        failures, failed_total = _failures(errors_path)
        rows.seek(0)
        page = page_html(
            listed=listed,
            totals=totals,
            failures=failures,
            failed_total=failed_total,
            run=dict(run or {}),
            shown=min(max_documents, listed),
            texts_url=f"{REPORT_ASSETS}/docs-{{n}}.js?v={texts_digest.hexdigest()[:12]}",
        )
        head, tail = page.split(ROWS_HERE)

        def fill(handle: IO[bytes]) -> None:
            handle.write(_page_bytes(head))
            shutil.copyfileobj(rows, handle, 1 << 20)
            handle.write(_page_bytes(tail))

        replace_with(report_path, fill, temp_dir=temp_dir)
    _remove_stale_chunks(assets, chunks_written)


def _read_record(lines: AuditLines) -> tuple[dict[str, Any], EditSummary, View] | None:
    """The next audit line without its edits (each is counted and dropped), or None."""
    summary = EditSummary(MAX_FINDINGS_PER_DOCUMENT)
    view: View = []

    def on_item(key: str, item: Any) -> None:
        if key == "edits":
            summary.add(item)
        elif isinstance(item, list) and len(item) == 5:
            view.append(item)

    head = lines.next_record(on_item)
    return None if head is None else (head, summary, view)


_TEXT_MARK = "\0text\0"
_TEXT_AND_VIEW = '"text":' + json.dumps(_TEXT_MARK) + ',"view":[]'


def _entry_pieces(
    number: int,
    head: dict[str, Any],
    summary: EditSummary,
    view: View,
    reader: OutputReader,
    out_dir: Path,
    with_text: bool,
) -> Iterator[bytes]:
    """``json.dumps(document_entry(...), ensure_ascii=True, separators=(",", ":"))`` in
    pieces: the text is escaped a block at a time, the view a span at a time. Without
    ``with_text``, or when the text cannot be read, the text is null; an output file found
    unreadable after some pieces raises :class:`UnreadableText`."""
    entry = document_entry(number, {**head, "edits": summary.shown}, _TEXT_MARK, [])
    entry["more_findings"] = max(0, summary.shown_total - MAX_FINDINGS_PER_DOCUMENT)
    payload = json.dumps(entry, ensure_ascii=True, separators=(",", ":"))
    before, found, after = payload.partition(_TEXT_AND_VIEW)
    text_pieces: Iterator[bytes] | None
    if not with_text:
        text_pieces = None
    elif head.get("output_line") is None:
        text_pieces = file_json_string(out_dir / str(head.get("output", "")))
    else:
        text = reader.text(head)
        text_pieces = None if text is None else ascii_json_string(text)
    if not found:  # the entry's keys were reordered: whole values, same bytes
        whole = None if text_pieces is None else json.loads(b"".join(text_pieces))
        entry["text"], entry["view"] = whole, view
        yield json.dumps(entry, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        return
    yield (before + '"text":').encode("ascii")
    yield from text_pieces if text_pieces is not None else (b"null",)
    yield b',"view":['
    separator = b""
    for span in view:
        yield separator + json.dumps(span, ensure_ascii=True, separators=(",", ":")).encode()
        separator = b","
    yield (b"]" + after.encode("ascii"))


def _chunk_name(index: int) -> str:
    return f"docs-{index:05d}.js"


_CHUNK_FILE = re.compile(r"docs-(\d{5,})\.js")


def _remove_stale_chunks(assets: Path, keep: int) -> None:
    """Texts of an earlier, longer report: only files named as this module names them."""
    if not assets.is_dir():
        return
    for path in assets.iterdir():
        match = _CHUNK_FILE.fullmatch(path.name)
        if match and int(match.group(1)) >= keep:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _failures(errors_path: Path) -> tuple[list[list[str]], int]:
    """``[input, id, stage, reason]`` of the first failures, and how many there are."""
    shown: list[list[str]] = []
    total = 0
    if errors_path.exists():
        for record in iter_jsonl(errors_path):
            total += 1
            if total <= MAX_FAILURES_SHOWN:
                shown.append(
                    [
                        str(record.get("input", record.get("source", ""))),
                        str(record.get("id", "")),
                        str(record.get("stage", "")),
                        str(record.get("reason", "")),
                    ]
                )
    return shown, total


def _page_bytes(html: str) -> bytes:
    # A document id or input name may hold a lone surrogate (a JSONL id written "\udcff", a
    # file name in non-UTF-8 bytes); the page shows it as that escape instead of failing.
    return html.encode("utf-8", "backslashreplace")


__all__ = ["View", "final_spans", "write_report"]
