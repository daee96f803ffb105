"""The title line: the page's own headline, said once (cleaner.stages.headline)."""

from __future__ import annotations

import pytest
from lxml.html import fromstring

from cleaner.document import Document
from cleaner.stages.extract import ExtractStage
from cleaner.stages.headline import (
    host_names,
    opens_with_page_heading,
    page_headings,
    page_headline,
    repeats_headline,
    without_site_part,
)

STORY = (
    "<p>The council voted on Tuesday to extend the tram line to the harbour, a plan that has "
    "been debated for more than a decade and that residents say will change the district.</p>"
    "<p>Work is due to start in the spring, and the first trams should run two years later, "
    "the council said in a statement after the vote, which passed by a wide margin.</p>"
)


def _page(title: str, header: str, body: str = STORY, lang: str = "en") -> str:
    """A small news page: the headline in a header above the article (where trafilatura does
    not take it into the body), the ``<title>`` and og:title as sites write them."""
    return (
        f"<!doctype html><html lang='{lang}'><head><title>{title}</title>"
        f"<meta property='og:title' content='{title}'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<header class='entry-header'><h1 class='entry-title'>{header}</h1></header>"
        f"<article><div class='entry-content'>{body}</div></article>"
        "<footer>Contact us | Privacy</footer></body></html>"
    )


def _plain_page(title: str, head: str = "", body: str = f"<article>{STORY}</article>") -> str:
    """A page with only a ``<title>`` and ``head`` (meta tags, a canonical link) above ``body``."""
    return (
        f"<!doctype html><html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    )


def _first_line(html: str) -> str:
    doc = ExtractStage()(Document(html, {"format": "html"}))
    return doc.text.partition("\n")[0]


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        # a site name after the headline, or a section before it
        ("Green Gifts for Gardeners - Columbia Star", "Green Gifts for Gardeners"),
        (
            "Opinion | Republicans Are Following Trump to Nowhere",
            "Republicans Are Following Trump to Nowhere",
        ),
        ("Garnix Blog: Hardware-Attested Nix Builds", "Hardware-Attested Nix Builds"),
        # a headline holding a dash and a colon: cut only where the heading ends
        ("Spider-Man: No Way Home – review | Film Weekly", "Spider-Man: No Way Home – review"),
        # other languages and scripts
        ("Заседание городского совета — Городские новости", "Заседание городского совета"),
        ("市議会が路面電車の延伸を承認 | 港町新聞", "市議会が路面電車の延伸を承認"),
    ],
)
def test_the_title_line_is_the_pages_headline(title: str, heading: str) -> None:
    assert _first_line(_page(title, heading)) == heading


@pytest.mark.parametrize(
    "title",
    [
        "Spider-Man: No Way Home – review",  # the heading is the whole title: nothing cut
        "Council backs tram extension",
    ],
)
def test_a_title_that_is_the_heading_stays_whole(title: str) -> None:
    assert _first_line(_page(title, title)) == title


def test_a_heading_that_is_no_part_of_the_title_leaves_it_alone() -> None:
    # A site's "h1" holding a section name, not a part of the title: the title stays.
    title = "Council backs tram extension - Harbour Times"
    tree = fromstring(_page(title, "Local news"))
    assert page_headline(tree, title) == title
    # nor is a heading cut from inside a part: "Spider-Man" is not a part of this title.
    tree = fromstring(_page("Spider-Man: No Way Home – review", "Spider"))
    assert page_headline(tree, "Spider-Man: No Way Home – review") == (
        "Spider-Man: No Way Home – review"
    )


@pytest.mark.parametrize(
    ("title", "opening"),
    [
        ("Tips for Online Success", "TIPS FOR ONLINE SUCCESS"),
        ("Best Home Security Cameras of 2026", "The Best Home Security Cameras of 2026"),
        (
            "How Much Should I Pay For Cleaning in San Diego?",
            "How much should I pay for cleaning in San Diego?",
        ),
        (
            "Are you attending 2026's top tech conferences?",
            "Are you attending 2026’s top tech conferences?",
        ),
    ],
)
def test_a_body_opening_with_the_headline_says_it_once(title: str, opening: str) -> None:
    # The article opens with its headline in another form than the <title>: one title line,
    # the page's own, and not the two forms one above the other.
    html = _plain_page(title, "", f"<article><h2>{opening}</h2>{STORY}</article>")
    text = ExtractStage()(Document(html, {"format": "html"})).text
    assert text.startswith(f"{opening}\n\nThe council voted")
    assert repeats_headline(opening, title)


