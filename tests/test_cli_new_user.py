"""`cleaner clean` as a new user meets it: output that cannot be written gives a clear message
and exit code, never a Python traceback; the help says what the options do."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import CLEANER_BIN, REPO, ZEBRA_RULE, run_cli

from cleaner.io.naming import OutputPlan, OutputWriter
from cleaner.languagetool.process import free_port

# Stages that need no service: these tests are about where the text goes.
FAST = ("--skip", "grammar,repair")


def _onto_a_full_disk(*args: str) -> subprocess.CompletedProcess[bytes]:
    """`cleaner ARGS` with its standard output on /dev/full (every write: no space left)."""
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [str(CLEANER_BIN), *args],
            stdout=full,
            stderr=subprocess.PIPE,
            cwd=REPO,
            timeout=120,
            check=False,
        )


def _article(folder: Path, name: str = "a.txt", paragraphs: int = 3) -> Path:
    path = folder / name
    path.write_text("The council met on Tuesday to discuss the budget.\n\n" * paragraphs)
    return path


def test_an_output_folder_that_cannot_be_made_is_refused_naming_it(tmp_path: Path) -> None:
    first, second = _article(tmp_path, "a.txt"), _article(tmp_path, "b.txt")
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the output folder's parent should be\n")

    run = run_cli("clean", str(first), str(second), "-o", f"{blocker}/out/", *FAST)

    stderr = run.stderr.decode()
    assert run.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert f"{blocker}/out: cannot make the output folder" in stderr
    assert blocker.read_text().startswith("a file where")


def test_a_full_standard_output_is_an_error_message_not_a_traceback(tmp_path: Path) -> None:
    article = _article(tmp_path)
    run = _onto_a_full_disk("clean", str(article), *FAST)

    stderr = run.stderr.decode()
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert "cleaner: cannot write to standard output: No space left on device" in stderr


def test_a_closed_standard_output_is_named(tmp_path: Path) -> None:
    article = _article(tmp_path)
    run = subprocess.run(
        [str(CLEANER_BIN), "clean", str(article), *FAST],
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.close(1),
        cwd=REPO,
        timeout=120,
        check=False,
    )

    stderr = run.stderr.decode()
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "standard output is closed" in stderr


def test_a_reader_that_leaves_early_ends_the_run_quietly(tmp_path: Path) -> None:
    # More text than a pipe holds, so that cleaner is still writing when the reader leaves.
    article = _article(tmp_path, paragraphs=4000)
    proc = subprocess.Popen(
        [str(CLEANER_BIN), "clean", str(article), str(article), *FAST],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"==> ")
    proc.stdout.close()  # as `| head -1` does
    stderr = proc.stderr.read().decode()
    returncode = proc.wait(timeout=120)

    assert (returncode, stderr) == (0, "")


def test_encoding_errors_help_says_what_strict_does_with_a_legacy_file(tmp_path: Path) -> None:
    # The help once said "strict refuses broken UTF-8", yet strict, the default, decodes a
    # file with no UTF-8 in it as the legacy encoding it looks like.
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("The café opened on Tuesday.\n".encode("cp1252"))

    run = run_cli("clean", str(legacy), "--encoding-errors", "strict", *FAST)
    help_text = " ".join(run_cli("clean", "--help").stdout.decode().split())

    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode() == "The café opened on Tuesday.\n"
    assert "strict (the default)" in help_text
    assert "no UTF-8 in it is decoded as the legacy encoding it looks like" in help_text


def test_a_jsonl_line_without_text_says_what_it_holds_instead(tmp_path: Path) -> None:
    lines = tmp_path / "docs.jsonl"
    lines.write_text(
        '{"id": 1, "body": "Text under another name."}\n'
        '{"id": 2, "text": 5}\n'
        '{"id": 3, "text": null}\n'
        '{"id": 4, "text": "The council met on Tuesday."}\n'
    )

    run = run_cli("clean", str(lines), *FAST)

    stderr = run.stderr.decode().splitlines()
    assert run.returncode == 1
    # The one record cleaned, under its name: a JSONL input's documents are headed.
    assert run.stdout.decode() == f"==> {lines}:4 <==\nThe council met on Tuesday.\n"
    assert stderr == [
        f"cleaner: {lines}:1: field 'text' is missing or not a string (here: absent; its "
        "fields are 'id', 'body'; --text-field names the field to clean)",
        f"cleaner: {lines}:2: field 'text' is missing or not a string (here: a number)",
        f"cleaner: {lines}:3: field 'text' is missing or not a string (here: null)",
    ]


def test_any_command_on_a_full_disk_says_so_without_a_traceback() -> None:
    run = _onto_a_full_disk("stages")

    stderr = run.stderr.decode()
    assert run.returncode == 1, stderr
    assert stderr == "cleaner: No space left on device\n"


def test_an_output_file_under_a_file_names_the_file_in_the_way(tmp_path: Path) -> None:
    article = _article(tmp_path)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, where -o expects a folder\n")

    run = run_cli("clean", str(article), "-o", f"{blocker}/clean.txt", *FAST)

    stderr = run.stderr.decode()
    # Refused before any cleaning (rc 2, a usage error), no longer found at the end (rc 1).
    assert run.returncode == 2, stderr
    assert stderr == (
        f"cleaner: {blocker}/clean.txt: cannot write the output there: {blocker} is a file, "
        "not a folder\n"
    )
    assert blocker.read_text() == "a file, where -o expects a folder\n"


def test_a_name_too_long_on_the_way_to_an_output_is_a_reported_failure(tmp_path: Path) -> None:
    """Looking for a file in the way of an output that could not be written must not fail
    itself (too long a name, a folder one may not enter): the run went down with it."""
    reports: list[str] = []
    target = tmp_path / ("x" * 300) / "clean.txt"
    writer = OutputWriter(OutputPlan(target), None, reports.append)
    writer.start()("The council met.\n", None)
    assert writer.close() == 1
    assert reports == [f"cleaner: {target}: cannot write: File name too long"]


def test_a_misspelt_stage_name_is_answered_with_the_right_one(tmp_path: Path) -> None:
    article = _article(tmp_path)
    result = run_cli("clean", str(article), "--skip", "gramar")
    assert result.returncode == 2
    assert b"'gramar'" in result.stderr and b"did you mean 'grammar'?" in result.stderr
    several = run_cli("clean", str(article), "--skip", "gramar,extrct,zzz")
    assert several.returncode == 2
    assert b"'grammar' for 'gramar'" in several.stderr
    assert b"'extract' for 'extrct'" in several.stderr
    assert b"for 'zzz'" not in several.stderr  # nothing close: no guess


def test_a_misspelt_stage_or_option_in_a_pipeline_file_is_answered_with_the_right_one(
    tmp_path: Path,
) -> None:
    pipeline = tmp_path / "p.toml"
    pipeline.write_text('stages = ["decode", "extract", "unicod", "tidy"]\n')
    result = run_cli("clean", str(_article(tmp_path)), "--config", str(pipeline))
    assert result.returncode == 2
    assert b"unknown stage 'unicod' (did you mean 'unicode'?)" in result.stderr
    pipeline.write_text("[options.repiar]\nmin_signatures = 2\n")
    result = run_cli("clean", str(_article(tmp_path)), "--config", str(pipeline))
    assert b"unknown stage 'repiar' (did you mean 'repair'?)" in result.stderr
    pipeline.write_text("[options.repair]\nmin_signaturs = 2\n")
    result = run_cli("clean", str(_article(tmp_path)), "--config", str(pipeline))
    assert b"no option 'min_signaturs' (did you mean 'min_signatures'?)" in result.stderr


# `cleaner clean` stopped by a LanguageTool it cannot reach: exit code 3, the reason once, which
# inputs were written and which were not, and no output folder left behind empty.
# "a apple" is what an allow-listed grammar rule fixes: cleaning it needs the server.
NEEDS_GRAMMAR = "This is a apple.\n"


def _unreachable() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_stopped_run_leaves_no_empty_output_folder_and_names_what_was_not_cleaned(
    tmp_path: Path, jobs: str
) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(NEEDS_GRAMMAR)
    second.write_text("I went to the the store.\n")
    out = tmp_path / "out" / "new"
    result = run_cli(
        "clean", str(first), str(second), "-j", jobs, "-o", f"{out}/",
        "--languagetool-url", _unreachable(),
    )  # fmt: skip
    assert result.returncode == 3
    stderr = result.stderr.decode()
    assert stderr.count("not reachable") == 1
    assert "stopped: 0 of 2 inputs written" in stderr
    assert f"not cleaned: {first}, {second}" in stderr
    assert not (tmp_path / "out").exists()  # both levels it made are gone


def test_a_stopped_run_keeps_what_it_wrote_and_says_so(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("Plain words that no grammar rule can touch.\n")  # no request needed
    spun = tmp_path / "spun.txt"
    spun.write_text(NEEDS_GRAMMAR)
    out = tmp_path / "out"
    result = run_cli(
        "clean", str(plain), str(spun), "-o", f"{out}/", "--languagetool-url", _unreachable()
    )
    assert result.returncode == 3
    assert f"1 of 2 inputs written to {out} ({plain}); not cleaned: {spun}" in (
        result.stderr.decode()
    )
    assert sorted(p.name for p in out.iterdir()) == ["plain.txt"]


def test_an_existing_output_folder_stays_after_a_stopped_run(tmp_path: Path) -> None:
    spun = tmp_path / "a.txt"
    spun.write_text(NEEDS_GRAMMAR)
    (tmp_path / "b.txt").write_text(NEEDS_GRAMMAR)
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        "clean", str(spun), str(tmp_path / "b.txt"), "-o", str(out),
        "--languagetool-url", _unreachable(),
    )  # fmt: skip
    assert result.returncode == 3
    assert out.is_dir() and not any(out.iterdir())


def test_documents_of_one_jsonl_input_on_stdout_are_set_apart(tmp_path: Path) -> None:
    """Two JSONL lines cleaned to text came out as one run of lines: no reader could tell
    where one document ended. Each now opens with its `==> name <==` line, as files do."""
    lines = tmp_path / "feed.jsonl"
    lines.write_text('{"text": "The first story."}\n{"text": "The second story."}\n')
    result = run_cli("clean", str(lines), *FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == (
        f"==> {lines}:1 <==\nThe first story.\n==> {lines}:2 <==\nThe second story.\n"
    )
    piped = run_cli("clean", "-", "--input-format", "jsonl", *FAST, stdin=lines.read_bytes())
    assert piped.stdout.decode().startswith("==> <stdin>:1 <==\nThe first story.\n")
    single = run_cli("clean", str(_article(tmp_path)), *FAST)
    assert not single.stdout.startswith(b"==>")  # one text document: no header
    records = run_cli("clean", str(lines), "-f", "jsonl", *FAST)
    assert b"==>" not in records.stdout


def test_an_output_that_is_a_pipe_is_written_into_not_replaced(tmp_path: Path) -> None:
    """`-o FIFO` (and so `-o /dev/null`, a device) was replaced by a regular file: the
    rename of an atomic write put a file where the pipe (as root: /dev/null) had been."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # open now: the writer will not block
    try:
        result = run_cli("clean", str(_article(tmp_path)), "-o", str(fifo), *FAST)
        assert result.returncode == 0, result.stderr
        assert fifo.is_fifo()
        assert os.read(reader, 1 << 16).startswith(b"The council met on Tuesday")
    finally:
        os.close(reader)


