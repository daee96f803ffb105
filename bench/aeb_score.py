"""The Article Extraction Benchmark's metric, written from its description.

Tokens are the ``\\w+`` matches of a text; the units compared are its 4-token shingles as a
multiset (a text shorter than four tokens is one shorter shingle). Per page, the shingles
shared count as true positives (with multiplicity), the predicted ones beyond the truth's
count as false positives, the truth's beyond the prediction's count as false negatives.
Precision is the mean of the per-page precisions over pages with a non-empty prediction;
recall the mean of the per-page recalls over pages with a non-empty truth (an empty prediction
scores 0 recall); F1 is the harmonic mean of those two means.

Source of the description: ``../shared/bench/aeb/README.md`` (scrapinghub's
article-extraction-benchmark, MIT).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """The multiset of ``size``-token shingles of ``text``.

    >>> sorted(shingles("a b c d e").items())
    [(('a', 'b', 'c', 'd'), 1), (('b', 'c', 'd', 'e'), 1)]
    >>> shingles("too short")
    Counter({('too', 'short'): 1})
    """
    words = tokens(text)
    if not words:
        return Counter()
    if len(words) < size:
        return Counter([tuple(words)])
    return Counter(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


@dataclass(frozen=True)
class PageScore:
    """One page's shingle counts; precision/recall are None where undefined."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        if self.tp + self.fp == 0:
            return None
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        if self.tp + self.fn == 0:
            return None
        return self.tp / (self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(truth: str, prediction: str) -> PageScore:
    """Shingle counts of one page.

    >>> score_page("the cat sat on the mat", "the cat sat on the mat").f1
    1.0
    >>> s = score_page("one two three four five", "one two three four")
    >>> (s.tp, s.fp, s.fn)
    (1, 0, 1)
    """
    want = shingles(truth)
    got = shingles(prediction)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    return PageScore(tp=tp, fp=fp, fn=fn)


@dataclass(frozen=True)
class BenchmarkScore:
    precision: float
    recall: float
    pages: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def aggregate(pages: Iterable[PageScore]) -> BenchmarkScore:
    """Mean precision over pages with a prediction, mean recall over pages with a truth."""
    precisions: list[float] = []
    recalls: list[float] = []
    count = 0
    for page in pages:
        count += 1
        if page.precision is not None:
            precisions.append(page.precision)
        if page.tp + page.fn > 0:
            recalls.append(page.recall or 0.0)
    return BenchmarkScore(
        precision=sum(precisions) / len(precisions) if precisions else 0.0,
        recall=sum(recalls) / len(recalls) if recalls else 0.0,
        pages=count,
    )


def score(truths: Mapping[str, str], predictions: Mapping[str, str]) -> BenchmarkScore:
    """The benchmark score of ``predictions`` (page id -> text; a missing page is empty)."""
    return aggregate(score_page(truths[key], predictions.get(key, "")) for key in truths)
