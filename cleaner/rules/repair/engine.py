"""The repair matching engine: a compiled set of repair rules, and the spin gate.

Matching cost must not grow with the number of rules, so :class:`RepairPack` puts every
literal phrase, and the required literals of every pattern (its *triggers*, see
:func:`~cleaner.rules.patterns.required_literals`), into ONE Aho-Corasick automaton: one pass
over the text finds every place a rule could fire. Patterns and guards run only on the lines
where a candidate was found, and are compiled the first time they run: a pack of 1,500 rules
builds in the time it takes to read them, and a text pays only for the rules it wakes.

Apostrophes: phrases, patterns and guards all see the text through
:func:`~cleaner.rules.text.straighten` (``’ ‘ ʼ`` as ``'``, a no-break space as a space), so a
rule written with ``'`` matches curly text; the replacement takes the curly form back when the
matched text used it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick_rs
import regex

from cleaner.rules.guards import Guards
from cleaner.rules.patterns import required_literals, surely_word_char
from cleaner.rules.repair.casing import follow_case, with_article_for
from cleaner.rules.repair.schema import RepairRule, load_rules, phrase_key
from cleaner.rules.text import (
    is_word_char,
    pieces_at_white_space,
    same_length_lower,
    straighten,
)

#: A document must carry signature matches of at least this many different rules before the
#: gate may call it spun and open the ambiguous rules: one stray match in clean text must not
#: unlock them, nor one phrase repeated (a clean page about search engines said "search engines
#: like Google" twice, WCXB tuning 0325 and 2381), while a spinner rewrites many different
#: phrases (every spun tuning page the gate opens carries 2 or more different ones).
DEFAULT_MIN_SIGNATURES = 2

#: Signatures per 1,000 words at or above which the gate calls a document spun (with at
#: least DEFAULT_MIN_SIGNATURES different rules). Chosen from the tuning data
#: (bench/spin_split.toml): the clean AEB bodies score 0 and the clean WCXB tuning pages at
#: most 1.1, a hostile clean article with two ordinary phrases that were signatures 4.2
#: (newuser3 A1); the spun tuning pages the gate opens score 7.1 and more, the spun samples
#: 13 and more. See bench/spin_eval.py for the figures.
DEFAULT_GATE_THRESHOLD = 5.0

#: Seconds one rule's pattern (or guard) may spend on one call before it is abandoned for the
#: document: real rules take microseconds per line, so only catastrophic backtracking on
#: hostile text comes near it, and a bound keeps one bad rule from stalling a corpus run.
DEFAULT_REGEX_TIMEOUT_S = 1.0

# Spans no rule may touch: addresses, e-mail, inline code. Computed per line, on demand.
_PROTECTED_IN_LINE = regex.compile(
    r"""(?:https?|ftp)://[^\s<>"]+"""
    r"""|\bwww\.[^\s<>"]+"""
    r"""|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"""
    r"""|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|co|uk|de|info|ca|au|us)\b(?:/\S*)?"""
    r"""|`[^`\n]*`"""
)
# Substrings every match of _PROTECTED_IN_LINE contains one of: a line with none of them
# needs no regex scan.
_PROTECTION_HINTS = (
    "://",
    "www.",
    "@",
    "`",
    ".co",
    ".org",
    ".net",
    ".gov",
    ".edu",
    ".io",
    ".uk",
    ".de",
    ".info",
    ".ca",
    ".au",
    ".us",
)
_FENCE = "```"


@dataclass(frozen=True)
class GateDecision:
    """Whether a document is spun, decided on its text before any repair.

    ``score`` is the count of unambiguous spinner signatures (matches of signature rules, forms
    that do not occur in clean English news) per 1,000 words. The document is spun when they
    come from at least ``min_signatures`` different rules (``rules``) and ``score >=
    threshold``; only then do the ambiguous rules run.
    """

    score: float
    threshold: float
    spun: bool
    signatures: int = 0
    words: int = 0
    min_signatures: int = DEFAULT_MIN_SIGNATURES
    #: How many different rules the signatures come from.
    rules: int = 0
    #: The document's language; the repair stage decides a gate only for a language its
    #: rules and model are written for, so every layer that follows it checks nothing else.
    language: str = "en"

    def as_metadata(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "threshold": self.threshold,
            "spun": self.spun,
            "signatures": self.signatures,
            "rules": self.rules,
            "min_signatures": self.min_signatures,
        }


