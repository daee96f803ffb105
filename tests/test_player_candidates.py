"""The captions stage finds the lines a player rule could match in one pass over the text
(RuleIndex.candidate_line_starts) and works only on them: it must never miss a line the
per-line test would try, and the blocks it removes must be the ones trying every line
removes."""

from __future__ import annotations

import json

from conftest import REPO, sample_texts

from cleaner.document import Document, TextLines, line_spans
from cleaner.rules.chrome import fold_line, load_chrome_rules
from cleaner.rules.players import player_removals
from cleaner.rules.text import normalize_line
from cleaner.stages.captions import CaptionsStage

RULES = load_chrome_rules(REPO / "rules" / "chrome")
PLAYERS = RULES.index("player")

TRICKY = [
    # Curly quotes, doubled and no-break spaces, capitals, a long s: the per-line test
    # normalises them all; the one-pass search looks for plain stretches of the triggers.
    "Intro line with several words here.\nWATCH  NOW: Floods\u00a0hit the coast again\n"
    "Floods hit the coast again\nIntro line with several words here.\nEnd.",
    "Lead.\n\nClick to play video: \u2018Storm floods coastal towns\u2019\n\n"
    "Storm floods coastal towns\n\nAfter.",
    "Lead.\n   \nIn  Pictures: the long night\nthe long night\n\u017fome text\n",
    "A line without any of them.\nAnother one.\n",
    "Stra\u00dfe line first\nWatch: a gr\u00fc\u00dfe clip\na gr\u00fc\u00dfe clip\n",
]


def _texts() -> list[str]:
    texts = [*TRICKY, *sample_texts()]
    truth = REPO.parent / "shared" / "bench" / "aeb" / "ground-truth.json"
    for article in json.loads(truth.read_text(encoding="utf-8")).values():
        texts.append(str(article.get("articleBody", "")))
    for path in (REPO / "rules" / "chrome").glob("*.toml"):
        texts.append(path.read_text(encoding="utf-8").replace("\\n", "\n"))
    return texts


def _non_blank_lines(text: str) -> TextLines:
    return TextLines(text, (s for s in line_spans(text) if text[s[0] : s[1]].strip()))


def test_one_pass_finds_every_line_the_per_line_test_would_try() -> None:
    told = tried = 0
    for text in _texts():
        starts = PLAYERS.candidate_line_starts(text)
        if starts is None:
            continue
        told += 1
        for offset, line in _non_blank_lines(text):
            normalized = normalize_line(line)
            if PLAYERS.candidates(normalized, fold_line(normalized)):
                assert offset in starts, line
                tried += 1
    assert told > 100 and tried > 50


def test_a_text_whose_case_folding_changes_its_length_is_left_to_the_per_line_test() -> None:
    assert PLAYERS.candidate_line_starts(TRICKY[-1]) is None  # "ß" folds to "ss"
    assert PLAYERS.candidate_line_starts(TRICKY[3]) == set()


def test_the_blocks_removed_are_those_trying_every_line_removes() -> None:
    removing = 0
    for text in _texts():
        lines = _non_blank_lines(text)
        every_line = player_removals(RULES, lines, set())
        one_pass = player_removals(
            RULES, lines, set(), candidates=PLAYERS.candidate_line_starts(text)
        )
        assert one_pass == every_line, text[:200]
        removing += bool(every_line)
    assert removing >= 4


def test_a_copy_left_next_to_an_unnormalised_line_still_goes() -> None:
    # The line before the block is no candidate and is not normalised when passed; the
    # copy after the block must still be compared with it, quotes and spaces normalised.
    text = (
        "The \u201cmayor\u201d  spoke for an hour today.\n"
        "Watch: Firefighters battle blaze in old town\n"
        "Firefighters battle blaze in old town\n"
        'The "mayor" spoke for an hour today.\n'
        "More text follows here.\n"
    )
    cleaned = CaptionsStage(RULES)(Document(text))
    assert (
        cleaned.text == "The \u201cmayor\u201d  spoke for an hour today.\nMore text follows here.\n"
    )
    assert [e.rule_id for e in cleaned.edits] == [
        "player.watch-video-label",
        "player.watch-video-label.caption",
        "chrome.repeated-line",
    ]
