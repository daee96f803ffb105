"""When ``cleaner clean`` writes a ``==> name <==`` line before each document on standard
output or into the one ``-o`` file: whenever more than one document may come out, so that
none runs into the next."""

from __future__ import annotations

from collections.abc import Sequence

from cleaner.io.naming import MULTI_DOCUMENT_KINDS


def headers_wanted(
    inputs: int, kinds: Sequence[str | None], input_format: str, to_stream: bool, records: bool
) -> bool:
    """Headers for text (or Markdown, or diff) on one stream (standard output, or the one file
    ``-o`` names: ``to_stream``) of several inputs, or of one input holding several documents
    (JSONL lines, WARC responses); never for JSONL output, whose records carry their ids."""
    if not to_stream or records:
        return False
    forced = input_format in MULTI_DOCUMENT_KINDS
    return inputs > 1 or forced or any(kind in MULTI_DOCUMENT_KINDS for kind in kinds)
