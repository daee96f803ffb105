"""A line of extraction that flattens a block structure of the page (cleaner.stages.collapsed_lines)
is given back as its blocks; a long paragraph that is one block in the page is left alone."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml.html import fromstring  # type: ignore[import-untyped]

from cleaner.document import Document
from cleaner.stages import collapsed_lines
from cleaner.stages.collapsed_lines import (
    LONG_LINE_CHARS,
    SqueezedText,
    block_lines,
    has_long_line,
    keeps_the_prose,
    unfold_long_lines,
)
from cleaner.stages.extract import ExtractStage

REPO = Path(__file__).resolve().parents[1]
WCXB = REPO / ".." / "shared" / "bench" / "wcxb-dev"

SHOWS = [
    (
        f"Show {n}",
        f"Episode after episode, show number {n} walks through how a small team rebuilt its"
        " billing system, what broke on the way, and which habits kept the release calm. The"
        " hosts ask plain questions and let their guests finish their answers.",
    )
    for n in range(14)
]


def _page(article: str, title: str = "Fourteen podcasts engineers like") -> str:
    return f"<html><head><title>{title}</title></head><body>{article}</body></html>"


# The shape of a real page (WCXB 4377): a menu list left open in the header swallows the
# whole <main>, so trafilatura's extractor, which drops navigation, finds nothing, and its
# baseline takes the <article> as one paragraph.
SWALLOWED_BY_MENU = _page(
    '<header><nav><div class="menu"><ul class="menu-items"><li><a href="/">Home</a></li>'
    '<li><a href="/news">News</a></li><main><article class="post">'
    "<h1>Fourteen podcasts engineers like</h1>"
    '<div class="share"><a href="#">Share</a> <a href="#">Tweet</a></div>'
    + "".join(f"<h2>{name}</h2>\n<p>{text}</p>\n" for name, text in SHOWS)
    + '<div class="newsletter">Sign up for our newsletter</div>'
    "</article></main></div></nav></header>"
)


def _extract(html: str) -> Document:
    return ExtractStage()(Document(html, {"format": "html"}))


def test_an_article_flattened_into_one_line_comes_back_as_its_blocks() -> None:
    doc = _extract(SWALLOWED_BY_MENU)
    lines = doc.text.splitlines()
    assert max(map(len, lines)) < 300
    assert doc.metadata["lines_unfolded"] == 1
    for name, text in SHOWS:
        assert name in lines
        assert text in lines
    # The article extracted on its own: trafilatura's usual pruning drops the share bar and
    # the newsletter box that the flattened line held.
    assert "Tweet" not in doc.text
    assert "newsletter" not in doc.text


def test_without_an_extraction_the_blocks_replace_the_line() -> None:
    tree = fromstring(SWALLOWED_BY_MENU)
    article = tree.find(".//article")
    flat = " ".join(article.text_content().split())
    text, unfolded = unfold_long_lines(tree, f"Fourteen podcasts\n{flat}")
    assert unfolded == 1
    lines = text.split("\n")
    assert lines[:4] == [
        "Fourteen podcasts",
        "Fourteen podcasts engineers like",
        "Share Tweet",
        "Show 0",
    ]
    assert "Sign up for our newsletter" in lines
    assert all(text in lines for _, text in SHOWS)


def test_an_extraction_that_loses_sentences_does_not_replace_the_blocks() -> None:
    blocks = ["Home", "Share", *(text for _, text in SHOWS)]
    assert keeps_the_prose(blocks, [text for _, text in SHOWS])
    assert not keeps_the_prose(blocks, [text for _, text in SHOWS[:10]])


def test_a_long_legal_clause_in_one_paragraph_is_left_alone() -> None:
    clause = (
        "The licensee shall indemnify and hold harmless the licensor, its officers, directors,"
        " employees and agents from and against any and all claims, losses, damages,"
        " liabilities, costs and expenses, including reasonable attorneys' fees, arising out"
        " of or relating to the licensee's use of the licensed materials, "
    ) * 8 + "except as expressly provided in section 12 of this agreement."
    assert len(clause) > LONG_LINE_CHARS
    intro = "This agreement governs the use of the licensed materials by the licensee."
    doc = _extract(_page(f"<article><h1>Licence</h1><p>{intro}</p><p>{clause}</p></article>"))
    assert clause in doc.text.splitlines()
    assert "lines_unfolded" not in doc.metadata


def test_a_poem_without_breaks_and_inline_markup_is_left_alone() -> None:
    verses = " ".join(
        f"the <em>river</em> keeps the <span>{word}</span> of the morning and carries it down"
        for word in ("colour", "silence", "weight", "warmth", "shadow", "name") * 6
    )
    poem = f'<article><h1>River</h1><div class="poem">{verses}</div></article>'
    doc = _extract(_page(poem, "River"))
    flat = " ".join(re.sub(r"<[^>]+>", "", verses).split())
    assert len(flat) > LONG_LINE_CHARS
    assert flat in doc.text.splitlines()
    assert "lines_unfolded" not in doc.metadata


def test_cjk_prose_without_spaces_is_left_alone() -> None:
    prose = "川の流れは絶えずして、しかももとの水にあらず。よどみに浮かぶうたかたは、" * 70
    assert len(prose) > LONG_LINE_CHARS
    doc = _extract(_page(f"<article><h1>方丈</h1><p>{prose}</p></article>", "方丈"))
    assert prose in doc.text.splitlines()
    assert "lines_unfolded" not in doc.metadata


def test_a_long_line_whose_element_is_a_bigger_container_is_left_alone() -> None:
    # The line is a part of the element holding its start and end: rewriting the element
    # would add text the extraction left out, so the line stays.
    parts = [f"Paragraph {n} of a long article on municipal water pricing. " * 6 for n in range(30)]
    tree = fromstring(_page("<div>" + "".join(f"<p>{part}</p>" for part in parts) + "</div>"))
    line = " ".join(parts[3:12])
    assert len(line) > LONG_LINE_CHARS
    assert unfold_long_lines(tree, line) == (line, 0)


def test_outputs_without_a_long_line_cost_one_check() -> None:
    assert not has_long_line("short\n" * 1000)
    assert has_long_line("x" * (LONG_LINE_CHARS + 1))
    tree = fromstring(SWALLOWED_BY_MENU)
    assert unfold_long_lines(tree, "a line\nanother line") == ("a line\nanother line", 0)


def test_blocks_are_paragraphs_list_items_table_rows_and_breaks() -> None:
    element = fromstring(
        "<div><p>One <a>link</a>, then text.</p><ul><li>first</li><li>second</li></ul>"
        "<table><tr><th>Plan</th><th>Cost</th></tr><tr><td>Basic</td><td>$5</td></tr></table>"
        "verse one<br>verse two<button>Buy</button><nav>Home</nav>"
        '<div style="display: none">hidden</div></div>'
    )
    assert block_lines(element) == [
        "One link, then text.",
        "- first",
        "- second",
        "| Plan | Cost |",
        "| Basic | $5 |",
        "verse one",
        "verse two",
    ]


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


@pytest.mark.parametrize("key", ["4267", "4708", "4858"])
def test_wcxb_pages_flattened_by_the_baseline_come_back_as_lines(key: str) -> None:
    # Tuning pages whose extraction was the page's article (chrome and all) on one line of
    # 12,763 to 39,666 characters; the text is the same words, now one block a line.
    html = gzip.decompress((WCXB / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
    gold = json.loads((WCXB / "ground-truth" / f"{key}.json").read_text())["ground_truth"]
    doc = _extract(html)
    assert doc.metadata["lines_unfolded"] >= 1
    assert max(map(len, doc.text.splitlines())) < LONG_LINE_CHARS
    gold_words = _words(gold["main_content"])
    kept = sum((gold_words & _words(doc.text)).values())
    assert kept > 0.95 * sum(gold_words.values())


def _swallowed_with(extra: str) -> str:
    return _page(
        '<header><nav><div class="menu"><ul class="menu-items"><li><a href="/">Home</a></li>'
        '<li><a href="/news">News</a></li><main><article class="post">'
        "<h1>Fourteen podcasts engineers like</h1>"
        + "".join(f"<h2>{name}</h2>\n<p>{text}</p>\n" for name, text in SHOWS[:7])
        + extra
        + "".join(f"<h2>{name}</h2>\n<p>{text}</p>\n" for name, text in SHOWS[7:])
        + "</article></main></div></nav></header>"
    )


@pytest.mark.parametrize(
    "inline",
    [
        "<math><mi>x</mi><mo>=</mo><mn>42</mn></math>",
        "<label>x=42</label>",
    ],
)
def test_inline_formula_and_label_text_stays_in_its_sentence(inline: str) -> None:
    html = _swallowed_with(f"<p>The price is {inline} dollars per month.</p>")
    sentence = "The price is x=42 dollars per month."
    doc = _extract(html)
    assert doc.metadata["lines_unfolded"] == 1
    assert sentence in doc.text.splitlines()
    tree = fromstring(html)
    flat = " ".join(tree.find(".//article").text_content().split())
    text, unfolded = unfold_long_lines(tree, flat)
    assert unfolded == 1
    assert sentence in text.split("\n")


def test_a_rewrite_that_loses_words_of_the_line_leaves_it_alone() -> None:
    # Text the blocks skip inside a sentence (a form field's words) is in the baseline's line:
    # 40 words of the line's sentences would vanish, so the line stays.
    words = " ".join(f"option{n}" for n in range(40))
    html = _swallowed_with(f"<p>Pick one of <textarea>{words}</textarea> for your team.</p>")
    tree = fromstring(html)
    flat = " ".join(tree.find(".//article").text_content().split())
    assert words in flat
    assert unfold_long_lines(tree, flat) == (flat, 0)


def test_the_squeezed_page_text_gives_each_element_its_own_text() -> None:
    tree = fromstring(
        SWALLOWED_BY_MENU.replace("<h2>", "<!-- a comment --><h2>").replace(
            "Show 3", "Show&nbsp;3 &amp; friends"
        )
    )
    body = tree.find("body")
    page = SqueezedText(body)
    for element in body.iter():
        if isinstance(element.tag, str):
            start, end = page.spans[element]
            assert page.text[start:end] == "".join(element.text_content().split())


def test_a_deeply_nested_long_paragraph_is_read_once_not_once_per_level(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A legitimate 3,600-character paragraph, 250 <div>s deep, beside 100 others, ten times:
    # each long line is located in one pass over the page's text, not one per level (the
    # page's text was squeezed again at every step down: 62 s for a 1.2 MB page).
    sentence = "The council met to vote on the budget for the coming year. "
    short, long = sentence * 20, sentence * 60
    html = (
        "<html><body>" + "<div>" * 250
        + ("".join(f"<p>{short}</p>" for _ in range(100)) + f"<p>{long}</p>") * 10
        + "</div>" * 250 + "</body></html>"
    )  # fmt: skip
    tree = fromstring(html)
    text = "\n".join(([" ".join(short.split())] * 100 + [" ".join(long.split())]) * 10)
    page_chars = len(tree.text_content())
    squeezed_chars = 0
    squeezed = collapsed_lines._squeezed

    def counting(text: str) -> str:
        nonlocal squeezed_chars
        squeezed_chars += len(text)
        return squeezed(text)

    monkeypatch.setattr(collapsed_lines, "_squeezed", counting)
    assert unfold_long_lines(tree, text) == (text, 0)
    # The page once, and the ten lines themselves (and their blocks) a few times each.
    assert squeezed_chars < 2 * page_chars
