"""The page's metadata: the JSON-LD reader gives trafilatura's values, and the date search
keeps what it finds."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SHARED
from lxml.html import HtmlElement, fromstring
from trafilatura.metadata import JSON_MINIFY, examine_meta, extract_meta_json

from cleaner.stages.html_parsing import parse_html
from cleaner.stages.page_metadata import (
    head_metas,
    json_ld_scripts,
    minified_json,
    normalized_json,
    page_metadata,
    with_json_ld,
)

AEB_HTML = SHARED / "bench" / "aeb" / "html"


def values(found: Any) -> dict[str, Any]:
    """trafilatura's metadata Document as plain values (its trees left out)."""
    return {name: getattr(found, name) for name in found.__slots__ if "body" not in name}


def page(*scripts: str, kind: str = "application/ld+json") -> HtmlElement:
    tags = "".join(f'<script type="{kind}">{script}</script>' for script in scripts)
    return fromstring(f"<html><head>{tags}</head><body><p>Text.</p></body></html>")


JSON_LD_CASES = {
    "spaced": '{ "@context" : "https://schema.org",\n "@type": "NewsArticle",\n'
    '  "headline" : "Rain  in\\tSpain ",\n "author": {"@type": "Person", "name": "Ann Lee"}}',
    "graph": '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name":'
    ' "Daily Post"}, {"@type": "Article", "headline": "A &amp; B <b>bold</b>",'
    ' "publisher": {"@type": "Organization", "name": "Daily Post Ltd"}}]}',
    "escapes": '{"@context": "https://schema.org", "@type": "Article", "headline":'
    ' "Caf\\u00e9 \\ud83d\\ude00 \\ud800 lone \\n line", "author": {"name": "Jos\\u00e9 Diaz"}}',
    "invalid json": '{"@context": "https://schema.org", "@type": "Article", "headline":'
    ' "Broken "quote" here", "author": {"name": "Mary Ann Smith"}, "publisher": "Site"',
    "lone quote": '{"@context": "https://schema.org", "headline": "x"} " trailing',
    "whitespace only": " \n ",
}


@pytest.mark.parametrize("script", JSON_LD_CASES.values(), ids=JSON_LD_CASES.keys())
def test_json_ld_gives_trafilaturas_values(script: str) -> None:
    tree = page(script)
    assert values(with_json_ld(tree, examine_meta(tree))) == values(
        extract_meta_json(tree, examine_meta(tree))
    )


def test_settings_json_and_several_scripts_are_read_in_order() -> None:
    first = '{"@context": "https://schema.org", "@type": "Article", "headline": "First one"}'
    second = '{"@context": "https://schema.org", "@type": "Article", "headline": "Second"}'
    for tree in (page(first, second), page(first, kind="application/settings+json")):
        ours = values(with_json_ld(tree, examine_meta(tree)))
        assert ours == values(extract_meta_json(tree, examine_meta(tree)))
        assert ours["title"] == "First one"


@pytest.mark.parametrize(
    "text",
    [
        '{ "a" : "x y" ,\n "b": [1, 2] }',
        '{"a": "say \\"hi\\" there", "b": "back\\\\"  , "c": 1}',
        '{"a": "open string with no end  ',
        '{"a": "backslash at the end \\',
        '{"a": "backslash before a line break \\\n  then more" , "b" : 2}',
        '" lone " quotes "  here',
        '{"a": "tab\tinside", "b":\t"\u00e9  x"}',
        "",
    ],
)
def test_the_minifier_is_trafilaturas(text: str) -> None:
    assert minified_json(text) == JSON_MINIFY.sub(r"\1", text)


def test_the_minifier_is_trafilaturas_on_every_aeb_page() -> None:
    for name, tree in aeb_trees():
        for script in json_ld_scripts(tree):
            if script.text:
                assert minified_json(script.text) == JSON_MINIFY.sub(r"\1", script.text), name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a":"x\\ny"}', '{"a":"xy"}'),
        ('{"a":"\\u00e9\\ud800"}', '{"a":"é"}'),
        ('{"a":"&amp; <i>b</i>\\\\"}', '{"a":"& b\\\\"}'),
        ('{"a":"&amp;  <i>b</i>"}', '{"a":"&amp; b"}'),  # no backslash: entities stay
    ],
)
def test_normalized_json(text: str, expected: str) -> None:
    assert normalized_json(text) == expected


