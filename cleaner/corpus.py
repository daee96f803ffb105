"""Cleaning a folder tree: parallel, incremental, resumable, with an audit trail.

``run_corpus(IN, OUT, config)`` walks IN and writes into OUT a tree that mirrors it:

=====================================  ===============================================
input                                  output
=====================================  ===============================================
``a/b.txt``, ``a/b.html``(``.gz``)     ``a/b.txt``: the clean text
``a/b.jsonl`` (``.gz``)                ``a/b.jsonl`` (``.gz``): every field kept, the text
                                       field cleaned, cleaner's ``metadata`` added
``a/b.warc`` (``.gz``)                 ``a/b.jsonl``: one record per HTML response
=====================================  ===============================================

plus ``_audit.jsonl`` (one line per document), ``_errors.jsonl`` (one line per failed document)
and ``report.html``. Everything the runner needs to resume lives in ``OUT/.cleaner/``.

How a run survives being killed at any moment (SIGKILL included):

* Work is cut into *shards*: one per text, HTML or WARC file, and byte ranges of about
  :data:`SHARD_BYTES` for uncompressed JSONL (so one big file is spread over every worker and
  a kill loses at most a shard per worker). A worker writes a shard's output, audit lines and
  error lines to temporary files, renames them into ``OUT/.cleaner/parts/`` and writes the
  shard's ``done`` file last: a shard with a ``done`` file is complete, any other is redone.
* When every shard of an input is done, the runner *commits* the input: output renamed into
  the mirrored tree, audit and error lines into per-input files, then the input recorded in the
  manifest. Every step is idempotent, so a commit cut short is simply redone.
* An input that is a single shard (every text, HTML and WARC file, and small JSONL) skips the
  parts: the worker renames its output, audit and error files straight into their final
  places, and the runner only records it in the manifest. Until that entry is written the input
  counts as not done, and a rerun replaces the files whole, so a kill in between loses nothing
  and duplicates nothing. The runner's own work per input stays small enough not to hold back
  the workers (with a file per document, it was a third of what they did).
* ``_audit.jsonl`` and ``_errors.jsonl`` are rebuilt from the per-input files at the end of a
  run, so no document's lines can appear twice, whatever was interrupted.

Incremental: the manifest (:mod:`cleaner.manifest`, an SQLite file in ``OUT/.cleaner/``)
records, per input, its size, mtime, ctime, content hash and a job key (content hash + pipeline
fingerprint, which covers the rule files + cleaner version + text field). An input whose job
key is unchanged and whose outputs exist is skipped; change a rule and every input is redone.
Inputs that disappeared from IN have their outputs removed.

Memory stays flat in the size of the corpus: documents stream through the workers, and the
run's list of inputs and its plan wait in the manifest on disk, not in the runner's memory.

Only one run may write to an OUT at a time (``OUT/.cleaner/lock``, an ``flock``, released by
the kernel when its holder dies, so a killed run never leaves a lock that blocks the next).
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import errno
import fcntl
import functools
import gzip
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Protocol

from cleaner import __version__
from cleaner.errors import CleanerError, ConfigError, DocumentError, ServiceError
from cleaner.io.readers import Source, input_kind, read_jsonl
from cleaner.io.warc import read_warc_path
from cleaner.io.writers import edit_to_json, result_record, to_json_line
from cleaner.manifest import MANIFEST_FILE, Manifest
from cleaner.pipeline import Pipeline, PipelineConfig, Result
from cleaner.processes import pid_alive

STATE_DIR = ".cleaner"
AUDIT_FILE = "_audit.jsonl"
ERRORS_FILE = "_errors.jsonl"
REPORT_FILE = "report.html"
REPORT_ASSETS = "_report"  # the texts report.html opens, loaded on demand
RESERVED_NAMES = frozenset({STATE_DIR, AUDIT_FILE, ERRORS_FILE, REPORT_FILE, REPORT_ASSETS})

SHARD_BYTES = 1 << 20
"""Uncompressed JSONL is cut into shards of about this size: a few hundred news articles, a
second or two of work, so every worker stays busy on one big file, progress moves smoothly
and a killed run loses little. Compressed files cannot be cut without reading them from the
start, so each is one shard."""

IN_FLIGHT_PER_WORKER = 3

BATCH_TASKS = 64
BATCH_BYTES = 256 << 10
BATCHES_PER_WORKER = 8
"""Shards queued per worker: enough to never leave one idle, few enough that stopping early
(a service failure, Ctrl-C) wastes little."""

WATCHDOG_INTERVAL_S = 0.2
"""How often a worker checks that the run that started it is still alive: a killed run's
workers must exit before the restarted run needs their CPU (and before they write more)."""

STALE_LOCK_WAIT_S = 10.0
"""A lock whose owner is dead can still be held for a moment by its exiting workers."""

STOP_WAIT_S = 5.0
"""How long a stopping run waits for each terminated worker to exit."""

HASH_BLOCK = 1 << 20

NAME_MAX = 255
"""The longest file name (in bytes) the usual file systems take (ext4, XFS, btrfs, APFS)."""

MASS_DELETE_FRACTION = 0.5
"""A run that would remove the outputs of more than this share of the inputs cleaned before
is refused (an empty, unmounted or mistyped IN looks like every input was deleted)."""


class CorpusError(CleanerError):
    """The run cannot start: bad folders, another run holding OUT. Nothing was written."""


class CorpusLocked(CorpusError):
    """Another run is writing to the same OUT."""


class OutputError(CleanerError):
    """OUT cannot be written (disk full, read-only, no permission): the run stopped. Inputs
    finished before it are kept; no partial file is left; run again once it is fixed."""


_OUTPUT_HINTS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EFBIG: "the file is too large for the file system",
}


# The manifest's SQLite errors, as the file-system errors they stand for.
_SQLITE_ERRNO = {
    "SQLITE_FULL": errno.ENOSPC,
    "SQLITE_READONLY": errno.EROFS,
    "SQLITE_CANTOPEN": errno.EACCES,
    "SQLITE_PERM": errno.EPERM,
    "SQLITE_IOERR": errno.EIO,
}


def _output_error(what: str, where: Any) -> OutputError:
    place = f" ({where})" if where else ""
    return OutputError(
        f"cannot write the output: {what}{place}; nothing partial was left behind, "
        "finished inputs are kept: fix it and run the same command again to resume"
    )


def _os_errors_reported(run: Callable[..., CorpusSummary]) -> Callable[..., CorpusSummary]:
    """File-system failures during a run (disk full, read-only OUT...) become one clear
    :class:`OutputError` instead of a traceback from whichever write hit them first."""

    @functools.wraps(run)
    def wrapper(*args: Any, **kwargs: Any) -> CorpusSummary:
        try:
            return run(*args, **kwargs)
        except OSError as exc:
            what = _OUTPUT_HINTS.get(exc.errno or 0, exc.strerror or str(exc))
            raise _output_error(what, exc.filename) from exc
        except sqlite3.DatabaseError as exc:
            # Extended codes (SQLITE_IOERR_WRITE) share their primary code's first two words.
            name = "_".join(str(getattr(exc, "sqlite_errorname", "")).split("_")[:2])
            where = f"{STATE_DIR}/{MANIFEST_FILE}"
            if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
                raise CorpusError(
                    f"the run's manifest (OUT/{where}) is damaged: "
                    f"{exc}; delete it to clean every input again"
                ) from exc
            what = _OUTPUT_HINTS.get(_SQLITE_ERRNO.get(name, 0), str(exc))
            raise _output_error(what, where) from exc

    return wrapper


# --- inputs -------------------------------------------------------------------------------


def printable_name(name: str) -> str:
    """``name`` as valid UTF-8 text for the JSON files and messages: bytes of a file name that
    are not UTF-8 (surrogate-escaped, as Python reads them) are written as ``\\xe9``."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return name.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")


