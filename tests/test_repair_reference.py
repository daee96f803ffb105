"""The repair stage on the reference article, the spun samples and clean news.

Reference: every clearly spun span listed below is repaired and nothing else changes. Clean
text (the 181 AEB ground-truth bodies): at most 1 edit per 10,000 words.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.document import Document
from cleaner.registry import StageSettings
from cleaner.stages import repair as repair_stage

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"
REFERENCE = SHARED / "samples" / "000_4b0a173bbebc4d8d.txt"
SPUN = sorted((SHARED / "samples" / "spun").glob("*.txt"))
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"

# 1-based line -> (spun span, repaired span), applied left to right on that line.
EXPECTED: dict[int, list[tuple[str, str]]] = {
    7: [("Thanks to your attention", "Thank you for your attention")],
    9: [
        ("on Friday on the White House", "on Friday at the White House"),
        ("to finish the war", "to end the war"),
    ],
    13: [
        ("as a method to pressure him to finish", "as a way to pressure him to end"),
        ("I feel I would", "I think I would"),
    ],
    26: [
        ("to carry direct talks", "to hold direct talks"),
        ("to finish the war", "to end the war"),
        ("its fourth 12 months", "its fourth year"),
    ],
    32: [("happened within the Middle", "happened in the Middle")],
    41: [
        ("lots of of its", "many of its"),
        ("priority now’s ending", "priority now is ending"),
        ("the most important armed", "the biggest armed"),
    ],
    45: [("Get day by day National", "Get daily National")],
    49: [("we have now to get", "we have to get"), ("If you happen to", "If you")],
    55: [("this 12 months.", "this year.")],
    61: [("He’d wish to", "He’d like to"), ("We have now a number", "We have a number")],
    63: [
        ("an analyst on the conservative", "an analyst at the conservative"),
        ("But it surely could", "But it could"),
    ],
    # "attempting": the candidate layer (the caption on line 66 quotes the unspun "trying").
    69: [("attempting to make", "trying to make"), ("the approaching winter", "the coming winter")],
    72: [
        (
            "could possibly be higher served within the near term",
            "could be better served in the near term",
        ),
        ("Prolonged Range", "Extended Range"),
        ("generally known as ATACMS", "known as ATACMS"),
        ("earlier this 12 months", "earlier this year"),
    ],
    76: [("a spread of about", "a range of about")],
    78: [
        ("decision because it is a military", "decision as it is a military"),
        ("inside several hundred", "within several hundred"),
        ("It will possibly be", "It can be"),
    ],
    82: [("is predicted to", "is expected to"), ("to this point", "so far")],
    84: [
        ("weighed laws that", "weighed legislation that"),
        ("to chop off their", "to cut off their"),
        ("one in all Russia’s", "one of Russia’s"),
    ],
    92: [("haven’t any alternative", "have no choice")],
    95: [
        ("is laws within the Senate", "is legislation in the Senate"),
        ("an try to", "an attempt to"),
    ],
    97: [
        ("to maneuver forward", "to move forward"),
        ("interest within the bill", "interest in the bill"),
    ],
    99: [
        ("through the laws in depth", "through the legislation in depth"),
        ("in line with two officials", "according to two officials"),
        ("an indication that", "a sign that"),
        ("serious concerning the laws, sponsored", "serious about the legislation, sponsored"),
        ("together with Sen.", "along with Sen."),
    ],
    101: [
        ("to be sure that that", "to ensure that"),
        ("anonymity to debate", "anonymity to discuss"),
    ],
}


@pytest.fixture(scope="module")
def stage() -> repair_stage.RepairStage:
    return repair_stage.build(StageSettings(rules_dir=REPO / "rules"))


def test_reference_spans_repaired_and_nothing_else(stage: repair_stage.RepairStage) -> None:
    raw = REFERENCE.read_text(encoding="utf-8")
    out = stage(Document(text=raw))
    before_lines, after_lines = raw.split("\n"), out.text.split("\n")
    assert len(before_lines) == len(after_lines)
    for number, (before, after) in enumerate(zip(before_lines, after_lines, strict=True), start=1):
        expected = before
        for spun, repaired in EXPECTED.get(number, []):
            assert spun in expected, f"line {number}: {spun!r} not found in the sample"
            expected = expected.replace(spun, repaired, 1)
        assert after == expected, f"line {number}"
    assert {edit.line for edit in out.edits} == set(EXPECTED)
    assert out.metadata["spin_gate"]["spun"]
    assert out.metadata["spin_score_after"] == 0.0


@pytest.mark.parametrize("path", SPUN, ids=lambda p: p.name)
def test_spun_samples_lose_their_signatures(stage: repair_stage.RepairStage, path: Path) -> None:
    out = stage(Document(text=path.read_text(encoding="utf-8")))
    assert out.metadata["spin_gate"]["spun"]
    assert out.metadata["spin_score_after"] == 0.0
    assert stage(out).text == out.text


def test_clean_news_is_left_alone(stage: repair_stage.RepairStage) -> None:
    bodies = [entry["articleBody"] for entry in json.loads(AEB_TRUTH.read_text()).values()]
    assert len(bodies) == 181
    words = sum(len(body.split()) for body in bodies)
    edits = [
        (edit.rule_id, edit.before) for body in bodies for edit in stage(Document(text=body)).edits
    ]
    assert len(edits) * 10_000 <= words, edits
