"""The per-user folder where cleaner keeps what it derives once and reuses across runs.

The unpacked language-detector model, the LanguageTool install and the repair rules' validity
markers live under it, each in a sub-folder of its own. Anything there can be deleted at any
time: the next run rebuilds what it needs, only slower.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir(name: str) -> Path:
    """``$XDG_CACHE_HOME/cleaner/<name>``, with ``~/.cache`` when XDG_CACHE_HOME is unset or
    empty (the XDG base-directory convention)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "cleaner" / name
