"""Pass 1 of learned chrome keeps each document as the stages before learned chrome left it,
and pass 2 starts from there instead of extracting the page again (prefix_cache); what comes
out is what a run from the start gives."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import children_reading
from learned_corpus import FOOTER, make_corpus, site_a_page

from cleaner.corpus import LearnThresholds, ShardTask, run_corpus, run_shard, shard_file
from cleaner.corpus import plan as plan_module
from cleaner.corpus.learned_chrome import DECISION_FILE, LEARNED_FILE, prefix_config
from cleaner.corpus.manifest import Manifest
from cleaner.corpus.plan import SCANS_FILE, ScanLog, plan, walk_order
from cleaner.corpus.prefix_cache import FORMAT, KeptFile, stored_documents, stored_line
from cleaner.corpus.summary import CorpusSummary
from cleaner.document import Document
from cleaner.errors import DocumentError
from cleaner.io.walk import InputFile, Scan, scan_input, walk_inputs
from cleaner.pipeline import Pipeline, PipelineConfig

PAGE = (
    "<html><head><title>Pier reopens | Harbour Gazette</title></head><body><nav>Home</nav>"
    "<article><h1>Pier reopens</h1><p>The harbour board reopened the north pier on Monday "
    "after the storm, officials said.</p><p>Work on the sea wall is due to finish before the "
    "regatta in the summer, they added.</p></article></body></html>"
)


def config() -> PipelineConfig:
    return PipelineConfig.load().without(["grammar"])


def task_for(page: Path, parts: Path, *, learn: bool) -> ShardTask:
    return ShardTask(
        rel=page.name,
        kind="html",
        path=str(page),
        out_rel=page.name.replace(".html", ".txt"),
        parts_dir=str(parts),
        index=0,
        start=0,
        end=None,
        first_line=1,
        size=page.stat().st_size,
        text_field="text",
        learn=learn,
        prefix=str(parts) + "-000000.prefix",
    )


def test_pass_two_starts_from_the_documents_pass_one_kept(tmp_path: Path) -> None:
    page = tmp_path / "pier.html"
    page.write_text(PAGE, encoding="utf-8")
    full = Pipeline(config())
    pass_one = task_for(page, tmp_path / "learn" / "pier", learn=True)
    (tmp_path / "learn").mkdir()
    run_shard(Pipeline(prefix_config(config())), pass_one)
    kept = Path(str(pass_one.prefix))
    assert kept.exists() and shard_file(pass_one, "learn").exists()
    ((name, stored),) = list(stored_documents(kept))
    assert name == "pier.html" and stored is not None
    assert stored.document.metadata["title"] == "Pier reopens"

    # Pass 2 from the kept document gives what a run from the start gives, byte for byte.
    (tmp_path / "parts").mkdir()
    plain = replace(task_for(page, tmp_path / "parts" / "a", learn=False), prefix=None)
    run_shard(full, plain)
    from_kept = replace(pass_one, learn=False, parts_dir=str(tmp_path / "parts" / "b"))
    run_shard(full, from_kept)
    for what in ("out", "errors"):
        a, b = shard_file(plain, what), shard_file(from_kept, what)
        assert a.exists() == b.exists() and (not a.exists() or a.read_bytes() == b.read_bytes())
    audits = [json.loads(shard_file(t, "audit").read_bytes()) for t in (plain, from_kept)]
    for audit in audits:
        assert set(audit.pop("timings_ms")) >= {"extract", "learned_chrome", "tidy"}
    assert audits[0] == audits[1]
    assert not kept.exists(), "a used file goes once the shard's outputs are written"


def test_the_kept_document_is_what_pass_two_cleans_and_a_stranger_is_ignored(
    tmp_path: Path,
) -> None:
    page = tmp_path / "pier.html"
    page.write_text(PAGE, encoding="utf-8")
    (tmp_path / "parts").mkdir()
    full = Pipeline(config())
    task = task_for(page, tmp_path / "parts" / "c", learn=False)
    kept = Path(str(task.prefix))
    stand_in = full.run(Document(text="A kept text that no extraction made.\n"))
    kept.write_bytes(stored_line("pier.html", stand_in))
    run_shard(full, task)
    assert shard_file(task, "out").read_text() == "A kept text that no extraction made.\n"

    # Kept for another document (not this shard's): the page is extracted again.
    other = replace(task, parts_dir=str(tmp_path / "parts" / "d"))
    Path(str(other.prefix)).write_bytes(stored_line("another.html", stand_in))
    run_shard(full, other)
    assert "north pier" in shard_file(other, "out").read_text()


def test_a_document_json_cannot_hold_is_kept_as_run_it_again() -> None:
    result = Pipeline(PipelineConfig(stages=("tidy",))).run(
        Document(text="Plain text.\n", metadata={"when": object()})
    )
    assert json.loads(stored_line("x.txt", result)) == {"v": FORMAT, "source": "x.txt"}


def test_pass_two_gets_only_what_pass_one_left_of_the_time_limit(tmp_path: Path) -> None:
    """A time limit bounds a document's whole cleaning: the kept document carries the time
    pass 1's stages took, and pass 2 gives the later stages the rest (they had a limit of
    their own, so a document could take nearly twice it)."""
    page = tmp_path / "pier.html"
    page.write_text(PAGE, encoding="utf-8")
    (tmp_path / "learn").mkdir()
    (tmp_path / "parts").mkdir()
    limited = replace(config(), time_limit=30.0)
    pass_one = task_for(page, tmp_path / "learn" / "pier", learn=True)
    run_shard(Pipeline(prefix_config(limited)), pass_one)
    kept = Path(str(pass_one.prefix))
    record = json.loads(kept.read_bytes())
    assert record["doc"]["spent"] == pytest.approx(sum(record["doc"]["timings"].values()))
    assert record["doc"]["spent"] > 0

    # Had pass 1 used the whole limit, pass 2 fails the document with the user's limit named,
    # as a run from the start would have.
    record["doc"]["spent"] = 30.0
    kept.write_bytes(json.dumps(record).encode("utf-8") + b"\n")
    task = replace(pass_one, learn=False, parts_dir=str(tmp_path / "parts" / "a"))
    done = run_shard(Pipeline(limited), task)
    assert done.counts["failures"] == 1 and not shard_file(task, "out").exists()
    error = json.loads(shard_file(task, "errors").read_bytes())
    assert "took longer than the 30 s time limit" in error["reason"]
    assert error["stage"] == "learned_chrome"


def test_a_run_given_time_already_spent_gets_the_rest_of_its_limit() -> None:
    pipeline = Pipeline(PipelineConfig(stages=("tidy",), time_limit=30.0))
    assert pipeline.run(Document(text="Plain text.\n"), spent=29.0).text == "Plain text.\n"
    with pytest.raises(DocumentError, match="took longer than the 30 s time limit"):
        pipeline.run(Document(text="Plain text.\n"), spent=30.0)
    no_limit = Pipeline(PipelineConfig(stages=("tidy",), time_limit=0.0))
    assert no_limit.run(Document(text="Plain text.\n"), spent=1e9).text == "Plain text.\n"


def test_a_rerun_with_the_same_learn_files_takes_the_saved_decision(tmp_path: Path) -> None:
    src, out = make_corpus(tmp_path / "in", pages=6), tmp_path / "out"
    listed = out / LEARNED_FILE
    run_corpus(src, out, config(), jobs=1, learn_thresholds=LearnThresholds(3, 0.5))
    first = listed.read_bytes()
    assert FOOTER[1].encode() in first
    # Other thresholds, another decision (6 pages a site: nothing reaches 7).
    run_corpus(src, out, config(), jobs=1, learn_thresholds=LearnThresholds(7, 0.5))
    assert not listed.exists()
    run_corpus(src, out, config(), jobs=1, learn_thresholds=LearnThresholds(3, 0.5))
    assert listed.read_bytes() == first
    # Nothing changed: the learn files are not read again (these could not be).
    learn_files = list((out / ".cleaner" / "learn").glob("*.learn"))
    assert len(learn_files) == 12
    for path in learn_files:
        path.write_text("{not a learn file\n", encoding="utf-8")
    again = run_corpus(src, out, config(), jobs=1, learn_thresholds=LearnThresholds(3, 0.5))
    assert listed.read_bytes() == first and again.inputs_skipped == 12
    assert not list((out / ".cleaner" / "learn").glob("*.prefix")), "kept documents are gone"


def test_a_saved_decision_cut_short_is_made_again(tmp_path: Path) -> None:
    """It is written without a sync: after a crash it can end early at a line's end, and
    then gave a silently shorter list."""
    src, out = make_corpus(tmp_path / "in", pages=6), tmp_path / "out"
    listed = out / LEARNED_FILE
    run_corpus(src, out, config(), jobs=1, learn_thresholds=LearnThresholds(3, 0.5))
    first = listed.read_bytes()
    saved = out / ".cleaner" / DECISION_FILE
    lines = saved.read_bytes().splitlines(keepends=True)
    assert len(lines) > 2
    saved.write_bytes(b"".join(lines[:-1]))
    run_corpus(src, out, config(), jobs=1, learn_thresholds=LearnThresholds(3, 0.5))
    assert listed.read_bytes() == first
    assert saved.read_bytes() == b"".join(lines)


class Recorded:
    """A progress sink that keeps what it was told, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def learning(self, total_bytes: int, inputs: int) -> None:
        self.calls.append(("learning", total_bytes, inputs))

    def learned(self) -> None:
        self.calls.append(("learned",))

    def start(self, total_bytes: int, inputs: int, skipped: int) -> None:
        self.calls.append(("start", total_bytes, inputs, skipped))

    def advance(self, size: int, documents: int, failures: int) -> None:
        self.calls.append(("advance", size, documents, failures))


