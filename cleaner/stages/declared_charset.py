"""declared_charset: the character encoding a web page names for itself, as browsers read it.

A page names its encoding in the HTTP ``Content-Type`` header (``text/html; charset=koi8-r``,
kept by the WARC reader as the ``http_charset`` metadata) or in a ``<meta charset=...>`` /
``<meta http-equiv="Content-Type" content="...; charset=...">`` tag near its start. Browsers
take a byte-order mark first, then the header, then the tag (looked for in the first
:data:`META_PRESCAN_BYTES`, as the HTML standard's prescan does), and only then guess; a short
Russian page in windows-1251 guessed at byte by byte reads as cp1252 mojibake
("Íîâîñòè" for "Новости").

Labels are read as the WHATWG Encoding standard reads them, which differs from Python's codec
names in a few places that matter: ``iso-8859-1``, ``latin1`` and ``us-ascii`` mean
windows-1252 (pages so labelled use its curly quotes and dashes in 0x80-0x9F), ``gb2312``
means GBK/GB18030, ``shift_jis`` means Microsoft's Windows-31J, ``euc-kr`` means windows-949,
and a ``<meta>`` naming UTF-16 means UTF-8 (a page whose tag could be read as ASCII is not
UTF-16). Only the encodings of that standard are accepted: a label such as ``base64`` or
``rot13`` names a Python codec but not a text encoding, and is ignored like an unknown one.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

META_PRESCAN_BYTES = 1024
"""How far into a page a ``<meta>`` naming its charset is looked for: the HTML standard's
prescan reads 1024 bytes, so a tag further in is one browsers ignore too."""

HTTP_HEADER = "http-header"
META_TAG = "meta-tag"

# WHATWG labels whose encoding is not the Python codec of the same name (see the module doc).
_WHATWG_LABELS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "cp819": "cp1252",
    "ibm819": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "iso8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso8859-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "chinese": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "windows-949": "cp949",
    "big5": "big5hkscs",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "mac": "mac-roman",
    "unicode-1-1-utf-8": "utf-8",
    "unicode11utf8": "utf-8",
    "unicode20utf8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "utf-16": "utf-16-le",
    "utf-16le": "utf-16-le",
    "unicode": "utf-16-le",
    "ucs-2": "utf-16-le",
    "unicodefeff": "utf-16-le",
    "utf-16be": "utf-16-be",
    "unicodefffe": "utf-16-be",
}

# The Python codecs of the encodings the WHATWG standard names (after the relabelling above).
_TEXT_ENCODINGS = frozenset(
    {
        "utf-8",
        "utf-16-le",
        "utf-16-be",
        "cp866",
        *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)),
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "cp874",
        *(f"cp{n}" for n in range(1250, 1259)),
        "gb18030",
        "big5hkscs",
        "euc_jp",
        "iso2022_jp",
        "cp932",
        "cp949",
    }
)


@dataclass(frozen=True)
class Declaration:
    label: str
    """The charset as the page or its server wrote it (lower-cased)."""
    where: str
    """:data:`HTTP_HEADER` or :data:`META_TAG`."""
    codec: str | None
    """The Python codec browsers' reading of the label comes to; None for a label that names
    no encoding of the web (misspelt, or not a text encoding)."""


def codec_for_label(label: str, where: str = HTTP_HEADER) -> str | None:
    """The Python codec a browser decodes a page labelled ``label`` with, or None."""
    key = label.strip().strip("\"'").lower()
    codec = _WHATWG_LABELS.get(key)
    if codec is None:
        try:
            codec = codecs.lookup(key).name
        except LookupError:
            return None
        codec = _WHATWG_LABELS.get(codec, codec)
    if codec not in _TEXT_ENCODINGS:
        return None
    if where == META_TAG and codec.startswith("utf-16"):
        # The tag was read as ASCII bytes, so the page is not UTF-16: the standard reads it so.
        return "utf-8"
    return codec


_CHARSET_PARAMETER = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';,]+)""", re.IGNORECASE)


def charset_parameter(content_type: str) -> str | None:
    """The ``charset`` of a ``Content-Type`` value (``text/html; charset=KOI8-R`` gives
    ``koi8-r``), or None."""
    match = _CHARSET_PARAMETER.search(content_type)
    return match.group(1).lower() if match else None


_COMMENT = re.compile(rb"<!--.*?(?:-->|\Z)", re.DOTALL)
_META_TAG = re.compile(rb"<meta[\s/][^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    rb"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]*)))?""", re.IGNORECASE
)


def meta_charset(head: bytes) -> str | None:
    """The charset a ``<meta>`` tag in ``head`` (a page's first bytes) declares: its
    ``charset`` attribute, or the ``charset=`` in the ``content`` of one whose ``http-equiv``
    is ``Content-Type``. The first such tag wins; a tag inside a comment, or one the
    prescan window cuts before its ``>`` (``charset="ut`` of ``utf-8``), does not count."""
    text = _COMMENT.sub(b"", head[:META_PRESCAN_BYTES])
    for tag in _META_TAG.finditer(text):
        attributes: dict[bytes, bytes] = {}
        for match in _ATTRIBUTE.finditer(tag.group(0), 5):
            name = match.group(1).lower()
            value = next((v for v in match.groups()[1:] if v is not None), b"")
            attributes.setdefault(name, value)
        charset = attributes.get(b"charset", b"").strip()
        if charset:
            return charset.decode("latin-1").lower()
        if attributes.get(b"http-equiv", b"").strip().lower() == b"content-type":
            found = charset_parameter(attributes.get(b"content", b"").decode("latin-1"))
            if found:
                return found
    return None


def declarations(http_charset: str | None, head: bytes | None) -> list[Declaration]:
    """What a page declares its encoding to be, in browsers' order: the HTTP header's charset,
    then the meta tag's (``head`` is None when the document is not a web page). Unknown
    labels are kept (their codec None), so that the caller can say they were ignored."""
    found = []
    if http_charset:
        label = http_charset.strip().lower()
        found.append(Declaration(label, HTTP_HEADER, codec_for_label(label, HTTP_HEADER)))
    label_in_tag = meta_charset(head) if head is not None else None
    if label_in_tag:
        found.append(Declaration(label_in_tag, META_TAG, codec_for_label(label_in_tag, META_TAG)))
    return found
