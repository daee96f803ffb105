"""Chrome rules: which lines of a page are furniture rather than article.

A chrome rule file (``[meta] kind = "chrome"``) holds rules with one of six actions:

``line``
    a line that is chrome wherever it stands ("Story continues below advertisement").
``tail``
    a marker after which the rest of the document is comment forms or related links
    ("Leave a Reply"), honoured only in the latter part of a document.
``closing``
    a line that is chrome when it ends a document, with only other closing lines after it
    (an author bio, a disclaimer, the site's sign-off): the closing block goes whole, and
    only when article lines stand before it.
``opening``
    a line that is chrome in a document's head, among its first lines and before its first
    paragraph of prose (a dateline, a "Written by" label): the same line further down may be
    the article's own (a date heading an event list).
``player``
    a video or gallery player line ("Click to play video: 'X'"); its pattern has a named group
    ``caption``, and the caption lines repeating it that follow are removed with it.
``title-suffix``
    a site section suffix on the title line (" – National"); ``pattern`` matches the suffix.

A rule matches by ``exact`` (a list of lines, compared case-insensitively with quotes and
white space normalised) or ``pattern`` (a regular expression matched against the whole
normalised line; case-insensitive unless ``case_sensitive = true``).

``examples`` are lines the rule must catch (strings) or ``[input, expected]`` document pairs;
``keep`` are lines or documents it must leave alone. :mod:`cleaner.rulecheck` runs them
through the stage that applies the rule's action.

A ``line`` rule marked ``last_sentences`` also matches the last sentences of a longer line, and
only they go: a promo appended to a paragraph ("... final version of the budget. Sign up for
our newsletter to follow the story."), the paragraph's own sentences kept.

A ``line`` rule marked ``not_in_list`` leaves a line whose neighbour starts with the same
character: an item of the article's bulleted list ("👉 Read the room before a pitch").

A ``tail`` rule marked ``not_before_prose`` is a bare heading that opens a site's footer
("Contact Us", "©") but may as well head the article's own last section: the tail goes only
when what follows the heading is not prose (addresses, phone numbers, a legal name, link
labels), as :meth:`cleaner.stages.chrome.ChromeStage` judges it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ahocorasick
import regex

from cleaner.rules.kinds import RuleSummary, kind_of
from cleaner.rules.line_triggers import chrome_triggers, fold_casefolded
from cleaner.rules.source import RuleFile, RuleRecord, load_rule_file, rule_files_under
from cleaner.rules.text import normalize_line

KIND = "chrome"
ACTIONS = ("line", "tail", "closing", "opening", "player", "title-suffix")
_ALLOWED_KEYS = {
    "id",
    "action",
    "exact",
    "pattern",
    "case_sensitive",
    "max_length",
    "standalone",
    "not_in_list",
    "last_sentences",
    "not_before_prose",
    "examples",
    "keep",
    "note",
}

# Chrome lines are short; anything longer is prose. Bounding the length also keeps pattern
# matching cheap on pathological input such as a single 50 MB line.
DEFAULT_MAX_LINE_CHARS = 300

REPEATED_LINE_RULE = "chrome.repeated-line"
# The index of the ``line`` rules marked ``last_sentences`` (:meth:`ChromeRuleSet.index`).
LAST_SENTENCES = "last-sentences"
# A repeated short line ("Yes." "Yes.") can be real dialogue; a repeated sentence of several
# words back to back is a scraping artefact.
MIN_WORDS_FOR_REPEAT = 4


def is_repeatable(line_key: str) -> bool:
    """Whether a line is long enough that a copy of it right after it is an artefact."""
    return len(line_key.split()) >= MIN_WORDS_FOR_REPEAT


# Seconds a rule's pattern may spend on one line (lines are at most a few hundred characters,
# so only catastrophic backtracking comes near it); past it the rule is skipped for the
# document and reported.
PATTERN_TIMEOUT_S = 1.0


_COMBINING_DOT = "\u0307"
_NOT_IN_PIECE = regex.compile(r"[\s'\"]+")


def _plain_piece(trigger: str) -> str:
    """The longest stretch of ``trigger`` without white space or quotes ("" for none)."""
    stretches: list[str] = _NOT_IN_PIECE.split(trigger)
    return max(stretches, key=len)


def fold_line(normalized: str) -> tuple[str, str]:
    """A normalised line's ``casefold()`` (the key of exact lines) and its
    :func:`~cleaner.rules.line_triggers.trigger_form` (what trigger literals are sought in),
    made once for all the rules tried on it."""
    casefolded = normalized.casefold()
    return casefolded, fold_casefolded(casefolded)


class PatternTimeout(Exception):
    """A rule's pattern took longer than :data:`PATTERN_TIMEOUT_S` on a line."""

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        super().__init__(f"rule {rule_id}: pattern timed out after {PATTERN_TIMEOUT_S:g} s")


