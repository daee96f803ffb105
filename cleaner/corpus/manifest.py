"""What a corpus run knows of OUT: ``OUT/.cleaner/manifest.sqlite3``.

Tables:

``inputs``
    per input: its size, mtime, content hash, job key, outputs and counts (one JSON entry
    per row), which decide whether a rerun may skip it. An input planned for cleaning gets a
    *reservation* first: an entry that can never be skipped (no job key) and that lists
    every output the input had or is about to have, so a run stopped before the real entry
    is written leaves nothing a later run would wrongly skip or fail to remove;
``walk``
    the inputs this run found in IN, in walk order, with their output names: the order of
    ``_audit.jsonl``, the way to tell which inputs have left IN, and who owns an output;
``claims``
    the output names this run has given out, lower-cased: two inputs never write the same
    output, even on a file system that ignores case;
``todo``
    the units of work this run plans, each a JSON record the runner turns back into shards;
``flags``
    ``merged``: whether ``_audit.jsonl``, ``_errors.jsonl`` and the report were rebuilt after
    the last change (cleared before a run changes anything, set once they are rebuilt).

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
import ctypes
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

_RUN_TABLES = ("walk", "claims", "todo")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS inputs (rel TEXT PRIMARY KEY, entry TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS walk"
    " (position INTEGER PRIMARY KEY, rel TEXT NOT NULL UNIQUE, output TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS walk_output ON walk (output)",
    "CREATE TABLE IF NOT EXISTS claims (name TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS todo (position INTEGER PRIMARY KEY, unit TEXT NOT NULL,"
    " parts TEXT)",
    "CREATE INDEX IF NOT EXISTS todo_parts ON todo (parts)",
    "CREATE TABLE IF NOT EXISTS flags (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)


def _stored(name: str) -> str:
    """A file name as the tables hold it. SQLite takes only valid UTF-8, and a name that is
    not (its bytes surrogate-escaped, as Python reads them) is kept as ``/`` and its JSON
    escape: no relative name starts with ``/``, so the two forms never meet."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "/" + json.dumps(name)[1:-1]
    return name


def _loaded(stored: str) -> str:
    """The file name :func:`_stored` kept."""
    if stored.startswith("/"):
        return str(json.loads('"' + stored[1:] + '"'))
    return stored


