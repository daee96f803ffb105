"""Spinner-repair rules: schema, compilation into one matcher, and the matching engine.

A repair rule file (``rules/repairs/<theme>.toml``, ``[meta] kind = "repair"``) holds rules
that undo a synonym spinner's substitutions, e.g. ``"this 12 months" -> "this year"``. Every
rule is either a literal ``phrase`` (word boundaries, case-insensitive, replacement follows the
matched text's case) or a ``pattern`` (a ``regex``-module expression), plus optional context
guards, ``examples`` and ``keep`` cases.

Matching cost must not grow with the number of rules, so :class:`RepairPack` puts every
literal phrase, and a required literal of every pattern (its *trigger*), into ONE Aho-Corasick
automaton. Patterns and guards run only on the lines where a candidate was found.

Apostrophes: phrases, patterns and guards all see ``’ ‘ ʼ`` as ``'`` and a no-break space as a
space, so a rule written with ``'`` matches curly text; the replacement takes the curly form
back when the matched text used it.
"""

from __future__ import annotations

import bisect
import re
import re._parser as sre_parse  # type: ignore[import-not-found]  # finds pattern triggers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick
import regex

from cleaner.document import Document, Edit
from cleaner.rules.kinds import RuleSummary
from cleaner.rules.source import RuleError, RuleFile, RuleRecord, load_rule_file, rule_files_under

KIND = "repair"

#: A document must carry at least this many signature matches before the gate may call it
#: spun and open the ambiguous rules: one stray match in clean text must not unlock them
#: (measured: clean AEB bodies carry 0-1, spun samples 3+).
DEFAULT_MIN_SIGNATURES = 2

#: Signatures per 1,000 words at or above which the gate calls a document spun (with at
#: least DEFAULT_MIN_SIGNATURES of them). Chosen from the tuning data (bench/spin_split.toml):
#: the 181 clean AEB bodies score 0 to 0.0 and the tuning spun pages and samples score far
#: above it; see bench/spin_eval.py for the figures.
DEFAULT_GATE_THRESHOLD = 2.0

#: Guards look at most this far back/forward on the line; they describe local context.
_GUARD_WINDOW = 300

#: A pattern's trigger literal shorter than this would fire almost everywhere.
_MIN_TRIGGER = 3

#: Seconds one rule's pattern (or guard) may spend on one call before it is abandoned for the
#: document: real rules take microseconds per line, so only catastrophic backtracking on
#: hostile text comes near it, and a bound keeps one bad rule from stalling a corpus run.
DEFAULT_REGEX_TIMEOUT_S = 1.0

_META_KEYS = frozenset({"kind", "theme", "description"})
_GUARD_KEYS = ("require_before", "forbid_before", "require_after", "forbid_after")
_RULE_KEYS = frozenset(
    {
        "id",
        "phrase",
        "phrases",
        "pattern",
        "replace",
        "examples",
        "keep",
        "note",
        "signature",
        "needs_spun",
    }
    | set(_GUARD_KEYS)
)
_ID_SHAPE = regex.compile(r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9.-]*$")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00a0": " "})


def _normalize(text: str) -> str:
    """``text`` with curly apostrophes as ``'`` and no-break spaces as spaces; same length.

    ``str.replace`` per character is much faster than ``str.translate`` on long texts, and
    most texts hold none of them.
    """
    for char, plain in (("\u2019", "'"), ("\u2018", "'"), ("\u02bc", "'"), ("\u00a0", " ")):
        if char in text:
            text = text.replace(char, plain)
    return text


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
class RepairRule:
    """One validated repair rule."""

    rule_id: str
    path: Path
    line: int
    replace: str
    phrase: str | None = None
    phrases: tuple[str, ...] = ()
    """Alternatives sharing one replacement ("Chinese language", "Chinese-language")."""
    pattern: str | None = None
    require_before: str | None = None
    forbid_before: str | None = None
    require_after: str | None = None
    forbid_after: str | None = None
    examples: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = ()
    note: str = ""
    signature: bool = True
    needs_spun: bool = False

    @property
    def gated(self) -> bool:
        """Whether the rule is ambiguous: it runs only in documents the gate calls spun and
        its matches are no evidence of spinning."""
        return self.needs_spun or not self.signature

    @property
    def theme(self) -> str:
        return self.rule_id.split(".", 1)[0]

    @property
    def literals(self) -> tuple[str, ...]:
        """The literal phrases the rule matches (none for a pattern rule)."""
        return (self.phrase,) if self.phrase is not None else self.phrases

    @property
    def spun(self) -> str:
        if self.pattern is not None:
            return f"/{self.pattern}/"
        return " | ".join(self.literals)

    def error(self, problem: str) -> RuleError:
        return RuleError(self.path, self.line, self.rule_id, problem)


