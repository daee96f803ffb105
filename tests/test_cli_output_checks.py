"""`-o` checks a demanding user expects, run through the real command (newuser3 B12, B14 and
the stream check with several inputs): each is refused with rc 2 before anything is cleaned
or written."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import CLEANER_BIN

SKIP = ("--skip", "grammar")


def _cleaner(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdout: int = subprocess.PIPE,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """The real ``cleaner`` command run with ``args`` (no LanguageTool URL from the caller's
    environment unless ``env`` gives one)."""
    if env is None:
        env = {key: value for key, value in os.environ.items() if key != "CLEANER_LANGUAGETOOL_URL"}
    return subprocess.run(
        [str(CLEANER_BIN), *args],
        cwd=cwd,
        env=env,
        input=input,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        check=False,
    )


def _clean(cwd: Path, *args: str, stdout: int | None = None) -> subprocess.CompletedProcess[str]:
    return _cleaner("clean", *args, *SKIP, cwd=cwd, stdout=stdout or subprocess.PIPE)


def _inputs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The vote passed on Monday.\n", encoding="utf-8")
    (tmp_path / "x.txt").write_text("The council met on Tuesday.\n", encoding="utf-8")


def test_diff_into_a_name_ending_in_a_slash_is_refused_not_written_as_a_file(
    tmp_path: Path,
) -> None:
    """A trailing '/' names a folder; --diff wrote a file called NEW (rc 0) when NEW did not
    exist, and refused it once it did."""
    _inputs(tmp_path)
    refused = _clean(tmp_path, "a.txt", "x.txt", "--diff", "-o", "NEW/")
    assert refused.returncode == 2
    assert "NEW/: names a folder" in refused.stderr and "--diff writes one file" in refused.stderr
    assert not (tmp_path / "NEW").exists()
    written = _clean(tmp_path, "a.txt", "x.txt", "--diff", "-o", "all.diff")
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "all.diff").is_file()


def test_an_output_file_in_a_missing_folder_is_refused_naming_the_folder(tmp_path: Path) -> None:
    """`-o typo/deeper/x.txt` made typo/ and typo/deeper/ in silence (as root, even
    /nonexistent/dir): the folder must exist, as for the shell's `>`."""
    _inputs(tmp_path)
    refused = _clean(tmp_path, "a.txt", "-o", "typo/deeper/out.txt")
    assert refused.returncode == 2
    assert "no such folder: typo;" in refused.stderr and "mkdir -p typo/deeper" in refused.stderr
    assert not (tmp_path / "typo").exists()
    refused = _clean(tmp_path, "a.txt", "x.txt", "--diff", "-o", "typo/all.diff")
    assert refused.returncode == 2 and not (tmp_path / "typo").exists()
    # A folder output is made: naming a new folder is what the trailing '/' asks for.
    folder = _clean(tmp_path, "a.txt", "x.txt", "-o", "new/")
    assert folder.returncode == 0, folder.stderr
    assert (tmp_path / "new" / "a.txt").is_file()
    (tmp_path / "here").mkdir()
    there = _clean(tmp_path, "a.txt", "-o", "here/out.txt")
    assert there.returncode == 0, there.stderr
    assert (tmp_path / "here" / "out.txt").read_text() == "The vote passed on Monday.\n"


def test_a_stream_output_that_is_one_of_several_inputs_is_refused(tmp_path: Path) -> None:
    """`clean a.txt x.txt -o /dev/stdout 1<>x.txt`: /dev/stdout is x.txt opened to write over
    it. With one input this was refused; with several the check never ran."""
    _inputs(tmp_path)
    with (tmp_path / "x.txt").open("r+b") as over:  # the shell's 1<>x.txt
        refused = _clean(tmp_path, "a.txt", "x.txt", "-o", "/dev/stdout", stdout=over.fileno())
    assert refused.returncode == 2
    assert "x.txt: -o /dev/stdout is the input itself" in refused.stderr
    assert (tmp_path / "x.txt").read_text() == "The council met on Tuesday.\n"
    with (tmp_path / "both.txt").open("wb") as out:  # another file: written as before
        fine = _clean(tmp_path, "a.txt", "x.txt", "-o", "/dev/stdout", stdout=out.fileno())
    assert fine.returncode == 0, fine.stderr
    assert "The council met on Tuesday." in (tmp_path / "both.txt").read_text()


