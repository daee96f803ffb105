"""Pass 1's documents kept for pass 2, so that a corpus run that learns chrome extracts each
page once.

Pass 1 of learned chrome (:mod:`cleaner.corpus.learned_chrome`) runs every document through
the stages before the learned-chrome stage (decode to chrome: HTML extraction, most of a
page's cost), and pass 2 ran them all again. Now a pass-1 shard also writes what those stages
made of each of its documents to a ``prefix`` file (``OUT/.cleaner/learn/``, written whole:
temporary name, then rename), and pass 2 starts each document at the learned-chrome stage from
it. The result is the one a run from the start gives: the stages are pure functions of the
document, and the document is stored whole (text, metadata, edits, timings).

Bounded: only inputs up to :data:`BUDGET_BYTES` in all are kept (larger runs extract the rest
twice; a kept document takes about its text's size, stored as UTF-8), a shard's file is removed
once pass 2 has written that shard's outputs, and every file left (an input pass 2 skipped) is
removed at the end of a run that finishes. A run that stops (Ctrl-C, a failure) leaves its files
for the run that resumes it, which uses them. A file that cannot be written (a full disk) or
used (another version, cut short, not matching the shard's documents) is not an error: its
documents run from the start.
The time limit bounds a document's whole cleaning: a kept document carries the time its
stages took in pass 1 (:func:`limit_spent`), and pass 2 gives the later stages only the rest.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from cleaner.corpus.audit import safe_json_line
from cleaner.document import Document, Edit
from cleaner.pipeline import SERVICE_WAIT_ALLOWANCE_S, UNINTERRUPTIBLE_STAGES, Pipeline, Result
from cleaner.stages.learned_chrome import insert_position

SUFFIX = ".prefix"
BUDGET_BYTES = 2 << 30
"""Input bytes a run keeps pass 1's documents for. What is kept is the extracted text and
its edits, for HTML a small part of the page, for text about its size."""
FORMAT = 2
EDIT_FIELDS = tuple(field.name for field in dataclasses.fields(Edit))


@dataclasses.dataclass(frozen=True)
class KeptFile:
    """The name of the file that keeps one pass-1 shard's documents: the name of its input's
    ``learn`` file (:attr:`learn_base` and ``.learn``) with the shard's index and
    :data:`SUFFIX`, so that a sweep of the learn folder tells whose it is."""

    learn_base: str
    index: int

    @property
    def name(self) -> str:
        return f"{self.learn_base}-{self.index:0{INDEX_DIGITS}d}{SUFFIX}"

    @property
    def learn_file(self) -> str:
        """The name of its input's ``learn`` file."""
        return f"{self.learn_base}.learn"

    @classmethod
    def parse(cls, name: str) -> KeptFile | None:
        """The kept file ``name`` names, or None when it names none."""
        found = _KEPT_NAME.fullmatch(name)
        if found is None:
            return None
        return cls(found["base"], int(found["index"]))


INDEX_DIGITS = 6
_KEPT_NAME = re.compile(
    rf"(?P<base>.+)-(?P<index>[0-9]{{{INDEX_DIGITS},}}){re.escape(SUFFIX)}", re.S
)


class Unusable(ValueError):
    """A value a stored document cannot hold, or a line that is not one."""


def _pack(value: Any) -> Any:
    """JSON for a metadata value, tuples and mappings tagged so that they come back as such."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, tuple):
        return {"t": [_pack(item) for item in value]}
    if isinstance(value, list):
        return [_pack(item) for item in value]
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise Unusable("a mapping with keys that are not strings")
        return {"m": {key: _pack(item) for key, item in value.items()}}
    raise Unusable(f"a {type(value).__name__} in metadata")


def _unpack(value: Any) -> Any:
    if isinstance(value, list):
        return [_unpack(item) for item in value]
    if isinstance(value, dict):
        if "t" in value:
            return tuple(_unpack(item) for item in value["t"])
        return {key: _unpack(item) for key, item in value["m"].items()}
    return value


def limit_spent(timings: Mapping[str, float]) -> float:
    """Seconds of the time limit stages with these ``timings`` used: their time, less the
    wait a service stage is forgiven (as :meth:`Pipeline.run` forgives it)."""
    return sum(
        seconds - min(seconds, SERVICE_WAIT_ALLOWANCE_S)
        if name in UNINTERRUPTIBLE_STAGES
        else seconds
        for name, seconds in timings.items()
    )


def stored_line(source_name: str, result: Result | None) -> bytes:
    """One document of a pass-1 shard as a line of its ``prefix`` file; None (a failed
    document, or one whose metadata JSON cannot hold) is stored as "run it from the start"."""
    record: dict[str, Any] = {"v": FORMAT, "source": source_name}
    if result is not None:
        with contextlib.suppress(Unusable):
            record["doc"] = {
                "text": result.text,
                "metadata": _pack(dict(result.metadata)),
                "edits": [[getattr(edit, name) for name in EDIT_FIELDS] for edit in result.edits],
                "timings": dict(result.timings),
                "spent": limit_spent(result.timings),
                "input_chars": result.input_chars,
            }
    # UTF-8 (escaped ASCII would store Cyrillic at 2.8 times its size); a lone surrogate
    # travels as an escape and comes back the same.
    return safe_json_line(record)


class StoredDocument:
    """A document as pass 1 left it, ready for the rest of the pipeline."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        doc = record["doc"]
        self.document = Document(
            text=str(doc["text"]),
            metadata=_unpack(doc["metadata"]),
            edits=tuple(Edit(*fields) for fields in doc["edits"]),
        )
        self.timings = {str(k): float(v) for k, v in doc["timings"].items()}
        self.input_chars = int(doc["input_chars"])
        self.spent = float(doc["spent"])
        """Seconds of the time limit pass 1's stages used: pass 2 gives the rest."""

    def finish(self, rest: Pipeline) -> Result:
        """The result of the whole pipeline: ``rest`` (the stages from learned chrome on) run
        on the stored document within what is left of its time limit, with pass 1's timings
        and input size."""
        result = rest.run(self.document, keep_input=False, spent=self.spent)
        return Result(
            text=result.text,
            edits=result.edits,
            metadata=result.metadata,
            timings={**self.timings, **result.timings},
            input_chars=self.input_chars,
        )


def stored_documents(path: Path) -> Iterator[tuple[str, StoredDocument | None]]:
    """The (source name, document or None: run from the start) pairs of a ``prefix`` file;
    stops at a line it cannot read (the rest run from the start)."""
    try:
        handle: IO[bytes] = path.open("rb")
    except OSError:
        return
    with handle:
        for raw in handle:
            try:
                record = json.loads(raw)
                if record.get("v") != FORMAT:
                    return
                stored = StoredDocument(record) if "doc" in record else None
                name = str(record["source"])
            except (ValueError, KeyError, TypeError):
                return
            yield name, stored


def rest_of(pipeline: Pipeline) -> Pipeline:
    """The stages of ``pipeline`` from the learned-chrome stage on (those pass 1 did not run).
    Without a size limit: pass 1 applied it to the document as read."""
    rest = copy.copy(pipeline)
    rest.stages = pipeline.stages[insert_position([stage.name for stage in pipeline.stages]) :]
    rest.config = dataclasses.replace(pipeline.config, max_bytes=sys.maxsize)
    return rest
