"""extract: trafilatura plus the joins, fallbacks and title handling around it."""

from __future__ import annotations

import gzip
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from lxml.html import tostring
from trafilatura.utils import load_html

from cleaner.document import Document
from cleaner.pipeline import Pipeline, PipelineConfig
from cleaner.stages.extract import ExtractStage, looks_like_html
from cleaner.stages.html_extraction import (
    HtmlExtractor,
    is_complete,
    parse_html,
    prose_chars,
    readability_may_replace,
    text_runs,
    without_title_line,
)
from cleaner.stages.split_bodies import (
    _BODY_CONTAINERS,
    ContainerTest,
    body_containers,
    container_test,
    join_split_bodies,
)

REPO = Path(__file__).resolve().parents[1]
AEB = REPO / ".." / "shared" / "bench" / "aeb"

PARAGRAPH = (
    "The council voted on Tuesday to extend the tram line to the harbour, a plan that has "
    "been debated for more than a decade and that residents say will change the district."
)


def _page(body: str, title: str = "Council backs tram extension") -> str:
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>{body}"
        "<footer>Contact us | Privacy</footer></body></html>"
    )


def _chunk(n: int) -> str:
    return (
        '<div class="grid"><div class="article__body">'
        + "".join(f"<p>Part {n} paragraph {i}. {PARAGRAPH}</p>" for i in range(3))
        + '</div></div><div class="ad">Advertisement</div>'
    )


def test_plain_text_passes_through() -> None:
    doc = Document("Just a line of text.\n", {"format": "text"})
    assert ExtractStage()(doc) is doc


@pytest.mark.parametrize(
    "page",
    [
        # A CDN's script loader ahead of the <html> tag (WCXB page 0252 opens so); the body's
        # tags come after the first 2 kB.
        '<script type="x-text/javascript">var source = "Direct";\n'
        + "// fill the form fields\n" * 80
        + "</script>\n<html><head><title>Tours</title>"
        + '<meta name="description" content="Guided tours">' * 4
        + f"</head><body><article><p>{PARAGRAPH}</p></article></body></html>",
        "<style>p { margin: 0 }</style>\n<html><head>"
        + '<link rel="preload" href="/fonts/serif.woff2" as="font">\n' * 40
        + f"</head><body><p>{PARAGRAPH}</p></body></html>",
    ],
)
def test_a_page_opening_with_a_script_or_style_is_html(page: str) -> None:
    assert looks_like_html(page)
    out = ExtractStage()(Document(page))
    assert out.metadata["format"] == "html" and PARAGRAPH in out.text and "<" not in out.text


@pytest.mark.parametrize(
    "text",
    [
        "<3 to everyone who came to the bake sale on Saturday.\nWe raised $400.",
        "<b>Note:</b> the head of the council, <i>not</i> the mayor, spoke first.",
    ],
)
def test_text_opening_with_a_tag_but_no_page_tags_stays_text(text: str) -> None:
    assert not looks_like_html(text)


def test_split_article_body_is_joined() -> None:
    html = _page('<article><div class="chunks">' + _chunk(1) + _chunk(2) + "</div></article>")
    tree = load_html(html)
    assert join_split_bodies(tree) == 2
    text = ExtractStage()(Document(html, {"format": "html"})).text
    assert "Part 1 paragraph 0" in text and "Part 2 paragraph 2" in text


def test_join_can_be_turned_off() -> None:
    html = _page('<article><div class="chunks">' + _chunk(1) + _chunk(2) + "</div></article>")
    text = ExtractStage(join_split_bodies=False)(Document(html, {"format": "html"})).text
    assert "Part 1 paragraph 0" in text and "Part 2 paragraph 0" not in text


def test_distant_containers_with_the_same_class_are_not_joined() -> None:
    teaser = (
        '<aside><div><div class="article__body"><p>Another story teaser.</p></div></div></aside>'
    )
    html = _page(
        '<main><div><div class="article__body"><p>' + PARAGRAPH + "</p></div></div></main>" + teaser
    )
    assert join_split_bodies(load_html(html)) == 0


