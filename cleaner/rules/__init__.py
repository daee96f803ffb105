"""Rule files: loading, validation and compilation of the TOML data under ``rules/``."""

from cleaner.rules.source import RuleError, RuleFile, RuleRecord, load_rule_file

__all__ = ["RuleError", "RuleFile", "RuleRecord", "load_rule_file"]
