"""report.html: edits mapped onto the final text, and the page as a person sees it in Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from languagetool_fixtures import lt_service  # noqa: F401  (a fixture)

from cleaner import __version__
from cleaner.corpus import iter_jsonl, run_corpus
from cleaner.document import Document, Replacement, apply_replacements
from cleaner.pipeline import Pipeline, PipelineConfig, Result
from cleaner.report import final_spans, write_report

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
        doc,
        "chrome",
        [Replacement(0, 14, "", "chrome.ad"), Replacement(41, 52, "", "chrome.share")],
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
    reason="Chromium is not installed, so report.html is not checked in a browser: `make "
    "chromium` installs Debian's package as root (or: sudo apt-get install chromium)",
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
    return sum(1 for row in rows for x in range(0, len(row), channels) if row[x : x + 3] == target)


# --- the report of a real run -----------------------------------------------------------------

BAD_JSONL = b'{"id": "fine", "text": "Fine text."}\nnot json\n{"id": "no-text"}\n'


@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the shipped corpus plus a JSONL file with two bad lines, cleaned with
    every stage but grammar (the grammar findings have their own test)."""
    root = tmp_path_factory.mktemp("report")
    src = root / "raw"
    shutil.copytree(RAW, src)
    (src / "bad.jsonl").write_bytes(BAD_JSONL)
    out = root / "clean"
    config = PipelineConfig.load().without(["grammar"])
    run_corpus(src, out, config, jobs=1)
    return out


def test_report_lists_failures_totals_and_run_details(shipped_report: Path) -> None:
    page = (shipped_report / "report.html").read_text(encoding="utf-8")
    errors = list(iter_jsonl(shipped_report / "_errors.jsonl"))
    assert len(errors) == 2
    failures = page.split('id="failures"')[1].split("</section>")[0]
    assert "Failures (2)" in failures
    for error in errors:
        assert html.escape(error["reason"]) in failures and error["input"] == "bad.jsonl"
    run = page.split('id="run-details"')[1].split("</section>")[0]
    for label, value in (
        ("cleaner version", __version__),
        ("inputs cleaned", str(len(list(RAW.rglob("*.*"))) + 1)),
        ("inputs skipped as unchanged", "0"),
        ("documents failed", "2"),
    ):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in run, label
    assert "<dt>started</dt>" in run and "<dt>duration</dt>" in run


