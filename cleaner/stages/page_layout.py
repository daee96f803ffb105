"""The layout of an extracted page: paragraphs set apart by a blank line, the title as the first
line, and what Markdown output needs to know about the page's blocks.

trafilatura's text output puts each block of the page (paragraph, heading, list item, table
row) on one line, with a single newline between blocks: a reader, or a tool splitting on blank
lines, cannot tell where a paragraph ends. The extract stage lays the text out as plain-text
files are laid out: a blank line between blocks, while the items of a list and the rows of a
table stay on consecutive lines, as one block each, and so do the lines of a paragraph that the
page breaks with a ``<br>`` (a poem's lines, an address): trafilatura writes such a line break
as a newline, like the one between blocks, so the pairs of lines a single ``<br>`` parts are
read from the page (:func:`line_break_pairs`).

The blocks' kinds (heading level, quote, numbered item) are not in the text: trafilatura writes
them in its tree of the article. :func:`markdown_markers` reads them from that tree, and the
tidy stage writes the markers (``## ``, ``> ``, ``1. ``) in front of their lines when Markdown
is asked for, after every other stage: the chrome, captions, repair and grammar stages see the
same lines, without markers, whatever the output format. Plain-text output gets the markers
that keep the page's text whole: a table cell's "|" escaped (a bare one would add a column),
a code block's blank lines (trafilatura's text drops them) and a numbered list's numbers.

Imported by :mod:`cleaner.stages.html_extraction` (the tree side) and :mod:`cleaner.stages.tidy`
(the rendering); it imports neither trafilatura nor lxml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from difflib import SequenceMatcher
from html import unescape
from typing import Any, Protocol

CODE_FENCE = "```"
CLOSING_FENCE = "\n" + CODE_FENCE
ESCAPED_PIPE = "\\|"
"""A "|" inside a table cell, as Markdown needs it: a bare one would split the cell in two."""
QUOTE_CONTINUED = ">\n> "
"""The marker of a quote's line after its first: one quote, the blank line between its
paragraphs written ``>`` (a bare blank line would close it and open a second quote)."""
MARKDOWN_KEY = "markdown_markers"
"""Metadata key of the markers the extract stage found (Markdown's, or plain text's few), which
tidy writes and removes."""
LINE_BREAKS_KEY = "markdown_line_breaks"
"""Metadata key of the lines (as keys, in text order) that a ``<br>`` ends inside a paragraph,
which Markdown output ends with a hard line break (``\\``): a bare newline would join the next
line to them when rendered."""
LAYOUT_KEYS = (MARKDOWN_KEY, LINE_BREAKS_KEY)
"""The metadata keys tidy writes into the text and removes (the pipeline drops them when tidy
does not run)."""
HARD_BREAK = "\\"
"""The end of a Markdown line that a line break ends (CommonMark): unlike two trailing spaces,
it survives a trim of trailing white space."""

# trafilatura's text output writes a list item as "- text" and a table row as "| a | b |",
# with a "|---|---|" line under a header row.
_LIST_ITEM = re.compile(r"[ \t]*- \S")  # indented: an item of a nested list
_TABLE_LINE = re.compile(r"\|.*\|\s*\Z")
# A run of the same white space as tidy trims: keys compare text, not spacing.
_SPACE = re.compile(r"\s+")
# A changed line is looked for among this many marked lines after the last one found...
_NEAR_LINES = 3
NEAR_SIMILARITY = 0.8
"""...and is taken for one when this similar to it (difflib's ratio): a word or two repaired
in a heading, not another line."""


def _group(line: str, code_lines: frozenset[str]) -> str:
    """Which run a line belongs to: list items, table lines and the lines of a code block
    stay together."""
    if code_lines and _key(line) in code_lines:
        return "code"
    if _LIST_ITEM.match(line):
        return "list"
    if _TABLE_LINE.match(line) and line.startswith("|"):
        return "table"
    return ""


def paragraph_layout(
    text: str,
    code_lines: frozenset[str] = frozenset(),
    line_breaks: frozenset[tuple[str, str]] = frozenset(),
) -> str:
    """``text`` (one block a line) with a blank line between blocks; consecutive list items,
    consecutive table lines and consecutive lines of ``code_lines`` (the lines of the page's
    code blocks, :func:`code_block_lines`) stay on consecutive lines, and so does a line after
    the line it follows in one of ``line_breaks`` (pairs of keys: the lines a ``<br>`` parts,
    :func:`line_break_pairs`). Blank lines already there stay (one, however many there were)."""
    return _laid_out(text, code_lines, line_breaks)[0]


def _laid_out(
    text: str, code_lines: frozenset[str], line_breaks: frozenset[tuple[str, str]]
) -> tuple[str, list[str]]:
    """:func:`paragraph_layout`'s text, and the keys of the lines a line break ends there (the
    first line of each pair of ``line_breaks`` that stays on the line before the second)."""
    out: list[str] = []
    broken: list[str] = []
    previous = ""
    previous_key: str | None = None  # None: no line before, or a blank one
    for line in text.split("\n"):
        if not line.strip():
            previous = ""  # a blank line ends a run: two lists in a row stay two
            previous_key = None
            continue
        group = _group(line, code_lines)
        key = _key(line)
        if (
            previous_key is not None
            and line_breaks
            and group != "code" != previous
            and (previous_key, key) in line_breaks
        ):
            # The line goes on the paragraph (or list item) the line before it opened: the
            # run it is in goes on too, so a list item's next item stays on the next line.
            out.append("\n")
            broken.append(previous_key)
        else:
            if out:
                out.append("\n" if group and group == previous else "\n\n")
            previous = group
        out.append(line)
        previous_key = key.removeprefix("- ")
    return "".join(out), broken


def with_title_line(text: str, title: str) -> str:
    """``text`` opening with ``title`` on a line of its own, set apart by a blank line; the
    title never twice: ``text`` must no longer hold it as its first line (the extract stage
    drops a first line repeating the title)."""
    title = " ".join(title.split())
    if not title:
        return text
    return f"{title}\n\n{text}" if text.strip() else title


def _key(line: str) -> str:
    return _SPACE.sub(" ", line).strip()


def _tree_key(text: str) -> str:
    """The key of a text of trafilatura's tree or of the page: the extract stage wrote each
    "&" of the page as "&amp;", which trafilatura's text output unescapes."""
    return _key(unescape(text)) if "&" in text else _key(text)


