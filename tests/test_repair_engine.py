"""The repair rule engine: matching, case, boundaries, overlaps, guards, protection, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_cli

from cleaner.document import Document
from cleaner.registry import StageSettings
from cleaner.rules.patterns import pattern_triggers
from cleaner.rules.repair import (
    RepairPack,
    RepairRule,
    check_file,
    load_rules,
)
from cleaner.rules.source import RuleError, load_rule_file
from cleaner.stages import repair as repair_stage

RULES_DIR = Path(__file__).resolve().parents[1] / "rules" / "repairs"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


def rule(rule_id: str = "t.r", replace: str = "X", **fields: object) -> RepairRule:
    data: dict[str, object] = {"examples": (("a", "b"),)}
    data.update(fields)
    return RepairRule(rule_id=rule_id, path=Path("t.toml"), line=1, replace=replace, **data)  # type: ignore[arg-type]


def fix(rules: list[RepairRule], text: str, assume_spun: bool = True) -> str:
    return RepairPack(rules).repair(text, assume_spun=assume_spun)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sales rose this 12 months", "sales rose this year"),
        ("This 12 months sales rose", "This year sales rose"),
        ("THIS 12 MONTHS SALES ROSE", "THIS YEAR SALES ROSE"),
        ("This 12 Months Sales Rose", "This year Sales Rose"),
    ],
)
def test_replacement_follows_case(text: str, expected: str) -> None:
    assert fix([rule(phrase="this 12 months", replace="this year")], text) == expected


def test_curly_apostrophe_matches_and_is_kept() -> None:
    r = rule(phrase="haven't any alternative", replace="have no choice")
    assert fix([r], "They haven’t any alternative.") == "They have no choice."
    r2 = rule(phrase="now's", replace="it's now")
    assert fix([r2], "now’s good") == "it’s now good"


def test_phrases_match_on_word_boundaries_only() -> None:
    r = rule(phrase="one in all", replace="one of")
    assert (
        fix([r], "someone in all cases; one in allotment")
        == "someone in all cases; one in allotment"
    )
    assert fix([r], "(one in all)") == "(one of)"


def test_longest_match_wins_then_rule_order() -> None:
    short = rule("t.short", phrase="a 12 months", replace="a year")
    long = rule("t.long", phrase="a 12 months in the past", replace="a year ago")
    assert fix([short, long], "It was a 12 months in the past.") == "It was a year ago."
    first = rule("t.first", phrase="higher served", replace="better served")
    second = rule("t.second", phrase="higher served", replace="WRONG")
    assert fix([first, second], "higher served") == "better served"
    assert fix([second, first], "higher served") == "WRONG"


def test_overlapping_candidates_never_both_apply() -> None:
    left = rule("t.left", phrase="in line with", replace="according to")
    right = rule("t.right", phrase="with two", replace="with 2")
    text = "in line with two officials"
    out, matches = RepairPack([left, right]).repair(text, assume_spun=True)
    assert len(matches) == 1
    assert out == "according to two officials"


def test_guards_before_and_after() -> None:
    r = rule(
        phrase="laws",
        replace="legislation",
        require_before=r"(?i)\b(?:is|was)\s+",
        forbid_after=r"\s+of\b",
    )
    assert fix([r], "Pending is laws in the Senate.") == "Pending is legislation in the Senate."
    assert fix([r], "The gun laws are strict.") == "The gun laws are strict."
    assert fix([r], "What counts is laws of war.") == "What counts is laws of war."


def test_a_failing_guard_lets_a_shorter_candidate_win() -> None:
    long = rule(
        "t.long", phrase="the laws", replace="the legislation", require_after=r"\s+in depth"
    )
    short = rule("t.short", phrase="laws", replace="LAWS")
    assert fix([long, short], "read the laws today") == "read the LAWS today"


def test_guards_see_only_the_same_line() -> None:
    r = rule(phrase="within the", replace="in the", require_before=r"interest\s*")
    assert fix([r], "interest\nwithin the bill") == "interest\nwithin the bill"
    assert fix([r], "interest within the bill") == "interest in the bill"


def test_pattern_rules_with_groups_and_triggers() -> None:
    r = rule(pattern=r"(?i)\b(fourth|fifth) 12 months\b", replace=r"\1 year")
    assert fix([r], "nearing its Fourth 12 months") == "nearing its Fourth year"
    assert pattern_triggers(r"(?i)\b(fourth|fifth) 12 months\b") == frozenset({" 12 months"})
    assert pattern_triggers(r"(?i)\b(?:carry|hold) talks") is not None
    assert pattern_triggers(r"\w+") is None


def test_pattern_without_a_literal_still_runs() -> None:
    r = rule(pattern=r"\b(\d+)x(\d+)\b", replace=r"\1 by \2")
    assert fix([r], "a 3x4 room") == "a 3 by 4 room"


@pytest.mark.parametrize(
    "text",
    [
        "See https://example.com/go-thru/page for more.",
        "See www.example.org/thru for more.",
        "Mail thru@example.com today.",
        "Run `go thru` in a shell.",
        "    go thru the list  # indented code line",
        "```\ngo thru it\n```",
        "Visit example.com/thru now.",
    ],
)
def test_urls_emails_and_code_are_untouched(text: str) -> None:
    assert fix([rule(phrase="thru", replace="through")], text) == text


def test_text_around_protected_spans_is_still_repaired() -> None:
    text = "Go thru https://example.com/thru then thru."
    assert fix([rule(phrase="thru", replace="through")], text) == (
        "Go through https://example.com/thru then through."
    )


def test_needs_spun_rules_wait_for_signatures() -> None:
    gated = rule("t.gated", phrase="within the", replace="in the", needs_spun=True, keep=("x",))
    sig = rule("t.sig", phrase="this 12 months", replace="this year")
    other = rule("t.other", phrase="final 12 months", replace="last year")
    pack = RepairPack([gated, sig, other], min_signatures=2)
    clean = "Pressure grew within the party."
    assert pack.repair(clean)[0] == clean
    spun = "This 12 months, and final 12 months again, pressure grew within the party."
    assert pack.repair(spun)[0] == "This year, and last year again, pressure grew in the party."


def test_repair_is_idempotent_on_samples() -> None:
    pack = RepairPack(load_rules(RULES_DIR))
    samples = [
        SHARED / "samples" / "000_4b0a173bbebc4d8d.txt",
        *sorted((SHARED / "samples" / "spun").glob("*.txt")),
    ]
    for path in samples:
        once = pack.repair(path.read_text(encoding="utf-8"))[0]
        assert pack.repair(once)[0] == once, path.name


# ------------------------------------------------------------------ rule files and errors


def write(tmp_path: Path, body: str, name: str = "demo.toml") -> Path:
    path = tmp_path / name
    path.write_text('[meta]\nkind = "repair"\ntheme = "demo"\ndescription = "d"\n\n' + body)
    return path


GOOD = """[[rules]]
id = "demo.ok"
phrase = "this 12 months"
replace = "this year"
examples = [["Sales rose this 12 months.", "Sales rose this year."]]
"""


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            '[[rules]]\nid = "demo.a"\nphrase = "x y"\nreplace = "z"\nexamples = [["x y", "z"]]\ncolour = 1\n',
            "unknown keys",
        ),
        (
            '[[rules]]\nid = "demo.a"\npattern = "(unclosed"\nreplace = "z"\nexamples = [["a", "b"]]\n',
            "not a valid regex",
        ),
        ('[[rules]]\nid = "demo.a"\nphrase = "x y"\nreplace = "z"\n', "missing field 'examples'"),
        (
            '[[rules]]\nid = "demo.a"\nphrase = "x y"\nexamples = [["x y", "z"]]\n',
            "missing field 'replace'",
        ),
        (
            '[[rules]]\nid = "demo.a"\nphrase = "x y"\npattern = "x"\nreplace = "z"\nexamples = [["x y", "z"]]\n',
            "exactly one of",
        ),
        (
            '[[rules]]\nid = "other.a"\nphrase = "x y"\nreplace = "z"\nexamples = [["x y", "z"]]\n',
            "theme",
        ),
        (
            '[[rules]]\nid = "demo.a"\nphrase = "x y"\nreplace = "z"\nrequire_after = "q"\nexamples = [["x yq", "zq"]]\n',
            "keep",
        ),
        (
            '[[rules]]\nid = "demo.a"\nphrase = "x y"\nreplace = "z"\nforbid_after = "(bad"\nkeep = ["k"]\nexamples = [["x y", "z"]]\n',
            "forbid_after",
        ),
        (
            '[[rules]]\nid = "demo.a"\npattern = "x (y)"\nreplace = "\\\\2"\nexamples = [["x y", "z"]]\n',
            "group",
        ),
    ],
)
def test_schema_errors_name_file_line_and_rule(tmp_path: Path, body: str, problem: str) -> None:
    path = write(tmp_path, GOOD + "\n" + body)
    problems = check_file(load_rule_file(path))
    assert len(problems) == 1, problems
    error = problems[0]
    assert isinstance(error, RuleError)
    rule_id = body.split('id = "')[1].split('"')[0]
    # The error points into the rule: at the offending key's line where there is one
    # (the rule's table starts on line 12 of the file).
    assert error.rule_id == rule_id and 12 <= (error.line or 0) < 12 + body.count("\n")
    assert str(error).startswith(f"{path}:{error.line}: {rule_id}:") and problem in str(error)
    with pytest.raises(RuleError, match=rule_id):
        load_rules(path)


def test_failing_examples_and_keeps_are_reported(tmp_path: Path) -> None:
    body = """[[rules]]