def fitting_name(rel: str) -> str:
    """``rel`` with its last part short enough for the file system: a longer name keeps its
    start and its extension with a hash of the whole name between, the same on every run."""
    folder, slash, name = rel.rpartition("/")
    raw = os.fsencode(name)
    if len(raw) <= NAME_MAX:
        return rel
    lowered = name.lower()
    extension = next(
        (e for e in (".jsonl.gz", ".jsonl", ".txt") if lowered.endswith(e)),
        os.path.splitext(name)[1],
    )
    tail = f"~{hashlib.sha256(raw).hexdigest()[:12]}{extension}"
    head = raw[: NAME_MAX - len(os.fsencode(tail))]
    # Cut at a character boundary, so a UTF-8 name stays UTF-8.
    start = head.decode("utf-8", "ignore").encode("utf-8")
    if not raw.startswith(start):
        start = head
    return folder + slash + os.fsdecode(start) + tail


def _strip_suffixes(rel: str) -> str:
    stem = rel[:-3] if rel.lower().endswith(".gz") else rel
    return os.path.splitext(stem)[0]


def output_name(rel: str, kind: str) -> str:
    """Where an input's output goes, relative to OUT (before collisions are resolved)."""
    if kind == "jsonl":
        return rel
    if kind == "warc":
        return _strip_suffixes(rel) + ".jsonl"
    return _strip_suffixes(rel) + ".txt"


@dataclass(frozen=True)
class InputFile:
    path: Path
    rel: str
    kind: str
    out_rel: str
    size: int
    mtime_ns: int
    ctime_ns: int = 0
    """The inode's change time: an edit that keeps the size and puts the mtime back (``touch
    -d``, ``rsync --times``, some editors) still moves it."""

    @property
    def key(self) -> str:
        """A file-name-safe name for this input's state files."""
        return _input_key(self.rel)


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def walk_inputs(
    root: Path,
    ignored: list[str] | None = None,
    *,
    follow_symlinks: bool = False,
    links_skipped: list[str] | None = None,
    claim: Callable[[str], bool] | None = None,
    links_broken: list[str] | None = None,
) -> Iterator[InputFile]:
    """Every readable input under ``root`` in a stable order (hidden files and folders left
    out). Two inputs that would write the same output (``a.txt`` and ``a.html``, or names
    that differ only in case) are told apart by keeping the second one's full name
    (``a.html.txt``). ``claim(name)`` gives out an output name, False if it is taken (the
    corpus runner keeps them on disk); by default a set in memory does, holding the names
    reserved at the top of OUT.

    Symbolic links: a file link is read when it leads to a file inside ``root``; folder links
    and links leading out of ``root`` are skipped (listed in ``links_skipped``) unless
    ``follow_symlinks``, which follows them all (each real folder walked once, so a link loop
    ends). Links that lead nowhere are listed in ``links_broken``. An output name longer than
    the file system takes is shortened (:func:`fitting_name`)."""
    real_root = root.resolve()
    walked: set[tuple[int, int]] = set()
    if claim is None:
        claimed = {name.lower() for name in RESERVED_NAMES}

        def claim(name: str) -> bool:
            if name.lower() in claimed:
                return False
            claimed.add(name.lower())
            return True

    for folder, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
        try:
            folder_stat = os.stat(folder)
        except OSError:
            dirnames[:] = []
            continue
        if (folder_stat.st_dev, folder_stat.st_ino) in walked:
            dirnames[:] = []
            continue
        walked.add((folder_stat.st_dev, folder_stat.st_ino))
        visible = sorted(d for d in dirnames if not d.startswith("."))
        if not follow_symlinks:
            for name in visible:
                if (Path(folder) / name).is_symlink() and links_skipped is not None:
                    links_skipped.append((Path(folder) / name).relative_to(root).as_posix())
        dirnames[:] = visible
        folder_path = Path(folder)
        # Names are joined as strings: pathlib for every file of a big folder costs more than
        # the stat.
        prefix = folder_path.relative_to(root).as_posix() + "/"
        prefix = "" if prefix == "./" else prefix
        for filename in sorted(filenames):
            if filename.startswith("."):
                continue
            rel = prefix + filename
            full = os.path.join(folder, filename)
            if (
                not follow_symlinks
                and os.path.islink(full)
                and not _within(Path(full).resolve(), real_root)
            ):
                if links_skipped is not None:
                    links_skipped.append(rel)
                continue
            kind = input_kind(filename)
            if kind is None:
                if ignored is not None:
                    ignored.append(rel)
                continue
            try:
                stat = os.stat(full)
            except OSError:
                if links_broken is not None and os.path.islink(full):
                    links_broken.append(rel)
                continue
            path = folder_path / filename
            out_rel = fitting_name(output_name(rel, kind))
            if not claim(out_rel):
                extension = ".jsonl" if kind in ("jsonl", "warc") else ".txt"
                out_rel = fitting_name(rel + extension)
                count = 2
                while not claim(out_rel):
                    out_rel = fitting_name(f"{rel}.{count}{extension}")
                    count += 1
            yield InputFile(
                path, rel, kind, out_rel, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns
            )


@dataclass(frozen=True)
class Scan:
    sha256: str
    shards: tuple[tuple[int, int | None, int], ...]
    """(start byte, end byte or None for "to the end", first line number) per shard."""


def scan_input(inp: InputFile, shard_bytes: int = SHARD_BYTES) -> Scan:
    """Hash an input (streamed) and, for uncompressed JSONL, cut it at line starts."""
    digest = hashlib.sha256()
    splittable = inp.kind == "jsonl" and not inp.rel.lower().endswith(".gz")
    shards: list[tuple[int, int | None, int]] = []
    with inp.path.open("rb") as stream:
        if not splittable:
            for block in iter(lambda: stream.read(HASH_BLOCK), b""):
                digest.update(block)
            return Scan(digest.hexdigest(), ((0, None, 1),))
        start, position, line_number, shard_first_line = 0, 0, 1, 1
        at_line_start = True
        # Read in bounded pieces: one line can be as long as the file.
        while piece := stream.readline(HASH_BLOCK):
            digest.update(piece)
            if at_line_start and position - start >= shard_bytes:
                shards.append((start, position, shard_first_line))
                start, shard_first_line = position, line_number
            position += len(piece)
            at_line_start = piece.endswith(b"\n")
            line_number += at_line_start
        shards.append((start, None, shard_first_line))
    return Scan(digest.hexdigest(), tuple(shards))


