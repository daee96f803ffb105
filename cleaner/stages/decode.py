"""decode: bytes to text.

UTF-8 (with or without a byte-order mark) is decoded as is. UTF-16/32 files are recognised by
their byte-order mark; UTF-16 without one by the pattern of its NUL bytes (mostly-Latin text) or,
in any script, by the regularity of its byte pairs or letters all of one script.
Other legacy encodings (cp1252, latin-1, Shift-JIS...) are detected with charset-normalizer.
Binary files and text that is *broken* UTF-8 (valid multi-byte sequences, anywhere in the
input, at least as many as the invalid bytes) are refused with a message saying where, rather
than guessed at: guessing would silently turn the broken bytes into mojibake.

A web page is the exception: an HTML document (declared by its reader, or sniffed as the extract
stage sniffs) with broken UTF-8 is decoded as browsers decode it, each invalid sequence as
U+FFFD, with a warning saying how many and where the first is. A browser shows its reader the
same page, so nothing is hidden; the replaced bytes are almost always in markup or a stray
character. Plain text keeps the refusal: a text file with a few bad bytes is usually a file
with pasted cp1252 or Latin-1 text (an "é" as 0xe9), where U+FFFD would silently lose letters
of the article itself; ``errors = "replace"`` (``--encoding-errors replace``) accepts that loss
knowingly.
A web page that declares its encoding (the HTTP ``Content-Type`` charset a WARC record keeps,
or a ``<meta>`` tag in its first 1024 bytes; see :mod:`declared_charset`) is decoded as
declared, as browsers decode it: after a byte-order mark, before any guess. The metadata
says where the encoding came from (``encoding_source``: ``bom``, ``http-header``,
``meta-tag`` or ``detected``) and what the page declared (``encoding_declared``). The bytes
overrule one declaration: a page declaring a legacy charset whose non-ASCII bytes are UTF-8
(common: iso-8859-1 is many a server's default) is UTF-8.
A legacy guess made on little evidence (a short text with a few non-ASCII bytes) prefers cp1252,
the web's usual legacy encoding, and says so in a warning with its confidence; unless its
cp1252 reading is mojibake ("Ìýð ïîîáåùàëà"), when the single-byte code page whose reading is
words of one script's common letters is taken (Russian in windows-1251 or KOI8-R, Greek,
Hebrew...), also with a warning.

Line endings are normalised to ``\\n`` as part of decoding, like Python's universal newlines.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, replace

import charset_normalizer

from cleaner.document import Document, add_warning
from cleaner.errors import DocumentError
from cleaner.registry import StageSettings
from cleaner.stages.declared_charset import META_PRESCAN_BYTES, Declaration, declarations
from cleaner.stages.extract import looks_like_html
from cleaner.stages.short_legacy import mojibake_words, non_latin_reading
from cleaner.stages.utf8_evidence import clearly_utf8, mostly_utf8, utf8_evidence

NAME = "decode"
OPTIONS = frozenset({"errors"})
DESCRIPTION = (
    "Bytes to text: BOM, then a web page's declared charset (HTTP header, <meta>), then "
    "detection: UTF-8, UTF-16 without BOM, legacy encodings; refuses binary files."
)

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

MIN_UTF16_NUL_SHARE = 0.5
"""Share of the 16-bit units in the first :data:`BINARY_SNIFF_BYTES` with a NUL high byte
(a Latin-1 character) that a file without a byte-order mark needs to be read as UTF-16: at
least half of its characters Latin-1 (an English, French or German text has nearly all; a
Russian one with its spaces and digits may not, and is then refused as binary, as before);
the other half of its bytes must hold (almost) no NUL at all."""

LEGACY_EVIDENCE_BYTES = 64
"""Non-ASCII bytes a legacy-encoding guess needs before it is trusted fully: about a paragraph
of accented Western text, or 32 CJK characters. Below it, candidate encodings tie (a few bytes
decode "cleanly" in dozens of code pages) and the confidence drops in proportion."""
LOW_CONFIDENCE = 0.5
"""Legacy guesses below this confidence come with a warning."""
SHORT_INPUT_FALLBACK = "cp1252"
_ASCII_BYTES = bytes(range(0x80, 0x100))
_UTF8_REPLACEMENT = "\ufffd".encode()

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
        declared = _declarations(doc)
        decoded, warnings, used = _decode_as_declared(doc.raw, declared)
        if decoded is None:
            decoded, warnings = self._detect(doc)
            if used is not None and decoded.encoding.startswith("utf-8"):
                decoded = replace(decoded, source=used.where)  # UTF-8, as declared
        text = decoded.text
        if "\r" in text:  # most files have none, and a replace scans the whole text
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        metadata = {**doc.metadata, "encoding": decoded.encoding, "encoding_source": decoded.source}
        if declared:
            metadata["encoding_declared"] = "; ".join(f"{d.label} ({d.where})" for d in declared)
        for unknown in (d for d in declared if d.codec is None):
            warnings.append(
                f"the {unknown.where} names the charset {unknown.label!r}, which is no "
                f"encoding of the web; ignored, decoded as {decoded.encoding}"
            )
        if decoded.confidence < 1.0:
            metadata["encoding_confidence"] = decoded.confidence
        if decoded.warning:
            warnings.append(decoded.warning)
        out = Document(text=text, metadata=metadata, edits=doc.edits)
        for warning in warnings:
            out = add_warning(out, warning)
        return out

    def _detect(self, doc: Document) -> tuple[Decoded, list[str]]:
        """Decoded by its byte-order mark or, failing that, by what its bytes show."""
        assert doc.raw is not None
        try:
            return decode_with_confidence(doc.raw, self.errors), []
        except DocumentError:
            # Browsers show a web page with a few invalid bytes, each as U+FFFD: so do we,
            # with a warning, rather than refuse the page.
            if self.errors != "strict":
                raise
            decoded = decode_with_confidence(doc.raw, "replace")
            if not _is_html(doc, decoded.text):
                raise
            return decoded, [replaced_warning(doc.raw)]


def _declarations(doc: Document) -> list[Declaration]:
    """The charsets a document's server and page declare (see :mod:`declared_charset`): none
    for a file with a byte-order mark (which browsers put before any declaration). The meta
    tag is looked for only in web pages."""
    raw = doc.raw or b""
    if any(raw.startswith(bom) for bom, _ in _BOMS):
        return []
    http_charset = doc.metadata.get("http_charset")
    return declarations(
        http_charset if isinstance(http_charset, str) else None,
        raw[:META_PRESCAN_BYTES] if _is_html_head(doc, raw) else None,
    )


def _decode_as_declared(
    raw: bytes, declared: list[Declaration]
) -> tuple[Decoded | None, list[str], Declaration | None]:
    """``raw`` decoded by the first declaration its bytes do not overrule, with its
    warnings; (None, [], that declaration) when it names UTF-8, which detection decodes
    (broken or not) as it always has; (None, [], None) when no declaration holds.

    A declaration the bytes overrule gives way to the next: UTF-8 over bytes that are not
    UTF-8 (a server's default header over a page in windows-1251 that says so in its tag), a
    legacy charset over UTF-8 (see :func:`_decode_declared`), UTF-16 over ASCII markup."""
    for declaration in declared:
        if declaration.codec is None:
            continue
        if declaration.codec == "utf-8":
            if raw.isascii() or mostly_utf8(raw):
                return None, [], declaration
            continue
        decoded, warnings = _decode_declared(raw, declaration)
        if decoded is not None:
            return decoded, warnings, None
    return None, [], None


def _is_html_head(doc: Document, raw: bytes) -> bool:
    """A web page by its reader's word or, format unknown, by its first bytes (read as
    Latin-1, which keeps every byte of the markup) opening like one."""
    declared = doc.metadata.get("format", "auto")
    if declared != "auto":
        return bool(declared == "html")
    return looks_like_html(raw[:META_PRESCAN_BYTES].decode("latin-1"))


def _decode_declared(raw: bytes, declared: Declaration) -> tuple[Decoded | None, list[str]]:
    """``raw`` decoded with the encoding its page declares, as browsers decode it (bytes the
    encoding does not define become U+FFFD, with a warning); (None, []) when its bytes show
    the declaration is wrong and detection must decide instead.

    The one declaration the bytes overrule: a page that declares a legacy charset (most often
    iso-8859-1 or windows-1252, a server's or template's default) but whose non-ASCII bytes
    are UTF-8 (its well-formed multi-byte sequences at least as many as its invalid bytes, as
    for the broken-UTF-8 refusal). Legacy text is almost never UTF-8 by chance: a Latin-1
    "é" (0xE9) or a cp1251 Cyrillic letter (0xC0-0xFF) is a UTF-8 lead byte that the next
    letter does not continue; decoding such a page as declared would turn each of its
    characters into two or three of mojibake."""
    assert declared.codec is not None
    if declared.codec == "utf-8":
        return None, []  # detection decodes UTF-8 (broken or not), and says so
    if declared.codec.startswith("utf-16"):
        if b"\x00" not in raw[:BINARY_SNIFF_BYTES]:
            return None, []  # its markup is ASCII, which in UTF-16 holds NULs: not UTF-16
        try:
            return Decoded(raw.decode(declared.codec), declared.codec, source=declared.where), []
        except UnicodeDecodeError:
            return None, []
    if not raw.isascii() and clearly_utf8(raw):
        return None, []
    _refuse_binary(raw)
    try:
        return Decoded(raw.decode(declared.codec), declared.codec, source=declared.where), []
    except UnicodeDecodeError as exc:
        text = raw.decode(declared.codec, errors="replace")
        count = text.count("\ufffd") - raw.decode(declared.codec, errors="ignore").count("\ufffd")
        plural = "s" if count != 1 else ""
        warning = (
            f"bytes that {declared.codec} (declared in the {declared.where}) does not define "
            f"decoded as U+FFFD, as browsers do: {count} sequence{plural}, the first at byte "
            f"offset {exc.start}"
        )
        return Decoded(text, declared.codec, source=declared.where), [warning]


HTML_REPLACED_WARNING = "invalid UTF-8 in the HTML page decoded as U+FFFD, as browsers do"
"""The start of the warning an HTML page with invalid UTF-8 gets; :func:`replaced_warning`
adds how many sequences were replaced and where the first one is."""


def replaced_warning(raw: bytes) -> str:
    """The warning for ``raw`` decoded as UTF-8 with U+FFFD: how many invalid sequences were
    replaced (one U+FFFD each, as in a browser) and the byte offset of the first."""
    body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        body.decode("utf-8")
        first = -1
    except UnicodeDecodeError as exc:
        first = exc.start + len(raw) - len(body)
    count = body.decode("utf-8", errors="replace").count("\ufffd") - body.count(_UTF8_REPLACEMENT)
    plural = "s" if count != 1 else ""
    return (
        f"{HTML_REPLACED_WARNING}: {count} invalid sequence{plural}, the first at byte "
        f"offset {first}"
    )


def _is_html(doc: Document, text: str) -> bool:
    """A web page: declared HTML by its reader, or (format unknown) opening like one, as the
    extract stage decides."""
    declared = doc.metadata.get("format", "auto")
    if declared != "auto":
        return bool(declared == "html")
    return looks_like_html(text)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    confidence: float = 1.0
    """1 for Unicode encodings; for a legacy guess, how much evidence it rests on (0-1)."""
    warning: str | None = None
    source: str = "detected"
    """Where the encoding came from: ``bom``, ``http-header``, ``meta-tag`` or ``detected``."""


def decode_bytes(raw: bytes, errors: str = "strict") -> tuple[str, str]:
    """Decode ``raw`` and name the encoding used; raise :class:`DocumentError` if we cannot."""
    decoded = decode_with_confidence(raw, errors)
    return decoded.text, decoded.encoding


def decode_with_confidence(raw: bytes, errors: str = "strict") -> Decoded:
    """Decode ``raw``, with the confidence of a legacy-encoding guess and a warning when it
    is low; raise :class:`DocumentError` if we cannot."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return Decoded(raw.decode(encoding), encoding, source="bom")
            except UnicodeDecodeError as exc:
                if errors == "replace" and encoding == "utf-8-sig":
                    replaced = raw.decode(encoding, errors="replace")
                    return Decoded(replaced, "utf-8-sig (invalid bytes replaced)", source="bom")
                raise DocumentError(
                    f"starts with a {encoding} byte-order mark but is not valid {encoding} "
                    f"(byte offset {exc.start})",
                    NAME,
                ) from exc
    utf16 = _bomless_utf16(raw)
    if utf16 is not None:
        return utf16
    _refuse_binary(raw)
    try:
        return Decoded(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        if errors == "replace":
            return Decoded(raw.decode("utf-8", errors="replace"), "utf-8 (invalid bytes replaced)")
        valid, invalid = utf8_evidence(raw)
        if valid and valid >= invalid:
            bad = raw[exc.start : exc.start + 1].hex()
            raise DocumentError(
                f"invalid UTF-8 at byte offset {exc.start} (byte 0x{bad}): the file mixes UTF-8 "
                "with bytes that are not UTF-8; fix the file or decode with "
                "--encoding-errors replace",
                NAME,
            ) from exc
    return _guess_legacy(raw)


def _guess_legacy(raw: bytes) -> Decoded:
    best = charset_normalizer.from_bytes(raw).best()
    non_ascii = len(raw) - len(raw.translate(None, _ASCII_BYTES))
    evidence = min(1.0, non_ascii / LEGACY_EVIDENCE_BYTES)
    if evidence < 1.0:
        try:
            text, encoding, chaos = raw.decode(SHORT_INPUT_FALLBACK), SHORT_INPUT_FALLBACK, 0.0
            if mojibake_words(text) >= 2:
                non_latin = non_latin_reading(raw)
                if non_latin is not None:
                    return _short_guess(non_latin, non_ascii, evidence)
                return _short_guess((text, encoding), non_ascii, evidence)
        except UnicodeDecodeError:
            if best is None:
                raise DocumentError(
                    "not valid UTF-8 and no other text encoding fits it", NAME
                ) from None
            text, encoding, chaos = str(best), best.encoding, best.chaos
    elif best is None:
        raise DocumentError("not valid UTF-8 and no other text encoding fits it", NAME)
    else:
        text, encoding, chaos = str(best), best.encoding, best.chaos
    confidence = round(evidence * (1.0 - chaos), 2)
    warning = None
    if confidence < LOW_CONFIDENCE:
        warning = (
            f"not UTF-8; decoded as {encoding}, a guess with low confidence ({confidence:.2f}: "
            f"{non_ascii} non-ASCII byte{'s' if non_ascii != 1 else ''} to go on); check the "
            "text, or convert the file to UTF-8 first"
        )
    return Decoded(text, encoding, confidence, warning)


def _short_guess(reading: tuple[str, str], non_ascii: int, evidence: float) -> Decoded:
    """A short text whose cp1252 reading is mojibake, decoded as ``reading`` (the best
    non-Latin reading, or cp1252 when none is clearly right), always with a warning: the
    code pages are told apart by a few words."""
    text, encoding = reading
    confidence = round(min(evidence, LOW_CONFIDENCE - 0.01), 2)
    how = (
        "a guess from the shape of its words (read as cp1252 they were mojibake)"
        if encoding != SHORT_INPUT_FALLBACK
        else "the default guess, though its words read so look like mojibake"
    )
    warning = (
        f"not UTF-8; decoded as {encoding}, {how}, with low confidence "
        f"({confidence:.2f}: {non_ascii} non-ASCII bytes to go on); check the text, or "
        "convert the file to UTF-8 first"
    )
    return Decoded(text, encoding, confidence, warning)


def _bomless_utf16(raw: bytes) -> Decoded | None:
    """UTF-16 written without a byte-order mark (some Windows tools, exports from
    spreadsheets), recognised by the NUL bytes of its Latin characters: in mostly-ASCII
    UTF-16-LE every odd byte is NUL and no even one is (the reverse in big-endian). Without
    this the file was refused as binary (its first NUL). Binary data can have NULs in a
    pattern too, so the text it decodes to must look like text: no NUL character, and no
    more control characters than a text file has. None when it is not such UTF-16 (text
    with few Latin letters is left to :func:`_bomless_utf16_any_script`)."""
    encoding = _utf16_nul_pattern(raw)
    if encoding is None:
        return _bomless_utf16_any_script(raw)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    if "\x00" in text or _not_text_characters(text[:BINARY_SNIFF_BYTES]) > (
        len(text[:BINARY_SNIFF_BYTES]) * MAX_CONTROL_BYTE_RATIO
    ):
        return None
    warning = f"no byte-order mark; decoded as {encoding}, which its NUL bytes show"
    return Decoded(text, encoding, warning=warning)


MAX_UTF16_HIGH_BYTE_VARIETY = 2 / 3
"""How varied the high bytes of BOM-less UTF-16 in any script may be, as a share of the
variety of its low bytes (distinct values in the first :data:`BINARY_SNIFF_BYTES`). A
script's letters share a 256-character block, so their high bytes repeat: Russian, Greek or
Hebrew text has two (its block's and 0x00 for spaces and digits) against dozens of low
bytes; Japanese kana share 0x30 and its kanji spread over the 0x4E-0x9F rows while their
low bytes take nearly every value. In binary data (compressed, random, machine code) the
two halves of each byte pair are alike."""
MAX_UTF16_NOT_TEXT_SHARE = 0.01
"""Characters that text does not hold (see :func:`_not_text_characters`) BOM-less UTF-16
read in any script may have: a stray control at most. Pairs of random bytes decode to
private-use, unassigned or surrogate code points about one time in eight."""


def _bomless_utf16_any_script(raw: bytes) -> Decoded | None:
    """UTF-16 without a byte-order mark in a script other than Latin (Russian, Greek,
    Japanese...), whose NUL bytes are too few for :func:`_utf16_nul_pattern`: its spaces,
    digits and newlines (``" "`` is ``20 00`` in UTF-16-LE) put NULs in the file, which was
    then refused as binary. Recognised by the regularity of its byte pairs (one byte of each
    pair far less varied than the other, :data:`MAX_UTF16_HIGH_BYTE_VARIETY`), a strict
    decode, no NUL character and (almost) no character text does not hold. A file with no
    NUL in its head is left to the other checks: it was never refused as binary."""
    head = raw[: BINARY_SNIFF_BYTES & ~1]
    if len(raw) % 2 or len(head) < 4 or not _refused_as_binary(head):
        return None
    if _ascii_with_stray_nuls(head):
        return None
    even, odd = set(head[0::2]), set(head[1::2])
    # The high byte of a UTF-16-LE unit is its second (odd) byte; the less varied half of
    # the pairs is tried as the high byte first.
    candidates = [(odd, even, "utf-16-le"), (even, odd, "utf-16-be")]
    candidates.sort(key=lambda candidate: len(candidate[0]) - len(candidate[1]))
    for high, low, encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[: BINARY_SNIFF_BYTES // 2]
        if "\x00" in text or (
            _not_text_characters(sample) > len(sample) * MAX_UTF16_NOT_TEXT_SHARE
        ):
            continue
        if len(high) <= len(low) * MAX_UTF16_HIGH_BYTE_VARIETY:
            shows = "the regular pattern of its byte pairs shows"
        elif _one_script(sample):
            shows = "its letters, all of one script, show"
        else:
            continue
        warning = f"no byte-order mark; decoded as {encoding}, which {shows}"
        return Decoded(text, encoding, warning=warning)
    return None


_PRINTABLE_ASCII = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}
# Fewer NULs than this share of the bytes, among printable ASCII, are stray bytes in text.
MAX_STRAY_NUL_SHARE = 0.05


def _ascii_with_stray_nuls(head: bytes) -> bool:
    """Whether ``head`` is printable ASCII but for a few NUL bytes, or NULs on both halves of
    the byte pairs (fields separated by NULs): text or data with NULs in it, not UTF-16. Read
    as UTF-16, such ASCII pairs fall in the CJK block and pass for Chinese (review: a text
    file with one stray NUL came out as ideographs). Non-Latin UTF-16 has bytes outside
    printable ASCII (Cyrillic's 0x04, the high bytes of kana and CJK), and its NULs, the high
    bytes of its spaces and digits, fall on one half of the pairs."""
    nuls = head.count(0)
    if not set(head.replace(b"\0", b"")) <= _PRINTABLE_ASCII:
        return False
    both_halves = 0 in head[0::2] and 0 in head[1::2]
    return both_halves or nuls < len(head) * MAX_STRAY_NUL_SHARE


MIN_ONE_SCRIPT_LETTERS = 12
"""Letters a short BOM-less UTF-16 text needs before :func:`_one_script` vouches for it. The
largest script block, the core CJK ideographs (U+4E00-U+9FFF), holds a third of all 16-bit
values: pairs of random bytes decode to twelve of them about once in a million."""

# Japanese writes kanji (CJK ideographs), hiragana and katakana in one sentence: one script
# to the reader. Hangul stays apart (modern Korean seldom mixes in hanja): with it, over half
# of all random 16-bit values would be "one script".
_SCRIPT_FAMILY = {"HIRAGANA": "CJK", "KATAKANA": "CJK"}
_CORE_CJK = range(0x4E00, 0xA000)


def _one_script(sample: str) -> bool:
    """Whether the letters of ``sample`` (Unicode categories L and M) are at least
    :data:`MIN_ONE_SCRIPT_LETTERS`, all but one in twenty of one script (by the first word
    of their Unicode names: CYRILLIC, GREEK, CJK...). Short Chinese text in UTF-16 has no
    regular byte pairs (each ideograph's high byte differs), but its letters are all CJK;
    random bytes decode to letters of a dozen scripts."""
    scripts: dict[str, int] = {}
    for char in sample:
        if unicodedata.category(char)[0] in "LM":
            word = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
            if word == "CJK" and ord(char) not in _CORE_CJK:
                word = "CJK-EXTENSION"  # rare in text, a sixth of random values
            script = _SCRIPT_FAMILY.get(word, word)
            scripts[script] = scripts.get(script, 0) + 1
    letters = sum(scripts.values())
    return letters >= MIN_ONE_SCRIPT_LETTERS and max(scripts.values()) >= letters * 0.95


def _refused_as_binary(head: bytes) -> bool:
    """Whether :func:`_refuse_binary` refuses a file opening with ``head``: a NUL, or too
    many control bytes (Japanese UTF-16 without spaces or digits has no NUL, but its low
    bytes are often controls)."""
    if b"\x00" in head:
        return True
    return len(head.translate(None, _NOT_CONTROL_BYTES)) > len(head) * MAX_CONTROL_BYTE_RATIO


def _utf16_nul_pattern(raw: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the NUL bytes of ``raw``'s head fall as those of
    mostly-Latin UTF-16 do (at least half the units' high bytes, almost none of the low
    ones), else None."""
    head = raw[: BINARY_SNIFF_BYTES & ~1]
    if len(raw) % 2 or len(head) < 4:
        return None
    units = len(head) // 2
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    for nuls, others, encoding in (
        (odd_nuls, even_nuls, "utf-16-le"),
        (even_nuls, odd_nuls, "utf-16-be"),
    ):
        if nuls >= units * MIN_UTF16_NUL_SHARE and others <= units * MAX_CONTROL_BYTE_RATIO / 10:
            return encoding
    return None


_NOT_TEXT_CATEGORIES = frozenset({"Cn", "Co", "Cs"})


def _not_text_characters(sample: str) -> int:
    """Characters a text does not hold: C0 controls but tab, newline, form feed, carriage
    return and escape; C1 controls (U+0080-U+009F); and unassigned, private-use and surrogate
    code points. 16-bit binary numbers in 0x0080-0x00FF decode to Latin-1 letters and C1
    controls: counting C0 controls alone let random bytes through as "UTF-16 text" (a quarter
    of such units are C1 controls; Latin-1 text written as UTF-16 has none)."""
    encoded = sample.encode("utf-8", "surrogatepass")
    count = len(encoded.translate(None, _NOT_CONTROL_BYTES))
    if encoded.isascii():
        return count
    for char in sample:
        if char >= "\x80" and (
            char <= "\x9f" or unicodedata.category(char) in _NOT_TEXT_CATEGORIES
        ):
            count += 1
    return count


def _refuse_binary(raw: bytes) -> None:
    head = raw[:BINARY_SNIFF_BYTES]
    nul = head.find(b"\x00")
    if nul != -1:
        hint = ""
        encoding = _utf16_nul_pattern(raw)
        if encoding is not None:
            # Its NULs fall as UTF-16's do, but the text it decodes to is not text (or is
            # not valid UTF-16): say so, the user may know better (add a byte-order mark).
            hint = (
                f"; it looks like {encoding.upper()} without a byte-order mark, but decoded "
                "so it holds control, unassigned or private-use characters"
            )
        raise DocumentError(f"binary file (NUL byte at offset {nul}), not text{hint}", NAME)
    if head:
        controls = len(head.translate(None, _NOT_CONTROL_BYTES))
        if controls / len(head) > MAX_CONTROL_BYTE_RATIO:
            raise DocumentError(
                f"binary file ({controls} control bytes in the first {len(head)}), not text", NAME
            )


def build(settings: StageSettings) -> DecodeStage:
    errors = str(settings.options.get("errors", "strict"))
    if errors not in {"strict", "replace"}:
        raise ValueError(f"decode: errors must be 'strict' or 'replace', not {errors!r}")
    return DecodeStage(errors=errors)
