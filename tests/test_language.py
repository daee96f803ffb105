"""The language stage: detection on real news text, the metadata it sets, its options."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from conftest import AEB_TRUTH, SHARED, run_cli

from cleaner import Cleaner
from cleaner.document import Document
from cleaner.registry import StageSettings
from cleaner.stages import language

EXPECTED_NON_ENGLISH = {
    # AEB body (first 8 hex digits of its key) -> language, read by hand. Every other AEB body
    # and every shared sample is English.
    "0ec95c72": "ko",
    "11ea381a": "pt",
    "20b2b649": "it",
    "21486419": "id",  # informal Indonesian ("Mudah2an kita bisa ... lebay")
    "23aaecd1": "pt",
    "3252222e": "pt",
    "3c6d3381": "ru",
    "57b4dafd": "de",
    "7837c9d6": "id",
    "85439e26": "ja",
    "9da36ae4": "ko",
    "b3c19dd5": "pt",
    "b6fb53e9": "it",
    "ba07d1e6": "de",
    "c4a3637c": "ru",
    "c82b3d1d": "ru",
    "cc03ddb5": "pt",
    "f105de6e": "ja",
    "f6ac15a4": "pt",
    "ff0f958a": "ru",
}


def labelled_texts() -> list[tuple[str, str, str, str]]:
    """(key, url, text, expected language) for every AEB body and shared sample."""
    if not AEB_TRUTH.exists():
        pytest.fail(f"shared benchmark missing: {AEB_TRUTH} (../shared must sit beside the repo)")
    truth = json.loads(AEB_TRUTH.read_text(encoding="utf-8"))
    rows = [
        (key, str(entry.get("url", "")), str(entry["articleBody"]),
         EXPECTED_NON_ENGLISH.get(key[:8], "en"))
        for key, entry in truth.items()
    ]
    for path in sorted((SHARED / "samples").rglob("*.txt")):
        rows.append((path.name, "", path.read_text(encoding="utf-8"), "en"))
    return rows


def test_every_aeb_body_and_sample_gets_its_language() -> None:
    rows = labelled_texts()
    assert len(rows) >= 190
    wrong = [
        (key[:8], expected, got)
        for key, _, text, expected in rows
        if (got := language.detect(text).language) != expected
    ]
    # Target >= 99%; py3langid got every one right when it was chosen.
    assert len(wrong) <= len(rows) // 100, wrong
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The committee voted on Tuesday to approve the new budget for schools.", "en"),
        ("O comitê aprovou na terça-feira o novo orçamento para as escolas da cidade.", "pt"),
        ("Der Ausschuss hat am Dienstag den neuen Haushalt für die Schulen genehmigt.", "de"),
        ("Il comitato ha approvato martedì il nuovo bilancio per le scuole della città.", "it"),
    ],
)
def test_short_news_sentences(text: str, code: str) -> None:
    found = language.detect(text)
    assert found.language == code
    assert 0.5 <= found.confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   \n", "12 34 56 -- 78", "OK!", "https://x.io/1"])
def test_too_few_letters_is_undetermined(text: str) -> None:
    assert language.detect(text) == language.Detection("und", 0.0)


def test_low_confidence_is_undetermined() -> None:
    text = "The committee voted on Tuesday to approve the budget."
    assert language.detect(text, min_confidence=1.01).language == "und"


def test_stage_sets_metadata_and_leaves_the_text() -> None:
    stage = language.build(StageSettings())
    text = "Le comité a approuvé mardi le nouveau budget des écoles de la ville."
    out = stage(Document(text=text))
    assert out.text == text and out.edits == ()
    assert out.metadata["language"] == "fr"
    assert out.metadata["language_confidence"] > 0.9
    assert pickle.loads(pickle.dumps(stage)) == stage


def test_only_the_sample_is_read() -> None:
    english = "The committee voted on Tuesday to approve the new budget for schools. " * 3
    german = "Der Ausschuss hat am Dienstag den neuen Haushalt für die Schulen genehmigt. " * 50
    stage = language.LanguageStage(sample_chars=len(english))
    assert stage(Document(text=english + german)).metadata["language"] == "en"


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"min_confidence": 2}, "between 0 and 1"),
        ({"sample_chars": 0}, "sample_chars"),
        ({"threshold": 0.3}, "unknown options"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        language.build(StageSettings(options=options))


def test_default_pipeline_runs_it_after_unicode() -> None:
    cleaner = Cleaner.from_config(skip=["grammar"])
    names = [stage.name for stage in cleaner.pipeline.stages]
    assert names.index("language") == names.index("unicode") + 1
    result = cleaner.clean("Der Ausschuss hat am Dienstag den neuen Haushalt genehmigt.")
    assert result.metadata["language"] == "de"


def test_cli_jsonl_carries_the_language(tmp_path: Path) -> None:
    line = json.dumps({"id": "1", "text": "Il comitato ha approvato martedì il nuovo bilancio."})
    proc = run_cli("clean", "--format", "jsonl", "--skip", "grammar", "-", stdin=line.encode())
    assert proc.returncode == 0, proc.stderr
    metadata = json.loads(proc.stdout)["metadata"]
    assert metadata["language"] == "it" and metadata["language_confidence"] > 0.5


def test_the_cached_model_gives_the_packaged_models_numbers(tmp_path: Path) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    packaged = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    writes = language.load_identifier(tmp_path)  # decompresses into the cache
    (folder,) = tmp_path.iterdir()
    assert sorted(p.name for p in folder.iterdir()) == [
        "classes.json", "nextmove.npy", "output.npy", "pc.npy", "ptc.npy", "row.npy",
        "window.json",
    ]  # fmt: skip
    reads = language.load_identifier(tmp_path)  # maps the cache
    for _, _, text, _ in labelled_texts():
        sample = text[: language.DEFAULT_SAMPLE_CHARS]
        expected = packaged.classify(sample)
        assert writes.classify(sample) == expected
        assert reads.classify(sample) == expected


MIXED_AND_EDGE_TEXTS = [
    "",
    "a",
    "ab",
    "Hi!",
    "12345 67890",
    "ÄÖÜ",
    "日本",
    # mixed languages: the stock walk's decision and numbers must hold
    "The committee voted. Der Ausschuss hat am Dienstag den Haushalt genehmigt. " * 4,
    "Il comitato ha approvato il bilancio. The committee approved the budget on Tuesday.",
    "Москва — столица России. Moscow is the capital of Russia. 東京は日本の首都です。",
    "e\u0301t\u00e9 😀 \ud83d mixed surrogate and combining marks",
]


def test_the_windowed_walk_gives_py3langids_own_numbers() -> None:
    """The cached identifier walks the tokenizer over all positions at once; its scores are
    py3langid's own byte walk's, bit for bit, on every labelled text, mixed-language texts
    and texts shorter than the window."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    packaged = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    windowed = language.identifier()  # from the cache (test_the_cached_model... writes one)
    assert isinstance(windowed, language.WindowedIdentifier)
    assert windowed.window == 6  # py3langid 0.4's longest n-gram, in bytes
    texts = [*MIXED_AND_EDGE_TEXTS, *(text[:2_000] for _, _, text, _ in labelled_texts())]
    for text in texts:
        assert (windowed._decide(text) == packaged._decide(text)).all(), text[:60]
        assert windowed.classify(text) == packaged.classify(text)


