"""``cleaner corpus IN OUT``: the command; the work is :func:`cleaner.corpus.run_corpus`.

Registered by ``cleaner/cli.py`` with ``app.command("corpus", epilog=EPILOG)(corpus)``.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from cleaner.cli_options import (
    ENCODING_ERRORS_HELP,
    EXIT_OK,
    EXIT_SERVICE,
    EXIT_SOME_FAILED,
    EXIT_USAGE,
    ConfigOption,
    EncodingErrors,
    FindingsOption,
    LanguageToolUrlOption,
    MaxBytesOption,
    RulesOption,
    SkipOption,
    TitleOption,
    build_pipeline,
    extract_overrides,
)
from cleaner.cli_stop import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, terminate_cleanly
from cleaner.corpus import (
    LEARN_MIN_DOCUMENTS,
    LEARN_MIN_SHARE,
    MASS_DELETE_FRACTION,
    SHARD_BYTES,
    CorpusError,
    CorpusSummary,
    LearnThresholds,
    ShardEngine,
    default_jobs,
    read_learned_chrome,
    run_corpus,
)
from cleaner.errors import CleanerError, ConfigError, ServiceError
from cleaner.integrations.ray import RayEngine
from cleaner.io.layout import message_name
from cleaner.registry import LEARNED_CHROME

EPILOG = (
    "Examples:\n\n"
    "  cleaner corpus corpus/raw corpus/clean           # clean a folder tree\n\n"
    "  cleaner corpus crawl/ out/ --jobs 8 --skip grammar\n\n"
    "  cleaner corpus dumps/ out/ --text-field content   # JSONL whose text is in 'content'\n\n"
    "  cleaner corpus raw/ clean/ --force                # redo everything\n\n"
    "  cleaner corpus raw/ clean/ --engine ray --address ray://head:10001 --no-learn-chrome\n\n"
    "  cleaner corpus raw/ clean/ --learned-chrome old/_learned_chrome.jsonl   # replay a list\n\n"
    "Learned chrome: before cleaning, the run reads every document once to find the lines "
    "most pages of one site share (a footer, a promo block; a site is a URL's host, else an "
    "input folder), lists them in OUT/_learned_chrome.jsonl and removes them (stage "
    "learned_chrome; each removal is an edit in _audit.jsonl). A line is learned when at "
    "least --learn-min-documents documents of its site and --learn-min-share of them hold it, "
    "so small sites and prose that repeats by chance keep their lines.\n\n"
    "Run it again to clean only what changed (inputs, rules, configuration) or to resume a run "
    "that was stopped. OUT gets _audit.jsonl, _errors.jsonl and report.html."
)


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class _RichProgress:
    """The runner's progress, as a rich bar on stderr: input bytes drive the bar and the time
    left (documents vary too much in size to predict from), documents per second beside it."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[docs]} docs · {task.fields[rate]} docs/s"),
            TextColumn("{task.fields[failed]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: TaskID | None = None
        self.documents = 0
        self.failures = 0
        self.began = time.perf_counter()

    def learning(self, total_bytes: int, inputs: int) -> None:
        """Pass 1 of learned chrome: its own bar, left on screen when it ends."""
        self._bar(f"learning chrome from {inputs} inputs", total_bytes)

    def learned(self) -> None:
        self.progress.stop()  # no display thread while pass 2 forks its workers

    def start(self, total_bytes: int, inputs: int, skipped: int) -> None:
        if self.task is not None:  # pass 1's bar, already drawn for good by learned()
            self.progress.remove_task(self.task)
        self.documents = self.failures = 0
        note = f" ({skipped} unchanged)" if skipped else ""
        self._bar(f"cleaning {inputs} inputs{note}", total_bytes)

    def _bar(self, description: str, total_bytes: int) -> None:
        self.began = time.perf_counter()
        self.task = self.progress.add_task(
            description, total=max(total_bytes, 1), docs=0, rate="-", failed=""
        )
        self.progress.start()

    def advance(self, size: int, documents: int, failures: int) -> None:
        if self.task is None:
            return
        self.documents += documents
        self.failures += failures
        elapsed = time.perf_counter() - self.began
        rate = f"{self.documents / elapsed:.1f}" if elapsed > 0 else "-"
        failed = f"{self.failures} failed" if self.failures else ""
        self.progress.update(self.task, advance=size, docs=self.documents, rate=rate, failed=failed)

    def stop(self) -> None:
        self.progress.stop()


def summary_table(summary: CorpusSummary) -> Table:
    counts = summary.counts
    rate = counts.documents / summary.seconds if summary.seconds > 0 else 0.0
    table = Table(title=f"cleaner corpus → {summary.out_dir}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    inputs = (
        f"{summary.inputs} ({summary.inputs_cleaned} cleaned, {summary.inputs_skipped} unchanged"
    )
    inputs += f", {summary.inputs_removed} removed)" if summary.inputs_removed else ")"
    table.add_row("inputs", inputs)
    table.add_row("documents cleaned", f"{counts.documents - counts.failures}")
    if summary.documents_skipped:
        table.add_row("documents unchanged", f"{summary.documents_skipped}")
    table.add_row("chrome lines removed", f"{counts.chrome_lines_removed}")
    if summary.learned_lines:
        table.add_row(
            "learned chrome",
            f"{summary.learned_lines} lines of {summary.learned_sites} sites "
            f"({summary.learned_seconds:.1f} s to learn; _learned_chrome.jsonl)",
        )
    table.add_row("repairs", f"{counts.repairs}")
    table.add_row("grammar fixes", f"{counts.grammar_fixes}")
    failures = f"{counts.failures}"
    if summary.failures_total != counts.failures:
        failures += f" ({summary.failures_total} in _errors.jsonl)"
    table.add_row("failures", failures)
    table.add_row("time", f"{summary.seconds:.1f} s ({rate:.1f} docs/s, {summary.jobs} jobs)")
    if summary.links_skipped:
        table.add_row(
            "links not followed", f"{len(summary.links_skipped)} (--follow-symlinks follows them)"
        )
    if summary.workers_died:
        table.add_row(
            "worker died on",
            f"{len(summary.workers_died)} inputs (left out; see _errors.jsonl, --retry-failed)",
        )
    if summary.links_broken:
        table.add_row(
            "broken links", f"{len(summary.links_broken)} (leading nowhere or in a loop; skipped)"
        )
    if summary.not_files:
        table.add_row("not files", f"{len(summary.not_files)} (FIFOs, devices, sockets; skipped)")
    if summary.not_overwritten:
        table.add_row(
            "not overwritten",
            f"{len(summary.not_overwritten)} files in OUT that cleaner did not write "
            "(see _errors.jsonl; --overwrite replaces them)",
        )
    if summary.folders_unlisted:
        table.add_row(
            "folders not listed",
            f"{len(summary.folders_unlisted)} (their inputs not read; outputs kept)",
        )
    if summary.ignored_files:
        table.add_row(
            "files not read", f"{len(summary.ignored_files)} (not .txt/.html/.jsonl/.warc)"
        )
    return table


def summary_line(summary: CorpusSummary) -> str:
    """The run in one line, for logs (stderr not a terminal)."""
    counts = summary.counts
    parts = [
        f"{summary.inputs} inputs ({summary.inputs_cleaned} cleaned, "
        f"{summary.inputs_skipped} unchanged, {summary.inputs_removed} removed)",
        f"{counts.documents - counts.failures} documents cleaned",
        f"{summary.failures_total} failed",
    ]
    if summary.learned_lines:
        parts.append(
            f"{summary.learned_lines} chrome lines learned on {summary.learned_sites} sites"
        )
    skipped = len(summary.links_skipped) + len(summary.links_broken)
    if skipped:
        parts.append(f"{skipped} links skipped ({len(summary.links_broken)} broken)")
    if summary.not_files:
        parts.append(f"{len(summary.not_files)} FIFOs, devices or sockets skipped")
    if summary.workers_died:
        parts.append(f"{len(summary.workers_died)} inputs left out (their worker died)")
    if summary.not_overwritten:
        parts.append(f"{len(summary.not_overwritten)} files in OUT not overwritten")
    if summary.folders_unlisted:
        parts.append(f"{len(summary.folders_unlisted)} folders could not be listed")
    parts.append(f"{summary.seconds:.1f} s")
    return "cleaner corpus: " + ", ".join(parts)


class CorpusFormat(StrEnum):
    text = "text"
    markdown = "markdown"


class EncodingErrorsChoice(StrEnum):
    strict_ = "strict"
    replace_ = "replace"


def corpus(
    in_dir: Annotated[
        Path, typer.Argument(help="Folder to clean (walked recursively).", show_default=False)
    ],
    out_dir: Annotated[
        Path,
        typer.Argument(
            help="Folder to write; mirrors IN. Must not be inside IN.", show_default=False
        ),
    ],
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", help="Worker processes (default: the number of cores).", min=1
        ),
    ] = None,
    text_field: Annotated[
        str, typer.Option(help="The field holding the text in JSONL inputs.")
    ] = "text",
    skip: SkipOption = [],  # noqa: B006
    config: ConfigOption = None,
    rules: RulesOption = None,
    languagetool_url: LanguageToolUrlOption = None,
    max_bytes: MaxBytesOption = None,
    findings: FindingsOption = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Clean every input again. Without it an input is unchanged, and skipped, when "
            "its size, mtime and ctime are the ones recorded, or its content hash is.",
        ),
    ] = False,
    encoding_errors: Annotated[
        EncodingErrorsChoice | None,
        typer.Option("--encoding-errors", help=ENCODING_ERRORS_HELP),
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Clean again the unchanged inputs that had failures, including those whose "
            "worker process died (left out of reruns by default).",
        ),
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace files in OUT that cleaner did not write (by default they are left "
            "alone and their inputs reported).",
        ),
    ] = False,
    allow_mass_delete: Annotated[
        bool,
        typer.Option(
            "--allow-mass-delete",
            help="Remove the outputs of inputs gone from IN even when they are most of them "
            "(refused by default: IN may be empty, unmounted or the wrong folder).",
        ),
    ] = False,
    mass_delete_fraction: Annotated[
        float,
        typer.Option(
            "--mass-delete-fraction",
            help="The share of earlier inputs a run may remove without --allow-mass-delete.",
            min=0.0,
            max=1.0,
        ),
    ] = MASS_DELETE_FRACTION,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks",
            help="Follow symbolic links, also folder links and links leading out of IN (default: skipped and counted).",
        ),
    ] = False,
    report_docs: Annotated[
        int,
        typer.Option(
            "--report-docs", help="Documents whose text report.html shows (all are listed).", min=0
        ),
    ] = 200,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No progress bar or summary (when stderr is not a terminal: one summary line).",
        ),
    ] = False,
    shard_bytes: Annotated[
        int, typer.Option("--shard-bytes", hidden=True, min=1, help="JSONL shard size (for tests).")
    ] = SHARD_BYTES,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="local: worker processes on this machine. ray: Ray workers (needs the 'ray' extra); same outputs.",
        ),
    ] = Engine.local,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="With --engine ray: the Ray cluster to use (e.g. ray://head:10001 or auto). Default: a local Ray of --jobs CPUs.",
        ),
    ] = None,
    title: TitleOption = None,
    output_format: Annotated[
        CorpusFormat,
        typer.Option(
            "--format",
            "-f",
            help="text: the clean text. markdown: the same, with an HTML page's headings (#), "
            "numbered lists (1.), quotes (>) and code blocks (```) marked, as 'cleaner clean "
            "--format markdown' writes them. Output names stay the same (a/b.html -> a/b.txt; "
            "JSONL and WARC give JSONL, whose text field is then Markdown).",
        ),
    ] = CorpusFormat.text,
    learn_chrome: Annotated[
        bool | None,
        typer.Option(
            "--learn-chrome/--no-learn-chrome",
            help="Learn each site's repeated lines (footers, promo blocks) from the corpus and "
            "remove them; listed in OUT/_learned_chrome.jsonl. Default: on (local engine) unless "
            "--skip learned_chrome. On Ray, replay a list with --learned-chrome.",
            show_default=False,
        ),
    ] = None,
    learned_chrome: Annotated[
        Path | None,
        typer.Option(
            "--learned-chrome",
            help="Apply this saved _learned_chrome.jsonl instead of learning (a replay: the "
            "same lines removed from the same sites).",
            metavar="FILE",
        ),
    ] = None,
    learn_min_documents: Annotated[
        int,
        typer.Option(
            "--learn-min-documents",
            help="A line is learned only when at least this many documents of its site hold "
            "it (protects small sites).",
            min=2,
        ),
    ] = LEARN_MIN_DOCUMENTS,
    learn_min_share: Annotated[
        float,
        typer.Option(
            "--learn-min-share",
            help="...and at least this share of the site's documents (a footer is on all of "
            "them; a sentence repeated by chance on few).",
            min=0.01,
            max=1.0,
        ),
    ] = LEARN_MIN_SHARE,
) -> None:
    """Clean a folder tree of .txt, .html, .jsonl and .warc files (gzipped too) into OUT.

    Parallel, incremental (unchanged inputs are skipped) and resumable (a stopped run picks up
    where it was). A first pass learns each site's chrome: the lines that most pages of one
    site (a URL's host, else an input folder) share, such as a footer or a promo block, listed
    in OUT/_learned_chrome.jsonl and removed as edits of stage learned_chrome
    (--no-learn-chrome turns it off; --learned-chrome FILE replays a saved list).

    Exit codes: 0 all cleaned; 1 some documents failed (see OUT/_errors.jsonl), or a worker
    crashed (the message says where; run again to resume); 2 usage or configuration
    error, or OUT in use by another run; 3 an engine or service cleaner needs is unavailable
    (LanguageTool, Ray).
    """
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    show = not quiet and sys.stderr.isatty()
    errors = None if encoding_errors is None else EncodingErrors(encoding_errors.value)
    pipeline = build_pipeline(
        config,
        skip,
        rules,
        languagetool_url,
        max_bytes,
        errors,
        findings_wanted=findings,
        extract_options=extract_overrides(title, markdown=output_format is CorpusFormat.markdown),
    )
    if address is not None and engine is not Engine.ray:
        console.print("cleaner: --address needs --engine ray", markup=False)
        raise typer.Exit(EXIT_USAGE)
    if learned_chrome is not None and learn_chrome is False:
        console.print(
            "cleaner: --learned-chrome replays a saved list and --no-learn-chrome turns learned "
            "chrome off: give one of them",
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
    if engine is Engine.ray and learn_chrome and learned_chrome is None:
        console.print(
            "cleaner: learning chrome runs on the local engine only: learn it with a local run, "
            "then replay its list on Ray with --learned-chrome FILE",
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
    if LEARNED_CHROME not in pipeline.config.stages and (
        learn_chrome or learned_chrome is not None
    ):
        console.print(
            "cleaner: the pipeline leaves out stage learned_chrome (--skip or the pipeline "
            "file), so --learn-chrome and --learned-chrome have nothing to run in",
            markup=False,
        )
        raise typer.Exit(EXIT_USAGE)
    if learned_chrome is not None:
        try:  # a bad list is a usage error, found before OUT is made
            read_learned_chrome(learned_chrome)
        except CorpusError as exc:
            console.print(f"cleaner: {exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from exc
    shard_engine: ShardEngine | None = None
    lost_workers: list[str] = []
    if engine is Engine.ray:
        try:
            shard_engine = RayEngine(address, jobs)
            lost_workers = shard_engine.lost
        except ConfigError as exc:  # the 'ray' extra is not installed
            console.print(f"cleaner: {exc}", markup=False)
            raise typer.Exit(EXIT_USAGE) from exc
    progress = _RichProgress(console) if show else None
    try:
        with terminate_cleanly():
            summary = run_corpus(
                in_dir,
                out_dir,
                pipeline,
                jobs=jobs or default_jobs(),
                text_field=text_field,
                force=force,
                follow_symlinks=follow_symlinks,
                report_documents=report_docs,
                shard_bytes=shard_bytes,
                progress=progress,
                learning_progress=progress,
                engine=shard_engine,
                overwrite=overwrite,
                retry_failed=retry_failed,
                allow_mass_delete=allow_mass_delete,
                mass_delete_fraction=mass_delete_fraction,
                learn_chrome=learn_chrome,
                learned_chrome=learned_chrome,
                learn_thresholds=LearnThresholds(learn_min_documents, learn_min_share),
            )
    except (CorpusError, ConfigError) as exc:
        _stop(progress)
        console.print(f"cleaner: {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from exc
    except ServiceError as exc:
        _stop(progress)
        console.print(
            f"cleaner: {exc} (finished inputs are kept; run again to resume)", markup=False
        )
        raise typer.Exit(EXIT_SERVICE) from exc
    except KeyboardInterrupt as exc:
        _stop(progress)
        how, code = (
            ("terminated", EXIT_TERMINATED)
            if isinstance(exc, Terminated)
            else ("interrupted", EXIT_INTERRUPTED)
        )
        console.print(
            f"cleaner: {how}; finished inputs are kept: run the same command again to resume",
            markup=False,
        )
        raise typer.Exit(code) from None
    except CleanerError as exc:
        _stop(progress)
        console.print(f"cleaner: {exc}", markup=False)
        raise typer.Exit(EXIT_SOME_FAILED) from exc
    _stop(progress)
    # Always said, even with --quiet: a folder not read is a failure of the run.
    for folder in summary.folders_unlisted:
        console.print(
            f"cleaner: cannot list folder IN/{folder}: its inputs were not read; the outputs "
            "cleaned from them before are kept",
            markup=False,
        )
    if not quiet:  # a lost node is worth knowing even when stderr is a log file
        for note in lost_workers:
            console.print(f"cleaner: Ray {note}", markup=False)
        shown = ", ".join(message_name(name) for name in summary.not_files[:5])
        more = len(summary.not_files) - 5
        if summary.not_files:
            console.print(
                f"cleaner: not files (a FIFO, device or socket), skipped: {shown}"
                + (f" and {more} more" if more > 0 else ""),
                markup=False,
            )
    if show:
        console.print(summary_table(summary))
        if summary.failures_total:
            console.print(
                f"{summary.failures_total} failed documents: see {out_dir / '_errors.jsonl'}",
                markup=False,
            )
        console.print(f"report: {out_dir / 'report.html'}", markup=False)
    elif not quiet:
        report = f"; report: {out_dir / 'report.html'}"
        if summary.failures_total or summary.folders_unlisted:
            report += f", failures: {out_dir / '_errors.jsonl'}"
        console.print(summary_line(summary) + report, markup=False)
    failed = summary.failures_total or summary.folders_unlisted
    raise typer.Exit(EXIT_SOME_FAILED if failed else EXIT_OK)


def _stop(progress: _RichProgress | None) -> None:
    if progress is not None:
        progress.stop()
