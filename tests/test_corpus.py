"""`cleaner corpus`: formats, mirroring, audit and errors, incremental reruns, the lock."""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, PAGE, article
from conftest import corpus_config as config

from cleaner.corpus import (
    AUDIT_FILE,
    ERRORS_FILE,
    REPORT_ASSETS,
    REPORT_FILE,
    CorpusError,
    CorpusLocked,
    RunLock,
    iter_jsonl,
    run_corpus,
)

REPO = Path(__file__).resolve().parents[1]
def load_sample_warc_writer() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_sample_warc", REPO / "scripts" / "make_sample_warc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_sample


def make_mixed_corpus(root: Path) -> None:
    (root / "news" / "deep").mkdir(parents=True)
    (root / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "news" / "page.html").write_text(PAGE, encoding="utf-8")
    (root / "news" / "deep" / "zipped.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    lines = [
        {"id": "r1", "text": article(1), "lang": "en", "tags": ["x"]},
        {"id": "r2", "text": article(2), "lang": "en", "metadata": {"site": "example"}},
    ]
    (root / "news" / "feed.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8"
    )
    (root / "news" / "feed2.jsonl.gz").write_bytes(
        gzip.compress((json.dumps({"id": "g1", "text": article(3)}) + "\n").encode())
    )
    load_sample_warc_writer()(root / "crawl" / "sample.warc.gz")
    (root / "notes.md").write_text("not an input", encoding="utf-8")
    (root / ".hidden.txt").write_text("hidden files are left alone", encoding="utf-8")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def files_under(root: Path) -> dict[str, bytes]:
    """The files of OUT, report.html without its run details (date, duration, counts) and
    stage times, which differ between a resumed run and an uninterrupted one."""
    files = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".cleaner" not in p.parts
    }
    if REPORT_FILE in files:
        files[REPORT_FILE] = re.sub(
            rb'<section id="(?:run-details|stages)">.*?</section>', b"", files[REPORT_FILE], flags=re.S
        )
    return files


def without_timings(path: Path) -> list[dict[str, Any]]:
    records = list(iter_jsonl(path))
    for record in records:
        record.pop("timings_ms", None)
    return records


# --- the command, as a subprocess ---------------------------------------------------------


def corpus_command() -> list[str]:
    """`cleaner corpus` once the lead has registered it; until then the same function behind
    a minimal typer app."""
    from cleaner import cli

    names = {c.name for c in cli.app.registered_commands}
    if "corpus" in names:
        return [str(Path(sys.executable).parent / "cleaner"), "corpus"]
    code = (
        "import typer\nfrom cleaner.cli_corpus import corpus\n"
        "app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)\n"
        "app.command('corpus')(corpus)\napp()"
    )
    return [sys.executable, "-c", code]


