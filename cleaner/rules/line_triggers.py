"""Which lines a chrome rule's pattern may match, told without running it.

A chrome rule's trigger literals are texts one of which every match of its pattern holds; a
line holding none of them is not tried (see :class:`cleaner.rules.chrome.RuleIndex`). Two
things keep that test from ever dropping a match:

- both sides are put in one form, :func:`trigger_form`: the pattern's case-insensitive
  matching equates characters that ``str.lower`` keeps apart ("ſ" with "s", "ſponsored:"
  is a sponsored label to the pattern), and ``str.casefold`` is the folding that puts such
  characters together. The one pair it leaves apart, dotted capital "İ" (folded to "i" and a
  combining dot) and "i", is joined by dropping that dot after an "i".
- :func:`chrome_triggers` only takes literals from parts of the pattern every match must
  pass through. Where the general picker finds no literal of three or more characters
  (the copyright rule: "©", "(c)", or a year "19"/"20"), a literal of symbols only ("©",
  ":") is taken too: such a character is rare in prose, so the pattern still runs on few
  lines, where a two-letter literal would run it on nearly all.
"""

from __future__ import annotations

import re._parser as sre_parse  # type: ignore[import-not-found]  # reads a pattern's structure
from typing import Any

from cleaner.rules.patterns import MIN_TRIGGER, literal_runs, parsed_pattern, pattern_triggers
from cleaner.rules.text import APOSTROPHES, straighten

_COMBINING_DOT = "\u0307"
_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)


def trigger_form(text: str) -> str:
    """``text`` as trigger literals are compared with it: case-folded, "i" + combining dot
    as "i". ``casefold`` is what a caller of many rules already has for exact lines."""
    return fold_casefolded(text.casefold())


def fold_casefolded(casefolded: str) -> str:
    """:func:`trigger_form` of a text given its ``casefold()``."""
    if _COMBINING_DOT in casefolded:
        return casefolded.replace("i" + _COMBINING_DOT, "i")
    return casefolded


def chrome_triggers(pattern: str) -> frozenset[str] | None:
    """Literals in :func:`trigger_form`, one of which every match of ``pattern`` holds; None
    when no set of them is selective enough (the pattern then runs on every line)."""
    found = pattern_triggers(pattern)
    if found is None:
        parsed = parsed_pattern(pattern)
        if parsed is None:
            return None  # regex-module-only syntax
        found = _symbol_triggers(list(parsed))
    if not found:
        return None
    return frozenset(trigger_form(straighten(literal, APOSTROPHES)) for literal in found)


def _acceptable(literal: str) -> bool:
    """Long enough to be selective, or made of symbols and punctuation only."""
    if len(literal) >= MIN_TRIGGER:
        return True
    return not literal.isspace() and not any(c.isalnum() for c in literal)


def _symbol_triggers(items: list[Any]) -> frozenset[str] | None:
    """The most selective acceptable set of literals one of which every match of the parsed
    sequence ``items`` holds: a run of literal characters, or what a group, a repeat of at
    least once or every branch of an alternation holds. Look-arounds are no part of the
    match and are not looked into."""
    candidates: list[frozenset[str]] = [frozenset({run}) for run in literal_runs(items)]
    for op, arg in items:
        inner = None
        if op is sre_parse.SUBPATTERN:
            inner = _symbol_triggers(list(arg[-1]))
        elif op is sre_parse.ATOMIC_GROUP:
            inner = _symbol_triggers(list(arg))
        elif op in _REPEATS and arg[0] >= 1:
            inner = _symbol_triggers(list(arg[2]))
        elif op is sre_parse.BRANCH:
            union: set[str] = set()
            for branch in arg[1]:
                found = _symbol_triggers(list(branch))
                if found is None:
                    break
                union |= found
            else:
                inner = frozenset(union)
        if inner:
            candidates.append(inner)
    usable = [c for c in candidates if c and all(_acceptable(literal) for literal in c)]
    # The set whose weakest literal is longest: a set holding a one-symbol literal counts as
    # one character, so a long word shared by every match is preferred to it.
    return max(usable, key=lambda c: (min(len(x) for x in c), -len(c)), default=None)
