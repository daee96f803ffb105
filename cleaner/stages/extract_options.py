"""The extract stage's options, in one place for the light stage (:mod:`.extract`) and the HTML
work it loads on the first page (:mod:`.html_extraction`)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class ExtractOptions:
    favor_precision: bool = True
    favor_recall: bool = False
    include_comments: bool = False
    include_tables: bool = True
    join_split_bodies: bool = True
    """Join an article body split across sibling containers before extraction."""
    precision_fallback: bool = True
    """In precision mode, use the balanced output when the precise one is tiny beside it."""
    drop_title_line: bool = True
    """Drop a first line that repeats the page title (the title is kept in the metadata)."""
    drop_repeated_blocks: bool = True
    """Keep one copy of an article (a run of repeated paragraphs) that the page holds twice."""
    drop_chrome_boxes: bool = True
    """Drop short boxes named as such (pop-ups, sign-ups, author bios) before extraction."""
    title_line: bool = True
    """Open the text with the page's title (once: a first line repeating it is dropped)."""
    markdown: bool = False
    """Record the page's headings, quotes and numbered items for tidy to mark as Markdown."""

    def option_items(self) -> tuple[tuple[str, bool], ...]:
        """(name, value) of every option, in declaration order."""
        return tuple((f.name, getattr(self, f.name)) for f in fields(ExtractOptions))
