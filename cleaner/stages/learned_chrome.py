"""The ``learned_chrome`` stage: removes the lines a corpus run learned as one site's chrome.

A corpus run (:mod:`cleaner.corpus.learned_chrome`) counts, per site, in how many documents
each line occurs, and learns the lines most of a site's documents share (a footer, a promo
block, a newsletter box). This stage removes them from a document of that site, one edit per
line naming the learned entry. It is a pure function of the document, given the table; the
table is read and written by the corpus runner and the CLI, which hand it to the stage as its
``lines`` option (so it travels with the pipeline's settings to any engine's workers, Ray's
included). Without a table the stage changes nothing; ``--skip learned_chrome`` leaves it out
(and a corpus run then learns nothing).

What it never does:

* remove a line of another site's table (the document's site is its URL's host, else the
  folder of its input: :func:`site_of`);
* remove a short line (fewer than :data:`MIN_WORDS_ALONE` words) standing alone: a heading
  such as "Ingredients" or "Conclusion" repeats on every page of a site as real structure,
  while chrome comes in blocks ("Newsletter" above "Sign up for our daily briefing"), so a
  short learned line goes only next to another learned line;
* gut a document: when its learned lines would be more than :data:`MAX_REMOVED_SHARE` of
  its text (a page that is nearly all footer, or a near copy of another page of its site),
  it is left as it is and its metadata (``learned_chrome_kept``) says why.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from cleaner.document import Document, Edit, add_warning, line_spans
from cleaner.io.layout import site_name
from cleaner.registry import LEARNED_CHROME, StageSettings

NAME = LEARNED_CHROME
DESCRIPTION = (
    "removes lines that most documents of one site share (footers, promo blocks), learned by "
    "'cleaner corpus' or given with --learned-chrome FILE"
)

MAX_LINE_CHARS = 400
"""Longer lines are never learned: a site's disclaimer or promo fits in this, and a longer
line is a paragraph of prose."""

MIN_WORDS_ALONE = 3
"""A learned line with fewer words is removed only next to another learned line (a block)."""

MAX_REMOVED_SHARE = 0.5
"""A document whose learned lines would be more than this share of its text keeps them all:
a site's chrome is a small part of a page, and a page that is mostly lines shared with the
rest of its site is a near copy of another (an edition, a reprint), whose text is content."""

REMOVED_KEY = "learned_chrome_lines_removed"
KEPT_KEY = "learned_chrome_kept"
"""Metadata: lines removed, and why learned lines were kept when they were."""

HASH_CHARS = 16

OPTIONS = frozenset({"lines", "name_unknown_sites"})
"""``lines``: the learned lines, one table each with ``site`` and ``text`` (and, for the audit's
messages, ``documents`` and ``site_documents``), as in ``_learned_chrome.jsonl``;
``name_unknown_sites``: warn when a document's site is not in the table."""


def normalised(line: str) -> str:
    """The form a line is counted and matched in: spaces collapsed, ends trimmed."""
    return " ".join(line.split())


def line_hash(text: str) -> str:
    """The fingerprint of a normalised line."""
    data = text.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:HASH_CHARS]


def candidate(line: str) -> str | None:
    """The normalised form of a line that may be learned, or None (blank, or too long)."""
    if len(line) > MAX_LINE_CHARS * 2:
        return None
    text = normalised(line)
    if not text or len(text) > MAX_LINE_CHARS:
        return None
    return text


def site_of(metadata: Mapping[str, Any]) -> str:
    """The site a document belongs to: its URL's host (lower-cased, without ``www.``), or,
    without a URL, ``folder:`` and the folder of its input (``folder:.`` at the top). A
    folder name's bytes that are not UTF-8 are written ``\\xe9`` and its backslashes doubled
    (:func:`site_name`), here and only here, from the name as read from the file system
    (which a corpus run, ``cleaner clean`` and a library caller all give): the same folder
    is the same site whichever read it, and a folder named ``caf\\xe9`` in letters is not
    the one named with the byte 0xE9."""
    url = metadata.get("url")
    if isinstance(url, str) and url:
        try:
            host = urlsplit(url.strip()).hostname
        except ValueError:
            host = None
        if host:
            return host.removeprefix("www.")
    source = metadata.get("source")
    folder = site_name(posixpath.dirname(source)) if isinstance(source, str) else ""
    return f"folder:{folder or '.'}"


