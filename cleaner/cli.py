"""The ``cleaner`` command. It parses arguments and prints; the work is the library's.

Exit codes: 0 all good; 1 some inputs failed (each reported, the others still cleaned);
2 usage or configuration error (bad option, broken pipeline or rule file: nothing cleaned);
3 an engine or service cleaner needs (LanguageTool, Ray) is unavailable.
"""

from __future__ import annotations

import difflib
import importlib
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.table import Table

from cleaner import __version__
from cleaner.cli_options import (
    ConfigOption,
    LanguageToolUrlOption,
    MaxBytesOption,
    RulesOption,
    SkipOption,
)
from cleaner.document import Edit
from cleaner.errors import ConfigError, DocumentError, ServiceError
from cleaner.io.readers import Source, read_jsonl, read_path
from cleaner.io.writers import atomic_write_text, result_record, to_json_line
from cleaner.pipeline import Pipeline, PipelineConfig, Result
from cleaner.registry import describe_stages

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_SERVICE = 3

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
err = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    text = "text"
    jsonl = "jsonl"


class InputFormat(StrEnum):
    auto = "auto"
    text = "text"
    html = "html"
    jsonl = "jsonl"


class EncodingErrors(StrEnum):
    strict_ = "strict"
    replace_ = "replace"


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


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"cleaner: {message}", markup=False)
    return typer.Exit(code)


def build_pipeline(
    config: Path | None,
    skip: list[str],
    rules: Path | None,
    languagetool_url: str | None,
    max_bytes: int | None,
    encoding_errors: EncodingErrors | None = None,
) -> Pipeline:
    """The pipeline the options describe; usage problems exit with code 2."""
    skip = [name.strip() for item in skip for name in item.split(",") if name.strip()]
    try:
        cfg = PipelineConfig.load(config).without(skip)
        cfg = cfg.with_overrides(
            rules_dir=rules, languagetool_url=languagetool_url, max_bytes=max_bytes
        )
        if encoding_errors is not None:
            options = {k: dict(v) for k, v in cfg.options.items()}
            options.setdefault("decode", {})["errors"] = encoding_errors.value
            cfg = cfg.with_overrides(options=options)
        return Pipeline(cfg)
    except ConfigError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    except ServiceError as exc:
        raise _fail(str(exc), EXIT_SERVICE) from exc


def _sources(
    files: list[str], input_format: InputFormat, output_format: OutputFormat, text_field: str
) -> Iterator[Source]:
    for name in files:
        if name == "-":
            fmt = input_format.value
            if fmt == "auto":
                fmt = "jsonl" if output_format is OutputFormat.jsonl else "text"
            if fmt == "jsonl":
                yield from read_jsonl(sys.stdin.buffer, "<stdin>", text_field)
            else:
                metadata = {"source": "<stdin>", "format": "html" if fmt == "html" else "auto"}
                yield Source(name="<stdin>", raw=sys.stdin.buffer.read(), metadata=metadata)
            continue
        path = Path(name)
        if path.is_dir():
            yield Source(name=name, error="is a folder (use 'cleaner corpus' for folders)")
        elif not path.exists():
            yield Source(name=name, error="no such file")
        else:
            yield from read_path(path, input_format.value, text_field)


def explain_line(edit: Edit) -> str:
    before = _short(edit.before)
    after = _short(edit.after)
    status = "" if edit.applied else " (not applied)"
    message = f"  # {edit.message}" if edit.message else ""
    return f"{edit.stage:<9} {edit.rule_id:<40} line {edit.line:>4}: {before} -> {after}{status}{message}"


def _short(text: str, limit: int = 100) -> str:
    shown = repr(text if len(text) <= limit else text[: limit - 1] + "…")
    return shown


