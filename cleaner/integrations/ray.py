"""Ray adapters (extra ``cleaner[ray]``): clean a Ray Dataset, or run ``cleaner corpus`` on Ray.

* :func:`clean_dataset` (from :mod:`cleaner.integrations.ray_data`, re-exported here) cleans
  the text column of a :class:`ray.data.Dataset`.
* :class:`RayEngine` runs the shards of ``cleaner corpus IN OUT --engine ray`` on Ray workers.
  Everything else (walking IN, the manifest, commits, ``_audit.jsonl``, ``_errors.jsonl``, the
  report) is the local runner's, so both engines write the same files. The driver reads each
  shard's bytes and writes its results: the workers need no file system shared with it.

Ray is imported when one of these is used, never when cleaner is imported.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any

from cleaner.corpus import ShardDone, ShardTask, batches, run_shard, shard_file
from cleaner.errors import CleanerError, ServiceError
from cleaner.integrations.ray_data import CleanBatch, clean_dataset, ray_module
from cleaner.io.atomic import remove_file, replace_with
from cleaner.pipeline import Pipeline, PipelineConfig

if TYPE_CHECKING:
    pass

SHARD_FILES = ("out", "audit", "errors")
IN_FLIGHT_PER_WORKER = 2
"""Calls queued per worker: one running, one waiting, so a worker never idles on a round trip."""
MAX_BATCH_ATTEMPTS = 3
"""Workers one batch may be lost on before the run stops: a lost node costs one attempt, a
document that crashes every worker it meets would cost them all."""
WAIT_FOR_WORKERS_S = 300.0
"""How long a corpus run waits with no worker able to run (the cluster lost the nodes that
had free CPUs) before it stops, instead of waiting for a node that may never come."""
POLL_S = 5.0
"""How often the driver looks up from waiting, to notice that it has had no worker too long."""

logger = logging.getLogger(__name__)


# --- cleaner corpus --engine ray -----------------------------------------------------------


class ShardWorker:
    """A Ray actor that cleans shards with one pipeline. It gets a shard's bytes, runs the local
    runner's :func:`run_shard` on them in a private temporary folder and returns the files that
    made, so its results are byte for byte the local runner's."""

    def __init__(self, config: PipelineConfig) -> None:
        self.pipeline = Pipeline(config)

    def where(self) -> str:
        """The node it runs on, for the run's summary."""
        import ray  # the optional 'ray' extra, present where this actor runs

        node = ray.get_runtime_context().get_node_id()
        address = ray.util.get_node_ip_address()  # type: ignore[no-untyped-call]
        return f"node {address} ({node[:12]})"

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
            remove_file(target)
        else:
            replace_with(target, _writing(data), durable=False)
    replace_with(shard_file(task, "done"), _writing(json.dumps(counts).encode()), durable=False)
    return ShardDone(task.rel, task.index, task.size, counts)



def _writing(data: bytes) -> Callable[[IO[bytes]], int]:
    return lambda handle: handle.write(data)


class RayEngine:
    """Runs corpus shards on Ray: a cluster at ``address`` or, without one, a local Ray of
    ``jobs`` CPUs (all of them by default) started for the run and stopped after it.

    A lost worker (its node gone, its process killed) does not end the run: cleaning a shard
    writes nothing the driver has not yet stored, so the batches it held go to the other
    workers and a replacement worker is started, which joins as soon as the cluster has a CPU
    for it. :attr:`lost` says which workers were lost, and where. The run stops with a
    :class:`ServiceError` only when no worker has been able to run for ``wait_for_workers_s``,
    and with a :class:`CleanerError` when one batch has killed :data:`MAX_BATCH_ATTEMPTS`
    workers (a document that crashes whatever runs it)."""

    def __init__(
        self,
        address: str | None = None,
        jobs: int | None = None,
        *,
        wait_for_workers_s: float = WAIT_FOR_WORKERS_S,
    ) -> None:
        ray_module()  # a missing extra is reported before the run writes anything
        self.address = address
        self.jobs = jobs
        self.wait_for_workers_s = wait_for_workers_s
        self.workers = 0
        self.lost: list[str] = []
        """One line per lost worker: where it ran and what became of its batches."""

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
        died: Callable[[ShardTask, str], None],
    ) -> None:
        """Ray retries a batch whose worker was lost (a lost node is no document's fault) and
        stops the run after :data:`MAX_BATCH_ATTEMPTS`, so ``died`` is never called."""
        ray = ray_module()
        started_here = not ray.is_initialized()
        if started_here:
            connect(ray, self.address, self.jobs)
        try:
            _ShardPool(ray, self, config, finished).run(tasks, count)
        except ray.exceptions.RayError as exc:  # not a worker's: the cluster itself
            raise ServiceError(f"Ray stopped answering: {_first_line(exc)}") from exc
        finally:
            if started_here:
                ray.shutdown()


