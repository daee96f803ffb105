"""The fast precise run reads the page without the subtrees trafilatura's cleaning deletes
unread (cleaner.stages.cleaned_elements): its output must be the plain run's, and the tree
must come back as it was."""

from __future__ import annotations

from typing import Any

import pytest
import trafilatura
from conftest import bench_pages
from lxml.html import HtmlElement, tostring  # type: ignore[import-untyped]

from cleaner.stages.cleaned_elements import cleaned_elements_hidden
from cleaner.stages.html_extraction import HtmlExtractor
from cleaner.stages.html_parsing import parse_html

PARAGRAPH = (
    "The council voted on Tuesday to extend the tram line to the harbour, a plan that has "
    "been debated for more than a decade and that residents say will change the district."
)
ARTICLE = "".join(f"<p>Paragraph {i}. {PARAGRAPH}</p>" for i in range(6))


def _plain_fast_precise(stage: HtmlExtractor, tree: HtmlElement) -> tuple[str, bytes] | None:
    """trafilatura's fast precise run on the whole tree, as the stage called it before."""
    result: Any = trafilatura.bare_extraction(
        tree,
        favor_precision=True,
        fast=True,
        include_comments=stage.include_comments,
        include_tables=stage.include_tables,
        with_metadata=False,
        config=stage.config,
    )
    return None if result is None else (result.text, tostring(result.body))


def _stage_fast_precise(stage: HtmlExtractor, tree: HtmlElement) -> tuple[str, bytes] | None:
    found = stage._run(tree, None, True, False, fast=True)
    return None if not found else (found["text"], tostring(found["body"]))


def _tree(body: str, head: str = "<title>Tram</title>") -> HtmlElement:
    tree = parse_html(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>")
    assert tree is not None
    return tree


def test_the_subtrees_are_hidden_within_the_block_and_the_tree_comes_back() -> None:
    tree = _tree(
        "<nav><a href='/'>Home</a> <a href='/n'>News</a></nav>after nav"
        f"<article>{ARTICLE}<aside><p>Related: more trams</p></aside>tail</article>"
        "<footer><p>Contact us</p></footer><input name='q'>"
    )
    before = tostring(tree)
    with cleaned_elements_hidden(tree) as hidden:
        # head, nav, aside and footer; the childless input stays
        assert hidden == 4
        page = tostring(tree)
        assert b"Home" not in page and b"Related" not in page and b"Contact" not in page
        assert b"<nav></nav>after nav" in page and b"<aside></aside>tail" in page
        assert b'<input name="q">' in page
    assert tostring(tree) == before


def test_the_tree_comes_back_when_the_run_fails() -> None:
    tree = _tree(f"<nav><a>Home</a></nav><article>{ARTICLE}</article>")
    before = tostring(tree)
    with pytest.raises(RuntimeError), cleaned_elements_hidden(tree):
        raise RuntimeError("the run failed")
    assert tostring(tree) == before


def test_a_page_with_a_nav_inside_a_nav_keeps_its_later_navs() -> None:
    # trafilatura's cleaning stops deleting <nav> elements after one holding another, so the
    # nav inside the article stays in its output: hiding it would lose that text.
    stage = HtmlExtractor()
    tree = _tree(
        "<nav><nav><a>Home</a></nav></nav>"
        f"<article>{ARTICLE}<nav><p>Part two. {PARAGRAPH}</p></nav>{ARTICLE}</article>"
    )
    plain = _plain_fast_precise(stage, tree)
    assert plain is not None and "Part two." in plain[0]
    with cleaned_elements_hidden(tree) as hidden:
        assert hidden == 1  # the head only
    assert _stage_fast_precise(stage, tree) == plain


def test_an_aside_holding_the_headline_stays_for_the_infinite_scroll_prune() -> None:
    # trafilatura prunes an infinite-scroll container unless it holds an <h1>: here the <h1>
    # is in an aside, which its cleaning deletes only later.
    stage = HtmlExtractor()
    tree = _tree(
        f'<div class="infinite-scroll"><aside><h1>Tram extension</h1></aside>{ARTICLE}</div>'
    )
    plain = _plain_fast_precise(stage, tree)
    assert plain is not None and "Paragraph 5." in plain[0]
    assert _stage_fast_precise(stage, tree) == plain


def test_json_ld_stays_visible_to_the_forum_test() -> None:
    tree = _tree(
        f"<article>{ARTICLE}</article><footer><p>Contact</p>"
        '<script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script>'
        "</footer>",
        head='<title>Thread</title><script type="application/ld+json">{}</script>',
    )
    with cleaned_elements_hidden(tree) as hidden:
        assert hidden == 0


def _assert_same_output(pages: list[bytes]) -> None:
    stage = HtmlExtractor()
    hidden_pages = 0
    for page in pages:
        tree = parse_html(page.decode("utf-8", "replace"))
        if tree is None:
            continue
        before = tostring(tree)
        with cleaned_elements_hidden(tree) as hidden:
            hidden_pages += hidden > 0
        assert _stage_fast_precise(stage, tree) == _plain_fast_precise(stage, tree)
        assert tostring(tree) == before
    assert hidden_pages > len(pages) / 2


def test_the_fast_precise_output_is_the_plain_runs_on_benchmark_pages() -> None:
    _assert_same_output(bench_pages(aeb_limit=25))


@pytest.mark.slow  # two whole benchmarks
def test_the_fast_precise_output_is_the_plain_runs_on_every_benchmark_page() -> None:
    _assert_same_output(bench_pages())
