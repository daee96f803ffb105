"""Running every rule's own ``examples`` and ``keep`` cases: ``cleaner rules check`` and the
rule tests.

Rule files are data (:mod:`cleaner.rules`: load, validate, compile). A chrome rule's examples
mean something only once run through the stage that applies its action, so these checks sit
above the stages. Repair and candidate rules run through their own compiled packs; grammar
rules through the grammar stage and a LanguageTool server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cleaner import candidate_check
from cleaner.document import Document
from cleaner.rules import candidates, chrome, grammar, repair
from cleaner.rules.chrome import ChromeRule, ChromeRuleSet, compile_rule
from cleaner.rules.kinds import kind_of
from cleaner.rules.source import RuleError, RuleFile, RuleRecord, load_rule_file
from cleaner.stages import grammar as grammar_stage
from cleaner.stages.captions import CaptionsStage
from cleaner.stages.chrome import ChromeStage
from cleaner.stages.tidy import TidyStage


def run_chrome_rule(rule: ChromeRule, text: str) -> str:
    """``text`` after the stage that owns ``rule``'s action, with that rule alone."""
    rules = ChromeRuleSet((rule,))
    doc = Document(text=text)
    if rule.action in ("line", "tail", "closing", "opening"):
        return ChromeStage(rules=rules, drop_repeated_lines=False)(doc).text
    if rule.action == "player":
        return CaptionsStage(rules=rules)(doc).text
    return TidyStage(rules=rules)(doc).text


def check_chrome_file(rule_file: RuleFile) -> list[RuleError]:
    """Schema problems, examples not removed and keeps changed, of one chrome rule file."""
    problems: list[RuleError] = []
    for record in rule_file.rules:
        try:
            rule = compile_rule(record)
        except RuleError as exc:
            problems.append(exc)
            continue
        problems.extend(_chrome_example_problems(rule, record))
    return problems


def _non_blank_lines(text: str) -> list[str]:
    # Blank-line layout is the tidy stage's business: document pairs compare on the rest.
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _chrome_example_problems(rule: ChromeRule, record: RuleRecord) -> list[RuleError]:
    problems: list[RuleError] = []
    for case in record.data.get("examples", []):
        if isinstance(case, str):
            if rule.action == "title-suffix":
                problems.append(record.error("title-suffix examples must be [input, expected]"))
                continue
            # A tail marker or closing line is only honoured late in a document: give it
            # some article first.
            text = case
            if rule.action == "tail":
                text = _tail_context(case)
            elif rule.action == "closing":
                text = _article_before(case)
            elif rule.action == "opening":
                text = _article_after(case)
            if case.strip() in _non_blank_lines(run_chrome_rule(rule, text)):
                problems.append(record.error(f"example not removed: {case!r}"))
        else:
            given, expected = case
            got = run_chrome_rule(rule, given)
            if _non_blank_lines(got) != _non_blank_lines(expected):
                problems.append(
                    record.error(f"example {given!r}: expected {expected!r}, got {got!r}")
                )
    for text in record.data.get("keep", []):
        # A closing keep is put where the rule would act, at the end of an article.
        # An opening keep is put at the head of an article.
        given = _article_before(text) if rule.action == "closing" else text
        given = _article_after(given) if rule.action == "opening" else given
        got = run_chrome_rule(rule, given)
        if _non_blank_lines(got) != _non_blank_lines(given):
            problems.append(record.error(f"keep case changed: {text!r} -> {got!r}"))
    return problems


def _tail_context(marker: str) -> str:
    return f"{_article_before(marker)}\n\nA link to another story\n"


def _article_after(text: str) -> str:
    article = "\n\n".join(
        f"Paragraph {n} of the article body, long enough to be a sentence of its prose."
        for n in range(1, 5)
    )
    return f"{text}\n\n{article}"


def _article_before(text: str) -> str:
    article = "\n\n".join(f"Paragraph {n} of the article body." for n in range(1, 5))
    return f"{article}\n\n{text}"


CHECKS: dict[str, Callable[[RuleFile], list[RuleError]]] = {
    chrome.KIND: check_chrome_file,
    repair.KIND: repair.check_file,
    grammar.KIND: grammar_stage.check_file,
    candidates.KIND: candidate_check.check_file,
}
"""Rule kind -> the check that runs a file's examples and keeps."""


def check_path(path: Path) -> list[RuleError]:
    """Load, validate and run the examples of one rule file; every problem it has (an empty
    list means the file is good). Never raises for rule problems."""
    try:
        rule_file = load_rule_file(path)
        kind = kind_of(rule_file)
    except RuleError as exc:
        return [exc]
    return CHECKS[kind](rule_file)
