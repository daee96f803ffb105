"""What a corpus run knows of OUT: ``OUT/.cleaner/manifest.sqlite3``.

Three tables:

``inputs``
    per input ever committed: its size, mtime, content hash, job key, outputs and counts (one
    JSON entry per row), which decide whether a rerun may skip it;
``walk``
    the inputs this run found in IN, in walk order: the order of ``_audit.jsonl``, and the
    way to tell which committed inputs have left IN;
``todo``
    the units of work this run plans, each a JSON record the runner turns back into shards.

They live on disk rather than in memory so that a run over a million files holds no more
than a run over ten: SQLite keeps a small page cache and streams the rest.

Commits are batched: :meth:`Manifest.append` records an input as done, and every
:data:`BATCH` entries or :data:`FLUSH_S` seconds :meth:`Manifest.flush` flushes the file
system (the outputs the entries vouch for) and then commits the transaction. A kill loses at
most the last batch, which the next run redoes; it can never record an input whose outputs
are not on disk.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MANIFEST_FILE = "manifest.sqlite3"
LEGACY_FILE = "manifest.jsonl"
"""The append-only JSON-lines manifest of cleaner 0.1; imported once, then removed."""
FORMAT = 1
"""The format of an entry; entries of another format are ignored (their inputs redone)."""

BATCH = 500
FLUSH_S = 1.0
"""Entries are committed in batches, each after one sync of the file system: a sync per
document would cost more than cleaning it."""

PAGE = 256
"""Planned units are read back this many at a time."""

BUSY_TIMEOUT_S = 30.0
"""How long a commit waits for a reader (someone inspecting the manifest) to let go."""

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS inputs (rel TEXT PRIMARY KEY, entry TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS walk (position INTEGER PRIMARY KEY, rel TEXT NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS todo (position INTEGER PRIMARY KEY, unit TEXT NOT NULL)",
)


def sync_filesystem(folder: Path) -> None:
    """Flush the file system holding ``folder`` to disk (``syncfs``; ``sync`` elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(folder, os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


class Manifest:
    """The manifest of one OUT; one process (the run holding OUT's lock) writes it."""

    def __init__(self, state: Path) -> None:
        state.mkdir(parents=True, exist_ok=True)
        self.path = state / MANIFEST_FILE
        self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        self.db.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA:
            self.db.execute(statement)
        self.db.commit()
        self.pending = 0
        self.flushed_at = time.monotonic()
        self._import_legacy(state / LEGACY_FILE)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    # --- committed inputs -----------------------------------------------------------------

    def get(self, rel: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT entry FROM inputs WHERE rel = ?", (rel,)).fetchone()
        return _entry(row[0]) if row else None

    def append(self, entry: dict[str, Any]) -> None:
        """Record an input as committed; written to disk with the next :meth:`flush`."""
        entry = {"format": FORMAT, **entry}
        self.db.execute(
            "INSERT OR REPLACE INTO inputs (rel, entry) VALUES (?, ?)",
            (str(entry["input"]), json.dumps(entry, sort_keys=True)),
        )
        self.pending += 1
        if self.pending >= BATCH or time.monotonic() - self.flushed_at >= FLUSH_S:
            self.flush()

    def flush(self) -> None:
        """Make every entry recorded so far durable, after the outputs they vouch for."""
        self.flushed_at = time.monotonic()
        if self.pending:
            sync_filesystem(self.path.parent)
        self.db.commit()
        self.pending = 0

    def forget(self, rel: str) -> None:
        self.db.execute("DELETE FROM inputs WHERE rel = ?", (rel,))

    # --- this run's inputs and plan -------------------------------------------------------

    def start_run(self) -> None:
        """Forget the previous run's walk and plan (a killed run's plan is made again)."""
        self.db.execute("DELETE FROM walk")
        self.db.execute("DELETE FROM todo")
        self.db.commit()

    def walked(self, rel: str) -> None:
        """``rel`` is in IN, next in walk order."""
        self.db.execute("INSERT INTO walk (rel) VALUES (?)", (rel,))

    def plan(self, unit: dict[str, Any]) -> None:
        """A unit of work for this run, in the order it is to be done."""
        self.db.execute("INSERT INTO todo (unit) VALUES (?)", (json.dumps(unit),))

    def planned(self) -> Iterator[dict[str, Any]]:
        """This run's units, in order, read back a page at a time."""
        after = -1
        while True:
            rows = self.db.execute(
                "SELECT position, unit FROM todo WHERE position > ? ORDER BY position LIMIT ?",
                (after, PAGE),
            ).fetchall()
            if not rows:
                return
            for position, unit in rows:
                after = position
                yield json.loads(unit)

    def walk_order(self) -> Iterator[str]:
        """The inputs this run found, in walk order."""
        after = -1
        while True:
            rows = self.db.execute(
                "SELECT position, rel FROM walk WHERE position > ? ORDER BY position LIMIT ?",
                (after, PAGE * 16),
            ).fetchall()
            if not rows:
                return
            for position, rel in rows:
                after = position
                yield str(rel)

    def left_in(self) -> Iterator[dict[str, Any]]:
        """Entries of committed inputs this run did not find in IN (they were removed)."""
        rows = self.db.execute(
            "SELECT entry FROM inputs WHERE rel NOT IN (SELECT rel FROM walk)"
        ).fetchall()  # few: only inputs removed since the last run
        for (entry,) in rows:
            found = _entry(entry)
            if found is not None:
                yield found

    def walked_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM walk").fetchone()[0])

    def recorded_walked_count(self) -> int:
        """How many of the inputs found have an entry."""
        row = self.db.execute("SELECT COUNT(*) FROM inputs JOIN walk USING (rel)").fetchone()
        return int(row[0])

    def failures(self) -> int:
        """Failed documents over every input found in IN, as their entries count them."""
        total = 0
        cursor = self.db.execute("SELECT entry FROM inputs JOIN walk USING (rel)")
        for (entry,) in cursor:
            found = _entry(entry)
            if found is not None:
                total += int(found.get("counts", {}).get("failures", 0))
        return total

    # --- the format of cleaner 0.1 --------------------------------------------------------

    def _import_legacy(self, legacy: Path) -> None:
        """Take over a JSON-lines manifest's entries (last line wins), then remove it."""
        if not legacy.exists():
            return
        with legacy.open("rb") as lines:
            for line in lines:
                if not line.endswith(b"\n"):
                    break  # the last append was cut short by a kill
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and entry.get("format") == FORMAT and "input" in entry:
                    self.db.execute(
                        "INSERT OR REPLACE INTO inputs (rel, entry) VALUES (?, ?)",
                        (str(entry["input"]), json.dumps(entry, sort_keys=True)),
                    )
        self.db.commit()
        legacy.unlink()


def _entry(text: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(text)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and entry.get("format") == FORMAT else None
