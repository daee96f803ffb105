"""`cleaner corpus` against hostile inputs and folders (issue 14): every defect found by hostile
testing, reproduced with real files, real WARC bytes and the real command in a subprocess."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from test_corpus import ARTICLE, PAGE, files_under, read_jsonl, run_command
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaner.corpus import ERRORS_FILE, iter_jsonl

SKIP = ("--skip", "repair,grammar")


def corpus(src: Path, out: Path, *extra: str) -> Any:
    return run_command(str(src), str(out), *SKIP, *extra)


def errors(out: Path) -> list[dict[str, Any]]:
    return list(iter_jsonl(out / ERRORS_FILE))


def warc_bytes(pages: int = 3) -> bytes:
    """An uncompressed WARC of ``pages`` HTML responses, each a long article."""
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for number in range(pages):
        body = PAGE.replace("four kilometres", f"{number + 4} kilometres")
        body = body.replace(
            "</article>", "<p>" + "The plan brought significant gains. " * 60 + "</p></article>"
        ).encode("utf-8")
        http = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        record = writer.create_warc_record(
            f"https://news.example.org/{number}",
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=http,
        )
        writer.write_record(record)
    return buffer.getvalue()


# --- WARC files cut short (items 3 and 8) -----------------------------------------------------


def test_a_truncated_warc_record_is_an_error_not_a_short_document(tmp_path: Path) -> None:
    good = warc_bytes()
    assert len(good) > 9000
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "good.warc").write_bytes(good)
    (src / "cut.warc").write_bytes(good[:9000])  # head -c 9000 good.warc > in/cut.warc
    result = corpus(src, out)
    assert result.returncode == 1, result.stderr
    whole = read_jsonl(out / "good.jsonl")
    assert len(whole) == 3
    cut = read_jsonl(out / "cut.jsonl")
    assert len(cut) < 3
    for record in cut:  # what is written is whole: the same text as in the complete file
        assert record["text"] in {r["text"] for r in whole}
    [error] = errors(out)
    assert error["input"] == "cut.warc"
    assert "ends inside record" in error["reason"] and "after it are missing" in error["reason"]


def test_a_warc_cut_inside_a_record_header_is_reported_not_a_crash(tmp_path: Path) -> None:
    good = warc_bytes()
    second = good.index(b"WARC/1.0", 10)
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "header.warc").write_bytes(good[: second + 40])  # inside record 2's WARC header
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    result = corpus(src, out)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "a.txt").exists()
    assert len(read_jsonl(out / "header.jsonl")) == 1
    [error] = errors(out)
    assert error["input"] == "header.warc" and "damaged WARC file" in error["reason"]
    assert error["source"] == "header.warc:2"
    assert corpus(src, out).returncode == 1, "still reported on a rerun"
    assert files_under(out)["a.txt"]
