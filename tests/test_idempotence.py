"""Cleaning clean output changes nothing: over generated documents and over the samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import REFERENCE, SPUN_DIR
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

WORDS = st.sampled_from(
    [
        "the",
        "council",
        "voted",
        "on",
        "monday",
        "to",
        "expand",
        "bus",
        "service",
        "across",
        "the",
        "city",
        "and",
        "officials",
        "said",
        "costs",
        "would",
        "rise",
        "by",
        "about",
        "five",
        "percent",
        "next",
        "year",
        "while",
        "critics",
        "warned",
    ]
)
SENTENCE = st.lists(WORDS, min_size=3, max_size=25).map(lambda w: " ".join(w).capitalize() + ".")
CHROME = st.sampled_from(
    [
        "Story continues below advertisement",
        "ADVERTISEMENT",
        "Get daily National news",
        "Click to play video: 'Council votes on bus plan'",
        "Council votes on bus plan",
        "Share this article",
        "Related Post",
        "Leave a Reply",
        "Watch: Council votes on bus plan",
        "Bus plan passes – National",
    ]
)
LINE = st.one_of(
    SENTENCE, SENTENCE, CHROME, st.just(""), st.just("   "), SENTENCE.map(lambda s: s + "  ")
)
DOCUMENT = st.lists(LINE, min_size=0, max_size=30).map("\n".join)


@settings(
    max_examples=int(os.environ.get("CLEANER_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(DOCUMENT)
# A player line whose next line is not its caption: that line stays, so it must count as
# article when the chrome stage judges whether "Leave a Reply" starts the tail.
@example(
    "The the the.\nClick to play video: 'Council votes on bus plan'\nThe the the.\n"
    "Leave a Reply\nThe the the.\nThe the the."
)
# Two player lines whose captions both match the third line: one caption line is removed
# once (this crashed the captions stage with overlapping edits).
@example(
    "Watch: Council votes on bus plan\nClick to play video: 'Council votes on bus plan'\n"
    "Council votes on bus plan"
)
def test_cleaning_is_idempotent_on_generated_documents(core_cleaner, text: str) -> None:  # type: ignore[no-untyped-def]
    once = core_cleaner.clean(text).text
    twice = core_cleaner.clean(once)
    assert twice.text == once
    assert not twice.applied_edits


@settings(
    max_examples=int(os.environ.get("CLEANER_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.text(max_size=300))
def test_arbitrary_unicode_never_crashes_and_is_idempotent(core_cleaner, text: str) -> None:  # type: ignore[no-untyped-def]
    once = core_cleaner.clean(text).text
    assert core_cleaner.clean(once).text == once


@pytest.mark.parametrize(
    "path", [REFERENCE, *sorted(SPUN_DIR.glob("*.txt"))], ids=lambda p: Path(p).name
)
def test_samples_are_idempotent(core_cleaner, path: Path) -> None:  # type: ignore[no-untyped-def]
    once = core_cleaner.clean(path.read_bytes()).text
    assert core_cleaner.clean(once).text == once
