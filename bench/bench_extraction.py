"""Article extraction on two benchmarks, each split by site into tuning and validation pages
(``bench/extraction_split.py``): cleaner's default path against trafilatura alone.

- WCXB development pages (711 articles from 700+ sites): word-bag F1 and the pages that still
  hold chrome (``without`` snippets the gold text does not hold), ``bench/wcxb_score.py``;
- the Article Extraction Benchmark (181 news pages): 4-token shingle F1, ``bench/aeb_score.py``.

Variants, all in one run on the same bytes:

- ``cleaner``: the default pipeline file less repair and grammar (decode, extract, unicode,
  chrome, captions, tidy) on the raw bytes with ``format = "html"``, as ``cleaner corpus
  --skip repair,grammar`` runs it: the text opens with the page's title;
- ``cleaner --no-title``: the same without the title line, the article body that both
  benchmarks' gold texts hold (like for like with trafilatura, which writes no title);
- ``trafilatura``: ``trafilatura.extract(html)`` with its defaults;
- ``trafilatura include_comments=False``;
- ``trafilatura favor_precision``: ``include_comments=False, favor_precision=True``.

Also: the pages where some trafilatura configuration keeps the article (recall >= 0.8) and
cleaner loses it (recall < 0.5), and the CPU-time ratio of trafilatura
(``include_comments=False``) to cleaner on the same pages, the median of rounds in which the
two take turns page by page.
On AEB, ablations of the extract stage's choices show what each buys.

Run: ``.venv/bin/python bench/bench_extraction.py [--rounds N] [--only wcxb|aeb]
[--dump DIR]``; ``make bench`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import aeb_score  # noqa: E402
import trafilatura  # noqa: E402
import wcxb_score  # noqa: E402
from extraction_split import AEB, WCXB, load  # noqa: E402

from cleaner.errors import CleanerError  # noqa: E402
from cleaner.pipeline import Pipeline, PipelineConfig  # noqa: E402

SKIPPED_STAGES = ("repair", "grammar")
RECALL_KEPT = 0.8
RECALL_LOST = 0.5
DEFAULT_ROUNDS = 5
SIDES = ("tuning", "validation")

Extractor = Callable[[bytes], str]


@dataclass(frozen=True)
class Page:
    key: str
    html: bytes
    gold: str
    without: tuple[str, ...] = ()


def load_aeb() -> list[Page]:
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(
            key,
            gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes()),
            page["articleBody"],
        )
        for key, page in sorted(truth.items())
    ]


def load_wcxb() -> list[Page]:
    pages = []
    for path in sorted((WCXB / "ground-truth").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        gold = data.get("ground_truth") or {}
        page_type = (data.get("_internal") or {}).get("page_type") or {}
        if isinstance(page_type, dict):
            page_type = page_type.get("primary", "article")
        if page_type != "article" or not isinstance(gold, dict):
            continue
        html = gzip.decompress((WCXB / "html" / f"{path.stem}.html.gz").read_bytes())
        pages.append(
            Page(path.stem, html, gold.get("main_content") or "", tuple(gold.get("without") or ()))
        )
    return pages


def cleaner_pipeline(
    extract_options: Mapping[str, Any] | None = None,
    *,
    chrome: bool = True,
    title_line: bool = True,
) -> Pipeline:
    """The default pipeline less :data:`SKIPPED_STAGES`; ``extract_options`` replace the
    pipeline file's (the ablations measure the stage's own defaults); ``title_line=False``
    is ``--no-title``."""
    config = PipelineConfig.load().without(SKIPPED_STAGES)
    if not chrome:
        config = config.without(("chrome", "captions"))
    if extract_options is not None:
        config = replace(config, options={**config.options, "extract": dict(extract_options)})
    if not title_line:
        extract = {**config.options.get("extract", {}), "title_line": False}
        config = replace(config, options={**config.options, "extract": extract})
    return Pipeline(config)


def cleaner_extractor(pipeline: Pipeline) -> Extractor:
    def clean(raw: bytes) -> str:
        try:
            return pipeline.clean_bytes(raw, {"format": "html"}).text
        except CleanerError:
            return ""  # a refused page scores as an empty output

    return clean


def trafilatura_variants() -> dict[str, Extractor]:
    return {
        "trafilatura": lambda raw: trafilatura.extract(raw) or "",
        "trafilatura include_comments=False": lambda raw: (
            trafilatura.extract(raw, include_comments=False) or ""
        ),
        "trafilatura favor_precision": lambda raw: (
            trafilatura.extract(raw, include_comments=False, favor_precision=True) or ""
        ),
    }


SPEED_REFERENCE = "trafilatura include_comments=False"


@dataclass(frozen=True)
class PageFigures:
    f1: float
    recall: float
    precision: float
    chrome: bool


def score(benchmark: str, page: Page, output: str) -> PageFigures:
    if benchmark == "aeb":
        shingled = aeb_score.score_page(page.gold, output)
        return PageFigures(shingled.f1, shingled.recall or 0.0, shingled.precision or 0.0, False)
    worded = wcxb_score.score_page(page.gold, output, page.without)
    return PageFigures(worded.f1, worded.recall, worded.precision, bool(worded.chrome_left))


def summarise(benchmark: str, figures: Mapping[str, PageFigures], ids: list[str]) -> dict[str, Any]:
    """Benchmark figures over ``ids``: AEB's mean precision/recall and F1 of the means,
    WCXB's macro F1 and the share of pages with chrome left in."""
    chosen = [figures[key] for key in ids if key in figures]
    if not chosen:
        return {"pages": 0}
    count = len(chosen)
    precision = sum(page.precision for page in chosen) / count
    recall = sum(page.recall for page in chosen) / count
    if benchmark == "aeb":
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "pages": count,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }
    return {
        "pages": count,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(sum(page.f1 for page in chosen) / count, 4),
        "chrome_pages": sum(page.chrome for page in chosen),
        "chrome_share": round(sum(page.chrome for page in chosen) / count, 4),
    }


