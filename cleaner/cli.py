"""The ``cleaner`` command. It parses arguments and prints; the work is the library's.

Exit codes: 0 all good; 1 some inputs failed (each reported, the others still cleaned);
2 usage or configuration error (bad option, broken pipeline or rule file: nothing cleaned);
3 an engine or service cleaner needs (LanguageTool, Ray) is unavailable.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
from concurrent import futures
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cleaner import __version__
from cleaner.allocator import return_large_blocks
from cleaner.cli_corpus import corpus
from cleaner.cli_headers import headers_wanted
from cleaner.cli_input import CleanSettings, InputOutcome, OutputFormat, clean_input
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
    TimeLimitOption,
    TitleOption,
    build_pipeline,
    err,
    extract_overrides,
    standard_output_guard,
    stdout_to_null_device,
)
from cleaner.cli_options import fail as _fail
from cleaner.cli_rules import score
from cleaner.cli_stop import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    Terminated,
    make_output_folder,
    refuse_unwritable_output,
    remove_empty_folders,
    service_stop,
    terminate_cleanly,
)
from cleaner.corpus import CorpusError, learned_pipeline, read_learned_chrome
from cleaner.errors import ServiceError
from cleaner.io.layout import message_name
from cleaner.io.naming import OutputNameError, OutputPlan, OutputWriter, plan_outputs
from cleaner.io.readers import detect_kind, read_input_list
from cleaner.languagetool import LanguageToolError, background_url
from cleaner.pipeline import Pipeline
from cleaner.registry import LEARNED_CHROME, describe_stages

app = typer.Typer(
    name="cleaner",
    help=(
        "Clean scraped news and web text: extract the article from HTML, repair Unicode, "
        "strip page chrome, undo synonym spinning, fix safe grammar slips.\n\n"
        "Example: cleaner clean article.html -o article.txt"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    html = "html"
    jsonl = "jsonl"
    warc = "warc"


def _version(value: bool) -> None:
    if value:
        print(f"cleaner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Clean scraped news and web text."""


_worker_pipeline: Pipeline | None = None
_worker_settings: CleanSettings | None = None


def _clean_in_worker(name: str) -> InputOutcome:
    assert _worker_pipeline is not None and _worker_settings is not None
    outcome = InputOutcome()
    try:
        outcome.failures = clean_input(
            name,
            _worker_pipeline,
            _worker_settings,
            lambda piece, header: outcome.pieces.append((piece, header)),
            outcome.messages.append,
        )
    except ServiceError as exc:
        outcome.service_error = str(exc)
    return outcome


def _read_input_list(listing: str) -> list[str]:
    try:
        return read_input_list(listing)
    except OSError as exc:
        raise _fail(f"{listing}: cannot read the input list: {exc.strerror}", EXIT_USAGE) from exc
    except UnicodeDecodeError as exc:
        raise _fail(f"{listing}: the input list is not UTF-8 ({exc.reason})", EXIT_USAGE) from exc


def _with_shared_languagetool(pipeline: Pipeline) -> Pipeline:
    """Worker processes share one LanguageTool server rather than each starting a JVM."""
    config = pipeline.config
    if "grammar" not in config.stages or config.languagetool_url:
        return pipeline
    try:
        url = background_url()
    except LanguageToolError as exc:
        raise _fail(str(exc), EXIT_SERVICE) from exc
    return Pipeline(replace(config, languagetool_url=url))


