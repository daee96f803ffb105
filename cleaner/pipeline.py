"""The stage chain: which stages run, in what order, with which options, and running them.

A :class:`PipelineConfig` is loaded from a TOML pipeline file (``cleaner/defaults/pipeline.toml``
by default). A :class:`Pipeline` builds each stage once and then runs documents through them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import signal
import threading
import time
import tomllib
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cleaner.document import Document, Edit, add_warning
from cleaner.errors import CleanerError, ConfigError, DocumentError
from cleaner.registry import (
    CAPTIONS,
    CHROME,
    DECODE,
    DEFAULT_ORDER,
    EXTRACT,
    GRAMMAR,
    REPAIR,
    STAGE_MODULES,
    TIDY,
    SharedRules,
    Stage,
    StageSettings,
    build_stage,
    stage_module,
)
from cleaner.rules.location import RULES_DIR_ENV, default_rules_dir, rules_dir_problem
from cleaner.rules.source import RuleError
from cleaner.stage_options import option_type, toml_kind
from cleaner.suggest import did_you_mean, suggestions

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CONFIG = PACKAGE_DIR / "defaults" / "pipeline.toml"
LANGUAGETOOL_URL_ENV = "CLEANER_LANGUAGETOOL_URL"
_CONFIG_KEYS = {"stages", "options", "rules_dir", "max_bytes", "time_limit"}
DEFAULT_TIME_LIMIT_S = 60.0
"""Per document, for the whole pipeline: a long news article takes well under a second, so a
document still running after a minute is pathological input, and one such document must not
hold up a run."""
UNINTERRUPTIBLE_STAGES = frozenset({GRAMMAR})
"""Stages the time limit only checks after they finish: grammar talks to a LanguageTool server
(it may be starting or restarting one), and its requests carry their own timeout."""
SERVICE_WAIT_ALLOWANCE_S = 240.0
"""How much of such a stage's time the limit forgives: a wait for the server is not the
document's doing (one timed-out request, a health check and a server start or restart take up
to 30 + 20 + 180 s by default). A document whose stage took longer still fails after it."""
_TOML_WHERE = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)\s*$")

RULE_PATH_OPTIONS = {
    CHROME: "rules",
    CAPTIONS: "rules",
    REPAIR: "rules",
    GRAMMAR: "allow_list",
    TIDY: "rules",
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
    time_limit: float = DEFAULT_TIME_LIMIT_S
    """Seconds one document may spend in the pipeline; 0 for no limit."""
    source: Path | None = field(default=None, compare=False)
    """The pipeline file these settings were read from (None: made in code), for messages."""

    @classmethod
    def load(cls, path: Path | None = None) -> PipelineConfig:
        """Read a pipeline file (the default one when ``path`` is None)."""
        path = path or DEFAULT_CONFIG
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read pipeline file: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: invalid pipeline file: not UTF-8 ({exc.reason})") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(_toml_error(path, text, exc)) from exc
        unknown = set(data) - _CONFIG_KEYS
        if unknown:
            raise ConfigError(f"{path}: unknown keys {sorted(unknown)}")
        stages = data.get("stages", list(STAGE_MODULES))
        if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
            raise ConfigError(f"{path}: 'stages' must be a list of stage names")
        for name in stages:
            if name not in STAGE_MODULES:
                raise ConfigError(
                    f"{path}: unknown stage {name!r}{did_you_mean(name, STAGE_MODULES)} "
                    f"(known: {', '.join(STAGE_MODULES)})"
                )
        if "stages" in data:
            _check_stage_list(path, text, stages)
        options = data.get("options", {})
        if not isinstance(options, dict) or not all(isinstance(v, dict) for v in options.values()):
            raise ConfigError(f"{path}: 'options' must hold one table per stage")
        _check_options(path, text, options)
        options = _paths_from_the_file_folder(path, options)
        rules_dir = (
            (path.parent / data["rules_dir"]).resolve()
            if "rules_dir" in data
            else default_rules_dir()
        )
        max_bytes = data.get("max_bytes", cls.max_bytes)
        if not isinstance(max_bytes, int) or max_bytes <= 0:
            raise ConfigError(f"{path}: 'max_bytes' must be a positive integer")
        time_limit = data.get("time_limit", cls.time_limit)
        if (
            not isinstance(time_limit, int | float)
            or isinstance(time_limit, bool)
            or time_limit < 0
        ):
            raise ConfigError(
                f"{path}:{_key_line(text, '', 'time_limit') or 1}: 'time_limit' must be a "
                "number of seconds (0 for none)"
            )
        return cls(
            stages=tuple(stages),
            options=options,
            rules_dir=rules_dir,
            languagetool_url=check_languagetool_url(
                os.environ.get(LANGUAGETOOL_URL_ENV) or None, f"${LANGUAGETOOL_URL_ENV}"
            ),
            max_bytes=max_bytes,
            time_limit=float(time_limit),
            source=path,
        )

    def without(self, skip: Iterable[str]) -> PipelineConfig:
        skipped = set(skip)
        unknown = skipped - set(STAGE_MODULES)
        if unknown:
            raise ConfigError(
                f"cannot skip unknown stage(s) {sorted(unknown)}"
                f"{suggestions(sorted(unknown), STAGE_MODULES)} (known: {', '.join(STAGE_MODULES)})"
            )
        return replace(self, stages=tuple(s for s in self.stages if s not in skipped))

    def with_overrides(self, **changes: Any) -> PipelineConfig:
        if changes.get("languagetool_url") is not None:
            check_languagetool_url(changes["languagetool_url"], "--languagetool-url")
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
            # Every data file a stage reads: rule files, and models such as the chrome stage's.
            data_files = [*self.rules_dir.rglob("*.toml"), *self.rules_dir.rglob("*.json")]
            for rule_path in sorted(data_files):
                digest.update(str(rule_path.relative_to(self.rules_dir)).encode())
                digest.update(rule_path.read_bytes())
        return digest.hexdigest()


def check_languagetool_url(url: str | None, where: str) -> str | None:
    """``url``, or :class:`ConfigError` (a usage error, rc 2) when it is no http(s) URL with a
    host: ``--languagetool-url notaurl`` was tried as a server and reported as "not
    reachable" (rc 3), as if a server were down."""
    if url is None:
        return None
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(
            f"{where}: {url!r} is not a LanguageTool server's URL; give one such as "
            "http://127.0.0.1:8081"
        )
    return url


