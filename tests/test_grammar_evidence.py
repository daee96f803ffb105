"""The grammar stage on the clean control: the 181 AEB article bodies, each its own document,
through the default pipeline (chrome and captions skipped, so that line removal does not
count), against a real LanguageTool server.

Every edit it applies was reviewed by hand and is right; the list is pinned here, so a new
edit (right or wrong) fails the test until someone reviews it. Non-English bodies get none.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import AEB_TRUTH
from languagetool_fixtures import lt_service

from cleaner import Cleaner
from cleaner import languagetool as lt
from cleaner.document import Document

__all__ = ["lt_service"]

REVIEWED_RIGHT_EDITS = {
    # (body key prefix, rule id, before, after, a few words of context)
    ("0dd13570", "COMMA_PARENTHESIS_WHITESPACE", " ,", ","),  # "Yobe North , Ahmad" x5
    ("0dd13570", "COMMA_PARENTHESIS_WHITESPACE", " .", "."),  # "annual recess ." x3
    ("2c46804d", "EN_A_VS_AN", "a", "an"),  # "a 8-year-old"
    ("360c732d", "EN_A_VS_AN", "a", "an"),  # "a Asian financial hub"
    ("4219d096", "EN_A_VS_AN", "a", "an"),  # "to a easy boil"
    ("4648a420", "DOUBLE_PUNCTUATION", "..", "."),  # "media, etc.. requires"
    ("65bf3048", "EN_A_VS_AN", "a", "an"),  # "a AMD Radeon", "a 11-hour battery"
    ("6ebac05f", "ENGLISH_WORD_REPEAT_RULE", "the the", "the"),  # "on the the sentencing"
    ("7f93c194", "COMMA_PARENTHESIS_WHITESPACE", ",Washington", ", Washington"),
}
REVIEWED_COUNTS = {"0dd13570": 10, "65bf3048": 2}
"""Bodies with more than one edit: how many (0dd13570 puts a space before 8 of its commas
and full stops; 65bf3048 has two a/an slips)."""


@pytest.fixture(scope="module")
def control_edits(lt_service: lt.LanguageToolService) -> list[tuple[str, str, str, str, str]]:
    if not AEB_TRUTH.exists():
        pytest.fail(f"shared benchmark missing: {AEB_TRUTH} (../shared must sit beside the repo)")
    truth = json.loads(AEB_TRUTH.read_text(encoding="utf-8"))
    before_grammar = Cleaner.from_config(skip=["chrome", "captions", "grammar", "tidy"])
    full = Cleaner.from_config(skip=["chrome", "captions"])
    (grammar,) = [stage for stage in full.pipeline.stages if stage.name == "grammar"]

    def run(item: tuple[str, dict[str, str]]) -> list[tuple[str, str, str, str, str]]:
        key, entry = item
        result = before_grammar.clean(entry["articleBody"])
        doc = grammar(Document(text=result.text, metadata=result.metadata))
        assert "grammar_skipped" not in doc.metadata or "no checker" in str(
            doc.metadata["grammar_skipped"]
        ), (key, doc.metadata["grammar_skipped"])
        language = str(doc.metadata["language"])
        return [(key[:8], language, e.rule_id, e.before, e.after) for e in doc.edits if e.applied]

    with ThreadPoolExecutor(4) as pool:
        return [edit for edits in pool.map(run, truth.items()) for edit in edits]


def test_english_edits_on_the_clean_control_are_the_reviewed_right_ones(
    control_edits: list[tuple[str, str, str, str, str]],
) -> None:
    english = [
        (key, rule, before, after)
        for key, lang, rule, before, after in control_edits
        if lang == "en"
    ]
    unreviewed = [edit for edit in english if edit not in REVIEWED_RIGHT_EDITS]
    assert unreviewed == []
    counts: dict[str, int] = {}
    for key, *_ in english:
        counts[key] = counts.get(key, 0) + 1
    for key, count in REVIEWED_COUNTS.items():
        assert counts.get(key) == count, key
    assert len(english) == 18


def test_non_english_bodies_get_no_edit(
    control_edits: list[tuple[str, str, str, str, str]],
) -> None:
    assert [edit for edit in control_edits if edit[1] != "en"] == []
