"""Remembering which repair rule files were found valid, so a warm start skips their regexes.

Checking a rule file compiles every pattern and guard in it (about 400 regexes for the shipped
rules, most of a `cleaner clean` call's start-up), although the engine itself now compiles a
rule only when a text wakes it. A file that passed every check leaves an empty marker named by
the hash of its bytes and of what checks it (this module's schema, the ``regex`` version, the
Python version); a later load of the same bytes trusts the marker and skips the regex checks.
A file with any problem never gets a marker, so its errors are found and worded as always;
`cleaner rules check` never uses markers. Markers live under ``$XDG_CACHE_HOME/cleaner``
(default ``~/.cache/cleaner``); a cache that cannot be written only costs the time.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from pathlib import Path

import regex

from cleaner.cache import user_cache_dir

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
    return (cache_root() / key).is_file()


def remember_valid(key: str) -> None:
    """Leave the marker for ``key``: an empty file, whose existence is all it says."""
    folder = cache_root()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / key).touch()
    except OSError:
        pass  # a read-only or full cache: the next load checks the regexes again
