"""Planning a run: which inputs need cleaning, what stands in the way, and what it would remove.

Walking IN notes every input in the manifest; an input whose job key (content hash + pipeline
fingerprint + cleaner version + how it is read and written) is unchanged and whose outputs
exist is skipped. The planned units wait in the manifest, not in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cleaner import __version__
from cleaner.corpus.audit import input_error_record, safe_json_line
from cleaner.corpus.errors import CorpusError
from cleaner.corpus.manifest import Manifest
from cleaner.corpus.summary import CorpusSummary
from cleaner.io.atomic import probe_writable, remove_file, replace_with
from cleaner.io.layout import RESERVED_NAMES, message_name, printable_name, state_key
from cleaner.io.walk import InputFile, Scan, scan_input, walk_inputs, within

SHARD_BYTES = 1 << 20
"""Uncompressed JSONL is cut into shards of about this size: a few hundred news articles, a
second or two of work, so every worker stays busy on one big file, progress moves smoothly
and a killed run loses little. Compressed files cannot be cut without reading them from the
start, so each is one shard."""

MASS_DELETE_FRACTION = 0.5
"""A run that would remove the outputs of more than this share of the inputs cleaned before
is refused (an empty, unmounted or mistyped IN looks like every input was deleted)."""


def check_folders(in_dir: Path, out_dir: Path) -> tuple[Path, Path]:
    """Resolved IN and OUT, or :class:`CorpusError` if they cannot be used together."""
    if not in_dir.exists():
        raise CorpusError(f"{in_dir}: no such folder")
    if not in_dir.is_dir():
        raise CorpusError(f"{in_dir}: not a folder (use 'cleaner clean' for single files)")
    if out_dir.exists() and not out_dir.is_dir():
        raise CorpusError(f"{out_dir}: exists and is not a folder")
    src, dst = in_dir.resolve(), out_dir.resolve()
    if src == dst:
        raise CorpusError("IN and OUT are the same folder; OUT must be a separate folder")
    if src in dst.parents:
        raise CorpusError(
            f"OUT ({out_dir}) is inside IN ({in_dir}): a rerun would read its own output; "
            "choose an OUT outside IN"
        )
    if dst in src.parents:
        raise CorpusError(
            f"IN ({in_dir}) is inside OUT ({out_dir}): outputs could overwrite inputs; "
            "choose an OUT that does not contain IN"
        )
    _check_writable(out_dir, dst)
    return src, dst


def _check_writable(out_dir: Path, dst: Path) -> None:
    """:class:`CorpusError` (rc 2) when OUT cannot be made or written: its folder, or the
    nearest one above it that exists, must take a new file, which a probe file tells (as root
    too, where permissions say nothing). Found by the first write instead, it was reported
    as an output error of a run that had started ("finished inputs are kept ... resume")."""
    try:
        probe_writable(dst)
    except OSError as exc:
        raise CorpusError(
            f"{out_dir}: cannot write the output folder there: {exc.strerror or exc}"
        ) from exc


def check_output_path(dst: Path, out_rel: str, safe_folders: set[Path] | None = None) -> Path:
    """``dst / out_rel``, or :class:`CorpusError` if writing there could land outside OUT
    (an absolute or ``..`` name, or a folder in OUT that is a link leading out of it).
    ``safe_folders`` remembers the folders already checked, for a caller checking many."""
    rel = Path(out_rel)
    if rel.is_absolute() or ".." in rel.parts:
        raise CorpusError(f"refusing to write {out_rel!r}: the name leads outside OUT")
    path = dst / rel
    if safe_folders is not None and path.parent in safe_folders:
        return path
    parent = path.parent.resolve()
    if safe_folders is not None and within(parent, dst):
        safe_folders.add(path.parent)
    if not within(parent, dst):
        raise CorpusError(
            f"refusing to write {path}: {path.parent} leads outside OUT ({parent}), through "
            "a symbolic link; remove the link or choose another OUT"
        )
    return path


# --- the lock -------------------------------------------------------------------------------


def job_key(sha256: str, fingerprint: str, kind: str, out_rel: str, text_field: str) -> str:
    """What decides an input's output: its content, the pipeline (stages, options, rule
    files), cleaner's version and how the input is read and written."""
    parts = (sha256, fingerprint, __version__, kind, out_rel, text_field)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