def test_title_line_is_dropped_and_kept_in_metadata() -> None:
    html = _page(
        f"<article><h1>Council backs tram extension</h1><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></article>"
    )
    doc = ExtractStage(title_line=False)(Document(html, {"format": "html"}))
    assert not doc.text.startswith("Council backs")
    assert doc.metadata["title"] == "Council backs tram extension"
    kept = ExtractStage(drop_title_line=False, title_line=False)(Document(html, {"format": "html"}))
    assert kept.text.startswith("Council backs tram extension")
    # By default the title opens the text, once.
    default = ExtractStage()(Document(html, {"format": "html"}))
    assert default.text.startswith("Council backs tram extension\n\nThe council voted")
    assert default.text.count("Council backs") == 1


def test_without_title_line() -> None:
    assert without_title_line("Title\nBody.", "Title") == "Body."
    assert without_title_line("Title\nBody.", "Title | Site") == "Body."
    assert without_title_line("Title goes on\nBody.", "Title") == "Title goes on\nBody."
    assert without_title_line("Title", "Title") == "Title"  # never empties a text


def test_empty_page_warns() -> None:
    html = "<!doctype html><html><head><title>Nothing</title></head><body></body></html>"
    doc = ExtractStage()(Document(html, {"format": "html"}))
    assert doc.text == ""
    assert doc.metadata["warnings"]


def _aeb_pipeline() -> Pipeline:
    config = PipelineConfig.load().without(["repair", "grammar"])
    # The stage's own defaults (favor_precision and the repairs around it), on the article
    # body: AEB's gold has no headline, which the default text output opens with.
    body = {"title_line": False}
    return Pipeline(replace(config, options={**config.options, "extract": body}))


@pytest.mark.skipif(not AEB.exists(), reason="AEB data not present")
def test_cleaner_reaches_target_on_the_benchmark() -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from aeb_score import score

    truth = json.loads((AEB / "ground-truth.json").read_text())
    pipeline = _aeb_pipeline()
    predictions = {
        key: pipeline.clean_bytes(
            gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes()), {"format": "html"}
        ).text
        for key in truth
    }
    result = score({k: v["articleBody"] for k, v in truth.items()}, predictions)
    assert result.f1 >= 0.975, result


def test_precision_fallback_takes_the_balanced_output_only_when_article_sized() -> None:
    # A page whose article sits in a plain <div> among link lists: precision mode may prune it.
    body = "".join(f"<div>{PARAGRAPH} Sentence {i} adds detail.</div>" for i in range(8))
    doc = ExtractStage()(Document(_page(body), {"format": "html"}))
    assert "Sentence 7 adds detail" in doc.text


def _benchmark_pages() -> list[str]:
    pages = sorted((AEB / "html").glob("*.html.gz"))
    assert pages, f"no benchmark pages under {AEB / 'html'}"
    return [gzip.decompress(p.read_bytes()).decode("utf-8", "replace") for p in pages]


def test_body_container_test_is_translated_and_agrees_with_the_xpath() -> None:
    # If trafilatura's expression changes shape, the translation gives up (and the XPath
    # is used): this test says so rather than letting the speed-up vanish unnoticed.
    assert isinstance(body_containers, ContainerTest)
    found = 0
    for page in _benchmark_pages():
        tree = load_html(page)
        expected = _BODY_CONTAINERS(tree)
        assert body_containers(tree) == expected
        found += len(expected)
    assert found > 100


def test_a_body_container_answer_is_remembered_per_attribute_not_per_value() -> None:
    # The test remembers each attribute value's answer within a page: "articleContent" is a
    # body container's id but not its class, and the second name may not borrow the first's.
    tree = load_html(
        "<html><body><div id='articleContent'><p>a</p></div><div class='articleContent'>"
        "<p>b</p></div><div id='articleContent'><p>c</p></div><section class='post'>d</section>"
        "<span class='post'>e</span></body></html>"
    )
    expected = _BODY_CONTAINERS(tree)
    assert [element.text_content() for element in expected] == ["a", "c", "d"]
    assert body_containers(tree) == expected


