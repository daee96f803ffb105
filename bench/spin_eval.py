"""How well the default pipeline repairs spun pages, on the tuning and the validation split.

Run ``python bench/spin_eval.py`` (add ``--skip grammar`` for a faster run without
LanguageTool; the default figure is the one to report). Every page of
``../shared/data/spun-dev/pages/`` and the reference article goes through the whole default
pipeline (``Cleaner.from_config()``), then is scored:

- pages with an original: by ``../shared/bench/spin/align_score.py`` (sites fixed / N, damaged
  tokens per 1,000 shared tokens), and at span level: only the sites where the alignment
  substitutes words for words (the spinner's own edits; insertions, deletions and pure
  number or punctuation changes are excerpt cuts and revisions);
- pages without one (010, 011, 014) and the reference article: against the hand annotations
  of ``bench/spin_annotations.toml``: a span is fixed when the cleaned text reads there as
  the original; damage counts changed tokens outside every span.

The split (``bench/spin_split.toml``) is by site: rules and thresholds come from the tuning
pages only, so the validation figures say how repair does on pages nobody tuned it on.
``run(report)`` adds the figures to ``make bench``'s report.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SPUN_DEV = SHARED / "data" / "spun-dev"
# Clean news text: the probes read it as the uses of a spun form that must stay.
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"
REFERENCE = SHARED / "samples" / "000_4b0a173bbebc4d8d.txt"
ALIGN_SCORE = SHARED / "bench" / "spin" / "align_score.py"
SPLIT = REPO / "bench" / "spin_split.toml"
ANNOTATIONS = REPO / "bench" / "spin_annotations.toml"

#: align_score.py's limit: a difference longer than this on either side is an excerpt cut or
#: a revision, not a spinner substitution.
MAX_SITE_TOKENS = 6

sys.path.insert(0, str(REPO))

from cleaner import Cleaner  # noqa: E402

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """align_score.py's tokens: words and punctuation, lower case, straight quotes."""
    return _TOKEN.findall(text.translate(_QUOTES).lower())


