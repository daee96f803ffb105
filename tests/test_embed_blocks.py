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


def _page_between(block: str) -> str:
    """The article with ``block`` between its second and third paragraphs."""
    first, second, third = (f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    return (
        "<html><head><title>Wine for beginners</title></head><body><article>"
        f"<h1>Wine for beginners</h1>{first}{second}{block}{third}</article></body></html>"
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


def test_only_the_word_embed_goes() -> None:
    tree = parse_html(_page(f"<div class='w-embed embed faq-block'><p>{PARAGRAPHS[0]}</p></div>"))
    assert tree is not None
    assert keep_prose_embed_blocks(tree) == 1
    # A token that was the word alone goes with it.
    assert tree.xpath("//div[@class='w- faq-block']")


def test_a_sign_up_box_named_newsletter_embed_stays_out() -> None:
    # Before: removing the whole token "newsletter-embed" took its "newsletter" mark too,
    # and the sign-up box came out inside the article.
    pitch = (
        "Get the five stories that matter to wine lovers each week, with one bottle under"
        " twenty euros and a short note on why we chose it, straight to your inbox."
    )
    box = (
        "<div class='newsletter-embed'><h3>The Weekly Glass</h3>"
        f"<p>{pitch}</p><form><input type='email'><button>Sign up</button></form></div>"
    )
    tree = parse_html(_page(box))
    assert tree is not None
    assert keep_prose_embed_blocks(tree) == 0
    assert tree.xpath("//div[@class='newsletter-embed']")
    text = _extract(_page(box))
    assert pitch not in text
    assert "The Weekly Glass" not in text
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_only_the_word_embed_goes_from_a_token() -> None:
    # "embed" is cut out of each token; what remains of a token keeps its meaning.
    tree = parse_html(_page(f"<div class='faq-embed-block'><p>{PARAGRAPHS[1]}</p></div>"))
    assert tree is not None
    assert keep_prose_embed_blocks(tree) == 1
    assert tree.xpath("//div[@class='faq--block']")


def test_a_related_post_card_stays_out() -> None:
    # Before: the card lost its "embed" mark and its blurb came out between the article's
    # paragraphs. A teaser card (a picture and a linked title) has a blurb of prose length;
    # it is a link to another article, not this one's text.
    blurb = (
        "Five grapes from cool regions that beginners like at once, and the food each of them"
        " goes with best, from grilled fish to a simple mushroom risotto."
    )
    card = (
        "<div class='post-embed'><a href='/cool-reds'><img src='/reds.jpg' alt=''></a>"
        f"<h3><a href='/cool-reds'>Cool-climate reds to start with</a></h3><p>{blurb}</p></div>"
    )
    tree = parse_html(_page_between(card))
    assert tree is not None
    assert keep_prose_embed_blocks(tree) == 0
    text = _extract(_page_between(card))
    assert blurb not in text
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_a_profile_with_a_logo_and_a_plain_heading_is_extracted() -> None:
    # A review's company profile shows the company's logo beside its heading: a picture
    # alone does not make the block a teaser (tuning: a movers' review lost each profile).
    profile = (
        "A family firm that has moved households between the coast and the mountains for forty"
        " years, known for careful packing and for crews that arrive on the morning they promised."
    )
    block = (
        "<div class='mover-profile embed'><h2>Valley Movers</h2>"
        "<img src='/logo.png' alt='Valley Movers logo'>"
        f"<p>{profile}</p></div>"
    )
    text = _extract(_page(block))
    assert profile in text


def test_a_block_with_a_picture_and_a_heading_linked_to_itself_is_no_teaser_card() -> None:
    # Review: a key-points block whose heading links to its own anchor, beside a picture,
    # was taken for a related-post card and lost.
    block = (
        "<div class='w-embed key-points'><h2 id='tip'><a href='#tip'>Taste twice</a></h2>"
        "<img src='/glass.jpg' alt=''><p>Taste the wine twice: the first sip rinses the"
        " palate, and only the second tells you what the bottle really holds.</p></div>"
    )
    text = _extract(_page_between(block))
    assert "Taste twice" in text
    assert "only the second tells you" in text


def test_the_word_embedded_goes_whole() -> None:
    from cleaner.stages.embed_blocks import _without_embed

    assert _without_embed("embedded-note lead") == "-note lead"


def test_an_embed_block_that_swallowed_the_article_and_a_tracking_frame_is_extracted() -> None:
    # An embed block left unclosed takes the rest of the article into it, and with it the tag
    # manager's frame of the page's <noscript>: a frame nobody sees is no embedded player.
    rest = "".join(
        f"<h2>Part {number}</h2><p>{answer}</p>" for number, answer in enumerate(FAQ.values())
    )
    tracking = (
        "<noscript><iframe src='https://tags.example/ns.html?id=1' height='0' width='0'"
        " style='display:none;visibility:hidden'></iframe></noscript>"
    )
    text = _extract(
        _page(f"<div class='w-embed'><div class='scroller'>{rest}{tracking}</div></div>")
    )
    for answer in FAQ.values():
        assert answer in text
        assert text.count(answer) == 1


def test_a_hidden_or_zero_sized_frame_is_no_player_but_a_shown_one_is() -> None:
    for frame, kept in (
        ("<iframe src='https://tags.example/a' style='display: none'></iframe>", 1),
        ("<iframe src='https://tags.example/b' width='0' height='0'></iframe>", 1),
        ("<iframe src='https://player.example/c' width='640' height='360'></iframe>", 0),
        ("<iframe src='https://player.example/d' width='0' height='360'></iframe>", 0),
    ):
        tree = parse_html(_page(f"<div class='w-embed'><p>{PARAGRAPHS[0]}</p>{frame}</div>"))
        assert tree is not None
        assert keep_prose_embed_blocks(tree) == kept, frame
