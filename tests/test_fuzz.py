"""Fuzzing every stage and the whole pipeline (grammar excluded: it needs a server).

Over arbitrary Unicode (lone surrogates included), arbitrary bytes, news-like text built from
the shipped rules' own examples, and generated HTML:

* no exception escapes but a :class:`DocumentError` with a plain reason (not "internal error");
* the output is valid UTF-8 (no lone surrogates);
* cleaning the output again changes nothing;
* no stage invents text. Each stage's applied edits, replayed on the text it received, must
  give exactly the text it returned (so no change goes unlogged), and each edit's ``after``
  must be justified by what the stage is allowed to do: chrome and captions only delete,
  tidy only deletes or writes a newline, repair writes characters of the matched text or of
  the rule's replacement, unicode gives exactly ftfy's repair, and extract only characters
  present in the page (its text or decoded entities) or white space.

The examples per test default to a CI-sized number; ``CLEANER_FUZZ_EXAMPLES=20000`` runs a
campaign (``pytest tests/test_fuzz.py -p no:xdist``).
"""

from __future__ import annotations

import functools
import html
import os
from collections.abc import Callable
from typing import Any

import ftfy
import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.document import Document, Edit
from cleaner.errors import DocumentError
from cleaner.pipeline import Pipeline, PipelineConfig, Result
from cleaner.registry import Stage
from cleaner.rules.candidates import Candidate, load_candidates
from cleaner.rules.repair import RepairRule, load_rules
from cleaner.rules.source import load_rule_file, rule_files_under
from cleaner.stages.control_mojibake import may_hold_control_mojibake, repair_control_mojibake
from cleaner.stages.html_parsing import parse_html

CAMPAIGN = "CLEANER_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("CLEANER_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    # In CI the same examples every run: a rare finding must not make the suite flaky (a
    # campaign explores at random and saves what it finds in .hypothesis/).
    derandomize=not CAMPAIGN,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def pipeline() -> Pipeline:
    config = PipelineConfig.load().without(["grammar"])
    return Pipeline(PipelineConfig(**{**config.__dict__, "rules_dir": REPO / "rules"}))


@functools.cache
def repair_rules() -> dict[str, RepairRule]:
    return {rule.rule_id: rule for rule in load_rules(REPO / "rules" / "repairs")}


@functools.cache
def rule_texts() -> tuple[str, ...]:
    """Lines the shipped rules were written for: their examples and keeps."""
    texts: list[str] = []
    for path in rule_files_under(REPO / "rules"):
        for record in load_rule_file(path).rules:
            for key in ("examples", "keep"):
                for case in record.data.get(key, []):
                    if isinstance(case, str):
                        texts.append(case)
                    elif isinstance(case, list) and case and isinstance(case[0], str):
                        texts.append(case[0])
    return tuple(texts)


# --- strategies -------------------------------------------------------------------------------

ANY_CHAR = st.one_of(
    st.characters(),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),
    st.sampled_from("\n\n\r\t \u00a0\u2028\u2029\x85\x0c\x1b\x00\ufeff\u200b"),
)
ANY_TEXT = st.text(ANY_CHAR, max_size=300)
TRICKY = st.sampled_from(
    [
        "caf\u00c3\u00a9",
        "\u00e2\u20ac\u2122",
        "\u00c3 ",
        "Â ",
        "&amp;",
        "&#x27;",
        "&nbsp;",
        "&lt;p&gt;",
        "\x1b[31mred\x1b[0m",
        "\u0080",
        "```",
        "    indented code",
        "http://example.com/a b",
        "user@example.org",
        " \u2013 National",
        " | Reuters",
        "\u2019",
        "İ",
        "ß",
        "ﬁ",
        "<html>",
        "<!doctype html>",
    ]
)
_PROSE = "the council voted on monday to expand bus service and said"
WORD = st.sampled_from(_PROSE.split())


@st.composite
def news_text(draw: st.DrawFn) -> str:
    """Lines of prose, rule examples (chrome lines, spun phrases), tricky pieces and noise."""
    pieces = st.one_of(
        st.lists(WORD, min_size=1, max_size=12).map(" ".join),
        st.sampled_from(rule_texts()),
        TRICKY,
        st.text(ANY_CHAR, max_size=8),
    )
    lines = draw(
        st.lists(st.lists(pieces, min_size=0, max_size=4).map(" ".join), min_size=0, max_size=15)
    )
    separator = draw(st.sampled_from(["\n", "\n\n", "\r\n", " \n"]))
    return separator.join(lines)


