"""`cleaner corpus` and `cleaner clean` at the edges of input and output handling (review of
session 13): folders that cannot be listed, inputs that become unreadable, outputs that would
replace their input, pipes read once, stdout written where it stands. Real files, the real
`cleaner` command in a subprocess; permission cases run it as `nobody` (root reads anything)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CLEANER_BIN, REPO, article

from cleaner.corpus import ERRORS_FILE, iter_jsonl

SKIP = ("--skip", "repair,grammar")
SETPRIV = shutil.which("setpriv")


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CLEANER_LANGUAGETOOL_URL", None)
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO)
    return env


def cleaner(
    *args: str, home: Path, as_nobody: bool = False, cwd: Path = REPO
) -> subprocess.CompletedProcess[str]:
    prefix = []
    if as_nobody:
        prefix = [str(SETPRIV), "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    return subprocess.run(
        [*prefix, str(CLEANER_BIN), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(home),
        timeout=300,
        check=False,
    )


def shell(script: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """``script`` run by bash in ``folder`` (its HOME too): the redirections and process
    substitutions a user's shell gives cleaner."""
    return subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        cwd=folder,
        env=_env(folder),
        timeout=120,
        check=False,
    )


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A folder `nobody` owns, outside pytest's root-only temporary tree."""
    if SETPRIV is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to run cleaner as nobody (permissions bind then)")
    folder = Path(tempfile.mkdtemp(prefix="cleaner-nobody-"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def _give_to_nobody(folder: Path) -> None:
    ids = subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True, check=True)
    gid = subprocess.run(["id", "-g", "nobody"], capture_output=True, text=True, check=True)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, int(ids.stdout), int(gid.stdout), follow_symlinks=False)


@pytest.mark.parametrize("mode", [0o000, 0o644])
def test_a_folder_that_cannot_be_listed_keeps_its_outputs_and_fails_the_run(
    nobody_dir: Path, mode: int
) -> None:
    """chmod 000 on one of two folders of 20 inputs: os.walk dropped it in silence, its 20
    outputs were counted as removed and deleted (rc 0, under the 50% mass-delete guard). The
    folder is named, its outputs and entries are kept, and the run fails (rc 1). Mode 644
    (read without search) lists the names but no stat works: skipped in silence the same way."""
    src, out = nobody_dir / "in", nobody_dir / "out"
    for part in ("part1", "part2"):
        (src / part).mkdir(parents=True)
        for number in range(20):
            (src / part / f"{number:02}.txt").write_text(article(number), encoding="utf-8")
    _give_to_nobody(nobody_dir)
    first = cleaner("corpus", str(src), str(out), *SKIP, home=nobody_dir, as_nobody=True)
    assert first.returncode == 0, first.stderr
    assert len(list((out / "part2").glob("*.txt"))) == 20
    (src / "part2").chmod(mode)
    try:
        again = cleaner("corpus", str(src), str(out), *SKIP, home=nobody_dir, as_nobody=True)
    finally:
        (src / "part2").chmod(0o755)
    assert again.returncode == 1, again.stderr
    assert "cannot list folder IN/part2 (Permission denied)" in again.stderr, again.stderr
    assert "0 removed" in again.stderr and "1 folders could not be listed" in again.stderr
    assert len(list((out / "part2").glob("*.txt"))) == 20
    # Readable again: all 40 found, nothing removed (learned chrome, learned from 20 inputs
    # in the run before, may clean some again).
    third = cleaner("corpus", str(src), str(out), *SKIP, home=nobody_dir, as_nobody=True)
    assert third.returncode == 0, third.stderr
    assert "40 inputs (" in third.stderr and "0 removed)" in third.stderr, third.stderr


