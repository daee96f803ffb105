"""Benchmark of language detection: accuracy and speed of py3langid (the detector the
``language`` stage uses) and, when it is installed, lingua-language-detector.

Texts: the 181 AEB article bodies and the shared samples, labelled by
``tests/test_language.py::EXPECTED_NON_ENGLISH`` (hand-checked; everything else is English).
The AEB bodies are split by site (the host of their URL) into a tuning and a validation half;
both accuracies are printed. Speed: model load time, and milliseconds per text. Sample size:
how often the stage's sample (and a few others) gives the language that reading 20,000
characters gives, and how far the confidence moves, per half.

Run: ``.venv/bin/python bench/bench_language.py``; ``make bench`` calls :func:`run`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_language import labelled_texts  # noqa: E402

from cleaner.stages import language  # noqa: E402


def is_validation_site(url: str) -> bool:
    """Half of the sites, chosen by a hash of the host: no threshold is picked from them."""
    host = urllib.parse.urlsplit(url).hostname or url
    return hashlib.sha256(host.encode()).digest()[0] % 2 == 1


def _measure(
    name: str, load: Callable[[], Callable[[str], str]], texts: list[tuple[str, str, str, str]]
) -> dict[str, Any]:
    began = time.perf_counter()
    detect = load()
    load_s = time.perf_counter() - began
    began = time.perf_counter()
    found = [detect(text) for _, _, text, _ in texts]
    detect_s = time.perf_counter() - began
    right = {"tuning": [0, 0], "validation": [0, 0]}
    wrong: list[str] = []
    for (key, url, _, expected), got in zip(texts, found, strict=True):
        part = "validation" if url and is_validation_site(url) else "tuning"
        right[part][1] += 1
        if got == expected:
            right[part][0] += 1
        else:
            wrong.append(f"{key[:12]}: expected {expected}, got {got}")
    total_right = right["tuning"][0] + right["validation"][0]
    return {
        "detector": name,
        "texts": len(texts),
        "accuracy": round(total_right / len(texts), 4),
        "accuracy_tuning": round(right["tuning"][0] / max(1, right["tuning"][1]), 4),
        "accuracy_validation": round(right["validation"][0] / max(1, right["validation"][1]), 4),
        "tuning_texts": right["tuning"][1],
        "validation_texts": right["validation"][1],
        "load_seconds": round(load_s, 2),
        "ms_per_text": round(detect_s * 1000 / len(texts), 2),
        "wrong": wrong,
    }


def _py3langid() -> Callable[[str], str]:
    language.identifier()
    return lambda text: language.detect(text).language


def _lingua() -> Callable[[str], str]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text[: language.DEFAULT_SAMPLE_CHARS])
        return found.iso_code_639_1.name.lower() if found is not None else language.UNDETERMINED

    return detect


LONG_SAMPLE_CHARS = 20_000
SAMPLE_SIZES = (500, 1_000, language.DEFAULT_SAMPLE_CHARS, 5_000)


def sample_agreement(texts: list[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    """Per sample size and half: texts whose language differs from a 20,000-character
    sample's, texts whose confidence moved, and the largest move."""
    long = {key: language.detect(text, sample_chars=LONG_SAMPLE_CHARS) for key, _, text, _ in texts}
    rows = []
    for size in SAMPLE_SIZES:
        for part in ("tuning", "validation"):
            chosen = [
                (key, text)
                for key, url, text, _ in texts
                if ("validation" if url and is_validation_site(url) else "tuning") == part
            ]
            found = {key: language.detect(text, sample_chars=size) for key, text in chosen}
            moves = [abs(found[key].confidence - long[key].confidence) for key, _ in chosen]
            rows.append(
                {
                    "sample_chars": size,
                    "part": part,
                    "texts": len(chosen),
                    "language_differs": sum(
                        found[key].language != long[key].language for key in found
                    ),
                    "confidence_moved": sum(move > 0 for move in moves),
                    "largest_confidence_move": round(max(moves, default=0.0), 4),
                }
            )
    return rows


def run(report: dict[str, Any]) -> None:
    texts = labelled_texts()
    rows = [_measure("py3langid", _py3langid, texts)]
    if importlib.util.find_spec("lingua") is not None:
        rows.append(_measure("lingua", _lingua, texts))
    report["language"] = {
        "target_accuracy": 0.99,
        "detectors": rows,
        "default_sample_chars": language.DEFAULT_SAMPLE_CHARS,
        "sample_agreement": sample_agreement(texts),
    }


def main() -> None:
    report: dict[str, Any] = {}
    run(report)
    print(json.dumps(report["language"], indent=2))


if __name__ == "__main__":
    main()