@dataclass(frozen=True)
class GateDecision:
    """Whether a document is spun, decided on its text before any repair.

    ``score`` is the count of unambiguous spinner signatures (matches of signature rules, forms
    that do not occur in clean English news) per 1,000 words. The document is spun when it
    carries at least ``min_signatures`` of them and ``score >= threshold``; only then do the
    ambiguous rules run.
    """

    score: float
    threshold: float
    spun: bool
    signatures: int = 0
    words: int = 0
    min_signatures: int = DEFAULT_MIN_SIGNATURES
    #: The document's language; the repair stage decides a gate only for a language its
    #: rules and model are written for, so every layer that follows it checks nothing else.
    language: str = "en"

    def as_metadata(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "threshold": self.threshold,
            "spun": self.spun,
            "signatures": self.signatures,
            "min_signatures": self.min_signatures,
        }


#: Scores are per this many words, so short and long documents compare.
WORDS_PER_UNIT = 1000


def count_words(text: str) -> int:
    return len(text.split())


def decide_gate(signatures: int, text: str, threshold: float, min_signatures: int) -> GateDecision:
    """The gate's decision for ``text`` carrying ``signatures`` signature matches."""
    if signatures == 0:  # most clean text: no need to count its words
        return GateDecision(
            0.0, threshold, min_signatures <= 0 and threshold <= 0, 0, 0, min_signatures
        )
    words = count_words(text)
    score = round(signatures * WORDS_PER_UNIT / words, 3) if words else 0.0
    spun = signatures >= min_signatures and score >= threshold
    return GateDecision(score, threshold, spun, signatures, words, min_signatures)


@dataclass(frozen=True)
class FindResult:
    """Matches in a text, the ids of rules skipped because a regex timed out on it, and the
    gate's decision on the text."""

    matches: list[RepairMatch]
    timed_out: tuple[str, ...] = ()
    gate: GateDecision | None = None


def report_timeouts(doc: Document, stage: str, rule_ids: Iterable[str], seconds: float) -> Document:
    """``doc`` with a finding (an unapplied edit) and a warning for each rule whose regex
    timed out on it and was therefore skipped for this document."""
    ids = sorted(set(rule_ids))
    if not ids:
        return doc
    message = f"regex timed out after {seconds:g} s on this document; rule skipped for it"
    findings = [
        Edit(stage, rule_id, 0, 0, "", "", line=1, applied=False, message=message)
        for rule_id in ids
    ]
    warnings = (
        *tuple(doc.metadata.get("warnings", ())),
        *(f"{stage}: rule {rule_id}: {message}" for rule_id in ids),
    )
    return doc.with_findings(findings).with_metadata(warnings=warnings)


