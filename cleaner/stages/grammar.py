"""The grammar stage: LanguageTool checks the text; only allow-listed, safe fixes are applied.

Applied: the rule ids listed in ``rules/grammar.toml`` (a/an, a repeated word such as
"of of", stray spaces, doubled punctuation), each with LanguageTool's first suggestion.
Everything else LanguageTool reports is logged as a finding (``Edit(applied=False)``) with
its message, so ``--explain`` shows it; spelling suggestions are never applied.

Metadata: ``grammar_issues_per_1k_words_before`` / ``_after``, LanguageTool's issue count
per 1,000 words before and after the fixes: a cheap measure of how garbled a text still is.

The stage is a pure function of the document given the server; the server handle is
obtained lazily on the first document (see :mod:`cleaner.languagetool`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from cleaner.document import Document, Edit, LineIndex, Replacement, apply_replacements
from cleaner.languagetool import LanguageToolService, Match, shared_service
from cleaner.registry import StageSettings
from cleaner.rules.grammar import AllowedRule, is_spelling_rule, load_allow_list

NAME = "grammar"
OPTIONS = frozenset({"language", "allow_list"})
DESCRIPTION = (
    "LanguageTool: apply safe allow-listed fixes (a/an, repeated words, spacing, doubled "
    "punctuation); report everything else as findings"
)

CHUNK_CHARS = 10_000
"""Largest text sent in one request. Most articles fit in one (as fast as posting the whole
text); longer ones are cut at paragraph breaks so one request never takes long and a
recheck after a fix resends only the chunk that changed."""

_OPTIONS = {"language", "allow_list"}


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int


def split_chunks(text: str, limit: int = CHUNK_CHARS) -> list[Chunk]:
    """Spans of at most ``limit`` characters covering ``text``, cut at paragraph breaks,
    else at line breaks, else after a sentence, else anywhere."""
    chunks: list[Chunk] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = -1
        for separator in ("\n\n", "\n", ". ", " "):
            found = window.rfind(separator)
            if found > 0:
                cut = found + len(separator)
                break
        if cut <= 0:
            cut = limit
        chunks.append(Chunk(start, start + cut))
        start += cut
    if start < len(text) or not chunks:
        chunks.append(Chunk(start, len(text)))
    return chunks


def _words(text: str) -> int:
    return len(text.split())


def _per_1k(issues: int, words: int) -> float:
    return round(issues * 1000 / words, 2) if words else 0.0


MAX_ROUNDS = 3
"""A fix can make the next one visible ("plan, , and" -> "plan,, and" -> "plan, and"), so a
changed chunk is checked again and its new allow-listed fixes applied, up to this many rounds
(one is the norm; the bound only guards against two rules undoing each other)."""


def _apply_local(text: str, replacements: Sequence[Replacement]) -> str:
    pieces: list[str] = []
    cursor = 0
    for rep in sorted(replacements, key=lambda r: r.start):
        pieces.append(text[cursor : rep.start])
        pieces.append(rep.after)
        cursor = rep.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _compose(
    original: str, previous: Sequence[Replacement], fixes: Sequence[Replacement]
) -> list[Replacement]:
    """Fold ``fixes`` (offsets into ``original`` with ``previous`` applied) into ``previous``,
    giving replacements with offsets into ``original``; a fix touching an earlier one merges
    with it (rule ids joined with "+"), so every edit still refers to the stage's input."""
    reps = sorted(previous, key=lambda r: r.start)
    # Right to left: positions left of a merged fix stay valid in the current text.
    for fix in sorted(fixes, key=lambda f: f.start, reverse=True):
        current = _apply_local(original, reps)
        spans: list[tuple[int, int, Replacement]] = []
        shift = 0
        for rep in reps:
            start = rep.start + shift
            spans.append((start, start + len(rep.after), rep))
            shift += len(rep.after) - (rep.end - rep.start)
        merged = [span for span in spans if span[0] <= fix.end and fix.start <= span[1]]
        kept = [span for span in spans if span not in merged]
        lo = min([fix.start] + [span[0] for span in merged])
        hi = max([fix.end] + [span[1] for span in merged])

        def delta(rep: Replacement) -> int:
            return len(rep.after) - (rep.end - rep.start)

        orig_start = lo - sum(delta(rep) for _, end, rep in kept if end < lo)
        orig_end = orig_start + (hi - lo) - sum(delta(rep) for _, _, rep in merged)
        rule_ids = [part for _, _, rep in merged for part in rep.rule_id.split("+")]
        rule_ids.append(fix.rule_id)
        combined = Replacement(
            start=orig_start,
            end=orig_end,
            after=current[lo : fix.start] + fix.after + current[fix.end : hi],
            rule_id="+".join(dict.fromkeys(rule_ids)),
            message=fix.message,
        )
        reps = sorted([rep for _, _, rep in kept] + [combined], key=lambda r: r.start)
    return reps