def check_folders(in_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    """Resolved IN and OUT, or :class:`CorpusError` if they cannot be used together."""
    if not in_dir.exists():
        raise CorpusError(f"{in_dir}: no such folder")
    if not in_dir.is_dir():
        raise CorpusError(f"{in_dir}: not a folder (use 'cleaner clean' for single files)")
    if out_dir.exists() and not out_dir.is_dir():
        raise CorpusError(f"{out_dir}: exists and is not a folder")
    src, dst = in_dir.resolve(), out_dir.resolve()
    if src == dst:
        raise CorpusError("IN and OUT are the same folder; OUT must be a separate folder")
    if src in dst.parents:
        raise CorpusError(
            f"OUT ({out_dir}) is inside IN ({in_dir}): a rerun would read its own output; "
            "choose an OUT outside IN"
        )
    if dst in src.parents:
        raise CorpusError(
            f"IN ({in_dir}) is inside OUT ({out_dir}): outputs could overwrite inputs; "
            "choose an OUT that does not contain IN"
        )
    return src, dst


def check_output_path(dst: Path, out_rel: str, safe_folders: set[Path] | None = None) -> Path:
    """``dst / out_rel``, or :class:`CorpusError` if writing there could land outside OUT
    (an absolute or ``..`` name, or a folder in OUT that is a link leading out of it).
    ``safe_folders`` remembers the folders already checked, for a caller checking many."""
    rel = Path(out_rel)
    if rel.is_absolute() or ".." in rel.parts:
        raise CorpusError(f"refusing to write {out_rel!r}: the name leads outside OUT")
    path = dst / rel
    if safe_folders is not None and path.parent in safe_folders:
        return path
    parent = path.parent.resolve()
    if safe_folders is not None and _within(parent, dst):
        safe_folders.add(path.parent)
    if not _within(parent, dst):
        raise CorpusError(
            f"refusing to write {path}: {path.parent} leads outside OUT ({parent}), through "
            "a symbolic link; remove the link or choose another OUT"
        )
    return path


# --- the lock -------------------------------------------------------------------------------


class RunLock:
    """An exclusive ``flock`` on ``OUT/.cleaner/lock`` holding the owner's pid and start time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, out_dir: Path) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + STALE_LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                owner = self._owner()
                pid = owner.get("pid")
                if isinstance(pid, int) and not pid_alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.1)  # the dead run's workers are exiting
                    continue
                os.close(fd)
                who = f"pid {pid}" if pid else "another process"
                since = f", started {owner['started']}" if "started" in owner else ""
                raise CorpusLocked(
                    f"another 'cleaner corpus' run ({who}{since}) is writing to {out_dir}; "
                    "wait for it to finish or stop it, then run again"
                ) from None
        os.ftruncate(fd, 0)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        os.pwrite(fd, json.dumps(info).encode() + b"\n", 0)
        self.fd = fd

    def _owner(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = None


# --- writing files --------------------------------------------------------------------------


_TMP_NAME = re.compile(r"^\.(cleaner|.+)\.\d+\.[0-9a-f]{8}\.tmp$")
"""Temporary files: ``.cleaner.<pid>.<hex>.tmp`` (and, from older versions, the target's name
in place of ``cleaner``)."""


def _tmp_path(path: Path) -> Path:
    """A temporary name for writing ``path``, in a form :func:`_sweep_temp_files` recognises.
    Short, so that any name the file system takes can be written. Files at the top of OUT get
    theirs in OUT's state folder, out of the user's sight even when a kill leaves one."""
    name = f".cleaner.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    state = path.parent / STATE_DIR
    if path.name in RESERVED_NAMES and state.is_dir():
        return state / name
    return path.with_name(name)


def _sweep_temp_files(root: Path) -> None:
    """Remove the temporary files of writes a killed run never finished."""
    for folder, _, filenames in os.walk(root):
        for name in filenames:
            if _TMP_NAME.match(name):
                _unlink(Path(folder) / name)


def _replace_with(path: Path, fill: Any, durable: bool = True) -> None:
    """Create ``path`` through a temporary file that ``fill(handle)`` writes, then rename.

    ``durable=False`` leaves flushing to disk to the caller (a batch sync before the manifest
    records it); a kill cannot lose the data either way, only a power cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(path)
    try:
        with tmp.open("wb") as handle:
            fill(handle)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _atomic_write_lines(path: Path, lines: Iterable[str]) -> None:
    def fill(handle: IO[bytes]) -> None:
        for line in lines:
            handle.write(line.encode("utf-8"))

    _replace_with(path, fill)


def _atomic_concat(path: Path, parts: list[Path], durable: bool = True) -> None:
    """``path`` becomes the parts one after another (a hard link when there is one part)."""
    if len(parts) == 1:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _tmp_path(path)
        try:
            os.link(parts[0], tmp)
            os.replace(tmp, path)
            return
        except OSError:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def fill(handle: IO[bytes]) -> None:
        for part in parts:
            with part.open("rb") as source:
                shutil.copyfileobj(source, handle, HASH_BLOCK)

    _replace_with(path, fill, durable)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


# --- shards: the work a worker does ---------------------------------------------------------


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


@dataclass
class Counts:
    """What a shard, an input or a run did."""

    documents: int = 0
    failures: int = 0
    chrome_lines_removed: int = 0
    repairs: int = 0
    grammar_fixes: int = 0
    edits: int = 0

    def add(self, other: Counts | Mapping[str, int]) -> None:
        values = other.__dict__ if isinstance(other, Counts) else other
        for key in self.__dict__:
            setattr(self, key, getattr(self, key) + int(values.get(key, 0)))

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


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


def _read_whole(task: ShardTask, max_bytes: int) -> Source:
    path = Path(task.path)
    try:
        opener: Any = gzip.open if task.path.lower().endswith(".gz") else open
        with opener(path, "rb") as stream:
            raw = stream.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        return Source(name=printable_name(task.rel), error=f"cannot read: {reason}")
    if len(raw) > max_bytes:
        return Source(
            name=printable_name(task.rel),
            error=f"document is above the {max_bytes / 1e6:g} MB limit "
            "(raise it with --max-bytes or max_bytes in the pipeline file)",
        )
    name = printable_name(task.rel)
    metadata = {"source": name, "format": "html" if task.kind == "html" else "auto"}
    return Source(name=name, raw=raw, metadata=metadata)


def _bounded_lines(
    stream: IO[bytes], limit: int, length: int | None = None
) -> Iterator[bytes | None]:
    """The lines of ``stream`` (its next ``length`` bytes, or all), None in place of a line
    longer than ``limit`` bytes: such a line is read past in blocks, never held whole."""
    remaining = length

    def read(size: int) -> bytes:
        nonlocal remaining
        piece = stream.readline(size if remaining is None else min(size, remaining))
        if remaining is not None:
            remaining -= len(piece)
        return piece

    while remaining is None or remaining > 0:
        line = read(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while (piece := read(HASH_BLOCK)) and not piece.endswith(b"\n"):
            pass
        yield None


def _jsonl_sources(
    stream: IO[bytes], task: ShardTask, max_bytes: int, length: int | None = None
) -> Iterator[Source]:
    """The records of a JSONL stream. A line is a document's raw bytes: one above ``max_bytes``
    is refused while it is read, so no reader holds more (JSON escapes count: a text of
    Cyrillic written as ``\\u`` escapes may need a higher ``--max-bytes``)."""
    name = printable_name(task.rel)
    lines = _bounded_lines(stream, max_bytes, length)
    for number, line in enumerate(lines, start=task.first_line):
        where = f"{name}:{number}"
        if line is None:
            yield Source(
                name=where,
                error=f"line is above the {max_bytes / 1e6:g} MB limit (raise it with "
                "--max-bytes or max_bytes in the pipeline file)",
            )
            continue
        for source in read_jsonl(io.BytesIO(line), name, task.text_field):
            metadata = dict(source.metadata)
            if "source" in metadata:
                metadata["source"] = where
            yield replace(source, name=where, metadata=metadata)


def shard_sources(task: ShardTask, max_bytes: int) -> Iterator[Source]:
    """The documents of one shard, streamed."""
    if task.kind in ("text", "html"):
        yield _read_whole(task, max_bytes)
    elif task.kind == "warc":
        yield from read_warc_path(Path(task.path), printable_name(task.rel), max_bytes)
    elif task.end is None and task.start == 0:
        opener: Any = gzip.open if task.path.lower().endswith(".gz") else open
        try:
            with opener(task.path, "rb") as stream:
                yield from _jsonl_sources(stream, task, max_bytes)
        except (OSError, EOFError, zlib.error) as exc:
            yield Source(name=printable_name(task.rel), error=f"cannot read: {exc}")
    else:
        with open(task.path, "rb") as stream:
            stream.seek(task.start)
            length = None if task.end is None else task.end - task.start
            yield from _jsonl_sources(stream, task, max_bytes, length)


def _doc_id(source: Source) -> str:
    record = source.record or {}
    value = record.get("id")
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    return source.name


def _service_error(exc: DocumentError) -> ServiceError | None:
    from cleaner.languagetool import LanguageToolError

    cause = exc.__cause__
    if isinstance(cause, LanguageToolError):
        return ServiceError(str(cause))
    return None


def audit_record(
    result: Result, source: Source, task: ShardTask, output_line: int | None
) -> dict[str, Any]:
    """One ``_audit.jsonl`` line: where the document came from and went, what changed, timings."""
    from cleaner.report import final_spans

    metadata = result.metadata
    record: dict[str, Any] = {
        "id": _doc_id(source),
        "source": source.name,
        "input": printable_name(task.rel),
        "output": printable_name(task.out_rel),
    }
    if output_line is not None:
        record["output_line"] = output_line
    if isinstance(metadata.get("title"), str):
        record["title"] = metadata["title"]
    if isinstance(metadata.get("url"), str):
        record["url"] = metadata["url"]
    record["chars_in"] = len(result.input_text)
    record["chars_out"] = len(result.text)
    record["edit_counts"] = result.edit_counts()
    record["chrome_lines_removed"] = int(metadata.get("chrome_lines_removed", 0) or 0)
    if "spin_score_before" in metadata:
        record["spin_score"] = {
            "before": metadata.get("spin_score_before"),
            "after": metadata.get("spin_score_after"),
        }
    for key in (
        "language",
        "grammar_issues_per_1k_words_before",
        "grammar_issues_per_1k_words_after",
        "grammar_skipped",
    ):
        if key in metadata:
            record[key] = metadata[key]
    record["timings_ms"] = {name: round(s * 1000, 3) for name, s in result.timings.items()}
    record["edits"] = [edit_to_json(edit) for edit in result.edits]
    record["view"] = final_spans(result)
    return record


def _error_record(
    source: Source, task: ShardTask, reason: str, stage: str | None
) -> dict[str, Any]:
    return {
        "id": _doc_id(source),
        "source": source.name,
        "input": printable_name(task.rel),
        "stage": stage or "read",
        "reason": reason,
    }


def _json_line(record: Mapping[str, Any]) -> bytes:
    """A JSON line as UTF-8; :class:`UnicodeEncodeError` if the record holds a lone surrogate
    (JSON input may carry one as ``\\ud800``): no valid UTF-8 file can hold it."""
    return to_json_line(record).encode("utf-8")


def _safe_json_line(record: Mapping[str, Any]) -> bytes:
    """A JSON line that is always written: a lone surrogate kept as its ``\\u`` escape."""
    try:
        return _json_line(record)
    except UnicodeEncodeError:
        return (json.dumps(record) + "\n").encode("ascii")


def _surrogate_reason(exc: UnicodeEncodeError) -> str:
    code = ord(str(exc.object)[exc.start])
    return (
        f"the document holds a lone surrogate (U+{code:04X}, from a \\u{code:04x} escape), "
        "which is not valid Unicode and cannot be written as UTF-8"
    )


def run_shard(pipeline: Pipeline, task: ShardTask) -> ShardDone:
    """Clean one shard into temporary files, rename them into place, then write its ``done``
    file: a shard with a ``done`` file is complete, one without is redone. A shard with
    :attr:`~ShardTask.finals` is renamed straight into those instead, and has no ``done``
    file: the manifest line the runner then writes says it is done."""
    if task.finals is not None:
        return _run_in_place(pipeline, task, task.finals)
    done = shard_file(task, "done")
    if done.exists():
        return ShardDone(task.rel, task.index, task.size, _read_counts(done))
    finals = {what: shard_file(task, what) for what in ("out", "audit", "errors")}
    temps = {what: _tmp_path(path) for what, path in finals.items()}
    counts = Counts()
    try:
        _write_shard(pipeline, task, temps, counts)
        for what, tmp in temps.items():
            if tmp.exists():
                os.replace(tmp, finals[what])
            else:
                _unlink(finals[what])
        data = json.dumps(counts.as_dict()).encode()
        _replace_with(done, lambda handle: handle.write(data), durable=False)
    except BaseException:
        for tmp in temps.values():
            _unlink(tmp)
        raise
    return ShardDone(task.rel, task.index, task.size, counts.as_dict())


def _run_in_place(pipeline: Pipeline, task: ShardTask, finals: tuple[str, str, str]) -> ShardDone:
    output, audit, errors = (Path(path) for path in finals)
    output.parent.mkdir(parents=True, exist_ok=True)
    temps = {"out": _tmp_path(output), "audit": _tmp_path(audit), "errors": _tmp_path(errors)}
    counts = Counts()
    try:
        _write_shard(pipeline, task, temps, counts)
        os.replace(temps["audit"], audit)
        if temps["errors"].exists():
            os.replace(temps["errors"], errors)
        else:
            _unlink(errors)  # from an earlier run of a changed input
        wrote = temps["out"].exists()
        if wrote:
            os.replace(temps["out"], output)
        else:
            _unlink(output)  # the document failed: no stale output from an earlier run
    except BaseException:
        for tmp in temps.values():
            _unlink(tmp)
        raise
    return ShardDone(
        task.rel, task.index, task.size, counts.as_dict(), (task.out_rel,) if wrote else ()
    )


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
    with contextlib.ExitStack() as stack:
        out: _Sink | None = None
        audit = stack.enter_context(tmp["audit"].open("wb"))
        errors: IO[bytes] | None = None  # made for the first failure: most shards have none

        def failed(record: dict[str, Any]) -> None:
            nonlocal errors
            if errors is None:
                errors = stack.enter_context(tmp["errors"].open("wb"))
            errors.write(_safe_json_line(record))

        for source in shard_sources(task, pipeline.config.max_bytes):
            counts.documents += 1
            if source.error is not None:
                counts.failures += 1
                failed(_error_record(source, task, source.error, None))
                continue
            try:
                result = pipeline.run(source.document())
            except DocumentError as exc:
                service = _service_error(exc)
                if service is not None:
                    raise service from exc
                counts.failures += 1
                failed(_error_record(source, task, exc.reason, exc.stage))
                continue
            try:
                if line_output:
                    record = result_record(result, _doc_id(source), source.record, task.text_field)
                    record.pop("edits", None)  # they are in _audit.jsonl; the data stays lean
                    data = _json_line(record)
                else:
                    data = result.text.encode("utf-8")
                line = output_line + 1 if line_output else None
                audit_line = _json_line(audit_record(result, source, task, line))
            except UnicodeEncodeError as exc:
                counts.failures += 1
                failed(_error_record(source, task, _surrogate_reason(exc), "write"))
                continue
            if out is None:
                out = _open_output(stack, tmp["out"], gzip_output)
            output_line += int(line_output)
            out.write(data)
            audit.write(audit_line)
            _count(result, counts)
        if line_output and out is None:
            # Every line failed (or the file is empty): the output still exists, empty.
            _open_output(stack, tmp["out"], gzip_output)


def _count(result: Result, counts: Counts) -> None:
    counts.chrome_lines_removed += int(result.metadata.get("chrome_lines_removed", 0) or 0)
    for edit in result.applied_edits:
        counts.edits += 1
        if edit.stage == "repair":
            counts.repairs += 1
        elif edit.stage == "grammar":
            counts.grammar_fixes += 1


def _read_counts(done: Path) -> dict[str, int]:
    data = json.loads(done.read_text(encoding="utf-8"))
    return {str(k): int(v) for k, v in data.items()}


# --- worker processes -----------------------------------------------------------------------

_worker_pipeline: Pipeline | None = None
"""The pipeline of this worker process, set once by :func:`_init_worker` (never set in the
process that runs the corpus)."""

_run_pipeline: Pipeline | None = None
"""The run's own pipeline, set just before its workers are forked: they inherit it built
(building one costs as much as cleaning a few hundred short documents)."""

_worker_marker: int | None = None
"""This worker's file in ``OUT/.cleaner/workers/``, holding the shard it is cleaning: when a
worker dies (out of memory, a crash in a library), the runner reads it to name the input."""

WORKERS_DIR = "workers"


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_INTERVAL_S)
        if os.getppid() != parent:
            os._exit(70)  # the run was killed: stop before writing more


def _init_worker(
    config: PipelineConfig, parent: int, lock_fd: int | None, workers_dir: str | None = None
) -> None:
    global _worker_pipeline, _worker_marker
    # Ctrl-C is the parent's to handle; workers stop when it tells them or dies.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if lock_fd is not None:
        # The lock must die with the run, not linger in orphaned workers.
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if workers_dir is not None:
        marker = os.path.join(workers_dir, str(os.getpid()))
        _worker_marker = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    inherited = _run_pipeline
    _worker_pipeline = (
        inherited if inherited is not None and inherited.config == config else Pipeline(config)
    )


def _worker_run(batch: list[ShardTask]) -> list[ShardDone]:
    assert _worker_pipeline is not None, "worker not initialised"
    results = []
    for task in batch:
        if _worker_marker is not None:
            # No sync: the file outlives a dead process, only not a power cut.
            os.pwrite(_worker_marker, json.dumps([task.rel, task.index]).encode() + b"\n", 0)
        results.append(run_shard(_worker_pipeline, task))
        if _worker_marker is not None:
            os.pwrite(_worker_marker, b"\n", 0)
    return results


def _shard_of_dead_worker(workers_dir: Path, pid: int) -> tuple[str, int] | None:
    """The (input, shard index) the worker ``pid`` was cleaning when it died, if known."""
    try:
        line = (workers_dir / str(pid)).read_bytes().split(b"\n", 1)[0]
        rel, index = json.loads(line)
    except (OSError, ValueError, TypeError):
        return None
    return str(rel), int(index)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"was killed by {name}{hint}"
    return f"exited with status {exitcode}"


# --- the run --------------------------------------------------------------------------------


class ShardEngine(Protocol):
    """Runs shards somewhere other than this machine's worker processes (Ray:
    :class:`cleaner.integrations.ray.RayEngine`). Everything else in a run stays the runner's,
    so every engine writes the same outputs, audit and error files."""

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
    ) -> None:
        """Run every task (``count`` of them, handed out as they are planned), calling
        ``finished`` (in this process) once each task's shard files are written, as
        :func:`run_shard` writes them."""
        ...


