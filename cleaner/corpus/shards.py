"""Shards: the work one worker does, and how any engine runs it.

An input is cut into shards (one per text, HTML or WARC file; byte ranges of uncompressed
JSONL). :func:`run_shard` cleans one into its files: ``out``, ``audit``, ``errors`` and,
written last, ``done`` (its counts); or, for an input that is one shard, straight into the
input's final files. Every engine (the local pool, Ray) calls it, so all write the same files.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Protocol

from cleaner.corpus.audit import (
    audit_line_pieces,
    doc_id,
    error_record,
    json_line,
    safe_json_line,
    surrogate_reason,
)
from cleaner.corpus.prefix_cache import rest_of, stored_documents, stored_line
from cleaner.errors import DocumentError, ServiceError
from cleaner.io.atomic import remove_file, replace_with, temp_path
from cleaner.io.layout import printable_name
from cleaner.io.readers import open_bytes, read_file, read_jsonl
from cleaner.io.source import Source
from cleaner.io.warc import read_warc_path
from cleaner.io.writers import failure_line, result_record
from cleaner.languagetool import LanguageToolError
from cleaner.metrics import Counts, DocumentMetrics
from cleaner.pipeline import Pipeline, PipelineConfig, Result
from cleaner.stages.learned_chrome import document_lines

BATCH_TASKS = 64
BATCH_BYTES = 256 << 10
BATCHES_PER_WORKER = 8
"""Shards queued per worker: enough to never leave one idle, few enough that stopping early
(a service failure, Ctrl-C) wastes little."""


@dataclass(frozen=True)
class ShardTask:
    rel: str
    kind: str
    path: str
    out_rel: str
    parts_dir: str
    index: int
    start: int
    end: int | None
    first_line: int
    size: int
    text_field: str
    finals: tuple[str, str, str] | None = None
    """For an input that is this one shard: its output, audit and errors files, which the
    worker writes in place of the shard files (None: write shard files to be committed)."""
    learn: bool = False
    """Pass 1 of learned chrome: write the shard's line fingerprints (its ``learn`` file)
    instead of cleaning it (:mod:`cleaner.corpus.learned_chrome`)."""
    prefix: str | None = None
    """Pass 1: where to keep what the stages before learned chrome made of its documents
    (None: not kept); pass 2: where pass 1 kept them, used when it is there
    (:mod:`cleaner.corpus.prefix_cache`)."""


@dataclass(frozen=True)
class ShardDone:
    rel: str
    index: int
    size: int
    counts: dict[str, int]
    written: tuple[str, ...] | None = None
    """For a shard written in place (:attr:`ShardTask.finals`): the outputs it left, as paths
    under OUT (none when its document failed). None: shard files wait to be committed."""


def shard_file(task: ShardTask, what: str) -> Path:
    """One of a shard's files: ``out``, ``audit``, ``errors`` and, written last, ``done`` (its
    counts). Flat files, not a folder per shard: on some file systems (overlayfs) creating
    and removing folders costs more than cleaning a short document."""
    return Path(f"{task.parts_dir}-{task.index:06d}.{what}")


def shard_sources(task: ShardTask, max_bytes: int) -> Iterator[Source]:
    """The documents of one shard, streamed."""
    name = printable_name(task.rel)
    if task.kind in ("text", "html"):
        source = read_file(Path(task.path), name, task.kind, max_bytes)
        # The real name, as `clean` gives it, for the learned-chrome site (site_of escapes it).
        if source.error is None:
            source = replace(source, metadata={**source.metadata, "source": task.rel})
        yield source
    elif task.kind == "warc":
        yield from read_warc_path(Path(task.path), name, max_bytes)
    elif task.end is None and task.start == 0:
        try:
            with open_bytes(Path(task.path)) as stream:
                lines = read_jsonl(
                    stream, name, task.text_field, max_bytes, first_line=task.first_line
                )
                yield from _located(lines)
        except (OSError, EOFError, zlib.error) as exc:
            yield Source(name=name, error=f"cannot read: {exc}")
    else:
        with open(task.path, "rb") as stream:
            stream.seek(task.start)
            length = None if task.end is None else task.end - task.start
            lines = read_jsonl(
                stream,
                name,
                task.text_field,
                max_bytes,
                first_line=task.first_line,
                length=length,
            )
            yield from _located(lines)


def _located(sources: Iterable[Source]) -> Iterator[Source]:
    """A corpus document's ``source`` is where it was read (``file:line``), even when its
    record's own metadata names another."""
    for source in sources:
        if "source" in source.metadata and source.metadata["source"] != source.name:
            source = replace(source, metadata={**source.metadata, "source": source.name})
        yield source