def _diff(result: Result, name: str) -> str:
    lines = difflib.unified_diff(
        result.input_text.splitlines(keepends=True),
        result.text.splitlines(keepends=True),
        fromfile=f"{name} (input)",
        tofile=f"{name} (cleaned)",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


@app.command(
    epilog=(
        "Examples:\n\n"
        "  cleaner clean article.txt                 # clean text to stdout\n\n"
        "  cleaner clean page.html -o page.txt       # extract and clean an HTML page\n\n"
        "  cleaner clean a.txt b.html -o out/        # several files into a folder\n\n"
        "  cat page.html | cleaner clean - --explain # stdin; every edit on stderr\n\n"
        "  cleaner clean article.txt --diff          # what would change\n\n"
        "  cleaner clean --format jsonl - < in.jsonl > out.jsonl   # JSONL 'text' field\n\n"
        "  cleaner clean article.txt --skip grammar  # without LanguageTool"
    )
)
def clean(
    files: Annotated[
        list[str],
        typer.Argument(help="Files to clean; '-' reads standard input.", show_default=False),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here instead of stdout: a file, or a folder when cleaning several files.",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="text: the clean text. jsonl: one JSON object per document with text, metadata and edits.",
        ),
    ] = OutputFormat.text,
    input_format: Annotated[
        InputFormat,
        typer.Option(
            "--input-format",
            help="How to read inputs; auto goes by file extension (.html, .jsonl, .gz) and content.",
        ),
    ] = InputFormat.auto,
    text_field: Annotated[
        str, typer.Option(help="The field holding the text in JSONL input.")
    ] = "text",
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Print every edit (stage, rule, line, before -> after) to stderr."
        ),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff", help="Print a unified diff of input against output instead of the text."
        ),
    ] = False,
    skip: SkipOption = [],  # noqa: B006
    config: ConfigOption = None,
    rules: RulesOption = None,
    languagetool_url: LanguageToolUrlOption = None,
    max_bytes: MaxBytesOption = None,
    encoding_errors: Annotated[
        EncodingErrors | None,
        typer.Option(
            "--encoding-errors", help="strict refuses broken UTF-8; replace decodes it with U+FFFD."
        ),
    ] = None,
) -> None:
    """Clean files (or standard input) and write clean text or JSONL."""
    if diff and output_format is OutputFormat.jsonl:
        raise _fail(
            "--diff prints a text diff; it cannot be combined with --format jsonl", EXIT_USAGE
        )
    pipeline = build_pipeline(config, skip, rules, languagetool_url, max_bytes, encoding_errors)
    several = len(files) > 1
    to_folder = output is not None and (
        several or output.is_dir() or str(output).endswith(("/", "\\"))
    )
    if output is not None and to_folder and output_format is OutputFormat.text and not diff:
        if output.exists() and not output.is_dir():
            raise _fail(f"{output}: several inputs need -o to be a folder", EXIT_USAGE)
        output.mkdir(parents=True, exist_ok=True)

    failures = 0
    collected: list[str] = []
    stdout = sys.stdout
    for source in _sources(files, input_format, output_format, text_field):
        if source.error is not None:
            failures += 1
            err.print(f"cleaner: {source.name}: {source.error}", markup=False)
            continue
        try:
            result = pipeline.run(source.document())
        except DocumentError as exc:
            failures += 1
            where = f" ({exc.stage})" if exc.stage else ""
            err.print(f"cleaner: {source.name}: {exc.reason}{where}", markup=False)
            continue
        except ServiceError as exc:
            raise _fail(str(exc), EXIT_SERVICE) from exc
        for warning in result.warnings:
            err.print(f"cleaner: {source.name}: warning: {warning}", markup=False)
        if explain:
            err.print(f"== {source.name}: {len(result.applied_edits)} edits", markup=False)
            for edit in result.edits:
                err.print(explain_line(edit), markup=False)
        if diff:
            piece = _diff(result, source.name)
        elif output_format is OutputFormat.jsonl:
            piece = to_json_line(result_record(result, source.name, source.record, text_field))
        else:
            piece = result.text
        if output is not None and to_folder and output_format is OutputFormat.text and not diff:
            atomic_write_text(output / (Path(source.name).name or "stdin.txt"), piece)
        elif output is not None:
            collected.append(piece)
        else:
            _emit(
                stdout,
                piece,
                source.name if several and output_format is OutputFormat.text else None,
            )
    if output is not None and collected:
        atomic_write_text(output, "".join(collected))
    raise typer.Exit(EXIT_SOME_FAILED if failures else EXIT_OK)


def _emit(stream: TextIO, piece: str, header: str | None) -> None:
    if header is not None:
        stream.write(f"==> {header} <==\n")
    stream.write(piece)
    if header is not None and not piece.endswith("\n"):
        stream.write("\n")
    stream.flush()


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
    "Check, list and count rule files.\n\nExample: cleaner rules check rules/",
)
_mount_optional(
    "cleaner.cli_languagetool", "languagetool", "Run a LanguageTool server in the background."
)


def _mount_score() -> None:
    try:
        from cleaner.cli_rules import score
    except ModuleNotFoundError:
        return
    app.command(
        name="score",
        epilog="Examples:\n\n  cleaner score article.txt\n\n  cleaner score corpus/raw/*.txt",
    )(score)


_mount_score()


def _mount_corpus() -> None:
    try:
        from cleaner.cli_corpus import corpus
    except ModuleNotFoundError:
        return
    app.command(
        name="corpus",
        epilog=(
            "Examples:\n\n  cleaner corpus corpus/raw corpus/clean\n\n"
            "  cleaner corpus crawl/ out/ --jobs 8 --skip grammar"
        ),
    )(corpus)


_mount_corpus()


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        # `cleaner clean ... | head`: the reader left; that is not our failure.
        sys.stderr.close()
        raise SystemExit(EXIT_OK) from None


if __name__ == "__main__":
    main()