def test_a_folder_that_cannot_be_listed_is_an_entry_of_errors_until_it_can_be(
    nobody_dir: Path,
) -> None:
    """The folder was counted and named on stderr, but _errors.jsonl said nothing of it; and
    pass 1 of learned chrome walked past it in silence, dropping its inputs' lines from the
    learned table (which changed every other input's job: all cleaned again). Now it is an
    entry of _errors.jsonl (a folder, and why) while it cannot be listed, pass 1 keeps what
    it learned from it, and a run after it is readable again cleans its new file and drops
    the entry."""
    src, out = nobody_dir / "in", nobody_dir / "out"
    for part in ("part1", "part2"):
        (src / part).mkdir(parents=True)
        for number in range(6):
            text = article(number) + "\nShare this story with a friend today\n"
            (src / part / f"{number:02}.txt").write_text(text, encoding="utf-8")
    _give_to_nobody(nobody_dir)
    first = cleaner("corpus", str(src), str(out), *SKIP, home=nobody_dir, as_nobody=True)
    assert first.returncode == 0, first.stderr
    learned = (out / "_learned_chrome.jsonl").read_text(encoding="utf-8")
    (src / "part2").chmod(0o000)
    try:
        again = cleaner("corpus", str(src), str(out), *SKIP, home=nobody_dir, as_nobody=True)
        (src / "part2").chmod(0o755)
        (src / "part2" / "new.txt").write_text(article(40), encoding="utf-8")
        _give_to_nobody(nobody_dir)
    finally:
        (src / "part2").chmod(0o755)
    assert again.returncode == 1, again.stderr
    assert again.stderr.count("cannot list folder IN/part2") == 1, again.stderr
    assert "1 folders could not be listed" in again.stderr, again.stderr
    assert "6 inputs (0 cleaned, 6 unchanged" in again.stderr, again.stderr
    assert (out / "_learned_chrome.jsonl").read_text(encoding="utf-8") == learned
    [entry] = list(iter_jsonl(out / ERRORS_FILE))
    assert entry["input"] == "part2/" and entry["folder"] is True and entry["stage"] == "read"
    assert entry["reason"].startswith("cannot list folder IN/part2: Permission denied")
    third = cleaner("corpus", str(src), str(out), *SKIP, home=nobody_dir, as_nobody=True)
    assert third.returncode == 0, third.stderr
    assert "13 inputs (" in third.stderr and "0 removed)" in third.stderr, third.stderr
    assert (out / "part2" / "new.txt").exists()
    assert list(iter_jsonl(out / ERRORS_FILE)) == []


def test_an_unlisted_folder_entry_is_written_at_its_place_in_the_walk(tmp_path: Path) -> None:
    """What the run writes for a folder it cannot list, without needing permissions that
    bind (root reads anything): an errors file that says it is a folder and why, and a walk
    row (named with a "/" no input's name ends in) that puts it in the merged _errors.jsonl.
    Met twice (pass 1 and the plan both walk IN), it is one entry."""
    import errno

    from cleaner.corpus.manifest import Manifest
    from cleaner.corpus.plan import record_unlisted_folder
    from cleaner.io.layout import state_key

    state = tmp_path / ".cleaner"
    state.mkdir()
    manifest = Manifest(state)
    try:
        manifest.start_run()
        manifest.walked("a.txt", "a.txt")
        denied = PermissionError(errno.EACCES, "Permission denied", "/in/part\n2")
        for _ in range(2):
            record_unlisted_folder("part\n2", denied, manifest, state)
        manifest.walked("z.txt", "z.txt")
        assert list(manifest.walk_order()) == ["a.txt", "part\n2/", "z.txt"]
    finally:
        manifest.close()
    key = state_key("part\n2/")
    [entry] = list(iter_jsonl(state / "errors" / f"{key}.jsonl"))
    assert entry == {
        "id": "part\n2/",
        "source": "part\n2/",
        "input": "part\n2/",
        "folder": True,
        "stage": "read",
        "reason": "cannot list folder IN/part\n2: Permission denied; the inputs in it were not "
        "read this run (the outputs cleaned from them before are kept)",
    }


