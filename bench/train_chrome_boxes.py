"""Select the box words of :mod:`cleaner.stages.chrome_boxes` (``BOX_TOKENS``) from tuning pages.

Data: the TUNING pages of the two extraction benchmarks only (``bench/extraction_split.json``;
validation pages are never read here). Each WCXB page goes through cleaner's default path with
the box drop off; then, for each word of :data:`VOCABULARY` (words that name a page box, written
down before looking at any page), every element the box drop would remove if that word were
selected (what the stage's ``box_elements`` returns for that word alone: outermost
box-shaped elements whose class or id holds the word, under the stage's article guards) is
measured in word 4-grams:

- gain: its 4-grams that the output holds and the gold text does not (chrome that got through);
- loss: its 4-grams that the gold text holds (article text the drop would take away).

A site (host name) counts for the word as a gain site when the gain there is at least
``MIN_GRAMS`` and more than twice the loss, as a loss site when the loss is at least
``MIN_GRAMS``. On the AEB tuning pages (news articles whose gold bodies are real articles) only
the loss is measured. A word is selected when it has:

- gain sites >= ``MIN_SITES`` (a word of several sites' templates, not of one);
- loss sites <= gain sites / ``SITE_ODDS`` (a word that names a box on one site may name a keep
  on another: the boxes must outnumber the keeps clearly);
- a text-outside-gold share of its measured 4-grams >= ``OUTSIDE_SHARE``;
- no AEB loss site.

Run: ``.venv/bin/python bench/train_chrome_boxes.py [--cache FILE]``; it prints the evidence of
every word and the selection, and exits 1 when the selection differs from ``BOX_TOKENS``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_extraction  # noqa: E402
from extraction_split import WCXB, load, site_of  # noqa: E402
from lxml.html import HtmlElement  # type: ignore[import-untyped]  # noqa: E402

from cleaner.pipeline import PipelineConfig  # noqa: E402
from cleaner.stages.chrome_boxes import BOX_TOKENS, box_elements  # noqa: E402
from cleaner.stages.html_parsing import parse_html  # noqa: E402
from cleaner.stages.layout_tables import unwrap_layout_tables  # noqa: E402

VOCABULARY = frozenset(
    [
        "newsletter",
        "subscribe",
        "subscription",
        "signup",
        "optin",
        "popup",
        "modal",
        "tooltip",
        "overlay",
        "lightbox",
        "bio",
        "author",
        "promo",
        "promotion",
        "cta",
        "sponsored",
        "sponsor",
        "advert",
        "ads",
        "advertisement",
        "banner",
        "related",
        "recommended",
        "share",
        "sharing",
        "social",
        "follow",
        "comment",
        "comments",
        "disclaimer",
        "disclosure",
        "citation",
        "sources",
        "breadcrumb",
        "breadcrumbs",
        "toc",
        "cookie",
        "consent",
        "gdpr",
        "paywall",
        "donate",
        "donation",
        "membership",
        "upsell",
        "widget",
        "sidebar",
        "callout",
        "readmore",
        "recirc",
        "trending",
        "popular",
        "pagination",
        "tags",
        "category",
        "byline",
        "email",
        "form",
        "login",
        "register",
        "affiliate",
        "offer",
        "deals",
    ]
)
MIN_GRAMS = 3
MIN_SITES = 3
SITE_ODDS = 3
OUTSIDE_SHARE = 0.75
GRAM = 4
_WORD = re.compile(r"\w+")


def grams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + GRAM]) for i in range(len(words) - GRAM + 1)}


@dataclass
class Evidence:
    gain_sites: set[str] = field(default_factory=set)
    loss_sites: set[str] = field(default_factory=set)
    aeb_loss_sites: set[str] = field(default_factory=set)
    gain: int = 0
    loss: int = 0

    @property
    def outside_share(self) -> float:
        return self.gain / (self.gain + self.loss) if self.gain + self.loss else 0.0

    def selected(self) -> bool:
        return (
            len(self.gain_sites) >= MIN_SITES
            and len(self.loss_sites) * SITE_ODDS <= len(self.gain_sites)
            and self.outside_share >= OUTSIDE_SHARE
            and not self.aeb_loss_sites
        )


def boxes_by_word(html: str) -> dict[str, list[HtmlElement]]:
    """The outermost elements each vocabulary word would drop, as the stage sees the tree."""
    tree = parse_html(html)
    found: dict[str, list[HtmlElement]] = defaultdict(list)
    if tree is None:
        return found
    unwrap_layout_tables(tree)
    body = tree.find(".//body")
    if body is None:
        return found
    for word in VOCABULARY:
        boxes = box_elements(body, frozenset({word}))
        if boxes:
            found[word] = boxes
    return found


def measure(
    evidence: dict[str, Evidence], site: str, html: str, gold: str, output: str | None
) -> None:
    gold_grams = grams(gold)
    out_grams = grams(output) if output is not None else set()
    for word, elements in boxes_by_word(html).items():
        gain = loss = 0
        for element in elements:
            box = grams(element.text_content())
            loss += len(box & gold_grams)
            gain += len((box & out_grams) - gold_grams)
        record = evidence[word]
        if output is None:
            if loss >= MIN_GRAMS:
                record.aeb_loss_sites.add(site)
            continue
        record.gain += gain
        record.loss += loss
        if gain >= MIN_GRAMS and gain > 2 * loss:
            record.gain_sites.add(site)
        if loss >= MIN_GRAMS:
            record.loss_sites.add(site)


def outputs_without_boxes(pages: Iterable[bench_extraction.Page]) -> dict[str, str]:
    options = PipelineConfig.load().options.get("extract", {})
    pipeline = bench_extraction.cleaner_pipeline({**options, "drop_chrome_boxes": False})
    clean = bench_extraction.cleaner_extractor(pipeline)
    return {page.key: clean(page.html) for page in pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, help="a JSON file of the outputs (made if absent)")
    args = parser.parse_args()
    split = load()
    wcxb_ids = set(split["wcxb-dev"]["tuning"])
    aeb_ids = set(split["aeb"]["tuning"])
    wcxb = [page for page in bench_extraction.load_wcxb() if page.key in wcxb_ids]
    if args.cache and args.cache.exists():
        outputs = json.loads(args.cache.read_text(encoding="utf-8"))
    else:
        outputs = outputs_without_boxes(wcxb)
        if args.cache:
            args.cache.write_text(json.dumps(outputs), encoding="utf-8")
    evidence: dict[str, Evidence] = defaultdict(Evidence)
    for page in wcxb:
        truth = json.loads((WCXB / "ground-truth" / f"{page.key}.json").read_text("utf-8"))
        html = page.html.decode("utf-8", "replace")
        measure(evidence, site_of(truth.get("url") or ""), html, page.gold, outputs[page.key])
    for page in bench_extraction.load_aeb():
        if page.key in aeb_ids:
            measure(
                evidence, f"aeb:{page.key}", page.html.decode("utf-8", "replace"), page.gold, None
            )
    print("word\tgain sites\tloss sites\tAEB loss sites\tgain\tloss\toutside share\tselected")
    for word, record in sorted(evidence.items(), key=lambda item: -len(item[1].gain_sites)):
        print(
            f"{word}\t{len(record.gain_sites)}\t{len(record.loss_sites)}\t"
            f"{len(record.aeb_loss_sites)}\t{record.gain}\t{record.loss}\t"
            f"{record.outside_share:.2f}\t{'yes' if record.selected() else ''}"
        )
    chosen = sorted(word for word, record in evidence.items() if record.selected())
    print("selected:", " ".join(chosen))
    if set(chosen) != BOX_TOKENS:
        print("BOX_TOKENS differs:", " ".join(sorted(BOX_TOKENS)))
        sys.exit(1)


if __name__ == "__main__":
    main()