def run_command(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("CLEANER_LANGUAGETOOL_URL", None)
    return subprocess.run(
        [*corpus_command(), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=timeout,
        check=False,
    )


# --- tests ------------------------------------------------------------------------------------


def test_every_format_is_cleaned_into_a_mirrored_tree(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_mixed_corpus(src)
    summary = run_corpus(src, out, config(), jobs=1)

    produced = set(files_under(out))
    assert produced == {
        "a.txt",
        "news/page.txt",
        "news/deep/zipped.txt",
        "news/feed.jsonl",
        "news/feed2.jsonl.gz",
        "crawl/sample.jsonl",
        AUDIT_FILE,
        ERRORS_FILE,
        REPORT_FILE,
        f"{REPORT_ASSETS}/docs-00000.js",
    }
    text = (out / "a.txt").read_text(encoding="utf-8")
    assert "Advertisement" not in text and "newsletter" not in text
    assert "protected cycle lanes" in text
    page = (out / "news" / "page.txt").read_text(encoding="utf-8")
    assert "Advertisement" not in page and "Home" not in page and "three public meetings" in page
    assert (out / "news" / "deep" / "zipped.txt").read_text(encoding="utf-8") == page

    feed = read_jsonl(out / "news" / "feed.jsonl")
    assert [r["id"] for r in feed] == ["r1", "r2"]
    assert feed[0]["lang"] == "en" and feed[0]["tags"] == ["x"], "other fields are kept"
    assert feed[1]["metadata"]["site"] == "example", "input metadata is kept"
    assert feed[0]["metadata"]["chrome_lines_removed"] == 2
    assert "Advertisement" not in feed[0]["text"]
    assert read_jsonl(out / "news" / "feed2.jsonl.gz")[0]["id"] == "g1"

    crawl = read_jsonl(out / "crawl" / "sample.jsonl")
    assert [r["url"] for r in crawl] == [
        "https://news.example.org/2025/04/market-hall-reopens",
        "https://news.example.org/2025/05/school-garden",
    ], "only the two HTML 200 responses, not the JSON, the redirect or the requests"
    assert crawl[0]["date"] == "2025-04-12T09:30:00Z"
    assert "Advertisement" not in crawl[0]["text"] and "Weavers Row" in crawl[0]["text"]

    audit = list(iter_jsonl(out / AUDIT_FILE))
    assert len(audit) == 8 == summary.counts.documents
    assert [a["source"] for a in audit[:3]] == ["a.txt", "crawl/sample.warc.gz:2", "crawl/sample.warc.gz:4"]
    first = audit[0]
    assert first["chrome_lines_removed"] == 2
    assert {e["rule_id"] for e in first["edits"] if e["stage"] == "chrome"} >= {"ad-slug.advertisement"}
    assert set(first["timings_ms"]) == {"decode", "extract", "unicode", "language", "chrome", "learned_chrome", "captions", "tidy"}
    assert (out / ERRORS_FILE).read_text() == ""
    assert summary.ok and summary.ignored_files == ["notes.md"]


def test_failed_documents_are_listed_and_do_not_stop_the_run(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "broken.txt").write_bytes(b"\x00\x01binary\x00" * 20)
    (src / "feed.jsonl").write_text(
        json.dumps({"id": "ok", "text": ARTICLE})
        + "\n{not json\n"
        + json.dumps({"id": "x"})
        + "\n"
        + json.dumps({"id": "last", "text": ARTICLE})
        + "\n",
        encoding="utf-8",
    )
    summary = run_corpus(src, out, config(), jobs=1)
    errors = list(iter_jsonl(out / ERRORS_FILE))
    assert [(e["source"], e["stage"]) for e in errors] == [
        ("broken.txt", "decode"),
        ("feed.jsonl:2", "read"),
        ("feed.jsonl:3", "read"),
    ]
    assert "not a string" in errors[2]["reason"]
    assert summary.failures_total == 3 and not summary.ok
    assert (out / "good.txt").exists() and not (out / "broken.txt").exists()
    # Every input line has its output line, in its place: a failed one as the record it was
    # (or, when no record could be read, its name), with the reason.
    ok, bad_json, no_text, last = read_jsonl(out / "feed.jsonl")
    assert ok["id"] == "ok" and "cleaner_error" not in ok
    assert last["id"] == "last" and "cleaner_error" not in last
    assert bad_json["cleaner_input"] == "feed.jsonl:2" and "invalid JSON" in bad_json["cleaner_error"]
    assert no_text == {"id": "x", "cleaner_error": errors[2]["reason"]}
    audit = list(iter_jsonl(out / AUDIT_FILE))
    # The audit points at each cleaned document's output line, counting the failed lines.
    assert [(a["source"], a.get("output_line")) for a in audit] == [
        ("feed.jsonl:1", 1),
        ("feed.jsonl:4", 4),
        ("good.txt", None),
    ]


def test_rerun_skips_unchanged_and_redoes_what_changed(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    make_mixed_corpus(src)
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules" / "chrome", rules / "chrome")
    first = run_corpus(src, out, config(rules), jobs=1)
    assert first.inputs_cleaned == 6
    audit_before = (out / AUDIT_FILE).read_bytes()

    again = run_corpus(src, out, config(rules), jobs=1)
    assert (again.inputs_cleaned, again.inputs_skipped) == (0, 6)
    assert again.documents_skipped == 8
    assert (out / AUDIT_FILE).read_bytes() == audit_before, "skipped inputs keep their audit lines"

    os.utime(src / "a.txt")  # touched, same content: still skipped
    assert run_corpus(src, out, config(rules), jobs=1).inputs_skipped == 6

    (src / "a.txt").write_text(ARTICLE.replace("Tuesday", "Wednesday"), encoding="utf-8")
    changed = run_corpus(src, out, config(rules), jobs=1)
    assert (changed.inputs_cleaned, changed.inputs_skipped) == (1, 5)
    assert "Wednesday" in (out / "a.txt").read_text(encoding="utf-8")

    # A rule change can change any output: everything is redone.
    rule_file = rules / "chrome" / "ad-slugs.toml"
    rule_file.write_text(rule_file.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    assert run_corpus(src, out, config(rules), jobs=1).inputs_cleaned == 6

    (out / "news" / "page.txt").unlink()  # an output deleted by hand is written again
    assert run_corpus(src, out, config(rules), jobs=1).inputs_cleaned == 1
    assert (out / "news" / "page.txt").exists()

    (src / "news" / "feed.jsonl").unlink()
    gone = run_corpus(src, out, config(rules), jobs=1)
    assert gone.inputs_removed == 1 and not (out / "news" / "feed.jsonl").exists()
    assert all(a["input"] != "news/feed.jsonl" for a in iter_jsonl(out / AUDIT_FILE))


def test_big_jsonl_is_sharded_across_workers_in_order(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    with (src / "big.jsonl").open("w", encoding="utf-8") as handle:
        for number in range(1, 301):
            if number == 150:
                handle.write("\n")  # blank lines are skipped but still counted
            record = {"id": f"d{number}", "text": article(number), "n": number}
            handle.write(json.dumps(record) + "\n")
    one = run_corpus(src, tmp_path / "one", config(), jobs=1, shard_bytes=4000)
    two = run_corpus(src, tmp_path / "two", config(), jobs=2, shard_bytes=4000)
    assert two.jobs == 2
    assert files_under(tmp_path / "one")["big.jsonl"] == files_under(tmp_path / "two")["big.jsonl"]
    records = read_jsonl(tmp_path / "two" / "big.jsonl")
    assert [r["n"] for r in records] == list(range(1, 301))
    audit = list(iter_jsonl(tmp_path / "two" / AUDIT_FILE))
    assert audit[0]["source"] == "big.jsonl:1" and audit[-1]["source"] == "big.jsonl:301"
    assert audit[200]["output_line"] == 201
    assert without_timings(tmp_path / "one" / AUDIT_FILE) == without_timings(
        tmp_path / "two" / AUDIT_FILE
    )
    assert one.counts.documents == two.counts.documents == 300
    assert not list((tmp_path / "two" / ".cleaner" / "parts").iterdir()), "parts cleaned up"


def test_audit_lines_point_at_their_records_across_shards_with_failures(tmp_path: Path) -> None:
    """A failed line keeps its place in the output: the shards after it count it too."""
    src = tmp_path / "in"
    src.mkdir()
    with (src / "big.jsonl").open("w", encoding="utf-8") as handle:
        for number in range(1, 61):
            record: dict[str, object] = {"id": f"d{number}"}
            if number not in (2, 3, 35):  # failures in the first shards and a later one
                record["text"] = article(number)
            handle.write(json.dumps(record) + "\n")
    summary = run_corpus(src, tmp_path / "out", config(), jobs=2, shard_bytes=4000)
    assert summary.failures_total == 3
    records = read_jsonl(tmp_path / "out" / "big.jsonl")
    assert [r["id"] for r in records] == [f"d{number}" for number in range(1, 61)]
    audit = list(iter_jsonl(tmp_path / "out" / AUDIT_FILE))
    assert len(audit) == 57
    for entry in audit:
        assert records[entry["output_line"] - 1]["id"] == entry["id"], entry["source"]


@pytest.mark.parametrize(
    ("inp", "out", "message"),
    [
        ("data", "data", "same folder"),
        ("data", "data/clean", "inside IN"),
        ("work/raw", "work", "inside OUT"),
        ("missing", "out", "no such folder"),
    ],
)
def test_refuses_folders_that_overlap(tmp_path: Path, inp: str, out: str, message: str) -> None:
    for name in ("data", "work/raw"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
    with pytest.raises(CorpusError, match=message):
        run_corpus(tmp_path / inp, tmp_path / out, config(), jobs=1)


def test_a_second_run_on_the_same_out_is_refused(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom cleaner.corpus import RunLock\n"
            "lock = RunLock(Path(sys.argv[1]) / '.cleaner' / 'lock')\nlock.acquire(Path(sys.argv[1]))\n"
            "print('locked', flush=True)\ntime.sleep(60)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(CorpusLocked, match=rf"pid {holder.pid}.*is writing to"):
            run_corpus(src, out, config(), jobs=1)
        proc = run_command(str(src), str(out), "--skip", "repair,grammar")
        assert proc.returncode == 2
        assert f"another 'cleaner corpus' run (pid {holder.pid}" in proc.stderr
    finally:
        holder.kill()
        holder.wait()
    # The holder died without releasing anything: its lock file is stale and ignored.
    assert json.loads((out / ".cleaner" / "lock").read_text())["pid"] == holder.pid
    assert run_corpus(src, out, config(), jobs=1).ok


def test_lock_file_without_a_holder_is_not_a_lock(tmp_path: Path) -> None:
    lock_path = tmp_path / ".cleaner" / "lock"
    lock_path.parent.mkdir()
    lock_path.write_text(json.dumps({"pid": 999_999_999, "started": "yesterday"}))
    lock = RunLock(lock_path)
    lock.acquire(tmp_path)
    assert json.loads(lock_path.read_text())["pid"] == os.getpid()
    lock.release()


def test_command_exit_codes_and_quiet_output(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    ok = run_command(str(src), str(out), "--skip", "repair,grammar", "--jobs", "2")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "", "nothing on stdout"
    # Not a terminal: no bar, one summary line naming the report (issue 14 item 20).
    assert ok.stderr.count("\n") == 1 and ok.stderr.startswith("cleaner corpus: 1 inputs")
    assert "report.html" in ok.stderr

    (src / "bad.txt").write_bytes(b"\x00\x01binary\x00" * 20)
    failed = run_command(str(src), str(out), "--skip", "repair,grammar")
    assert failed.returncode == 1, failed.stderr
    still = run_command(str(src), str(out), "--skip", "repair,grammar")
    assert still.returncode == 1, "a failure stays reported while its input is unchanged"

    inside = run_command(str(src), str(src / "out"), "--skip", "repair,grammar")
    assert inside.returncode == 2 and "inside IN" in inside.stderr
    bad_skip = run_command(str(src), str(out), "--skip", "nonsense")
    assert bad_skip.returncode == 2 and "nonsense" in bad_skip.stderr


def test_progress_and_summary_on_a_terminal(tmp_path: Path) -> None:
    """Under a pseudo-terminal the bar and the summary table appear on stderr."""
    import pty

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for number in range(5):
        (src / f"{number}.txt").write_text(article(number), encoding="utf-8")
    primary, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.Popen(
        [*corpus_command(), str(src), str(out), "--skip", "repair,grammar", "-j", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        cwd=REPO,
        env=env,
    )
    os.close(secondary)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=120) == 0
    os.close(primary)
    shown = b"".join(chunks).decode("utf-8", "replace")
    for words in ("docs/s", "chrome lines removed", "repairs", "grammar fixes", "failures", "report:"):
        assert words in shown, f"{words!r} missing from:\n{shown}"
    # Pass 1 of learned chrome has its bar too, before the cleaning's.
    assert shown.index("learning chrome from 5 inputs") < shown.index("cleaning 5 inputs"), shown


def test_manifest_of_the_json_lines_format_is_taken_over(tmp_path: Path) -> None:
    """OUT folders written by cleaner 0.1 kept the manifest as JSON lines: a run takes its
    entries over (up to a line a kill cut short), so nothing is redone or left behind."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for number in range(3):
        (src / f"a{number}.txt").write_text(article(number), encoding="utf-8")
    run_corpus(src, out, config(), jobs=1)
    state = out / ".cleaner"
    with contextlib.closing(sqlite3.connect(state / "manifest.sqlite3")) as db:
        entries = [json.loads(row[0]) for row in db.execute("SELECT entry FROM inputs ORDER BY rel")]
    (state / "manifest.sqlite3").unlink()
    lines = "".join(json.dumps(entry, sort_keys=True) + "\n" for entry in entries[:2])
    (state / "manifest.jsonl").write_text(lines + json.dumps(entries[2])[:40], encoding="utf-8")
    (src / "a0.txt").unlink()  # removed since: its output must go, which needs its entry

    again = run_corpus(src, out, config(), jobs=1)

    assert (again.inputs_skipped, again.inputs_cleaned, again.inputs_removed) == (1, 1, 1)
    assert not (state / "manifest.jsonl").exists()
    assert not (out / "a0.txt").exists()
    assert (out / "a1.txt").exists() and (out / "a2.txt").exists()
    assert run_corpus(src, out, config(), jobs=1).inputs_skipped == 2


def test_output_names_follow_their_inputs_when_a_claimant_leaves(tmp_path: Path) -> None:
    """a.html writes a.txt, so the text input a.txt writes a.txt.txt; once a.html is gone,
    a.txt's output is a.txt again and the old a.txt.txt goes."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.html").write_text(PAGE, encoding="utf-8")
    (src / "a.txt").write_text(article(1), encoding="utf-8")
    run_corpus(src, out, config(), jobs=1)
    assert sorted(p.name for p in out.glob("a*")) == ["a.txt", "a.txt.txt"]
    (src / "a.html").unlink()
    again = run_corpus(src, out, config(), jobs=1)
    assert (again.inputs_removed, again.inputs_cleaned) == (1, 1)
    assert sorted(p.name for p in out.glob("a*")) == ["a.txt"]
    assert (out / "a.txt").read_text(encoding="utf-8").startswith(article(1).split("\n")[0])
    assert run_corpus(src, out, config(), jobs=1).inputs_skipped == 1


def test_names_that_differ_only_in_case_get_separate_outputs(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    for folder in ("News", "news"):
        (src / folder).mkdir(parents=True)
        (src / folder / "a.txt").write_text(article(len(folder)), encoding="utf-8")
    run_corpus(src, out, config(), jobs=1)
    outputs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.txt"))
    assert outputs == ["News/a.txt", "news/a.txt.txt"]


def test_merged_files_a_killed_run_left_out_of_date_are_rebuilt(tmp_path: Path) -> None:
    """A run killed after its last commit but before rebuilding _audit.jsonl leaves them
    out of date with nothing left to clean: the next run still rebuilds them."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for number in range(3):
        (src / f"a{number}.txt").write_text(article(number), encoding="utf-8")
    run_corpus(src, out, config(), jobs=1)
    complete = (out / AUDIT_FILE).read_bytes()
    # What such a kill leaves: the flag the run clears before changing anything, and a
    # merged file from before the change.
    (out / AUDIT_FILE).write_bytes(complete.split(b"\n", 1)[0] + b"\n")
    with contextlib.closing(sqlite3.connect(out / ".cleaner" / "manifest.sqlite3")) as db:
        db.execute("UPDATE flags SET value = 0 WHERE name = 'merged'")
        db.commit()
    again = run_corpus(src, out, config(), jobs=1)
    assert again.inputs_skipped == 3
    assert (out / AUDIT_FILE).read_bytes() == complete
