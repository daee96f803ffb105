"""Stages: each module holds one stage, a pure function of a :class:`~cleaner.document.Document`.

A stage is built once from its options (compiled rules, matchers, clients) and is then a pure
callable. The registry in :mod:`cleaner.registry` maps stage names to their factories.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cleaner.document import Document


@runtime_checkable
class Stage(Protocol):
    """What every stage provides."""

    name: str
    description: str

    def __call__(self, doc: Document) -> Document: ...
