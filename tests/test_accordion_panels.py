"""Collapsed accordion panels (cleaner.stages.accordion_panels): trafilatura deletes hidden
elements, and with them the folded sections of a guide or the answers of an FAQ; the extract
stage shows an accordion's panels that hold prose, and leaves hidden menus, pop-ups and a
collapsed table of contents hidden."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.stages.accordion_panels import show_accordion_panels
from cleaner.stages.extract import ExtractStage
from cleaner.stages.html_parsing import parse_html

INTRO = [
    "Sizing a home solar system starts with a year of electricity bills, because the yearly use"
    " in kilowatt hours sets how many panels the roof has to carry.",
    "An installer then looks at the roof itself: its angle, the direction it faces and the trees"
    " that shade it in the afternoon all change how much each panel can give.",
]
WEEKS = {
    "Week 1: read your bills": "Collect twelve months of statements and add up the kilowatt"
    " hours, so that the quotes you ask for later are sized for the home you actually run.",
    "Week 2: check the roof": "Ask a roofer whether the covering will outlast the panels,"
    " since lifting a finished array to repair the roof below it costs a great deal.",
    "Week 3: compare quotes": "Put three offers side by side and compare the price per watt,"
    " the warranty on the inverter and who answers the phone when something breaks.",
}


def _page(accordion: str, extra: str = "") -> str:
    intro = "".join(f"<p>{paragraph}</p>" for paragraph in INTRO)
    return (
        "<html><head><title>Going solar, week by week</title></head><body>"
        "<article><h1>Going solar, week by week</h1><div class='entry-content'>"
        f"{intro}{accordion}<p>{INTRO[0]} It is the first step.</p></div></article>"
        f"{extra}</body></html>"
    )


def _region_accordion() -> str:
    """A Vue accordion: each panel a region labelled by its button, hidden by its style."""
    return (
        "<div class='es-accordion-list'>"
        + "".join(
            f"<div class='es-accordion'><h3><button id='h{number}' aria-expanded='false'>{title}"
            f"</button></h3><div role='region' aria-labelledby='h{number}' style='display:none;'>"
            f"<div class='es-accordion-content'><p>{text}</p></div></div></div>"
            for number, (title, text) in enumerate(WEEKS.items())
        )
        + "</div>"
    )


def _wordpress_accordion() -> str:
    """A WordPress block accordion: hidden panels by class, and a wrapper whose icon-style
    class trafilatura's discard list reads as an icon."""
    panes = "".join(
        f"<div class='kt-accordion-pane'><h3 class='kt-accordion-header'>{title}</h3>"
        f"<div class='kt-accordion-panel kt-accordion-panel-hidden'>"
        f"<div class='kt-accordion-panel-inner'><p>{text}</p></div></div></div>"
        for title, text in WEEKS.items()
    )
    return (
        "<div class='kt-accordion-wrap kt-accodion-icon-style-arrow'>"
        f"<div class='kt-accordion-inner-wrap'>{panes}</div></div>"
    )


def _extract(html: str) -> str:
    return ExtractStage()(Document(html, {"format": "html"})).text


def _assert_each_question_and_answer_extracted(faq: str) -> None:
    """Each week's title, asked as a question, and its text stand as lines of their own."""
    lines = _extract(_page(faq)).splitlines()
    for title, text in WEEKS.items():
        assert f"{title}?" in lines
        assert text in lines


def test_hidden_region_panels_of_an_accordion_are_extracted() -> None:
    # Before the stage: none of the three weeks came out (the panels are display:none).
    text = _extract(_page(_region_accordion()))
    for week in WEEKS.values():
        assert week in text
    for paragraph in INTRO:
        assert paragraph in text


def test_panels_hidden_by_class_inside_a_wrapper_trafilatura_discards_are_extracted() -> None:
    text = _extract(_page(_wordpress_accordion()))
    for week in WEEKS.values():
        assert week in text


