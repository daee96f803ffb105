"""Errors that reach users. Each says what went wrong with which input, in plain words."""

from __future__ import annotations


class CleanerError(Exception):
    """Base class for errors cleaner reports to users."""


class DocumentError(CleanerError):
    """One document cannot be cleaned (binary, undecodable, too large...). Others go on."""

    def __init__(self, reason: str, stage: str | None = None) -> None:
        self.reason = reason
        self.stage = stage
        super().__init__(reason)


class ConfigError(CleanerError):
    """The pipeline configuration or a rule file is unusable: nothing can be cleaned."""


class ServiceError(CleanerError):
    """A service a stage needs (LanguageTool) is unavailable: the run stops."""
