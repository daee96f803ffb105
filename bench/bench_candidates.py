"""Candidate layer benchmark: the language model's cost, and the layer's on spun and clean text.

Run ``python bench/bench_candidates.py``; ``run(report)`` adds the same figures to a dict for
``make bench``. Figures:

- model load time, best of 3 (target <= 1 s per worker) and model windows judged per second;
- the candidate layer alone on spun text (the gate open), MB/s on one core (target >= 1);
- the whole repair stage on spun text with and without the candidate layer;
- the whole repair stage on the 181 clean AEB bodies with and without it: the gate stays
  closed there, so the layer should cost next to nothing;
- candidate edits on the AEB bodies through the stage, and with the gate forced open.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"
SPUN_PAGES = [
    *sorted((SHARED / "samples" / "spun").glob("*.txt")),
    *sorted((SHARED / "data" / "spun-dev" / "pages").glob("*.txt")),
    SHARED / "samples" / "000_4b0a173bbebc4d8d.txt",
]

#: Size of each throughput corpus; large enough that timer noise does not matter.
CORPUS_BYTES = 2_000_000

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from throughput import mb_per_second, repeated  # noqa: E402

from cleaner.document import Document  # noqa: E402
from cleaner.lm import TrigramModel, prefers  # noqa: E402
from cleaner.registry import StageSettings  # noqa: E402
from cleaner.rules.candidates import SPUN_ENGLISH, CandidatePack, load_candidates  # noqa: E402
from cleaner.stages.repair import RepairStage, build  # noqa: E402


def _load_seconds() -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        TrigramModel.load()
        best = min(best, time.perf_counter() - start)
    return best


def _windows_per_second(model: TrigramModel) -> float:
    left, right = ["the", "senate"], ["on", "friday"]
    count = 20_000
    start = time.perf_counter()
    for _ in range(count // 2):
        prefers(model, left, ["bill"], ["invoice"], right)  # two windows each
    return count / (time.perf_counter() - start)


def run(report: dict[str, Any]) -> None:
    """Add the candidate layer's figures to ``report["candidates"]``."""
    model = TrigramModel.load()
    candidates = load_candidates(REPO / "rules" / "candidates")
    pack = CandidatePack(candidates, model)
    with_layer = build(StageSettings(rules_dir=REPO / "rules"))
    without_layer = RepairStage(pack=with_layer.pack)
    spun = [p.read_text(encoding="utf-8") for p in SPUN_PAGES if p.exists()]
    bodies = [e["articleBody"] for e in json.loads(AEB_TRUTH.read_text()).values()]
    spun_docs = repeated(spun, CORPUS_BYTES)
    clean_docs = repeated(bodies, CORPUS_BYTES)
    gated = [d for d in spun if with_layer.pack.search(d).matches]
    stage_edits = sum(
        e.rule_id.startswith("candidates.")
        for body in bodies
        for e in with_layer(Document(text=body)).edits
    )
    layer_mb_s = mb_per_second(
        lambda t: pack.apply(Document(text=t), "repair", SPUN_ENGLISH), spun_docs
    )
    report["candidates"] = {
        "candidates": len(candidates),
        "model": model.name,
        "model_load_s": round(_load_seconds(), 3),
        "model_windows_per_s": round(_windows_per_second(model)),
        "layer_alone_spun_mb_s": round(layer_mb_s, 2),
        "stage_spun_mb_s_with_layer": round(
            mb_per_second(lambda t: with_layer(Document(text=t)), spun_docs), 2
        ),
        "stage_spun_mb_s_without_layer": round(
            mb_per_second(lambda t: without_layer(Document(text=t)), spun_docs), 2
        ),
        "stage_clean_mb_s_with_layer": round(
            mb_per_second(lambda t: with_layer(Document(text=t)), clean_docs), 2
        ),
        "stage_clean_mb_s_without_layer": round(
            mb_per_second(lambda t: without_layer(Document(text=t)), clean_docs), 2
        ),
        "spun_pages": len(spun),
        "spun_pages_with_signatures": len(gated),
        "aeb_candidate_edits_through_stage": stage_edits,
        "aeb_candidate_edits_gate_forced_open": sum(len(pack.find(b)) for b in bodies),
        "aeb_occurrences_judged": sum(len(pack.judge(b)) for b in bodies),
    }


def main() -> None:
    report: dict[str, Any] = {}
    run(report)
    for key, value in report["candidates"].items():
        print(f"{key:<36} {value}")


if __name__ == "__main__":
    main()
