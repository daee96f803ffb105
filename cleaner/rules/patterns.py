"""What a regular expression in a rule file says about itself, read from its parsed form.

- :func:`pattern_triggers`: literals one of which every match contains, so that a pattern
  runs only on the lines (or texts) holding one (the repair engine and the chrome rule index
  put them into an Aho-Corasick automaton).
- :func:`nested_quantifiers`: whether a pattern has the shape that backtracks exponentially
  on a near miss (``cleaner rules check`` warns about it).
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # reads a pattern's structure
from collections.abc import Iterable
from typing import Any

import regex

from cleaner.rules.text import APOSTROPHES, straighten

#: A pattern's trigger literal shorter than this would fire almost everywhere.
MIN_TRIGGER = 3


def _literal_runs(items: Iterable[Any]) -> Iterable[str]:
    run: list[str] = []
    for op, arg in items:
        if op is sre_parse.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            yield "".join(run)
            run = []
    if run:
        yield "".join(run)


#: Words too common to make a useful trigger: a literal made only of these would send the
#: pattern to run on nearly every line ("of the", "on the").
_COMMON_WORDS = frozenset(
    " ".join(
        (
            "a an the of on in at to for from by with and or but is are was were be been it its",
            "this that these those as than then so not no he she they we you i his her their our",
            "your because about more most much many some any all one two has have had do does did",
            "will would can could may might must should there here who which what when where how",
        )
    ).split()
)


def _rarity(literal: str) -> int:
    """How selective a literal trigger is: the letters of its uncommon words."""
    return sum(len(w) for w in regex.findall(r"\w+", literal.lower()) if w not in _COMMON_WORDS)


def _triggers(items: Any) -> frozenset[str] | None:
    """Literals of which at least one occurs in every match of the parsed sequence ``items``."""

    def score(options: frozenset[str] | None) -> tuple[int, int]:
        if not options:
            return (0, 0)
        return (min(_rarity(o) for o in options), min(len(o) for o in options))

    candidates: list[frozenset[str] | None] = [frozenset({r}) for r in _literal_runs(items)]
    for op, arg in items:
        if op is sre_parse.SUBPATTERN:
            candidates.append(_triggers(arg[-1]))
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and arg[0] >= 1:
            candidates.append(_triggers(arg[2]))
        elif op is sre_parse.BRANCH:
            union: set[str] = set()
            for branch in arg[1]:
                found = _triggers(branch)
                if found is None:
                    union = set()
                    break
                union |= found
            candidates.append(frozenset(union) if union else None)
    best: frozenset[str] | None = None
    for option in candidates:
        if option and score(option) > score(best):
            best = option
    return best


def pattern_triggers(pattern: str) -> frozenset[str] | None:
    """Lower-cased literals, one of which every match of ``pattern`` contains; None if unknown."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, ValueError, TypeError, OverflowError):
        return None  # regex-module-only syntax: the pattern then runs on every text
    found = _triggers(list(parsed))
    if not found or min(len(f) for f in found) < MIN_TRIGGER:
        return None
    return frozenset(straighten(f.lower(), APOSTROPHES) for f in found)


def _fixed_literal(items: Any) -> bool:
    """Whether every match of ``items`` holds a literal character outside any repeat: one
    that delimits the iterations of a repeat around it, so they cannot split text many ways."""
    for op, arg in items:
        if op is sre_parse.LITERAL:
            return True
        if op is sre_parse.SUBPATTERN and _fixed_literal(arg[-1]):
            return True
        if op is sre_parse.BRANCH and all(_fixed_literal(branch) for branch in arg[1]):
            return True
    return False


def _nested_in(items: Any, inside_unbounded: bool) -> bool:
    for op, arg in items:
        if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
            low, high, body = arg
            if inside_unbounded and high != low and high > 1:
                return True
            unbounded = high == sre_parse.MAXREPEAT and not _fixed_literal(body)
            if _nested_in(body, inside_unbounded or unbounded):
                return True
        elif op is sre_parse.SUBPATTERN:
            if _nested_in(arg[-1], inside_unbounded):
                return True
        elif op is sre_parse.BRANCH:
            if any(_nested_in(branch, inside_unbounded) for branch in arg[1]):
                return True
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT) and _nested_in(
            arg[1], inside_unbounded
        ):
            return True
        # Atomic groups and possessive repeats never backtrack into their body: safe.
    return False


def nested_quantifiers(pattern: str) -> bool:
    """Whether ``pattern`` repeats, without bound, something that itself repeats a variable
    number of times (``(a+)+``, ``(\\w*\\s?)*``): the shape that backtracks exponentially
    on a near miss. Patterns in ``regex``-only syntax are not judged (False)."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, ValueError, TypeError, OverflowError, RecursionError):
        return False
    return _nested_in(list(parsed), False)
