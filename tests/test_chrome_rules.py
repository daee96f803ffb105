"""Every chrome rule's own examples and keeps, and the loader's error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO

from cleaner.document import Document
from cleaner.registry import StageSettings
from cleaner.rulecheck import check_path
from cleaner.rules.chrome import load_chrome_rules
from cleaner.rules.source import RuleError, load_rule_file, rule_files_under
from cleaner.rules.text import normalize_line, without_leading_emoji
from cleaner.stages import chrome

CHROME_FILES = rule_files_under(REPO / "rules" / "chrome")


def test_shipped_chrome_rules_load() -> None:
    rules = load_chrome_rules(REPO / "rules" / "chrome")
    assert len(rules.rules) >= 15
    assert {"line", "tail", "player", "title-suffix"} <= {r.action for r in rules.rules}


@pytest.mark.parametrize("path", CHROME_FILES, ids=lambda p: p.name)
def test_chrome_rule_examples_and_keeps(path: Path) -> None:
    problems = check_path(path)
    assert not problems, "\n".join(str(p) for p in problems)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text('[meta]\nkind = "chrome"\n\n' + body, encoding="utf-8")
    return path


def test_errors_name_file_line_and_rule(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[rules]]\nid = "a"\naction = "line"\nexact = ["Ad"]\nexamples = ["Ad"]\n\n'
        '[[rules]]\nid = "b"\naction = "sideways"\nexact = ["x"]\nexamples = ["x"]\n',
    )
    problems = check_path(path)
    assert [str(p) for p in problems] == [
        f"{path}:12: b: field 'action' must be one of line, tail, closing, opening, player, title-suffix, got 'sideways'"
    ]


def test_examples_that_do_not_hold_are_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[rules]]\nid = "too.greedy"\naction = "line"\npattern = "the .*"\n'
        'examples = ["the end"]\nkeep = ["the quick brown fox jumps"]\n',
    )
    problems = check_path(path)
    assert len(problems) == 1
    assert f"{path}:4: too.greedy: keep case changed" in str(problems[0])


def test_toml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[rules]]\nid = "a"\naction = "line\n')
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert info.value.line == 6 and str(info.value).startswith(f"{path}:6: invalid TOML")


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    body = '[[rules]]\nid = "same"\naction = "line"\nexact = ["Ad"]\nexamples = ["Ad"]\n\n'
    path = _write(tmp_path, body * 2)
    with pytest.raises(
        RuleError, match=r":10: same: duplicate rule id \(first defined at line 4\)"
    ):
        load_rule_file(path)


def test_player_pattern_needs_a_caption_group(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[rules]]\nid = "p"\naction = "player"\npattern = "Video: .+"\nexamples = ["Video: x"]\n',
    )
    assert "needs a named group (?P<caption>" in str(check_path(path)[0])


def test_not_before_prose_is_refused_on_a_rule_that_is_not_a_tail(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[rules]]\nid = "l"\naction = "line"\nnot_before_prose = true\nexact = ["Ad"]\n'
        'examples = ["Ad"]\n',
    )
    assert "'not_before_prose' must be true or false, and only on a tail rule" in str(
        check_path(path)[0]
    )


def test_unknown_kind(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('[meta]\nkind = "poetry"\n', encoding="utf-8")
    assert "[meta] kind must be one of" in str(check_path(path)[0])


def _lines_to_try() -> list[str]:
    """Every rule example and keep line, every reference sample line and every line of the
    benchmark's article bodies: chrome, near misses and plain prose."""
    lines: list[str] = []
    for path in CHROME_FILES:
        for record in load_rule_file(path).rules:
            for case in [*record.data.get("examples", []), *record.data.get("keep", [])]:
                texts = case if isinstance(case, list) else [case]
                lines.extend(line for text in texts for line in text.split("\n"))
    for sample in sorted((REPO.parent / "shared" / "samples").rglob("*.txt")):
        lines.extend(sample.read_text(encoding="utf-8", errors="replace").split("\n"))
    truth = REPO.parent / "shared" / "bench" / "aeb" / "ground-truth.json"
    for article in json.loads(truth.read_text(encoding="utf-8")).values():
        lines.extend(str(article.get("articleBody", "")).split("\n"))
    return [line for line in lines if line.strip()]


def test_rule_index_picks_the_rule_a_scan_of_every_rule_picks() -> None:
    rules = load_chrome_rules(REPO / "rules" / "chrome")
    lines = _lines_to_try()
    assert len(lines) > 4_000
    hits = 0
    for action in ("line", "tail", "closing", "opening", "player"):
        index = rules.index(action)
        for line in lines:
            normalized = normalize_line(line)
            # The reference: every rule of the action tried in turn.
            expected = next((r for r in rules.of_action(action) if r.matches(normalized)), None)
            assert index.first_match(normalized) is expected, (action, line)
            assert (expected in index.candidates(normalized, _folded(normalized))) or (
                expected is None
            )
            hits += expected is not None
    assert hits > 50


