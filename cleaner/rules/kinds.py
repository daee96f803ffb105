"""Rule kinds: every rule file says in ``[meta] kind`` which stage's rules it holds.

Each kind is a module exposing two functions, used by ``cleaner rules check|list|stats``
and by the parametrised rule test:

``check_file(rule_file: RuleFile) -> list[RuleError]``
    validate every rule's schema and run its ``examples`` and ``keep`` cases; return every
    problem found (an empty list means the file is good). Never raises for rule problems.

``list_rules(rule_file: RuleFile) -> list[RuleSummary]``
    one summary per rule, for listings and statistics.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.rules.source import RuleError, RuleFile, load_rule_file

KIND_MODULES: dict[str, str] = {
    "chrome": "cleaner.rules.chrome",
    "repair": "cleaner.rules.repair",
    # Running grammar examples needs the stage (and LanguageTool): above the rules layer.
    "grammar": "cleaner.stages.grammar",
    "candidates": "cleaner.rules.candidates",
}


@dataclass(frozen=True)
class RuleSummary:
    rule_id: str
    kind: str
    line: int
    summary: str
    examples: int
    keeps: int


def kind_of(rule_file: RuleFile) -> str:
    kind = rule_file.meta.get("kind")
    if kind not in KIND_MODULES:
        known = ", ".join(sorted(KIND_MODULES))
        raise RuleError(
            rule_file.path, None, None, f"[meta] kind must be one of {known}, got {kind!r}"
        )
    return str(kind)


def kind_module(kind: str) -> Any:
    return importlib.import_module(KIND_MODULES[kind])


def check_path(path: Path) -> list[RuleError]:
    """Load, validate and run the examples of one rule file; every problem it has."""
    try:
        rule_file = load_rule_file(path)
        kind = kind_of(rule_file)
    except RuleError as exc:
        return [exc]
    problems: list[RuleError] = kind_module(kind).check_file(rule_file)
    return problems


def summarize_path(path: Path) -> list[RuleSummary]:
    rule_file = load_rule_file(path)
    summaries: list[RuleSummary] = kind_module(kind_of(rule_file)).list_rules(rule_file)
    return summaries