id = "demo.bad"
phrase = "twelve"
replace = "12"
examples = [["twelve eggs", "a dozen eggs"]]
keep = ["twelve angry men"]
require_after = " "
"""
    problems = check_file(load_rule_file(write(tmp_path, body)))
    messages = [str(p) for p in problems]
    assert len(messages) == 2
    assert all(":6: demo.bad:" in m for m in messages)
    assert "expected 'a dozen eggs'" in messages[0] and "keep 'twelve angry men'" in messages[1]


def test_non_idempotent_rule_is_reported(tmp_path: Path) -> None:
    body = '[[rules]]\nid = "demo.loop"\nphrase = "year"\nreplace = "new year"\nexamples = [["a year", "a new year"]]\n'
    problems = check_file(load_rule_file(write(tmp_path, body)))
    assert any("not idempotent" in str(p) for p in problems)


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_rules(tmp_path)


def test_rule_files_of_other_kinds_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    (tmp_path / "chrome.toml").write_text('[meta]\nkind = "chrome"\n')
    assert [r.rule_id for r in load_rules(tmp_path)] == ["demo.ok"]


def test_a_misspelt_kind_is_refused_at_its_line_not_skipped(tmp_path: Path) -> None:
    # Skipped, the file's rules silently stopped applying while `rules check` named it.
    path = write(tmp_path, GOOD)
    path.write_text(path.read_text().replace('kind = "repair"', 'kind = "repiar"'))
    with pytest.raises(RuleError, match="kind must be one of candidates, chrome, grammar, repair"):
        load_rules(tmp_path)
    rules = tmp_path / "rules"
    shutil.copytree(Path(__file__).resolve().parents[1] / "rules", rules)
    misspelt = rules / "repairs" / "business.toml"
    misspelt.write_text(misspelt.read_text().replace('kind = "repair"', 'kind = "repiar"', 1))
    text = tmp_path / "note.txt"
    text.write_text("The chief government of the firm spoke.\n")
    proc = run_cli("clean", "--rules", str(rules), "--skip", "grammar", str(text))
    assert proc.returncode == 2 and not proc.stdout
    assert f"{misspelt}:2: [meta] kind must be one of" in proc.stderr.decode()
    assert "got 'repiar'" in proc.stderr.decode()


# ------------------------------------------------------------------ the stage


def test_stage_logs_edits_with_rule_ids_and_scores(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    # One rule: let one rule's signatures open the gate.
    options = {"rules": str(tmp_path), "min_signatures": 1}
    stage = repair_stage.build(StageSettings(options=options))
    doc = stage(Document(text="Sales rose this 12 months. Costs fell this 12 months."))
    assert doc.text == "Sales rose this year. Costs fell this year."
    assert [e.rule_id for e in doc.edits] == ["demo.ok", "demo.ok"]
    assert all(e.stage == "repair" for e in doc.edits)
    assert doc.metadata["spin_score_before"] == pytest.approx(2000 / 10)
    assert doc.metadata["spin_score_after"] == 0.0
    again = stage(doc)
    assert again.text == doc.text and again.edits == doc.edits


def test_stage_default_rules_dir_and_disable(tmp_path: Path) -> None:
    (tmp_path / "repairs").mkdir()
    write(tmp_path / "repairs", GOOD)
    stage = repair_stage.build(StageSettings(rules_dir=tmp_path, options={"min_signatures": 1}))
    assert stage(Document(text="this 12 months")).text == "this year"
    options = {"disable": ["demo"], "min_signatures": 1}
    off = repair_stage.build(StageSettings(rules_dir=tmp_path, options=options))
    assert off(Document(text="this 12 months")).text == "this 12 months"


def test_a_document_the_gate_calls_clean_is_not_edited(tmp_path: Path) -> None:
    """A lone signature (or one phrase repeated) does not make a document spun, and the
    stage leaves the text of a document it does not call spun alone: what the rule would have
    written is a finding, shown by --explain, with the gate's reasons."""
    write(tmp_path, GOOD)
    stage = repair_stage.build(StageSettings(options={"rules": str(tmp_path)}))
    text = "Sales rose this 12 months. Costs fell this 12 months."
    doc = stage(Document(text=text))
    assert doc.text == text
    assert doc.metadata["spin_gate"]["spun"] is False
    assert doc.metadata["spin_score_after"] == doc.metadata["spin_score_before"] > 0
    assert [(e.rule_id, e.before, e.after, e.applied) for e in doc.edits] == [
        ("demo.ok", "this 12 months", "this year", False),
        ("demo.ok", "this 12 months", "this year", False),
    ]
    assert all("held: the gate calls the document clean" in e.message for e in doc.edits)
    assert "1 rule(s)" in doc.edits[0].message


