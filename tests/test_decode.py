from __future__ import annotations

import codecs

import pytest

from cleaner.errors import DocumentError
from cleaner.stages.decode import decode_bytes

TEXT = "Café “quotes” — naïve 😀\n"


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-32"), "utf-32"),
    ],
)
def test_unicode_encodings_round_trip(raw: bytes, encoding: str) -> None:
    assert decode_bytes(raw) == (TEXT, encoding)


def test_legacy_encoding_is_detected() -> None:
    text = "Le café était fermé, mais la crème brûlée restait délicieuse à Noël. " * 5
    decoded, encoding = decode_bytes(text.encode("cp1252"))
    assert decoded == text
    assert encoding.lower().replace("_", "") in {"cp1252", "windows1252", "latin1", "iso88591"}


def test_binary_is_refused() -> None:
    with pytest.raises(DocumentError, match=r"binary file \(NUL byte at offset 3\)"):
        decode_bytes(b"GIF\x00\x01\x02")
    with pytest.raises(DocumentError, match="control bytes"):
        decode_bytes(bytes(range(1, 32)) * 20)


def test_broken_utf8_is_refused_with_its_offset() -> None:
    raw = "déjà vu ".encode() + b"\xff\xfe broken"
    with pytest.raises(DocumentError, match=r"invalid UTF-8 at byte offset 10 \(byte 0xff\)"):
        decode_bytes(raw)
    text, encoding = decode_bytes(raw, errors="replace")
    assert "\ufffd" in text and text.startswith("déjà vu ")
    assert "replaced" in encoding


def test_empty_input_decodes_to_empty_text() -> None:
    assert decode_bytes(b"") == ("", "utf-8")
