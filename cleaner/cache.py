"""The per-user folder where cleaner keeps what it derives once and reuses across runs.

The unpacked language-detector model, the LanguageTool install and the repair rules' validity
markers live under it, each in a sub-folder of its own. Anything there can be deleted at any
time: the next run rebuilds what it needs, only slower.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir(name: str) -> Path:
    """``$XDG_CACHE_HOME/cleaner/<name>``, with ``~/.cache`` in its place when XDG_CACHE_HOME
    is unset, empty or relative (the XDG base-directory specification says to ignore a
    relative one: it would name a different folder from every working directory)."""
    given = Path(os.environ.get("XDG_CACHE_HOME", "")).expanduser()
    cache = given if given.is_absolute() else Path.home() / ".cache"
    return cache / "cleaner" / name