def _toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """``file:line: problem`` for a TOML syntax error (tomllib puts the place in its message)."""
    message = str(exc)
    found = _TOML_WHERE.search(message)
    if found is None:
        return f"{path}: invalid pipeline file: {message}"
    line = int(found.group(1)) if found.group(1) else max(1, len(text.splitlines()))
    return f"{path}:{line}: invalid pipeline file: {message[: found.start()]}"


def _check_stage_list(path: Path, text: str, stages: list[str]) -> None:
    """Refuse a stage list that cannot clean anything as written, naming the file and line:
    an empty list wrote the raw HTML out (rc 0); a list without ``decode`` first, a stage
    twice or stages out of their order (``tidy`` before ``extract`` tidies HTML markup)
    ran, each stage taking input it was not written for. Stages may be left out, not
    reordered: each one's input is what the stages before it in that order give."""
    where = f"{path}:{_key_line(text, '', 'stages') or 1}"
    order = ", ".join(DEFAULT_ORDER)
    if not stages:
        raise ConfigError(
            f"{where}: 'stages' is empty: list at least \"decode\" (the full order: {order})"
        )
    seen: set[str] = set()
    for name in stages:
        if name in seen:
            raise ConfigError(f"{where}: stage {name!r} is listed twice; list each stage once")
        seen.add(name)
    if stages[0] != DECODE:
        raise ConfigError(
            f"{where}: the stages must start with \"decode\" (it turns the input's bytes into "
            f"text for every stage after it); here they start with {stages[0]!r}"
        )
    for earlier, later in itertools.pairwise(stages):
        if DEFAULT_ORDER.index(earlier) > DEFAULT_ORDER.index(later):
            raise ConfigError(
                f"{where}: stage {later!r} is listed after {earlier!r}, but runs before it; "
                f"stages may be left out, not reordered (the order: {order})"
            )


