"""Rule kinds: every rule file says in ``[meta] kind`` which stage's rules it holds.

Each kind is a module exposing ``list_rules(rule_file: RuleFile) -> list[RuleSummary]``, one
summary per rule, for ``cleaner rules list|stats``. Running a file's ``examples`` and ``keep``
cases is :mod:`cleaner.rulecheck`'s business: a chrome rule's run through its stage, which
this data layer does not import.
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
    "grammar": "cleaner.rules.grammar",
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


def summarize_path(path: Path) -> list[RuleSummary]:
    rule_file = load_rule_file(path)
    summaries: list[RuleSummary] = kind_module(kind_of(rule_file)).list_rules(rule_file)
    return summaries
