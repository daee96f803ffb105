"""Which lines of a text are code, so that the grammar stage never sends them to LanguageTool.

Code is not prose: its spacing, its "a" and its repeated names mean something, and
LanguageTool's a/an and spacing rules would corrupt it (``x = a  if  b else c`` ->
``x = an if b else c``). A line is code when

- the page said so: the extract stage records the lines of every ``<pre>`` and ``<code>`` of
  an HTML page under :data:`CODE_LINES_KEY` (trafilatura's text output keeps no mark of
  them, and writes a ``<pre>`` without ``<code>`` as a quote), and a line whose text (white
  space aside) is one of them is code; a ``<code>`` inside a sentence is not the whole line,
  so the sentence stays prose;
- it lies inside a Markdown fence (```` ``` ```` or ``~~~``), fences included;
- it looks like code by itself (:func:`looks_like_code`: operators, a call with a string,
  an assignment, a comment after code, a block statement ending in ":", braces);
- it belongs to a block (lines between blank lines) that is code: half of its lines or more
  look like code (``for name, pop in rows:`` between two lines of code), or an indented
  block (Markdown's indented code: four spaces or a tab) holding one line of code.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any

CODE_LINES_KEY = "code_lines"
"""Metadata key: the lines of the page's code blocks, white space collapsed (see
:func:`code_key`), which the extract stage writes and tidy removes."""

_SPACE = re.compile(r"\s+")


def code_key(line: str) -> str:
    """A line as a key: white space collapsed, so that a stage that trims a line's end or
    the layout's indentation does not make a line of code prose again."""
    return _SPACE.sub(" ", line).strip()


def page_code_lines(page: Any) -> list[str]:
    """The keys of the lines of every ``<pre>`` and ``<code>`` element of the HTML ``page``
    (an lxml tree), sorted."""
    if page is None:
        return []
    keys: set[str] = set()
    for element in page.iter("pre", "code"):
        text = "".join(element.itertext())
        keys.update(code_key(line) for line in text.split("\n") if line.strip())
    return sorted(keys)


INLINE_CODE_CHARS = 80
"""The longest ``<code>`` inside a sentence looked for in the text (a command or an
expression; a longer one is a block, on lines of its own)."""


def inline_code_spans(text: str, page_code: Collection[str]) -> list[tuple[int, int]]:
    """(start, end) of each place in ``text`` where a short ``<code>`` of the page (a key of
    ``page_code`` with a space or a sign in it: ``pip  install foo``, ``a,b``) stands inside
    a line, white space aside: a grammar fix there would change the code (a bare word such as
    ``print`` is left out, or every "a" of the prose would be code)."""
    fragments = sorted(
        (
            key
            for key in page_code
            if 3 <= len(key) <= INLINE_CODE_CHARS and not key.replace("-", "").isalnum()
        ),
        key=len,
        reverse=True,
    )
    if not fragments:
        return []
    pattern = re.compile(
        r"(?<!\w)(?:"
        + "|".join(r"\s+".join(map(re.escape, key.split(" "))) for key in fragments)
        + r")(?!\w)"
    )
    return [(found.start(), found.end()) for found in pattern.finditer(text)]


