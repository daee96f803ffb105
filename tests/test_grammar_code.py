"""Code, quoted text and spaced ellipses go through the grammar stage unchanged.

LanguageTool reads everything as English prose: ``x = a  if  b else c`` became
``x = an if b else c``, ``print("a  b")   # ...`` lost its spaces, ``paused . . . and`` became
``paused. . . and`` and ``the typo "the the"`` became ``the typo "the"``. The cheap tests
pin what counts as code (:mod:`cleaner.stages.code_lines`) and the context checks; the others
run the stage and the whole pipeline on a real LanguageTool server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from languagetool_fixtures import lt_service

from cleaner import Cleaner
from cleaner import languagetool as lt
from cleaner.document import Document
from cleaner.rules.grammar import is_safe_fix, load_allow_list
from cleaner.stages import grammar
from cleaner.stages.code_lines import (
    CODE_LINES_KEY,
    code_line_flags,
    inline_code_spans,
    looks_like_code,
)

__all__ = ["lt_service"]

GRAMMAR_RULES = Path(__file__).resolve().parents[1] / "rules" / "grammar.toml"

# A short how-to page in our own words: prose with one slip ("a easy") around a code block
# whose spacing and "a" are meant.
CODE_PAGE = """<html><head><title>Lining up columns in Python</title></head><body><article>
<h1>Lining up columns in Python</h1>
<p>Format strings make it a easy job to line up the columns of a small report, and the example
below prints two cities with their populations padded to a fixed width.</p>
<pre><code>rows = [("Lyon", 522250), ("Graz", 291134)]
for name, pop in rows:
    print(f"{name:10}  {pop:>12,}")   # two spaces between the columns
x = a  if  b else c
</code></pre>
<p>Run it with <code>python  columns.py</code> and the two columns come out aligned, which is simpler than pulling in a library
for a report whose widths are known in advance.</p>
<pre>Banner  of the tool, as it prints it
It is a  easy tool to start</pre>
<p>The banner above is printed exactly as the program writes it when it starts up.</p>
</article></body></html>
"""
CODE_LINES = (
    'rows = [("Lyon", 522250), ("Graz", 291134)]',
    "for name, pop in rows:",
    '    print(f"{name:10}  {pop:>12,}")   # two spaces between the columns',
    "x = a  if  b else c",
    "Banner  of the tool, as it prints it",
    "It is a  easy tool to start",
)

PYTHON_TEXT = '''A small function, and how to call it:

def fib(n):
    """Return the n-th Fibonacci number."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a

if __name__ == "__main__":
    print(fib(10))  # prints 55
    print("a  b")   # two spaces inside the string

