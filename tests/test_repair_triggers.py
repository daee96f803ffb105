"""The repair engine's index: every pattern rule's required literals, and rules compiled only
when a text wakes them.

The index is an optimisation that must never change an output: a pattern runs only on the
lines holding one of its required literals, so every match must contain one. That is checked
here for every shipped pattern against every example, keep and shared sample.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import regex

from cleaner.rules.patterns import Trigger, pattern_triggers, required_literals, surely_word_char
from cleaner.rules.repair import RepairPack, RepairRule, load_rules
from cleaner.rules.text import same_length_lower, straighten

REPO = Path(__file__).resolve().parents[1]
RULES_DIR = REPO / "rules" / "repairs"
SHARED = REPO.parent / "shared"


def rule(replace: str, **fields: object) -> RepairRule:
    data: dict[str, object] = {"examples": (("a", "b"),)}
    data.update(fields)
    return RepairRule(rule_id="t.r", path=Path("t.toml"), line=1, replace=replace, **data)  # type: ignore[arg-type]


def literals(pattern: str) -> set[tuple[str, bool, bool]]:
    found = required_literals(pattern)
    assert found is not None
    return {(t.literal, t.word_start, t.word_end) for t in found}


def test_small_alternations_are_spelled_out_into_phrases() -> None:
    assert literals(r"(?i)\bthe (?:top|finish) of the (?:12 months|yr)\b") == {
        ("the top of the 12 months", True, True),
        ("the top of the yr", True, True),
        ("the finish of the 12 months", True, True),
        ("the finish of the yr", True, True),
    }
    # Groups do not end a run of literals; a class of a few characters is spelled out.
    assert literals(r"(?i)\b(ever)[ -](?:ever)s?\b") == {
        ("ever ever", True, True),
        ("ever-ever", True, True),
        ("ever evers", True, True),
        ("ever-evers", True, True),
    }


def test_word_boundaries_are_claimed_only_where_the_pattern_has_them() -> None:
    assert literals(r"\b(\d+(?:\.\d+)?-inch) show\b") == {("-inch show", False, True)}
    assert literals(r"(?<!Google )\bHome(?= Speaker)") == {("home", True, False)}
    # Under ASCII rules \b also falls between "e" and "é": no boundary is claimed.
    assert literals(r"(?a)\bever\b") == {("ever", False, False)}
    assert literals(r"\b(?a:ever)\b") == {("ever", False, False)}


def test_a_pattern_without_triggers_still_runs_everywhere() -> None:
    for pattern in (r"\w+", r"\b(\d+)x(\d+)\b", r"\p{Lu}ever"):
        assert pattern_triggers(pattern) is None
        assert required_literals(pattern) is None


def test_a_trigger_inside_a_word_wakes_no_rule() -> None:
    pack = RepairPack([rule(pattern=r"(?i)\bever\b(?= so)", replace="very")])
    assert pack.regexes_compiled == 0
    text = "Everyone however never said so; whatever."
    assert pack.repair(text, assume_spun=True)[0] == text
    assert pack.regexes_compiled == 0
    assert pack.repair("It was ever so cold.", assume_spun=True)[0] == "It was very so cold."
    assert pack.regexes_compiled == 1


def test_the_shipped_pack_compiles_nothing_until_a_text_wakes_a_rule() -> None:
    pack = RepairPack(load_rules(RULES_DIR))
    assert pack.regexes_compiled == 0
    pack.repair("A plain sentence.")
    assert pack.regexes_compiled == 0
    pack.repair("By the top of the 12 months, the Home Speaker spoke.", assume_spun=True)
    assert 0 < pack.regexes_compiled < 20


def _texts() -> list[str]:
    texts: list[str] = []
    for r in load_rules(RULES_DIR):
        texts += [t for pair in r.examples for t in pair]
        texts += r.keep
    for folder in (SHARED / "samples", SHARED / "samples" / "spun"):
        texts += [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    return texts


def _contains_a_trigger(haystack: str, start: int, end: int, triggers: frozenset[Trigger]) -> bool:
    for trigger in triggers:
        at = haystack.find(trigger.literal, start, end)
        while at != -1:
            after = at + len(trigger.literal)
            inside_before = at > 0 and surely_word_char(haystack[at - 1])
            inside_after = after < len(haystack) and surely_word_char(haystack[after])
            if not (trigger.word_start and inside_before) and not (
                trigger.word_end and inside_after
            ):
                return True
            at = haystack.find(trigger.literal, at + 1, end)
    return False


@pytest.fixture(scope="module")
def lines() -> list[tuple[str, str]]:
    """Every line of every example, keep and sample, straightened and lower-cased."""
    found = set()
    for text in _texts():
        for line in straighten(text).split("\n"):
            found.add((line, same_length_lower(line)))
    return sorted(found)


@pytest.mark.parametrize(
    "pattern_rule",
    [pytest.param(r, id=r.rule_id) for r in load_rules(RULES_DIR) if r.pattern is not None],
)
def test_every_match_contains_a_required_literal(
    pattern_rule: RepairRule, lines: list[tuple[str, str]]
) -> None:
    assert pattern_rule.pattern is not None
    triggers = required_literals(pattern_rule.pattern)
    if triggers is None:
        return  # runs on the whole text: nothing to miss
    compiled = regex.compile(pattern_rule.pattern)
    matched = 0
    for line, haystack in lines:
        for match in compiled.finditer(line):
            if match.end() > match.start():
                matched += 1
                context = line[max(0, match.start() - 30) : match.end() + 30]
                assert _contains_a_trigger(haystack, match.start(), match.end(), triggers), context
    assert matched, "the rule's own examples never matched"
