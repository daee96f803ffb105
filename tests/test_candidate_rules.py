"""The ``candidates`` rule kind: schema errors with file and line, examples and keeps run with
the real language model, through the library and through ``cleaner rules check``."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from cleaner.candidate_check import candidate_problems, check_file
from cleaner.lm import TrigramModel
from cleaner.rulecheck import check_path
from cleaner.rules.candidates import (
    Candidate,
    CandidatePack,
    load_candidates,
    parse_file,
)
from cleaner.rules.source import RuleError, load_rule_file

GOOD = """\
[meta]
kind = "candidates"
description = "test candidates"
margin = 1.0

[[rules]]
id = "candidates.brokers"
spun = "brokers"
originals = ["agents"]
pos = "noun"
examples = [["AI brokers can automate work.", "AI agents can automate work."]]
keep = ["Stock brokers and dealers met on Monday."]

[[rules]]
id = "candidates.home"
spun = "Home"
match_case = true
originals = ["House"]
examples = [["Members of the Home voted to pass it.", "Members of the House voted to pass it."]]
keep = ["She went Home after work.", "Members of the home voted to pass it."]
"""


@pytest.fixture(scope="module")
def model() -> TrigramModel:
    return TrigramModel.load()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cands.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_and_its_examples_and_keeps_hold(
    tmp_path: Path, model: TrigramModel
) -> None:
    path = _write(tmp_path, GOOD)
    candidates = load_candidates(path)
    assert [c.rule_id for c in candidates] == ["candidates.brokers", "candidates.home"]
    assert candidates[0].margin == 1.0 and candidates[1].match_case
    assert check_file(load_rule_file(path), model) == []


def test_case_follows_the_match_and_edits_carry_the_margin(model: TrigramModel) -> None:
    brokers = Candidate("candidates.brokers", Path("x"), 1, "brokers", ("agents",), 1.0)
    pack = CandidatePack([brokers], model)
    found = pack.find("BROKERS can automate work. Brokers can automate work.")
    assert [m.replacement for m in found] == ["AGENTS", "Agents"]
    assert all(m.margin >= 1.0 and "candidate" in m.message for m in found)
    # Compounds and possessives are left alone.
    assert pack.find("the brokers-led deal") == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('originals = ["agents"]', ""), "missing field 'originals'"),
        (('originals = ["agents"]', 'originals = ["brokers"]'), "equals the spun form"),
        (('pos = "noun"', 'pos = "nouns"'), "'pos' must be one of"),
        (('pos = "noun"', "margin = -2"), "'margin' must not be negative"),
        (('pos = "noun"', 'margin = "big"'), "'margin' must be a number"),
        (('pos = "noun"', 'colour = "red"'), "unknown keys ['colour']"),
        (('keep = ["Stock brokers and dealers met on Monday."]', ""), "missing field 'keep'"),
        (('spun = "brokers"', 'spun = "brokers  "'), "'spun' must be one or more words"),
        (('id = "candidates.brokers"', 'id = "repair.brokers"'), "'id' must look like"),
        (('pos = "noun"', 'require_after = "(unclosed"'), "'require_after' is not a valid regex"),
    ],
)
def test_schema_errors_name_file_line_and_rule(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    assert change[0] in GOOD
    text = GOOD.replace(change[0], change[1], 1)
    path = _write(tmp_path, text)
    _, problems = parse_file(load_rule_file(path))
    assert problems, "the broken entry must be reported"
    first = problems[0]
    assert problem in first.problem
    assert first.path == str(path)
    # The line of the offending key, or the broken entry's [[rules]] header (line 6) when a
    # key is missing or the problem is between keys (an original equal to the spun form).
    lines = text.splitlines()
    line = lines.index(change[1]) + 1 if change[1] and "equals" not in problem else 6
    assert first.line == line
    assert str(first).startswith(f"{path}:{line}: {first.rule_id}: ")
    with pytest.raises(RuleError, match=f"{path.name}:{line}:"):
        load_candidates(path)


def test_a_missing_candidates_folder_holds_no_candidates(tmp_path: Path) -> None:
    assert load_candidates(tmp_path / "no-such-folder") == []


def test_file_margin_and_chains_are_checked(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("margin = 1.0", "margin = -1"))
    assert "'margin' must not be negative" in str(check_path(path)[0])
    chained = GOOD + (
        '\n[[rules]]\nid = "candidates.agents"\nspun = "agents"\noriginals = ["officers"]\n'
        'examples = [["a", "b"]]\nkeep = ["c"]\n'
    )
    path = _write(tmp_path, chained)
    with pytest.raises(RuleError, match="'agents' is itself a spun form"):
        load_candidates(path)


def test_a_failing_keep_is_reported_with_the_models_margin(
    tmp_path: Path, model: TrigramModel
) -> None:
    # The model rightly prefers "real estate agents": a keep that claims otherwise fails.
    bad = GOOD.replace(
        "Stock brokers and dealers met on Monday.", "She called two real estate brokers."
    )
    candidate = load_candidates(_write(tmp_path, bad))[0]
    problems = candidate_problems(candidate, model)
    assert len(problems) == 1
    assert "keep 'She called two real estate brokers.' was changed" in problems[0].problem
    assert "model margins: +" in problems[0].problem


def test_rules_check_cli_runs_candidate_examples_with_the_model(tmp_path: Path) -> None:
    good = _write(tmp_path, GOOD)
    result = run_cli("rules", "check", str(good))
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert b"1 files, 2 rules, 0 problems" in result.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(
        GOOD.replace("AI agents can automate work.", "AI officers can automate work."),
        encoding="utf-8",
    )
    result = run_cli("rules", "check", str(bad))
    assert result.returncode == 1
    out = result.stdout.decode()
    assert f"{bad}:6: candidates.brokers: example 'AI brokers can automate work.'" in out


def test_multi_word_forms_span_any_whitespace_and_follow_case(model: TrigramModel) -> None:
    software = Candidate(
        "candidates.software-program", Path("x"), 1, "software program", ("software",), 1.0
    )
    pack = CandidatePack([software], model)
    text = "The new Software  program was released.\nThe new software\nprogram was released."
    found = pack.find(text)
    assert [(text[m.start : m.end], m.replacement) for m in found] == [
        ("Software  program", "Software"),
        ("software\nprogram", "software"),
    ]
    assert pack.find("a software programmer was hired") == []


def test_each_decision_sees_the_repairs_made_before_it() -> None:
    from cleaner.rules.candidates import CandidateMatch, _left_context, _right_context

    text = "Fans said. The brokers mentioned invoice rules"
    start = text.index("invoice")
    assert _left_context(text, start, []) == ["brokers", "mentioned"]
    earlier = CandidateMatch(
        text.index("brokers"), text.index("brokers") + 7, "agents", "candidates.b", 2.0, 1.0
    )
    assert _left_context(text, start, [earlier]) == ["agents", "mentioned"]
    # Sentence edges: the start of a sentence and the end of the text are marked.
    assert _left_context(text, text.index("The"), []) == ["<s>"]
    assert _left_context(text, text.index("brokers"), []) == ["<s>", "the"]
    assert _right_context(text, len(text) - len(" rules")) == ["rules", "</s>"]
    assert _right_context(text, text.index(" said")) == ["said", "</s>"]
