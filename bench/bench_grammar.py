"""Benchmark of the grammar stage against LanguageTool's own speed.

Raw: the texts posted straight to the server's ``/v2/check``, one request per text.
Stage: the same texts through :class:`cleaner.stages.grammar.GrammarStage` (chunking,
rechecks after fixes, edit logging). Each side gets a fresh server warmed up on the same
texts, so neither profits from the other's result cache. Target: stage >= 80% of raw.

Run: ``.venv/bin/python bench/bench_grammar.py [--limit N]``; ``make bench`` calls
:func:`run`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner import languagetool as lt  # noqa: E402
from cleaner.document import Document  # noqa: E402
from cleaner.rules.grammar import load_allow_list  # noqa: E402
from cleaner.stages.grammar import GrammarStage  # noqa: E402

GROUND_TRUTH = ROOT / ".." / "shared" / "bench" / "aeb" / "ground-truth.json"
WARMUP_TEXTS = 5
"""Texts checked before timing on each fresh server: the JIT and the English pipeline warm
up on them, so the figures measure steady state."""


def load_texts(limit: int | None) -> list[str]:
    data: dict[str, Any] = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    texts = [str(v["articleBody"]) for v in data.values() if str(v.get("articleBody", "")).strip()]
    return texts[: limit + WARMUP_TEXTS] if limit else texts


def _bench_raw(texts: list[str], warmup: list[str]) -> dict[str, float]:
    server = lt.start_server()
    try:
        start_s = server.start_seconds
        rss_start = lt.process_rss_bytes(server.pid)
        for text in warmup:
            lt.post_check(server.url, text, "en-US")
        began = time.perf_counter()
        issues = sum(len(lt.post_check(server.url, text, "en-US")) for text in texts)
        seconds = time.perf_counter() - began
        rss_end = lt.process_rss_bytes(server.pid)
    finally:
        server.stop()
    return {
        "seconds": seconds,
        "issues": issues,
        "start_seconds": start_s,
        "rss_after_start_mb": rss_start / 2**20,
        "rss_after_run_mb": rss_end / 2**20,
    }


def _bench_stage(texts: list[str], warmup: list[str]) -> dict[str, float]:
    service = lt.LanguageToolService(use_background=False)
    stage = GrammarStage(
        allow_list=load_allow_list(ROOT / "rules" / "grammar.toml"), service=lambda: service
    )
    try:
        service.url()
        assert service.server is not None
        for text in warmup:
            stage(Document(text=text))
        began = time.perf_counter()
        docs = [stage(Document(text=text)) for text in texts]
        seconds = time.perf_counter() - began
        rss_end = lt.process_rss_bytes(service.server.pid)
    finally:
        service.close()
    applied = sum(1 for d in docs for e in d.edits if e.applied)
    findings = sum(1 for d in docs for e in d.edits if not e.applied)
    return {
        "seconds": seconds,
        "applied": applied,
        "findings": findings,
        "changed_docs": sum(1 for d, t in zip(docs, texts, strict=True) if d.text != t),
        "rss_after_run_mb": rss_end / 2**20,
    }


def run(report: dict[str, Any], limit: int | None = 60) -> None:
    """Add the grammar figures to ``report["grammar"]`` (60 texts: ~3 minutes on 2 cores)."""
    texts = load_texts(limit)
    warmup, timed = texts[:WARMUP_TEXTS], texts[WARMUP_TEXTS:]
    chars = sum(len(t) for t in timed)
    words = sum(len(t.split()) for t in timed)
    raw = _bench_raw(timed, warmup)
    stage = _bench_stage(timed, warmup)
    report["grammar"] = {
        "languagetool_version": lt.LANGUAGETOOL_VERSION,
        "docs": len(timed),
        "chars": chars,
        "words": words,
        "server_start_seconds": round(raw["start_seconds"], 2),
        "server_rss_mb_after_start": round(raw["rss_after_start_mb"], 1),
        "server_rss_mb_after_run": round(
            max(raw["rss_after_run_mb"], stage["rss_after_run_mb"]), 1
        ),
        "raw_docs_per_s": round(len(timed) / raw["seconds"], 2),
        "raw_chars_per_s": round(chars / raw["seconds"]),
        "stage_docs_per_s": round(len(timed) / stage["seconds"], 2),
        "stage_chars_per_s": round(chars / stage["seconds"]),
        "stage_vs_raw": round(raw["seconds"] / stage["seconds"], 3),
        "target_stage_vs_raw": 0.8,
        "issues_per_1k_words": round(raw["issues"] * 1000 / words, 2),
        "applied_fixes": stage["applied"],
        "findings": stage["findings"],
        "changed_docs": stage["changed_docs"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60, help="texts to time (0: all)")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    run(report, limit=args.limit or None)
    figures = report["grammar"]
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    verdict = "meets" if figures["stage_vs_raw"] >= figures["target_stage_vs_raw"] else "MISSES"
    print(
        f"stage throughput {figures['stage_vs_raw']:.0%} of raw LanguageTool: {verdict} the 80% target"
    )


if __name__ == "__main__":
    main()