def test_an_output_named_through_proc_writes_to_the_descriptor(tmp_path: Path) -> None:
    """`-o /dev/stdout` replaced the /dev/stdout link with a file; here a link of our own to
    /proc/self/fd/1 stands for it (the test must not risk the machine's /dev/stdout)."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    result = run_cli("clean", str(_article(tmp_path)), "-o", str(link), *FAST)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert result.stdout.startswith(b"The council met on Tuesday")


def test_an_output_named_through_proc_keeps_what_the_file_held_before(tmp_path: Path) -> None:
    """`cleaner clean -o /dev/stdout a.txt >> log.txt` emptied log.txt: the descriptor's file
    was opened again for writing, which cuts it to nothing."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    log = tmp_path / "log.txt"
    log.write_bytes(b"earlier log line\n")
    with log.open("ab") as appended:
        result = subprocess.run(
            [str(CLEANER_BIN), "clean", str(_article(tmp_path)), "-o", str(link), *FAST],
            stdout=appended,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert log.read_bytes().startswith(b"earlier log line\nThe council met on Tuesday")


def test_score_refuses_a_binary_file_and_reads_cp1252_as_clean_does(tmp_path: Path) -> None:
    """`cleaner score` read every file as UTF-8 with U+FFFD for what was not: a binary file
    got a score of its garbage "words"."""
    binary = tmp_path / "image.dat"
    binary.write_bytes(b"\x00\x01\x02\x03 GIF89a\x00")
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("Profits climbed this 12 months, café owners said.\n".encode("cp1252"))
    result = run_cli("score", str(binary), str(legacy))
    assert result.returncode == 1
    assert f"{binary}: binary file (NUL byte at offset 0), not text" in result.stderr.decode()
    assert str(binary) not in result.stdout.decode()
    assert f"\t      8 words\t{legacy}\t" in result.stdout.decode()  # decoded, not refused


def test_rules_stats_columns_stay_apart_for_the_longest_kind() -> None:
    result = run_cli("rules", "stats")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.decode().splitlines()
    assert rows[0].split() == ["kind", "theme", "rules", "examples", "keeps"]
    candidates = [row for row in rows if row.startswith("candidates")]
    assert candidates and all(row.split()[0] == "candidates" for row in candidates)


def test_explain_counts_one_edit_in_the_singular(tmp_path: Path) -> None:
    one = tmp_path / "one.txt"
    one.write_text("The vote passed.  \n")  # the spaces before the final newline: one edit
    result = run_cli("clean", str(one), "--explain", *FAST)
    assert f"== {one}: 1 edit\n".encode() in result.stderr


def test_jsonl_output_keeps_one_line_per_input_line_in_place(tmp_path: Path) -> None:
    """A pipeline joining outputs back to inputs by position: a line that fails comes out in
    its place, the input record as it was with ``cleaner_error``, and is named on stderr."""
    lines = tmp_path / "docs.jsonl"
    lines.write_text(
        '{"id": "a", "text": "The council met on Tuesday."}\n'
        "{not json\n"
        '{"id": "c", "body": "Text under another name."}\n'
        '{"id": "d", "text": "' + "x" * 300 + '"}\n'
        '{"id": "e", "text": "The budget passed."}\n'
    )
    out = tmp_path / "out.jsonl"

    for args in (("--format", "jsonl"), ("--format", "jsonl", "-o", str(out))):
        run = run_cli("clean", str(lines), *FAST, "--max-bytes", "200", *args)

        assert run.returncode == 1
        written = out.read_text() if "-o" in args else run.stdout.decode()
        records = [json.loads(line) for line in written.splitlines()]
        assert [r.get("id") for r in records] == ["a", None, "c", None, "e"]
        assert records[0]["text"] == "The council met on Tuesday."
        assert "cleaner_error" not in records[0] and "cleaner_error" not in records[4]
        assert records[1]["cleaner_input"] == f"{lines}:2"
        assert records[1]["cleaner_error"].startswith("invalid JSON")
        assert records[2] == {
            "id": "c",
            "body": "Text under another name.",
            "cleaner_error": records[2]["cleaner_error"],
        }
        assert "field 'text' is missing" in records[2]["cleaner_error"]
        # A line over the limit is never read whole: only its place is known.
        assert records[3]["cleaner_input"] == f"{lines}:4"
        assert "above the 0.0002 MB limit" in records[3]["cleaner_error"]
        stderr = run.stderr.decode()
        assert [line.split(": ")[1] for line in stderr.splitlines()] == [
            f"{lines}:2",
            f"{lines}:3",
            f"{lines}:4",
        ]


def test_an_output_that_is_a_link_is_written_through_to_its_target(tmp_path: Path) -> None:
    source = _article(tmp_path, "a.txt", paragraphs=1)
    (tmp_path / "kept").mkdir()
    target = tmp_path / "kept" / "target.txt"
    target.write_text("old contents\n")
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(Path("kept") / "target.txt")  # relative, as `ln -s` usually makes them
    dangling = tmp_path / "new-link.txt"
    dangling.symlink_to(tmp_path / "kept" / "new.txt")

    for output in (link, dangling):
        run = run_cli("clean", str(source), *FAST, "-o", str(output))
        assert run.returncode == 0, run.stderr.decode()
        assert output.is_symlink()

    cleaned = "The council met on Tuesday to discuss the budget.\n"
    assert target.read_text() == cleaned and (target.stat().st_mode & 0o777) == 0o640
    assert (tmp_path / "kept" / "new.txt").read_text() == cleaned
    assert sorted(p.name for p in (tmp_path / "kept").iterdir()) == ["new.txt", "target.txt"]


def test_one_jsonl_input_to_an_output_file_is_headed_as_on_stdout(tmp_path: Path) -> None:
    lines = tmp_path / "docs.jsonl"
    lines.write_text(
        '{"id": 1, "text": "The council met on Tuesday."}\n'
        '{"id": 2, "text": "The budget passed."}\n'
    )
    out = tmp_path / "all.txt"

    to_stdout = run_cli("clean", str(lines), *FAST)
    to_file = run_cli("clean", str(lines), *FAST, "-o", str(out))

    assert to_stdout.returncode == 0 and to_file.returncode == 0, to_file.stderr.decode()
    assert (
        out.read_text()
        == to_stdout.stdout.decode()
        == (
            f"==> {lines}:1 <==\nThe council met on Tuesday.\n"
            f"==> {lines}:2 <==\nThe budget passed.\n"
        )
    )


def test_a_link_in_an_output_folder_is_replaced_not_written_through(tmp_path: Path) -> None:
    # A folder output is a place cleaner chose: writing through a link left there would
    # replace whatever it names (here the other input, which would be lost).
    first = tmp_path / "a.txt"
    first.write_text("Alpha text here.\n")
    second = tmp_path / "b.txt"
    second.write_text("Bravo text here.\n")
    folder = tmp_path / "o2"
    folder.mkdir()
    (folder / "a.txt").symlink_to(Path("..") / "b.txt")

    run = run_cli("clean", *FAST, str(first), str(second), "-o", f"{folder}/")

    assert run.returncode == 0, run.stderr.decode()
    assert second.read_text() == "Bravo text here.\n"
    assert not (folder / "a.txt").is_symlink()
    assert (folder / "a.txt").read_text() == "Alpha text here.\n"
    assert (folder / "b.txt").read_text() == "Bravo text here.\n"


def test_unwritable_output_is_refused_before_any_work(tmp_path: Path) -> None:
    """-o where nothing can be written (under a file) is refused at once with rc 2 and the
    path: found only at the end it cost the whole run and exited 1 as if documents failed.
    The binary input would print its own message if any input were cleaned."""
    story = tmp_path / "story.txt"
    story.write_text("The council approved the new bridge after a long debate.\n", encoding="utf-8")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"GIF89a\x00\x01\x02\x03")
    target = story / "out.txt"
    proc = run_cli("clean", str(binary), "-o", str(target), *FAST)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert f"{target}: cannot write the output there" in err and "is a file, not a folder" in err
    assert "binary" not in err, "an input was cleaned before the refusal"
    assert "Traceback" not in err


