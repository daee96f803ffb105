"""Remembering which repair rule files were found valid, so a warm start skips their regexes.

Checking a rule file compiles every pattern and guard in it (about 400 regexes for the shipped
rules, most of a `cleaner clean` call's start-up), although the engine itself now compiles a
rule only when a text wakes it. A file that passed every check leaves an empty marker named by
the hash of its bytes and of what checks it (this module's schema, the ``regex`` version, the
Python version); a later load of the same bytes trusts the marker and skips the regex checks.
A file with any problem never gets a marker, so its errors are found and worded as always;
`cleaner rules check` never uses markers. Markers live under ``$XDG_CACHE_HOME/cleaner``
(default ``~/.cache/cleaner``); a cache that cannot be written only costs the time.

A marker holds the path of the file it was made for. Whenever a new marker is written (a rule
file has new bytes, so an old marker may be orphaned), the folder is swept: a marker goes when
the file at its path no longer holds the bytes it names (edited, deleted, or checked by another
version of the checks), unless it is younger than :data:`SWEEP_GRACE_S`, so that a marker
another process has just written for bytes it is loading is never taken from under it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import stat
import sys
import time
from pathlib import Path

import regex

from cleaner.cache import user_cache_dir
from cleaner.io.atomic import TEMP_NAME, replace_with

#: Bump when a check changes in a way the schema module's own text would not show.
_FORMAT = b"repair-rules-valid-1"


def cache_root() -> Path:
    """Where the markers live: ``$XDG_CACHE_HOME/cleaner/repair-rules``."""
    return user_cache_dir("repair-rules")


@functools.cache
def _checker_fingerprint(checker: Path) -> bytes:
    digest = hashlib.sha256(_FORMAT)
    digest.update(checker.read_bytes())
    digest.update(regex.__version__.encode())
    digest.update(sys.version.encode())
    return digest.digest()


def content_key(raw: bytes, checker: Path) -> str:
    """The marker name for a rule file holding ``raw``, checked by the module at ``checker``
    (its source text is part of the name, so a changed check never trusts an old marker)."""
    return hashlib.sha256(_checker_fingerprint(checker) + raw).hexdigest()


def known_valid(key: str) -> bool:
    try:
        return (cache_root() / key).is_file()
    except OSError:
        return False  # an unreadable cache: the rules are checked again, as with no marker


SWEEP_GRACE_S = 3600.0
"""Markers (and temporary files) younger than this are never swept: far longer than any
process takes from writing a marker to using the rules it loaded."""
SWEEP_MAX_ENTRIES = 2000
"""Entries one sweep looks at, at most: a sweep runs only when a marker is written, and the
folder holds about one marker per rule file in use."""
_MARKER_NAME = re.compile(r"[0-9a-f]{64}")


def remember_valid(key: str, source: Path, checker: Path) -> None:
    """Leave the marker for ``key``, the bytes of ``source`` checked by ``checker``: a file
    holding the path of ``source``; then sweep the markers no rule file holds the bytes of."""
    folder = cache_root()
    try:
        path = os.fsencode(os.path.abspath(source))
        replace_with(folder / key, lambda handle: handle.write(path), durable=False)
        sweep(folder, checker)
    except OSError:
        pass  # a read-only or full cache: the next load checks the regexes again


def sweep(folder: Path, checker: Path) -> None:
    """Remove the markers in ``folder`` that name bytes the file at their path no longer
    holds (see the module's docstring), and temporary files a killed write left."""
    now = time.time()
    current_keys: dict[bytes, str | None] = {}  # a recorded path -> the key of its bytes now
    with os.scandir(folder) as entries:
        for count, entry in enumerate(entries):
            if count >= SWEEP_MAX_ENTRIES:
                break
            is_marker = _MARKER_NAME.fullmatch(entry.name) is not None
            if not is_marker and not TEMP_NAME.match(entry.name):
                continue
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime < SWEEP_GRACE_S:
                    continue
                recorded = Path(entry.path).read_bytes() if is_marker else b""
            except OSError:
                continue
            if recorded and recorded not in current_keys:
                current_keys[recorded] = _current_key(recorded, checker)
            if not is_marker or current_keys.get(recorded) != entry.name:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def _current_key(path: bytes, checker: Path) -> str | None:
    """The marker name for the bytes the file at ``path`` holds now (None: there is none)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # never open a FIFO or a device named by a stray marker
        with open(path, "rb") as handle:
            return content_key(handle.read(), checker)
    except OSError:
        return None
