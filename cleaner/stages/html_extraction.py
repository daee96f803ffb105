"""The extract stage's work on an HTML page: its main text and metadata, via trafilatura.

:mod:`cleaner.stages.extract` decides whether a document is HTML and imports this module only
then, so a run on plain text never loads trafilatura, lxml or htmldate. trafilatura only parses
the string it is given: it never fetches anything.

Around trafilatura, three general repairs, each measured on the Article Extraction Benchmark
(``bench/``):

- an article body split into several sibling containers of the same kind (ad slots between
  the chunks) is joined before extraction: trafilatura takes only the first container, and
  lost half of such articles;
- in precision mode, a short output, or one holding less than half of the page's paragraph
  text, is compared with the balanced mode's: when the balanced output adds more prose than
  the precise one holds, or the precise one is a box outside it, the precise pruning threw
  the article away and the balanced output is used instead (the reason goes to
  ``metadata["extraction_fallback"]``);
- a first line that repeats the page title is the headline leaking into the body: it goes
  (the title stays in the metadata), so the text never depends on where a site put its <h1>;
- when the join left the output a fraction of the page's prose, the page as it was is
  extracted too and wins on the same evidence as the balanced fallback; a page that holds its
  article twice gives it once (``repeated_blocks``);
- an output short of the page's text, with sentences missing between the runs of text it
  holds, is compared with trafilatura's recall mode, which replaces it when it holds it and
  adds sentences and list items the pruning dropped (``recall_fallback``);
- a line of output that flattens a block structure of the page (trafilatura's baseline takes
  a whole <article> as one paragraph) is given back as that structure's lines
  (``collapsed_lines``);
- before extraction, text the page encoded twice is repaired where trafilatura would delete
  the C1 controls ftfy needs (``control_mojibake``), the parts a React page streams in late
  are put where its scripts would put them (``streamed_segments``), and a page whose article
  no body expression names gets its prose container named ``<article>``
  (``unmarked_article``).
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from copy import copy
from dataclasses import dataclass, field
from typing import Any

import trafilatura
from lxml.etree import XPath, tostring  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.external import SANITIZED_XPATH, try_readability
from trafilatura.settings import use_config
from trafilatura.utils import trim

from cleaner.document import Document, Edit
from cleaner.registry import EXTRACT
from cleaner.rules.text import TITLE_SEPARATORS
from cleaner.stages.accordion_panels import show_accordion_panels
from cleaner.stages.anchor_headings import unwrap_anchor_headings
from cleaner.stages.article_headers import open_article_headers
from cleaner.stages.chrome_boxes import drop_chrome_boxes
from cleaner.stages.cleaned_elements import cleaned_elements_hidden
from cleaner.stages.code_lines import CODE_LINES_KEY, page_code_lines
from cleaner.stages.collapsed_lines import unfold_long_lines
from cleaner.stages.control_mojibake import may_hold_control_mojibake, repair_control_mojibake
from cleaner.stages.discard_xpath import discard_matched_in_python
from cleaner.stages.embed_blocks import keep_prose_embed_blocks
from cleaner.stages.extract_options import ExtractOptions
from cleaner.stages.headline import (
    opens_with_page_heading,
    page_headings,
    repeats_headline,
    with_page_headline,
)
from cleaner.stages.html_parsing import parse_html, parser_hit_a_limit
from cleaner.stages.layout_tables import keep_embedded_data_tables, unwrap_layout_tables
from cleaner.stages.media_tails import keep_media_tails
from cleaner.stages.page_layout import LINE_BREAKS_KEY, MARKDOWN_KEY, lay_out_page
from cleaner.stages.page_metadata import page_metadata
from cleaner.stages.page_parts import PROSE_PARAGRAPH_CHARS
from cleaner.stages.quote_figures import open_quote_figures
from cleaner.stages.recall_fallback import (
    KEPT_SHARE,
    PROSE_LINE_WORDS,
    is_cut_short,
    is_prose,
    may_be_short,
    may_hold_pruned_text,
    recall_reason,
)
from cleaner.stages.repeated_blocks import drop_repeated_blocks
from cleaner.stages.shared_steps import run_on, steps_shared
from cleaner.stages.site_banner import without_banner_title
from cleaner.stages.split_bodies import join_split_bodies
from cleaner.stages.streamed_segments import may_hold_streamed_segments, place_streamed_segments
from cleaner.stages.unmarked_article import name_unmarked_article

NAME = EXTRACT


# trafilatura gives up on (returns nothing for) an extracted tree with more elements than this;
# far above any real article, it bounds the time a pathological page can take.
MAX_TREE_SIZE = 500_000

# A precision-mode extraction is checked against the balanced one when it is shorter than
# this (about two short paragraphs; trafilatura's own minimum for a main text is 250)...
SHORT_OUTPUT_CHARS = 500
# ...or when it holds less than this share of the page's prose paragraphs (<p> elements of
# PROSE_PARAGRAPH_CHARS or more): an article-sized page whose precise output is a fraction of
# its paragraph text may have lost its article to the pruning, or be a box beside it.
PAGE_PROSE_SHARE = 0.5
# A text node this long is a sentence or more, not a menu entry or a link label (tuning pages:
# the four pages whose article trafilatura finds only by its readability comparison hold it
# in such runs outside <p> elements).
TEXT_RUN_CHARS = 40
# The balanced output replaces the precise one when the prose it adds exceeds this share of
# the precise output's words: the precise output then holds at most half of the article.
# (Tuning pages: 0.5 switched 1 page more for 0.0006 F1, at the cost of more balanced runs.)
ADDED_PROSE_SHARE = 1.0
# trafilatura's comparison lets readability's output replace a well-formed output of its own
# only when readability's is more than twice as long (external.py, _prefer_readability). The
# stage asks readability alone first and skips the full run when its output is shorter than
# this multiple of the fast output: below 2 because the fast output's text counts list markers
# and line breaks that trafilatura's comparison does not (a margin set from that rule, not
# fitted; a test holds the skipped runs to the fast output on the AEB pages, and on every WCXB
# page the stage's output is unchanged).
READABILITY_LONGER = 1.5
_WORD = re.compile(r"\w+")

# Only the text nodes holding an "&" need escaping; XPath finds them without a Python walk
# over every element. "/descendant::text()" is "//text()" (every text node of the document)
# without libxml2's merge of the child text nodes of every node: 0.29 s against 0.24 s on
# 300 WCXB pages, the same nodes. (Relative to the root element it would not be the same:
# libxml2 leaves a few nodes of some pages outside the root's descendants.)
_TEXT_WITH_AMPERSAND = XPath('/descendant::text()[contains(., "&")]', smart_strings=True)
# trafilatura's own tests on an extracted body (external.py): elements that make it "unclean",
# and paragraph text.
_UNCLEAN = XPath(SANITIZED_XPATH)
_PARAGRAPH_TEXT = XPath(".//p//text()")
# Long text runs in the body outside scripts and styles (a text node's parent in XPath is the
# element holding it, for a tail too). The whole test in XPath, with plain strings and
# "/descendant::" steps rather than "//": 0.38 s against 0.29 s on 300 WCXB pages, the same
# counts on every page.
_LONG_BODY_TEXT = XPath(
    "/descendant::body/descendant::text()[string-length(.) >= $chars]"
    "[not(parent::script or parent::style or parent::noscript)]",
    smart_strings=False,
)
# A heading repeating the title may also end at a middle dot (tidy does not strip that one).
_TITLE_SEPARATORS = (*TITLE_SEPARATORS, " · ")

# libxml2 (without its "huge" option, which stays off so that a hostile page cannot make it
# build an unbounded tree) stops descending at 256 levels; what lies deeper is dropped.
DEPTH_LIMIT_WARNING = (
    "the HTML nests deeper than the parser's limit (256 levels); text below that depth was dropped"
)


@dataclass(frozen=True)
class HtmlExtractor(ExtractOptions):
    """The extract stage's options, applied to a document known to be an HTML page."""

    config: Any = field(default_factory=lambda: _trafilatura_config(), compare=False, repr=False)
    """trafilatura's settings (a ConfigParser it only reads)."""

    # The page's runs share the steps they repeat (:mod:`.shared_steps`) and match
    # trafilatura's overall discard list in Python (:mod:`.discard_xpath`).
    @steps_shared()
    @discard_matched_in_python()
    def __call__(self, doc: Document) -> Document:
        tree = parse_html(doc.text) if doc.text.strip() else None
        warnings: list[str] = []
        if tree is not None and parser_hit_a_limit():
            warnings.append(DEPTH_LIMIT_WARNING)
        found: dict[str, Any] = {}
        boxes = 0
        headings: tuple[str, ...] = ()
        # Read before trafilatura, which writes a <pre> without <code> as a quote: the
        # grammar stage never sends these lines to LanguageTool (stages/code_lines.py).
        page_code = page_code_lines(tree)
        if tree is not None:
            placed = may_hold_streamed_segments(doc.text) and place_streamed_segments(tree) > 0
            found, boxes, headings = self._extract_page(doc, tree)
            if placed:
                # React's late parts arrive hidden at the page's end, and its scripts would
                # move them into place (:mod:`.streamed_segments`): placed, they must add to
                # what the page gives without them, not replace it (a part placed before the
                # article can move trafilatura's choice of container).
                unplaced = parse_html(doc.text)
                if unplaced is not None:
                    without, without_boxes, unplaced_headings = self._extract_page(doc, unplaced)
                    if not adds_to(without.get("text") or "", found.get("text") or ""):
                        tree, found, boxes = unplaced, without, without_boxes
                        headings = unplaced_headings
        text = found.get("text") or ""
        repeated_lines = 0
        if self.drop_repeated_blocks:
            once = drop_repeated_blocks(text)
            repeated_lines = text.count("\n") - once.count("\n")
            text = once
        if "\\|" in text and "\\|" not in doc.text:
            # trafilatura writes table rows as "cell | cell" and escapes a "|" found in the
            # page's own text as "\|". Plain text has no markup to protect: give it back.
            text = text.replace("\\|", "|")
        metadata: dict[str, Any] = {"format": "html"}
        if found.get("extraction_fallback"):
            metadata["extraction_fallback"] = found["extraction_fallback"]
        if boxes:
            metadata["chrome_boxes_dropped"] = boxes
        if found.get("lines_unfolded"):
            metadata["lines_unfolded"] = found["lines_unfolded"]
        if repeated_lines:
            # The drop is inside the stage's one whole-page edit: say it, or it leaves no trace.
            metadata["repeated_lines_dropped"] = repeated_lines
        for key in ("title", "date", "url", "author", "sitename"):
            value = found.get(key)
            if value and not doc.metadata.get(key):
                metadata[key] = value
        title = found.get("title")
        extracted = text
        if (self.drop_title_line or self.title_line) and isinstance(title, str):
            text = without_title_line(text, title, headings, found.get("sitename") or "")
        shown_title = doc.metadata.get("title") or title
        body = found.get("body")
        text, markers, line_breaks = lay_out_page(
            extracted, text, shown_title, body, self.title_line, self.markdown, tree
        )
        if markers:
            metadata[MARKDOWN_KEY] = markers
        if line_breaks:
            metadata[LINE_BREAKS_KEY] = line_breaks
        if page_code:
            metadata[CODE_LINES_KEY] = page_code
        if not text:
            warnings.append("no main text found in the HTML page")
        if warnings:
            metadata["warnings"] = (*doc.metadata.get("warnings", ()), *warnings)
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

    def _extract_page(
        self, doc: Document, tree: HtmlElement
    ) -> tuple[dict[str, Any], int, tuple[str, ...]]:
        """The page metadata and extraction of ``tree``, the parsed ``doc``, after the steps
        that prepare it for trafilatura (which mutate it), the number of chrome boxes
        dropped, and the page's ``<h1>`` texts (read before the steps rewrite "&")."""
        if may_hold_control_mojibake(doc.text):
            # trafilatura deletes C1 controls, the half of a double-encoded character
            # that ftfy needs to repair it (:mod:`.control_mojibake`).
            repair_control_mojibake(tree)
        url = doc.metadata.get("url")
        page = page_metadata(tree, url if isinstance(url, str) else None)
        page = with_page_headline(tree, without_banner_title(tree, page))
        headings = page_headings(tree)
        unwrap_layout_tables(tree)
        give_back_article_parts(tree)
        boxes = drop_chrome_boxes(tree) if self.drop_chrome_boxes else 0
        joined = join_split_bodies(tree) if self.join_split_bodies else 0
        name_unmarked_article(tree)
        escape_ampersands(tree)
        keep_media_tails(tree)
        unwrap_anchor_headings(tree, page.get("url"))
        # Read once: the precise extraction's completeness test and the recall gate both
        # weigh the output against the page's text runs.
        runs = text_runs(tree)
        found = self._extract(tree, url, runs)
        if joined and self.favor_precision and self.precision_fallback:
            found = self._unjoined_if_richer(doc.text, url, found, prose_chars(tree))
        if self.favor_precision and self.precision_fallback:
            found = self._recalled_if_richer(tree, url, found, runs)
        unfolded_text, unfolded = unfold_long_lines(
            tree,
            found.get("text") or "",
            lambda page: (
                self._run(page, url, precision=False, recall=False, fast=True).get("text") or ""
            ),
        )
        if unfolded:
            found = {**found, "text": unfolded_text, "lines_unfolded": unfolded}
        return {**page, **found}, boxes, headings

    def _extract(self, tree: HtmlElement, url: Any, runs: list[str]) -> dict[str, Any]:
        """The extraction of ``tree``, whose text runs are ``runs`` (:func:`text_runs`)."""
        if not (self.favor_precision and self.precision_fallback):
            return self._run(tree, url, self.favor_precision, self.favor_recall)
        page_prose = prose_chars(tree)
        # trafilatura's comparison with readability and jusText (half the cost of a run)
        # replaces its own output only when that output is short, much shorter than
        # readability's, without paragraphs, or holds page furniture: a fast run that is
        # none of these is the full run's output, and needs no second look.
        found = self._run(tree, url, True, self.favor_recall, fast=True)
        if is_complete(found, page_prose) and is_complete(found, sum(map(len, runs))):
            return found
        # An output that is well-formed and long enough, but a small share of the page's prose,
        # goes through the full run (twice the fast run's cost) only when readability, the one
        # part of the comparison that could replace it, finds much more.
        if self.favor_recall or readability_may_replace(tree, found):
            found = self._run(tree, url, True, self.favor_recall)
        text = found.get("text") or ""
        # A paragraph the page repeats (a teaser above the article, a box shown twice) is not
        # more article: the output's length counts each distinct line once.
        length = len(distinct_lines(text))
        if length >= SHORT_OUTPUT_CHARS and length >= PAGE_PROSE_SHARE * page_prose:
            return found
        # The precise output is short, or holds less than half of the page's paragraph
        # text: ask trafilatura's extractor without the precise pruning (its fast mode, with
        # no readability/jusText comparison, at a third of the cost) and compare.
        balanced = self._run(tree, url, False, False, fast=True).get("text") or ""
        reason = fallback_reason(text, balanced)
        if not reason:
            # The fast mode may return the same box as the precise one (both take the first
            # container that matches); the full balanced mode also weighs the readability
            # and jusText extractions of the whole page.
            balanced = self._run(tree, url, False, False).get("text") or ""
            reason = fallback_reason(text, balanced)
        if reason:
            found["text"] = balanced
            found["extraction_fallback"] = reason
        return found

    def _unjoined_if_richer(
        self, html: str, url: Any, found: dict[str, Any], page_prose: int
    ) -> dict[str, Any]:
        """The extraction of the page as it was, when joining containers made the output a
        fraction of the page's prose and the page as it was gives the article.

        The join assumes the matching containers are the article's chunks; when they are
        only its intro and two side boxes, the joined container wins trafilatura's choice
        over the article held elsewhere (a brand guide: 3,213 characters of 20,000)."""
        text = found.get("text") or ""
        if len(distinct_lines(text)) >= PAGE_PROSE_SHARE * page_prose:
            return found
        tree = parse_html(html)
        if tree is None:
            return found
        escape_ampersands(tree)
        unjoined = self._extract(tree, url, text_runs(tree))
        reason = fallback_reason(text, unjoined.get("text") or "")
        if not reason:
            return found
        unjoined["extraction_fallback"] = "; ".join(
            part
            for part in (
                f"without joining split bodies: {reason}",
                unjoined.get("extraction_fallback"),
            )
            if part
        )
        return unjoined

    def _recalled_if_richer(
        self, tree: HtmlElement, url: Any, found: dict[str, Any], runs: list[str]
    ) -> dict[str, Any]:
        """trafilatura's recall-mode extraction of the page when the output is short of the
        page's text runs (``runs``), the runs it lacks inside the article's span could be what
        the pruning dropped, and the recall output holds the output and adds such parts
        (:mod:`cleaner.stages.recall_fallback`); ``found`` otherwise."""
        text = found.get("text") or ""
        if not may_be_short(text, sum(map(len, runs))) or not may_hold_pruned_text(text, runs):
            return found
        # The fast mode: the comparison with readability and jusText adds nothing here
        # (tuning pages: the same switches less one) at three times the cost.
        recalled = self._run(tree, url, False, True, fast=True)
        reason = recall_reason(text, recalled.get("text") or "")
        if not reason:
            return found
        recalled["extraction_fallback"] = "; ".join(
            part for part in (found.get("extraction_fallback"), reason) if part
        )
        return recalled

    def _run(
        self, tree: HtmlElement, url: Any, precision: bool, recall: bool, fast: bool = False
    ) -> dict[str, Any]:
        # bare_extraction works on its own copy of a tree it is given, so one parse serves
        # both runs. The fast precise run (every page's first) reads the tree without the
        # subtrees its cleaning deletes unread: the same output at less cost.
        hide = (
            precision and fast and not recall and self.include_tables and not self.include_comments
        )
        hidden: contextlib.AbstractContextManager[object] = (
            cleaned_elements_hidden(tree) if hide else contextlib.nullcontext()
        )
        # With comments, trafilatura cleans the page differently for its recall escalation
        # than for a recall run: those runs share nothing.
        shared = (
            run_on(tree, whole=not hide) if not self.include_comments else contextlib.nullcontext()
        )
        with hidden, shared:
            result = trafilatura.bare_extraction(
                tree,
                url=url if isinstance(url, str) else None,
                favor_precision=precision,
                favor_recall=recall,
                fast=fast,
                include_comments=self.include_comments,
                include_tables=self.include_tables,
                with_metadata=False,
                config=self.config,
            )
        found = _as_dict(result)
        text = found.get("text")
        return {"text": text, "body": found.get("body")} if isinstance(text, str) else {}


