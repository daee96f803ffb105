"""The recall-mode fallback of the extract stage (cleaner.stages.recall_fallback): the recall
output replaces a precise output that it holds and extends with sentences and list items,
and nothing else."""

from __future__ import annotations

import doctest
import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from cleaner.document import Document
from cleaner.stages import recall_fallback
from cleaner.stages.extract import ExtractStage
from cleaner.stages.recall_fallback import may_be_short, recall_reason

REPO = Path(__file__).resolve().parents[1]
WCXB = REPO / ".." / "shared" / "bench" / "wcxb-dev"
INTRO = "Financial information must be assembled and reported objectively by every firm."
PRINCIPLES = [
    f"- Principle of {name}: the accounts reflect in good faith the reality of the company."
    for name in ("regularity", "sincerity", "prudence", "periodicity")
]


def test_recall_output_that_adds_list_items_to_the_precise_one_replaces_it() -> None:
    reason = recall_reason(INTRO, "\n".join([INTRO, *PRINCIPLES]))
    assert "holds the precise one" in reason


def test_recall_output_adding_only_navigation_or_headings_does_not_replace_it() -> None:
    extras = ["Home", "Services", "Contact us", "Our team", "Pricing plans", "Log in"]
    assert recall_reason(INTRO, "\n".join([INTRO, *extras])) == ""
    headings = [f"Chapter {n} of the accounting guide for small firms" for n in range(8)]
    assert recall_reason(INTRO, "\n".join([INTRO, *headings])) == ""


def test_recall_output_that_drops_the_precise_text_does_not_replace_it() -> None:
    # A different box that happens to hold more sentences: not the same article extended.
    precise = "\n".join(PRINCIPLES)
    other = "\n".join(f"{INTRO} Story {n} of the week." for n in range(8))
    assert recall_reason(precise, other) == ""


def test_recall_output_adding_a_few_words_does_not_replace_it() -> None:
    long_precise = "\n".join(f"{INTRO} Paragraph {n}." for n in range(40))
    assert recall_reason(long_precise, "\n".join([long_precise, *PRINCIPLES])) == ""


def test_an_empty_precise_output_takes_the_recall_output() -> None:
    assert recall_reason("", "\n".join([INTRO, *PRINCIPLES]))
    assert recall_reason("", "") == ""


def test_recall_run_is_asked_for_only_when_the_output_is_short_of_the_page_text() -> None:
    assert may_be_short("x" * 500, 1000)
    assert not may_be_short("x" * 900, 1000)
    assert not may_be_short("", 0)


def _recall(gold: str, text: str) -> float:
    want = Counter(re.findall(r"\w+", gold.lower()))
    got = Counter(re.findall(r"\w+", text.lower()))
    return sum((want & got).values()) / sum(want.values())


@pytest.mark.skipif(not WCXB.is_dir(), reason="WCXB pages not present")
@pytest.mark.parametrize("key", ["4111", "0118", "4519", "0344", "4801"])
def test_article_parts_the_precise_pruning_drops_are_kept(key: str) -> None:
    # Tuning pages (bench/extraction_split.json) where every other mode keeps only part of
    # the article: an empty precise output (4111), a list of accounting principles (0118),
    # the bulleted key points of a policy paper (4519), paragraphs in <div>s beside the <p>
    # elements (0344, 4801). Recall before: 0.00, 0.49, 0.65, 0.39, 0.62.
    html = gzip.decompress((WCXB / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
    gold = json.loads((WCXB / "ground-truth" / f"{key}.json").read_text())["ground_truth"]
    doc = ExtractStage()(Document(html, {"format": "html"}))
    assert _recall(gold["main_content"], doc.text) > 0.8
    assert "the recall extraction holds the precise one" in doc.metadata["extraction_fallback"]


def test_docstring_examples_hold() -> None:
    outcome = doctest.testmod(recall_fallback)
    assert outcome.attempted > 0
    assert outcome.failed == 0
