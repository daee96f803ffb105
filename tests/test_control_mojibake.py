"""Double-encoded text (cleaner.stages.control_mojibake): trafilatura deletes the C1 controls
that a twice-encoded curly quote leaves in a page, and with them what ftfy needs to repair it;
the extract stage repairs such runs before extraction and leaves every other run alone."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.control_mojibake import may_hold_control_mojibake, repair_control_mojibake
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html

# UTF-8 bytes of a right single quote (E2 80 99) read as Latin-1: "â", U+0080, U+0099.
BROKEN_APOSTROPHE = "\u00e2\u0080\u0099"
PARAGRAPHS = [
    "A garden pond needs a pump that moves its whole volume once every two hours, or the water"
    " goes green within a fortnight of the first warm week.",
    "Plants that float on the surface shade the water as well, and the algae starve for light"
    " long before the fish notice any change at all.",
]


def _page(body: str) -> str:
    return f"<html><head><title>Keeping a pond clear</title></head><body><article>{body}</article></body></html>"


def _extracted(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_a_twice_encoded_apostrophe_survives_extraction_whole() -> None:
    broken = PARAGRAPHS[0].replace("goes", f"it{BROKEN_APOSTROPHE}s going to go")
    text = _extracted(_page(f"<p>{broken}</p><p>{PARAGRAPHS[1]}</p>"))
    assert "it\u2019s going to go green" in text
    assert "\u00e2" not in text
    assert PARAGRAPHS[1] in text


def test_a_lone_windows_1252_quote_becomes_the_character_meant() -> None:
    # A page in Windows-1252 labelled Latin-1: the right quote is the single control U+0092.
    broken = PARAGRAPHS[0].replace("goes", "doesn\u0092t stay clear and goes")
    text = _extracted(_page(f"<p>{broken}</p><p>{PARAGRAPHS[1]}</p>"))
    assert "doesn\u2019t stay clear" in text


def test_runs_without_a_control_are_left_alone() -> None:
    # Correct accents and typography, and a run that merely looks like mojibake, are not C1
    # controls: the step does not touch them (the unicode stage decides about the rest).
    kept = "Caf\u00e9 \u201cau lait\u201d \u2014 na\u00efve \u00c3\u00a9 \ufb01ne &amp; done"
    tree = parse_html(_page(f"<p>{kept}</p><p>second {BROKEN_APOSTROPHE} run</p>"))
    assert tree is not None
    assert repair_control_mojibake(tree) == 1
    paragraphs = [p.text for p in tree.iter("p")]
    assert paragraphs[0] == kept.replace("&amp;", "&")  # the parser's decoding, not the step's
    assert paragraphs[1] == "second \u2019 run"


def test_scripts_are_not_touched_and_clean_pages_are_not_walked() -> None:
    script = f"var quote = '{BROKEN_APOSTROPHE}';"
    tree = parse_html(_page(f"<script>{script}</script><p>{PARAGRAPHS[0]}</p>"))
    assert tree is not None
    assert repair_control_mojibake(tree) == 0
    assert tree.find(".//script").text == script
    assert not may_hold_control_mojibake(_page(f"<p>{PARAGRAPHS[0]} \u00e9\u2019</p>"))
    assert may_hold_control_mojibake(_page(f"<p>it{BROKEN_APOSTROPHE}s</p>"))


def test_a_tail_run_is_repaired_too() -> None:
    tree = parse_html(_page(f"<p><b>Note</b> it{BROKEN_APOSTROPHE}s late</p>"))
    assert tree is not None
    assert repair_control_mojibake(tree) == 1
    assert tree.find(".//b").tail == " it\u2019s late"