class ProgressSink(Protocol):
    """What the runner tells whoever shows progress (the CLI's rich bar)."""

    def start(self, total_bytes: int, inputs: int, skipped: int) -> None: ...

    def advance(self, size: int, documents: int, failures: int) -> None: ...


class _NoProgress:
    def start(self, total_bytes: int, inputs: int, skipped: int) -> None:
        pass

    def advance(self, size: int, documents: int, failures: int) -> None:
        pass


@dataclass
class CorpusSummary:
    """What a run did; ``failures_total`` counts every line of ``_errors.jsonl``."""

    out_dir: Path
    inputs: int = 0
    inputs_cleaned: int = 0
    inputs_skipped: int = 0
    inputs_removed: int = 0
    ignored_files: list[str] = field(default_factory=list)
    links_skipped: list[str] = field(default_factory=list)
    """Symbolic links not followed: folder links, and links leading out of IN."""
    links_broken: list[str] = field(default_factory=list)
    """Symbolic links that lead nowhere."""
    workers_died: list[str] = field(default_factory=list)
    """Inputs whose worker process died cleaning them (left out, listed in _errors.jsonl)."""
    not_overwritten: list[str] = field(default_factory=list)
    """Outputs (under OUT) that are files cleaner did not write: left alone, their inputs
    listed in ``_errors.jsonl``."""
    counts: Counts = field(default_factory=Counts)
    documents_skipped: int = 0
    failures_total: int = 0
    seconds: float = 0.0
    jobs: int = 1

    @property
    def ok(self) -> bool:
        return self.failures_total == 0