def test_hidden_menus_and_pop_ups_stay_hidden() -> None:
    menu = (
        "<div class='menu-toggle-panel' aria-hidden='true'><ul>"
        + "".join(
            f"<li><a href='/topic/{n}'>Topic number {n} of the site</a></li>" for n in range(8)
        )
        + "</ul></div>"
    )
    pop_up = (
        "<div class='newsletter-modal' style='display: none'><p>Sign up for our weekly letter"
        " and get the best of the site in your inbox every Friday morning.</p></div>"
    )
    toc = (
        "<nav class='toc-collapsible'><div class='toc-toggle-body' hidden><p>What this guide"
        " covers, from reading your bills to comparing installers' quotes.</p></div></nav>"
    )
    html = _page("", menu + pop_up + toc)
    tree = parse_html(html)
    assert tree is not None
    assert show_accordion_panels(tree) == 0
    text = _extract(html)
    assert "Topic number" not in text
    assert "Sign up for our weekly letter" not in text
    assert "What this guide covers" not in text


def test_a_page_without_hidden_panels_is_unchanged() -> None:
    html = _page("".join(f"<h2>{title}</h2><p>{text}</p>" for title, text in WEEKS.items()))
    tree = parse_html(html)
    assert tree is not None
    assert show_accordion_panels(tree) == 0
    text = _extract(html)
    for week in WEEKS.values():
        assert week in text


def test_the_hiding_marks_are_removed_and_the_other_attributes_kept() -> None:
    tree = parse_html(
        "<html><body><div class='faq-item'><button>Do panels need cleaning?</button>"
        "<div class='faq-answer is-hidden' style='color: red; display:none;' hidden"
        " aria-hidden='true'><p>Rain does most of the work, but a dusty site may call for a"
        " rinse with plain water once a year.</p></div></div></body></html>"
    )
    assert tree is not None
    assert show_accordion_panels(tree) == 1
    answer = tree.find(".//div[@class='faq-answer']")
    assert answer is not None
    assert answer.get("style") == "color: red;"
    assert answer.get("hidden") is None
    assert answer.get("aria-hidden") is None


def test_faq_questions_set_as_headings_inside_toggle_buttons_are_extracted() -> None:
    faq = (
        "<div class='faq-accordion'>"
        + "".join(
            f"<div class='faq-item'><button aria-controls='answer-{number}' aria-expanded='true'>"
            f"<h3>{title}?</h3></button><div id='answer-{number}'><p>{text}</p></div></div>"
            for number, (title, text) in enumerate(WEEKS.items())
        )
        + "</div>"
    )
    # Before: the answers came out, the questions went with their buttons.
    _assert_each_question_and_answer_extracted(faq)


def test_a_button_without_a_heading_stays_a_button() -> None:
    tree = parse_html(
        "<html><body><button aria-expanded='false'>Show more</button>"
        "<button><h3>Not a toggle</h3></button></body></html>"
    )
    assert tree is not None
    show_accordion_panels(tree)
    assert len(list(tree.iter("button"))) == 2


def test_an_article_body_named_for_its_faq_keeps_its_tag_and_the_sidebar_stays_out() -> None:
    # Review: 'article-body has-faq' names an accordion, and unwrapping it lost trafilatura
    # its body anchor: the output gained the sidebar's pitch. Only wrappers the discard list
    # reads as furniture are unwrapped.
    sidebar = (
        "<aside class='promo'><p>The Courier is free to read because thousands of readers pay"
        " for it; join them today from one euro a month and keep local news alive.</p></aside>"
    )
    faq = "".join(
        f"<div class='faq-item'><h3>{title}?</h3><div class='faq-answer' hidden><p>{text}</p>"
        "</div></div>"
        for title, text in WEEKS.items()
    )
    intro = "".join(f"<p>{paragraph}</p>" for paragraph in INTRO)
    html = (
        "<html><head><title>Going solar</title></head><body>"
        f"<div class='article-body has-faq'>{intro}{faq}</div>{sidebar}</body></html>"
    )
    tree = parse_html(html)
    assert tree is not None
    show_accordion_panels(tree)
    assert tree.find(".//div[@class='article-body has-faq']") is not None
    text = _extract(html)
    assert "The Courier is free to read" not in text
    for week in WEEKS.values():
        assert week in text


