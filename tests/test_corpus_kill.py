"""A real `cleaner corpus` process killed with SIGKILL again and again, then finished: every
output complete, nothing duplicated, the same bytes as a run that was never interrupted."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import kill_when
from test_corpus import PAGE, article, corpus_command, files_under, without_timings

from cleaner.corpus import AUDIT_FILE, ERRORS_FILE, REPORT_FILE, iter_jsonl

REPO = Path(__file__).resolve().parents[1]
JSONL_LINES = 1500
GZ_LINES = 200
PAGES = 80
SHARD_BYTES = "8000"  # ~10 lines a shard: many shard commits inside the big file


def make_corpus(root: Path) -> int:
    (root / "pages").mkdir(parents=True)
    for number in range(PAGES):
        page = PAGE.replace("four kilometres", f"{number + 4} kilometres")
        (root / "pages" / f"p{number:03d}.html").write_text(page, encoding="utf-8")
    with (root / "big.jsonl").open("w", encoding="utf-8") as handle:
        for number in range(JSONL_LINES):
            text: object = article(number) if number % 97 else 97  # not a string: fails
            handle.write(json.dumps({"id": f"b{number}", "text": text, "n": number}) + "\n")
            if number == 700:
                handle.write("{broken json\n")
    lines = "".join(
        json.dumps({"id": f"g{n}", "text": article(n)}) + "\n" for n in range(GZ_LINES)
    )
    (root / "more.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    return PAGES + JSONL_LINES + 1 + GZ_LINES


def start(src: Path, out: Path, jobs: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "CLEANER_LANGUAGETOOL_URL"}
    return subprocess.Popen(
        [*corpus_command(), str(src), str(out), "--skip", "repair,grammar", "--jobs", str(jobs),
         "--shard-bytes", SHARD_BYTES],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


def committed(out: Path) -> int:
    """Inputs the manifest records as done (0 while it is busy being written)."""
    manifest = out / ".cleaner" / "manifest.sqlite3"
    if not manifest.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{manifest}?mode=ro", uri=True, timeout=0.5)) as db:
            return int(db.execute("SELECT COUNT(*) FROM inputs").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_sigkill_at_any_moment_then_resume(tmp_path: Path, jobs: int) -> None:
    src = tmp_path / "in"
    documents = make_corpus(src)

    reference = start(src, tmp_path / "reference", jobs)
    began = time.monotonic()
    _, err = reference.communicate(timeout=600)
    full_run = time.monotonic() - began
    assert reference.returncode == 1, err.decode()  # the junk lines fail, as they should

    out = tmp_path / "out"
    parts = out / ".cleaner" / "parts"
    inputs = PAGES + 2
    # Kill during start-up, with big.jsonl half done (shards finished, file not committed),
    # with pages written in place but not yet in the manifest, after a few commits, after
    # most, and when every input is committed (the final merge).
    moments = [
        ("start-up", lambda: True),
        ("shards done, file not committed", lambda: any(parts.glob("*.done"))),
        (
            "pages written, not recorded",
            lambda: committed(out) == 0 and any((out / "pages").glob("p*.txt")),
        ),
        ("some inputs committed", lambda: committed(out) >= 10),
        ("most inputs committed", lambda: committed(out) >= inputs // 2),
        ("all committed, merging", lambda: committed(out) >= inputs),
    ]
    hit: list[str] = []
    for name, condition in moments:
        proc = start(src, out, jobs)
        if kill_when(proc, condition):
            hit.append(name)
        assert proc.returncode in (1, -signal.SIGKILL), proc.stderr.read() if proc.stderr else ""
        # Orphaned workers notice their run is gone and exit at once.
        deadline = time.monotonic() + 5
        while processes_mentioning(str(out)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not processes_mentioning(str(out)), "workers outlived the killed run"
    assert len(hit) >= 5, f"kills that hit a running process: {hit}"
    print(f"killed during: {hit}; full run {full_run:.1f} s")

    final = start(src, out, jobs)
    _, err = final.communicate(timeout=600)
    assert final.returncode == 1, err.decode()

    ref_files, out_files = files_under(tmp_path / "reference"), files_under(out)
    assert set(out_files) == set(ref_files)
    for name in ref_files:
        if name not in (AUDIT_FILE,):
            assert out_files[name] == ref_files[name], f"{name} differs from the uninterrupted run"
    assert without_timings(out / AUDIT_FILE) == without_timings(tmp_path / "reference" / AUDIT_FILE)

    audit = list(iter_jsonl(out / AUDIT_FILE))
    errors = list(iter_jsonl(out / ERRORS_FILE))
    sources = [a["source"] for a in audit] + [e["source"] for e in errors]
    assert len(sources) == len(set(sources)) == documents, "every document once, none twice"
    big = [json.loads(line) for line in (out / "big.jsonl").read_text().splitlines()]
    # Every line in its place, the failed ones (text not a string, the broken JSON after
    # record 700) with the reason.
    assert [r.get("n") for r in big] == [*range(701), None, *range(701, JSONL_LINES)]
    assert "cleaner_error" in big[701] and "cleaner_input" in big[701]
    assert [r["n"] for r in big if "cleaner_error" in r and "n" in r] == [
        n for n in range(JSONL_LINES) if not n % 97
    ]
    assert (out / REPORT_FILE).exists()
    leftovers = [p for p in out.rglob("*") if ".tmp" in p.name]
    assert not leftovers, leftovers
    assert not list((out / ".cleaner" / "parts").iterdir())

    rerun = start(src, out, jobs)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 1
    assert files_under(out) == out_files, "a rerun after resuming changes nothing"


def test_outputs_of_a_killed_run_are_never_kept_by_a_later_skip(tmp_path: Path) -> None:
    """Pages are edited, a run is killed after writing some of their outputs in place but
    before recording them, and the edit is undone: the next run must not skip those pages
    as unchanged (their outputs hold the edited text), so every output matches a run that
    never saw the edit."""
    src, out, reference = tmp_path / "in", tmp_path / "out", tmp_path / "reference"
    src.mkdir()
    pages = 120

    def write(marker: str) -> None:
        for number in range(pages):
            page = PAGE.replace("four kilometres", f"{number + 4} kilometres {marker}")
            (src / f"p{number:03d}.html").write_text(page, encoding="utf-8")

    write("ORIGINAL")
    for folder in (reference, out):
        done = start(src, folder, 2)
        assert done.wait(timeout=600) == 0
    write("EDITED")
    proc = start(src, out, 2)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if any("EDITED" in path.read_text() for path in out.glob("p*.txt")):
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the run ended before it could be killed mid-way"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    write("ORIGINAL")
    final = start(src, out, 2)
    assert final.wait(timeout=600) == 0
    ref_files, out_files = files_under(reference), files_under(out)
    assert set(out_files) == set(ref_files)
    for name in ref_files:
        if name != AUDIT_FILE:
            assert out_files[name] == ref_files[name], name


def test_sigterm_stops_cleanly_and_resume_skips_finished_inputs(tmp_path: Path) -> None:
    """SIGTERM (``kill``, a scheduler's time limit) mid-run: the run commits what it finished
    before it ends (rc 143, saying so), and the next run cleans only the rest. Before, Python's
    default for SIGTERM ended the process without committing the last batch of its manifest
    (up to a second of work, which was every input of a short run), so a resume re-cleaned
    inputs whose outputs were already written."""
    src, out, reference = tmp_path / "in", tmp_path / "out", tmp_path / "reference"
    src.mkdir()
    pages = 150
    for number in range(pages):
        page = PAGE.replace("four kilometres", f"{number + 4} kilometres")
        (src / f"p{number:03d}.html").write_text(page, encoding="utf-8")
    assert start(src, reference, 2).wait(timeout=600) == 0

    proc = start(src, out, 2)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if len(list(out.glob("p*.txt"))) >= pages // 3:
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the run ended before it could be terminated mid-way"
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    message = err.decode()
    assert proc.returncode == 128 + signal.SIGTERM, message
    assert "terminated" in message and "run the same command again" in message, message
    done = committed_outputs(out)
    written = len(list(out.glob("p*.txt")))
    print(f"{written} outputs written, {done} committed by the clean stop")
    assert done >= pages // 5, f"only {done} inputs committed by the clean stop"
    assert done < pages, "the run finished before SIGTERM reached it"

    resumed = subprocess.run(
        [*corpus_command(), str(src), str(out), "--skip", "repair,grammar", "--jobs", "2"],
        capture_output=True,
        cwd=REPO,
        timeout=600,
        check=False,
    )
    summary = resumed.stderr.decode()
    assert resumed.returncode == 0, summary
    assert f"({pages - done} cleaned, {done} unchanged" in summary, summary
    ref_files, out_files = files_under(reference), files_under(out)
    assert set(out_files) == set(ref_files)
    for name in ref_files:
        if name != AUDIT_FILE:
            assert out_files[name] == ref_files[name], name


def committed_outputs(out: Path) -> int:
    """Inputs the manifest records as cleaned (a real entry, not a name reserved while
    planning)."""
    manifest = out / ".cleaner" / "manifest.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{manifest}?mode=ro", uri=True)) as db:
        entries = [json.loads(entry) for (entry,) in db.execute("SELECT entry FROM inputs")]
    return sum(1 for entry in entries if entry.get("size", -1) >= 0 and "counts" in entry)
