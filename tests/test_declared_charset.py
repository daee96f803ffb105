"""A web page's declared charset: a byte-order mark first, then the HTTP header's charset (a WARC
record's), then a ``<meta>`` tag in the first 1024 bytes, and only then detection, as browsers
decide. A short Russian page in windows-1251 was guessed as cp1252 ("Íîâîñòè" for "Новости")
with no warning; so were KOI8-R, ISO-8859-7 and WARC records naming koi8-r or iso-8859-5.
The pages here are our own sentences."""

from __future__ import annotations

import codecs
import json
from io import BytesIO
from pathlib import Path

import pytest
from conftest import run_cli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaner.document import Document
from cleaner.io.warc import read_warc_path
from cleaner.stages.declared_charset import codec_for_label, meta_charset
from cleaner.stages.decode import DecodeStage

RUSSIAN = "Новости", "Мэр пообещала показать план нового моста в будущем месяце."
GREEK = "Ειδήσεις", "Η δήμαρχος υποσχέθηκε νέο σχέδιο για τη γέφυρα."
JAPANESE = "ニュース", "市長は来月、新しい橋の計画を発表すると約束した。"


def page(title: str, body: str, head: str = "") -> str:
    return (
        f"<html><head>{head}<title>{title}</title></head>"
        f"<body><article><p>{body}</p></article></body></html>"
    )


def decode(raw: bytes, **metadata: str) -> Document:
    return DecodeStage()(Document.from_bytes(raw, {"format": "html", **metadata}))


@pytest.mark.parametrize(
    ("words", "charset", "head"),
    [
        (RUSSIAN, "windows-1251", '<meta charset="windows-1251">'),
        (RUSSIAN, "koi8-r", '<meta http-equiv="Content-Type" content="text/html; charset=KOI8-R">'),
        (RUSSIAN, "iso-8859-5", "<meta charset=iso-8859-5 />"),
        (GREEK, "iso-8859-7", "<meta charset='ISO-8859-7'>"),
        (
            JAPANESE,
            "shift_jis",
            '<meta content="text/html; charset=Shift_JIS" http-equiv=content-type>',
        ),
        (JAPANESE, "euc-jp", '<meta charset="euc-jp">'),
    ],
)
def test_meta_charset_decodes_a_short_page(words: tuple[str, str], charset: str, head: str) -> None:
    html = page(*words, head=head)
    doc = decode(html.encode(charset))
    assert doc.text == html
    assert doc.metadata["encoding_source"] == "meta-tag"
    assert doc.metadata["encoding_declared"].startswith(charset.lower())
    assert "encoding_confidence" not in doc.metadata  # declared, not guessed
    assert not doc.metadata.get("warnings"), doc.metadata


def test_sniffed_html_of_unknown_format_reads_its_meta_tag_but_plain_text_does_not() -> None:
    html = page(*RUSSIAN, head='<meta charset="windows-1251">')
    doc = DecodeStage()(Document.from_bytes(html.encode("cp1251")))  # format auto
    assert doc.text == html and doc.metadata["encoding_source"] == "meta-tag"
    text = 'A note on the tag <meta charset="koi8-r"> and the café.\n'
    doc = DecodeStage()(Document.from_bytes(text.encode("utf-8"), {"format": "text"}))
    assert doc.text == text and doc.metadata["encoding_source"] == "detected"
    assert "encoding_declared" not in doc.metadata


@pytest.mark.parametrize(
    "declared", ["iso-8859-1", "windows-1252", "us-ascii", "windows-1251", "koi8-r"]
)
def test_a_page_declaring_a_legacy_charset_whose_bytes_are_utf8_stays_utf8(declared: str) -> None:
    """Many pages declare a server's or template's default (iso-8859-1, windows-1252) and are
    UTF-8: decoding them as declared turns each non-ASCII letter into two of mojibake."""
    for words in (("Café news", "The café reopened on the Champs-Élysées — “at last”."), RUSSIAN):
        html = page(*words, head=f'<meta charset="{declared}">')
        doc = decode(html.encode("utf-8"))
        assert doc.text == html
        assert doc.metadata["encoding"] == "utf-8"
        assert doc.metadata["encoding_source"] == "detected"
        assert doc.metadata["encoding_declared"] == f"{declared} (meta-tag)"