class Plan:
    """What a run has to do, counted; the units themselves wait in the manifest's plan."""

    units: int = 0
    tasks: int = 0
    bytes: int = 0
    failed: int = 0
    """Inputs recorded as failed while planning (unreadable): the merged files must be
    rebuilt for their errors to show, as for a unit cleaned."""


SCANS_FILE = "learn-scans.jsonl"
"""The inputs pass 1 of learned chrome hashed (``OUT/.cleaner``), in walk order, so that the
plan that follows it in the same run does not hash them again."""


class ScanLog:
    """Scans written in walk order by one walk and read back, in the same order, by the next:
    :meth:`taken` gives an input's scan when the log holds it for the same size and times.
    Read forward only, a line at a time, so memory stays flat in the size of the corpus; an
    input the log lacks (or a log cut short) is hashed as before. The log's inputs that the
    next walk does not ask for (deleted since, or unchanged there) are passed over, by their
    place in the walk's order (:func:`walk_order`), so the inputs after them are still taken."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lines: Any = None
        self._next: dict[str, Any] | None = None

    def write(self, inp: InputFile, scan: Scan) -> None:
        if self._lines is None:
            self._lines = self.path.open("w", encoding="utf-8")
        times = [inp.size, inp.mtime_ns, inp.ctime_ns]
        record = {"rel": inp.rel, "stat": times, "sha256": scan.sha256, "shards": scan.shards}
        self._lines.write(json.dumps(record) + "\n")

    def taken(self, inp: InputFile) -> Scan | None:
        if self._lines is None:
            try:
                self._lines = self.path.open(encoding="utf-8")
            except OSError:
                self._lines = iter(())
            self._advance()
        wanted = walk_order(inp.rel)
        while self._next is not None and walk_order(self._next["rel"]) < wanted:
            self._advance()
        record = self._next
        if record is None or record["rel"] != inp.rel:
            return None
        self._advance()
        if record["stat"] != [inp.size, inp.mtime_ns, inp.ctime_ns]:
            return None
        return Scan(record["sha256"], tuple((a, b, c) for a, b, c in record["shards"]))

    def _advance(self) -> None:
        try:
            self._next = json.loads(next(self._lines))
        except (StopIteration, ValueError):
            self._next = None

    def close(self) -> None:
        if hasattr(self._lines, "close"):
            self._lines.close()
        self._lines = None


def walk_order(rel: str) -> tuple[tuple[int, str], ...]:
    """Sorts input names (``a/b.txt``) as :func:`~cleaner.io.walk.walk_inputs` yields them: a
    folder's files by name, then its folders by name, each walked whole."""
    *folders, name = rel.split("/")
    return (*((1, folder) for folder in folders), (0, name))


