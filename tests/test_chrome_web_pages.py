"""Chrome of the wider web, on real pages: WCXB development pages of the tuning side of the
split (``bench/extraction_split.json``) lose the chrome their gold text does not hold and keep
the article's last lines. Each case is one class of chrome the rules learned to see."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cleaner.pipeline import Pipeline, PipelineConfig

REPO = Path(__file__).resolve().parents[1]
WCXB = REPO / ".." / "shared" / "bench" / "wcxb-dev"

# (page, a piece of chrome that must be gone, a piece of the article that must stay)
CASES = [
    # a "More from <site>" box after the article
    ("0156", "is a nonprofit organization with over 80 therapists", "Be patient with yourself"),
    # social handles under a podcast's show notes
    ("0107", "Follow me on instagram", "began his entrepreneurship journey"),
    # form fields of a newsletter box and the affiliate note of a review
    ("0010", "If you are a human, ignore this field", "designed to make the most of them"),
    # a newsletter's ad headings
    ("4444", "Advertisement: New AI Book", "what the data tells you to do"),
    # a list of the sources a guide drew on
    ("0052", "Article Sources", "make a line of water heaters and boilers"),
    # a cookie-consent banner and its settings panel after the article
    ("4454", "We use cookies on our website", "used for hundreds of pizzas"),
    ("4454", "Necessary cookies are absolutely essential", "used for hundreds of pizzas"),
    # the small print of a contact form that asks for a phone number
    ("0118", "you are consenting to be contacted", "Tax and Audit-Ready Financial Data"),
    ("0118", "reply STOP to opt-out", "Tax and Audit-Ready Financial Data"),
    # a byline standing alone above the article
    ("0070", "By Rick Steves", "Travel insurance can minimize the considerable financial risks"),
    # link lines set off by a pointing emoji
    ("0289", "Learn more about AI in dentistry from Overjet", "AI is transforming dentistry"),
    # a site's footer under a bare heading: offices after "Contact Us", a partner pitch among
    # them; a legal name after "Contact Info" and "©" (a journal's licence after "Copyright",
    # a © notice and one sentence, stays: as many sentences as other lines read as prose)
    ("0008", "116 Village Blvd, Suite 200", "contact Flatworld Solutions today"),
    ("0118", "AccountingDepartment.com, LLC", "Tax and Audit-Ready Financial Data"),
]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(PipelineConfig.load().without(["repair", "grammar"]))


@pytest.mark.skipif(not WCXB.exists(), reason="WCXB pages not present")
@pytest.mark.parametrize(("page", "chrome", "article"), CASES, ids=[case[0] for case in CASES])
def test_web_page_loses_its_chrome_and_keeps_its_article(
    pipeline: Pipeline, page: str, chrome: str, article: str
) -> None:
    raw = gzip.decompress((WCXB / "html" / f"{page}.html.gz").read_bytes())
    text = pipeline.clean_bytes(raw, {"format": "html"}).text
    assert chrome not in text
    assert article in text


def _guide_page(heading: str, section: list[str]) -> bytes:
    paragraphs = [
        "Renew your passport at least six weeks before you travel, or longer in the summer.",
        "Check the photo rules before you send the form: most forms come back for the photo.",
        "Keep a copy of every page you post, and write down the date you sent them.",
        "The new passport comes by post, and the old one is sent back to you a week later.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    body += f"<h2>{heading}</h2>" + "".join(f"<p>{p}</p>" for p in section)
    return (
        "<html><head><title>How to renew a passport</title></head><body><article>"
        f"<h1>How to renew a passport</h1>{body}</article></body></html>"
    ).encode()


def test_an_articles_own_contact_section_under_a_bare_heading_stays(pipeline: Pipeline) -> None:
    section = [
        "The passport helpline is open from 8am to 8pm on weekdays and 9am to 5pm at weekends.",
        "Calls cost the same as a call to a landline, and the line is busiest on Monday mornings.",
    ]
    text = pipeline.clean_bytes(_guide_page("Contact us", section), {"format": "html"}).text
    assert "Contact us" in text
    for sentence in section:
        assert sentence in text
    assert pipeline.clean_text(text).text == text


def test_a_site_footer_under_the_same_heading_goes(pipeline: Pipeline) -> None:
    section = ["Head office", "12 Harbour Road, Portsmouth", "Phone: 0300 555 0199"]
    text = pipeline.clean_bytes(_guide_page("Contact us", section), {"format": "html"}).text
    assert "the old one is sent back to you a week later" in text
    assert "Harbour Road" not in text