def connect(ray: ModuleType, address: str | None, cpus: int | None) -> None:
    """``ray.init`` for the Ray engine, its failures told in words that say what to do."""
    if address is not None:
        problem = _address_problem(address)
        if problem:
            raise ServiceError(problem)
    try:
        ray.init(
            address=address or "local",
            num_cpus=cpus if address is None else None,
            include_dashboard=False,
            logging_level=logging.WARNING,
        )
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, its own errors...
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        hint = token_hint(exc, address)
        raise ServiceError(f"cannot start or reach {where}: {_first_line(exc)}{hint}") from exc


def _address_problem(address: str) -> str | None:
    """What keeps ``address`` from working before Ray is asked (Ray's own message for these
    comes late, or in Ray's words rather than cleaner's)."""
    if address.startswith("ray://"):
        try:
            importlib.import_module("grpc")
        except ImportError:
            return (
                f"--address {address} uses Ray Client, which needs the package 'ray[client]': "
                "pip install 'cleaner[ray]' (it includes it), or pip install 'ray[client]'"
            )
    return None


def token_hint(exc: BaseException, address: str | None) -> str:
    """Ray 2.x turns token authentication on for a cluster started where ``~/.ray/auth_token``
    exists (any local ``ray.init()`` writes one), but a driver given an explicit address does
    not send the token unless told to: it then fails with a bare connection error."""
    if address is None or os.environ.get("RAY_AUTH_MODE", "").lower() == "token":
        return ""
    said = " ".join(f"{type(e).__name__} {e}" for e in _chain(exc)).lower()
    token_file = Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
    has_token = token_file.exists() or "RAY_AUTH_TOKEN" in os.environ
    # Ray says "auth" when it knows; through Ray Client it only times out.
    timed_out = "timeout" in said or "failed to connect" in said
    if "auth" not in said and not (has_token and timed_out):
        return ""
    return (
        ". The cluster may require token authentication (Ray turns it on when the head node "
        f"finds a token, e.g. {token_file}): set RAY_AUTH_MODE=token, with the cluster's token "
        "in ~/.ray/auth_token, RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH; or start the cluster "
        "with RAY_AUTH_MODE=disabled"
    )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class _Worker:
    handle: Any
    where: str = ""
    ready: bool = False
    running: int = 0


@dataclass
class _Batch:
    tasks: list[ShardTask]
    attempts: int = 0
    lost_on: list[str] = field(default_factory=list)


