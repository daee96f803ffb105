"""The text after an image wrapper or an empty anchor (cleaner.stages.media_tails):
trafilatura's precise mode deletes an element its cleaning emptied together with the text
that follows it; the extract stage keeps that text, and leaves a caption written the same way
to the pruning."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.media_tails import keep_media_tails

IMAGE = (
    "<span class='lazy' style='display:block'><img alt='A road' src='a.jpg'>"
    "<noscript><img alt='A road' src='a.jpg'></noscript></span>"
)
SECTIONS = [
    (
        "Renting a car",
        "Renting a car gives you the freedom to see the sights at your own pace, stop"
        " wherever a view catches your eye and explore the remote fjords of the west.",
    ),
    (
        "Joining a tour",
        "Joining a guided tour spares you the stress of driving on unpredictable roads,"
        " and a local guide tells the story of every place that the bus stops at.",
    ),
    (
        "Weighing both",
        "The length of your trip makes a big difference: for a short stay a tour covers"
        " more ground, while a long stay rewards the flexibility of your own car.",
    ),
]
FILLER = (
    "Most visitors to the island face this choice before they book anything else, and the"
    " answer shapes the whole trip, from the budget to the places they can reach in winter."
)
# The rest of each section: enough text that the lost paragraphs are a small share of the
# output (a large share would send the page to the recall fallback, which finds them too).
MORE = [
    f"Note {number} of the section: the season, the weather and the roads of {place} decide"
    f" how much of it a visitor sees, and a plan made early costs less in the end."
    for number in range(1, 6)
    for place in ("the south", "the north")
]


def _page(paragraph: str) -> str:
    body = "".join(
        f"<h2>{heading}</h2><p>{paragraph.format(image=IMAGE, text=text)}</p>"
        + "".join(f"<p>{heading}. {more}</p>" for more in MORE)
        for heading, text in SECTIONS
    )
    return (
        "<html><head><title>Car or tour?</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Car or tour?</h1><p>{FILLER}</p>{body}</article>"
        "<footer>© Travel site</footer></body></html>"
    )


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def test_paragraphs_opening_with_an_image_keep_their_text() -> None:
    # The old stage lost each of these paragraphs whole: the <span> holds only an image.
    text = _extract(_page("{image}{text}"))
    for _, paragraph in SECTIONS:
        assert paragraph in text
    assert "Home" not in text and "Travel site" not in text


def test_a_paragraph_with_an_image_after_a_link_keeps_its_text_in_order() -> None:
    text = _extract(_page("See <a href='/map'>the map</a>{image} {text}"))
    for _, paragraph in SECTIONS:
        assert f"See the map {paragraph}" in text


def test_a_short_caption_after_an_image_is_left_to_the_pruning() -> None:
    html = _page("{image}A road in the north. Photo by: Ann Lee.</p><p>{text}")
    text = _extract(html)
    assert "Photo by" not in text
    for _, paragraph in SECTIONS:
        assert paragraph in text


def test_only_wrappers_that_the_cleaning_empties_give_up_their_tail() -> None:
    html = (
        "<html><body><p>Lead <b>bold words</b> and then the rest of a long paragraph that has"
        " more than twenty words in it, as an article paragraph has.<i></i> After an icon."
        f" {FILLER}<span><br></span>After a break.</p></body></html>"
    )
    tree = parse_html(html)
    assert tree is not None
    assert keep_media_tails(tree) == 0  # text, an empty icon, a line break: none moves
    paragraph = tree.find(".//p")
    assert paragraph.find("b").tail.startswith(" and then")
    assert paragraph.find("span").tail == "After a break."


def test_headings_behind_an_empty_anchor_are_kept() -> None:
    # A table-of-contents plugin's empty <span id> before each heading's text: the old stage
    # lost every heading with the span.
    html = _page("{text}")
    for heading, _ in SECTIONS:
        anchor = heading.replace(" ", "_")
        html = html.replace(
            f"<h2>{heading}</h2>",
            f"<h2><span class='ez-toc-section' id='{anchor}'></span>{heading}"
            "<span class='ez-toc-section-end'></span></h2>",
        )
    lines = _extract(html).splitlines()
    for heading, paragraph in SECTIONS:
        assert heading in lines
        assert paragraph in lines
