"""Candidate rule files: the schema of ``rules/candidates/*.toml``, validated on load.

A candidate file (``[meta] kind = "candidates"``) lists spinner substitutions of ordinary
words, each a spun form and the original(s) it may stand for::
for::

    [meta]
    kind = "candidates"
    description = "..."
    margin = 1.0                  # log10: the original must be 10x more likely in context

    [[rules]]
    id = "candidates.brokers"
    spun = "brokers"
    originals = ["agents"]
    pos = "noun"                  # optional, for reviewers: the model decides
    margin = 1.5                  # optional: overrides the file's margin
    examples = [["AI brokers can automate work.", "AI agents can automate work."]]
    keep = ["The deal was arranged by two brokers in London."]

Unlike a precise rule, a candidate never fires on its own: the repair stage offers each
occurrence (word boundaries, any case unless ``match_case``) to a :class:`LanguageModel`, which
compares the original and the spun wording in a window of context; the original replaces the
spun form, in the spun form's case, only when it wins by at least the margin, and only in
documents the repair gate calls spun. Optional guards (``require_before``, ``forbid_before``,
``require_after``, ``forbid_after``: regexes on the same line, as in repair rules) narrow
where a candidate is considered at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from cleaner.rules.source import RuleError, RuleFile, RuleRecord, load_rule_file, rule_files_under

KIND = "candidates"

#: The file margin when ``[meta] margin`` is absent: the original must be ten times more
#: likely than the spun form in its context (log10 1.0).
DEFAULT_MARGIN = 1.0

#: ``[meta] calibration``: how the file's margins were set. "clean" (the default): above every
#: margin the model gives the original in clean news, so the model alone leaves clean text
#: alone. "spinner-rate": priced by how often the spinner writes the form
#: (cleaner/mining_rates.py); lower, and only the gate keeps clean documents untouched.
CALIBRATIONS = frozenset({"clean", "spinner-rate"})

_META_KEYS = frozenset({"kind", "description", "margin", "source", "calibration"})
_GUARD_KEYS = ("require_before", "forbid_before", "require_after", "forbid_after")
_RULE_KEYS = frozenset(
    {"id", "spun", "originals", "pos", "margin", "match_case", "examples", "keep", "note"}
    | set(_GUARD_KEYS)
)
_POS_TAGS = frozenset({"noun", "verb", "adjective", "adverb", "name", "phrase", "other"})
_ID_SHAPE = regex.compile(r"^candidates\.[a-z0-9][a-z0-9-]*$")
_PHRASE_SHAPE = regex.compile(r"^[^\W_]+(?:['’-][^\W_]+)*(?: [^\W_]+(?:['’-][^\W_]+)*)*$")


@dataclass(frozen=True)
class Candidate:
    """One validated candidate entry."""

    rule_id: str
    path: Path
    line: int
    spun: str
    originals: tuple[str, ...]
    margin: float
    pos: str = ""
    match_case: bool = False
    require_before: str | None = None
    forbid_before: str | None = None
    require_after: str | None = None
    forbid_after: str | None = None
    examples: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = ()
    note: str = ""

    def error(self, problem: str) -> RuleError:
        return RuleError(self.path, self.line, self.rule_id, problem)

    @property
    def spun_words(self) -> tuple[str, ...]:
        return tuple(self.spun.lower().replace("’", "'").split())


def _margin(value: Any, where: RuleRecord | RuleFile) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problem = f"'margin' must be a number (log10), not {value!r}"
    elif value < 0:
        problem = f"'margin' must not be negative, not {value!r}"
    else:
        return float(value)
    if isinstance(where, RuleRecord):
        raise where.error(problem)
    raise RuleError(where.path, None, None, problem)


def _phrase(record: RuleRecord, key: str, value: Any) -> str:
    if not isinstance(value, str) or not _PHRASE_SHAPE.match(value):
        raise record.error(
            f"'{key}' must be one or more words separated by single spaces, not {value!r}"
        )
    return value


def parse_candidate(record: RuleRecord, file_margin: float) -> Candidate:
    """Validate one ``[[rules]]`` table; raise :class:`RuleError` naming file, line and id."""
    data = record.data
    unknown = sorted(set(data) - _RULE_KEYS)
    if unknown:
        raise record.error(f"unknown keys {unknown} (allowed: {sorted(_RULE_KEYS)})")
    if not _ID_SHAPE.match(record.rule_id):
        raise record.error("'id' must look like 'candidates.<slug>' (lower case, digits, '-')")
    if "spun" not in data:
        raise record.error("missing field 'spun' (the spun form, e.g. \"brokers\")")
    spun = _phrase(record, "spun", data["spun"])
    raw_originals = data.get("originals")
    if not isinstance(raw_originals, list) or not raw_originals:
        raise record.error("missing field 'originals' (a list of one or more original forms)")
    originals = tuple(_phrase(record, "originals", o) for o in raw_originals)
    if any(o.lower() == spun.lower() for o in originals):
        raise record.error(f"an original equals the spun form {spun!r}")
    if len({o.lower() for o in originals}) != len(originals):
        raise record.error("'originals' lists the same form twice")
    margin = _margin(data["margin"], record) if "margin" in data else file_margin
    pos = data.get("pos", "")
    if pos and pos not in _POS_TAGS:
        raise record.error(f"'pos' must be one of {sorted(_POS_TAGS)}, not {pos!r}")
    match_case = data.get("match_case", False)
    if not isinstance(match_case, bool):
        raise record.error("'match_case' must be true or false")
    guards: dict[str, str | None] = {}
    for key in _GUARD_KEYS:
        value = data.get(key)
        if value is not None:
            if not isinstance(value, str) or not value:
                raise record.error(f"'{key}' must be a non-empty regex string")
            try:
                regex.compile(value)
            except regex.error as exc:
                raise record.error(f"'{key}' is not a valid regex: {exc}") from exc
        guards[key] = value
    examples = record.example_pairs("spun text")
    keep = data.get("keep")
    if not isinstance(keep, list) or not keep or not all(isinstance(k, str) and k for k in keep):
        raise record.error(
            "missing field 'keep' (at least one text with a legitimate use of the spun form: "
            "every candidate is ordinary English somewhere)"
        )
    note = data.get("note", "")
    if not isinstance(note, str):
        raise record.error("'note' must be a string")
    return Candidate(
        rule_id=record.rule_id,
        path=record.path,
        line=record.line,
        spun=spun,
        originals=originals,
        margin=margin,
        pos=pos,
        match_case=match_case,
        examples=tuple(examples),
        keep=tuple(keep),
        note=note,
        **guards,
    )


def _meta_problems(rule_file: RuleFile) -> tuple[float, list[RuleError]]:
    problems: list[RuleError] = []
    unknown = sorted(set(rule_file.meta) - _META_KEYS)
    if unknown:
        problems.append(RuleError(rule_file.path, None, None, f"unknown [meta] keys {unknown}"))
    description = rule_file.meta.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append(
            RuleError(rule_file.path, None, None, "[meta] needs 'description' (a non-empty string)")
        )
    calibration = rule_file.meta.get("calibration", "clean")
    if calibration not in CALIBRATIONS:
        problems.append(
            RuleError(
                rule_file.path,
                None,
                None,
                f"[meta] calibration must be one of {sorted(CALIBRATIONS)}, not {calibration!r}",
            )
        )
    margin = DEFAULT_MARGIN
    if "margin" in rule_file.meta:
        try:
            margin = _margin(rule_file.meta["margin"], rule_file)
        except RuleError as exc:
            problems.append(exc)
    return margin, problems


def parse_file(rule_file: RuleFile) -> tuple[list[Candidate], list[RuleError]]:
    """Every valid candidate of a file, and every problem with the others."""
    margin, problems = _meta_problems(rule_file)
    candidates: list[Candidate] = []
    for record in rule_file.rules:
        try:
            candidates.append(parse_candidate(record, margin))
        except RuleError as exc:
            problems.append(exc)
    return candidates, problems


def pack_problems(candidates: Sequence[Candidate]) -> list[RuleError]:
    """Problems only the whole set shows: ids or spun forms given twice, and chains (an
    original that is itself a spun form would be rewritten again on a second run)."""
    problems: list[RuleError] = []
    ids: dict[str, Candidate] = {}
    forms: dict[tuple[bool, str], Candidate] = {}
    for candidate in candidates:
        first = ids.setdefault(candidate.rule_id, candidate)
        if first is not candidate:
            problems.append(
                candidate.error(f"duplicate rule id (also at {first.path}:{first.line})")
            )
        key = (
            candidate.match_case,
            candidate.spun if candidate.match_case else candidate.spun.lower(),
        )
        first = forms.setdefault(key, candidate)
        if first is not candidate:
            problems.append(
                candidate.error(
                    f"spun form {candidate.spun!r} is also a candidate at {first.path}:"
                    f"{first.line} ({first.rule_id}): merge their originals into one entry"
                )
            )
    spun_forms = {c.spun.lower(): c for c in candidates}
    for candidate in candidates:
        for original in candidate.originals:
            other = spun_forms.get(original.lower())
            if other is not None:
                problems.append(
                    candidate.error(
                        f"original {original!r} is itself a spun form ({other.rule_id}): a "
                        "second cleaning would rewrite it again"
                    )
                )
    return problems


def load_candidates(path: Path) -> list[Candidate]:
    """All candidates under ``path`` (a file or folder); files of other kinds are skipped.

    Raises the first :class:`RuleError` found (use :func:`cleaner.candidate_check.check_file` to collect them all).
    A missing folder holds no candidates.
    """
    if not path.exists():
        return []
    candidates: list[Candidate] = []
    for file_path in rule_files_under(path):
        rule_file = load_rule_file(file_path)
        if rule_file.meta.get("kind") != KIND:
            continue
        parsed, problems = parse_file(rule_file)
        if problems:
            raise problems[0]
        candidates.extend(parsed)
    problems = pack_problems(candidates)
    if problems:
        raise problems[0]
    return candidates
