"""bench_extraction's CPU-time comparison: both sides take turns page by page."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from bench_extraction import Page, cpu_rounds  # noqa: E402


def test_the_two_sides_take_turns_page_by_page_and_swap_who_goes_first() -> None:
    calls: list[tuple[str, bytes]] = []

    def side(name: str):  # type: ignore[no-untyped-def]
        def extract(raw: bytes) -> str:
            calls.append((name, raw))
            sum(range(20_000))  # some CPU time on each side, so that the ratio is defined
            return ""

        return extract

    pages = [Page(str(n), f"<p>{n}</p>".encode(), "") for n in range(3)]
    result = cpu_rounds(pages, side("ours"), side("theirs"), rounds=2)
    assert calls == [
        ("ours", b"<p>0</p>"), ("theirs", b"<p>0</p>"),
        ("theirs", b"<p>1</p>"), ("ours", b"<p>1</p>"),
        ("ours", b"<p>2</p>"), ("theirs", b"<p>2</p>"),
        ("theirs", b"<p>0</p>"), ("ours", b"<p>0</p>"),
        ("ours", b"<p>1</p>"), ("theirs", b"<p>1</p>"),
        ("theirs", b"<p>2</p>"), ("ours", b"<p>2</p>"),
    ]  # fmt: skip
    assert result["rounds"] == 2
    assert len(result["ratio_per_round"]) == 2
    assert all(len(values) == 2 for values in result["cpu_seconds"].values())
    assert result["ratio"] > 0
