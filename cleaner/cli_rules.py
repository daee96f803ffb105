"""``cleaner rules check|list|stats`` and ``cleaner score``: rule files and spin scores.

Exit codes: 0 ok, 1 problems found (rule errors, unreadable files), 2 usage error (typer).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

import cleaner
from cleaner.rules.kinds import check_path, kind_of, summarize_path
from cleaner.rules.repair import KIND as REPAIR_KIND
from cleaner.rules.repair import (
    RepairRule,
    check_pack,
    load_pack,
    nested_quantifiers,
    parse_file,
)
from cleaner.rules.source import RuleError, load_rule_file, rule_files_under
from cleaner.spin import spin_gate, spin_score

EXIT_OK = 0
EXIT_PROBLEMS = 1

app = typer.Typer(no_args_is_help=True, add_completion=False)

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Rule files or folders (default: the shipped rules/ folder)."),
]


def default_rules_dir() -> Path:
    """The repository's ``rules/`` beside the package, else ``./rules``."""
    shipped = Path(cleaner.__file__).resolve().parent.parent / "rules"
    return shipped if shipped.is_dir() else Path("rules")


def _files(paths: list[Path] | None) -> list[Path]:
    roots = paths or [default_rules_dir()]
    files: list[Path] = []
    for root in roots:
        if not root.exists():
            typer.echo(f"{root}: no such file or folder", err=True)
            raise typer.Exit(EXIT_PROBLEMS)
        files.extend(rule_files_under(root))
    return files


# Rule fields that hold regular expressions (chrome and repair rules).
_REGEX_FIELDS = ("pattern", "require_before", "forbid_before", "require_after", "forbid_after")


def regex_warnings(files: list[Path]) -> list[str]:
    """``file:line: rule-id: warning: ...`` for each regex field with nested quantifiers.

    A warning, not a problem: such a pattern is correct and usually fast, but can backtrack
    exponentially on a near miss; at run time the regex timeout bounds it and skips the rule.
    """
    warnings: list[str] = []
    for path in files:
        try:
            rule_file = load_rule_file(path)
        except RuleError:
            continue
        for record in rule_file.rules:
            for key in _REGEX_FIELDS:
                value = record.data.get(key)
                if isinstance(value, str) and nested_quantifiers(value):
                    warnings.append(
                        f"{record.path}:{record.line}: {record.rule_id}: warning: '{key}' "
                        f"{value!r} nests quantifiers (like '(a+)+') and can backtrack "
                        "catastrophically; use an atomic group '(?>...)' or a possessive "
                        "quantifier, or make the inner part match one way only"
                    )
    return warnings


def _repair_rules(files: list[Path]) -> list[RepairRule]:
    """Valid repair rules of ``files`` (problems are reported by the per-file checks)."""
    rules: list[RepairRule] = []
    for path in files:
        try:
            rule_file = load_rule_file(path)
        except RuleError:
            continue
        if rule_file.meta.get("kind") == REPAIR_KIND:
            rules.extend(parse_file(rule_file)[0])
    return rules


@app.command(
    epilog="Examples:\n\n  cleaner rules check\n\n  cleaner rules check rules/repairs/time.toml"
)
def check(paths: PathsArg = None) -> None:
    """Validate rule files and run every rule's examples and keeps.

    Prints one ``file:line: rule-id: problem`` line per problem; exits 1 if there is any.
    Repair rules are also run together: every keep must survive the whole pack. Patterns
    with nested quantifiers (``(a+)+``) are reported as warnings, which do not fail the check.
    """
    files = _files(paths)
    problems: list[RuleError] = []
    rules = 0
    for path in files:
        found = check_path(path)
        problems.extend(found)
        with contextlib.suppress(RuleError):
            rules += len(load_rule_file(path).rules)
    problems.extend(check_pack(_repair_rules(files)))
    warnings = regex_warnings(files)
    for problem in problems:
        typer.echo(str(problem))
    for warning in warnings:
        typer.echo(warning)
    summary = f"{len(files)} files, {rules} rules, {len(problems)} problems"
    typer.echo(summary + (f", {len(warnings)} warnings" if warnings else ""))
    raise typer.Exit(EXIT_PROBLEMS if problems else EXIT_OK)


@app.command(
    name="list", epilog="Examples:\n\n  cleaner rules list\n\n  cleaner rules list rules/repairs"
)
def list_(paths: PathsArg = None) -> None:
    """List every rule: file:line, id, what it does, examples and keeps."""
    failed = False
    for path in _files(paths):
        try:
            summaries = summarize_path(path)
        except RuleError as exc:
            typer.echo(str(exc), err=True)
            failed = True
            continue
        for s in summaries:
            typer.echo(
                f"{path}:{s.line}\t{s.rule_id}\t{s.summary}\t{s.examples} ex, {s.keeps} keep"
            )
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)


@app.command(epilog="Examples:\n\n  cleaner rules stats\n\n  cleaner rules stats rules/repairs")
def stats(paths: PathsArg = None) -> None:
    """Count rules per kind and theme (file), with their examples and keeps."""
    rules: Counter[tuple[str, str]] = Counter()
    examples: Counter[tuple[str, str]] = Counter()
    keeps: Counter[tuple[str, str]] = Counter()
    failed = False
    for path in _files(paths):
        try:
            kind = kind_of(load_rule_file(path))
            summaries = summarize_path(path)
        except RuleError as exc:
            typer.echo(str(exc), err=True)
            failed = True
            continue
        key = (kind, path.stem)
        rules[key] += len(summaries)
        examples[key] += sum(s.examples for s in summaries)
        keeps[key] += sum(s.keeps for s in summaries)
    typer.echo(f"{'kind':<10}{'theme':<24}{'rules':>7}{'examples':>10}{'keeps':>7}")
    for key in sorted(rules):
        typer.echo(f"{key[0]:<10}{key[1]:<24}{rules[key]:>7}{examples[key]:>10}{keeps[key]:>7}")
    for kind in sorted({k for k, _ in rules}):
        total = sum(v for (k, _), v in rules.items() if k == kind)
        typer.echo(f"{kind:<10}{'(all)':<24}{total:>7}")
    typer.echo(f"{'total':<34}{sum(rules.values()):>7}")
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)


def score(
    files: Annotated[list[Path], typer.Argument(help="Text files to score.")],
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Repair rules folder (default: the shipped rules/repairs)."),
    ] = None,
) -> None:
    """Print each file's spin score: spinner signatures per 1,000 words, and the gate's
    decision (spun or not, against the gate threshold the repair stage uses).

    Example:

      cleaner score article.txt corpus/*.txt
    """
    pack = load_pack(rules or default_rules_dir() / "repairs")
    failed = False
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            typer.echo(f"{path}: cannot read: {exc.strerror}", err=True)
            failed = True
            continue
        result = spin_score(text, pack)
        gate = spin_gate(text, pack)
        decision = "spun" if gate.spun else "not spun"
        top = ", ".join(f"{rid} x{n}" for rid, n in Counter(result.by_rule).most_common(3))
        typer.echo(
            f"{result.per_1000_words:8.2f}\t{result.signatures:5d} signatures\t"
            f"{result.words:7d} words\t{path}\tgate: {decision} (score {gate.score:g}, "
            f"threshold {gate.threshold:g})" + (f"\t{top}" if top else "")
        )
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)
