"""Issue 14's memory bound: the helpers that work on long texts piece by piece give exactly
what the whole-text operation gives (the bound itself is measured by
``bench/bench_clean_memory.py`` and ``bench/bench_corpus_memory.py``)."""

from __future__ import annotations

import functools
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import ftfy
import pytest
from conftest import REFERENCE, SPUN_DIR
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cleaner.allocator import return_large_blocks
from cleaner.corpus.audit import audit_line_pieces, audit_record_head, json_line
from cleaner.document import Document
from cleaner.io.source import Source
from cleaner.io.writers import edit_to_json
from cleaner.metrics import DocumentMetrics
from cleaner.pipeline import Pipeline, PipelineConfig, Result
from cleaner.report.view import final_spans
from cleaner.rules.repair import count_words
from cleaner.rules.text import pieces_at_white_space, same_length_lower
from cleaner.stages.repair import RepairStage
from cleaner.stages.unicode import UnicodeStage, _default_config

# Characters that decide where words and pieces end, and the one context-dependent lowering
# (a capital sigma ends a word as 'ς'), plus a character that lowers to two.
_ALPHABET = "aZΣΑΒ \n\t\u00a0\u2028\x1c.'’x\u0301"


@functools.cache  # built once per process, at collection: it is 3 MB of text
def _long_texts() -> tuple[str, ...]:
    rng = random.Random(14)
    glued = REFERENCE.read_text(encoding="utf-8") * 30  # ~250k characters, many pieces
    texts = [glued, glued.replace(" ", "Σ "), "word" * 100_000, "Σ" * 70_000 + " Σ"]
    texts += ["".join(rng.choices(_ALPHABET, k=150_000)) for _ in range(20)]
    return tuple(texts)


@settings(max_examples=200)
@given(st.text(alphabet=_ALPHABET, max_size=60), st.integers(1, 8))
def test_pieces_at_white_space_cut_only_before_white_space(text: str, piece_chars: int) -> None:
    pieces = list(pieces_at_white_space(text, piece_chars))
    assert "".join(pieces) == text and all(pieces)
    for piece, following in itertools.pairwise(pieces):
        assert len(piece) >= piece_chars and following[0].isspace()
    if len(pieces) == 1:
        assert pieces[0] is text  # not a copy


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


_TRIGGERS = [*"aZe .,<>&;#\n\x1b\x85\u2028", "&amp;", "Ã©", "â€™", "\n\n", "cafÃ© ", "<b>\n"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TRIGGERS), max_size=80), st.integers(1, 40))
@example(["<", "\n", "&amp;", "\n"], 1)  # the "<" is in a piece proven unchanged
def test_unicode_piece_by_piece_is_ftfy_on_the_whole_text(parts: list[str], piece: int) -> None:
    """Pieces proven unchanged are skipped, the others go segment by segment: the text is
    ftfy's, and the edits are those of the stage that never skips (HTML unescaping stops
    after a "<" in a skipped piece too)."""
    text = "".join(parts)
    pieces = UnicodeStage(piece_chars=piece)(Document(text))
    whole = UnicodeStage(piece_chars=10**9)(Document(text))
    assert pieces.text == ftfy.fix_text(text, _default_config()) == whole.text
    assert pieces.edits == whole.edits


def test_unicode_on_a_long_glued_document_is_ftfy() -> None:
    sample = REFERENCE.read_text(encoding="utf-8")
    broken = sample.replace("’", "â€™", 3) + "Tom &amp; Jerry <b>\n" + sample + "&amp;\n"
    text = (sample * 60 + broken) * 2  # > ftfy's 1M-character limit on the whole-text proof
    assert len(text) > _default_config().max_decode_length
    doc = UnicodeStage()(Document(text))
    assert doc.text == ftfy.fix_text(text, _default_config())
    assert doc.edits == UnicodeStage(piece_chars=10**9)(Document(text)).edits
    assert len(doc.edits) == 6


@pytest.fixture(scope="module")
def before_repair() -> tuple[RepairStage, Callable[[str], Document]]:
    """The default pipeline's repair stage, and what the stages before it make of a text."""
    pipeline = Pipeline(PipelineConfig.load().without(["grammar"]))
    names = [stage.name for stage in pipeline.stages]
    repair = pipeline.stages[names.index("repair")]
    assert isinstance(repair, RepairStage)

    def run_until_repair(text: str) -> Document:
        doc = Document(text)
        for stage in pipeline.stages[: names.index("repair")]:
            doc = stage(doc)
        return doc

    return repair, run_until_repair


def _same_result(first: Document, second: Document) -> None:
    assert first.text == second.text
    assert first.edits == second.edits
    assert dict(first.metadata) == dict(second.metadata)


