"""Ray adapters (extra ``cleaner[ray]``): clean a Ray Dataset, or run ``cleaner corpus`` on Ray.

* :func:`clean_dataset` cleans the text column of a :class:`ray.data.Dataset` with a
  class-based ``map_batches``: each Ray worker builds its pipeline (rules compiled, LanguageTool
  reached) once, then cleans batch after batch. Output rows keep every column, the text column
  cleaned, plus the flat ``cleaner_*`` columns of :mod:`cleaner.integrations`. A document that
  cannot be cleaned keeps its text and gets ``cleaner_error``; the job goes on.
* :class:`RayEngine` runs the shards of ``cleaner corpus IN OUT --engine ray`` on Ray workers.
  Everything else (walking IN, the manifest, commits, ``_audit.jsonl``, ``_errors.jsonl``, the
  report) is the local runner's, so both engines write the same files. The driver reads each
  shard's bytes and writes its results: the workers need no file system shared with it.

Ray is imported when one of these is used, never when cleaner is imported.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from cleaner.corpus import (
    ShardDone,
    ShardTask,
    _batches,
    _replace_with,
    _unlink,
    run_shard,
    shard_file,
)
from cleaner.errors import CleanerError, ServiceError
from cleaner.integrations import (
    FLOAT_FIELDS,
    INT_FIELDS,
    STR_FIELDS,
    build_cleaner,
    clean_one,
    flat_fields,
    record_metadata,
    require,
)
from cleaner.pipeline import Pipeline, PipelineConfig

if TYPE_CHECKING:
    import ray.data

SHARD_FILES = ("out", "audit", "errors")
IN_FLIGHT_PER_WORKER = 2
"""Calls queued per worker: one running, one waiting, so a worker never idles on a round trip."""
DEFAULT_BATCH_SIZE = 64
"""Rows per ``map_batches`` call: news articles are ~5 kB, so a batch is a few hundred kB,
large enough to hide Ray's per-batch cost, small enough to spread a modest dataset."""


def _ray() -> ModuleType:
    return require("ray", "ray", "the Ray engine")


# --- Ray Data ---------------------------------------------------------------------------------


class CleanBatch:
    """The ``map_batches`` callable: built once per Ray worker, then called per batch."""

    def __init__(
        self,
        config: str | Path | PipelineConfig | None,
        skip: tuple[str, ...],
        text_field: str,
        languagetool_url: str | None,
    ) -> None:
        self.text_field = text_field
        self.pipeline = build_cleaner(config, skip, languagetool_url).pipeline

    def __call__(self, batch: Any) -> Any:
        """A ``pyarrow.Table`` in, the same rows cleaned out."""
        pa = require("pyarrow", "ray", "clean_dataset")  # installed with ray[data]
        rows = batch.to_pylist()
        texts: list[Any] = []
        fields: dict[str, list[Any]] = {
            name: [] for name in (*INT_FIELDS, *FLOAT_FIELDS, *STR_FIELDS)
        }
        for number, row in enumerate(rows):
            source = str(row["id"]) if row.get("id") is not None else f"row {number}"
            original = row.get(self.text_field)
            metadata = record_metadata(row, self.text_field, source)
            outcome = clean_one(self.pipeline, original, metadata)
            texts.append(original if isinstance(outcome, Exception) else outcome.text)
            for name, value in flat_fields(outcome).items():
                fields[name].append(value)
        # Input columns pass through untouched (same types); cleaner's columns get fixed types
        # so every batch has one schema, even a batch where every spin score is None.
        table = batch.drop_columns([name for name in fields if name in batch.column_names])
        index = (
            table.column_names.index(self.text_field)
            if self.text_field in table.column_names
            else -1
        )
        text_column = pa.array(texts, pa.string())
        if index >= 0:
            table = table.set_column(index, self.text_field, text_column)
        else:
            table = table.append_column(self.text_field, text_column)
        for name in INT_FIELDS:
            table = table.append_column(name, pa.array(fields[name], pa.int64()))
        for name in FLOAT_FIELDS:
            table = table.append_column(name, pa.array(fields[name], pa.float64()))
        for name in STR_FIELDS:
            table = table.append_column(name, pa.array(fields[name], pa.string()))
        return table


