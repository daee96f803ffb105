"""Peak memory of ``cleaner corpus`` on one huge input (issue 14): every reader stops at
``--max-bytes``, so the peak stays within 3x ``--max-bytes`` above the base process.

Inputs, each alone in IN, with ``--max-bytes`` = :data:`MAX_BYTES` and two workers:

* ``line.jsonl.gz``: one JSONL line of :data:`HUGE_BYTES` (a 1 GB line in a 1 MB file);
* ``line.jsonl``: the same line uncompressed, among short lines, cut into shards;
* ``bomb.txt.gz``: :data:`HUGE_BYTES` of text behind a small gzip file;
* ``big.warc``: one HTML response of :data:`HUGE_BYTES` / 8;
* ``limit.jsonl``: one document just under the limit, cleaned (the heaviest accepted input).
  Its peak is the pipeline's, not the readers': reported beside the bound, not held to it.
* ``real.txt``: a real news text just under the limit (the shared samples glued without a
  newline, so no comment-tail cut shortens it), cleaned by every stage but grammar, against
  its own base (one sentence, same stages), and held to the bound.

The base is the same command on one short document. Peak RSS is the largest of the run's
processes (runner and workers), from ``getrusage(RUSAGE_CHILDREN)`` in a process that only
starts the run. Run alone: ``python bench/bench_corpus_memory.py``.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from rss import peak_rss_mb

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "samples"
MAX_BYTES = 5_000_000
HUGE_BYTES = 1 << 30
BLOCK = 1 << 20
SKIP = "repair,grammar"


def _peak_rss_mb(src: Path, out: Path, skip: str = SKIP) -> tuple[int, float]:
    command = ["corpus", str(src), str(out), "--jobs", "2", "--skip", skip]
    command += ["--max-bytes", str(MAX_BYTES), "--shard-bytes", str(BLOCK)]
    peak, code = peak_rss_mb(command, cwd=REPO)
    return code, peak


def _words(total: int) -> bytes:
    return (b"word " * (total // 5 + 1))[:total]


def _write_huge_line(handle: Any, total: int) -> None:
    handle.write(b'{"id": "huge", "text": "')
    block = _words(BLOCK)
    for _ in range(total // BLOCK):
        handle.write(block)
    handle.write(b'"}\n')


def _short_lines(count: int) -> bytes:
    text = "The council met on Tuesday and approved the plan for new cycle lanes. " * 20
    lines = (json.dumps({"id": f"s{n}", "text": text}) + "\n" for n in range(count))
    return "".join(lines).encode("utf-8")


def make_inputs(work: Path) -> dict[str, Path]:
    cases: dict[str, Path] = {}

    def case(name: str) -> Path:
        folder = work / name
        folder.mkdir()
        cases[name] = folder
        return folder

    (case("base") / "one.jsonl").write_bytes(_short_lines(1))
    with gzip.open(case("line.jsonl.gz") / "line.jsonl.gz", "wb", compresslevel=1) as handle:
        _write_huge_line(handle, HUGE_BYTES)
    with (case("line.jsonl") / "line.jsonl").open("wb") as handle:
        handle.write(_short_lines(50))
        _write_huge_line(handle, HUGE_BYTES // 4)
        handle.write(_short_lines(50))
    with gzip.open(case("bomb.txt.gz") / "bomb.txt.gz", "wb", compresslevel=1) as handle:
        block = _words(BLOCK)
        for _ in range(HUGE_BYTES // BLOCK):
            handle.write(block)
    _write_warc(case("big.warc") / "big.warc", HUGE_BYTES // 8)
    sentence = "The council met on Tuesday and approved the plan for new cycle lanes.\n\n"
    text = (sentence * (MAX_BYTES // len(sentence)))[: MAX_BYTES * 9 // 10]  # its line fits
    (case("limit.jsonl") / "limit.jsonl").write_text(
        json.dumps({"id": "limit", "text": text}) + "\n", encoding="utf-8"
    )
    return cases


def make_real_inputs(work: Path) -> dict[str, Path]:
    """A base of one real sentence and a real news text just under :data:`MAX_BYTES`."""
    base, real = work / "real-base", work / "real"
    base.mkdir()
    real.mkdir()
    (base / "one.txt").write_text(
        "The council approved the new budget on Tuesday after a long debate about roads.\n",
        encoding="utf-8",
    )
    texts = [p.read_bytes() for p in sorted(SAMPLES.glob("*.txt"))]
    size = MAX_BYTES * 9 // 10
    glued = (b"".join(texts) * (size // sum(map(len, texts)) + 1))[:size]
    (real / "real.txt").write_text(glued.decode("utf-8", "ignore"), encoding="utf-8")
    return {"real-base": base, "real.txt": real}


def _write_warc(path: Path, size: int) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    body = b"<html><body><p>" + _words(size) + b"</p></body></html>"
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            "https://example.org/big",
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=http,
        )
        writer.write_record(record)


def run(report: dict[str, Any]) -> None:
    """Add ``report["corpus_memory"]``: peak RSS per huge input against the bound."""
    section: dict[str, Any] = {"max_bytes_mb": MAX_BYTES / 1e6}
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-memory-") as tmp:
        work = Path(tmp)
        # Made in a child process: making them takes ~280 MB, which would otherwise stay
        # this process's high-water mark and be read as every command's peak (see rss.py).
        with multiprocessing.get_context("fork").Pool(1) as pool:
            cases = pool.apply(make_inputs, (work,))
        peaks = {}
        for name, src in cases.items():
            code, peak = _peak_rss_mb(src, work / f"out-{name}")
            peaks[name] = peak
            section[f"{name}_exit_code"] = code
        base = peaks.pop("base")
        accepted = peaks.pop("limit.jsonl")
        bound = base + 3 * MAX_BYTES / (1 << 20)
        section["base_peak_rss_mb"] = round(base, 1)
        section["bound_mb"] = round(bound, 1)
        for name, peak in peaks.items():
            section[f"{name}_peak_rss_mb"] = round(peak, 1)
        section["huge_inputs_within_bound"] = all(peak <= bound for peak in peaks.values())
        section["accepted_document_peak_rss_mb"] = round(accepted, 1)
        real = make_real_inputs(work)
        real_peaks = {}
        for name, src in real.items():
            code, real_peaks[name] = _peak_rss_mb(src, work / f"out-{name}", skip="grammar")
            section[f"{name}_exit_code"] = code
        above = real_peaks["real.txt"] - real_peaks["real-base"]
        section["real_base_peak_rss_mb"] = round(real_peaks["real-base"], 1)
        section["real.txt_peak_rss_mb"] = round(real_peaks["real.txt"], 1)
        section["real.txt_above_base_x_max_bytes"] = round(above * (1 << 20) / MAX_BYTES, 2)
        section["real.txt_within_bound"] = above * (1 << 20) <= 3 * MAX_BYTES
    report["corpus_memory"] = section


if __name__ == "__main__":
    results: dict[str, Any] = {}
    run(results)
    for key, value in results["corpus_memory"].items():
        print(f"{key:<32}  {value}")
