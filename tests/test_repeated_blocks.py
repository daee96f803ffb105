"""A page that holds its article more than once gives it once (issue 17): runs of repeated
prose paragraphs go, single repeats and repeated short lines stay."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.repeated_blocks import drop_repeated_blocks

REPO = Path(__file__).resolve().parents[1]
WCXB = REPO / ".." / "shared" / "bench" / "wcxb-dev"

LEAD = "The ferry company added a late sailing on Fridays after a summer of full boats and queues."
MIDDLE = (
    "Islanders had asked for it for years; the council paid for the extra crew from its budget."
)
CLOSE = (
    "A spokesman said the timetable would be looked at again in spring, when the numbers are in."
)

MEALS = [
    "Breakfast: porridge [1 cup oats, 1 cup milk, 1 tsp honey, a handful of blueberries, walnuts]",
    "Lunch: lentil soup [1 cup red lentils, 1 carrot, 1 onion, 2 cups stock, a pinch of cumin seeds]",
]


def test_a_copied_article_comes_out_once() -> None:
    article = "\n".join(["Ferry adds a Friday sailing", LEAD, MIDDLE, CLOSE])
    assert drop_repeated_blocks(article + "\nShare this\n" + article) == article + "\nShare this"


def test_blank_lines_inside_a_copy_do_not_split_it() -> None:
    article = f"{LEAD}\n\n{MIDDLE}\n\n{CLOSE}"
    assert drop_repeated_blocks(f"{article}\n\n{article}") == article


@pytest.mark.parametrize(
    "text",
    [
        # a pull quote: one paragraph shown again inside the article
        f"{LEAD}\n{MIDDLE}\n{CLOSE}\n{MIDDLE}\nThe first late boat leaves on 4 July.",
        # repeated short lines: a refrain, list items, table rows
        "Chorus:\nWe sail at dawn\nWe sail at dawn\n- 1 kg flour\n- 1 kg flour\n| 09:00 | 12:00 |",
        # repeated data: a meal plan that lists the same long meal lines on two days
        "\n".join(
            [
                "Day 1",
                *MEALS,
                "Day 2",
                *MEALS,
            ]
        ),
        # list items repeated under two headings
        f"By post:\n- {LEAD}\n- {CLOSE}\nIn person:\n- {LEAD}\n- {CLOSE}",
        # two repeated paragraphs that are not next to each other
        f"{LEAD}\n{MIDDLE}\n{CLOSE}\n{LEAD}\nTimes below.\n{MIDDLE}",
        "",
    ],
)
def test_single_repeats_and_short_repeated_lines_stay(text: str) -> None:
    assert drop_repeated_blocks(text) == text


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


@pytest.mark.skipif(not WCXB.is_dir(), reason="WCXB pages not present")
@pytest.mark.parametrize("key", ["0355", "0151"])
def test_pages_holding_their_article_twice_give_it_once(key: str) -> None:
    # Tuning pages (bench/extraction_split.json): a cost guide whose page holds the article
    # three times (0355) and a lesson page holding its text twice (0151).
    html = gzip.decompress((WCXB / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
    gold = json.loads((WCXB / "ground-truth" / f"{key}.json").read_text())["ground_truth"]
    want = _words(gold["main_content"])
    doc = ExtractStage()(Document(html, {"format": "html"}))
    got = _words(doc.text)
    precision = sum((want & got).values()) / sum(got.values())
    recall = sum((want & got).values()) / sum(want.values())
    assert precision > 0.9
    assert recall > 0.95
    every_copy = ExtractStage(drop_repeated_blocks=False)(Document(html, {"format": "html"}))
    assert len(every_copy.text) > 1.8 * len(doc.text)
    # The drop is said in the metadata (the stage's edit covers the whole page).
    assert doc.metadata["repeated_lines_dropped"] > 0
    assert "repeated_lines_dropped" not in every_copy.metadata