# ------------------------------------------------------------------ articles, groups, case


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He held an information convention.", "He held a news conference."),
        ("An information convention began.", "A news conference began."),
        ("AN INFORMATION CONVENTION", "A NEWS CONFERENCE"),
        ("He held a information convention.", "He held a news conference."),
        ("It was a workplace constructing.", "It was an office building."),
        ("Call an workplace constructing.", "Call an office building."),
        ("Plan a workplace constructing.", "Plan an office building."),
        ("Seen in Lena workplace constructing.", "Seen in Lena office building."),
    ],
)
def test_article_follows_the_replacement(text: str, expected: str) -> None:
    rules = [
        rule("t.news", phrase="information convention", replace="news conference"),
        rule("t.office", phrase="workplace constructing", replace="office building"),
    ]
    assert fix(rules, text) == expected


@pytest.mark.parametrize(
    ("word", "article"),
    [
        ("year", "a"),
        ("hour", "an"),
        ("union", "a"),
        ("umbrella", "an"),
        ("one", "a"),
        ("European", "a"),
        ("FBI", None),
        ("12", None),
        ("apple", "an"),
    ],
)
def test_article_for(word: str, article: str | None) -> None:
    from cleaner.rules.repair import article_for

    assert article_for(word) == article


def test_a_rule_group_matches_each_of_its_phrases() -> None:
    group = rule("t.group", phrases=("certainly one of", "considered one of"), replace="one of")
    assert fix([group], "Certainly one of them, and considered one of us.") == (
        "One of them, and one of us."
    )