@pytest.mark.parametrize(
    ("line", "title"),
    [
        # a first sentence sharing the headline's words is the article, not the headline
        ("Oil prices rose on Monday after the talks failed.", "Oil prices rise"),
        (
            "Jose Mourinho has agreed a deal to replace Mauricio Pochettino as Tottenham's manager",
            "Jose Mourinho agrees deal to replace Mauricio Pochettino as Tottenham manager",
        ),
        ("Electrical", "Electrical Safety"),
    ],
)
def test_a_first_sentence_is_not_taken_for_the_headline(line: str, title: str) -> None:
    assert not repeats_headline(line, title)


@pytest.mark.parametrize("og_title", [True, False])
def test_a_heading_that_is_the_site_name_is_never_the_title(og_title: bool) -> None:
    # A blog's banner heading (not a link home, so site_banner does not know it) that is also
    # the last part of the <title>: the site's name from the metadata tells it from a headline.
    # Without an og:title, trafilatura takes the lone <h1> for the title: the site's name only.
    title = "September 2018 open thread | The GiveWell Blog"
    og = f"<meta property='og:title' content='{title}'>" if og_title else ""
    html = _plain_page(
        title,
        f"{og}<meta property='og:site_name' content='The GiveWell Blog'>",
        f"<h1>The GiveWell Blog</h1><article>{STORY}</article>",
    )
    doc = ExtractStage()(Document(html, {"format": "html"}))
    assert doc.text.startswith("September 2018 open thread\n\nThe council voted")
    assert "GiveWell" not in doc.text


@pytest.mark.parametrize(
    ("title", "sitename", "expected"),
    [
        (
            "Tastify | Top 7 Corporate Catering Trends for 2024",
            "Tastify",
            "Top 7 Corporate Catering Trends for 2024",
        ),
        (
            "Gardenary Planting vs. Ordinary Planting • Gardenary",
            "Gardenary",
            "Gardenary Planting vs. Ordinary Planting",
        ),
        (
            "Заседание городского совета — Городские новости",
            "Городские новости",
            "Заседание городского совета",
        ),
        # the site's name inside the headline is the headline's
        ("Review: Spider-Man: No Way Home", "Spider-Man", "Review: Spider-Man: No Way Home"),
        ("Why Python won the data wars", "Python", "Why Python won the data wars"),
        ("Film Weekly", "Film Weekly", "Film Weekly"),
    ],
)
def test_the_site_name_leaves_the_title_whatever_the_separator(
    title: str, sitename: str, expected: str
) -> None:
    # No <h1> to go by: the page's site name (og:site_name) is cut from either end.
    html = _plain_page(
        title,
        f"<meta property='og:title' content='{title}'>"
        f"<meta property='og:site_name' content='{sitename}'>",
    )
    assert _first_line(html) == expected


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        (
            "8 Recent Trends in Photography - Flatworld Solutions",
            "https://www.flatworldsolutions.com/photo-editing/articles/trends.php",
            "8 Recent Trends in Photography",
        ),
        (
            "The Pros and Cons of Living in a Tiny Home - realestate.com.au",
            "https://www.realestate.com.au/news/tiny-homes/",
            "The Pros and Cons of Living in a Tiny Home",
        ),
    ],
)
def test_the_host_name_leaves_the_title(title: str, url: str, expected: str) -> None:
    # No site name in the metadata: the page's URL (its canonical link) names the site.
    html = _plain_page(title, f"<link rel='canonical' href='{url}'>")
    assert _first_line(html) == expected


def test_a_part_sharing_a_word_with_the_site_name_stays() -> None:
    title = "Photography Trends - Solutions for Studios"
    for name in host_names("https://www.flatworldsolutions.com/articles/trends.php"):
        assert without_site_part(title, name) == title
    assert without_site_part(title, "Flatworld Solutions") == title


