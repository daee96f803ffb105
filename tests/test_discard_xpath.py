"""trafilatura's overall discard list matched in Python (cleaner.stages.discard_xpath): the
same elements, in the same order, as its XPath expressions."""

from __future__ import annotations

import gzip
from copy import deepcopy
from typing import Any

import pytest
import trafilatura.external
import trafilatura.main_extractor
from conftest import bench_page_paths
from lxml.html import HtmlElement, tostring  # type: ignore[import-untyped]
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.settings import Extractor
from trafilatura.xpaths import OVERALL_DISCARD_XPATH

import cleaner.stages.discard_xpath as discard
from cleaner.stages.discard_xpath import PYTHON_MATCHERS, discard_matched_in_python
from cleaner.stages.html_parsing import parse_html


def _tree(body: str) -> HtmlElement:
    tree = parse_html(
        f"<!doctype html><html><head><title>T</title></head><body>{body}</body></html>"
    )
    assert tree is not None
    return tree


def _assert_same_matches(tree: HtmlElement) -> int:
    assert PYTHON_MATCHERS is not None, "trafilatura's discard list is not the one matched"
    found = 0
    for xpath, matcher in zip(OVERALL_DISCARD_XPATH, PYTHON_MATCHERS, strict=True):
        expected = xpath(tree)
        assert matcher(tree) == expected
        found += len(expected)
    return found


def test_the_attribute_tests_match_as_the_xpath() -> None:
    tree = _tree(
        # @id|@class reads the first of the two in attribute order
        "<div class='cookie-bar' id='post'>a</div><div id='post' class='cookie-bar'>b</div>"
        "<div class='reply-box' id='main'>c</div><div id='main' class='reply-box'>d</div>"
        "<p style='color: red' id='hidden-x'>e</p><p id='x' style='hidden'>f</p>"
        "<span role='NAVIGATION'>g</span><a role='navigation'>h</a>"
        "<section data-lp-replacement-content=''>i</section><em aria-hidden='true'>j</em>"
        "<div class='comments-title'>k</div><div class='x comments-title'>l</div>"
        "<div style='display:none'>m</div><li class=' ad '>n</li><div class='Footer'>o</div>"
        "<div data-component='xMostPopularStoriesx'>p</div><div class='plain' id='plain'>q</div>"
    )
    assert _assert_same_matches(tree) >= 8


def test_trafilaturas_prunes_use_the_matchers_with_the_same_result() -> None:
    tree = _tree(
        "<article><p>Article text. " * 20 + "</p><div class='share-bar'>Share</div></article>"
        "<div id='sidebar'><p>Side</p></div><p style='display: none'>Hidden</p>"
    )
    for module in (trafilatura.main_extractor, trafilatura.external):
        prune = module.prune_unwanted_nodes
        assert prune.__module__ == "cleaner.stages.discard_xpath"
        for with_backup in (True, False):
            with discard_matched_in_python():
                ours = prune(deepcopy(tree), OVERALL_DISCARD_XPATH, with_backup=with_backup)
            xpaths = prune_unwanted_nodes(deepcopy(tree), OVERALL_DISCARD_XPATH, with_backup)
            assert tostring(ours) == tostring(xpaths)
            assert b"Side" not in tostring(ours) and b"Hidden" not in tostring(ours)


def _bench_trees(limit: int | None = None) -> list[HtmlElement]:
    paths = bench_page_paths()
    if limit is not None:
        paths = paths[:: len(paths) // limit][:limit]
    trees = [
        parse_html(gzip.decompress(path.read_bytes()).decode("utf-8", "replace")) for path in paths
    ]
    return [tree for tree in trees if tree is not None]


def _assert_same_on(trees: list[HtmlElement]) -> None:
    options = Extractor()
    found = 0
    for tree in trees:
        # The raw page (the precise comparison's prune) and the cleaned one (the extractor's).
        found += _assert_same_matches(tree)
        found += _assert_same_matches(convert_tags(tree_cleaning(deepcopy(tree), options), options))
    assert found > len(trees)


def test_the_matchers_find_the_xpaths_elements_on_benchmark_pages() -> None:
    _assert_same_on(_bench_trees(limit=40))


@pytest.mark.slow  # two whole benchmarks
def test_the_matchers_find_the_xpaths_elements_on_every_benchmark_page() -> None:
    _assert_same_on(_bench_trees())


def test_the_matchers_run_inside_the_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside ``discard_matched_in_python`` the prune calls the Python matchers; outside it,
    every caller in the process (the benchmarks' trafilatura reference) gets the XPath."""
    assert discard.PYTHON_MATCHERS is not None
    calls: list[int] = []

    def counted(matcher: Any) -> Any:
        def count(tree: Any) -> Any:
            calls.append(1)
            return matcher(tree)

        return count

    monkeypatch.setattr(discard, "PYTHON_MATCHERS", [counted(m) for m in discard.PYTHON_MATCHERS])
    tree = _tree("<div class='share-bar'>Share</div><p>Text of the article.</p>")
    prune = trafilatura.main_extractor.prune_unwanted_nodes
    prune(deepcopy(tree), OVERALL_DISCARD_XPATH)
    assert calls == []
    with discard_matched_in_python():
        pruned = prune(deepcopy(tree), OVERALL_DISCARD_XPATH)
    assert len(calls) == len(OVERALL_DISCARD_XPATH)
    assert b"Share" not in tostring(pruned)
