"""The reference article through the issue-2 stages: chrome out, every other line untouched."""

from __future__ import annotations

from conftest import REPO

GOLDEN = REPO / "tests" / "golden" / "reference.core.txt"
TITLE = "Trump speaks with Putin as he considers selling Ukraine long-range missiles"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_reference_matches_golden(core_cleaner, reference_bytes) -> None:  # type: ignore[no-untyped-def]
    result = core_cleaner.clean(reference_bytes, {"source": "reference"})
    assert result.text == GOLDEN.read_text(encoding="utf-8")


def test_reference_removes_exactly_the_chrome(core_cleaner, reference_bytes) -> None:  # type: ignore[no-untyped-def]
    source = reference_bytes.decode("utf-8")
    result = core_cleaner.clean(reference_bytes)
    before, after = _lines(source), _lines(result.text)
    removed = [
        line
        for line in before
        if line not in after and not line.startswith("Trump speaks with Putin")
    ]

    # The issue text says seven; the sample holds six such lines (grep agrees), all removed.
    assert sum(line == "Story continues below commercial" for line in removed) == 6
    players = [line for line in removed if line.startswith("Click to play video: '")]
    assert len(players) == 4
    for player in players:
        caption = player[len("Click to play video: '") : -1]
        # The caption line follows its player line; the last one is spun ("haven't any
        # alternative", "attempting"), so compare the opening words.
        assert any(line.startswith(caption[:22]) for line in removed if line != player)
    assert "Get day by day National news" in removed
    assert sum("delivered to your inbox once a day" in line for line in removed) == 2
    assert removed[-2:] == ["Related Post", "Leave a Reply"]
    assert len(removed) == 6 + 4 * 2 + 3 + 2

    # Every other line is unchanged, character for character, and in order.
    kept = [line for line in before if line not in removed]
    assert kept[0].endswith(" – National")
    assert after[0] == TITLE
    assert after[1:] == kept[1:]


def test_reference_edit_log_names_stage_rule_and_line(core_cleaner, reference_bytes) -> None:  # type: ignore[no-untyped-def]
    result = core_cleaner.clean(reference_bytes)
    chrome = [e for e in result.edits if e.stage == "chrome"]
    assert {e.rule_id for e in chrome} >= {"ad-slug.story-continues", "newsletter.get-daily-news"}
    first = next(e for e in chrome if e.rule_id == "ad-slug.story-continues")
    assert (
        first.line == 11
        and first.before == "Story continues below commercial\n"
        and first.after == ""
    )
    title = [e for e in result.edits if e.stage == "tidy" and e.before == " – National"]
    assert len(title) == 1 and title[0].line == 1
    assert result.metadata["chrome_lines_removed"] == 19


def test_reference_is_idempotent(core_cleaner) -> None:  # type: ignore[no-untyped-def]
    golden = GOLDEN.read_text(encoding="utf-8")
    again = core_cleaner.clean(golden)
    assert again.text == golden
    assert [e for e in again.edits if e.applied] == []


def test_corpus_copy_is_the_reference(reference_bytes) -> None:  # type: ignore[no-untyped-def]
    assert (REPO / "corpus" / "raw" / "000_4b0a173bbebc4d8d.txt").read_bytes() == reference_bytes
