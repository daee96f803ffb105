"""The site labels of ``rules/chrome/site-labels.toml``, mined from the tuning pages.

Data: the TUNING pages of the two extraction benchmarks only (``bench/extraction_split.json``;
validation pages are never read here). A label is a WCXB ``without`` snippet (text a human
marked as page chrome) of at most ``MAX_LABEL_CHARS`` characters; it is listed when it is
marked on at least ``--min-sites`` sites (host names), since a label of several sites'
templates is a label of the web's, and flagged ``GOLD`` when a tuning gold text (WCXB or AEB)
holds it as a line of its own (such a label is left out of the lists: an article uses it).

Run: ``.venv/bin/python bench/mine_site_labels.py [--min-sites N]``; it prints the sites, the
flag and the label, most sites first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_extraction  # noqa: E402
from extraction_split import WCXB, load, site_of  # noqa: E402

from cleaner.rules.text import normalize_line  # noqa: E402

MAX_LABEL_CHARS = 60
# List markers and heading marks a gold line may carry around a label.
LINE_MARKS = " -*#•"


def _key(line: str) -> str:
    return normalize_line(line.strip(LINE_MARKS)).casefold().rstrip(":").rstrip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-sites", type=int, default=2)
    args = parser.parse_args()
    split = load()
    wcxb_tuning = set(split["wcxb-dev"]["tuning"])
    aeb_tuning = set(split["aeb"]["tuning"])
    sites: defaultdict[str, set[str]] = defaultdict(set)
    spelled: dict[str, str] = {}
    gold_lines: set[str] = set()
    for page in bench_extraction.load_wcxb():
        if page.key not in wcxb_tuning:
            continue
        truth = json.loads((WCXB / "ground-truth" / f"{page.key}.json").read_text("utf-8"))
        site = site_of(truth.get("url") or "")
        gold_lines.update(_key(line) for line in page.gold.splitlines())
        for snippet in page.without:
            if len(snippet) <= MAX_LABEL_CHARS and _key(snippet):
                sites[_key(snippet)].add(site)
                spelled.setdefault(_key(snippet), normalize_line(snippet))
    for page in bench_extraction.load_aeb():
        if page.key in aeb_tuning:
            gold_lines.update(_key(line) for line in page.gold.splitlines())
    for key, where in sorted(sites.items(), key=lambda item: (-len(item[1]), item[0])):
        if len(where) >= args.min_sites:
            flag = "GOLD" if key in gold_lines else "ok"
            print(f"{len(where)}\t{flag}\t{spelled[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