class _ShardPool:
    """The driver's side of a Ray run: workers started and replaced, batches handed out,
    results stored in this process."""

    def __init__(
        self,
        ray: ModuleType,
        engine: RayEngine,
        config: PipelineConfig,
        finished: Callable[[ShardDone], None],
    ) -> None:
        self.ray = ray
        self.engine = engine
        self.config = config
        self.finished = finished
        self.actor = ray.remote(num_cpus=1, max_restarts=0)(ShardWorker)
        self.workers: list[_Worker] = []
        self.starting: dict[Any, _Worker] = {}
        self.running: dict[Any, tuple[_Batch, _Worker]] = {}
        self.retry: deque[_Batch] = deque()
        self.idle_since = time.monotonic()

    def run(self, tasks: Iterator[ShardTask], count: int) -> None:
        if not count:
            return  # nothing planned: the iterator is empty
        cpus = int(self.ray.cluster_resources().get("CPU", 1)) or 1
        size = max(1, min(self.engine.jobs or cpus, cpus, count))
        self.engine.workers = size
        queue = batches(tasks, count, size)
        try:
            for _ in range(size):
                self._start_worker()
            while True:
                for worker in self.workers:
                    while worker.running < IN_FLIGHT_PER_WORKER and self._submit(worker, queue):
                        pass
                if not self.running and not self.retry and not self._more(queue):
                    return
                self._wait()
        finally:
            for worker in [*self.workers, *self.starting.values()]:
                with contextlib.suppress(Exception):
                    self.ray.kill(worker.handle)

    def _more(self, queue: Iterator[list[ShardTask]]) -> bool:
        batch = next(queue, None)
        if batch is None:
            return False
        self.retry.append(_Batch(batch))
        return True

    def _start_worker(self) -> None:
        worker = _Worker(self.actor.remote(self.config))
        self.starting[worker.handle.where.remote()] = worker

    def _submit(self, worker: _Worker, queue: Iterator[list[ShardTask]]) -> bool:
        batch = self.retry.popleft() if self.retry else None
        if batch is None:
            tasks = next(queue, None)
            if tasks is None:
                return False
            batch = _Batch(tasks)
        payload = [(task, shard_bytes(task, self.config.max_bytes)) for task in batch.tasks]
        batch.attempts += 1
        worker.running += 1
        self.running[worker.handle.run.remote(payload)] = (batch, worker)
        return True

    def _wait(self) -> None:
        refs = [*self.running, *self.starting]
        ready, _ = self.ray.wait(refs, num_returns=1, timeout=POLL_S) if refs else ([], [])
        for ref in ready:
            if ref in self.starting:
                self._started(ref, self.starting.pop(ref))
            else:
                batch, worker = self.running.pop(ref)
                worker.running -= 1
                self._done(ref, batch, worker)
        if any(worker.ready for worker in self.workers):
            self.idle_since = time.monotonic()
        elif time.monotonic() - self.idle_since > self.engine.wait_for_workers_s:
            lost = f" (lost: {'; '.join(self.engine.lost)})" if self.engine.lost else ""
            raise ServiceError(
                f"no Ray worker could run for {self.engine.wait_for_workers_s:.0f} s: the "
                f"cluster has no free CPU for one{lost}; add a node"
            )

    def _started(self, ref: Any, worker: _Worker) -> None:
        try:
            worker.where = self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:
            if getattr(exc, "actor_init_failed", False):
                raise ServiceError(f"a Ray worker could not start: {_init_failure(exc)}") from exc
            self._lost(worker, f"{type(exc).__name__} while starting")
            return
        worker.ready = True
        self.workers.append(worker)

    def _done(self, ref: Any, batch: _Batch, worker: _Worker) -> None:
        try:
            results = _get(self.ray, ref)
        except _WorkerLost as exc:
            batch.lost_on.append(worker.where)
            if batch.attempts >= MAX_BATCH_ATTEMPTS:
                first = batch.tasks[0]
                raise CleanerError(
                    f"{first.rel} (shard {first.index}) and the shards sent with it were lost "
                    f"with {batch.attempts} Ray workers ({exc}; on {', '.join(batch.lost_on)}): "
                    "a document in them may exhaust a worker's memory. Finished inputs are "
                    "kept; run again to resume"
                ) from exc
            self.retry.appendleft(batch)
            if worker in self.workers:
                self._lost(worker, str(exc))
            return
        for task, (files, counts) in zip(batch.tasks, results, strict=True):
            self.finished(store_shard(task, files, counts))

    def _lost(self, worker: _Worker, reason: str) -> None:
        """Forget a worker that is gone and start another in its place."""
        if worker in self.workers:
            self.workers.remove(worker)
        with contextlib.suppress(Exception):
            self.ray.kill(worker.handle)
        if worker.ready:
            note = (
                f"worker on {worker.where} lost ({reason}); its shards ran again on other workers"
            )
        else:
            note = f"worker lost ({reason}) before it took any shard; another was started"
        self.engine.lost.append(note)
        logger.info("cleaner: lost a Ray %s", note)
        self._start_worker()  # joins when the cluster has a CPU for it


class _WorkerLost(Exception):
    """The worker (its process or its node) is gone; its batch can run elsewhere."""


def _init_failure(exc: BaseException) -> str:
    """The last line of a worker's start-up traceback: the error cleaner raised there."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    meaningful = [line for line in lines if "Error" in line and not line.startswith("File ")]
    return meaningful[-1] if meaningful else _first_line(exc)


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
        # The actor died, its node went away, or the results were lost with it.
        raise _WorkerLost(type(exc).__name__) from exc


__all__ = ["CleanBatch", "RayEngine", "clean_dataset", "connect", "token_hint"]