def test_utf8_with_a_stray_invalid_byte_beats_a_latin1_declaration() -> None:
    """Mostly UTF-8 (one cp1252 byte pasted in): its UTF-8 is the evidence; the stray byte is
    U+FFFD with the usual warning, not the whole page as cp1252."""
    html = page(
        "Café news", "The café “reopened” on Sunday, said the owner.", '<meta charset="iso-8859-1">'
    )
    raw = html.encode("utf-8").replace(b"Sunday", b"Sunday \x96")
    doc = decode(raw)
    assert doc.text == html.replace("Sunday", "Sunday \ufffd")
    assert any("invalid UTF-8" in w for w in doc.metadata["warnings"])


def test_genuine_windows_1252_page_is_decoded_as_declared() -> None:
    html = page(
        "Café news", "The “café” reopened – said the owner, 3 €.", '<meta charset="iso-8859-1">'
    )
    doc = decode(html.encode("cp1252"))
    assert doc.text == html  # iso-8859-1 means windows-1252 on the web: curly quotes, dash, euro
    assert doc.metadata["encoding"] == "cp1252"
    assert doc.metadata["encoding_source"] == "meta-tag"


def test_bytes_the_declared_charset_lacks_become_replacement_characters_with_a_warning() -> None:
    html = page(*RUSSIAN, head='<meta charset="windows-1251">')
    raw = html.encode("cp1251").replace(b"\xcc\xfd\xf0", b"\xcc\x98\xfd\xf0")  # 0x98: undefined
    doc = decode(raw)
    assert doc.text == html.replace("Мэр", "М\ufffdэр")
    (warning,) = doc.metadata["warnings"]
    assert "cp1251 (declared in the meta-tag)" in warning and "1 sequence," in warning


def test_a_byte_order_mark_beats_the_declaration() -> None:
    html = page(*RUSSIAN, head='<meta charset="windows-1251">')
    doc = decode(codecs.BOM_UTF8 + html.encode("utf-8"))
    assert doc.text == html and doc.metadata["encoding_source"] == "bom"


def test_a_tag_in_a_comment_or_past_the_prescan_or_naming_no_encoding_is_ignored() -> None:
    assert meta_charset(b'<!-- <meta charset="koi8-r"> --><meta charset="cp1251">') == "cp1251"
    assert meta_charset(b"<html>" + b" " * 1100 + b'<meta charset="koi8-r">') is None
    assert meta_charset(b" " * 1010 + b'<meta charset="utf-8">') is None  # cut: 'ut'
    assert meta_charset(b'<meta name="viewport" content="width=device-width">') is None
    assert codec_for_label("base64") is None and codec_for_label("rot13") is None
    assert codec_for_label("no-such-charset") is None
    assert codec_for_label("utf-16", "meta-tag") == "utf-8"  # an ASCII-readable tag
    assert codec_for_label("UTF-16LE") == "utf-16-le"
    html = page("Café news", "The café reopened.", '<meta charset="base64">')
    doc = decode(html.encode("utf-8"))
    assert doc.text == html and doc.metadata["encoding_source"] == "detected"
    assert "no encoding of the web" in doc.metadata["warnings"][0]


def _warc(tmp_path: Path, pages: list[tuple[str, bytes]]) -> Path:
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for number, (content_type, body) in enumerate(pages):
        http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                f"https://ru.example.org/{number}",
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=http,
            )
        )
    path = tmp_path / "pages.warc"
    path.write_bytes(buffer.getvalue())
    return path


def test_warc_content_type_charset_decodes_its_record_and_beats_the_meta_tag(
    tmp_path: Path,
) -> None:
    html = page(*RUSSIAN)
    tagged = page(*RUSSIAN, head='<meta charset="windows-1251">')
    path = _warc(
        tmp_path,
        [
            ("text/html; charset=koi8-r", html.encode("koi8-r")),
            ('text/html; charset="Windows-1251"', html.encode("cp1251")),
            ("text/html;charset=iso-8859-5", html.encode("iso-8859-5")),
            ("text/html; charset=koi8-r", tagged.encode("koi8-r")),  # the header wins
            ("text/html", tagged.encode("cp1251")),  # no header charset: the tag
        ],
    )
    sources = list(read_warc_path(path, "pages.warc"))
    assert [s.metadata.get("http_charset") for s in sources] == [
        "koi8-r",
        "windows-1251",
        "iso-8859-5",
        "koi8-r",
        None,
    ]
    docs = [DecodeStage()(s.document()) for s in sources]
    assert [d.text for d in docs] == [html, html, html, tagged, tagged]
    assert [d.metadata["encoding_source"] for d in docs] == ["http-header"] * 4 + ["meta-tag"]
    assert all(not d.metadata.get("warnings") for d in docs)


