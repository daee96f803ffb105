"""Candidate rules: spun forms that are also ordinary English, decided by a language model.

A candidate file (``rules/candidates/<theme>.toml``, ``[meta] kind = "candidates"``) lists
spinner substitutions of ordinary words, each a spun form and the original(s) it may stand
for::

    [meta]
    kind = "candidates"
    description = "..."
    margin = 1.0                  # log10: the original must be 10x more likely in context

    [[rules]]
    id = "candidates.brokers"
    spun = "brokers"
    originals = ["agents"]
    pos = "noun"                  # optional, for reviewers: the model decides
    margin = 1.5                  # optional: overrides the file's margin
    examples = [["AI brokers can automate work.", "AI agents can automate work."]]
    keep = ["The deal was arranged by two brokers in London."]

Unlike a precise rule, a candidate never fires on its own: the repair stage offers each
occurrence (word boundaries, any case unless ``match_case``) to a :class:`LanguageModel`, which
compares the original and the spun wording in a window of context; the original replaces the
spun form, in the spun form's case, only when it wins by at least the margin, and only in
documents the repair gate calls spun. Optional guards (``require_before``, ``forbid_before``,
``require_after``, ``forbid_after``: regexes on the same line, as in repair rules) narrow
where a candidate is considered at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick
import regex

from cleaner.document import Document, Replacement, apply_replacements
from cleaner.lm import SENTENCE_END, SENTENCE_START, LanguageModel, TrigramModel, prefers
from cleaner.rules.kinds import RuleSummary, summaries_of
from cleaner.rules.repair import follow_case
from cleaner.rules.source import RuleError, RuleFile, RuleRecord, load_rule_file, rule_files_under

KIND = "candidates"
LAYER = "candidate"

#: The file margin when ``[meta] margin`` is absent: the original must be ten times more
#: likely than the spun form in its context (log10 1.0).
DEFAULT_MARGIN = 1.0

#: Words of context on each side. The default model is a trigram model: a word's score sees
#: the two words before it, so two words each side hold everything the choice changes.
CONTEXT_WORDS = 2

#: Guards look at most this far back/forward on the line, as the repair rules' guards do.
_GUARD_WINDOW = 300

_META_KEYS = frozenset({"kind", "description", "margin", "source"})
_GUARD_KEYS = ("require_before", "forbid_before", "require_after", "forbid_after")
_RULE_KEYS = frozenset(
    {"id", "spun", "originals", "pos", "margin", "match_case", "examples", "keep", "note"}
    | set(_GUARD_KEYS)
)
_POS_TAGS = frozenset({"noun", "verb", "adjective", "adverb", "name", "phrase", "other"})
_ID_SHAPE = regex.compile(r"^candidates\.[a-z0-9][a-z0-9-]*$")
_PHRASE_SHAPE = regex.compile(r"^[^\W_]+(?:['’-][^\W_]+)*(?: [^\W_]+(?:['’-][^\W_]+)*)*$")

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


@dataclass(frozen=True)
class Candidate:
    """One validated candidate entry."""

    rule_id: str
    path: Path
    line: int
    spun: str
    originals: tuple[str, ...]
    margin: float
    pos: str = ""
    match_case: bool = False
    require_before: str | None = None
    forbid_before: str | None = None
    require_after: str | None = None
    forbid_after: str | None = None
    examples: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = ()
    note: str = ""

    def error(self, problem: str) -> RuleError:
        return RuleError(self.path, self.line, self.rule_id, problem)

    @property
    def spun_words(self) -> tuple[str, ...]:
        return tuple(self.spun.lower().replace("’", "'").split())


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


# --------------------------------------------------------------------------- schema


def _margin(value: Any, where: RuleRecord | RuleFile) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problem = f"'margin' must be a number (log10), not {value!r}"
    elif value < 0:
        problem = f"'margin' must not be negative, not {value!r}"
    else:
        return float(value)
    if isinstance(where, RuleRecord):
        raise where.error(problem)
    raise RuleError(where.path, None, None, problem)


def _phrase(record: RuleRecord, key: str, value: Any) -> str:
    if not isinstance(value, str) or not _PHRASE_SHAPE.match(value):
        raise record.error(
            f"'{key}' must be one or more words separated by single spaces, not {value!r}"
        )
    return value


def parse_candidate(record: RuleRecord, file_margin: float) -> Candidate:
    """Validate one ``[[rules]]`` table; raise :class:`RuleError` naming file, line and id."""
    data = record.data
    unknown = sorted(set(data) - _RULE_KEYS)
    if unknown:
        raise record.error(f"unknown keys {unknown} (allowed: {sorted(_RULE_KEYS)})")
    if not _ID_SHAPE.match(record.rule_id):
        raise record.error("'id' must look like 'candidates.<slug>' (lower case, digits, '-')")
    if "spun" not in data:
        raise record.error("missing field 'spun' (the spun form, e.g. \"brokers\")")
    spun = _phrase(record, "spun", data["spun"])
    raw_originals = data.get("originals")
    if not isinstance(raw_originals, list) or not raw_originals:
        raise record.error("missing field 'originals' (a list of one or more original forms)")
    originals = tuple(_phrase(record, "originals", o) for o in raw_originals)
    if any(o.lower() == spun.lower() for o in originals):
        raise record.error(f"an original equals the spun form {spun!r}")
    if len({o.lower() for o in originals}) != len(originals):
        raise record.error("'originals' lists the same form twice")
    margin = _margin(data["margin"], record) if "margin" in data else file_margin
    pos = data.get("pos", "")
    if pos and pos not in _POS_TAGS:
        raise record.error(f"'pos' must be one of {sorted(_POS_TAGS)}, not {pos!r}")
    match_case = data.get("match_case", False)
    if not isinstance(match_case, bool):
        raise record.error("'match_case' must be true or false")
    guards: dict[str, str | None] = {}
    for key in _GUARD_KEYS:
        value = data.get(key)
        if value is not None:
            if not isinstance(value, str) or not value:
                raise record.error(f"'{key}' must be a non-empty regex string")
            try:
                regex.compile(value)
            except regex.error as exc:
                raise record.error(f"'{key}' is not a valid regex: {exc}") from exc
        guards[key] = value
    raw_examples = data.get("examples")
    if not isinstance(raw_examples, list) or not raw_examples:
        raise record.error("missing field 'examples' (at least one [spun text, expected] pair)")
    examples: list[tuple[str, str]] = []
    for pair in raw_examples:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(p, str) and p for p in pair)
        ):
            raise record.error("each example must be a pair [spun text, expected] of strings")
        if pair[0] == pair[1]:
            raise record.error(f"example input equals its expected output: {pair[0]!r}")
        examples.append((pair[0], pair[1]))
    keep = data.get("keep")
    if not isinstance(keep, list) or not keep or not all(isinstance(k, str) and k for k in keep):
        raise record.error(
            "missing field 'keep' (at least one text with a legitimate use of the spun form: "
            "every candidate is ordinary English somewhere)"
        )
    note = data.get("note", "")
    if not isinstance(note, str):
        raise record.error("'note' must be a string")
    return Candidate(
        rule_id=record.rule_id,
        path=record.path,
        line=record.line,
        spun=spun,
        originals=originals,
        margin=margin,
        pos=pos,
        match_case=match_case,
        examples=tuple(examples),
        keep=tuple(keep),
        note=note,
        **guards,
    )


def _meta_problems(rule_file: RuleFile) -> tuple[float, list[RuleError]]:
    problems: list[RuleError] = []
    unknown = sorted(set(rule_file.meta) - _META_KEYS)
    if unknown:
        problems.append(RuleError(rule_file.path, None, None, f"unknown [meta] keys {unknown}"))
    description = rule_file.meta.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append(
            RuleError(rule_file.path, None, None, "[meta] needs 'description' (a non-empty string)")
        )
    margin = DEFAULT_MARGIN
    if "margin" in rule_file.meta:
        try:
            margin = _margin(rule_file.meta["margin"], rule_file)
        except RuleError as exc:
            problems.append(exc)
    return margin, problems


def parse_file(rule_file: RuleFile) -> tuple[list[Candidate], list[RuleError]]:
    """Every valid candidate of a file, and every problem with the others."""
    margin, problems = _meta_problems(rule_file)
    candidates: list[Candidate] = []
    for record in rule_file.rules:
        try:
            candidates.append(parse_candidate(record, margin))
        except RuleError as exc:
            problems.append(exc)
    return candidates, problems


def pack_problems(candidates: Sequence[Candidate]) -> list[RuleError]:
    """Problems only the whole set shows: ids or spun forms given twice, and chains (an
    original that is itself a spun form would be rewritten again on a second run)."""
    problems: list[RuleError] = []
    ids: dict[str, Candidate] = {}
    forms: dict[tuple[bool, str], Candidate] = {}
    for candidate in candidates:
        first = ids.setdefault(candidate.rule_id, candidate)
        if first is not candidate:
            problems.append(
                candidate.error(f"duplicate rule id (also at {first.path}:{first.line})")
            )
        key = (
            candidate.match_case,
            candidate.spun if candidate.match_case else candidate.spun.lower(),
        )
        first = forms.setdefault(key, candidate)
        if first is not candidate:
            problems.append(
                candidate.error(
                    f"spun form {candidate.spun!r} is also a candidate at {first.path}:"
                    f"{first.line} ({first.rule_id}): merge their originals into one entry"
                )
            )
    spun_forms = {c.spun.lower(): c for c in candidates}
    for candidate in candidates:
        for original in candidate.originals:
            other = spun_forms.get(original.lower())
            if other is not None:
                problems.append(
                    candidate.error(
                        f"original {original!r} is itself a spun form ({other.rule_id}): a "
                        "second cleaning would rewrite it again"
                    )
                )
    return problems


def load_candidates(path: Path) -> list[Candidate]:
    """All candidates under ``path`` (a file or folder); files of other kinds are skipped.

    Raises the first :class:`RuleError` found (use :func:`check_file` to collect them all).
    A missing folder holds no candidates.
    """
    if not path.exists():
        return []
    candidates: list[Candidate] = []
    for file_path in rule_files_under(path):
        rule_file = load_rule_file(file_path)
        if rule_file.meta.get("kind") != KIND:
            continue
        parsed, problems = parse_file(rule_file)
        if problems:
            raise problems[0]
        candidates.extend(parsed)
    problems = pack_problems(candidates)
    if problems:
        raise problems[0]
    return candidates


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class _Compiled:
    candidate: Candidate
    words: tuple[str, ...]
    originals: tuple[tuple[str, ...], ...]
    require_before: Any | None
    forbid_before: Any | None
    require_after: Any | None
    forbid_after: Any | None


def _before_guard(source: str | None) -> Any | None:
    return None if source is None else regex.compile(f"(?:{source})$", regex.MULTILINE)


def _after_guard(source: str | None) -> Any | None:
    return None if source is None else regex.compile(source, regex.MULTILINE)


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
                require_before=_before_guard(candidate.require_before),
                forbid_before=_before_guard(candidate.forbid_before),
                require_after=_after_guard(candidate.require_after),
                forbid_after=_after_guard(candidate.forbid_after),
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
                elif end < len(text) and _is_word_char(text[end]):
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

    def apply(self, doc: Document, stage: str, note: str = "") -> Document:
        """``doc`` with every confirmed candidate replaced, each an edit with its margin (and
        ``note``, e.g. the gate's score, appended to its message).

        Only English is judged: the model is an English model.
        """
        return apply_replacements(doc, stage, self.replacements(doc, note=note))

    def replacements(
        self, doc: Document, earlier: Sequence[Replacement] = (), note: str = ""
    ) -> list[Replacement]:
        """The candidates to apply to ``doc.text`` once the ``earlier`` replacements (the
        precise rules') are made. They are judged on the repaired text, so the model sees
        repaired context, but given as offsets into ``doc.text``: one ``apply_replacements``
        call then logs the whole stage, every edit's offsets in the text the stage received.
        A candidate inside an earlier replacement's output is left out.

        Only English is judged: the model is an English model.
        """
        if doc.metadata.get("language", "en") not in ("en", "und"):
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
        """``text`` with every confirmed candidate replaced (for examples and benchmarks)."""
        return self.apply(Document(text), KIND).text


def _lower_same_length(text: str) -> str:
    """``text`` lower-cased with straight apostrophes, offsets unchanged."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters (e.g. 'İ') lower to two
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.replace("’", "'")


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _word_edges(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` starts and ends at word boundaries."""
    return (start == 0 or not _is_word_char(text[start - 1])) and (
        end >= len(text) or not _is_word_char(text[end])
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
    line_end = len(text) if line_end == -1 else line_end
    lo = max(line_start, start - _GUARD_WINDOW)
    hi = min(line_end, end + _GUARD_WINDOW)
    if compiled.require_before and not compiled.require_before.search(text, lo, start):
        return False
    if compiled.forbid_before and compiled.forbid_before.search(text, lo, start):
        return False
    if compiled.require_after and not compiled.require_after.match(text, end, hi):
        return False
    return not (compiled.forbid_after and compiled.forbid_after.match(text, end, hi))


# --------------------------------------------------------------------------- checks


def vocabulary_problems(candidate: Candidate, model: LanguageModel) -> list[RuleError]:
    """Words of the candidate the model does not know: it could not judge them."""
    problems: list[RuleError] = []
    for form in (candidate.spun, *candidate.originals):
        unknown = [w for w in _model_form(form.split()) if not model.knows(w)]
        if unknown:
            problems.append(
                candidate.error(
                    f"{form!r}: {', '.join(unknown)} not in the vocabulary of {model.name}; "
                    "the model cannot judge it (make it a precise repair rule instead)"
                )
            )
    return problems


def candidate_problems(candidate: Candidate, model: LanguageModel) -> list[RuleError]:
    """Run one candidate's examples (each also cleaned twice) and keeps, alone, with the model."""
    problems = vocabulary_problems(candidate, model)
    pack = CandidatePack([candidate], model)
    for given, expected in candidate.examples:
        got = pack.repair(given)
        if got != expected:
            problems.append(
                candidate.error(
                    f"example {given!r}: expected {expected!r}, got {got!r}"
                    + _margins_note(pack, given)
                )
            )
        again = pack.repair(got)
        if again != got:
            problems.append(candidate.error(f"not idempotent: {got!r} becomes {again!r}"))
    for text in candidate.keep:
        got = pack.repair(text)
        if got != text:
            problems.append(
                candidate.error(f"keep {text!r} was changed to {got!r}" + _margins_note(pack, text))
            )
    return problems


def _margins_note(pack: CandidatePack, text: str) -> str:
    """The model's margins at each occurrence, so a failing example says how far off it is."""
    margins = [f"{m.margin:+.2f}" for m in pack.judge(text)]
    return f" (model margins: {', '.join(margins)})" if margins else ""


def check_file(rule_file: RuleFile, model: LanguageModel | None = None) -> list[RuleError]:
    """Schema problems, failing examples and changed keeps of one candidate file."""
    candidates, problems = parse_file(rule_file)
    problems.extend(pack_problems(candidates))
    if candidates:
        model = model or TrigramModel.load()
        for candidate in candidates:
            problems.extend(candidate_problems(candidate, model))
    return problems


def check_whole(candidates: Sequence[Candidate], model: LanguageModel) -> list[RuleError]:
    """Whole-set checks: ids and spun forms unique, no chains, every keep and every example's
    output unchanged by all candidates together."""
    problems = pack_problems(candidates)
    pack = CandidatePack(candidates, model)
    for candidate in candidates:
        for text in (*candidate.keep, *(expected for _, expected in candidate.examples)):
            culprits = sorted({m.rule_id for m in pack.find(text)} - {candidate.rule_id})
            if culprits:
                problems.append(
                    candidate.error(
                        f"{text!r} is changed by other candidates ({', '.join(culprits)}): "
                        f"{pack.repair(text)!r}"
                    )
                )
    return problems


def list_rules(rule_file: RuleFile) -> list[RuleSummary]:
    def describe(c: Candidate) -> str:
        return f"{c.spun} -> {' | '.join(c.originals)} (margin {c.margin:g})"

    return summaries_of(rule_file, KIND, parse_file, describe)
