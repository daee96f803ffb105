"""The by-site split of the two extraction benchmarks into a tuning and a validation part.

Rules, thresholds and settings of the extract and chrome stages are chosen from tuning pages
only; validation pages are measured, never read for ideas. Pages of one site stay on one side
(a site's template would otherwise leak from one side to the other), so the split is decided
per site: a site is its host name less a leading "www.", and a site goes to validation when
the first 8 hex digits of the SHA-256 of its name, as a number, leave remainder 0 when
divided by 3 (about a third of the sites).

``bench/extraction_split.json`` records the outcome (page ids only);
``python bench/extraction_split.py`` writes it again from the pages, and a test holds the file
to the rule.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
WCXB = SHARED / "bench" / "wcxb-dev"
AEB = SHARED / "bench" / "aeb"
SPLIT_FILE = Path(__file__).resolve().parent / "extraction_split.json"
VALIDATION_SHARE = 3  # one site in this many goes to validation


def site_of(url: str) -> str:
    """The site a page belongs to: its host name, lower-cased, less a leading "www."."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or "(no host)"


def side_of(site: str) -> str:
    digest = hashlib.sha256(site.encode("utf-8")).hexdigest()
    return "validation" if int(digest[:8], 16) % VALIDATION_SHARE == 0 else "tuning"


def wcxb_urls() -> dict[str, str]:
    """URL by page id of the WCXB development pages."""
    urls = {}
    for path in sorted((WCXB / "ground-truth").glob("*.json")):
        urls[path.stem] = json.loads(path.read_text(encoding="utf-8")).get("url") or ""
    return urls


def aeb_urls() -> dict[str, str]:
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    return {key: page.get("url") or "" for key, page in truth.items()}


def split(urls: dict[str, str]) -> dict[str, list[str]]:
    sides: dict[str, list[str]] = {"tuning": [], "validation": []}
    for key in sorted(urls):
        sides[side_of(site_of(urls[key]))].append(key)
    return sides


def build() -> dict[str, dict[str, list[str]]]:
    return {"wcxb-dev": split(wcxb_urls()), "aeb": split(aeb_urls())}


def load() -> dict[str, dict[str, list[str]]]:
    """The recorded split: benchmark -> side -> page ids."""
    data: dict[str, dict[str, list[str]]] = json.loads(SPLIT_FILE.read_text(encoding="utf-8"))
    return data


def tuning_ids(benchmark: str) -> set[str]:
    return set(load()[benchmark]["tuning"])


def read_wcxb_html(key: str) -> bytes:
    return gzip.decompress((WCXB / "html" / f"{key}.html.gz").read_bytes())


def main() -> None:
    data = build()
    SPLIT_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    for name, sides in data.items():
        counts = ", ".join(f"{side} {len(ids)}" for side, ids in sides.items())
        print(f"{name}: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
