"""How the report shows a document's edits: each edit mapped onto the *final* text.

Each audit line carries a ``view``: the document's edits as ``[pos, length, stage, rule_id,
before]`` (``final[pos:pos+length]`` replaced ``before``; length 0 is a removal), computed by
:func:`final_spans` when the document is cleaned, so the report never needs the input again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cleaner.document import Edit
from cleaner.pipeline import Result

HIDDEN_STAGES = frozenset({"decode", "extract"})
"""Their edits are the whole input (bytes -> text, HTML -> text): nothing to show inline."""

MAX_BEFORE_CHARS = 3000
"""Removed text kept for the view; a removed comment section can be longer than the article."""

View = list[list[Any]]


def final_spans(result: Result) -> View:
    """Every shown edit as ``[pos, length, stage, rule_id, before]`` in the final text.

    Edits are replayed stage by stage: earlier spans move with later edits, and a span that a
    later edit rewrites is folded into that edit (its ``before`` already holds the text).
    """
    spans: View = []
    for stage, edits in _by_stage(result.edits):
        spans = _apply_stage(spans, stage, edits)
    return spans


def _by_stage(edits: tuple[Edit, ...]) -> Iterator[tuple[str, list[Edit]]]:
    group: list[Edit] = []
    for edit in edits:
        if not edit.applied or edit.stage in HIDDEN_STAGES:
            continue
        if group and group[0].stage != edit.stage:
            yield group[0].stage, group
            group = []
        group.append(edit)
    if group:
        yield group[0].stage, group


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_BEFORE_CHARS else text[:MAX_BEFORE_CHARS] + "…"


def _apply_stage(spans: View, stage: str, edits: list[Edit]) -> View:
    edits = sorted(edits, key=lambda e: (e.start, e.end))
    starts: list[int] = []  # where each edit's text begins in this stage's output
    delta = 0
    for edit in edits:
        starts.append(edit.start + delta)
        delta += len(edit.after) - (edit.end - edit.start)
    folds: dict[int, list[tuple[int, int, str]]] = {}
    placed: list[tuple[int, int, int, list[Any]]] = []  # (position, tier, order, span)
    index, delta = 0, 0
    for order, span in enumerate(spans):
        pos, length = int(span[0]), int(span[1])
        while index < len(edits) and edits[index].end <= pos:
            delta += len(edits[index].after) - (edits[index].end - edits[index].start)
            index += 1
        current = edits[index] if index < len(edits) else None
        if current is not None and length and current.start < pos + length and current.end > pos:
            if current.start <= pos and pos + length <= current.end:
                # Rewritten again: the later edit's "before" gets the original text back.
                folds.setdefault(index, []).append((pos - current.start, length, str(span[4])))
            continue
        if current is not None and not length and current.start < pos < current.end:
            # Removed text inside what a later edit rewrote (blank lines left by a removed
            # line, collapsed by tidy): keep showing it, beside that current.
            after_it = (pos - current.start) * 2 >= current.end - current.start
            where = starts[index] + (len(current.after) if after_it else 0)
            placed.append((where, 2 if after_it else 0, order, [where, *span[1:]]))
            continue
        # Right after an edit that ends where it starts, a span comes after that edit's span.
        touching = index > 0 and edits[index - 1].end == pos
        placed.append((pos + delta, 2 if touching else 0, order, [pos + delta, *span[1:]]))
    for number, edit in enumerate(edits):
        before = edit.before
        for offset, length, original in sorted(folds.get(number, []), reverse=True):
            before = before[:offset] + original + before[offset + length :]
        span = [starts[number], len(edit.after), stage, edit.rule_id, _shorten(before)]
        placed.append((starts[number], 1, number, span))
    # At one position: text removed earlier, then this stage's edit, then removals moved after it.
    return [item[3] for item in sorted(placed, key=lambda t: (t[0], t[1], t[2]))]


# --- the page -------------------------------------------------------------------------------