def test_faq_questions_in_toggle_buttons_inside_headings_are_extracted() -> None:
    # Bootstrap's accordion: h3 > button[aria-expanded]; trafilatura deleted the button and
    # left the answer without its question.
    faq = (
        "<div class='accordion' id='faq'>"
        + "".join(
            f"<div class='accordion-item'><h3 class='accordion-header'>"
            f"<button class='accordion-button' aria-expanded='false'"
            f" aria-controls='c{number}'>{title}?</button></h3>"
            f"<div id='c{number}' class='accordion-collapse collapse'>"
            f"<div class='accordion-body'><p>{text}</p></div></div></div>"
            for number, (title, text) in enumerate(WEEKS.items())
        )
        + "</div>"
    )
    _assert_each_question_and_answer_extracted(faq)


def test_a_button_beside_a_headings_own_words_is_not_merged_into_it() -> None:
    # Review: 'Share this step' joined the heading it sat in.
    html = _page(
        "<h2>Step 2: book the survey <button aria-expanded='false' aria-controls='s'>"
        "Share this step</button></h2>"
    )
    tree = parse_html(html)
    assert tree is not None
    show_accordion_panels(tree)
    assert len(list(tree.iter("button"))) == 1


def test_faq_questions_in_toggle_buttons_inside_aria_headings_are_extracted() -> None:
    # An ARIA accordion (the WAI pattern): the question is a button inside an element that
    # says it is a heading by its role, div[role=heading] > button; the answers are regions.
    faq = (
        "<div class='faq-list'>"
        + "".join(
            f"<div role='heading' aria-level='3'><button type='button' aria-expanded='false'"
            f" aria-controls='p{number}'>{title}?</button></div>"
            f"<div id='p{number}' role='region' aria-labelledby='q{number}' hidden>"
            f"<p>{text}</p></div>"
            for number, (title, text) in enumerate(WEEKS.items())
        )
        + "</div>"
    )
    _assert_each_question_and_answer_extracted(faq)


def test_aria_headings_inside_toggle_buttons_are_extracted() -> None:
    # The other nesting: the toggle holds the question's heading, button > span[role=heading].
    faq = (
        "<div class='faq-accordion'>"
        + "".join(
            f"<button aria-controls='a{number}' aria-expanded='true'>"
            f"<span role='heading' aria-level='4'>{title}?</span></button>"
            f"<div id='a{number}'><p>{text}</p></div>"
            for number, (title, text) in enumerate(WEEKS.items())
        )
        + "</div>"
    )
    _assert_each_question_and_answer_extracted(faq)


def test_a_button_beside_an_aria_headings_own_words_stays_a_button() -> None:
    # A "Copy link" toggle beside the words of a heading set by its role is no question.
    tree = parse_html(
        "<html><body><div role='heading' aria-level='2'>Step 3: compare quotes"
        " <button aria-expanded='false' aria-controls='m'>Copy link</button></div>"
        "<div role='note'><button aria-expanded='false'>Read more</button></div></body></html>"
    )
    assert tree is not None
    show_accordion_panels(tree)
    assert len(list(tree.iter("button"))) == 2


def test_an_aria_heading_around_a_toggle_takes_the_tag_of_its_level() -> None:
    tree = parse_html(
        "<html><body><div role='heading' aria-level='4'><button aria-expanded='false'"
        " aria-controls='a'>How long does a survey take?</button></div>"
        "<div role='heading'><button aria-controls='b'>Who pays for the permit?</button></div>"
        "</body></html>"
    )
    assert tree is not None
    show_accordion_panels(tree)
    assert [(h.tag, h.text) for h in tree.iter("h2", "h4")] == [
        ("h4", "How long does a survey take?"),
        ("h2", "Who pays for the permit?"),
    ]
    assert not list(tree.iter("button"))
