"""``make soak``: a long run of generated documents through the corpus runner, watching for leaks.

Generates DOCS documents (default 100,000) under a temporary IN: a share as single ``.txt`` and
``.html`` files (each one an open/read/rename cycle in a worker, where handle leaks show) and
the rest as JSONL files of 1,000 records. Runs ``cleaner corpus IN OUT --jobs 2 --skip grammar``
(a LanguageTool check of 100,000 documents would take hours and measures the server, not us)
as a child process and samples, every second, the RSS of the runner and of each worker, their
open file descriptors and the number of child processes. Prints the samples in ten slices and
a verdict: memory is flat when the workers' RSS in the last tenth is within
:data:`RSS_GROWTH_LIMIT` of the second tenth (the first holds the warm-up), and nothing leaks
when descriptor and process counts end where they started.

    python bench/soak.py [--docs 100000] [--jobs 2] [--keep DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
CLEANER = ROOT / ".venv" / "bin" / "cleaner"

# A worker's RSS may grow this much between the second and the last tenth of the run before
# we call it a leak: allocator fragmentation and lazily filled caches (regex, lxml) move it a
# few MB, a per-document leak over 100,000 documents moves it far more.
RSS_GROWTH_LIMIT = 0.10
# Descriptor counts move by a few as a worker opens a shard's input and temporary files; a
# leak of one per document would add thousands.
FD_SLACK = 8
SAMPLE_S = 1.0
JSONL_RECORDS = 1000
FILE_SHARE = 0.2
"""Share of the documents written one per .txt/.html file (the rest go into JSONL files)."""

_VOCABULARY = (
    "the council said on tuesday that a new budget would fund schools roads and clinics "
    "across the region while critics warned that rising costs could delay the plan until "
    "next spring officials added that residents will be consulted before any final vote"
)
_WORDS = _VOCABULARY.split()
_CHROME = (
    "Story continues below advertisement",
    "Share this article",
    "Sign up for our newsletter",
    "Click to play video: 'Council approves budget'",
)
_SPUN = ("this 12 months", "final week", "in accordance with officers", "quite a few")


def _paragraph(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(20, 60))]
    if rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), rng.choice(_SPUN))
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _article(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(2, 8)):
        parts.append(_paragraph(rng))
        if rng.random() < 0.2:
            parts.append(rng.choice(_CHROME))
    if rng.random() < 0.05:
        parts.append("caf\u00c3\u00a9 \u00e2\u20ac\u201c mojibake line")
    return "\n\n".join(parts) + "\n"


def _html(rng: random.Random, body: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        "<!doctype html><html><head><title>Budget vote</title></head><body>"
        "<nav><a href='/'>Home</a><a href='/news'>News</a></nav>"
        f"<article><h1>Budget vote</h1>{paragraphs}</article>"
        "<footer>Copyright 2024</footer></body></html>"
    )


def generate(root: Path, docs: int, file_share: float = FILE_SHARE, seed: int = 8) -> None:
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    singles = int(docs * file_share)
    for number in range(singles):
        folder = root / f"files{number // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        body = _article(rng)
        if number % 2:
            (folder / f"doc{number:06d}.html").write_text(_html(rng, body), encoding="utf-8")
        else:
            (folder / f"doc{number:06d}.txt").write_text(body, encoding="utf-8")
    remaining = docs - singles
    number = 0
    while remaining > 0:
        count = min(JSONL_RECORDS, remaining)
        lines = (
            json.dumps({"id": f"j{number}-{i}", "text": _article(rng)}) + "\n" for i in range(count)
        )
        (root / f"batch{number:04d}.jsonl").write_text("".join(lines), encoding="utf-8")
        remaining -= count
        number += 1


def _sample(proc: psutil.Process, started: float) -> dict[str, Any] | None:
    try:
        children = proc.children(recursive=True)
        main_rss = proc.memory_info().rss
        main_fds = proc.num_fds()
    except psutil.NoSuchProcess:
        return None
    workers: list[dict[str, int]] = []
    for child in children:
        try:
            workers.append(
                {"pid": child.pid, "rss": child.memory_info().rss, "fds": child.num_fds()}
            )
        except psutil.NoSuchProcess:
            continue
    return {
        "t": round(time.monotonic() - started, 1),
        "main_rss_mb": round(main_rss / 2**20, 1),
        "main_fds": main_fds,
        "children": len(workers),
        "worker_rss_mb": [round(w["rss"] / 2**20, 1) for w in workers],
        "worker_fds": [w["fds"] for w in workers],
        "worker_pids": [w["pid"] for w in workers],
    }


def _slices(samples: list[dict[str, Any]], count: int = 10) -> list[list[dict[str, Any]]]:
    size = max(1, len(samples) // count)
    return [samples[i : i + size] for i in range(0, len(samples), size)][:count]


def _max_worker_rss(chunk: list[dict[str, Any]]) -> float:
    return max((max(s["worker_rss_mb"], default=0.0) for s in chunk), default=0.0)


def summarize(samples: list[dict[str, Any]], seconds: float, docs: int, rc: int) -> dict[str, Any]:
    busy = [s for s in samples if s["children"]]
    slices = _slices(busy)
    table = [
        {
            "t": f"{chunk[0]['t']:.0f}-{chunk[-1]['t']:.0f}s",
            "main_rss_mb": max(s["main_rss_mb"] for s in chunk),
            "worker_rss_mb": _max_worker_rss(chunk),
            "main_fds": max(s["main_fds"] for s in chunk),
            "worker_fds": max((max(s["worker_fds"], default=0) for s in chunk), default=0),
            "children": max(s["children"] for s in chunk),
        }
        for chunk in slices
    ]
    verdict: dict[str, Any] = {"exit_code": rc, "docs": docs, "seconds": round(seconds, 1)}
    verdict["docs_per_s"] = round(docs / seconds, 1) if seconds else None
    if len(slices) >= 3:
        early, late = table[1], table[-1]
        growth = (late["worker_rss_mb"] - early["worker_rss_mb"]) / max(early["worker_rss_mb"], 1)
        main_growth = (late["main_rss_mb"] - early["main_rss_mb"]) / max(early["main_rss_mb"], 1)
        verdict.update(
            worker_rss_growth=round(growth, 3),
            main_rss_growth=round(main_growth, 3),
            memory_flat=growth <= RSS_GROWTH_LIMIT,
            fds_flat=late["worker_fds"] <= early["worker_fds"] + FD_SLACK
            and late["main_fds"] <= early["main_fds"] + FD_SLACK,
            processes_flat=late["children"] <= early["children"],
            distinct_workers=len({p for s in busy for p in s["worker_pids"]}),
            median_worker_rss_mb=statistics.median(_max_worker_rss([s]) for s in busy),
        )
    return {"slices": table, "verdict": verdict}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--file-share", type=float, default=FILE_SHARE)
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    parser.add_argument("--json", type=Path, help="write the samples and verdict here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="cleaner-soak-"))
    src, dst = work / "in", work / "out"
    try:
        if not src.exists():
            began = time.monotonic()
            generate(src, args.docs, args.file_share)
            print(
                f"generated {args.docs} documents in {time.monotonic() - began:.0f} s", flush=True
            )
        shutil.rmtree(dst, ignore_errors=True)
        command = [str(CLEANER), "corpus", str(src), str(dst), "--jobs", str(args.jobs)]
        command += ["--skip", "grammar", "--quiet"]
        started = time.monotonic()
        runner = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        proc = psutil.Process(runner.pid)
        samples: list[dict[str, Any]] = []
        while runner.poll() is None:
            sample = _sample(proc, started)
            if sample is not None:
                samples.append(sample)
            time.sleep(SAMPLE_S)
        seconds = time.monotonic() - started
        stderr = runner.stderr.read().decode("utf-8", "replace") if runner.stderr else ""
        result = summarize(samples, seconds, args.docs, runner.returncode)
        audit_lines = (
            sum(1 for _ in (dst / "_audit.jsonl").open("rb"))
            if (dst / "_audit.jsonl").exists()
            else 0
        )
        result["verdict"]["audited_docs"] = audit_lines
        leftover = [p.pid for p in psutil.Process().children(recursive=True)]
        result["verdict"]["leftover_processes"] = len(leftover)
        print(
            f"{'time':>12} {'main MB':>8} {'worker MB':>9} {'main fds':>8} {'wrk fds':>7} {'procs':>5}"
        )
        for row in result["slices"]:
            print(
                f"{row['t']:>12} {row['main_rss_mb']:>8} {row['worker_rss_mb']:>9} "
                f"{row['main_fds']:>8} {row['worker_fds']:>7} {row['children']:>5}"
            )
        print(json.dumps(result["verdict"], indent=2))
        if stderr.strip():
            print(stderr[-2000:], file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps({**result, "samples": samples}, indent=1))
        verdict = result["verdict"]
        healthy = (
            runner.returncode == 0
            and audit_lines == args.docs
            and verdict.get("memory_flat", True)
            and verdict.get("fds_flat", True)
            and verdict.get("processes_flat", True)
            and not leftover
        )
        return 0 if healthy else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