def _key_line(text: str, table: str, key: str) -> int | None:
    """The line that sets ``key`` in ``[table]`` (``""``: the top level), as written: under
    its own header, or as a dotted key or inline table under a parent header."""
    current = ""
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    own = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    dotted = re.compile(rf"^\s*{re.escape(table.rpartition('.')[2])}\s*[.=].*\b{re.escape(key)}\b")
    for number, line in enumerate(text.splitlines(), start=1):
        found = header.match(line)
        if found:
            current = found.group(1).replace(" ", "")
        elif (current == table and own.match(line)) or (
            table and current == table.rpartition(".")[0] and dotted.match(line)
        ):
            return number
    return None


def _check_options(path: Path, text: str, options: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse options no stage knows (a misspelt ``min_signaturs`` would otherwise be ignored
    and the stage would run with its default) and values of the wrong type (``markdown =
    "yes"`` turned Markdown on, as ``bool("false")`` would), naming the file and line."""
    for stage, values in options.items():
        if stage not in STAGE_MODULES:
            line = _key_line(text, "options", stage) or _key_line(text, f"options.{stage}", "")
            where = f"{path}:{line}" if line else str(path)
            raise ConfigError(
                f"{where}: options for unknown stage {stage!r}{did_you_mean(stage, STAGE_MODULES)} "
                f"(known: {', '.join(STAGE_MODULES)})"
            )
        known = getattr(stage_module(stage), "OPTIONS", None)
        if known is None:  # a stage that does not declare its options is not checked
            continue
        for key in values:
            if key not in known:
                line = _key_line(text, f"options.{stage}", key)
                where = f"{path}:{line}" if line else str(path)
                raise ConfigError(
                    f"{where}: stage {stage} has no option {key!r}{did_you_mean(key, known)} "
                    f"(its options: {', '.join(sorted(known)) or 'none'})"
                )
            kind = option_type(stage, key)
            if kind is not None and not kind.accepts(values[key]):
                line = _key_line(text, f"options.{stage}", key)
                where = f"{path}:{line}" if line else str(path)
                raise ConfigError(
                    f"{where}: [options.{stage}] {key} must be {kind.expected}, not "
                    f"{toml_kind(values[key])}"
                )


def _paths_from_the_file_folder(
    path: Path, options: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """``options`` with each relative path option (``rules = "my-rules/chrome"``) taken from
    the pipeline file's folder, as ``rules_dir`` is: it was taken from the folder the command
    ran in, so the same file found its rules or not depending on where it was run from."""
    resolved: dict[str, dict[str, Any]] = {}
    for stage, values in options.items():
        resolved[stage] = dict(values)
        for key, value in values.items():
            kind = option_type(stage, key)
            if kind is not None and kind.is_path and not Path(value).is_absolute():
                resolved[stage][key] = str((path.parent / value).resolve())
    return resolved


class _TimeUp(BaseException):
    """Raised into a running stage when the document's time is up. A BaseException, so a
    stage's own ``except Exception`` cannot swallow it."""


@contextmanager
def _interrupt_after(seconds: float) -> Iterator[None]:
    """Raise :class:`_TimeUp` in this thread after ``seconds`` (SIGALRM). Only where signals
    can be used: the main thread of a process whose alarm timer is free (a CLI, a corpus or
    ``clean -j`` worker). Elsewhere (threads, Ray actors) only the checks between stages hold."""
    usable = (
        seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def time_up(signum: int, frame: object) -> None:
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, time_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class _Deadline:
    """Where the pipeline is, and when the document's time is up."""

    limit: float
    ends: float
    stage: str = ""

    def check(self) -> None:
        if self.limit and time.monotonic() >= self.ends:
            raise _TimeUp


@dataclass(frozen=True)
class Result:
    """What cleaning one document gives: the text, every edit, metadata and stage timings."""

    text: str
    edits: tuple[Edit, ...]
    metadata: Mapping[str, Any]
    timings: Mapping[str, float]
    input_text: str = ""
    """The text as decoded, before any other stage."""
    extracted_text: str = ""
    """The text after extraction (the decoded text when nothing was extracted): for HTML,
    what ``--diff`` compares the output against."""
    input_chars: int = 0
    """Characters of the text as decoded (kept even when ``input_text`` is not)."""

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
    where = f"{config.source}: " if config.source else ""
    for name in config.stages:
        key = RULE_PATH_OPTIONS.get(name)
        if key is not None and config.options.get(name, {}).get(key) is None:
            uses_rules_dir = True
        for option, own in config.options.get(name, {}).items():
            kind = option_type(name, option)
            if kind is None or not kind.is_path:
                continue
            if not isinstance(own, str | os.PathLike) or not str(own):
                # ``rules = 5`` ended in a TypeError traceback from Path(5).
                raise ConfigError(
                    f"{where}stage {name}: option {option!r} must be a path (a string), "
                    f"not {own!r}"
                )
            if not Path(own).exists():
                # Every path option, not only the rules: a misspelt ``candidates`` path was
                # taken for a folder with no candidates.
                raise ConfigError(f"{where}stage {name}: option {option!r}: {own} does not exist")
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
        shared = SharedRules()  # rule sets several stages read: each loaded once, for all
        for name in config.stages:
            settings = StageSettings(
                options=config.options.get(name, {}),
                rules_dir=config.rules_dir,
                languagetool_url=config.languagetool_url,
                shared=shared,
            )
            try:
                self.stages.append(build_stage(name, settings))
            except RuleError as exc:
                raise ConfigError(f"rule file problem: {exc}") from exc
            except (ValueError, TypeError) as exc:
                where = f"{config.source}: " if config.source else ""
                raise ConfigError(f"{where}stage {name}: {exc}") from exc
        for stage in self.stages:
            # A stage that loads a model on first use loads it now, before any document is in
            # memory: loading holds transient copies, which would otherwise add to the first
            # document's own memory.
            prepare = getattr(stage, "prepare", None)
            if prepare is not None:
                prepare()

    def run(self, doc: Document, *, keep_input: bool = True, spent: float = 0.0) -> Result:
        """Clean one document; raises :class:`DocumentError` if this document cannot be.

        ``keep_input=False`` leaves ``input_text`` and ``extracted_text`` empty: holding them
        keeps a second copy of a long document (two bytes a character for most non-ASCII
        text) through every stage, for callers that never read them. ``spent``: seconds of
        the time limit the document already used in earlier stages run apart (pass 1 of a
        corpus run that learns chrome); these stages get the rest."""
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
        if doc.raw is not None and DECODE not in self.config.stages:
            doc = Document(text=doc.raw.decode("utf-8", "replace"), metadata=doc.metadata)
        timings: dict[str, float] = {}
        input_text = extracted_text = doc.text
        input_chars = len(input_text)
        if not keep_input:
            input_text = extracted_text = ""
        limit = self.config.time_limit
        deadline = _Deadline(limit=limit, ends=time.monotonic() + limit - spent)
        if self.stages:  # a time ``spent`` before these stages runs out at the first
            deadline.stage = self.stages[0].name
        try:
            for stage in self.stages:
                deadline.check()
                deadline.stage = stage.name
                started = time.perf_counter()
                try:
                    if stage.name in UNINTERRUPTIBLE_STAGES:
                        doc = stage(doc)
                        waited = time.perf_counter() - started
                        deadline.ends += min(waited, SERVICE_WAIT_ALLOWANCE_S)
                    else:
                        with _interrupt_after(deadline.ends - time.monotonic() if limit else 0):
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
                if stage.name == DECODE:
                    input_text = extracted_text = doc.text
                    input_chars = len(input_text)
                    if not input_text.strip():
                        doc = add_warning(doc, "empty input: nothing to clean")
                elif stage.name == EXTRACT:
                    extracted_text = doc.text
                if not keep_input:
                    input_text = extracted_text = ""
            deadline.check()
        except _TimeUp:
            raise DocumentError(
                f"took longer than the {limit:g} s time limit (raise it with --time-limit or "
                "time_limit in the pipeline file)",
                deadline.stage,
            ) from None
        return Result(
            text=doc.text,
            edits=doc.edits,
            metadata=doc.metadata,
            timings=timings,
            input_text=input_text,
            extracted_text=extracted_text,
            input_chars=input_chars,
        )

    def clean_text(self, text: str, metadata: Mapping[str, Any] | None = None) -> Result:
        return self.run(Document(text=text, metadata=dict(metadata or {})))

    def clean_bytes(self, raw: bytes, metadata: Mapping[str, Any] | None = None) -> Result:
        return self.run(Document.from_bytes(raw, metadata))

    def close(self) -> None:
        """Release what the stages hold (the grammar stage's LanguageTool handle)."""
        for stage in self.stages:
            close = getattr(stage, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