@dataclass
class _Unit:
    inp: InputFile
    sha256: str
    job: str
    parts_dir: str
    tasks: list[ShardTask]
    reserved: list[str] = field(default_factory=list)
    """The outputs its reservation lists: what it had, and what it is to write."""
    done: dict[int, ShardDone] = field(default_factory=dict)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def job_key(sha256: str, fingerprint: str, kind: str, out_rel: str, text_field: str) -> str:
    """What decides an input's output: its content, the pipeline (stages, options, rule
    files), cleaner's version and how the input is read and written."""
    parts = (sha256, fingerprint, __version__, kind, out_rel, text_field)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


@_os_errors_reported
def run_corpus(
    in_dir: Path,
    out_dir: Path,
    config: PipelineConfig,
    *,
    jobs: int | None = None,
    text_field: str = "text",
    force: bool = False,
    report_documents: int = 200,
    shard_bytes: int = SHARD_BYTES,
    progress: ProgressSink | None = None,
    follow_symlinks: bool = False,
    engine: ShardEngine | None = None,
    overwrite: bool = False,
    allow_mass_delete: bool = False,
    mass_delete_fraction: float = MASS_DELETE_FRACTION,
    retry_failed: bool = False,
) -> CorpusSummary:
    """Clean every input under ``in_dir`` into ``out_dir``; see the module docstring.

    Raises :class:`CorpusError` (bad folders, OUT locked), :class:`ConfigError` (unusable
    pipeline), :class:`ServiceError` (LanguageTool gone) or :class:`OutputError` (OUT full or
    read-only); a failed document never raises. Symbolic links leading out of IN are not
    followed unless ``follow_symlinks``; nothing is ever written outside OUT.

    A file in OUT that no manifest entry lists is the user's: an input that would write it is
    reported in ``_errors.jsonl`` instead, unless ``overwrite``. A run that would remove the
    outputs of more than ``mass_delete_fraction`` of the inputs cleaned before raises
    :class:`CorpusError` before changing anything, unless ``allow_mass_delete``. An input
    whose worker process died is left out of later runs, unless ``retry_failed`` (which also
    cleans again every unchanged input with failed documents).
    """
    started = time.perf_counter()
    src, dst = check_folders(in_dir, out_dir)
    sink = progress or _NoProgress()
    pipeline = Pipeline(config)  # validates the configuration before anything is written
    fingerprint = config.fingerprint()
    dst.mkdir(parents=True, exist_ok=True)
    state = dst / STATE_DIR
    lock = RunLock(state / "lock")
    lock.acquire(out_dir)
    manifest: Manifest | None = None
    try:
        summary = CorpusSummary(out_dir=out_dir, jobs=jobs or default_jobs())
        _sweep_temp_files(dst)
        manifest = Manifest(state)
        plan = _plan(
            src,
            dst,
            state,
            manifest,
            fingerprint,
            text_field,
            force,
            shard_bytes,
            summary,
            follow_symlinks=follow_symlinks,
            in_place=engine is None,
            overwrite=overwrite,
            mass_delete=None if allow_mass_delete else mass_delete_fraction,
            retry_failed=retry_failed,
        )
        if (
            plan.units
            and "grammar" in config.stages
            and not config.languagetool_url
            and (engine is None or engine.shares_local_languagetool)
        ):
            config = _with_shared_languagetool(config)
            pipeline = Pipeline(config)
        if plan.units or summary.not_overwritten:
            manifest.set_merged(False)
        try:
            _execute(plan, pipeline, config, summary, manifest, dst, state, sink, lock, engine)
        finally:
            manifest.flush()  # what was committed before a failure or Ctrl-C stays done
        summary.inputs_cleaned = plan.units
        for rel, entry in manifest.removed():
            if not summary.inputs_removed:
                manifest.set_merged(False)
            if entry is not None:
                _forget_input(entry, dst, state, manifest)
            manifest.forget(rel)
            summary.inputs_removed += 1
        manifest.flush()
        merged = (dst / AUDIT_FILE, dst / ERRORS_FILE, dst / REPORT_FILE)
        # Rebuilt after any change, including one a killed run made and could not merge.
        if not manifest.merged() or not all(path.exists() for path in merged):
            for name, folder in ((AUDIT_FILE, "audit"), (ERRORS_FILE, "errors")):
                folder_path = os.path.join(state, folder)
                parts = (
                    os.path.join(folder_path, f"{_input_key(rel)}.jsonl")
                    for rel in manifest.walk_order()
                )
                _merge(dst / name, parts)
            from cleaner.report import write_report

            elapsed = time.perf_counter() - started
            run_details = {
                "started": time.time() - elapsed,
                "seconds": elapsed,
                "input": str(in_dir),
                "output": str(out_dir),
                "stages": list(config.stages),
                "jobs": summary.jobs,
                "inputs_cleaned": plan.units,
                "inputs_unchanged": summary.inputs_skipped,
                "inputs_removed": summary.inputs_removed,
            }
            write_report(
                dst / AUDIT_FILE, dst, dst / REPORT_FILE, report_documents, run=run_details
            )
            manifest.set_merged(True)
        summary.failures_total = manifest.failures()
        summary.seconds = time.perf_counter() - started
        return summary
    finally:
        if manifest is not None:
            manifest.close()
        lock.release()