@dataclass(frozen=True)
class ChromeRule:
    rule_id: str
    action: str
    exact: frozenset[str]
    pattern: Any
    """A compiled ``regex`` pattern (matched with a timeout), or None."""
    max_length: int
    standalone: bool
    path: Path
    line: int
    triggers: frozenset[str] | None = None
    """Literals in :func:`~cleaner.rules.line_triggers.trigger_form`, one of which every match
    of the pattern contains (None: unknown). A line holding none of them cannot match, and the
    regex is not run on it."""
    not_in_list: bool = False
    """A ``line`` rule's line stays when the line next to it starts with the same character: it
    is then an item of the article's list ("👉 Read the room ...", "👉 Book a day ...")."""
    last_sentences: bool = False
    """A ``line`` rule that also removes the last sentences of a longer line when they alone
    match it: a promo appended to the article's paragraph, which stays."""
    not_before_prose: bool = False
    """A ``tail`` marker that is honoured only when the lines after it are not the article's
    prose: a bare "Contact Us" or "©" heads a site's footer or the article's own section."""

    def matches(
        self,
        normalized: str,
        timed_out: set[str] | None = None,
        folded: tuple[str, str] | None = None,
    ) -> Any:
        """Whether a normalised line is this rule's (a match object for pattern rules).

        ``folded`` is the line's :func:`fold_line`, for callers that try many rules on one
        line. A pattern that times out raises :class:`PatternTimeout`, or, given
        ``timed_out``, adds the rule id to it and does not match; a rule in ``timed_out`` is
        skipped."""
        return self.matches_folded(normalized, folded or fold_line(normalized), timed_out)

    def matches_folded(
        self,
        normalized: str,
        folded: tuple[str, str],
        timed_out: set[str] | None = None,
        triggered: bool = False,
    ) -> Any:
        """:meth:`matches`, given the line's :func:`fold_line`; ``triggered`` when
        the line is known to hold one of the rule's trigger literals (a :class:`RuleIndex`
        candidate), which skips that test."""
        if len(normalized) > self.max_length:
            return None
        casefolded, trigger_text = folded
        if casefolded in self.exact:
            return True
        if self.pattern is None:
            return None
        if (
            not triggered
            and self.triggers is not None
            and not any(t in trigger_text for t in self.triggers)
        ):
            return None
        return self.search(normalized, timed_out, whole=True)

    def search(self, text: str, timed_out: set[str] | None = None, whole: bool = False) -> Any:
        """The pattern's first match in ``text`` (its match of all of it with ``whole``),
        under the timeout; None when it has no pattern, no match or timed out."""
        if self.pattern is None or (timed_out is not None and self.rule_id in timed_out):
            return None
        try:
            if whole:
                return self.pattern.fullmatch(text, timeout=PATTERN_TIMEOUT_S)
            return self.pattern.search(text, timeout=PATTERN_TIMEOUT_S)
        except TimeoutError:
            if timed_out is None:
                raise PatternTimeout(self.rule_id) from None
            timed_out.add(self.rule_id)
            return None