def plan(
    src: Path,
    dst: Path,
    state: Path,
    manifest: Manifest,
    fingerprint: str,
    text_field: str,
    force: bool,
    shard_bytes: int,
    summary: CorpusSummary,
    *,
    follow_symlinks: bool = False,
    in_place: bool = True,
    overwrite: bool = False,
    mass_delete: float | None = MASS_DELETE_FRACTION,
    retry_failed: bool = False,
    scans: ScanLog | None = None,
) -> Plan:
    """Walk IN, noting every input in the manifest's walk and planning those that need
    cleaning. With ``in_place``, an input that is one shard is written straight to its final
    files (an engine that runs shards elsewhere sends back shard files instead). Inputs whose
    output is a file cleaner did not write are not planned but recorded as failed (see
    :func:`run_corpus`), and the plan is refused if it removes more than ``mass_delete`` of
    the inputs cleaned before."""
    plan = Plan()
    parts_root = state / "parts"
    safe_folders: set[Path] = set()  # output folders checked: as many as IN has folders
    manifest.start_run()
    for name in RESERVED_NAMES:
        manifest.claim(name)
    known = 0  # inputs found that an earlier run recorded
    # A folder that cannot be listed keeps its inputs' entries and outputs (they are not
    # known to be deleted) and fails the run.

    stale_folders = _forget_unlisted_folders(state)
    unlisted_now: list[str] = []

    def unlisted(folder: str, exc: OSError) -> None:
        nonlocal known
        if folder in unlisted_now:
            return
        unlisted_now.append(folder)
        record_unlisted_folder(folder, exc, manifest, state)
        known += manifest.keep_under(folder)
        note_unlisted_folder(summary, folder, exc)

    inputs = walk_inputs(
        src,
        summary.ignored_files,
        follow_symlinks=follow_symlinks,
        links_skipped=summary.links_skipped,
        claim=manifest.claim,
        links_broken=summary.links_broken,
        not_files=summary.not_files,
        unlisted=unlisted,
    )
    for inp in inputs:
        check_output_path(dst, inp.out_rel, safe_folders)
        manifest.walked(inp.rel, inp.out_rel)
        summary.inputs += 1
        entry = manifest.get(inp.rel)
        known += entry is not None
        scan: Scan | None = None
        if (
            entry
            and entry.get("size") == inp.size
            and entry.get("mtime_ns") == inp.mtime_ns
            and entry.get("ctime_ns") == inp.ctime_ns
        ):
            # The same size and times: the same content (a changed ctime alone, as after a
            # chmod, costs a hash; a different hash, a new cleaning).
            sha = str(entry["sha256"])
        else:
            try:
                scan = _scanned(inp, shard_bytes, scans)
            except OSError as exc:
                # An input that cannot be read (no read permission, an I/O error) fails
                # alone; it was reported as "cannot write the output", which ended the run.
                _record_unreadable(inp, exc, entry, manifest, state)
                plan.failed += 1
                continue
            sha = scan.sha256
        job = job_key(sha, fingerprint, inp.kind, inp.out_rel, text_field)
        outputs_exist = entry is not None and all(
            (dst / rel).exists() for rel in entry.get("outputs", [])
        )
        retry = retry_failed and entry is not None and entry.get("counts", {}).get("failures")
        if entry and entry.get("job") == job and outputs_exist and not force and not retry:
            summary.inputs_skipped += 1
            summary.documents_skipped += int(entry.get("counts", {}).get("documents", 0))
            if scan is not None:  # touched but not changed: remember the new times
                manifest.append(
                    {
                        **entry,
                        "size": inp.size,
                        "mtime_ns": inp.mtime_ns,
                        "ctime_ns": inp.ctime_ns,
                    }
                )
            continue
        if scan is None:
            scan = _scanned(inp, shard_bytes, scans)
            sha = scan.sha256
            job = job_key(sha, fingerprint, inp.kind, inp.out_rel, text_field)
        blocker = None if overwrite else _not_ours(dst, inp, entry, manifest, state)
        if blocker is not None:
            _refuse_to_overwrite(inp, blocker, entry, manifest, state)
            summary.not_overwritten.append(blocker)
            continue
        parts_name = f"{inp.key}-{job}"
        whole = in_place and len(scan.shards) == 1
        reserved = manifest.reserve(inp.rel, inp.out_rel, entry)
        manifest.plan(
            {
                "path": str(inp.path),
                "rel": inp.rel,
                "kind": inp.kind,
                "out_rel": inp.out_rel,
                "size": inp.size,
                "mtime_ns": inp.mtime_ns,
                "ctime_ns": inp.ctime_ns,
                "sha256": sha,
                "job": job,
                "parts_dir": os.path.join(parts_root, parts_name),
                "shards": [list(shard) for shard in scan.shards],
                "in_place": whole,
                "text_field": text_field,
                "reserved": reserved,
            },
            parts=None if whole else parts_name,
        )
        plan.units += 1
        plan.tasks += len(scan.shards)
        plan.bytes += inp.size
    if mass_delete is not None:
        _check_removals(manifest, known, mass_delete, summary.inputs, src, dst)
    if unlisted_now or stale_folders:
        # The merged _errors.jsonl gains this run's folder entries and loses those of folders
        # listed again: rebuilt, even when no input is cleaned.
        replace_with(
            state / UNLISTED_FILE,
            lambda handle: handle.write(json.dumps(unlisted_now).encode()),  # all ASCII
        )
        manifest.set_merged(False)
    manifest.flush()  # the reservations are on disk before any output is written
    for folder in (parts_root, state / "audit", state / "errors"):
        folder.mkdir(parents=True, exist_ok=True)
    # Shard files of jobs nobody will commit go, and those of inputs now written in place
    # (left by a killed engine run) too.
    _sweep_parts(parts_root, manifest.planned_parts)
    return plan


UNLISTED_FILE = "unlisted-folders.json"
"""The folders of IN the last plan could not list (``OUT/.cleaner``), whose entries the next
plan takes out of ``_errors.jsonl``."""