class TreeElement(Protocol):
    """The part of an lxml element that :func:`markdown_markers` reads."""

    tag: Any
    text: Any
    tail: Any

    def get(self, key: str, default: Any = None) -> Any: ...
    def iter(self, *tags: str) -> Iterator[TreeElement]: ...
    def itertext(self) -> Iterable[str]: ...
    def __iter__(self) -> Iterator[TreeElement]: ...


def code_block_lines(body: TreeElement | None) -> frozenset[str]:
    """The lines of the page's code blocks (a <code> of several lines), as keys."""
    if body is None:
        return frozenset()
    lines: set[str] = set()
    for element in body.iter("code"):
        code = "".join(element.itertext())
        if "\n" in code.strip():
            lines.update(_tree_key(line) for line in code.split("\n") if line.strip())
    return frozenset(lines)


# The HTML elements that start a block of their own: the text on either side of one is on
# two lines whatever <br> stands near it. A heading is one: a <br> inside it is left out,
# because Markdown writes a heading on one line.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main",
        "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Blocks whose <br> is not a line of prose: a heading is written on one line in Markdown; a
# code block and a table cell have their own layout.
_UNBROKEN_BLOCKS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "pre", "td", "th"})
_UNREAD_TAGS = frozenset({"script", "style", "noscript", "template"})
_LINE_BREAK = object()
_BLOCK_BREAK = object()