def cpu_rounds(
    pages: list[Page], ours: Extractor, theirs: Extractor, rounds: int
) -> dict[str, Any]:
    """CPU seconds of both sides over all pages, page by page: each page goes through both
    sides in turn (which side goes first alternates by page and by round), and each side's
    CPU time is summed; the ratio theirs/ours per round, and its median.

    Taking turns by page rather than by whole pass: on a machine that others load, the CPU
    time of the same work drifts with them (trafilatura's pass over WCXB took 43.2 s in one
    round and 34.6 s in the next), and a side that ran its whole pass in a calmer minute
    looked up to 20% faster; by page, both sides meet the same load."""
    ratios = []
    seconds: dict[str, list[float]] = {"cleaner": [], "trafilatura": []}
    for number in range(rounds):
        spent = {"cleaner": 0.0, "trafilatura": 0.0}
        for index, page in enumerate(pages):
            order = [("cleaner", ours), ("trafilatura", theirs)]
            if (index + number) % 2:
                order.reverse()
            for name, extract in order:
                started = time.process_time()
                extract(page.html)
                spent[name] += time.process_time() - started
        for name, value in spent.items():
            seconds[name].append(value)
        ratios.append(spent["trafilatura"] / spent["cleaner"])
    return {
        "rounds": rounds,
        "cpu_seconds": {
            name: [round(value, 2) for value in values] for name, values in seconds.items()
        },
        "ratio_per_round": [round(value, 3) for value in ratios],
        "ratio": round(statistics.median(ratios), 3),
    }


def bench_one(
    benchmark: str,
    pages: list[Page],
    split: Mapping[str, list[str]],
    rounds: int,
    dump: Path | None = None,
) -> dict[str, Any]:
    cleaner = cleaner_extractor(cleaner_pipeline())
    variants: dict[str, Extractor] = {
        "cleaner": cleaner,
        # Both benchmarks' gold text is the article body, without its headline (WCXB keeps
        # the title in a field of its own): the default output, which opens with the title,
        # pays for that line in precision; --no-title is the like-for-like comparison.
        "cleaner --no-title": cleaner_extractor(cleaner_pipeline(title_line=False)),
        **trafilatura_variants(),
    }
    per_variant: dict[str, dict[str, PageFigures]] = {}
    summary: dict[str, Any] = {}
    for name, extract in variants.items():
        outputs = {page.key: extract(page.html) for page in pages}
        if dump is not None:
            folder = dump / benchmark / name.replace(" ", "_")
            folder.mkdir(parents=True, exist_ok=True)
            for key, text in outputs.items():
                (folder / f"{key}.txt").write_text(text, encoding="utf-8")
        per_variant[name] = {page.key: score(benchmark, page, outputs[page.key]) for page in pages}
        summary[name] = {
            side: summarise(benchmark, per_variant[name], split[side]) for side in SIDES
        }
        summary[name]["all"] = summarise(benchmark, per_variant[name], [page.key for page in pages])
    lost: dict[str, list[str]] = {side: [] for side in SIDES}
    side_of = {key: side for side in SIDES for key in split[side]}
    for page in pages:
        best_theirs = max(
            per_variant[name][page.key].recall
            for name in variants
            if not name.startswith("cleaner")
        )
        if best_theirs >= RECALL_KEPT and per_variant["cleaner"][page.key].recall < RECALL_LOST:
            lost[side_of.get(page.key, "tuning")].append(page.key)
    speed = cpu_rounds(pages, cleaner, variants[SPEED_REFERENCE], rounds) if rounds else {}
    return {
        "pages": len(pages),
        "variants": summary,
        "article_lost_pages": lost,
        "speed": speed,
        "per_page_f1": {
            name: {key: round(page.f1, 4) for key, page in figures.items()}
            for name, figures in per_variant.items()
            if name in ("cleaner", SPEED_REFERENCE)
        },
    }