def _with_shared_languagetool(config: PipelineConfig) -> PipelineConfig:
    """One LanguageTool server for every worker: the background one, started here if none
    runs, which every worker then finds (and may replace if it hangs) instead of a JVM each."""
    from cleaner.languagetool import LanguageToolError, background_url

    try:
        background_url()
    except LanguageToolError as exc:
        raise ServiceError(str(exc)) from exc
    return config


@dataclass
class _Plan:
    """What a run has to do, counted; the units themselves wait in the manifest's plan."""

    units: int = 0
    tasks: int = 0
    bytes: int = 0


def _plan(
    src: Path,
    dst: Path,
    state: Path,
    manifest: Manifest,
    fingerprint: str,
    text_field: str,
    force: bool,
    shard_bytes: int,
    summary: CorpusSummary,
    *,
    follow_symlinks: bool = False,
    in_place: bool = True,
    overwrite: bool = False,
    mass_delete: float | None = MASS_DELETE_FRACTION,
    retry_failed: bool = False,
) -> _Plan:
    """Walk IN, noting every input in the manifest's walk and planning those that need
    cleaning. With ``in_place``, an input that is one shard is written straight to its final
    files (an engine that runs shards elsewhere sends back shard files instead). Inputs whose
    output is a file cleaner did not write are not planned but recorded as failed (see
    :func:`run_corpus`), and the plan is refused if it removes more than ``mass_delete`` of
    the inputs cleaned before."""
    plan = _Plan()
    parts_root = state / "parts"
    safe_folders: set[Path] = set()  # output folders checked: as many as IN has folders
    manifest.start_run()
    for name in RESERVED_NAMES:
        manifest.claim(name)
    inputs = walk_inputs(
        src,
        summary.ignored_files,
        follow_symlinks=follow_symlinks,
        links_skipped=summary.links_skipped,
        claim=manifest.claim,
        links_broken=summary.links_broken,
    )
    known = 0  # inputs found that an earlier run recorded
    for inp in inputs:
        check_output_path(dst, inp.out_rel, safe_folders)
        manifest.walked(inp.rel, inp.out_rel)
        summary.inputs += 1
        entry = manifest.get(inp.rel)
        known += entry is not None
        scan: Scan | None = None
        if (
            entry
            and entry.get("size") == inp.size
            and entry.get("mtime_ns") == inp.mtime_ns
            and entry.get("ctime_ns") == inp.ctime_ns
        ):
            # The same size and times: the same content (a changed ctime alone, as after a
            # chmod, costs a hash; a different hash, a new cleaning).
            sha = str(entry["sha256"])
        else:
            scan = scan_input(inp, shard_bytes)
            sha = scan.sha256
        job = job_key(sha, fingerprint, inp.kind, inp.out_rel, text_field)
        outputs_exist = entry is not None and all(
            (dst / rel).exists() for rel in entry.get("outputs", [])
        )
        retry = retry_failed and entry is not None and entry.get("counts", {}).get("failures")
        if entry and entry.get("job") == job and outputs_exist and not force and not retry:
            summary.inputs_skipped += 1
            summary.documents_skipped += int(entry.get("counts", {}).get("documents", 0))
            if scan is not None:  # touched but not changed: remember the new times
                manifest.append(
                    {
                        **entry,
                        "size": inp.size,
                        "mtime_ns": inp.mtime_ns,
                        "ctime_ns": inp.ctime_ns,
                    }
                )
            continue
        if scan is None:
            scan = scan_input(inp, shard_bytes)
            sha = scan.sha256
            job = job_key(sha, fingerprint, inp.kind, inp.out_rel, text_field)
        blocker = None if overwrite else _not_ours(dst, inp, entry, manifest, state)
        if blocker is not None:
            _refuse_to_overwrite(inp, blocker, entry, manifest, state)
            summary.not_overwritten.append(blocker)
            continue
        parts_name = f"{inp.key}-{job}"
        whole = in_place and len(scan.shards) == 1
        reserved = manifest.reserve(inp.rel, inp.out_rel, entry)
        manifest.plan(
            {
                "path": str(inp.path),
                "rel": inp.rel,
                "kind": inp.kind,
                "out_rel": inp.out_rel,
                "size": inp.size,
                "mtime_ns": inp.mtime_ns,
                "ctime_ns": inp.ctime_ns,
                "sha256": sha,
                "job": job,
                "parts_dir": os.path.join(parts_root, parts_name),
                "shards": [list(shard) for shard in scan.shards],
                "in_place": whole,
                "text_field": text_field,
                "reserved": reserved,
            },
            parts=None if whole else parts_name,
        )
        plan.units += 1
        plan.tasks += len(scan.shards)
        plan.bytes += inp.size
    if mass_delete is not None:
        _check_removals(manifest, known, mass_delete, summary.inputs, src, dst)
    manifest.flush()  # the reservations are on disk before any output is written
    for folder in (parts_root, state / "audit", state / "errors"):
        folder.mkdir(parents=True, exist_ok=True)
    # Shard files of jobs nobody will commit go, and those of inputs now written in place
    # (left by a killed engine run) too.
    _sweep_parts(parts_root, manifest.planned_parts)
    return plan


def _not_ours(
    dst: Path, inp: InputFile, entry: Mapping[str, Any] | None, manifest: Manifest, state: Path
) -> str | None:
    """The name (under OUT) of a file cleaner did not write that stands where ``inp``'s
    output is to be written (the output itself, or a file where one of its folders goes), or
    None. An output is cleaner's when an entry lists it or when the input's audit file is in
    the state folder (a manifest of cleaner 0.1 cut short by a kill, or deleted by hand)."""
    out_rel = inp.out_rel
    path = os.path.join(dst, out_rel)
    if os.path.lexists(path):
        owned = (
            (entry is not None and out_rel in entry.get("outputs", []))
            or manifest.owns(out_rel)
            or os.path.exists(os.path.join(state, "audit", f"{inp.key}.jsonl"))
        )
        return None if owned else out_rel
    parts = out_rel.split("/")[:-1]
    for depth in range(len(parts), 0, -1):
        folder = os.path.join(dst, *parts[:depth])
        if os.path.isdir(folder):
            return None
        if os.path.lexists(folder):
            return "/".join(parts[:depth])
    return None


def _refuse_to_overwrite(
    inp: InputFile,
    blocker: str,
    entry: Mapping[str, Any] | None,
    manifest: Manifest,
    state: Path,
) -> None:
    """Record ``inp`` as failed because ``blocker``, a file cleaner did not write, is in the
    way. Its entry has no job key, so every run checks again, and cleans it once the file is
    gone; the outputs it had stay listed (they are still cleaner's)."""
    what = "" if blocker == inp.out_rel else f" (a folder of its output, {inp.out_rel!r})"
    reason = (
        f"OUT/{printable_name(blocker)} exists and was not written by cleaner{what}: not "
        "overwritten; move it away (or run with --overwrite to replace it)"
    )
    name = printable_name(inp.rel)
    record = {"id": name, "source": name, "input": name, "stage": "write", "reason": reason}
    _replace_with(state / "errors" / f"{inp.key}.jsonl", lambda h: h.write(_safe_json_line(record)))
    _unlink(state / "audit" / f"{inp.key}.jsonl")
    manifest.note(
        {
            "input": inp.rel,
            "size": inp.size,
            "mtime_ns": inp.mtime_ns,
            "ctime_ns": inp.ctime_ns,
            "sha256": "",
            "job": None,
            "version": __version__,
            "outputs": list((entry or {}).get("outputs", [])),
            "counts": {"documents": 1, "failures": 1},
        }
    )


def _check_removals(
    manifest: Manifest, known: int, fraction: float, found: int, src: Path, dst: Path
) -> None:
    """Refuse a run that would remove the outputs of more than ``fraction`` of the inputs
    cleaned before: IN is more likely empty, unmounted or the wrong folder than emptied on
    purpose. Raised before anything is changed."""
    removed = manifest.count_removed()
    total = removed + known
    if removed and removed > fraction * total:
        raise CorpusError(
            f"refusing to delete the outputs of {removed} of the {total} inputs cleaned into "
            f"{dst} before: they are not in {src} any more ({found} inputs found there). Is IN "
            "empty, unmounted or the wrong folder? Nothing was changed. If they were removed "
            "on purpose, run again with --allow-mass-delete (the limit is "
            f"{fraction:.0%} of the inputs, --mass-delete-fraction)."
        )


