"""The spin gate: decided on the repair stage's input, from unambiguous signatures only.

Spun samples and tuning pages are called spun; the 181 clean AEB bodies are not, carry no
signature at all, and the ambiguous rules never run on them. Non-English documents are left
alone with the reason recorded.
"""

from __future__ import annotations

import ast
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
WCXB_TRUTH = SHARED / "bench" / "wcxb-dev" / "ground-truth"


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


def _wcxb_tuning_bodies() -> list[str]:
    """The gold main text of the WCXB tuning pages (bench/extraction_split.json): clean web
    text of every kind, blogs, shops, guides, news. The validation pages stay unread."""
    pages = json.loads((REPO / "bench" / "extraction_split.json").read_text())["wcxb-dev"]
    bodies = []
    for page in pages["tuning"]:
        record = json.loads((WCXB_TRUTH / f"{page}.json").read_text(encoding="utf-8"))
        gold = record["ground_truth"]
        if isinstance(gold, str):  # stored as the repr of a dict
            gold = ast.literal_eval(gold)
        bodies.append(gold.get("main_content") or "")
    return bodies


def test_signature_rules_never_match_clean_web_pages(pack: RepairPack) -> None:
    """Beyond news: no signature rule matches the gold text of the 496 WCXB tuning pages. A
    spun form that a blog or a shop writes ('search engines like Google', 'infants (3-12
    months old)') is ordinary English there and must be guarded or wait for the gate."""
    bodies = _wcxb_tuning_bodies()
    assert len(bodies) > 400
    hits = [
        (m.rule_id, body[max(0, m.start - 30) : m.end + 30])
        for body in bodies
        for m in pack.finish(pack.scan(body), spun=False).matches
    ]
    assert hits == []


def test_signature_rules_never_match_the_originals_of_spun_tuning_pages(pack: RepairPack) -> None:
    """The originals the spun tuning pages were made from are clean news: a signature rule
    that matches one ('Ethereum builders' is how crypto news names developers) is no evidence
    of spinning. Validation pages stay unread."""
    split = tomllib.loads((REPO / "bench" / "spin_split.toml").read_text(encoding="utf-8"))
    originals = [
        SHARED / "data" / "spun-dev" / "originals" / f"{page}.txt"
        for page in split["tuning"]["spun_dev"]
    ]
    texts = [path.read_text(encoding="utf-8") for path in originals if path.exists()]
    assert len(texts) >= 9
    hits = [
        (m.rule_id, text[max(0, m.start - 30) : m.end + 30])
        for text in texts
        for m in pack.finish(pack.scan(text), spun=False).matches
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
    # One phrase said twice is one piece of evidence: a clean page on one topic repeats itself.
    repeated = "The invoice passed this 12 months, as it did this 12 months before."
    assert not spin_gate(repeated, pack).spun
    assert pack.repair(repeated)[0].startswith("The invoice passed this year")
    last = _rule("t.last", "final 12 months", "last year")
    pack = RepairPack([signature, last, ambiguous], min_signatures=2, gate_threshold=2.0)
    spun = "The invoice passed this 12 months, as it did final 12 months and this 12 months."
    assert spin_gate(spun, pack).spun
    assert pack.repair(spun)[0].startswith("The bill passed this year")


def _two_rules() -> list[RepairRule]:
    return [_rule("t.sig", "this 12 months", "this year"), _rule("t.l", "final 12 months", "last")]


def test_gate_score_is_per_1000_words_with_a_minimum_count() -> None:
    pack = RepairPack(_two_rules(), gate_threshold=2.0)
    long_clean = ("Word " * 4000) + "this 12 months and final 12 months."
    gate = spin_gate(long_clean, pack)
    assert gate.signatures == 2 and gate.score < 2.0 and not gate.spun
    short = "Sales rose this 12 months and final 12 months."
    assert spin_gate(short, pack).spun
    # Dense but from one rule only: not spun, however short the text.
    same = spin_gate("Sales rose this 12 months and this 12 months.", pack)
    assert same.signatures == 2 and same.rules == 1 and same.score > 2.0 and not same.spun


def test_default_gate_needs_more_than_two_stray_phrases_in_an_article() -> None:
    """Two signatures of different rules in a 480-word article (4.2 per 1,000 words, the
    hostile test of newuser3 A1) do not make it spun; the spun tuning pages score 7 and up."""
    pack = RepairPack(_two_rules())
    article = ("Word " * 478) + "this 12 months and final 12 months."
    gate = spin_gate(article, pack)
    assert gate.signatures == 2 and gate.rules == 2 and 4.0 < gate.score < 5.0
    assert not gate.spun and gate.threshold == 5.0
    assert spin_gate(("Word " * 200) + "this 12 months and final 12 months.", pack).spun


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
        "rules": 0,
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
    assert "gate: spun (score " in reference_line and "threshold 5)" in reference_line
    assert "gate: not spun (score 0, threshold 5)" in clean_line


# A clean article built from ordinary English that once matched signature rules (newuser3 A1,
# and clean WCXB tuning pages), each sentence written for this test in the same construction.
CLEAN_ARTICLE_WITH_SPUN_LOOKALIKES = """\
The storm reached the coast on a Tuesday, and in the following days the town lost power twice.

Live public coverage of the hearing was barred by the court.

Rolling energy outages struck four regions during the heat wave.

Nurses say knowledge factors into every choice they make on a ward.

The chief government spokesman would not comment on the negotiations.

There have been a number of occasions when the canal flooded the lower town.

The column called the craze a form of card recreation, a phrase from the 1930s.

The document low on the stack was a letter from 1948.

Big search engines like Google rank pages by how well they answer a query.

As we've already mentioned, reviews build trust with buyers.

Whoever controls the network may turn out to be one of the big winners.

Once the firm is registered, several subsequent steps remain.

I had just ordered the complete home workout kit.

Babies (3-12 months old) sleep for most of the day.

New coaching tools help employees spot and train for other roles.

The Enterprise offers more branches and lower fees than its rivals.

Waste and unfairness built into our economic system are no longer tolerated.
"""


def test_clean_article_with_spun_lookalikes_comes_out_unchanged(tmp_path: Path) -> None:
    """The real command leaves clean English alone even where its words are also a spinner's:
    no rule fires and the gate stays closed."""
    from conftest import run_cli

    article = tmp_path / "article.txt"
    article.write_text(CLEAN_ARTICLE_WITH_SPUN_LOOKALIKES, encoding="utf-8")
    done = run_cli("clean", str(article), "--skip", "grammar", "--explain")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == CLEAN_ARTICLE_WITH_SPUN_LOOKALIKES
    assert "repair " not in done.stderr.decode()
    scored = run_cli("score", str(article))
    assert "gate: not spun (score 0," in scored.stdout.decode(), scored.stdout


def test_lookalike_sentences_stay_even_in_a_spun_document(stage: repair_stage.RepairStage) -> None:
    """In a document the gate calls spun the ambiguous precise rules run too, and their guards
    still keep these sentences: the spun wording before them is repaired, they are not (the
    candidate layer's language model judges its own words there, as in any spun document)."""
    spun_lines = "Sales rose this 12 months.\nProfits fell final 12 months.\n"
    text = spun_lines * 3 + CLEAN_ARTICLE_WITH_SPUN_LOOKALIKES
    out = stage(Document(text=text))
    assert out.metadata["spin_gate"]["spun"] is True
    precise = [e for e in out.edits if e.message.startswith("layer precise")]
    assert {e.rule_id for e in precise} == {"time.this-12-months", "time.final-12-months"}
    assert all(e.start < len(spun_lines) * 3 for e in precise)
