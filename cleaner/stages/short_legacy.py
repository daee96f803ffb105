"""short_legacy: reading a short legacy-encoded text that cp1252 would make mojibake of.

A few dozen non-ASCII bytes are too few for charset-normalizer to tell windows-1251 from
KOI8-R or ISO-8859-7 (their candidates tie), so the decode stage reads a short text as cp1252,
the web's usual legacy encoding. A short Russian text then came out as "Ìýð ïîîáåùàëà" with no
warning. Western text read as cp1252 has words of ASCII letters with a few accented ones;
mojibake has words made only of accented letters, or letters around Latin-1 signs
(:func:`mojibake_words`). For such a text the single-byte code page whose reading has
well-cased words of one script, mostly that script's common letters, is taken
(:func:`non_latin_reading`).
"""

from __future__ import annotations

import re
import unicodedata

# Single-byte code pages of the web's non-Latin (and Central European) text: a short text in
# one of them read as cp1252 is mojibake ("Ìýð ïîîáåùàëà" for "Мэр пообещала"). In order of
# use on the web, which breaks a tie.
NON_LATIN_CODE_PAGES = (
    "cp1251",
    "koi8-r",
    "koi8-u",
    "iso8859-5",
    "cp866",
    "cp1253",
    "iso8859-7",
    "cp1255",
    "iso8859-8",
    "cp1256",
    "cp1250",
    "iso8859-2",
)
# A word: letters, perhaps joined by Latin-1 signs (U+00A1-U+00BF but the soft hyphen, the
# acute accent written for an apostrophe, "you´ll", and the Catalan middle dot) or the cp1252
# signs "†‡‰•™", as mojibake joins them ("Za¿ó³æ" is Polish read as cp1252: its ż and ł are
# ¿ and ³). An apostrophe, a dash, an ellipsis or "&" joins no word here.
_WORD = re.compile(
    r"[^\W\d_]+(?:[\u00a1-\u00ac\u00ae-\u00b3\u00b5\u00b6\u00b8-\u00bf†‡‰•™]+[^\W\d_]+)*"
)
# For a candidate reading, any sign between letters but the punctuation a word may hold:
# KOI8-R read where KOI8-U was meant puts box-drawing signs inside words ("Нов│й").
_SHAPE_WORD = re.compile(r"[^\W\d_]+(?:[^\sA-Za-z0-9.,;:!?()\[\]\"'/\-’‘ʼ‐‑–—·\u00ad]+[^\W\d_]+)*")


def mojibake_words(text: str) -> int:
    """Words of the cp1252 reading of a short text that no Western language writes: three or
    more letters none of them ASCII ("Ìýð", "ïîîáåùàëà": French "été" and German "Öl" have
    an ASCII letter or are shorter), or letters around a sign ("Za¿ó³æ", Polish read as
    cp1252). A word of six or more such letters counts twice: one is proof enough."""
    count = 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        while word and not word[0].isalpha():  # "²è¤ò": a superscript two is no letter
            word = word[1:]
        while word and not word[-1].isalpha():
            word = word[:-1]
        letters = [char for char in word if char.isalpha()]
        if not word:
            continue  # "½", a number sign: no word
        if len(letters) < len(word) or (len(letters) >= 3 and all(c > "\x7f" for c in word)):
            count += 2 if len(word) >= 6 else 1
    return count


# The ten or so commonest letters of each script's main languages (Russian, Ukrainian and
# Bulgarian; Greek; Hebrew; Arabic; Latin: the ASCII letters), lower case: a text's letters
# are mostly these, a mojibake reading's (another code page's letters at those byte
# values) mostly not. Cyrillic read as Greek ("Κμεςϊς") or Hebrew read as Cyrillic ("шащ
# дтйш") has words of the right shape but the wrong letters.
_COMMON_LETTERS = {
    "CYRILLIC": frozenset("оеаинтсрвлкмдпуяі"),
    "GREEK": frozenset("αοιετνσςκπρηυμλ"),
    "HEBREW": frozenset("יוהלמארתנבשכ"),
    "ARABIC": frozenset("الينمورهتبعفس"),
    "LATIN": frozenset("abcdefghijklmnopqrstuvwxyz"),
}
MIN_COMMON_LETTER_SHARE = 0.5
"""Share of a reading's letters that must be its script's common letters for it to be
taken (real Russian or Greek text: 0.7-0.8; mojibake readings: 0.1-0.4)."""


def non_latin_reading(raw: bytes) -> tuple[str, str] | None:
    """For a short legacy text whose cp1252 reading is mojibake, the reading in a code page
    of :data:`NON_LATIN_CODE_PAGES` whose words look like words (:func:`_word_shape`: nine in
    ten of its word characters scored as letters) and whose letters are most often its
    script's common letters (:data:`_COMMON_LETTERS`), if one clearly is (at least
    :data:`MIN_COMMON_LETTER_SHARE`, and a tenth ahead of any other reading). None when no
    reading is clearly right."""
    readings: dict[str, tuple[float, str]] = {}
    # A reading that turns letters of the cp1252 reading into signs (cp866's box drawing for
    # "ÄÖÜ", review) drops them from its words and so scores as if they were not there.
    western_letters = _non_ascii_letters(raw.decode("cp1252", errors="replace"))
    for encoding in NON_LATIN_CODE_PAGES:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _non_ascii_letters(text) < western_letters:
            continue
        word_chars = sum(len(word) for word in _SHAPE_WORD.findall(text))
        if text not in readings and _word_shape(text) >= word_chars * 0.9:
            readings[text] = (_common_letter_share(text), encoding)
    ranked = sorted(readings.items(), key=lambda item: -item[1][0])
    if not ranked or ranked[0][1][0] < MIN_COMMON_LETTER_SHARE:
        return None
    if len(ranked) > 1 and ranked[1][1][0] > ranked[0][1][0] - 0.1:
        return None
    text, (_, encoding) = ranked[0]
    return text, encoding


def _non_ascii_letters(text: str) -> int:
    return sum(1 for char in text if not char.isascii() and char.isalpha())


def _common_letter_share(text: str) -> float:
    """Share of the letters of ``text`` that are common letters of their script."""
    letters = common = 0
    for char in text.lower():
        if char.isalpha():
            letters += 1
            common += char in _COMMON_LETTERS.get(_script_of(char), ())
    return common / letters if letters else 0.0


def _word_shape(text: str) -> int:
    """How much ``text`` reads like words: a point for each lower-case or caseless letter,
    two off for each capital inside a word ("нЬТ", KOI8-R read as cp1251), for each letter of
    another script than its word's first ("ћэр" is fine, "Мэр" read as Greek is not) and for
    each sign between letters ("мес€це")."""
    score = 0
    for match in _SHAPE_WORD.finditer(text):
        word = match.group(0)
        first_script = _script_of(word[0])
        for index, char in enumerate(word):
            misplaced = char.isupper() and index > 0
            if not char.isalpha() or misplaced or _script_of(char) != first_script:
                score -= 2
            else:
                score += 1
    return score


def _script_of(char: str) -> str:
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
