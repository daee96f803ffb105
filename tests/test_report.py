"""report.html: edits mapped onto the final text, and the page as a person sees it in Chromium."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from cleaner.corpus import iter_jsonl, run_corpus
from cleaner.document import Document, Replacement, apply_replacements
from cleaner.pipeline import Pipeline, PipelineConfig, Result
from cleaner.report import final_spans

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "corpus" / "raw"
HIGHLIGHT = (0xFF, 0xE0, 0x66)  # mark.edit background in the page's style
STRUCK = (0xFD, 0xE8, 0xE8)  # del.edit background


def undo(final: str, view: list[list[object]]) -> str:
    """Put every span's ``before`` back: the text before the shown stages ran."""
    text = final
    for pos, length, _stage, _rule, before in reversed(view):
        start = int(str(pos))
        text = text[:start] + str(before) + text[start + int(str(length)) :]
    return text


def test_spans_follow_later_edits_and_fold_into_them() -> None:
    doc = Document("Advertisement\nThe cat sat on on the mat.\nShare this\n")
    doc = apply_replacements(
        doc, "chrome", [Replacement(0, 14, "", "chrome.ad"), Replacement(41, 52, "", "chrome.share")]
    )
    at = doc.text.index("on on")
    doc = apply_replacements(doc, "grammar", [Replacement(at, at + 6, "on ", "REPEAT")])
    doc = apply_replacements(doc, "repair", [Replacement(4, 7, "dog", "repair.cat")])
    doc = apply_replacements(doc, "tidy", [Replacement(12, 23, "on a mat.", "tidy.fold")])
    view = final_spans(Result(doc.text, doc.edits, {}, {}))
    assert doc.text == "The dog sat on a mat.\n"
    assert view == [
        [0, 0, "chrome", "chrome.ad", "Advertisement\n"],
        [4, 3, "repair", "repair.cat", "cat"],
        [12, 9, "tidy", "tidy.fold", "on on the mat."],  # grammar's span folded in: original text
        [22, 0, "chrome", "chrome.share", "Share this\n"],
    ]


def test_spans_of_a_real_document_give_back_its_input() -> None:
    config = PipelineConfig.load().without(["grammar"])
    text = (RAW / "000_4b0a173bbebc4d8d.txt").read_text(encoding="utf-8")
    result = Pipeline(config).clean_text(text)
    view = final_spans(result)
    assert {span[2] for span in view} >= {"chrome", "repair"}
    # Removed lines inside blank runs that tidy collapsed are shown beside the collapse, so
    # the input comes back exactly but for where those blank lines sit.
    assert "".join(undo(result.text, view).split()) == "".join(result.input_text.split())
    assert "Story continues below commercial" in {str(s[4]).strip() for s in view}


# --- in a real browser ------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install -y chromium); the report is not browser-tested",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=3000",
            *args,
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) bytes of an 8-bit, non-interlaced PNG (what Chromium
    writes), decoded with zlib alone."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for x in range(stride):
            left = row[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                row[x] = (row[x] + left) & 0xFF
            elif kind == 2:
                row[x] = (row[x] + up) & 0xFF
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[x] = (row[x] + pred) & 0xFF
        rows.append(bytes(row))
        previous = row
    return width, channels, rows


def count_colour(path: Path, colour: tuple[int, int, int]) -> int:
    _, channels, rows = png_pixels(path)
    target = bytes(colour)
    return sum(
        1 for row in rows for x in range(0, len(row), channels) if row[x : x + 3] == target
    )


@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the shipped corpus, cleaned with every stage but grammar."""
    out = tmp_path_factory.mktemp("report") / "clean"
    config = PipelineConfig.load().without(["grammar"])
    run_corpus(RAW, out, config, jobs=1)
    return out


@needs_chromium
def test_report_rows_and_highlighted_repairs_in_chromium(shipped_report: Path, tmp_path: Path) -> None:
    report = shipped_report / "report.html"
    audit = list(iter_jsonl(shipped_report / "_audit.jsonl"))
    page = report.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page.split("<table")[0], "self-contained"

    dom = chromium(tmp_path, "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr.decode()[-2000:]
    html = dom.stdout.decode()
    rows = re.findall(r'<tr class="doc-row[^"]*"', html)
    assert len(rows) == len(audit) >= 8
    repairs = re.findall(r'<mark class="edit" data-stage="repair" data-rule="([^"]+)" data-before="([^"]*)"', html)
    assert repairs, "no highlighted repair on the page"
    assert re.search(r'<del class="edit" data-stage="chrome"[^>]*>Advertisement', html)

    shot = tmp_path / "report.png"
    taken = chromium(tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", report.as_uri())
    assert taken.returncode == 0 and shot.exists(), taken.stderr.decode()[-2000:]
    assert count_colour(shot, HIGHLIGHT) > 500, "no yellow repair highlight visible"
    assert count_colour(shot, STRUCK) > 500, "no struck-through chrome visible"


@needs_chromium
def test_report_filters_by_stage_and_rule_in_chromium(shipped_report: Path, tmp_path: Path) -> None:
    report = shipped_report / "report.html"
    audit = list(iter_jsonl(shipped_report / "_audit.jsonl"))
    with_repair = [a for a in audit if any(s[2] == "repair" for s in a["view"])]
    assert 0 < len(with_repair) < len(audit)

    dom = chromium(tmp_path, "--dump-dom", report.as_uri() + "#stage=repair")
    html = dom.stdout.decode()
    visible = re.findall(r'<tr class="doc-row"', html)
    hidden = re.findall(r'<tr class="doc-row hidden"', html)
    assert (len(visible), len(hidden)) == (len(with_repair), len(audit) - len(with_repair))
    assert f"{len(with_repair)} matching documents" in html
    assert 'class="edit off" data-stage="chrome"' in html, "other stages' edits are toned down"

    rule = next(s[3] for s in with_repair[0]["view"] if s[2] == "repair")
    by_rule = chromium(tmp_path, "--dump-dom", report.as_uri() + f"#rule={rule}").stdout.decode()
    expected = sum(1 for a in audit if any(s[3] == rule for s in a["view"]))
    assert len(re.findall(r'<tr class="doc-row"', by_rule)) == expected

    # Filtered to chrome, the yellow of the repairs is gone from the screen.
    shot = tmp_path / "chrome.png"
    chromium(tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", report.as_uri() + "#stage=chrome")
    assert count_colour(shot, STRUCK) > 500
    assert count_colour(shot, HIGHLIGHT) == 0
