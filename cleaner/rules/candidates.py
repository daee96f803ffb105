"""Candidate rules: spun forms that are also ordinary English, decided by a language model.

The file format and its validation live in :mod:`cleaner.rules.candidate_schema`; example
checks in :mod:`cleaner.candidate_check`. Unlike a precise rule, a candidate never fires on
its own: the repair stage offers each occurrence (word boundaries, any case unless
``match_case``) to a :class:`LanguageModel`, which compares the original and the spun wording
in a window of context; the original replaces the spun form, in the spun form's case, only
when it wins by at least the margin, and only in documents the repair gate calls spun.
Optional guards (``require_before``, ``forbid_before``, ``require_after``, ``forbid_after``:
regexes on the same line, as in repair rules) narrow where a candidate is considered at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick
import regex

from cleaner.document import Document, Replacement, apply_replacements
from cleaner.lm import SENTENCE_END, SENTENCE_START, LanguageModel, prefers
from cleaner.rules.candidate_schema import (
    DEFAULT_MARGIN,
    KIND,
    Candidate,
    load_candidates,
    pack_problems,
    parse_file,
)
from cleaner.rules.guards import Guards
from cleaner.rules.kinds import RuleSummary, summaries_of
from cleaner.rules.repair import GateDecision, follow_case
from cleaner.rules.source import RuleFile
from cleaner.rules.text import is_word_char, same_length_lower

# The schema's names are part of this module's interface too (the layer's one entry point).
__all__ = [
    "CONTEXT_WORDS",
    "DEFAULT_MARGIN",
    "KIND",
    "LAYER",
    "SPUN_ENGLISH",
    "Candidate",
    "CandidateMatch",
    "CandidatePack",
    "load_candidates",
    "pack_problems",
    "parse_file",
]

LAYER = "candidate"

#: Words of context on each side. The default model is a trigram model: a word's score sees
#: the two words before it, so two words each side hold everything the choice changes.
CONTEXT_WORDS = 2

# Tokens as the candidate layer sees them: letters and digits, with inner apostrophes.
_TOKEN = regex.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Punctuation that ends a sentence (or a clause the model should not reach across), and a
# line break.
_BREAK_CHARS = ".!?;:\n"
_SENTENCE_BREAK = regex.compile(r"[.!?;:\n]")
#: Characters of text searched on each side for context words: ample for two words.
_CONTEXT_CHARS = 80
# A spun form joined to its neighbour by one of these is part of a compound ("short-term",
# "brokers'") and is left alone.
_JOINERS = frozenset("-'’/@&_")

#: The decision :meth:`CandidatePack.repair` judges under: an English document called spun.
SPUN_ENGLISH = GateDecision(score=0.0, threshold=0.0, spun=True, language="en")


@dataclass(frozen=True)
class CandidateMatch:
    """An applied candidate: ``text[start:end]`` becomes ``replacement``; the model preferred
    it over the spun form by ``margin`` (log10) against the entry's ``threshold``."""

    start: int
    end: int
    replacement: str
    rule_id: str
    margin: float
    threshold: float

    @property
    def message(self) -> str:
        return (
            f"layer {LAYER}: the language model prefers it by {self.margin:.2f} "
            f"(log10; needs {self.threshold:g})"
        )


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Compiled:
    candidate: Candidate
    words: tuple[str, ...]
    originals: tuple[tuple[str, ...], ...]
    guards: Guards