def line_break_pairs(page: TreeElement | None) -> frozenset[tuple[str, str]]:
    """The pairs of lines (as keys) of the HTML ``page`` that one ``<br>`` parts inside a block:
    a poem's lines, an address's, a recipe's, which are lines of one paragraph. Two ``<br>`` in
    a row (a blank line on the page) part two paragraphs; so do a block element, a heading's or
    a table cell's ``<br>`` (written as its own layout) and one inside ``<pre>`` or
    ``<code>``. The keys are the text as trafilatura writes it: the extract stage wrote each
    "&" of the page as "&amp;", which trafilatura's output unescapes."""
    if page is None:
        return frozenset()
    blocks: dict[int, TreeElement] = {}
    for br in page.iter("br"):
        block = _block_of(br)
        if block is not None:
            blocks.setdefault(id(block), block)
    pairs: set[tuple[str, str]] = set()
    for block in blocks.values():
        before: str | None = None  # the line before the breaks counted in ``breaks``
        breaks = 0
        line: list[str] = []
        for part in [*_flow(block), _BLOCK_BREAK]:
            if isinstance(part, str):
                line.append(part)
                continue
            key = _tree_key("".join(line))
            line = []
            if key:
                if before is not None and breaks == 1:
                    pairs.add((before, key))
                before, breaks = key, 0
            if part is _BLOCK_BREAK:
                before = None
            else:
                breaks += 1
    return frozenset(pairs)


def _block_of(br: Any) -> TreeElement | None:
    """The block element a ``<br>`` breaks a line of; None when it is one whose lines are not
    prose (a heading, a table cell, a code block)."""
    element = br.getparent()
    block = None
    while element is not None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _UNBROKEN_BLOCKS or tag == "code":
            return None
        if block is None and tag in _BLOCK_TAGS:
            block = element
        element = element.getparent()
    return block


def _flow(element: TreeElement) -> Iterator[object]:
    """The text of ``element`` in page order, with :data:`_LINE_BREAK` at each ``<br>`` and
    :data:`_BLOCK_BREAK` around each block element inside it (whose lines are its own)."""
    if element.text:
        yield element.text
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            yield _LINE_BREAK
        elif tag in _BLOCK_TAGS:
            yield _BLOCK_BREAK
        elif tag and tag not in _UNREAD_TAGS:
            yield from _flow(child)
        if child.tail:
            yield child.tail


def list_starts(page: TreeElement | None) -> dict[str, list[tuple[int, int]]]:
    """The number each <ol> list of the HTML ``page`` opens with and the step to the next
    item, in page order, by their first item's text: trafilatura's tree keeps a list's kind
    but not its numbering. ``start="N"``, else 1, counting up; ``<ol reversed>`` counts down,
    from its number of items unless ``start`` says otherwise. Every list is recorded, so that
    two lists opening with the same item are told apart by their order."""
    starts: dict[str, list[tuple[int, int]]] = {}
    if page is None:
        return starts
    for element in page.iter("ol"):
        items = [child for child in element if child.tag == "li"]
        if not items:
            continue
        start = str(element.get("start", "")).strip()
        # Markdown numbers a list from 0 to 999999999, in ASCII digits ("²" is a digit to
        # str.isdigit, and no number to int).
        given = start.isascii() and start.isdigit() and len(start) <= 9
        countdown = element.get("reversed") is not None
        number = int(start) if given else len(items) if countdown else 1
        step = -1 if countdown else 1
        if number + (len(items) - 1) * step < 0:
            # Counted down below 0 (`<ol reversed start="1">` of three): Markdown has no
            # negative numbers, so the list keeps trafilatura's bullets.
            number, step = 0, 0
        starts.setdefault(_own_text(items[0]), []).append((number, step))
    return starts


_LIST_TAGS = frozenset({"list", "ol", "ul"})


def _own_text(item: TreeElement) -> str:
    """A list item's text as a key, without the lists nested in it (their items are lines
    of their own): trafilatura's tree and the HTML page nest them alike."""
    parts = [item.text or ""]
    for child in item:
        if child.tag not in _LIST_TAGS:
            parts.append(_own_text(child))
        parts.append(child.tail or "")
    return _tree_key("".join(parts))


