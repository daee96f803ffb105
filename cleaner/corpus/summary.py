"""What a run tells its caller: the summary it returns and the progress it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cleaner.metrics import Counts


class ProgressSink(Protocol):
    """What the runner tells whoever shows the cleaning's progress (the CLI's rich bar)."""

    def start(self, total_bytes: int, inputs: int, skipped: int) -> None: ...

    def advance(self, size: int, documents: int, failures: int) -> None: ...


class LearningProgress(Protocol):
    """What pass 1 of learned chrome tells whoever shows its progress (``run_corpus``'s
    ``learning_progress``; the CLI gives its rich bar, the same object as its
    :class:`ProgressSink`): :meth:`learning` first, then each shard read through
    :meth:`advance`, and :meth:`learned` when the pass ends, before the cleaning starts."""

    def learning(self, total_bytes: int, inputs: int) -> None: ...

    def advance(self, size: int, documents: int, failures: int) -> None: ...

    def learned(self) -> None: ...


class NoProgress:
    def start(self, total_bytes: int, inputs: int, skipped: int) -> None:
        pass

    def advance(self, size: int, documents: int, failures: int) -> None:
        pass


@dataclass
class CorpusSummary:
    """What a run did; ``failures_total`` counts every failed document of ``_errors.jsonl``
    (not the entries of folders that could not be listed, counted in ``folders_unlisted``)."""

    out_dir: Path
    inputs: int = 0
    inputs_cleaned: int = 0
    inputs_skipped: int = 0
    inputs_removed: int = 0
    ignored_files: list[str] = field(default_factory=list)
    links_skipped: list[str] = field(default_factory=list)
    """Symbolic links not followed: folder links, and links leading out of IN."""
    links_broken: list[str] = field(default_factory=list)
    """Symbolic links that lead nowhere, or in a loop."""
    not_files: list[str] = field(default_factory=list)
    """FIFOs, devices and sockets in IN with an input's name: skipped, never read."""
    folders_unlisted: list[str] = field(default_factory=list)
    """Folders of IN that could not be listed (with why): their inputs were not read, and
    the outputs cleaned from them before are kept."""
    workers_died: list[str] = field(default_factory=list)
    """Inputs whose worker process died cleaning them (left out, listed in _errors.jsonl)."""
    not_overwritten: list[str] = field(default_factory=list)
    """Outputs (under OUT) that are files cleaner did not write: left alone, their inputs
    listed in ``_errors.jsonl``."""
    counts: Counts = field(default_factory=Counts)
    documents_skipped: int = 0
    failures_total: int = 0
    seconds: float = 0.0
    jobs: int = 1
    learned_lines: int = 0
    learned_sites: int = 0
    """Lines learned as chrome (or given with a saved list), and the sites they belong to."""
    learned_seconds: float = 0.0
    """The time pass 1 (collecting lines to learn chrome from) took."""

    @property
    def ok(self) -> bool:
        return self.failures_total == 0
