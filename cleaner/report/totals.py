"""The report's figures, gathered from ``_audit.jsonl`` as it is read once: totals per stage,
per rule and per grammar finding, one row per document, and the final texts from the outputs."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cleaner.report.view import View


@dataclass
class Row:
    number: int
    doc_id: str
    source: str
    output: str
    chars_out: int
    chrome: int
    counts: dict[str, int]
    spin: str
    shown: bool


@dataclass
class StageTotal:
    edits: int = 0
    documents: int = 0
    milliseconds: float = 0.0


@dataclass
class RuleTotal:
    stage: str
    edits: int = 0
    documents: int = 0


@dataclass
class Finding:
    """Grammar findings of one LanguageTool rule that were reported but not applied."""

    count: int = 0
    documents: int = 0
    example: tuple[str, str, str] = ("", "", "")
    """The first finding: text, LanguageTool's suggestion, its message."""


@dataclass
class Totals:
    documents: int = 0
    chrome_lines: int = 0
    chars_in: int = 0
    chars_out: int = 0
    stages: dict[str, StageTotal] = field(default_factory=dict)
    rules: dict[tuple[str, str], RuleTotal] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    findings_not_collected: int = 0
    """Documents the grammar stage checked with findings off (the default)."""
    # For the filters: which listed documents show edits of each stage and rule.
    by_stage: dict[str, list[int]] = field(default_factory=dict)
    by_rule: dict[str, list[int]] = field(default_factory=dict)

    def add(self, number: int, record: dict[str, Any], view: View, listed: bool) -> None:
        self.documents += 1
        self.chrome_lines += int(record.get("chrome_lines_removed", 0) or 0)
        self.chars_in += int(record.get("chars_in", 0) or 0)
        self.chars_out += int(record.get("chars_out", 0) or 0)
        for stage, ms in (record.get("timings_ms") or {}).items():
            self.stages.setdefault(str(stage), StageTotal()).milliseconds += float(ms or 0)
        if record.get("grammar_findings") is False:
            self.findings_not_collected += 1
        per_rule: dict[tuple[str, str], int] = {}
        finding_rules: set[str] = set()
        for edit in record.get("edits") or []:
            if not isinstance(edit, dict):
                continue
            stage, rule = str(edit.get("stage", "")), str(edit.get("rule_id", ""))
            if edit.get("applied", True):
                per_rule[(stage, rule)] = per_rule.get((stage, rule), 0) + 1
                continue
            finding = self.findings.setdefault(rule, Finding())
            finding.count += 1
            if not finding.example[0]:
                finding.example = (
                    str(edit.get("before", "")),
                    str(edit.get("after", "")),
                    str(edit.get("message", "")),
                )
            finding_rules.add(rule)
        for rule in finding_rules:
            self.findings[rule].documents += 1
        stages_touched: dict[str, int] = {}
        for (stage, rule), count in per_rule.items():
            total = self.rules.setdefault((stage, rule), RuleTotal(stage))
            total.edits += count
            total.documents += 1
            stages_touched[stage] = stages_touched.get(stage, 0) + count
        for stage, count in stages_touched.items():
            total_stage = self.stages.setdefault(stage, StageTotal())
            total_stage.edits += count
            total_stage.documents += 1
        if listed:
            for stage in sorted({str(s[2]) for s in view}):
                self.by_stage.setdefault(stage, []).append(number)
            for rule in sorted({str(s[3]) for s in view}):
                self.by_rule.setdefault(rule, []).append(number)


class OutputReader:
    """Final texts from the outputs, read forward once (audit lines come in output order)."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.current: str | None = None
        self.handle: IO[bytes] | None = None
        self.line = 0

    def text(self, record: dict[str, Any]) -> str | None:
        output = str(record.get("output", ""))
        path = self.out_dir / output
        wanted = record.get("output_line")
        try:
            if wanted is None:
                return path.read_text(encoding="utf-8")
            if output != self.current or int(wanted) <= self.line:
                self.close()
                opener: Any = gzip.open if output.lower().endswith(".gz") else open
                self.handle = opener(path, "rb")
                self.current, self.line = output, 0
            assert self.handle is not None
            for raw in self.handle:
                self.line += 1
                if self.line == int(wanted):
                    data = json.loads(raw)
                    value = data.get(str(record.get("text_field", "text")))
                    return value if isinstance(value, str) else None
        except (OSError, ValueError):
            return None
        return None

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
        self.handle, self.current, self.line = None, None, 0

