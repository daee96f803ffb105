"""The recorded tuning/validation split of the extraction benchmarks follows its rule: by
site, every page on exactly one side, and the file is what the rule gives today."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import extraction_split  # noqa: E402
import wcxb_score  # noqa: E402

HAVE_DATA = extraction_split.WCXB.is_dir() and extraction_split.AEB.is_dir()


def test_site_is_host_less_www() -> None:
    assert extraction_split.site_of("https://www.Example.com/a") == "example.com"
    assert extraction_split.site_of("http://news.example.com:8080/b") == "news.example.com"
    assert extraction_split.site_of("") == "(no host)"


@pytest.mark.skipif(not HAVE_DATA, reason="benchmark data not present")
def test_recorded_split_is_the_rules_and_keeps_each_site_on_one_side() -> None:
    recorded = extraction_split.load()
    assert recorded == extraction_split.build()
    for benchmark, urls in (
        ("wcxb-dev", extraction_split.wcxb_urls()),
        ("aeb", extraction_split.aeb_urls()),
    ):
        tuning, validation = (set(recorded[benchmark][side]) for side in ("tuning", "validation"))
        assert tuning.isdisjoint(validation)
        assert tuning | validation == set(urls)
        assert 0.2 < len(validation) / len(urls) < 0.45
        sites_tuning = {extraction_split.site_of(urls[key]) for key in tuning}
        sites_validation = {extraction_split.site_of(urls[key]) for key in validation}
        assert sites_tuning.isdisjoint(sites_validation)


def test_wcxb_word_bag_scores() -> None:
    page = wcxb_score.score_page("One two three four", "one two five", ["Subscribe now"])
    assert (page.precision, page.recall) == (2 / 3, 0.5)
    assert page.chrome_left == ()
    leaked = wcxb_score.score_page("Body text.", "Body text. SUBSCRIBE NOW", ["Subscribe now"])
    assert leaked.chrome_left == ("Subscribe now",)
    in_gold = wcxb_score.score_page("Body. Subscribe now", "Body. Subscribe now", ["Subscribe now"])
    assert in_gold.chrome_left == ()  # the gold text holds it: no leak
    assert wcxb_score.score_page("", "").f1 == 1.0
    assert wcxb_score.score_page("text", "").f1 == 0.0
    total = wcxb_score.aggregate([leaked, in_gold])
    assert total.chrome_pages == 1 and total.pages == 2