def service_error(exc: DocumentError) -> ServiceError | None:
    """The service failure behind a document's error (LanguageTool gone), if that is what it
    is: not the document's fault, so a run stops rather than fail every document after it."""
    cause = exc.__cause__
    if isinstance(cause, LanguageToolError):
        return ServiceError(str(cause))
    return None


def run_shard(pipeline: Pipeline, task: ShardTask) -> ShardDone:
    """Clean one shard into temporary files, rename them into place, then write its ``done``
    file: a shard with a ``done`` file is complete, one without is redone. A shard with
    :attr:`~ShardTask.finals` is renamed straight into those instead, and has no ``done``
    file: the manifest line the runner then writes says it is done."""
    if task.learn:
        return _collect_lines(pipeline, task)
    if task.finals is not None:
        done_in_place = _run_in_place(pipeline, task, task.finals)
        _forget_prefix(task)
        return done_in_place
    done = shard_file(task, "done")
    if done.exists():
        return ShardDone(task.rel, task.index, task.size, read_counts(done))
    finals = {what: shard_file(task, what) for what in ("out", "audit", "errors")}
    temps = {what: temp_path(path) for what, path in finals.items()}
    counts = Counts()
    try:
        _write_shard(pipeline, task, temps, counts)
        for what, tmp in temps.items():
            if tmp.exists():
                os.replace(tmp, finals[what])
            else:
                remove_file(finals[what])
        data = json.dumps(counts.as_dict()).encode()
        replace_with(done, lambda handle: handle.write(data), durable=False)
    except BaseException:
        for tmp in temps.values():
            remove_file(tmp)
        raise
    _forget_prefix(task)
    return ShardDone(task.rel, task.index, task.size, counts.as_dict())


def _forget_prefix(task: ShardTask) -> None:
    """Pass 1's documents of a shard whose outputs are written are needed no more."""
    if task.prefix is not None:
        remove_file(Path(task.prefix))


def _run_in_place(pipeline: Pipeline, task: ShardTask, finals: tuple[str, str, str]) -> ShardDone:
    output, audit, errors = (Path(path) for path in finals)
    output.parent.mkdir(parents=True, exist_ok=True)
    temps = {"out": temp_path(output), "audit": temp_path(audit), "errors": temp_path(errors)}
    counts = Counts()
    try:
        _write_shard(pipeline, task, temps, counts)
        os.replace(temps["audit"], audit)
        if temps["errors"].exists():
            os.replace(temps["errors"], errors)
        else:
            remove_file(errors)  # from an earlier run of a changed input
        wrote = temps["out"].exists()
        if wrote:
            os.replace(temps["out"], output)
        else:
            remove_file(output)  # the document failed: no stale output from an earlier run
    except BaseException:
        for tmp in temps.values():
            remove_file(tmp)
        raise
    return ShardDone(
        task.rel, task.index, task.size, counts.as_dict(), (task.out_rel,) if wrote else ()
    )


@dataclass(frozen=True)
class Failure:
    """Why a document of a shard has no result: the reason, and the stage that gave it (None
    when the document could not be read)."""

    reason: str
    stage: str | None


