"""The benchmark metric, on hand-made cases and against the published trafilatura figure."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from aeb_score import aggregate, score, score_page, shingles  # noqa: E402

AEB = ROOT / ".." / "shared" / "bench" / "aeb"


def test_shingles_are_4_token_multisets() -> None:
    assert shingles("a b a b a b") == {("a", "b", "a", "b"): 2, ("b", "a", "b", "a"): 1}
    assert shingles("Hello, world!") == {("Hello", "world"): 1}
    assert shingles("...") == {}


def test_identical_texts_score_one() -> None:
    page = score_page("One two three four five.", "One two three four five.")
    assert (page.precision, page.recall) == (1.0, 1.0)


def test_extra_and_missing_text() -> None:
    truth = "the cat sat on the mat today"  # 4 shingles
    page = score_page(truth, truth + " and ads ads ads")  # 4 more predicted shingles
    assert page.tp == 4 and page.fp == 4 and page.fn == 0
    assert page.precision == 0.5 and page.recall == 1.0
    page = score_page(truth, "the cat sat on")
    assert page.tp == 1 and page.fn == 3 and page.recall == 0.25


def test_multiplicity_counts() -> None:
    page = score_page("a b c d", "a b c d a b c d")
    assert (page.tp, page.fp, page.fn) == (1, 4, 0)


def test_empty_prediction_counts_for_recall_only() -> None:
    result = aggregate([score_page("a b c d e", ""), score_page("a b c d e", "a b c d e")])
    assert result.precision == 1.0
    assert result.recall == 0.5
    assert result.f1 == pytest.approx(2 * 0.5 / 1.5)


@pytest.mark.skipif(not AEB.exists(), reason="AEB data not present")
def test_reproduces_published_trafilatura_figure() -> None:
    trafilatura = pytest.importorskip("trafilatura")
    truth = json.loads((AEB / "ground-truth.json").read_text())
    predictions = {
        key: trafilatura.extract(
            gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes()), include_comments=False
        )
        or ""
        for key in truth
    }
    result = score({k: v["articleBody"] for k, v in truth.items()}, predictions)
    # README: trafilatura 2.3.1 with include_comments=False: F1 0.960 (P 0.942, R 0.978).
    assert result.f1 == pytest.approx(0.960, abs=0.002)
    assert result.precision == pytest.approx(0.942, abs=0.002)
    assert result.recall == pytest.approx(0.978, abs=0.002)