def adds_to(before: str, after: str) -> bool:
    """Whether the output ``after`` holds :data:`~.recall_fallback.KEPT_SHARE` of the words of
    ``before`` (each as often): it adds to that output rather than replacing it."""
    before_words = Counter(_WORD.findall(before.lower()))
    total = sum(before_words.values())
    if not total:
        return True
    kept = sum((before_words & Counter(_WORD.findall(after.lower()))).values())
    return kept >= KEPT_SHARE * total


def is_complete(found: dict[str, Any], page_text: int) -> bool:
    """Whether a fast precise extraction is one that trafilatura's comparison with readability
    and jusText would keep: long enough (jusText is tried on short outputs), at least half of
    ``page_text``, the page's article-sized text (readability wins when it is twice as long; a
    page may hold its article in <p> elements or in bare text runs of <div>s), with paragraph
    text and fewer tables than paragraphs, and free of the elements that make trafilatura
    call an output unclean."""
    text = found.get("text") or ""
    body = found.get("body")
    if len(text) < SHORT_OUTPUT_CHARS or len(text) < PAGE_PROSE_SHARE * page_text:
        return False
    if body is None or _UNCLEAN(body) or not _PARAGRAPH_TEXT(body):
        return False
    return len(body.findall(".//table")) <= len(body.findall(".//p"))


