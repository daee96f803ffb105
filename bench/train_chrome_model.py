"""Train the short-line chrome model (``rules/chrome/short-line-model.json``) offline.

Data: the TUNING pages of the two extraction benchmarks only (``bench/extraction_split.json``;
validation pages are never read here). Each page goes through cleaner's default path (as
``bench/bench_extraction.py`` runs it) with the model off; every non-blank line of the output
but the first (the title) that the model may judge (:func:`cleaner.chrome_model.is_candidate`)
is labelled:

- chrome: it holds a WCXB ``without`` snippet (a human's chrome line) the gold text does not
  hold, or a hand-written ``line`` rule of ``rules/chrome/`` matches it and fewer than half of
  its words are in the gold text (the rules' classes, to be learned in words any site uses);
- keep: the gold text holds it (whitespace and punctuation aside): a real article line;
- otherwise left out (partly in the gold: a line the extraction joined or split differently).

The same labels are taken from trafilatura's ``favor_recall`` output of each page, which
holds more of the page's chrome in its place. The AEB tuning pages' gold bodies are added as documents of keeps: real article sentences,
each with its place in its own article.

Features (:func:`cleaner.chrome_model.line_features`) seen on fewer than ``MIN_SITES`` sites are
dropped, so that no weight names one site's template. A logistic regression (L2, chrome
examples weighted ``POSITIVE_WEIGHT``) is fitted with numpy. The threshold is picked from out-of-fold probabilities (5 folds BY SITE within
tuning): the simulated WCXB tuning figures (lines at or above the threshold removed from the
output) and the AEB gold-body lines it would remove are printed for each candidate; the lowest
threshold whose removals are at least ``MIN_PRECISION`` chrome out of fold and that removes no
AEB gold line is chosen.

Run: ``.venv/bin/python bench/train_chrome_model.py [--cache FILE] [--write]``.

Why the model stays off (session 14, same tuning pages): with the labels above, too few
chrome lines are left in cleaner's output (16 of 22,437 labelled output lines) for any
threshold to remove one out of fold. Labelling also every short line whose word pairs are at
most 20% in the gold text and that stands outside the gold's span of the output (before its
first or after its last line of four or more words that the gold holds) gave 856 output and
1,349 recall chrome lines; with features of where a line stands against the page's prose
(before the first paragraph of twelve words or more, after the last, between) and of its
neighbours, and 5-fold by-site cross-validation (minimum sites per feature 5 to 40, L2 1 to
100, chrome weight 1 to 5), no setting that removed more than four lines out of fold had even
half of them chrome: at 0.97 the trainer's defaults removed 29 chrome lines, 66 gold lines and
7 AEB gold-body lines; restricted to lines outside the prose span, 9 of 19 removals at 0.7
were chrome. The lines it ranks highest that the gold keeps are credits, reference entries and
update stamps ("With Post wires", "Last Updated: Nov 4, 2025"), which the gold texts keep as
often as they drop; and the tuning pages with chrome fell (17 to 15) only at 0.5, where it
also removed 985 gold lines. The end-of-page classes that do generalise went to
``rules/chrome/closing.toml`` instead (a sign-up pitch, a newsletter box and a
team blurb).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_extraction  # noqa: E402
import wcxb_score  # noqa: E402
from extraction_split import AEB, WCXB, load, site_of  # noqa: E402

from cleaner.chrome_model import (  # noqa: E402
    FORMAT,
    FORMAT_VERSION,
    MODEL_FILE_NAME,
    is_candidate,
    line_features,
)
from cleaner.pipeline import Pipeline  # noqa: E402
from cleaner.rules.chrome import load_chrome_rules  # noqa: E402

RULES = load_chrome_rules(ROOT / "rules" / "chrome")
MODEL_PATH = ROOT / "rules" / "chrome" / MODEL_FILE_NAME
MAX_WORDS = 25
MIN_SITES = 5
L2 = 1.0
POSITIVE_WEIGHT = 5.0
STEPS = 600
FOLDS = 5
MIN_PRECISION = 0.9
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97)
_WORD = re.compile(r"\w+")


@dataclass
class Page:
    benchmark: str
    key: str
    site: str
    text: str
    language: str
    gold: str
    without: list[str]
    recall_text: str
    """trafilatura's ``favor_recall`` output: more of the page's chrome, in context."""


def collect() -> list[Page]:
    """The tuning pages through the default path with the model off."""
    split = load()
    config = bench_extraction.cleaner_pipeline().config
    chrome_options = {**config.options.get("chrome", {}), "line_model": False}
    pipeline = Pipeline(replace(config, options={**config.options, "chrome": chrome_options}))
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    pages: list[Page] = []
    for benchmark, loaded in (
        ("wcxb-dev", bench_extraction.load_wcxb()),
        ("aeb", bench_extraction.load_aeb()),
    ):
        tuning = set(split[benchmark]["tuning"])
        for page in loaded:
            if page.key not in tuning:
                continue
            if benchmark == "aeb":
                url = truth[page.key].get("url") or ""
            else:
                url = json.loads((WCXB / "ground-truth" / f"{page.key}.json").read_text())["url"]
            result = pipeline.clean_bytes(page.html, {"format": "html"})
            recall = trafilatura.extract(page.html, favor_recall=True, include_comments=False)
            pages.append(
                Page(
                    benchmark,
                    page.key,
                    site_of(url or ""),
                    result.text,
                    str(result.metadata.get("language", "und")),
                    page.gold,
                    list(page.without),
                    recall or "",
                )
            )
    return pages


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


@dataclass
class Example:
    site: str
    page: str
    features: list[str]
    label: int  # 1 chrome, 0 keep
    source: str  # "output" or "gold-body"
    line: str


def label_pages(pages: Sequence[Page]) -> list[Example]:
    examples: list[Example] = []
    for page in pages:
        examples += label_lines(page, page.text, "output")
        examples += label_lines(page, page.recall_text, "recall")
        if page.benchmark == "aeb":
            body = [line for line in page.gold.split("\n") if line.strip()]
            body_stripped = [line.strip() for line in body]
            body_counts = Counter(line.casefold() for line in body_stripped)
            for index, line in enumerate(body):
                if is_candidate(line, MAX_WORDS):
                    features = line_features(body_stripped, index, body_counts)
                    examples.append(Example(page.site, page.key, features, 0, "gold-body", line))
    return examples


def label_lines(page: Page, text: str, source: str) -> list[Example]:
    """The labelled candidate lines of one output of ``page`` (its first line, a title in
    cleaner's output, left out)."""
    examples: list[Example] = []
    lines = [line for line in text.split("\n") if line.strip()]
    stripped = [line.strip() for line in lines]
    counts = Counter(line.casefold() for line in stripped)
    gold = _normal(page.gold)
    gold_words = set(gold.split())
    low_gold = page.gold.lower()
    without = [w.lower() for w in page.without if w.lower() not in low_gold]
    for index, line in enumerate(lines):
        if index == 0 or not is_candidate(line, MAX_WORDS):
            continue
        normal = _normal(line)
        words = normal.split()
        in_gold = bool(normal) and f" {normal} " in f" {gold} "
        if any(snippet in line.lower() for snippet in without):
            label = 1
        elif in_gold:
            label = 0
        elif RULES.line_rule(line) is not None and (
            not words or sum(word in gold_words for word in words) / len(words) < 0.5
        ):
            label = 1
        else:
            continue
        features = line_features(stripped, index, counts)
        examples.append(Example(page.site, page.key, features, label, source, line))
    return examples


def vocabulary(examples: Sequence[Example]) -> list[str]:
    sites: dict[str, set[str]] = {}
    for example in examples:
        for feature in example.features:
            sites.setdefault(feature, set()).add(example.site)
    return sorted(feature for feature, seen in sites.items() if len(seen) >= MIN_SITES)


def fit(examples: Sequence[Example], vocab: Sequence[str]) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2 logistic regression, fitted with Adam on the full batch."""
    column = {feature: number for number, feature in enumerate(vocab)}
    rows: list[int] = []
    cols: list[int] = []
    for number, example in enumerate(examples):
        for feature in example.features:
            if feature in column:
                rows.append(number)
                cols.append(column[feature])
    row = np.array(rows, dtype=np.int64)
    col = np.array(cols, dtype=np.int64)
    y = np.array([example.label for example in examples], dtype=np.float64)
    # Chrome lines are rare (about one in a hundred): weighted up, or the fit would learn to
    # call nothing chrome; the threshold then buys the precision back.
    sample = np.where(y == 1, POSITIVE_WEIGHT, 1.0)
    n, d = len(examples), len(vocab)
    params = np.zeros(d + 1)
    moment, velocity = np.zeros(d + 1), np.zeros(d + 1)
    for step in range(1, STEPS + 1):
        weights, bias = params[:d], params[d]
        score = bias + np.bincount(row, weights=weights[col], minlength=n)
        error = (1.0 / (1.0 + np.exp(-score)) - y) * sample
        gradient = np.empty(d + 1)
        gradient[:d] = np.bincount(col, weights=error[row], minlength=d) / n + L2 * weights / n
        gradient[d] = error.mean()
        moment = 0.9 * moment + 0.1 * gradient
        velocity = 0.999 * velocity + 0.001 * gradient**2
        corrected = moment / (1 - 0.9**step) / (np.sqrt(velocity / (1 - 0.999**step)) + 1e-8)
        params -= 0.05 * corrected
    return params[:d], float(params[d])


def probabilities(
    examples: Sequence[Example], vocab: Sequence[str], weights: np.ndarray, bias: float
) -> np.ndarray:
    lookup = dict(zip(vocab, weights.tolist(), strict=True))
    scores = [bias + sum(lookup.get(f, 0.0) for f in example.features) for example in examples]
    return 1.0 / (1.0 + np.exp(-np.array(scores)))


def fold_of(site: str) -> int:
    return int(hashlib.sha256(site.encode("utf-8")).hexdigest()[:8], 16) % FOLDS


def out_of_fold(examples: Sequence[Example]) -> np.ndarray:
    """Each example's probability from a model fitted on the other folds' sites."""
    found = np.zeros(len(examples))
    for fold in range(FOLDS):
        train = [e for e in examples if fold_of(e.site) != fold]
        test = [i for i, e in enumerate(examples) if fold_of(e.site) == fold]
        vocab = vocabulary(train)
        weights, bias = fit(train, vocab)
        found[test] = probabilities([examples[i] for i in test], vocab, weights, bias)
    return found


def simulate(
    pages: Sequence[Page], examples: Sequence[Example], oof: np.ndarray, threshold: float
) -> dict[str, Any]:
    """WCXB tuning F1 and chrome pages with the output lines at or above ``threshold``
    removed, and how many removals were chrome."""
    removed: dict[str, set[str]] = {}
    chrome = keep = gold_body = 0
    for example, probability in zip(examples, oof, strict=True):
        if probability < threshold:
            continue
        if example.source == "gold-body":
            gold_body += 1
            continue
        if example.source != "output":
            continue
        removed.setdefault(example.page, set()).add(example.line)
        chrome += example.label
        keep += 1 - example.label
    f1s, chrome_pages = [], 0
    for page in pages:
        if page.benchmark != "wcxb-dev":
            continue
        drop = removed.get(page.key, set())
        text = "\n".join(line for line in page.text.split("\n") if line not in drop)
        scored = wcxb_score.score_page(page.gold, text, page.without)
        f1s.append(scored.f1)
        chrome_pages += bool(scored.chrome_left)
    return {
        "threshold": threshold,
        "f1": round(sum(f1s) / len(f1s), 4),
        "chrome_pages": chrome_pages,
        "removed_chrome": chrome,
        "removed_keep": keep,
        "removed_gold_body": gold_body,
    }


def choose(table: Sequence[dict[str, Any]]) -> float:
    for row in table:
        removed = row["removed_chrome"] + row["removed_keep"]
        precise = removed and row["removed_chrome"] / removed >= MIN_PRECISION
        if precise and row["removed_gold_body"] == 0:
            return float(row["threshold"])
    return float(THRESHOLDS[-1])


def model_file(
    vocab: Sequence[str], weights: np.ndarray, bias: float, threshold: float, about: dict[str, Any]
) -> dict[str, Any]:
    kept = {f: round(w, 4) for f, w in zip(vocab, weights.tolist(), strict=True) if abs(w) >= 0.005}
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "about": about,
        "threshold": threshold,
        "max_words": MAX_WORDS,
        "languages": ["en"],
        "bias": round(bias, 4),
        "weights": dict(sorted(kept.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, help="keep the tuning pages' outputs in this file")
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH.name}")
    args = parser.parse_args()
    if args.cache and args.cache.exists():
        pages = [Page(**json.loads(line)) for line in args.cache.read_text().splitlines()]
    else:
        pages = collect()
        if args.cache:
            args.cache.write_text("".join(json.dumps(vars(p)) + "\n" for p in pages))
    pages = [page for page in pages if page.language == "en"]
    examples = label_pages(pages)
    labels = Counter((e.source, e.label) for e in examples)
    print(f"{len(pages)} English tuning pages, examples {dict(labels)}")
    oof = out_of_fold(examples)
    baseline = simulate(pages, examples, oof, 2.0)
    print("no removals:", baseline)
    table = [simulate(pages, examples, oof, t) for t in THRESHOLDS]
    for row in table:
        print(row)
    threshold = choose(table)
    print("threshold", threshold)
    vocab = vocabulary(examples)
    weights, bias = fit(examples, vocab)
    chosen = next(row for row in table if row["threshold"] == threshold)
    about = {
        "what": "logistic regression over cleaner.chrome_model.line_features of short lines",
        "made_by": "bench/train_chrome_model.py --write",
        "data": "tuning pages of WCXB dev and AEB (bench/extraction_split.json), English only;"
        " labels from each page's gold text and WCXB without-snippets",
        "pages": len(pages),
        "examples": {
            f"{source} {'chrome' if label else 'keep'}": n
            for (source, label), n in sorted(labels.items())
        },
        "min_sites_per_feature": MIN_SITES,
        "l2": L2,
        "threshold_from": f"5-fold by-site cross-validation within tuning; lowest threshold with"
        f" >= {MIN_PRECISION} of out-of-fold removals chrome and no AEB gold-body line removed",
        "out_of_fold_at_threshold": chosen,
        "out_of_fold_without_model": baseline,
    }
    if args.write:
        data = model_file(vocab, weights, bias, threshold, about)
        MODEL_PATH.write_text(
            json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {MODEL_PATH} ({len(data['weights'])} weights)")
    order = np.argsort(weights)
    print("most chrome:", [(vocab[i], round(float(weights[i]), 2)) for i in order[-30:][::-1]])
    print("most keep:", [(vocab[i], round(float(weights[i]), 2)) for i in order[:20]])


if __name__ == "__main__":
    main()
