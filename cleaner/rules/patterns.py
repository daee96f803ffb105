"""What a regular expression in a rule file says about itself, read from its parsed form.

- :func:`pattern_triggers`: literals one of which every match contains, so that a pattern
  runs only on the lines (or texts) holding one (the chrome rule index puts them into an
  Aho-Corasick automaton).
- :func:`required_literals`: the same, sharper, for the repair engine: small alternations are
  spelled out into whole phrases ("the (?:top|finish) of the" -> "the top of the", "the finish
  of the") and each literal says whether a match needs a word boundary at its ends, so that
  "ever" inside "every" wakes no ``\\bever\\b`` rule.
- :func:`nested_quantifiers`: whether a pattern has the shape that backtracks exponentially
  on a near miss (``cleaner rules check`` warns about it).
"""

from __future__ import annotations

import functools
import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # reads a pattern's structure
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import regex

from cleaner.rules.text import APOSTROPHES, straighten

#: A pattern's trigger literal shorter than this would fire almost everywhere.
MIN_TRIGGER = 3


def literal_runs(items: Iterable[Any]) -> Iterable[str]:
    """The runs of literal characters in a parsed pattern sequence, in order."""
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


_WORD = regex.compile(r"\w+")


@functools.lru_cache(maxsize=4096)
def _rarity(literal: str) -> int:
    """How selective a literal trigger is: the letters of its uncommon words."""
    return sum(len(w) for w in _WORD.findall(literal.lower()) if w not in _COMMON_WORDS)


def _triggers(items: Any) -> frozenset[str] | None:
    """Literals of which at least one occurs in every match of the parsed sequence ``items``."""

    def score(options: frozenset[str] | None) -> tuple[int, int]:
        if not options:
            return (0, 0)
        return (min(_rarity(o) for o in options), min(len(o) for o in options))

    candidates: list[frozenset[str] | None] = [frozenset({r}) for r in literal_runs(items)]
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


#: Syntax of the ``regex`` module that the standard parser reads without an error but in
#: another sense: a POSIX class ("[[:upper:]]", a set and a "]" to it) and a fuzzy constraint
#: ("(?:sponsored){e<=1}", literal text to it). Literals read from such a pattern could
#: miss its matches, so it gets none.
_MISREAD_SYNTAX = re.compile(r"\[:\^?[A-Za-z_]+:\]|(?<!\\)\{[^}]*[A-Za-z][^}]*\}")


def parsed_pattern(pattern: str) -> Any | None:
    """``pattern`` as the standard parser reads it, or None where that reading may not be
    the ``regex`` module's (its own syntax): the pattern then runs on every text."""
    if _MISREAD_SYNTAX.search(pattern):
        return None
    try:
        return sre_parse.parse(pattern)
    except (re.error, ValueError, TypeError, OverflowError, RecursionError):
        return None


def pattern_triggers(pattern: str) -> frozenset[str] | None:
    """Lower-cased literals, one of which every match of ``pattern`` contains; None if unknown."""
    parsed = parsed_pattern(pattern)
    return None if parsed is None else _plain_triggers(parsed)


def _plain_triggers(parsed: Any) -> frozenset[str] | None:
    found = _triggers(list(parsed))
    if not found or min(len(f) for f in found) < MIN_TRIGGER:
        return None
    return frozenset(straighten(f.lower(), APOSTROPHES) for f in found)


@dataclass(frozen=True)
class Trigger:
    """A literal that a match of a pattern contains (lower case, straight apostrophes).

    ``word_start`` / ``word_end``: the pattern has ``\\b`` right before / after the literal,
    whose first / last character is a letter or digit, so an occurrence with a letter or digit
    on that side is no part of any match.
    """

    literal: str
    word_start: bool = False
    word_end: bool = False


#: Spelled-out alternatives beyond this many are not worth their automaton entries (measured on
#: the clean AEB bodies: a cap of 256 or 1,024 makes the stage no faster than 64).
_MAX_SPELLED = 64
#: A character class of more characters than this is not spelled out.
_MAX_CLASS = 8
#: Repeats up to this many times are spelled out ("s?", "(?:very ){1,2}").
_MAX_SPELLED_REPEAT = 2
_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)

#: Where a pattern may set the ASCII or LOCALE flag, for all of it or for a group ("(?a)",
#: "(?ai:...)"); read from the text, so an escaped look-alike only costs the boundaries.
_ASCII_OR_LOCALE_FLAG = re.compile(r"\(\?[a-zA-Z]*[aL][a-zA-Z-]*[:)]")


def _spelled(items: Any) -> list[str] | None:
    """Every string the parsed sequence ``items`` matches, when they are few: only literals,
    small classes, alternations and short repeats of them; else None."""
    options = [""]
    for op, arg in items:
        choice = _spelled_item(op, arg)
        if choice is None or len(options) * len(choice) > _MAX_SPELLED:
            return None
        options = [left + right for left in options for right in choice]
    return options


