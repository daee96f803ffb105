"""Grammar rule files: the LanguageTool rule ids the grammar stage may apply on its own.

A rule file of kind ``grammar`` lists allowed rules::

    [meta]
    kind = "grammar"

    [[rules]]
    id = "EN_A_VS_AN"                 # a LanguageTool rule id
    description = "a/an before a vowel or consonant sound"
    require = '...'                   # optional: regex the flagged text must fully match
    examples = [["This is a apple.", "This is an apple."]]
    keep = ["It is an hour away."]

Everything LanguageTool reports outside this list is only recorded as a finding. Spelling
rules can never be allowed: names and jargon in news text are not in any dictionary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from cleaner.rules.kinds import RuleSummary
from cleaner.rules.source import RuleError, RuleFile, RuleRecord, load_rule_file

KIND = "grammar"
_FIELDS = {"id", "description", "require", "examples", "keep"}
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
    return AllowedRule(rule_id=rule_id, description=description, require=pattern), problems


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


def check_file(rule_file: RuleFile) -> list[RuleError]:
    """Schema of every rule, then every example and keep run through the real stage."""
    problems: list[RuleError] = []
    rules: dict[str, AllowedRule] = {}
    for record in rule_file.rules:
        rule, found = _validate(record)
        problems.extend(found)
        rules[rule.rule_id] = rule
    if problems:
        return problems

    # Imported here: the stage module imports this one for load_allow_list.
    from cleaner.document import Document
    from cleaner.languagetool import LanguageToolError, shared_service
    from cleaner.stages.grammar import GrammarStage

    stage = GrammarStage(allow_list=rules, language="en-US", service=shared_service)
    for record in rule_file.rules:
        cases: list[tuple[str, str, bool]] = [
            (pair[0], pair[1], True) for pair in record.data.get("examples", [])
        ]
        cases += [(text, text, False) for text in record.data.get("keep", [])]
        for given, expected, is_example in cases:
            try:
                out = stage(Document(text=given))
            except LanguageToolError as exc:
                return [
                    RuleError(
                        rule_file.path, None, None, f"cannot run examples: LanguageTool: {exc}"
                    )
                ]
            label = "example" if is_example else "keep"
            if out.text != expected:
                problems.append(
                    record.error(f"{label} {given!r}: expected {expected!r}, got {out.text!r}")
                )
            elif is_example and not any(
                e.applied and e.rule_id == record.rule_id for e in out.edits
            ):
                problems.append(
                    record.error(f"example {given!r} passes, but not through this rule")
                )
    return problems


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