def readability_may_replace(tree: HtmlElement, found: dict[str, Any]) -> bool:
    """Whether trafilatura's comparison with readability and jusText could replace ``found``, a
    fast precise extraction of ``tree``: always when the output is short, unclean or without
    paragraphs (jusText or readability may then take over), else when readability's output of
    the page is more than :data:`READABILITY_LONGER` times as long.

    Readability alone costs about a sixth of the full run it may save (the fast extraction
    again, a prune of the page, readability, sometimes jusText)."""
    if not is_complete(found, 0):
        return True
    # In precision mode trafilatura gives readability the page less the elements of its
    # discard list. That prune costs twice as much as readability itself and mostly shortens
    # its output (benchmark pages: up to 9 times shorter, 1% longer on one page, which the
    # margin covers), so the probe reads the whole page. This is measured, not proved:
    # readability keeps its best-scoring candidate, not the longest, and the prune can change
    # which one wins; on all 892 AEB and WCXB pages (both splits) the stage's output is the
    # same as with the full run, and a slow test holds the AEB pages to it.
    # Readability changes the tree it reads: a copy.
    summary = try_readability(copy(tree))
    readability_chars = len(trim(tostring(summary, method="text", encoding="unicode")))
    return readability_chars > READABILITY_LONGER * len(found.get("text") or "")


