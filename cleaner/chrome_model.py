"""A learned model of short chrome lines: calls to action, newsletter and subscribe boxes,
"related" headers, share prompts and bios that no hand-written rule names.

The model is a logistic regression over a line's words (unigrams and bigrams), its shape
(length, end punctuation, capitalisation, digits, links) and its place among the page's lines
(first or last lines, repeated elsewhere, short neighbours). It is trained offline by
``bench/train_chrome_model.py`` on the tuning pages of the two extraction benchmarks: a line
of cleaner's output is chrome when the page's gold text does not hold it, and a keep when it
does, so the keeps are real article sentences. Only features seen on several sites are kept,
so that the model learns what chrome looks like on any site, not one site's template.

The weights are data (``rules/chrome/short-line-model.json``), read here in pure Python and
validated on load. The chrome stage applies the model to short lines of English documents
only, removes a line only when its probability reaches the file's threshold, and records the
probability in the edit, so that ``--explain`` shows why a line went.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeGuard

from cleaner.rules.source import RuleError

MODEL_FILE_NAME = "short-line-model.json"
MODEL_RULE_ID = "chrome.short-line-model"
FORMAT = "cleaner-short-line-model"
FORMAT_VERSION = 1

_TOKEN = re.compile(r"\w+", re.UNICODE)
_DIGITS = re.compile(r"\d")
_URL = re.compile(r"https?://|www\.|\.com\b", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^[-•*–·]\s+")
_SENTENCE_END = ".!?…"
# A line that is a table row or indented code is data, not a pitch: never the model's.
_CODE_OR_TABLE = re.compile(r"^(?:\s{2,}|\t|\|)|[{};=]\s*$")
_LENGTH_BUCKETS = (1, 2, 3, 5, 8, 12, 18, 25, 40)
# A neighbour this short is a box's other line (a link list, a sign-up form's labels).
SHORT_NEIGHBOUR_WORDS = 6
# The first and last lines of a page are where its boxes (sign-up, share, bio) gather.
EDGE_LINES = 3


@dataclass(frozen=True, eq=False)
class LineModel:
    """The model file's content: feature weights, bias, and how the chrome stage applies it."""

    weights: dict[str, float]
    bias: float
    threshold: float
    """The probability a line needs to be removed."""
    max_words: int
    """Longer lines are prose, never the model's to judge."""
    languages: frozenset[str]
    """ISO 639-1 codes of the documents it applies to (it learned English words)."""
    path: Path

    def probability(self, features: Sequence[str]) -> float:
        score = self.bias + sum(self.weights.get(feature, 0.0) for feature in features)
        return 1.0 / (1.0 + math.exp(-score)) if score > -700 else 0.0


def _fail(path: Path, problem: str) -> RuleError:
    return RuleError(path, None, MODEL_RULE_ID, problem)


