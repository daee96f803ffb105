"""The tidy stage looks for trailing spaces only in texts holding a space before a newline;
the spaces it trims must be exactly those its pattern finds in every text."""

from __future__ import annotations

import re

from conftest import REPO, sample_texts

from cleaner.document import Document
from cleaner.rules.chrome import load_chrome_rules
from cleaner.stages.tidy import TidyStage

# What a trailing space is: white space other than a newline at the end of a line.
TRAILING_SPACE = re.compile(r"[ \t\u00a0]+$", re.M)
TIDY = TidyStage(rules=load_chrome_rules(REPO / "rules" / "chrome"))

CASES = [
    "Title\n\nA line. \nA tab\t\nA no-break\u00a0\nEnd.\n",
    "No trailing space here.\nNone at all.\n",
    "Only at the very end.   ",
    "   \n \nIndented first line  \nlast\u00a0\u00a0",
    "Spaces before a carriage return \r\nstay as they were.\n",
]


def _texts() -> list[str]:
    return [*CASES, *sample_texts()]


def test_the_trimmed_spaces_are_those_the_pattern_finds_in_the_whole_text() -> None:
    trimmed = 0
    for text in _texts():
        end = len(text.rstrip())
        start = text.rfind("\n", 0, len(text) - len(text.lstrip())) + 1 if end else 0
        expected = [(m.start(), m.end()) for m in TRAILING_SPACE.finditer(text, start, end)]
        edits = TIDY(Document(text)).edits
        found = [(e.start, e.end) for e in edits if e.rule_id == "tidy.trailing-space"]
        assert found == expected, text[:80]
        trimmed += len(found)
    assert trimmed >= 4


def test_a_trailing_space_tab_and_no_break_space_go() -> None:
    assert TIDY(Document(CASES[0])).text == "Title\n\nA line.\nA tab\nA no-break\nEnd.\n"
