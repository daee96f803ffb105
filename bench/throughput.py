"""Throughput as the benchmarks measure it: one function over a corpus of texts, MB/s of CPU
time on one core, the best of a few rounds (the machine is shared, so the best round is the
one least disturbed)."""

from __future__ import annotations

import time
from collections.abc import Callable

#: Rounds of each measurement; the best one is reported.
ROUNDS = 3


def repeated(texts: list[str], size_bytes: int) -> list[str]:
    """``texts`` over and over, in order, until they hold at least ``size_bytes`` of UTF-8."""
    docs: list[str] = []
    size = 0
    while size < size_bytes:
        for text in texts:
            docs.append(text)
            size += len(text.encode("utf-8"))
    return docs


def mb_per_second(work: Callable[[str], object], docs: list[str]) -> float:
    """MB of ``docs`` (UTF-8) that ``work`` gets through per CPU second, best of ROUNDS."""
    size = sum(len(d.encode("utf-8")) for d in docs)
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        for text in docs:
            work(text)
        best = min(best, time.process_time() - start)
    return size / 1e6 / best