def test_pass_one_shows_progress_and_an_input_it_lost_is_told_once_cleaning_shows(
    tmp_path: Path,
) -> None:
    src, out = make_corpus(tmp_path / "in", pages=3), tmp_path / "out"
    lines = "".join(json.dumps({"id": f"p{n}", "text": site_a_page(n)}) + "\n" for n in range(3000))
    poison = src / "poison.jsonl.gz"
    poison.write_bytes(gzip.compress(lines.encode("utf-8")))
    stop = threading.Event()

    def kill_its_reader() -> None:  # as the out-of-memory killer would, in pass 1
        while not stop.is_set():
            for pid in children_reading(os.getpid(), poison):
                os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_its_reader, daemon=True)
    killer.start()
    sink = Recorded()
    try:
        summary = run_corpus(src, out, config(), jobs=1, progress=sink, learning_progress=sink)
    finally:
        stop.set()
        killer.join()
    assert summary.workers_died == ["poison.jsonl.gz"]
    names = [call[0] for call in sink.calls]
    assert names[0] == "learning" and sink.calls[0][2] == 7
    start = names.index("start")
    assert names.index("learned") < start
    assert sum(call[2] for call in sink.calls[1:start] if call[0] == "advance") == 6
    assert all(call[3] == 0 for call in sink.calls[:start] if call[0] == "advance")
    after = [call for call in sink.calls[start:] if call[0] == "advance"]
    assert sum(call[3] for call in after) == 1 and sum(call[2] for call in after) == 7


