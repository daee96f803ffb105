"""Does a document-level prior help the candidate layer? (issue #12)

An offline experiment, not a stage: it leaves nothing in the repository but its printed
figures. The candidate margins of a "clean"-calibrated file are set above anything the model
gives the original in clean news, i.e. for a prior that a word is spun of about zero; in a
document the gate calls spun, many words are swapped, so the same evidence should need less
margin. This probe lowers the margins of the candidate layer by a fixed discount in every
gated document (the gate alone keeps the clean AEB bodies untouched) and prints the default
pipeline's figures (grammar skipped) for each discount: tuning and validation spans, damage,
the reference article. ``--all-files`` discounts the "spinner-rate" file too (its margins
already price the spinner's rate, so by default it is left as it is).

Pick a discount from the tuning columns only; the validation columns say whether it
generalises. Run: ``python bench/spin_prior_probe.py 0 0.5 1 1.5``.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from spin_eval import evaluate  # noqa: E402

from cleaner import Cleaner  # noqa: E402
from cleaner.rules.candidates import CandidatePack  # noqa: E402
from cleaner.stages.repair import RepairStage  # noqa: E402


def calibration(path: Path, seen: dict[Path, str]) -> str:
    if path not in seen:
        meta = tomllib.loads(path.read_text(encoding="utf-8")).get("meta", {})
        seen[path] = str(meta.get("calibration", "clean"))
    return seen[path]


def discounted(discount: float, all_files: bool) -> Cleaner:
    """The default pipeline (grammar skipped) with candidate margins lowered by ``discount``."""
    cleaner = Cleaner.from_config(skip=["grammar"])
    stages = cleaner.pipeline.stages
    seen: dict[Path, str] = {}
    for i, stage in enumerate(stages):
        if isinstance(stage, RepairStage) and stage.candidates is not None:
            pack = stage.candidates
            lowered = [
                replace(c, margin=c.margin - discount)
                if all_files or calibration(c.path, seen) == "clean"
                else c
                for c in pack.candidates
            ]
            stages[i] = replace(stage, candidates=CandidatePack(lowered, pack.model))
    return cleaner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("discounts", nargs="+", type=float, help="log10 margin discounts")
    parser.add_argument("--all-files", action="store_true", help="discount every file")
    args = parser.parse_args()
    print(
        "discount  tuning spans      dmg/1k | validation spans  dmg/1k  annotated dmg/1k | reference"
    )
    for discount in args.discounts:
        r = evaluate(["grammar"], cleaner=discounted(discount, args.all_files))
        t, v, ref = r["tuning"], r["validation"], r["reference"]
        print(
            f"{discount:8.2f}  {t['spans']:16} {t['damaged_per_1k']:>6} | {v['spans']:16} "
            f"{v['damaged_per_1k']:>6}  {v['annotated_damaged_per_1k']:>16} | {ref['spans']} "
            f"damage {ref['damaged_per_1k']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
