"""Margins from the spinner's own habits: how often a form is spun where it occurs in spun text.

The clean-text calibration of :mod:`cleaner.mining` asks the language model to be sure on its
own: a candidate's margin sits above every margin the model gives the original in clean news.
For a form the spinner writes nearly every time it occurs in a spun page ("mentioned" for said,
"Basis" for Foundation), that throws the evidence away: two words of trigram context rarely
separate "mentioned" from "said", but in a page the gate calls spun, "mentioned" is most often
the spinner's.

This module measures that prior on spun pages aligned with their originals (tuning data only):
each occurrence of a form inside the stretch both texts cover is *spun* (the alignment
replaces it) or *kept* (it stands in the original too). With the model's margins at spun
occurrences and at legitimate ones (kept occurrences and clean news), it picks the smallest
margin at which a repair is right with probability at least :data:`PRECISION`:

    P(spun | fires) = r * P(fires | spun) / (r * P(fires | spun) + (1 - r) * P(fires | legit))

where ``r`` is the smoothed spun rate. The margin only ever applies in documents the gate
calls spun, so clean documents stay untouched whatever it is.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cleaner.lm import LanguageModel
from cleaner.rules.candidates import Candidate, CandidatePack

#: A repair must be right this often (estimated) for a margin to be chosen.
PRECISION = 0.8

#: Margins tried, smallest first (log10).
MARGIN_GRID = tuple(step / 4 for step in range(0, 25))

#: Fewest aligned pages a form must be seen spun on for its rate to be trusted at all:
#: occurrences on one page are not independent (one article repeats its words), and a habit
#: seen on one page may be that page's alone.
MIN_SPUN_PAGES = 2

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]")


@dataclass
class FormEvidence:
    """What the aligned spun pages and clean text say about one candidate form."""

    candidate: Candidate
    spun: int = 0  # occurrences the alignment replaces
    kept: int = 0  # occurrences that stand in the original too
    spun_pages: int = 0  # aligned pages with at least one spun occurrence
    spun_margins: list[float] = field(default_factory=list)
    legit_margins: list[float] = field(default_factory=list)
    margin: float | None = None  # None: no margin reaches PRECISION

    clean: int = 0  # occurrences in clean text
    pages: int = 0  # aligned pages counted
    clean_texts: int = 0  # clean texts counted

    @property
    def rate(self) -> float:
        """Estimated share of this form's occurrences in a spun page that are the spinner's:
        spun occurrences per aligned page against legitimate ones per page, the latter
        counted over the aligned pages' kept occurrences and clean news together (a spun page
        keeps most of its words, so its legitimate uses follow ordinary news). Half a count is
        added to each side, so that a form with little evidence stays uncertain."""
        spun = (self.spun + 0.5) / max(self.pages, 1)
        legit = (self.kept + self.clean + 0.5) / max(self.pages + self.clean_texts, 1)
        return spun / (spun + legit)


def _tokens_with_offsets(text: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group().lower().replace("’", "'")) for m in _TOKEN.finditer(text)]


def gather_evidence(
    candidates: Sequence[Candidate],
    model: LanguageModel,
    aligned_pages: Iterable[tuple[str, str]],
    clean_texts: Iterable[str],
) -> list[FormEvidence]:
    """Count spun and kept occurrences of each candidate's form on ``aligned_pages``
    ((spun text, original text) pairs), with the model's margin at each, and its margins in
    ``clean_texts`` (legitimate uses). Candidates' own margins are ignored."""
    evidence = [FormEvidence(c) for c in candidates]
    by_id = {c.rule_id: e for c, e in zip(candidates, evidence, strict=True)}
    pack = CandidatePack(candidates, model)
    pages = clean_count = 0
    for spun_text, original_text in aligned_pages:
        pages += 1
        spun_here: set[str] = set()
        spun_tokens = _tokens_with_offsets(spun_text)
        original_words = [w for _, w in _tokens_with_offsets(original_text)]
        matcher = difflib.SequenceMatcher(
            a=[w for _, w in spun_tokens], b=original_words, autojunk=False
        )
        opcodes = matcher.get_opcodes()
        equal = [(i1, i2) for op, i1, i2, _, _ in opcodes if op == "equal"]
        if not equal:
            continue
        low, high = equal[0][0], equal[-1][1]  # the stretch both excerpts cover
        kind_at: dict[int, str] = {}
        for op, i1, i2, _, _ in opcodes:
            for k in range(i1, i2):
                kind_at[spun_tokens[k][0]] = op if low <= k < high else "outside"
        for match in pack.judge(spun_text):
            form = by_id[match.rule_id]
            kind = kind_at.get(match.start)
            if kind == "equal":
                form.kept += 1
                form.legit_margins.append(match.margin)
            elif kind == "replace":
                form.spun += 1
                form.spun_margins.append(match.margin)
                spun_here.add(match.rule_id)
        for rule_id in spun_here:
            by_id[rule_id].spun_pages += 1
    for text in clean_texts:
        clean_count += 1
        for match in pack.judge(text):
            by_id[match.rule_id].legit_margins.append(match.margin)
            by_id[match.rule_id].clean += 1
    for form in evidence:
        form.pages, form.clean_texts = pages, clean_count
        form.margin = choose_margin(form)
    return evidence


def choose_margin(form: FormEvidence, precision: float = PRECISION) -> float | None:
    """The smallest margin of :data:`MARGIN_GRID` at which a repair of ``form`` is right with
    estimated probability ``precision``, or None (too little evidence, or never that sure)."""
    if form.spun_pages < MIN_SPUN_PAGES or form.spun <= form.kept:
        return None
    for margin in MARGIN_GRID:
        if not any(m >= margin for m in form.spun_margins):
            return None  # past every spun occurrence's margin: no repair at all
        if expected_precision(form, margin) >= precision:
            return margin
    return None


def expected_precision(form: FormEvidence, margin: float) -> float:
    """The estimated share of right repairs at ``margin`` (for review tables)."""
    fires_spun = sum(m >= margin for m in form.spun_margins) / max(len(form.spun_margins), 1)
    fires_legit = (sum(m >= margin for m in form.legit_margins) + 0.5) / (
        len(form.legit_margins) + 1
    )
    right = form.rate * fires_spun
    total = right + (1 - form.rate) * fires_legit
    return right / total if total else math.nan
