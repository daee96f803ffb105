"""Stage names -> the modules that build them, and the rule data the stages of one pipeline share.

Every stage module exposes ``NAME``, ``DESCRIPTION`` and ``build(settings) -> Stage``.
Modules are imported only when a pipeline uses them, so a stage with heavy dependencies
costs nothing when it is skipped. The stage names below are the only place they are spelt.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cleaner.document import Document
from cleaner.rules.chrome import ChromeRuleSet, load_chrome_rules
from cleaner.rules.location import default_rules_dir


@runtime_checkable
class Stage(Protocol):
    """What every stage provides: built once from its settings, then a pure function of a
    document that returns the new document with its edits recorded."""

    name: str
    description: str

    def __call__(self, doc: Document) -> Document: ...


DECODE = "decode"
EXTRACT = "extract"
UNICODE = "unicode"
LANGUAGE = "language"
CHROME = "chrome"
LEARNED_CHROME = "learned_chrome"
CAPTIONS = "captions"
REPAIR = "repair"
GRAMMAR = "grammar"
TIDY = "tidy"

STAGE_MODULES: dict[str, str] = {
    DECODE: "cleaner.stages.decode",
    EXTRACT: "cleaner.stages.extract",
    UNICODE: "cleaner.stages.unicode",
    LANGUAGE: "cleaner.stages.language",
    CHROME: "cleaner.stages.chrome",
    LEARNED_CHROME: "cleaner.stages.learned_chrome",
    CAPTIONS: "cleaner.stages.captions",
    REPAIR: "cleaner.stages.repair",
    GRAMMAR: "cleaner.stages.grammar",
    TIDY: "cleaner.stages.tidy",
}

DEFAULT_ORDER: tuple[str, ...] = tuple(STAGE_MODULES)


class SharedRules:
    """Rule data that several stages of one pipeline read, each set loaded once and handed to
    every stage that asks for it: the chrome, captions and tidy stages apply one chrome rule
    set (each to its own actions), so they agree on what a chrome line is."""

    def __init__(self) -> None:
        self._chrome: dict[Path, ChromeRuleSet] = {}

    def chrome(self, root: Path) -> ChromeRuleSet:
        """The chrome rules under ``root`` (a folder or a file), loaded on first use."""
        key = root.resolve()
        if key not in self._chrome:
            self._chrome[key] = load_chrome_rules(root)
        return self._chrome[key]


@dataclass(frozen=True)
class StageSettings:
    """What a stage factory receives.

    ``options`` is the stage's own table from the pipeline file; ``rules_dir`` is the root
    of the rule files; ``languagetool_url`` points at a running server when the user gave one;
    ``shared`` holds the rule data the pipeline's stages share.
    """

    options: Mapping[str, Any] = field(default_factory=dict)
    rules_dir: Path = field(default_factory=default_rules_dir)
    languagetool_url: str | None = None
    shared: SharedRules = field(default_factory=SharedRules, compare=False, repr=False)

    def chrome_rules(self, own: str | Path | None = None) -> ChromeRuleSet:
        """The chrome rules at ``own`` (a stage's ``rules`` option), else under ``rules_dir``."""
        return self.shared.chrome(Path(own) if own is not None else self.rules_dir / "chrome")


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
