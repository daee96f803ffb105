"""trafilatura's costliest XPath expressions matched in Python (cleaner.stages.discard_xpath):
the same elements, in the same order, as the expressions they stand in for."""

from __future__ import annotations

import gzip
from collections import Counter
from copy import deepcopy
from typing import Any

import pytest
import trafilatura.xpaths as xpaths
from conftest import bench_page_paths, bench_pages
from lxml.etree import XPath  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.settings import Extractor

import cleaner.stages.discard_xpath as discard
from cleaner.document import Document
from cleaner.stages.discard_xpath import STAND_INS, InPython, discard_matched_in_python
from cleaner.stages.html_extraction import HtmlExtractor
from cleaner.stages.html_parsing import parse_html

# The expressions of trafilatura 2.3.1 written for, by list name and index.
WRITTEN_FOR = {
    ("RAW_TREE_PRUNE_XPATH", 0),
    ("RAW_TREE_PRUNE_XPATH", 1),
    ("REMOVE_COMMENTS_XPATH", 0),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0),
    ("OVERALL_DISCARD_XPATH", 0),
    ("OVERALL_DISCARD_XPATH", 1),
    ("DISCARD_IMAGE_ELEMENTS", 0),
    ("TEASER_DISCARD_XPATH", 0),
    ("PRECISION_DISCARD_XPATH", 1),
    ("BODY_XPATH", 0),
    ("BODY_XPATH", 2),
    ("BODY_XPATH", 3),
}
BODY_LIST = id(xpaths.BODY_XPATH)


def _name(key: tuple[int, int]) -> str:
    names = {id(value): name for name, value in vars(xpaths).items() if isinstance(value, list)}
    return f"{names[key[0]]}[{key[1]}]"


def _expected(key: tuple[int, int], stand_in: InPython, tree: HtmlElement) -> list[HtmlElement]:
    found = stand_in.xpath(tree)
    # trafilatura's _extract reads the first body candidate only: the stand-in gives that one.
    return found[:1] if key[0] == BODY_LIST else found


def _assert_same_matches(tree: HtmlElement, found: Counter[str] | None = None) -> None:
    for key, stand_in in STAND_INS.items():
        expected = _expected(key, stand_in, tree)
        assert stand_in.matcher(tree) == expected, _name(key)
        if found is not None:
            found[_name(key)] += len(expected)


def _tree(body: str) -> HtmlElement:
    tree = parse_html(
        f"<!doctype html><html><head><title>T</title></head><body>{body}</body></html>"
    )
    assert tree is not None
    return tree


def test_every_expression_written_for_is_matched_in_python() -> None:
    # A trafilatura whose expressions read otherwise keeps its XPath: this says it happened.
    assert {(_name(key).split("[")[0], key[1]) for key in STAND_INS} == WRITTEN_FOR
    for (list_id, index), stand_in in STAND_INS.items():
        expressions = next(v for v in vars(xpaths).values() if id(v) == list_id)
        assert expressions[index] is stand_in


CRAFTED = (
    # @id|@class reads the first of the two in attribute order
    "<div class='cookie-bar' id='post'>a</div><div id='post' class='cookie-bar'>b</div>"
    "<div class='reply-box' id='main'>c</div><div id='main' class='reply-box'>d</div>"
    "<p style='color: red' id='hidden-x'>e</p><p id='x' style='hidden'>f</p>"
    "<p id='' class='link'>empty id first</p><p class='link' id=''>class first</p>"
    "<span role='NAVIGATION'>g</span><a role='navigation'>h</a>"
    "<section data-lp-replacement-content=''>i</section><em aria-hidden='true'>j</em>"
    "<div class='comments-title'>k</div><div class='x comments-title'>l</div>"
    "<div style='display:none'>m</div><li class=' ad '>n</li><div class='Footer'>o</div>"
    "<div data-component='xMostPopularStoriesx'>p</div><div class='plain' id='plain'>q</div>"
    "<!-- a comment --><?pi a processing instruction?>"
    # captions, teasers (translate lowers T only), the precision list's tokens
    "<div class='img-caption'>r</div><span id='Teaser-1'>s</span><p class='TEASER'>t</p>"
    "<div class='page-bottom'>u</div><div class='Padding-bottom-lg'>v</div>"
    "<div class='permalink'>w</div><div style='border: 1px'>x</div>"
    # comment containers and lists: ol/ul only by the comment patterns, not by disqus's ids
    "<div id='comments'>y</div><div id='Commentary'>z</div><details class='post-comments'>"
    "<summary>aa</summary></details><ol id='comment-list'><li>bb</li></ol>"
    "<ul class='commentlist'><li>cc</li></ul><ol id='disqus_thread'><li>dd</li></ol>"
    # infinite scroll: a container holding an h1 stays unless it is an appended article's
    "<div class='infinite-scroll'><p>ee</p></div><div class='infinite-scroll'><h1>ff</h1></div>"
    "<aside id='mvp-post-add-box'><h1>gg</h1></aside>"
    "<section class='elementor-share-buttons'>hh</section>"
    # body candidates, each after a near miss; nested matches give the outer one first
    "<div class='posts'>ii</div><article class='entry'><div class='post'>jj</div></article>"
    "<div class='FullText'>kk</div><main id='Main-Content'>ll</main>"
)


def test_the_stand_ins_find_the_xpaths_elements_on_a_crafted_page() -> None:
    tree = _tree(CRAFTED)
    found: Counter[str] = Counter()
    _assert_same_matches(tree, found)
    # Every stand-in is held to an expression that finds something.
    assert all(found[_name(key)] for key in STAND_INS), found
    # ".//" reads below the element it starts from: an element is not its own match.
    for element in tree.iter("div", "section", "article", "main", "ol", "ul", "aside"):
        _assert_same_matches(element)