def sync_filesystem(folder: Path) -> None:
    """Flush the file system holding ``folder`` to disk (``syncfs``; ``sync`` elsewhere)."""
    try:
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
        # A run's own tables are rebuilt every run, so their shape can change between
        # versions; the inputs table's cannot.
        for table in _RUN_TABLES:
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
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

    def has_entries(self) -> bool:
        """Whether any input has an entry (a run cleaned into OUT before)."""
        return self.db.execute("SELECT 1 FROM inputs LIMIT 1").fetchone() is not None

    def get(self, rel: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT entry FROM inputs WHERE rel = ?", (_stored(rel),)).fetchone()
        return _entry(row[0]) if row else None

    def owns(self, output: str) -> bool:
        """Whether an entry lists ``output``: a file cleaner wrote (or was about to), which a
        run may replace or remove; any other file in OUT is the user's."""
        # Entries are JSON with every non-ASCII character escaped, so the name's own JSON
        # form finds the candidates; the parsed entry decides.
        needle = json.dumps(output)
        rows = self.db.execute("SELECT entry FROM inputs WHERE instr(entry, ?) > 0", (needle,))
        for (text,) in rows:
            entry = _entry(text)
            if entry is not None and output in entry.get("outputs", []):
                return True
        return False

    def append(self, entry: dict[str, Any]) -> None:
        """Record an input as committed; written to disk with the next :meth:`flush`."""
        self._put(entry)
        self.pending += 1
        if self.pending >= BATCH or time.monotonic() - self.flushed_at >= FLUSH_S:
            self.flush()

    def reserve(self, rel: str, output: str, entry: dict[str, Any] | None) -> list[str]:
        """Mark ``rel``, whose entry is ``entry``, as being cleaned into ``output`` (see the
        module docstring); written with the next commit, before any of its files are.
        Returns the outputs the reservation lists."""
        entry = entry or {"input": rel, "size": -1, "mtime_ns": -1, "sha256": ""}
        outputs = sorted({*entry.get("outputs", []), output})
        self._put({**entry, "job": None, "outputs": outputs})
        return outputs

    def _put(self, entry: dict[str, Any]) -> None:
        entry = {**entry, "format": FORMAT}
        self.db.execute(
            "INSERT OR REPLACE INTO inputs (rel, entry) VALUES (?, ?)",
            (_stored(str(entry["input"])), json.dumps(entry, sort_keys=True)),
        )

    def note(self, entry: dict[str, Any]) -> None:
        """Record an entry with the next commit, without counting it towards a batch (the
        plan's entries, committed together once the plan is made)."""
        self._put(entry)

    def flush(self) -> None:
        """Make every entry recorded so far durable, after the outputs they vouch for."""
        self.flushed_at = time.monotonic()
        if self.pending:
            sync_filesystem(self.path.parent)
        self.db.commit()
        self.pending = 0

    def forget(self, rel: str) -> None:
        self.db.execute("DELETE FROM inputs WHERE rel = ?", (_stored(rel),))

    # --- this run's inputs and plan -------------------------------------------------------

    def start_run(self) -> None:
        """Forget the previous run's walk and plan (a killed run's plan is made again)."""
        for table in _RUN_TABLES:
            self.db.execute(f"DELETE FROM {table}")
        self.db.commit()

    def claim(self, name: str) -> bool:
        """Give out the output name ``name`` (compared lower-cased); False if it is taken."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO claims (name) VALUES (?)", (_stored(name.lower()),)
        )
        return cursor.rowcount == 1

    def walked(self, rel: str, output: str) -> None:
        """``rel`` is in IN, next in walk order, and writes ``output``."""
        self.db.execute(
            "INSERT INTO walk (rel, output) VALUES (?, ?)", (_stored(rel), _stored(output))
        )

    def walked_folder(self, rel: str) -> None:
        """A folder that could not be listed, at its place in the walk (``rel`` ends in "/",
        which no input's name does), so that its ``_errors.jsonl`` entry is merged there."""
        self.db.execute("INSERT OR IGNORE INTO walk (rel, output) VALUES (?, '')", (_stored(rel),))

    def recorded_under(self, folder: str) -> list[str]:
        """The inputs with an entry under ``folder`` (``.``: all of IN)."""
        prefix = "" if folder == "." else folder.rstrip("/") + "/"
        rels = (_loaded(str(stored)) for (stored,) in self.db.execute("SELECT rel FROM inputs"))
        return [rel for rel in rels if rel.startswith(prefix)]

    def keep_under(self, folder: str) -> int:
        """Count every recorded input under ``folder`` (``.``: all of IN) as found in this
        run, its outputs claimed, when the folder could not be listed: its inputs are
        unknown, not deleted, so their outputs are not removed. Returns how many."""
        prefix = "" if folder == "." else folder.rstrip("/") + "/"
        kept = 0
        for stored, text in self.db.execute("SELECT rel, entry FROM inputs").fetchall():
            rel = _loaded(str(stored))
            if not rel.startswith(prefix):
                continue
            entry = _entry(text) or {}
            outputs = [str(name) for name in entry.get("outputs", [])]
            for name in outputs:
                self.claim(name)
            self.db.execute(
                "INSERT OR IGNORE INTO walk (rel, output) VALUES (?, ?)",
                (stored, _stored(outputs[0] if outputs else "")),
            )
            kept += 1
        return kept

    def owner(self, output: str) -> str | None:
        """The input found this run that writes ``output``, if any."""
        row = self.db.execute(
            "SELECT rel FROM walk WHERE output = ?", (_stored(output),)
        ).fetchone()
        return _loaded(str(row[0])) if row else None

    def plan(self, unit: dict[str, Any], parts: str | None) -> None:
        """A unit of work for this run, in the order it is to be done; ``parts`` names its
        shard files when it has some."""
        self.db.execute("INSERT INTO todo (unit, parts) VALUES (?, ?)", (json.dumps(unit), parts))

    def planned_parts(self, name: str) -> bool:
        """Whether a unit of this run's plan has its shard files under ``name``."""
        row = self.db.execute("SELECT 1 FROM todo WHERE parts = ? LIMIT 1", (name,)).fetchone()
        return row is not None

    def set_merged(self, merged: bool) -> None:
        """Record whether the merged files are up to date; committed at once."""
        self.db.execute(
            "INSERT OR REPLACE INTO flags (name, value) VALUES ('merged', ?)", (int(merged),)
        )
        self.db.commit()

    def merged(self) -> bool:
        row = self.db.execute("SELECT value FROM flags WHERE name = 'merged'").fetchone()
        return bool(row and row[0])

    def planned(self) -> Iterator[dict[str, Any]]:
        """This run's units, in order."""
        for (unit,) in self._in_order("todo", "unit", PAGE):
            yield json.loads(unit)

    def walk_order(self) -> Iterator[str]:
        """The inputs this run found, in walk order."""
        for (rel,) in self._in_order("walk", "rel", PAGE * 16):
            yield _loaded(str(rel))

    def _in_order(self, table: str, column: str, page: int) -> Iterator[tuple[Any, ...]]:
        """``column`` of a run table in position order, read a page at a time, so that
        writes between pages (commits while units run) cannot disturb the reading."""
        query = (
            f"SELECT position, {column} FROM {table} WHERE position > ? ORDER BY position LIMIT ?"
        )
        after = -1
        while rows := self.db.execute(query, (after, page)).fetchall():
            after = rows[-1][0]
            for row in rows:
                yield row[1:]

    def removed(self) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """(input, entry) for each input with an entry that this run did not find in IN. The
        caller must :meth:`forget` each before asking for the next page."""
        while True:
            rows = self.db.execute(
                "SELECT rel, entry FROM inputs WHERE rel NOT IN (SELECT rel FROM walk) LIMIT ?",
                (PAGE,),
            ).fetchall()
            if not rows:
                return
            for rel, entry in rows:
                yield _loaded(str(rel)), _entry(entry)

    def count_removed(self) -> int:
        """How many inputs with an entry this run did not find in IN."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM inputs WHERE rel NOT IN (SELECT rel FROM walk)"
        ).fetchone()
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
                        (_stored(str(entry["input"])), json.dumps(entry, sort_keys=True)),
                    )
        self.db.commit()
        legacy.unlink()


def _entry(text: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(text)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and entry.get("format") == FORMAT else None
