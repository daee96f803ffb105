"""Issue 14's memory bound: the helpers that work on long texts piece by piece give exactly
what the whole-text operation gives (the bound itself is measured by
``bench/bench_clean_memory.py`` and ``bench/bench_corpus_memory.py``)."""

from __future__ import annotations

import random

import pytest
from conftest import REFERENCE

from cleaner.allocator import return_large_blocks
from cleaner.pipeline import Pipeline, PipelineConfig
from cleaner.rules.repair import count_words
from cleaner.rules.text import same_length_lower

# Characters that decide where words and pieces end, and the one context-dependent lowering
# (a capital sigma ends a word as 'ς'), plus a character that lowers to two.
_ALPHABET = "aZΣΑΒ \n\t\u00a0\u2028\x1c.'’x\u0301"


def _long_texts() -> list[str]:
    rng = random.Random(14)
    glued = REFERENCE.read_text(encoding="utf-8") * 30  # ~250k characters, many pieces
    texts = [glued, glued.replace(" ", "Σ "), "word" * 100_000, "Σ" * 70_000 + " Σ"]
    texts += ["".join(rng.choice(_ALPHABET) for _ in range(150_000)) for _ in range(20)]
    return texts


@pytest.mark.parametrize("text", _long_texts(), ids=lambda t: f"{len(t)}-chars")
def test_words_counted_in_pieces_are_the_words_of_the_whole_text(text: str) -> None:
    assert count_words(text) == len(text.split())


@pytest.mark.parametrize("text", _long_texts(), ids=lambda t: f"{len(t)}-chars")
def test_lowering_in_pieces_is_lowering_the_whole_text(text: str) -> None:
    lowered = text.lower()
    assert same_length_lower(text) == lowered
    with_dotted_i = text + " İ"  # lowers to two characters: every character on its own
    expected = "".join(c.lower() if len(c.lower()) == 1 else c for c in with_dotted_i)
    assert same_length_lower(with_dotted_i) == expected


def test_the_allocator_setting_is_taken_on_linux_glibc() -> None:
    # The test machines run Linux with glibc; elsewhere the call is a no-op returning False.
    assert return_large_blocks() is True


def test_a_built_pipeline_has_loaded_the_language_model() -> None:
    """The language model loads while the pipeline is built, not with the first document,
    so its loading copies never add to a document's memory."""
    from cleaner.stages import language

    language._identifier_unlocked.cache_clear()
    Pipeline(PipelineConfig.load().without(["grammar"]))
    assert language._identifier_unlocked.cache_info().currsize == 1