def test_output_folder_that_takes_no_file_is_refused(tmp_path: Path) -> None:
    """A folder that refuses new files even to root (/sys/kernel, where the kernel decides
    what exists): chmod cannot make one when the tests run as root."""
    probe = Path("/sys/kernel")
    try:
        handle, made = tempfile.mkstemp(dir=probe)
    except OSError:
        pass
    else:
        os.close(handle)
        os.unlink(made)
        pytest.skip(f"{probe} takes new files on this machine")
    story = tmp_path / "story.txt"
    story.write_text("The council approved the new bridge after a long debate.\n", encoding="utf-8")
    proc = run_cli("clean", str(story), "-o", str(probe / "cleaned.txt"), *FAST)
    assert proc.returncode == 2, proc.stderr.decode()
    assert f"{probe / 'cleaned.txt'}: cannot write the output there" in proc.stderr.decode()


@pytest.mark.parametrize("inputs", [1, 2])
def test_output_to_dev_null_is_accepted(tmp_path: Path, inputs: int) -> None:
    """-o /dev/null throws the text away, for one input or several (a device takes one
    stream, as standard output does); it was refused once as unwritable or 'is a file'."""
    names = []
    for number in range(inputs):
        story = tmp_path / f"story{number}.txt"
        story.write_text(f"The council approved bridge number {number}.\n", encoding="utf-8")
        names.append(str(story))
    proc = run_cli("clean", *names, "-o", "/dev/null", *FAST)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b"" and proc.stderr == b""
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize(
    ("sent", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_clean_stopped_by_a_signal_says_so(sent: signal.Signals, code: int, word: str) -> None:
    """Ctrl-C on `cleaner clean` exited 130 without a word (click swallows it): a stopped run
    looked like a finished one with no output. Here it waits on standard input."""
    env = {k: v for k, v in os.environ.items() if k != "CLEANER_LANGUAGETOOL_URL"}
    proc = subprocess.Popen(
        [str(CLEANER_BIN), "clean", "-", *FAST],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
        # As a terminal starts it: a test run in the same worker before this one may leave
        # SIGINT ignored in pytest's process, and an ignored signal stays ignored across exec,
        # so Python never installs its Ctrl-C handler (CI rehearsal: rc 0, "empty input").
        preexec_fn=_default_signals,
    )
    try:
        deadline = time.monotonic() + 60
        # Sent once the command is waiting on its input (the pipeline is built by then).
        while time.monotonic() < deadline and not _reading_stdin(proc.pid):
            time.sleep(0.05)
        proc.send_signal(sent)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err.decode()
    assert err.decode() == f"cleaner: {word}; not every input was cleaned\n"
    assert out == b""


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _reading_stdin(pid: int) -> bool:
    """Whether process ``pid`` is blocked reading (its wait channel names a pipe read)."""
    try:
        return "pipe" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False


def test_a_stage_option_refused_at_build_names_the_pipeline_file(tmp_path: Path) -> None:
    """A rules path in [options.tidy] that does not exist: the message named the stage and the
    option but not the pipeline file that set them."""
    pipeline_file = tmp_path / "pipeline.toml"
    pipeline_file.write_text('[options.tidy]\nrules = "no-such-rules"\n', encoding="utf-8")
    story = tmp_path / "story.txt"
    story.write_text("The council approved the new bridge.\n", encoding="utf-8")
    proc = run_cli("clean", str(story), "--config", str(pipeline_file), *FAST)
    assert proc.returncode == 2, proc.stderr.decode()
    assert proc.stderr.decode() == (
        f"cleaner: {pipeline_file}: stage tidy: option 'rules': "
        f"{tmp_path.resolve() / 'no-such-rules'} does not exist\n"
    )


def test_a_relative_rules_path_is_taken_from_the_pipeline_files_folder(tmp_path: Path) -> None:
    """`rules = "my-rules/zebra.toml"` in a pipeline file was looked for in the folder the
    command ran in: the file worked from its own folder only. Absolute paths still work, and
    a path that is not there is named as resolved."""
    settings = tmp_path / "settings"
    (settings / "my-rules").mkdir(parents=True)
    (settings / "my-rules" / "zebra.toml").write_text(ZEBRA_RULE, encoding="utf-8")
    story = tmp_path / "story.txt"
    story.write_text(
        "Zebra crossing ahead\n\nThe council approved the new bridge on Monday.\n",
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    pipeline_file = settings / "pipeline.toml"
    for rules in ("my-rules/zebra.toml", str(settings / "my-rules" / "zebra.toml")):
        pipeline_file.write_text(f'[options.chrome]\nrules = "{rules}"\n', encoding="utf-8")
        for cwd in (elsewhere, settings):
            proc = run_cli("clean", str(story), "--config", str(pipeline_file), *FAST, cwd=cwd)
            assert proc.returncode == 0, (rules, cwd, proc.stderr.decode())
            assert proc.stdout.decode() == "The council approved the new bridge on Monday.\n"
    pipeline_file.write_text('[options.chrome]\nrules = "../my-rules"\n', encoding="utf-8")
    proc = run_cli("clean", str(story), "--config", str(pipeline_file), *FAST, cwd=settings)
    assert proc.returncode == 2
    assert proc.stderr.decode() == (
        f"cleaner: {pipeline_file}: stage chrome: option 'rules': "
        f"{tmp_path.resolve() / 'my-rules'} does not exist\n"
    )


def test_a_rules_path_that_is_not_a_string_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    """`[options.chrome] rules = 5` ended in a TypeError traceback (Path(5)), rc 1."""
    pipeline_file = tmp_path / "pipeline.toml"
    pipeline_file.write_text("[options.chrome]\nrules = 5\n", encoding="utf-8")
    story = tmp_path / "story.txt"
    story.write_text("The council approved the new bridge.\n", encoding="utf-8")
    proc = run_cli("clean", str(story), "--config", str(pipeline_file), *FAST)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith(f"cleaner: {pipeline_file}"), err
    assert "chrome" in err and "rules" in err and "must be a path (a string)" in err, err


def test_languagetool_not_installed_is_said_without_a_start_message(tmp_path: Path) -> None:
    """With no LanguageTool installed, `cleaner clean -j 2` said "starting a LanguageTool
    server in the background" and then that it is not installed."""
    home = tmp_path / "languagetool"
    home.mkdir()
    names = []
    for number in range(2):
        story = tmp_path / f"story{number}.txt"
        story.write_text(f"The council approved bridge number {number}.\n", encoding="utf-8")
        names.append(str(story))
    env = {k: v for k, v in os.environ.items() if k != "CLEANER_LANGUAGETOOL_URL"}
    env["CLEANER_LANGUAGETOOL_HOME"] = str(home)
    proc = subprocess.run(
        [str(CLEANER_BIN), "clean", *names, "-j", "2"],
        capture_output=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 3, err
    assert "is not installed" in err
    assert "starting a LanguageTool server" not in err
