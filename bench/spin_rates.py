"""Propose rate-calibrated candidates from the TUNING pages (see cleaner/mining_rates.py).

Run ``python bench/spin_rates.py [-o draft.toml]``. Pairs come from the tuning side of
``bench/spin_split.toml`` only (aligned_pairs.tsv rows seen on a tuning page, the tuning pages
aligned with their originals, spinner_pairs.tsv, the reference captions); spun and kept
occurrences are counted on the tuning pages that have an original, legitimate uses also in
the 181 clean AEB bodies. Prints one line per form (spun/kept counts, rate, chosen margin,
estimated precision) and, with ``-o``, writes the chosen entries as a draft candidate file
WITHOUT examples or keeps: a person reviews each entry and writes its examples and keeps
(own sentences) before anything goes under rules/candidates/.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SPUN_DEV = SHARED / "data" / "spun-dev"
sys.path.insert(0, str(REPO))

from cleaner.lm import TrigramModel  # noqa: E402
from cleaner.mining import (  # noqa: E402
    caption_pairs,
    group_pairs,
    read_aligned_pairs,
    read_clean_texts,
    read_page_folder,
    without_existing,
)
from cleaner.mining_rates import expected_precision, gather_evidence  # noqa: E402
from cleaner.rules.candidates import Candidate, load_candidates  # noqa: E402
from cleaner.rules.location import default_rules_dir  # noqa: E402
from cleaner.rules.repair import load_pack  # noqa: E402


def _page_text(path: Path) -> str:
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    return rest if first.startswith("http") else first + "\n" + rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, help="draft candidate file to write")
    args = parser.parse_args()
    split = tomllib.loads((REPO / "bench" / "spin_split.toml").read_text(encoding="utf-8"))
    validation = split["validation"]["spun_dev"]
    seen = read_aligned_pairs(SPUN_DEV / "aligned_pairs.tsv", validation)
    seen += read_aligned_pairs(SHARED / "data" / "spinner_pairs.tsv")
    seen += read_page_folder(SPUN_DEV, validation)
    seen += caption_pairs((SHARED / "samples" / "000_4b0a173bbebc4d8d.txt").read_text())
    proposals = without_existing(group_pairs(seen), load_candidates(REPO / "rules" / "candidates"))
    repairs = load_pack(default_rules_dir() / "repairs")
    model = TrigramModel.load()
    candidates: list[Candidate] = []
    for proposal in proposals:
        words = [w for form in (proposal.spun, *proposal.originals) for w in form.lower().split()]
        if not all(model.knows(w.replace("’", "'")) for w in words):
            continue
        if proposal.contexts and all(
            proposal.spun.lower() not in repairs.repair(context, assume_spun=True)[0].lower()
            for context in proposal.contexts
        ):
            continue  # a precise rule repairs it wherever it was seen
        candidates.append(
            Candidate(
                rule_id=f"candidates.{proposal.slug}",
                path=Path("<rates>"),
                line=0,
                spun=proposal.spun,
                originals=tuple(proposal.originals),
                margin=0.0,
                match_case=proposal.match_case,
            )
        )
    aligned = [
        (_page_text(SPUN_DEV / "pages" / f"{page}.txt"), _page_text(original))
        for page in split["tuning"]["spun_dev"]
        if (original := SPUN_DEV / "originals" / f"{page}.txt").is_file()
    ]
    clean = read_clean_texts(SHARED / "bench" / "aeb" / "ground-truth.json")
    evidence = gather_evidence(candidates, model, aligned, clean)
    chosen = [e for e in evidence if e.margin is not None]
    for e in sorted(evidence, key=lambda e: (-e.spun, e.candidate.spun)):
        if e.spun_pages < 2:
            continue
        margin = "-" if e.margin is None else f"{e.margin:g}"
        precision = "" if e.margin is None else f"{expected_precision(e, e.margin):.2f}"
        print(
            f"{e.candidate.spun!r:28} -> {'|'.join(e.candidate.originals)!r:28} spun {e.spun:3} "
            f"pages {e.spun_pages:2} kept {e.kept:3} clean {len(e.legit_margins) - e.kept:4} rate {e.rate:.2f} "
            f"margin {margin:5} precision {precision}"
        )
    print(f"{len(chosen)} of {len(evidence)} forms get a margin")
    if args.output:
        lines: list[str] = []
        for e in chosen:
            c = e.candidate
            lines += [
                "[[rules]]",
                f"id = {json.dumps(c.rule_id)}",
                f"spun = {json.dumps(c.spun, ensure_ascii=False)}",
                f"originals = {json.dumps(list(c.originals), ensure_ascii=False)}",
                *(["match_case = true"] if c.match_case else []),
                f"margin = {e.margin:g}",
                f"# spun {e.spun}, kept {e.kept}, clean {len(e.legit_margins) - e.kept}",
                "",
            ]
        args.output.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