@dataclass(frozen=True)
class GrammarStage:
    """Checks a document with LanguageTool and applies allow-listed fixes only."""

    allow_list: Mapping[str, AllowedRule]
    service: Callable[[], LanguageToolService]
    language: str = "en-US"
    name: str = NAME
    description: str = DESCRIPTION

    def _select(self, text: str, matches: Sequence[Match]) -> tuple[list[Replacement], list[Match]]:
        """Split matches into fixes to apply and findings to report."""
        fixes: list[Replacement] = []
        findings: list[Match] = []
        cursor = 0
        for match in sorted(matches, key=lambda m: (m.offset, -m.length)):
            start, end = match.offset, match.offset + match.length
            flagged = text[start:end]
            rule = self.allow_list.get(match.rule_id)
            safe = (
                rule is not None
                and not is_spelling_rule(match.rule_id, match.category)
                and bool(match.replacements)
                and match.replacements[0] != flagged
                and rule.permits(flagged)
                # Overlapping suggestions ("a a apple": repeat + a/an) would fight: first wins.
                and start >= cursor
            )
            if safe:
                fixes.append(
                    Replacement(start, end, match.replacements[0], match.rule_id, match.message)
                )
                cursor = end
            else:
                findings.append(match)
        return fixes, findings

    def __call__(self, doc: Document) -> Document:
        text = doc.text
        if not text.strip():
            return doc.with_metadata(
                grammar_issues_per_1k_words_before=0.0, grammar_issues_per_1k_words_after=0.0
            )
        service = self.service()
        fixes: list[Replacement] = []
        findings: list[Match] = []
        issues_before = 0
        issues_after = 0
        for chunk in split_chunks(text):
            chunk_text = text[chunk.start : chunk.end]
            matches = service.check(chunk_text, self.language)
            issues_before += len(matches)
            local_fixes, local_findings = self._select(chunk_text, matches)
            chunk_fixes: list[Replacement] = []
            for _ in range(MAX_ROUNDS):
                if not local_fixes:
                    break
                chunk_fixes = _compose(chunk_text, chunk_fixes, local_fixes)
                # The "after" figure is measured, not guessed; the server's sentence cache
                # makes this recheck cost only the changed sentences.
                current = _apply_local(chunk_text, chunk_fixes)
                matches = service.check(current, self.language)
                local_fixes, _ = self._select(current, matches)
            issues_after += len(matches)
            fixes += [
                Replacement(
                    f.start + chunk.start, f.end + chunk.start, f.after, f.rule_id, f.message
                )
                for f in chunk_fixes
            ]
            findings += [
                Match(
                    m.rule_id,
                    m.offset + chunk.start,
                    m.length,
                    m.message,
                    m.replacements,
                    m.category,
                    m.issue_type,
                )
                for m in local_findings
            ]

        index = LineIndex(text)
        finding_edits = [
            Edit(
                stage=NAME,
                rule_id=m.rule_id,
                start=m.offset,
                end=m.offset + m.length,
                before=text[m.offset : m.offset + m.length],
                after=m.replacements[0] if m.replacements else "",
                line=index.line_of(m.offset),
                applied=False,
                message=m.message,
            )
            for m in findings
        ]
        fixed = apply_replacements(doc, NAME, fixes)
        return fixed.with_findings(finding_edits).with_metadata(
            grammar_issues_per_1k_words_before=_per_1k(issues_before, _words(text)),
            grammar_issues_per_1k_words_after=_per_1k(issues_after, _words(fixed.text)),
        )


def build(settings: StageSettings) -> GrammarStage:
    unknown = set(settings.options) - _OPTIONS
    if unknown:
        raise ValueError(
            f"stage {NAME}: unknown options {sorted(unknown)} (known: {sorted(_OPTIONS)})"
        )
    language = settings.options.get("language", "en-US")
    if not isinstance(language, str) or not language:
        raise ValueError(f"stage {NAME}: option 'language' must be a language code like 'en-US'")
    allow_path = Path(settings.options.get("allow_list", settings.rules_dir / "grammar.toml"))
    url = settings.languagetool_url
    return GrammarStage(
        allow_list=load_allow_list(allow_path),
        # partial, not a lambda: a stage must pickle to reach Ray workers.
        service=partial(shared_service, url),
        language=language,
    )
