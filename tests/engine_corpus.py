"""The JSONL corpus every engine test runs, so that the local runner, Ray and datatrove are
compared over the same documents (grammar skipped: engines only decide where documents flow;
LanguageTool is tested on its own)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cleaner.corpus import AUDIT_FILE, ERRORS_FILE, iter_jsonl
from cleaner.pipeline import PipelineConfig

SKIP = ("grammar",)
ARTICLE = (
    "Item {n}: budget talks continue\n\nThe council met on Monday to discuss the budget, one in all "
    "the longest debates in years.\n\n"
    "Advertisement\n\nA spokesperson said the figures could change by this 12 months's end, "
    "in keeping with the usual practice.\n\nSign up for our newsletter\n"
)
HTML = (
    "<html><head><title>Vote {n} passes | Daily</title></head><body><nav>Home News</nav>"
    "<article><h1>Vote {n} passes</h1><p>The council voted on Monday to approve the budget for "
    "the coming year after a long debate.</p><p>Officials said the plan would be published next "
    "month after a consultation with residents.</p></article></body></html>"
)
CLEAN = "The vote passed on Tuesday.\n\nResidents welcomed the decision.\n"
SLIPPED = "The vote passed on Tuesday.\n\nResidents called it a honest mistake.\n"
"""A slip an allow-listed grammar rule fixes: unlike a clean text, which needs no request
while findings are off, it makes the grammar stage ask LanguageTool."""


def corpus_records() -> list[dict[str, Any]]:
    """30 records: plain articles with chrome and a spinner phrase (d0, d4, d5, ...), HTML to
    extract (d1, d6, ...), clean text that must come out unchanged (d2, d7, ...) and HTML
    declared as text (d3, d8, ...), whose markup stays only if the metadata gets through."""
    records: list[dict[str, Any]] = []
    for n in range(30):
        if n % 5 == 1:
            records.append(
                {"id": f"d{n}", "text": HTML.format(n=n), "metadata": {"format": "html"}}
            )
        elif n % 5 == 3:
            records.append(
                {"id": f"d{n}", "text": HTML.format(n=n), "metadata": {"format": "text"}}
            )
        elif n % 5 == 2:
            records.append({"id": f"d{n}", "text": CLEAN, "url": f"https://example.org/{n}"})
        else:
            records.append({"id": f"d{n}", "text": ARTICLE.format(n=n), "lang": "en"})
    return records


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def engine_config() -> PipelineConfig:
    return PipelineConfig.load().without(SKIP)


def output_records(folder: Path) -> dict[str, dict[str, Any]]:
    """The cleaned JSONL records under an output folder, by id (audit and state files aside;
    a failed record, written in its place with ``cleaner_error``, is no cleaned record)."""
    return {
        str(record["id"]): record
        for path in sorted(folder.rglob("*.jsonl"))
        if not path.name.startswith("_") and ".cleaner" not in path.parts
        for record in iter_jsonl(path)
        if "cleaner_error" not in record
    }


def without_timings(path: Path) -> list[dict[str, Any]]:
    records = list(iter_jsonl(path))
    for record in records:
        record.pop("timings_ms", None)
    return records


def assert_same_tree(out_a: Path, out_b: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file()
            and ".cleaner" not in p.parts
            and p.name not in (AUDIT_FILE, "report.html")
        }

    tree_a, tree_b = files(out_a), files(out_b)
    assert sorted(tree_a) == sorted(tree_b)
    for name in tree_a:
        assert tree_a[name] == tree_b[name], name
    assert without_timings(out_a / AUDIT_FILE) == without_timings(out_b / AUDIT_FILE)
    assert (out_a / ERRORS_FILE).read_bytes() == (out_b / ERRORS_FILE).read_bytes()
