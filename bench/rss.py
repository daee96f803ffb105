"""Peak resident memory of one ``cleaner`` command, shared by the memory benchmarks
(``bench_clean_memory``, ``bench_corpus_memory``, ``bench_corpus``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLEANER = Path(sys.executable).parent / "cleaner"


def peak_rss_mb(
    args: list[str], stdin_path: Path | None = None, cwd: Path | None = None
) -> tuple[float, int]:
    """(peak resident memory in MB, exit code) of ``cleaner ARGS``: the largest of the process
    and the worker processes it waited for (Linux folds a reaped child's peak into its
    parent's, so corpus workers count)."""
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
    return usage.ru_maxrss / 1024, proc.returncode  # ru_maxrss is in KiB on Linux
