"""The repair stage: undo a synonym spinner's substitutions with the rules in ``rules/repairs``.

Options (the stage's table in a pipeline file):

``rules``           folder or file of repair rules (default: ``<rules_dir>/repairs``)
``min_signatures``  signatures a document needs before ``needs_spun`` rules may fire
                    (default :data:`cleaner.rules.repair.DEFAULT_MIN_SIGNATURES`)
``disable``         rule ids or themes (``"time"``) to leave out
``regex_timeout``   seconds a rule's regex may take on one call before the rule is skipped
                    for the document and reported (default
                    :data:`cleaner.rules.repair.DEFAULT_REGEX_TIMEOUT_S`)
``candidates``      folder or file of candidate rules, judged by the language model in
                    documents the gate calls spun (default: ``<rules_dir>/candidates``)

Every replacement is an edit carrying its rule id; the metadata gets ``spin_score_before`` and
``spin_score_after`` (spinner signatures per 1,000 words).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cleaner.document import Document, Replacement, apply_replacements
from cleaner.lm import TrigramModel
from cleaner.registry import StageSettings
from cleaner.rules.candidates import CandidatePack, load_candidates
from cleaner.rules.repair import (
    DEFAULT_MIN_SIGNATURES,
    DEFAULT_REGEX_TIMEOUT_S,
    RepairPack,
    load_rules,
    report_timeouts,
)
from cleaner.spin import score_matches, spin_score

NAME = "repair"
DESCRIPTION = "undo synonym-spinner paraphrases ('this 12 months' -> 'this year') from rule files"


@dataclass(frozen=True)
class RepairStage:
    pack: RepairPack
    candidates: CandidatePack | None = None
    name: str = NAME
    description: str = DESCRIPTION

    def __call__(self, doc: Document) -> Document:
        found = self.pack.search(doc.text)
        matches = found.matches
        before = score_matches(doc.text, matches)
        doc = report_timeouts(doc, NAME, found.timed_out, self.pack.regex_timeout)
        # Until the document gate lands, the evidence of spinning is the signature count.
        spun = before.signatures >= self.pack.min_signatures
        if not matches:
            return doc.with_metadata(
                spin_score_before=before.per_1000_words, spin_score_after=before.per_1000_words
            )
        replacements = [Replacement(m.start, m.end, m.replacement, m.rule_id) for m in matches]
        if spun and self.candidates is not None:
            replacements += self.candidates.replacements(doc, replacements)
        repaired = apply_replacements(doc, NAME, replacements)
        after = spin_score(repaired.text, self.pack)
        return repaired.with_metadata(
            spin_score_before=before.per_1000_words, spin_score_after=after.per_1000_words
        )


def _disabled(rule_id: str, disable: Sequence[str]) -> bool:
    return any(rule_id == d or rule_id.startswith(f"{d}.") for d in disable)


def build(settings: StageSettings) -> RepairStage:
    rules_path = Path(settings.options.get("rules", settings.rules_dir / "repairs"))
    min_signatures = int(settings.options.get("min_signatures", DEFAULT_MIN_SIGNATURES))
    disable = [str(d) for d in settings.options.get("disable", ())]
    rules = [r for r in load_rules(rules_path) if not _disabled(r.rule_id, disable)]
    timeout = float(settings.options.get("regex_timeout", DEFAULT_REGEX_TIMEOUT_S))
    if timeout <= 0:
        raise ValueError(f"repair: regex_timeout must be positive, not {timeout}")
    pack = RepairPack(rules, min_signatures=min_signatures, regex_timeout=timeout)
    candidates_path = Path(settings.options.get("candidates", settings.rules_dir / "candidates"))
    candidates = [c for c in load_candidates(candidates_path) if not _disabled(c.rule_id, disable)]
    if not candidates:
        return RepairStage(pack=pack)
    return RepairStage(pack=pack, candidates=CandidatePack(candidates, TrigramModel.load()))
