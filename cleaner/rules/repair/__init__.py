"""Spinner-repair rules (``rules/repairs/``). ``schema``: a rule, its validation, loading;
``validated``: markers of rule files found valid, so a warm start does not check them again;
``engine``: every rule indexed into one matcher (compiled when a text wakes it), and the spin
gate; ``casing``: a replacement takes the case of what it replaces; ``checks``: examples and
keeps, alone and all together."""

from cleaner.rules.repair.casing import article_for, follow_case
from cleaner.rules.repair.checks import check_file, check_pack, rule_problems
from cleaner.rules.repair.engine import (
    DEFAULT_GATE_THRESHOLD,
    DEFAULT_MIN_SIGNATURES,
    DEFAULT_REGEX_TIMEOUT_S,
    WORDS_PER_UNIT,
    FindResult,
    GateDecision,
    RepairMatch,
    RepairPack,
    Scan,
    count_words,
    decide_gate,
    load_pack,
)
from cleaner.rules.repair.schema import (
    KIND,
    RepairRule,
    list_rules,
    load_rules,
    parse_file,
    parse_rule,
    phrase_key,
    summarize,
)

__all__ = [
    "DEFAULT_GATE_THRESHOLD", "DEFAULT_MIN_SIGNATURES", "DEFAULT_REGEX_TIMEOUT_S", "KIND",
    "WORDS_PER_UNIT", "FindResult", "GateDecision", "RepairMatch", "RepairPack", "RepairRule",
    "Scan", "article_for", "check_file", "check_pack", "count_words", "decide_gate",
    "follow_case", "list_rules", "load_pack", "load_rules", "parse_file", "parse_rule",
    "phrase_key", "rule_problems", "summarize",
]  # fmt: skip
