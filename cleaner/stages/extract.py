"""extract: the main text of an HTML page, via trafilatura; plain text passes through.

A document is HTML when its metadata says so (``format = "html"``, set by readers from the file
extension) or when its text opens like an HTML document. Only then is
:mod:`cleaner.stages.html_extraction` imported, with trafilatura, lxml and htmldate: they are a
large share of a process's start-up, which a run on plain text does not need to pay. That
module says how a page is extracted.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cleaner.document import Document
from cleaner.registry import EXTRACT, StageSettings
from cleaner.stages.extract_options import ExtractOptions

if TYPE_CHECKING:
    from cleaner.stages.html_extraction import HtmlExtractor

NAME = EXTRACT
OPTIONS = frozenset(
    {
        "favor_precision",
        "favor_recall",
        "include_comments",
        "include_tables",
        "join_split_bodies",
        "precision_fallback",
        "drop_title_line",
        "drop_repeated_blocks",
        "drop_chrome_boxes",
        "title_line",
        "markdown",
    }
)
DESCRIPTION = "HTML pages: trafilatura extracts the article text and its title, date and url; plain text passes through."

# An HTML document announces itself early: a doctype, an <html>, <head> or <body> tag near the
# top. A stray "<" in prose does not make a text HTML.
_HTML_START = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head)\b", re.I | re.S)
_HTML_BODY = re.compile(r"<(?:body|div|p|article)\b[^>]*>", re.I)
# A page may open with a script or a style before its <html> (a CDN's script loader puts
# one there): a text that opens with a tag and holds an <html> or <head> tag soon after is a
# page too.
_HTML_ROOT_TAG = re.compile(r"<(?:!doctype\s+html|html|head)\b[^>]*>", re.I)
SNIFF_CHARS = 2048


def looks_like_html(text: str) -> bool:
    head = text[:SNIFF_CHARS]
    if _HTML_START.match(head):
        return True
    if not head.lstrip().startswith("<"):
        return False
    return len(_HTML_BODY.findall(head)) >= 2 or _HTML_ROOT_TAG.search(head) is not None


@dataclass(frozen=True)
class ExtractStage(ExtractOptions):
    name: str = NAME
    description: str = DESCRIPTION

    def __call__(self, doc: Document) -> Document:
        declared = doc.metadata.get("format")
        if declared == "text" or (declared != "html" and not looks_like_html(doc.text)):
            return doc
        return self.extractor()(doc)

    def extractor(self) -> HtmlExtractor:
        """The HTML extraction with this stage's options (made once per set of options)."""
        return _extractor(self.option_items())


@functools.cache
def _extractor(options: tuple[tuple[str, bool], ...]) -> HtmlExtractor:
    # Imported on the first HTML page, not at the top: see the module docstring.
    from cleaner.stages.html_extraction import HtmlExtractor

    return HtmlExtractor(**dict(options))


def build(settings: StageSettings) -> ExtractStage:
    options = settings.options
    return ExtractStage(
        favor_precision=bool(options.get("favor_precision", True)),
        favor_recall=bool(options.get("favor_recall", False)),
        include_comments=bool(options.get("include_comments", False)),
        include_tables=bool(options.get("include_tables", True)),
        join_split_bodies=bool(options.get("join_split_bodies", True)),
        precision_fallback=bool(options.get("precision_fallback", True)),
        drop_title_line=bool(options.get("drop_title_line", True)),
        drop_repeated_blocks=bool(options.get("drop_repeated_blocks", True)),
        drop_chrome_boxes=bool(options.get("drop_chrome_boxes", True)),
        title_line=bool(options.get("title_line", True)),
        markdown=bool(options.get("markdown", False)),
    )