class CleaningOnly:
    """A progress sink of the cleaning alone (a ``ProgressSink``, no pass-1 methods)."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def start(self, total_bytes: int, inputs: int, skipped: int) -> None:
        self.calls.append(("start", total_bytes, inputs, skipped))

    def advance(self, size: int, documents: int, failures: int) -> None:
        self.calls.append(("advance", size, documents, failures))


def test_a_cleaning_progress_sink_is_told_the_cleaning_only(tmp_path: Path) -> None:
    """Pass 1 reports to ``learning_progress`` alone: a sink given as ``progress`` starts with
    the cleaning and counts its documents once (it was told pass 1's shards too, before its
    start, by duck typing)."""
    src, out = make_corpus(tmp_path / "in", pages=6), tmp_path / "out"
    sink = CleaningOnly()
    summary = run_corpus(src, out, config(), jobs=1, progress=sink)
    assert summary.learned_lines > 0
    assert sink.calls[0] == ("start", sum(p.stat().st_size for p in src.rglob("*.txt")), 12, 0)
    assert sum(call[2] for call in sink.calls if call[0] == "advance") == 12


def test_the_plan_takes_the_scans_pass_one_made_and_only_for_the_same_file(tmp_path: Path) -> None:
    """Inputs are hashed once a run: the plan after pass 1 takes its scans (here told apart
    by their shards, cut at 100 bytes in pass 1), unless the file changed since."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    lines = "".join(json.dumps({"id": n, "text": site_a_page(n)}) + "\n" for n in range(4))
    (src / "a.jsonl").write_text(lines, encoding="utf-8")
    (src / "b.jsonl").write_text(lines, encoding="utf-8")
    inputs = list(walk_inputs(src, [], links_skipped=[]))
    log = ScanLog(tmp_path / "scans.jsonl")
    for inp in inputs:
        log.write(inp, scan_input(inp, 100))
    log.close()
    (src / "b.jsonl").write_text(lines + lines, encoding="utf-8")  # changed since
    read = ScanLog(tmp_path / "scans.jsonl")
    a, b = list(walk_inputs(src, [], links_skipped=[]))
    taken = read.taken(a)
    assert taken == scan_input(a, 100) and len(taken.shards) > 1
    assert read.taken(b) is None
    read.close()

    # Through a real run: the manifest holds the shards pass 1 cut, not the plan's own.
    out.mkdir()
    state = out / ".cleaner"
    state.mkdir()
    log = ScanLog(state / SCANS_FILE)
    for inp in walk_inputs(src, [], links_skipped=[]):
        log.write(inp, scan_input(inp, 100))
    log.close()
    handed = ScanLog(state / SCANS_FILE)
    summary = CorpusSummary(out_dir=out)
    with contextlib.closing(Manifest(state)) as manifest:
        found = plan(src, out, state, manifest, "f", "text", False, 1 << 20, summary, scans=handed)
        handed.close()
        assert found.tasks == len(scan_input(a, 100).shards) + len(scan_input(b, 100).shards)
        assert found.tasks > 2


