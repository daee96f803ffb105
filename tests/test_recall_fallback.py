"""The recall-mode fallback of the extract stage (cleaner.stages.recall_fallback): the recall
output replaces a precise output that it holds and extends with sentences and list items,
and nothing else."""

from __future__ import annotations

import doctest
import gzip
import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from cleaner.document import Document
from cleaner.stages import recall_fallback
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_extraction import HtmlExtractor, escape_ampersands, text_runs
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.recall_fallback import (
    DIRECT_SEARCH_CHARS,
    held_runs,
    hole_words,
    may_be_short,
    may_hold_pruned_text,
    recall_reason,
)

REPO = Path(__file__).resolve().parents[1]
WCXB = REPO / ".." / "shared" / "bench" / "wcxb-dev"
AEB = REPO / ".." / "shared" / "bench" / "aeb"
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


KEY_POINTS_PAGE = """<html><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Council passes the budget</h1>
<p>The council met on Monday evening and passed the budget for the coming year.</p>
<div class="key-points"><ul>
<li>The roads of the north district get new street lights before the winter.</li>
<li>Every school in the district gets a new roof within two years.</li>
<li>Bus fares stay as they are for pupils and for people over sixty.</li>
</ul></div>
<p>The vote was close: eleven members for the budget and nine against it, after a long debate.</p>
</article>
<aside><ul>
<li><a href="/a">Read our other stories about the council and its members.</a></li>
<li><a href="/b">Sign up to our newsletter for the week's news from the district.</a></li>
</ul></aside>
</body></html>"""


def test_the_gate_counts_sentences_the_output_lacks_inside_its_span_only() -> None:
    tree = parse_html(KEY_POINTS_PAGE)
    assert tree is not None
    runs = text_runs(tree)
    paragraphs = [run for run in runs if run.startswith(("The council met", "The vote was"))]
    # An output holding the two paragraphs lacks the three key points between them (13 + 12
    # + 13 words); the sidebar's sentences after its last paragraph are not holes.
    precise = "\n".join(paragraphs)
    assert hole_words(precise, runs) == 38
    # The same key points before the output's first paragraph or after its last one are not
    # inside the article's span either.
    assert hole_words(paragraphs[1], runs) == 0
    # An output holding all of the article has no hole; one holding nothing may be any box.
    assert hole_words("\n".join(runs[:5]), runs) == 0
    assert hole_words("", runs) == sum(len(re.findall(r"\w+", run)) for run in runs)


def test_the_gate_asks_for_enough_missing_words_for_a_switch() -> None:
    sentence = "The roads of the north district get new street lights before the winter."
    runs = ["First paragraph of the story, long enough to count.", *[sentence] * 4, "Last one."]
    precise = f"{runs[0]}\n{runs[-1]}"
    assert hole_words(precise, runs) == 52
    assert may_hold_pruned_text(precise, runs)
    # Too few words missing for the recall output to add what a switch needs.
    assert not may_hold_pruned_text(precise, [*runs[:2], runs[-1]])
    # Enough words, but a small share of a long output.
    long_precise = "\n".join([runs[0], *[f"{sentence} Line {n}." for n in range(50)], runs[-1]])
    assert not may_hold_pruned_text(long_precise, runs)


def _precise_output(html: str) -> tuple[str, list[str]]:
    """The stage's precise output of a page and the page's text runs, as the gate sees them."""
    tree = parse_html(html)
    assert tree is not None
    escape_ampersands(tree)
    runs = text_runs(tree)
    return HtmlExtractor()._extract(tree, None, runs).get("text") or "", runs


@pytest.mark.skipif(not WCXB.is_dir(), reason="WCXB pages not present")
def test_the_gate_lets_a_page_whose_key_points_were_pruned_through() -> None:
    # WCXB tuning page 4519: a policy paper whose bulleted key points the precise extraction
    # drops, between its intro and its body; the recall output gives them back.
    html = gzip.decompress((WCXB / "html" / "4519.html.gz").read_bytes()).decode("utf-8")
    precise, runs = _precise_output(html)
    assert may_be_short(precise, sum(map(len, runs)))
    assert hole_words(precise, runs) > 100
    assert may_hold_pruned_text(precise, runs)


