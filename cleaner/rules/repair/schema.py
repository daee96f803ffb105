"""Repair rule files: the schema of a rule, its validation, and loading a folder of them.

A repair rule file (``rules/repairs/<theme>.toml``, ``[meta] kind = "repair"``) holds rules
that undo a synonym spinner's substitutions, e.g. ``"this 12 months" -> "this year"``. Every
rule is either a literal ``phrase`` (or ``phrases``) or a ``pattern`` (a ``regex``-module
expression), plus optional context guards, ``examples`` and ``keep`` cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import regex

from cleaner.rules.kinds import RuleSummary, kind_of, summaries_of
from cleaner.rules.repair import validated
from cleaner.rules.source import RuleError, RuleFile, RuleRecord, load_rule_file, rule_files_under
from cleaner.rules.text import APOSTROPHES, same_length_lower, straighten

KIND = "repair"

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
#: This module checks rules: its text is part of every validity marker's name.
_CHECKER = Path(__file__)


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


def phrase_key(phrase: str) -> str:
    """How the matcher holds a phrase: plain apostrophes, single spaces, lower case. Two
    phrases with one key are one phrase."""
    return same_length_lower(" ".join(straighten(phrase, APOSTROPHES).split()))


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


def parse_rule(record: RuleRecord, theme: str | None, *, check_regexes: bool = True) -> RepairRule:
    """Validate one ``[[rules]]`` table; raise :class:`RuleError` naming file, line and id.

    ``check_regexes=False`` skips compiling the pattern and guards: only for a file already
    found valid byte for byte (see :mod:`cleaner.rules.repair.validated`)."""
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
    if len(set(phrase_key(p) for p in phrases)) != len(phrases):
        raise record.error("'phrases' lists the same phrase twice")
    if has_pattern and check_regexes:
        _compile_regex(record, "pattern", spun)
    replacement = data.get("replace")
    if not isinstance(replacement, str) or not replacement:
        raise record.error("missing field 'replace' (a non-empty string)")
    if has_pattern and check_regexes:
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
            if check_regexes:
                _compile_regex(record, guard, value)
        guards[guard] = value
    examples = record.example_pairs("input")
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


def parse_file(
    rule_file: RuleFile, *, check_regexes: bool = True
) -> tuple[list[RepairRule], list[RuleError]]:
    """Every valid rule of a repair file, and every problem with the others."""
    problems = _meta_problems(rule_file)
    theme = rule_file.meta.get("theme")
    rules: list[RepairRule] = []
    for record in rule_file.rules:
        try:
            theme_name = theme if isinstance(theme, str) else None
            rules.append(parse_rule(record, theme_name, check_regexes=check_regexes))
        except RuleError as exc:
            problems.append(exc)
    return rules, problems


def load_rules(path: Path) -> list[RepairRule]:
    """All repair rules under ``path`` (a file or folder), in file then rule order.

    Raises the first :class:`RuleError` found, including ids repeated across files and a file
    of no known kind (a misspelt ``[meta] kind`` would otherwise drop its rules unnoticed);
    files of other kinds are skipped. Use :func:`check_file` to collect every problem
    instead. A file found valid before, byte for byte, is not compiled again (:mod:`.validated`).
    """
    rules: list[RepairRule] = []
    seen: dict[str, RepairRule] = {}
    for file_path in rule_files_under(path):
        rule_file = load_rule_file(file_path)
        if kind_of(rule_file) != KIND:
            continue
        # Keyed by the very bytes parsed: a file edited meanwhile is neither trusted nor marked
        # valid for bytes that were not the ones checked.
        key = validated.content_key(rule_file.content, _CHECKER)
        trusted = validated.known_valid(key)
        parsed, problems = parse_file(rule_file, check_regexes=not trusted)
        if problems:
            raise problems[0]
        if not trusted:
            validated.remember_valid(key, file_path, _CHECKER)
        for rule in parsed:
            first = seen.get(rule.rule_id)
            if first is not None:
                raise rule.error(f"duplicate rule id (also at {first.path}:{first.line})")
            seen[rule.rule_id] = rule
        rules.extend(parsed)
    return rules


def list_rules(rule_file: RuleFile) -> list[RuleSummary]:
    return summaries_of(rule_file, KIND, parse_file, lambda rule: f"{rule.spun} -> {rule.replace}")


def summarize(rules: Iterable[RepairRule]) -> Mapping[str, int]:
    """Rules per theme."""
    counts: dict[str, int] = {}
    for rule in rules:
        counts[rule.theme] = counts.get(rule.theme, 0) + 1
    return counts