def _folded(normalized: str) -> tuple[str, str]:
    return normalized.casefold(), normalized.lower()


def test_normalize_line_folds_quotes_and_every_kind_of_space() -> None:
    assert (
        normalize_line("\u00a0 \u201cShare\u201d\u2003this\tstory\u2009\u2019 \n")
        == '"Share" this story \''
    )


def test_a_pipeline_loads_one_chrome_rule_set_for_every_stage_that_applies_it(
    tmp_path: Path,
) -> None:
    from dataclasses import replace

    from cleaner.pipeline import Pipeline, PipelineConfig

    default = PipelineConfig.load().without(["language", "repair", "grammar"])
    stages = {s.name: s for s in Pipeline(default).stages}
    assert stages["chrome"].rules is stages["captions"].rules is stages["tidy"].rules  # type: ignore[attr-defined]
    # A stage pointed at rules of its own gets them, and the others keep the shared set.
    own = tmp_path / "players.toml"
    own.write_bytes((REPO / "rules" / "chrome" / "players.toml").read_bytes())
    config = replace(default, options={"captions": {"rules": str(own)}})
    stages = {s.name: s for s in Pipeline(config).stages}
    captions_rules = stages["captions"].rules  # type: ignore[attr-defined]
    assert captions_rules is not stages["chrome"].rules  # type: ignore[attr-defined]
    assert {r.path for r in captions_rules.rules} == {own}
    assert stages["chrome"].rules is stages["tidy"].rules  # type: ignore[attr-defined]


def test_a_chrome_line_written_as_a_list_item_is_removed_and_an_article_item_stays() -> None:
    settings = StageSettings(options={}, rules_dir=REPO / "rules", languagetool_url=None)
    text = (
        "The river rose overnight and the bridge closed at dawn.\n"
        "- 11 min read\n"
        "• Share this article\n"
        "- Sandbags were handed out at the school gates.\n"
    )
    cleaned = chrome.build(settings)(Document(text=text, metadata={"format": "text"})).text
    assert "min read" not in cleaned and "Share this" not in cleaned
    assert "- Sandbags were handed out at the school gates." in cleaned
    assert chrome.list_item_text("- Share this") == "Share this"
    assert chrome.list_item_text("-5 degrees at night") == ""


def test_a_furniture_label_matches_with_an_added_colon_and_a_line_rule_as_written() -> None:
    settings = StageSettings(options={}, rules_dir=REPO / "rules", languagetool_url=None)
    article = (
        "The river rose overnight and the bridge closed at dawn.\n"
        "Sandbags were handed out at the school gates by volunteers.\n"
        "The council said the road would reopen once engineers had checked it.\n"
    )
    # The closing run of a WCXB tuning page (4045) ended in "Related Posts:" while the rule
    # lists "Related Posts".
    for closing in ("Related Posts:", "Related Posts", "Privacy Policy:"):
        doc = Document(text=article + closing + "\n", metadata={"format": "text"})
        assert chrome.build(settings)(doc).text == article
    # A listed "Disclaimer:" does not make a closing "Disclaimer" chrome: an AEB article
    # (CNBC) ends with that line.
    doc = Document(text=article + "Disclaimer\n", metadata={"format": "text"})
    assert chrome.build(settings)(doc).text == article + "Disclaimer\n"
    rules = load_chrome_rules(REPO / "rules" / "chrome")
    # A line rule matches its exact lines as written: "Commercial:" may head an article's list.
    assert rules.line_rule("Commercial") is not None
    assert rules.line_rule("Commercial:") is None


def _chrome_stage() -> chrome.ChromeStage:
    settings = StageSettings(options={}, rules_dir=REPO / "rules", languagetool_url=None)
    return chrome.build(settings)


def test_a_pitch_appended_to_a_paragraph_goes_alone_and_the_paragraph_stays() -> None:
    # newuser3's fidelity test (A3c): the whole line went, the news sentence with the pitch.
    news = "The board will meet again in June to settle the school's final budget."
    pitch = " Sign up for our newsletter to follow the story."
    text = f"{news}{pitch}\n\nThe head teacher said the cuts would fall on trips first.\n"
    cleaned = _chrome_stage()(Document(text=text, metadata={"format": "text"}))
    assert cleaned.text == text.replace(pitch, "")
    [edit] = cleaned.edits
    assert (edit.rule_id, edit.before, edit.after) == ("newsletter.sign-up-pitch", pitch, "")
    assert (edit.start, edit.end) == (len(news), len(news) + len(pitch))
    # Cleaning the output again removes nothing.
    again = _chrome_stage()(Document(text=cleaned.text, metadata={"format": "text"}))
    assert again.text == cleaned.text and not again.edits
    # A promo's own lead-in goes with it; a line that is all promo goes whole.
    text = "The bridge reopens on Friday. Want more? Subscribe to our free weekly newsletter.\n"
    got = _chrome_stage()(Document(text=text, metadata={"format": "text"})).text
    assert got == "The bridge reopens on Friday.\n"
    text = "Was this newsletter forwarded to you? Sign up to get it in your inbox.\n"
    assert _chrome_stage()(Document(text=text, metadata={"format": "text"})).text == ""


