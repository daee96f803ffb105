"""Rule regexes run under a time limit; a rule that times out is reported and skipped for the
document; ``cleaner rules check`` warns about nested quantifiers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import REPO, run_cli

from cleaner.document import Document
from cleaner.rules.chrome import PatternTimeout, compile_rule, load_chrome_rules
from cleaner.rules.patterns import nested_quantifiers
from cleaner.rules.repair import RepairPack, RepairRule
from cleaner.rules.source import load_rule_file
from cleaner.stages.captions import CaptionsStage
from cleaner.stages.chrome import ChromeStage
from cleaner.stages.repair import RepairStage
from cleaner.stages.tidy import TidyStage

# Exponential on a run of "a" that does not end the line: (a|aa)+ can split it in
# Fibonacci(n) ways, and the regex module's own guards against backtracking do not catch it.
EVIL = r"(?:a|aa)+$"
HOSTILE_LINE = "a" * 60 + "!"
TIMEOUT = 0.05
# The regex module checks its clock now and then, not continuously: allow it a margin.
PROMPT_S = 5.0


def _rule(rule_id: str, pattern: str, replace: str = "X") -> RepairRule:
    return RepairRule(
        rule_id=rule_id,
        path=Path("t.toml"),
        line=1,
        replace=replace,
        pattern=pattern,
        examples=(("a", "b"),),
    )


def test_repair_pattern_that_times_out_is_reported_and_skipped() -> None:
    evil = _rule("t.evil", EVIL)
    good = _rule("t.good", r"\bcolour\b", "color")
    stage = RepairStage(pack=RepairPack([evil, good], min_signatures=0, regex_timeout=TIMEOUT))
    text = f"The colour of it.\n{HOSTILE_LINE}\naaa\n"
    started = time.monotonic()
    out = stage(Document(text=text))
    assert time.monotonic() - started < PROMPT_S
    # The timed-out rule is skipped for the whole document, even on the line it could match...
    assert out.text == f"The color of it.\n{HOSTILE_LINE}\naaa\n"
    # ...and it is reported by id, as a finding and a warning; the other rule still applied.
    findings = [e for e in out.edits if not e.applied]
    assert [(f.stage, f.rule_id) for f in findings] == [("repair", "t.evil")]
    assert "timed out" in findings[0].message
    assert any("t.evil" in w and "timed out" in w for w in out.metadata["warnings"])
    assert [e.rule_id for e in out.edits if e.applied] == ["t.good"]


def test_repair_timeout_does_not_leak_into_the_next_document() -> None:
    pack = RepairPack([_rule("t.evil", EVIL)], min_signatures=0, regex_timeout=TIMEOUT)
    assert pack.search(HOSTILE_LINE).timed_out == ("t.evil",)
    again = pack.search("aaa")
    assert again.timed_out == () and [m.rule_id for m in again.matches] == ["t.evil"]


def test_repair_guard_that_times_out_skips_its_rule() -> None:
    guarded = RepairRule(
        rule_id="t.guarded",
        path=Path("t.toml"),
        line=1,
        replace="year",
        phrase="12 months",
        forbid_after=r" (?:a|aa)+$",
        examples=(("a", "b"),),
        keep=("k",),
    )
    pack = RepairPack([guarded], min_signatures=0, regex_timeout=TIMEOUT)
    found = pack.search("in 12 months " + "a" * 60 + "!")
    assert found.timed_out == ("t.guarded",) and found.matches == []


def test_repair_stage_regex_timeout_option() -> None:
    from cleaner.registry import StageSettings
    from cleaner.stages import repair

    stage = repair.build(StageSettings(options={"regex_timeout": 0.25}, rules_dir=REPO / "rules"))
    assert stage.pack.regex_timeout == 0.25
    with pytest.raises(ValueError, match="regex_timeout"):
        repair.build(StageSettings(options={"regex_timeout": 0}, rules_dir=REPO / "rules"))


def _chrome_rules(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "chrome.toml"
    path.write_text('[meta]\nkind = "chrome"\n\n' + body, encoding="utf-8")
    return path


@pytest.fixture
def short_chrome_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    import cleaner.rules.chrome as chrome_rules

    monkeypatch.setattr(chrome_rules, "PATTERN_TIMEOUT_S", TIMEOUT)


@pytest.mark.usefixtures("short_chrome_timeout")
def test_chrome_pattern_that_times_out_is_reported_and_skipped(tmp_path: Path) -> None:
    path = _chrome_rules(
        tmp_path,
        f'[[rules]]\nid = "t.evil"\naction = "line"\npattern = \'{EVIL}\'\nexamples = ["aaa"]\n\n'
        '[[rules]]\nid = "t.ad"\naction = "line"\nexact = ["Advertisement"]\n'
        'examples = ["Advertisement"]\n',
    )
    stage = ChromeStage(rules=load_chrome_rules(path))
    text = f"First line of the story.\n{HOSTILE_LINE}\nAdvertisement\naaa\n"
    started = time.monotonic()
    out = stage(Document(text=text))
    assert time.monotonic() - started < PROMPT_S
    assert out.text == f"First line of the story.\n{HOSTILE_LINE}\naaa\n"
    findings = [e for e in out.edits if not e.applied]
    assert [(f.stage, f.rule_id) for f in findings] == [("chrome", "t.evil")]
    assert any("t.evil" in w for w in out.metadata["warnings"])


@pytest.mark.usefixtures("short_chrome_timeout")
def test_captions_and_tidy_patterns_time_out_cleanly(tmp_path: Path) -> None:
    path = _chrome_rules(
        tmp_path,
        '[[rules]]\nid = "t.player"\naction = "player"\n'
        "pattern = '(?P<caption>(?:a|aa)+)$'\nexamples = [\"aaa\"]\n\n"
        '[[rules]]\nid = "t.suffix"\naction = "title-suffix"\npattern = \'(?:a|aa)+$\'\n'
        'examples = [["Title aaa\\n\\nBody.\\n", "Title\\n\\nBody.\\n"]]\n',
    )
    rules = load_chrome_rules(path)
    text = f"{HOSTILE_LINE}\n\nBody text.\n"
    captions = CaptionsStage(rules=rules)(Document(text=text))
    tidy = TidyStage(rules=rules)(Document(text=text, metadata={"title": HOSTILE_LINE}))
    assert captions.text == text and tidy.text == text
    assert [e.rule_id for e in captions.edits if not e.applied] == ["t.player"]
    assert [e.rule_id for e in tidy.edits if not e.applied] == ["t.suffix"]


@pytest.mark.usefixtures("short_chrome_timeout")
def test_chrome_rule_without_a_report_set_raises_a_named_timeout(tmp_path: Path) -> None:
    rule = load_chrome_rules(
        _chrome_rules(
            tmp_path,
            f'[[rules]]\nid = "t.evil"\naction = "line"\npattern = \'{EVIL}\'\n'
            'examples = ["aaa"]\n',
        )
    ).rules[0]
    with pytest.raises(PatternTimeout, match=r"t\.evil"):
        rule.matches(HOSTILE_LINE)


def test_chrome_patterns_use_the_regex_module(tmp_path: Path) -> None:
    record = load_rule_file(
        _chrome_rules(
            tmp_path,
            '[[rules]]\nid = "t.p"\naction = "line"\npattern = \'\\p{Lu}+\'\nexamples = ["ABC"]\n',
        )
    ).rules[0]
    # \p{..} is regex-module syntax that `re` rejects.
    assert compile_rule(record).matches("ÀBC")


@pytest.mark.parametrize(
    ("pattern", "nested"),
    [
        (r"(a+)+", True),
        (r"(\w*)*", True),
        (r"(?:\s?\w+)+$", True),
        (r"(?=(?:x*)+y)", True),
        (r"a+b*", False),
        (r"(?:\w+ ){1,3}", False),
        (r"(?>a+)+", False),
        (r"[\w-]+(?:\.[\w-]+)+", False),  # iterations delimited by a literal dot
        (r"this (?:12|twelve) months", False),
    ],
)
def test_nested_quantifier_detection(pattern: str, nested: bool) -> None:
    assert nested_quantifiers(pattern) is nested


def test_rules_check_warns_about_nested_quantifiers(tmp_path: Path) -> None:
    path = tmp_path / "greedy.toml"
    path.write_text(
        '[meta]\nkind = "chrome"\n\n'
        '[[rules]]\nid = "t.greedy"\naction = "line"\npattern = \'(?:\\w+\\s?)+ only\'\n'
        'examples = ["Subscribers only"]\n',
        encoding="utf-8",
    )
    result = run_cli("rules", "check", str(path))
    out = result.stdout.decode()
    # A warning names file, line and rule, and does not fail the check.
    assert result.returncode == 0, out + result.stderr.decode()
    assert f"{path}:4: t.greedy: warning:" in out and "nests quantifiers" in out
    assert out.rstrip().endswith("0 problems, 1 warnings")


def test_shipped_rules_have_no_nested_quantifiers() -> None:
    from cleaner.cli_rules import regex_warnings
    from cleaner.rules.source import rule_files_under

    assert regex_warnings(list(rule_files_under(REPO / "rules"))) == []