@dataclass(frozen=True)
class RepairMatch:
    """A place where a rule fires: replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str
    rule_id: str
    signature: bool


# --------------------------------------------------------------------------- schema


def _string_list(record: RuleRecord, key: str) -> tuple[str, ...]:
    value = record.data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise record.error(f"'{key}' must be a list of non-empty strings")
    return tuple(value)


def _compile_regex(record: RuleRecord, key: str, source: str) -> None:
    try:
        regex.compile(source)
    except regex.error as exc:
        raise record.error(f"'{key}' is not a valid regex: {exc}") from exc


def parse_rule(record: RuleRecord, theme: str | None) -> RepairRule:
    """Validate one ``[[rules]]`` table; raise :class:`RuleError` naming file, line and id."""
    data = record.data
    unknown = sorted(set(data) - _RULE_KEYS)
    if unknown:
        raise record.error(f"unknown keys {unknown} (allowed: {sorted(_RULE_KEYS)})")
    rule_id = record.rule_id
    if not _ID_SHAPE.match(rule_id):
        raise record.error("'id' must look like '<theme>.<slug>' (lower case, digits, '-', '.')")
    if theme is not None and not rule_id.startswith(f"{theme}."):
        raise record.error(f"'id' must start with the file's theme '{theme}.'")
    given = [key for key in ("phrase", "phrases", "pattern") if key in data]
    if len(given) != 1:
        raise record.error("give exactly one of 'phrase', 'phrases' or 'pattern'")
    key = given[0]
    has_pattern = key == "pattern"
    phrases: tuple[str, ...] = ()
    if key == "phrases":
        phrases = _string_list(record, "phrases")
        if not phrases:
            raise record.error("'phrases' must list at least one phrase")
        spun = phrases[0]
    else:
        spun = data[key]
        if not isinstance(spun, str) or not spun.strip():
            raise record.error(f"'{key}' must be a non-empty string")
        if key == "phrase":
            phrases = (spun,)
    for phrase in phrases:
        if phrase != phrase.strip():
            raise record.error(f"phrase {phrase!r} must not start or end with whitespace")
    if len(set(_phrase_key(p) for p in phrases)) != len(phrases):
        raise record.error("'phrases' lists the same phrase twice")
    if has_pattern:
        _compile_regex(record, "pattern", spun)
    replacement = data.get("replace")
    if not isinstance(replacement, str) or not replacement:
        raise record.error("missing field 'replace' (a non-empty string)")
    if has_pattern:
        try:
            regex.compile(spun).sub(replacement, "")
            _check_group_refs(spun, replacement)
        except (regex.error, IndexError) as exc:
            raise record.error(f"'replace' refers to a group the pattern lacks: {exc}") from exc
    guards: dict[str, str | None] = {}
    for guard in _GUARD_KEYS:
        value = data.get(guard)
        if value is not None:
            if not isinstance(value, str) or not value:
                raise record.error(f"'{guard}' must be a non-empty regex string")
            _compile_regex(record, guard, value)
        guards[guard] = value
    raw_examples = data.get("examples")
    if not isinstance(raw_examples, list) or not raw_examples:
        raise record.error("missing field 'examples' (at least one [input, expected] pair)")
    examples: list[tuple[str, str]] = []
    for pair in raw_examples:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(p, str) and p for p in pair)
        ):
            raise record.error("each example must be a pair [input, expected] of strings")
        if pair[0] == pair[1]:
            raise record.error(f"example input equals its expected output: {pair[0]!r}")
        examples.append((pair[0], pair[1]))
    keep = _string_list(record, "keep")
    needs_spun = data.get("needs_spun", False)
    # A rule is evidence of spinning (a signature) unless it says it needs the gate: its
    # match, guards included, must not occur in clean English news (tests check it on the
    # 181 AEB bodies).
    signature = data.get("signature", not needs_spun)
    if not isinstance(signature, bool) or not isinstance(needs_spun, bool):
        raise record.error("'signature' and 'needs_spun' must be true or false")
    if needs_spun and signature:
        raise record.error(
            "'needs_spun' and 'signature' contradict each other: a rule that waits for the "
            "gate cannot be evidence for it"
        )
    if (needs_spun or any(guards.values())) and not keep:
        raise record.error(
            "a guarded rule must list 'keep' texts: the guard exists because the spun form "
            "is also ordinary English"
        )
    note = data.get("note", "")
    if not isinstance(note, str):
        raise record.error("'note' must be a string")
    return RepairRule(
        rule_id=rule_id,
        path=record.path,
        line=record.line,
        replace=replacement,
        phrase=spun if key == "phrase" else None,
        phrases=phrases if key == "phrases" else (),
        pattern=spun if has_pattern else None,
        examples=tuple(examples),
        keep=keep,
        note=note,
        signature=signature,
        needs_spun=needs_spun,
        **guards,
    )


def _check_group_refs(pattern: str, replacement: str) -> None:
    groups = regex.compile(pattern).groups
    for ref in re.findall(r"\\(\d+)|\\g<(\d+)>", replacement):
        number = int(ref[0] or ref[1])
        if number > groups:
            raise IndexError(f"\\{number} but the pattern has {groups} group(s)")


def _meta_problems(rule_file: RuleFile) -> list[RuleError]:
    problems = []
    unknown = sorted(set(rule_file.meta) - _META_KEYS)
    if unknown:
        problems.append(RuleError(rule_file.path, None, None, f"unknown [meta] keys {unknown}"))
    for key in ("theme", "description"):
        value = rule_file.meta.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(
                RuleError(rule_file.path, None, None, f"[meta] needs '{key}' (a non-empty string)")
            )
    return problems


def parse_file(rule_file: RuleFile) -> tuple[list[RepairRule], list[RuleError]]:
    """Every valid rule of a repair file, and every problem with the others."""
    problems = _meta_problems(rule_file)
    theme = rule_file.meta.get("theme")
    rules: list[RepairRule] = []
    for record in rule_file.rules:
        try:
            rules.append(parse_rule(record, theme if isinstance(theme, str) else None))
        except RuleError as exc:
            problems.append(exc)
    return rules, problems


def load_rules(path: Path) -> list[RepairRule]:
    """All repair rules under ``path`` (a file or folder), in file then rule order.

    Raises the first :class:`RuleError` found, including ids repeated across files; files of
    other kinds are skipped. Use :func:`check_file` to collect every problem instead.
    """
    rules: list[RepairRule] = []
    seen: dict[str, RepairRule] = {}
    for file_path in rule_files_under(path):
        rule_file = load_rule_file(file_path)
        if rule_file.meta.get("kind") != KIND:
            continue
        parsed, problems = parse_file(rule_file)
        if problems:
            raise problems[0]
        for rule in parsed:
            first = seen.get(rule.rule_id)
            if first is not None:
                raise rule.error(f"duplicate rule id (also at {first.path}:{first.line})")
            seen[rule.rule_id] = rule
        rules.extend(parsed)
    return rules


# --------------------------------------------------------------------------- compilation


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
    if not found or min(len(f) for f in found) < _MIN_TRIGGER:
        return None
    return frozenset(f.lower().translate(_APOSTROPHES) for f in found)


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


_Found = tuple[int, int, int, str]  # start, end, rule order, replacement


@dataclass(frozen=True)
class _Compiled:
    rule: RepairRule
    order: int
    regex: Any | None
    require_before: Any | None
    forbid_before: Any | None
    require_after: Any | None
    forbid_after: Any | None


# MULTILINE so that ``^`` / ``$`` in a guard mean the start / end of the matched text's line.
def _before_guard(source: str | None) -> Any | None:
    return None if source is None else regex.compile(f"(?:{source})$", regex.MULTILINE)


def _after_guard(source: str | None) -> Any | None:
    return None if source is None else regex.compile(source, regex.MULTILINE)


@dataclass
class _Entry:
    length: int
    phrases: list[int] = field(default_factory=list)
    patterns: list[int] = field(default_factory=list)


def _phrase_key(phrase: str) -> str:
    """How the automaton holds a phrase: plain apostrophes, single spaces, lower case."""
    return _same_length_lower(" ".join(phrase.translate(_APOSTROPHES).split()))


def _same_length_lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters (e.g. 'İ') lower to two; keep offsets aligned by leaving them alone.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


# Words whose first letter misleads about their first sound.
_AN_BEFORE = ("hour", "honest", "honor", "honour", "heir")
_A_BEFORE = ("one", "once", "uni", "use", "usu", "uti", "eu", "ewe", "ure", "uro")


def article_for(word: str) -> str | None:
    """ "a" or "an" before ``word`` by its first sound; None when spelling cannot tell
    (numbers, abbreviations such as "FBI")."""
    if not word[:1].isalpha() or (len(word) > 1 and word.isupper()):
        return None
    lower = word.lower()
    if lower.startswith(_AN_BEFORE):
        return "an"
    if lower.startswith(_A_BEFORE):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


def _with_article_for(text: str, start: int, replacement: str, written: str) -> tuple[int, str]:
    """Where a replacement starts right after "a"/"an" and needs the other article, the
    edit grows to take the article in ("an information convention" -> "a news conference").
    ``written`` is the replacement as the rule wrote it, before it took the text's case."""
    for article in ("an", "a"):
        at = start - len(article) - 1
        if at < 0 or text[start - 1] != " " or text[at : start - 1].lower() != article:
            continue
        if at > 0 and _is_word_char(text[at - 1]):
            return start, replacement
        wanted = article_for(written.split(" ", 1)[0])
        if wanted is None or wanted == article:
            return start, replacement
        return at, follow_case(text[at : start - 1], wanted) + " " + replacement
    return start, replacement


