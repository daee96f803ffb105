"""Where the rule files are, and whether a folder can serve as one.

In a checkout the top-level ``rules/`` is the source people edit. A wheel carries a copy of
it as ``cleaner/rule_files/`` (``pyproject.toml`` maps one onto the other at build time), so
an installed cleaner finds its rules wherever it runs from. ``$CLEANER_RULES_DIR`` (or
``--rules``, or ``rules_dir`` in a pipeline file) points at a folder of one's own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

RULES_DIR_ENV = "CLEANER_RULES_DIR"
PACKAGED_RULES = "rule_files"
"""The packaged copy of ``rules/`` inside the ``cleaner`` package of a wheel."""

_CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RulesLocation:
    path: Path
    origin: str
    """Why this folder: what a message should say to explain where the path came from."""


def locate_rules_dir() -> RulesLocation:
    """``$CLEANER_RULES_DIR`` if set; else the checkout's ``rules/`` when cleaner runs from a
    checkout; else the rules packaged with cleaner."""
    from_env = os.environ.get(RULES_DIR_ENV)
    if from_env:
        return RulesLocation(Path(from_env), f"${RULES_DIR_ENV}")
    checkout = _CHECKOUT_ROOT / "rules"
    # pyproject.toml beside it: a site-packages/rules/ of some other project is not ours.
    if checkout.is_dir() and (_CHECKOUT_ROOT / "pyproject.toml").is_file():
        return RulesLocation(checkout, "the checkout's rules/ folder")
    packaged = resources.files("cleaner").joinpath(PACKAGED_RULES)
    return RulesLocation(Path(str(packaged)), "the rules packaged with cleaner")


def default_rules_dir() -> Path:
    """The rules folder used when none is named; see :func:`locate_rules_dir`."""
    return locate_rules_dir().path


def rules_dir_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a rules folder, or None when it holds rule files."""
    if not path.exists():
        return "does not exist"
    if not path.is_dir():
        return "is not a folder"
    try:
        if not any(p.is_file() for p in path.rglob("*.toml")):
            return "holds no rule files (*.toml)"
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    return None
