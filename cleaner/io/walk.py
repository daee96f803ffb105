"""Finding a folder's inputs: every readable file, its format (by the one detector ``clean``
and ``corpus`` share, :func:`~cleaner.io.readers.input_kind`) and the output name it gets;
hashing an input and cutting it into shards (byte ranges at line starts) as it is read once.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat as stat_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cleaner.io.layout import RESERVED_NAMES, fitting_name, output_name, state_key
from cleaner.io.readers import input_kind

HASH_BLOCK = 1 << 20
_FOLDER_NOT_SEARCHABLE = frozenset({errno.EACCES, errno.EPERM})
"""Errors of a file's stat that say its folder cannot be entered, not that it is gone."""


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
        return state_key(self.rel)


def walk_inputs(
    root: Path,
    ignored: list[str] | None = None,
    *,
    follow_symlinks: bool = False,
    links_skipped: list[str] | None = None,
    claim: Callable[[str], bool] | None = None,
    links_broken: list[str] | None = None,
    not_files: list[str] | None = None,
    unlisted: Callable[[str, OSError], None] | None = None,
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
    ends). Links that lead nowhere, or in a loop (a link to itself), are listed in
    ``links_broken``. A FIFO, device or socket with an input's name is listed in
    ``not_files`` and skipped: reading a FIFO waits for a writer that may never come (the run
    hung), and a device may never end. An output name longer than the file system takes is
    shortened (:func:`fitting_name`).

    A folder that cannot be listed (no read or search permission, an I/O error) is passed to
    ``unlisted(rel, error)`` (``.`` for ``root`` itself): without it ``os.walk`` dropped the
    folder in silence, and a corpus run took its inputs for deleted and removed their
    outputs."""
    real_root = root.resolve()
    walked: set[tuple[int, int]] = set()
    if claim is None:
        claimed = {name.lower() for name in RESERVED_NAMES}

        def claim(name: str) -> bool:
            if name.lower() in claimed:
                return False
            claimed.add(name.lower())
            return True

    def walk_error(exc: OSError) -> None:
        if unlisted is not None:
            where = Path(exc.filename if exc.filename is not None else root)
            unlisted(_relative(where, root), exc)

    for folder, dirnames, filenames in os.walk(
        root, followlinks=follow_symlinks, onerror=walk_error
    ):
        try:
            folder_stat = os.stat(folder)
        except OSError as exc:
            dirnames[:] = []
            walk_error(exc)
            continue
        if (folder_stat.st_dev, folder_stat.st_ino) in walked:
            dirnames[:] = []
            continue
        walked.add((folder_stat.st_dev, folder_stat.st_ino))
        visible = sorted(d for d in dirnames if not d.startswith("."))
        if not follow_symlinks:
            for name in visible:
                # os.path.islink, not Path.is_symlink: a folder whose path is too long for the
                # system (ENAMETOOLONG) raised out of the walk and ended the run; os.walk then
                # reports it as a folder it cannot list.
                if os.path.islink(os.path.join(folder, name)) and links_skipped is not None:
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
            kind = input_kind(filename)
            try:
                stat = os.stat(full)
            except OSError as exc:
                if kind is not None and unlisted and _not_searchable(full, exc):
                    # A folder that lists but cannot be entered (read without search
                    # permission): none of its inputs can be looked at, which is the same as
                    # a folder that cannot be listed. They were skipped in silence, and a
                    # corpus run removed their outputs.
                    unlisted(prefix.rstrip("/") or ".", exc)
                    dirnames[:] = []
                    break
                # A link to nothing, or a loop (ELOOP: Path.resolve raised RuntimeError on
                # one, which ended the run); an input file gone since the listing is skipped.
                # A broken link is counted as one whatever its name: `l1 -> l2 -> l1` and
                # `dangling -> nowhere` (no suffix) went to the files not read, and the
                # run's line said nothing of them.
                if links_broken is not None and os.path.islink(full):
                    links_broken.append(rel)
                elif kind is None and ignored is not None:
                    ignored.append(rel)
                continue
            if (
                not follow_symlinks
                and os.path.islink(full)
                and not within(Path(os.path.realpath(full)), real_root)
            ):
                if links_skipped is not None:
                    links_skipped.append(rel)
                continue
            if kind is None:
                if ignored is not None:
                    ignored.append(rel)
                continue
            if not stat_module.S_ISREG(stat.st_mode):
                if not_files is not None:
                    not_files.append(rel)
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


def scan_input(inp: InputFile, shard_bytes: int) -> Scan:
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


def _not_searchable(full: str, exc: OSError) -> bool:
    """Whether ``exc``, from the stat of ``full``, says its folder cannot be entered (the
    file's own lstat fails too), rather than that a link leads somewhere closed or nowhere."""
    if exc.errno not in _FOLDER_NOT_SEARCHABLE:
        return False
    try:
        os.lstat(full)
    except OSError as own:
        return own.errno in _FOLDER_NOT_SEARCHABLE
    return False


def _relative(path: Path, root: Path) -> str:
    """``path``'s name under ``root`` (``.`` for ``root`` itself), as inputs are named."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def within(path: Path, root: Path) -> bool:
    """Whether ``path`` is ``root`` or lies under it (both resolved)."""
    return path == root or root in path.parents
