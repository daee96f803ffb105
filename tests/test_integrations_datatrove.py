"""The datatrove step gives exactly the local corpus runner's texts (grammar skipped)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from engine_corpus import CLEAN, SKIP, corpus_records, engine_config, output_records, write_jsonl

from cleaner.corpus import run_corpus
from cleaner.errors import ConfigError
from cleaner.integrations.datatrove import CleanerStep
from cleaner.pipeline import PipelineConfig


def write_corpus(folder: Path) -> Path:
    records = corpus_records()
    write_jsonl(folder / "a.jsonl", records[:16])
    write_jsonl(folder / "b.jsonl", records[16:])
    return folder


def test_local_pipeline_executor_gives_the_local_runners_texts(tmp_path: Path) -> None:
    in_dir = write_corpus(tmp_path / "in")
    config = engine_config()
    run_corpus(in_dir, tmp_path / "local", config, jobs=1)
    expected = {k: r["text"] for k, r in output_records(tmp_path / "local").items()}

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
    records = output_records(tmp_path / "datatrove")

    assert {k: r["text"] for k, r in records.items()} == expected
    assert len(expected) == 30
    d0, d2 = records["d0"]["metadata"], records["d2"]["metadata"]
    assert d0["lang"] == "en"  # the document's own metadata stays
    assert d0["cleaner_repairs"] == 2 and d0["cleaner_chrome_lines_removed"] == 2
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
