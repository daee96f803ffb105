"""The stage chain: which stages run, in what order, with which options, and running them.

A :class:`PipelineConfig` is loaded from a TOML pipeline file (``cleaner/defaults/pipeline.toml``
by default). A :class:`Pipeline` builds each stage once and then runs documents through them.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cleaner.document import Document, Edit
from cleaner.errors import CleanerError, ConfigError, DocumentError
from cleaner.registry import STAGE_MODULES, StageSettings, build_stage
from cleaner.rules.location import RULES_DIR_ENV, default_rules_dir, rules_dir_problem
from cleaner.rules.source import RuleError
from cleaner.stages import Stage

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = PACKAGE_DIR / "defaults" / "pipeline.toml"
LANGUAGETOOL_URL_ENV = "CLEANER_LANGUAGETOOL_URL"
_CONFIG_KEYS = {"stages", "options", "rules_dir", "max_bytes"}

RULE_PATH_OPTIONS = {
    "chrome": "rules",
    "captions": "rules",
    "repair": "rules",
    "grammar": "allow_list",
    "tidy": "rules",
}
"""The stages that read rule files, and the option that points one at its own path (without
it, the stage reads under ``rules_dir``)."""


@dataclass(frozen=True)
class PipelineConfig:
    stages: tuple[str, ...]
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rules_dir: Path = field(default_factory=default_rules_dir)
    languagetool_url: str | None = None
    max_bytes: int = 20_000_000

    @classmethod
    def load(cls, path: Path | None = None) -> PipelineConfig:
        """Read a pipeline file (the default one when ``path`` is None)."""
        path = path or DEFAULT_CONFIG
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read pipeline file: {exc.strerror}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: invalid pipeline file: {exc}") from exc
        unknown = set(data) - _CONFIG_KEYS
        if unknown:
            raise ConfigError(f"{path}: unknown keys {sorted(unknown)}")
        stages = data.get("stages", list(STAGE_MODULES))
        if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
            raise ConfigError(f"{path}: 'stages' must be a list of stage names")
        for name in stages:
            if name not in STAGE_MODULES:
                raise ConfigError(
                    f"{path}: unknown stage {name!r} (known: {', '.join(STAGE_MODULES)})"
                )
        options = data.get("options", {})
        if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
            raise ConfigError(f"{path}: 'options' must hold one table per stage")
        rules_dir = (
            (path.parent / data["rules_dir"]).resolve()
            if "rules_dir" in data
            else default_rules_dir()
        )
        max_bytes = data.get("max_bytes", cls.max_bytes)
        if not isinstance(max_bytes, int) or max_bytes <= 0:
            raise ConfigError(f"{path}: 'max_bytes' must be a positive integer")
        return cls(
            stages=tuple(stages),
            options=options,
            rules_dir=rules_dir,
            languagetool_url=os.environ.get(LANGUAGETOOL_URL_ENV) or None,
            max_bytes=max_bytes,
        )

    def without(self, skip: Iterable[str]) -> PipelineConfig:
        skipped = set(skip)
        unknown = skipped - set(STAGE_MODULES)
        if unknown:
            raise ConfigError(
                f"cannot skip unknown stage(s) {sorted(unknown)} (known: {', '.join(STAGE_MODULES)})"
            )
        return replace(self, stages=tuple(s for s in self.stages if s not in skipped))

    def with_overrides(self, **changes: Any) -> PipelineConfig:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def fingerprint(self) -> str:
        """A hash of everything that decides the output: stages, options and rule files."""
        digest = hashlib.sha256()
        digest.update(
            json.dumps(
                {"stages": self.stages, "options": self.options, "max_bytes": self.max_bytes},
                sort_keys=True,
                default=str,
            ).encode()
        )
        if self.rules_dir.is_dir():
            for rule_path in sorted(self.rules_dir.rglob("*.toml")):
                digest.update(str(rule_path.relative_to(self.rules_dir)).encode())
                digest.update(rule_path.read_bytes())
        return digest.hexdigest()


def add_warning(doc: Document, warning: str) -> Document:
    """``doc`` with ``warning`` added to its ``warnings`` metadata (shown to users, not fatal)."""
    warnings = (*tuple(doc.metadata.get("warnings", ())), warning)
    return doc.with_metadata(warnings=warnings)


@dataclass(frozen=True)
class Result:
    """What cleaning one document gives: the text, every edit, metadata and stage timings."""

    text: str
    edits: tuple[Edit, ...]
    metadata: Mapping[str, Any]
    timings: Mapping[str, float]
    input_text: str = ""
    """The text as decoded, before any other stage: what ``--diff`` compares against."""

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self.metadata.get("warnings", ()))

    @property
    def applied_edits(self) -> tuple[Edit, ...]:
        return tuple(edit for edit in self.edits if edit.applied)

    def edit_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for edit in self.applied_edits:
            counts[edit.stage] = counts.get(edit.stage, 0) + 1
        return counts


def _check_rule_paths(config: PipelineConfig) -> None:
    """Refuse a rules folder or rule path that is not there: running without rules would
    silently clean nothing."""
    uses_rules_dir = False
    for name in config.stages:
        key = RULE_PATH_OPTIONS.get(name)
        if key is None:
            continue
        own = config.options.get(name, {}).get(key)
        if own is None:
            uses_rules_dir = True
        elif not Path(own).exists():
            raise ConfigError(f"stage {name}: option {key!r}: {own} does not exist")
    problem = rules_dir_problem(config.rules_dir) if uses_rules_dir else None
    if problem:
        raise ConfigError(
            f"rules folder {config.rules_dir} {problem}: point --rules, rules_dir in the "
            f"pipeline file or ${RULES_DIR_ENV} at a folder of rule files"
        )


class Pipeline:
    """Built stages, ready to run. Build once per process (or worker); reuse for every document."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.stages: list[Stage] = []
        _check_rule_paths(config)
        for name in config.stages:
            settings = StageSettings(
                options=config.options.get(name, {}),
                rules_dir=config.rules_dir,
                languagetool_url=config.languagetool_url,
            )
            try:
                self.stages.append(build_stage(name, settings))
            except RuleError as exc:
                raise ConfigError(f"rule file problem: {exc}") from exc
            except (ValueError, TypeError) as exc:
                raise ConfigError(f"stage {name}: {exc}") from exc

    def run(self, doc: Document) -> Result:
        """Clean one document; raises :class:`DocumentError` if this document cannot be."""
        if doc.raw is not None:
            size = len(doc.raw)
        elif len(doc.text) * 4 <= self.config.max_bytes:
            size = 0  # even at 4 UTF-8 bytes a character it fits: no need to encode it
        else:
            size = len(doc.text.encode("utf-8", "replace"))
        if size > self.config.max_bytes:
            raise DocumentError(
                f"document is {size / 1e6:.1f} MB, above the {self.config.max_bytes / 1e6:g} MB "
                "limit (raise it with --max-bytes or max_bytes in the pipeline file)"
            )
        if doc.raw is not None and "decode" not in self.config.stages:
            doc = Document(text=doc.raw.decode("utf-8", "replace"), metadata=doc.metadata)
        timings: dict[str, float] = {}
        input_text = doc.text
        for stage in self.stages:
            started = time.perf_counter()
            try:
                doc = stage(doc)
            except CleanerError:
                raise
            except RecursionError as exc:
                raise DocumentError("input nests too deeply to process", stage.name) from exc
            except Exception as exc:
                raise DocumentError(
                    f"internal error in stage {stage.name}: {type(exc).__name__}: {exc}",
                    stage.name,
                ) from exc
            timings[stage.name] = time.perf_counter() - started
            if stage.name == "decode":
                input_text = doc.text
                if not input_text.strip():
                    doc = add_warning(doc, "empty input: nothing to clean")
        return Result(
            text=doc.text,
            edits=doc.edits,
            metadata=doc.metadata,
            timings=timings,
            input_text=input_text,
        )

    def clean_text(self, text: str, metadata: Mapping[str, Any] | None = None) -> Result:
        return self.run(Document(text=text, metadata=dict(metadata or {})))

    def clean_bytes(self, raw: bytes, metadata: Mapping[str, Any] | None = None) -> Result:
        return self.run(Document.from_bytes(raw, metadata))