def cleaned_documents(
    pipeline: Pipeline, task: ShardTask
) -> Iterator[tuple[Source, Result | Failure]]:
    """Each document of a shard with its cleaned result, or why it has none. An unreachable
    service stops the shard (:class:`ServiceError`): every document after it would fail too."""
    stored = None if task.learn or task.prefix is None else stored_documents(Path(task.prefix))
    rest = rest_of(pipeline) if stored is not None else None
    for source in shard_sources(task, pipeline.config.max_bytes):
        kept = None
        if stored is not None:
            name, kept = next(stored, ("", None))
            if name != source.name:  # not this shard's documents: run them from the start
                stored, kept = None, None
        if source.error is not None:
            yield source, Failure(source.error, None)
            continue
        try:
            if kept is not None and rest is not None:
                result = kept.finish(rest)
            else:
                result = pipeline.run(source.document(), keep_input=False)
        except DocumentError as exc:
            service = service_error(exc)
            if service is not None:
                raise service from exc
            yield source, Failure(exc.reason, exc.stage)
            continue
        yield source, result


def _collect_lines(pipeline: Pipeline, task: ShardTask) -> ShardDone:
    """Pass 1 of learned chrome: per document with text, its site and its distinct lines
    that may be learned, as one JSON line of the shard's ``learn`` file (written whole, so a
    shard with a ``learn`` file is done). Failed documents are left out: pass 2 reports them."""
    final = shard_file(task, "learn")
    counts = Counts()
    if final.exists():
        return ShardDone(task.rel, task.index, task.size, counts.as_dict())
    kept = Path(task.prefix) if task.prefix is not None else None
    kept_temp = temp_path(kept) if kept is not None else None

    def fill(handle: IO[bytes]) -> None:
        keeping = _KeptDocuments(kept, kept_temp)
        try:
            for source, result in cleaned_documents(pipeline, task):
                counts.documents += 1
                keeping.write(source.name, None if isinstance(result, Failure) else result)
                if isinstance(result, Failure):
                    continue
                record = document_lines(result.text, result.metadata)
                if record is not None:
                    handle.write(safe_json_line(record))
        finally:
            keeping.close()
        keeping.commit()  # before the learn file, which says the shard is done

    try:
        replace_with(final, fill, durable=False)
    except BaseException:
        if kept_temp is not None:
            remove_file(kept_temp)
        raise
    return ShardDone(task.rel, task.index, task.size, counts.as_dict())


class _KeptDocuments:
    """The shard's documents as pass 1 left them, for pass 2 (``kept``; None: not kept).
    Only a saving: a write that fails (a full disk) drops them, and pass 2 then runs those
    documents from the start, rather than the run stopping."""

    def __init__(self, kept: Path | None, temp: Path | None) -> None:
        self.kept, self.temp = kept, temp
        self.handle: IO[bytes] | None = None
        if kept is not None and temp is not None:
            try:
                self.handle = temp.open("wb")
            except OSError:
                self.temp = None

    def write(self, source_name: str, result: Result | None) -> None:
        if self.handle is None:
            return
        try:
            self.handle.write(stored_line(source_name, result))
        except OSError:
            self.drop()

    def close(self) -> None:
        if self.handle is not None:
            try:
                self.handle.close()
            except OSError:
                self.drop()
            self.handle = None

    def commit(self) -> None:
        if self.kept is None or self.temp is None:
            return
        try:
            os.replace(self.temp, self.kept)
        except OSError:
            self.drop()

    def drop(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.handle.close()
            self.handle = None
        if self.temp is not None:
            remove_file(self.temp)
            self.temp = None


class _Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


def _open_output(stack: contextlib.ExitStack, path: Path, gzip_output: bool) -> _Sink:
    raw = stack.enter_context(path.open("wb"))
    if not gzip_output:
        return raw
    # No file name or time in the gzip header: the same input gives the same bytes.
    return stack.enter_context(gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0))


