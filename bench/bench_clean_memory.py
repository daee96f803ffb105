"""Peak memory of ``cleaner clean`` on one input, against the bound of issue 14: at most three
times ``--max-bytes`` above the process's base (the same command on one sentence, which loads
the language model as any real document does).

Inputs: inputs far over the limit that used to be read whole (a gzip bomb, ``/dev/zero``, a
``.jsonl.gz`` with one huge line, a big stdin stream) at the default 20 MB limit, and a real
news text of 2 MB cleaned in full with ``--max-bytes 2000000`` (grammar skipped: LanguageTool
runs in its own process; a 19 MB text takes minutes in the chrome stage, so a smaller limit
keeps the run short).

    .venv/bin/python bench/bench_clean_memory.py            # prints the figures
"""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import Any

from rss import peak_rss_mb

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
MAX_BYTES = 20_000_000
"""The default --max-bytes."""
REAL_BYTES = 2_000_000
BOUND_FACTOR = 3
SKIP = ("--skip", "grammar")
MiB = 1 << 20


def make_inputs(work: Path) -> dict[str, tuple[list[str], Path | None, int]]:
    """label -> (arguments, file piped to stdin, the run's --max-bytes)."""
    # One sentence long enough for the language stage to load its model, as every real
    # document does: a shorter line is "und" without it and would leave ~90 MB out of the base.
    tiny = work / "one-sentence.txt"
    tiny.write_text(
        "The council approved the new budget on Tuesday after a long debate about roads.\n",
        encoding="utf-8",
    )
    bomb = work / "bomb.txt.gz"
    block = b"a" * MiB
    with gzip.open(bomb, "wb", compresslevel=1) as stream:
        for _ in range(2048):  # 2 GiB of text
            stream.write(block)
    long_line = work / "line.jsonl.gz"
    with gzip.open(long_line, "wb", compresslevel=1) as stream:
        stream.write(b'{"id": "huge", "text": "')
        for _ in range(1024):  # one 1 GiB line
            stream.write(block)
        stream.write(b'"}\n{"id": "small", "text": "A short record."}\n')
    big_stdin = work / "stdin.txt"
    with big_stdin.open("wb") as stream:
        for _ in range(200):  # 200 MiB piped in
            stream.write(block)
    # A real document at the limit: the shared samples repeated (news text).
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    real = work / "real.txt"
    with real.open("w", encoding="utf-8") as stream:
        written = 0
        while texts and written < REAL_BYTES:
            for text in texts:
                piece = text.encode("utf-8")[: REAL_BYTES - written].decode("utf-8", "ignore")
                stream.write(piece)
                written += len(piece.encode("utf-8"))
    real_args = ["--max-bytes", str(REAL_BYTES), "--time-limit", "0"]
    return {
        "base (one sentence)": (["clean", str(tiny), *SKIP], None, 0),
        "gzip bomb (2 MB -> 2 GiB)": (["clean", str(bomb), *SKIP], None, MAX_BYTES),
        "/dev/zero": (["clean", "/dev/zero", *SKIP], None, MAX_BYTES),
        "jsonl.gz with a 1 GiB line": (
            ["clean", str(long_line), "-f", "jsonl", *SKIP],
            None,
            MAX_BYTES,
        ),
        "stdin, 200 MiB": (["clean", "-", *SKIP], big_stdin, MAX_BYTES),
        "real news text, 2 MB, cleaned": (
            ["clean", str(real), *SKIP, *real_args],
            None,
            REAL_BYTES,
        ),
    }


def run(report: dict[str, Any]) -> None:
    """Add ``report["clean_memory"]``: peak RSS per input (MB) and whether it keeps the bound."""
    section: dict[str, Any] = {}
    over: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-memory-") as tmp:
        inputs = make_inputs(Path(tmp))
        base = 0.0
        for label, (args, stdin, max_bytes) in inputs.items():
            peak, code = peak_rss_mb(args, stdin)
            if not base:
                base = peak
            section[f"{label}: peak RSS MB"] = round(peak, 1)
            section[f"{label}: exit code"] = code
            if max_bytes:
                above = peak - base
                section[f"{label}: above base, x max-bytes"] = round(above * 1e6 / max_bytes, 2)
                if above * 1e6 > BOUND_FACTOR * max_bytes:
                    over.append(label)
        section["inputs over base + 3 x max-bytes"] = over
    report["clean_memory"] = section


if __name__ == "__main__":
    results: dict[str, Any] = {}
    run(results)
    width = max(len(k) for k in results["clean_memory"])
    for key, value in results["clean_memory"].items():
        print(f"{key:<{width}}  {value}")
