from __future__ import annotations

import pytest

from cleaner.document import Document, LineIndex, Replacement, apply_replacements


def test_apply_replacements_logs_spans_against_the_input() -> None:
    doc = Document(text="one two\nthree four\n")
    out = apply_replacements(
        doc,
        "demo",
        [Replacement(8, 13, "THREE", "r.three"), Replacement(0, 3, "1", "r.one")],
    )
    assert out.text == "1 two\nTHREE four\n"
    assert [(e.rule_id, e.start, e.end, e.before, e.after, e.line) for e in out.edits] == [
        ("r.one", 0, 3, "one", "1", 1),
        ("r.three", 8, 13, "three", "THREE", 2),
    ]
    assert doc.text == "one two\nthree four\n", "the input document must not change"


def test_overlapping_replacements_are_refused() -> None:
    doc = Document(text="abcdef")
    with pytest.raises(ValueError, match="overlapping"):
        apply_replacements(doc, "demo", [Replacement(0, 3, "x", "a"), Replacement(2, 4, "y", "b")])


def test_no_op_replacement_records_no_edit() -> None:
    doc = Document(text="same")
    assert apply_replacements(doc, "demo", [Replacement(0, 4, "same", "r")]).edits == ()


def test_metadata_is_read_only() -> None:
    doc = Document(text="x", metadata={"a": 1})
    with pytest.raises(TypeError):
        doc.metadata["a"] = 2  # type: ignore[index]
    assert doc.with_metadata(a=2).metadata["a"] == 2
    assert doc.metadata["a"] == 1


def test_line_index() -> None:
    index = LineIndex("a\nbb\n\nccc")
    assert [index.line_of(i) for i in (0, 1, 2, 4, 5, 6, 8)] == [1, 1, 2, 2, 3, 4, 4]