#: Scores are per this many words, so short and long documents compare.
WORDS_PER_UNIT = 1000


def count_words(text: str) -> int:
    """``len(text.split())``, counted piece by piece (on a whole 2 MB text it would build a
    list of its ~350k words just to count them); no word spans two pieces, so the sum is the
    same."""
    return sum(len(piece.split()) for piece in pieces_at_white_space(text))


def decide_gate(
    signatures: int, text: str, threshold: float, min_signatures: int, rules: int | None = None
) -> GateDecision:
    """The gate's decision for ``text`` carrying ``signatures`` signature matches of ``rules``
    different rules (default: each match its own rule)."""
    rules = signatures if rules is None else rules
    if signatures == 0:  # most clean text: no need to count its words
        return GateDecision(
            0.0, threshold, min_signatures <= 0 and threshold <= 0, 0, 0, min_signatures
        )
    words = count_words(text)
    score = round(signatures * WORDS_PER_UNIT / words, 3) if words else 0.0
    spun = rules >= min_signatures and score >= threshold
    return GateDecision(score, threshold, spun, signatures, words, min_signatures, rules)


@dataclass(frozen=True)
class FindResult:
    """Matches in a text, the ids of rules skipped because a regex timed out on it, and the
    gate's decision on the text."""

    matches: list[RepairMatch]
    timed_out: tuple[str, ...] = ()
    gate: GateDecision | None = None


