"""unicode: ftfy repairs what is broken (mojibake, HTML entities left in text, control
characters) and leaves alone what is merely typographic.

By default curly quotes, dashes, ligatures, full-width characters and the text's Unicode
normalisation form stay exactly as they are: they are correct text, and changing them would
break the rule that clean text comes out unchanged.

ftfy fixes text line by line; so do we, which lets us skip the many lines that cannot contain
anything ftfy would change and record each repair as an edit with its own span.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import ftfy

from cleaner.document import Document, Replacement, apply_replacements, split_lines
from cleaner.registry import StageSettings

NAME = "unicode"
DESCRIPTION = "ftfy repairs mojibake, leftover HTML entities and control characters; typography (curly quotes, dashes, ligatures, normalisation) is kept."

# Options of ftfy's TextFixerConfig that stay off unless the pipeline file turns them on,
# because what they change is not broken.
_TYPOGRAPHIC_FIXERS = {
    "uncurl_quotes": False,
    "fix_latin_ligatures": False,
    "fix_character_width": False,
    "fix_line_breaks": False,
    "normalization": None,
}


def _default_config() -> ftfy.TextFixerConfig:
    return ftfy.TextFixerConfig(explain=False, **_TYPOGRAPHIC_FIXERS)


@dataclass(frozen=True)
class UnicodeStage:
    name: str = NAME
    description: str = DESCRIPTION
    config: ftfy.TextFixerConfig = field(default_factory=_default_config)

    def __call__(self, doc: Document) -> Document:
        replacements: list[Replacement] = []
        config = self.config
        offset = 0
        for line in split_lines(doc.text):
            # ftfy.fix_text stops unescaping HTML for the rest of the text once a line holds
            # "<"; we follow it so that our output is exactly fix_text's.
            if config.unescape_html == "auto" and "<" in line:
                config = config._replace(unescape_html=False)
            if not _may_need_fixing(line, config):
                offset += len(line)
                continue
            fixed = ftfy.fix_text(line, config)
            if fixed != line:
                replacements.extend(_line_replacements(line, fixed, offset))
            offset += len(line)
        return apply_replacements(doc, NAME, replacements)


def _may_need_fixing(line: str, config: ftfy.TextFixerConfig) -> bool:
    """False only for lines ftfy provably leaves unchanged: printable ASCII with nothing
    that looks like an HTML entity."""
    if not line.isascii():
        return True
    if config.unescape_html and "&" in line:
        return True
    return not line.rstrip("\n").replace("\t", " ").isprintable()


def _line_replacements(before: str, after: str, offset: int) -> list[Replacement]:
    """Minimal spans turning ``before`` into ``after``, so an edit shows only what changed."""
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    spans: list[Replacement] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        spans.append(Replacement(offset + i1, offset + i2, after[j1:j2], "unicode.ftfy"))
    return spans


def build(settings: StageSettings) -> UnicodeStage:
    options = dict(settings.options)
    known = set(ftfy.TextFixerConfig._fields) - {"explain"}
    unknown = set(options) - known
    if unknown:
        raise ValueError(f"unicode: unknown ftfy options {sorted(unknown)}")
    return UnicodeStage(config=_default_config()._replace(**options))
