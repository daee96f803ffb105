"""The report's memory (issue 14): a document with a huge audit line is read an edit at a time,
its text written to the viewer's file a block at a time, and the files come out as before."""

from __future__ import annotations

import io
import json
import re
import tracemalloc
from pathlib import Path
from typing import Any

from cleaner.corpus import run_corpus
from cleaner.pipeline import PipelineConfig
from cleaner.report import write_report
from cleaner.report.stream import AuditLines, file_json_string

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "corpus" / "raw"
EDITS = 60_000


def huge_audit(out: Path) -> None:
    """One document like a spun text at the limit: ~1 MB of text (not Latin-1, so two bytes a
    character in memory), 60k edits (a ~9 MB audit line), 60 grammar findings."""
    text = "The council’s plan was approved on Tuesday.\n" * 24_000
    (out / "doc.txt").write_text(text, encoding="utf-8")
    edits: list[dict[str, Any]] = [
        {"stage": "repair", "rule_id": f"repair.r{n % 500}", "start": n * 40, "end": n * 40 + 7,
         "before": "council", "after": "council", "applied": True}
        for n in range(EDITS)
    ]  # fmt: skip
    edits += [
        {"stage": "grammar", "rule_id": "AGREEMENT", "start": n, "end": n + 3, "before": "was",
         "after": "were", "applied": False, "message": "Agreement"}
        for n in range(60)
    ]  # fmt: skip
    record = {
        "id": "doc",
        "source": "doc.txt",
        "input": "doc.txt",
        "output": "doc.txt",
        "chars_in": len(text),
        "chars_out": len(text),
        "edit_counts": {"repair": EDITS},
        "edits": edits,
        "view": [[n * 44, 7, "repair", f"repair.r{n % 500}", "counsel"] for n in range(200)],
    }
    (out / "_audit.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")


