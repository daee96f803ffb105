"""The type of every option a pipeline file may give a stage, checked when the file is read.

Stages read their options with ``bool(...)``, ``float(...)`` or ``Path(...)``: without this
check ``markdown = "yes"`` turned Markdown on (any non-empty string is true), ``markdown =
"false"`` did too, and ``rules = 5`` ended in a TypeError traceback. One table for every
stage, so each option is checked the same way; the stages' own ``OPTIONS`` name the options
and a test holds the two together (an option without a type here fails it).

A ``PATH`` option written as a relative path is taken relative to the pipeline file's folder
(as ``rules_dir`` is), not the folder the command runs in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cleaner.registry import (
    CAPTIONS,
    CHROME,
    DECODE,
    EXTRACT,
    GRAMMAR,
    LANGUAGE,
    LEARNED_CHROME,
    REPAIR,
    TIDY,
    UNICODE,
)
from cleaner.stages.extract import OPTIONS as EXTRACT_OPTIONS


@dataclass(frozen=True)
class OptionType:
    expected: str
    """What the value must be, as a message says it: ``must be {expected}``."""
    accepts: Callable[[Any], bool]
    is_path: bool = False
    """A file or folder: relative to the pipeline file's folder, and it must exist."""


def _is_number(value: Any) -> bool:
    # TOML's true and false are bools, which Python counts as integers.
    return isinstance(value, int | float) and not isinstance(value, bool)


BOOLEAN = OptionType("true or false", lambda value: isinstance(value, bool))
BOOLEAN_OR_AUTO = OptionType(
    '"auto", true or false', lambda value: isinstance(value, bool) or value == "auto"
)
INTEGER = OptionType(
    "an integer", lambda value: isinstance(value, int) and not isinstance(value, bool)
)
NUMBER = OptionType("a number", _is_number)
STRING = OptionType("a string", lambda value: isinstance(value, str))
PATH = OptionType(
    "a path (a string)", lambda value: isinstance(value, str) and bool(value), is_path=True
)
STRINGS = OptionType(
    "a list of strings",
    lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
)
TABLES = OptionType(
    "a list of tables",
    lambda value: isinstance(value, list) and all(isinstance(item, dict) for item in value),
)

# Every option of the extract stage is a switch (its own OPTIONS, so the two never part).
_EXTRACT_SWITCHES = tuple(sorted(EXTRACT_OPTIONS))
# ftfy's TextFixerConfig fields (the unicode stage passes them on as they are).
_FTFY_SWITCHES = (
    "remove_terminal_escapes",
    "fix_encoding",
    "restore_byte_a0",
    "replace_lossy_sequences",
    "decode_inconsistent_utf8",
    "fix_c1_controls",
    "fix_latin_ligatures",
    "fix_character_width",
    "uncurl_quotes",
    "fix_line_breaks",
    "fix_surrogates",
    "remove_control_chars",
)

OPTION_TYPES: Mapping[str, Mapping[str, OptionType]] = {
    DECODE: {"errors": STRING},
    EXTRACT: dict.fromkeys(_EXTRACT_SWITCHES, BOOLEAN),
    UNICODE: {
        **dict.fromkeys(_FTFY_SWITCHES, BOOLEAN),
        "unescape_html": BOOLEAN_OR_AUTO,
        "normalization": STRING,
        "max_decode_length": INTEGER,
    },
    LANGUAGE: {"min_confidence": NUMBER, "min_letters": INTEGER, "sample_chars": INTEGER},
    CHROME: {"rules": PATH, "drop_repeated_lines": BOOLEAN, "line_model": BOOLEAN},
    LEARNED_CHROME: {"lines": TABLES, "name_unknown_sites": BOOLEAN},
    CAPTIONS: {"rules": PATH, "similarity": NUMBER},
    REPAIR: {
        "rules": PATH,
        "candidates": PATH,
        "gate_threshold": NUMBER,
        "min_signatures": INTEGER,
        "disable": STRINGS,
        "regex_timeout": NUMBER,
    },
    GRAMMAR: {
        "language": STRING,
        "allow_list": PATH,
        "request_timeout": NUMBER,
        "findings": BOOLEAN_OR_AUTO,
    },
    TIDY: {"rules": PATH},
}


def option_type(stage: str, key: str) -> OptionType | None:
    """The type of ``stage``'s option ``key`` (None: an option this table does not know)."""
    return OPTION_TYPES.get(stage, {}).get(key)


def toml_kind(value: Any) -> str:
    """``value`` as a pipeline file's reader would name what they wrote."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return f"a {type(value).__name__}"  # TOML dates and times
