"""Article extraction on the Article Extraction Benchmark (181 pages): trafilatura alone and
cleaner, precision/recall/F1 (``aeb_score``) and pages per second.

Variants, all in one run on the same pages:

- ``trafilatura``: ``trafilatura.extract(html, include_comments=False)``, as the benchmark calls it;
- ``trafilatura favor_precision``: the same with ``favor_precision=True``;
- ``cleaner``: the default pipeline file less repair and grammar (decode, extract, unicode,
  chrome, captions, tidy) on the raw bytes with ``format = "html"``;
- ablations of cleaner: the extract stage's defaults with one repair turned off at a time,
  and without the chrome/captions rules, to show what each choice buys and costs.

Run: ``.venv/bin/python bench/bench_extraction.py``; ``make bench`` calls :func:`run`.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import trafilatura  # noqa: E402
from aeb_score import PageScore, aggregate, score_page  # noqa: E402

from cleaner.pipeline import Pipeline, PipelineConfig  # noqa: E402

AEB = ROOT / ".." / "shared" / "bench" / "aeb"
SKIPPED_STAGES = ("repair", "grammar")


def load_pages() -> tuple[dict[str, str], dict[str, bytes], dict[str, str]]:
    """Truth bodies, raw HTML bytes and URLs by page id."""
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    html = {key: gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes()) for key in truth}
    bodies = {key: page["articleBody"] for key, page in truth.items()}
    urls = {key: page.get("url", "") for key, page in truth.items()}
    return bodies, html, urls


def _timed(extract: Callable[[bytes], str], html: Mapping[str, bytes]) -> tuple[dict[str, str], float]:
    started = time.perf_counter()
    out = {key: extract(raw) for key, raw in html.items()}
    return out, time.perf_counter() - started


def _pipeline(extract_options: Mapping[str, Any] | None, *, chrome: bool = True) -> Pipeline:
    config = PipelineConfig.load().without(SKIPPED_STAGES)
    if not chrome:
        config = config.without(("chrome", "captions"))
    if extract_options is not None:
        config = replace(config, options={**config.options, "extract": dict(extract_options)})
    return Pipeline(config)


def _cleaner(
    pipeline: Pipeline, stage_seconds: dict[str, float] | None = None
) -> Callable[[bytes], str]:
    def clean(raw: bytes) -> str:
        result = pipeline.clean_bytes(raw, {"format": "html"})
        if stage_seconds is not None:
            for stage, seconds in result.timings.items():
                stage_seconds[stage] = stage_seconds.get(stage, 0.0) + seconds
        return result.text

    return clean


def _summary(pages: Mapping[str, PageScore], seconds: float) -> dict[str, Any]:
    result = aggregate(pages.values())
    return {
        "precision": round(result.precision, 4),
        "recall": round(result.recall, 4),
        "f1": round(result.f1, 4),
        "pages": result.pages,
        "seconds": round(seconds, 2),
        "pages_per_s": round(result.pages / seconds, 1),
    }


def run(report: dict[str, Any]) -> None:
    """Add ``report["extraction"]``: one entry per variant, plus per-page F1 for the plot."""
    bodies, html, _ = load_pages()
    stage_seconds: dict[str, float] = {}
    variants: dict[str, Callable[[bytes], str]] = {
        "trafilatura": lambda raw: trafilatura.extract(raw, include_comments=False) or "",
        "trafilatura favor_precision": lambda raw: trafilatura.extract(
            raw, include_comments=False, favor_precision=True
        )
        or "",
        "cleaner": _cleaner(_pipeline(None), stage_seconds),
    }
    stage_defaults: dict[str, Any] = {}
    ablations: dict[str, Callable[[bytes], str]] = {
        "cleaner, extract stage defaults": _cleaner(_pipeline(stage_defaults)),
        "  without favor_precision": _cleaner(_pipeline({"favor_precision": False})),
        "  without joining split bodies": _cleaner(_pipeline({"join_split_bodies": False})),
        "  without precision fallback": _cleaner(_pipeline({"precision_fallback": False})),
        "  without dropping the title line": _cleaner(_pipeline({"drop_title_line": False})),
        "  without chrome and captions stages": _cleaner(_pipeline(stage_defaults, chrome=False)),
    }
    figures: dict[str, Any] = {}
    per_page: dict[str, dict[str, float]] = {}
    for name, extract in {**variants, **ablations}.items():
        predictions, seconds = _timed(extract, html)
        pages = {key: score_page(bodies[key], predictions.get(key, "")) for key in bodies}
        figures[name.strip()] = {**_summary(pages, seconds), "ablation": name in ablations}
        if name in variants:
            per_page[name] = {key: round(page.f1, 4) for key, page in pages.items()}
    report["extraction"] = {
        "benchmark": "Article Extraction Benchmark, 181 pages (scrapinghub, MIT)",
        "trafilatura_version": trafilatura.__version__,
        "published_best_f1": 0.970,
        "target_f1": 0.975,
        "variants": figures,
        "cleaner_stage_seconds": {k: round(v, 3) for k, v in stage_seconds.items()},
        "per_page_f1": per_page,
    }


def main() -> None:
    report: dict[str, Any] = {}
    run(report)
    for name, fig in report["extraction"]["variants"].items():
        print(
            f"{name:<40} P {fig['precision']:.4f}  R {fig['recall']:.4f}  F1 {fig['f1']:.4f}  "
            f"{fig['pages_per_s']:6.1f} pages/s"
        )


if __name__ == "__main__":
    main()
