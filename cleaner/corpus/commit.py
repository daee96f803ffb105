"""Committing an input once its shards are done: outputs renamed into the mirrored tree, its
audit and error lines into per-input files, then the manifest entry that makes it done. Every
step is idempotent, so a commit cut short is simply redone."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cleaner import __version__
from cleaner.corpus.audit import input_error_record, json_line, safe_json_line
from cleaner.corpus.manifest import Manifest
from cleaner.corpus.shards import ShardDone, ShardTask, read_counts, shard_file
from cleaner.io.atomic import COPY_BLOCK, atomic_concat, remove_file, replace_with
from cleaner.io.layout import printable_name, state_key
from cleaner.io.walk import InputFile
from cleaner.metrics import Counts


@dataclass
class Unit:
    inp: InputFile
    sha256: str
    job: str
    parts_dir: str
    tasks: list[ShardTask]
    reserved: list[str] = field(default_factory=list)
    """The outputs its reservation lists: what it had, and what it is to write."""
    done: dict[int, ShardDone] = field(default_factory=dict)


def unit(record: Mapping[str, Any], dst: Path, state: Path) -> Unit:
    """A planned unit (see :func:`_plan`) with its shard tasks."""
    inp = InputFile(
        path=Path(record["path"]),
        rel=str(record["rel"]),
        kind=str(record["kind"]),
        out_rel=str(record["out_rel"]),
        size=int(record["size"]),
        mtime_ns=int(record["mtime_ns"]),
        ctime_ns=int(record.get("ctime_ns", 0)),
    )
    finals = None
    if record["in_place"]:
        # Plain strings: the runner builds these for every input, and pathlib costs more.
        key = inp.key
        finals = (
            os.path.join(dst, inp.out_rel),
            os.path.join(state, "audit", f"{key}.jsonl"),
            os.path.join(state, "errors", f"{key}.jsonl"),
        )
    tasks = [
        ShardTask(
            rel=inp.rel,
            kind=inp.kind,
            path=str(inp.path),
            out_rel=inp.out_rel,
            parts_dir=str(record["parts_dir"]),
            index=index,
            start=int(start),
            end=None if end is None else int(end),
            first_line=int(first_line),
            size=(end if end is not None else inp.size) - start,
            text_field=str(record["text_field"]),
            finals=finals,
        )
        for index, (start, end, first_line) in enumerate(record["shards"])
    ]
    return Unit(
        inp,
        str(record["sha256"]),
        str(record["job"]),
        str(record["parts_dir"]),
        tasks,
        reserved=[str(o) for o in record["reserved"]],
    )


def record_dead(
    unit: Unit, task: ShardTask, reason: str, manifest: Manifest, dst: Path, state: Path
) -> None:
    """An input whose worker died cleaning it: listed in its errors file and recorded as done
    with no output, so reruns leave it alone (``--retry-failed`` tries it again)."""
    error = input_error_record(
        printable_name(unit.inp.rel),
        "worker",
        f"{reason}; the input is left out of this and later runs (--retry-failed tries it again)",
    )
    replace_with(
        state / "errors" / f"{unit.inp.key}.jsonl", lambda h: h.write(safe_json_line(error))
    )
    remove_file(state / "audit" / f"{unit.inp.key}.jsonl")
    for shard in unit.tasks:
        for what in ("out", "audit", "errors", "done"):
            remove_file(shard_file(shard, what))
    # The dead worker's temporary files, beside the files it was writing.
    folders = {os.path.dirname(task.parts_dir)}
    if task.finals is not None:
        folders.update(os.path.dirname(path) for path in task.finals)
    for folder in folders:
        with contextlib.suppress(OSError):
            for name_ in os.listdir(folder):
                if name_.startswith(".cleaner.") and name_.endswith(".tmp"):
                    remove_file(Path(folder) / name_)
    record_done(unit, manifest, dst, [], {"documents": 1, "failures": 1, "worker_died": 1})


def commit(unit: Unit, manifest: Manifest, dst: Path, state: Path) -> None:
    """Move a finished input's shards into place; idempotent, so a cut-short commit is redone."""
    tasks = unit.tasks
    outs = [shard_file(t, "out") for t in tasks if shard_file(t, "out").exists()]
    final = dst / unit.inp.out_rel
    outputs: list[str] = []
    if outs:
        atomic_concat(final, outs, durable=False)
        outputs.append(unit.inp.out_rel)
    else:
        remove_file(final)  # the document failed: no stale output from an earlier run
    audit_file = state / "audit" / f"{unit.inp.key}.jsonl"
    if unit.inp.kind == "jsonl" and len(tasks) > 1:
        replace_with(audit_file, _renumbered_audit(tasks), durable=False)
    else:
        atomic_concat(audit_file, [shard_file(t, "audit") for t in tasks], durable=False)
    error_parts = [shard_file(t, "errors") for t in tasks]
    error_parts = [p for p in error_parts if p.exists()]
    errors_file = state / "errors" / f"{unit.inp.key}.jsonl"
    if error_parts:
        atomic_concat(errors_file, error_parts, durable=False)
    else:
        remove_file(errors_file)
    counts = Counts()
    for task in tasks:
        counts.add(read_counts(shard_file(task, "done")))
    record_done(unit, manifest, dst, outputs, counts.as_dict())
    for task in tasks:
        for what in ("out", "audit", "errors", "done"):
            remove_file(shard_file(task, what))


def record_done(
    unit: Unit, manifest: Manifest, dst: Path, outputs: list[str], counts: dict[str, int]
) -> None:
    """The manifest entry that makes an input done, once its files are in place. Outputs
    it had before and has no more (its name changed, its document failed) go, unless
    another input writes them now."""
    for old in unit.reserved:
        if old not in outputs and manifest.owner(old) in (None, unit.inp.rel):
            remove_file(dst / old)
    manifest.append(
        {
            "input": unit.inp.rel,
            "size": unit.inp.size,
            "mtime_ns": unit.inp.mtime_ns,
            "ctime_ns": unit.inp.ctime_ns,
            "sha256": unit.sha256,
            "job": unit.job,
            "version": __version__,
            "outputs": outputs,
            "counts": counts,
        }
    )


def _renumbered_audit(tasks: list[ShardTask]) -> Callable[[IO[bytes]], None]:
    """A shard numbers its output lines from 1; in the whole output they follow the lines of
    the shards before it (which only the commit knows): one line per document, a failed one
    included, since it is written in its place."""

    def fill(handle: IO[bytes]) -> None:
        offset = 0
        for task in tasks:
            counts = read_counts(shard_file(task, "done"))
            with shard_file(task, "audit").open("rb") as source:
                if offset == 0:
                    shutil.copyfileobj(source, handle, COPY_BLOCK)
                else:
                    for line in source:
                        record = json.loads(line)
                        record["output_line"] = int(record["output_line"]) + offset
                        handle.write(json_line(record))
            offset += counts.get("documents", 0)

    return fill


def forget_input(entry: Mapping[str, Any], dst: Path, state: Path, manifest: Manifest) -> None:
    """An input left IN: its outputs (which this tool wrote, unless another input writes them
    now) and state go too."""
    for rel in entry.get("outputs", []):
        if manifest.owner(str(rel)) is None:
            remove_file(dst / str(rel))
    key = state_key(str(entry["input"]))
    remove_file(state / "audit" / f"{key}.jsonl")
    remove_file(state / "errors" / f"{key}.jsonl")