# What a line of code has and a line of prose does not. Each alternative is one sign.
_CODE_SIGNS = re.compile(
    r"""
      ^\s*(?:def|fn|func|function)\s+\w+\s*\(
    | ^\s*class\s+\w+\s*[:({]
    | ^\s*(?:import|package)\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+)*\s*;?\s*$
    | ^\s*from\s+\S+\s+import\b
    | ^\s*(?:var|let|const)\s+\w+\s*[=:;]
    | ^\s*return\b(?:\s+[^\s.!?]+)?;?\s*$
    | ^\s*(?:public|private|protected|static)\s+\w.*[({;]\s*$
    | ^\s*\#(?:include|define|if|endif|ifdef|ifndef|pragma)\b
    | ^\s*[{}]\s*$ | [{};]\s*$
    | ^\s*<\??/?[A-Za-z][^>]*>\s*$
    | =>|==|!=|<=|>=|&&|\|\||[-+*/%|&^]=|:=|::|\)\s*\{
    | '''|\"\"\"
    # a call given a string, a list or nothing: print("..."), f(["a"]), main()
    | [A-Za-z_]\w*\(\s*(?:[rbfuRBFU]{0,2}["'`]|[\[{]|\))
    # a method call on a name: os.path.join(...), self.run(...)
    | [a-z_]\w*\.[a-z_]\w*\(
    # a comment after code: two spaces before "#", or "#"/"//" after a bracket or a quote
    | (?:\S\s{2,}|[)\]}"'`]\s*)(?:\#|//)\s
    # a block statement ending in ":" (Python keywords are lower case; a sentence starts
    # with a capital)
    | ^\s*(?:for|while|if|elif|else|try|except|with|finally)\b[^.!?]*:\s*$
    # a shell prompt ("$ grep -r apple ."; "$5" is money), and SQL's clauses, which are
    # written in capitals (review: "FROM  orders" lost a space, "$ grep -r a  apple" an "an")
    | ^\s*\$\s+\S
    | ^\s*(?:SELECT|FROM|WHERE|INSERT\s+INTO|UPDATE|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|VIEW)
         |ALTER\s+TABLE|(?:INNER\s+|LEFT\s+|RIGHT\s+)?JOIN|GROUP\s+BY|ORDER\s+BY|HAVING|VALUES
         |LIMIT)\s+\S
    """,
    re.VERBOSE,
)
# "name = value" and "a, b = b, a + b" at the start of a line: code unless the line reads as a
# sentence ("E = mc² is the best-known formula.").
_ASSIGNMENT = re.compile(
    r"^\s*[A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=(?!=)\s*\S"
)
_SENTENCE = re.compile(r"^\s*[\"'“‘(]?[A-Z].*[.!?…][\"'”’)]*\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INDENTED = re.compile(r"^(?: {4}|\t)")


def looks_like_code(line: str) -> bool:
    """Whether ``line`` reads as a line of program code (see the module's list of signs). A
    sentence with a bracket or an equals sign in it ("The ratio (2 = 1 + 1) held.") is
    prose."""
    if not line.strip():
        return False
    if _CODE_SIGNS.search(line):
        return True
    return _ASSIGNMENT.match(line) is not None and _SENTENCE.match(line) is None


def code_line_flags(lines: Sequence[str], page_code: Collection[str] = ()) -> list[bool]:
    """For each of ``lines`` (line ends kept or not), whether it is code: a line of the page's
    code blocks (``page_code``, keys from :func:`page_code_lines`), a fenced Markdown
    block, a line that looks like code, or a line of a block of code (see the module)."""
    flags = [False] * len(lines)
    fenced = [False] * len(lines)
    fence: str | None = None
    for number, line in enumerate(lines):
        if fence is not None:
            fenced[number] = True
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            fenced[number] = True
        elif looks_like_code(line) or (page_code and code_key(line) in page_code):
            flags[number] = True
    # A fenced block is a block of its own, even where no blank line sets it apart.
    for block in _blocks(lines, fenced):
        coded = sum(flags[number] for number in block)
        indented = all(_INDENTED.match(lines[number]) for number in block)
        if coded and (coded * 2 >= len(block) or indented):
            for number in block:
                flags[number] = True
    return [code or in_fence for code, in_fence in zip(flags, fenced, strict=True)]


def _blocks(lines: Sequence[str], fenced: Sequence[bool]) -> Iterable[list[int]]:
    """The line numbers of each run of non-blank lines outside fences."""
    block: list[int] = []
    for number, line in enumerate(lines):
        if line.strip() and not fenced[number]:
            block.append(number)
        elif block:
            yield block
            block = []
    if block:
        yield block
