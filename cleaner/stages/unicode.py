"""unicode: ftfy repairs what is broken (mojibake, HTML entities left in text, control
characters) and leaves alone what is merely typographic.

By default curly quotes, dashes, ligatures, full-width characters and the text's Unicode
normalisation form stay exactly as they are: they are correct text, and changing them would
break the rule that clean text comes out unchanged.

The output is exactly ``ftfy.fix_text(text, config)``, but most text needs no repair and the
stage proves that cheaply instead of running every fixer. ftfy fixes text segment by segment
(a segment is a line, cut at ``max_decode_length``), and on a segment each fixer of the
default configuration is the identity unless the segment holds its trigger:

- ``unescape_html``: an HTML entity (``&...;``);
- ``fix_encoding``: text that is not ASCII *and* that ftfy's badness heuristic
  (``ftfy.badness.is_bad``) flags; ftfy itself returns such text unchanged;
- ``fix_c1_controls``, ``fix_surrogates``, ``remove_terminal_escapes``,
  ``remove_control_chars``: a C1 control, a surrogate, an escape or one of ftfy's control
  characters.

When no fixer changes a segment, ftfy's fixing loop ends after one pass with it unchanged.
So a segment with none of these triggers is ftfy's output already; only the others are handed
to ftfy, and each repair is recorded as an edit with its own span. The typographic fixers and
normalisation, when a pipeline file turns them on, have no such proof here: then every
segment goes to ftfy.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import ftfy
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad
from ftfy.chardata import CONTROL_CHARS, HTML_ENTITY_RE

from cleaner.document import Document, Replacement, apply_replacements
from cleaner.registry import UNICODE, StageSettings

NAME = UNICODE
OPTIONS = frozenset(ftfy.TextFixerConfig._fields) - {"explain"}
DESCRIPTION = "ftfy repairs mojibake, leftover HTML entities and control characters; typography (curly quotes, dashes, ligatures, normalisation) is kept."


# Characters that make a fixer other than unescape_html/fix_encoding act: C1 controls
# (fix_c1_controls), surrogates (fix_surrogates), ESC (remove_terminal_escapes) and ftfy's
# own table of unwanted controls (remove_control_chars). Built from ftfy's table so that it
# follows the installed version.
_CONTROL_TRIGGERS = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in sorted(CONTROL_CHARS)) + "\x1b\x80-\x9f\ud800-\udfff]"
)
# ftfy's badness regex has one anchored alternative, ``^[ÃÂ] ``: it matches at the start of a
# segment, which in a whole text is the start (checked by the fast badness test itself) or any
# position after a newline. The literal newline lets the search skip at C speed.
_BAD_SEGMENT_START = re.compile("\n[\u00c3\u00c2] ")


# --- ftfy's badness test, faster ----------------------------------------------------------
# ``is_bad`` is one search with a large alternation whose branches may start at almost any
# character, so the regex engine tries them all at every position; it is most of what
# fix_text costs on clean text. Every branch can be rewritten to start with a non-ASCII
# character (a branch whose first character class admits ASCII starts instead at its
# second, non-ASCII, character and checks the first with a lookbehind), and a match must
# start at one of those characters. So we find the candidate characters with one
# character-class search (which skips ASCII at C speed) and try the rewritten pattern only
# there. The rewrite is checked against ftfy's own pattern text: for any other ftfy version
# the plain ``is_bad`` is used.
_BADNESS_SHA256 = "9dcc0f2ac90d9ae3c85eb7b9b2c0b8a8e8126153847c2b30c91a0bb263f3b8c4"


def _anchored_rewrites() -> list[tuple[str, str]]:
    c = MOJIBAKE_CATEGORIES
    lc, uc, bad = c["lower_common"], c["upper_common"], c["bad"]
    ua, cur = c["upper_accented"], c["currency"]
    sp, ep = c["start_punctuation"], c["end_punctuation"]
    return [
        (f"[a-zA-Z] [{lc}{uc}] [{bad}]", f"[{lc}{uc}](?<=[a-zA-Z][{lc}{uc}]) [{bad}]"),
        (f"\\s [{ua}] [{cur}]", f"[{ua}](?<=\\s[{ua}]) [{cur}]"),
        (f"[a-z] [{ua}] [{sp}{cur}]", f"[{ua}](?<=[a-z][{ua}]) [{sp}{cur}]"),
        ("[a-z]\\s?[ÃÂ][ ]", "[ÃÂ](?<=[a-z][ÃÂ])[ ] | [ÃÂ](?<=[a-z]\\s[ÃÂ])[ ]"),
        ("^[ÃÂ][ ]", "[ÃÂ](?<=^[ÃÂ])[ ]"),
        (f"[a-z.,?!{ep}] Â [ {sp}{ep}]", f"Â(?<=[a-z.,?!{ep}]Â) [ {sp}{ep}]"),
    ]


def _first_token(branch: str) -> str:
    branch = branch.strip()
    if branch.startswith("["):
        return branch[1 : branch.index("]", 1)]
    return re.escape(branch[0])


def _compile_fast_badness() -> Callable[[str], bool]:
    source = BADNESS_RE.pattern
    if hashlib.sha256(source.encode()).hexdigest() != _BADNESS_SHA256:
        return is_bad
    for old, new in _anchored_rewrites():
        if source.count(old) != 1:
            return is_bad
        source = source.replace(old, new)
    lines = [line for line in source.split("\n") if not line.strip().startswith("#")]
    branches = "\n".join(lines).split("\n    |\n")
    candidates = re.compile("[" + "".join(_first_token(b) for b in branches) + "]")
    rewritten = re.compile(source, re.VERBOSE)

    def fast_is_bad(text: str) -> bool:
        at = rewritten.match
        return any(at(text, found.start()) for found in candidates.finditer(text))

    return fast_is_bad


looks_like_mojibake = _compile_fast_badness()
"""``ftfy.badness.is_bad``, the same answer on every text, several times faster."""


def _default_config() -> ftfy.TextFixerConfig:
    # The typographic fixers stay off unless the pipeline file turns them on, because what
    # they change is not broken.
    return ftfy.TextFixerConfig(
        explain=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        fix_line_breaks=False,
        normalization=None,
    )


@dataclass(frozen=True)
class UnicodeStage:
    name: str = NAME
    description: str = DESCRIPTION
    config: ftfy.TextFixerConfig = field(default_factory=_default_config)
    piece_chars: int = 1 << 16
    """Characters of text proven unchanged at a time (cut where a line ends): a long document
    is checked piece by piece, and only the pieces that may change go segment by segment."""

    def __call__(self, doc: Document) -> Document:
        if self.unchanged_by_ftfy(doc.text):
            return doc
        replacements: list[Replacement] = []
        for offset, segment, fixed in self._fixed_segments(doc.text, skip_unchanged=True):
            if fixed != segment:
                replacements.extend(_segment_replacements(segment, fixed, offset))
        return apply_replacements(doc, NAME, replacements)

    def fix(self, text: str) -> str:
        """What the stage makes of ``text``: exactly ``ftfy.fix_text(text, self.config)``."""
        if self.unchanged_by_ftfy(text):
            return text
        return "".join(fixed for _, _, fixed in self._fixed_segments(text))

    def unchanged_by_ftfy(self, text: str) -> bool:
        """True only when ftfy provably leaves the whole of ``text`` unchanged.

        Whole-text checks are sound for its segments: the trigger regexes match single
        characters (or a fixed sequence), so a match in a segment is a match in the text, and
        the one anchored badness pattern is looked for after every newline as well.
        """
        config = self.config
        if not _fast_path_applies(config) or len(text) > config.max_decode_length:
            return False
        if _CONTROL_TRIGGERS.search(text):
            return False
        if config.unescape_html and "&" in text and HTML_ENTITY_RE.search(text):
            return False
        if text.isascii() or not config.fix_encoding:
            return True
        return not (looks_like_mojibake(text) or _BAD_SEGMENT_START.search(text))

    def _fixed_segments(
        self, text: str, skip_unchanged: bool = False
    ) -> Iterator[tuple[int, str, str]]:
        """(offset, segment, ftfy's fix of it) for each of ftfy's segments of ``text``, one at
        a time. With ``skip_unchanged``, the text is first cut into pieces of whole segments
        (about ``piece_chars`` characters) and the pieces :meth:`unchanged_by_ftfy` proves
        unchanged are left out: a long document is then never held as a list of its lines."""
        config = self.config
        fast = _fast_path_applies(config)
        pos = 0
        while pos < len(text):
            stop = len(text)
            if skip_unchanged:
                stop = text.find("\n", pos + self.piece_chars) + 1 or len(text)
                piece = text[pos:stop]
                if self.unchanged_by_ftfy(piece):
                    if config.unescape_html == "auto" and "<" in piece:
                        config = config._replace(unescape_html=False)  # as below
                    pos = stop
                    continue
            # The same segmentation as ftfy.fix_text: lines, cut at max_decode_length (a piece
            # ends where a line does, so its segments are the whole text's).
            while pos < stop:
                end = text.find("\n", pos, stop) + 1 or stop
                if end - pos > config.max_decode_length:
                    end = pos + config.max_decode_length
                segment = text[pos:end]
                # fix_text stops unescaping HTML for the rest of the text once a segment holds
                # "<"; so do we.
                if config.unescape_html == "auto" and "<" in segment:
                    config = config._replace(unescape_html=False)
                if fast and not _segment_may_change(segment, config):
                    yield pos, segment, segment
                else:
                    yield pos, segment, ftfy.fix_text(segment, config)
                pos = end


def _fast_path_applies(config: ftfy.TextFixerConfig) -> bool:
    """Whether the trigger checks cover every fixer ``config`` turns on."""
    return not (
        config.uncurl_quotes
        or config.fix_latin_ligatures
        or config.fix_character_width
        or config.fix_line_breaks
        or config.normalization is not None
    )


def _segment_may_change(segment: str, config: ftfy.TextFixerConfig) -> bool:
    """False only for segments ftfy provably returns unchanged (see the module docstring)."""
    if config.unescape_html and "&" in segment and HTML_ENTITY_RE.search(segment):
        return True
    if _CONTROL_TRIGGERS.search(segment):
        return True
    return bool(config.fix_encoding and not segment.isascii() and looks_like_mojibake(segment))


# Above this many changed characters a segment's repair is one edit: difflib's matching is
# quadratic, and a line of mojibake changes almost everywhere anyway.
MAX_DIFFED_CHARS = 400


def _segment_replacements(before: str, after: str, offset: int) -> list[Replacement]:
    """Small spans turning ``before`` into ``after``, so an edit shows only what changed."""
    head = 0
    limit = min(len(before), len(after))
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    old, new = before[head : len(before) - tail], after[head : len(after) - tail]
    start = offset + head
    if len(old) + len(new) > MAX_DIFFED_CHARS:
        return [Replacement(start, start + len(old), new, "unicode.ftfy")]
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [
        Replacement(start + i1, start + i2, new[j1:j2], "unicode.ftfy")
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def build(settings: StageSettings) -> UnicodeStage:
    options = dict(settings.options)
    known = set(ftfy.TextFixerConfig._fields) - {"explain"}
    unknown = set(options) - known
    if unknown:
        raise ValueError(f"unicode: unknown ftfy options {sorted(unknown)}")
    return UnicodeStage(config=_default_config()._replace(**options))
