"""The final newline of a cleaned text follows the input's convention even when the last line
was chrome that a line stage removed: a text without a final newline stays without one, a
text with one keeps it. Removing "Share this article" leaves the newline that stood before
it, which is not the input's."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from cleaner.api import clean

FAST = ("--skip", "grammar,repair")
PROSE = "The council approved the new bridge after a long debate about its cost."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{PROSE}\n\nShare this article", f"{PROSE}"),
        (f"{PROSE}\nShare this article", f"{PROSE}"),
        (f"{PROSE}\n\nShare this article\n", f"{PROSE}\n"),
        (f"{PROSE}\nShare this article\n", f"{PROSE}\n"),
        # No chrome at the end: the layout alone decides, as before.
        (f"{PROSE}", f"{PROSE}"),
        (f"{PROSE}\n\n\n", f"{PROSE}\n"),
        # Chrome removed in the middle does not change the ending.
        (f"Share this article\n\n{PROSE}", f"{PROSE}"),
        (f"Share this article\n\n{PROSE}\n", f"{PROSE}\n"),
    ],
)
def test_final_newline_follows_the_input(text: str, expected: str) -> None:
    result = clean(text, skip="grammar,repair")
    assert result.text == expected
    assert clean(result.text, skip="grammar,repair").text == expected, "a second cleaning keeps it"


@pytest.mark.parametrize("final", ["", "\n"])
def test_cli_file_keeps_its_final_newline_convention(tmp_path: Path, final: str) -> None:
    page = tmp_path / "story.txt"
    page.write_text(f"{PROSE}\n\nRelated Post\n\nLeave a Reply{final}", encoding="utf-8")
    proc = run_cli("clean", str(page), *FAST)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode() == PROSE + final
