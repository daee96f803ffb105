"""Thin adapters that run cleaner inside other engines: Ray Data and datatrove.

Each engine is an optional extra (``pip install 'cleaner[ray]'``, ``'cleaner[datatrove]'``)
imported only when its adapter is used. Both adapters describe a cleaned document with the same
flat fields (:data:`FIELDS`), so a Ray column and a datatrove metadata key carry one name:

=================================  ========  ==============================================
field                              type      meaning
=================================  ========  ==============================================
``cleaner_chars_in``               int       characters after decoding, before cleaning
``cleaner_chars_out``              int       characters of the clean text
``cleaner_edits``                  int       edits applied, every stage
``cleaner_chrome_lines_removed``   int       page-chrome lines removed (chrome + captions)
``cleaner_repairs``                int       spinner phrases undone (repair stage)
``cleaner_grammar_fixes``          int       LanguageTool corrections applied
``cleaner_spin_score_before``      float     spin score of the input (None: repair skipped)
``cleaner_spin_score_after``       float     spin score of the output (None: repair skipped)
``cleaner_warnings``               str       warnings joined by "; " ("" when none)
``cleaner_error``                  str       why the document failed (None when it did not);
                                             a failed document keeps its text unchanged
=================================  ========  ==============================================

Every field name starts with ``cleaner_`` so none can overwrite a column of the user's data.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from cleaner.api import Cleaner
from cleaner.corpus import service_error
from cleaner.errors import ConfigError, DocumentError
from cleaner.io.readers import record_metadata
from cleaner.metrics import DocumentMetrics
from cleaner.pipeline import Pipeline, PipelineConfig, Result

INT_FIELDS = (
    "cleaner_chars_in",
    "cleaner_chars_out",
    "cleaner_edits",
    "cleaner_chrome_lines_removed",
    "cleaner_repairs",
    "cleaner_grammar_fixes",
)
FLOAT_FIELDS = ("cleaner_spin_score_before", "cleaner_spin_score_after")
STR_FIELDS = ("cleaner_warnings", "cleaner_error")
FIELDS = INT_FIELDS + FLOAT_FIELDS + STR_FIELDS


class MissingExtraError(ConfigError, ImportError):
    """An optional engine is not installed; the message names the extra that installs it."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import an optional engine, or raise :class:`MissingExtraError` naming its extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{purpose} needs the optional '{extra}' extra: pip install 'cleaner[{extra}]' "
            f"(import {module} failed: {exc})"
        ) from exc


def build_cleaner(
    config: str | Path | PipelineConfig | None,
    skip: tuple[str, ...],
    languagetool_url: str | None,
) -> Cleaner:
    """The worker-side pipeline. Built where it runs, so ``$CLEANER_LANGUAGETOOL_URL`` and the
    background LanguageTool server are those of the worker's node, not the driver's."""
    if isinstance(config, PipelineConfig):
        built = config.without(skip).with_overrides(languagetool_url=languagetool_url)
        return Cleaner(built)
    return Cleaner.from_config(config, skip=skip, languagetool_url=languagetool_url)


def flat_fields(outcome: Result | DocumentError) -> dict[str, Any]:
    """One document's :data:`FIELDS`."""
    if isinstance(outcome, DocumentError):
        fields: dict[str, Any] = dict.fromkeys(FIELDS)
        fields.update(dict.fromkeys(INT_FIELDS, 0))
        where = f" (stage {outcome.stage})" if outcome.stage else ""
        fields["cleaner_warnings"] = ""
        fields["cleaner_error"] = f"{outcome.reason}{where}"
        return fields
    metrics = DocumentMetrics.of(outcome)
    spin_before, spin_after = metrics.spin_score or (None, None)
    return {
        "cleaner_chars_in": metrics.chars_in,
        "cleaner_chars_out": metrics.chars_out,
        "cleaner_edits": metrics.edits,
        "cleaner_chrome_lines_removed": metrics.chrome_lines_removed,
        "cleaner_repairs": metrics.repairs,
        "cleaner_grammar_fixes": metrics.grammar_fixes,
        "cleaner_spin_score_before": _float_or_none(spin_before),
        "cleaner_spin_score_after": _float_or_none(spin_after),
        "cleaner_warnings": "; ".join(str(w) for w in outcome.warnings),
        "cleaner_error": None,
    }


def clean_one(
    pipeline: Pipeline, text: object, metadata: Mapping[str, Any]
) -> Result | DocumentError:
    """Clean one text; a document that cannot be cleaned gives its error instead of raising."""
    if not isinstance(text, str):
        return DocumentError("the text field is missing or not a string", "read")
    try:
        return pipeline.clean_text(text, metadata)
    except DocumentError as exc:
        # LanguageTool gone is not this document's fault: stop, as the local runner does,
        # rather than mark every remaining document failed.
        service = service_error(exc)
        if service is not None:
            raise service from exc
        return exc


def _float_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


__all__ = ["FIELDS", "MissingExtraError", "flat_fields", "record_metadata", "require"]