class RuleIndex:
    """One action's rules, indexed so that a line is tried only on the rules that could match it.

    A line is a candidate for a rule when it is one of the rule's exact lines, when it holds
    one of the literals every match of the rule's pattern contains, or when the pattern has
    no such literals. Candidates are tried in rule order, so the answer is the one trying
    every rule in turn would give, for a fraction of the work: most lines are a candidate
    for no rule at all.

    The rules a line may match are a bit set (bit ``i`` for ``rules[i]``): the automaton's
    hits and the exact lines' entries are OR-ed together, with no list to build and sort.
    """

    def __init__(self, rules: Sequence[ChromeRule]) -> None:
        self.rules = tuple(rules)
        self.max_length = max((rule.max_length for rule in self.rules), default=0)
        exact: dict[str, int] = {}
        triggered: dict[str, int] = {}
        always = 0
        for position, rule in enumerate(self.rules):
            bit = 1 << position
            for line in rule.exact:
                exact[line] = exact.get(line, 0) | bit
            if rule.pattern is None:
                continue
            if rule.triggers is None:
                always |= bit
            else:
                for trigger in rule.triggers:
                    triggered[trigger] = triggered.get(trigger, 0) | bit
        self._exact = exact
        self._always = always
        self._triggers: Any = None
        if triggered:
            self._triggers = ahocorasick.Automaton()
            for trigger, bits in triggered.items():
                self._triggers.add_word(trigger, bits)
            self._triggers.make_automaton()
        # Each trigger's plain stretch (see candidate_line_starts); one that holds another
        # is found wherever the other is, and is not sought.
        pieces = {_plain_piece(trigger) for trigger in triggered}
        self._pieces: tuple[str, ...] | None = None
        if pieces and "" not in pieces and not always and not exact:
            self._pieces = tuple(
                sorted(p for p in pieces if not any(o != p and o in p for o in pieces))
            )

    def candidate_line_starts(self, text: str) -> set[int] | None:
        """The offsets of the lines of ``text`` that may be a candidate for a rule (and
        perhaps some that are not), found in one pass over the whole text; None when that
        pass cannot tell (the rules have exact lines, or a pattern with no trigger literals,
        or the text's case folding changes its length).

        Each trigger is sought by its longest stretch without white space or quotes: within
        such a stretch a normalised line holds the very characters of the raw line, so a line
        whose normalised form holds the trigger holds the stretch as it stands."""
        if self._pieces is None:
            return None
        folded = text.casefold()
        if len(folded) != len(text) or _COMBINING_DOT in folded:
            return None
        starts: set[int] = set()
        for piece in self._pieces:
            found = folded.find(piece)
            while found != -1:
                starts.add(folded.rfind("\n", 0, found) + 1)
                line_end = folded.find("\n", found)
                found = -1 if line_end == -1 else folded.find(piece, line_end)
        return starts

    def _bits(self, normalized: str, folded: tuple[str, str]) -> int:
        if len(normalized) > self.max_length:
            return 0
        casefolded, trigger_text = folded
        bits = self._always | self._exact.get(casefolded, 0)
        if self._triggers is not None:
            for _, found in self._triggers.iter(trigger_text):
                bits |= found
        return bits

    def may_match_within(self, trigger_text: str) -> bool:
        """Whether some part of a line whose trigger form is ``trigger_text`` may match one
        of the rules: a literal of one is in it, or a rule has none or exact lines (lines of
        any length)."""
        if self._always or self._exact:
            return True
        if self._triggers is None:
            return False
        return next(self._triggers.iter(trigger_text), None) is not None

    def candidates(self, normalized: str, folded: tuple[str, str]) -> list[ChromeRule]:
        """The rules that may match a normalised line whose :func:`fold_line` is ``folded``,
        in rule order."""
        bits = self._bits(normalized, folded)
        found = []
        while bits:
            lowest = bits & -bits
            found.append(self.rules[lowest.bit_length() - 1])
            bits ^= lowest
        return found

    def first_match(
        self,
        normalized: str,
        timed_out: set[str] | None = None,
        folded: tuple[str, str] | None = None,
    ) -> ChromeRule | None:
        """The first rule, in rule order, that matches the normalised line; ``folded`` is
        the line's :func:`fold_line` when the caller already has it."""
        folded = folded or fold_line(normalized)
        bits = self._bits(normalized, folded)
        while bits:
            lowest = bits & -bits
            rule = self.rules[lowest.bit_length() - 1]
            if rule.matches_folded(normalized, folded, timed_out, triggered=True):
                return rule
            bits ^= lowest
        return None


@dataclass(frozen=True)
class ChromeRuleSet:
    rules: tuple[ChromeRule, ...]
    _by_action: Mapping[str, RuleIndex] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Stages ask for their action's rules on every document: group and index them once.
        grouped = {
            action: RuleIndex([r for r in self.rules if r.action == action]) for action in ACTIONS
        }
        grouped[LAST_SENTENCES] = RuleIndex([r for r in self.rules if r.last_sentences])
        object.__setattr__(self, "_by_action", MappingProxyType(grouped))

    def of_action(self, action: str) -> tuple[ChromeRule, ...]:
        return self.index(action).rules

    def index(self, action: str) -> RuleIndex:
        return self._by_action.get(action) or RuleIndex(())

    def line_rule(self, line: str, timed_out: set[str] | None = None) -> ChromeRule | None:
        """The ``line`` rule that makes ``line`` chrome wherever it stands, if any: what the
        chrome stage would remove it for."""
        return self.index("line").first_match(normalize_line(line), timed_out)