def test_an_expression_of_another_text_keeps_its_xpath() -> None:
    def expression(text: str) -> XPath:
        return XPath(text, namespaces={"re": xpaths.REGEXP_NS})

    shape = ".//*[self::div][ re:test(@id, '{}') or re:test(@class, '{}', 'i')]"
    # Whitespace runs read as one space.
    written_for = expression(
        ".//*[self::div][\n   re:test(@id, 'a|b') or  re:test(@class, 'c', 'i')]"
    )
    searches = discard._searches(written_for, shape)
    assert searches is not None
    assert [bool(search("xb")) for search in searches] == [True, False]
    assert bool(searches[1]("C"))  # the 'i' flag: ignore case
    other_tags = expression(".//*[self::p][ re:test(@id, 'a|b') or re:test(@class, 'c', 'i')]")
    assert discard._searches(other_tags, shape) is None
    # A pattern found in '' would match an element without the attribute, which the
    # stand-ins skip.
    empty = expression(".//*[self::div][ re:test(@id, 'a|') or re:test(@class, 'c', 'i')]")
    assert discard._searches(empty, shape) is None


def test_the_stand_ins_run_inside_the_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside ``discard_matched_in_python`` trafilatura's lists call the stand-ins; outside
    it, every caller in the process (the benchmarks' trafilatura reference) gets the XPath."""
    calls: list[str] = []
    for key, stand_in in STAND_INS.items():
        matcher = stand_in.matcher

        def counted(tree: Any, matcher: Any = matcher, name: str = _name(key)) -> Any:
            calls.append(name)
            return matcher(tree)

        monkeypatch.setattr(stand_in, "matcher", counted)
    tree = _tree("<div class='share-bar'>Share</div><p>Text of the article.</p>")
    expression = xpaths.OVERALL_DISCARD_XPATH[0]
    assert [element.text for element in expression(tree)] == ["Share"]
    assert calls == []
    with discard_matched_in_python():
        assert [element.text for element in expression(tree)] == ["Share"]
        # An expression given variables, or not an element, is the XPath's.
        expression(tree, unused="variable")
        expression(tree.getroottree())
    assert calls == ["OVERALL_DISCARD_XPATH[0]"]
    # Otherwise a stand-in is its XPath: its text, its string.
    assert expression.path == expression.xpath.path
    assert str(expression) == str(expression.xpath)


def test_the_extraction_runs_the_stand_ins_with_the_same_result() -> None:
    html = (
        "<html><body><article><h1>Title</h1>"
        + "<p>The article's own sentence, long enough to be kept as text. </p>" * 12
        + "<div class='share-bar'>Share this</div><div class='img-caption'>A caption</div>"
        "</article><div id='comments'><p>A reader's comment on the article.</p></div>"
        "<div class='sidebar'><p>Side box</p></div></body></html>"
    )
    stage = HtmlExtractor()
    unmatched = HtmlExtractor.__call__.__wrapped__.__wrapped__  # type: ignore[attr-defined]
    ours = stage(Document(text=html))
    assert "article's own sentence" in ours.text
    assert "Share this" not in ours.text and "reader's comment" not in ours.text
    # The stage without the stand-ins' block (the shared steps still on): the same output.
    from cleaner.stages.shared_steps import steps_shared

    with steps_shared():
        plain = unmatched(stage, Document(text=html))
    assert (ours.text, ours.metadata) == (plain.text, plain.metadata)


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
    found: Counter[str] = Counter()
    for tree in trees:
        # The raw page (the raw prunes, readability's prune) and the cleaned one.
        _assert_same_matches(tree, found)
        _assert_same_matches(convert_tags(tree_cleaning(deepcopy(tree), options), options), found)
    assert sum(found.values()) > len(trees)


def test_the_stand_ins_find_the_xpaths_elements_on_benchmark_pages() -> None:
    _assert_same_on(_bench_trees(limit=30))


@pytest.mark.slow  # two whole benchmarks
def test_the_stand_ins_find_the_xpaths_elements_on_every_benchmark_page() -> None:
    _assert_same_on(_bench_trees())


def _assert_same_in_the_stage(pages: list[bytes], monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Runs the stage on ``pages`` with each stand-in checked against its XPath on every tree
    the stage gives it (candidate bodies after prunes, pages with hidden subtrees...)."""
    compared: Counter[str] = Counter()
    for key, stand_in in STAND_INS.items():
        matcher = stand_in.matcher

        def checked(
            tree: Any, key: Any = key, stand_in: InPython = stand_in, matcher: Any = matcher
        ) -> Any:
            found = matcher(tree)
            assert found == _expected(key, stand_in, tree), _name(key)
            compared[_name(key)] += 1
            return found

        monkeypatch.setattr(stand_in, "matcher", checked)
    stage = HtmlExtractor()
    for page in pages:
        stage(Document(text=page.decode("utf-8", "replace")))
    return compared


def test_the_stand_ins_find_the_xpaths_elements_in_the_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = _assert_same_in_the_stage(bench_pages(aeb_limit=6), monkeypatch)
    assert compared["OVERALL_DISCARD_XPATH[0]"] >= 6


@pytest.mark.slow  # two whole benchmarks through the stage
def test_the_stand_ins_find_the_xpaths_elements_in_the_stage_on_every_benchmark_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = _assert_same_in_the_stage(bench_pages(), monkeypatch)
    assert set(compared) == {_name(key) for key in STAND_INS}
