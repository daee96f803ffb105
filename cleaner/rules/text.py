"""How rules see text: the one normaliser of quotes and spaces, the character sets it uses,
and the separators that join a title to a site name.

A rule is written with plain ``'`` and ``"``; the text it runs on may hold curly quotes,
primes or no-break spaces. :func:`straighten` maps such characters to the plain ones, one
character for one, so that offsets in the straightened text are offsets in the original.

Two character sets, because the two kinds of rules were tuned against different views and
merging them would change what they match (a behaviour change, not a restructuring):

- :data:`APOSTROPHES` (repair rules, and the trigger literals of every pattern): ``’ ‘ ʼ`` and
  the no-break space. A repair rule's ``"`` is a real double quote, never a curly one.
- :data:`QUOTES` (chrome lines): single and double curly quotes, low quotes, primes and the
  no-break space, since chrome lines are matched whole and quoting styles vary by site.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

APOSTROPHES: tuple[tuple[str, str], ...] = (
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u02bc", "'"),
    ("\u00a0", " "),
)
"""Curly apostrophes and the no-break space, as repair rules see them."""

QUOTES: tuple[tuple[str, str], ...] = (
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201a", "'"),
    ("\u201b", "'"),
    ("\u2032", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u201e", '"'),
    ("\u2033", '"'),
    ("\u00a0", " "),
)
"""Curly quotes, primes and the no-break space, as chrome rules see them."""

TITLE_SEPARATORS: tuple[str, ...] = (" | ", " - ", " – ", " — ", " :: ")
"""What stands between a title and the site's name in a page title ("Story | Reuters"): the
tidy stage strips a site name after one. The extract stage also takes a middle dot as one
when it compares a heading with the title; tidy stripping it too would change its output."""


def straighten(text: str, characters: tuple[tuple[str, str], ...] = APOSTROPHES) -> str:
    """``text`` with each of ``characters`` replaced by its plain form; same length.

    A ``str.replace`` per character found is much faster than ``str.translate``'s lookup per
    character on long texts, and most texts hold none of them.
    """
    for char, plain in characters:
        if char in text:
            text = text.replace(char, plain)
    return text


def normalize_line(line: str) -> str:
    """A line as chrome rules see it: straight quotes, single spaces, no surrounding white
    space (``str.split()`` and ``regex``'s ``\\s`` agree on what white space is)."""
    return " ".join(straighten(line, QUOTES).split())


def without_leading_emoji(normalized: str) -> str:
    """A normalized line less the emoji before its first word (:data:`_LEADING_EMOJI`); the
    line itself when it has none or is nothing else."""
    return _LEADING_EMOJI.sub("", normalized, count=1) or normalized


# Pictographs a site puts before a box's line ("🚀 Sign up for ...", "📰 Daily reads"): when
# no rule takes the line as written (some name the emoji: "👉 Read more"), its words are tried. The emoji planes and the dingbat and symbol blocks only:
# "©", "®" and "™" (Latin-1 and letterlike symbols) are words of credit rules.
_LEADING_EMOJI = re.compile(
    "^(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF][\uFE0F\u200D\U0001F3FB-\U0001F3FF]*)+ "
)


PIECE_CHARS = 1 << 16
"""A long text is worked on in pieces of about this many characters (see
:func:`pieces_at_white_space`), so that a whole-text operation's temporary copies stay small."""
# Exactly the characters str.split() splits at (stdlib re's \s is str.isspace).
_WHITE_SPACE = re.compile(r"\s")


def pieces_at_white_space(text: str, piece_chars: int = PIECE_CHARS) -> Iterator[str]:
    """``text`` in consecutive pieces of at least ``piece_chars`` characters (the last one may
    be shorter), each but the last cut just before a white-space character, so that no word
    spans two pieces. A text without such a cut is its own one piece, not a copy."""
    start = 0
    while start < len(text):
        cut = _WHITE_SPACE.search(text, start + piece_chars)
        end = cut.start() if cut else len(text)
        yield text[start:end]
        start = end


def same_length_lower(text: str) -> str:
    """``text`` in lower case, character for character: the few characters that lower to
    two (e.g. 'İ') are left alone, so that offsets stay aligned."""
    # Lowered piece by piece: str.lower works in a buffer of three 4-byte characters per
    # character, so a 2 MB text took ~20 MB for a moment. A white-space character is neither
    # cased nor case-ignorable, so the one context-dependent lowering (a final capital sigma)
    # sees the same neighbours in a piece as in the whole text.
    lowered = "".join(piece.lower() for piece in pieces_at_white_space(text))
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def is_word_char(char: str) -> bool:
    """Whether ``char`` is part of a word, as ``\\w`` means it."""
    return char.isalnum() or char == "_"