@dataclass(frozen=True)
class RepairMatch:
    """A place where a rule fires: replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str
    rule_id: str
    signature: bool


_Found = tuple[int, int, int, str]  # start, end, rule order, replacement

#: A pattern rule woken by a trigger: (rule order, needs a word boundary before the trigger,
#: needs one after it).
_Waking = tuple[int, bool, bool]

_NO_GUARDS = Guards()


@dataclass
class _Entry:
    phrases: list[int] = field(default_factory=list)
    patterns: set[_Waking] = field(default_factory=set)


class RepairPack:
    """A compiled set of repair rules: build once, then :meth:`find` / :meth:`repair` are pure."""

    def __init__(
        self,
        rules: Sequence[RepairRule],
        min_signatures: int = DEFAULT_MIN_SIGNATURES,
        regex_timeout: float = DEFAULT_REGEX_TIMEOUT_S,
        gate_threshold: float = DEFAULT_GATE_THRESHOLD,
    ) -> None:
        self.rules: tuple[RepairRule, ...] = tuple(rules)
        self.min_signatures = min_signatures
        self.regex_timeout = regex_timeout
        self.gate_threshold = gate_threshold
        # Compiled on first use (rule order -> regex / guards): most texts wake few rules.
        self._patterns: dict[int, Any] = {}
        self._guards: dict[int, Guards] = {}
        self._always: list[int] = []
        # Rules that run only in documents the gate calls spun.
        self._gated = frozenset(order for order, rule in enumerate(self.rules) if rule.gated)
        entries: dict[str, _Entry] = {}
        for order, rule in enumerate(self.rules):
            for phrase in rule.literals:
                key = phrase_key(phrase)
                entries.setdefault(key, _Entry()).phrases.append(order)
            if rule.pattern is not None:
                triggers = required_literals(rule.pattern)
                if triggers is None:
                    self._always.append(order)
                for trigger in triggers or ():
                    entry = entries.setdefault(trigger.literal, _Entry())
                    entry.patterns.add((order, trigger.word_start, trigger.word_end))
        self._automaton: ahocorasick_rs.AhoCorasick | None = None
        # What each automaton key wakes, by the key's index: (phrase rules, pattern rules).
        self._woken: list[tuple[tuple[int, ...], tuple[_Waking, ...]]] = []
        if entries:
            self._automaton = ahocorasick_rs.AhoCorasick(list(entries))
            self._woken = [
                (tuple(entry.phrases), tuple(sorted(entry.patterns))) for entry in entries.values()
            ]

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def every_pattern_indexed(self) -> bool:
        """Whether every pattern has literals to find its lines by: none runs over the whole
        text, so none can match across a line end."""
        return not self._always

    @property
    def regexes_compiled(self) -> int:
        """How many rules have had their pattern or guards compiled so far: none when the pack
        is built, then only those of the rules a text woke."""
        return len(self._patterns) + sum(g is not _NO_GUARDS for g in self._guards.values())

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.rule_id for rule in self.rules)

    # ----------------------------------------------------------------- matching

    def find(self, text: str, *, assume_spun: bool = False) -> list[RepairMatch]:
        """Non-overlapping matches in ``text``, in text order.

        ``assume_spun`` opens the gate for the ambiguous rules whatever the text's score (used
        to run a rule's examples and keeps on their own).
        """
        return self.search(text, assume_spun=assume_spun).matches

    def search(self, text: str, *, assume_spun: bool = False) -> FindResult:
        """Like :meth:`find`, also giving the gate's decision and naming the rules whose regex
        timed out on ``text``: each is skipped for the whole text (none of its matches is
        kept)."""
        scan = self.scan(text)
        gate = self.gate(scan)
        return self.finish(scan, spun=assume_spun or gate.spun, gate=gate)

    def scan(self, text: str) -> Scan:
        """The first pass over ``text``: every signature rule is matched (guards checked); the
        places where an ambiguous rule could fire are only noted, so that clean text, which
        the gate closes, pays nothing for them."""
        norm = straighten(text)
        scan = Scan(_Context(text, norm))
        if not text or not self.rules:
            return scan
        context, gated = scan.context, self._gated
        pattern_lines: set[tuple[int, int]] = set()
        if self._automaton is not None:
            haystack = same_length_lower(norm)
            woken = self._woken
            # Every occurrence of every key, overlapping ones included; offsets in characters.
            for key_index, start, end in self._automaton.find_matches_as_indexes(
                haystack, overlapping=True
            ):
                phrases, patterns = woken[key_index]
                if phrases and self._at_word_boundaries(norm, start, end):
                    for order in phrases:
                        if order in gated:
                            scan.gated_phrases.append((order, start, end))
                        else:
                            self._try(context, order, start, end, None, scan.found)
                if not patterns:
                    continue
                # A trigger inside a word ("ever" in "every") wakes no rule that needs a word
                # boundary on that side of it.
                inside_before = start > 0 and surely_word_char(haystack[start - 1])
                inside_after = end < len(haystack) and surely_word_char(haystack[end])
                line_start = -1
                for order, word_start, word_end in patterns:
                    if (word_start and inside_before) or (word_end and inside_after):
                        continue
                    if line_start < 0:
                        line_start, _ = context.line_bounds(start)
                    if order in gated:
                        scan.gated_lines.add((order, line_start))
                    else:
                        pattern_lines.add((order, line_start))
        for order, line_start in sorted(pattern_lines):
            self._run_pattern(context, order, line_start, scan.found)
        for order in self._always:
            if order not in gated:
                self._run_pattern(context, order, None, scan.found)
        return scan

    def gate(self, scan: Scan) -> GateDecision:
        """The gate's decision on the scanned text, from its signature matches alone."""
        signatures = _without_overlaps(
            [f for f in scan.found if f[2] not in scan.context.timed_out]
        )
        rules = len({order for _, _, order, _ in signatures})
        return decide_gate(
            len(signatures), scan.context.text, self.gate_threshold, self.min_signatures, rules
        )

    def finish(self, scan: Scan, *, spun: bool, gate: GateDecision | None = None) -> FindResult:
        """The matches of a scanned text: the signature rules', and when ``spun`` the
        ambiguous rules' too."""
        context = scan.context
        found = list(scan.found)
        if spun:
            for order, start, end in scan.gated_phrases:
                self._try(context, order, start, end, None, found)
            for order, line_start in sorted(scan.gated_lines):
                self._run_pattern(context, order, line_start, found)
            for order in self._always:
                if order in self._gated:
                    self._run_pattern(context, order, None, found)
        if context.timed_out:
            found = [f for f in found if f[2] not in context.timed_out]
        timed_out = tuple(self.rules[order].rule_id for order in sorted(context.timed_out))
        matches = [
            RepairMatch(s, e, rep, self.rules[order].rule_id, order not in self._gated)
            for s, e, order, rep in _without_overlaps(found)
        ]
        return FindResult(matches, timed_out, gate)

    @staticmethod
    def _at_word_boundaries(norm: str, start: int, end: int) -> bool:
        if start > 0 and is_word_char(norm[start]) and is_word_char(norm[start - 1]):
            return False
        return not (end < len(norm) and is_word_char(norm[end - 1]) and is_word_char(norm[end]))

    def _run_pattern(
        self,
        context: _Context,
        order: int,
        line_start: int | None,
        found: list[_Found],
    ) -> None:
        if order in context.timed_out:
            return
        pattern = self._pattern(order)
        if line_start is None:
            lo, hi = 0, len(context.norm)
        else:
            lo, hi = context.line_bounds(line_start)
        try:
            for match in pattern.finditer(context.norm, lo, hi, timeout=self.regex_timeout):
                if match.end() > match.start():
                    self._try(context, order, match.start(), match.end(), match, found)
        except TimeoutError:
            context.timed_out.add(order)

    def _try(
        self,
        context: _Context,
        order: int,
        start: int,
        end: int,
        match: Any | None,
        found: list[_Found],
    ) -> None:
        if order in context.timed_out or context.protected(start, end):
            return
        rule = self.rules[order]
        try:
            line_start, line_end = context.line_bounds(start)
            passed = self._guards_of(order).allow(
                context.norm, start, end, line_start, line_end, self.regex_timeout
            )
        except TimeoutError:
            context.timed_out.add(order)
            return
        if not passed:
            return
        matched = context.text[start:end]
        written = rule.replace if match is None else match.expand(rule.replace)
        replacement = follow_case(matched, written)
        if replacement != matched:
            start, replacement = with_article_for(context.text, start, replacement, written)
            found.append((start, end, order, replacement))

    def _pattern(self, order: int) -> Any:
        compiled = self._patterns.get(order)
        if compiled is None:
            pattern = self.rules[order].pattern
            assert pattern is not None
            compiled = self._patterns[order] = regex.compile(pattern)
        return compiled

    def _guards_of(self, order: int) -> Guards:
        guards = self._guards.get(order)
        if guards is None:
            rule = self.rules[order]
            sources = (
                rule.require_before,
                rule.forbid_before,
                rule.require_after,
                rule.forbid_after,
            )
            guards = Guards.compile(*sources) if any(sources) else _NO_GUARDS
            self._guards[order] = guards
        return guards

    def repair(self, text: str, *, assume_spun: bool = False) -> tuple[str, list[RepairMatch]]:
        """``text`` with every match replaced, and the matches (offsets into ``text``)."""
        matches = self.find(text, assume_spun=assume_spun)
        if not matches:
            return text, matches
        pieces: list[str] = []
        cursor = 0
        for match in matches:
            pieces.append(text[cursor : match.start])
            pieces.append(match.replacement)
            cursor = match.end
        pieces.append(text[cursor:])
        return "".join(pieces), matches


