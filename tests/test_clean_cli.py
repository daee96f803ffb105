"""`cleaner clean` against hostile and awkward inputs (issues 14 and 16), run as a subprocess.

Each test reproduces a defect of the old command: outputs overwriting each other, WARC headers
printed as text, unbounded reads, wrong encodings, missing limits and unclear errors.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import resource
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import CLEANER_BIN, REPO, run_cli

from cleaner.io.layout import fitting_name

SKIP = ("--skip", "repair,grammar")
ONLY_EXTRACT = ("--skip", "unicode,chrome,captions,repair,grammar,tidy")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def sample_warc(path: Path) -> Path:
    """The two-article WARC (gzip members) that scripts/make_sample_warc.py writes."""
    spec = importlib.util.spec_from_file_location(
        "make_sample_warc", REPO / "scripts" / "make_sample_warc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_sample(path)
    return path


def files_under(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- output naming (#14.1, #16) -------------------------------------------------------------


def test_same_file_names_in_two_folders_keep_their_layout(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.txt", "Advertisement\n\nFirst story.\n")
    write(tmp_path / "b" / "x.txt", "Second story.\n")
    out = tmp_path / "out"
    proc = run_cli("clean", "a/x.txt", "b/x.txt", "-o", str(out), *SKIP, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert files_under(out) == {"a/x.txt": "First story.\n", "b/x.txt": "Second story.\n"}


def test_two_inputs_that_would_share_an_output_are_refused_before_cleaning(
    tmp_path: Path,
) -> None:
    write(tmp_path / "d" / "story.txt", "One.\n")
    write(tmp_path / "d" / "story.html", "<html><body><p>Two.</p></body></html>")
    out = tmp_path / "out"
    proc = run_cli("clean", "d/story.txt", "d/story.html", "-o", str(out), *SKIP, cwd=tmp_path)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "d/story.txt and d/story.html would both be written to" in err
    assert not out.exists() or not any(out.iterdir())


def test_several_inputs_need_a_folder(tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", "One.\n")
    b = write(tmp_path / "b.txt", "Two.\n")
    proc = run_cli("clean", str(a), str(b), "-o", str(tmp_path / "one.txt"), *SKIP)
    assert proc.returncode == 2
    assert "several inputs need -o to name a folder" in proc.stderr.decode()
    assert not (tmp_path / "one.txt").exists(), "no folder named one.txt"
    existing = write(tmp_path / "existing.txt", "keep me\n")
    proc = run_cli("clean", str(a), str(b), "-o", str(existing), *SKIP)
    assert proc.returncode == 2
    assert f"{existing}: is a file; several inputs need -o to name a folder" in (
        proc.stderr.decode()
    )
    assert existing.read_text() == "keep me\n"
    proc = run_cli("clean", str(a), str(b), "-o", str(tmp_path / "one.txt") + "/", *SKIP)
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "one.txt") == {"a.txt": "One.\n", "b.txt": "Two.\n"}


def test_outputs_are_named_by_stem_and_format(tmp_path: Path) -> None:
    page = write(
        tmp_path / "in" / "page.html",
        "<html><head><title>Bridge</title></head><body><article><p>"
        + "The bridge reopened on Monday after repairs to its deck and railings. " * 4
        + "</p></article></body></html>",
    )
    notes = write(tmp_path / "in" / "notes.text", "Plain notes.\n")
    out = tmp_path / "out"
    proc = run_cli("clean", str(page), str(notes), "-o", str(out), *SKIP)
    assert proc.returncode == 0, proc.stderr
    assert sorted(files_under(out)) == ["notes.txt", "page.txt"]
    assert "The bridge reopened" in (out / "page.txt").read_text()
    proc = run_cli("clean", str(page), str(notes), "-o", str(out), "-f", "jsonl", *SKIP)
    assert proc.returncode == 0, proc.stderr
    record = json.loads((out / "page.jsonl").read_text())
    assert "The bridge reopened" in record["text"]
    assert json.loads((out / "notes.jsonl").read_text())["text"] == "Plain notes.\n"


def test_long_names_get_a_short_temp_file_and_a_hashed_output_name(tmp_path: Path) -> None:
    fits = write(tmp_path / ("a" * 250 + ".txt"), "Fits.\n")  # 254 bytes: the limit is 255
    too_long = write(tmp_path / ("b" * 250 + ".htm"), "<html><body><p>Long.</p></body></html>")
    out = tmp_path / "out"
    proc = run_cli("clean", str(fits), str(too_long), "-o", str(out), "-f", "jsonl", *SKIP)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and all(len(name.encode()) <= 255 for name in names)
    hashed = [name for name in names if name.startswith("b")]
    assert hashed and hashed[0].endswith(".jsonl") and len(hashed[0]) == 255
    assert hashed == [fitting_name("b" * 250 + ".jsonl")]  # as a corpus run shortens it
    # The same long input gets the same name on every run.
    again = run_cli(
        "clean", str(too_long), "-o", str(tmp_path / "again") + "/", "-f", "jsonl", *SKIP
    )
    assert again.returncode == 0, again.stderr
    assert [p.name for p in (tmp_path / "again").iterdir()] == hashed
    proc = run_cli("clean", str(fits), "-o", str(tmp_path / ("c" * 256)), *SKIP)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "longer than the 255 a file system allows" in err and "Traceback" not in err


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def test_output_files_follow_the_umask_and_keep_an_existing_mode(tmp_path: Path) -> None:
    src = write(tmp_path / "a.txt", "Text.\n")
    new = tmp_path / "new.txt"
    existing = write(tmp_path / "existing.txt", "old\n")
    existing.chmod(0o640)
    with umask(0o022):
        assert run_cli("clean", str(src), "-o", str(new), *SKIP).returncode == 0
        assert run_cli("clean", str(src), "-o", str(existing), *SKIP).returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert existing.read_text() == "Text.\n"


# --- every format corpus reads (#14.15, #16) ------------------------------------------------


@pytest.mark.parametrize("name", ["crawl.warc.gz", "one-member.warc.gz", "crawl.warc", "crawl.bin"])
def test_warc_files_are_read_as_warc(tmp_path: Path, name: str) -> None:
    """one-member.warc.gz is the whole file compressed as one gzip member (`gzip crawl.warc`),
    not one member per record: warcio refused it after the first record, so every article
    after the first was lost."""
    packed = sample_warc(tmp_path / "sample.warc.gz")
    path = tmp_path / name
    if name == "one-member.warc.gz":
        path.write_bytes(gzip.compress(gzip.decompress(packed.read_bytes())))
    elif name.endswith(".gz"):
        packed.rename(path)
    else:
        path.write_bytes(gzip.decompress(packed.read_bytes()))
    proc = run_cli("clean", str(path), *SKIP)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode()
    assert "WARC/1" not in text and "Content-Type" not in text and "<p>" not in text
    assert "The covered market hall on Weavers Row reopened" in text
    assert "Pupils at Alder Street primary school" in text
    proc = run_cli("clean", str(path), "-f", "jsonl", *SKIP)
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["metadata"]["url"] for r in records] == [
        "https://news.example.org/2025/04/market-hall-reopens",
        "https://news.example.org/2025/05/school-garden",
    ]


def test_warc_on_stdin_and_into_a_folder(tmp_path: Path) -> None:
    warc = sample_warc(tmp_path / "in" / "crawl.warc.gz")
    proc = run_cli("clean", "-", "--input-format", "warc", *SKIP, stdin=warc.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert "Weavers Row" in proc.stdout.decode() and "WARC/1" not in proc.stdout.decode()
    other = write(tmp_path / "in" / "note.txt", "A note.\n")
    out = tmp_path / "out"
    proc = run_cli("clean", str(warc), str(other), "-o", str(out), *SKIP)
    assert proc.returncode == 0, proc.stderr
    assert sorted(files_under(out)) == ["crawl.jsonl", "note.txt"]
    lines = (out / "crawl.jsonl").read_text().splitlines()
    assert len(lines) == 2 and "Weavers Row" in json.loads(lines[0])["text"]


# --- one bad JSONL line (#14.6) -------------------------------------------------------------


def test_lone_surrogate_fails_its_line_only() -> None:
    stdin = (
        b'{"id":"a","text":"before"}\n'
        b'{"id":"b","text":"x \\ud800","url":"https://harbour.example/b","n":[1,"\\udc80"]}\n'
        b'{"id":"c","text":"after the bad line"}\n'
    )
    proc = run_cli("clean", "-f", "jsonl", "-", *SKIP, stdin=stdin)
    assert proc.returncode == 1
    assert "cleaner: <stdin>:2: invalid Unicode" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
    lines = proc.stdout.decode().splitlines()
    records = [json.loads(line) for line in lines]
    # The bad line keeps its place and the input record as it was (its lone surrogates
    # written as the escapes the input held), with the reason.
    assert [r["id"] for r in records] == ["a", "b", "c"]
    assert "lone surrogate" in records[1].pop("cleaner_error")
    assert records[1] == {
        "id": "b",
        "text": "x \ud800",
        "url": "https://harbour.example/b",
        "n": [1, "\udc80"],
    }
    assert "\\ud800" in lines[1] and "\\udc80" in lines[1]


# --- bounded reads (#14.10) -----------------------------------------------------------------

MEMORY_CAP = 3 << 30
"""An address-space cap for commands that used to read without bound: the old code dies with
MemoryError instead of eating the shared machine; the fixed code stays far below it."""


def run_capped(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run(
        [str(CLEANER_BIN), *args],
        input=stdin,
        capture_output=True,
        preexec_fn=cap,
        timeout=120,
        check=False,
    )


def test_dev_zero_stops_at_the_limit() -> None:
    proc = run_capped("clean", "/dev/zero", "--max-bytes", "1000000", *SKIP)
    assert proc.returncode == 1
    assert "cleaner: /dev/zero: document is above the 1 MB limit" in proc.stderr.decode()


def test_gzip_bomb_and_long_jsonl_line_stop_at_the_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.txt.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as stream:
        block = b"a" * (1 << 20)
        for _ in range(4096):  # 4 GiB of text in ~4 MB
            stream.write(block)
    proc = run_capped("clean", str(bomb), *SKIP)
    assert proc.returncode == 1
    assert f"{bomb}: document is above the 20 MB limit" in proc.stderr.decode()
    lines = tmp_path / "lines.jsonl.gz"
    with gzip.open(lines, "wb", compresslevel=1) as stream:
        stream.write(b'{"id": "huge", "text": "')
        for _ in range(3500):
            stream.write(block)
        stream.write(b'"}\n{"id": "small", "text": "Still cleaned."}\n')
    proc = run_capped("clean", str(lines), "-f", "jsonl", *SKIP)
    assert proc.returncode == 1
    assert f"{lines}:1: line is above the 20 MB limit" in proc.stderr.decode()
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    # The line over the limit keeps its place, never read: named by its place only.
    assert [r.get("id") for r in records] == [None, "small"]
    assert records[0]["cleaner_input"] == f"{lines}:1"


def test_stdin_stops_at_the_limit() -> None:
    proc = run_capped("clean", "-", "--max-bytes", "1000", *SKIP, stdin=b"word " * 100_000)
    assert proc.returncode == 1
    assert "cleaner: <stdin>: document is above the 0.001 MB limit" in proc.stderr.decode()


# --- decoding (#14.7) -----------------------------------------------------------------------


def test_utf8_with_late_multibyte_and_one_bad_byte_is_not_a_legacy_encoding(
    tmp_path: Path,
) -> None:
    path = tmp_path / "late.txt"
    path.write_bytes(b"plain ascii line\n" * 70_000 + "Café au lait.\n".encode() + b"bad \xff\n")
    proc = run_cli("clean", str(path), *SKIP)
    assert proc.returncode == 1
    assert "invalid UTF-8 at byte offset" in proc.stderr.decode()
    proc = run_cli("clean", str(path), "--encoding-errors", "replace", *SKIP)
    assert proc.returncode == 0, proc.stderr
    assert "Café au lait." in proc.stdout.decode() and "bad \ufffd" in proc.stdout.decode()


def test_short_legacy_guess_warns_with_its_confidence(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes(b"caf\xc3\x28 ok\n")
    proc = run_cli("clean", str(path), "-f", "jsonl", *SKIP)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["metadata"]["encoding"] == "cp1252"
    assert record["metadata"]["encoding_confidence"] < 0.5
    assert "decoded as cp1252, a guess with low confidence" in proc.stderr.decode()


# --- time limit (#14.12) --------------------------------------------------------------------


def slow_document(path: Path) -> Path:
    """Several MB of varied lines: the default stages take seconds on it."""
    lines = (
        f"Line {n}: the council met on Monday to discuss item {n % 97}." for n in range(80_000)
    )
    return write(path, "\n".join(lines) + "\n")


def test_a_document_over_the_time_limit_fails_alone(tmp_path: Path) -> None:
    slow = slow_document(tmp_path / "slow.txt")
    quick = write(tmp_path / "quick.txt", "Advertisement\n\nQuick.\n")
    out = tmp_path / "out"
    proc = run_cli("clean", str(slow), str(quick), "-o", str(out), "--time-limit", "0.5", *SKIP)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert f"{slow}: took longer than the 0.5 s time limit (raise it with --time-limit" in err
    assert files_under(out) == {"quick.txt": "Quick.\n"}
    config = write(
        tmp_path / "pipeline.toml",
        'stages = ["decode", "extract", "unicode", "chrome", "captions", "tidy"]\n'
        "time_limit = 0.5\n",
    )
    proc = run_cli("clean", str(slow), "--config", str(config))
    assert proc.returncode == 1
    assert "took longer than the 0.5 s time limit" in proc.stderr.decode()


# --- pipeline-file and rule-file errors (#14.16) --------------------------------------------


def test_pipeline_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = write(tmp_path / "a.txt", "Hello.\n")
    config = write(tmp_path / "pipeline.toml", 'max_bytes = 1000\nstages = ["decode", "tidy"\n')
    proc = run_cli("clean", str(text), "--config", str(config))
    assert proc.returncode == 2
    assert f"{config}:2: invalid pipeline file: Unclosed array" in proc.stderr.decode()
    config.write_text('stages = ["decode"]\nmax_bytes = = 3\n', encoding="utf-8")
    proc = run_cli("clean", str(text), "--config", str(config))
    assert f"{config}:2: invalid pipeline file: Invalid value" in proc.stderr.decode()


def test_unknown_stage_option_is_refused_with_its_line(tmp_path: Path) -> None:
    text = write(tmp_path / "a.txt", "Hello.\n")
    config = write(
        tmp_path / "pipeline.toml",
        'stages = ["decode", "repair", "tidy"]\n\n[options.decode]\nerrors = "strict"\n\n'
        "[options.repair]\nmin_signaturs = 3\n",
    )
    proc = run_cli("clean", str(text), "--config", str(config))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert f"{config}:7: stage repair has no option 'min_signaturs'" in err
    assert "min_signatures" in err, "the message lists the options the stage has"
    config.write_text('stages = ["decode"]\n[options]\ntidy.rulez = "x"\n', encoding="utf-8")
    proc = run_cli("clean", str(text), "--config", str(config))
    assert proc.returncode == 2
    assert f"{config}:3: stage tidy has no option 'rulez'" in proc.stderr.decode()


def test_a_bad_stage_option_value_is_refused_once_naming_the_file(tmp_path: Path) -> None:
    text = write(tmp_path / "a.txt", "Hello.\n")
    config = write(tmp_path / "pipeline.toml", '[options.grammar]\nfindings = "yes"\n')
    proc = run_cli("clean", str(text), "--config", str(config))
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == (
        f"cleaner: {config}:2: [options.grammar] findings must be \"auto\", true or false, "
        "not the string 'yes'"
    )


def test_a_string_for_a_boolean_option_is_refused_naming_file_key_and_type(tmp_path: Path) -> None:
    """`markdown = "yes"` was taken silently (and `markdown = "false"` turned Markdown on:
    the stage read the option with bool())."""
    text = write(tmp_path / "a.txt", "Hello.\n")
    for value, written in (('"yes"', "the string 'yes'"), ('"false"', "the string 'false'")):
        config = write(tmp_path / "pipeline.toml", f"[options.extract]\nmarkdown = {value}\n")
        proc = run_cli("clean", str(text), "--config", str(config), *SKIP)
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == b""
        assert proc.stderr.decode() == (
            f"cleaner: {config}:2: [options.extract] markdown must be true or false, not {written}\n"
        )


def test_explain_says_the_pipeline_file_turned_grammar_findings_off(tmp_path: Path) -> None:
    """--explain turns findings on unless the pipeline file sets them false: then it must
    say so, not suggest --explain. (No allowed grammar rule can fire in this text, so no
    LanguageTool server is needed.)"""
    text = write(tmp_path / "a.txt", "The council met on Tuesday and agreed.\n")
    config = write(tmp_path / "pipeline.toml", "[options.grammar]\nfindings = false\n")
    proc = run_cli("clean", str(text), "--explain", "--config", str(config))
    assert proc.returncode == 0
    err = proc.stderr.decode()
    assert f"(not collected: findings = false under [options.grammar] in {config}" in err
    assert "set it to true" in err and "--explain" not in err


def test_every_stage_declares_the_options_its_build_reads() -> None:
    from cleaner.registry import STAGE_MODULES, stage_module

    for name in STAGE_MODULES:
        module: Any = stage_module(name)
        assert isinstance(module.OPTIONS, frozenset), name
        source = Path(module.__file__).read_text(encoding="utf-8")
        build = source[source.index("def build(") :]
        for key in module.OPTIONS:
            assert f'"{key}"' in build or name == "unicode", (name, key)


# --- inputs and output of several files (#16) -----------------------------------------------


def test_input_list_from_a_file_and_from_stdin(tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", "Advertisement\n\nFirst.\n")
    write(tmp_path / "in" / "sub" / "b.txt", "Second.\n")
    listing = write(tmp_path / "list.txt", "in/a.txt\n\nin/sub/b.txt\n")
    proc = run_cli("clean", "-i", str(listing), "-o", "out", *SKIP, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert files_under(tmp_path / "out") == {"a.txt": "First.\n", "sub/b.txt": "Second.\n"}
    proc = run_cli("clean", "-i", "-", *SKIP, cwd=tmp_path, stdin=b"in/a.txt\nin/sub/b.txt\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == ("==> in/a.txt <==\nFirst.\n==> in/sub/b.txt <==\nSecond.\n")
    proc = run_cli("clean", "-i", str(tmp_path / "nope.txt"), *SKIP)
    assert proc.returncode == 2
    assert "nope.txt: cannot read the input list" in proc.stderr.decode()


def test_jobs_give_the_same_output_and_messages_in_input_order(tmp_path: Path) -> None:
    names = []
    for number in range(8):
        path = tmp_path / "in" / f"doc{number}.txt"
        if number == 3:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"bin\x00ary")
        else:
            write(path, f"Advertisement\n\nStory number {number}.\n")
        names.append(str(path))
    serial = run_cli("clean", *names, *SKIP)
    parallel = run_cli("clean", *names, "-j", "3", *SKIP)
    assert serial.returncode == parallel.returncode == 1
    assert parallel.stdout == serial.stdout
    assert parallel.stderr == serial.stderr
    assert "doc3.txt: binary file" in parallel.stderr.decode()
    out1, out3 = tmp_path / "out1", tmp_path / "out3"
    assert run_cli("clean", *names, "-o", str(out1), *SKIP).returncode == 1
    assert run_cli("clean", *names, "-o", str(out3), "-j", "3", *SKIP).returncode == 1
    assert files_under(out3) == files_under(out1)
    assert len(files_under(out3)) == 7


# --- diff and score on the extracted text of HTML (#16) -------------------------------------

PAGE = (
    "<!doctype html><html><head><title>Harbour reopens</title></head><body>"
    "<nav>Home | World | Sport</nav><article><h1>Harbour reopens</h1>"
    "<p>The harbour reopened on Friday after a week of storms, and it  was busy.</p>"
    "<p>Story continues below advertisement</p>"
    "<p>Fishing crews returned to work at dawn, the port authority said, and in the fourth "
    "12 months of the scheme the catch was larger.</p>"
    "<p>Boats were repainted over the winter by volunteers from the town.</p>"
    "</article><footer>Copyright 2026</footer></body></html>"
)


def test_diff_of_html_compares_extracted_text_with_output(tmp_path: Path) -> None:
    page = write(tmp_path / "page.html", PAGE)
    proc = run_cli("clean", str(page), "--diff", *SKIP)
    assert proc.returncode == 0, proc.stderr
    diff = proc.stdout.decode()
    assert diff.startswith(f"--- {page} (extracted text)\n+++ {page} (cleaned)\n")
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    assert body and not [line for line in body if "<" in line], "only text lines, no markup"
    assert "-Story continues below advertisement" in diff


def test_score_of_html_equals_score_of_its_extracted_text(tmp_path: Path) -> None:
    page = write(tmp_path / "page.html", PAGE)
    extracted = tmp_path / "extracted.txt"
    proc = run_cli("clean", str(page), "-o", str(extracted), *ONLY_EXTRACT)
    assert proc.returncode == 0, proc.stderr
    assert "<p>" not in extracted.read_text()
    html_score = run_cli("score", str(page))
    text_score = run_cli("score", str(extracted))
    assert html_score.returncode == text_score.returncode == 0, html_score.stderr
    assert html_score.stdout.decode().split("\t")[:3] == text_score.stdout.decode().split("\t")[:3]
    words = int(html_score.stdout.decode().split("\t")[2].split()[0])
    assert words == len(extracted.read_text().split())


def test_folder_output_never_replaces_an_input(tmp_path: Path) -> None:
    raw = write(tmp_path / "in" / "a.txt", "Advertisement\n\nRaw text.\n")
    other = write(tmp_path / "in" / "b.txt", "Other.\n")
    proc = run_cli("clean", str(raw), str(other), "-o", str(tmp_path / "in"), *SKIP)
    assert proc.returncode == 2
    assert f"{raw}: its output would replace the input itself" in proc.stderr.decode()
    assert raw.read_text() == "Advertisement\n\nRaw text.\n"


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ("[]", "'stages' is empty: list at least \"decode\""),
        ('["tidy", "decode", "extract"]', 'the stages must start with "decode"'),
        ('["decode", "decode", "extract"]', "stage 'decode' is listed twice"),
        ('["extract", "tidy"]', 'the stages must start with "decode"'),
        ('["decode", "tidy", "extract"]', "stage 'extract' is listed after 'tidy', but runs"),
    ],
)
def test_a_stage_list_that_cannot_clean_is_refused_with_its_line(
    tmp_path: Path, stages: str, message: str
) -> None:
    """`stages = []` wrote the raw HTML out with rc 0; lists out of order, with a stage twice
    or without decode ran too. Each is refused, naming the file and the line."""
    page = write(tmp_path / "page.html", "<html><body><p>The vote passed.</p></body></html>")
    config = write(tmp_path / "pipeline.toml", f"max_bytes = 1000\n\nstages = {stages}\n")
    proc = run_cli("clean", str(page), "--config", str(config))
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert f"{config}:3: {message}" in proc.stderr.decode()
    # Stages may be left out: a shorter list in the order still runs.
    config.write_text('stages = ["decode", "extract", "tidy"]\n', encoding="utf-8")
    kept = run_cli("clean", str(page), "--config", str(config))
    assert kept.returncode == 0, kept.stderr.decode()
    assert kept.stdout == b"The vote passed.\n"