TEXT = st.one_of(ANY_TEXT, news_text())

_TAG_NAMES = (
    "div p span article section a b i h1 h2 ul li table tr td script style nav footer header "
    "main br img figure figcaption blockquote pre code aside form iframe svg math template"
)
TAGS = _TAG_NAMES.split()
ATTRS = st.sampled_from(
    [
        "",
        ' class="article-body"',
        ' class="entry-content"',
        ' id="main"',
        ' href="http://127.0.0.1:9/x"',
        ' src="https://example.invalid/a.png"',
        ' style="display:none"',
        ' class="comments"',
    ]
)


def _text_node(text: str, escape: bool) -> str:
    return html.escape(text, quote=False) if escape else text


TEXT_NODE = st.one_of(
    st.builds(_text_node, news_text(), st.booleans()),
    st.sampled_from(
        ["<!-- c -->", "<![CDATA[x]]>", "&", "&#0;", "&#128;", "&#xD800;", "<p", "</div>"]
    ),
)


def _element(tag: str, attrs: str, children: list[str]) -> str:
    return f"<{tag}{attrs}>{''.join(children)}</{tag}>"


HTML_BODY = st.recursive(
    TEXT_NODE,
    lambda kids: st.builds(_element, st.sampled_from(TAGS), ATTRS, st.lists(kids, max_size=5)),
    max_leaves=40,
)
HEAD = st.sampled_from(
    [
        "",
        '<base href="http://127.0.0.1:9/">',
        '<link rel="stylesheet" href="http://127.0.0.1:9/s.css">',
        '<meta charset="utf-8"><meta name="author" content="A. Writer">',
    ]
)


@st.composite
def html_page(draw: st.DrawFn) -> str:
    title = draw(st.one_of(st.just(""), news_text().map(lambda t: html.escape(t[:80]))))
    head = draw(HEAD)
    body = draw(st.lists(HTML_BODY, max_size=6))
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body>{''.join(body)}</body></html>"
    )


ANY_BYTES = st.one_of(
    st.binary(max_size=600),
    TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    TEXT.map(lambda t: t.encode("cp1252", "ignore")),
    TEXT.map(lambda t: t.encode("utf-16", "surrogatepass")),
    html_page().map(lambda t: t.encode("utf-8", "surrogatepass")),
)


# --- checks -----------------------------------------------------------------------------------


def clean_or_refuse(run: Callable[[], Result]) -> Result | None:
    """The result, or None when the document was refused with a plain reason."""
    try:
        return run()
    except DocumentError as exc:
        assert exc.reason and "internal error" not in exc.reason, exc.reason
        return None


def assert_valid_utf8(text: str) -> None:
    text.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate


def replay(text: str, edits: list[Edit]) -> str:
    pieces: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        assert edit.start >= cursor, f"overlapping edits: {edit}"
        assert text[edit.start : edit.end] == edit.before, f"edit before mismatch: {edit}"
        pieces += [text[cursor : edit.start], edit.after]
        cursor = edit.end
    return "".join(pieces) + text[cursor:]


_FOLD_EXTRA = set("'\u2019 ")


@functools.cache
def candidate_rules() -> dict[str, Candidate]:
    return {c.rule_id: c for c in load_candidates(REPO / "rules" / "candidates")}


def _repair_justified(edit: Edit) -> bool:
    candidate = candidate_rules().get(edit.rule_id)
    if candidate is not None:  # the candidate layer writes one of the entry's originals
        return edit.after.casefold() in {o.casefold() for o in candidate.originals}
    rule = repair_rules().get(edit.rule_id)
    if rule is None:
        return False
    allowed = set(rule.replace.casefold()) | set(edit.before.casefold()) | _FOLD_EXTRA
    return set(edit.after.casefold()) <= allowed


