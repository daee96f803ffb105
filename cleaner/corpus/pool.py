"""The local engine: a run's shards on this machine's worker processes.

Workers are forked with the run's pipeline already built (building one costs as much as
cleaning a few hundred short documents); the pipeline is handed to each worker as an argument
of its start, never through a global of the run's process. A worker that dies (out of memory,
a crash in a library) is named through its marker file, its input is left out and reported,
and the pool is restarted to go on with the rest.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.corpus.lock import RunLock
from cleaner.corpus.shards import ShardDone, ShardTask, batches, run_shard
from cleaner.errors import CleanerError, ConfigError
from cleaner.io.layout import message_name
from cleaner.pipeline import Pipeline, PipelineConfig

IN_FLIGHT_PER_WORKER = 3

WATCHDOG_INTERVAL_S = 0.2
"""How often a worker checks that the run that started it is still alive: a killed run's
workers must exit before the restarted run needs their CPU (and before they write more)."""

STOP_WAIT_S = 5.0
"""How long a stopping run waits for each terminated worker to exit."""
EXIT_POLL_S = 0.05

WORKERS_DIR = "workers"


@dataclass
class _Worker:
    """What a worker process holds: its pipeline and the file naming the shard it cleans."""

    pipeline: Pipeline
    marker: int | None
    """This worker's file in ``OUT/.cleaner/workers/``, holding the shard it is cleaning: when
    a worker dies, the runner reads it to name the input."""


_worker: _Worker | None = None
"""Set in each worker process by :func:`_init_worker`, the executor's one hook for per-worker
state (a task carries only its shards); never set in the process that runs the corpus."""


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_INTERVAL_S)
        if os.getppid() != parent:
            os._exit(70)  # the run was killed: stop before writing more


def _init_worker(
    pipeline: Pipeline, parent: int, lock_fd: int | None, workers_dir: str | None
) -> None:
    global _worker
    # Ctrl-C is the parent's to handle; workers stop when it tells them or dies.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The CLI turns SIGTERM into an exception for its clean stop (cli_stop.terminate_cleanly);
    # a worker inherits that handler with the fork, and must end on SIGTERM as the pool
    # expects when it stops its workers, not raise inside its task loop.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if lock_fd is not None:
        # The lock must die with the run, not linger in orphaned workers.
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    marker = None
    if workers_dir is not None:
        path = os.path.join(workers_dir, str(os.getpid()))
        marker = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    _worker = _Worker(pipeline, marker)


def _worker_run(batch: list[ShardTask]) -> list[ShardDone]:
    assert _worker is not None, "worker not initialised"
    marker = _worker.marker
    results = []
    for task in batch:
        if marker is not None:
            # No sync: the file outlives a dead process, only not a power cut.
            os.pwrite(marker, json.dumps([task.rel, task.index]).encode() + b"\n", 0)
        results.append(run_shard(_worker.pipeline, task))
        if marker is not None:
            os.pwrite(marker, b"\n", 0)
    return results


def _shard_of_dead_worker(workers_dir: Path, pid: int) -> tuple[str, int] | None:
    """The (input, shard index) the worker ``pid`` was cleaning when it died, if known."""
    try:
        line = (workers_dir / str(pid)).read_bytes().split(b"\n", 1)[0]
        rel, index = json.loads(line)
    except (OSError, ValueError, TypeError):
        return None
    return str(rel), int(index)


def _exit_code(process: Any) -> int | None:
    """How a worker of a broken pool ended; None if it is still running after
    :data:`STOP_WAIT_S`."""
    deadline = time.monotonic() + STOP_WAIT_S
    while True:
        with contextlib.suppress(Exception):
            process.join(EXIT_POLL_S)
        # The pool's own thread reaps its workers too: when it wins, this join can return
        # before that thread has stored the exit code, which is then None for a moment.
        exitcode: int | None = process.exitcode
        if exitcode is not None or time.monotonic() >= deadline:
            return exitcode
        time.sleep(EXIT_POLL_S)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (out of memory?)" if name == "SIGKILL" else ""
        return f"was killed by {name}{hint}"
    return f"exited with status {exitcode}"


def _noop() -> int:
    return os.getpid()


def _start_pool(
    pipeline: Pipeline, jobs: int, lock: RunLock, workers_dir: Path
) -> futures.ProcessPoolExecutor:
    # fork: workers start in milliseconds with the modules and the pipeline already loaded
    # (fork hands the initializer's arguments over in memory, never pickled); with fork the
    # executor starts every worker on the first submit.
    executor = futures.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init_worker,
        initargs=(pipeline, os.getpid(), lock.fd, str(workers_dir)),
    )
    try:
        executor.submit(_noop).result()
    except futures.process.BrokenProcessPool as exc:
        _stop_pool(executor)
        raise ConfigError(f"worker processes could not start: {exc}") from exc
    return executor


def _stop_pool(executor: futures.ProcessPoolExecutor) -> None:
    # Taken before shutdown, which drops the executor's table of its processes.
    processes = _pool_processes(executor)
    executor.shutdown(wait=False, cancel_futures=True)
    # Running shards are abandoned; once the workers are gone their temporary files go.
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(STOP_WAIT_S)


def _pool_processes(executor: futures.ProcessPoolExecutor) -> list[Any]:
    # With fork every worker is started by the first submit (see _start_pool).
    return list((getattr(executor, "_processes", None) or {}).values())


class LocalEngine:
    """The run's shards on ``jobs`` forked worker processes (a :class:`ShardEngine`).

    :meth:`start` forks the workers; call it before any thread starts (a progress display's
    refresh thread): forking a process that has threads can leave the child waiting on a lock
    nobody releases."""

    shares_local_languagetool = True

    def __init__(self, pipeline: Pipeline, jobs: int, lock: RunLock, state: Path) -> None:
        self.pipeline = pipeline
        self.workers = jobs
        self.lock = lock
        self.workers_dir = state / WORKERS_DIR
        self.executor: futures.ProcessPoolExecutor | None = None
        self.processes: list[Any] = []
        self.restarts = 0

    def start(self) -> None:
        shutil.rmtree(self.workers_dir, ignore_errors=True)
        self.workers_dir.mkdir(parents=True, exist_ok=True)
        self._restart()

    def _restart(self) -> None:
        self.executor = _start_pool(self.pipeline, self.workers, self.lock, self.workers_dir)
        self.processes = _pool_processes(self.executor)

    def stop(self) -> None:
        """Stop at once (a failure, Ctrl-C): running shards are abandoned."""
        if self.executor is not None:
            _stop_pool(self.executor)
            self.executor = None

    def close(self) -> None:
        """Wait for the workers to exit after a finished run."""
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None
        shutil.rmtree(self.workers_dir, ignore_errors=True)

    def run(
        self,
        tasks: Iterator[ShardTask],
        count: int,
        config: PipelineConfig,
        finished: Callable[[ShardDone], None],
        died: Callable[[ShardTask, str], None],
    ) -> None:
        """Run the shards. When a worker dies, the shard it was cleaning is handed to ``died``
        (its input is not cleaned again), the workers are restarted, and every shard the dead
        pool still held is run again. ``config`` is the started pipeline's."""
        if self.executor is None:
            self.start()
        jobs = self.workers
        queue = batches(tasks, count, jobs)
        running: dict[futures.Future[list[ShardDone]], list[ShardTask]] = {}
        poisoned: set[str] = set()

        def submit(batch: list[ShardTask]) -> None:
            batch = [task for task in batch if task.rel not in poisoned]
            if batch:
                assert self.executor is not None
                running[self.executor.submit(_worker_run, batch)] = batch

        for batch in queue:
            submit(batch)
            if len(running) >= jobs * IN_FLIGHT_PER_WORKER:
                break
        while running:
            done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
            if any(isinstance(f.exception(), futures.process.BrokenProcessPool) for f in done):
                # Every batch the broken pool held ends now, with its result or the same error.
                done, _ = futures.wait(running)
            lost: list[list[ShardTask]] = []
            for future in done:
                batch = running.pop(future)
                try:
                    shards = future.result()
                except futures.process.BrokenProcessPool:
                    lost.append(batch)
                    continue
                for shard in shards:
                    finished(shard)
                next_batch = next(queue, None)
                if next_batch is not None:
                    submit(next_batch)
            if not lost:
                continue
            for task, reason in self._dead_workers_shards(lost):
                poisoned.add(task.rel)
                died(task, reason)
            self.stop()
            self._restart()
            self.restarts += 1
            for batch in lost:
                submit(batch)
            while len(running) < jobs * IN_FLIGHT_PER_WORKER:
                next_batch = next(queue, None)
                if next_batch is None:
                    break
                submit(next_batch)

    def _dead_workers_shards(self, lost: list[list[ShardTask]]) -> list[tuple[ShardTask, str]]:
        """The shards whose worker died, each with how it died; :class:`CleanerError` if no
        dead worker can be tied to a shard (the run cannot tell what to leave out)."""
        in_flight = {(task.rel, task.index): task for batch in lost for task in batch}
        found = []
        for process in self.processes:
            exitcode = _exit_code(process)
            # The pool stops the other workers with SIGTERM once one has died.
            if exitcode in (None, 0, -signal.SIGTERM):
                continue
            shard = _shard_of_dead_worker(self.workers_dir, process.pid)
            if shard is not None and shard in in_flight:
                reason = f"the worker process cleaning it {_death(exitcode)}"
                found.append((in_flight[shard], reason))
        if not found:
            names = sorted({message_name(task.rel) for task in in_flight.values()})
            more = f" and {len(names) - 10} more" if len(names) > 10 else ""
            raise CleanerError(
                f"a worker process died (out of memory?) while cleaning one of: "
                f"{', '.join(names[:10])}{more}; run again to resume where it stopped"
            )
        return found