def _spelled_item(op: Any, arg: Any) -> list[str] | None:
    if op is sre_parse.LITERAL:
        return [chr(arg)]
    if op is sre_parse.IN:
        # Only plain characters; "[" may open a POSIX class or a set operation in the regex
        # module, which the re parser would read as characters.
        chars = [chr(a) for o, a in arg if o is sre_parse.LITERAL]
        if len(chars) != len(arg) or len(chars) > _MAX_CLASS or "[" in chars:
            return None
        return chars
    if op is sre_parse.SUBPATTERN:
        return _spelled(arg[-1])
    if op is sre_parse.ATOMIC_GROUP:
        return _spelled(arg)
    if op is sre_parse.BRANCH:
        union: list[str] = []
        for branch in arg[1]:
            options = _spelled(branch)
            if options is None or len(union) + len(options) > _MAX_SPELLED:
                return None
            union += options
        return union
    if op in _REPEATS and arg[1] <= _MAX_SPELLED_REPEAT:
        body = _spelled(arg[2])
        if body is None:
            return None
        options, layer = ([""] if arg[0] == 0 else []), [""]
        for count in range(1, arg[1] + 1):
            layer = [left + right for left in layer for right in body]
            if count >= arg[0]:
                options += layer
            if len(options) > _MAX_SPELLED:
                return None
        return options
    return None


def _is_boundary(op: Any, arg: Any) -> bool:
    return op is sre_parse.AT and arg is sre_parse.AT_BOUNDARY


def surely_word_char(char: str) -> bool:
    """Whether ``char`` is a word character (``\\w``) for the regex module too: letters and
    decimal digits are, whatever the Unicode version; a character this does not know is
    treated as a non-word character, which only keeps more candidates."""
    return char.isalpha() or char.isdecimal() or char == "_"


def _option_set(options: list[str], word_start: bool, word_end: bool) -> frozenset[Trigger] | None:
    triggers = set()
    for option in options:
        literal = straighten(option.lower(), APOSTROPHES)
        if len(literal) < MIN_TRIGGER:
            return None
        triggers.add(
            Trigger(
                literal,
                word_start and surely_word_char(literal[0]),
                word_end and surely_word_char(literal[-1]),
            )
        )
    return frozenset(triggers)


def _required(items: Any, before_boundary: bool, after_boundary: bool) -> list[frozenset[Trigger]]:
    """Option sets of which every match of ``items`` contains one: each maximal run of
    spelled-out items, and what the groups, alternations and repeats inside hold.
    ``before_boundary`` / ``after_boundary``: ``items`` follows / precedes a ``\\b``."""
    items = list(_without_groups(items))
    found: list[frozenset[Trigger]] = []
    run: list[str] | None = None
    run_bounded = False
    previous_boundary = before_boundary
    for index, (op, arg) in enumerate(items):
        next_boundary = (
            _is_boundary(*items[index + 1]) if index + 1 < len(items) else after_boundary
        )
        choice = _spelled_item(op, arg)
        if choice is not None and run is not None and len(run) * len(choice) <= _MAX_SPELLED:
            run = [left + right for left in run for right in choice]
        else:
            if run is not None:
                found += _closed(run, run_bounded, _is_boundary(op, arg))
            run, run_bounded = choice, previous_boundary
        if op in _REPEATS and choice is None and arg[0] >= 1:
            found += _required(arg[2], False, False)
        elif op is sre_parse.BRANCH and choice is None:
            union: set[Trigger] = set()
            for branch in arg[1]:
                best = _most_selective(_required(branch, previous_boundary, next_boundary))
                if best is None:
                    union = set()
                    break
                union |= best
            if union:
                found.append(frozenset(union))
        previous_boundary = _is_boundary(op, arg)
    if run is not None:
        found += _closed(run, run_bounded, after_boundary)
    return found


def _without_groups(items: Any) -> Iterable[tuple[Any, Any]]:
    """``items`` with every group replaced by its content: a group changes what is captured,
    never which text a match spans, so runs of literals continue across its edges."""
    for op, arg in items:
        if op is sre_parse.SUBPATTERN:
            yield from _without_groups(arg[-1])
        elif op is sre_parse.ATOMIC_GROUP:
            yield from _without_groups(arg)
        else:
            yield op, arg


def _closed(run: list[str], word_start: bool, word_end: bool) -> list[frozenset[Trigger]]:
    option_set = _option_set(run, word_start, word_end)
    return [option_set] if option_set else []


def _selectivity(triggers: frozenset[Trigger]) -> tuple[int, int, int]:
    """Rarer words first, then literals that need word boundaries, then longer literals: the
    weakest literal of a set decides how often the set wakes its pattern."""
    return (
        min(_rarity(t.literal) for t in triggers),
        min(t.word_start + t.word_end for t in triggers),
        min(len(t.literal) for t in triggers),
    )


def _most_selective(candidates: list[frozenset[Trigger]]) -> frozenset[Trigger] | None:
    return max(candidates, key=_selectivity, default=None)


def required_literals(pattern: str) -> frozenset[Trigger] | None:
    """Literals one of which every match of ``pattern`` contains, with the word boundaries a
    match needs around them; None exactly when :func:`pattern_triggers` is None (the pattern
    then runs on the whole text, as it always has)."""
    parsed = parsed_pattern(pattern)
    plain = None if parsed is None else _plain_triggers(parsed)
    if parsed is None or plain is None:
        return None
    candidates = [frozenset(Trigger(literal) for literal in plain)]
    if not _ASCII_OR_LOCALE_FLAG.search(pattern):
        candidates += _required(list(parsed), False, False)
    else:  # there \b also falls between a letter and an accented one: claim no boundary
        candidates += [
            frozenset(Trigger(t.literal) for t in option)
            for option in _required(list(parsed), False, False)
        ]
    return _most_selective(candidates)


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
