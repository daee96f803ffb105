"""Rule kinds: every rule file says in ``[meta] kind`` which stage's rules it holds.

Each kind is a module exposing ``list_rules(rule_file: RuleFile) -> list[RuleSummary]``, one
summary per rule, for ``cleaner rules list|stats``. Running a file's ``examples`` and ``keep``
cases is :mod:`cleaner.rulecheck`'s business: a chrome rule's run through its stage, which
this data layer does not import.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from cleaner.rules.source import RuleError, RuleFile, load_rule_file, meta_line

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
    """The file's ``[meta] kind``; a :class:`RuleError` at its line when it is no known kind."""
    kind = rule_file.meta.get("kind")
    if kind not in KIND_MODULES:
        known = ", ".join(sorted(KIND_MODULES))
        raise RuleError(
            rule_file.path,
            meta_line(rule_file, "kind"),
            None,
            f"[meta] kind must be one of {known}, got {kind!r}",
        )
    return str(kind)


def kind_module(kind: str) -> Any:
    return importlib.import_module(KIND_MODULES[kind])


def summarize_path(path: Path) -> list[RuleSummary]:
    rule_file = load_rule_file(path)
    summaries: list[RuleSummary] = kind_module(kind_of(rule_file)).list_rules(rule_file)
    return summaries


class ParsedRule(Protocol):
    """What every kind's validated rule carries (repair rules, candidates)."""

    @property
    def rule_id(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def examples(self) -> Sequence[Any]: ...
    @property
    def keep(self) -> Sequence[str]: ...


Rule = TypeVar("Rule", bound=ParsedRule)
Parser = Callable[[RuleFile], tuple[list[Rule], list[RuleError]]]
"""A kind's ``parse_file``: every valid rule of a file, and every problem with the others."""


def summaries_of(
    rule_file: RuleFile, kind: str, parse: Parser[Rule], describe: Callable[[Rule], str]
) -> list[RuleSummary]:
    """One summary per rule of ``rule_file``, ``describe`` saying what each does; raises the
    file's first problem."""
    rules, problems = parse(rule_file)
    if problems:
        raise problems[0]
    return [
        RuleSummary(
            rule_id=rule.rule_id,
            kind=kind,
            line=rule.line,
            summary=describe(rule),
            examples=len(rule.examples),
            keeps=len(rule.keep),
        )
        for rule in rules
    ]


def valid_rules(files: Iterable[Path], kind: str, parse: Parser[Rule]) -> list[Rule]:
    """The valid rules of ``kind`` in ``files``, in order: files that do not load and rules
    with problems are left out (checking each file reports them)."""
    rules: list[Rule] = []
    for path in files:
        try:
            rule_file = load_rule_file(path)
        except RuleError:
            continue
        if rule_file.meta.get("kind") == kind:
            rules.extend(parse(rule_file)[0])
    return rules
