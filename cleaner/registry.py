"""Stage names -> the modules that build them.

Every stage module exposes ``NAME``, ``DESCRIPTION`` and ``build(settings) -> Stage``.
Modules are imported only when a pipeline uses them, so a stage with heavy dependencies
costs nothing when it is skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.rules.location import default_rules_dir
from cleaner.stages import Stage

STAGE_MODULES: dict[str, str] = {
    "decode": "cleaner.stages.decode",
    "extract": "cleaner.stages.extract",
    "unicode": "cleaner.stages.unicode",
    "language": "cleaner.stages.language",
    "chrome": "cleaner.stages.chrome",
    "captions": "cleaner.stages.captions",
    "repair": "cleaner.stages.repair",
    "grammar": "cleaner.stages.grammar",
    "tidy": "cleaner.stages.tidy",
}

DEFAULT_ORDER: tuple[str, ...] = tuple(STAGE_MODULES)


@dataclass(frozen=True)
class StageSettings:
    """What a stage factory receives.

    ``options`` is the stage's own table from the pipeline file; ``rules_dir`` is the root
    of the rule files; ``languagetool_url`` points at a running server when the user gave one.
    """

    options: Mapping[str, Any] = field(default_factory=dict)
    rules_dir: Path = field(default_factory=default_rules_dir)
    languagetool_url: str | None = None


def stage_module(name: str) -> Any:
    try:
        module_path = STAGE_MODULES[name]
    except KeyError:
        known = ", ".join(STAGE_MODULES)
        raise ValueError(f"unknown stage {name!r} (known stages: {known})") from None
    return importlib.import_module(module_path)


def build_stage(name: str, settings: StageSettings) -> Stage:
    stage: Stage = stage_module(name).build(settings)
    return stage


def describe_stages() -> list[tuple[str, str]]:
    """(name, description) of every known stage, in default order."""
    return [(name, stage_module(name).DESCRIPTION) for name in STAGE_MODULES]
