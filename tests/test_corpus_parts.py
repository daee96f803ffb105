"""The parts folder of a corpus run (OUT/.cleaner/parts): each entry is told to its unit by
its whole name, so a sweep keeps every entry of a planned unit and drops the others."""

from __future__ import annotations

from pathlib import Path

from cleaner.corpus.plan import parts_name_of
from cleaner.corpus.shards import ShardTask, shard_file


def test_a_parts_name_is_read_from_its_whole_suffix() -> None:
    assert parts_name_of("0a1b-c2d3-000000.out") == "0a1b-c2d3"
    assert parts_name_of("0a1b-c2d3-001234.errors") == "0a1b-c2d3"
    # A parts name holding the separator, and digits after it, is kept whole.
    assert parts_name_of("site-2024-000001-000007.audit") == "site-2024-000001"
    # An entry that is no shard file (a folder named by its unit) is its own name; a split
    # at the last "-" made it "0a1b" and swept the planned unit's folder away.
    assert parts_name_of("0a1b-c2d3") == "0a1b-c2d3"


def test_shard_files_as_the_runner_names_them_are_read_back(tmp_path: Path) -> None:
    for parts in ("0a1b-c2d3", "a-b-c", "x-000001"):
        for what in ("out", "audit", "errors", "done", "learn"):
            task = ShardTask(
                rel="in.jsonl",
                kind="jsonl",
                path="in.jsonl",
                out_rel="in.jsonl",
                parts_dir=str(tmp_path / parts),
                index=12,
                start=0,
                end=None,
                first_line=1,
                size=0,
                text_field="text",
            )
            assert parts_name_of(shard_file(task, what).name) == parts