def note_unlisted_folder(summary: CorpusSummary, folder: str, exc: OSError) -> None:
    """Name a folder that could not be listed in the run's summary, once: pass 1 of learned
    chrome and the plan both walk IN and both meet it."""
    shown = f"{message_name(folder)} ({exc.strerror or exc})"
    if shown not in summary.folders_unlisted:
        summary.folders_unlisted.append(shown)


def folder_rel(folder: str) -> str:
    """The name of a folder's ``_errors.jsonl`` entry and walk row: its name and "/", which no
    input's name ends in (``./`` for IN itself)."""
    return folder.rstrip("/") + "/"


def record_unlisted_folder(folder: str, exc: OSError, manifest: Manifest, state: Path) -> None:
    """An entry in ``_errors.jsonl``, at the folder's place in the walk, for a folder of IN
    that could not be listed: it was counted in the summary but ``_errors.jsonl`` said
    nothing of it. Its inputs keep their entries and outputs (:meth:`Manifest.keep_under`);
    the next run that lists it cleans them as usual and the entry goes."""
    rel = folder_rel(folder)
    shown = printable_name(rel)
    record = {
        **input_error_record(shown, "read", ""),
        "folder": True,
        "reason": f"cannot list folder IN/{printable_name(folder)}: {exc.strerror or exc}; "
        "the inputs in it were not read this run (the outputs cleaned from them before are "
        "kept)",
    }
    errors = state / "errors"
    errors.mkdir(parents=True, exist_ok=True)
    replace_with(errors / f"{state_key(rel)}.jsonl", lambda h: h.write(safe_json_line(record)))
    manifest.walked_folder(rel)


def _forget_unlisted_folders(state: Path) -> list[str]:
    """The folders the last plan could not list, their ``_errors.jsonl`` entries removed
    (each is written again if its folder still cannot be listed)."""
    try:
        folders = json.loads((state / UNLISTED_FILE).read_bytes())
    except (OSError, ValueError):
        return []
    for folder in folders if isinstance(folders, list) else []:
        remove_file(state / "errors" / f"{state_key(folder_rel(str(folder)))}.jsonl")
    remove_file(state / UNLISTED_FILE)
    return [str(folder) for folder in folders] if isinstance(folders, list) else []


def _scanned(inp: InputFile, shard_bytes: int, scans: ScanLog | None) -> Scan:
    """The input's scan: the one pass 1 made in this run, else made now."""
    handed = scans.taken(inp) if scans is not None else None
    return handed if handed is not None else scan_input(inp, shard_bytes)


def _not_ours(
    dst: Path, inp: InputFile, entry: Mapping[str, Any] | None, manifest: Manifest, state: Path
) -> str | None:
    """The name (under OUT) of a file cleaner did not write that stands where ``inp``'s
    output is to be written (the output itself, or a file where one of its folders goes), or
    None. An output is cleaner's when an entry lists it or when the input's audit file is in
    the state folder (a manifest of cleaner 0.1 cut short by a kill, or deleted by hand)."""
    out_rel = inp.out_rel
    path = os.path.join(dst, out_rel)
    if os.path.lexists(path):
        owned = (
            (entry is not None and out_rel in entry.get("outputs", []))
            or manifest.owns(out_rel)
            or os.path.exists(os.path.join(state, "audit", f"{inp.key}.jsonl"))
        )
        return None if owned else out_rel
    parts = out_rel.split("/")[:-1]
    for depth in range(len(parts), 0, -1):
        folder = os.path.join(dst, *parts[:depth])
        if os.path.isdir(folder):
            return None
        if os.path.lexists(folder):
            return "/".join(parts[:depth])
    return None


def _record_unreadable(
    inp: InputFile,
    exc: OSError,
    entry: Mapping[str, Any] | None,
    manifest: Manifest,
    state: Path,
) -> None:
    """Record ``inp`` as failed: it cannot be read. Like an input whose output is in the way,
    its entry has no job key, so every run tries it again (once readable, it is cleaned)."""
    reason = f"cannot read: {exc.strerror or exc}"
    _record_failed(inp, "read", reason, entry, manifest, state)