def markdown_markers(
    body: TreeElement | None,
    title: str | None,
    page: TreeElement | None = None,
    markdown: bool = True,
) -> list[list[str]]:
    """[marker, line text] of each line of trafilatura's text output that Markdown marks
    differently, in page order: headings (``## `` by their level), quotes (``> ``), items of
    numbered lists (``1. ``, replacing the ``- `` trafilatura writes), the fences around a code
    block of several lines, the title line (``# ``), and the rows of a table whose cells hold a
    "|" (the escaped row as the marker). Plain paragraphs, bulleted items and other tables are
    Markdown as they are. A numbered list opens with its number in ``page`` (the HTML tree:
    ``<ol start="3">``), 1 when there is none.

    Without ``markdown`` (plain-text output), only the markers that keep the page's text whole:
    the numbers, the escaped rows and a code block's blank lines (no fences, headings, quotes
    or title)."""
    found: list[list[str]] = []
    if title and markdown:
        found.append(["# ", _key(title)])
    if body is None:
        return found
    starts = list_starts(page)
    numbered: set[TreeElement] = set()  # numbered lists already marked (nested ones early)
    inner_code: set[TreeElement] = set()
    tags = ("head", "quote", "list", "code", "row") if markdown else ("list", "code", "row")
    for element in body.iter(*tags):
        if element.tag == "row":
            cells = [_tree_key("".join(c.itertext())) for c in element if c.tag == "cell"]
            if any("|" in cell for cell in cells):
                # The extract stage gave the page's "|" back (plain text has no cells);
                # Markdown needs it escaped again, or the row gets a column too many.
                escaped = [cell.replace("|", ESCAPED_PIPE) for cell in cells]
                found.append([_table_row(escaped), _key(_table_row(cells))])
        elif element.tag == "code" and element not in inner_code:
            # trafilatura may nest a <code> in another (<pre><code>): one block, marked once.
            inner_code.update(inner for inner in element.iter("code") if inner is not element)
            code = _code_block_markers(
                [_tree_key(line) for line in "".join(element.itertext()).split("\n")]
            )
            found += code if markdown else [m for m in code if not m[0].strip()]
        elif element.tag == "head":
            level = str(element.get("rend", "h2"))[1:]
            hashes = "#" * (int(level) if level.isdigit() and 1 <= int(level) <= 6 else 2)
            found.append([f"{hashes} ", _tree_key("".join(element.itertext()))])
        elif element.tag == "quote":
            parts = list(element.iter("p")) or [element]
            lines = [line for part in parts for line in _broken_text(part).split("\n")]
            # The quote's first line opens it; the others continue this quote only (a
            # quote after a paragraph is another quote, not this one's next paragraph).
            for index, line in enumerate(filter(str.strip, lines)):
                found.append([QUOTE_CONTINUED if index else "> ", _tree_key(line)])
        elif element.get("rend") == "ol" and element not in numbered:
            found += _numbered_markers(element, starts, numbered)
    return [entry for entry in found if entry[1] and entry[1] != "-"]