def text_runs(tree: HtmlElement) -> list[str]:
    """The page's text runs of :data:`TEXT_RUN_CHARS` or more, outside scripts and styles,
    stripped, in document order: prose whatever element holds it (menus and link lists are
    short runs)."""
    return [
        stripped
        for run in _LONG_BODY_TEXT(tree, chars=TEXT_RUN_CHARS)
        if len(stripped := run.strip()) >= TEXT_RUN_CHARS
    ]


def distinct_lines(text: str) -> str:
    """``text`` with each line kept at its first occurrence only."""
    return "\n".join(dict.fromkeys(text.splitlines()))


def prose_chars(tree: HtmlElement) -> int:
    """Characters of the page's prose paragraphs: the <p> elements of at least
    :data:`PROSE_PARAGRAPH_CHARS` characters (navigation and teaser links are shorter)."""
    total = 0
    for paragraph in tree.iter("p"):
        length = len(paragraph.text_content())
        if length >= PROSE_PARAGRAPH_CHARS:
            total += length
    return total


def give_back_article_parts(tree: HtmlElement) -> None:
    """Give trafilatura back the parts of the article it would delete as page furniture (by
    its discard lists, the precision one taking every ``<header>``, or by tag: every
    ``<figure>`` and ``<button>``), each by a step of its own module: data tables in embed wrappers, prose in
    blocks named "embed", collapsed accordion panels and their toggles, a ``<header>``
    holding prose, quotations in figures. Mutates ``tree``; the benchmarks' figures were
    measured with the steps in this order."""
    keep_embedded_data_tables(tree)
    keep_prose_embed_blocks(tree)
    show_accordion_panels(tree)
    open_article_headers(tree)
    open_quote_figures(tree)


