"""Checks of candidate rules with the language model: every example repaired as written,
every keep left alone, alone and with the whole set (``cleaner rules check``).

This sits above the rules layer: the rules modules load, validate and match; running the
examples needs the model (:class:`cleaner.lm.TrigramModel`) and lives here. The rule-kind
dispatch (:mod:`cleaner.rules.kinds`) names this module for ``kind = "candidates"``.
"""

from __future__ import annotations

from collections.abc import Sequence

from cleaner.lm import LanguageModel, TrigramModel, model_words
from cleaner.rules.candidates import Candidate, CandidatePack, pack_problems, parse_file
from cleaner.rules.source import RuleError, RuleFile


def vocabulary_problems(candidate: Candidate, model: LanguageModel) -> list[RuleError]:
    """Words of the candidate the model does not know: it could not judge them."""
    problems: list[RuleError] = []
    for form in (candidate.spun, *candidate.originals):
        unknown = [w for w in model_words(form) if not model.knows(w)]
        if unknown:
            problems.append(
                candidate.error(
                    f"{form!r}: {', '.join(unknown)} not in the vocabulary of {model.name}; "
                    "the model cannot judge it (make it a precise repair rule instead)"
                )
            )
    return problems


def candidate_problems(candidate: Candidate, model: LanguageModel) -> list[RuleError]:
    """Run one candidate's examples (each also cleaned twice) and keeps, alone, with the model."""
    problems = vocabulary_problems(candidate, model)
    pack = CandidatePack([candidate], model)
    for given, expected in candidate.examples:
        got = pack.repair(given)
        if got != expected:
            problems.append(
                candidate.error(
                    f"example {given!r}: expected {expected!r}, got {got!r}"
                    + _margins_note(pack, given)
                )
            )
        again = pack.repair(got)
        if again != got:
            problems.append(candidate.error(f"not idempotent: {got!r} becomes {again!r}"))
    for text in candidate.keep:
        got = pack.repair(text)
        if got != text:
            problems.append(
                candidate.error(f"keep {text!r} was changed to {got!r}" + _margins_note(pack, text))
            )
    return problems


def _margins_note(pack: CandidatePack, text: str) -> str:
    """The model's margins at each occurrence, so a failing example says how far off it is."""
    margins = [f"{m.margin:+.2f}" for m in pack.judge(text)]
    return f" (model margins: {', '.join(margins)})" if margins else ""


def check_file(rule_file: RuleFile, model: LanguageModel | None = None) -> list[RuleError]:
    """Schema problems, failing examples and changed keeps of one candidate file."""
    candidates, problems = parse_file(rule_file)
    problems.extend(pack_problems(candidates))
    if candidates:
        model = model or TrigramModel.load()
        for candidate in candidates:
            problems.extend(candidate_problems(candidate, model))
    return problems


def check_whole(candidates: Sequence[Candidate], model: LanguageModel) -> list[RuleError]:
    """Whole-set checks: ids and spun forms unique, no chains, every keep and every example's
    output unchanged by all candidates together."""
    problems = pack_problems(candidates)
    pack = CandidatePack(candidates, model)
    for candidate in candidates:
        for text in (*candidate.keep, *(expected for _, expected in candidate.examples)):
            culprits = sorted({m.rule_id for m in pack.find(text)} - {candidate.rule_id})
            if culprits:
                problems.append(
                    candidate.error(
                        f"{text!r} is changed by other candidates ({', '.join(culprits)}): "
                        f"{pack.repair(text)!r}"
                    )
                )
    return problems

