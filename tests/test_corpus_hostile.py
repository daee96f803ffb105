"""`cleaner corpus` against hostile inputs and folders (issue 14): every defect found by hostile
testing, reproduced with real files, real WARC bytes and the real command in a subprocess."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import ARTICLE, PAGE, article, children_reading, corpus_config, warc_pages
from test_corpus import (
    corpus_command,
    files_under,
    read_jsonl,
    run_command,
)

from cleaner.corpus import ERRORS_FILE, iter_jsonl, run_corpus
from cleaner.io.atomic import temp_path

SKIP = ("--skip", "repair,grammar")


def corpus(src: Path, out: Path, *extra: str) -> Any:
    return run_command(str(src), str(out), *SKIP, *extra)


def errors(out: Path) -> list[dict[str, Any]]:
    return list(iter_jsonl(out / ERRORS_FILE))


# --- WARC files cut short (items 3 and 8) -----------------------------------------------------


def test_a_truncated_warc_record_is_an_error_not_a_short_document(tmp_path: Path) -> None:
    good = warc_pages()
    assert len(good) > 9000
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "good.warc").write_bytes(good)
    (src / "cut.warc").write_bytes(good[:9000])  # head -c 9000 good.warc > in/cut.warc
    result = corpus(src, out)
    assert result.returncode == 1, result.stderr
    whole = read_jsonl(out / "good.jsonl")
    assert len(whole) == 3
    cut = read_jsonl(out / "cut.jsonl")
    cleaned = [record for record in cut if "cleaner_error" not in record]
    assert len(cleaned) < 3
    for record in cleaned:  # what is written is whole: the same text as in the complete file
        assert record["text"] in {r["text"] for r in whole}
    # The cut record is a line in its place that says why, as `cleaner clean` writes it.
    [failure] = [record for record in cut if "cleaner_error" in record]
    assert cut[-1] is failure and "text" not in failure
    assert "after it are missing" in failure["cleaner_error"]
    [error] = errors(out)
    assert error["input"] == "cut.warc"
    assert "ends inside record" in error["reason"] and "after it are missing" in error["reason"]


def test_a_warc_cut_inside_a_record_header_is_reported_not_a_crash(tmp_path: Path) -> None:
    good = warc_pages()
    second = good.index(b"WARC/1.0", 10)
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "header.warc").write_bytes(good[: second + 40])  # inside record 2's WARC header
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    result = corpus(src, out)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "a.txt").exists()
    whole, damaged = read_jsonl(out / "header.jsonl")
    assert "cleaner_error" not in whole and "damaged WARC file" in damaged["cleaner_error"]
    [error] = errors(out)
    assert error["input"] == "header.warc" and "damaged WARC file" in error["reason"]
    assert error["source"] == "header.warc:2"
    assert corpus(src, out).returncode == 1, "still reported on a rerun"
    assert files_under(out)["a.txt"]


# --- files in OUT that cleaner did not write (item 2) -----------------------------------------


def test_a_file_in_out_that_cleaner_did_not_write_is_never_overwritten(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "sub").mkdir(parents=True)
    out.mkdir()
    (out / "notes.txt").write_text("MINE\n", encoding="utf-8")  # echo MINE > out/notes.txt
    (out / "sub").write_text("a file where a folder of outputs goes\n", encoding="utf-8")
    (src / "notes.txt").write_text("new\n", encoding="utf-8")
    (src / "sub" / "page.html").write_text(PAGE, encoding="utf-8")
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")

    result = corpus(src, out)
    assert result.returncode == 1, result.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8") == "MINE\n"
    assert (out / "sub").read_text(encoding="utf-8").startswith("a file where")
    assert (out / "a.txt").exists()
    reasons = {e["input"]: e["reason"] for e in errors(out)}
    assert set(reasons) == {"notes.txt", "sub/page.html"}
    assert "OUT/notes.txt exists and was not written by cleaner" in reasons["notes.txt"]
    assert "OUT/sub exists" in reasons["sub/page.html"]
    assert "2 files in OUT not overwritten" in result.stderr

    again = corpus(src, out)  # still refused, still reported
    assert again.returncode == 1 and (out / "notes.txt").read_text(encoding="utf-8") == "MINE\n"
    assert len(errors(out)) == 2

    (out / "notes.txt").unlink()  # moved away: now it is cleaned
    (out / "sub").unlink()
    fixed = corpus(src, out)
    assert fixed.returncode == 0, fixed.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8").strip() == "new"
    assert (out / "sub" / "page.txt").exists() and errors(out) == []


def test_overwrite_replaces_files_cleaner_did_not_write(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    (out / "notes.txt").write_text("MINE\n", encoding="utf-8")
    (src / "notes.txt").write_text("new\n", encoding="utf-8")
    result = corpus(src, out, "--overwrite")
    assert result.returncode == 0, result.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8").strip() == "new"


# --- an empty or different IN (item 4) --------------------------------------------------------


def test_a_run_that_would_remove_most_outputs_is_refused(tmp_path: Path) -> None:
    src, out, empty = tmp_path / "in", tmp_path / "out", tmp_path / "mnt"
    src.mkdir()
    empty.mkdir()  # an unmounted mount point
    for number in range(4):
        (src / f"a{number}.txt").write_text(article(number), encoding="utf-8")
    assert corpus(src, out).returncode == 0
    before = files_under(out)

    refused = corpus(empty, out)
    assert refused.returncode == 2
    assert "4 of the 4 inputs" in refused.stderr and "--allow-mass-delete" in refused.stderr
    assert files_under(out) == before

    for number in range(3):  # three of four removed: still refused
        (src / f"a{number}.txt").unlink()
    assert corpus(src, out, "--mass-delete-fraction", "0.5").returncode == 2
    assert files_under(out) == before
    allowed = corpus(src, out, "--mass-delete-fraction", "0.8")
    assert allowed.returncode == 0, allowed.stderr
    assert sorted(p.name for p in out.glob("a*.txt")) == ["a3.txt"]

    gone = corpus(empty, out, "--allow-mass-delete")
    assert gone.returncode == 0, gone.stderr
    assert not list(out.glob("a*.txt"))


# --- names the file system allows but UTF-8 does not, or that are long (items 5, 9) -----------


def test_file_names_that_are_not_utf8_are_cleaned_and_written_as_valid_utf8(
    tmp_path: Path,
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (Path(os.fsdecode(bytes(src) + b"/caf\xe9.txt"))).write_bytes(b"x\n")
    (Path(os.fsdecode(bytes(src) + b"/d\xfcmp.jsonl"))).write_text(
        json.dumps({"id": "r1", "text": ARTICLE}) + "\n", encoding="utf-8"
    )
    result = corpus(src, out)
    assert result.returncode == 0, result.stderr
    names = set(os.listdir(bytes(out)))
    assert b"caf\xe9.txt" in names and b"d\xfcmp.jsonl" in names
    assert (out / os.fsdecode(b"caf\xe9.txt")).read_text(encoding="utf-8").strip() == "x"
    for name in ("_audit.jsonl", "_errors.jsonl", "d\\xfcmp.jsonl"):
        path = out / (os.fsdecode(b"d\xfcmp.jsonl") if name.startswith("d") else name)
        path.read_bytes().decode("utf-8")  # valid UTF-8
    inputs = {record["input"] for record in iter_jsonl(out / "_audit.jsonl")}
    assert inputs == {"caf\\xe9.txt", "d\\xfcmp.jsonl"}
    again = corpus(src, out)
    assert again.returncode == 0 and "2 unchanged" in again.stderr


def test_long_file_names_get_a_stable_shortened_output_name(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    long_text = "a" * 240 + ".txt"  # the temporary name used to add ~20 characters
    longest = "é" * 125 + ".warc"  # 255 bytes; its output (.jsonl) would be 257
    (src / long_text).write_text(ARTICLE, encoding="utf-8")
    (src / longest).write_bytes(warc_pages(1))
    result = corpus(src, out)
    assert result.returncode == 0, result.stderr
    assert (out / long_text).read_text(encoding="utf-8").startswith("Council approves")
    [shortened] = [p for p in out.glob("é*")]
    assert len(os.fsencode(shortened.name)) <= 255 and shortened.name.endswith(".jsonl")
    assert len(read_jsonl(shortened)) == 1
    again = corpus(src, out)
    assert again.returncode == 0 and "2 unchanged" in again.stderr
    assert [p.name for p in out.glob("é*")] == [shortened.name]


# --- a lone surrogate in JSONL (item 6, corpus part) ------------------------------------------


def test_a_lone_surrogate_in_jsonl_fails_that_line_only(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    lines = [
        json.dumps({"id": "before", "text": article(1)}),
        '{"id":"a","text":"x \\ud800"}',
        json.dumps({"id": "after", "text": article(2)}),
    ]
    (src / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = corpus(src, out)
    assert result.returncode == 1, result.stderr
    before, failed, after = read_jsonl(out / "feed.jsonl")
    assert (before["id"], after["id"]) == ("before", "after")
    # The failed line keeps its place and its record, the surrogate written as its escape.
    assert failed["id"] == "a" and failed["text"] == "x \ud800"
    assert "lone surrogate" in failed["cleaner_error"]
    [error] = errors(out)
    assert error["id"] == "a" and "lone surrogate (U+D800" in error["reason"]
    assert error["source"] == "feed.jsonl:2"


# --- links and the summary line (items 18, 20) ------------------------------------------------


def test_dangling_links_are_counted_and_a_summary_line_is_printed(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "gone.txt").symlink_to(src / "nowhere.txt")
    result = corpus(src, out)  # stderr is a pipe here, not a terminal
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("cleaner corpus: 1 inputs")
    assert "1 inputs (1 cleaned" in line and "1 links skipped (1 broken)" in line
    assert f"report: {out / 'report.html'}" in line
    quiet = corpus(src, out, "--quiet")
    assert quiet.stderr == ""


def test_a_kill_in_the_final_phase_leaves_no_temporary_file_in_sight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merged files are written through temporary files in OUT/.cleaner, not in OUT."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def replace(source: Any, target: Any) -> None:
        renames.append((Path(source), Path(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    run_corpus(src, out, corpus_config(), jobs=1)
    top = out.resolve()
    names = {"_errors.jsonl", "_audit.jsonl", "report.html"}
    merged = {t.name: s for s, t in renames if t.parent == top and t.name in names}
    assert set(merged) == names
    assert all(source.parent == top / ".cleaner" for source in merged.values()), merged
    assert temp_path(out / "sub" / "x.txt").parent == out / "sub"
    assert len(temp_path(out / ("a" * 250)).name) < 40


def test_encoding_errors_option_is_accepted(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "broken.txt").write_bytes(ARTICLE.encode("utf-8") + b"Caf\xc3\xa9 \xff ok\n")
    strict = corpus(src, out, "--encoding-errors", "strict")
    assert strict.returncode == 1, strict.stderr
    replaced = corpus(src, out, "--encoding-errors", "replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "\ufffd" in (out / "broken.txt").read_text(encoding="utf-8")


# --- a worker that dies (item 11) -------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_worker_that_dies_is_named_its_input_left_out_and_the_run_goes_on(
    tmp_path: Path, jobs: str
) -> None:
    """With one job too: a poison document cleaned in the run's own process would end it."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    lines = "".join(json.dumps({"id": f"p{n}", "text": article(n)}) + "\n" for n in range(3000))
    poison = src / "poison.jsonl.gz"
    poison.write_bytes(gzip.compress(lines.encode("utf-8")))
    for number in range(6):
        (src / f"a{number}.txt").write_text(article(number), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CLEANER_LANGUAGETOOL_URL"}
    proc = subprocess.Popen(
        [*corpus_command(), str(src), str(out), *SKIP, "--jobs", jobs],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 120
    killed = False
    while not killed and time.monotonic() < deadline and proc.poll() is None:
        for pid in children_reading(proc.pid, poison):
            os.kill(pid, signal.SIGKILL)  # as the out-of-memory killer would
            killed = True
        time.sleep(0.02)
    _, stderr = proc.communicate(timeout=300)
    assert killed, "the worker reading the poison input was not found"
    assert proc.returncode == 1, stderr
    assert (out / ERRORS_FILE).exists(), stderr
    [error] = errors(out)
    assert error["input"] == "poison.jsonl.gz" and error["stage"] == "worker"
    assert "SIGKILL" in error["reason"] and "--retry-failed" in error["reason"]
    assert sorted(p.name for p in out.glob("a*.txt")) == [f"a{n}.txt" for n in range(6)]
    assert not (out / "poison.jsonl.gz").exists()
    assert b"1 inputs left out" in stderr
    assert not [p for p in out.rglob("*.tmp")]

    again = corpus(src, out, "--jobs", "2")  # the poison input is not tried again
    assert again.returncode == 1 and "7 unchanged" in again.stderr
    assert len(errors(out)) == 1

    retried = corpus(src, out, "--jobs", "2", "--retry-failed")
    assert retried.returncode == 0, retried.stderr
    assert len(read_jsonl(out / "poison.jsonl.gz")) == 3000 and errors(out) == []


# --- an edit that keeps the size and the mtime (item 17) --------------------------------------


def test_an_edit_that_keeps_size_and_mtime_is_cleaned_again(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "b.txt").write_text(article(2), encoding="utf-8")
    assert corpus(src, out).returncode == 0
    before = (src / "a.txt").stat()
    edited = ARTICLE.replace("Tuesday", "Fridays")  # the same length
    assert len(edited) == len(ARTICLE)
    (src / "a.txt").write_text(edited, encoding="utf-8")
    os.utime(src / "a.txt", ns=(before.st_atime_ns, before.st_mtime_ns))
    after = (src / "a.txt").stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    os.chmod(src / "b.txt", 0o600)  # a new ctime, the same content: hashed, not cleaned

    rerun = corpus(src, out)
    assert rerun.returncode == 0, rerun.stderr
    assert "Fridays" in (out / "a.txt").read_text(encoding="utf-8")
    assert "(1 cleaned, 1 unchanged" in rerun.stderr
    assert "(0 cleaned, 2 unchanged" in corpus(src, out).stderr


# --- a line longer than --max-bytes (item 10, corpus part) ------------------------------------


def test_a_jsonl_line_above_max_bytes_is_refused_while_reading(tmp_path: Path) -> None:
    """The line is read past in blocks, never held (bench/bench_corpus_memory.py measures the
    peak); the lines around it are cleaned."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    huge = json.dumps({"id": "huge", "text": "word " * 600_000})  # 3 MB
    lines = [json.dumps({"id": "ok1", "text": article(1)}), huge]
    lines += [json.dumps({"id": f"ok{n}", "text": article(n)}) for n in range(2, 6)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    (src / "feed.jsonl.gz").write_bytes(gzip.compress(data))
    (src / "plain.jsonl").write_bytes(data)  # split into shards of about 2 kB
    result = corpus(src, out, "--max-bytes", "1000000", "--shard-bytes", "2000")
    assert result.returncode == 1, result.stderr
    for name in ("feed.jsonl.gz", "plain.jsonl"):
        records = read_jsonl(out / name)
        assert [r.get("id") for r in records] == ["ok1", None, "ok2", "ok3", "ok4", "ok5"]
        # The refused line is named in its place; its 3 MB are not copied into the output.
        assert records[1] == {
            "cleaner_input": f"{name}:2",
            "cleaner_error": records[1]["cleaner_error"],
        }
        assert "line is above the 1 MB limit" in records[1]["cleaner_error"]
    reported = {(e["source"], e["stage"]) for e in errors(out)}
    assert reported == {("feed.jsonl.gz:2", "read"), ("plain.jsonl:2", "read")}
    assert all("line is above the 1 MB limit" in e["reason"] for e in errors(out))


@pytest.mark.parametrize("gzipped", [True, False], ids=["warc.gz", "warc"])
def test_a_warc_cut_anywhere_loses_no_record_silently(tmp_path: Path, gzipped: bool) -> None:
    """Every cut of a WARC gives whole records and, unless it falls in the last bytes of a
    record (its gzip trailer, the blank lines after it: the records before are whole, and a
    file cut at a record's end cannot be told from a shorter one), an error naming the damaged
    record."""
    from warcio.archiveiterator import ArchiveIterator

    from cleaner.io.warc import read_warc_path

    whole = warc_pages(gzipped=gzipped, long=False)
    iterator = ArchiveIterator(BytesIO(whole))
    starts = [iterator.offset for _ in iterator]
    ends = [*starts[1:], len(whole)]
    name = "cut.warc.gz" if gzipped else "cut.warc"
    path = tmp_path / name
    for cut in range(1, len(whole)):
        if any(end - 16 <= cut <= end for end in ends):
            continue
        path.write_bytes(whole[:cut])
        sources = list(read_warc_path(path, name, 1_000_000))
        documents = [s for s in sources if s.error is None]
        failed = [s for s in sources if s.error is not None]
        assert len(failed) == 1 and "damaged WARC file" in str(failed[0].error), cut
        assert len(documents) < 3 and failed[0].name == f"{name}:{len(documents) + 1}", cut


def test_a_one_member_warc_gz_gives_every_record_and_any_cut_is_reported(tmp_path: Path) -> None:
    """A .warc.gz compressed as one gzip member (`gzip crawl.warc`) gave its first record and
    lost the rest (warcio refuses such a file after one record). All its records come out; cut
    anywhere, it gives whole records and one error naming the first missing record, also where
    its decompressed text ends between two records (which a plain .warc cannot tell apart from
    a shorter file, but a gzip stream without its end marker can)."""
    from cleaner.io.warc import read_warc_path

    whole = gzip.compress(warc_pages(gzipped=False, long=False))
    name = "one.warc.gz"
    path = tmp_path / name
    path.write_bytes(whole)
    sources = list(read_warc_path(path, name, 1_000_000))
    assert [(s.name, s.error) for s in sources] == [(f"{name}:{n}", None) for n in (1, 2, 3)]
    assert len({s.raw for s in sources}) == 3
    for cut in range(1, len(whole)):  # a cut in the last bytes (the end of the compressed
        # data, the 8-byte trailer) keeps the 3 records whole: reported all the same
        path.write_bytes(whole[:cut])
        sources = list(read_warc_path(path, name, 1_000_000))
        documents = [s for s in sources if s.error is None]
        failed = [s for s in sources if s.error is not None]
        assert len(failed) == 1 and "damaged WARC file" in str(failed[0].error), cut
        assert failed[0].name == f"{name}:{len(documents) + 1}", cut
        assert len(documents) < 3 or cut >= len(whole) - 16, cut


def test_fifos_and_devices_in_in_are_skipped_with_a_message_not_read(tmp_path: Path) -> None:
    """A FIFO with an input's name hung the run (reading it waits for a writer); a device
    (here /dev/zero, reached by a followed link) may never end. Both are skipped and named."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(src / "pipe.txt")
    (src / "zeros.txt").symlink_to("/dev/zero")
    result = run_command(str(src), str(out), *SKIP, "--follow-symlinks", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "not files (a FIFO, device or socket), skipped: pipe.txt, zeros.txt" in result.stderr
    assert "1 inputs (1 cleaned" in result.stderr and "2 FIFOs, devices or sockets skipped" in result.stderr
    assert (out / "a.txt").exists()
    assert not (out / "pipe.txt").exists() and not (out / "zeros.txt").exists()


def test_a_link_to_itself_is_a_broken_link(tmp_path: Path) -> None:
    """A link that leads to itself ended the run with a RuntimeError (Path.resolve on a
    loop); it is a broken link, counted as one. `cleaner clean` names it as a loop rather
    than "no such file"."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "loop.txt").symlink_to("loop.txt")
    (src / "gone.txt").symlink_to("nowhere.txt")
    result = corpus(src, out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "1 inputs (1 cleaned" in result.stderr and "2 links skipped (2 broken)" in result.stderr
    clean = subprocess.run(
        [corpus_command()[0], "clean", str(src / "loop.txt"), str(src / "gone.txt"), *SKIP],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert clean.returncode == 1
    assert f"{src / 'loop.txt'}: a broken symbolic link: it leads to itself (a loop)" in clean.stderr
    assert "nowhere.txt, which does not exist" in clean.stderr
    assert "no such file" not in clean.stderr


def _unreadable_input_fails_alone(src: Path, out: Path, name: str, *extra: str) -> None:
    result = corpus(src, out, *extra)
    assert result.returncode == 1, result.stderr
    assert "3 inputs (2 cleaned" in result.stderr and "1 failed" in result.stderr, result.stderr
    [error] = errors(out)
    assert error["input"] == name and error["reason"].startswith("cannot read: "), error
    assert (out / "a.txt").exists() and (out / "b.txt").exists()
    again = corpus(src, out, *extra)  # tried again on the next run, failing the same way
    assert again.returncode == 1 and "(0 cleaned, 2 unchanged" in again.stderr, again.stderr


def test_an_input_without_read_permission_fails_alone(tmp_path: Path) -> None:
    """chmod 000 on one input: it fails as "cannot read", the others are cleaned. It was
    reported as "cannot write the output", which stopped the whole run."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in ("a.txt", "b.txt", "secret.txt"):
        (src / name).write_text(ARTICLE, encoding="utf-8")
    (src / "secret.txt").chmod(0)
    try:
        if os.access(src / "secret.txt", os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reads (see the /proc test)")
        _unreadable_input_fails_alone(src, out, "secret.txt")
    finally:
        (src / "secret.txt").chmod(0o644)


def test_an_input_that_fails_to_read_fails_alone(tmp_path: Path) -> None:
    """The same as root: /proc/self/mem opens but its first byte cannot be read (EIO)."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in ("a.txt", "b.txt"):
        (src / name).write_text(ARTICLE, encoding="utf-8")
    (src / "mem.txt").symlink_to("/proc/self/mem")
    _unreadable_input_fails_alone(src, out, "mem.txt", "--follow-symlinks")


def test_an_out_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path) -> None:
    """OUT under a file, or where the kernel takes no new file (/sys/kernel, even for root):
    refused at once with rc 2, naming OUT. The first write found it, and the run reported an
    output error telling to "resume" a run that never started."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file\n", encoding="utf-8")
    for out, why in [
        (blocker / "out", f"{blocker} is a file, not a folder"),
        (Path("/sys/kernel/cleaner-out"), ""),
    ]:
        if not why and _takes_new_files(out.parent):
            continue  # not so on this machine
        result = corpus(src, out)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"cleaner: {out}: cannot write the output folder there: ")
        assert why in result.stderr and "resume" not in result.stderr
        assert not out.exists()


def _takes_new_files(folder: Path) -> bool:
    try:
        handle, made = tempfile.mkstemp(dir=folder)
    except OSError:
        return False
    os.close(handle)
    os.unlink(made)
    return True


def test_broken_links_without_a_known_suffix_are_counted_as_broken(tmp_path: Path) -> None:
    """`l1 -> l2 -> l1` and `dangling -> nowhere` (names without .txt) were put with the
    files not read and the run's line said nothing of them ("0 failed", no links)."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "l1").symlink_to("l2")
    (src / "l2").symlink_to("l1")
    (src / "dangling").symlink_to("nowhere")
    for extra in ((), ("--follow-symlinks",)):
        result = corpus(src, out, *extra)
        assert result.returncode == 0, result.stderr
        assert "1 inputs (" in result.stderr and "3 links skipped (3 broken)" in result.stderr
