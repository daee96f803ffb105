"""The language stage: which language a document is written in, so that English-only stages
and rules (repair, the English grammar allow-list) can stand aside on other languages.

Detector: py3langid (a naive Bayes model over byte n-grams, 97 languages, offline). Picked
over lingua-language-detector by measurement on the 181 AEB article bodies and the shared
samples (``bench/bench_language.py``): py3langid was right on all 191 texts at ~7 ms a
text with a 1-2 s model load; lingua missed one (informal Indonesian called Malay) at
~33 ms a text after a ~28 s model load.

Metadata:

``language``             ISO 639-1 code (``"en"``, ``"pt"``...), or ``"und"`` when the text
                         has too few letters or the detector is unsure
``language_confidence``  the detector's probability for that language (0-1; 0.0 for "und")

Options:

``min_confidence``  below this probability the language is ``"und"`` (default 0.5)
``min_letters``     texts with fewer letters are ``"und"`` (default 20)
``sample_chars``    only the first this many characters are read (default 2,000): a long
                    document does not change language half-way often enough to pay for
                    reading it all (see :data:`DEFAULT_SAMPLE_CHARS`)

The stage never changes the text.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from py3langid.langid import (  # type: ignore[import-untyped]
    MODEL_DIR,
    MODEL_FILE,
    LanguageIdentifier,
)
from py3langid.modelio import load_model  # type: ignore[import-untyped]

from cleaner.cache import user_cache_dir
from cleaner.document import Document
from cleaner.registry import StageSettings

NAME = "language"
DESCRIPTION = "detect the document's language (ISO 639-1 code, or 'und') for language-aware stages"
OPTIONS = frozenset({"min_confidence", "min_letters", "sample_chars"})

UNDETERMINED = "und"
DEFAULT_MIN_CONFIDENCE = 0.5
"""Chosen before measuring: every AEB body and sample scores >= 0.6 (a sports score table is
the lowest), and a text the model gives less than even odds is better called unknown."""
DEFAULT_MIN_LETTERS = 20
DEFAULT_SAMPLE_CHARS = 2_000
"""Measured on the 1,117 texts the stage sees in the extraction benchmarks (711 WCXB and 181
AEB pages as extracted), the AEB bodies, the shared samples and ``corpus/raw``: 2,000
characters give the language that 20,000 gave on every one, with a confidence within 0.04
(18 texts moved, AEB's informal Indonesian the most), at a tenth of the detector's time, which
grows with the sample (it was a tenth of the extraction path's CPU time). 1,000 characters
also kept every language but moved confidences by up to 0.15; 500 changed two languages."""

_load_lock = threading.Lock()


MODEL_CACHE_ENV = "CLEANER_LANGID_CACHE"
"""Folder for the decompressed detector model (default ``$XDG_CACHE_HOME/cleaner/langid``)."""

_ARRAY_TYPECODES = {2: "H", 4: "I", 8: "L"}
_WINDOW_FILE = "window.json"
"""The cache's record of :func:`state_window` for its model (written with the arrays)."""


def model_cache_root() -> Path:
    override = os.environ.get(MODEL_CACHE_ENV)
    if override:
        return Path(override).expanduser()
    return user_cache_dir("langid")


def _model_path() -> Path:
    return Path(str(MODEL_DIR)) / str(MODEL_FILE)


def _cache_dir(root: Path, model: Path) -> Path:
    """One folder per model file (by content): a new py3langid never reads an old cache. The
    "-w" marks the layout holding :data:`_WINDOW_FILE` (older folders lack it)."""
    digest = hashlib.sha256(model.read_bytes()).hexdigest()[:16]
    return root / f"{digest}-w"


def _write_cache(folder: Path, model: Path) -> None:
    """Decompress ``model`` (LZMA, ~1 s) once into ``folder`` as plain ``.npy`` arrays, so
    later processes map them instead (~20 ms). Written beside and renamed into place: a
    reader never sees half a cache, and two writers at once leave one."""
    ptc, pc, classes, nextmove, row, output = load_model(model)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        np.save(partial / "ptc.npy", np.asarray(ptc))
        np.save(partial / "pc.npy", np.asarray(pc))
        np.save(partial / "nextmove.npy", np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"))
        np.save(partial / "row.npy", np.frombuffer(row, dtype=f"u{row.itemsize}"))
        np.save(partial / "output.npy", np.asarray(output, dtype=np.int64))
        (partial / "classes.json").write_text(json.dumps(list(classes)), encoding="utf-8")
        window = state_window(np.asarray(nextmove), np.asarray(row))
        (partial / _WINDOW_FILE).write_text(json.dumps(window), encoding="utf-8")
        try:
            partial.rename(folder)
        except OSError:
            if not folder.is_dir():  # else another process wrote it first: use theirs
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _as_array(values: np.ndarray[Any, Any]) -> array[int]:
    out = array(_ARRAY_TYPECODES[values.dtype.itemsize])
    out.frombytes(np.ascontiguousarray(values).data.cast("B"))
    return out


def _load_cached(folder: Path) -> Any:
    ptc = np.load(folder / "ptc.npy", mmap_mode="r")
    pc = np.load(folder / "pc.npy")
    nextmove = np.load(folder / "nextmove.npy", mmap_mode="r")
    row = np.load(folder / "row.npy")
    output = np.load(folder / "output.npy").tolist()
    classes = json.loads((folder / "classes.json").read_text(encoding="utf-8"))
    window = json.loads((folder / _WINDOW_FILE).read_text(encoding="utf-8"))
    return WindowedIdentifier(
        np.asarray(ptc), np.asarray(pc), classes, _as_array(nextmove), output,
        norm_probs=True, tk_row=_as_array(row), window=int(window), nextmove=np.asarray(nextmove),
    )  # fmt: skip


def state_window(nextmove: np.ndarray[Any, Any], row: np.ndarray[Any, Any]) -> int:
    """The longest shortest path from the start state to any state of py3langid's tokenizer:
    the length of the longest n-gram it matches (6 bytes for py3langid 0.4's model).

    The tokenizer is an Aho-Corasick automaton over byte n-grams: its state after a byte is the
    longest n-gram prefix ending there, so it depends only on the last this many bytes. A
    breadth-first walk over all 256 moves of each state (~1.5 s; once, with the cache)."""
    rowbase = row.astype(np.int64) << 8
    depth = np.full(len(row), -1, dtype=np.int64)
    depth[0] = 0
    frontier = np.zeros(1, dtype=np.int64)
    level = 0
    while frontier.size:
        moves = (rowbase[frontier][:, None] + np.arange(256)[None, :]).ravel()
        reached = np.unique(nextmove[moves])
        frontier = reached[depth[reached] < 0]
        level += 1
        depth[frontier] = level
    return int(depth.max())


class WindowedIdentifier(LanguageIdentifier):  # type: ignore[misc]
    """py3langid's identifier whose tokenizer runs over all byte positions at once.

    py3langid walks its automaton byte by byte in Python (two thirds of the stage's time).
    Because the state at a byte depends only on the ``window`` bytes ending there
    (:func:`state_window`), every position can start from the start state ``window`` bytes
    back and take those steps together, as array operations: the same states, so the same
    n-gram counts, scored in the same order (first occurrence, as py3langid's Counter)."""

    def __init__(self, *args: Any, window: int, nextmove: np.ndarray[Any, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.window = window
        self.moves = nextmove.astype(np.int64)
        self.row_starts = np.asarray(self._rowbase, dtype=np.int64)
        self.outputs = np.asarray(self.tk_output, dtype=np.int64)

    def _raw_score(self, text: bytes) -> Any:
        data = np.frombuffer(text, dtype=np.uint8).astype(np.int64)
        states = np.zeros(len(data), dtype=np.int64)
        for back in range(min(self.window, len(data)) - 1, -1, -1):
            # Position i reads byte i - back; positions before the text's start stay put.
            ahead = states[back:]
            states[back:] = self.moves[self.row_starts[ahead] + data[: len(data) - back]]
        features = self.outputs[states]
        features = features[features >= 0]
        if not features.size:
            return super()._raw_score(text)
        found, first, counts = np.unique(features, return_index=True, return_counts=True)
        order = np.argsort(first, kind="stable")
        weights = np.log1p(counts[order].astype(np.float32))
        return weights @ self.nb_ptc[found[order]] + self.nb_pc


def load_identifier(cache_root: Path) -> Any:
    """py3langid's identifier (normalised probabilities) from its decompressed copy under
    ``cache_root``, written there first if missing. Without a usable cache (a read-only
    home, a damaged file) it loads the packaged model, as shipped: the same numbers, slower."""
    model = _model_path()
    with contextlib.suppress(OSError, ValueError, KeyError):
        folder = _cache_dir(cache_root, model)
        if not folder.is_dir():
            _write_cache(folder, model)
        return _load_cached(folder)
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@functools.cache
def _identifier_unlocked() -> Any:
    return load_identifier(model_cache_root())


def identifier() -> Any:
    """py3langid's identifier with normalised probabilities, loaded once per process."""
    with _load_lock:  # two threads must not both pay for loading the model
        return _identifier_unlocked()


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float


def detect(
    text: str,
    *,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    min_letters: int = DEFAULT_MIN_LETTERS,
    sample_chars: int = DEFAULT_SAMPLE_CHARS,
) -> Detection:
    """The language of ``text`` (its first ``sample_chars`` characters)."""
    sample = text[:sample_chars]
    if not has_letters(sample, min_letters):
        return Detection(UNDETERMINED, 0.0)
    code, probability = identifier().classify(sample)
    confidence = round(float(probability), 4)
    if confidence < min_confidence:
        return Detection(UNDETERMINED, 0.0)
    return Detection(str(code), confidence)


def has_letters(text: str, count: int) -> bool:
    """Whether ``text`` holds at least ``count`` letters (it stops reading at the last one
    needed: a text of any length is usually decided in its first words)."""
    if count <= 0:
        return True
    for ch in text:
        if ch.isalpha():
            count -= 1
            if not count:
                return True
    return False


@dataclass(frozen=True)
class LanguageStage:
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    min_letters: int = DEFAULT_MIN_LETTERS
    sample_chars: int = DEFAULT_SAMPLE_CHARS
    name: str = NAME
    description: str = DESCRIPTION

    def __call__(self, doc: Document) -> Document:
        found = detect(
            doc.text,
            min_confidence=self.min_confidence,
            min_letters=self.min_letters,
            sample_chars=self.sample_chars,
        )
        return doc.with_metadata(language=found.language, language_confidence=found.confidence)

    def prepare(self) -> None:
        """Load the detector's model now (the pipeline calls this once it is built)."""
        identifier()


def build(settings: StageSettings) -> LanguageStage:
    unknown = set(settings.options) - OPTIONS
    if unknown:
        raise ValueError(f"unknown options {sorted(unknown)} (known: {sorted(OPTIONS)})")
    min_confidence = float(settings.options.get("min_confidence", DEFAULT_MIN_CONFIDENCE))
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be between 0 and 1, not {min_confidence}")
    min_letters = int(settings.options.get("min_letters", DEFAULT_MIN_LETTERS))
    sample_chars = int(settings.options.get("sample_chars", DEFAULT_SAMPLE_CHARS))
    if min_letters < 0 or sample_chars <= 0:
        raise ValueError("min_letters must be >= 0 and sample_chars > 0")
    return LanguageStage(
        min_confidence=min_confidence, min_letters=min_letters, sample_chars=sample_chars
    )