def test_title_case_is_kept() -> None:
    assert fix(
        [rule(phrase="field workplace", replace="box office")], "Weekend Field Workplace"
    ) == ("Weekend Box Office")


def test_rule_file_with_phrases_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[rules]]\nid = "demo.group"\nphrases = ["with out", "with-out"]\nreplace = "without"\n'
        'examples = [["It passed with out a vote.", "It passed without a vote."]]\n',
    )
    rules = load_rules(path)
    assert rules[0].literals == ("with out", "with-out")
    assert fix(rules, "Done with-out help.") == "Done without help."


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('phrases = ["a b", "A  B"]', "the same phrase twice"),
        ("phrases = []", "at least one phrase"),
        ('phrase = "a b"\nphrases = ["c d"]', "exactly one of"),
    ],
)
def test_phrases_list_problems(tmp_path: Path, body: str, problem: str) -> None:
    path = write(
        tmp_path, f'[[rules]]\nid = "demo.bad"\n{body}\nreplace = "x"\nexamples = [["a b", "x"]]\n'
    )
    with pytest.raises(RuleError, match=problem):
        load_rules(path)


def test_one_phrase_in_two_files_is_a_problem(tmp_path: Path) -> None:
    from cleaner.rules.repair import check_pack

    one = write(
        tmp_path,
        '[[rules]]\nid = "demo.a"\nphrase = "with out"\nreplace = "without"\n'
        'examples = [["with out it", "without it"]]\n',
        name="a.toml",
    )
    write(
        tmp_path,
        '[[rules]]\nid = "demo.b"\nphrase = "With  out"\nreplace = "without"\n'
        'examples = [["with out it", "without it"]]\n',
        name="b.toml",
    )
    problems = check_pack(load_rules(one.parent))
    assert any("also a rule in another file" in str(p) for p in problems)


@pytest.mark.parametrize(
    "text", ["", "one line", "a\nb", "\n\nx\n", "ab\ncd\n\nef", "x" * 50 + "\n" + "y" * 3]
)
def test_line_bounds_match_a_plain_scan(text: str) -> None:
    from cleaner.rules.repair.engine import _Context

    context = _Context(text, text)
    for offset in range(len(text) + 1):
        start = text.rfind("\n", 0, offset) + 1
        end = text.find("\n", offset)
        expected = (start, len(text) if end == -1 else end)
        assert context.line_bounds(offset) == expected, (text, offset)


def test_overlap_search_matches_a_plain_scan() -> None:
    from cleaner.rules.repair.engine import _overlaps

    spans = [(2, 5), (5, 6), (9, 12), (20, 30)]
    for start in range(0, 32):
        for end in range(start + 1, 33):
            expected = any(s < end and start < e for s, e in spans)
            assert _overlaps(spans, start, end) == expected, (start, end)