def _unit(record: Mapping[str, Any], dst: Path, state: Path) -> _Unit:
    """A planned unit (see :func:`_plan`) with its shard tasks."""
    inp = InputFile(
        path=Path(record["path"]),
        rel=str(record["rel"]),
        kind=str(record["kind"]),
        out_rel=str(record["out_rel"]),
        size=int(record["size"]),
        mtime_ns=int(record["mtime_ns"]),
        ctime_ns=int(record.get("ctime_ns", 0)),
    )
    finals = None
    if record["in_place"]:
        # Plain strings: the runner builds these for every input, and pathlib costs more.
        key = inp.key
        finals = (
            os.path.join(dst, inp.out_rel),
            os.path.join(state, "audit", f"{key}.jsonl"),
            os.path.join(state, "errors", f"{key}.jsonl"),
        )
    tasks = [
        ShardTask(
            rel=inp.rel,
            kind=inp.kind,
            path=str(inp.path),
            out_rel=inp.out_rel,
            parts_dir=str(record["parts_dir"]),
            index=index,
            start=int(start),
            end=None if end is None else int(end),
            first_line=int(first_line),
            size=(end if end is not None else inp.size) - start,
            text_field=str(record["text_field"]),
            finals=finals,
        )
        for index, (start, end, first_line) in enumerate(record["shards"])
    ]
    return _Unit(
        inp,
        str(record["sha256"]),
        str(record["job"]),
        str(record["parts_dir"]),
        tasks,
        reserved=[str(o) for o in record["reserved"]],
    )


def _input_key(rel: str) -> str:
    return hashlib.sha1(rel.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def _sweep_parts(parts_root: Path, keep: Callable[[str], bool]) -> None:
    """Drop shards of jobs nobody will commit (an input changed since the run that made them)."""
    for entry in parts_root.iterdir():
        if not keep(entry.name.rsplit("-", 1)[0]):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                _unlink(entry)


def _execute(
    plan: _Plan,
    pipeline: Pipeline,
    config: PipelineConfig,
    summary: CorpusSummary,
    manifest: Manifest,
    dst: Path,
    state: Path,
    sink: ProgressSink,
    lock: RunLock,
    engine: ShardEngine | None = None,
) -> None:
    # Units being worked on: a unit enters when its first shard is handed out and leaves
    # when it is committed, so this stays the size of the work in flight.
    active: dict[str, _Unit] = {}

    def finished(shard: ShardDone) -> None:
        unit = active.get(shard.rel)
        if unit is None:  # its input was left out: a worker died cleaning it
            return
        unit.done[shard.index] = shard
        _credit(shard, summary, sink)
        if shard.written is not None:
            _record(unit, manifest, dst, list(shard.written), shard.counts)
        elif len(unit.done) == len(unit.tasks):
            _commit(unit, manifest, dst, state)
        else:
            return
        del active[shard.rel]

    def pending() -> Iterator[ShardTask]:
        for record in manifest.planned():
            unit = _unit(record, dst, state)
            active[unit.inp.rel] = unit
            waiting = []
            for task in unit.tasks:
                done = shard_file(task, "done")
                if task.finals is None and done.exists():
                    # Finished by a run that was killed before committing it.
                    finished(ShardDone(task.rel, task.index, task.size, _read_counts(done)))
                else:
                    waiting.append(task)
            yield from waiting

    def died(task: ShardTask, reason: str) -> None:
        unit = active.pop(task.rel, None)
        if unit is not None:
            _record_dead(unit, task, reason, manifest, dst, state)
            summary.counts.add({"documents": 1, "failures": 1})
            summary.workers_died.append(printable_name(task.rel))
            sink.advance(0, 1, 1)

    jobs = max(1, min(summary.jobs, plan.tasks))
    summary.jobs = jobs
    workers_dir = state / WORKERS_DIR
    pool: _Pool | None = None
    if jobs > 1 and engine is None:
        shutil.rmtree(workers_dir, ignore_errors=True)
        workers_dir.mkdir(parents=True, exist_ok=True)
        # Workers are forked before the progress display starts its refresh thread: forking
        # a process that has threads can leave the child waiting on a lock nobody releases.
        executor = _start_pool(pipeline, jobs, lock, workers_dir)
        pool = _Pool(executor, _pool_processes(executor), workers_dir)
    try:
        sink.start(plan.bytes, plan.units, summary.inputs_skipped)
        if engine is not None:
            engine.run(pending(), plan.tasks, config, finished)
            summary.jobs = engine.workers or summary.jobs
        elif pool is None:
            for task in pending():
                finished(run_shard(pipeline, task))
        else:

            def restart() -> futures.ProcessPoolExecutor:
                return _start_pool(pipeline, jobs, lock, workers_dir)

            _run_pool(pool, restart, pending(), plan.tasks, jobs, finished, died)
    except BaseException:
        if pool is not None:
            _stop_pool(pool.executor)
        # The stopped workers' half-written files: a failed run leaves nothing partial.
        with contextlib.suppress(OSError):
            _sweep_temp_files(dst)
        raise
    if pool is not None:
        pool.executor.shutdown(wait=True)
        shutil.rmtree(workers_dir, ignore_errors=True)


def _noop() -> int:
    return os.getpid()


@dataclass
class _Pool:
    """The worker processes of a run; replaced when one dies."""

    executor: futures.ProcessPoolExecutor
    processes: list[Any]
    workers_dir: Path
    restarts: int = 0


def _start_pool(
    pipeline: Pipeline, jobs: int, lock: RunLock, workers_dir: Path | None = None
) -> futures.ProcessPoolExecutor:
    global _run_pipeline
    config = pipeline.config
    # fork: workers start in milliseconds with the modules and the pipeline already loaded;
    # with fork the executor starts every worker on the first submit.
    _run_pipeline = pipeline
    executor = futures.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init_worker,
        initargs=(config, os.getpid(), lock.fd, None if workers_dir is None else str(workers_dir)),
    )
    try:
        executor.submit(_noop).result()
    except futures.process.BrokenProcessPool as exc:
        _stop_pool(executor)
        raise ConfigError(f"worker processes could not start: {exc}") from exc
    finally:
        _run_pipeline = None
    return executor


def _stop_pool(executor: futures.ProcessPoolExecutor) -> None:
    # Taken before shutdown, which drops the executor's table of its processes.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    # Running shards are abandoned; once the workers are gone their temporary files go.
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(STOP_WAIT_S)


def _batches(pending: Iterable[ShardTask], count: int, jobs: int) -> Iterator[list[ShardTask]]:
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


def _pool_processes(executor: futures.ProcessPoolExecutor) -> list[Any]:
    # With fork every worker is started by the first submit (see _start_pool).
    return list((getattr(executor, "_processes", None) or {}).values())


def _run_pool(
    pool: _Pool,
    restart: Callable[[], futures.ProcessPoolExecutor],
    pending: Iterable[ShardTask],
    count: int,
    jobs: int,
    finished: Callable[[ShardDone], None],
    died: Callable[[ShardTask, str], None],
) -> None:
    """Run the shards on ``pool``. When a worker dies, the shard it was cleaning is handed
    to ``died`` (its input is not cleaned again), the workers are restarted, and every shard
    the dead pool still held is run again."""
    queue = _batches(pending, count, jobs)
    running: dict[futures.Future[list[ShardDone]], list[ShardTask]] = {}
    poisoned: set[str] = set()

    def submit(batch: list[ShardTask]) -> None:
        batch = [task for task in batch if task.rel not in poisoned]
        if batch:
            running[pool.executor.submit(_worker_run, batch)] = batch

    for batch in queue:
        submit(batch)
        if len(running) >= jobs * IN_FLIGHT_PER_WORKER:
            break
    while running:
        done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
        if any(isinstance(f.exception(), futures.process.BrokenProcessPool) for f in done):
            # Every batch the broken pool held ends now, with its result or the same error.
            done, _ = futures.wait(running)
        lost: list[list[ShardTask]] = []
        for future in done:
            batch = running.pop(future)
            try:
                shards = future.result()
            except futures.process.BrokenProcessPool:
                lost.append(batch)
                continue
            for shard in shards:
                finished(shard)
            next_batch = next(queue, None)
            if next_batch is not None:
                submit(next_batch)
        if not lost:
            continue
        for task, reason in _dead_workers_shards(pool, lost):
            poisoned.add(task.rel)
            died(task, reason)
        _stop_pool(pool.executor)
        pool.executor = restart()
        pool.processes = _pool_processes(pool.executor)
        pool.restarts += 1
        for batch in lost:
            submit(batch)
        while len(running) < jobs * IN_FLIGHT_PER_WORKER:
            next_batch = next(queue, None)
            if next_batch is None:
                break
            submit(next_batch)


