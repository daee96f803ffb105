"""The English language model behind the candidate repair layer: the real model from the
pocketsphinx wheel, loaded and asked about wordings whose answer is not in doubt."""

from __future__ import annotations

import pytest

from cleaner.lm import SENTENCE_END, SENTENCE_START, TrigramModel, bundled_trigram_path, prefers


@pytest.fixture(scope="module")
def model() -> TrigramModel:
    return TrigramModel.load()


def test_the_model_ships_inside_the_pocketsphinx_wheel() -> None:
    path = bundled_trigram_path()
    assert path.name == "en-us.lm.bin"
    assert "pocketsphinx" in path.parts
    assert path.stat().st_size > 10_000_000


def test_loads_as_a_trigram_model_with_an_english_vocabulary(model: TrigramModel) -> None:
    assert model.order == 3
    assert "3-gram" in model.name
    for word in ("the", "house", "bill", "agents", "research"):
        assert model.knows(word)
    assert not model.knows("qzxvbnw")


@pytest.mark.parametrize(
    ("left", "original", "spun", "right"),
    [
        ("the senate passed the", "bill", "invoice", "on friday"),
        ("ai", "agents", "brokers", "can automate"),
        ("the university", "of", "of", "michigan"),  # same wording: no preference
        ("members of the", "house", "home", "voted to"),
        ("we need", "more", "extra", "money for"),
        ("a new", "study", "examine", "found that"),
    ],
)
def test_prefers_the_original_wording_in_context(
    model: TrigramModel, left: str, original: str, spun: str, right: str
) -> None:
    margin = prefers(model, left.split(), original.split(), spun.split(), right.split())
    if original == spun:
        assert margin == 0.0
    else:
        assert margin > 0.5, f"{original!r} over {spun!r}: {margin:.2f}"


def test_prefers_the_legitimate_word_where_the_spun_form_is_right(model: TrigramModel) -> None:
    # "brokers" is the right word here; the model must not prefer the other wording.
    assert prefers(model, ["stock"], ["agents"], ["brokers"], ["and", "dealers"]) < 0
    assert prefers(model, ["went"], ["house"], ["home"], ["after", "work"]) < 0


def test_scores_sentence_marks_and_unknown_words(model: TrigramModel) -> None:
    words = [SENTENCE_START, "the", "qzxvbnw", "said", SENTENCE_END]
    score = model.log10_prob(words, 1)
    assert score < 0 and score > -40  # unknown words get a finite floor, not -inf
    # The score of words[start:] only: the shared left context is not counted.
    assert model.log10_prob(words, len(words)) == 0.0
