"""An invented two-site corpus for the learned-chrome tests: site A's pages share a footer and
a promo block, site B's share nothing but a heading each page has (real structure)."""

from __future__ import annotations

import random
from pathlib import Path

PAGES = 30
FOOTER = (
    "© 2026 The Harbour Gazette. All rights reserved.",
    "The Harbour Gazette, 12 Quay Street, Port Ellis. Letters to the editor welcome.",
)
PROMO = (
    "Ferry Club",
    "Gazette readers save a fifth on island ferry tickets until the end of the month.",
    "Show your reader card at any terminal desk",
)
HEADING = "Background"

_SUBJECTS = [
    "The harbour board",
    "A local baker",
    "The ferry operator",
    "Two fishermen",
    "The school choir",
    "A retired pilot",
    "The town museum",
    "Volunteers",
]
_VERBS = [
    "opened",
    "repaired",
    "painted",
    "measured",
    "photographed",
    "restored",
    "counted",
    "described",
]
_OBJECTS = [
    "the old lighthouse",
    "a fleet of rowing boats",
    "the north pier",
    "the tide gauge",
    "a row of net sheds",
    "the lifeboat station",
    "the market hall",
    "the sea wall",
]
_WHEN = [
    "on Monday",
    "at dawn",
    "last week",
    "before the storm",
    "after the regatta",
    "during the festival",
    "on Saturday morning",
    "in the rain",
]


def sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
        f"{rng.choice(_WHEN)}, {rng.randint(2, 400)} residents said."
    )


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(4))


def site_a_page(number: int) -> str:
    rng = random.Random(f"a{number}")
    body = [
        f"Harbour story number {number}",
        paragraph(rng),
        paragraph(rng),
        *PROMO,
        paragraph(rng),
        paragraph(rng),
        *FOOTER,
    ]
    return "\n\n".join(body) + "\n"


def site_b_page(number: int) -> str:
    rng = random.Random(f"b{number}")
    body = [f"Valley report {number}", paragraph(rng), HEADING, paragraph(rng), paragraph(rng)]
    return "\n\n".join(body) + "\n"


def make_corpus(root: Path, pages: int = PAGES) -> Path:
    """IN with ``site-a/`` and ``site-b/``, ``pages`` text files each; returns IN."""
    for folder, page in (("site-a", site_a_page), ("site-b", site_b_page)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for number in range(pages):
            (root / folder / f"p{number:02d}.txt").write_text(page(number), encoding="utf-8")
    return root
