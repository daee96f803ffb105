"""Grammar rule files: the LanguageTool rule ids the grammar stage may apply on its own.

A rule file of kind ``grammar`` lists allowed rules::

    [meta]
    kind = "grammar"

    [[rules]]
    id = "EN_A_VS_AN"                 # a LanguageTool rule id
    description = "a/an before a vowel or consonant sound"
    require = '...'                   # optional: regex the flagged text must fully match
    languages = ["en"]                # optional: detected languages it applies in (default en)
    examples = [["This is a apple.", "This is an apple."]]
    keep = ["It is an hour away."]

A rule applies only to documents detected (by the ``language`` stage) as one of its
``languages``: English alone by default, since a rule id such as ``WHITESPACE_RULE`` exists in
many languages but was only reviewed on English text.

Everything LanguageTool reports outside this list is only recorded as a finding. Spelling
rules can never be allowed: names and jargon in news text are not in any dictionary.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from cleaner.rules.kinds import RuleSummary
from cleaner.rules.source import RuleError, RuleFile, RuleRecord, load_rule_file

KIND = "grammar"
FINDINGS_AUTO = "auto"
"""The grammar stage's ``findings`` option by default: findings (what LanguageTool reports
but is not applied) cost it several times the work of the fixes, so they are collected only
when the command shows them (``--explain``, ``--findings``); an explicit true or false in the
pipeline file wins."""
FINDINGS_HINT = (
    "grammar findings are collected with --findings (cleaner clean, cleaner corpus) or "
    "--explain, or with findings = true under [options.grammar] in the pipeline file (an "
    "explicit findings = false there wins)"
)
"""How to get findings, for the places that say they were not collected."""
_FIELDS = {"id", "description", "require", "languages", "examples", "keep"}
_SPELLING_MARKERS = ("MORFOLOGIK", "SPELLER", "SPELLING", "HUNSPELL")


def is_spelling_rule(rule_id: str, category: str = "") -> bool:
    """LanguageTool's spell checkers: ``MORFOLOGIK_RULE_EN_US`` and friends, category TYPOS."""
    upper = rule_id.upper()
    return category == "TYPOS" or any(marker in upper for marker in _SPELLING_MARKERS)


@dataclass(frozen=True)
class AllowedRule:
    """One LanguageTool rule the stage may apply (its first suggested replacement)."""

    rule_id: str
    description: str
    require: regex.Pattern[str] | None = None
    languages: frozenset[str] = frozenset({"en"})

    def permits(self, flagged: str) -> bool:
        return self.require is None or self.require.fullmatch(flagged) is not None


def _validate(record: RuleRecord) -> tuple[AllowedRule, list[RuleError]]:
    data = record.data
    problems: list[RuleError] = []
    unknown = set(data) - _FIELDS
    if unknown:
        problems.append(
            record.error(f"unknown fields {sorted(unknown)} (allowed: {sorted(_FIELDS)})")
        )
    rule_id = record.rule_id
    if not regex.fullmatch(r"[A-Z][A-Z0-9_]*", rule_id):
        problems.append(record.error("'id' must be a LanguageTool rule id such as EN_A_VS_AN"))
    if is_spelling_rule(rule_id):
        problems.append(record.error("spelling rules may never be applied automatically"))
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append(record.error("missing field 'description' (a non-empty string)"))
        description = ""
    pattern: regex.Pattern[str] | None = None
    require = data.get("require")
    if require is not None:
        if not isinstance(require, str):
            problems.append(record.error("'require' must be a string (a regular expression)"))
        else:
            try:
                pattern = regex.compile(require)
            except regex.error as exc:
                problems.append(record.error(f"'require' is not a valid regular expression: {exc}"))
    languages = data.get("languages", ["en"])
    if (
        not isinstance(languages, list)
        or not languages
        or not all(
            isinstance(code, str) and regex.fullmatch(r"[a-z]{2,3}", code) for code in languages
        )
    ):
        problems.append(record.error("'languages' must list ISO 639-1 codes such as \"en\""))
        languages = ["en"]
    examples = data.get("examples")
    if not isinstance(examples, list) or not examples:
        problems.append(
            record.error("missing field 'examples' (a list of [input, expected] pairs)")
        )
    elif not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) for s in pair)
        for pair in examples
    ):
        problems.append(record.error("every example must be a pair [input, expected output]"))
    keep = data.get("keep", [])
    if not isinstance(keep, list) or not all(isinstance(s, str) for s in keep):
        problems.append(record.error("'keep' must be a list of strings"))
    rule = AllowedRule(
        rule_id=rule_id, description=description, require=pattern, languages=frozenset(languages)
    )
    return rule, problems