def _model_form(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(w.lower().replace("’", "'") for w in words)


class CandidatePack:
    """Compiled candidates and the model that judges them: build once per stage, then
    :meth:`find` and :meth:`apply` are pure."""

    def __init__(self, candidates: Sequence[Candidate], model: LanguageModel) -> None:
        self.candidates = tuple(candidates)
        self.model = model
        # Spun form (lower case, single spaces) -> its entries; one pattern finds them all.
        self._by_form: dict[tuple[str, ...], list[_Compiled]] = {}
        for candidate in self.candidates:
            compiled = _Compiled(
                candidate=candidate,
                words=candidate.spun_words,
                originals=tuple(_model_form(o.split()) for o in candidate.originals),
                guards=Guards.compile(
                    candidate.require_before,
                    candidate.forbid_before,
                    candidate.require_after,
                    candidate.forbid_after,
                ),
            )
            self._by_form.setdefault(compiled.words, []).append(compiled)
        # First words of the spun forms go into one Aho-Corasick automaton (the scan costs the
        # same whatever the number of candidates); the rest of a longer form is checked after.
        self._forms: dict[str, list[tuple[Any, tuple[str, ...]]]] = {}
        for words in sorted(self._by_form, key=lambda w: (-len(" ".join(w)), w)):
            rest = "".join(r"\s+" + regex.escape(w).replace("'", "['’]") for w in words[1:])
            tail = regex.compile(rf"(?:{rest})(?!\w)", regex.IGNORECASE) if rest else None
            self._forms.setdefault(words[0], []).append((tail, words))
        self._automaton: Any = None
        if self._forms:
            automaton = ahocorasick.Automaton()
            for first in self._forms:
                automaton.add_word(first, first)
            automaton.make_automaton()
            self._automaton = automaton

    def __len__(self) -> int:
        return len(self.candidates)

    def find(self, text: str) -> list[CandidateMatch]:
        """The candidates the model confirms in ``text``, in text order, non-overlapping.

        Decisions run left to right and each sees the replacements made before it, so two
        spun words side by side are judged with the first one already repaired.
        """
        return self._scan(text, judge_all=False)

    def judge(self, text: str) -> list[CandidateMatch]:
        """Every occurrence of every candidate with the model's margin for its best original,
        whether or not it clears the candidate's margin; nothing is replaced (for mining and
        for explaining a failed example)."""
        return self._scan(text, judge_all=True)

    def _scan(self, text: str, judge_all: bool) -> list[CandidateMatch]:
        if self._automaton is None or not text:
            return []
        haystack = _lower_same_length(text)
        found: list[CandidateMatch] = []
        last_end = 0
        for end_index, first in self._automaton.iter(haystack):
            start = end_index - len(first) + 1
            if start < last_end or not _word_edges(haystack, start, end_index + 1):
                continue
            for tail, words in self._forms[first]:
                end = end_index + 1
                if tail is not None:
                    rest = tail.match(text, end)
                    if rest is None:
                        continue
                    end = rest.end()
                elif end < len(text) and is_word_char(text[end]):
                    continue
                if (start > 0 and text[start - 1] in _JOINERS) or (
                    end < len(text) and text[end] in _JOINERS
                ):
                    break  # part of a compound or a possessive: "short-term", "brokers'"
                decided = self._first_verdict(text, start, end, words, found, judge_all)
                if decided is not None:
                    found.append(decided)
                    if not judge_all:
                        last_end = end
                break
        return found

    def _first_verdict(
        self,
        text: str,
        start: int,
        end: int,
        words: tuple[str, ...],
        found: list[CandidateMatch],
        judge_all: bool,
    ) -> CandidateMatch | None:
        """The verdict of the first entry for ``words`` that applies at ``text[start:end]``:
        the match if it clears its margin (or always, when judging all), else None."""
        matched = text[start:end]
        for compiled in self._by_form[words]:
            if compiled.candidate.match_case and matched != compiled.candidate.spun:
                continue
            if not _guards_pass(compiled, text, start, end):
                continue
            match = self._decide(text, start, end, compiled, () if judge_all else found)
            return match if judge_all or match.margin >= match.threshold else None
        return None

    def _decide(
        self,
        text: str,
        start: int,
        end: int,
        compiled: _Compiled,
        applied: Sequence[CandidateMatch],
    ) -> CandidateMatch:
        """The model's verdict on ``compiled`` at ``text[start:end]``: its best original and
        the margin by which the model prefers it."""
        left = _left_context(text, start, applied)
        right = _right_context(text, end)
        candidate = compiled.candidate
        best_margin, best_text = -math.inf, candidate.originals[0]
        for original, original_words in zip(candidate.originals, compiled.originals, strict=True):
            margin = prefers(self.model, left, original_words, compiled.words, right)
            if margin > best_margin:
                best_margin, best_text = margin, original
        return CandidateMatch(
            start,
            end,
            follow_case(text[start:end], best_text),
            candidate.rule_id,
            round(best_margin, 3),
            candidate.margin,
        )

    def apply(self, doc: Document, stage: str, gate: GateDecision, note: str = "") -> Document:
        """``doc`` with every confirmed candidate replaced, each an edit with its margin (and
        ``note``, e.g. the gate's score, appended to its message); nothing unless ``gate``
        calls the document spun."""
        return apply_replacements(doc, stage, self.replacements(doc, gate, note=note))

    def replacements(
        self,
        doc: Document,
        gate: GateDecision,
        earlier: Sequence[Replacement] = (),
        note: str = "",
    ) -> list[Replacement]:
        """The candidates to apply to ``doc.text`` once the ``earlier`` replacements (the
        precise rules') are made. They are judged on the repaired text, so the model sees
        repaired context, but given as offsets into ``doc.text``: one ``apply_replacements``
        call then logs the whole stage, every edit's offsets in the text the stage received.
        A candidate inside an earlier replacement's output is left out.

        Nothing unless ``gate`` calls the document spun. The gate is decided by the repair
        stage only for documents in a language the rules and the model are written for (it
        carries that ``language``): the language is checked there, once.
        """
        if not gate.spun:
            return []
        text = doc.text
        # Stretches the earlier replacements left alone: (repaired start, end, input start).
        kept: list[tuple[int, int, int]] = []
        pieces: list[str] = []
        cursor = position = 0
        for rep in sorted(earlier, key=lambda r: (r.start, r.end)):
            kept.append((position, position + rep.start - cursor, cursor))
            pieces += [text[cursor : rep.start], rep.after]
            position += rep.start - cursor + len(rep.after)
            cursor = rep.end
        kept.append((position, position + len(text) - cursor, cursor))
        pieces.append(text[cursor:])
        suffix = f"; {note}" if note else ""
        found: list[Replacement] = []
        for match in self.find("".join(pieces)):
            for start, end, origin in kept:
                if start <= match.start and match.end <= end:
                    shift = origin - start
                    found.append(
                        Replacement(
                            match.start + shift,
                            match.end + shift,
                            match.replacement,
                            match.rule_id,
                            match.message + suffix,
                        )
                    )
                    break
        return found

    def repair(self, text: str) -> str:
        """``text`` with every confirmed candidate replaced, as in a spun English document
        (for examples, mining and benchmarks)."""
        return self.apply(Document(text), KIND, SPUN_ENGLISH).text


def _lower_same_length(text: str) -> str:
    """``text`` lower-cased with straight apostrophes, offsets unchanged."""
    return same_length_lower(text).replace("’", "'")


def _word_edges(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` starts and ends at word boundaries."""
    return (start == 0 or not is_word_char(text[start - 1])) and (
        end >= len(text) or not is_word_char(text[end])
    )


def _left_context(text: str, start: int, applied: Sequence[CandidateMatch]) -> list[str]:
    """Up to CONTEXT_WORDS model words before ``start`` in the same sentence, as repaired by
    the decisions already ``applied``; :data:`SENTENCE_START` where the sentence begins."""
    lo = max(0, start - _CONTEXT_CHARS)
    before = text[lo:start]
    for match in reversed(applied):
        if match.end <= lo:
            break
        if match.start >= lo:
            offset = match.start - lo
            before = (
                before[:offset] + match.replacement + before[offset + match.end - match.start :]
            )
    cut = max(before.rfind(c) for c in _BREAK_CHARS)
    if cut >= 0:
        before = before[cut + 1 :]
    words: list[str] = _TOKEN.findall(before.lower().replace("’", "'"))
    if lo > 0 and cut < 0 and len(words) > CONTEXT_WORDS:
        words = words[1:]  # the window may have cut the first word in two
    if len(words) >= CONTEXT_WORDS:
        return words[-CONTEXT_WORDS:]
    return [SENTENCE_START, *words]


def _right_context(text: str, end: int) -> list[str]:
    """Up to CONTEXT_WORDS model words after ``end`` in the same sentence, as written;
    :data:`SENTENCE_END` where the sentence ends."""
    after = text[end : end + _CONTEXT_CHARS]
    found = _SENTENCE_BREAK.search(after)
    if found:
        after = after[: found.start()]
    words: list[str] = _TOKEN.findall(after.lower().replace("’", "'"))
    if len(words) > CONTEXT_WORDS:
        return words[:CONTEXT_WORDS]
    if found or end + _CONTEXT_CHARS >= len(text):
        return [*words, SENTENCE_END]
    return words


def _guards_pass(compiled: _Compiled, text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return compiled.guards.allow(
        text, start, end, line_start, len(text) if line_end == -1 else line_end
    )


def list_rules(rule_file: RuleFile) -> list[RuleSummary]:
    def describe(c: Candidate) -> str:
        return f"{c.spun} -> {' | '.join(c.originals)} (margin {c.margin:g})"

    return summaries_of(rule_file, KIND, parse_file, describe)
