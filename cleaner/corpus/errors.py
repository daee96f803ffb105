"""What stops a corpus run, and file-system failures turned into one clear message."""

from __future__ import annotations

import errno
import functools
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from cleaner.corpus.manifest import MANIFEST_FILE
from cleaner.errors import CleanerError
from cleaner.io.layout import STATE_DIR

Returned = TypeVar("Returned")


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


def os_errors_reported(run: Callable[..., Returned]) -> Callable[..., Returned]:
    """File-system failures during a run (disk full, read-only OUT...) become one clear
    :class:`OutputError` instead of a traceback from whichever write hit them first."""

    @functools.wraps(run)
    def wrapper(*args: Any, **kwargs: Any) -> Returned:
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
