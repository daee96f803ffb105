"""The reference article through every stage, LanguageTool included."""

from __future__ import annotations

import re

import pytest
from conftest import REPO
from languagetool_fixtures import lt_service

from cleaner import Cleaner, PipelineConfig
from cleaner import languagetool as lt

GOLDEN = REPO / "tests" / "golden" / "reference.full.txt"
__all__ = ["lt_service"]


@pytest.fixture(scope="module")
def full_result(reference_bytes, lt_service: lt.LanguageToolService):  # type: ignore[no-untyped-def]
    return Cleaner.from_config(languagetool_url=lt_service.url()).clean(reference_bytes)


def test_full_pipeline_matches_golden(full_result) -> None:  # type: ignore[no-untyped-def]
    assert full_result.text == GOLDEN.read_text(encoding="utf-8")
    # Every stage of the default pipeline ran (test_pipeline pins their documented order).
    assert list(full_result.timings) == list(PipelineConfig.load().stages)


def test_grammar_leaves_repaired_text_alone(full_result) -> None:  # type: ignore[no-untyped-def]
    # Map each repair's output span into the grammar stage's input (repair runs right before).
    spans = []
    shift = 0
    for edit in sorted(
        (e for e in full_result.edits if e.stage == "repair"), key=lambda e: e.start
    ):
        start = edit.start + shift
        spans.append((start, start + len(edit.after)))
        shift += len(edit.after) - (edit.end - edit.start)
    assert len(spans) >= 30
    grammar_applied = [e for e in full_result.edits if e.stage == "grammar" and e.applied]
    for edit in grammar_applied:
        assert not any(edit.start < end and start < edit.end for start, end in spans), edit


def test_languagetool_issue_count_drops(
    full_result, reference_bytes, lt_service: lt.LanguageToolService
) -> None:  # type: ignore[no-untyped-def]
    def per_1k(text: str) -> float:
        words = len(re.findall(r"\w+", text))
        return 1000 * len(lt_service.check(text)) / words

    before = per_1k(reference_bytes.decode("utf-8"))
    after = per_1k(full_result.text)
    print(f"LanguageTool issues per 1,000 words: raw {before:.2f}, cleaned {after:.2f}")
    assert after < before
    meta = full_result.metadata
    assert meta["grammar_issues_per_1k_words_after"] <= meta["grammar_issues_per_1k_words_before"]
    assert meta["spin_score_after"] < meta["spin_score_before"]