def _without_overlaps(found: list[_Found]) -> list[_Found]:
    """Non-overlapping matches in text order: the longest wins, then the earlier rule, then
    the earlier position; deterministic whatever the order in which they were found."""
    ranked = sorted(found, key=lambda f: (-(f[1] - f[0]), f[2], f[0]))
    starts: list[int] = []
    spans: list[_Found] = []
    for candidate in ranked:
        start, end = candidate[0], candidate[1]
        i = bisect.bisect_left(starts, start)
        if i > 0 and spans[i - 1][1] > start:
            continue
        if i < len(spans) and spans[i][0] < end:
            continue
        starts.insert(i, start)
        spans.insert(i, candidate)
    return spans


@dataclass
class Scan:
    """What :meth:`RepairPack.scan` found in one text, before the gate's decision."""

    context: _Context
    found: list[_Found] = field(default_factory=list)
    """Signature rules' matches: (start, end, rule order, replacement)."""
    gated_phrases: list[tuple[int, int, int]] = field(default_factory=list)
    """Ambiguous phrase rules' candidate places: (rule order, start, end), guards unchecked."""
    gated_lines: set[tuple[int, int]] = field(default_factory=set)
    """Lines where an ambiguous pattern rule's trigger occurs: (rule order, line start)."""


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps one of ``spans`` (sorted, not overlapping each other):
    a binary search, so a line with thousands of addresses costs no more per match."""
    index = bisect.bisect_left(spans, (end, end))
    return index > 0 and spans[index - 1][1] > start


class _Context:
    """Per-call lookups on one text: line bounds and protected spans, computed lazily."""

    def __init__(self, text: str, norm: str) -> None:
        self.text = text
        self.norm = norm
        self._line_starts: list[int] | None = None
        self._protected: dict[int, list[tuple[int, int]]] = {}
        self._fenced: list[tuple[int, int]] | None = None
        self.timed_out: set[int] = set()
        """Orders of rules whose regex timed out on this text: skipped for all of it."""

    def line_bounds(self, offset: int) -> tuple[int, int]:
        """Start and end of the line holding ``offset`` (the end is its newline or the text's
        end). The line starts are found once per text, then each call is a binary search: a
        long text on one line with many matches stays linear."""
        starts = self._line_starts
        if starts is None:
            starts = [0]
            position = self.norm.find("\n")
            while position != -1:
                starts.append(position + 1)
                position = self.norm.find("\n", position + 1)
            self._line_starts = starts
        index = bisect.bisect_right(starts, offset) - 1
        end = starts[index + 1] - 1 if index + 1 < len(starts) else len(self.norm)
        return starts[index], end

    def protected(self, start: int, end: int) -> bool:
        line_start, line_end = self.line_bounds(start)
        spans = self._protected.get(line_start)
        if spans is None:
            line = self.norm[line_start:line_end]
            if line.startswith(("    ", "\t")):
                spans = [(line_start, line_end)]  # an indented code line
            elif not any(hint in line for hint in _PROTECTION_HINTS):
                spans = []  # most prose lines: no URL, address, domain or code at all
            else:
                spans = [
                    (line_start + m.start(), line_start + m.end())
                    for m in _PROTECTED_IN_LINE.finditer(line)
                ]
            self._protected[line_start] = spans
        return _overlaps(spans, start, end) or _overlaps(self._fences(), start, end)

    def _fences(self) -> list[tuple[int, int]]:
        if self._fenced is None:
            self._fenced = []
            pos = self.norm.find(_FENCE)
            while pos != -1:
                close = self.norm.find(_FENCE, pos + len(_FENCE))
                end = len(self.norm) if close == -1 else close + len(_FENCE)
                self._fenced.append((pos, end))
                pos = -1 if close == -1 else self.norm.find(_FENCE, end)
        return self._fenced


def load_pack(path: Path, min_signatures: int = DEFAULT_MIN_SIGNATURES) -> RepairPack:
    """Load and compile every repair rule under ``path``."""
    return RepairPack(load_rules(path), min_signatures=min_signatures)
