"""`cleaner corpus --format markdown` writes what `cleaner clean --format markdown` writes, under
the same output names; and Markdown without the stage that writes its marks is refused."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

PAGE = (
    "<html><head><title>Pier reopens | Harbour Gazette</title></head><body><nav>Home</nav>"
    "<article><h1>Pier reopens</h1><p>The harbour board reopened the north pier on Monday "
    "after the storm, officials said in a statement.</p><h2>What changes for visitors</h2>"
    "<p>Work on the sea wall is due to finish before the regatta in the summer, they added, "
    "and the cafe will reopen too.</p><ol><li>Parking moves to the old market square for the "
    "summer months.</li><li>The ferry leaves from the south quay until the works are done."
    "</li></ol><blockquote><p>We are glad to have the pier back before the season starts, "
    "said the harbour master.</p></blockquote></article></body></html>"
)
SKIP = ("--skip", "grammar")


def test_corpus_writes_the_markdown_clean_writes_under_the_same_names(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "site").mkdir(parents=True)
    (src / "site" / "page.html").write_text(PAGE, encoding="utf-8")
    out, plain = tmp_path / "out", tmp_path / "plain"
    done = run_cli("corpus", str(src), str(out), *SKIP, "--format", "markdown", "-q")
    assert done.returncode == 0, done.stderr.decode()
    assert run_cli("corpus", str(src), str(plain), *SKIP, "-q").returncode == 0
    written = (out / "site" / "page.txt").read_text(encoding="utf-8")
    for mark in ("## What changes for visitors", "1. Parking", "> We are glad"):
        assert mark in written, written
    assert "## " not in (plain / "site" / "page.txt").read_text(encoding="utf-8")
    cleaned = run_cli("clean", "site/page.html", *SKIP, "--format", "markdown", cwd=src)
    assert cleaned.returncode == 0 and cleaned.stdout.decode() == written


def test_markdown_without_tidy_is_a_usage_error_in_both_commands(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "page.html").write_text(PAGE, encoding="utf-8")
    skip = ("--skip", "grammar,tidy", "--format", "markdown")
    refused = run_cli("corpus", str(src), str(tmp_path / "out"), *skip)
    assert refused.returncode == 2 and b"--format markdown needs stage tidy" in refused.stderr
    assert not (tmp_path / "out").exists()
    refused = run_cli("clean", "page.html", *skip, cwd=src)
    assert refused.returncode == 2 and b"--format markdown needs stage tidy" in refused.stderr
    assert refused.stdout == b""