def test_report_of_a_huge_audit_line_never_holds_its_edits(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    huge_audit(out)
    line_bytes = (out / "_audit.jsonl").stat().st_size
    tracemalloc.start()
    try:
        write_report(out / "_audit.jsonl", out, out / "report.html", run={"started": 0})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Parsed whole, the line became 60k dicts and the text was escaped into the chunk three
    # times over: a peak of 50 MB. Read an edit at a time: ~3 MB (the line is 8.3 MB).
    assert peak < line_bytes // 2, (peak, line_bytes)
    chunk = (out / "_report" / "docs-00000.js").read_text(encoding="ascii")
    entry = json.loads(re.fullmatch(r"cleanerReport\.add\(0,(.*)\);\n", chunk, re.S)[1])[0]  # type: ignore[index]
    assert entry["text"] == (out / "doc.txt").read_text(encoding="utf-8")
    assert len(entry["view"]) == 200
    assert len(entry["findings"]) == 50 and entry["more_findings"] == 10
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"{EDITS:,}" in page  # the repair stage's total, counted edit by edit


def read_all(lines: AuditLines) -> list[dict[str, Any]]:
    records = []
    items: dict[str, list[Any]] = {}
    while True:
        items.clear()
        head = lines.next_record(lambda key, item: items.setdefault(key, []).append(item))
        if head is None:
            return records
        records.append({**head, **items})


def test_audit_lines_read_in_any_block_size_give_what_json_gives(tmp_path: Path) -> None:
    """Every key and item of a real run's audit lines, with blocks cut anywhere (inside a
    number, a string, a multi-byte character)."""
    out = tmp_path / "out"
    run_corpus(RAW, out, PipelineConfig.load().without(["grammar"]), jobs=1)
    data = (out / "_audit.jsonl").read_bytes()
    data += b'\n[1, 2]\n{}\n{"n": 12345, "edits": null, "view": [[1, 2, "a", "b", "\xc3\xa9"]]}\n'
    expected = [json.loads(line) for line in data.splitlines() if line.strip()]
    expected = [record for record in expected if isinstance(record, dict)]
    for block in (1, 3, 7, 64, 1 << 16):
        got = read_all(AuditLines(io.BytesIO(data), block=block))
        for record in expected:
            for key in ("edits", "view"):
                # An empty list has no item to hand on: read_all has no key for it.
                if not isinstance(record.get(key), list) or not record[key]:
                    record.pop(key, None)
        assert got == expected, block


def test_report_chunks_are_what_json_dumps_writes(tmp_path: Path) -> None:
    """The texts' files, made a piece at a time, hold exactly json.dumps's bytes of what
    they hold (the form the page's digest and earlier reports have)."""
    out = tmp_path / "out"
    run_corpus(RAW, out, PipelineConfig.load().without(["grammar"]), jobs=1)
    write_report(out / "_audit.jsonl", out, out / "report.html", max_documents=3)
    chunk = (out / "_report" / "docs-00000.js").read_text(encoding="ascii")
    payload = re.fullmatch(r"cleanerReport\.add\(0,(.*)\);\n", chunk, re.S)[1]  # type: ignore[index]
    entries = json.loads(payload)
    assert len(entries) == 3 and all(isinstance(e["text"], str) for e in entries)
    assert json.dumps(entries, ensure_ascii=True, separators=(",", ":")) == payload


def _bytes_read_by_this_process() -> int:
    """What the kernel counts as read by this process so far (Linux: ``rchar``)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("/proc/self/io has no rchar")


def test_an_output_file_is_read_once_for_the_viewer(tmp_path: Path) -> None:
    text = "The council’s plan was approved on Tuesday.\n" * 100_000  # ~4.5 MB
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    size = path.stat().st_size
    before = _bytes_read_by_this_process()
    pieces = b"".join(file_json_string(path))
    read = _bytes_read_by_this_process() - before
    assert pieces == json.dumps(text).encode("ascii")
    assert size <= read < size * 1.5, (read, size)  # checked, then read again: twice the size


def test_an_output_file_unreadable_part_way_shows_no_text_and_spoils_no_other(
    tmp_path: Path,
) -> None:
    """An output that stops being UTF-8 after the first blocks of its text: what was written
    of it is taken back, its entry has no text, and the texts' file is as json.dumps writes."""
    out = tmp_path / "out"
    out.mkdir()
    texts = {"a.txt": "First document.\n", "b.txt": None, "c.txt": "Third document.\n"}
    (out / "b.txt").write_bytes(b"Readable for a while.\n" * 50_000 + b"\xff then not.\n")
    records = []
    for name, text in texts.items():
        if text is not None:
            (out / name).write_text(text, encoding="utf-8")
        records.append(
            json.dumps({"id": name, "source": name, "output": name, "edits": [], "view": []})
        )
    (out / "_audit.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    write_report(out / "_audit.jsonl", out, out / "report.html", run={"started": 0})
    chunk = (out / "_report" / "docs-00000.js").read_text(encoding="ascii")
    payload = re.fullmatch(r"cleanerReport\.add\(0,(.*)\);\n", chunk, re.S)[1]  # type: ignore[index]
    entries = json.loads(payload)
    assert [entry["text"] for entry in entries] == list(texts.values())
    assert json.dumps(entries, ensure_ascii=True, separators=(",", ":")) == payload


def test_a_number_cut_by_the_read_block_is_read_whole() -> None:
    # A float at the top level of an audit line ("123.456", "1.5e-07") cut after its "." or
    # "e" by the block's end was decoded short ("123"), and the report step failed on the "."
    # (seen once in a CI run, after a resumed corpus run).
    record = {"id": "a", "score": 123.456, "tiny": 1.5e-07, "n": 70, "edits": []}
    line = (json.dumps(record) + "\n").encode()
    head = {key: value for key, value in record.items() if key != "edits"}
    for block in range(1, len(line) + 2):
        lines = AuditLines(io.BytesIO(line * 2), block=block)
        assert lines.next_record(lambda key, item: None) == head, block
        assert lines.next_record(lambda key, item: None) == head, block
