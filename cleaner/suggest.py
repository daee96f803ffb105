"""Suggestions for a misspelt name: ``--skip gramar`` should point at ``grammar``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

_CUTOFF = 0.6
"""difflib's similarity below which a name is not offered: a far guess only misleads."""


def _closest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=_CUTOFF)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'grammar'?)`` for the choice closest to ``word``, or ``""``."""
    return suggestions([word], choices)


def suggestions(words: Iterable[str], choices: Iterable[str]) -> str:
    """The closest choice for each of ``words`` that has one: `` (did you mean 'grammar'?)``
    for one word, `` (did you mean 'extract' for 'extrct', 'grammar' for 'gramar'?)`` for
    several; ``""`` when none is close."""
    given, known = list(words), list(choices)
    pairs = [(word, close) for word in given if (close := _closest(word, known)) is not None]
    if not pairs:
        return ""
    if len(given) == 1:
        return f" (did you mean {pairs[0][1]!r}?)"
    return " (did you mean " + ", ".join(f"{close!r} for {word!r}" for word, close in pairs) + "?)"
