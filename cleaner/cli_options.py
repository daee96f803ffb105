"""Options that several commands share, declared once so their names and help agree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
TimeLimitOption = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        help="Give up on a document after this many seconds in the pipeline (default 60; "
        "0 for none); it is reported as failed and the others go on.",
        min=0,
    ),
]
