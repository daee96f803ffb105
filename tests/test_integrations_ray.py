"""The Ray adapters give exactly the local corpus runner's texts and files (grammar skipped: the
engines only decide where documents flow; LanguageTool is tested on its own)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from engine_corpus import (
    ARTICLE,
    CLEAN,
    SKIP,
    SLIPPED,
    assert_same_tree,
    corpus_records,
    engine_config,
    output_records,
    write_jsonl,
)
from learned_corpus import FOOTER, PROMO, make_corpus

from cleaner.corpus import LearnThresholds, run_corpus
from cleaner.corpus.learned_chrome import LEARNED_FILE
from cleaner.errors import ConfigError, ServiceError
from cleaner.integrations import FIELDS
from cleaner.integrations.ray import RayEngine, clean_dataset, token_hint
from cleaner.integrations.ray_data import pool_size
from cleaner.pipeline import PipelineConfig

BAD = {"id": "bad", "body": "no text field"}


def write_corpus(folder: Path) -> Path:
    """The engines' shared corpus plus a record without text, in a nested folder, beside a
    plain text file."""
    records = [*corpus_records(), BAD]
    write_jsonl(folder / "a.jsonl", records[:16])
    write_jsonl(folder / "sub" / "b.jsonl", records[16:])
    (folder / "note.txt").write_text(ARTICLE.format(n=99), encoding="utf-8")
    return folder


def config() -> PipelineConfig:
    return engine_config()


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    # address="local" and a private temp dir: two pytest-xdist workers each start their own
    # Ray without finding or disturbing the other's. A short path: Ray's socket paths are
    # limited to ~107 characters.
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        logging_level=logging.WARNING,
        _temp_dir=temp_dir,
    )
    yield
    ray.shutdown()
    shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The local runner's output over the corpus (IN, OUT): the reference for every engine."""
    root = tmp_path_factory.mktemp("local")
    in_dir = write_corpus(root / "in")
    out_dir = root / "out"
    # Without learned chrome: the Ray engine does not learn it, and the engines are compared.
    run_corpus(in_dir, out_dir, config(), jobs=1, shard_bytes=2000, learn_chrome=False)
    return in_dir, out_dir


def local_texts(out_dir: Path) -> dict[str, str]:
    return {doc_id: record["text"] for doc_id, record in output_records(out_dir).items()}


def test_clean_dataset_gives_the_local_runners_texts(
    ray_session: None, local_run: tuple[Path, Path]
) -> None:
    expected = local_texts(local_run[1])
    records = [*corpus_records(), BAD]
    ds = ray.data.from_items(records)
    rows = {str(row["id"]): row for row in clean_dataset(ds, skip=SKIP).take_all()}

    assert set(rows) == {str(r["id"]) for r in records}
    good = {k: v["text"] for k, v in rows.items() if v["cleaner_error"] is None}
    assert good == expected
    assert len(expected) == 30
    # Every input column is kept, and the flat columns are there on every row.
    assert rows["d0"]["lang"] == "en"
    assert rows["d2"]["url"] == "https://example.org/2"
    assert rows["d1"]["metadata"] == {"format": "html"}
    assert all(set(FIELDS) <= set(row) for row in rows.values())
    assert rows["d0"]["cleaner_repairs"] == 2
    assert rows["d0"]["cleaner_chrome_lines_removed"] == 2
    assert rows["d0"]["cleaner_spin_score_before"] > rows["d0"]["cleaner_spin_score_after"]
    assert rows["d2"]["text"] == CLEAN and rows["d2"]["cleaner_edits"] == 0
    assert "<article>" in rows["d3"]["text"] and "<article>" not in rows["d1"]["text"]
    # A row that cannot be cleaned is marked, not fatal, and keeps what it had.
    assert rows["bad"]["cleaner_error"].startswith("the text field is missing")
    assert rows["bad"]["text"] is None and rows["bad"]["body"] == "no text field"