It prints a  answer and a string.
'''


@pytest.mark.parametrize(
    "line",
    [
        'print("a  b")   # two spaces inside the string',
        "x = a  if  b else c",
        "a, b = b, a + b",
        "for name, pop in rows:",
        "    return a",
        "def fib(n):",
        "class Report(Base):",
        "import os",
        "from pathlib import Path",
        'if __name__ == "__main__":',
        "    else:",
        "total += row[2]",
        "const limit = 10;",
        "if (ready) {",
        "}",
        "ok = a && b || c",
        "items.append(value)",
        "run()",
        '"""Return the n-th number."""',
        "    print(fib(10))  # prints 55",
        "cursor = db.cursor()",
        "#include <stdio.h>",
        # a shell prompt and SQL's capital clauses (review)
        "$ grep -r a  apple .",
        "SELECT name, a  value",
        "FROM  orders",
        "WHERE total > 10",
    ],
)
def test_lines_of_code_are_code(line: str) -> None:
    assert looks_like_code(line)
    assert not grammar.is_prose(line)


@pytest.mark.parametrize(
    "line",
    [
        "The council met on Tuesday and approved the budget.",
        "The ratio (2 = 1 + 1) held firm all year.",
        "E = mc2 is the best-known formula in physics.",
        "The score was x = 3 at half time, and the crowd went quiet.",
        "He paid (in cash) for a house in the old town.",
        "Bring your friend(s) to the meeting on Friday.",
        "Here is the list of what we need:",
        "# Project title",
        "The #1 seed lost in the first round.",
        "For the record, the vote was close: 5 to 4.",
        "Return to the main menu and press the # key twice.",
        "The plan [approved in May] costs less than the old one.",
        "She said: “class dismissed” and left the room.",
        "$5 million was raised for the new library.",
        "Select a file and press open.",
        "From the harbour, the ferry leaves at noon.",
    ],
)
def test_prose_with_brackets_equals_signs_and_colons_is_prose(line: str) -> None:
    assert not looks_like_code(line)
    assert grammar.is_prose(line)


def test_a_markdown_fence_and_everything_inside_it_is_code() -> None:
    lines = ["Run this:", "", "```python", "It is a  easy line", "~~~", "```", "", "Done."]
    assert code_line_flags(lines) == [False, False, True, True, True, True, False, False]
    # An unclosed fence runs to the end of the text, as in Markdown.
    assert code_line_flags(["Text.", "~~~", "a  b"]) == [False, True, True]


def test_a_block_mostly_of_code_or_indented_with_code_is_code() -> None:
    # "for name, pop in rows:" alone could be prose; between two lines of code it is code.
    block = ["rows = load()", "for name, pop in rows", "    total += pop"]
    assert code_line_flags(block) == [True, True, True]
    indented = ["Indented code:", "", "    make all", "    Then a  line", "    x = 1"]
    assert code_line_flags(indented) == [False, False, True, True, True]
    # An indented paragraph of prose stays prose (a poem, a quotation set in).
    poem = ["", "    The tide came in at a  slow pace", "    and the boats went out."]
    assert code_line_flags(poem) == [False, False, False]
    # One line of code in a paragraph of prose does not make the prose code.
    mixed = ["It was a  long day.", "We ran it again.", "x = a if b else c", "It worked."]
    assert code_line_flags(mixed) == [False, False, True, False]


def test_lines_of_the_pages_code_blocks_are_code_white_space_aside() -> None:
    page_code = frozenset({"It is a easy tool to start"})
    lines = ["It is a  easy tool to start", "", "It is a  easy tool, and more."]
    assert code_line_flags(lines, page_code) == [True, False, False]


def test_a_short_code_inside_a_sentence_is_found_white_space_aside() -> None:
    text = "Run pip  install foo, then print it; a print is cheap."
    page_code = {"pip install foo", "print", "x = a if b else c"}
    assert [text[s:e] for s, e in inline_code_spans(text, page_code)] == ["pip  install foo"]


def test_only_the_prose_around_code_is_sent() -> None:
    chunks = grammar.check_chunks(PYTHON_TEXT)
    assert [PYTHON_TEXT[c.start : c.end] for c in chunks] == [
        "A small function, and how to call it:",
        "It prints a  answer and a string.",
    ]


@pytest.mark.parametrize(
    ("text", "flagged", "replacement", "rule_id"),
    [
        ('The typo "the the" appears twice.', "the the", "the", "ENGLISH_WORD_REPEAT_RULE"),
        ("She circled “of of” in red.", "of of", "of", "ENGLISH_WORD_REPEAT_RULE"),
        ("He wrote ‘to to’ twice.", "to to", "to", "ENGLISH_WORD_REPEAT_RULE"),
        ('The sign read "OPEN  LATE" in red.', "  ", " ", "CONSECUTIVE_SPACES"),
        ("Type 'a   b' to see it.", "   ", " ", "WHITESPACE_RULE"),
        ("He paused . . . and spoke.", " .", ".", "COMMA_PARENTHESIS_WHITESPACE"),
        ("It trailed off . . .", " .", ".", "COMMA_PARENTHESIS_WHITESPACE"),
        ("He paused . . . and spoke.", ". .", ".", "DOUBLE_PUNCTUATION"),
    ],
)
def test_quoted_words_and_spaced_ellipses_are_not_fixed(
    text: str, flagged: str, replacement: str, rule_id: str
) -> None:
    start = text.index(flagged)
    assert not is_safe_fix(text, start, start + len(flagged), replacement, rule_id)


@pytest.mark.parametrize(
    ("text", "flagged", "replacement", "rule_id"),
    [
        ('I went to the the store, "she said."', "the the", "the", "ENGLISH_WORD_REPEAT_RULE"),
        ("The team's coach said it's the the best.", "the the", "the", "ENGLISH_WORD_REPEAT_RULE"),
        ('He said "hi" and  left.', "  ", " ", "CONSECUTIVE_SPACES"),
        ("We left . Then we came back...", " .", ".", "COMMA_PARENTHESIS_WHITESPACE"),
    ],
)
def test_the_same_fixes_outside_quotes_and_ellipses_pass(
    text: str, flagged: str, replacement: str, rule_id: str
) -> None:
    start = text.index(flagged)
    assert is_safe_fix(text, start, start + len(flagged), replacement, rule_id)


def test_extract_records_the_pages_code_lines_and_tidy_drops_them() -> None:
    before_tidy = Cleaner.from_config(skip=["grammar", "tidy"])
    recorded = before_tidy.clean(CODE_PAGE).metadata[CODE_LINES_KEY]
    assert {" ".join(line.split()) for line in CODE_LINES} <= set(recorded)
    assert not any("Format strings" in line for line in recorded)
    assert CODE_LINES_KEY not in Cleaner.from_config(skip=["grammar"]).clean(CODE_PAGE).metadata


# --- on a real LanguageTool server ---------------------------------------------------------


@pytest.fixture(scope="module")
def stage(lt_service: lt.LanguageToolService) -> grammar.GrammarStage:
    return grammar.GrammarStage(allow_list=load_allow_list(GRAMMAR_RULES), service=lt_service)


@pytest.mark.parametrize("output", ["text", "markdown"])
def test_an_html_pages_code_blocks_come_out_unchanged(
    lt_service: lt.LanguageToolService, tmp_path: Path, output: str
) -> None:
    page = tmp_path / "columns.html"
    page.write_text(CODE_PAGE, encoding="utf-8")
    url = lt_service.url()
    done = run_cli("clean", str(page), "--format", output, "--languagetool-url", url, "--explain")
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    # Markdown writes a <pre> without <code> as trafilatura reads it: a quote.
    lines = [line.removeprefix("> ") for line in text.split("\n")]
    for line in CODE_LINES:
        assert line in lines, (output, line, text)
    assert "Run it with python  columns.py and" in text  # a <code> inside a sentence
    # The prose around the code is still checked, and that is the one fix.
    assert "it an easy job" in text
    applied = [
        line
        for line in done.stderr.decode().split("\n")
        if line.startswith("grammar ") and "(not applied)" not in line
    ]
    assert len(applied) == 1 and "'a' -> 'an'" in applied[0], done.stderr


def test_code_in_plain_text_comes_out_unchanged(stage: grammar.GrammarStage) -> None:
    out = stage(Document(text=PYTHON_TEXT, metadata={"language": "en"}))
    assert out.text == PYTHON_TEXT.replace("It prints a  answer", "It prints an answer")


def test_a_fenced_block_in_markdown_comes_out_unchanged(stage: grammar.GrammarStage) -> None:
    text = "Set it up like this:\n\n```\nmode = a  if  quick else b\nrun  it  now\n```\n"
    out = stage(Document(text=text, metadata={"language": "en"}))
    assert out.text == text


@pytest.mark.parametrize(
    "text",
    [
        "He paused . . . and then he spoke again about the plan for the city.",
        "The report trailed off . . .",
        'The typo "the the" appears twice in the draft of the report.',
        "The editor marked “of of” in the margin of the second page.",
        'The sign on the door read "OPEN  LATE" in big red letters.',
    ],
)
def test_spaced_ellipses_and_quoted_text_come_out_unchanged(
    stage: grammar.GrammarStage, text: str
) -> None:
    assert stage(Document(text=text, metadata={"language": "en"})).text == text


def test_the_same_slips_outside_quotes_are_still_fixed(stage: grammar.GrammarStage) -> None:
    text = 'He said "yes" to the the plan, and  left . Then he paused... and spoke.'
    out = stage(Document(text=text, metadata={"language": "en"}))
    assert out.text == 'He said "yes" to the plan, and left. Then he paused... and spoke.'