def test_report_texts_load_lazily_and_page_stays_small(
    shipped_report: Path, tmp_path: Path
) -> None:
    """The page holds no document text: 181 AEB-sized documents keep it far below 300 KB."""
    audit = list(iter_jsonl(shipped_report / "_audit.jsonl"))
    page = (shipped_report / "report.html").read_text(encoding="utf-8")
    assert "Story continues below" not in page, "texts belong in _report/, not in the page"
    assert sorted(p.name for p in (shipped_report / "_report").iterdir()) == ["docs-00000.js"]

    # 181 documents, each with this corpus's edits (a few dozen rules per article).
    many = tmp_path / "many"
    many.mkdir()
    records = [dict(audit[i % len(audit)], id=f"doc-{i:03d}-{'x' * 60}") for i in range(181)]
    (many / "_audit.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    for name in {r["output"] for r in records}:
        (many / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shipped_report / name, many / name)
    write_report(many / "_audit.jsonl", many, many / "report.html")
    size = (many / "report.html").stat().st_size
    assert size <= 300_000, f"report.html is {size:,} bytes for 181 documents"
    assert len(list((many / "_report").glob("docs-*.js"))) == 8  # 181 texts, 25 a file

    # A shorter report later leaves none of the longer one's texts behind.
    write_report(many / "_audit.jsonl", many, many / "report.html", max_documents=30)
    assert sorted(p.name for p in (many / "_report").iterdir()) == [
        "docs-00000.js",
        "docs-00001.js",
    ]


GRAMMAR_FINDINGS_TEXT = "The council have approved a plan.\n\nHe go to the meeting every weeks.\n"


@pytest.mark.usefixtures("lt_service")
def test_report_lists_unapplied_grammar_findings(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GRAMMAR_FINDINGS_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    config = PipelineConfig.load()
    config = replace(config, options={**config.options, "grammar": {"findings": True}})
    run_corpus(src, out, config, jobs=1)
    (record,) = list(iter_jsonl(out / "_audit.jsonl"))
    assert record["grammar_findings"] is True
    unapplied = [e for e in record["edits"] if e.get("applied") is False]
    assert unapplied, "LanguageTool found nothing to report in this text"
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page.split('id="grammar"')[1].split("</section>")[0]
    for edit in unapplied:
        assert f"<td>{html.escape(edit['rule_id'])}</td>" in section
    assert "Not collected" not in section


@pytest.mark.usefixtures("lt_service")
def test_report_says_when_grammar_findings_were_not_collected(tmp_path: Path) -> None:
    # The default pipeline: findings are off, so the same text reports none, and the page
    # says why and how to get them.
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GRAMMAR_FINDINGS_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    run_corpus(src, out, PipelineConfig.load(), jobs=1)
    (record,) = list(iter_jsonl(out / "_audit.jsonl"))
    assert record["grammar_findings"] is False
    assert [e for e in record["edits"] if e.get("applied") is False] == []
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page.split('id="grammar"')[1].split("</section>")[0]
    assert "Not collected for 1 document:" in section
    assert "--findings" in section and "findings = true" in section


# What the page looks like, measured in the browser: a script added to a copy of the page
# reports every cell whose content is wider than the cell, every cell past the right edge of
# the window, and every removed line that does not start on a line of its own.
MEASURE = """
<script>
(function(){
  function measure(){
    var title=document.getElementById('viewer-title').textContent;
    if(/loading/.test(title)){return setTimeout(measure,50);}
    var vw=document.documentElement.clientWidth, out={width:vw,title:title,
      page_overflow:document.documentElement.scrollWidth-vw,clipped:[],outside:[],stuck:[],
      lines:document.querySelectorAll('del.edit.line').length};
    document.querySelectorAll('th,td,dd,h1,h2,h3,pre,nav a').forEach(function(el){
      if(!el.getClientRects().length)return;
      var where=(el.closest('table,section')||{}).id+': '+el.textContent.slice(0,40);
      if(el.scrollWidth>el.clientWidth+1)out.clipped.push(where);
      if(el.getBoundingClientRect().right>vw+1)out.outside.push(where);});
    document.querySelectorAll('del.edit.line').forEach(function(del){
      var prev=del.previousSibling;
      if(!prev||prev.nodeType!==3||!prev.length)return;
      var r=document.createRange();r.setStart(prev,prev.length-1);r.setEnd(prev,prev.length);
      var last=r.getClientRects();last=last[last.length-1];
      if(last&&last.bottom>del.getBoundingClientRect().top+1)out.stuck.push(del.textContent);});
    var spin=document.querySelectorAll('#docs td.spin');
    out.spin_cells=spin.length;
    out.spin_visible=Array.prototype.filter.call(spin,function(td){
      var r=td.getBoundingClientRect();return r.width>0&&r.right<=vw+1;}).length;
    parent.postMessage(JSON.stringify(out),'*');
  }
  window.addEventListener('load',function(){setTimeout(measure,50);});
})();
</script>
"""


def measure_in_chromium(
    report_dir: Path, tmp_path: Path, width: int, doc: int
) -> dict[str, object]:
    """Open the report at ``width`` CSS pixels with document ``doc`` in the viewer (in a frame,
    because Chromium's window is never narrower than 500 px) and measure it."""
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    measured = report_dir / "report-measured.html"
    measured.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    frame = report_dir / f"frame-{width}.html"
    frame.write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><pre id="result"></pre>'
        f'<iframe src="report-measured.html#doc={doc}" style="width:{width}px;height:900px;'
        'border:0"></iframe><script>addEventListener("message",function(e){'
        'document.getElementById("result").textContent=e.data;});</script></body></html>',
        encoding="utf-8",
    )
    dom = chromium(
        tmp_path, f"--window-size={max(width, 500) + 40},1000", "--dump-dom", frame.as_uri()
    )
    assert dom.returncode == 0, dom.stderr.decode()[-2000:]
    found = re.search(r'<pre id="result">(.*?)</pre>', dom.stdout.decode(), re.S)
    assert found and found.group(1), "the measuring script reported nothing"
    result: dict[str, object] = json.loads(html.unescape(found.group(1)))
    return result


def document_with(audit: list[dict[str, object]], *stages: str) -> int:
    """The number of the first document whose view shows edits of every one of ``stages``."""
    for number, record in enumerate(audit, 1):
        shown = {str(span[2]) for span in record["view"]}  # type: ignore[union-attr]
        if set(stages) <= shown:
            return number
    raise AssertionError(f"no document with {stages} edits")


@needs_chromium
@pytest.mark.parametrize("width", [1280, 390])
def test_report_has_no_clipped_column_in_chromium(
    shipped_report: Path, tmp_path: Path, width: int
) -> None:
    audit = list(iter_jsonl(shipped_report / "_audit.jsonl"))
    doc = document_with(audit, "chrome", "repair")
    result = measure_in_chromium(shipped_report, tmp_path, width, doc)
    assert result["width"] == width
    assert str(result["title"]).startswith(f"{doc}. "), "the document did not load"
    assert result["page_overflow"] == 0, "the page scrolls sideways"
    assert result["clipped"] == [], "cells whose content does not fit"
    assert result["outside"] == [], "cells past the right edge of the window"
    assert result["spin_cells"] == result["spin_visible"] == len(audit)
    assert result["lines"] and result["stuck"] == [], "removed lines stuck to the text before"


@needs_chromium
def test_report_in_chromium_shows_failures_totals_and_a_document(
    shipped_report: Path, tmp_path: Path
) -> None:
    report = shipped_report / "report.html"
    audit = list(iter_jsonl(shipped_report / "_audit.jsonl"))
    doc = document_with(audit, "chrome", "repair")
    dom = chromium(
        tmp_path, "--window-size=1280,2400", "--dump-dom", f"{report.as_uri()}#doc={doc}"
    )
    assert dom.returncode == 0, dom.stderr.decode()[-2000:]
    page = dom.stdout.decode()
    assert len(re.findall(r'<tr class="doc-row"', page)) == len(audit)
    failures = page.split('id="failures-table"')[1].split("</table>")[0]
    assert failures.count("<tr>") == 3  # the header and the two bad lines
    assert "invalid JSON" in failures and "missing or not a string" in failures
    rules = page.split('id="rules-table"')[1].split("</table>")[0]
    slug = sum(
        1
        for record in audit
        for edit in record["edits"]
        if edit["rule_id"] == "ad-slug.story-continues"
    )
    assert re.search(rf'ad-slug\.story-continues</a></td><td class="num">{slug}</td>', rules), (
        "per-rule total missing"
    )
    assert "cleaner version" in page.split('id="run-details"')[1]

    # The document's text, loaded from _report/ by the page itself (file://).
    viewer = page.split('id="viewer"')[1].split("</section>")[0]
    repairs = re.findall(r'<mark class="edit" tabindex="0" data-before="([^"]*)"', viewer)
    assert repairs, "no highlighted repair in the viewer"
    assert re.search(r'<del class="edit line"[^>]*data-stage="chrome"', viewer)

    shot = tmp_path / "report.png"
    taken = chromium(
        tmp_path, "--window-size=1280,4000", f"--screenshot={shot}", f"{report.as_uri()}#doc={doc}"
    )
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
    page = dom.stdout.decode()
    visible = re.findall(r'<tr class="doc-row"', page)
    hidden = re.findall(r'<tr class="doc-row hidden"', page)
    assert (len(visible), len(hidden)) == (len(with_repair), len(audit) - len(with_repair))
    assert f"{len(with_repair)} matching documents" in page

    rule = next(s[3] for s in with_repair[0]["view"] if s[2] == "repair")
    by_rule = chromium(tmp_path, "--dump-dom", report.as_uri() + f"#rule={rule}").stdout.decode()
    expected = sum(1 for a in audit if any(s[3] == rule for s in a["view"]))
    assert len(re.findall(r'<tr class="doc-row"', by_rule)) == expected

    # Filtered to chrome, the open document's repairs are toned down and its removals stay.
    doc = document_with(audit, "chrome", "repair")
    shot = tmp_path / "chrome.png"
    chromium(
        tmp_path,
        "--window-size=1280,4000",
        f"--screenshot={shot}",
        report.as_uri() + f"#doc={doc}&stage=chrome",
    )
    assert count_colour(shot, STRUCK) > 500
    assert count_colour(shot, HIGHLIGHT) == 0