def test_clean_dataset_reads_another_text_field_and_passes_languagetool_url(
    ray_session: None,
) -> None:
    ds = ray.data.from_items([{"content": ARTICLE.format(n=1)}])
    (row,) = clean_dataset(ds, skip=SKIP, text_field="content", concurrency=1).take_all()
    assert "Advertisement" not in row["content"] and "year's end" in row["content"]

    # The URL reaches each worker's pipeline: with the grammar stage on, a slip to fix and
    # nothing listening there, the job stops with LanguageTool's error instead of marking every row failed.
    unreachable = "http://127.0.0.1:9"
    ds = ray.data.from_items([{"text": SLIPPED}])
    with pytest.raises(Exception, match=r"127\.0\.0\.1:9"):
        clean_dataset(ds, languagetool_url=unreachable, concurrency=1).take_all()


def test_ray_engine_writes_the_local_runners_files(
    ray_session: None, local_run: tuple[Path, Path], tmp_path: Path
) -> None:
    in_dir, local_out = local_run
    engine = RayEngine()
    summary = run_corpus(in_dir, tmp_path / "out", config(), shard_bytes=2000, engine=engine)
    assert engine.workers == 2
    assert summary.counts.documents == 32 and summary.counts.failures == 1
    assert_same_tree(local_out, tmp_path / "out")
    # Incremental like the local runner: nothing changed, nothing redone.
    again = run_corpus(in_dir, tmp_path / "out", config(), shard_bytes=2000, engine=RayEngine())
    assert again.inputs_skipped == 3 and again.counts.documents == 0


def test_ray_engine_replays_a_learned_chrome_list_as_the_local_runner_does(
    ray_session: None, tmp_path: Path
) -> None:
    """The list travels to the Ray workers in the learned_chrome stage's options."""
    src = make_corpus(tmp_path / "in", pages=6)
    learned = tmp_path / "learned"
    run_corpus(src, learned, config(), jobs=1, learn_thresholds=LearnThresholds(3, 0.5))
    saved = tmp_path / "saved.jsonl"
    shutil.copyfile(learned / LEARNED_FILE, saved)
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    run_corpus(src, local, config(), jobs=1, learned_chrome=saved)
    run_corpus(src, on_ray, config(), learned_chrome=saved, engine=RayEngine())
    assert_same_tree(local, on_ray)
    page = (on_ray / "site-a" / "p01.txt").read_text(encoding="utf-8")
    assert FOOTER[1] not in page and PROMO[1] not in page
    assert page == (learned / "site-a" / "p01.txt").read_text(encoding="utf-8")


def test_ray_engine_stops_when_languagetool_is_unreachable(
    ray_session: None, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(SLIPPED, encoding="utf-8")
    # Nothing listens on port 9: the grammar stage of the Ray worker fails, and the run stops
    # with the ServiceError the local runner raises (exit code 3 in the CLI), not a failed doc.
    unreachable = PipelineConfig.load().with_overrides(languagetool_url="http://127.0.0.1:9")
    with pytest.raises(ServiceError, match=r"127\.0\.0\.1:9"):
        run_corpus(tmp_path / "in", tmp_path / "out", unreachable, engine=RayEngine())
    assert not (tmp_path / "out" / "a.txt").exists()


def test_clean_dataset_refuses_an_unknown_stage_before_starting_workers(ray_session: None) -> None:
    with pytest.raises(ConfigError, match="unknown stage"):
        clean_dataset(ray.data.range(1), skip=["no-such-stage"])


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # this run's Ray, no other's
    try:
        return subprocess.run(
            [sys.executable, "-m", "cleaner.cli", *args],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "RAY_TMPDIR": temp_dir},
        )
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_corpus_cli_engine_ray_matches_engine_local(
    local_run: tuple[Path, Path], tmp_path: Path
) -> None:
    in_dir, _ = local_run
    common = ("--skip", "grammar", "--jobs", "2", "--shard-bytes", "2000", "-q")
    local = cli(
        "corpus",
        str(in_dir),
        str(tmp_path / "local"),
        *common,
        "--engine",
        "local",
        "--no-learn-chrome",  # the Ray engine does not learn chrome
    )
    on_ray = cli("corpus", str(in_dir), str(tmp_path / "ray"), *common, "--engine", "ray")
    # 1: the record without a text field failed, in both runs.
    assert local.returncode == 1, local.stderr
    assert on_ray.returncode == 1, on_ray.stderr
    assert_same_tree(tmp_path / "local", tmp_path / "ray")