def ablations(pages: list[Page]) -> dict[str, Any]:
    """AEB F1 of the extract stage's defaults with one choice off at a time, on the article
    body (``--no-title``: the gold has no headline, and the title line would hide what
    dropping a body line repeating the title does)."""
    choices: dict[str, Pipeline] = {
        "cleaner, extract stage defaults": cleaner_pipeline({}, title_line=False),
        "without favor_precision": cleaner_pipeline({"favor_precision": False}, title_line=False),
        "without joining split bodies": cleaner_pipeline(
            {"join_split_bodies": False}, title_line=False
        ),
        "without precision fallback": cleaner_pipeline(
            {"precision_fallback": False}, title_line=False
        ),
        "without dropping the title line": cleaner_pipeline(
            {"drop_title_line": False}, title_line=False
        ),
        "without dropping repeated blocks": cleaner_pipeline(
            {"drop_repeated_blocks": False}, title_line=False
        ),
        "without chrome and captions stages": cleaner_pipeline({}, chrome=False, title_line=False),
    }
    result = {}
    for name, pipeline in choices.items():
        extract = cleaner_extractor(pipeline)
        result[name] = aeb_score.score(
            {page.key: page.gold for page in pages},
            {page.key: extract(page.html) for page in pages},
        ).f1
    return {name: round(value, 4) for name, value in result.items()}


def run(
    report: dict[str, Any],
    rounds: int = DEFAULT_ROUNDS,
    only: str | None = None,
    dump: Path | None = None,
    with_ablations: bool = True,
) -> None:
    """Add ``report["extraction"]``: both benchmarks, tuning and validation figures."""
    split = load()
    section: dict[str, Any] = {
        "trafilatura_version": trafilatura.__version__,
        "targets": {
            "wcxb_f1_over_best_trafilatura": 0.01,
            "wcxb_chrome_pages_at_most_share_of_trafilatura": 0.5,
            "aeb_f1": 0.975,
            "article_lost_pages": 0,
            "speed_ratio": 0.8,
        },
        "benchmarks": {},
    }
    if only in (None, "wcxb"):
        section["benchmarks"]["wcxb-dev"] = bench_one(
            "wcxb-dev", load_wcxb(), split["wcxb-dev"], rounds, dump
        )
    if only in (None, "aeb"):
        aeb_pages = load_aeb()
        section["benchmarks"]["aeb"] = bench_one("aeb", aeb_pages, split["aeb"], rounds, dump)
        if with_ablations:
            section["aeb_ablations"] = ablations(aeb_pages)
    report["extraction"] = section


def render(section: Mapping[str, Any]) -> list[str]:
    """The section as Markdown lines (``bench/run.py`` puts them in ``bench/report.md``)."""
    lines = [
        "## Article extraction (WCXB dev and AEB, split by site)",
        "",
        f"trafilatura {section['trafilatura_version']}. Tuning pages are the only ones rules and"
        " thresholds were chosen from; validation pages are held out (`bench/extraction_split.json`)."
        " WCXB: word-bag macro F1 and pages with chrome left in; AEB: 4-token shingle F1.",
        "",
    ]
    for benchmark, data in section["benchmarks"].items():
        lines += [
            f"### {benchmark} ({data['pages']} pages)",
            "",
            "| variant | tuning F1 | validation F1 | all F1 | chrome pages tuning | chrome pages validation |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, sides in data["variants"].items():
            chrome = [
                f"{sides[side]['chrome_pages']} ({sides[side]['chrome_share']:.1%})"
                if "chrome_pages" in sides[side]
                else "-"
                for side in SIDES
            ]
            lines.append(
                f"| {name} | {sides['tuning']['f1']:.4f} | {sides['validation']['f1']:.4f} |"
                f" **{sides['all']['f1']:.4f}** | {chrome[0]} | {chrome[1]} |"
            )
        lost = data["article_lost_pages"]
        lines += [
            "",
            f"Pages where trafilatura keeps the article (recall >= {RECALL_KEPT}) and cleaner loses"
            f" it (< {RECALL_LOST}): tuning {len(lost['tuning'])} {lost['tuning']},"
            f" validation {len(lost['validation'])} {lost['validation']}.",
        ]
        speed = data.get("speed")
        if speed:
            lines.append(
                f"CPU-time ratio trafilatura/cleaner ({SPEED_REFERENCE}), median of"
                f" {speed['rounds']} alternating rounds: **{speed['ratio']}** (rounds:"
                f" {speed['ratio_per_round']})."
            )
        lines.append("")
    if section.get("aeb_ablations"):
        lines += ["AEB F1 of the extract stage's choices, one off at a time:", ""]
        lines += ["| variant | F1 |", "|---|---:|"]
        lines += [f"| {name} | {f1:.4f} |" for name, f1 in section["aeb_ablations"].items()]
        lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="speed rounds (0: none)")
    parser.add_argument("--only", choices=("wcxb", "aeb"), help="one benchmark only")
    parser.add_argument("--dump", type=Path, help="write every variant's outputs under DIR")
    parser.add_argument("--no-ablations", action="store_true", help="skip the AEB ablations")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    run(report, args.rounds, args.only, args.dump, not args.no_ablations)
    print("\n".join(render(report["extraction"])))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