def clean_dataset(
    ds: ray.data.Dataset,
    config: str | Path | PipelineConfig | None = None,
    *,
    skip: Iterable[str] = (),
    text_field: str = "text",
    languagetool_url: str | None = None,
    concurrency: int | tuple[int, int] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ray.data.Dataset:
    """``ds`` with its ``text_field`` cleaned and the ``cleaner_*`` columns added (lazy, as
    every Ray Data transform).

    ``config``: a pipeline file, a :class:`PipelineConfig`, or None for the default pipeline.
    ``languagetool_url``: the LanguageTool server each worker uses; ``http://127.0.0.1:8081``
    with one server per node on that port gives every worker its own node's server. Without it
    a worker uses ``$CLEANER_LANGUAGETOOL_URL`` or the background server of its node.
    ``concurrency``: workers (an int) or a (min, max) autoscaling range; default: autoscale.
    """
    ray_data = require("ray.data", "ray", "clean_dataset")
    if concurrency is None:
        compute = ray_data.ActorPoolStrategy()
    elif isinstance(concurrency, int):
        compute = ray_data.ActorPoolStrategy(size=concurrency)
    else:
        compute = ray_data.ActorPoolStrategy(min_size=concurrency[0], max_size=concurrency[1])
    # A wrong stage name or an unreadable pipeline file fails here, not in every worker.
    if isinstance(config, PipelineConfig):
        config.without(skip)
    else:
        PipelineConfig.load(Path(config) if config else None).without(skip)
    result: ray.data.Dataset = ds.map_batches(
        CleanBatch,
        fn_constructor_kwargs={
            "config": config,
            "skip": tuple(skip),
            "text_field": text_field,
            "languagetool_url": languagetool_url,
        },
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=compute,
        num_cpus=1,
    )
    return result


# --- cleaner corpus --engine ray -----------------------------------------------------------


class ShardWorker:
    """A Ray actor that cleans shards with one pipeline. It gets a shard's bytes, runs the local
    runner's :func:`run_shard` on them in a private temporary folder and returns the files that
    made, so its results are byte for byte the local runner's."""

    def __init__(self, config: PipelineConfig) -> None:
        self.pipeline = Pipeline(config)

    def run(
        self, batch: list[tuple[ShardTask, bytes | None]]
    ) -> list[tuple[dict[str, bytes | None], dict[str, int]]]:
        return [self._run_one(task, data) for task, data in batch]

    def _run_one(
        self, task: ShardTask, data: bytes | None
    ) -> tuple[dict[str, bytes | None], dict[str, int]]:
        with tempfile.TemporaryDirectory(prefix="cleaner-shard-") as folder:
            path = Path(folder) / Path(task.path).name  # the name keeps .gz, which decides reading
            if data is not None:
                path.write_bytes(data)
            whole = task.start == 0 and task.end is None
            local = replace(
                task,
                path=str(path),
                parts_dir=str(Path(folder) / "part"),
                start=0,
                end=None if whole else len(data or b""),
            )
            done = run_shard(self.pipeline, local)
            files = {
                what: shard_file(local, what).read_bytes()
                if shard_file(local, what).exists()
                else None
                for what in SHARD_FILES
            }
            return files, done.counts


def shard_bytes(task: ShardTask, max_bytes: int) -> bytes | None:
    """What a worker needs of an input to clean one shard (None: unreadable, and the worker
    reports it as the local runner does)."""
    try:
        with open(task.path, "rb") as stream:
            if task.kind in ("text", "html") and not task.path.lower().endswith(".gz"):
                return stream.read(max_bytes + 1)  # more is refused as too large anyway
            stream.seek(task.start)
            return stream.read() if task.end is None else stream.read(task.end - task.start)
    except OSError:
        return None


def store_shard(
    task: ShardTask, files: Mapping[str, bytes | None], counts: dict[str, int]
) -> ShardDone:
    """Write a worker's results as the shard's files, ``done`` last, as :func:`run_shard` does."""
    for what in SHARD_FILES:
        data = files.get(what)
        target = shard_file(task, what)
        if data is None:
            _unlink(target)
        else:
            _replace_with(target, lambda handle, data=data: handle.write(data), durable=False)
    encoded = json.dumps(counts).encode()
    _replace_with(shard_file(task, "done"), lambda handle: handle.write(encoded), durable=False)
    return ShardDone(task.rel, task.index, task.size, counts)


class RayEngine:
    """Runs corpus shards on Ray: a cluster at ``address`` or, without one, a local Ray of
    ``jobs`` CPUs (all of them by default) started for the run and stopped after it."""

    def __init__(self, address: str | None = None, jobs: int | None = None) -> None:
        _ray()  # a missing extra is reported before the run writes anything
        self.address = address
        self.jobs = jobs
        self.workers = 0

    @property
    def shares_local_languagetool(self) -> bool:
        """On a local Ray every worker can reach a server the run starts on this machine; on a
        cluster each worker uses its own node's (see the README, "Beyond one machine")."""
        return self.address is None

    def run(
        self,
        tasks: Iterator[ShardTask],
        count: int,
        config: PipelineConfig,
        finished: Callable[[ShardDone], None],
    ) -> None:
        ray = _ray()
        started_here = not ray.is_initialized()
        if started_here:
            try:
                ray.init(
                    address=self.address or "local",
                    num_cpus=self.jobs if self.address is None else None,
                    include_dashboard=False,
                    logging_level=logging.WARNING,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
                raise ServiceError(f"cannot start or reach {where}: {exc}") from exc
        try:
            self._run(ray, tasks, count, config, finished)
        finally:
            if started_here:
                ray.shutdown()

    def _run(
        self,
        ray: ModuleType,
        tasks: Iterator[ShardTask],
        count: int,
        config: PipelineConfig,
        finished: Callable[[ShardDone], None],
    ) -> None:
        if not count:
            return  # nothing planned: the iterator is empty
        cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
        actors = max(1, min(self.jobs or cpus, cpus, count))
        self.workers = actors
        actor = ray.remote(num_cpus=1)(ShardWorker)
        workers = [actor.remote(config) for _ in range(actors)]
        queue = _batches(tasks, count, actors)
        running: dict[Any, tuple[list[ShardTask], Any]] = {}

        def submit(worker: Any) -> None:
            batch = next(queue, None)
            if batch is not None:
                payload = [(task, shard_bytes(task, config.max_bytes)) for task in batch]
                running[worker.run.remote(payload)] = (batch, worker)

        try:
            for worker in workers:
                for _ in range(IN_FLIGHT_PER_WORKER):
                    submit(worker)
            while running:
                ready, _ = ray.wait(list(running), num_returns=1)
                for ref in ready:
                    batch, worker = running.pop(ref)
                    for task, (files, counts) in zip(batch, _get(ray, ref), strict=True):
                        finished(store_shard(task, files, counts))
                    submit(worker)
        finally:
            for worker in workers:
                ray.kill(worker)


def _get(ray: ModuleType, ref: Any) -> list[tuple[dict[str, bytes | None], dict[str, int]]]:
    """A worker's results, with its failures turned into the errors the local runner raises."""
    try:
        results: list[tuple[dict[str, bytes | None], dict[str, int]]] = ray.get(ref)
        return results
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, ServiceError):
            raise ServiceError(str(cause)) from exc
        if isinstance(cause, CleanerError):
            raise CleanerError(str(cause)) from exc
        raise CleanerError(f"a Ray worker failed: {cause or exc}") from exc
    except ray.exceptions.RayError as exc:
        raise CleanerError(
            f"a Ray worker died ({type(exc).__name__}); run again to resume where it stopped"
        ) from exc


__all__ = ["CleanBatch", "RayEngine", "clean_dataset"]
