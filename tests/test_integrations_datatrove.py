"""The datatrove step gives exactly the local corpus runner's texts (grammar skipped)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from cleaner.corpus import iter_jsonl, run_corpus
from cleaner.errors import ConfigError
from cleaner.integrations.datatrove import CleanerStep
from cleaner.pipeline import PipelineConfig

SKIP = ("grammar",)
ARTICLE = (
    "Item {n}: budget talks continue\n\nThe council met on Monday to discuss the budget.\n\n"
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


def corpus_records() -> list[dict[str, Any]]:
    """Articles with chrome and a spinner phrase, HTML to extract, HTML declared as text (kept
    as it is only if the metadata gets through) and clean text that must come out unchanged."""
    records: list[dict[str, Any]] = []
    for n in range(30):
        if n % 4 == 1:
            records.append(
                {"id": f"d{n}", "text": HTML.format(n=n), "metadata": {"format": "html"}}
            )
        elif n % 4 == 2:
            records.append({"id": f"d{n}", "text": CLEAN, "url": f"https://example.org/{n}"})
        elif n % 4 == 3:
            records.append(
                {"id": f"d{n}", "text": HTML.format(n=n), "metadata": {"format": "text"}}
            )
        else:
            records.append({"id": f"d{n}", "text": ARTICLE.format(n=n), "lang": "en"})
    return records


def write_corpus(folder: Path) -> Path:
    records = corpus_records()
    folder.mkdir(parents=True)
    for name, part in (("a.jsonl", records[:16]), ("b.jsonl", records[16:])):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    return folder


def read_texts(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        str(record["id"]): record
        for path in sorted(folder.rglob("*.jsonl"))
        if not path.name.startswith("_") and ".cleaner" not in path.parts
        for record in iter_jsonl(path)
    }


def test_local_pipeline_executor_gives_the_local_runners_texts(tmp_path: Path) -> None:
    in_dir = write_corpus(tmp_path / "in")
    config = PipelineConfig.load().without(SKIP)
    run_corpus(in_dir, tmp_path / "local", config, jobs=1)
    expected = {k: r["text"] for k, r in read_texts(tmp_path / "local").items()}

    LocalPipelineExecutor(
        [
            JsonlReader(str(in_dir)),
            CleanerStep(config),
            JsonlWriter(str(tmp_path / "datatrove"), compression=None),
        ],
        tasks=2,
        workers=2,
        logging_dir=str(tmp_path / "logs"),
    ).run()
    records = read_texts(tmp_path / "datatrove")

    assert {k: r["text"] for k, r in records.items()} == expected
    assert len(expected) == 30
    d0, d2 = records["d0"]["metadata"], records["d2"]["metadata"]
    assert d0["lang"] == "en"  # the document's own metadata stays
    assert d0["cleaner_repairs"] == 1 and d0["cleaner_chrome_lines_removed"] == 2
    assert d0["cleaner_spin_score_before"] > d0["cleaner_spin_score_after"]
    assert d2["cleaner_edits"] == 0 and "cleaner_error" not in d2
    assert "<article>" in records["d3"]["text"] and "<article>" not in records["d1"]["text"]


def test_failed_document_is_kept_unchanged_or_dropped() -> None:
    config = PipelineConfig.load().with_overrides(max_bytes=20)  # CLEAN is 60 bytes: too large
    docs = [Document(text="A short line.\n", id="ok"), Document(text=CLEAN, id="big")]
    kept = list(CleanerStep(config, skip=SKIP).run(iter(docs)))
    assert [d.id for d in kept] == ["ok", "big"]
    assert "cleaner_error" not in kept[0].metadata
    assert kept[1].text == CLEAN and "limit" in kept[1].metadata["cleaner_error"]
    docs = [Document(text="A short line.\n", id="ok"), Document(text=CLEAN, id="big")]
    dropped = list(CleanerStep(config, skip=SKIP, drop_failed=True).run(iter(docs)))
    assert [d.id for d in dropped] == ["ok"]


def test_bad_settings_fail_when_the_step_is_built() -> None:
    with pytest.raises(ConfigError, match="unknown stage"):
        CleanerStep(skip=["no-such-stage"])


def test_missing_datatrove_extra_names_it() -> None:
    # sys.modules["datatrove"] = None makes "import datatrove" fail as if it were not installed.
    blocked = (
        "import sys; sys.modules['datatrove'] = None\n"
        "try:\n"
        "    import cleaner.integrations.datatrove\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, timeout=60
    )
    assert "needs the optional 'datatrove' extra: pip install 'cleaner[datatrove]'" in result.stdout
