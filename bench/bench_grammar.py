"""Benchmark of what grammar costs a user, end to end through the real command line.

* ``cleaner clean`` of a 2 KB article: cold (no LanguageTool server: the run starts the
  background server) and warm (the server is up), beside the same command with
  ``--skip grammar``. Target: warm <= 2 s.
* ``cleaner corpus`` of the 181 AEB pages (``shared/bench/aeb/html/*.html.gz``) with the
  default pipeline, with and without grammar, 2 jobs, a warm server. Target: <= 3x. Also
  with the grammar stage's ``findings = false`` (LanguageTool runs the allow-listed rules
  only; the same fixes, no findings).

Each side runs in a private LanguageTool home (its version folder links to the real
install), so the figures do not depend on a server someone else left running; the server is
stopped at the end.

Run: ``.venv/bin/python bench/bench_grammar.py``; ``make bench`` calls :func:`run`.
"""

from __future__ import annotations

import json
import os
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


def _bench_clean(env: dict[str, str], work: Path) -> dict[str, float]:
    article = _two_kb_file(work)
    command = [str(CLEANER), "clean", str(article)]
    cold = _timed(command, env)
    warm = statistics.median(_timed(command, env) for _ in range(WARM_ROUNDS))
    no_grammar = statistics.median(
        _timed([*command, "--skip", "grammar"], env) for _ in range(WARM_ROUNDS)
    )
    return {
        "clean_2kb_cold_s": round(cold, 2),
        "clean_2kb_warm_s": round(warm, 2),
        "clean_2kb_no_grammar_s": round(no_grammar, 2),
    }


def _bench_corpus(env: dict[str, str], work: Path, limit: int | None) -> dict[str, float]:
    pages = sorted(AEB_HTML.glob("*.html.gz"))[:limit]
    src = work / "aeb"
    src.mkdir()
    for page in pages:
        shutil.copyfile(page, src / page.name)  # the runner does not follow links out of IN
    lean = work / "allow-list-only.toml"
    default = (ROOT / "cleaner" / "defaults" / "pipeline.toml").read_text(encoding="utf-8")
    lean.write_text(
        default.replace("[options.grammar]\n", "[options.grammar]\nfindings = false\n"),
        encoding="utf-8",
    )
    seconds: dict[str, float] = {}
    runs = (
        ("without", ["--skip", "grammar"]),
        ("with", []),
        ("allow-list-only", ["--config", str(lean)]),
    )
    for label, extra in runs:
        out = work / f"out-{label}"
        command = [str(CLEANER), "corpus", str(src), str(out), "--jobs", "2", "--quiet", *extra]
        seconds[label] = _timed(command, env)
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
        "corpus_without_grammar_s": round(seconds["without"], 1),
        "corpus_with_grammar_s": round(seconds["with"], 1),
        "corpus_grammar_ratio": round(seconds["with"] / seconds["without"], 2),
        "corpus_allow_list_only_s": round(seconds["allow-list-only"], 1),
        "corpus_allow_list_only_ratio": round(seconds["allow-list-only"] / seconds["without"], 2),
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
    print(f"{'':28}{'with grammar':>14}{'without':>10}")
    print(
        f"{'clean 2 KB, cold (s)':28}{figures['clean_2kb_cold_s']:>14}"
        f"{figures['clean_2kb_no_grammar_s']:>10}"
    )
    print(
        f"{'clean 2 KB, warm (s)':28}{figures['clean_2kb_warm_s']:>14}"
        f"{figures['clean_2kb_no_grammar_s']:>10}"
    )
    print(
        f"{'corpus of ' + str(figures['corpus_pages']) + ' AEB pages (s)':28}"
        f"{figures['corpus_with_grammar_s']:>14}{figures['corpus_without_grammar_s']:>10}"
    )
    print(
        f"{'  findings = false (s)':28}{figures['corpus_allow_list_only_s']:>14}"
        f"{figures['corpus_without_grammar_s']:>10}"
    )
    print(
        f"corpus with grammar: {figures['corpus_docs_grammar_checked']} documents checked, "
        f"{figures['corpus_docs_grammar_skipped']} skipped, "
        f"{figures['corpus_grammar_edits']} grammar edits"
    )
    warm_ok = figures["clean_2kb_warm_s"] <= TARGET_WARM_S
    ratio_ok = figures["corpus_grammar_ratio"] <= TARGET_CORPUS_RATIO
    print(
        f"warm clean {figures['clean_2kb_warm_s']} s: {'meets' if warm_ok else 'MISSES'} the "
        f"{TARGET_WARM_S:g} s target; corpus with grammar {figures['corpus_grammar_ratio']}x "
        f"without: {'meets' if ratio_ok else 'MISSES'} the {TARGET_CORPUS_RATIO:g}x target "
        f"(load average {figures['load_average_1min']} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
