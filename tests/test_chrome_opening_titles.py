"""A head line that reads like a site's label but is the article's title stays: the page's
title, or a line whose words the first line of prose uses. Before, a page titled "Donate",
"RSS" or "Cookie" lost its title line to the site-label list."""

from __future__ import annotations

from cleaner.api import clean

PROSE = "Your gift keeps the shelter open through the winter months for every animal in our care."


def page(title: str, heading: str, prose: str = PROSE) -> str:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{heading}</h1>"
        f"<p>{prose}</p><p>{prose}</p><p>{prose}</p></article></body></html>"
    )


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_an_html_page_titled_like_a_site_label_keeps_its_title_line() -> None:
    result = clean(page("Donate", "Donate"), skip="grammar", format="html")
    assert lines(result.text)[0] == "Donate"


def test_a_text_whose_first_line_its_prose_names_keeps_it() -> None:
    text = (
        "RSS\n\nRSS is a family of web feed formats that let a reader follow many sites in"
        " one place.\n"
    )
    assert clean(text, skip="grammar").text == text


def test_a_label_the_prose_does_not_name_still_goes() -> None:
    text = f"Donate\n\n{PROSE}\n"
    assert lines(clean(text, skip="grammar").text) == [PROSE]


def test_a_heading_that_opens_with_a_taxonomy_word_is_not_a_taxonomy_line() -> None:
    text = (
        "Category 5 Hurricane Makes Landfall\n\nThe storm came ashore near the coast on"
        " Tuesday night, and thousands of homes lost power.\n\nTopics Covered In This Course\n\n"
        "Tags: Weather, Storms\n"
    )
    assert lines(clean(text, skip="grammar").text) == lines(text)[:3]


def test_only_the_first_words_of_the_prose_name_its_subject() -> None:
    prose = (
        "Home prices rose by a tenth this year for buyers who search for a first home in the city."
    )
    text = f"Home\nSearch\n\n{prose}\n"
    assert lines(clean(text, skip="grammar").text) == ["Home", prose]
