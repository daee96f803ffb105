"""``make bench``: every benchmark in one run; writes ``bench/report.md``, ``bench/report.json``
and ``bench/aeb_f1_per_page.png``.

Sections: article extraction on WCXB dev and the Article Extraction Benchmark, split by site
into tuning and validation pages (trafilatura alone in three configurations against cleaner;
CPU-time ratio), the unicode stage against plain
ftfy, and, when their modules are present, the repair, grammar and corpus benchmarks (each a
``run(report)`` function that adds its own figures). A benchmark that fails is reported as
failed; the others still run and the report is still written.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

REPORT_MD = BENCH / "report.md"
REPORT_JSON = BENCH / "report.json"
PLOT = BENCH / "aeb_f1_per_page.png"
# Optional benchmarks written for other issues, run when their module exists.
OPTIONAL = (
    "bench_repair",
    "bench_grammar",
    "bench_corpus",
    "bench_ray",
    "bench_clean_memory",
    "bench_corpus_memory",
    "bench_language",
    "bench_candidates",
)


def _run_section(name: str, run: Callable[[dict[str, Any]], None], report: dict[str, Any]) -> None:
    started = time.perf_counter()
    try:
        run(report)
        status = "ok"
    except Exception:
        status = "failed"
        report.setdefault("errors", {})[name] = traceback.format_exc(limit=5)
    report["timings"][name] = {"seconds": round(time.perf_counter() - started, 1), "status": status}
    print(f"bench: {name} {status} in {report['timings'][name]['seconds']} s", flush=True)


def _optional(module_name: str) -> Callable[[dict[str, Any]], None] | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    run = getattr(module, "run", None)
    return run if callable(run) else None


def plot_per_page(report: dict[str, Any], path: Path) -> bool:
    """Scatter of per-page F1, trafilatura (x) against cleaner (y). False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    aeb = report.get("extraction", {}).get("benchmarks", {}).get("aeb", {})
    per_page = aeb.get("per_page_f1", {})
    base, ours = per_page.get("trafilatura include_comments=False"), per_page.get("cleaner")
    if not base or not ours:
        return False
    keys = sorted(base)
    x = [base[k] for k in keys]
    y = [ours[k] for k in keys]
    colours = ["tab:green" if b > a + 0.005 else "tab:red" if b < a - 0.005 else "tab:gray" for a, b in zip(x, y, strict=True)]
    fig, ax = plt.subplots(figsize=(6, 6), dpi=110)
    ax.plot([0, 1], [0, 1], color="black", linewidth=0.8, linestyle="--")
    ax.scatter(x, y, s=14, c=colours, alpha=0.8)
    wins = sum(c == "tab:green" for c in colours)
    losses = sum(c == "tab:red" for c in colours)
    ax.set_xlabel("trafilatura (include_comments=False): page F1")
    ax.set_ylabel("cleaner: page F1")
    ax.set_title(f"AEB, {len(keys)} pages: cleaner better on {wins}, worse on {losses}")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _extraction_md(section: dict[str, Any]) -> list[str]:
    import bench_extraction

    return bench_extraction.render(section)


def _unicode_md(section: dict[str, Any]) -> list[str]:
    lines = [
        "## Unicode stage against plain ftfy",
        "",
        f"ftfy {section['ftfy_version']}. Target: the stage gives exactly `ftfy.fix_text`'s output"
        f" and is at least {section['target_speedup_on_clean_text']:g}x faster on clean text.",
        "",
        "| text | docs | MB | fast-path docs | fix_text MB/s | stage MB/s | speed-up | outputs differing |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ("clean_text", "mojibake"):
        f = section[name]
        lines.append(
            f"| {name.replace('_', ' ')} | {f['docs']} | {f['mb']} | {f['fast_path_docs']} |"
            f" {f['ftfy_fix_text_mb_s']} | {f['stage_mb_s']} | **{f['speedup']}x** |"
            f" {f['outputs_differing_from_fix_text']} |"
        )
    lines += [
        "",
        "On mojibake both sides run ftfy's fixers; the stage also works out each repair's span"
        " for the edit log, which is what it costs there.",
        "",
    ]
    return lines


def _generic_md(name: str, section: Any) -> list[str]:
    """Another benchmark's figures: a table of its scalar values, lists summarised."""
    lines = [f"## {name}", ""]
    if not isinstance(section, dict):
        return [*lines, f"`{_fmt(section)}`", ""]
    lines += ["| figure | value |", "|---|---|"]

    def rows(prefix: str, data: dict[str, Any]) -> None:
        for key, value in data.items():
            label = f"{prefix}{key}"
            if isinstance(value, dict):
                rows(label + " / ", value)
            elif isinstance(value, list):
                lines.append(f"| {label} | {len(value)} entries (see report.json) |")
            else:
                lines.append(f"| {label} | {_fmt(value)} |")

    rows("", section)
    return [*lines, ""]


def render_markdown(report: dict[str, Any], plotted: bool) -> str:
    lines = [
        "# cleaner benchmarks",
        "",
        f"Written by `make bench` ({report['started']}, Python {report['python']},"
        f" {report['cpus']} CPUs). Figures in `bench/report.json`.",
        "",
    ]
    if "extraction" in report:
        lines += _extraction_md(report["extraction"])
        if plotted:
            lines += [f"![per-page F1, trafilatura against cleaner]({PLOT.name})", ""]
    if "unicode" in report:
        lines += _unicode_md(report["unicode"])
    known = {"extraction", "unicode", "timings", "errors", "started", "python", "cpus"}
    for name, section in report.items():
        if name not in known:
            lines += _generic_md(name, section)
    lines += ["## Run", "", "| benchmark | seconds | status |", "|---|---:|---|"]
    lines += [f"| {k} | {v['seconds']} | {v['status']} |" for k, v in report["timings"].items()]
    for name, error in report.get("errors", {}).items():
        lines += ["", f"### {name} failed", "", "```", error.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "timings": {},
    }
    import bench_extraction
    import bench_unicode

    _run_section("extraction", bench_extraction.run, report)
    _run_section("unicode", bench_unicode.run, report)
    for module_name in OPTIONAL:
        try:
            run = _optional(module_name)
        except Exception:
            report.setdefault("errors", {})[module_name] = traceback.format_exc(limit=5)
            report["timings"][module_name] = {"seconds": 0.0, "status": "import failed"}
            continue
        if run is None:
            report["timings"][module_name] = {"seconds": 0.0, "status": "not present"}
            continue
        _run_section(module_name.removeprefix("bench_"), run, report)
    plotted = plot_per_page(report, PLOT)
    REPORT_JSON.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    REPORT_MD.write_text(render_markdown(report, plotted), encoding="utf-8")
    print(f"bench: wrote {REPORT_MD.relative_to(ROOT)} and {REPORT_JSON.relative_to(ROOT)}")
    return 1 if report.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
