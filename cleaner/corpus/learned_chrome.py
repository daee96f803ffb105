"""Chrome learned from the corpus: pass 1 of a corpus run, the decision, and the saved list.

A site's footer, promo block or newsletter box comes out of the extraction on every page of
the site, worded the same; the general chrome rules cannot know it. A corpus run learns it:

1. **Collect** (pass 1): every document runs through the stages before the learned-chrome
   stage (decode to chrome, :func:`~cleaner.stages.learned_chrome.insert_position`) on the
   run's workers, and its site and distinct lines go to a ``learn`` file per input in
   ``OUT/.cleaner/learn/``, named by the input's content hash and those stages' fingerprint.
   A file is written whole (temporary name, rename), so an interrupted pass loses at most
   the inputs in flight, and a rerun collects only the inputs it has no file for: unchanged
   inputs cost nothing on later runs.
2. **Decide**: a line is learned for a site when at least :data:`MIN_DOCUMENTS` documents of
   the site hold it and at least :data:`MIN_SHARE` of them (documents with text). The
   decision streams over the ``learn`` files; memory holds one count per distinct line of a
   site (:func:`decide`). The list is written atomically to ``OUT/_learned_chrome.jsonl``.
3. **Clean** (pass 2): the ordinary run, with the learned-chrome stage holding the list.
   Each document starts where pass 1 left it (:mod:`cleaner.corpus.prefix_cache`), so a
   page is extracted once. A rerun with the same ``learn`` files takes the saved decision.
   The list's digest is part of every input's job key, so an input cleaned with another
   list is cleaned again, and a resumed run cleans every input with the same list (the
   decision is made again from the same ``learn`` files, and gives the same list).

Why these thresholds: a site's chrome is on nearly every page its extraction leaves it in
(a footer: all of them), while a sentence of prose that repeats ("The company did not
respond to a request for comment.") is on a few pages, never on half. Five documents at
least, because on a site of two or three pages any shared sentence (a quote, an event's
standard description) would otherwise reach 100%.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import hashlib
import json
import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cleaner import __version__
from cleaner.corpus.audit import safe_json_line
from cleaner.corpus.commit import Unit
from cleaner.corpus.errors import CorpusError
from cleaner.corpus.lock import RunLock
from cleaner.corpus.manifest import Manifest
from cleaner.corpus.plan import SCANS_FILE, ScanLog
from cleaner.corpus.pool import LocalEngine
from cleaner.corpus.prefix_cache import BUDGET_BYTES as PREFIX_BUDGET_BYTES
from cleaner.corpus.prefix_cache import KeptFile
from cleaner.corpus.shards import ShardDone, ShardTask
from cleaner.corpus.summary import LearningProgress
from cleaner.io.atomic import atomic_concat, remove_file, replace_with
from cleaner.io.layout import LEARNED_FILE as LEARNED_FILE
from cleaner.io.layout import state_key
from cleaner.io.walk import scan_input, walk_inputs
from cleaner.pipeline import Pipeline, PipelineConfig
from cleaner.stages.learned_chrome import (
    NAME,
    LearnedLine,
    LearnedTable,
    insert_position,
    line_hash,
    line_of_record,
    line_records,
    table_of_records,
    with_learned_chrome,
)

LEARN_DIR = "learn"

MIN_DOCUMENTS = 5
MIN_SHARE = 0.5


@dataclass(frozen=True)
class Thresholds:
    min_documents: int = MIN_DOCUMENTS
    min_share: float = MIN_SHARE

    def __post_init__(self) -> None:
        if self.min_documents < 2:
            raise CorpusError("learned chrome: the minimum of documents must be 2 or more")
        if not 0.0 < self.min_share <= 1.0:
            raise CorpusError("learned chrome: the minimum share must be above 0 and at most 1")


def prefix_config(config: PipelineConfig) -> PipelineConfig:
    """The stages that run before the learned-chrome stage: what pass 1 runs."""
    stages = config.stages[: insert_position(list(config.stages))]
    return dataclasses.replace(config, stages=stages)


def learn(
    src: Path,
    state: Path,
    manifest: Manifest,
    config: PipelineConfig,
    text_field: str,
    shard_bytes: int,
    jobs: int,
    lock: RunLock,
    thresholds: Thresholds,
    *,
    follow_symlinks: bool = False,
    retry_failed: bool = False,
    progress: LearningProgress | None = None,
    unlisted: Callable[[str, OSError], None] | None = None,
) -> tuple[LearnedTable, dict[str, str]]:
    """Pass 1 and the decision (see the module docstring): the learned table of IN, and the
    inputs whose worker process died reading them (input -> how), which the run then leaves
    out as if it had died cleaning them. An unchanged input whose worker died in an earlier
    run is not read again, unless ``retry_failed``.

    A folder of IN that cannot be listed goes to ``unlisted(rel, error)``, as in the plan,
    and the ``learn`` files of the inputs recorded under it are kept and learned from: its
    inputs are unknown, not deleted. Walked past in silence, their lines left the table,
    which changed the learned fingerprint and so had every other input cleaned again (and
    once more when the folder could be listed again)."""
    folder = state / LEARN_DIR
    folder.mkdir(parents=True, exist_ok=True)
    prefix = prefix_config(config)
    fingerprint = prefix.fingerprint()
    todo = folder / "todo.jsonl"
    wanted: set[str] = set()
    tasks = inputs = total_bytes = 0
    kept_bytes = 0  # inputs whose documents pass 1 keeps for pass 2 (prefix_cache)
    remove_file(state / SCANS_FILE)  # an earlier run's, stopped before its plan
    scans = ScanLog(state / SCANS_FILE)  # for the plan that follows: hashed once
    with todo.open("w", encoding="utf-8") as pending, contextlib.closing(scans):
        unlisted_keys: set[str] = set()

        def unlisted_folder(rel: str, exc: OSError) -> None:
            unlisted_keys.update(state_key(known) for known in manifest.recorded_under(rel))
            if unlisted is not None:
                unlisted(rel, exc)

        walk = walk_inputs(
            src, [], follow_symlinks=follow_symlinks, links_skipped=[], unlisted=unlisted_folder
        )
        for inp in walk:
            entry = manifest.get(inp.rel) or {}
            scan = None
            if entry.get("sha256") and (
                entry.get("size"),
                entry.get("mtime_ns"),
                entry.get("ctime_ns"),
            ) == (inp.size, inp.mtime_ns, inp.ctime_ns):
                sha = str(entry["sha256"])  # unchanged since it was cleaned: no need to hash
                if entry.get("counts", {}).get("worker_died") and not retry_failed:
                    continue  # left out of later runs, as the run does
            else:
                try:
                    scan = scan_input(inp, shard_bytes)
                except OSError:
                    continue  # unreadable: the plan records it as failed, the run goes on
                sha = scan.sha256
                scans.write(inp, scan)
            key = _learn_key(sha, fingerprint, inp.kind, text_field)
            base = f"{inp.key}-{key}"
            wanted.add(f"{base}.learn")
            if (folder / f"{base}.learn").exists():
                continue
            if scan is None:
                scan = scan_input(inp, shard_bytes)
                scans.write(inp, scan)
            kept_bytes += inp.size
            inputs += 1
            total_bytes += inp.size
            keep = kept_bytes <= PREFIX_BUDGET_BYTES
            for index, (start, end, first_line) in enumerate(scan.shards):
                task = {
                    "rel": inp.rel,
                    "kind": inp.kind,
                    "path": str(inp.path),
                    "out_rel": inp.out_rel,
                    "parts_dir": str(folder / base),
                    "index": index,
                    "start": start,
                    "end": end,
                    "first_line": first_line,
                    "size": (end if end is not None else inp.size) - start,
                    "text_field": text_field,
                    "shards": len(scan.shards),
                    "prefix": str(folder / KeptFile(base, index).name) if keep else None,
                }
                pending.write(json.dumps(task) + "\n")
                tasks += 1
    dead: dict[str, str] = {}
    if tasks:
        shown = (progress, total_bytes, inputs) if progress is not None else None
        _collect(todo, tasks, prefix, jobs, lock, state, dead, shown)
    remove_file(todo)
    wanted |= _kept_for_unlisted(folder, unlisted_keys)
    for name in os.listdir(folder):  # inputs gone or changed, shards of a changed input
        kept = KeptFile.parse(name)
        if name not in wanted and (kept is None or kept.learn_file not in wanted):
            remove_file(folder / name)
    present = [name for name in sorted(wanted) if (folder / name).exists()]
    return _decided(state, [folder / name for name in present], thresholds), dead


def _kept_for_unlisted(folder: Path, keys: set[str]) -> set[str]:
    """The newest ``learn`` file of each input whose state key is in ``keys`` (inputs in a
    folder that could not be listed)."""
    if not keys:
        return set()
    newest: dict[str, tuple[int, str]] = {}
    for name in os.listdir(folder):
        key = name.split("-", 1)[0]
        if name.endswith(".learn") and key in keys:
            made = (folder / name).stat().st_mtime_ns
            if key not in newest or made > newest[key][0]:
                newest[key] = (made, name)
    return {name for _, name in newest.values()}


DECISION_FILE = "learned-decision.jsonl"
"""The last decision and what it was made from, in ``OUT/.cleaner``: a run whose ``learn``
files are the same (their names hold their inputs' content hashes) takes it as it is, rather
than reading every ``learn`` file twice again."""


def _decided(state: Path, files: list[Path], thresholds: Thresholds) -> LearnedTable:
    """:func:`decide` on ``files``, or the saved decision when it was made from the same."""
    h = hashlib.sha256(f"{__version__}\0{thresholds}\0{SKETCH_ROWS}\0{SKETCH_BITS}".encode())
    for path in files:
        h.update(f"\0{path.name}".encode())
    key = h.hexdigest()
    saved = state / DECISION_FILE
    try:
        with saved.open("rb") as handle:
            header = json.loads(handle.readline())
            if header.get("key") == key:
                records = [json.loads(line) for line in handle]
                table = table_of_records(records)
                # Written without a sync: after a crash it may be cut short.
                whole = len(records) == header.get("records")
                if whole and table.digest() == header.get("digest"):
                    return table
    except (OSError, ValueError, TypeError, AttributeError):
        pass  # none, or not usable: decided again
    table = decide(iter(files), thresholds)
    records = list(line_records(table))

    def fill(handle: IO[bytes]) -> None:
        head = {"key": key, "records": len(records), "digest": table.digest()}
        handle.write(safe_json_line(head))
        for record in records:
            handle.write(safe_json_line(record))

    replace_with(saved, fill, durable=False)
    return table


def kept_documents(
    state: Path, config: PipelineConfig, text_field: str
) -> Callable[[Unit], list[str]]:
    """Where pass 1 keeps the documents of each shard of a unit (:mod:`cleaner.corpus.prefix_cache`)
    for pass 2; ``config``: the run's pipeline before a learned list is added to it."""
    folder = state / LEARN_DIR
    fingerprint = prefix_config(config).fingerprint()

    def paths(unit: Unit) -> list[str]:
        base = f"{unit.inp.key}-{_learn_key(unit.sha256, fingerprint, unit.inp.kind, text_field)}"
        return [os.path.join(folder, KeptFile(base, task.index).name) for task in unit.tasks]

    return paths


def forget_kept_documents(state: Path) -> None:
    """Remove what pass 1 kept and pass 2 did not use (inputs it found unchanged, a run that
    stopped): kept documents live from one pass 1 to its pass 2."""
    folder = state / LEARN_DIR
    if folder.is_dir():
        for name in os.listdir(folder):
            if KeptFile.parse(name) is not None:
                remove_file(folder / name)
    remove_file(state / SCANS_FILE)


def _learn_key(sha256: str, fingerprint: str, kind: str, text_field: str) -> str:
    parts = (sha256, fingerprint, __version__, kind, text_field)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _collect(
    todo: Path,
    count: int,
    config: PipelineConfig,
    jobs: int,
    lock: RunLock,
    state: Path,
    dead: dict[str, str],
    shown: tuple[LearningProgress, int, int] | None = None,
) -> None:
    """Run the pass-1 tasks listed in ``todo`` on worker processes; an input's ``learn``
    file is made from its shards' once all are written. Inputs whose worker died go to
    ``dead``. ``shown``: the sink to show progress on, with the bytes and inputs to read."""
    sink = shown[0] if shown is not None else None
    inputs: dict[str, list[Any]] = {}  # in flight: rel -> [parts_dir, shards, shards left]

    def tasks() -> Iterator[ShardTask]:
        with todo.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                shards = int(record.pop("shards"))
                inputs.setdefault(record["rel"], [record["parts_dir"], shards, shards])
                yield ShardTask(**record, learn=True)

    def finished(shard: ShardDone) -> None:
        if sink is not None:
            sink.advance(shard.size, shard.counts.get("documents", 0), 0)
        flight = inputs.get(shard.rel)
        if flight is None:  # its input was given up (a worker died on it)
            return
        flight[2] -= 1
        if flight[2]:
            return
        del inputs[shard.rel]
        parts_dir, shards = flight[0], flight[1]
        parts = [Path(f"{parts_dir}-{index:06d}.learn") for index in range(shards)]
        atomic_concat(Path(f"{parts_dir}.learn"), parts, durable=False)
        for part in parts:
            remove_file(part)

    def died(task: ShardTask, reason: str) -> None:
        # Left out of learning (no file: a --retry-failed run reads it again) and of the run.
        flight = inputs.pop(task.rel, None)
        dead[task.rel] = reason
        for index in range(flight[1] if flight else 0):
            remove_file(Path(f"{task.parts_dir}-{index:06d}.learn"))

    pipeline = Pipeline(config)
    engine = LocalEngine(pipeline, max(1, min(jobs, count)), lock, state)
    engine.start()
    # Shown once the workers are forked (as in pass 2), and stopped before pass 2 forks its.
    if shown is not None:
        shown[0].learning(shown[1], shown[2])
    try:
        engine.run(tasks(), count, config, finished, died)
    except BaseException:
        engine.stop()
        raise
    finally:
        if sink is not None:
            sink.learned()
    engine.close()


SKETCH_ROWS = 3
SKETCH_BITS = 21
"""Pass 1's lines are counted first in a count-min sketch of at most three rows of 2**21
counters (24 MB, fewer for a small corpus), which never counts a line short; only the lines
it counts at or above the thresholds are then counted exactly. So the decision's memory is
bounded by the sketch and the frequent lines, not by the corpus."""
_BYTES_PER_LINE = 40
"""About what a line takes in a ``learn`` file: sizes the sketch of a small corpus."""


def decide(
    files: Iterator[Path], thresholds: Thresholds, sketch_bits: int | None = None
) -> LearnedTable:
    """The learned table from pass 1's ``learn`` files, in two streaming passes: the first
    counts documents per site and every (site, line) in a count-min sketch, the second
    counts exactly the (site, line) pairs the sketch puts at the thresholds or above.
    ``sketch_bits`` (for tests) sets the sketch's width."""
    paths = list(files)
    if sketch_bits is None:
        size = sum(path.stat().st_size for path in paths if path.exists())
        sketch_bits = min(SKETCH_BITS, max(10, (2 * size // _BYTES_PER_LINE).bit_length()))
    mask = (1 << sketch_bits) - 1
    rows = [array("I", bytes(4 << sketch_bits)) for _ in range(SKETCH_ROWS)]
    site_documents: dict[str, int] = {}
    for record in _records(paths):
        site = record["site"]
        site_documents[site] = site_documents.get(site, 0) + 1
        for text in record["lines"]:
            key = _pair_key(site, text)
            for row, counters in enumerate(rows):
                counters[(key >> (row * SKETCH_BITS)) & mask] += 1
    counts: dict[tuple[str, int], list[Any]] = {}  # (site, key) -> [documents, text]
    for record in _records(paths):
        site = record["site"]
        needed = max(thresholds.min_documents, thresholds.min_share * site_documents[site])
        for text in record["lines"]:
            key = _pair_key(site, text)
            estimate = min(
                counters[(key >> (row * SKETCH_BITS)) & mask] for row, counters in enumerate(rows)
            )
            if estimate >= needed:
                counted = counts.setdefault((site, key), [0, text])
                counted[0] += 1
    lines = [
        LearnedLine(site, str(text), documents, site_documents[site])
        for (site, _), (documents, text) in counts.items()
        if documents >= thresholds.min_documents
        and documents >= thresholds.min_share * site_documents[site]
    ]
    return LearnedTable.of(lines)


def _pair_key(site: str, text: str) -> int:
    """64 bits naming a (site, line) pair: the sketch's rows read different bits of it."""
    return int(line_hash(f"{site}\0{text}"), 16)


def _records(paths: list[Path]) -> Iterator[dict[str, Any]]:
    for path in paths:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            continue
        with handle:
            for line in handle:
                yield json.loads(line)


# --- the saved list -------------------------------------------------------------------------


def write_table(path: Path, table: LearnedTable, thresholds: Thresholds | None) -> None:
    """``path`` becomes the table as JSON lines, one learned line each, atomically."""

    def fill(handle: IO[bytes]) -> None:
        for line in table.lines():
            record: dict[str, Any] = {
                "site": line.site,
                "id": line.rule_id,
                "hash": line.hash,
                "text": line.text,
                "documents": line.documents,
                "site_documents": line.site_documents,
                "share": round(line.share, 4),
                # A short line (a heading such as "Background") goes only inside a block.
                "removed": "always" if line.alone else "next to another learned line",
            }
            if thresholds is not None:
                record["threshold"] = {
                    "min_documents": thresholds.min_documents,
                    "min_share": thresholds.min_share,
                }
            handle.write(safe_json_line(record))

    replace_with(path, fill)


#: A saved list's line is one record of a learned line (at most a few hundred characters of
#: text): a longer line means the file is something else, read no further into memory.
MAX_LIST_LINE_BYTES = 64 * 1024


def read_table(path: Path) -> LearnedTable:
    """A saved list (``_learned_chrome.jsonl``); :class:`CorpusError` naming the file and
    line when it cannot be used."""
    lines: list[LearnedLine] = []
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the learned chrome list: {exc.strerror}") from exc
    with handle:
        for number, raw in enumerate(
            iter(lambda: handle.readline(MAX_LIST_LINE_BYTES + 1), b""), 1
        ):
            if len(raw) > MAX_LIST_LINE_BYTES:
                raise CorpusError(
                    f"{path}:{number}: a line longer than {MAX_LIST_LINE_BYTES:,} bytes; not a "
                    "learned chrome list (each of its lines is one short JSON record)"
                )
            if not raw.strip():
                continue
            try:
                lines.append(line_of_record(json.loads(raw)))
            except (ValueError, KeyError, TypeError) as exc:
                reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
                raise CorpusError(
                    f"{path}:{number}: not a learned chrome line ({reason}); expected JSON "
                    'with "site" and "text", as cleaner corpus writes to _learned_chrome.jsonl'
                ) from exc
    return LearnedTable.of(lines)


def learned_pipeline(
    pipeline: Pipeline, table: LearnedTable, *, name_unknown_sites: bool = False
) -> Pipeline:
    """A copy of ``pipeline`` that also runs the learned-chrome stage with ``table`` (the
    same pipeline when the table is empty); ``name_unknown_sites``: a document of a site the
    table does not hold gets a warning."""
    if not len(table):
        return pipeline
    learned = copy.copy(pipeline)
    learned.stages = with_learned_chrome(
        pipeline.stages, table, name_unknown_sites=name_unknown_sites
    )
    # The table goes in the stage's options too: an engine whose workers build the pipeline
    # from its settings (Ray) builds this stage with it.
    config = pipeline.config
    options = {
        **config.options,
        NAME: {"lines": line_records(table), "name_unknown_sites": name_unknown_sites},
    }
    learned.config = dataclasses.replace(
        config, stages=tuple(stage.name for stage in learned.stages), options=options
    )
    return learned


def learned_fingerprint(fingerprint: str, table: LearnedTable) -> str:
    """The pipeline fingerprint of a run that applies ``table`` (unchanged for an empty one,
    whose output is the same as without it)."""
    if not len(table):
        return fingerprint
    return hashlib.sha256(f"{fingerprint}\0learned\0{table.digest()}".encode()).hexdigest()
