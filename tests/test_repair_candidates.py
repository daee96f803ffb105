"""The candidate layer of the repair stage: shipped candidate files hold their examples and
keeps with the real model, the layer fires only in documents the gate calls spun, and never
on clean news through the default pipeline."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace

import pytest
from conftest import AEB_TRUTH, REPO, SHARED

from cleaner import Cleaner
from cleaner.candidate_check import candidate_problems, check_whole
from cleaner.document import Document
from cleaner.lm import TrigramModel
from cleaner.registry import StageSettings
from cleaner.rules.candidates import SPUN_ENGLISH, Candidate, load_candidates
from cleaner.stages import repair as repair_stage

CANDIDATES = REPO / "rules" / "candidates"
SHIPPED = load_candidates(CANDIDATES)
# Files whose margins were set above the model's margins in clean news: the model alone leaves
# clean text alone. The others ("spinner-rate") rely on the gate for that.
CLEAN_CALIBRATED = [
    c
    for c in SHIPPED
    if tomllib.loads(c.path.read_text(encoding="utf-8"))["meta"].get("calibration", "clean")
    == "clean"
]
# Two unambiguous spinner signatures ("this 12 months", "one in all") open the gate.
SIGNATURES = "Prices rose this 12 months. It is one in all the best results. "


@pytest.fixture(scope="module")
def model() -> TrigramModel:
    return TrigramModel.load()


@pytest.fixture(scope="module")
def stage() -> repair_stage.RepairStage:
    return repair_stage.build(StageSettings(rules_dir=REPO / "rules"))


def test_candidates_ship_in_rules_candidates() -> None:
    assert len(SHIPPED) >= 30
    assert all(c.rule_id.startswith("candidates.") and c.keep for c in SHIPPED)


@pytest.mark.parametrize("candidate", SHIPPED, ids=lambda c: c.rule_id)
def test_shipped_candidate_examples_and_keeps(candidate: Candidate, model: TrigramModel) -> None:
    problems = candidate_problems(candidate, model)
    assert not problems, "\n".join(str(p) for p in problems)


def test_shipped_candidates_hold_together(model: TrigramModel) -> None:
    problems = check_whole(SHIPPED, model)
    assert not problems, "\n".join(str(p) for p in problems)


def _candidate_edits(doc: Document) -> list[str]:
    return [f"{e.before}->{e.after}" for e in doc.edits if e.rule_id.startswith("candidates.")]


def test_the_layer_runs_only_when_the_gate_calls_the_document_spun(
    stage: repair_stage.RepairStage,
) -> None:
    # "telephones" has no precise rule: only the candidate layer can repair it.
    sentence = "The new telephones cost $999 at launch."
    assert _candidate_edits(stage(Document(sentence))) == []
    out = stage(Document(SIGNATURES + sentence))
    assert out.text.endswith("The new phones cost $999 at launch.")
    [edit] = [e for e in out.edits if e.rule_id == "candidates.telephones"]
    assert edit.stage == "repair"
    assert edit.message.startswith("layer candidate: the language model prefers it by ")
    assert "gate score " in edit.message


def test_candidate_edits_are_offsets_into_the_stage_input(
    stage: repair_stage.RepairStage,
) -> None:
    """One edit log for the whole stage: replayed on the input, the edits give the output,
    although the precise rules changed the text before the candidates were judged."""
    doc = Document(SIGNATURES + "The new telephones cost $999.")
    out = stage(doc)
    assert any(e.rule_id == "candidates.telephones" for e in out.edits)
    pieces, cursor = [], 0
    for edit in sorted(out.edits, key=lambda e: e.start):
        assert doc.text[edit.start : edit.end] == edit.before
        pieces += [doc.text[cursor : edit.start], edit.after]
        cursor = edit.end
    assert "".join(pieces) + doc.text[cursor:] == out.text


def test_the_layer_leaves_other_languages_alone(stage: repair_stage.RepairStage) -> None:
    doc = Document(SIGNATURES + "The Senate passed the spending invoice on Friday.")
    out = stage(doc.with_metadata(language="fr"))
    assert _candidate_edits(out) == []


def test_the_layer_can_be_disabled_like_a_theme() -> None:
    stage = repair_stage.build(
        StageSettings(rules_dir=REPO / "rules", options={"disable": ["candidates"]})
    )
    assert stage.candidates is None


def test_a_spun_tuning_page_gets_candidate_repairs() -> None:
    page = SHARED / "data" / "spun-dev" / "pages" / "004.txt"  # a tuning page
    text = page.read_text(encoding="utf-8").split("\n", 1)[1]
    result = Cleaner.from_config(skip=["grammar"]).clean(text)
    edits = [e for e in result.edits if e.rule_id.startswith("candidates.")]
    assert "candidates.handed" in {e.rule_id for e in edits}  # "invoice" is the precise layer's now
    assert all("layer candidate" in e.message for e in edits)


def test_never_fires_on_clean_news_through_the_default_pipeline() -> None:
    bodies = [v["articleBody"] for v in json.loads(AEB_TRUTH.read_text(encoding="utf-8")).values()]
    assert len(bodies) == 181
    cleaner = Cleaner.from_config(skip=["grammar"])
    fired = [
        (i, edit) for i, body in enumerate(bodies) for edit in _candidate_edits(cleaner.clean(body))
    ]
    assert fired == []


def test_clean_news_holds_even_with_the_gate_forced_open(model: TrigramModel) -> None:
    """The clean-calibrated margins were set so the model alone would not fire in clean news
    either."""
    from cleaner.rules.candidates import CandidatePack

    assert len(CLEAN_CALIBRATED) < len(SHIPPED)  # the spinner-rate file is left out here...
    bodies = [v["articleBody"] for v in json.loads(AEB_TRUTH.read_text(encoding="utf-8")).values()]
    pack = CandidatePack(CLEAN_CALIBRATED, model)
    judged = [m for body in bodies for m in pack.judge(body)]
    assert len(judged) > 100  # the spun forms do occur in clean news...
    assert [m.rule_id for body in bodies for m in pack.find(body)] == []  # ...and stay


def test_the_candidate_layer_follows_the_gate_decision_alone(
    stage: repair_stage.RepairStage,
) -> None:
    """The stage checks the language once and decides the gate; the candidate layer only reads
    the decision: a document called not spun gets nothing, whatever its text."""
    assert stage.candidates is not None
    doc = Document(SIGNATURES + "The new telephones cost $999 at launch.")
    spun = stage.candidates.replacements(doc, SPUN_ENGLISH)
    assert [r.after for r in spun] == ["phones"]
    assert stage.candidates.replacements(doc, replace(SPUN_ENGLISH, spun=False)) == []
    # An undetermined language is repaired as English, the gate still deciding.
    assert _candidate_edits(stage(doc.with_metadata(language="und")))
