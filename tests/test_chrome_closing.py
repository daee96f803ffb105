"""The closing block: lines that are the site's when they end a page (an author bio, a
disclaimer, how the story was made) go as the document's last run, and stay anywhere else."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cleaner.document import Document
from cleaner.pipeline import Pipeline, PipelineConfig
from cleaner.registry import StageSettings
from cleaner.stages import chrome

REPO = Path(__file__).resolve().parents[1]
WCXB = REPO / ".." / "shared" / "bench" / "wcxb-dev"

ARTICLE = "\n\n".join(
    f"Paragraph {n} of the story about the new harbour wall and what it cost the town."
    for n in range(1, 5)
)
BIO = "Dana Whitfield is a freelance food writer based in Leeds."
NOTE = "This story was produced in partnership with a local newsroom."


def _chrome(text: str) -> Document:
    settings = StageSettings(options={}, rules_dir=REPO / "rules", languagetool_url=None)
    return chrome.build(settings)(Document(text=text, metadata={"format": "text"}))


def test_a_closing_run_after_the_last_paragraph_goes_whole() -> None:
    cleaned = _chrome(f"{ARTICLE}\n\n{BIO}\n\n{NOTE}\n")
    assert BIO not in cleaned.text and NOTE not in cleaned.text
    assert cleaned.text.rstrip().endswith("what it cost the town.")
    assert {edit.rule_id for edit in cleaned.edits} == {
        "closing.author-bio",
        "closing.story-note",
    }
    again = _chrome(cleaned.text)
    assert again.text == cleaned.text and not again.edits


def test_a_closing_line_inside_the_article_stays() -> None:
    text = f"{ARTICLE}\n\n{BIO}\n\nThe wall opens to walkers in May, the council said.\n"
    assert _chrome(text).text == text


@pytest.mark.parametrize(
    "source_line",
    [
        "Lopez is the executive director of the Tenants Union, which has 4,000 members.",
        "Chen is a professor of medicine at Stanford and has studied the disease since 2004.",
    ],
)
def test_a_news_story_ending_on_one_of_its_sources_keeps_that_line(source_line: str) -> None:
    # A story often ends by saying who a quoted source is: that line is the article's, not a
    # bio of the writer, and only a writing trade marks a bio.
    text = f"{ARTICLE}\n\n{source_line}\n"
    assert _chrome(text).text == text


def test_a_closing_run_with_too_little_article_before_it_stays() -> None:
    text = f"A short note.\n\n{BIO}\n\n{NOTE}\n"
    assert _chrome(text).text == text


def test_a_closing_run_after_a_tail_marker_does_not_move_the_tail_decision() -> None:
    # The bio is not counted as article after "Related Articles": the marker's cut is the same
    # whether the bio is there or not, so that the output cleaned again is unchanged.
    text = f"{ARTICLE}\n\nRelated Articles\n\nAnother story\n\n{BIO}\n"
    cleaned = _chrome(text)
    assert "Related Articles" not in cleaned.text and BIO not in cleaned.text
    assert _chrome(cleaned.text).text == cleaned.text


@pytest.mark.skipif(not WCXB.exists(), reason="WCXB pages not present")
def test_a_web_page_keeps_its_last_paragraph_and_a_bio_that_names_no_writing_trade() -> None:
    # A tuning page of the WCXB development split (bench/extraction_split.json): a review
    # that ends with its rating and then the author's bio. The bio calls the author a
    # "director", a role a story's quoted source has as often: it stays (fidelity first).
    raw = gzip.decompress((WCXB / "html" / "0039.html.gz").read_bytes())
    pipeline = Pipeline(PipelineConfig.load().without(["repair", "grammar"]))
    text = pipeline.clean_bytes(raw, {"format": "html"}).text
    assert "comes with five attachments at no additional cost" in text
    assert "is the health and fitness director at" in text


# A story's own last sentence that opens like a site's sign-up pitch or speaks of a team or
# an inbox (review): closing rules for such pitches took these and were withdrawn; no rule may
# take them back.
STORY_ENDINGS = [
    "Sign up for the larger bins closes on 31 March, and late requests will not be accepted.",
    "Subscribe to the festival's channel and you can watch every talk live, the organisers said.",
    '"Our team is here to help anyone who knocks, whatever the hour," she said.',
    "Phishing messages like these are delivered to your inbox when people are least careful.",
    "The new filter means spam will no longer be delivered to your inbox.",
]


@pytest.mark.parametrize("ending", STORY_ENDINGS)
def test_a_story_ending_like_a_pitch_stays(ending: str) -> None:
    text = f"{ARTICLE}\n\n{ending}\n"
    assert _chrome(text).text == text
