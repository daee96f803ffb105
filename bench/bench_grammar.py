"""Benchmark of what grammar costs a user, end to end through the real command line.

* ``cleaner clean`` of a 2 KB article: cold (no LanguageTool server: the run starts the
  background server if it needs one) and warm (the server is up), beside the same command
  with ``--skip grammar``. Target: warm <= 2 s. The article is clean, so with findings off
  (the default) no paragraph is sent; the same article with one a/an slip added ("a honest
  mistake") needs one request, and is timed too.
* ``cleaner corpus`` of the 181 AEB pages (``shared/bench/aeb/html/*.html.gz``) with the
  default pipeline, with and without grammar, 2 jobs, a warm server, in alternating rounds:
  the ratio of each pair (wall time, and CPU time of the run plus the LanguageTool server's),
  median over the rounds. Target: <= 3x. Also once with ``--findings`` (LanguageTool runs
  every rule for findings).

Each side runs in a private LanguageTool home (its version folder links to the real
install), so the figures do not depend on a server someone else left running; the server is
stopped at the end.

Run: ``.venv/bin/python bench/bench_grammar.py``; ``make bench`` calls :func:`run`.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner import languagetool as lt  # noqa: E402

SHARED = ROOT.parent / "shared"
AEB_HTML = SHARED / "bench" / "aeb" / "html"
ARTICLE = SHARED / "samples" / "000_4b0a173bbebc4d8d.txt"
CLEANER = Path(sys.executable).parent / "cleaner"
WARM_ROUNDS = 3
CORPUS_ROUNDS = 3
SLIP = "\nThey called it a honest mistake.\n"
TARGET_WARM_S = 2.0
TARGET_CORPUS_RATIO = 3.0


def _two_kb_file(folder: Path) -> Path:
    text = ARTICLE.read_text(encoding="utf-8")
    cut = text.rfind("\n", 0, 2048)
    path = folder / "article-2k.txt"
    path.write_text(text[: cut if cut > 0 else 2048] + "\n", encoding="utf-8")
    return path


def _timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - began


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and its descendants (Linux ``/proc``)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(proc.name)] = int(fields[1])
        cpu[int(proc.name)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(cpu.get(member, 0.0) for member in tree)


def _server_cpu_s(home: Path) -> float:
    state = lt.read_state(home)
    return 0.0 if state is None else _tree_cpu_s(state.pid)


def _timed_with_cpu(command: list[str], env: dict[str, str], home: Path) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the command and its children plus what the
    LanguageTool server spent meanwhile (it is no child of the command)."""
    server_before = _server_cpu_s(home)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = _timed(command, env)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    return wall, own + max(0.0, _server_cpu_s(home) - server_before)


def _bench_clean(env: dict[str, str], work: Path) -> dict[str, float]:
    article = _two_kb_file(work)
    slipped = work / "article-2k-slip.txt"
    slipped.write_text(article.read_text(encoding="utf-8") + SLIP, encoding="utf-8")
    command = [str(CLEANER), "clean", str(article)]
    cold = _timed(command, env)
    slip_command = [str(CLEANER), "clean", str(slipped)]
    slip_cold = _timed(slip_command, env)
    warm = statistics.median(_timed(command, env) for _ in range(WARM_ROUNDS))
    slip_warm = statistics.median(_timed(slip_command, env) for _ in range(WARM_ROUNDS))
    no_grammar = statistics.median(
        _timed([*command, "--skip", "grammar"], env) for _ in range(WARM_ROUNDS)
    )
    return {
        "clean_2kb_cold_s": round(cold, 2),
        "clean_2kb_warm_s": round(warm, 2),
        "clean_2kb_slip_cold_s": round(slip_cold, 2),
        "clean_2kb_slip_warm_s": round(slip_warm, 2),
        "clean_2kb_no_grammar_s": round(no_grammar, 2),
    }


