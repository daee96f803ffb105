"""The real `cleaner` command, run as a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REFERENCE, REPO, run_cli

GOLDEN = REPO / "tests" / "golden" / "reference.core.txt"
SKIP = ("--skip", "repair,grammar")


def test_clean_file_to_stdout_matches_golden() -> None:
    proc = run_cli("clean", str(REFERENCE), *SKIP)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == GOLDEN.read_text(encoding="utf-8")


def test_stdin_to_output_file(tmp_path: Path) -> None:
    out = tmp_path / "clean.txt"
    proc = run_cli("clean", "-", "-o", str(out), *SKIP, stdin=REFERENCE.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == GOLDEN.read_text(encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name != "clean.txt"], "no temp files left"


def test_jsonl_output_carries_metadata_and_edits() -> None:
    proc = run_cli("clean", str(REFERENCE), "--format", "jsonl", *SKIP)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) >= {"id", "text", "metadata", "edits"}
    assert record["text"] == GOLDEN.read_text(encoding="utf-8")
    assert record["metadata"]["chrome_lines_removed"] == 19
    assert {"stage", "rule_id", "line", "start", "end", "before", "after"} <= set(
        record["edits"][0]
    )


def test_jsonl_stdin_pipe_keeps_other_fields() -> None:
    records = [
        {"id": "a", "text": "Advertisement\n\nThe council met on Monday.\n", "lang": "en"},
        {"id": "b", "text": "Plain clean text.\n", "meta": [1, 2]},
    ]
    stdin = "".join(json.dumps(r) + "\n" for r in records).encode()
    proc = run_cli("clean", "--format", "jsonl", "-", *SKIP, stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == ["a", "b"]
    assert out[0]["text"] == "The council met on Monday.\n" and out[0]["lang"] == "en"
    assert out[1]["text"] == "Plain clean text.\n" and out[1]["meta"] == [1, 2]


def test_explain_prints_every_edit_to_stderr() -> None:
    proc = run_cli("clean", str(REFERENCE), "--explain", *SKIP)
    assert proc.returncode == 0
    err = proc.stderr.decode()
    assert "ad-slug.story-continues" in err and "line   11" in err
    assert "player.click-to-play-video.caption" in err
    assert proc.stdout.decode() == GOLDEN.read_text(encoding="utf-8"), (
        "explain must not change stdout"
    )


def test_diff_shows_removed_lines() -> None:
    proc = run_cli("clean", str(REFERENCE), "--diff", *SKIP)
    assert proc.returncode == 0
    diff = proc.stdout.decode()
    assert diff.startswith("--- ")
    assert "\n-Story continues below commercial\n" in diff
    assert "\n-Get day by day National news\n" in diff


def test_several_files_into_a_folder(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text("Advertisement\n\nFirst story.\n", encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("Second story.\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("clean", str(a), str(b), "-o", str(out), *SKIP)
    assert proc.returncode == 0, proc.stderr
    assert (out / "a.txt").read_text() == "First story.\n"
    assert (out / "b.txt").read_text() == "Second story.\n"


def test_bad_inputs_fail_alone_and_name_the_file(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("A clean sentence.\n", encoding="utf-8")
    binary = tmp_path / "image.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    broken = tmp_path / "broken.txt"
    broken.write_bytes("naïve ".encode() + b"\xc3\x28 end")
    missing = tmp_path / "missing.txt"
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "out"
    proc = run_cli(
        "clean",
        str(binary),
        str(good),
        str(broken),
        str(missing),
        str(empty),
        "-o",
        str(out),
        *SKIP,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert f"{binary}: binary file (NUL byte at offset 8)" in err
    assert f"{broken}: invalid UTF-8 at byte offset 7" in err
    assert f"{missing}: no such file" in err
    assert f"{empty}: warning: empty input" in err
    assert (out / "good.txt").read_text() == "A clean sentence.\n", "the good file is still cleaned"
    assert (out / "empty.txt").read_text() == ""
    assert not (out / "image.bin").exists() and not (out / "broken.txt").exists()


def test_huge_single_line_is_refused_then_cleaned_with_a_higher_limit(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    line = ("word " * 10_000_000).rstrip() + "\n"  # 50 MB on one line
    huge.write_text(line, encoding="ascii")
    proc = run_cli("clean", str(huge), *SKIP, "-o", str(tmp_path / "out.txt"))
    assert proc.returncode == 1
    assert "document is 50.0 MB, above the 20 MB limit" in proc.stderr.decode()
    assert not (tmp_path / "out.txt").exists()
    proc = run_cli(
        "clean", str(huge), *SKIP, "--max-bytes", "60000000", "-o", str(tmp_path / "out.txt")
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.txt").read_text(encoding="ascii") == line


def test_broken_rule_file_is_a_usage_error_naming_file_line_and_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "chrome"
    rules.mkdir(parents=True)
    (rules / "bad.toml").write_text(
        '[meta]\nkind = "chrome"\n\n[[rules]]\nid = "ok.rule"\naction = "line"\nexact = ["Ad"]\n'
        'examples = ["Ad"]\n\n[[rules]]\nid = "bad.regex"\naction = "line"\npattern = "(unclosed"\n'
        'examples = ["x"]\n',
        encoding="utf-8",
    )
    text = tmp_path / "a.txt"
    text.write_text("Hello.\n")
    proc = run_cli("clean", str(text), "--rules", str(tmp_path / "rules"), *SKIP)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert f"{rules / 'bad.toml'}:13: bad.regex: bad regex in 'pattern'" in err
    assert proc.stdout == b""


def test_missing_field_in_rule_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "chrome"
    rules.mkdir(parents=True)
    (rules / "bad.toml").write_text(
        '[meta]\nkind = "chrome"\n\n[[rules]]\nid = "no.examples"\naction = "line"\nexact = ["Ad"]\n',
        encoding="utf-8",
    )
    text = tmp_path / "a.txt"
    text.write_text("Hello.\n")
    proc = run_cli("clean", str(text), "--rules", str(tmp_path / "rules"), *SKIP)
    assert proc.returncode == 2
    assert f"{rules / 'bad.toml'}:4: no.examples: missing field 'examples'" in proc.stderr.decode()


def test_usage_errors_exit_2() -> None:
    assert run_cli("clean", str(REFERENCE), "--skip", "nonsense").returncode == 2
    assert run_cli("clean", str(REFERENCE), "--format", "xml").returncode == 2
    assert run_cli("clean").returncode == 2


def test_help_teaches_with_examples() -> None:
    for command in (("clean",), ("stages",)):
        proc = run_cli(*command, "--help")
        assert proc.returncode == 0
        assert "Example" in proc.stdout.decode()


def test_stages_lists_every_stage() -> None:
    proc = run_cli("stages")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    for name in ("decode", "extract", "unicode", "chrome", "captions", "tidy"):
        assert name in out


def test_html_input_is_extracted(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    body = " ".join(["The harbour reopened on Friday after a week of storms."] * 3)
    page.write_text(
        "<!doctype html><html><head><title>Harbour reopens – National</title></head><body>"
        "<nav>Home | World | Sport</nav><article><h1>Harbour reopens</h1>"
        f"<p>{body}</p><p>Story continues below advertisement</p>"
        f"<p>Fishing crews returned to work at dawn, the port authority said. {body}</p>"
        "</article><footer>Copyright 2026</footer></body></html>",
        encoding="utf-8",
    )
    proc = run_cli("clean", str(page), "--format", "jsonl", *SKIP)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert "The harbour reopened on Friday" in record["text"]
    assert "Fishing crews returned" in record["text"]
    assert "Story continues below" not in record["text"]
    assert "Home | World" not in record["text"] and "<p>" not in record["text"]
    assert record["metadata"]["format"] == "html"
    assert record["metadata"]["title"] == "Harbour reopens"