def _broken_text(element: TreeElement) -> str:
    """The text of ``element`` with a newline at each line break (``<lb>``), as trafilatura's
    text output writes it (``itertext`` joins the lines a ``<br>`` parts)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_broken_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _numbered_markers(
    element: TreeElement,
    starts: dict[str, list[tuple[int, int]]],
    numbered: set[TreeElement],
) -> list[list[str]]:
    """The markers of a numbered list's items, each followed by those of the numbered lists
    nested in it, as their lines follow it (markers are matched in line order)."""
    numbered.add(element)
    items = [child for child in element if child.tag == "item"]
    keys = [_own_text(item) for item in items]
    queue = starts.get(keys[0], []) if keys else []
    first, step = queue.pop(0) if queue else (1, 1)
    found: list[list[str]] = []
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        if step:  # step 0: no Markdown numbers for this list (see list_starts)
            found.append([f"{first + index * step}. ", "- " + key])
        for nested in item.iter("list"):
            if nested.get("rend") == "ol" and nested not in numbered:
                found += _numbered_markers(nested, starts, numbered)
    return found


def _code_block_markers(lines: Sequence[str]) -> list[list[str]]:
    """The markers of a code block (its lines as keys, "" for a blank one) of several lines:
    the fences around it, and its blank lines, which trafilatura's text output drops, as a
    marker of as many newlines on the line after them."""
    code = [line for line in lines if line]
    if len(code) < 2:  # a line of code is inline code: no fence
        return []
    found = [[CODE_FENCE + "\n", code[0]]]
    blanks = 0
    for line in lines[lines.index(code[0]) + 1 :]:
        if not line:
            blanks += 1
        elif blanks:
            found.append(["\n" * blanks, line])
            blanks = 0
    return [*found, [CLOSING_FENCE, code[-1]]]


def _table_row(cells: Sequence[str]) -> str:
    """A table row as trafilatura's text output writes it."""
    return "| " + " | ".join(cells) + " |"


def _escaped_pipes(line: str, escaped_row: str) -> Iterator[int]:
    """Where in ``line`` (a table row) a backslash goes before a "|" that ``escaped_row``
    escapes: the n-th "|" of the one is the n-th of the other, whatever the spacing. None
    when the two do not have the same "|"s (a stage changed the row)."""
    pipes = [i for i, char in enumerate(line) if char == "|"]
    marked = [i for i, char in enumerate(escaped_row) if char == "|"]
    if len(pipes) != len(marked):
        return
    for at, mark in zip(pipes, marked, strict=True):
        if escaped_row[mark - 1 : mark] == "\\":
            yield at


def marker_insertions(
    lines: Sequence[tuple[int, str]], markers: Sequence[Sequence[str]]
) -> Iterator[tuple[int, int, str]]:
    """(start, end, replacement) at the start of each line of ``lines`` ((offset, text)) that
    one of ``markers`` names, matched in order: a heading gets its hashes, a quote line
    ``> ``, a numbered item its number in place of ``- ``, a table row its escaped "|"s, a
    line of code its blank lines before it. A line that a stage removed or changed is not
    found, and its marker is not written."""
    where: dict[str, list[int]] = {}
    for number, (_marker, text) in enumerate(markers):
        where.setdefault(text, []).append(number)
    position = 0
    after_blank = False
    for offset, line in lines:
        key = _key(line)
        if not key:
            after_blank = True
            continue
        found = next((i for i in where.get(key, ()) if i >= position), None)
        if found is None:
            # A line a stage changed (a repaired word in a heading) is still the marked
            # line when it is close to one of the next few marked lines.
            found = next(
                (
                    i
                    for i in range(position, min(position + _NEAR_LINES, len(markers)))
                    # a code line's blank lines go before that line only: "print(4)" is
                    # not "print(3)" repaired
                    if markers[i][0].strip() and _close(key, markers[i][1].removeprefix("- "))
                ),
                None,
            )
        if found is not None:
            marker = markers[found][0]
            if marker == QUOTE_CONTINUED and position != found:
                marker = "> "  # the quote's line before it is gone: this one opens the quote
            position = found + 1
            yield from _line_edits(offset, line, marker, after_blank)
            if (
                not marker.strip()
                and position < len(markers)
                and tuple(markers[position]) == (CLOSING_FENCE, markers[found][1])
            ):  # the last line of code follows a blank line: it closes the block too
                yield from _line_edits(offset, line, CLOSING_FENCE, after_blank)
                position += 1
        after_blank = False