def _deep_folder(root: Path, depth: int = 16) -> str:
    """A chain of ``depth`` folders of 243-byte names under ``root``, two articles in the
    last, made through descriptors (its full path is longer than the system takes); the
    chain's name relative to ``root``."""
    names = [f"n{number:02}" + "x" * 240 for number in range(depth)]
    folder = os.open(root, os.O_RDONLY)
    try:
        for name in names:
            os.mkdir(name, dir_fd=folder)
            inner = os.open(name, os.O_RDONLY, dir_fd=folder)
            os.close(folder)
            folder = inner
        for number in (21, 22):
            handle = os.open(f"{number}.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=folder)
            os.write(handle, article(number).encode("utf-8"))
            os.close(handle)
    finally:
        os.close(folder)
    return "/".join(names)


def test_a_folder_too_deep_to_list_is_an_entry_of_errors_until_it_can_be(tmp_path: Path) -> None:
    """The unlisted-folder path end to end without permissions that bind (root reads
    anything): a folder whose path is longer than the system takes (ENAMETOOLONG) cannot be
    listed. It raised out of the walk (Path.is_symlink) and ended the run; it is now reported
    like a folder without permission: named once, an entry of _errors.jsonl, rc 1. Moved to
    a shorter path, the next run cleans its files and drops the entry."""
    long_in = tmp_path / ("L" * 200) / "in"
    long_in.mkdir(parents=True)
    (long_in / "a.txt").write_text(article(1), encoding="utf-8")
    chain = _deep_folder(long_in)
    out = tmp_path / "o"
    first = cleaner("corpus", str(long_in), str(out), *SKIP, home=tmp_path)
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    assert first.stderr.count("cannot list folder IN/n00") == 1, first.stderr
    assert "1 folders could not be listed" in first.stderr, first.stderr
    [entry] = list(iter_jsonl(out / ERRORS_FILE))
    assert entry["folder"] is True and entry["input"].endswith("/") and entry["stage"] == "read"
    assert entry["input"].startswith("n00") and "File name too long" in entry["reason"]
    assert (out / "a.txt").exists()
    short_in = tmp_path / "s" / "in"
    short_in.parent.mkdir()
    long_in.rename(short_in)
    second = cleaner("corpus", str(short_in), str(out), *SKIP, home=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "3 inputs (2 cleaned, 1 unchanged, 0 removed)" in second.stderr, second.stderr
    assert list(iter_jsonl(out / ERRORS_FILE)) == []
    cleaned = os.open(out, os.O_RDONLY)
    try:
        for name in chain.split("/"):
            inner = os.open(name, os.O_RDONLY, dir_fd=cleaned)
            os.close(cleaned)
            cleaned = inner
        assert sorted(os.listdir(cleaned)) == ["21.txt", "22.txt"]
    finally:
        os.close(cleaned)


def test_an_input_unreadable_on_a_rerun_shows_in_errors_and_leaves_the_audit(
    nobody_dir: Path,
) -> None:
    """Cleaned once, then chmod 000: the summary said '1 failed ... failures: _errors.jsonl'
    but the merged files were not rebuilt, so _errors.jsonl was empty and the audit still
    showed the input cleaned."""
    src, out = nobody_dir / "in", nobody_dir / "out"
    src.mkdir()
    for name in ("a.txt", "b.txt"):
        (src / name).write_text(article(len(name)), encoding="utf-8")
    (src / "secret.txt").write_text(article(7), encoding="utf-8")
    _give_to_nobody(nobody_dir)
    first = cleaner("corpus", str(src), str(out), *SKIP, home=nobody_dir, as_nobody=True)
    assert first.returncode == 0, first.stderr
    assert '"secret.txt"' in (out / "_audit.jsonl").read_text(encoding="utf-8")
    (src / "secret.txt").chmod(0)
    again = cleaner("corpus", str(src), str(out), *SKIP, home=nobody_dir, as_nobody=True)
    assert again.returncode == 1, again.stderr
    assert "1 failed" in again.stderr, again.stderr
    [error] = list(iter_jsonl(out / ERRORS_FILE))
    assert error["input"] == "secret.txt" and error["reason"].startswith("cannot read: ")
    assert '"secret.txt"' not in (out / "_audit.jsonl").read_text(encoding="utf-8")


def test_an_output_file_that_is_the_input_is_refused(tmp_path: Path) -> None:
    """`clean x.txt -o x.txt` cleaned the file in place (rc 0) and the original was lost.
    Refused with rc 2 naming it, by path, through a symbolic link and through a hard link;
    the input is left byte for byte."""
    page = tmp_path / "page.txt"
    original = "Menu\nHome\n\n" + article(3)
    page.write_text(original, encoding="utf-8")
    (tmp_path / "soft.txt").symlink_to(page)
    os.link(page, tmp_path / "hard.txt")
    for output in (str(page), "page.txt", str(tmp_path / "soft.txt"), str(tmp_path / "hard.txt")):
        for extra in ((), ("--diff",)):
            result = cleaner(
                "clean", "page.txt", "-o", output, *SKIP, *extra, home=tmp_path, cwd=tmp_path
            )
            assert result.returncode == 2, (output, extra, result.stderr)
            assert "page.txt: -o " in result.stderr and "is the input itself" in result.stderr
            assert page.read_text(encoding="utf-8") == original
    other = tmp_path / "other.txt"
    other.write_text("an earlier output\n", encoding="utf-8")
    ok = cleaner("clean", str(page), "-o", str(other), *SKIP, home=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "cycle lanes" in other.read_text(encoding="utf-8")


def test_output_appended_to_the_input_is_taken_and_written_over_it_refused(
    tmp_path: Path,
) -> None:
    """`cleaner clean x.txt -o /dev/stdout >> x.txt` was refused as "the input itself": the
    output is added to the end of the file after the input is read whole, so nothing is
    lost. So is `-o /dev/fd/3 3<x.txt` (the name is opened to append). `1<>x.txt` writes
    over the file from its start: still refused, the file left as it was."""
    page = tmp_path / "x.txt"
    original = "Menu\nHome\n\n" + article(3)
    page.write_text(original, encoding="utf-8")
    skip = " ".join(SKIP)
    appended = shell(f'"{CLEANER_BIN}" clean x.txt -o /dev/stdout {skip} >> x.txt', tmp_path)
    assert appended.returncode == 0, appended.stderr
    grown = page.read_text(encoding="utf-8")
    assert grown.startswith(original) and len(grown) > len(original)
    assert "3 and four" in grown[len(original) :]
    by_name = shell(f'"{CLEANER_BIN}" clean x.txt -o /dev/fd/3 {skip} 3<x.txt', tmp_path)
    assert by_name.returncode == 0, by_name.stderr
    assert page.read_text(encoding="utf-8").startswith(grown)
    before = page.read_text(encoding="utf-8")
    over = shell(f'"{CLEANER_BIN}" clean x.txt -o /dev/stdout {skip} 1<>x.txt', tmp_path)
    assert over.returncode == 2, over.stderr
    assert "is the input itself" in over.stderr
    assert page.read_text(encoding="utf-8") == before


def test_standard_output_onto_an_input_is_refused(tmp_path: Path) -> None:
    """`cleaner clean y.jsonl -f jsonl >> y.jsonl` read back each record it wrote and grew
    the file without end (review): refused as cat refuses, the file left as it was."""
    records = tmp_path / "y.jsonl"
    original = '{"text": "The river road reopened on Monday."}\n{"text": "Second record."}\n'
    records.write_text(original, encoding="utf-8")
    skip = " ".join(SKIP)
    result = shell(f'"{CLEANER_BIN}" clean y.jsonl -f jsonl {skip} >> y.jsonl', tmp_path)
    assert result.returncode == 2, result.stderr
    assert "standard output is this input file" in result.stderr
    assert records.read_text(encoding="utf-8") == original


def test_a_pipe_input_is_read_once(tmp_path: Path) -> None:
    """`cleaner clean <(printf ...)`: the format sniff read the pipe's first bytes before the
    real read, which found it empty ('warning: empty input', empty output, rc 0). Also a named
    FIFO next to a file, its writer started first."""
    script = f'"{CLEANER_BIN}" clean <(printf "A short note about the river road.\\n") ' + " ".join(
        SKIP
    )
    result = shell(script, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "A short note about the river road.\n"
    assert "empty input" not in result.stderr
    fifo = tmp_path / "notes.txt"
    os.mkfifo(fifo)
    page = tmp_path / "page.txt"
    page.write_text(article(5), encoding="utf-8")
    writer = subprocess.Popen(["sh", "-c", f"printf 'Second note, from a FIFO.\\n' > {fifo}"])
    try:
        both = cleaner("clean", str(fifo), str(page), *SKIP, home=tmp_path)
    finally:
        writer.wait(timeout=60)
    assert both.returncode == 0, both.stderr
    assert "Second note, from a FIFO.\n" in both.stdout and "5 and four" in both.stdout


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_output_to_dev_stdout_is_written_where_stdout_stands(tmp_path: Path, name: str) -> None:
    """`{ echo start; cleaner clean a.txt b.txt -o /dev/stdout; echo done; } > log`: the
    output was appended through a new open of the name, the shell's offset stayed behind
    it, and 'done' overwrote cleaner's output. The open descriptor is written instead."""
    for number, file_name in enumerate(("a.txt", "b.txt")):
        (tmp_path / file_name).write_text(article(number + 11), encoding="utf-8")
    skip = " ".join(SKIP)
    script = (
        f'{{ echo start; "{CLEANER_BIN}" clean a.txt b.txt -o {name} {skip}; echo "rc=$?"; '
        "echo done; } > log"
    )
    result = shell(script, tmp_path)
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "log").read_text(encoding="utf-8")
    assert log.startswith("start\n") and log.endswith("rc=0\ndone\n"), log
    assert "11 and four" in log and "12 and four" in log, log
    assert log.index("11 and four") < log.index("12 and four") < log.index("rc=0")


def test_output_to_a_descriptor_open_for_reading_appends_to_its_file(tmp_path: Path) -> None:
    """`cleaner clean a.txt -o /dev/fd/3 3<z.txt` (review): writing to a descriptor open for
    reading failed after the cleaning, rc 1; the name is opened for writing, as before."""
    (tmp_path / "a.txt").write_text(article(11), encoding="utf-8")
    (tmp_path / "z.txt").write_text("kept line\n", encoding="utf-8")
    skip = " ".join(SKIP)
    script = f'"{CLEANER_BIN}" clean a.txt -o /dev/fd/3 {skip} 3<z.txt'
    result = shell(script, tmp_path)
    assert result.returncode == 0, result.stderr
    written = (tmp_path / "z.txt").read_text(encoding="utf-8")
    assert written.startswith("kept line\n") and "11 and four" in written


def test_a_skipped_fifo_name_cannot_fake_a_log_line(tmp_path: Path) -> None:
    """A FIFO named 'evil\\ncleaner: all done.txt' was printed raw in the skipped list, which
    then showed a line of its own that looked like cleaner's. Its newline is written as \\n;
    sockets, skipped the same way, are named in the count."""
    import socket

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "a.txt").write_text(article(2), encoding="utf-8")
    os.mkfifo(src / "evil\ncleaner: all done.txt")
    listener = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(str(src / "s.txt"))
        result = cleaner("corpus", str(src), str(out), *SKIP, home=tmp_path)
    finally:
        listener.close()
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert not any(line.startswith("cleaner: all done") for line in lines), result.stderr
    assert "skipped: evil\\ncleaner: all done.txt, s.txt" in result.stderr, result.stderr
    assert "2 FIFOs, devices or sockets skipped" in result.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_clean_messages_escape_control_characters_in_input_names(tmp_path: Path, jobs: str) -> None:
    """`cleaner clean` printed input names raw in its per-input messages (failures, warnings,
    --explain's counts): a file named 'evil\ncleaner: all done.txt' printed a line of its
    own that looked like cleaner's, and an escape sequence in a name reached the terminal.
    They are written as \\n and \\x1b, as corpus messages write them."""
    (tmp_path / "evil\ncleaner: all done.txt").write_bytes(b"bin\0ary")
    (tmp_path / "blank\x1b[31m.txt").write_text("   \n", encoding="utf-8")
    result = cleaner(
        "clean",
        "evil\ncleaner: all done.txt",
        "blank\x1b[31m.txt",
        "missing\rfile.txt",
        "--explain",
        "-j",
        jobs,
        "-o",
        "out",
        *SKIP,
        home=tmp_path,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert "\x1b" not in result.stderr and "\r" not in result.stderr, result.stderr
    assert not any(line.startswith("cleaner: all done") for line in lines), result.stderr
    assert "cleaner: evil\\ncleaner: all done.txt: binary file" in result.stderr
    assert "cleaner: blank\\x1b[31m.txt: warning: empty input" in result.stderr
    assert "== blank\\x1b[31m.txt: 1 edit" in result.stderr
    assert "cleaner: missing\\rfile.txt: no such file" in result.stderr


def test_a_dangling_output_link_into_a_missing_folder_is_refused_up_front(
    tmp_path: Path,
) -> None:
    """-o a link to missing/out.txt: the write goes through the link into a folder that is
    not made, so it failed at the end of the run; refused at once with rc 2. A dangling link
    into a folder that exists is written through, as before."""
    page = tmp_path / "page.txt"
    page.write_text(article(4), encoding="utf-8")
    (tmp_path / "lost.txt").symlink_to(tmp_path / "missing" / "out.txt")
    refused = cleaner("clean", str(page), "-o", str(tmp_path / "lost.txt"), *SKIP, home=tmp_path)
    assert refused.returncode == 2, refused.stderr
    assert f"{tmp_path / 'lost.txt'}: cannot write the output there: " in refused.stderr
    assert "does not exist" in refused.stderr
    (tmp_path / "later.txt").symlink_to(tmp_path / "made.txt")
    ok = cleaner("clean", str(page), "-o", str(tmp_path / "later.txt"), *SKIP, home=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "4 and four" in (tmp_path / "made.txt").read_text(encoding="utf-8")
    assert (tmp_path / "later.txt").is_symlink()


def test_an_existing_output_file_the_user_cannot_write_is_refused(nobody_dir: Path) -> None:
    """-o an existing file without write permission for the user: it was replaced (a rename
    needs only the folder). Refused up front with rc 2, the file unchanged."""
    page = nobody_dir / "page.txt"
    page.write_text(article(6), encoding="utf-8")
    kept = nobody_dir / "kept.txt"
    kept.write_text("not to be replaced\n", encoding="utf-8")
    _give_to_nobody(nobody_dir)
    kept.chmod(0o444)
    result = cleaner("clean", str(page), "-o", str(kept), *SKIP, home=nobody_dir, as_nobody=True)
    assert result.returncode == 2, result.stderr
    assert f"{kept}: cannot write the output there: Permission denied" in result.stderr
    assert kept.read_text(encoding="utf-8") == "not to be replaced\n"