@app.command(
    epilog=(
        "Examples:\n\n"
        "  cleaner clean article.txt                 # clean text to stdout\n\n"
        "  cleaner clean page.html -o page.txt       # extract and clean an HTML page\n\n"
        "  cleaner clean a.txt b.html -o out/        # several files into a folder\n\n"
        "  cleaner clean -i list.txt -j 4 -o out/    # the files listed, 4 at a time\n\n"
        "  cleaner clean crawl.warc.gz -o out/       # every HTML response of a WARC file\n\n"
        "  cat page.html | cleaner clean - --explain # stdin; every edit on stderr\n\n"
        "  cleaner clean article.txt --diff          # what would change\n\n"
        "  cleaner clean --format jsonl - < in.jsonl > out.jsonl   # JSONL 'text' field\n\n"
        "  cleaner clean page.html --format markdown # headings, lists, quotes, tables\n\n"
        "  cleaner clean page.html --no-title        # the article body without its title\n\n"
        "  cleaner clean article.txt --skip grammar  # without LanguageTool"
    )
)
def clean(
    files: Annotated[
        list[str] | None,
        typer.Argument(help="Files to clean; '-' reads standard input.", show_default=False),
    ] = None,
    input_list: Annotated[
        str | None,
        typer.Option(
            "--input-list",
            "-i",
            help="A file listing the inputs, one path a line ('-': standard input).",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here instead of stdout: a file for one input; a folder for several "
            "(each keeps its place under the inputs' common folder, named <stem>.txt, or "
            "<stem>.jsonl for JSONL output and JSONL/WARC inputs).",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="text: the clean text (an HTML page's title, then its paragraphs set apart "
            "by blank lines; plain text keeps its own layout). markdown: the same, with an "
            "HTML page's headings (#), numbered lists (1.), quotes (>) and code blocks (```) "
            "marked; bullet lists and tables are Markdown already (other inputs are written "
            "as they are; folder outputs are named <stem>.md). jsonl: one JSON object per "
            "document with text, metadata and edits.",
        ),
    ] = OutputFormat.text,
    input_format: Annotated[
        InputFormat,
        typer.Option(
            "--input-format",
            help="How to read inputs; auto goes by file extension (.html, .jsonl, .warc, .gz) "
            "and content (a WARC file is read as WARC whatever its name).",
        ),
    ] = InputFormat.auto,
    text_field: Annotated[
        str, typer.Option(help="The field holding the text in JSONL input.")
    ] = "text",
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Clean this many files at once (output order and messages stay in input order).",
        ),
    ] = 1,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Print every edit (stage, rule, line, before -> after) to stderr."
        ),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Print a unified diff of input against output instead of the text (for HTML, "
            "of the extracted text against the output).",
        ),
    ] = False,
    findings: FindingsOption = False,
    skip: SkipOption = [],  # noqa: B006
    config: ConfigOption = None,
    rules: RulesOption = None,
    languagetool_url: LanguageToolUrlOption = None,
    max_bytes: MaxBytesOption = None,
    time_limit: TimeLimitOption = None,
    encoding_errors: Annotated[
        EncodingErrors | None,
        typer.Option(
            "--encoding-errors",
            help=ENCODING_ERRORS_HELP,
        ),
    ] = None,
    title: TitleOption = None,
    learned_chrome: Annotated[
        Path | None,
        typer.Option(
            "--learned-chrome",
            help="Also remove the lines a corpus run learned as each site's chrome "
            "(its OUT/_learned_chrome.jsonl). A document's site is its URL's host, else "
            "'folder:' and the folder of its path as given (run from the corpus's IN).",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Clean files (or standard input) and write clean text, Markdown or JSONL."""
    if diff and output_format is OutputFormat.jsonl:
        raise _fail(
            "--diff prints a text diff; it cannot be combined with --format jsonl", EXIT_USAGE
        )
    names = list(files or [])
    if input_list is not None:
        names += _read_input_list(input_list)
    if not names:
        raise _fail("no inputs: name files, '-' for standard input, or -i LIST", EXIT_USAGE)
    if names.count("-") + (input_list == "-") > 1:
        raise _fail("standard input ('-') can be read only once", EXIT_USAGE)
    try:
        plan = plan_outputs(
            names,
            output,
            output_format.value,
            kinds := [detect_kind(name) for name in names],
            single_file=diff,
        )
    except OutputNameError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    pipeline = build_pipeline(
        config,
        skip,
        rules,
        languagetool_url,
        max_bytes,
        encoding_errors,
        time_limit,
        findings_wanted=explain or findings,
        extract_options=extract_overrides(title, output_format is OutputFormat.markdown),
    )
    settings = CleanSettings(
        input_format=input_format.value,
        output_format=output_format,
        text_field=text_field,
        explain=explain,
        diff=diff,
        records_for_multi_document=plan.per_input is not None,
        headers=headers_wanted(
            len(names), kinds, input_format, plan.per_input is None, output_format == "jsonl"
        ),
    )
    parallel = jobs > 1 and len(names) > 1 and "-" not in names
    if parallel:
        pipeline = _with_shared_languagetool(pipeline)
    if learned_chrome is not None:
        if LEARNED_CHROME not in pipeline.config.stages:
            raise _fail(
                "--learned-chrome needs stage learned_chrome, which the pipeline leaves out "
                "(--skip or the pipeline file)",
                EXIT_USAGE,
            )
        try:
            table = read_learned_chrome(learned_chrome)
            pipeline = learned_pipeline(pipeline, table, name_unknown_sites=True)
        except CorpusError as exc:
            raise _fail(str(exc), EXIT_USAGE) from exc
    made = make_output_folder(plan)  # after every check: a refused run leaves no folder
    try:
        refuse_unwritable_output(plan)
    except typer.Exit:
        remove_empty_folders(made)
        raise
    try:
        with standard_output_guard(), terminate_cleanly():
            if parallel:
                failures = _clean_in_parallel(names, pipeline, settings, plan, jobs)
            else:
                failures = _clean_in_order(names, pipeline, settings, plan)
    except KeyboardInterrupt as exc:
        # Click turns Ctrl-C into a silent exit 130: say so, or a run that stopped looks
        # like one that finished. Every output file is written whole or not at all.
        how, code = (
            ("terminated", EXIT_TERMINATED)
            if isinstance(exc, Terminated)
            else (
                "interrupted",
                EXIT_INTERRUPTED,
            )
        )
        written = " (the output files written before it are complete)" if plan.target else ""
        raise _fail(f"{how}; not every input was cleaned{written}", code) from None
    finally:
        remove_empty_folders(made)
    raise typer.Exit(EXIT_SOME_FAILED if failures else EXIT_OK)


def _print_message(message: str) -> None:
    err.print(message, markup=False)


def _clean_in_order(
    names: list[str], pipeline: Pipeline, settings: CleanSettings, plan: OutputPlan
) -> int:
    writer = OutputWriter(plan, sys.stdout, _print_message)
    failures = 0
    for done, name in enumerate(names):
        try:
            failed = clean_input(name, pipeline, settings, writer.start(), _print_message)
        except ServiceError as exc:
            raise service_stop(str(exc), names, done, plan) from exc
        failures += failed + writer.finish(name, failed)
    return failures + writer.close()


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Forked with the parent's SIGTERM handler (terminate_cleanly): a worker ends on SIGTERM,
    # as the pool expects when it stops its workers.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _clean_in_parallel(
    names: list[str], pipeline: Pipeline, settings: CleanSettings, plan: OutputPlan, jobs: int
) -> int:
    """Inputs cleaned by ``jobs`` worker processes; results are taken in input order, so the
    output and the messages are the same as with one job."""
    global _worker_pipeline, _worker_settings
    # fork: workers start with the pipeline already built (rules compiled once).
    _worker_pipeline, _worker_settings = pipeline, settings
    writer = OutputWriter(plan, sys.stdout, _print_message)
    failures = 0
    executor = futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(names)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_ignore_interrupts,
    )
    try:
        pending = [executor.submit(_clean_in_worker, name) for name in names]
        for done, (name, future) in enumerate(zip(names, pending, strict=True)):
            try:
                outcome = future.result()
            except futures.process.BrokenProcessPool:
                outcome = InputOutcome(failures=1)
                outcome.messages.append(
                    f"cleaner: {message_name(name)}: a worker process died while cleaning "
                    "(out of memory?)"
                )
            if outcome.service_error is not None:
                raise service_stop(outcome.service_error, names, done, plan)
            for message in outcome.messages:
                _print_message(message)
            sink = writer.start()
            for piece, header in outcome.pieces:
                sink(piece, header)
            failures += outcome.failures + writer.finish(name, outcome.failures)
        failures += writer.close()
    except KeyboardInterrupt:
        # Ctrl-C reaches this process only (workers ignore it): stop the workers now rather
        # than wait for the documents they are cleaning.
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _worker_pipeline = _worker_settings = None
    return failures


@app.command(epilog="Example:\n\n  cleaner stages")
def stages() -> None:
    """List the stages in their default order, with what each does."""
    table = Table(title="cleaner stages (default order)")
    table.add_column("stage")
    table.add_column("what it does")
    for name, description in describe_stages():
        table.add_row(name, description)
    Console().print(table)


def _mount_optional(module: str, name: str, help_text: str) -> None:
    """Sub-commands that live in their own modules."""
    try:
        sub = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return
    app.add_typer(sub.app, name=name, help=help_text)


_mount_optional(
    "cleaner.cli_rules",
    "rules",
    "Check, list and count rule files (the shipped ones, or the files and folders named).\n\n"
    "Example: cleaner rules check    (or: cleaner rules check my-rules/)",
)
_mount_optional(
    "cleaner.cli_languagetool", "languagetool", "Run a LanguageTool server in the background."
)


def _mount_score() -> None:
    app.command(
        name="score",
        epilog="Examples:\n\n  cleaner score article.txt\n\n  cleaner score corpus/raw/*.txt",
    )(score)


_mount_score()


def _mount_corpus() -> None:
    app.command(
        name="corpus",
        epilog=(
            "Examples:\n\n  cleaner corpus corpus/raw corpus/clean\n\n"
            "  cleaner corpus crawl/ out/ --jobs 8 --skip grammar"
        ),
    )(corpus)


_mount_corpus()


def main() -> None:
    return_large_blocks()  # before any document: workers fork from here and inherit it
    try:
        app()
    except BrokenPipeError:
        # `cleaner clean ... | head`: the reader left; that is not our failure.
        sys.stderr.close()
        raise SystemExit(EXIT_OK) from None
    except OSError as exc:
        # One no command turned into a message (any command's output on a full disk): say it
        # plainly, and let Python's last flush of standard output go nowhere rather than fail.
        stdout_to_null_device()
        where = f"{message_name(os.fsdecode(exc.filename))}: " if exc.filename else ""
        _print_message(f"cleaner: {where}{exc.strerror or exc}")
        raise SystemExit(EXIT_SOME_FAILED) from None


if __name__ == "__main__":
    main()
