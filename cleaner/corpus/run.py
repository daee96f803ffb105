"""``run_corpus``: one run from start to end: check the folders, take the lock, plan, run the
shards on an engine, commit each input as its shards finish, forget inputs that left IN, and
rebuild the merged audit, errors and report."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from cleaner.corpus.commit import Unit, commit, forget_input, record_dead, record_done, unit
from cleaner.corpus.errors import CorpusError, os_errors_reported
from cleaner.corpus.learned_chrome import (
    LEARNED_FILE,
    Thresholds,
    forget_kept_documents,
    kept_documents,
    learn,
    learned_fingerprint,
    learned_pipeline,
    read_table,
    write_table,
)
from cleaner.corpus.lock import RunLock
from cleaner.corpus.manifest import Manifest
from cleaner.corpus.plan import (
    MASS_DELETE_FRACTION,
    SCANS_FILE,
    SHARD_BYTES,
    Plan,
    ScanLog,
    check_folders,
    note_unlisted_folder,
    plan,
    refuse_mass_removal,
)
from cleaner.corpus.pool import LocalEngine
from cleaner.corpus.shards import ShardDone, ShardEngine, ShardTask, read_counts, shard_file
from cleaner.corpus.summary import CorpusSummary, LearningProgress, NoProgress, ProgressSink
from cleaner.errors import ServiceError
from cleaner.io.atomic import merge_files, remove_file, sweep_temp_files
from cleaner.io.layout import (
    AUDIT_FILE,
    ERRORS_FILE,
    REPORT_FILE,
    STATE_DIR,
    printable_name,
    state_key,
)
from cleaner.languagetool import LanguageToolError, background_url
from cleaner.pipeline import Pipeline, PipelineConfig
from cleaner.report import write_report
from cleaner.stages.learned_chrome import NAME as LEARNED_CHROME
from cleaner.stages.learned_chrome import LearnedTable


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@os_errors_reported
def run_corpus(
    in_dir: Path,
    out_dir: Path,
    config: PipelineConfig | Pipeline,
    *,
    jobs: int | None = None,
    text_field: str = "text",
    force: bool = False,
    report_documents: int = 200,
    shard_bytes: int = SHARD_BYTES,
    progress: ProgressSink | None = None,
    learning_progress: LearningProgress | None = None,
    follow_symlinks: bool = False,
    engine: ShardEngine | None = None,
    overwrite: bool = False,
    allow_mass_delete: bool = False,
    mass_delete_fraction: float = MASS_DELETE_FRACTION,
    retry_failed: bool = False,
    learn_chrome: bool | None = None,
    learned_chrome: Path | None = None,
    learn_thresholds: Thresholds | None = None,
) -> CorpusSummary:
    """Clean every input under ``in_dir`` into ``out_dir`` with the pipeline ``config``
    describes (or that pipeline, built); see :mod:`cleaner.corpus`.

    Raises :class:`CorpusError` (bad folders, OUT locked), :class:`ConfigError` (unusable
    pipeline), :class:`ServiceError` (LanguageTool gone) or :class:`OutputError` (OUT full or
    read-only); a failed document never raises. Symbolic links leading out of IN are not
    followed unless ``follow_symlinks``; nothing is ever written outside OUT.

    A file in OUT that no manifest entry lists is the user's: an input that would write it is
    reported in ``_errors.jsonl`` instead, unless ``overwrite``. A run that would remove the
    outputs of more than ``mass_delete_fraction`` of the inputs cleaned before raises
    :class:`CorpusError` before changing anything, unless ``allow_mass_delete``. An input
    whose worker process died is left out of later runs, unless ``retry_failed`` (which also
    cleans again every unchanged input with failed documents).

    Learned chrome (:mod:`cleaner.corpus.learned_chrome`): ``learn_chrome`` learns each
    site's repeated lines first and removes them (None: on with the local engine), with
    ``learn_thresholds``; ``learned_chrome`` applies a saved ``_learned_chrome.jsonl``
    instead of learning. Either way OUT gets the ``_learned_chrome.jsonl`` applied.

    ``progress`` is shown the cleaning; ``learning_progress`` (often the same object) pass 1
    of learned chrome, which reads every input before the cleaning starts.
    """
    started = time.perf_counter()
    src, dst = check_folders(in_dir, out_dir)
    sink = progress or NoProgress()
    # Built once, here (it validates the configuration before anything is written), or given
    # built; the workers get this one.
    pipeline = config if isinstance(config, Pipeline) else Pipeline(config)
    config = pipeline.config
    fingerprint = config.fingerprint()
    dst.mkdir(parents=True, exist_ok=True)
    state = dst / STATE_DIR
    lock = RunLock(state / "lock")
    lock.acquire(out_dir)
    manifest: Manifest | None = None
    try:
        summary = CorpusSummary(out_dir=out_dir, jobs=jobs or default_jobs())
        sweep_temp_files(dst)
        manifest = Manifest(state)
        if not allow_mass_delete:
            # Before pass 1 of learned chrome, which rewrites the list and its state.
            refuse_mass_removal(
                src, dst, manifest, mass_delete_fraction, follow_symlinks=follow_symlinks
            )
        learn_started = time.perf_counter()
        table, dead = _learned_table(
            src,
            dst,
            state,
            manifest,
            config,
            lock,
            summary,
            text_field=text_field,
            shard_bytes=shard_bytes,
            follow_symlinks=follow_symlinks,
            engine=engine,
            learn_chrome=learn_chrome,
            saved=learned_chrome,
            thresholds=learn_thresholds or Thresholds(),
            retry_failed=retry_failed,
            learning_sink=learning_progress,
        )
        summary.learned_seconds = time.perf_counter() - learn_started
        if table is not None and len(table):
            fingerprint = learned_fingerprint(fingerprint, table)
            pipeline = learned_pipeline(pipeline, table)
        # The inputs pass 1 hashed are not hashed again.
        scans = (
            ScanLog(state / SCANS_FILE) if table is not None and learned_chrome is None else None
        )
        planned = plan(
            src,
            dst,
            state,
            manifest,
            fingerprint,
            text_field,
            force,
            shard_bytes,
            summary,
            follow_symlinks=follow_symlinks,
            in_place=engine is None,
            overwrite=overwrite,
            mass_delete=None if allow_mass_delete else mass_delete_fraction,
            retry_failed=retry_failed,
            scans=scans,
        )
        if scans is not None:
            scans.close()
        if (
            planned.units
            and "grammar" in config.stages
            and not config.languagetool_url
            and (engine is None or engine.shares_local_languagetool)
        ):
            # Started before the workers are forked, so each finds it; the pipeline, built
            # above, reaches its server only when it first checks a text.
            _start_shared_languagetool()
        if planned.units or planned.failed or summary.not_overwritten:
            manifest.set_merged(False)
        # Pass 1 kept its documents for this pass (local workers only: Ray's have no OUT).
        learned_here = table is not None and learned_chrome is None and engine is None
        kept = kept_documents(state, config, text_field) if learned_here else None
        try:
            _execute(
                planned,
                pipeline,
                pipeline.config,
                summary,
                manifest,
                dst,
                state,
                sink,
                lock,
                engine,
                dead,
                kept,
            )
        finally:
            manifest.flush()  # what was committed before a failure or Ctrl-C stays done
        forget_kept_documents(state)
        summary.inputs_cleaned = planned.units
        for rel, entry in manifest.removed():
            if not summary.inputs_removed:
                manifest.set_merged(False)
            if entry is not None:
                forget_input(entry, dst, state, manifest)
            manifest.forget(rel)
            summary.inputs_removed += 1
        manifest.flush()
        merged = (dst / AUDIT_FILE, dst / ERRORS_FILE, dst / REPORT_FILE)
        # Rebuilt after any change, including one a killed run made and could not merge.
        if not manifest.merged() or not all(path.exists() for path in merged):
            for name, folder in ((AUDIT_FILE, "audit"), (ERRORS_FILE, "errors")):
                folder_path = os.path.join(state, folder)
                parts = (
                    os.path.join(folder_path, f"{state_key(rel)}.jsonl")
                    for rel in manifest.walk_order()
                )
                merge_files(dst / name, parts, temp_dir=state)

            elapsed = time.perf_counter() - started
            run_details = {
                "started": time.time() - elapsed,
                "seconds": elapsed,
                "input": str(in_dir),
                "output": str(out_dir),
                "stages": [stage.name for stage in pipeline.stages],
                "jobs": summary.jobs,
                "inputs_cleaned": planned.units,
                "inputs_unchanged": summary.inputs_skipped,
                "inputs_removed": summary.inputs_removed,
            }
            if table is not None and len(table):
                run_details["learned_chrome"] = _learned_summary(table)
            write_report(
                dst / AUDIT_FILE,
                dst,
                dst / REPORT_FILE,
                report_documents,
                run=run_details,
                temp_dir=state,
            )
            manifest.set_merged(True)
        summary.failures_total = manifest.failures()
        summary.seconds = time.perf_counter() - started
        return summary
    finally:
        if manifest is not None:
            manifest.close()
        lock.release()


def _learned_table(
    src: Path,
    dst: Path,
    state: Path,
    manifest: Manifest,
    config: PipelineConfig,
    lock: RunLock,
    summary: CorpusSummary,
    *,
    text_field: str,
    shard_bytes: int,
    follow_symlinks: bool,
    engine: ShardEngine | None,
    learn_chrome: bool | None,
    saved: Path | None,
    thresholds: Thresholds,
    retry_failed: bool,
    learning_sink: LearningProgress | None,
) -> tuple[LearnedTable | None, dict[str, str]]:
    """The learned-chrome table this run applies (learned, or read from ``saved``), written
    to ``OUT/_learned_chrome.jsonl`` (when it learned any line); None when the run applies
    none (the file goes). With it, the inputs a worker died reading in pass 1 (input -> how)."""
    # By default a run learns when its pipeline has the stage (``--skip learned_chrome``
    # leaves it out) and its shards run here: pass 1 runs on the local engine only.
    by_default = engine is None and LEARNED_CHROME in config.stages
    wanted = saved is not None or (learn_chrome if learn_chrome is not None else by_default)
    dead: dict[str, str] = {}
    if not wanted:
        remove_file(dst / LEARNED_FILE)
        return None, dead
    if engine is not None and saved is None:
        raise CorpusError(
            "learning chrome runs on the local engine only: learn it with a local run, then "
            "replay its list with --learned-chrome FILE, or leave out --learn-chrome"
        )
    listed = dst / LEARNED_FILE
    if saved is not None:
        table = read_table(saved)
        if saved.resolve() != listed.resolve():
            write_table(listed, table, None)
    else:
        table, dead = learn(
            src,
            state,
            manifest,
            config,
            text_field,
            shard_bytes,
            summary.jobs,
            lock,
            thresholds,
            follow_symlinks=follow_symlinks,
            retry_failed=retry_failed,
            progress=learning_sink,
            unlisted=lambda folder, exc: note_unlisted_folder(summary, folder, exc),
        )
        if len(table):
            write_table(listed, table, thresholds)
        else:  # nothing learned: no list (and none left from an earlier run)
            remove_file(listed)
    summary.learned_lines = len(table)
    summary.learned_sites = len(table.sites)
    return table, dead


def _learned_summary(table: LearnedTable, sites_shown: int = 10) -> str:
    """The learned chrome in a line of the report: how many lines, and the sites most."""
    sites = sorted(table.sites.items(), key=lambda item: (-len(item[1]), item[0]))
    shown = ", ".join(f"{site} ({len(lines)})" for site, lines in sites[:sites_shown])
    more = f" and {len(sites) - sites_shown} more" if len(sites) > sites_shown else ""
    return f"{len(table)} lines on {len(sites)} sites ({LEARNED_FILE}): {shown}{more}"


def _start_shared_languagetool() -> None:
    """One LanguageTool server for every worker: the background one, started here if none
    runs, which every worker then finds (and may replace if it hangs) instead of a JVM each."""
    try:
        background_url()
    except LanguageToolError as exc:
        raise ServiceError(str(exc)) from exc


def _execute(
    planned: Plan,
    pipeline: Pipeline,
    config: PipelineConfig,
    summary: CorpusSummary,
    manifest: Manifest,
    dst: Path,
    state: Path,
    sink: ProgressSink,
    lock: RunLock,
    engine: ShardEngine | None = None,
    dead: dict[str, str] | None = None,
    kept: Callable[[Unit], list[str]] | None = None,
) -> None:
    """Run the planned units; those in ``dead`` (a worker died reading them in pass 1 of
    learned chrome: input -> how) are recorded as dead instead, as if it died cleaning them.
    ``kept``: where pass 1 kept each shard's documents, which its worker starts from."""
    # Units being worked on: a unit enters when its first shard is handed out and leaves
    # when it is committed, so this stays the size of the work in flight.
    active: dict[str, Unit] = {}

    def finished(shard: ShardDone) -> None:
        done_unit = active.get(shard.rel)
        if done_unit is None:  # its input was left out: a worker died cleaning it
            return
        done_unit.done[shard.index] = shard
        _credit(shard, summary, sink)
        if shard.written is not None:
            record_done(done_unit, manifest, dst, list(shard.written), shard.counts)
        elif len(done_unit.done) == len(done_unit.tasks):
            commit(done_unit, manifest, dst, state)
        else:
            return
        del active[shard.rel]

    def pending() -> Iterator[ShardTask]:
        for entry in manifest.planned():
            planned_unit = unit(entry, dst, state)
            if dead and planned_unit.inp.rel in dead:
                continue  # recorded as dead below, before any worker started
            if kept is not None:
                planned_unit.tasks = [
                    replace(task, prefix=path) if os.path.exists(path) else task
                    for task, path in zip(planned_unit.tasks, kept(planned_unit), strict=True)
                ]
            active[planned_unit.inp.rel] = planned_unit
            waiting = []
            for task in planned_unit.tasks:
                done = shard_file(task, "done")
                if task.finals is None and done.exists():
                    # Finished by a run that was killed before committing it.
                    finished(ShardDone(task.rel, task.index, task.size, read_counts(done)))
                else:
                    waiting.append(task)
            yield from waiting

    shown = False  # whether the sink has started: inputs pass 1 left out are told after
    told_later = 0

    def died(task: ShardTask, reason: str) -> None:
        nonlocal told_later
        dead_unit = active.pop(task.rel, None)
        if dead_unit is not None:
            record_dead(dead_unit, task, reason, manifest, dst, state)
            summary.counts.add({"documents": 1, "failures": 1})
            summary.workers_died.append(printable_name(task.rel))
            if shown:
                sink.advance(0, 1, 1)
            else:
                told_later += 1

    if dead:
        # Before the workers start: recording a dead input sweeps the temporary files beside
        # its outputs, which would be other workers' files once they run.
        for entry in manifest.planned():
            if entry["rel"] in dead:
                active[entry["rel"]] = unit(entry, dst, state)
                died(active[entry["rel"]].tasks[0], dead[entry["rel"]])
    jobs = max(1, min(summary.jobs, planned.tasks))
    summary.jobs = jobs
    local: LocalEngine | None = None
    if engine is None:
        # Worker processes even for one job: a document that kills the process cleaning it
        # (out of memory, a crash in a library) must cost only its input, not the run.
        local = LocalEngine(pipeline, jobs, lock, state)
        # Workers are forked before the progress display starts its refresh thread.
        local.start()
        engine = local
    try:
        sink.start(planned.bytes, planned.units, summary.inputs_skipped)
        shown = True
        if told_later:
            sink.advance(0, told_later, told_later)
        engine.run(pending(), planned.tasks, config, finished, died)
        if local is None:
            summary.jobs = engine.workers or summary.jobs
    except BaseException:
        if local is not None:
            local.stop()
        # The stopped workers' half-written files: a failed run leaves nothing partial.
        with contextlib.suppress(OSError):
            sweep_temp_files(dst)
        raise
    if local is not None:
        local.close()


def _credit(shard: ShardDone, summary: CorpusSummary, sink: ProgressSink) -> None:
    summary.counts.add(shard.counts)
    sink.advance(shard.size, shard.counts.get("documents", 0), shard.counts.get("failures", 0))