def test_cli_cleans_declared_pages_and_warc_records(tmp_path: Path) -> None:
    html = tmp_path / "news.html"
    html.write_bytes(page(*RUSSIAN, head='<meta charset="windows-1251">').encode("cp1251"))
    warc = _warc(tmp_path, [("text/html; charset=koi8-r", page(*RUSSIAN).encode("koi8-r"))])
    proc = run_cli("clean", str(html), str(warc), "--skip", "grammar", "-f", "jsonl")
    assert proc.returncode == 0, proc.stderr.decode()
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["text"] for r in records] == ["\n\n".join(RUSSIAN) + "\n"] * 2
    assert [r["metadata"]["encoding_source"] for r in records] == ["meta-tag", "http-header"]


def test_warc_iso_8859_1_record_is_declared_not_a_low_confidence_guess(tmp_path: Path) -> None:
    """A record whose header names iso-8859-1 got "decoded as cp1252, a guess with low
    confidence": it was declared. Browsers read the label as windows-1252 (its curly quotes)."""
    html = page("Café news", "The “café” reopened on Sunday, said its owner, Zoë.")
    path = _warc(tmp_path, [("text/html; charset=ISO-8859-1", html.encode("cp1252"))])
    (source,) = read_warc_path(path, "pages.warc")
    doc = DecodeStage()(source.document())
    assert doc.text == html
    assert doc.metadata["encoding"] == "cp1252"
    assert doc.metadata["encoding_source"] == "http-header"
    assert not doc.metadata.get("warnings") and "encoding_confidence" not in doc.metadata


def test_a_utf8_header_over_a_page_that_is_not_utf8_gives_way_to_its_meta_tag(
    tmp_path: Path,
) -> None:
    """A server's default 'charset=utf-8' over a windows-1251 page that names its charset in
    its tag: the bytes are not UTF-8, so the tag is taken, not a guess."""
    tagged = page(*RUSSIAN, head='<meta charset="windows-1251">')
    path = _warc(
        tmp_path,
        [
            ("text/html; charset=utf-8", tagged.encode("cp1251")),
            ("text/html; charset=utf-8", tagged.encode("utf-8")),  # true: kept
        ],
    )
    docs = [DecodeStage()(source.document()) for source in read_warc_path(path, "pages.warc")]
    assert [d.text for d in docs] == [tagged, tagged]
    assert [d.metadata["encoding"] for d in docs] == ["cp1251", "utf-8"]
    assert [d.metadata["encoding_source"] for d in docs] == ["meta-tag", "http-header"]
    assert docs[0].metadata["encoding_declared"] == "utf-8 (http-header); windows-1251 (meta-tag)"


def test_a_utf16_header_over_an_ascii_page_is_overruled() -> None:
    """UTF-16 markup holds NULs; a page with none is not UTF-16 whatever its header says."""
    html = page("Café news", "The café reopened.", '<meta charset="utf-8">')
    doc = decode(html.encode("utf-8"), http_charset="utf-16")
    assert doc.text == html and doc.metadata["encoding_source"] == "meta-tag"
    doc = decode(html.encode("utf-16-le"), http_charset="utf-16le")
    assert doc.text == html and doc.metadata["encoding_source"] == "http-header"


def test_one_utf8_looking_pair_does_not_overrule_the_declaration() -> None:
    # Review: "É’" in windows-1252 (C9 92) is well-formed UTF-8 by chance; the page said
    # windows-1252 and the headline came out "NESTLɒS".
    html = page(
        "FJORDLÉ’S RESULTS BEAT FORECASTS",
        "Sales rose in every region, the firm said.",
        head='<meta charset="windows-1252">',
    )
    doc = decode(html.encode("cp1252"))
    assert doc.text == html
    assert doc.metadata["encoding_source"] == "meta-tag"
