"""What several commands share, declared once so that they agree: options (names and help),
exit codes, and building the pipeline the options describe."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cleaner.errors import ConfigError, ServiceError
from cleaner.io.naming import OutputStreamError
from cleaner.pipeline import Pipeline, PipelineConfig
from cleaner.registry import GRAMMAR, TIDY
from cleaner.rules.grammar import FINDINGS_AUTO

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_SERVICE = 3

err = Console(stderr=True, highlight=False, soft_wrap=True)


class EncodingErrors(StrEnum):
    strict_ = "strict"
    replace_ = "replace"


ENCODING_ERRORS_HELP = (
    "strict (the default): refuse a text file that mixes UTF-8 with bytes that are not UTF-8 "
    "(a file with no UTF-8 in it is decoded as the legacy encoding it looks like, with a "
    "warning when that is a guess); replace: decode such bytes as U+FFFD. HTML is always "
    "decoded as browsers do."
)


SkipOption = Annotated[
    list[str],
    typer.Option(
        "--skip", help="Leave out a stage (repeatable or comma-separated), e.g. --skip grammar."
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="A pipeline TOML file (default: the one shipped with cleaner)."),
]
RulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Folder of rule files (default: the shipped rules/)."),
]
MaxBytesOption = Annotated[
    int | None,
    typer.Option(
        "--max-bytes",
        help="Refuse documents larger than this many bytes (default 20000000).",
        min=1,
    ),
]
LanguageToolUrlOption = Annotated[
    str | None,
    typer.Option(
        "--languagetool-url",
        help="A running LanguageTool server to use (also $CLEANER_LANGUAGETOOL_URL). Without "
        "it cleaner starts one; a corpus run starts one that all its workers share.",
    ),
]
FindingsOption = Annotated[
    bool,
    typer.Option(
        "--findings",
        help="Also collect what LanguageTool reports but cleaner does not apply (grammar "
        "findings: --explain, JSONL edits, report.html). Off by default: it makes the grammar "
        "stage several times slower. A findings setting in the pipeline file wins.",
    ),
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        help="Give up on a document after this many seconds in the pipeline (default 60; "
        "0 for none); it is reported as failed and the others go on.",
        min=0,
    ),
]
TitleOption = Annotated[
    bool | None,
    typer.Option(
        "--title/--no-title",
        help="Open the text of an HTML page with its title, on a line of its own (the default; "
        "a first line of the page repeating the title is not written twice). --no-title writes "
        "the article body only; the title stays in the metadata either way. Plain text is "
        "never given a title. Pipeline file: title_line under [options.extract].",
        show_default=False,
    ),
]


def extract_overrides(title: bool | None, markdown: bool) -> dict[str, bool]:
    """The extract stage's options that --title/--no-title and --format markdown set."""
    overrides = {} if title is None else {"title_line": title}
    if markdown:
        overrides["markdown"] = True
    return overrides


def fail(message: str, code: int) -> typer.Exit:
    err.print(f"cleaner: {message}", markup=False)
    return typer.Exit(code)


def build_pipeline(
    config: Path | None,
    skip: list[str],
    rules: Path | None,
    languagetool_url: str | None,
    max_bytes: int | None,
    encoding_errors: EncodingErrors | None = None,
    time_limit: float | None = None,
    findings_wanted: bool = False,
    extract_options: dict[str, bool] | None = None,
) -> Pipeline:
    """The pipeline the options describe; usage problems exit with code 2. With
    ``findings_wanted`` (the command shows grammar findings), the grammar stage's ``findings``
    option turns on unless the pipeline file sets it."""
    skip = [name.strip() for item in skip for name in item.split(",") if name.strip()]
    try:
        cfg = PipelineConfig.load(config).without(skip)
        cfg = cfg.with_overrides(
            rules_dir=rules,
            languagetool_url=languagetool_url,
            max_bytes=max_bytes,
            time_limit=time_limit,
        )
        if encoding_errors is not None:
            options = {k: dict(v) for k, v in cfg.options.items()}
            options.setdefault("decode", {})["errors"] = encoding_errors.value
            cfg = cfg.with_overrides(options=options)
        if extract_options and extract_options.get("markdown") and TIDY not in cfg.stages:
            raise ConfigError(
                "--format markdown needs stage tidy, which writes the Markdown marks: leave "
                "out --skip tidy (or use --format text)"
            )
        if extract_options and "extract" in cfg.stages:
            extract = {**cfg.options.get("extract", {}), **extract_options}
            cfg = cfg.with_overrides(options={**cfg.options, "extract": extract})
        grammar = cfg.options.get(GRAMMAR, {})
        if findings_wanted and grammar.get("findings", FINDINGS_AUTO) == FINDINGS_AUTO:
            findings_on = {**grammar, "findings": True}
            cfg = cfg.with_overrides(options={**cfg.options, GRAMMAR: findings_on})
        try:
            return Pipeline(cfg)
        except ConfigError as exc:
            # A stage's option is refused when the stage is built, which knows no file: name
            # the pipeline file the option came from ("stage tidy: option 'rules': x does not
            # exist" left the user to guess which file said so).
            message = str(exc)
            if config is not None and message.startswith("stage "):
                message = f"{config}: {message}"
            raise ConfigError(message) from exc
    except ConfigError as exc:
        raise fail(str(exc), EXIT_USAGE) from exc
    except ServiceError as exc:
        raise fail(str(exc), EXIT_SERVICE) from exc


@contextlib.contextmanager
def standard_output_guard() -> Iterator[None]:
    """A reader that left (`cleaner clean ... | head`) ends the command quietly with 0; standard
    output that cannot be written (closed, disk full) ends it with a message and 1. Either way
    standard output then goes to the null device, so Python's own flush at exit, which would
    meet the same error, prints no traceback."""
    try:
        yield
    except BrokenPipeError:
        stdout_to_null_device()
        raise typer.Exit(EXIT_OK) from None
    except OutputStreamError as exc:
        stdout_to_null_device()
        raise fail(str(exc), EXIT_SOME_FAILED) from exc


def stdout_to_null_device() -> None:
    if sys.stdout is None:
        return
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