def allowed_rules(rule_file: RuleFile) -> dict[str, AllowedRule]:
    """The allow-list of a loaded file; raises the first :class:`RuleError` it finds."""
    rules: dict[str, AllowedRule] = {}
    for record in rule_file.rules:
        rule, problems = _validate(record)
        if problems:
            raise problems[0]
        rules[rule.rule_id] = rule
    return rules


def load_allow_list(path: Path) -> Mapping[str, AllowedRule]:
    """Rule id -> :class:`AllowedRule` from a ``kind = "grammar"`` file."""
    rule_file = load_rule_file(path)
    if rule_file.meta.get("kind") != KIND:
        raise RuleError(path, None, None, f'[meta] kind must be "{KIND}"')
    return allowed_rules(rule_file)


def validate_rules(rule_file: RuleFile) -> tuple[dict[str, AllowedRule], list[RuleError]]:
    """Every rule of a loaded file and every schema problem it has (examples are run by
    :func:`cleaner.stages.grammar.check_file`, which needs LanguageTool)."""
    problems: list[RuleError] = []
    rules: dict[str, AllowedRule] = {}
    for record in rule_file.rules:
        rule, found = _validate(record)
        problems.extend(found)
        rules[rule.rule_id] = rule
    return rules, problems


def list_rules(rule_file: RuleFile) -> list[RuleSummary]:
    summaries: list[RuleSummary] = []
    for record in rule_file.rules:
        data: Mapping[str, Any] = record.data
        examples = data.get("examples", [])
        keep = data.get("keep", [])
        summaries.append(
            RuleSummary(
                rule_id=record.rule_id,
                kind=KIND,
                line=record.line,
                summary=str(data.get("description", "")),
                examples=len(examples) if isinstance(examples, list) else 0,
                keeps=len(keep) if isinstance(keep, list) else 0,
            )
        )
    return summaries


# --- context checks: what a rule id alone cannot tell ----------------------------------------

QUOTES = "\"'“”‘’«»„‚‹›"
_CODE_TOKEN = regex.compile(r"[./@_:=^]\w|://|\d[A-Za-z]|[A-Za-z]\d")
_SILENT_H = ("hour", "honest", "honor", "honour", "heir", "herb")
_U_AS_YOU = (
    "uni", "ukr", "ugand", "urug", "use", "usa", "usu", "ute", "uti", "uto", "ura", "ure",
    "uri", "uro", "ubiq", "ukul", "ufo", "eu", "ewe", "one", "once",
)  # fmt: skip
_U_AS_UH = ("un", "up", "ul", "um", "ugl", "ush", "utt", "urg", "urb", "ups", "us ")
_LETTER_NAME_VOWEL = set("AEFHILMNORSX")


def starts_with_vowel_sound(word: str) -> bool | None:
    """Whether ``word`` is said starting with a vowel sound ("an" goes before it); ``None``
    when unsure (codes, URLs, tickers, words a spelling rule cannot settle), so that a/an is
    then left alone."""
    word = word.lstrip(QUOTES + "([{")
    if not word or _CODE_TOKEN.search(word.rstrip(".,;:!?)")):
        return None if not word or not word[0].isdigit() else _number_vowel(word)
    if word[0].isdigit():
        return _number_vowel(word)
    head = regex.match(r"[\p{L}]+", word)
    if head is None:
        return None
    letters: str = head.group(0)
    if not letters.isascii():
        return None
    if letters.isupper() and len(letters) == 1:
        return letters in _LETTER_NAME_VOWEL  # "an F grade", "a B"
    if letters.isupper() and len(letters) >= 2:
        if len(letters) <= 3 or not regex.search("[AEIOU]", letters[1:]):
            return letters[0] in _LETTER_NAME_VOWEL  # said letter by letter: "an FBI", "a US"
        if letters[0] not in "AEIOU":
            return False  # said as a word starting with a consonant: "a NASA", "a NATO"
        return None  # "an OPEC", but "a UNESCO": unsure
    lower = letters.lower()
    if lower.startswith(_U_AS_YOU) or lower in ("us", "uk", "eu"):
        return False if lower not in ("us",) else None
    if lower.startswith("u"):
        return True if lower.startswith(_U_AS_UH) else None
    if lower[0] in "aeio":
        return True
    if lower[0] == "x" and len(lower) > 1 and lower[1] not in "aeiouy":
        return True  # "an Xbox", "an X-ray"
    return lower.startswith(_SILENT_H)


def _number_vowel(word: str) -> bool | None:
    digits = regex.match(r"\d[\d,]*", word)
    if digits is None:
        return None
    number = digits.group(0).replace(",", "")
    if number[0] == "8":
        return True  # eight, eighty, eight hundred...
    if number[:2] in ("11", "18") and len(number) in (2, 5, 8):
        return True  # eleven, eighteen (thousand, million)
    if (len(number) in (2, 5, 8) and number[:2] not in ("11", "18")) or number[0] != "1":
        return False
    return None  # 1100 "eleven hundred" or "one thousand one hundred"


