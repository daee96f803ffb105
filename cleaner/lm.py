"""English language models that judge a wording in its context.

The candidate layer of the repair stage asks one question: in this sentence, is the original
wording ("AI agents") more likely English than the spun one ("AI brokers")? Any model that
scores a short window of words can answer it, so the stage depends only on the
:class:`LanguageModel` protocol; :class:`TrigramModel` is the default implementation, the CMU
Sphinx generic US-English trigram model shipped inside the ``pocketsphinx`` wheel (BSD-2; no
download at run time).

Scores are base-10 log-probabilities, so a margin of 1.0 means "ten times more likely".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

#: Marks the start and the end of a sentence in a window, as the model was trained.
SENTENCE_START = "<s>"
SENTENCE_END = "</s>"

#: Log10 probability given to a word the model does not know. It is the same for every
#: wording compared, so it cancels out; it only has to be finite and low.
OOV_LOG10 = -7.0

# Words as the model spells them: lower case, inner apostrophes kept ("don't"), hyphens and
# other punctuation split words.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def model_words(text: str) -> list[str]:
    """``text`` as the lower-case words a model scores (curly apostrophes made straight)."""
    return _WORD.findall(text.replace("\u2019", "'").lower())


class LanguageModel(Protocol):
    """What the candidate layer needs from a language model."""

    @property
    def name(self) -> str:
        """Which model this is, for audits and reports."""
        ...

    def knows(self, word: str) -> bool:
        """Whether ``word`` (lower case) is in the model's vocabulary."""
        ...

    def log10_prob(self, words: Sequence[str], start: int) -> float:
        """Log10 probability of ``words[start:]`` given the words before ``start``.

        ``words`` are lower-case model words and may begin with :data:`SENTENCE_START` and
        end with :data:`SENTENCE_END`.
        """
        ...


def prefers(
    model: LanguageModel,
    left: Sequence[str],
    original: Sequence[str],
    spun: Sequence[str],
    right: Sequence[str],
) -> float:
    """How much more likely (log10) ``left original right`` is than ``left spun right``.

    Positive: the model prefers the original wording in this context. Only the words from the
    compared wording to the end of the window are scored; the left context is shared.
    """
    with_original = [*left, *original, *right]
    with_spun = [*left, *spun, *right]
    start = len(left)
    return model.log10_prob(with_original, start) - model.log10_prob(with_spun, start)


def bundled_trigram_path() -> Path:
    """The generic US-English trigram model inside the installed ``pocketsphinx`` wheel."""
    try:
        import pocketsphinx
    except ImportError as exc:  # a broken install: it is a default dependency
        raise RuntimeError(
            "the candidate repair layer needs the 'pocketsphinx' package (pip install "
            "pocketsphinx), whose wheel ships the English trigram model"
        ) from exc
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us.lm.bin"
    if not path.is_file():
        raise RuntimeError(f"the pocketsphinx wheel has no trigram model at {path}")
    return path


@dataclass(frozen=True)
class TrigramModel:
    """A pocketsphinx n-gram model: cheap to query (tens of thousands of windows a second),
    ~0.3 s to load. Build one per stage with :meth:`load` and share it; it is read-only."""

    path: Path
    order: int
    _ngrams: Any
    _to_log10: float

    @classmethod
    def load(cls, path: Path | None = None) -> TrigramModel:
        """Load the model at ``path`` (default: the one shipped with pocketsphinx)."""
        import pocketsphinx

        path = path or bundled_trigram_path()
        if not path.is_file():
            raise RuntimeError(f"language model not found: {path}")
        log_math = pocketsphinx.LogMath()
        try:
            ngrams = pocketsphinx.NGramModel(pocketsphinx.Config(), log_math, str(path))
        except Exception as exc:  # the C library reports a bad file as a bare RuntimeError
            raise RuntimeError(f"cannot load language model {path}: {exc}") from exc
        # Scores come as integers in the log base of log_math (1.0001 by default).
        return cls(
            path=path,
            order=int(ngrams.size()),
            _ngrams=ngrams,
            _to_log10=log_math.log_to_log10(-1_000_000) / -1_000_000,
        )

    @property
    def name(self) -> str:
        return f"pocketsphinx {self.order}-gram ({self.path.name})"

    def knows(self, word: str) -> bool:
        return bool(self._ngrams.prob([word]) > _LOG_ZERO)

    def log10_prob(self, words: Sequence[str], start: int) -> float:
        total = 0.0
        history = self.order - 1
        for i in range(max(start, 0), len(words)):
            # pocketsphinx wants the predicted word first, then its history, nearest first.
            query = [words[j] for j in range(i, max(i - history, 0) - 1, -1)]
            score = self._ngrams.prob(query)
            total += OOV_LOG10 if score <= _LOG_ZERO else score * self._to_log10
        return total


# pocketsphinx's "log of zero": what it returns for a word it does not know.
_LOG_ZERO = -(2**28)