#: Words Title Case leaves in lower case ("Department of Energy").
_TITLE_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"]
)


def follow_case(matched: str, replacement: str) -> str:
    """Give ``replacement`` the case of ``matched``: ALL CAPS, a leading capital, or as written."""
    letters = [c for c in matched if c.isalpha()]
    words = matched.split()
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        replacement = replacement.upper()
    elif len(words) >= 2 and all(w[:1].isupper() for w in words):
        # Title Case ("Weekend Field Workplace") stays Title Case ("Box Office").
        replacement = " ".join(
            w if i and w in _TITLE_SMALL_WORDS else w[:1].upper() + w[1:]
            for i, w in enumerate(replacement.split(" "))
        )
    else:
        first = next((c for c in matched if c.isalpha()), "")
        if first.isupper():
            for i, char in enumerate(replacement):
                if char.isalpha():
                    replacement = replacement[:i] + char.upper() + replacement[i + 1 :]
                    break
    if "\u2019" in matched and "\u2019" not in replacement:
        replacement = replacement.replace("'", "\u2019")
    return replacement


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
        self._compiled: list[_Compiled] = []
        self._always: list[int] = []
        # Rules that run only in documents the gate calls spun.
        self._gated = frozenset(order for order, rule in enumerate(self.rules) if rule.gated)
        entries: dict[str, _Entry] = {}
        for order, rule in enumerate(self.rules):
            compiled_pattern = regex.compile(rule.pattern) if rule.pattern is not None else None
            self._compiled.append(
                _Compiled(
                    rule=rule,
                    order=order,
                    regex=compiled_pattern,
                    require_before=_before_guard(rule.require_before),
                    forbid_before=_before_guard(rule.forbid_before),
                    require_after=_after_guard(rule.require_after),
                    forbid_after=_after_guard(rule.forbid_after),
                )
            )
            for phrase in rule.literals:
                key = _phrase_key(phrase)
                entries.setdefault(key, _Entry(len(key))).phrases.append(order)
            if rule.pattern is not None:
                triggers = pattern_triggers(rule.pattern)
                if triggers is None:
                    self._always.append(order)
                for trigger in triggers or ():
                    entries.setdefault(trigger, _Entry(len(trigger))).patterns.append(order)
        self._automaton: Any = None
        if entries:
            automaton = ahocorasick.Automaton()
            for key, entry in entries.items():
                automaton.add_word(key, (entry.length, tuple(entry.phrases), tuple(entry.patterns)))
            automaton.make_automaton()
            self._automaton = automaton

    def __len__(self) -> int:
        return len(self.rules)

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
        norm = _normalize(text)
        scan = Scan(_Context(text, norm))
        if not text or not self.rules:
            return scan
        context, gated = scan.context, self._gated
        pattern_lines: set[tuple[int, int]] = set()
        if self._automaton is not None:
            haystack = _same_length_lower(norm)
            for end_index, (length, phrases, patterns) in self._automaton.iter(haystack):
                start, end = end_index - length + 1, end_index + 1
                if phrases and self._at_word_boundaries(norm, start, end):
                    for order in phrases:
                        if order in gated:
                            scan.gated_phrases.append((order, start, end))
                        else:
                            self._try(context, order, start, end, None, scan.found)
                for order in patterns:
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
        signatures = [f for f in scan.found if f[2] not in scan.context.timed_out]
        count = len(_without_overlaps(signatures))
        return decide_gate(count, scan.context.text, self.gate_threshold, self.min_signatures)

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
        if start > 0 and _is_word_char(norm[start]) and _is_word_char(norm[start - 1]):
            return False
        return not (end < len(norm) and _is_word_char(norm[end - 1]) and _is_word_char(norm[end]))

    def _run_pattern(
        self,
        context: _Context,
        order: int,
        line_start: int | None,
        found: list[_Found],
    ) -> None:
        compiled = self._compiled[order]
        assert compiled.regex is not None
        if order in context.timed_out:
            return
        if line_start is None:
            lo, hi = 0, len(context.norm)
        else:
            lo, hi = context.line_bounds(line_start)
        try:
            for match in compiled.regex.finditer(context.norm, lo, hi, timeout=self.regex_timeout):
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
        compiled = self._compiled[order]
        if order in context.timed_out or context.protected(start, end):
            return
        try:
            passed = self._guards_pass(compiled, context, start, end, self.regex_timeout)
        except TimeoutError:
            context.timed_out.add(order)
            return
        if not passed:
            return
        matched = context.text[start:end]
        written = compiled.rule.replace if match is None else match.expand(compiled.rule.replace)
        replacement = follow_case(matched, written)
        if replacement != matched:
            start, replacement = _with_article_for(context.text, start, replacement, written)
            found.append((start, end, order, replacement))

    @staticmethod
    def _guards_pass(
        compiled: _Compiled, context: _Context, start: int, end: int, timeout: float
    ) -> bool:
        line_start, line_end = context.line_bounds(start)
        norm = context.norm
        if compiled.require_before or compiled.forbid_before:
            lo = max(line_start, start - _GUARD_WINDOW)
            if compiled.require_before and not compiled.require_before.search(
                norm, lo, start, timeout=timeout
            ):
                return False
            if compiled.forbid_before and compiled.forbid_before.search(
                norm, lo, start, timeout=timeout
            ):
                return False
        if compiled.require_after or compiled.forbid_after:
            hi = min(max(line_end, end), end + _GUARD_WINDOW)
            if compiled.require_after and not compiled.require_after.match(
                norm, end, hi, timeout=timeout
            ):
                return False
            if compiled.forbid_after and compiled.forbid_after.match(
                norm, end, hi, timeout=timeout
            ):
                return False
        return True

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