def test_the_state_window_is_the_longest_ngram() -> None:
    """A toy automaton over "ab" (states: start, "a", "ab"): two bytes decide its state."""
    start, after_a, after_ab = 0, 1, 2
    nextmove = np.zeros(3 * 256, dtype=np.uint32)
    for state in (start, after_a, after_ab):
        nextmove[state * 256 + ord("a")] = after_a
    nextmove[after_a * 256 + ord("b")] = after_ab
    assert language.state_window(nextmove, np.arange(3)) == 2


def test_an_unusable_cache_falls_back_to_the_packaged_model(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go", encoding="utf-8")
    identifier = language.load_identifier(blocked)
    assert identifier.classify("Der Ausschuss hat am Dienstag den Haushalt genehmigt.")[0] == "de"
    assert blocked.read_text(encoding="utf-8").startswith("a file")


@pytest.mark.parametrize(
    ("text", "count", "expected"),
    [("", 0, True), ("", 1, False), ("12 ab 34", 2, True), ("12 ab 34", 3, False),
     ("é" + "1" * 5000 + "ü", 2, True), ("ж" * 19, 20, False), ("ж" * 20, 20, True)],
)  # fmt: skip
def test_has_letters_counts_letters_of_any_script(text: str, count: int, expected: bool) -> None:
    assert language.has_letters(text, count) is expected


def test_the_default_sample_gives_the_language_of_a_long_sample() -> None:
    """Why DEFAULT_SAMPLE_CHARS is enough: on every AEB body and shared sample (English, and
    seven other languages) it gives the language that reading 20,000 characters gives, with a
    confidence close to it."""
    long_texts = [(key, text) for key, _, text, _ in labelled_texts() if len(text) > 2_000]
    assert len(long_texts) >= 100
    for key, text in long_texts:
        short = language.detect(text)
        long = language.detect(text, sample_chars=20_000)
        assert short.language == long.language, key
        assert abs(short.confidence - long.confidence) <= 0.05, key
