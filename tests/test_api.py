"""The library API as a new user meets it: wrong inputs give typed errors that say what is
wrong, a stream never stops on one bad item, and nothing needs LanguageTool when grammar is
skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner import Cleaner, ConfigError, DocumentError, Result, ServiceError, clean


@pytest.fixture(scope="module")
def cleaner() -> Cleaner:
    return Cleaner.from_config(skip=["grammar"])


def test_a_mapping_without_the_text_field_is_an_error_not_an_empty_document(
    cleaner: Cleaner,
) -> None:
    [missing] = cleaner.clean_documents([{"body": "The vote passed."}])
    assert isinstance(missing, DocumentError)
    assert "document 1: field 'text' is missing or not a string (here: absent)" in str(missing)


def test_a_stream_item_of_another_type_fails_alone_naming_its_place(cleaner: Cleaner) -> None:
    results = list(
        cleaner.clean_documents(
            ["The vote passed.", None, 5, b"Bytes are decoded.", ["x"]]  # type: ignore[list-item]
        )
    )
    assert [type(r) for r in results] == [
        Result,
        DocumentError,
        DocumentError,
        Result,
        DocumentError,
    ]
    assert str(results[1]) == "document 2 is None, not text, bytes or a mapping"
    assert str(results[2]) == "document 3 is an int, not text, bytes or a mapping"
    assert str(results[4]) == "document 5 is a list, not text, bytes or a mapping"
    first, fourth = results[0], results[3]
    assert isinstance(first, Result) and first.text == "The vote passed."
    assert isinstance(fourth, Result) and fourth.text == "Bytes are decoded."


@pytest.mark.parametrize("wrong", [None, 5, ["The vote passed."]])
def test_cleaning_something_that_is_not_a_document_is_a_clear_type_error(
    cleaner: Cleaner, wrong: object
) -> None:
    with pytest.raises(TypeError, match=f"text \\(str\\) or bytes, not {type(wrong).__name__}"):
        cleaner.clean(wrong)  # type: ignore[arg-type]


def test_skip_given_as_one_string_names_stages_not_letters() -> None:
    assert "grammar" not in Cleaner.from_config(skip="grammar").config.stages
    both = Cleaner.from_config(skip="grammar, repair").config.stages
    assert "grammar" not in both and "repair" not in both and "chrome" in both
    assert clean("The vote passed.", skip="grammar").text == "The vote passed."


def test_a_max_bytes_that_is_not_a_positive_size_is_a_config_error() -> None:
    for wrong in (0, -1, 2.5, True):
        with pytest.raises(ConfigError, match="max_bytes must be a positive number of bytes"):
            Cleaner.from_config(skip="grammar", max_bytes=wrong)  # type: ignore[arg-type]


def test_clean_honours_the_settings_from_config_takes(tmp_path: Path) -> None:
    """`clean(text, **metadata)` took every keyword as metadata: `languagetool_url=` (in the
    README), `max_bytes=` and `rules_dir=` were silently ignored, and the URL ended up in
    the result's metadata. Each is honoured now; other keywords stay metadata."""
    document = "An FBI agent ate a apple on the morning of the vote."
    # Nothing listens on port 1: the grammar stage must try the given server and fail.
    with pytest.raises(ServiceError):
        clean(document, languagetool_url="http://127.0.0.1:1")
    with pytest.raises(DocumentError, match="above the"):
        clean(document, skip="grammar", max_bytes=10)
    with pytest.raises(ConfigError, match="nope"):
        clean(document, skip="grammar", rules_dir=tmp_path / "nope")
    with pytest.raises(ConfigError, match="not a LanguageTool server's URL"):
        clean(document, skip="grammar", languagetool_url="notaurl")
    result = clean(document, skip="grammar", source="vote.txt")
    assert result.metadata["source"] == "vote.txt"
    assert "languagetool_url" not in result.metadata
