"""The grammar stage: LanguageTool checks the text; only allow-listed, safe fixes are applied.

Applied: the rule ids listed in ``rules/grammar.toml`` (a/an, a repeated word such as
"of of", stray spaces, doubled punctuation), each with LanguageTool's first suggestion, and
only in the languages each rule lists (English by default). With findings on (the
``findings`` option), everything else LanguageTool reports is logged as a finding
(``Edit(applied=False)``) with its message, so ``--explain`` shows it; spelling suggestions
are never applied.

Language: the ``language`` stage's ``metadata["language"]``. English (and "und", a text too
short to tell) is checked as ``language`` (``en-US``); another language LanguageTool has
installed is checked in that language (findings, plus any rule allow-listed for it); a
language it lacks is not checked, and ``grammar_skipped`` says so. With findings off, a
language no rule is allow-listed for costs no request at all.

What is sent: only prose. Table rows, code (an HTML page's ``<pre>``/``<code>`` blocks, a
Markdown fence, lines that look like code: :mod:`cleaner.stages.code_lines`) and lines of
numbers or ticker codes are left out;
the rest is cut into chunks at paragraph breaks, checked in parallel threads. With findings
off, only the units (lines that end a sentence, or paragraphs) in which an allowed rule's
trigger matches (:data:`cleaner.rules.grammar.TRIGGERS`) are sent, so a document where none
does needs no server at all. A fix is applied only where its rule's trigger matches, so
leaving a unit out loses none; that LanguageTool finds the same fixes in the units sent
alone is checked on the AEB pages and bodies and the samples (``tests/test_grammar_evidence``).

Metadata: ``grammar_language`` (the LanguageTool language used), ``grammar_findings``
(whether findings were collected),
``grammar_issues_per_1k_words_before`` / ``_after`` (LanguageTool's issue count per 1,000
words before and after the fixes), or ``grammar_skipped`` (why nothing was checked or
applied: no support for the language, or a request that failed or passed ``request_timeout``
seconds, in which case the document is written without grammar fixes and warned about).

Options: ``language`` (default ``en-US``), ``allow_list`` (default
``<rules_dir>/grammar.toml``), ``request_timeout`` (seconds, default 30), ``findings``
(``"auto"``, the default, or true/false). Findings cost LanguageTool several times the work of
the fixes, so they are collected only when someone will see them: ``"auto"`` is off for a
plain run and turned on by whoever shows them (``cleaner clean --explain``, ``--findings``);
an explicit true or false in the pipeline file wins. Off, LanguageTool is asked for the
allow-listed rules only and only for the sentences where one of them could fire (their
triggers), nothing else is recorded as a finding, the issue counts cover those sentences only
(so they are not comparable with a run that collects findings), and ``grammar_findings`` is
false in the metadata.

The stage is a pure function of the document given the server. It owns its
:class:`~cleaner.languagetool.LanguageToolService` (made when the stage is built, connected on
the first document that needs it); closing the pipeline closes it.

Rule files: :func:`check_file` runs every example and keep of a ``kind = "grammar"`` file
through this stage (``cleaner rules check``); :mod:`cleaner.rules.grammar` only loads and
validates them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cleaner.document import (
    Document,
    Edit,
    LineIndex,
    Replacement,
    add_warning,
    apply_replacements,
)
from cleaner.languagetool import (
    REQUEST_TIMEOUT_S,
    LanguageToolError,
    LanguageToolService,
    Match,
    RequestFailed,
)
from cleaner.registry import StageSettings
from cleaner.rules import grammar as grammar_rules
from cleaner.rules.grammar import (
    FINDINGS_AUTO,
    AllowedRule,
    TriggerStarts,
    is_safe_fix,
    is_spelling_rule,
    load_allow_list,
)
from cleaner.rules.source import RuleError, RuleFile
from cleaner.stages.code_lines import (
    CODE_LINES_KEY,
    code_line_flags,
    inline_code_spans,
    looks_like_code,
)

NAME = "grammar"
DESCRIPTION = (
    "LanguageTool: apply safe allow-listed fixes (a/an, repeated words, spacing, doubled "
    "punctuation); report everything else as findings"
)

CHUNK_CHARS = 3_000
"""Largest text sent in one request. Longer prose is cut at paragraph breaks: the pieces are
checked in parallel (the server has a thread per core), one request never takes long, and a
recheck after a fix resends only the piece that changed."""

OPTIONS = frozenset({"language", "allow_list", "request_timeout", "findings"})


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int


_TOKEN_WITH_DIGIT_OR_CODE = re.compile(r"^\S*\d\S*$|^\.?[A-Z0-9]{2,}[.=:^][A-Z0-9.]*$")


def is_prose(line: str) -> bool:
    """Whether a line, taken alone, is running text worth a grammar check. Table rows (tabs,
    "|" cells), code (:func:`~cleaner.stages.code_lines.looks_like_code`), and lines made
    mostly of numbers or ticker codes are not: LanguageTool's spacing, a/an and punctuation
    rules misread them (``x = a  if b`` -> ``x = an if b``), and checking them only costs
    time."""
    stripped = line.strip()
    if not stripped:
        return True  # a paragraph break belongs to the prose around it
    if "\t" in stripped or stripped.count("|") >= 2 or looks_like_code(line):
        return False
    letters = sum(1 for ch in stripped if ch.isalpha())
    if letters < 0.5 * len(stripped.replace(" ", "")):
        return False
    tokens = stripped.split()
    coded = sum(1 for token in tokens if _TOKEN_WITH_DIGIT_OR_CODE.match(token))
    return not (len(tokens) >= 3 and coded * 2 >= len(tokens))


def prose_spans(text: str, page_code: Collection[str] = ()) -> list[Chunk]:
    """Maximal runs of prose lines (see :func:`is_prose`), without leading/trailing blanks.
    A line of code is never prose, nor is any line of a block of code: a Markdown fence, an
    HTML page's ``<pre>``/``<code>`` (``page_code``, the keys the extract stage recorded) or
    lines among code (see :mod:`cleaner.stages.code_lines`)."""
    spans: list[Chunk] = []
    start: int | None = None
    offset = 0
    lines = text.splitlines(keepends=True)
    code = code_line_flags(lines, page_code)
    for line, is_code in zip(lines, code, strict=True):
        prose = not is_code and is_prose(line)
        if prose and start is None and line.strip():
            start = offset
        elif not prose and start is not None:
            spans.append(Chunk(start, offset))
            start = None
        offset += len(line)
    if start is not None:
        spans.append(Chunk(start, offset))
    trimmed = []
    for span in spans:
        piece = text[span.start : span.end]
        end = span.start + len(piece.rstrip())
        if end > span.start:
            trimmed.append(Chunk(span.start, end))
    return trimmed


# Where LanguageTool's sentence splitter ends a sentence at a line break. Not the
# _SENTENCE_END of stages/repeated_blocks.py or stages/html_extraction.py, on purpose: those
# judge whether a line of a page reads as prose, with extraction scores as the measure
# (repeated_blocks' was tuned on the AEB tuning pages; html_extraction's also takes ":" and a
# bare closing quote), while this one must agree with LanguageTool (an ellipsis, "»", trailing
# spaces), or the prefilter would send a fix's sentence without the text before it.
_ENDS_LANGUAGETOOL_SENTENCE = re.compile(r"[.!?…][\"'”’»)\]]*[^\S\n]*$")


def sentence_units(text: str, span: Chunk) -> list[Chunk]:
    """``span`` cut at line breaks where LanguageTool ends a sentence anyway: after a line
    ending in ".", "!", "?" (maybe followed by closing quotes), and at blank lines. A unit is
    the least that can be sent alone with no change in what LanguageTool sees around a fix."""
    units: list[Chunk] = []
    start = pos = span.start
    while pos < span.end:
        newline = text.find("\n", pos, span.end)
        if newline < 0:
            break
        line = text[pos:newline]
        next_break = text.find("\n", newline + 1, span.end)
        after = text[newline + 1 : span.end if next_break < 0 else next_break]
        if not line.strip() or not after.strip() or _ENDS_LANGUAGETOOL_SENTENCE.search(line):
            if text[start:newline].strip():
                units.append(Chunk(start, newline))
            start = newline + 1
        pos = newline + 1
    if text[start : span.end].strip():
        units.append(Chunk(start, span.end))
    return units


def triggered_spans(text: str, span: Chunk, fix_spans: Sequence[tuple[int, int]]) -> list[Chunk]:
    """The units of ``span`` (see :func:`sentence_units`) that overlap one of ``fix_spans``
    (sorted), neighbours joined into one span."""
    units = sentence_units(text, span)
    starts = [unit.start for unit in units]
    wanted: set[int] = set()
    first_fix = bisect.bisect_left(fix_spans, (span.start, span.start))
    for start, end in fix_spans[max(0, first_fix - 1) :]:
        if start >= span.end:
            break
        if end <= span.start:
            continue
        first = max(0, bisect.bisect_right(starts, start) - 1)
        last = max(0, bisect.bisect_right(starts, max(start, end - 1)) - 1)
        wanted.update(range(first, last + 1))
    kept: list[Chunk] = []
    for index in sorted(wanted):
        unit = units[index]
        if kept and index - 1 in wanted:
            kept[-1] = Chunk(kept[-1].start, unit.end)
        else:
            kept.append(unit)
    return kept


def check_chunks(
    text: str,
    limit: int = CHUNK_CHARS,
    fix_spans: Sequence[tuple[int, int]] | None = None,
    page_code: Collection[str] = (),
) -> list[Chunk]:
    """The pieces of ``text`` to send: its prose spans (with ``fix_spans``, the sorted places
    where a fix could be, only the units of them that hold one), each cut to at most
    ``limit``. ``page_code``: the lines of the page's code blocks (see :func:`prose_spans`)."""
    spans = prose_spans(text, page_code)
    if fix_spans is not None:
        spans = [part for span in spans for part in triggered_spans(text, span, fix_spans)]
    chunks: list[Chunk] = []
    for span in spans:
        for piece in split_chunks(text[span.start : span.end], limit):
            chunks.append(Chunk(piece.start + span.start, piece.end + span.start))
    return chunks


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
class _ChunkResult:
    fixes: list[Replacement]
    findings: list[Match]
    issues_before: int
    issues_after: int


