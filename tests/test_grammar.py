"""The grammar stage and its rule file, against a real LanguageTool server."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import signal
import time
from pathlib import Path

import pytest
from conftest import run_cli
from languagetool_fixtures import lt_service, quick_start_servers

from cleaner import languagetool as lt
from cleaner.document import Document, Replacement
from cleaner.processes import pid_alive
from cleaner.registry import StageSettings
from cleaner.rulecheck import check_path
from cleaner.rules.grammar import is_safe_fix, load_allow_list
from cleaner.rules.kinds import summarize_path
from cleaner.rules.source import load_rule_file
from cleaner.stages import grammar

__all__ = ["lt_service", "quick_start_servers"]

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
GRAMMAR_RULES = RULES / "grammar.toml"


@pytest.fixture(scope="module", params=[False, True], ids=["default", "with-findings"])
def stage(
    lt_service: lt.LanguageToolService, request: pytest.FixtureRequest
) -> grammar.GrammarStage:
    """The stage as a plain run has it (findings off), and with findings on: what it fixes
    must not depend on whether findings are collected."""
    return grammar.GrammarStage(
        allow_list=load_allow_list(GRAMMAR_RULES), service=lt_service, findings=request.param
    )


@pytest.fixture(scope="module")
def findings_stage(lt_service: lt.LanguageToolService) -> grammar.GrammarStage:
    """Findings on, as ``--explain`` and ``--findings`` have it: for the tests about findings."""
    return grammar.GrammarStage(
        allow_list=load_allow_list(GRAMMAR_RULES), service=lt_service, findings=True
    )


def applied(doc: Document) -> list[tuple[str, str, str]]:
    return [(e.rule_id, e.before, e.after) for e in doc.edits if e.applied]


def findings(doc: Document) -> list[str]:
    return [e.rule_id for e in doc.edits if not e.applied]


def test_allow_listed_fixes_are_applied_and_logged(stage: grammar.GrammarStage) -> None:
    text = "This is a apple.\nIt was part of of the plan, , and it worked."
    out = stage(Document(text=text))
    assert out.text == "This is an apple.\nIt was part of the plan, and it worked."
    assert ("EN_A_VS_AN", "a", "an") in applied(out)
    assert ("ENGLISH_WORD_REPEAT_RULE", "of of", "of") in applied(out)
    repeat = next(e for e in out.edits if e.rule_id == "ENGLISH_WORD_REPEAT_RULE")
    assert (repeat.stage, repeat.line, repeat.start) == ("grammar", 2, text.index("of of"))
    assert repeat.message


@pytest.mark.parametrize(
    ("text", "expected", "rule_id"),
    [
        (
            "We met , , and left.",
            "We met, and left.",
            "COMMA_PARENTHESIS_WHITESPACE+DOUBLE_PUNCTUATION",
        ),
        ("It was good, , and it worked.", "It was good, and it worked.", "DOUBLE_PUNCTUATION"),
        ("She ate a a apple.", "She ate an apple.", "ENGLISH_WORD_REPEAT_RULE+EN_A_VS_AN"),
    ],
)
def test_a_fix_that_uncovers_another_is_followed_through(
    stage: grammar.GrammarStage, text: str, expected: str, rule_id: str
) -> None:
    out = stage(Document(text=text))
    assert out.text == expected
    [edit] = [e for e in out.edits if e.applied]
    assert set(edit.rule_id.split("+")) == set(rule_id.split("+"))
    # One edit in the stage's input coordinates: replaying it gives the output.
    assert text[: edit.start] + edit.after + text[edit.end :] == expected
    assert text[edit.start : edit.end] == edit.before


def test_compose_maps_later_fixes_back_to_the_input() -> None:
    R = Replacement
    original = "aa bb cc dd"
    first = [R(0, 2, "A", "ONE"), R(6, 8, "", "TWO")]  # -> "A bb  dd"
    current = grammar._apply_local(original, first)
    assert current == "A bb  dd"
    later = [R(4, 6, " ", "THREE"), R(2, 3, "B", "FOUR")]  # "  " -> " ", "b" -> "B"
    composed = grammar._compose(original, first, later)
    assert grammar._apply_local(original, composed) == "A Bb dd"
    assert [(r.start, r.end, r.after, r.rule_id) for r in composed] == [
        (0, 2, "A", "ONE"),
        (3, 4, "B", "FOUR"),
        (5, 9, " ", "TWO+THREE"),
    ]
    # A fix touching an earlier one merges with it.
    touching = grammar._compose(original, first, [R(1, 2, "X", "FIVE")])
    assert next((r.start, r.end, r.after, r.rule_id) for r in touching) == (0, 3, "AX", "ONE+FIVE")


def test_findings_outside_the_allow_list_are_reported_not_applied(
    findings_stage: grammar.GrammarStage,
) -> None:
    text = "Its a nice day and Thiss is a test."
    out = findings_stage(Document(text=text))
    assert out.text == text
    assert not applied(out)
    found = {e.rule_id: e for e in out.edits if not e.applied}
    assert "IT_IS" in found
    assert found["IT_IS"].before == "Its" and found["IT_IS"].message
    # Spelling is never applied, only reported.
    assert "MORFOLOGIK_RULE_EN_US" in found


@pytest.mark.parametrize(
    "text",
    [
        "He said that that was fine.",
        "They had had enough of it.",
        "We flew to Bora Bora last year.",
    ],
)
def test_grammatical_repetitions_and_names_are_left_alone(
    stage: grammar.GrammarStage, text: str
) -> None:
    out = stage(Document(text=text))
    assert out.text == text
    assert not applied(out)


def test_that_that_flagged_by_languagetool_stays_a_finding(
    findings_stage: grammar.GrammarStage,
) -> None:
    # A spun sentence where LanguageTool does flag "that that": still never applied.
    text = (
        "A White House official said the administration is working with lawmakers to be "
        "sure that that “introduced bills advance the president’s objectives.”"
    )
    out = findings_stage(Document(text=text))
    assert out.text == text
    assert "ENGLISH_WORD_REPEAT_RULE" in findings(out)


def test_clean_text_comes_out_unchanged(stage: grammar.GrammarStage) -> None:
    text = (
        "The council voted on Tuesday to approve the budget.\n\n"
        "“We are pleased with the result,” the mayor said in a statement. "
        "The plan takes effect in an hour."
    )
    out = stage(Document(text=text))
    assert out.text == text
    assert out.edits == ()
    assert out.metadata["grammar_issues_per_1k_words_before"] == 0.0
    assert out.metadata["grammar_issues_per_1k_words_after"] == 0.0


def test_issue_counts_per_1k_words_fall_after_fixes(
    findings_stage: grammar.GrammarStage,
) -> None:
    text = "This is a apple. It was part of of the plan. Its a nice day."
    out = findings_stage(Document(text=text))
    words = len(text.split())
    assert out.metadata["grammar_issues_per_1k_words_before"] == round(3 * 1000 / words, 2)
    after_words = len(out.text.split())
    assert out.metadata["grammar_issues_per_1k_words_after"] == round(1 * 1000 / after_words, 2)


def test_empty_text_needs_no_server() -> None:
    # Any request to this URL fails the stage: nothing listens there.
    no_server = lt.LanguageToolService(f"http://127.0.0.1:{lt.free_port()}")
    stage = grammar.GrammarStage(allow_list=load_allow_list(GRAMMAR_RULES), service=no_server)
    out = stage(Document(text="  \n"))
    assert out.text == "  \n"
    assert out.metadata["grammar_issues_per_1k_words_before"] == 0.0
    with pytest.raises(lt.LanguageToolError, match="not reachable"):
        stage(Document(text="Some words, such as a apple."))


def test_long_text_is_checked_in_chunks_with_right_offsets(stage: grammar.GrammarStage) -> None:
    paragraph = "The council met on Tuesday and approved the budget for next year."
    filler = "\n\n".join([paragraph] * 400)
    text = filler + "\n\nThis is a apple.\n\n" + filler
    assert len(grammar.split_chunks(text)) > 2
    out = stage(Document(text=text))
    assert out.text == text.replace("a apple", "an apple")
    edit = next(e for e in out.edits if e.applied)
    assert edit.start == text.index("a apple")


def test_split_chunks_cover_the_text_at_paragraph_breaks() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * 50 for i in range(100))
    chunks = grammar.split_chunks(text, limit=1000)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(chunks))
    assert all(c.end - c.start <= 1000 for c in chunks)
    assert all(text[c.end - 2 : c.end] == "\n\n" for c in chunks[:-1])
    assert grammar.split_chunks("x" * 2500, limit=1000)[-1].end == 2500
    assert grammar.split_chunks("") == [grammar.Chunk(0, 0)]


def test_emoji_before_a_fix_keeps_offsets_right(stage: grammar.GrammarStage) -> None:
    out = stage(Document(text="We 😀 love this a apple."))
    assert out.text == "We 😀 love this an apple."


def test_stage_is_idempotent_on_its_output(stage: grammar.GrammarStage) -> None:
    once = stage(Document(text="He is a honest man.  It ended.. Then of of course."))
    twice = stage(Document(text=once.text))
    assert twice.text == once.text
    assert not applied(twice)


def test_build_reads_options_and_pickles() -> None:
    stage = grammar.build(StageSettings(options={"language": "en-GB"}, rules_dir=RULES))
    assert stage.language == "en-GB"
    assert "EN_A_VS_AN" in stage.allow_list
    assert pickle.loads(pickle.dumps(stage)).allow_list.keys() == stage.allow_list.keys()
    with pytest.raises(ValueError, match="unknown options"):
        grammar.build(StageSettings(options={"langauge": "en-US"}, rules_dir=RULES))


def test_the_grammar_rule_file_examples_and_keeps_pass(lt_service: lt.LanguageToolService) -> None:
    assert check_path(GRAMMAR_RULES) == []
    ids = [s.rule_id for s in summarize_path(GRAMMAR_RULES)]
    assert "EN_A_VS_AN" in ids and "ENGLISH_WORD_REPEAT_RULE" in ids


def test_rule_check_reports_a_failing_example(
    tmp_path: Path, lt_service: lt.LanguageToolService
) -> None:
    bad = tmp_path / "grammar.toml"
    bad.write_text(
        '[meta]\nkind = "grammar"\n\n[[rules]]\nid = "EN_A_VS_AN"\ndescription = "a/an"\n'
        'examples = [["This is a apple.", "This is a apple."]]\nkeep = ["This is a apple."]\n',
        encoding="utf-8",
    )
    problems = [str(p) for p in check_path(bad)]
    assert len(problems) == 2
    assert all(p.startswith(f"{bad}:4: EN_A_VS_AN:") for p in problems)


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ('id = "MORFOLOGIK_RULE_EN_US"\ndescription = "x"\nexamples = [["a", "b"]]', "spelling"),
        ('id = "EN_A_VS_AN"\nexamples = [["a", "b"]]', "description"),
        ('id = "EN_A_VS_AN"\ndescription = "x"\nexamples = [["a"]]', "pair"),
        ('id = "EN_A_VS_AN"\ndescription = "x"\nrequire = "("\nexamples = [["a", "b"]]', "regular"),
        ('id = "EN_A_VS_AN"\ndescription = "x"\nexample = [["a", "b"]]', "unknown fields"),
    ],
)
def test_rule_schema_problems_name_the_rule(tmp_path: Path, rule: str, problem: str) -> None:
    path = tmp_path / "grammar.toml"
    path.write_text(f'[meta]\nkind = "grammar"\n\n[[rules]]\n{rule}\n', encoding="utf-8")
    problems = [str(p) for p in check_path(path)]
    # Each problem names the rule's table (line 4) or the line of the key it is about.
    last = 5 + rule.count("\n")  # the table header, then the rule's lines
    lines = [int(p[len(f"{path}:") :].split(":", 1)[0]) for p in problems]
    assert problems and all(p.startswith(f"{path}:") for p in problems)
    assert all(4 <= line <= last for line in lines), problems
    assert any(problem in p for p in problems)


def test_rule_check_without_a_server_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lt.URL_ENV, f"http://127.0.0.1:{lt.free_port()}")
    problems = check_path(GRAMMAR_RULES)
    assert len(problems) == 1
    assert str(problems[0]).startswith(f"{GRAMMAR_RULES}: ")
    assert "LanguageTool" in str(problems[0])


def test_load_allow_list_rejects_another_kind(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('[meta]\nkind = "repair"\n', encoding="utf-8")
    with pytest.raises(Exception, match="kind"):
        load_allow_list(path)
    assert load_rule_file(GRAMMAR_RULES).meta["kind"] == "grammar"


# --- safety by evidence (issue 13) ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Vindman, a Ukraine specialist, testified on Tuesday.",
        "It was a one-time payment to a university in Ohio.",
        "He is a European citizen and a US resident.",
        "Shares were quoted as a .MIAPJ0000PUS instrument.",
        "She wrote a user guide for a unit of the army.",
    ],
)
def test_a_an_leaves_consonant_sounds_and_codes_alone(
    stage: grammar.GrammarStage, text: str
) -> None:
    out = stage(Document(text=text))
    assert out.text == text
    assert not applied(out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The firm hired a AMD engineer.", "The firm hired an AMD engineer."),
        ("They finished a 11-hour shift.", "They finished an 11-hour shift."),
        ("He is an European citizen.", "He is a European citizen."),
    ],
)
def test_a_an_fixes_what_our_reading_agrees_with(
    stage: grammar.GrammarStage, text: str, expected: str
) -> None:
    assert stage(Document(text=text)).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Its chef says ramen is “ comfort food ” to many people.",
        "Find a store near you » 8 stores are open today.",
        "The index rose in Japan .MIAPJ0000PUS on Tuesday.",
        "He called it ' a disaster ' in a statement.",
    ],
)
def test_spacing_next_to_quotes_and_codes_stays_a_finding(
    stage: grammar.GrammarStage, text: str
) -> None:
    out = stage(Document(text=text))
    assert out.text == text


@pytest.mark.parametrize(
    ("line", "prose"),
    [
        ("The council met on Tuesday and approved the budget.", True),
        ("", True),
        ("Rockledge 14 11 6 15 — 44", False),
        ("| Name | Votes | Share |", False),
        ("Name\tVotes\tShare", False),
        (".MIAPJ0000PUS .N225 .HSI 0#.INDEXE", False),
        ("    return x == y;", False),
        ("if (ready) {", False),
    ],
)
def test_only_prose_lines_are_sent(line: str, prose: bool) -> None:
    assert grammar.is_prose(line) is prose


def test_check_chunks_skip_tables_and_keep_offsets() -> None:
    text = "First paragraph here, in words.\n| a | b |\n| 1 | 2 |\nSecond paragraph, also words."
    chunks = grammar.check_chunks(text)
    assert [text[c.start : c.end] for c in chunks] == [
        "First paragraph here, in words.",
        "Second paragraph, also words.",
    ]


def test_other_languages_get_findings_but_no_fixes(findings_stage: grammar.GrammarStage) -> None:
    # Portuguese: LanguageTool checks it, but no rule is allow-listed for Portuguese; the
    # English a/an rule made "com an alma" of this before languages were told apart.
    text = "Ele vive com a alma leve. A insatisfação passou e ele ficou feliz feliz."
    out = findings_stage(Document(text=text, metadata={"language": "pt"}))
    assert out.text == text
    assert not applied(out)
    assert out.metadata["grammar_language"] == "pt"
    assert findings(out)  # checked in Portuguese: the repeated "feliz" at least


def test_other_languages_without_an_allow_listed_rule_need_no_request() -> None:
    # Nothing listens at this URL: a request would fail the stage.
    no_server = lt.LanguageToolService(f"http://127.0.0.1:{lt.free_port()}")
    allow_list = load_allow_list(GRAMMAR_RULES)
    text = "Ele vive com a alma leve. A insatisfação passou."
    for language in ("pt", "de"):
        out = grammar.GrammarStage(allow_list=allow_list, service=no_server)(
            Document(text=text, metadata={"language": language})
        )
        assert out.text == text and out.edits == ()
        assert out.metadata["grammar_skipped"] == (
            f"no grammar rule is allow-listed for language '{language}'"
        )
        assert out.metadata["grammar_findings"] is False
    # With findings on, the same document needs the server.
    with pytest.raises(lt.LanguageToolError, match="not reachable"):
        grammar.GrammarStage(allow_list=allow_list, service=no_server, findings=True)(
            Document(text=text, metadata={"language": "pt"})
        )


def test_a_language_languagetool_lacks_is_skipped_and_said(
    findings_stage: grammar.GrammarStage,
) -> None:
    text = "Das Maß an Verantwortung ist groß, sagte er am Dienstag."
    out = findings_stage(Document(text=text, metadata={"language": "de"}))
    assert out.text == text and out.edits == ()
    assert "no checker for language 'de'" in out.metadata["grammar_skipped"]


def test_undetermined_language_is_checked_as_english(stage: grammar.GrammarStage) -> None:
    out = stage(Document(text="This is a apple.", metadata={"language": "und"}))
    assert out.text == "This is an apple."


def test_a_rule_allow_listed_for_a_language_applies_there_only(
    tmp_path: Path, lt_service: lt.LanguageToolService
) -> None:
    rules = tmp_path / "grammar.toml"
    rules.write_text(
        '[meta]\nkind = "grammar"\n\n[[rules]]\nid = "WHITESPACE_RULE"\n'
        'description = "spaces"\nlanguages = ["pt"]\nexamples = [["a   b", "a b"]]\n',
        encoding="utf-8",
    )
    stage = grammar.GrammarStage(allow_list=load_allow_list(rules), service=lt_service)
    text = "Ele vive com   calma em Lisboa."
    assert stage(Document(text=text, metadata={"language": "pt"})).text == (
        "Ele vive com calma em Lisboa."
    )
    english = "He lives   calmly in Lisbon."
    assert stage(Document(text=english, metadata={"language": "en"})).text == english


@pytest.mark.usefixtures("quick_start_servers")  # it starts two servers of its own
def test_a_hung_server_costs_one_time_limit_and_is_replaced(
    capfd: pytest.CaptureFixture[str],
) -> None:
    service = lt.LanguageToolService(use_background=False, request_timeout=10)
    stage = grammar.GrammarStage(allow_list=load_allow_list(GRAMMAR_RULES), service=service)
    try:
        assert stage(Document(text="This is a apple.")).text == "This is an apple."
        server = service.server
        assert server is not None
        os.killpg(server.pid, signal.SIGSTOP)
        began = time.monotonic()
        hung = stage(Document(text="It was part of of the plan."))
        assert time.monotonic() - began < lt.START_TIMEOUT_S
        assert hung.text == "It was part of of the plan."
        assert "did not answer within 10 s" in hung.metadata["grammar_skipped"]
        assert "restarted LanguageTool" in capfd.readouterr().err
        assert not pid_alive(server.pid)
        after = stage(Document(text="It was part of of the plan."))
        assert after.text == "It was part of the plan."
    finally:
        service.close()


def test_without_findings_only_the_allow_list_is_asked_for(
    lt_service: lt.LanguageToolService,
) -> None:
    allow_list = load_allow_list(GRAMMAR_RULES)
    text = "This is a apple. Their going home tomorow."
    full = grammar.GrammarStage(allow_list=allow_list, service=lt_service, findings=True)(
        Document(text=text)
    )
    lean = grammar.GrammarStage(allow_list=allow_list, service=lt_service)(Document(text=text))
    assert lean.text == full.text == "This is an apple. Their going home tomorow."
    assert [e.rule_id for e in lean.edits] == ["EN_A_VS_AN"]
    assert lean.metadata["grammar_findings"] is False
    assert full.metadata["grammar_findings"] is True
    assert {"MORFOLOGIK_RULE_EN_US"} <= set(findings(full))  # "tomorow"
    # What the server is asked: the allow-listed rules only, and it answers with them only.
    asked = lt_service.check(text, "en-US", tuple(allow_list))
    assert {m.rule_id for m in asked} == {"EN_A_VS_AN"}
    assert {m.rule_id for m in lt_service.check(text, "en-US")} > {"EN_A_VS_AN"}


@pytest.mark.parametrize(
    ("options", "findings_on"),
    [({}, False), ({"findings": "auto"}, False), ({"findings": True}, True),
     ({"findings": False}, False)],
)  # fmt: skip
def test_findings_option_is_auto_by_default_and_off_for_a_plain_run(
    options: dict[str, object], findings_on: bool
) -> None:
    stage = grammar.build(StageSettings(options=options, rules_dir=RULES))
    assert stage.findings is findings_on


def test_findings_option_rejects_other_values() -> None:
    with pytest.raises(ValueError, match="findings"):
        grammar.build(StageSettings(options={"findings": "no"}, rules_dir=RULES))


# --- findings on demand: a plain run asks for the allow-listed rules only -------------------

FINDINGS_TEXT = "This is a apple. Their going home tomorow.\n"


@pytest.mark.usefixtures("lt_service")
def test_a_plain_clean_applies_fixes_and_collects_no_findings(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(FINDINGS_TEXT, encoding="utf-8")
    plain = run_cli("clean", str(article), "--format", "jsonl")
    assert plain.returncode == 0, plain.stderr
    record = json.loads(plain.stdout)
    assert record["text"] == "This is an apple. Their going home tomorow.\n"
    assert [(e["rule_id"], e.get("applied", True)) for e in record["edits"]] == [
        ("EN_A_VS_AN", True)
    ]
    assert record["metadata"]["grammar_findings"] is False
    wanted = run_cli("clean", str(article), "--format", "jsonl", "--findings")
    assert wanted.returncode == 0, wanted.stderr
    record = json.loads(wanted.stdout)
    assert record["metadata"]["grammar_findings"] is True
    unapplied = {e["rule_id"] for e in record["edits"] if e.get("applied") is False}
    assert "MORFOLOGIK_RULE_EN_US" in unapplied
    assert record["text"] == "This is an apple. Their going home tomorow.\n"


@pytest.mark.usefixtures("lt_service")
def test_explain_collects_findings_unless_the_pipeline_file_says_no(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(FINDINGS_TEXT, encoding="utf-8")
    explained = run_cli("clean", str(article), "--explain")
    assert explained.returncode == 0, explained.stderr
    err = explained.stderr.decode()
    assert "MORFOLOGIK_RULE_EN_US" in err and "(not applied)" in err
    assert "not collected" not in err
    # An explicit findings = false in the pipeline file wins, and --explain says so.
    default = (ROOT / "cleaner" / "defaults" / "pipeline.toml").read_text(encoding="utf-8")
    config = tmp_path / "pipeline.toml"
    config.write_text(
        default.replace("[options.grammar]\n", "[options.grammar]\nfindings = false\n"),
        encoding="utf-8",
    )
    lean = run_cli("clean", str(article), "--explain", "--config", str(config))
    assert lean.returncode == 0, lean.stderr
    err = lean.stderr.decode()
    assert "(not applied)" not in err and "EN_A_VS_AN" in err
    assert f"(not collected: findings = false under [options.grammar] in {config}" in err
    assert lean.stdout.decode() == "This is an apple. Their going home tomorow.\n"


def test_a_document_no_allowed_rule_could_fix_needs_no_server() -> None:
    # Nothing listens at this URL: a request would fail the stage.
    no_server = lt.LanguageToolService(f"http://127.0.0.1:{lt.free_port()}")
    stage = grammar.GrammarStage(allow_list=load_allow_list(GRAMMAR_RULES), service=no_server)
    text = (
        "The council voted on Tuesday to approve the budget.\n\n"
        "“We are pleased,” the mayor said. The plan takes effect in an hour, at a university."
    )
    out = stage(Document(text=text))
    assert out.text == text and out.edits == ()
    assert out.metadata["grammar_issues_per_1k_words_before"] == 0.0
    assert out.metadata["grammar_findings"] is False
    with pytest.raises(lt.LanguageToolError, match="not reachable"):
        stage(Document(text=text + "\n\nThis is a apple."))


@pytest.mark.parametrize(
    ("text", "start", "end", "replacement", "rule_id"),
    [
        ("It was an apple.", 7, 9, "a", "EN_A_VS_AN"),  # our reading disagrees
        ("It was the apple.", 7, 10, "an", "EN_A_VS_AN"),  # not an article
        ("It was a apple.", 7, 8, "A", "EN_A_VS_AN"),  # not the other article
        ("he said,” and left", 7, 9, ", ”", "COMMA_PARENTHESIS_WHITESPACE"),  # before a quote
        ("It was good. Then", 11, 13, ".", "DOUBLE_PUNCTUATION"),  # no trigger there
    ],
)
def test_fixes_where_no_trigger_starts_are_refused(
    text: str, start: int, end: int, replacement: str, rule_id: str
) -> None:
    assert not is_safe_fix(text, start, end, replacement, rule_id)


def test_a_fix_starting_at_its_trigger_passes() -> None:
    assert is_safe_fix("It was a apple.", 7, 8, "an", "EN_A_VS_AN")
    assert is_safe_fix("It ended.. Then", 8, 10, ".", "DOUBLE_PUNCTUATION")
    assert is_safe_fix("Colorado,Washington", 8, 19, ", Washington", "COMMA_PARENTHESIS_WHITESPACE")


@pytest.mark.usefixtures("lt_service")
def test_corpus_collects_findings_only_with_the_flag(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(FINDINGS_TEXT, encoding="utf-8")
    for flag, collected in (("--quiet", False), ("--findings", True)):
        out = tmp_path / f"out{flag}"
        done = run_cli("corpus", str(src), str(out), "--jobs", "1", "--quiet", flag)
        assert done.returncode == 0, done.stderr
        (record,) = [json.loads(line) for line in (out / "_audit.jsonl").read_text().splitlines()]
        assert record["grammar_findings"] is collected
        unapplied = {e["rule_id"] for e in record["edits"] if e.get("applied") is False}
        assert ("MORFOLOGIK_RULE_EN_US" in unapplied) is collected
        page = (out / "report.html").read_text(encoding="utf-8")
        assert ("Not collected for 1 document:" in page) is not collected
