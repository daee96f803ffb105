"""JSONL lines that cannot be cleaned, as a new user's files hold them: each fails alone with
a reason that says what is wrong with it and what to do."""

from __future__ import annotations

import io

from cleaner.io.readers import read_jsonl


def _errors(data: bytes) -> list[tuple[str, str | None]]:
    return [(source.name, source.error) for source in read_jsonl(io.BytesIO(data), "feed.jsonl")]


def test_a_line_in_another_encoding_is_named_as_such_not_as_bad_json() -> None:
    data = '{"text": "Good."}\n{"text": "Café ok."}\n'.encode("cp1252")
    assert _errors(data) == [
        ("feed.jsonl:1", None),
        (
            "feed.jsonl:2",
            "not UTF-8 (byte 0xe9 at byte 14 of the line): JSONL is read as UTF-8; convert "
            "the file (a cp1252 or Latin-1 file: iconv -f cp1252 -t utf-8)",
        ),
    ]


def test_a_utf16_file_is_named_as_such() -> None:
    # With its BOM, as PowerShell's `>` writes it; split at b"\n", its lines are cut.
    data = '{"text": "x"}\n{"text": "y"}\n'.encode("utf-16")
    first_error = _errors(data)[0][1]
    assert first_error is not None and first_error.startswith("not UTF-8 (it reads as utf-16")


def test_a_line_that_is_not_an_object_says_what_it_is() -> None:
    data = b'[1, 2]\n"text"\n3\nnull\ntrue\n{"text": "Good."}\n'
    assert [error for _, error in _errors(data)] == [
        "a JSONL line must be a JSON object (here: an array)",
        "a JSONL line must be a JSON object (here: a string)",
        "a JSONL line must be a JSON object (here: a number)",
        "a JSONL line must be a JSON object (here: null)",
        "a JSONL line must be a JSON object (here: true or false)",
        None,
    ]


def test_crlf_lines_and_a_bom_on_the_first_and_a_later_line_are_read() -> None:
    data = b'\xef\xbb\xbf{"text": "One."}\r\n\r\n\xef\xbb\xbf{"text": "Two."}\r\n'
    sources = list(read_jsonl(io.BytesIO(data), "feed.jsonl"))
    assert [(s.name, s.error, s.text) for s in sources] == [
        ("feed.jsonl:1", None, "One."),
        ("feed.jsonl:3", None, "Two."),
    ]