@dataclass(frozen=True)
class GrammarStage:
    """Checks a document with LanguageTool and applies allow-listed fixes only."""

    allow_list: Mapping[str, AllowedRule]
    service: LanguageToolService
    language: str = "en-US"
    findings: bool = False
    """Ask LanguageTool for every rule and record what is not applied as findings; false (the
    default): ask only for the allow-listed rules, several times less work."""
    name: str = NAME
    description: str = DESCRIPTION

    @property
    def base_language(self) -> str:
        return self.language.split("-")[0].lower()

    def _select(
        self, text: str, matches: Sequence[Match], allowed: Mapping[str, AllowedRule]
    ) -> tuple[list[Replacement], list[Match]]:
        """Split matches into fixes to apply and findings to report."""
        fixes: list[Replacement] = []
        findings: list[Match] = []
        triggers = TriggerStarts(text)
        cursor = 0
        for match in sorted(matches, key=lambda m: (m.offset, -m.length)):
            start, end = match.offset, match.offset + match.length
            flagged = text[start:end]
            rule = allowed.get(match.rule_id)
            safe = (
                rule is not None
                and not is_spelling_rule(match.rule_id, match.category)
                and bool(match.replacements)
                and match.replacements[0] != flagged
                and rule.permits(flagged)
                and is_safe_fix(
                    text, start, end, match.replacements[0], match.rule_id, triggers=triggers
                )
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

    def _check_chunk(
        self,
        service: LanguageToolService,
        chunk_text: str,
        language: str,
        allowed: Mapping[str, AllowedRule],
    ) -> _ChunkResult:
        only = () if self.findings else tuple(allowed)
        matches = service.check(chunk_text, language, only)
        issues_before = len(matches)
        local_fixes, local_findings = self._select(chunk_text, matches, allowed)
        chunk_fixes: list[Replacement] = []
        for _ in range(MAX_ROUNDS):
            if not local_fixes:
                break
            chunk_fixes = _compose(chunk_text, chunk_fixes, local_fixes)
            # The "after" figure is measured, not guessed; the server's sentence cache
            # makes this recheck cost only the changed sentences.
            current = _apply_local(chunk_text, chunk_fixes)
            matches = service.check(current, language, only)
            local_fixes, _ = self._select(current, matches, allowed)
        return _ChunkResult(chunk_fixes, local_findings, issues_before, len(matches))

    def __call__(self, doc: Document) -> Document:
        text = doc.text
        detected = str(doc.metadata.get("language", self.base_language))
        if detected in ("und", self.base_language):
            detected, language = self.base_language, self.language
        else:
            language = detected
        if not text.strip():
            return doc.with_metadata(
                grammar_issues_per_1k_words_before=0.0, grammar_issues_per_1k_words_after=0.0
            )
        service = self.service
        allowed = {k: r for k, r in self.allow_list.items() if detected in r.languages}
        if not allowed and not self.findings:  # nothing to apply, nothing to report: no request
            return doc.with_metadata(
                grammar_skipped=f"no grammar rule is allow-listed for language '{detected}'",
                grammar_findings=False,
            )
        if detected != self.base_language and language not in service.languages():
            return doc.with_metadata(
                grammar_skipped=f"LanguageTool here has no checker for language '{detected}'"
            )
        # Findings need all prose; fixes only the units where an allowed rule could fire.
        fixable = None if self.findings else grammar_rules.fix_spans(allowed, text)
        page_code = doc.metadata.get(CODE_LINES_KEY) or ()
        chunks = check_chunks(text, fix_spans=fixable, page_code=frozenset(page_code))
        pool = service.executor() if chunks else None  # nothing to send: no server needed
        futures = [
            pool.submit(
                self._check_chunk, service, text[chunk.start : chunk.end], language, allowed
            )
            for chunk in chunks
            if pool is not None
        ]
        try:
            results = [future.result() for future in futures]
        except RequestFailed as failure:
            for future in futures:
                future.cancel()
            reason = f"{failure}: written without grammar fixes"
            return add_warning(doc, f"grammar: {reason}").with_metadata(grammar_skipped=reason)

        fixes: list[Replacement] = []
        findings: list[Match] = []
        issues_before = issues_after = 0
        for chunk, result in zip(chunks, results, strict=True):
            issues_before += result.issues_before
            issues_after += result.issues_after
            fixes += [
                Replacement(
                    f.start + chunk.start, f.end + chunk.start, f.after, f.rule_id, f.message
                )
                for f in result.fixes
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
                for m in result.findings
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
        # A <code> inside a sentence is sent with it, but never changed (stages/code_lines.py).
        inline = inline_code_spans(text, frozenset(page_code)) if page_code else []
        fixes = [
            f for f in fixes if not any(f.start < end and start < f.end for start, end in inline)
        ]
        fixed = apply_replacements(doc, NAME, fixes)
        return fixed.with_findings(finding_edits).with_metadata(
            grammar_language=language,
            grammar_findings=self.findings,
            grammar_issues_per_1k_words_before=_per_1k(issues_before, _words(text)),
            grammar_issues_per_1k_words_after=_per_1k(issues_after, _words(fixed.text)),
        )

    def close(self) -> None:
        """Release the LanguageTool handle (the background server itself stays up)."""
        self.service.close()


def build(settings: StageSettings) -> GrammarStage:
    unknown = set(settings.options) - OPTIONS
    if unknown:
        raise ValueError(f"unknown options {sorted(unknown)} (known: {sorted(OPTIONS)})")
    language = settings.options.get("language", "en-US")
    if not isinstance(language, str) or not language:
        raise ValueError("option 'language' must be a language code like 'en-US'")
    timeout = settings.options.get("request_timeout", REQUEST_TIMEOUT_S)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise ValueError("option 'request_timeout' must be a positive number")
    findings = settings.options.get("findings", FINDINGS_AUTO)
    if findings == FINDINGS_AUTO:
        findings = False
    if not isinstance(findings, bool):
        raise ValueError("option 'findings' must be \"auto\", true or false")
    allow_path = Path(settings.options.get("allow_list", settings.rules_dir / "grammar.toml"))
    url = settings.languagetool_url
    return GrammarStage(
        allow_list=load_allow_list(allow_path),
        service=LanguageToolService(url, request_timeout=float(timeout)),
        language=language,
        findings=findings,
    )


def check_file(rule_file: RuleFile) -> list[RuleError]:
    """Every problem of a grammar rule file: the schema of each rule, then each example and
    keep run through a real grammar stage (LanguageTool; a server is started if none runs)."""
    rules, problems = grammar_rules.validate_rules(rule_file)
    if problems:
        return problems
    stage = GrammarStage(allow_list=rules, service=LanguageToolService(), language="en-US")
    try:
        for record in rule_file.rules:
            cases: list[tuple[str, str, bool]] = [
                (pair[0], pair[1], True) for pair in record.data.get("examples", [])
            ]
            cases += [(text, text, False) for text in record.data.get("keep", [])]
            language = sorted(rules[record.rule_id].languages)[0]
            for given, expected, is_example in cases:
                try:
                    out = stage(Document(text=given, metadata={"language": language}))
                except LanguageToolError as exc:
                    return [
                        RuleError(
                            rule_file.path, None, None, f"cannot run examples: LanguageTool: {exc}"
                        )
                    ]
                label = "example" if is_example else "keep"
                if out.text != expected:
                    problems.append(
                        record.error(f"{label} {given!r}: expected {expected!r}, got {out.text!r}")
                    )
                elif is_example and not any(
                    e.applied and e.rule_id == record.rule_id for e in out.edits
                ):
                    problems.append(
                        record.error(f"example {given!r} passes, but not through this rule")
                    )
    finally:
        stage.close()
    return problems
