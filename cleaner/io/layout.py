"""The layout of a corpus run's OUT folder: where each input's output goes, what the files
beside the outputs are called, and names made safe for the file system and for JSON.

Shared by the corpus runner (which writes the files) and the report (which reads them), so
neither needs the other to know a name; ``cleaner clean -o FOLDER`` shortens long names with
the same :func:`fitting_name`.
"""

from __future__ import annotations

import hashlib
import os

STATE_DIR = ".cleaner"
AUDIT_FILE = "_audit.jsonl"
ERRORS_FILE = "_errors.jsonl"
REPORT_FILE = "report.html"
REPORT_ASSETS = "_report"  # the texts report.html opens, loaded on demand
LEARNED_FILE = "_learned_chrome.jsonl"  # the chrome a corpus run learned, per site
RESERVED_NAMES = frozenset(
    {STATE_DIR, AUDIT_FILE, ERRORS_FILE, REPORT_FILE, REPORT_ASSETS, LEARNED_FILE}
)

NAME_MAX = 255
"""The longest file name (in bytes) the usual file systems take (ext4, XFS, btrfs, APFS)."""


def printable_name(name: str) -> str:
    """``name`` as valid UTF-8 text for the JSON files and messages: bytes of a file name that
    are not UTF-8 (surrogate-escaped, as Python reads them) are written as ``\\xe9``; any
    other name is itself (a backslash stays one, so a message names a path that exists)."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return name.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")


def message_name(name: str) -> str:
    """``name`` for a message line: as :func:`printable_name`, with every character that is
    not printable (a newline, a tab, an escape, a line separator) written as its escape
    (``\\n``, ``\\x1b``), so that a file named ``evil\\ncleaner: all done.txt`` cannot
    print a line of its own that looks like cleaner's."""
    shown = printable_name(name)
    if shown.isprintable():
        return shown
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in shown)


def site_name(name: str) -> str:
    """``name`` as a key that no other name shares, in valid UTF-8: as
    :func:`printable_name`, with the name's own backslashes doubled first, so that a folder
    named ``caf\\xe9`` in letters (``caf\\\\xe9``) is not the one named with the byte 0xE9
    (``caf\\xe9``). Only for identities (the learned-chrome site), never for a name shown."""
    return printable_name(name.replace("\\", "\\\\"))


def fitting_name(rel: str) -> str:
    """``rel`` with its last part short enough for the file system: a longer name keeps its
    start and its extension with a hash of the whole name between, the same on every run."""
    folder, slash, name = rel.rpartition("/")
    raw = os.fsencode(name)
    if len(raw) <= NAME_MAX:
        return rel
    lowered = name.lower()
    extension = next(
        (e for e in (".jsonl.gz", ".jsonl", ".txt") if lowered.endswith(e)),
        os.path.splitext(name)[1],
    )
    tail = f"~{hashlib.sha256(raw).hexdigest()[:12]}{extension}"
    head = raw[: NAME_MAX - len(os.fsencode(tail))]
    # Cut at a character boundary, so a UTF-8 name stays UTF-8.
    start = head.decode("utf-8", "ignore").encode("utf-8")
    if not raw.startswith(start):
        start = head
    return folder + slash + os.fsdecode(start) + tail


def strip_suffixes(rel: str) -> str:
    stem = rel[:-3] if rel.lower().endswith(".gz") else rel
    return os.path.splitext(stem)[0]


def output_name(rel: str, kind: str) -> str:
    """Where an input's output goes, relative to OUT (before collisions are resolved)."""
    if kind == "jsonl":
        return rel
    if kind == "warc":
        return strip_suffixes(rel) + ".jsonl"
    return strip_suffixes(rel) + ".txt"


def state_key(rel: str) -> str:
    """A file-name-safe name for the state files of the input rel."""
    return hashlib.sha1(rel.encode("utf-8", "surrogateescape")).hexdigest()[:20]
