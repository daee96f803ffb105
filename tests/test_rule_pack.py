"""Every shipped repair rule: its examples give the expected output, its keeps stay unchanged.

Parametrised over every rule of every ``rules/repairs/*.toml``, so new rule files are picked
up without touching this test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.rules.repair import RepairRule, check_pack, load_rules, parse_file, rule_problems
from cleaner.rules.source import RuleError, load_rule_file, rule_files_under

REPAIRS = Path(__file__).resolve().parents[1] / "rules" / "repairs"


def _collect() -> list[object]:
    params: list[object] = []
    for path in rule_files_under(REPAIRS):
        try:
            rule_file = load_rule_file(path)
        except RuleError as exc:
            params.append(pytest.param(exc, id=path.name))
            continue
        if rule_file.meta.get("kind") != "repair":
            continue
        rules, problems = parse_file(rule_file)
        params.extend(pytest.param(p, id=f"{path.name}:{p.rule_id or p.line}") for p in problems)
        params.extend(pytest.param(r, id=r.rule_id) for r in rules)
    return params


@pytest.mark.parametrize("item", _collect())
def test_rule_examples_and_keeps(item: RepairRule | RuleError) -> None:
    if isinstance(item, RuleError):
        pytest.fail(str(item))
    problems = rule_problems(item)
    assert not problems, "\n".join(str(p) for p in problems)


def test_whole_pack_loads_and_keeps_survive_it() -> None:
    rules = load_rules(REPAIRS)
    problems = check_pack(rules)
    assert not problems, "\n".join(str(p) for p in problems)
