"""The repair stage: undo a synonym spinner's substitutions with the rules in ``rules/repairs``.

Options (the stage's table in a pipeline file):

``rules``           folder or file of repair rules (default: ``<rules_dir>/repairs``)
``gate_threshold``  signatures per 1,000 words at which the gate calls a document spun and
                    lets the ambiguous rules run (default
                    :data:`cleaner.rules.repair.DEFAULT_GATE_THRESHOLD`)
``min_signatures``  different signature rules a document's signatures must come from,
                    whatever its length, before the gate may call it spun (default
                    :data:`cleaner.rules.repair.DEFAULT_MIN_SIGNATURES`)
``disable``         rule ids or themes (``"time"``) to leave out
``regex_timeout``   seconds a rule's regex may take on one call before the rule is skipped
                    for the document and reported (default
                    :data:`cleaner.rules.repair.DEFAULT_REGEX_TIMEOUT_S`)
``candidates``      folder or file of candidate rules, judged by the language model in
                    documents the gate calls spun (default: ``<rules_dir>/candidates``)

How it decides: the gate (:func:`cleaner.spin.spin_gate`) scores the stage's input, before any
repair, by its unambiguous spinner signatures. Only a document the gate calls spun is edited:
there every precise rule runs, the ambiguous ones too. In a document it calls clean, the
signature rules' matches are logged as findings (unapplied edits, shown by ``--explain``) and
the text is left alone: a lone "signature" in clean text has proved to be ordinary English more
often than a spinner's work (clean web pages, newuser3 A1), and a spinner rewrites far more than
one phrase. Documents whose ``language`` metadata is not
English (``"en"``, the default when no language stage ran) are left alone: the rules are
English.

Every replacement is an edit carrying its rule id, and a message naming the layer, the rule and
the gate score; the metadata gets ``spin_gate`` (``score``, ``threshold``, ``spun``, ...),
``spin_score_before`` and ``spin_score_after`` (spinner signatures per 1,000 words), or
``repair_skipped`` with the reason when the stage did nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from cleaner.document import (
    Document,
    Edit,
    LineIndex,
    Replacement,
    apply_replacements,
    report_timeouts,
)
from cleaner.lm import TrigramModel
from cleaner.registry import StageSettings
from cleaner.rules.candidates import CandidatePack, load_candidates
from cleaner.rules.repair import (
    DEFAULT_GATE_THRESHOLD,
    DEFAULT_MIN_SIGNATURES,
    DEFAULT_REGEX_TIMEOUT_S,
    FindResult,
    GateDecision,
    RepairPack,
    count_words,
    decide_gate,
    load_rules,
)
from cleaner.spin import SpinScore, spin_score

NAME = "repair"
DESCRIPTION = "undo synonym-spinner paraphrases ('this 12 months' -> 'this year') from rule files"
OPTIONS = frozenset(
    {"rules", "candidates", "gate_threshold", "min_signatures", "disable", "regex_timeout"}
)

#: The layer of today's rules, named in every edit's message (the candidate layer, checked by a
#: language model, comes after it).
PRECISE_LAYER = "precise"

#: The language the repair rules are written for.
RULES_LANGUAGE = "en"

#: Texts too short or mixed for the detector to name a language: the gate still guards them, and
#: the signatures it counts are English spinner forms, so they are treated as English.
UNDETERMINED = "und"


#: A document longer than this many characters is repaired region by region (see
#: :meth:`RepairStage.by_regions`); shorter ones, nearly all, in one piece.
REGION_CHARS = 1 << 16

#: Characters of the text on each side of a region (to a line's edge) that its matching also
#: reads: far more than any rule's look-behind, guard window or the candidate layer's context
#: needs.
REGION_CONTEXT_CHARS = 2000

# A code fence protects everything up to the next one, whatever the lines between: a text
# that holds one is repaired in one piece.
_CODE_FENCE = "```"


@dataclass(frozen=True)
class RepairStage:
    pack: RepairPack
    candidates: CandidatePack | None = None
    name: str = NAME
    description: str = DESCRIPTION
    region_chars: int = REGION_CHARS
    regions_safe: bool = field(init=False)
    """Whether every rule matches within one line (a pattern that runs on the whole text,
    having no literal to find its lines by, could match across a region's edge)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions_safe", self.pack.every_pattern_indexed)

    def __call__(self, doc: Document) -> Document:
        language = doc.metadata.get("language", RULES_LANGUAGE)
        if language not in (RULES_LANGUAGE, UNDETERMINED):
            return doc.with_metadata(
                repair_skipped=f"language is {language!r}; the repair rules are English"
            )
        if self._by_regions(doc.text):
            regional = self.by_regions(doc, language)
            if regional is not None:
                return regional
        scan = self.pack.scan(doc.text)
        # Decided once, on the input, before any repair, for an English document (the one
        # language check): every later layer follows the decision and trusts its language.
        gate = self.pack.gate(scan)
        if gate.language != language:  # "und": rare, and replace() costs on clean text
            gate = replace(gate, language=language)
        found = self.pack.finish(scan, spun=gate.spun, gate=gate)
        doc = report_timeouts(doc, NAME, found.timed_out, self.pack.regex_timeout)
        replacements = self._replacements(doc, gate, found)
        return self._repaired(
            doc, gate, replacements, lambda text: spin_score(text, self.pack).per_1000_words
        )

    def _replacements(
        self, piece: Document, gate: GateDecision, found: FindResult
    ) -> list[Replacement]:
        """The edits of ``piece`` (the document, or a region's piece of it): the precise
        rules' ``found`` matches and, in a document the gate calls spun, the candidates judged
        after them (their offsets in ``piece``)."""
        gate_note = f"gate score {gate.score:g} (threshold {gate.threshold:g})"
        precise_note = f"layer {PRECISE_LAYER}; {gate_note}"
        replacements = [
            Replacement(m.start, m.end, m.replacement, m.rule_id, precise_note)
            for m in found.matches
        ]
        if gate.spun and self.candidates is not None:
            # Broad candidates only in documents the gate calls spun, judged after the precise
            # rules; one apply_replacements keeps every offset in the stage's input.
            replacements += self.candidates.replacements(piece, gate, replacements, note=gate_note)
        return replacements

    def _repaired(
        self,
        doc: Document,
        gate: GateDecision,
        replacements: list[Replacement],
        score_after: Callable[[str], float],
    ) -> Document:
        """``doc`` with ``replacements`` applied and the gate's metadata; ``score_after``: the
        repaired text's spinner signatures per 1,000 words."""
        gate_fields = {"spin_gate": gate.as_metadata(), "spin_score_before": gate.score}
        if replacements and not gate.spun:
            held = _held(doc.text, replacements, gate)
            return doc.with_findings(held).with_metadata(**gate_fields, spin_score_after=gate.score)
        if not replacements and not (gate.spun and self.candidates is not None):
            return doc.with_metadata(**gate_fields, spin_score_after=gate.score)
        repaired = apply_replacements(doc, NAME, replacements)
        return repaired.with_metadata(**gate_fields, spin_score_after=score_after(repaired.text))

    def _by_regions(self, text: str) -> bool:
        return len(text) > self.region_chars and self.regions_safe and _CODE_FENCE not in text

    def by_regions(self, doc: Document, language: str) -> Document | None:
        """The stage's result on a long document, worked out region by region (about
        ``region_chars`` characters, cut where a line ends), so that the copies matching makes
        of its text (straightened, lower-cased, repaired) scale with a region, not with the
        document. Every rule and the candidate layer decide within a line (a candidate's spun
        form may run into the next one), reading far less than :data:`REGION_CONTEXT_CHARS`
        around it, so each region is matched inside a piece that much larger on each side and
        keeps only what starts in it: the same matches as in one piece. The gate is still
        decided on the whole input: signatures are counted in every region first. None when a
        rule's regex timed out (it is then skipped for the whole document, which only the
        one-piece path decides exactly)."""
        text = doc.text
        counted = self._signatures(text)
        if counted is None:
            return None
        signatures, rules = counted
        gate = decide_gate(
            signatures, text, self.pack.gate_threshold, self.pack.min_signatures, rules
        )
        gate = replace(gate, language=language)
        replacements: list[Replacement] = []
        for before, start, end, after in _regions(text, self.region_chars):
            piece = Document(text[before:after])
            found = self.pack.finish(self.pack.scan(piece.text), spun=gate.spun, gate=gate)
            if found.timed_out:
                return None
            in_piece = self._replacements(piece, gate, found)
            replacements += _shifted(in_piece, start - before, end - before, before)
        return self._repaired(doc, gate, replacements, self._score_after)

    def _score_after(self, text: str) -> float:
        """Spinner signatures per 1,000 words of a long repaired text, counted region by
        region (in one piece when a rule's regex timed out)."""
        counted = self._signatures(text)
        if counted is None:
            return spin_score(text, self.pack).per_1000_words
        return SpinScore(counted[0], count_words(text)).per_1000_words

    def _signatures(self, text: str) -> tuple[int, int] | None:
        """The signature matches in ``text`` (as the gate counts them), region by region, and
        how many different rules they come from; None when a rule's regex timed out."""
        count = 0
        rules: set[str] = set()
        for before, start, end, after in _regions(text, self.region_chars):
            found = self.pack.finish(self.pack.scan(text[before:after]), spun=False)
            if found.timed_out:
                return None
            for m in found.matches:
                if m.signature and start <= m.start + before < end:
                    count += 1
                    rules.add(m.rule_id)
        return count, len(rules)


def _held(text: str, replacements: list[Replacement], gate: GateDecision) -> list[Edit]:
    """The findings that stand for ``replacements`` in a document the gate calls clean: what
    each rule would have written, unapplied, and why."""
    index = LineIndex(text)
    why = (
        f"held: the gate calls the document clean ({gate.signatures} signature(s) of "
        f"{gate.rules} rule(s), score {gate.score:g}, threshold {gate.threshold:g}, "
        f"{gate.min_signatures} different rules needed)"
    )
    return [
        Edit(
            stage=NAME,
            rule_id=rep.rule_id,
            start=rep.start,
            end=rep.end,
            before=text[rep.start : rep.end],
            after=rep.after,
            line=index.line_of(rep.start),
            applied=False,
            message=why,
        )
        for rep in sorted(replacements, key=lambda r: (r.start, r.end))
    ]


def _regions(text: str, size: int) -> Iterator[tuple[int, int, int, int]]:
    """(piece start, region start, region end, piece end) for each region of ``text``: a region
    ends where a line does, about ``size`` characters after it starts; the piece matched for it
    reaches from a line start at least :data:`REGION_CONTEXT_CHARS` before it to a line end as
    far after it (a candidate's spun form may run over a line break)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + size) + 1 or len(text)
        before = text.rfind("\n", 0, max(0, start - REGION_CONTEXT_CHARS)) + 1
        after = text.find("\n", end + REGION_CONTEXT_CHARS) + 1 or len(text)
        yield before, start, end, after
        start = end


def _shifted(
    replacements: list[Replacement], start: int, end: int, by: int
) -> Iterator[Replacement]:
    """The replacements that start in ``[start, end)``, moved ``by`` characters on."""
    for rep in replacements:
        if start <= rep.start < end:
            yield replace(rep, start=rep.start + by, end=rep.end + by)


def _disabled(rule_id: str, disable: Sequence[str]) -> bool:
    return any(rule_id == d or rule_id.startswith(f"{d}.") for d in disable)


def build(settings: StageSettings) -> RepairStage:
    rules_path = Path(settings.options.get("rules", settings.rules_dir / "repairs"))
    min_signatures = int(settings.options.get("min_signatures", DEFAULT_MIN_SIGNATURES))
    gate_threshold = float(settings.options.get("gate_threshold", DEFAULT_GATE_THRESHOLD))
    disable = [str(d) for d in settings.options.get("disable", ())]
    rules = [r for r in load_rules(rules_path) if not _disabled(r.rule_id, disable)]
    timeout = float(settings.options.get("regex_timeout", DEFAULT_REGEX_TIMEOUT_S))
    if timeout <= 0:
        raise ValueError(f"repair: regex_timeout must be positive, not {timeout}")
    pack = RepairPack(
        rules, min_signatures=min_signatures, regex_timeout=timeout, gate_threshold=gate_threshold
    )
    candidates_path = Path(settings.options.get("candidates", settings.rules_dir / "candidates"))
    candidates = [c for c in load_candidates(candidates_path) if not _disabled(c.rule_id, disable)]
    if not candidates:
        return RepairStage(pack=pack)
    return RepairStage(pack=pack, candidates=CandidatePack(candidates, TrigramModel.load()))
