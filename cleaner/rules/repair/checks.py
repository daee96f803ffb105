"""Running repair rules' own examples and keeps: each rule alone, then the whole pack.

A repair rule's examples run through :class:`~cleaner.rules.repair.engine.RepairPack`, the
same matcher the repair stage uses, so these checks need no stage.
"""

from __future__ import annotations

from collections.abc import Sequence

from cleaner.rules.repair.engine import RepairPack
from cleaner.rules.repair.schema import RepairRule, parse_file, phrase_key
from cleaner.rules.source import RuleError, RuleFile


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
            first = phrase_files.setdefault(phrase_key(phrase), rule)
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