def test_a_file_name_with_a_newline_keeps_its_header_on_one_line(tmp_path: Path) -> None:
    """`==> new\\nline.txt <==` printed as two lines, so a reader splitting the stream at
    headers saw a document starting 'line.txt <=='. The name is escaped as in messages."""
    (tmp_path / "with space.txt").write_text("The vote passed.\n", encoding="utf-8")
    (tmp_path / "new\nline.txt").write_text("The council met.\n", encoding="utf-8")
    shown = _clean(tmp_path, "with space.txt", "new\nline.txt")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "==> with space.txt <==",
        "The vote passed.",
        "==> new\\nline.txt <==",
        "The council met.",
    ]


def test_a_languagetool_url_that_is_no_url_is_a_usage_error(tmp_path: Path) -> None:
    """`--languagetool-url notaurl` was tried as a server: rc 3 'not reachable', as if a
    server were down. It is a usage error (rc 2) naming the option, from the option and
    from $CLEANER_LANGUAGETOOL_URL alike."""
    _inputs(tmp_path)
    refused = _cleaner("clean", "a.txt", "--languagetool-url", "notaurl", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--languagetool-url: 'notaurl' is not a LanguageTool server's URL" in refused.stderr
    env = {**os.environ, "CLEANER_LANGUAGETOOL_URL": "localhost:8081"}
    refused = _cleaner("clean", "a.txt", cwd=tmp_path, env=env)
    assert refused.returncode == 2
    assert "$CLEANER_LANGUAGETOOL_URL: 'localhost:8081' is not" in refused.stderr


def test_rules_help_gives_no_example_that_only_a_checkout_can_run(tmp_path: Path) -> None:
    """`cleaner rules --help` said `cleaner rules check rules/`, which an installed cleaner
    answers with "rules: no such file or folder" (the shipped folder is inside the package)."""
    for command in ((), ("check",), ("list",), ("stats",)):
        shown = _cleaner("rules", *command, "--help", cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        examples = [line for line in shown.stdout.splitlines() if "cleaner rules " in line]
        assert examples
        assert not [line for line in examples if " rules/" in line], examples


def test_languagetool_install_help_says_what_the_home_variable_names() -> None:
    shown = _cleaner("languagetool", "install", "--help")
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "<home>/<version>/" in text and "the folder above the version folders" in text


def test_rules_check_reports_a_broken_short_line_model(tmp_path: Path) -> None:
    """`cleaner rules check` said 0 problems for a broken chrome/short-line-model.json: the
    break showed only at run time, with line_model = true."""
    from cleaner.rules.location import default_rules_dir

    chrome = tmp_path / "rules" / "chrome"
    chrome.mkdir(parents=True)
    shipped = default_rules_dir() / "chrome"
    (chrome / "promos.toml").write_bytes((shipped / "promos.toml").read_bytes())
    (chrome / "short-line-model.json").write_bytes((shipped / "short-line-model.json").read_bytes())
    good = _cleaner("rules", "check", "rules", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    model = chrome / "short-line-model.json"
    model.write_text('{"format": "cleaner-short-line-model", "version": 1, "weights": {}}\n')
    broken = _cleaner("rules", "check", "rules", cwd=tmp_path)
    assert broken.returncode == 1
    assert "short-line-model.json: chrome.short-line-model: field 'weights'" in broken.stdout
    assert "1 problems" in broken.stdout


def test_score_reads_standard_input_and_prefixes_its_errors(tmp_path: Path) -> None:
    """`cleaner score -` said "-: cannot read" though `clean -` reads stdin; score's errors
    lacked the `cleaner:` prefix every other message has."""
    scored = _cleaner("score", "-", input="The council met on Tuesday and the vote passed.\n")
    assert scored.returncode == 0, scored.stderr
    assert "9 words\t-\tgate: not spun" in scored.stdout
    missing = _cleaner("score", str(tmp_path / "gone.txt"))
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"cleaner: {tmp_path / 'gone.txt'}: cannot read")