# A quoted stretch of one line: straight double quotes paired in order, curly and angle
# quotes from an opening to its closing mark, single quotes only where an opening one
# follows no letter and a closing one is followed by none (an apostrophe is neither).
_QUOTED = regex.compile(
    r""""[^"\n]*"|“[^”\n]*”|„[^“”\n]*[“”]|«[^»\n]*»|»[^«\n]*«"""
    r"|(?<![\p{L}\p{N}])‘[^\n]*?’(?!\p{L})|(?<![\p{L}\p{N}])'(?=\S)[^\n]*?(?<=\S)'(?!\p{L})"
)
_NOT_INSIDE_QUOTES = frozenset(
    {"CONSECUTIVE_SPACES", "WHITESPACE_RULE", "ENGLISH_WORD_REPEAT_RULE"}
)
# Three or more full stops with single spaces between: a spaced ellipsis, with the space
# before it.
_SPACED_ELLIPSIS = regex.compile(r"[^\S\n]?\.(?:[^\S\n]\.){2,}")


def _line_around(text: str, start: int, end: int) -> tuple[int, str]:
    """(offset, text) of the line(s) holding ``text[start:end]``."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return first, text[first : len(text) if last < 0 else last]


def _inside_quotes(text: str, start: int, end: int) -> bool:
    offset, line = _line_around(text, start, end)
    return any(
        found.start() < start - offset and end - offset < found.end()
        for found in _QUOTED.finditer(line)
    )


def _in_spaced_ellipsis(text: str, start: int, end: int) -> bool:
    offset, line = _line_around(text, start, end)
    return any(
        found.start() < end - offset and start - offset < found.end()
        for found in _SPACED_ELLIPSIS.finditer(line)
    )


def is_safe_fix(
    text: str,
    start: int,
    end: int,
    replacement: str,
    rule_id: str,
    require_trigger: bool = True,
    triggers: TriggerStarts | None = None,
) -> bool:
    """Context checks on one allow-listed fix of ``text[start:end]``.

    - a/an: applied only when our own reading of the next word agrees (no "an Ukraine",
      "an one", "an European"; nothing before codes, tickers and URLs).
    - white space removed next to a quote mark: LanguageTool cannot tell an opening quote from
      a closing one and joins a word to an opening quote ("is “ comfort" -> "is“ comfort").
    - a space removed before "." or "," that is glued to what follows: an instrument code or
      file name (".MIAPJ0000PUS", ".NET"), not punctuation.
    - white space at the start of a line: indentation is layout, which the pipeline keeps
      (LanguageTool would leave one space of it: "hand.\n            The" -> "hand.\n The").
    - white space (CONSECUTIVE_SPACES, WHITESPACE_RULE) or a repeated word inside quotation
      marks: a quoted string or a word quoted to be talked about is given as it is (``type
      "a  b"``, ``the typo "the the"``), not written.
    - a spaced ellipsis (". . ."): its spaces are typography, not a space before a full
      stop ("paused . . . and" -> "paused. . . and").
    - a fix not starting at a match of its rule's trigger (:data:`TRIGGERS`): so that a
      sentence without one can be left unsent with no change in the fixes
      (``require_trigger=False`` leaves this check out, for the test that it never refuses a
      fix the others allow). ``triggers``, the trigger matches of ``text`` found for earlier
      fixes, saves scanning it again.
    """
    flagged = text[start:end]
    if not flagged.strip() and (start == 0 or text[start - 1] == "\n"):
        return False
    if require_trigger and not (
        triggers if triggers is not None else TriggerStarts(text)
    ).start_fix(rule_id, start, end):
        return False  # the prefilter would not have sent this: see TRIGGERS
    if _in_spaced_ellipsis(text, start, end):
        return False
    if rule_id in _NOT_INSIDE_QUOTES and _inside_quotes(text, start, end):
        return False
    if rule_id == "EN_A_VS_AN":
        following = regex.match(r"\s+(\S+)", text[end:])
        if following is None:
            return False
        vowel = starts_with_vowel_sound(following.group(1))
        wants_an = replacement.strip().lower() == "an"
        swaps = flagged.lower() in ("a", "an") and (flagged.lower() == "an") != wants_an
        return swaps and vowel is not None and vowel == wants_an
    left_removed = flagged[:1].isspace() and not replacement[:1].isspace()
    right_removed = flagged[-1:].isspace() and not replacement[-1:].isspace()
    if left_removed or right_removed:
        around = text[max(0, start - 1) : end + 1]
        if any(mark in around for mark in QUOTES):
            return False
        if flagged.strip() in (".", ",") and end < len(text) and text[end].isalnum():
            return False
    return True


# --- what can get a fix: text no trigger matches in is not sent -----------------------------
#
# With findings off, the grammar stage only needs LanguageTool where an allow-listed fix can
# come out, so it sends only the sentences in which some allowed rule's trigger matches.
# Each trigger is a superset of what its rule fixes, and :func:`is_safe_fix` refuses a fix
# whose flagged text does not start a trigger match: so a sentence left unsent holds no fix
# that would have been applied.

_ARTICLE = regex.compile(r"(?i)(?<![\p{L}\p{M}])(an?)(?=\s)")


class Trigger:
    """Where a rule could fire: the positions its pattern matches at (overlapping too)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = regex.compile(pattern)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every match; a fix could start at ``start``, and LanguageTool
        needs the text up to ``end`` to see it."""
        for found in self.pattern.finditer(text, overlapped=True):
            yield found.start(), found.end()


class _ArticleTrigger(Trigger):
    """An "a" before a word our reading says starts with a vowel sound, or an "an" before one
    that starts with a consonant sound: only there can an a/an fix pass :func:`is_safe_fix`."""

    def __init__(self) -> None:
        super().__init__(_ARTICLE.pattern)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for found in _ARTICLE.finditer(text):
            following = regex.match(r"\s+(\S+)", text[found.end() : found.end() + 200])
            if following is None:
                continue
            vowel = starts_with_vowel_sound(following.group(1))
            if vowel is not None and vowel == (found.group(1).lower() == "a"):
                yield found.start(), found.end() + following.end()


# Two white space characters in a row, other than line breaks alone.
_TWO_SPACES = Trigger(r"[^\S\n]\s|\s[^\S\n]")

TRIGGERS: Mapping[str, Trigger] = {
    "EN_A_VS_AN": _ArticleTrigger(),
    # The same word twice (LanguageTool compares tokens ignoring case). A word is at most 50
    # characters: unbounded, a long run of hyphens or of "a-a-a..." made the search quadratic.
    "ENGLISH_WORD_REPEAT_RULE": Trigger(
        r"(?i)(?<![\p{L}\p{M}])([\p{L}\p{M}'’-]{1,50})\s+\1(?![\p{L}\p{M}])"
    ),
    "CONSECUTIVE_SPACES": _TWO_SPACES,
    "WHITESPACE_RULE": _TWO_SPACES,
    # Space before , . ; : ! ? ) ], after ( [, or none after a comma (not between digits,
    # not before a quote mark, where is_safe_fix refuses it).
    "COMMA_PARENTHESIS_WHITESPACE": Trigger(
        r"\s[,.;:!?)\]]|[(\[]\s|,(?=[^\s\d" + QUOTES + r"])|(?<!\d),(?=\d)"
    ),
    # A comma or full stop twice, maybe with space between (an ellipsis matches too);
    # LanguageTool flags ", ," from the space on, " ,".
    "DOUBLE_PUNCTUATION": Trigger(r"[,.]\s*[,.]|(?<=[,.])\s+[,.]"),
}
"""Rule id -> where it could fire. A rule without one could fire anywhere."""


class TriggerStarts:
    """Where the triggers of :data:`TRIGGERS` match in one text: each trigger scans the text
    once, when a fix of one of its rules is first asked about, however many fixes follow."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Sorted match starts, by the trigger's identity: rules sharing a trigger scan once.
        self._starts: dict[int, list[int]] = {}

    def start_fix(self, rule_id: str, start: int, end: int) -> bool:
        """Whether a trigger match of ``rule_id`` starts within the flagged
        ``text[start:end]`` (always true for a rule without a trigger)."""
        trigger = TRIGGERS.get(rule_id)
        if trigger is None:
            return True
        starts = self._starts.get(id(trigger))
        if starts is None:
            starts = sorted({pos for pos, _ in trigger.spans(self.text)})
            self._starts[id(trigger)] = starts
        first = bisect.bisect_left(starts, start)
        return first < len(starts) and starts[first] < max(end, start + 1)


def fix_spans(rule_ids: Iterable[str], text: str) -> list[tuple[int, int]] | None:
    """Sorted (start, end) spans of ``text`` where one of ``rule_ids`` could fix something
    (see :meth:`Trigger.spans`); ``None`` when one of them has no trigger (it could fire
    anywhere)."""
    triggers: dict[int, Trigger] = {}  # by identity: rules sharing a trigger scan once
    for rule_id in rule_ids:
        trigger = TRIGGERS.get(rule_id)
        if trigger is None:
            return None
        triggers[id(trigger)] = trigger
    spans: set[tuple[int, int]] = set()
    for trigger in triggers.values():
        spans.update(trigger.spans(text))
    return sorted(spans)
