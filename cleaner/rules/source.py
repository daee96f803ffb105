"""Reading a rule file: TOML in, rule records out, with the line each rule starts on.

Every rule file has the same outer shape::

    [meta]                # optional: description, kind
    description = "..."

    [[rules]]
    id = "some-rule"
    ...

Schema checks specific to a rule kind (chrome, repair, grammar) live with that kind; this
module only finds the rules and where they are, so that every error can name
``file:line: rule-id: problem``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_RULES_HEADER = re.compile(r"^\s*\[\[\s*rules\s*\]\]\s*(#.*)?$")
_TOML_LINE = re.compile(r"at line (\d+)")
_META_HEADER = re.compile(r"^\s*\[\s*meta\s*\]\s*(#.*)?$")
_TABLE_HEADER = re.compile(r"^\s*\[")
_KEY_LINE = re.compile(r"^\s*\"?([A-Za-z0-9_-]+)\"?\s*=")
_QUOTED_FIELD = re.compile(r"'([A-Za-z_][A-Za-z0-9_-]*)'")


class RuleError(ValueError):
    """A problem in a rule file, located as precisely as the file allows."""

    def __init__(self, path: Path | str, line: int | None, rule_id: str | None, problem: str):
        self.path = str(path)
        self.line = line
        self.rule_id = rule_id
        self.problem = problem
        where = self.path if line is None else f"{self.path}:{line}"
        who = f" {rule_id}:" if rule_id else ""
        super().__init__(f"{where}:{who} {problem}")


@dataclass(frozen=True)
class RuleRecord:
    """One ``[[rules]]`` table as written, with its location."""

    path: Path
    line: int
    data: Mapping[str, Any]
    field_lines: Mapping[str, int] = field(default_factory=dict)
    """The line each of the rule's fields starts on."""

    @property
    def rule_id(self) -> str:
        value = self.data.get("id")
        return value if isinstance(value, str) else "<no id>"

    def error(self, problem: str) -> RuleError:
        """The problem, placed at the line of the first field it names ('pattern'), if the
        rule has that field, else at the rule's first line."""
        line = next(
            (
                self.field_lines[name]
                for name in _QUOTED_FIELD.findall(problem)
                if name in self.field_lines
            ),
            self.line,
        )
        return RuleError(self.path, line, self.rule_id, problem)

    def example_pairs(self, given: str) -> list[tuple[str, str]]:
        """The rule's ``examples``: at least one ``[given, expected]`` pair of different,
        non-empty strings (``given`` names the first in messages: "input", "spun text")."""
        raw = self.data.get("examples")
        if not isinstance(raw, list) or not raw:
            raise self.error(f"missing field 'examples' (at least one [{given}, expected] pair)")
        pairs: list[tuple[str, str]] = []
        for pair in raw:
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(p, str) and p for p in pair)
            ):
                raise self.error(f"each example must be a pair [{given}, expected] of strings")
            if pair[0] == pair[1]:
                raise self.error(f"example input equals its expected output: {pair[0]!r}")
            pairs.append((pair[0], pair[1]))
        return pairs


@dataclass(frozen=True)
class RuleFile:
    path: Path
    meta: Mapping[str, Any]
    rules: tuple[RuleRecord, ...]
    content: bytes = field(repr=False, compare=False)
    """The bytes that were parsed: what a cache of checks on this file must be keyed by."""


def load_rule_file(path: Path) -> RuleFile:
    """Parse ``path`` and return its rules with their line numbers.

    Raises :class:`RuleError` for unreadable files, TOML syntax errors, a missing or
    malformed ``rules`` array, and duplicate rule ids within the file.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RuleError(path, None, None, f"cannot read rule file: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(path, None, None, f"rule file is not valid UTF-8 ({exc.reason})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        raise RuleError(path, line, None, f"invalid TOML: {exc}") from exc

    unknown = set(data) - {"meta", "rules"}
    if unknown:
        raise RuleError(
            path, None, None, f"unknown top-level keys {sorted(unknown)} (expected meta, rules)"
        )
    rules = data.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise RuleError(path, None, None, "'rules' must be an array of tables ([[rules]])")
    lines = text.splitlines()
    header_lines = [
        number for number, line in enumerate(lines, start=1) if _RULES_HEADER.match(line)
    ]
    if len(header_lines) != len(rules):
        # Inline arrays (rules = [{...}]) carry no per-rule header: fall back to no line.
        header_lines = [0] * len(rules)
    records = tuple(
        RuleRecord(path=path, line=line, data=rule, field_lines=_field_lines(lines, line))
        for line, rule in zip(header_lines, rules, strict=True)
    )
    seen: dict[str, int] = {}
    for record in records:
        rule_id = record.data.get("id")
        if not isinstance(rule_id, str) or not rule_id.strip():
            raise record.error("missing field 'id' (a non-empty string)")
        if rule_id in seen:
            raise record.error(f"duplicate rule id (first defined at line {seen[rule_id]})")
        seen[rule_id] = record.line
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise RuleError(path, None, None, "'meta' must be a table")
    return RuleFile(path=path, meta=meta, rules=records, content=raw)


def meta_line(rule_file: RuleFile, key: str) -> int | None:
    """The line of ``rule_file`` where ``[meta]``'s ``key`` is set, if it is set there."""
    lines = rule_file.content.decode("utf-8", errors="replace").splitlines()
    header = next((n for n, line in enumerate(lines, 1) if _META_HEADER.match(line)), 0)
    return _field_lines(lines, header).get(key)


def _field_lines(lines: list[str], header: int) -> dict[str, int]:
    """Where each ``key =`` of the table whose header is on line ``header`` starts."""
    found: dict[str, int] = {}
    if header <= 0:
        return found
    for number in range(header + 1, len(lines) + 1):
        line = lines[number - 1]
        if _TABLE_HEADER.match(line):
            break
        key = _KEY_LINE.match(line)
        if key:
            found.setdefault(key.group(1), number)
    return found


def rule_files_under(path: Path) -> list[Path]:
    """The ``.toml`` rule files at ``path`` (a file, or a folder searched recursively), sorted."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.toml") if p.is_file())