def compile_rule(record: RuleRecord) -> ChromeRule:
    data = record.data
    unknown = set(data) - _ALLOWED_KEYS
    if unknown:
        raise record.error(f"unknown field(s) {sorted(unknown)}")
    action = data.get("action")
    if action not in ACTIONS:
        raise record.error(f"field 'action' must be one of {', '.join(ACTIONS)}, got {action!r}")
    exact = data.get("exact", [])
    if not isinstance(exact, list) or not all(isinstance(e, str) and e.strip() for e in exact):
        raise record.error("field 'exact' must be a list of non-empty strings")
    raw_pattern = data.get("pattern")
    if raw_pattern is None and not exact:
        raise record.error("missing field: a rule needs 'exact' or 'pattern'")
    if raw_pattern is not None and not isinstance(raw_pattern, str):
        raise record.error("field 'pattern' must be a string")
    flags = 0 if data.get("case_sensitive", False) else regex.IGNORECASE
    pattern = None
    if raw_pattern is not None:
        try:
            pattern = regex.compile(raw_pattern, flags)
        except regex.error as exc:
            raise record.error(f"bad regex in 'pattern': {exc}") from exc
        if action == "player" and "caption" not in pattern.groupindex:
            raise record.error("a player pattern needs a named group (?P<caption>...)")
    max_length = data.get("max_length", DEFAULT_MAX_LINE_CHARS)
    if not isinstance(max_length, int) or max_length <= 0:
        raise record.error("field 'max_length' must be a positive integer")
    not_before_prose = data.get("not_before_prose", False)
    if not isinstance(not_before_prose, bool) or (not_before_prose and action != "tail"):
        raise record.error(
            "field 'not_before_prose' must be true or false, and only on a tail rule"
        )
    last_sentences = data.get("last_sentences", False)
    if not isinstance(last_sentences, bool) or (last_sentences and action != "line"):
        raise record.error("field 'last_sentences' must be true or false, and only on a line rule")
    _check_cases(record)
    triggers = chrome_triggers(raw_pattern) if isinstance(raw_pattern, str) else None
    if triggers is not None and not all(
        any(trigger in fold_line(normalize_line(line))[1] for trigger in triggers)
        for example in record.data["examples"]
        for line in (example if isinstance(example, str) else example[0]).splitlines()
        if pattern is not None and pattern.search(normalize_line(line))
    ):
        # A line the pattern matches holds none of the literals read from it: the reading
        # was wrong (syntax the reader does not know), and the pattern runs on every line.
        triggers = None
    return ChromeRule(
        rule_id=record.rule_id,
        action=str(action),
        exact=exact_keys(exact, str(action)),
        pattern=pattern,
        max_length=max_length,
        standalone=bool(data.get("standalone", False)),
        not_in_list=bool(data.get("not_in_list", False)),
        last_sentences=last_sentences,
        not_before_prose=not_before_prose,
        path=record.path,
        line=record.line,
        triggers=triggers,
    )


# A label where a page's furniture stands (its head, its closing run, a tail marker) may
# carry a colon the list does not write: "Related Posts:" for "Related Posts". Not the other
# way round: a rule that lists "Disclaimer:" leaves a closing "Disclaimer", which an article
# may end with (an AEB gold text does). Mid-text a colon may turn a word into the article's
# own label ("Commercial:" heading a list), so line rules match their lines as written.
_COLON_TOLERANT_ACTIONS = frozenset({"opening", "closing", "tail"})


def exact_keys(lines: Sequence[str], action: str) -> frozenset[str]:
    """The keys a rule's ``exact`` lines are matched by: each normalised and case-folded, and
    for the actions in :data:`_COLON_TOLERANT_ACTIONS` also with a trailing colon added."""
    keys = {normalize_line(line).casefold() for line in lines}
    if action in _COLON_TOLERANT_ACTIONS:
        keys |= {f"{key}:" for key in keys if not key.endswith(":")}
    return frozenset(keys)


def _check_cases(record: RuleRecord) -> None:
    examples = record.data.get("examples")
    if not isinstance(examples, list) or not examples:
        raise record.error("missing field 'examples' (at least one line or [input, expected])")
    for case in examples:
        if not (isinstance(case, str) or _is_pair(case)):
            raise record.error("each example is a line or an [input, expected] pair of strings")
    keep = record.data.get("keep", [])
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise record.error("field 'keep' must be a list of strings")


def _is_pair(case: Any) -> bool:
    return isinstance(case, list) and len(case) == 2 and all(isinstance(c, str) for c in case)


def load_chrome_rules(root: Path) -> ChromeRuleSet:
    """Every chrome rule under ``root`` (a folder or a file), validated; raises RuleError."""
    rules: list[ChromeRule] = []
    seen: dict[str, RuleRecord] = {}
    for path in rule_files_under(root):
        rule_file = load_rule_file(path)
        if kind_of(rule_file) != KIND:
            continue
        for record in rule_file.rules:
            if record.rule_id in seen:
                first = seen[record.rule_id]
                raise record.error(f"duplicate rule id (also at {first.path}:{first.line})")
            seen[record.rule_id] = record
            rules.append(compile_rule(record))
    return ChromeRuleSet(tuple(rules))


def list_rules(rule_file: RuleFile) -> list[RuleSummary]:
    summaries = []
    for record in rule_file.rules:
        data = record.data
        what = data.get("pattern") or " | ".join(data.get("exact", []))
        summaries.append(
            RuleSummary(
                rule_id=record.rule_id,
                kind=KIND,
                line=record.line,
                summary=f"{data.get('action')}: {what}",
                examples=len(data.get("examples", [])),
                keeps=len(data.get("keep", [])),
            )
        )
    return summaries