def test_address_without_engine_ray_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    result = cli("corpus", str(tmp_path / "in"), str(tmp_path / "out"), "--address", "auto")
    assert result.returncode == 2
    assert "--address needs --engine ray" in result.stderr


def test_missing_ray_extra_names_it(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    # sys.modules["ray"] = None makes "import ray" fail as if Ray were not installed.
    blocked = (
        "import sys; sys.modules['ray'] = None; sys.modules['ray.data'] = None\n"
        "from cleaner.integrations.ray import clean_dataset\n"
        "try:\n"
        "    clean_dataset(None)\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
        "from cleaner.cli import main\n"
        "sys.argv = ['cleaner', 'corpus', sys.argv[1], sys.argv[2], '--engine', 'ray']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocked, str(tmp_path / "in"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "pip install 'cleaner[ray]'" in result.stdout
    assert result.returncode == 2, result.stderr
    assert "pip install 'cleaner[ray]'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_clean_dataset_pool_leaves_a_cpu_for_the_reads() -> None:
    # (concurrency, num_cpus, cluster CPUs) -> (min, max) workers.
    assert pool_size(None, 1.0, 2.0) == (1, 1)
    assert pool_size(None, 1.0, 8.0) == (1, 7)
    assert pool_size(None, 0.5, 4.0) == (1, 6)
    assert pool_size(None, 0.5, 1.0) == (1, 1)
    assert pool_size(None, 1.0, None) == (1, None)  # not connected yet: Ray Data decides
    assert pool_size(3, 1.0, 8.0) == (3, 3)
    assert pool_size((2, 5), 1.0, 8.0) == (2, 5)


def test_clean_dataset_takes_fractional_cpus_and_warns_when_the_pool_takes_them_all(
    ray_session: None,
) -> None:
    ds = ray.data.from_items([{"text": ARTICLE.format(n=n)} for n in range(4)])
    with warnings.catch_warnings():
        # The default pool, half a CPU each: no warning.
        warnings.simplefilter("error", RuntimeWarning)
        cleaned = clean_dataset(ds, skip=SKIP, num_cpus=0.5, progress_timeout_s=120)
    assert cleaned.context.execution_no_progress_timeout_s == 120
    assert all("Advertisement" not in row["text"] for row in cleaned.take_all())

    with pytest.warns(RuntimeWarning, match=r"take all 2 CPUs .* concurrency=\(1, 1\)"):
        clean_dataset(ds, skip=SKIP, concurrency=2)
    with pytest.raises(ConfigError, match="num_cpus"):
        clean_dataset(ds, num_cpus=0)


def test_ray_client_address_without_grpc_names_the_package(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(CLEAN, encoding="utf-8")
    # sys.modules["grpc"] = None: Ray Client's package missing, as with a bare 'pip install ray'.
    blocked = (
        "import sys; sys.modules['grpc'] = None\n"
        "from cleaner.cli import main\n"
        "sys.argv = ['cleaner', 'corpus', sys.argv[1], sys.argv[2], '--skip', 'grammar',\n"
        "            '--engine', 'ray', '--address', 'ray://127.0.0.1:9']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocked, str(tmp_path / "in"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert "ray[client]" in result.stderr and "pip install 'cleaner[ray]'" in result.stderr


def test_token_hint_only_when_the_failure_can_be_token_auth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tmp_path / "auth_token"
    token.write_text("0" * 64, encoding="utf-8")
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(token))
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    # Through Ray Client a cluster that wants a token only times out.
    assert "RAY_AUTH_MODE=token" in token_hint(
        ConnectionError("ray client connection timeout"), "ray://head:10001"
    )
    # A failure that is not about connecting says nothing of tokens, nor does a local Ray.
    refused = ConnectionAbortedError("Initialization failure from server: client server failed")
    assert token_hint(refused, "ray://head:10001") == ""
    assert token_hint(ConnectionError("ray client connection timeout"), None) == ""
    monkeypatch.setenv("RAY_AUTH_MODE", "token")  # already set: nothing to add
    assert token_hint(ConnectionError("timeout"), "ray://head:10001") == ""