def test_a_last_sentences_flag_is_only_for_line_rules(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[[rules]]\nid = "a"\naction = "tail"\nexact = ["More"]\nlast_sentences = true\n'
        'examples = ["More"]\n',
    )
    with pytest.raises(RuleError, match="'last_sentences' must be true or false, and only on"):
        load_chrome_rules(path)


def test_items_of_the_article_s_list_stay_though_their_text_is_a_chrome_label() -> None:
    # newuser3's fidelity test (item 15): "- Comments", "- Advertisement" and "- Read more"
    # went from a packing list of the article's.
    text = (
        "Things to take to the fair:\n\n- Tent pegs\n- Rain cover\n- Torch\n- Comments\n"
        "- Advertisement\n- Read more\n"
    )
    assert _chrome_stage()(Document(text=text, metadata={"format": "text"})).text == text
    # A box of share links with one network no rule names is the page's (review): one
    # unnamed item kept the whole box.
    story = "The ferry will run again from Monday, the operator said.\n\n"
    box = "".join(
        f"- Share on {name}\n" for name in ("Facebook", "Twitter", "WhatsApp", "Bluesky")
    )
    got = _chrome_stage()(Document(text=story + box + "- Copy link\n", metadata={"format": "text"}))
    assert "Share on Facebook" not in got.text and "Copy link" not in got.text
    # A list all of whose items are chrome goes, as does a lone item between paragraphs.
    text = (
        "The river rose overnight and the bridge closed at dawn.\n\n- Advertisement\n- Read more\n\n"
        "Sandbags were handed out at the school gates.\n\n- See also: The floods of 1953\n\n"
        "The council said the road would reopen once engineers had checked it.\n"
    )
    got = _chrome_stage()(Document(text=text, metadata={"format": "text"})).text
    assert [line for line in got.split("\n") if line] == [
        "The river rose overnight and the bridge closed at dawn.",
        "Sandbags were handed out at the school gates.",
        "The council said the road would reopen once engineers had checked it.",
    ]
    assert chrome.list_run("a\n- x\n- y\n* z\n", 2, 6) == [(2, 6), (6, 10)]


def test_a_comments_heading_stays_over_prose_and_goes_over_a_comment_tail() -> None:
    # newuser3's fidelity test (item 15): a consultation's "Comments" section lost its heading.
    story = (
        "The town asked residents what they thought of the new bus routes.\n\n"
        "Background\n\nThe routes were first drawn up in 2021 after two depots closed.\n\n"
        "Comments\n\nNearly 3,000 people replied. Most backed the plan, though traders worried.\n\n"
        "Next steps\n\nThe town will publish the final routes in March.\n"
    )
    assert _chrome_stage()(Document(text=story, metadata={"format": "text"})).text == story
    # Its "Comments" section may be a list of the points made, and end the page (review).
    survey = (
        "The town asked residents what they thought of the new bus routes.\n\nComments\n\n"
        "- Buses too rare on Sundays\n- Route 4 should stop at the clinic\n"
    )
    assert _chrome_stage()(Document(text=survey, metadata={"format": "text"})).text == survey
    # Three AEB tuning pages end "Comments" then " comments": the page's comment section.
    article = (
        "The special flight landed at dawn, an airport official said.\n\n"
        "More than 300 people were on board, officials said on Friday.\n\n"
    )
    doc = Document(text=article + "Comments\n\n comments\n", metadata={"format": "text"})
    assert _chrome_stage()(doc).text.strip() == article.strip()


def test_a_box_line_behind_an_emoji_is_judged_by_its_words() -> None:
    # WCXB tuning page 0390's box: "🚀 Sign up for ... newsletter" above the article.
    story = "The river rose overnight and the bridge closed at dawn.\n\n"
    rest = "Sandbags were handed out at the school gates.\n"
    pitch = "🚀 Sign up for The Harbour newsletter\n\n"
    cleaned = _chrome_stage()(Document(text=story + pitch + rest, metadata={"format": "text"}))
    assert [line for line in cleaned.text.split("\n") if line] == [story.strip(), rest.strip()]
    # An emoji before an article's own line changes nothing, nor does "©" count as one.
    text = story + "🎉 The school reopened on Monday, a week early.\n\n© 2026 photo by the council\n"
    assert without_leading_emoji("🎉 The school reopened") == "The school reopened"
    assert without_leading_emoji("© 2026 Acme") == "© 2026 Acme"
    assert _chrome_stage()(Document(text=text, metadata={"format": "text"})).text.startswith(
        story + "🎉 The school reopened on Monday, a week early.\n"
    )