def fallback_reason(precise: str, balanced: str) -> str:
    """Why the balanced output should replace the precise one ("" when it should not).

    Evidence from the two outputs, in words rather than characters so that layout (list
    markers, line breaks) does not count:

    - the balanced output adds more prose (words of its sentence-length lines that the precise
      output lacks) than the precise output holds at all: the precise one has at most half of
      the article, whatever the ratio of their lengths (a line the precise output repeats
      counts once); a line cut short (:func:`~.recall_fallback.is_cut_short`, the blurb of
      another article in a teaser list) is not prose the balanced output adds;
    - most of the precise output is not in the balanced one while the balanced one holds more
      prose: the precise output is a box from elsewhere on the page (a sidebar, a fixtures
      table), not a part of the article.
    """
    precise_words = Counter(_WORD.findall(distinct_lines(precise).lower()))
    balanced_words = Counter(_WORD.findall(balanced.lower()))
    precise_total = sum(precise_words.values())
    prose = Counter(
        word
        for line in balanced.lower().splitlines()
        if len(words := _WORD.findall(line)) >= PROSE_LINE_WORDS
        and is_prose(line)
        and not is_cut_short(line, words)
        for word in words
    )
    added_prose = sum((prose - precise_words).values())
    if added_prose > max(ADDED_PROSE_SHARE * precise_total, PROSE_LINE_WORDS):
        return (
            f"the balanced extraction adds {added_prose} words of prose to the precise one's"
            f" {precise_total}"
        )
    if precise_total:
        shared = sum((precise_words & balanced_words).values())
        if shared < 0.5 * precise_total and sum(prose.values()) > precise_total:
            return (
                f"the precise extraction ({precise_total} words) is mostly outside the balanced"
                f" one ({shared} words shared): a box beside the article"
            )
    return ""


