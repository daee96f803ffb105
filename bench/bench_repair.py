"""Repair stage benchmark: spin scores, throughput, cost with many rules, false positives.

Run ``python bench/bench_repair.py``; ``run(report)`` adds the same figures to a dict for
``make bench``. Figures:

- spinner signatures per 1,000 words of ``../shared/samples/spun/*.txt`` before and after repair;
- throughput of the repair stage with the shipped pack, MB/s on one core (target >= 20);
- the cost of a pack with 10,000 synthetic rules relative to the shipped pack (target <= 1.5);
- every edit made on the 181 clean AEB ground-truth bodies (each one a false positive);
- throughput on clean text and on spun text separately (targets >= 20 and >= 1 MB/s);
- building the repair stage in a fresh process, CPU seconds (best of 3), and how many rules'
  regexes the clean corpus made the engine compile (it compiles a rule when a text wakes it);
- one long line: repair time of 8 MB vs 2 MB of spun text without a newline (linear: ~4x);
- the spin repair figures of ``bench/spin_eval.py`` (tuning and validation split).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SPUN = SHARED / "samples" / "spun"
REFERENCE = SHARED / "samples" / "000_4b0a173bbebc4d8d.txt"
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"

#: Size of the throughput corpus; large enough that timer noise does not matter.
CORPUS_BYTES = 8_000_000
SYNTHETIC_RULES = 10_000

sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from spin_eval import evaluate, print_report  # noqa: E402
from throughput import mb_per_second, repeated  # noqa: E402

from cleaner.document import Document  # noqa: E402
from cleaner.rules.repair import RepairPack, RepairRule, load_rules  # noqa: E402
from cleaner.spin import count_words  # noqa: E402
from cleaner.stages.repair import RepairStage  # noqa: E402


def _corpus() -> list[str]:
    """Clean AEB bodies plus the spun samples, repeated to about CORPUS_BYTES."""
    bodies = [e["articleBody"] for e in json.loads(AEB_TRUTH.read_text()).values()]
    bodies += [p.read_text(encoding="utf-8") for p in sorted(SPUN.glob("*.txt"))]
    bodies.append(REFERENCE.read_text(encoding="utf-8"))
    return repeated(bodies, CORPUS_BYTES)


def _throughput(stage: RepairStage, docs: list[str]) -> float:
    return mb_per_second(lambda text: stage(Document(text=text)), docs)


# Run in a fresh interpreter: the figure a `cleaner clean` call pays, imports excluded.
_BUILD_ONE = """
import time
from pathlib import Path
from cleaner.registry import StageSettings
from cleaner.stages.repair import build
start = time.process_time()
build(StageSettings(rules_dir=Path({rules!r})))
print(time.process_time() - start)
"""


def _cold_build_seconds(rounds: int = 3) -> float:
    """CPU seconds to build the default repair stage (rules, candidates, model) in a new
    process, best of ``rounds``."""
    code = _BUILD_ONE.format(rules=str(REPO / "rules"))
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO
            ).stdout
        )
        for _ in range(rounds)
    ]
    return min(runs)


def _regexes_compiled_on_clean() -> tuple[int, int]:
    """Rules whose regexes a fresh pack compiles over the clean AEB bodies, and the pack's
    rules with a pattern or a guard."""
    rules = load_rules(REPO / "rules" / "repairs")
    pack = RepairPack(rules)
    for entry in json.loads(AEB_TRUTH.read_text()).values():
        pack.search(entry["articleBody"])
    with_regexes = sum(
        r.pattern is not None
        or any((r.require_before, r.forbid_before, r.require_after, r.forbid_after))
        for r in rules
    )
    return pack.regexes_compiled, with_regexes


def _clean_and_spun(stage: RepairStage) -> tuple[float, float]:
    """MB/s on the clean AEB bodies alone and on the spun samples alone."""
    clean = [e["articleBody"] for e in json.loads(AEB_TRUTH.read_text()).values()]
    spun = [p.read_text(encoding="utf-8") for p in sorted(SPUN.glob("*.txt"))]
    spun.append(REFERENCE.read_text(encoding="utf-8"))
    return (
        _throughput(stage, repeated(clean, CORPUS_BYTES)),
        _throughput(stage, repeated(spun, CORPUS_BYTES // 4)),
    )


def _one_line_seconds(stage: RepairStage, size_bytes: int) -> float:
    """Seconds to repair ``size_bytes`` of spun text that holds no newline at all."""
    spun = " ".join(
        p.read_text(encoding="utf-8").replace("\n", " ") for p in sorted(SPUN.glob("*.txt"))
    )
    text = (spun + " ") * (size_bytes // len(spun.encode("utf-8")) + 1)
    text = text[:size_bytes]
    start = time.process_time()
    stage(Document(text=text))
    return time.process_time() - start


def _synthetic(count: int) -> list[RepairRule]:
    """Rules shaped like the real ones: 2-4 word phrases, a tenth of them patterns."""
    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    rules: list[RepairRule] = []
    for i in range(count):
        words = [
            "".join(rng.choice(letters) for _ in range(rng.randint(3, 8)))
            for _ in range(rng.randint(2, 4))
        ]
        fields: dict[str, Any] = {"examples": ((" ".join(words), "x"),)}
        if i % 10 == 0:
            fields["pattern"] = rf"(?i)\b{words[0]} (\w+) {words[1]}\b"
        else:
            fields["phrase"] = " ".join(words)
        if i % 7 == 0:
            fields["forbid_before"] = r"\bthe\s+"
            fields["keep"] = ("k",)
        rules.append(
            RepairRule(
                rule_id=f"synthetic.r{i}", path=Path("synthetic"), line=i, replace="x", **fields
            )
        )
    return rules


def _spin_figures(stage: RepairStage) -> dict[str, Any]:
    per_file: dict[str, Any] = {}
    for path in sorted(SPUN.glob("*.txt")):
        doc = stage(Document(text=path.read_text(encoding="utf-8")))
        per_file[path.name] = {
            "before": doc.metadata["spin_score_before"],
            "after": doc.metadata["spin_score_after"],
            "edits": len(doc.edits),
        }
    return per_file


def _false_positives(stage: RepairStage) -> tuple[int, list[dict[str, Any]]]:
    truth = json.loads(AEB_TRUTH.read_text())
    words = 0
    edits: list[dict[str, Any]] = []
    for page_id, entry in truth.items():
        body = entry["articleBody"]
        words += count_words(body)
        for edit in stage(Document(text=body)).edits:
            context = body[max(0, edit.start - 40) : edit.end + 40].replace("\n", " ")
            edits.append(
                {
                    "page": page_id,
                    "rule_id": edit.rule_id,
                    "before": edit.before,
                    "after": edit.after,
                    "context": context,
                }
            )
    return words, edits


def run(report: dict[str, Any]) -> None:
    """Add the repair figures to ``report["repair"]``."""
    shipped = load_rules(REPO / "rules" / "repairs")
    stage = RepairStage(pack=RepairPack(shipped))
    docs = _corpus()
    mb_s = _throughput(stage, docs)
    big = RepairStage(pack=RepairPack(shipped + _synthetic(SYNTHETIC_RULES)))
    mb_s_big = _throughput(big, docs)
    words, fps = _false_positives(stage)
    clean_mb_s, spun_mb_s = _clean_and_spun(stage)
    small, large = _one_line_seconds(stage, 2_000_000), _one_line_seconds(stage, 8_000_000)
    compiled, with_regexes = _regexes_compiled_on_clean()
    report["repair"] = {
        "build_cold_process_cpu_s": round(_cold_build_seconds(), 3),
        "regexes_compiled_on_clean_aeb": compiled,
        "rules_with_regexes": with_regexes,
        "throughput_clean_mb_s": round(clean_mb_s, 1),
        "throughput_spun_mb_s": round(spun_mb_s, 1),
        "one_line_2mb_s": round(small, 2),
        "one_line_8mb_s": round(large, 2),
        "one_line_ratio_8mb_vs_2mb": round(large / max(small, 1e-9), 2),
        "rules": len(shipped),
        "spun_samples": _spin_figures(stage),
        "throughput_mb_s": round(mb_s, 1),
        "throughput_mb_s_with_10k_synthetic": round(mb_s_big, 1),
        "cost_ratio_10k_vs_shipped": round(mb_s / mb_s_big, 2),
        "aeb_words": words,
        "aeb_edits": len(fps),
        "aeb_edits_per_10k_words": round(len(fps) * 10_000 / words, 3),
        "aeb_false_positives": fps,
    }
    report["repair"]["spin_eval"] = evaluate(skip=["grammar"])


def main() -> None:
    report: dict[str, Any] = {}
    run(report)
    r = report["repair"]
    print(f"repair: {r['rules']} shipped rules")
    print("spinner signatures per 1,000 words (before -> after repair):")
    for name, fig in r["spun_samples"].items():
        print(f"  {name:<12} {fig['before']:7.2f} -> {fig['after']:5.2f}   ({fig['edits']} edits)")
    print(f"throughput, shipped pack:        {r['throughput_mb_s']:6.1f} MB/s (target >= 20)")
    print(f"throughput, clean AEB bodies:    {r['throughput_clean_mb_s']:6.1f} MB/s (target >= 20)")
    print(f"throughput, spun samples:        {r['throughput_spun_mb_s']:6.1f} MB/s (target >= 1)")
    print(f"build, fresh process:            {r['build_cold_process_cpu_s']:6.3f} CPU s")
    print(
        f"regexes compiled on clean AEB:   {r['regexes_compiled_on_clean_aeb']:6d} of "
        f"{r['rules_with_regexes']} rules with a pattern or guard"
    )
    print(
        f"one line, no newline: 2 MB {r['one_line_2mb_s']:.2f} s, 8 MB {r['one_line_8mb_s']:.2f} s, "
        f"ratio {r['one_line_ratio_8mb_vs_2mb']:.2f} (linear: about 4)"
    )
    print(f"throughput, + 10,000 synthetic:  {r['throughput_mb_s_with_10k_synthetic']:6.1f} MB/s")
    print(
        f"cost ratio 10k / shipped:        {r['cost_ratio_10k_vs_shipped']:6.2f}x (target <= 1.5)"
    )
    print(
        f"AEB ground truth: {r['aeb_edits']} edits in {r['aeb_words']} words "
        f"= {r['aeb_edits_per_10k_words']} per 10,000 words (target <= 1)"
    )
    for fp in r["aeb_false_positives"]:
        print(
            f"  FALSE POSITIVE {fp['page']} {fp['rule_id']}: {fp['before']!r} -> "
            f"{fp['after']!r}   …{fp['context']}…"
        )
    print_report(r["spin_eval"], verbose=False)


if __name__ == "__main__":
    main()
