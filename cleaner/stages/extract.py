"""extract: the main text of an HTML page, via trafilatura; plain text passes through.

A document is HTML when its metadata says so (``format = "html"``, set by readers from the file
extension) or when its text opens like an HTML document. trafilatura only parses the string it
is given: it never fetches anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import trafilatura

from cleaner.document import Edit, Document
from cleaner.registry import StageSettings

NAME = "extract"
DESCRIPTION = "HTML pages: trafilatura extracts the article text and its title, date and url; plain text passes through."

# An HTML document announces itself early: a doctype, an <html>, <head> or <body> tag near the
# top. A stray "<" in prose does not make a text HTML.
_HTML_START = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head)\b", re.I | re.S)
_HTML_BODY = re.compile(r"<(?:body|div|p|article)\b[^>]*>", re.I)
SNIFF_CHARS = 2048

# trafilatura refuses (returns nothing for) trees larger than this many elements; far above any
# real article page, it bounds the time a pathological page can take.
MAX_TREE_SIZE = 500_000


def looks_like_html(text: str) -> bool:
    head = text[:SNIFF_CHARS]
    return bool(_HTML_START.match(head)) or (
        head.lstrip().startswith("<") and len(_HTML_BODY.findall(head)) >= 2
    )


@dataclass(frozen=True)
class ExtractStage:
    name: str = NAME
    description: str = DESCRIPTION
    favor_precision: bool = False
    favor_recall: bool = False
    include_comments: bool = False
    include_tables: bool = True

    def __call__(self, doc: Document) -> Document:
        declared = doc.metadata.get("format")
        if declared == "text" or (declared != "html" and not looks_like_html(doc.text)):
            return doc
        result = trafilatura.bare_extraction(
            doc.text,
            url=doc.metadata.get("url"),
            favor_precision=self.favor_precision,
            favor_recall=self.favor_recall,
            include_comments=self.include_comments,
            include_tables=self.include_tables,
            with_metadata=True,
            max_tree_size=MAX_TREE_SIZE,
        )
        found = _as_dict(result)
        text = found.get("text") or ""
        metadata: dict[str, Any] = {"format": "html"}
        for key in ("title", "date", "url", "author", "sitename"):
            value = found.get(key)
            if value and not doc.metadata.get(key):
                metadata[key] = value
        if not text:
            metadata["extract_warning"] = "trafilatura found no main text in the page"
        edit = Edit(
            stage=NAME,
            rule_id="extract.trafilatura",
            start=0,
            end=len(doc.text),
            before=doc.text,
            after=text,
            line=1,
        )
        return doc.with_text(text, [edit], **metadata)


def _as_dict(result: Any) -> dict[str, Any]:
    if result is None:
        return {}
    if isinstance(result, dict):
        return result
    as_dict = getattr(result, "as_dict", None)
    if callable(as_dict):
        data: dict[str, Any] = as_dict()
        return data
    return dict(vars(result))


def build(settings: StageSettings) -> ExtractStage:
    options = settings.options
    return ExtractStage(
        favor_precision=bool(options.get("favor_precision", False)),
        favor_recall=bool(options.get("favor_recall", False)),
        include_comments=bool(options.get("include_comments", False)),
        include_tables=bool(options.get("include_tables", True)),
    )
