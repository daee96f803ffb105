"""The unicode stage gives exactly ftfy.fix_text's output, through its fast path or not."""

from __future__ import annotations

import json
import random
from pathlib import Path

import ftfy
import pytest
from ftfy.badness import MOJIBAKE_CATEGORIES, is_bad
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.document import Document
from cleaner.stages.unicode import UnicodeStage, _default_config, looks_like_mojibake

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
GROUND_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"

STAGE = UnicodeStage()
CONFIG = _default_config()

# Characters ftfy's heuristics care about, so random text hits the interesting cases often.
_MOJIBAKE_CHARS = "".join(sorted(set("".join(MOJIBAKE_CATEGORIES.values()).replace("-", ""))))
_ALPHABET = st.sampled_from(
    list("aZe .,?!'\"&;#<>\n\t\r\x1b\x00\x85\x9d\u2028\ufeff\u200b")
    + list(_MOJIBAKE_CHARS)
    + list("ÃÂ°ВГРСўЂβ€ā×²ØÙ√≈‚Äìâó’“”—–…éñü")
)
_WRONG_CODECS = ["latin-1", "cp1252", "macroman", "cp1251", "cp437", "iso-8859-7", "cp1253", "cp1257"]


def _via_stage(text: str) -> str:
    return STAGE(Document(text)).text


def _mojibake(text: str, codec: str, rounds: int) -> str:
    for _ in range(rounds):
        text = text.encode("utf-8").decode(codec, errors="replace")
    return text


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_equals_fix_text_on_text_full_of_triggers(text: str) -> None:
    assert _via_stage(text) == ftfy.fix_text(text, CONFIG)
    assert STAGE.fix(text) == ftfy.fix_text(text, CONFIG)


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(codec=None), max_size=80))
def test_equals_fix_text_on_arbitrary_text(text: str) -> None:
    assert _via_stage(text) == ftfy.fix_text(text, CONFIG)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, exclude_categories=["Cs"]),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(_WRONG_CODECS),
    st.integers(min_value=1, max_value=2),
)
def test_equals_fix_text_on_mojibake(text: str, codec: str, rounds: int) -> None:
    broken = _mojibake(text, codec, rounds)
    assert _via_stage(broken) == ftfy.fix_text(broken, CONFIG)


@settings(max_examples=300)
@given(st.text(alphabet=_ALPHABET, max_size=12))
def test_fast_badness_agrees_with_ftfy(text: str) -> None:
    assert looks_like_mojibake(text) == is_bad(text)


def test_fast_badness_agrees_on_many_short_strings() -> None:
    alphabet = list("aZ \n.,?!") + list(_MOJIBAKE_CHARS) + list("ÃÂ°ВГРСўЂβ€ā×²ØÙ√≈‚Äìâó")
    rng = random.Random(7)
    for _ in range(50_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))
        assert looks_like_mojibake(text) == is_bad(text), text


def test_repairs_are_recorded_as_edits() -> None:
    doc = STAGE(Document("Clean line.\nThe caf\u00c3\u00a9 opened &amp; closed.\n"))
    assert doc.text == "Clean line.\nThe caf\u00e9 opened & closed.\n"
    assert doc.edits and all(edit.stage == "unicode" for edit in doc.edits)
    assert all(edit.line == 2 for edit in doc.edits)


def test_clean_typography_is_kept_without_edits() -> None:
    text = "\u201cIt\u2019s fine,\u201d she said \u2014 twice\u2026 caf\u00e9 \ufb01ne \uff21\n"
    doc = STAGE(Document(text))
    assert doc.text == text
    assert doc.edits == ()


def test_html_unescaping_stops_after_a_tag_like_fix_text() -> None:
    text = "a &amp; b\n<p> c &amp; d\ne &amp; f\n"
    assert _via_stage(text) == ftfy.fix_text(text, CONFIG) == "a & b\n<p> c &amp; d\ne &amp; f\n"


def test_typographic_options_still_match_fix_text() -> None:
    stage = UnicodeStage(config=CONFIG._replace(uncurl_quotes=True, normalization="NFC"))
    text = "\u201cquoted\u201d cafe\u0301 \u00c3\u00a9\n"
    assert stage(Document(text)).text == ftfy.fix_text(text, stage.config)


@pytest.mark.skipif(not GROUND_TRUTH.exists(), reason="AEB data not present")
def test_equals_fix_text_on_benchmark_bodies() -> None:
    bodies = [page["articleBody"] for page in json.loads(GROUND_TRUTH.read_text()).values()]
    for body in bodies:
        assert _via_stage(body) == ftfy.fix_text(body, CONFIG)
        for codec in ("latin-1", "cp1252", "macroman"):
            broken = _mojibake(body[:400], codec, 1)
            assert _via_stage(broken) == ftfy.fix_text(broken, CONFIG)
    # Clean news text (curly quotes, dashes, Cyrillic, Korean) takes the fast path.
    assert sum(STAGE.unchanged_by_ftfy(body) for body in bodies) >= 0.95 * len(bodies)