@dataclass(frozen=True)
class LearnedLine:
    """One learned line of one site, with the evidence it was learned on."""

    site: str
    text: str
    documents: int
    """Documents of the site that hold it."""
    site_documents: int
    """Documents of the site (with any text)."""

    @property
    def hash(self) -> str:
        return line_hash(self.text)

    @property
    def rule_id(self) -> str:
        return f"learned.{self.site}.{self.hash[:12]}"

    @property
    def alone(self) -> bool:
        """Whether it is removed wherever it stands, not only next to another learned line."""
        return len(self.text.split()) >= MIN_WORDS_ALONE

    @property
    def share(self) -> float:
        return self.documents / self.site_documents if self.site_documents else 0.0


@dataclass(frozen=True)
class LearnedTable:
    """The learned lines, per site, by hash of the normalised line."""

    sites: Mapping[str, Mapping[str, LearnedLine]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def of(cls, lines: list[LearnedLine]) -> LearnedTable:
        sites: dict[str, dict[str, LearnedLine]] = {}
        for line in lines:
            sites.setdefault(line.site, {})[line.hash] = line
        return cls(MappingProxyType({site: MappingProxyType(v) for site, v in sites.items()}))

    def lines(self) -> list[LearnedLine]:
        """Every entry, by site, then by documents (most first), then by text."""
        return sorted(
            (line for entries in self.sites.values() for line in entries.values()),
            key=lambda line: (line.site, -line.documents, line.text),
        )

    def digest(self) -> str:
        """What decides the output: which lines of which site (not their counts, so that a
        new page that learns nothing new leaves every earlier output valid)."""
        h = hashlib.sha256()
        for line in sorted(self.lines(), key=lambda line: (line.site, line.text)):
            h.update(f"{line.site}\0{line.text}\0".encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def __len__(self) -> int:
        return sum(len(entries) for entries in self.sites.values())


class LearnedChromeStage:
    name = NAME
    description = DESCRIPTION

    def __init__(self, table: LearnedTable, *, name_unknown_sites: bool = False) -> None:
        self.table = table
        # A replay on chosen files (``clean --learned-chrome``) says when a document's site is
        # not in the list: a path given from another folder names another site, and nothing
        # would be removed without a word. A corpus run has many sites with nothing learned.
        self.name_unknown_sites = name_unknown_sites

    def __call__(self, doc: Document) -> Document:
        site = site_of(doc.metadata)
        entries = self.table.sites.get(site)
        if not entries:
            if not self.name_unknown_sites:
                return doc
            return add_warning(
                doc,
                f"learned chrome: site {site!r} is not in the list, so nothing is removed (a "
                "document's site is its URL's host, else 'folder:' and the folder of its path "
                "as given: run from the corpus's IN folder with relative paths)",
            )
        text = doc.text
        spans = list(line_spans(text))
        lines = [text[start:end] for start, end in spans]
        found: list[LearnedLine | None] = []
        for line in lines:
            form = candidate(line)
            found.append(entries.get(line_hash(form)) if form is not None else None)
        removed = _removable(lines, found)
        if not any(removed):
            return doc
        going = sum(len(line.strip()) for line, gone in zip(lines, removed, strict=True) if gone)
        total = len(text.strip())
        if going > MAX_REMOVED_SHARE * total or all(
            removed[i] for i, line in enumerate(lines) if line.strip()
        ):
            return doc.with_metadata(
                **{KEPT_KEY: f"learned chrome of {site} is {going} of its {total} characters"}
            )
        # Blank lines inside a block go with the line above them, so the block leaves one gap.
        inside = _inside_blocks(lines, removed)
        edits: list[Edit] = []
        kept: list[str] = []
        number = 0
        while number < len(lines):
            entry = found[number]
            if not removed[number] or entry is None:
                kept.append(lines[number])
                number += 1
                continue
            last = number
            while last + 1 < len(lines) and inside[last + 1]:
                last += 1
            start, end = spans[number][0], spans[last][1]
            message = f"site {site}: in {entry.documents} of {entry.site_documents} documents"
            edits.append(
                Edit(
                    NAME,
                    entry.rule_id,
                    start,
                    end,
                    text[start:end],
                    "",
                    number + 1,
                    message=message,
                )
            )
            number = last + 1
        # Counted with the other chrome lines too: it is chrome, found another way.
        chrome_lines = int(doc.metadata.get("chrome_lines_removed", 0)) + len(edits)
        return doc.with_text(
            "".join(kept), edits, chrome_lines_removed=chrome_lines, **{REMOVED_KEY: len(edits)}
        )


def _removable(lines: list[str], found: list[LearnedLine | None]) -> list[bool]:
    """Which learned lines go: those of :data:`MIN_WORDS_ALONE` words or more, and shorter
    ones next to another learned line (blank lines between do not separate them)."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    removed = [False] * len(lines)
    for position, i in enumerate(content):
        entry = found[i]
        if entry is None:
            continue
        if entry.alone:
            removed[i] = True
            continue
        neighbours = content[max(0, position - 1) : position] + content[position + 1 : position + 2]
        removed[i] = any(found[j] is not None for j in neighbours)
    return removed


def _inside_blocks(lines: list[str], removed: list[bool]) -> list[bool]:
    """Blank lines between two removed lines."""
    inside = [False] * len(lines)
    previous_removed = False
    run: list[int] = []
    for i, line in enumerate(lines):
        if not line.strip():
            run.append(i)
            continue
        if removed[i] and previous_removed:
            for j in run:
                inside[j] = True
        run = []
        previous_removed = removed[i]
    return inside


def line_of_record(record: Mapping[str, Any]) -> LearnedLine:
    """A learned line from its record (a line of ``_learned_chrome.jsonl``, an entry of the
    ``lines`` option); KeyError, TypeError or ValueError saying what is wrong with it."""
    site, text = record["site"], record["text"]
    if not isinstance(site, str) or not isinstance(text, str) or not text.strip():
        raise ValueError("'site' and 'text' must be non-empty strings")
    documents = int(record.get("documents", 0))
    site_documents = int(record.get("site_documents", 0))
    return LearnedLine(site, " ".join(text.split()), documents, site_documents)


def line_records(table: LearnedTable) -> list[dict[str, Any]]:
    """The table as the stage's ``lines`` option."""
    return [
        {
            "site": line.site,
            "text": line.text,
            "documents": line.documents,
            "site_documents": line.site_documents,
        }
        for line in table.lines()
    ]


def table_of_records(records: Iterable[Any]) -> LearnedTable:
    lines = []
    for number, record in enumerate(records, 1):
        if not isinstance(record, Mapping):
            raise ValueError(f"option 'lines': entry {number} is not a table with site and text")
        try:
            lines.append(line_of_record(record))
        except (KeyError, TypeError, ValueError) as exc:
            reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"option 'lines': entry {number}: {reason}") from exc
    return LearnedTable.of(lines)


def build(settings: StageSettings) -> LearnedChromeStage:
    lines = settings.options.get("lines", [])
    if not isinstance(lines, list):
        raise ValueError(
            "option 'lines' must be a list of tables with site and text (as in "
            "_learned_chrome.jsonl)"
        )
    return LearnedChromeStage(
        table_of_records(lines),
        name_unknown_sites=bool(settings.options.get("name_unknown_sites", False)),
    )


def with_learned_chrome(
    stages: list[Any], table: LearnedTable, *, name_unknown_sites: bool = False
) -> list[Any]:
    """``stages`` with the learned-chrome stage holding ``table``: in place of the one there,
    else put where it belongs: after the stages that make the text (decode, extract, unicode,
    language, chrome), before those that edit its sentences (captions, repair, grammar,
    tidy), so that these spend nothing on chrome and tidy closes the gaps it leaves."""
    names = [stage.name for stage in stages]
    position = insert_position(names)
    stage = LearnedChromeStage(table, name_unknown_sites=name_unknown_sites)
    after = position + 1 if NAME in names else position
    return [*stages[:position], stage, *stages[after:]]


LATER_STAGES = ("captions", "repair", "grammar", "tidy")


def insert_position(names: list[str]) -> int:
    """Where the learned-chrome stage is, or goes, among stages named ``names``."""
    if NAME in names:
        return names.index(NAME)
    for position, name in enumerate(names):
        if name in LATER_STAGES:
            return position
    return len(names)


def document_lines(text: str, metadata: Mapping[str, Any]) -> dict[str, Any] | None:
    """What pass 1 records of a document: its site and its distinct lines that may be learned
    (normalised, in order); None for a document without text."""
    if not text.strip():
        return None
    seen: dict[str, None] = {}
    for start, end in line_spans(text):
        form = candidate(text[start:end])
        if form is not None:
            seen.setdefault(form)
    return {"site": site_of(metadata), "lines": list(seen)}