def _page_characters(page: str) -> set[str]:
    allowed = set(page) | set(html.unescape(page)) | set(" \n\t")
    if may_hold_control_mojibake(page):
        # Text the page encoded twice is repaired before trafilatura deletes its C1 controls
        # (cleaner.stages.control_mojibake): the characters meant are the page's own.
        tree = parse_html(page)
        if tree is not None:
            repair_control_mojibake(tree)
            allowed |= set(tree.text_content())
    if "<td" in page.lower() or "<th" in page.lower():
        allowed.add("|")  # trafilatura's table cell separator: layout, not text
    return allowed


def assert_stage_invents_nothing(stage: Stage, before: Document, after: Document) -> None:
    new = after.edits[len(before.edits) :]
    assert after.edits[: len(before.edits)] == before.edits, "a stage rewrote earlier edits"
    applied = [e for e in new if e.applied]
    assert all(e.stage == stage.name for e in new)
    if stage.name == "decode":
        return  # bytes to text: checked by the decode tests; no edits to justify
    assert replay(before.text, applied) == after.text, f"{stage.name}: unlogged change"
    for edit in applied:
        if stage.name in ("chrome", "captions"):
            ok = edit.after == ""
        elif stage.name == "tidy":
            ok = edit.after in ("", "\n", "\n\n")
        elif stage.name == "repair":
            ok = _repair_justified(edit)
        elif stage.name == "unicode":
            ok = edit.rule_id == "unicode.ftfy"
        elif stage.name == "extract":
            extra = set(edit.after) - _page_characters(edit.before)
            ok = not {c for c in extra if not c.isspace()}
        else:
            ok = False
        assert ok, f"{stage.name} invented text: {edit}"
    if stage.name == "unicode":
        config: Any = getattr(stage, "config")  # noqa: B009  (the stage's ftfy settings)
        assert after.text == ftfy.fix_text(before.text, config)


def run_stages(doc: Document) -> Document | None:
    """Every stage in turn, checking each; None when a stage refused the document."""
    stages = pipeline().stages
    repaired = False  # lone surrogates may pass through until the unicode stage removes them
    for stage in stages:
        try:
            out = stage(doc)
        except DocumentError as exc:
            assert exc.reason, f"{stage.name}: DocumentError without a reason"
            return None
        repaired = repaired or stage.name == "unicode"
        if repaired:
            assert_valid_utf8(out.text)
        assert_stage_invents_nothing(stage, doc, out)
        doc = out
    return doc


def assert_clean(result: Result) -> None:
    assert_valid_utf8(result.text)
    for key in ("title", "author", "sitename"):
        value = result.metadata.get(key)
        if isinstance(value, str):
            assert_valid_utf8(value)
    again = pipeline().clean_text(result.text, {"format": "text"})
    assert again.text == result.text, "cleaning the output again changed it"


# --- properties -------------------------------------------------------------------------------


@FUZZ
@given(TEXT)
def test_pipeline_on_arbitrary_text(text: str) -> None:
    result = clean_or_refuse(lambda: pipeline().clean_text(text))
    if result is not None:
        assert_clean(result)


@FUZZ
@given(ANY_BYTES)
def test_pipeline_on_arbitrary_bytes(raw: bytes) -> None:
    result = clean_or_refuse(lambda: pipeline().clean_bytes(raw))
    if result is not None:
        assert_clean(result)


@FUZZ
@given(html_page())
def test_pipeline_on_generated_html(page: str) -> None:
    result = clean_or_refuse(lambda: pipeline().clean_text(page, {"format": "html"}))
    if result is not None:
        assert_clean(result)


@FUZZ
@given(TEXT)
def test_no_stage_invents_text_on_text(text: str) -> None:
    run_stages(Document(text=text))


@FUZZ
@given(html_page())
def test_no_stage_invents_text_on_html(page: str) -> None:
    run_stages(Document(text=page, metadata={"format": "html"}))


@FUZZ
@given(ANY_BYTES)
def test_no_stage_invents_text_on_bytes(raw: bytes) -> None:
    run_stages(Document.from_bytes(raw))


@pytest.mark.parametrize("name", ["extract", "unicode", "chrome", "captions", "repair", "tidy"])
def test_every_text_stage_is_fuzzed(name: str) -> None:
    # The properties above go through pipeline().stages: make sure none was left out.
    assert name in [stage.name for stage in pipeline().stages]