def aeb_trees() -> Iterator[tuple[str, HtmlElement]]:
    paths = sorted(AEB_HTML.glob("*.html.gz"))
    if len(paths) < 180:
        pytest.fail(f"shared benchmark missing: {AEB_HTML} (../shared must sit beside the repo)")
    for path in paths:
        tree = parse_html(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
        if tree is not None:
            yield path.name, tree


def test_json_ld_gives_trafilaturas_values_on_every_aeb_page() -> None:
    pages_with_json_ld = 0
    for name, tree in aeb_trees():
        ours = values(with_json_ld(tree, examine_meta(tree)))
        assert ours == values(extract_meta_json(tree, examine_meta(tree))), name
        pages_with_json_ld += ours != values(examine_meta(tree))
    assert pages_with_json_ld >= 50


# The scripts trafilatura's extract_meta_json reads (metadata.py).
TRAFILATURAS_JSON_LD_SCRIPTS = (
    './/script[@type="application/ld+json" or @type="application/settings+json"]'
)


def test_the_json_ld_scripts_are_those_of_trafilaturas_xpath() -> None:
    html = (
        "<html><head><script type='application/ld+json'>{}</script>"
        "<script type='Application/LD+JSON'>{}</script><script>var a;</script></head>"
        "<body><div><script type='application/settings+json'>{}</script></div>"
        "<script type=' application/ld+json'>{}</script><p>Text.</p>"
        "<script type='application/ld+json' class='late'>{}</script></body></html>"
    )
    tree = fromstring(html)
    assert json_ld_scripts(tree) == tree.xpath(TRAFILATURAS_JSON_LD_SCRIPTS)
    assert len(json_ld_scripts(tree)) == 3
    script = tree.find(".//script")
    assert json_ld_scripts(script) == script.xpath(TRAFILATURAS_JSON_LD_SCRIPTS) == []
    for name, tree in aeb_trees():
        assert json_ld_scripts(tree) == tree.xpath(TRAFILATURAS_JSON_LD_SCRIPTS), name


def test_the_head_metas_give_trafilaturas_meta_values_on_every_aeb_page() -> None:
    for name, tree in aeb_trees():
        assert values(examine_meta(head_metas(tree))) == values(examine_meta(tree)), name


def test_the_head_metas_are_those_of_every_head_the_parser_keeps() -> None:
    """A <head> written after the body is read; one inside the body is not a <head> once
    parsed (libxml2 drops the tag), and its <meta> is no head meta for trafilatura either."""
    html = (
        "<html><body><p>Text.</p><div><head><meta name='author' content='Not Read'></head>"
        "</div></body><head><meta property='og:title' content='Late head'>"
        "<meta name='author' content='Ann Lee'><title>T</title></head></html>"
    )
    tree = parse_html(html)
    assert tree is not None
    ours = values(examine_meta(head_metas(tree)))
    assert ours == values(examine_meta(tree))
    assert (ours["title"], ours["author"]) == ("Late head", "Ann Lee")


def test_a_date_only_in_the_text_is_found() -> None:
    """No date tag, no JSON-LD, no dated URL: the date written in the page's text is kept."""
    html = (
        "<html><head><title>Rain in Spain</title></head><body><article><h1>Rain in Spain</h1>"
        '<p class="byline">Posted on 2021-03-14 by Ann Lee</p><p>It rained a lot.</p>'
        "</article></body></html>"
    )
    assert page_metadata(fromstring(html), None)["date"] == "2021-03-14"


def test_a_date_in_the_meta_tags_wins() -> None:
    html = (
        '<html><head><meta property="article:published_time" content="2020-01-02T10:00:00Z">'
        "</head><body><p>Posted on 2021-03-14</p></body></html>"
    )
    assert page_metadata(fromstring(html), None)["date"] == "2020-01-02"


def test_html_escaped_json_ld_values_come_out_decoded() -> None:
    """Sites write JSON-LD strings HTML-escaped; the parser decodes a meta tag's attribute but
    not a script's text, so without the decoding the site name read "Camels &amp; Chocolate"."""
    script = (
        '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name":'
        ' "Camels &amp; Chocolate"}, {"@type": "Article", "headline": "Ann&#039;s &#x201C;best&#x201D; trip",'
        ' "author": {"@type": "Person", "name": "Ann Lee"}}]}'
    )
    found = page_metadata(page(script), None)
    assert found["sitename"] == "Camels & Chocolate"
    assert found["title"] == "Ann's \u201cbest\u201d trip"
    assert found["author"] == "Ann Lee"


def test_a_meta_tag_value_is_decoded_once_only() -> None:
    """An attribute already decoded by the parser keeps the reference its text shows (a page
    about HTML writes "&amp;amp;" to show "&amp;")."""
    html = (
        '<html><head><meta property="og:site_name" content="Tips &amp;amp; Tricks">'
        '<meta property="og:title" content="What &amp;lt;p&amp;gt; means"></head>'
        "<body><p>Text.</p></body></html>"
    )
    found = page_metadata(fromstring(html), None)
    assert (found["sitename"], found["title"]) == ("Tips &amp; Tricks", "What &lt;p&gt; means")


def test_json_ld_references_are_decoded_only_when_complete() -> None:
    """A script holding a JSON escape was decoded by trafilatura already; a reference left in
    it was escaped twice by the site, for a headline the page shows as "How to write <br>".
    A name without its ";" is text ("&not Pepper"), as a browser shows it."""
    escaped = (
        '{"@context": "https:\\/\\/schema.org", "@type": "Article",'
        ' "headline": "How to write &amp;lt;br&amp;gt; in HTML"}'
    )
    assert page_metadata(page(escaped), None)["title"] == "How to write <br> in HTML"
    plain = (
        '{"@context": "https://schema.org", "@type": "Article",'
        ' "headline": "Salt &not Pepper &amp; Fish &copy Chips &notation; &#8217;"}'
    )
    assert page_metadata(page(plain), None)["title"] == (
        "Salt &not Pepper & Fish &copy Chips &notation; \u2019"
    )