# --------------------------------------------------------------------------- checks


def rule_problems(rule: RepairRule) -> list[RuleError]:
    """Run one rule's examples, keeps and an idempotence check with the rule alone."""
    pack = RepairPack([rule])
    problems: list[RuleError] = []
    for given, expected in rule.examples:
        got, _ = pack.repair(given, assume_spun=True)
        if got != expected:
            problems.append(rule.error(f"example {given!r}: expected {expected!r}, got {got!r}"))
        again, _ = pack.repair(got, assume_spun=True)
        if again != got:
            problems.append(rule.error(f"not idempotent: {got!r} becomes {again!r}"))
    for text in rule.keep:
        got, _ = pack.repair(text, assume_spun=True)
        if got != text:
            problems.append(rule.error(f"keep {text!r} was changed to {got!r}"))
    return problems


def check_file(rule_file: RuleFile) -> list[RuleError]:
    """Schema problems, failing examples and changed keeps of one repair file."""
    rules, problems = parse_file(rule_file)
    for rule in rules:
        problems.extend(rule_problems(rule))
    return problems


def check_pack(rules: Sequence[RepairRule]) -> list[RuleError]:
    """Whole-pack checks: ids unique across files; every keep, and every example's output,
    unchanged by the full pack."""
    problems: list[RuleError] = []
    seen: dict[str, RepairRule] = {}
    for rule in rules:
        first = seen.get(rule.rule_id)
        if first is not None:
            problems.append(rule.error(f"duplicate rule id (also at {first.path}:{first.line})"))
        seen.setdefault(rule.rule_id, rule)
    # One phrase, one file: a phrase written in two theme files is a rule kept in two places.
    phrase_files: dict[str, RepairRule] = {}
    for rule in rules:
        for phrase in rule.literals:
            first = phrase_files.setdefault(_phrase_key(phrase), rule)
            if first.path != rule.path:
                problems.append(
                    rule.error(
                        f"phrase {phrase!r} is also a rule in another file "
                        f"({first.rule_id} at {first.path}:{first.line})"
                    )
                )
    pack = RepairPack(rules)
    for rule in rules:
        # An example's output that another rule still rewrites means cleaning is not done
        # in one pass: cleaning the output again would change it.
        for _, expected in rule.examples:
            got, matches = pack.repair(expected, assume_spun=True)
            if got != expected:
                culprits = ", ".join(sorted({m.rule_id for m in matches}))
                problems.append(
                    rule.error(
                        f"example output {expected!r} is changed again by the full pack "
                        f"({culprits}): {got!r}"
                    )
                )
        for text in rule.keep:
            got, matches = pack.repair(text, assume_spun=True)
            if got != text:
                culprits = ", ".join(sorted({m.rule_id for m in matches}))
                problems.append(
                    rule.error(f"keep {text!r} is changed by the full pack ({culprits}): {got!r}")
                )
    return problems


def list_rules(rule_file: RuleFile) -> list[RuleSummary]:
    rules, problems = parse_file(rule_file)
    if problems:
        raise problems[0]
    return [
        RuleSummary(
            rule_id=rule.rule_id,
            kind=KIND,
            line=rule.line,
            summary=f"{rule.spun} -> {rule.replace}",
            examples=len(rule.examples),
            keeps=len(rule.keep),
        )
        for rule in rules
    ]


def summarize(rules: Iterable[RepairRule]) -> Mapping[str, int]:
    """Rules per theme."""
    counts: dict[str, int] = {}
    for rule in rules:
        counts[rule.theme] = counts.get(rule.theme, 0) + 1
    return counts