@pytest.mark.parametrize("path", [REFERENCE, *sorted(SPUN_DIR.glob("*.txt"))], ids=lambda p: p.name)
def test_repair_region_by_region_is_repair_in_one_piece(
    before_repair: tuple[RepairStage, Callable[[str], Document]], path: Path
) -> None:
    repair, run_until_repair = before_repair
    doc = run_until_repair(path.read_text(encoding="utf-8"))
    whole = replace(repair, region_chars=10**12)(doc)
    assert any(edit.stage == "repair" for edit in whole.edits)
    for size in (1, 200, 1500):
        regional = replace(repair, region_chars=size)
        assert regional.by_regions(doc, "en") is not None  # the regions were used
        _same_result(regional(doc), whole)


def test_repair_of_a_long_glued_document_region_by_region(
    before_repair: tuple[RepairStage, Callable[[str], Document]],
) -> None:
    """The memory bench's document: the shared samples glued without a newline, so that no
    comment-tail cut shortens it; ~300k characters, several default-sized regions."""
    repair, run_until_repair = before_repair
    texts = [REFERENCE.read_text(encoding="utf-8")] + [
        p.read_text(encoding="utf-8") for p in sorted(SPUN_DIR.glob("*.txt"))
    ]
    doc = run_until_repair("".join(texts) * 12)
    assert len(doc.text) > 4 * repair.region_chars
    whole = replace(repair, region_chars=10**12)(doc)
    assert whole.metadata["spin_gate"]["spun"]
    _same_result(repair(doc), whole)


def test_a_code_fence_keeps_repair_in_one_piece(
    before_repair: tuple[RepairStage, Callable[[str], Document]],
) -> None:
    """A fence protects the text up to the next one across any number of lines, which a
    region cannot see: such a document is repaired in one piece."""
    repair, run_until_repair = before_repair
    sample = REFERENCE.read_text(encoding="utf-8")
    doc = run_until_repair(sample + "\n```\n" + sample + "\n```\n" + sample)
    small = replace(repair, region_chars=100)
    _same_result(small(doc), replace(repair, region_chars=10**12)(doc))


def _audit_pieces_and_line(result: Result, source: Source) -> tuple[bytes, bytes]:
    metrics = DocumentMetrics.of(result)
    pieces = b"".join(audit_line_pieces(result, source, "in.txt", "out.txt", 3, metrics))
    # The whole record, as a corpus run wrote it before lines were streamed.
    record = audit_record_head(result, source, "in.txt", "out.txt", 3, metrics)
    record["edits"] = [edit_to_json(edit) for edit in result.edits]
    record["view"] = final_spans(result)
    return pieces, json_line(record)


@pytest.mark.parametrize(
    "text",
    ["", "Clean text stays.\n", REFERENCE.read_text(encoding="utf-8") * 20],
    ids=["empty", "no-edits", "spun-glued"],
)
def test_the_streamed_audit_line_is_the_audit_line(text: str) -> None:
    pipeline = Pipeline(PipelineConfig.load().without(["grammar"]))
    result = pipeline.run(Document(text, {"title": "Ça va – “quoted”"}))
    pieces, line = _audit_pieces_and_line(result, Source(name="in.txt:1", text=text))
    assert pieces == line
    assert json.loads(line)["title"] == "Ça va – “quoted”"


def test_a_lone_surrogate_fails_the_streamed_audit_line_after_its_first_piece() -> None:
    """Readers refuse lone surrogates, but a library caller may pass one: the line fails part
    way (so the corpus writer cuts the audit back to where the line began)."""
    pipeline = Pipeline(PipelineConfig.load().without(["grammar", "repair"]))
    result = pipeline.run(Document("x \ud800 and more text after it"))
    assert result.text == "x \ufffd and more text after it"
    metrics = DocumentMetrics.of(result)
    pieces = audit_line_pieces(result, Source(name="api"), "in", "out", None, metrics)
    assert next(pieces).startswith(b'{"id": "api"')
    with pytest.raises(UnicodeEncodeError):
        list(pieces)


def test_a_run_that_does_not_keep_its_input_gives_the_same_result() -> None:
    pipeline = Pipeline(PipelineConfig.load().without(["grammar"]))
    raw = REFERENCE.read_bytes()
    kept = pipeline.clean_bytes(raw)
    lean = pipeline.run(Document.from_bytes(raw), keep_input=False)
    assert (lean.text, lean.edits, dict(lean.metadata)) == (
        kept.text,
        kept.edits,
        dict(kept.metadata),
    )
    assert lean.input_text == lean.extracted_text == ""
    assert lean.input_chars == kept.input_chars == len(raw.decode("utf-8"))
    assert DocumentMetrics.of(lean) == DocumentMetrics.of(kept)
