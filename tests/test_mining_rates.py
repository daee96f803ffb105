"""Spinner-rate margins (cleaner/mining_rates.py): spun and kept occurrences counted on pages
aligned with their originals, legitimate uses in clean text, margins chosen with the real
model; and the ``calibration`` key of candidate files."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.lm import TrigramModel
from cleaner.mining_rates import FormEvidence, choose_margin, gather_evidence
from cleaner.rules.candidates import Candidate, load_candidates
from cleaner.rules.source import RuleError

INVOICE = Candidate("candidates.invoice", Path("x"), 0, "invoice", ("bill",), 0.0)
HOME = Candidate("candidates.home", Path("x"), 0, "Home", ("House",), 0.0, match_case=True)

# Our own sentences: one spun page per article, aligned with the text it was spun from.
ALIGNED = [
    (
        "The Senate passed the invoice on Friday. He sent the invoice to the client.",
        "The Senate passed the bill on Friday. He sent the invoice to the client.",
    ),
    (
        "Members of the Home voted for the spending invoice late at night.",
        "Members of the House voted for the spending bill late at night.",
    ),
    (
        "The invoice now goes to the president. The Home adjourned.",
        "The bill now goes to the president. The House adjourned.",
    ),
]
CLEAN = ["Please pay the invoice within thirty days.", "She went home after the game."]


@pytest.fixture(scope="module")
def model() -> TrigramModel:
    return TrigramModel.load()


def test_occurrences_are_counted_as_spun_or_kept_by_the_alignment(model: TrigramModel) -> None:
    invoice, home = gather_evidence([INVOICE, HOME], model, ALIGNED, CLEAN)
    assert (invoice.spun, invoice.kept, invoice.clean, invoice.spun_pages) == (3, 1, 1, 3)
    # "home" in clean text is not the capitalised form the candidate matches.
    assert (home.spun, home.kept, home.clean, home.spun_pages) == (2, 0, 0, 2)
    assert invoice.pages == 3 and invoice.clean_texts == 2
    assert len(invoice.spun_margins) == 3 and len(invoice.legit_margins) == 2
    assert home.rate > invoice.rate  # no legitimate use of "Home" on record


def _form(
    spun: int, kept: int, clean: int, spun_margins: list[float], legit: list[float]
) -> FormEvidence:
    return FormEvidence(
        INVOICE,
        spun=spun,
        kept=kept,
        clean=clean,
        spun_pages=spun,
        pages=10,
        clean_texts=100,
        spun_margins=spun_margins,
        legit_margins=legit,
    )


def test_a_form_the_spinner_nearly_always_writes_needs_no_margin() -> None:
    assert choose_margin(_form(8, 0, 2, [0.5] * 8, [-2.0, -1.0])) == 0.0


def test_a_form_common_in_clean_news_needs_the_model_to_be_sure() -> None:
    legit = [-3.0] * 260 + [0.4] * 40  # the model prefers the original in some clean uses
    assert choose_margin(_form(4, 2, 298, [0.2, 0.9, 1.5, 2.0], legit)) == 0.5


def test_too_little_evidence_or_a_form_mostly_kept_gets_no_margin() -> None:
    assert choose_margin(_form(1, 0, 0, [3.0], [])) is None  # seen spun on one page only
    assert choose_margin(_form(3, 5, 10, [3.0] * 3, [-1.0] * 15)) is None  # kept more than spun
    assert choose_margin(_form(5, 0, 0, [-1.0] * 5, [])) is None  # the model never agrees


def test_candidate_files_name_their_calibration(tmp_path: Path) -> None:
    body = (
        '[meta]\nkind = "candidates"\ndescription = "d"\ncalibration = "{}"\n\n'
        '[[rules]]\nid = "candidates.brokers"\nspun = "brokers"\noriginals = ["agents"]\n'
        'examples = [["AI brokers can automate work.", "AI agents can automate work."]]\n'
        'keep = ["Stock brokers met on Monday."]\n'
    )
    good = tmp_path / "good.toml"
    good.write_text(body.format("spinner-rate"), encoding="utf-8")
    assert [c.spun for c in load_candidates(good)] == ["brokers"]
    bad = tmp_path / "bad.toml"
    bad.write_text(body.format("guessed"), encoding="utf-8")
    with pytest.raises(RuleError, match="calibration must be one of"):
        load_candidates(bad)