def _trafilatura_config() -> Any:
    config = use_config()
    config["DEFAULT"]["MAX_TREE_SIZE"] = str(MAX_TREE_SIZE)
    return config


def escape_ampersands(tree: HtmlElement) -> None:
    """Write every ``&`` of the tree's text as ``&amp;``, because trafilatura unescapes the
    text it extracts (``xmltotxt`` ends with ``html.unescape``) although the parser already
    decoded the entities: a page showing "type &lt;p&gt;" would come out as "type <p>".
    Escaping first makes that second unescape give back exactly the page's text (titles go
    through one unescape as well). Mutates ``tree``."""
    for found in _TEXT_WITH_AMPERSAND(tree):
        element = found.getparent()
        if element is None or not isinstance(element.tag, str):
            continue  # comments and processing instructions are not extracted
        if found.is_text:
            element.text = element.text.replace("&", "&amp;")
        elif found.is_tail:
            element.tail = element.tail.replace("&", "&amp;")


def without_title_line(
    text: str, title: str, headings: tuple[str, ...] = (), sitename: str = ""
) -> str:
    """``text`` without its first line when that line is the page title (or the title less a
    site suffix such as " | Site"), or the same headline in other casing or quotes or a word
    apart (:func:`~cleaner.stages.headline.repeats_headline`), or the page's ``<h1>`` (one of
    ``headings``) saying the title in other words
    (:func:`~cleaner.stages.headline.opens_with_page_heading`)."""
    stripped = text.lstrip()
    first, _, rest = stripped.partition("\n")
    first = first.strip()
    title = title.strip()
    if not first or not title or not rest.strip():
        return text
    if first == title or any(title.startswith(first + sep) for sep in _TITLE_SEPARATORS):
        return rest.lstrip("\n")
    if repeats_headline(first, title) or opens_with_page_heading(first, title, headings, sitename):
        return rest.lstrip("\n")
    return text


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
