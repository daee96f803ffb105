"""The trigger literals that spare chrome patterns most lines never drop a line the pattern
matches: checked against the patterns themselves, on their examples, on real lines and on
lines built to come near them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import regex
from conftest import REPO

from cleaner.rules.chrome import ChromeRule, fold_line, load_chrome_rules
from cleaner.rules.line_triggers import chrome_triggers, trigger_form
from cleaner.rules.source import load_rule_file, rule_files_under
from cleaner.rules.text import normalize_line

RULES = load_chrome_rules(REPO / "rules" / "chrome")
BY_ID = {rule.rule_id: rule for rule in RULES.rules}


def _passes_filter(rule: ChromeRule, line: str) -> bool:
    _, trigger_text = fold_line(normalize_line(line))
    return rule.triggers is None or any(t in trigger_text for t in rule.triggers)


def _pattern_matches(rule: ChromeRule, line: str) -> bool:
    return rule.pattern is not None and rule.pattern.fullmatch(normalize_line(line)) is not None


def test_the_copyright_and_ad_label_rules_have_a_prefilter_now() -> None:
    # Both ran on every line (their only literals were "19"/"20" and "ad", too short).
    assert BY_ID["credits.copyright"].triggers == frozenset(
        {
            "©",
            "(c)",
            "copyright",
            "eserved",
            "all rights reserved",
        }
    )
    assert BY_ID["ad-slug.advertisement-label"].triggers == frozenset({":"})


def test_every_example_line_of_every_chrome_rule_passes_its_prefilter() -> None:
    checked = 0
    for path in rule_files_under(REPO / "rules" / "chrome"):
        for record in load_rule_file(path).rules:
            rule = BY_ID.get(record.rule_id)
            if rule is None or rule.pattern is None:
                continue
            for case in record.data.get("examples", []):
                texts = case[0].split("\n") if isinstance(case, list) else [case]
                for line in texts:
                    if _pattern_matches(rule, line):
                        assert _passes_filter(rule, line), (rule.rule_id, line)
                        checked += 1
    assert checked > 100


COPYRIGHT_PIECES = [
    "©", "(c)", "(C)", "Copyright", "COPYRIGHT", "copyright", "2019", "1998", " ", "  ",
    "Dow Jones", "All Rights Reserved", "all rights reserved", "ALL RIGHTS RESERVED", ".",
    ",", "Inc", "&", "of", "ſ", "K", "İ", "\u00a0", "’", "Reuters",
]  # fmt: skip
LABEL_PIECES = [
    "Advertisement", "ADVERTISEMENT", "Sponsored", "ſponsored", "SPONSORED", "Paid post",
    "Promoted", "Ad", "AD", ":", " :", ": ", " ", "A better way", "İ", "K", "x",
]  # fmt: skip


def _joined(pieces: list[str], most: int) -> list[str]:
    """Every line made of up to ``most`` of ``pieces``."""
    lines = [""]
    every: list[str] = []
    for _ in range(most):
        lines = [line + piece for line in lines for piece in pieces]
        every += lines
    return every


@pytest.mark.parametrize(
    ("rule_id", "pieces", "most"),
    [("credits.copyright", COPYRIGHT_PIECES, 3), ("ad-slug.advertisement-label", LABEL_PIECES, 4)],
)
def test_no_line_the_pattern_matches_fails_its_prefilter(
    rule_id: str, pieces: list[str], most: int
) -> None:
    rule = BY_ID[rule_id]
    matched = 0
    for line in _joined(pieces, most):
        if _pattern_matches(rule, line):
            assert _passes_filter(rule, line), line
            matched += 1
    assert matched > 100


def test_a_long_s_label_is_removed_as_the_pattern_says() -> None:
    # The pattern (case-insensitive) takes "ſ" for "s"; the trigger test once compared lower
    # case, which keeps "ſ", and let the line through.
    rule = BY_ID["ad-slug.advertisement-label"]
    line = "ſponsored: A better way to budget"
    assert _pattern_matches(rule, line)
    assert RULES.line_rule(line) is not None
    # A pattern whose trigger word holds an "s": the filter once kept it from this line, and
    # a later rule took it instead.
    newsletter = RULES.index("line").first_match(normalize_line("ſign up for our newſletter"))
    assert newsletter is not None and newsletter.rule_id == "newsletter.get-daily-news"


def test_a_dotted_capital_i_reaches_a_pattern_that_takes_it_for_i() -> None:
    rule = compile_line_rule(r"sign in to comment")
    line = "SİGN İN TO COMMENT"
    assert rule.pattern.fullmatch(line)
    assert _passes_filter(rule, line)


def compile_line_rule(pattern: str) -> ChromeRule:
    compiled = regex.compile(pattern, regex.IGNORECASE)
    return ChromeRule(
        rule_id="t",
        action="line",
        exact=frozenset(),
        pattern=compiled,
        max_length=300,
        standalone=False,
        path=REPO,
        line=1,
        triggers=chrome_triggers(pattern),
    )


def test_every_character_the_patterns_equate_with_a_trigger_character_folds_to_it() -> None:
    # What makes trigger_form sound: where a case-insensitive pattern takes a line's
    # character for a trigger literal's, the line's character has the same trigger form.
    trigger_chars = {c for rule in RULES.rules for t in rule.triggers or () for c in t}
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    any_trigger_char = "[" + "".join(regex.escape(c) for c in sorted(trigger_chars)) + "]"
    found = set(regex.findall(any_trigger_char, everything, flags=regex.IGNORECASE))
    assert len(found) > len(trigger_chars)  # "ſ" and "K" among them
    for char in found:
        for trigger_char in trigger_chars:
            if regex.fullmatch(regex.escape(trigger_char), char, flags=regex.IGNORECASE):
                assert trigger_form(char) == trigger_form(trigger_char), (trigger_char, char)
    assert not any(t.startswith("\u0307") for r in RULES.rules for t in r.triggers or ())


def test_the_rule_index_finds_what_the_bare_patterns_find_on_real_lines() -> None:
    # The reference tries every rule's exact lines and bare pattern, with no trigger filter,
    # on the samples, the benchmark's article bodies (long lines among them: past 300
    # characters) and every rule's own cases.
    lines: list[str] = []
    for sample in sorted((REPO.parent / "shared" / "samples").rglob("*.txt")):
        lines.extend(sample.read_text(encoding="utf-8", errors="replace").split("\n"))
    truth = REPO.parent / "shared" / "bench" / "aeb" / "ground-truth.json"
    for article in json.loads(truth.read_text(encoding="utf-8")).values():
        lines.extend(str(article.get("articleBody", "")).split("\n"))
    for path in rule_files_under(REPO / "rules" / "chrome"):
        for record in load_rule_file(path).rules:
            for case in [*record.data.get("examples", []), *record.data.get("keep", [])]:
                texts = case if isinstance(case, list) else [case]
                lines.extend(line for text in texts for line in text.split("\n"))
    lines += ["ſign up for our newſletter", "ſponsored: try it", "© 2019 Acme", "AD: Buy now"]
    # Past 300 characters, within the copyright rule's 320 (and one past it): an owner of
    # ten long words before the notice, as the rule allows.
    owner = "Acmeworldwide Publishinghouse Groupholdings of Northerncounties and the Westernislands"
    lines += [
        " ".join(["Acmeworks"] * 10) + " All Rights Reserved. " + "Reuse needs consent. " * 9,
        owner + " - ALL RIGHTS RESERVED - " + "No part may be copied here. " * 7,
        " ".join(["Acmeworks"] * 10) + " All Rights Reserved. " + "Reuse needs consent. " * 10,
    ]
    hits = long_hits = 0
    for action in ("line", "tail", "closing", "opening", "player"):
        index = RULES.index(action)
        for line in filter(str.strip, lines):
            normalized = normalize_line(line)
            expected = next((r for r in index.rules if _bare_match(r, normalized)), None)
            assert index.first_match(normalized) is expected, (action, line)
            hits += expected is not None
            long_hits += expected is not None and len(normalized) > 300
    assert hits > 200 and long_hits >= 2, (hits, long_hits)


def _bare_match(rule: ChromeRule, normalized: str) -> bool:
    if len(normalized) > rule.max_length:
        return False
    if normalized.casefold() in rule.exact:
        return True
    return rule.pattern is not None and rule.pattern.fullmatch(normalized) is not None


@pytest.mark.parametrize(
    "pattern",
    [
        r"[[:upper:][:space:]]+",  # a POSIX class: to the standard parser, a set and a "]"
        r"(?:sponsored){e<=1} content",  # a fuzzy match: to the standard parser, literal text
        r"[[:^lower:]]{4,} now",
    ],
)
def test_syntax_of_the_regex_module_alone_gets_no_prefilter(pattern: str) -> None:
    assert chrome_triggers(pattern) is None


def test_a_user_rule_in_regex_only_syntax_still_removes_its_lines(tmp_path: Path) -> None:
    """A rule with a POSIX class took "]" as its literal and never ran."""
    rules = tmp_path / "zz-user.toml"
    rules.write_text(
        '[meta]\nkind = "chrome"\ndescription = "a user\'s rule"\n\n'
        "[[rules]]\n"
        'id = "user.shouting"\n'
        'action = "line"\n'
        "pattern = '''[[:upper:][:space:]]+'''\n"
        "case_sensitive = true\n"
        'examples = ["SHARE THIS STORY"]\n'
        'keep = ["The council met on Monday."]\n',
        encoding="utf-8",
    )
    [rule] = load_chrome_rules(rules).rules
    assert rule.triggers is None
    assert rule.matches(normalize_line("READ MORE NOW PLEASE"))


def test_escaped_braces_are_literal_text_and_keep_their_prefilter() -> None:
    assert chrome_triggers(r"sponsored by \{sponsor\}") == frozenset({"sponsored by {sponsor}"})
