"""The spin gate: decided on the repair stage's input, from unambiguous signatures only.

Spun samples and tuning pages are called spun; the 181 clean AEB bodies are not, carry no
signature at all, and the ambiguous rules never run on them. Non-English documents are left
alone with the reason recorded.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from cleaner.document import Document
from cleaner.registry import StageSettings
from cleaner.rules.repair import RepairPack, RepairRule, load_rules
from cleaner.spin import GateDecision, spin_gate
from cleaner.stages import repair as repair_stage

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "samples" / "000_4b0a173bbebc4d8d.txt"
SAMPLES = [REFERENCE, *sorted((SHARED / "samples" / "spun").glob("*.txt"))]
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"


def _aeb_bodies() -> list[str]:
    return [entry["articleBody"] for entry in json.loads(AEB_TRUTH.read_text()).values()]


@pytest.fixture(scope="module")
def pack() -> RepairPack:
    return RepairPack(load_rules(REPO / "rules" / "repairs"))


@pytest.fixture(scope="module")
def stage() -> repair_stage.RepairStage:
    return repair_stage.build(StageSettings(rules_dir=REPO / "rules"))


def _rule(rule_id: str, phrase: str, replace: str, **fields: object) -> RepairRule:
    data: dict[str, object] = {"examples": ((phrase, replace),), "keep": ("k",)}
    data.update(fields)
    return RepairRule(
        rule_id=rule_id, path=Path("t.toml"), line=1, replace=replace, phrase=phrase, **data
    )  # type: ignore[arg-type]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_gate_calls_every_spun_sample_spun(pack: RepairPack, path: Path) -> None:
    gate = spin_gate(path.read_text(encoding="utf-8"), pack)
    assert gate.spun, gate
    assert gate.score >= gate.threshold and gate.signatures >= gate.min_signatures


def test_gate_calls_no_clean_aeb_body_spun(pack: RepairPack) -> None:
    bodies = _aeb_bodies()
    assert len(bodies) == 181
    decisions = [spin_gate(body, pack) for body in bodies]
    assert [g for g in decisions if g.spun] == []
    # Unambiguous means what it says: no signature at all in clean news.
    assert [g for g in decisions if g.signatures] == []


def test_signature_rules_never_match_clean_news(pack: RepairPack) -> None:
    """Every signature rule, guards included, is absent from the 181 clean bodies; a rule
    that matches one is ambiguous and must say ``needs_spun = true``."""
    hits = [
        (m.rule_id, body[max(0, m.start - 30) : m.end + 30])
        for body in _aeb_bodies()
        for m in pack.finish(pack.scan(body), spun=False).matches
    ]
    assert hits == []


def test_ambiguous_rules_run_only_when_the_gate_opens() -> None:
    signature = _rule("t.sig", "this 12 months", "this year")
    ambiguous = _rule("t.amb", "invoice", "bill", needs_spun=True)
    pack = RepairPack([signature, ambiguous], min_signatures=2, gate_threshold=2.0)
    clean = "The invoice was paid this week."
    assert pack.repair(clean)[0] == clean
    one = "The invoice passed this 12 months."
    assert not spin_gate(one, pack).spun
    assert pack.repair(one)[0] == "The invoice passed this year."
    spun = "The invoice passed this 12 months, as it did last 12 months and this 12 months."
    assert spin_gate(spun, pack).spun
    assert pack.repair(spun)[0].startswith("The bill passed this year")


def test_gate_score_is_per_1000_words_with_a_minimum_count() -> None:
    pack = RepairPack([_rule("t.sig", "this 12 months", "this year")], gate_threshold=2.0)
    long_clean = ("Word " * 4000) + "this 12 months and this 12 months."
    gate = spin_gate(long_clean, pack)
    assert gate.signatures == 2 and gate.score < 2.0 and not gate.spun
    short = "Sales rose this 12 months and this 12 months."
    assert spin_gate(short, pack).spun


def test_stage_records_the_gate_and_names_layer_rule_and_score(
    stage: repair_stage.RepairStage,
) -> None:
    out = stage(Document(text=REFERENCE.read_text(encoding="utf-8")))
    gate = out.metadata["spin_gate"]
    assert gate["spun"] is True and gate["threshold"] == stage.pack.gate_threshold
    assert gate["score"] == out.metadata["spin_score_before"] > 0
    assert out.edits
    layers = set()
    for edit in out.edits:
        layer = edit.message.split(";")[0].split(":")[0]
        assert layer in ("layer precise", "layer candidate"), edit
        assert f"gate score {gate['score']:g}" in edit.message, edit
        layers.add(layer)
    assert "layer precise" in layers


def test_stage_gate_is_decided_on_its_input(stage: repair_stage.RepairStage) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    out = stage(Document(text=text))
    assert out.metadata["spin_gate"] == spin_gate(text, stage.pack).as_metadata()
    again = stage(out)
    assert again.text == out.text
    assert again.metadata["spin_gate"]["score"] < out.metadata["spin_gate"]["score"]


@pytest.mark.parametrize("language", ["de", "fr", "pt"])
def test_non_english_documents_are_left_alone(
    stage: repair_stage.RepairStage, language: str
) -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    out = stage(Document(text=text, metadata={"language": language}))
    assert out.text == text and out.edits == ()
    assert language in out.metadata["repair_skipped"]
    assert "spin_gate" not in out.metadata


def test_english_and_unlabelled_documents_are_repaired(stage: repair_stage.RepairStage) -> None:
    text = "Sales rose this 12 months, as they did final 12 months and this 12 months."
    # "und": the detector could not tell (a short text); the gate still decides.
    for metadata in ({}, {"language": "en"}, {"language": "und"}):
        out = stage(Document(text=text, metadata=metadata))
        assert "this year" in out.text and "repair_skipped" not in out.metadata


def test_gate_decision_metadata_shape() -> None:
    gate = GateDecision(score=3.5, threshold=2.0, spun=True, signatures=4, words=1000)
    assert gate.as_metadata() == {
        "score": 3.5,
        "threshold": 2.0,
        "spun": True,
        "signatures": 4,
        "min_signatures": 2,
    }


def test_gate_threshold_option() -> None:
    stage = repair_stage.build(
        StageSettings(rules_dir=REPO / "rules", options={"gate_threshold": 500.0})
    )
    out = stage(Document(text=REFERENCE.read_text(encoding="utf-8")))
    assert out.metadata["spin_gate"]["threshold"] == 500.0
    assert out.metadata["spin_gate"]["spun"] is False


# ------------------------------------------------------------------ the development pages

SPUN_DEV = SHARED / "data" / "spun-dev" / "pages"
TUNING_PAGES = tomllib.loads((REPO / "bench" / "spin_split.toml").read_text(encoding="utf-8"))[
    "tuning"
]["spun_dev"]
#: Tuning pages the gate does not call spun yet: 023 carries a single unambiguous signature
#: (a crypto market report); the candidate layer is meant to reach it.
GATE_MISSES = {"023"}


def _page_text(page: str) -> str:
    lines = (SPUN_DEV / f"{page}.txt").read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[1:])  # line 1 is the address the page was found at


def test_gate_calls_the_tuning_spun_pages_spun(pack: RepairPack) -> None:
    missed = {page for page in TUNING_PAGES if not spin_gate(_page_text(page), pack).spun}
    assert missed == GATE_MISSES


def test_default_pipeline_leaves_every_clean_aeb_body_alone() -> None:
    """The 181 clean bodies through the default pipeline (grammar skipped): the gate calls
    none spun and the repair stage changes no word."""
    from cleaner import Cleaner

    cleaner = Cleaner.from_config(skip=["grammar"])
    repairs, spun = [], []
    for body in _aeb_bodies():
        result = cleaner.clean(body)
        repairs += [(e.rule_id, e.before) for e in result.edits if e.stage == "repair"]
        # Non-English bodies never reach the gate (the stage records repair_skipped instead).
        if result.metadata.get("spin_gate", {}).get("spun"):
            spun.append(body[:60])
    assert repairs == [] and spun == []


def test_score_command_reports_the_gate(tmp_path: Path) -> None:
    from conftest import run_cli

    clean = tmp_path / "clean.txt"
    clean.write_text("The council met on Monday and approved the budget.\n", encoding="utf-8")
    done = run_cli("score", str(REFERENCE), str(clean))
    assert done.returncode == 0, done.stderr
    reference_line, clean_line = done.stdout.decode().splitlines()
    assert "gate: spun (score " in reference_line and "threshold 2)" in reference_line
    assert "gate: not spun (score 0, threshold 2)" in clean_line