@pytest.mark.parametrize(
    ("title", "page_title", "sitename", "expected"),
    [
        # WCXB pages whose og:site_name is the headline, not the site
        (
            "Gardenary Planting vs. Ordinary Planting • Gardenary",
            "Gardenary Planting vs. Ordinary Planting • Gardenary",
            "Gardenary Planting vs. Ordinary Planting",
            "Gardenary Planting vs. Ordinary Planting • Gardenary",
        ),
        (
            "Best High School Tutors in 2025 | Bold.org",
            "Best High School Tutors in 2025 | Bold.org | Bold.org",
            "Best High School Tutors in 2025 | Bold.org",
            "Best High School Tutors in 2025",
        ),
    ],
)
def test_a_site_name_that_is_the_headline_never_leaves_only_the_site(
    title: str, page_title: str, sitename: str, expected: str
) -> None:
    html = _plain_page(
        page_title,
        f"<meta property='og:title' content='{title}'>"
        f"<meta property='og:site_name' content='{sitename}'>"
        "<link rel='canonical' href='https://bold.org/blog/best-high-school-tutors/'>",
    )
    assert _first_line(html) == expected


@pytest.mark.parametrize("og_title", [True, False])
@pytest.mark.parametrize(
    ("title", "heading"),
    [
        ("U.S. inflation cools in May | Daily News", "U.S. inflation cools in May"),
        ("Mr. Smith goes to Washington - Film Weekly", "Mr. Smith goes to Washington"),
        ("St. Louis Cardinals win again | Sports", "St. Louis Cardinals win again"),
        ("Dr. Ana Ruiz | Faculty", "Dr. Ana Ruiz"),
    ],
)
def test_a_headline_with_a_dot_never_becomes_the_site_name(
    title: str, heading: str, og_title: bool
) -> None:
    # With no site name in its meta tags, trafilatura takes the <title>'s part holding a dot
    # for the site's name: here the headline, which the <h1> says again. That is no banner
    # heading, and the title's other part (the site, a section) is no title.
    og = f"<meta property='og:title' content='{title}'>" if og_title else ""
    html = _plain_page(title, og, f"<article><h1>{heading}</h1>{STORY}</article>")
    doc = ExtractStage()(Document(html, {"format": "html"}))
    assert doc.text.startswith(f"{heading}\n\nThe council voted")
    assert doc.metadata["title"] == heading


@pytest.mark.parametrize(
    ("title", "heading", "meta"),
    [
        # a site name written as a host, from the <title> alone
        ("Vibe Coding | davidbau.com", "davidbau.com", ""),
        # a site name with a dot that the page declares
        (
            "Budget talks stall | St. Louis Today",
            "St. Louis Today",
            "<meta property='og:site_name' content='St. Louis Today'>",
        ),
    ],
)
def test_a_banner_heading_with_a_dot_still_leaves_the_title(
    title: str, heading: str, meta: str
) -> None:
    html = _plain_page(title, meta, f"<h1>{heading}</h1><article>{STORY}</article>")
    assert _first_line(html) == title.partition(" | ")[0]


def test_a_headline_with_a_dot_is_never_cut_as_the_site_name() -> None:
    # No <h1>: the <title>'s part holding a dot, which trafilatura takes for the site's name,
    # is the headline, and the longer part after it is no title on its own.
    title = "Dr. Ana Ruiz | Faculty of Engineering and Applied Science"
    html = _plain_page(title, f"<meta property='og:title' content='{title}'>")
    assert _first_line(html) == title


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # a section's name in the <h1>, the headline in a lower heading
        (
            "Reviews | Inception is a masterpiece",
            f"<h1>Reviews</h1><article><h2>Inception is a masterpiece</h2>{STORY}</article>",
            "Inception is a masterpiece",
        ),
        # the section's name a lower heading over the headline's <h1>: the <h1> still
        (
            "Opinion | Republicans Are Following Trump to Nowhere",
            "<h2>Opinion</h2><h1>Republicans Are Following Trump to Nowhere</h1>"
            f"<article>{STORY}</article>",
            "Republicans Are Following Trump to Nowhere",
        ),
        # a label before a colon introduces the headline: it is never the whole title
        (
            "Review: Spider-Man: No Way Home",
            f"<header><h1>Review</h1></header><article>{STORY}</article>",
            "Review: Spider-Man: No Way Home",
        ),
    ],
)
def test_a_section_heading_is_never_the_title(title: str, body: str, expected: str) -> None:
    html = _plain_page(title, f"<meta property='og:title' content='{title}'>", body)
    doc = ExtractStage()(Document(html, {"format": "html"}))
    assert doc.text.startswith(f"{expected}\n\nThe council voted")
    assert doc.metadata["title"] == expected