def _write_shard(pipeline: Pipeline, task: ShardTask, tmp: dict[str, Path], counts: Counts) -> None:
    line_output = task.kind in ("jsonl", "warc")
    gzip_output = task.out_rel.lower().endswith(".gz")
    output_line = 0
    name, out_name = printable_name(task.rel), printable_name(task.out_rel)
    with contextlib.ExitStack() as stack:
        out: _Sink | None = None
        audit = stack.enter_context(tmp["audit"].open("wb"))
        errors: IO[bytes] | None = None  # made for the first failure: most shards have none

        def failed(source: Source, reason: str, stage: str | None) -> None:
            nonlocal errors, out, output_line
            if errors is None:
                errors = stack.enter_context(tmp["errors"].open("wb"))
            errors.write(safe_json_line(error_record(source, name, reason, stage)))
            if line_output:
                # The record stays in its place, as it was, with ``cleaner_error``: a dataset
                # written by a corpus run holds every input record, as `cleaner clean` writes.
                if out is None:
                    out = _open_output(stack, tmp["out"], gzip_output)
                out.write(failure_line(reason, source.name, source.record).encode("utf-8"))
                output_line += 1

        for source, result in cleaned_documents(pipeline, task):
            counts.documents += 1
            if isinstance(result, Failure):
                counts.failures += 1
                failed(source, result.reason, result.stage)
                continue
            metrics = DocumentMetrics.of(result)
            audit_end = audit.tell()
            try:
                if line_output:
                    record = result_record(result, doc_id(source), source.record, task.text_field)
                    record.pop("edits", None)  # they are in _audit.jsonl; the data stays lean
                    data = json_line(record)
                else:
                    data = result.text.encode("utf-8")
                line = output_line + 1 if line_output else None
                # Streamed: a document's audit line can be larger than the document.
                for piece in audit_line_pieces(result, source, name, out_name, line, metrics):
                    audit.write(piece)
            except UnicodeEncodeError as exc:
                audit.seek(audit_end)  # no part of a document that failed stays in the audit
                audit.truncate()
                counts.failures += 1
                failed(source, surrogate_reason(exc), "write")
                continue
            if out is None:
                out = _open_output(stack, tmp["out"], gzip_output)
            output_line += int(line_output)
            out.write(data)
            counts.add_document(metrics)
            del result, data  # not held while the next document is read and cleaned
        if line_output and out is None:
            # Every line failed (or the file is empty): the output still exists, empty.
            _open_output(stack, tmp["out"], gzip_output)


def read_counts(done: Path) -> dict[str, int]:
    data = json.loads(done.read_text(encoding="utf-8"))
    return {str(k): int(v) for k, v in data.items()}


def batches(pending: Iterable[ShardTask], count: int, jobs: int) -> Iterator[list[ShardTask]]:
    """Small shards travel to workers in batches: one round trip per short text file costs
    the parent more than the worker's cleaning. Batches stay small enough to spread the
    ``count`` tasks evenly over the workers until the end."""
    limit = max(1, min(BATCH_TASKS, count // (jobs * BATCHES_PER_WORKER)))
    batch: list[ShardTask] = []
    size = 0
    for task in pending:
        batch.append(task)
        size += task.size
        if len(batch) >= limit or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class ShardEngine(Protocol):
    """Runs a run's shards: the local worker pool (:class:`cleaner.corpus.pool.LocalEngine`)
    or Ray (:class:`cleaner.integrations.ray.RayEngine`). Everything else in a run stays the
    runner's, so every engine writes the same outputs, audit and error files."""

    workers: int
    """How many workers it used (set by :meth:`run`; shown as the run's jobs)."""

    @property
    def shares_local_languagetool(self) -> bool:
        """Whether its workers can reach a LanguageTool server started on this machine."""
        ...

    def run(
        self,
        tasks: Iterator[ShardTask],
        count: int,
        config: PipelineConfig,
        finished: Callable[[ShardDone], None],
        died: Callable[[ShardTask, str], None],
    ) -> None:
        """Run every task (``count`` of them, handed out as they are planned), calling
        ``finished`` (in this process) once each task's shard files are written, as
        :func:`run_shard` writes them, and ``died`` for a task whose worker died cleaning it
        (its input is left out)."""
        ...