class DeletesAfterPassOne:
    """Pass 1's progress, which deletes ``gone`` once pass 1 has read it: a user's file that
    goes between the passes."""

    def __init__(self, gone: Path) -> None:
        self.gone = gone

    def learning(self, total_bytes: int, inputs: int) -> None:
        pass

    def advance(self, size: int, documents: int, failures: int) -> None:
        pass

    def learned(self) -> None:
        self.gone.unlink()


def test_a_file_deleted_between_the_passes_costs_no_other_input_a_second_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan passes over the scan log's input that is gone and takes the scans of every
    input after it (it stopped at the gone one, and hashed all the rest again)."""
    src, out = make_corpus(tmp_path / "in", pages=6), tmp_path / "out"
    hashed: list[str] = []

    def counted(inp: InputFile, shard_bytes: int) -> Scan:
        hashed.append(inp.rel)
        return scan_input(inp, shard_bytes)

    monkeypatch.setattr(plan_module, "scan_input", counted)  # the plan's own hashing, counted
    sink = DeletesAfterPassOne(src / "site-a" / "p02.txt")
    summary = run_corpus(src, out, config(), jobs=1, learning_progress=sink)
    assert summary.inputs == 11 and summary.inputs_cleaned == 11 and summary.ok
    assert summary.learned_lines > 0
    assert hashed == []


def test_the_walk_order_sorts_names_as_the_walk_yields_them(tmp_path: Path) -> None:
    names = [
        "z.txt",
        "a.txt",
        "a/b.txt",
        "a/a/z.txt",
        "a b/c.txt",
        "a.b/c.txt",
        "B/x.txt",
        "b/Y.txt",
        "b/c/d/e.txt",
        "b/c.txt",
        "10.txt",
        "9/1.txt",
        "é/a.txt",
        os.fsdecode(b"caf\xe9/a.txt"),
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    walked = [inp.rel for inp in walk_inputs(tmp_path, [], links_skipped=[])]
    assert sorted(walked) == sorted(names)
    assert sorted(names, key=walk_order) == walked


def test_documents_that_cannot_be_kept_are_only_not_kept(tmp_path: Path) -> None:
    """Keeping pass 1's documents is a saving: when its file cannot be written (a full disk;
    here a folder that is not there) the shard is still done and pass 2 runs them whole.
    The shard failed, and with it the run."""
    page = tmp_path / "pier.html"
    page.write_text(PAGE, encoding="utf-8")
    (tmp_path / "learn").mkdir()
    task = replace(
        task_for(page, tmp_path / "learn" / "pier", learn=True),
        prefix=str(tmp_path / "gone" / "pier-000000.prefix"),
    )
    done = run_shard(Pipeline(prefix_config(config())), task)
    assert done.counts.get("documents") == 1
    assert shard_file(task, "learn").exists()
    assert not (tmp_path / "gone").exists()


def test_kept_documents_take_about_their_texts_size_in_any_script(tmp_path: Path) -> None:
    """Stored as UTF-8: as escaped ASCII, Cyrillic took 2.8 times its size on disk."""
    text = "Совет гавани открыл северный пирс в понедельник после шторма. " * 200
    result = Pipeline(prefix_config(config())).run(Document(text=text), keep_input=False)
    line = stored_line("pier.txt", result)
    assert len(line) < 1.2 * len(result.text.encode("utf-8")) + 2000
    kept = tmp_path / "pier-000000.prefix"
    kept.write_bytes(line)
    ((name, stored),) = list(stored_documents(kept))
    assert name == "pier.txt" and stored is not None and stored.document.text == result.text


@pytest.mark.parametrize(
    ("learn_base", "index"),
    [
        ("0123abcd-ef45", 0),
        ("a-b-c", 3),
        ("key-000001", 2),  # a base that ends like an index
        ("trailing-", 999_999),
        ("-", 1_234_567),  # more shards than the six digits hold
        ("line\nbreak-7", 12),
    ],
)
def test_a_kept_file_name_gives_back_its_learn_file_and_shard(learn_base: str, index: int) -> None:
    """The sweep of the learn folder keeps a shard's kept documents while its input's learn
    file is wanted: the name is read back whole, whatever separators the base holds."""
    kept = KeptFile(learn_base, index)
    assert KeptFile.parse(kept.name) == kept
    assert kept.learn_file == f"{learn_base}.learn"


@pytest.mark.parametrize(
    "name",
    ["x.prefix", "x-12.prefix", "-000001.prefix", "x-000001.learn", "x-00000a.prefix", "x-000001"],
)
def test_names_that_are_not_kept_files_are_told_apart(name: str) -> None:
    assert KeptFile.parse(name) is None