def test_a_site_name_declared_in_a_head_written_after_the_body_still_counts() -> None:
    """The declared site names are read in the root's <head> children: libxml2 puts a <head>
    the page writes after its body there too (and drops one inside the body)."""
    html = (
        "<html><body><h1>The GiveWell Blog</h1>"
        f"<article>{STORY}</article></body><head>"
        "<title>September 2018 open thread | The GiveWell Blog</title>"
        "<meta property='og:title' content='September 2018 open thread | The GiveWell Blog'>"
        "<meta property='og:site_name' content='The GiveWell Blog'></head></html>"
    )
    assert [head.getparent().tag for head in fromstring(html).iter("head")] == ["html"]
    doc = ExtractStage()(Document(html, {"format": "html"}))
    assert doc.text.startswith("September 2018 open thread\n\nThe council voted")


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        # the <title> written for search engines, the <h1> for readers
        ("Top Ten Garden Shows 2026", "The Ten Best Garden Shows to Visit in 2026"),
        # a stale year in the <title>
        ("Guide to renewing your passport in 2024", "Guide to renewing your passport in 2025"),
        # a heading longer than the title, and one shorter
        ("Best Hiking Boots for Wide Feet", "Best Hiking Boots for Wide Feet, Tested on Scree"),
        ("What Is a Heat Pump? A Complete Guide", "What Is a Heat Pump?"),
    ],
)
def test_a_body_opening_with_the_pages_h1_in_other_words_says_the_headline_once(
    title: str, heading: str
) -> None:
    # The body opens with the page's own <h1>, which says the title in other words: the
    # heading the reader sees is the title line, and the title is not said a second time.
    html = _plain_page(title, "", f"<article><h1>{heading}</h1>{STORY}</article>")
    text = ExtractStage()(Document(html, {"format": "html"})).text
    assert text.startswith(f"{heading}\n\nThe council voted")
    assert title not in text.splitlines()
    tree = fromstring(html)
    assert opens_with_page_heading(heading, title, page_headings(tree))


@pytest.mark.parametrize(
    ("title", "opening"),
    [
        # a section's <h2> that resembles the title is the article's first heading
        ("Top Ten Garden Shows 2026", "<h2>Why the Ten Garden Shows of 2026 Matter</h2>"),
        # a first sentence sharing the title's words is the article
        (
            "Council votes to extend the tram line to the harbour",
            "<p>Council votes to extend the tram line to the harbour were long expected.</p>",
        ),
    ],
)
def test_a_body_opening_with_no_h1_keeps_its_first_line(title: str, opening: str) -> None:
    html = _plain_page(title, "", f"<article>{opening}{STORY}</article>")
    text = ExtractStage()(Document(html, {"format": "html"})).text
    first = fromstring(opening).text_content()
    assert text.startswith(f"{title}\n\n{first}\n\nThe council voted")


@pytest.mark.parametrize(
    ("line", "title"),
    [
        # a banner <h1>: the site's name, one part of the title
        ("Green Fingers Weekly", "Ten Garden Shows | Green Fingers Weekly"),
        # an <h1> sharing a few of the title's words only
        ("Garden Shows Near You", "The Ten Best Garden Shows to Visit in 2026 with Children"),
    ],
)
def test_an_h1_that_is_not_the_headline_in_other_words_is_kept(line: str, title: str) -> None:
    assert not opens_with_page_heading(line, title, (line,))
    # and a line that is no <h1> of the page never is the headline, whatever its words
    assert not opens_with_page_heading(title, title + " today", ("Another heading",))


def test_the_site_name_left_in_the_title_does_not_count_against_the_heading() -> None:
    # The title keeps a site name longer than its headline; the <h1> says the headline with
    # this year's date. Against the whole title it shares 4 of 9 key words: too few.
    title = "Guide to renewing your passport in 2024 | Department of Consular Affairs Online"
    heading = "Guide to renewing your passport in 2025"
    assert opens_with_page_heading(
        heading, title, (heading,), "Department of Consular Affairs Online"
    )
    assert not opens_with_page_heading(heading, title, (heading,))