def _bench_corpus(env: dict[str, str], work: Path, limit: int | None) -> dict[str, float]:
    pages = sorted(AEB_HTML.glob("*.html.gz"))[:limit]
    src = work / "aeb"
    src.mkdir()
    for page in pages:
        shutil.copyfile(page, src / page.name)  # the runner does not follow links out of IN
    home = Path(env[lt.HOME_ENV])

    def corpus(label: str, *extra: str) -> tuple[float, float]:
        out = work / f"out-{label}"
        command = [str(CLEANER), "corpus", str(src), str(out), "--jobs", "2", "--quiet"]
        return _timed_with_cpu([*command, "--force", *extra], env, home)

    corpus("with")  # the server up and warm, as a second run finds it
    wall_ratios, cpu_ratios = [], []
    without: list[tuple[float, float]] = []
    with_grammar: list[tuple[float, float]] = []
    for _ in range(CORPUS_ROUNDS):
        without.append(corpus("without", "--skip", "grammar"))
        with_grammar.append(corpus("with"))
        wall_ratios.append(with_grammar[-1][0] / without[-1][0])
        cpu_ratios.append(with_grammar[-1][1] / without[-1][1])
    findings_wall, findings_cpu = corpus("findings", "--findings")
    audit = [
        json.loads(line)
        for line in (work / "out-with" / "_audit.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    return {
        "corpus_docs_grammar_checked": sum(
            1 for a in audit if "grammar_issues_per_1k_words_before" in a
        ),
        "corpus_docs_grammar_skipped": sum(1 for a in audit if "grammar_skipped" in a),
        "corpus_grammar_edits": sum(a.get("edit_counts", {}).get("grammar", 0) for a in audit),
        "corpus_pages": len(pages),
        "corpus_rounds": CORPUS_ROUNDS,
        "corpus_without_grammar_s": round(statistics.median(w for w, _ in without), 1),
        "corpus_with_grammar_s": round(statistics.median(w for w, _ in with_grammar), 1),
        "corpus_without_grammar_cpu_s": round(statistics.median(c for _, c in without), 1),
        "corpus_with_grammar_cpu_s": round(statistics.median(c for _, c in with_grammar), 1),
        "corpus_grammar_ratio": round(statistics.median(wall_ratios), 2),
        "corpus_grammar_ratios": [round(r, 2) for r in wall_ratios],
        "corpus_grammar_cpu_ratio": round(statistics.median(cpu_ratios), 2),
        "corpus_grammar_cpu_ratios": [round(r, 2) for r in cpu_ratios],
        "corpus_findings_s": round(findings_wall, 1),
        "corpus_findings_cpu_s": round(findings_cpu, 1),
        "corpus_findings_cpu_ratio": round(
            findings_cpu / statistics.median(c for _, c in without), 2
        ),
    }


def run(report: dict[str, Any], limit: int | None = None) -> None:
    """Add the figures to ``report["grammar"]``."""
    work = Path(tempfile.mkdtemp(prefix="bench-grammar-"))
    home = work / "languagetool"
    home.mkdir()
    (home / lt.LANGUAGETOOL_VERSION).symlink_to(lt.install_dir())
    env = {**os.environ, lt.HOME_ENV: str(home)}
    env.pop(lt.URL_ENV, None)
    try:
        figures: dict[str, Any] = {"languagetool_version": lt.LANGUAGETOOL_VERSION}
        figures.update(_bench_clean(env, work))
        figures.update(_bench_corpus(env, work, limit))
        state = lt.read_state(home)
        if state is not None:
            figures["server_rss_mb"] = round(lt.process_rss_bytes(state.pid) / 2**20, 1)
        figures["target_clean_2kb_warm_s"] = TARGET_WARM_S
        figures["target_corpus_grammar_ratio"] = TARGET_CORPUS_RATIO
        figures["load_average_1min"] = round(os.getloadavg()[0], 2)
        figures["load_average_5min"] = round(os.getloadavg()[1], 2)
        report["grammar"] = figures
    finally:
        lt.stop_background(home)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="AEB pages (0: all 181)")
    args = parser.parse_args()
    report: dict[str, Any] = {}
    run(report, limit=args.limit or None)
    figures = report["grammar"]
    print(f"{'':34}{'with grammar':>14}{'without':>10}")
    rows = (
        ("clean 2 KB, cold (s)", "clean_2kb_cold_s", "clean_2kb_no_grammar_s"),
        ("clean 2 KB, warm (s)", "clean_2kb_warm_s", "clean_2kb_no_grammar_s"),
        ("  with an a/an slip, cold (s)", "clean_2kb_slip_cold_s", "clean_2kb_no_grammar_s"),
        ("  with an a/an slip, warm (s)", "clean_2kb_slip_warm_s", "clean_2kb_no_grammar_s"),
        ("corpus, wall (s, median)", "corpus_with_grammar_s", "corpus_without_grammar_s"),
        ("corpus, CPU (s, median)", "corpus_with_grammar_cpu_s", "corpus_without_grammar_cpu_s"),
        ("  --findings, CPU (s)", "corpus_findings_cpu_s", "corpus_without_grammar_cpu_s"),
    )
    for label, with_key, without_key in rows:
        print(f"{label:34}{figures[with_key]:>14}{figures[without_key]:>10}")
    print(
        f"corpus of {figures['corpus_pages']} AEB pages with grammar: "
        f"{figures['corpus_docs_grammar_checked']} documents checked, "
        f"{figures['corpus_docs_grammar_skipped']} skipped, "
        f"{figures['corpus_grammar_edits']} grammar edits; ratio with/without per round: "
        f"wall {figures['corpus_grammar_ratios']}, CPU {figures['corpus_grammar_cpu_ratios']}"
    )
    warm_ok = figures["clean_2kb_slip_warm_s"] <= TARGET_WARM_S
    ratio_ok = figures["corpus_grammar_ratio"] <= TARGET_CORPUS_RATIO
    print(
        f"warm clean {figures['clean_2kb_slip_warm_s']} s (with a slip to fix): "
        f"{'meets' if warm_ok else 'MISSES'} the {TARGET_WARM_S:g} s target; corpus with "
        f"grammar {figures['corpus_grammar_ratio']}x without (CPU "
        f"{figures['corpus_grammar_cpu_ratio']}x): {'meets' if ratio_ok else 'MISSES'} the "
        f"{TARGET_CORPUS_RATIO:g}x target (load average {figures['load_average_1min']} / "
        f"{figures['load_average_5min']} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