def _line_edits(
    offset: int, line: str, marker: str, after_blank: bool
) -> Iterator[tuple[int, int, str]]:
    """The edits writing ``marker`` on ``line`` (at ``offset``), which follows a blank line
    when ``after_blank``."""
    indent = len(line) - len(line.lstrip())
    if marker == QUOTE_CONTINUED:
        if line.lstrip().startswith("> "):
            return
        # After the blank line between two paragraphs of the quote: that line becomes ">".
        if after_blank:
            yield offset - 1, offset + indent, marker
        else:
            yield offset + indent, offset + indent, "> "
    elif not marker.strip():  # blank lines of a code block, before the line
        if not after_blank:
            yield offset, offset, marker
    elif marker.startswith("|"):  # a table row: its cells' own "|" escaped
        for at in _escaped_pipes(line, marker):
            yield offset + at, offset + at, "\\"
    elif marker.startswith("\n"):  # a closing fence, after the line
        end = offset + len(line.rstrip("\n"))
        yield end, end, marker
    elif marker[0].isdigit() and line.lstrip().startswith("- "):  # "- item": "1. item"
        yield offset + indent, offset + indent + 2, marker
    elif marker.startswith(CODE_FENCE):  # an opening fence, before the line
        yield offset, offset, marker
    elif not marker[0].isdigit() and not line.lstrip().startswith(marker.strip() + " "):
        yield offset + indent, offset + indent, marker


def hard_break_insertions(
    lines: Sequence[tuple[int, str]], broken: Sequence[str]
) -> Iterator[tuple[int, int, str]]:
    """(start, end, replacement) putting a Markdown hard line break (:data:`HARD_BREAK`) at the
    end of each line of ``lines`` ((offset, text)) that ``broken`` names (keys, matched in
    order) and that the next line still follows: a bare newline would join the two lines when
    rendered. A line a stage changed is not found and keeps its bare newline."""
    where: dict[str, list[int]] = {}
    for number, key in enumerate(broken):
        where.setdefault(key, []).append(number)
    position = 0
    for index, (offset, line) in enumerate(lines):
        key = _key(line).removeprefix("- ")
        found = next((i for i in where.get(key, ()) if i >= position), None) if key else None
        if found is None:
            continue
        position = found + 1
        following = lines[index + 1][1] if index + 1 < len(lines) else ""
        body = line.rstrip("\n")
        if following.strip() and line.endswith("\n") and not body.rstrip().endswith("\\"):
            end = offset + len(body.rstrip())
            yield end, end, HARD_BREAK


def _close(line: str, marked: str) -> bool:
    matcher = SequenceMatcher(None, line.removeprefix("- "), marked)
    # The cheap upper bounds first: most lines tried are paragraphs, far from any heading.
    return (
        matcher.real_quick_ratio() >= NEAR_SIMILARITY
        and matcher.quick_ratio() >= NEAR_SIMILARITY
        and matcher.ratio() >= NEAR_SIMILARITY
    )


def lay_out_page(
    extracted: str,
    text: str,
    title: object,
    body: Any,
    title_line: bool,
    markdown: bool,
    page: Any = None,
) -> tuple[str, list[list[str]], list[str]]:
    """The extract stage's text of a page, laid out, its markers (Markdown's, or without
    ``markdown`` those of plain text, :func:`markdown_markers`) and, for Markdown, the lines a
    ``<br>`` ends (their keys, in text order). ``extracted`` is trafilatura's text, ``text`` the
    same without a first line repeating the title: with ``title_line``, the text opens with
    that line (the page's own heading), or with ``title`` when the body did not repeat it.
    ``page``, the HTML tree, gives the numbered lists' start numbers and the lines a ``<br>``
    parts."""
    line = None
    if title_line and text.strip():
        if text != extracted:
            line = extracted.lstrip().partition("\n")[0].strip()
        elif isinstance(title, str) and title.strip():
            line = title
    markers = markdown_markers(body, line, page, markdown)
    laid_out, broken = _laid_out(text, code_block_lines(body), line_break_pairs(page))
    if line is not None:
        # Set apart whatever the page's breaks: the title is a line of its own.
        laid_out = with_title_line(laid_out, line)
    # A page's text is a text file of cleaner's making: it ends with a newline.
    return (f"{laid_out}\n" if laid_out else laid_out), markers, broken if markdown else []