def load_line_model(path: Path) -> LineModel:
    """The model at ``path``, validated; raises :class:`RuleError` naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(path, f"cannot read the model file: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(path, f"the model file is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _fail(path, "the model file must hold a JSON object")
    if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
        raise _fail(path, f"expected format {FORMAT!r} version {FORMAT_VERSION}")
    weights = data.get("weights")
    if not isinstance(weights, dict) or not weights:
        raise _fail(path, "field 'weights' must be a non-empty object of feature -> number")
    for feature, weight in weights.items():
        if not _is_number(weight):
            raise _fail(path, f"weight of feature {feature!r} is not a number: {weight!r}")
    bias, threshold, max_words = data.get("bias"), data.get("threshold"), data.get("max_words")
    if not _is_number(bias):
        raise _fail(path, "field 'bias' must be a number")
    if not _is_number(threshold) or not 0.5 <= threshold < 1.0:
        raise _fail(path, "field 'threshold' must be a probability in [0.5, 1)")
    if not isinstance(max_words, int) or isinstance(max_words, bool) or max_words <= 0:
        raise _fail(path, "field 'max_words' must be a positive integer")
    languages = data.get("languages")
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise _fail(path, "field 'languages' must be a list of ISO 639-1 codes")
    return LineModel(
        weights={str(k): float(v) for k, v in weights.items()},
        bias=float(bias),
        threshold=float(threshold),
        max_words=max_words,
        languages=frozenset(languages),
        path=path,
    )


def model_for(rules_dir: Path) -> LineModel | None:
    """The model of the chrome rules under ``rules_dir`` (``chrome/short-line-model.json``),
    loaded once per file; None when that rule folder has none (a user's own rules)."""
    path = (rules_dir / "chrome" / MODEL_FILE_NAME).resolve()
    return _load_cached(path) if path.is_file() else None


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> LineModel:
    return load_line_model(path)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def tokens(line: str) -> list[str]:
    """The line's lower-cased words, each digit run made ``0`` (a price or a date is a shape,
    not a word to learn)."""
    return [_DIGITS.sub("0", token) for token in _TOKEN.findall(line.lower())]


def is_candidate(line: str, max_words: int) -> bool:
    """Whether the model may judge ``line``: short, with words, not a table row or code."""
    if _CODE_OR_TABLE.search(line):
        return False
    count = len(line.split())
    return 0 < count <= max_words and any(ch.isalpha() for ch in line)


def _bucket(value: int) -> str:
    for bound in _LENGTH_BUCKETS:
        if value <= bound:
            return str(bound)
    return "more"


def line_features(
    lines: Sequence[str], index: int, counts: Counter[str] | None = None
) -> list[str]:
    """The features of ``lines[index]`` among the page's non-blank ``lines`` (stripped).

    ``counts`` is the case-folded lines' counts, for callers that ask about many lines."""
    line = lines[index]
    text = _LIST_MARKER.sub("", line)
    words = tokens(text)
    features = [f"w:{word}" for word in set(words)]
    features += [f"b:{a}_{b}" for a, b in set(pairwise(words))]
    if words:
        features += [f"first:{words[0]}", f"last:{words[-1]}"]
    raw_words = text.split()
    features.append(f"len:{_bucket(len(raw_words))}")
    end = text[-1:] if text else ""
    features.append(
        "end:sentence"
        if end in _SENTENCE_END
        else "end:colon"
        if end == ":"
        else "end:word"
        if end.isalnum()
        else "end:other"
    )
    if end == "?":
        features.append("end:question")
    capitalised = sum(1 for word in raw_words if word[:1].isupper())
    if raw_words:
        share = capitalised / len(raw_words)
        features.append("caps:all" if share == 1 else "caps:most" if share >= 0.6 else "caps:few")
    if _DIGITS.search(text):
        features.append("has:digit")
    if _URL.search(text):
        features.append("has:url")
    if text[:1] and not text[:1].isalnum() and text[:1] not in "\"'“‘(":
        features.append("has:symbol-start")
    if text != line:
        features.append("is:list-item")
    if index < EDGE_LINES:
        features.append("pos:first")
    if index >= len(lines) - EDGE_LINES:
        features.append("pos:last")
    counts = counts if counts is not None else Counter(x.casefold() for x in lines)
    if counts[line.casefold()] > 1:
        features.append("page:repeated")
    for name, neighbour in (("prev", index - 1), ("next", index + 1)):
        if 0 <= neighbour < len(lines) and len(lines[neighbour].split()) <= SHORT_NEIGHBOUR_WORDS:
            features.append(f"{name}:short")
    return features


def chrome_lines(
    model: LineModel, lines: Sequence[str], skip_first: bool = True
) -> dict[int, float]:
    """Index -> probability of the non-blank ``lines`` (as the text holds them, less their
    newline) that the model calls chrome. The first line (a title) is never judged with
    ``skip_first``."""
    stripped = [line.strip() for line in lines]
    counts = Counter(line.casefold() for line in stripped)
    found: dict[int, float] = {}
    for index, line in enumerate(lines):
        if (skip_first and index == 0) or not is_candidate(line, model.max_words):
            continue
        probability = model.probability(line_features(stripped, index, counts))
        if probability >= model.threshold:
            found[index] = probability
    return found
