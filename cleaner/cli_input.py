"""Cleaning one input of ``cleaner clean``: read its documents, run the pipeline, and hand
each result (text, Markdown, JSONL record or diff) and each message on as it comes. Shared by
the one-process run and the ``-j`` workers; the command itself is in :mod:`cleaner.cli`."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from cleaner.document import Edit
from cleaner.errors import DocumentError
from cleaner.io.layout import message_name
from cleaner.io.naming import MULTI_DOCUMENT_KINDS
from cleaner.io.readers import detect_kind, read_input
from cleaner.io.writers import failure_line, result_record, to_json_line
from cleaner.pipeline import Pipeline, PipelineConfig, Result
from cleaner.registry import GRAMMAR
from cleaner.rules.grammar import FINDINGS_HINT


class OutputFormat(StrEnum):
    text = "text"
    jsonl = "jsonl"
    markdown = "markdown"


def explain_line(edit: Edit) -> str:
    before = _short(edit.before)
    after = _short(edit.after)
    status = "" if edit.applied else " (not applied)"
    message = f"  # {edit.message}" if edit.message else ""
    return f"{edit.stage:<9} {edit.rule_id:<40} line {edit.line:>4}: {before} -> {after}{status}{message}"


def _short(text: str, limit: int = 100) -> str:
    shown = repr(text if len(text) <= limit else text[: limit - 1] + "…")
    return shown


def _diff(result: Result, name: str) -> str:
    """Input against output; for HTML the input is the extracted text, not the markup."""
    extracted = result.metadata.get("format") == "html"
    before = result.extracted_text if extracted else result.input_text
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        result.text.splitlines(keepends=True),
        fromfile=f"{name} ({'extracted text' if extracted else 'input'})",
        tofile=f"{name} (cleaned)",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


@dataclass(frozen=True)
class CleanSettings:
    """What cleaning one input needs besides the pipeline (kept picklable for workers)."""

    input_format: str
    output_format: OutputFormat
    text_field: str
    explain: bool
    diff: bool
    records_for_multi_document: bool
    """Folder output: a JSONL or WARC input is written as records, whatever the format."""
    headers: bool
    """Several inputs to stdout as text: each document gets a ``==> name <==`` header."""


@dataclass
class InputOutcome:
    """One input's output pieces and messages, for an input cleaned in a worker process."""

    pieces: list[tuple[str, str | None]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    failures: int = 0
    service_error: str | None = None


def _why_no_findings(config: PipelineConfig) -> str:
    """Why ``--explain`` shows no grammar findings: it turns them on unless the pipeline file
    turns them off, so say that file did (a generic hint would suggest --explain itself)."""
    if config.options.get(GRAMMAR, {}).get("findings") is False:
        where = config.source or "the pipeline file"
        return (
            f"findings = false under [options.grammar] in {where} turns them off; remove "
            "that line, or set it to true, to collect them"
        )
    return FINDINGS_HINT


def clean_input(
    name: str,
    pipeline: Pipeline,
    settings: CleanSettings,
    on_piece: Callable[[str, str | None], None],
    on_message: Callable[[str], None],
) -> int:
    """Clean every document of one input; each result goes to ``on_piece`` (text, header) and
    each message to ``on_message``, as it comes. Returns the number of failed documents."""
    failures = 0
    stdin_kind = "jsonl" if settings.output_format is OutputFormat.jsonl else "text"
    as_records = settings.output_format is OutputFormat.jsonl or (
        settings.records_for_multi_document and detect_kind(name) in MULTI_DOCUMENT_KINDS
    )
    sources = read_input(
        name, settings.input_format, settings.text_field, pipeline.config.max_bytes, stdin_kind
    )
    for source in sources:
        # Escaped for the message line, as corpus messages are: a file named
        # "evil\ncleaner: all done.txt" printed a line of its own that looked like cleaner's.
        shown = message_name(source.name)
        if source.error is not None:
            failures += 1
            on_message(f"cleaner: {shown}: {source.error}")
            if as_records and source.line is not None:
                on_piece(failure_line(source.error, source.name, source.record), None)
            continue
        try:
            result = pipeline.run(source.document(), keep_input=settings.diff)
        except DocumentError as exc:
            failures += 1
            where = f" ({exc.stage})" if exc.stage else ""
            on_message(f"cleaner: {shown}: {exc.reason}{where}")
            if as_records and source.line is not None:
                reason = f"{exc.reason}{where}"
                on_piece(failure_line(reason, source.name, source.record), None)
            continue
        for warning in result.warnings:
            on_message(f"cleaner: {shown}: warning: {warning}")
        if settings.explain:
            count = len(result.applied_edits)
            on_message(f"== {shown}: {count} edit{'' if count == 1 else 's'}")
            if result.metadata.get("grammar_findings") is False:
                on_message(f"   (not collected: {_why_no_findings(pipeline.config)})")
            for edit in result.edits:
                on_message(explain_line(edit))
        if settings.diff:
            piece = _diff(result, source.name)
        elif as_records:
            piece = to_json_line(
                result_record(result, source.name, source.record, settings.text_field)
            )
        else:
            piece = result.text
        on_piece(piece, source.name if settings.headers else None)
    return failures