def strip_address(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(lines[1:]) if lines and lines[0].startswith("http") else text


@dataclass
class Tally:
    """Fixed and total sites, damaged and shared tokens, summed over pages."""

    fixed: int = 0
    total: int = 0
    damaged: int = 0
    shared: int = 0

    def add(self, other: Tally) -> None:
        self.fixed += other.fixed
        self.total += other.total
        self.damaged += other.damaged
        self.shared += other.shared

    def rate(self) -> str:
        pct = self.fixed / self.total if self.total else 0.0
        return f"{self.fixed}/{self.total} ({pct:.0%})"

    def damage(self) -> str:
        return f"{self.damaged / max(self.shared, 1) * 1000:.1f}"


Site = tuple[int, int, list[str]]  # spun token range, and the original's tokens there


def score_sites(spun: list[str], cleaned: list[str], sites: list[Site]) -> Tally:
    """Each site is fixed when the cleaned text, between the site's unchanged neighbours,
    reads as the original (align_score.py's rule); shared tokens (outside sites and their
    neighbours) that the cleaned text rewrote are damage."""
    s_to_c: dict[int, int] = {}
    replaced: set[int] = set()
    matcher = difflib.SequenceMatcher(a=spun, b=cleaned, autojunk=False)
    for op, i1, i2, j1, _ in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                s_to_c[i1 + k] = j1 + k
        elif op == "replace":
            replaced.update(range(i1, i2))
    tally = Tally(total=len(sites))
    near: set[int] = set()
    for i1, i2, original in sites:
        near.update(range(i1 - 1, i2 + 1))
        before, after = s_to_c.get(i1 - 1), s_to_c.get(i2)
        if before is not None and after is not None:
            tally.fixed += cleaned[before + 1 : after] == original
    # Damage: shared tokens rewritten. Tokens deleted outright are chrome lines (captions,
    # promos) the earlier stages removed, not repairs.
    for k in range(len(spun)):
        if k not in near:
            tally.shared += 1
            tally.damaged += k in replaced
    return tally


def aligned_sites(spun: list[str], original: list[str]) -> tuple[list[Site], range]:
    """Word-for-word substitution sites between a spun page and its original, and the token
    stretch both excerpts cover."""
    opcodes = difflib.SequenceMatcher(a=spun, b=original, autojunk=False).get_opcodes()
    equal = [(i1, i2) for op, i1, i2, _, _ in opcodes if op == "equal"]
    if not equal:
        return [], range(0)
    lo, hi = equal[0][0], equal[-1][1]
    sites: list[Site] = []
    for op, i1, i2, j1, j2 in opcodes:
        if op != "replace" or i1 < lo or i2 > hi:
            continue
        if max(i2 - i1, j2 - j1) > MAX_SITE_TOKENS:
            continue
        spun_part, original_part = spun[i1:i2], original[j1:j2]
        if not any(t.isalpha() for t in spun_part + original_part):
            continue  # numbers and punctuation: revisions, not spinning
        sites.append((i1, i2, original_part))
    return sites, range(lo, hi)


def span_score(spun_text: str, original_text: str, cleaned_text: str) -> Tally:
    spun, cleaned = tokens(spun_text), tokens(cleaned_text)
    sites, _ = aligned_sites(spun, tokens(original_text))
    tally = score_sites(spun, cleaned, sites)
    tally.damaged = tally.shared = 0  # damage comes from align_score.py for these pages
    return tally


def annotated_sites(spun: list[str], spans: list[list[str]], page: str) -> list[Site]:
    """Token ranges of the annotated spans, each found after the one before."""
    sites: list[Site] = []
    cursor = 0
    for spun_words, original_words in spans:
        needle = tokens(spun_words)
        for start in range(cursor, len(spun) - len(needle) + 1):
            if spun[start : start + len(needle)] == needle:
                sites.append((start, start + len(needle), tokens(original_words)))
                cursor = start + len(needle)
                break
        else:
            raise SystemExit(f"{ANNOTATIONS}: page {page}: span {spun_words!r} not found in order")
    return sites


def annotated_score(spun_text: str, cleaned_text: str, spans: list[list[str]], page: str) -> Tally:
    spun = tokens(spun_text)
    return score_sites(spun, tokens(cleaned_text), annotated_sites(spun, spans, page))


def align_score(triples: list[tuple[Path, Path, Path]]) -> dict[str, Tally]:
    """Per spun page, the figures of the shared scorer align_score.py."""
    if not triples:
        return {}
    args = [str(p) for triple in triples for p in triple]
    out = subprocess.run(
        [sys.executable, str(ALIGN_SCORE), *args], capture_output=True, text=True, check=True
    ).stdout
    figures: dict[str, Tally] = {}
    for line in out.splitlines():
        found = re.match(r"(.+): sites fixed (\d+)/(\d+); damaged tokens (\d+)/(\d+)$", line)
        if found:
            name = Path(found.group(1)).stem
            f, n, d, s = (int(found.group(k)) for k in range(2, 6))
            figures[name] = Tally(f, n, d, s)
    return figures


@dataclass
class SideFigures:
    sites: Tally = field(default_factory=Tally)  # align_score.py, pages with an original
    spans: Tally = field(default_factory=Tally)  # span level, originals and annotations
    annotated: Tally = field(default_factory=Tally)  # annotated pages only
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)