@pytest.mark.skipif(not AEB.is_dir(), reason="AEB pages not present")
def test_the_gate_skips_a_page_whose_short_output_is_the_whole_article() -> None:
    # AEB tuning page 1f765c48: the output is 0.43 of the page's text runs (comments and
    # teasers around the article), so the share of text runs alone asked for the recall run,
    # but it is the whole article (recall 1.0 against the ground truth): nothing missing
    # inside it, no recall run.
    path = next((AEB / "html").glob("1f765c487806*.html.gz"))
    html = gzip.decompress(path.read_bytes()).decode("utf-8")
    precise, runs = _precise_output(html)
    assert may_be_short(precise, sum(map(len, runs)))
    assert not may_hold_pruned_text(precise, runs)
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    assert _recall(truth[path.name.removesuffix(".html.gz")]["articleBody"], precise) > 0.99


def _recall(gold: str, text: str) -> float:
    want = Counter(re.findall(r"\w+", gold.lower()))
    got = Counter(re.findall(r"\w+", text.lower()))
    return sum((want & got).values()) / sum(want.values())


@pytest.mark.skipif(not WCXB.is_dir(), reason="WCXB pages not present")
@pytest.mark.parametrize("key", ["4111", "0118", "0344", "4801"])
def test_article_parts_the_precise_pruning_drops_are_kept(key: str) -> None:
    # Tuning pages (bench/extraction_split.json) where every other mode keeps only part of
    # the article: an empty precise output (4111), a list of accounting principles (0118),
    # paragraphs in <div>s beside the <p> elements (0344, 4801). Recall before: 0.00, 0.49,
    # 0.39, 0.62. (4519, the bulleted key points of a policy paper, 0.65, now keeps them
    # without the recall run: its article container is named for trafilatura,
    # cleaner.stages.unmarked_article.)
    html = gzip.decompress((WCXB / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
    gold = json.loads((WCXB / "ground-truth" / f"{key}.json").read_text())["ground_truth"]
    doc = ExtractStage()(Document(html, {"format": "html"}))
    assert _recall(gold["main_content"], doc.text) > 0.8
    assert "the recall extraction holds the precise one" in doc.metadata["extraction_fallback"]


def test_docstring_examples_hold() -> None:
    outcome = doctest.testmod(recall_fallback)
    assert outcome.attempted > 0
    assert outcome.failed == 0


def test_held_runs_are_the_runs_the_output_contains() -> None:
    flat = "The roads get lights. Über die Straße. the roads get lights again"
    runs = [
        "The roads get lights.",
        "roads get",  # inside another run
        "lights again",  # overlaps the end of another match
        "the roads get lights again",
        "Straße.",
        "The Roads",  # case matters
        "",
        "absent run.",
        "The roads get lights.",  # twice
    ]
    assert held_runs(flat, runs) == {run for run in runs if run in flat}
    assert held_runs(flat, []) == {""}
    # Past DIRECT_SEARCH_CHARS the runs are searched in one pass: the same answer.
    padded = flat + " " + "x" * (DIRECT_SEARCH_CHARS // len(runs))
    assert len(runs) * len(padded) > DIRECT_SEARCH_CHARS
    assert held_runs(padded, runs) == {run for run in runs if run in flat}


def test_hole_words_cost_one_pass_over_the_output() -> None:
    # 20,000 text runs and a 1 MB output: one search of the output per run (twice) took 8 s.
    runs = [
        f"Paragraph {n} of the council minutes records the vote on item {n}." for n in range(20_000)
    ]
    text = "\n".join(runs[::2]) * 3
    assert len(text) > 1_000_000
    started = time.process_time()
    assert hole_words(text, runs) == sum(len(re.findall(r"\w+", run)) for run in runs[1:-1:2])
    assert time.process_time() - started < 3.0  # generous: about 0.3 s
