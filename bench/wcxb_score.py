"""The WCXB metric, written from the description in ``../shared/bench/wcxb-dev/README.md``.

Per page: the lower-cased ``\\w+`` words of prediction and gold text as bags; precision and
recall of their overlap, and their F1; macro-averaged over pages. A page with an empty gold
text scores 1 when the prediction is empty too, else 0; an empty prediction scores 0.

Chrome left in: a ``without`` snippet (page chrome the output must not hold) found, case
folded, in the output, counting only snippets that the gold text does not hold itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class WebPageScore:
    precision: float
    recall: float
    f1: float
    chrome_left: tuple[str, ...]
    """The ``without`` snippets (not in the gold text) that the prediction still holds."""


def score_page(
    gold: str, prediction: str, without: Sequence[str] = (), gold_words: Counter[str] | None = None
) -> WebPageScore:
    """One page's figures.

    >>> score_page("the cat sat", "the cat sat").f1
    1.0
    >>> score_page("the cat sat", "the cat sat. Subscribe now", ["subscribe now"]).chrome_left
    ('subscribe now',)
    """
    want = gold_words if gold_words is not None else Counter(words(gold))
    got = Counter(words(prediction))
    low_prediction = prediction.lower()
    low_gold = gold.lower()
    left = tuple(
        snippet
        for snippet in without
        if snippet.lower() not in low_gold and snippet.lower() in low_prediction
    )
    if not want:
        exact = 1.0 if not got else 0.0
        return WebPageScore(exact, exact, exact, left)
    if not got:
        return WebPageScore(0.0, 0.0, 0.0, left)
    overlap = sum((want & got).values())
    precision = overlap / sum(got.values())
    recall = overlap / sum(want.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return WebPageScore(precision, recall, f1, left)


@dataclass(frozen=True)
class WebScore:
    precision: float
    recall: float
    f1: float
    pages: int
    chrome_pages: int
    """Pages that still hold chrome the gold text does not hold."""

    @property
    def chrome_share(self) -> float:
        return self.chrome_pages / self.pages if self.pages else 0.0


def aggregate(pages: Iterable[WebPageScore]) -> WebScore:
    """Macro averages of precision, recall and F1, and the pages with chrome left in."""
    found = list(pages)
    count = len(found)
    if not count:
        return WebScore(0.0, 0.0, 0.0, 0, 0)
    return WebScore(
        precision=sum(page.precision for page in found) / count,
        recall=sum(page.recall for page in found) / count,
        f1=sum(page.f1 for page in found) / count,
        pages=count,
        chrome_pages=sum(1 for page in found if page.chrome_left),
    )
