"""Context guards shared by repair rules and candidates: ``require_before``, ``forbid_before``
(a regex the text before a match must / must not end with) and ``require_after``,
``forbid_after`` (one the text after it must / must not start with).

Guards look at the match's own line only, and at most :data:`GUARD_WINDOW` characters either
side, so that a guard costs the same on a one-line 20 MB document as on a short one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

GUARD_WINDOW = 300


@dataclass(frozen=True)
class Guards:
    """The compiled guards of one rule; ``None`` for a guard the rule does not set."""

    require_before: Any | None = None
    forbid_before: Any | None = None
    require_after: Any | None = None
    forbid_after: Any | None = None

    @classmethod
    def compile(
        cls,
        require_before: str | None,
        forbid_before: str | None,
        require_after: str | None,
        forbid_after: str | None,
    ) -> Guards:
        return cls(
            _before(require_before),
            _before(forbid_before),
            _after(require_after),
            _after(forbid_after),
        )

    def allow(
        self,
        text: str,
        start: int,
        end: int,
        line_start: int,
        line_end: int,
        timeout: float | None = None,
    ) -> bool:
        """Whether a match at ``text[start:end]``, on the line ``text[line_start:line_end]``,
        passes every guard; a guard's regex raises TimeoutError past ``timeout`` seconds."""
        if self.require_before or self.forbid_before:
            lo = max(line_start, start - GUARD_WINDOW)
            if self.require_before and not self.require_before.search(
                text, lo, start, timeout=timeout
            ):
                return False
            if self.forbid_before and self.forbid_before.search(text, lo, start, timeout=timeout):
                return False
        if self.require_after or self.forbid_after:
            hi = min(max(line_end, end), end + GUARD_WINDOW)
            if self.require_after and not self.require_after.match(text, end, hi, timeout=timeout):
                return False
            if self.forbid_after and self.forbid_after.match(text, end, hi, timeout=timeout):
                return False
        return True


# MULTILINE so that ``^`` / ``$`` in a guard mean the start / end of the matched text's line.
def _before(source: str | None) -> Any | None:
    return None if source is None else regex.compile(f"(?:{source})$", regex.MULTILINE)


def _after(source: str | None) -> Any | None:
    return None if source is None else regex.compile(source, regex.MULTILINE)
