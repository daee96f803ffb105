"""Writing files atomically: readers see the old file or the new one, never half of one.

Every file cleaner writes goes through :func:`replace_with`: a temporary file in the target's
folder (or a given hidden folder), filled, flushed, then renamed over the target. The
temporary names are short (any name the file system takes can be written) and of one form,
so :func:`sweep_temp_files` can remove those a killed run left.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

COPY_BLOCK = 1 << 20

TEMP_NAME = re.compile(r"^\.(cleaner|.+)\.\d+\.[0-9a-f]{8}\.tmp$")
"""Temporary files: ``.cleaner.<pid>.<hex>.tmp`` (and, from older versions, the target's name
in place of ``cleaner``)."""

_umask_lock = threading.Lock()


def temp_path(path: Path, temp_dir: Path | None = None) -> Path:
    """A temporary name for writing ``path``, in ``temp_dir`` (same file system) or beside it."""
    name = f".cleaner.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    return (temp_dir or path.parent) / name


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


def replace_with(
    path: Path,
    fill: Callable[[IO[bytes]], object],
    *,
    durable: bool = True,
    keep_mode: bool = False,
    temp_dir: Path | None = None,
    through_links: bool = False,
) -> None:
    """Create ``path`` through a temporary file that ``fill(handle)`` writes, then rename; on
    any failure the temporary file is removed.

    ``durable=False`` leaves flushing to disk to the caller (a batch sync before the corpus
    manifest records it); a kill cannot lose the data either way, only a power cut.
    ``keep_mode`` gives an existing file's permissions to its replacement.

    A device, pipe or socket (``-o /dev/null``, a FIFO), or a name for a descriptor
    (``/dev/stdout``), is written into: replacing it would put a regular file in its place
    (as root, a ``/dev/null`` that stores everything). It is opened to append: a descriptor's
    file (``>> log``, or a shell's own earlier output) would otherwise be cut to nothing.
    ``through_links`` (for a user's ``-o``) writes through a symbolic link: its target is
    replaced atomically, the link kept. Without it the link itself is replaced, so that a
    corpus output can never be led outside its folder."""
    descriptor = descriptor_named(path)
    if descriptor is not None:
        # Written into the descriptor already open: reopened by name, in append mode, the
        # writes went to the file's end while the shell's own offset stayed behind, so its
        # next write (`{ echo start; cleaner ... -o /dev/stdout; echo done; } > log`) went
        # over cleaner's output. A dup shares the offset, as a write to stdout does.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                stream.flush()
        with os.fdopen(os.dup(descriptor), "wb") as handle:
            fill(handle)
        return
    if written_in_place(path):
        with open(path, "ab") as handle:
            fill(handle)
        return
    if through_links and os.path.islink(path):
        # Write through the link, as `>` does: the file it names is replaced (a dangling
        # link's is created, in a folder that must exist), the link itself stays.
        path = Path(os.path.realpath(path))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path, temp_dir)
    mode = _mode_for(path) if keep_mode else None
    try:
        with tmp.open("xb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            fill(handle)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


_DESCRIPTOR_NAME = re.compile(r"/(?:dev/fd|proc/self/fd|proc/thread-self/fd)/(\d+)")
_STANDARD_NAMES = {"/dev/stdout": 1, "/dev/stderr": 2}


def descriptor_named(path: Path) -> int | None:
    """The descriptor of this process that ``path`` names (``/dev/stdout``, ``/dev/fd/N``,
    ``/proc/self/fd/N``) when it is open for writing, else None."""
    name = os.path.normpath(os.path.abspath(path))
    number = _STANDARD_NAMES.get(name)
    if number is None:
        match = _DESCRIPTOR_NAME.fullmatch(name)
        if match is None:
            return None
        number = int(match.group(1))
    try:
        flags = fcntl.fcntl(number, fcntl.F_GETFL)
    except OSError:
        return None  # closed: the name is opened as before, and fails the same way
    if flags & os.O_ACCMODE == os.O_RDONLY:
        # Open for reading only ('3<file'): the name is opened for writing as before, which
        # appends to the same file where writing to the descriptor would fail.
        return None
    return number


def probe_writable(folder: Path, *, must_exist: bool = False) -> None:
    """Raise :class:`OSError` unless ``folder`` takes a new file: it, or (unless
    ``must_exist``) the nearest folder above it that exists, since the folders below would be
    made. A probe file tells, as root too (where permissions say nothing) and on a read-only
    file system; it is removed at once."""
    if not must_exist:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not folder.is_dir():
        if folder.exists():
            raise NotADirectoryError(20, f"{folder} is a file, not a folder")
        raise FileNotFoundError(2, f"{folder} does not exist")
    handle, probe = tempfile.mkstemp(prefix=".cleaner-probe-", dir=folder)
    os.close(handle)
    os.unlink(probe)


def written_in_place(path: Path) -> bool:
    """Whether ``path`` names something other than a file a rename may replace."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # nothing there (or not reachable): a new file, written atomically
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        return True
    return _leads_through_proc(path)


def _leads_through_proc(path: Path) -> bool:
    """Whether ``path``'s links pass through /proc, as /dev/stdout's and /dev/fd/N's do, to
    whatever a descriptor holds (a regular file too: its link, not the file, would be
    replaced). Followed link by link: resolving all of them would end at the file itself."""
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    current = os.path.join(folder, os.path.basename(path))
    for _ in range(40):  # the kernel's own limit on links followed
        if current == "/proc" or current.startswith("/proc/"):
            return True
        try:
            target = os.readlink(current)
        except OSError:
            return False  # not a link: the chain ended outside /proc
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
    return False


def atomic_concat(path: Path, parts: list[Path], durable: bool = True) -> None:
    """``path`` becomes the parts one after another (a hard link when there is one part)."""
    if len(parts) == 1:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(path)
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
                shutil.copyfileobj(source, handle, COPY_BLOCK)

    replace_with(path, fill, durable=durable)


def merge_files(path: Path, parts: Iterable[str | Path], temp_dir: Path | None = None) -> None:
    """Concatenate files into one, missing parts passed over (copied, never linked: users may
    edit the result)."""

    def fill(handle: IO[bytes]) -> None:
        for part in parts:
            with contextlib.suppress(FileNotFoundError), open(part, "rb") as source:
                shutil.copyfileobj(source, handle, COPY_BLOCK)

    replace_with(path, fill, temp_dir=temp_dir)


def remove_file(path: Path | str) -> None:
    """Remove a file that may already be gone."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def sweep_temp_files(root: Path) -> None:
    """Remove the temporary files of writes a killed run never finished."""
    for folder, _, filenames in os.walk(root):
        for name in filenames:
            if TEMP_NAME.match(name):
                remove_file(Path(folder) / name)
