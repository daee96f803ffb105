"""Quotations set in figures (cleaner.stages.quote_figures): trafilatura deletes every
<figure>; the extract stage keeps a figure that holds a quotation and no picture (a
decorative avatar aside), and leaves image figures to trafilatura."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.quote_figures import open_quote_figures

PARAGRAPHS = [
    "Search has changed more in the last two years than in the ten before, and the people who"
    " do the work every day see the change from very different angles.",
    "We asked three of them what the next year holds, and what a small team should stop doing"
    " now that answers appear directly on the results page.",
]
QUOTES = {
    "Ana Ruiz, head of content": "Write for the reader who already knows the basics, because"
    " the summary at the top of the page now answers the beginner.",
    "Tom Berg, analyst": "Measure what visitors do after they arrive rather than how many"
    " arrive, since the traffic that remains is the traffic that decides.",
}


def _figure(speaker: str, quote: str, avatar: bool = True) -> str:
    picture = (
        "<div aria-hidden='true' class='avatar'><img src='/a.png' alt=''></div>" if avatar else ""
    )
    return (
        f"<figure class='quote'>{picture}<blockquote><p>{quote}</p></blockquote>"
        f"<figcaption>{speaker}</figcaption></figure>"
    )


def _page(figures: str) -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    return (
        "<html><head><title>Where search goes next</title></head><body><article>"
        f"<h1>Where search goes next</h1>{body}{figures}<p>{PARAGRAPHS[0]} Again.</p>"
        "</article></body></html>"
    )


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_quotations_in_figures_are_extracted_with_their_speakers() -> None:
    # Before: both quotations and speakers went with their figures.
    text = _extract(_page("".join(_figure(who, quote) for who, quote in QUOTES.items())))
    for who, quote in QUOTES.items():
        assert quote in text
        assert who in text


def test_image_figures_stay_figures() -> None:
    tree = parse_html(
        _page(
            "<figure><img src='/chart.png' alt='Share of clicks'><blockquote><p>A caption set as"
            " a quotation beside a chart of the share of clicks</p></blockquote></figure>"
            "<figure><img src='/team.jpg'><figcaption>The team at work</figcaption></figure>"
        )
    )
    assert tree is not None
    assert open_quote_figures(tree) == 0
    assert len(list(tree.iter("figure"))) == 2


def test_a_figure_with_a_short_blockquote_stays() -> None:
    tree = parse_html(_page("<figure><blockquote>Fast.</blockquote></figure>"))
    assert tree is not None
    assert open_quote_figures(tree) == 0


def test_a_pull_quote_repeating_the_article_is_not_printed_twice() -> None:
    # Before: the figure was opened and its sentence came out a second time, with its cite
    # line, after the paragraph that holds it.
    sentence = (
        "Pages that answer one question well still earn their visits, because the people who"
        " click through want more than the summary gave them."
    )
    said = f"<p>The analyst put it plainly: “{sentence}”</p>"
    pull = (
        f"<figure class='wp-block-pullquote'><blockquote><p>“{sentence.upper()}”</p>"
        "<cite>Tom Berg, analyst</cite></blockquote></figure>"
    )
    tree = parse_html(_page(said + pull))
    assert tree is not None
    assert open_quote_figures(tree) == 0
    text = _extract(_page(said + pull))
    assert text.casefold().count(sentence.casefold()) == 1
    assert "Tom Berg" not in text


def test_a_quotation_named_pull_quote_but_said_only_once_is_extracted() -> None:
    # A pull-quote class alone does not make a repetition: the quotation is the only place
    # the article holds these words.
    who, quote = next(iter(QUOTES.items()))
    figure = (
        f"<figure class='wp-block-pullquote'><blockquote><p>{quote}</p><cite>{who}</cite>"
        "</blockquote></figure>"
    )
    text = _extract(_page(figure))
    assert quote in text
    assert who in text


def test_a_copy_of_the_article_in_a_script_does_not_make_a_quotation_repeated() -> None:
    # JSON-LD's articleBody holds the whole article, quotations included; a reader never
    # sees it.
    who, quote = next(iter(QUOTES.items()))
    script = f'<script type="application/ld+json">{{"articleBody": "{quote}"}}</script>'
    tree = parse_html(_page(script + _figure(who, quote)))
    assert tree is not None
    assert open_quote_figures(tree) == 1


def test_a_quotation_in_two_paragraphs_said_once_is_extracted() -> None:
    # The page's text and the figure's are joined the same way: a paragraph break inside
    # the quotation does not make it look repeated.
    first, second = QUOTES.values()
    figure = (
        f"<figure class='pull-quote'><blockquote><p>{first}</p><p>{second}</p>"
        "<!-- speaker --><footer>Two analysts</footer></blockquote></figure>"
    )
    tree = parse_html(_page(figure))
    assert tree is not None
    assert open_quote_figures(tree) == 1


def test_a_pull_quote_of_a_sentence_with_a_link_or_cut_short_is_still_a_repeat() -> None:
    # Review: the article's sentence had a link inside it ('the source , want' once text
    # pieces were joined with spaces), or the pull quote ended early at an ellipsis.
    said = (
        "<p>Readers who click through to <a href='/s'>the source</a>, want more than the"
        " summary gave them, and they stay longer than anyone expected.</p>"
    )
    linked = (
        "<figure class='wp-block-pullquote'><blockquote><p>Readers who click through to the"
        " source, want more than the summary gave them</p></blockquote></figure>"
    )
    cut = (
        "<figure class='wp-block-pullquote'><blockquote><p>“Readers who click through to the"
        " source, want more than the summary…”</p></blockquote></figure>"
    )
    for pull in (linked, cut):
        tree = parse_html(_page(said + pull))
        assert tree is not None
        assert open_quote_figures(tree) == 0


def test_a_quotation_repeated_only_in_a_sidebar_is_extracted() -> None:
    # Review: a 'quote of the week' box beside the article made the round-up's quotation
    # look repeated, and it was lost with its speaker.
    who, quote = next(iter(QUOTES.items()))
    sidebar = f"<aside class='sidebar'><h3>Quote of the week</h3><p>{quote}</p></aside>"
    html = _page(_figure(who, quote)).replace("</article>", f"</article>{sidebar}")
    tree = parse_html(html)
    assert tree is not None
    assert open_quote_figures(tree) == 1
    text = _extract(html)
    assert quote in text
    assert who in text