def evaluate(
    skip: list[str], verbose: bool = False, cleaner: Cleaner | None = None
) -> dict[str, Any]:
    """The figures of both sides and the reference article, cleaned by ``cleaner`` (default:
    the default pipeline less ``skip``; probes pass a variant of it)."""
    split = tomllib.loads(SPLIT.read_text(encoding="utf-8"))
    annotations = {
        page["id"]: page["spans"]
        for page in tomllib.loads(ANNOTATIONS.read_text(encoding="utf-8"))["page"]
    }
    cleaner = cleaner or Cleaner.from_config(skip=skip)
    figures: dict[str, SideFigures] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="spin-eval-") as tmp:
        folder = Path(tmp)
        for side in ("tuning", "validation"):
            fig = figures[side] = SideFigures()
            triples: list[tuple[Path, Path, Path]] = []
            for page in split[side]["spun_dev"]:
                spun_text = strip_address((SPUN_DEV / "pages" / f"{page}.txt").read_text())
                result = cleaner.clean(spun_text)
                cleaned_path = folder / f"{page}.cleaned.txt"
                cleaned_path.write_text(result.text, encoding="utf-8")
                info: dict[str, Any] = {
                    "repairs": sum(1 for e in result.edits if e.stage == "repair" and e.applied),
                    "gate": result.metadata.get("spin_gate"),
                }
                original = SPUN_DEV / "originals" / f"{page}.txt"
                if original.exists():
                    triples.append((SPUN_DEV / "pages" / f"{page}.txt", original, cleaned_path))
                    spans = span_score(spun_text, strip_address(original.read_text()), result.text)
                    fig.spans.add(spans)
                    info["spans"] = spans.rate()
                elif page in annotations:
                    spans = annotated_score(spun_text, result.text, annotations[page], page)
                    fig.spans.add(spans)
                    fig.annotated.add(spans)
                    info["annotated"] = spans.rate()
                    info["annotated_damage_per_1k"] = spans.damage()
                fig.pages[page] = info
            for page, tally in align_score(triples).items():
                fig.sites.add(tally)
                fig.pages[page]["sites"] = tally.rate()
        reference_text = REFERENCE.read_text(encoding="utf-8")
        reference = cleaner.clean(reference_text)
        ref = annotated_score(reference_text, reference.text, annotations["reference"], "reference")
    seconds = time.perf_counter() - started
    report: dict[str, Any] = {"skip": skip, "seconds": round(seconds, 1)}
    for side, fig in figures.items():
        report[side] = {
            "sites": fig.sites.rate(),
            "damaged_per_1k": fig.sites.damage(),
            "spans": fig.spans.rate(),
            "annotated": fig.annotated.rate(),
            "annotated_damaged_per_1k": fig.annotated.damage(),
            "pages": fig.pages,
        }
    report["reference"] = {
        "spans": ref.rate(),
        "fixed": ref.fixed,
        "damaged_per_1k": ref.damage(),
        "gate": reference.metadata.get("spin_gate"),
    }
    if verbose:
        report["reference_text"] = reference.text
    return report


def print_report(report: dict[str, Any], verbose: bool) -> None:
    skipped = ", ".join(report["skip"]) or "none"
    print(f"spin repair, default pipeline (stages skipped: {skipped}), {report['seconds']} s")
    for side in ("tuning", "validation"):
        r = report[side]
        print(f"{side}:")
        print(f"  sites fixed (align_score, pages with originals): {r['sites']}")
        print(f"  damaged tokens per 1k shared:                     {r['damaged_per_1k']}")
        print(f"  spun spans fixed (word substitutions + annotated): {r['spans']}")
        print(
            f"  annotated spans fixed (pages without original):   {r['annotated']}"
            f"  damage {r['annotated_damaged_per_1k']} per 1k"
        )
        if verbose:
            for page, info in r["pages"].items():
                print(f"    {page}: {info}")
    ref = report["reference"]
    print(
        f"reference article: {ref['fixed']} annotated spans fixed ({ref['spans']}), "
        f"damage {ref['damaged_per_1k']} per 1k"
    )


def run(report: dict[str, Any]) -> None:
    """Add the figures to ``report["spin_eval"]`` (grammar skipped: ``make bench`` keeps
    LanguageTool out of the repair figures' run time; the full-pipeline figure is printed by
    running this file)."""
    report["spin_eval"] = evaluate(skip=["grammar"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip", action="append", default=[], help="leave out a stage")
    parser.add_argument("-v", "--verbose", action="store_true", help="figures per page")
    args = parser.parse_args()
    skip = [s for item in args.skip for s in item.split(",") if s]
    print_report(evaluate(skip, args.verbose), args.verbose)


if __name__ == "__main__":
    main()