def _refuse_to_overwrite(
    inp: InputFile,
    blocker: str,
    entry: Mapping[str, Any] | None,
    manifest: Manifest,
    state: Path,
) -> None:
    """Record ``inp`` as failed because ``blocker``, a file cleaner did not write, is in the
    way. Its entry has no job key, so every run checks again, and cleans it once the file is
    gone; the outputs it had stay listed (they are still cleaner's)."""
    what = "" if blocker == inp.out_rel else f" (a folder of its output, {inp.out_rel!r})"
    reason = (
        f"OUT/{printable_name(blocker)} exists and was not written by cleaner{what}: not "
        "overwritten; move it away (or run with --overwrite to replace it)"
    )
    _record_failed(inp, "write", reason, entry, manifest, state)


def _record_failed(
    inp: InputFile,
    stage: str,
    reason: str,
    entry: Mapping[str, Any] | None,
    manifest: Manifest,
    state: Path,
) -> None:
    """Record ``inp`` as one failed document (``reason`` in its errors file), with no job key,
    keeping the outputs its entry had."""
    record = input_error_record(printable_name(inp.rel), stage, reason)
    replace_with(state / "errors" / f"{inp.key}.jsonl", lambda h: h.write(safe_json_line(record)))
    remove_file(state / "audit" / f"{inp.key}.jsonl")
    manifest.note(
        {
            "input": inp.rel,
            "size": inp.size,
            "mtime_ns": inp.mtime_ns,
            "ctime_ns": inp.ctime_ns,
            "sha256": "",
            "job": None,
            "version": __version__,
            "outputs": list((entry or {}).get("outputs", [])),
            "counts": {"documents": 1, "failures": 1},
        }
    )


def refuse_mass_removal(
    src: Path,
    dst: Path,
    manifest: Manifest,
    fraction: float,
    *,
    follow_symlinks: bool = False,
) -> None:
    """The mass-delete refusal of :func:`plan`, decided before a run writes anything: a walk
    of IN that reads no input (names only), noted in the manifest's run tables, which the plan
    starts afresh. Pass 1 of learned chrome comes before the plan and rewrites
    ``_learned_chrome.jsonl`` and ``.cleaner/learn``; a refused run must leave them as they
    were (it says "Nothing was changed"), so the refusal cannot wait for the plan."""
    if not manifest.has_entries():
        return  # nothing cleaned before: nothing to remove
    manifest.start_run()
    known = found = 0

    def unlisted(folder: str, exc: OSError) -> None:
        nonlocal known
        known += manifest.keep_under(folder)  # unknown, not deleted (as in the plan)

    for inp in walk_inputs(
        src, [], follow_symlinks=follow_symlinks, links_skipped=[], unlisted=unlisted
    ):
        manifest.walked(inp.rel, inp.out_rel)
        found += 1
        known += manifest.get(inp.rel) is not None
    _check_removals(manifest, known, fraction, found, src, dst)


def _check_removals(
    manifest: Manifest, known: int, fraction: float, found: int, src: Path, dst: Path
) -> None:
    """Refuse a run that would remove the outputs of more than ``fraction`` of the inputs
    cleaned before: IN is more likely empty, unmounted or the wrong folder than emptied on
    purpose. Raised before anything is changed."""
    removed = manifest.count_removed()
    total = removed + known
    if removed and removed > fraction * total:
        raise CorpusError(
            f"refusing to delete the outputs of {removed} of the {total} inputs cleaned into "
            f"{dst} before: they are not in {src} any more ({found} inputs found there). Is IN "
            "empty, unmounted or the wrong folder? Nothing was changed. If they were removed "
            "on purpose, run again with --allow-mass-delete (the limit is "
            f"{fraction:.0%} of the inputs, --mass-delete-fraction)."
        )


SHARD_FILE = re.compile(r"(?P<parts>.+)-\d{6,}\.[a-z]+")
"""A shard file of a unit's parts: ``<parts name>-<index, 6 digits>.<what>`` (as
:func:`cleaner.corpus.shards.shard_file` names it); the parts name may hold any character."""


def parts_name_of(file_name: str) -> str:
    """The parts name an entry of the parts folder belongs to: a shard file's, read from the
    right by its whole suffix (never split at the first "-" or the last one alone), else the
    entry's own name (the folder of an older layout, named by its parts name)."""
    shard = SHARD_FILE.fullmatch(file_name)
    return shard.group("parts") if shard else file_name


def _sweep_parts(parts_root: Path, keep: Callable[[str], bool]) -> None:
    """Drop shards of jobs nobody will commit (an input changed since the run that made them)."""
    for entry in parts_root.iterdir():
        if not keep(parts_name_of(entry.name)):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                remove_file(entry)
