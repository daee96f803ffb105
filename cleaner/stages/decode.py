"""decode: bytes to text.

UTF-8 (with or without a byte-order mark) is decoded as is. UTF-16/32 files are recognised by
their byte-order mark. Other legacy encodings (cp1252, latin-1, Shift-JIS...) are detected with
charset-normalizer. Binary files and text that is *broken* UTF-8 (valid multi-byte sequences
mixed with invalid bytes) are refused with a message saying where, rather than guessed at:
guessing would silently turn the broken bytes into mojibake.

Line endings are normalised to ``\\n`` as part of decoding, like Python's universal newlines.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

from cleaner.document import Document
from cleaner.errors import DocumentError
from cleaner.registry import StageSettings

NAME = "decode"
DESCRIPTION = "Bytes to text: UTF-8 (BOM or not), UTF-16/32 by BOM, legacy encodings detected; refuses binary files."

# How much of a file we look at to decide whether it is binary: a NUL byte in text files is
# essentially unheard of, and the first 8 KiB is what git and grep inspect as well.
BINARY_SNIFF_BYTES = 8192
# Share of C0 control bytes (other than tab, newline, carriage return, form feed, escape) above
# which a NUL-free file is still treated as binary.
MAX_CONTROL_BYTE_RATIO = 0.10
_TEXT_CONTROLS = {0x09, 0x0A, 0x0C, 0x0D, 0x1B}
# Every byte value except the binary-looking controls: deleting these from a chunk leaves
# exactly its control bytes, counted in C rather than a Python loop.
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in _TEXT_CONTROLS)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class DecodeStage:
    name: str = NAME
    description: str = DESCRIPTION
    errors: str = "strict"
    """'strict' refuses broken UTF-8; 'replace' decodes it with U+FFFD for each bad byte."""

    def __call__(self, doc: Document) -> Document:
        if doc.raw is None:
            return doc
        warnings: tuple[str, ...] = ()
        try:
            text, encoding = decode_bytes(doc.raw, self.errors)
        except DocumentError:
            # Browsers show a web page with a few invalid bytes, each as U+FFFD: so do we,
            # with a warning, rather than refuse the page.
            if self.errors != "strict" or not _is_html(doc):
                raise
            text, encoding = decode_bytes(doc.raw, "replace")
            warnings = (HTML_REPLACED_WARNING,)
        if "\r" in text:  # most files have none, and a replace scans the whole text
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        metadata = {**doc.metadata, "encoding": encoding}
        if warnings:
            metadata["warnings"] = (*doc.metadata.get("warnings", ()), *warnings)
        return Document(text=text, metadata=metadata, edits=doc.edits)


HTML_REPLACED_WARNING = (
    "invalid UTF-8 bytes in the HTML page were decoded as U+FFFD, as browsers do"
)
_HTML_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head)\b", re.I | re.S
)


def _is_html(doc: Document) -> bool:
    """A web page: declared HTML by its reader, or opening like one."""
    declared = doc.metadata.get("format")
    if declared is not None:
        return bool(declared == "html")
    return doc.raw is not None and bool(_HTML_START.match(doc.raw[:2048]))


def decode_bytes(raw: bytes, errors: str = "strict") -> tuple[str, str]:
    """Decode ``raw`` and name the encoding used; raise :class:`DocumentError` if we cannot."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    f"starts with a {encoding} byte-order mark but is not valid {encoding} "
                    f"(byte offset {exc.start})",
                    NAME,
                ) from exc
    _refuse_binary(raw)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if errors == "replace":
            return raw.decode("utf-8", errors="replace"), "utf-8 (invalid bytes replaced)"
        if _has_utf8_multibyte(raw):
            bad = raw[exc.start : exc.start + 1].hex()
            raise DocumentError(
                f"invalid UTF-8 at byte offset {exc.start} (byte 0x{bad}): the file mixes UTF-8 "
                "with bytes that are not UTF-8; fix the file or decode with "
                "--encoding-errors replace",
                NAME,
            ) from exc
    best = charset_normalizer.from_bytes(raw).best()
    if best is None:
        raise DocumentError("not valid UTF-8 and no other text encoding fits it", NAME)
    return str(best), best.encoding


def _refuse_binary(raw: bytes) -> None:
    head = raw[:BINARY_SNIFF_BYTES]
    nul = head.find(b"\x00")
    if nul != -1:
        raise DocumentError(f"binary file (NUL byte at offset {nul}), not text", NAME)
    if head:
        controls = len(head.translate(None, _NOT_CONTROL_BYTES))
        if controls / len(head) > MAX_CONTROL_BYTE_RATIO:
            raise DocumentError(
                f"binary file ({controls} control bytes in the first {len(head)}), not text", NAME
            )


def _has_utf8_multibyte(raw: bytes) -> bool:
    """True if ``raw`` holds at least one well-formed multi-byte UTF-8 sequence."""
    data = raw[: 1 << 20]
    for index, byte in enumerate(data):
        if byte < 0xC2 or byte > 0xF4:
            continue
        width = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
        chunk = data[index : index + width]
        if len(chunk) == width:
            try:
                chunk.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return True
    return False


def build(settings: StageSettings) -> DecodeStage:
    errors = str(settings.options.get("errors", "strict"))
    if errors not in {"strict", "replace"}:
        raise ValueError(f"decode: errors must be 'strict' or 'replace', not {errors!r}")
    return DecodeStage(errors=errors)