def _dead_workers_shards(pool: _Pool, lost: list[list[ShardTask]]) -> list[tuple[ShardTask, str]]:
    """The shards whose worker died, each with how it died; :class:`CleanerError` if no
    dead worker can be tied to a shard (the run cannot tell what to leave out)."""
    in_flight = {(task.rel, task.index): task for batch in lost for task in batch}
    for process in pool.processes:
        with contextlib.suppress(Exception):
            process.join(STOP_WAIT_S)
    found = []
    for process in pool.processes:
        exitcode = process.exitcode
        # The pool stops the other workers with SIGTERM once one has died.
        if exitcode in (None, 0, -signal.SIGTERM):
            continue
        shard = _shard_of_dead_worker(pool.workers_dir, process.pid)
        if shard is not None and shard in in_flight:
            found.append((in_flight[shard], f"the worker process cleaning it {_death(exitcode)}"))
    if not found:
        names = sorted({printable_name(task.rel) for task in in_flight.values()})
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        raise CleanerError(
            f"a worker process died (out of memory?) while cleaning one of: {shown}; run "
            "again to resume where it stopped"
        )
    return found


def _record_dead(
    unit: _Unit, task: ShardTask, reason: str, manifest: Manifest, dst: Path, state: Path
) -> None:
    """An input whose worker died cleaning it: listed in its errors file and recorded as done
    with no output, so reruns leave it alone (``--retry-failed`` tries it again)."""
    name = printable_name(unit.inp.rel)
    record = {
        "id": name,
        "source": name,
        "input": name,
        "stage": "worker",
        "reason": f"{reason}; the input is left out of this and later runs "
        "(--retry-failed tries it again)",
    }
    _replace_with(
        state / "errors" / f"{unit.inp.key}.jsonl", lambda h: h.write(_safe_json_line(record))
    )
    _unlink(state / "audit" / f"{unit.inp.key}.jsonl")
    for shard in unit.tasks:
        for what in ("out", "audit", "errors", "done"):
            _unlink(shard_file(shard, what))
    # The dead worker's temporary files, beside the files it was writing.
    folders = {os.path.dirname(task.parts_dir)}
    if task.finals is not None:
        folders.update(os.path.dirname(path) for path in task.finals)
    for folder in folders:
        with contextlib.suppress(OSError):
            for name_ in os.listdir(folder):
                if name_.startswith(".cleaner.") and name_.endswith(".tmp"):
                    _unlink(Path(folder) / name_)
    _record(unit, manifest, dst, [], {"documents": 1, "failures": 1, "worker_died": 1})


def _credit(shard: ShardDone, summary: CorpusSummary, sink: ProgressSink) -> None:
    summary.counts.add(shard.counts)
    sink.advance(shard.size, shard.counts.get("documents", 0), shard.counts.get("failures", 0))


def _commit(unit: _Unit, manifest: Manifest, dst: Path, state: Path) -> None:
    """Move a finished input's shards into place; idempotent, so a cut-short commit is redone."""
    tasks = unit.tasks
    outs = [shard_file(t, "out") for t in tasks if shard_file(t, "out").exists()]
    final = dst / unit.inp.out_rel
    outputs: list[str] = []
    if outs:
        _atomic_concat(final, outs, durable=False)
        outputs.append(unit.inp.out_rel)
    else:
        _unlink(final)  # the document failed: no stale output from an earlier run
    audit_file = state / "audit" / f"{unit.inp.key}.jsonl"
    if unit.inp.kind == "jsonl" and len(tasks) > 1:
        _replace_with(audit_file, _renumbered_audit(tasks), durable=False)
    else:
        _atomic_concat(audit_file, [shard_file(t, "audit") for t in tasks], durable=False)
    error_parts = [shard_file(t, "errors") for t in tasks]
    error_parts = [p for p in error_parts if p.exists()]
    errors_file = state / "errors" / f"{unit.inp.key}.jsonl"
    if error_parts:
        _atomic_concat(errors_file, error_parts, durable=False)
    else:
        _unlink(errors_file)
    counts = Counts()
    for task in tasks:
        counts.add(_read_counts(shard_file(task, "done")))
    _record(unit, manifest, dst, outputs, counts.as_dict())
    for task in tasks:
        for what in ("out", "audit", "errors", "done"):
            _unlink(shard_file(task, what))


def _record(
    unit: _Unit, manifest: Manifest, dst: Path, outputs: list[str], counts: dict[str, int]
) -> None:
    """The manifest entry that makes an input done, once its files are in place. Outputs
    it had before and has no more (its name changed, its document failed) go, unless
    another input writes them now."""
    for old in unit.reserved:
        if old not in outputs and manifest.owner(old) in (None, unit.inp.rel):
            _unlink(dst / old)
    manifest.append(
        {
            "input": unit.inp.rel,
            "size": unit.inp.size,
            "mtime_ns": unit.inp.mtime_ns,
            "ctime_ns": unit.inp.ctime_ns,
            "sha256": unit.sha256,
            "job": unit.job,
            "version": __version__,
            "outputs": outputs,
            "counts": counts,
        }
    )


def _renumbered_audit(tasks: list[ShardTask]) -> Callable[[IO[bytes]], None]:
    """A shard numbers its output lines from 1; in the whole output they follow the lines of
    the shards before it (which only the commit knows, since failed lines are left out)."""

    def fill(handle: IO[bytes]) -> None:
        offset = 0
        for task in tasks:
            counts = _read_counts(shard_file(task, "done"))
            with shard_file(task, "audit").open("rb") as source:
                if offset == 0:
                    shutil.copyfileobj(source, handle, HASH_BLOCK)
                else:
                    for line in source:
                        record = json.loads(line)
                        record["output_line"] = int(record["output_line"]) + offset
                        handle.write(_json_line(record))
            offset += counts.get("documents", 0) - counts.get("failures", 0)

    return fill


def _forget_input(entry: Mapping[str, Any], dst: Path, state: Path, manifest: Manifest) -> None:
    """An input left IN: its outputs (which this tool wrote, unless another input writes them
    now) and state go too."""
    for rel in entry.get("outputs", []):
        if manifest.owner(str(rel)) is None:
            _unlink(dst / str(rel))
    key = _input_key(str(entry["input"]))
    _unlink(state / "audit" / f"{key}.jsonl")
    _unlink(state / "errors" / f"{key}.jsonl")


def _merge(path: Path, parts: Iterable[str | Path]) -> None:
    """Concatenate per-input files into one (copied, never linked: users may edit the result)."""

    def fill(handle: IO[bytes]) -> None:
        for part in parts:
            with contextlib.suppress(FileNotFoundError), open(part, "rb") as source:
                shutil.copyfileobj(source, handle, HASH_BLOCK)

    _replace_with(path, fill)


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSONL file, streamed (for reading ``_audit.jsonl`` and friends)."""
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict):
                    yield record


__all__ = [
    "AUDIT_FILE",
    "ERRORS_FILE",
    "REPORT_FILE",
    "ConfigError",
    "CorpusError",
    "CorpusLocked",
    "CorpusSummary",
    "ProgressSink",
    "ShardEngine",
    "default_jobs",
    "iter_jsonl",
    "run_corpus",
]
