"""How far a text's bytes are UTF-8: its well-formed multi-byte characters against its
invalid byte runs. The decode stage reads UTF-8 that has a few broken bytes as UTF-8
(:func:`mostly_utf8`), and lets the bytes overrule a page's declared legacy charset only on
evidence beyond chance (:func:`clearly_utf8`)."""

from __future__ import annotations

_UTF8_REPLACEMENT = "\ufffd".encode()
_NON_ASCII_BYTES = bytes(range(0x80, 0x100))


def mostly_utf8(raw: bytes) -> bool:
    """Whether ``raw``'s well-formed multi-byte UTF-8 sequences are at least as many as its
    invalid bytes (and there are some): UTF-8, perhaps with a few broken bytes."""
    valid, invalid = utf8_evidence(raw)
    return bool(valid) and valid >= invalid


# Well-formed two-byte UTF-8 characters that outweigh a declaration when no longer sequence
# is there: a cp1252 capital and the punctuation after it ("É’" is C9 92) make one by chance.
MIN_UTF8_PAIRS_AGAINST_DECLARATION = 3


def clearly_utf8(raw: bytes) -> bool:
    """Whether ``raw``'s non-ASCII bytes are UTF-8 beyond chance, enough to overrule the
    legacy charset its page declares: at least twice as many well-formed multi-byte
    characters as invalid byte runs, and a three- or four-byte character among them (legacy
    text almost never holds one) or :data:`MIN_UTF8_PAIRS_AGAINST_DECLARATION` of them. One
    pair is no evidence: "NESTLÉ’S" in windows-1252 is valid UTF-8 ("NESTLɒS", review)."""
    valid, invalid = utf8_evidence(raw)
    if not valid or valid < 2 * invalid:
        return False
    text = raw.decode("utf-8", errors="replace")
    long_sequence = any(ord(char) >= 0x800 and char != "\ufffd" for char in text)
    return long_sequence or valid >= MIN_UTF8_PAIRS_AGAINST_DECLARATION


def utf8_evidence(raw: bytes) -> tuple[int, int]:
    """(well-formed multi-byte UTF-8 characters, invalid byte runs) in the whole of ``raw``."""
    text = raw.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - raw.count(_UTF8_REPLACEMENT)
    ascii_chars = len(raw.translate(None, _NON_ASCII_BYTES))
    return len(text) - ascii_chars - invalid, invalid