def test_a_complete_fast_precise_run_is_the_full_precise_run() -> None:
    # The stage skips trafilatura's readability/jusText comparison when the fast output is
    # complete; on every page where it does, the full run must give the same text.
    stage = HtmlExtractor()
    skipped = 0
    pages = _benchmark_pages()
    for page in pages:
        tree = parse_html(page)
        assert tree is not None
        fast = stage._run(tree, None, True, False, fast=True)
        if is_complete(fast, prose_chars(tree)) and is_complete(
            fast, sum(map(len, text_runs(tree)))
        ):
            skipped += 1
            assert fast["text"] == stage._run(tree, None, True, False)["text"]
    assert skipped > len(pages) / 2


def _article_page(paragraphs: int) -> str:
    return _page(
        "<article>"
        + "".join(f"<p>Paragraph {i}. {PARAGRAPH}</p>" for i in range(paragraphs))
        + "</article>"
    )


def test_readability_may_replace_a_short_output_or_one_it_outgrows_only() -> None:
    stage = HtmlExtractor()
    tree = parse_html(_article_page(12))
    assert tree is not None
    fast = stage._run(tree, None, True, False, fast=True)
    assert len(fast["text"]) > 12 * len(PARAGRAPH)
    # readability finds the same article: the full run could not replace the fast output
    assert not readability_may_replace(tree, fast)
    # an output of a third of the article, well-formed and long enough: readability, at three
    # times its length, would replace it
    third = "\n".join(fast["text"].splitlines()[:4])
    assert len(third) >= 500
    assert readability_may_replace(tree, {**fast, "text": third})
    # a short output may be replaced by jusText whatever readability finds
    assert readability_may_replace(tree, {**fast, "text": PARAGRAPH})
    # the probe reads a copy: the tree the stage extracts from is left as it was
    before = tostring(tree)
    readability_may_replace(tree, fast)
    assert tostring(tree) == before


@pytest.mark.slow  # a whole benchmark
def test_the_full_precise_run_is_skipped_only_where_it_gives_the_fast_output_back() -> None:
    # An incomplete fast output that readability does not outgrow skips the full run: on
    # every page where it does, the full run must give the same text; where readability does
    # outgrow it, the full run is done and replaces it on some pages.
    stage = HtmlExtractor()
    skipped = replaced = 0
    for page in _benchmark_pages():
        tree = parse_html(page)
        assert tree is not None
        fast = stage._run(tree, None, True, False, fast=True)
        if is_complete(fast, prose_chars(tree)) and is_complete(
            fast, sum(map(len, text_runs(tree)))
        ):
            continue
        full = stage._run(tree, None, True, False).get("text")
        if readability_may_replace(tree, fast):
            replaced += full != fast.get("text")
        else:
            skipped += 1
            assert full == fast["text"]
    assert skipped >= 20
    assert replaced >= 3


def test_text_runs_count_long_prose_outside_paragraphs_only() -> None:
    tree = parse_html(
        "<html><body><div>" + PARAGRAPH + "</div><p>Short one.</p>"
        "<script>var x = '" + "y" * 200 + "';</script><ul><li><a>Home</a></li></ul></body></html>"
    )
    assert tree is not None
    assert text_runs(tree) == [PARAGRAPH]


def test_container_test_refuses_an_expression_it_does_not_understand() -> None:
    assert container_test(".//*[self::div][@class='post'][1]") is not None
    assert container_test(".//*[self::div][@class='post' and @id='x'][1]") is None
    assert container_test(".//*[self::div][contains(@class, 'post')][1]") is None
    assert container_test(".//div[@class='post'][1]") is None


def test_parse_html_builds_the_tree_trafilatura_builds() -> None:
    for page in _benchmark_pages():
        ours = parse_html(page)
        assert ours is not None
        assert tostring(ours) == tostring(load_html(page))
    for odd in (
        "plain words",
        "<p>one block</p>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
    ):
        theirs = load_html(odd)
        ours = parse_html(odd)
        assert (ours is None) == (theirs is None), odd
        if ours is not None:
            assert tostring(ours) == tostring(theirs)
