"""Peak resident memory of one ``cleaner`` command, shared by the memory benchmarks
(``bench_clean_memory``, ``bench_corpus_memory``, ``bench_corpus``)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

CLEANER = Path(sys.executable).parent / "cleaner"


def peak_rss_mb(
    args: list[str], stdin_path: Path | None = None, cwd: Path | None = None
) -> tuple[float, int]:
    """(peak resident memory in MB, exit code) of ``cleaner ARGS``: the largest of the process
    and the worker processes it waited for (Linux folds a reaped child's peak into its
    parent's, so corpus workers count). Refused when this process's own peak is as high
    (see below)."""
    stdin = stdin_path.open("rb") if stdin_path else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(
            [str(CLEANER), *args],
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        assert proc.stderr is not None
        proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if stdin_path:
            stdin.close()  # type: ignore[union-attr]
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    # The child starts in this process's memory (vfork), and Linux carries that memory's
    # high-water mark across exec into the child's ru_maxrss: a bench that once held 280 MB
    # would read 280 MB for every command it runs.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if own >= peak:
        raise RuntimeError(
            f"this process peaked at {own:.0f} MB, above the {peak:.0f} MB measured for "
            f"cleaner {' '.join(args)}: the figure would be the bench's own; make large "
            "inputs in a child process"
        )
    return peak, proc.returncode
