"""Prose in blocks named "embed" (cleaner.stages.embed_blocks): trafilatura deletes every
block whose class contains "embed"; the extract stage keeps such a block when it holds the
article's prose, and leaves embedded players and social posts to the discard list."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.embed_blocks import keep_prose_embed_blocks
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html

PARAGRAPHS = [
    "A first bottle does not need to be expensive: a young red from a cool region, served a"
    " little below room temperature, shows most of what makes the grape interesting.",
    "Taste slowly. Look at the colour against a white sheet, smell the glass before and after"
    " swirling it, and notice how long the taste stays once you have swallowed.",
    "Keep notes, even short ones, because after a dozen bottles they show which regions and"
    " grapes you come back to, and that is the best guide for the next purchase.",
]
FAQ = {
    "Which glass should a beginner buy?": "One plain tulip-shaped glass serves red, white and"
    " sparkling wine well enough, and it is easier to wash than a set of special shapes.",
    "How long does an open bottle keep?": "Most still wines stay pleasant for two or three days"
    " with the cork back in and the bottle in the fridge, reds included.",
}


def _page(block: str) -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    return (
        "<html><head><title>Wine for beginners</title></head><body><article>"
        f"<h1>Wine for beginners</h1><div class='rich-text'>{body}{block}</div>"
        "</article></body></html>"
    )


def _faq_embed() -> str:
    """A Webflow custom-code block holding the article's FAQ."""
    items = "".join(
        f"<details><summary>{question}</summary><p>{answer}</p></details>"
        for question, answer in FAQ.items()
    )
    return f"<div class='w-embed w-script'><h2>Questions</h2>{items}</div>"


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_an_faq_in_an_embed_block_is_extracted() -> None:
    # Before: the answers went with the "w-embed" block.
    text = _extract(_page(_faq_embed()))
    for answer in FAQ.values():
        assert answer in text
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_a_pull_quote_styled_as_embed_is_extracted() -> None:
    quote = (
        "Start with what you like to drink, not with what a list says you should like, and"
        " the rest of the learning follows on its own."
    )
    text = _extract(_page(f"<div><p class='c-block-quote-embed-05'>{quote}</p></div>"))
    assert quote in text


def test_players_social_posts_and_link_lists_keep_their_embed_class() -> None:
    caption = (
        "A short film about the harvest in a small valley, with the growers explaining why"
        " they still pick every grape by hand."
    )
    tree = parse_html(
        _page(
            f"<div class='video-embed'><iframe src='https://player.example/1'></iframe>"
            f"<p>{caption}</p></div>"
            f"<div class='social-embed'><blockquote class='twitter-tweet'><p>{caption}</p>"
            "</blockquote></div>"
            "<div class='embed-links'><p><a href='/a'>Our guide to reds from cool regions,"
            " grape by grape and bottle by bottle, with prices</a></p></div>"
        )
    )
    assert tree is not None
    assert keep_prose_embed_blocks(tree) == 0
    assert len(tree.xpath("//*[contains(@class, 'embed')]")) == 3


def test_only_the_embed_tokens_go() -> None:
    tree = parse_html(_page(f"<div class='w-embed faq-block'><p>{PARAGRAPHS[0]}</p></div>"))
    assert tree is not None
    assert keep_prose_embed_blocks(tree) == 1
    assert tree.xpath("//div[@class='faq-block']")
