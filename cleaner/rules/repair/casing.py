"""A replacement takes the case of the text it replaces, and the article before it follows
its first sound ("an information convention" -> "a news conference")."""

from __future__ import annotations

from cleaner.rules.text import is_word_char

# Words whose first letter misleads about their first sound.
_AN_BEFORE = ("hour", "honest", "honor", "honour", "heir")
_A_BEFORE = ("one", "once", "uni", "use", "usu", "uti", "eu", "ewe", "ure", "uro")


def article_for(word: str) -> str | None:
    """ "a" or "an" before ``word`` by its first sound; None when spelling cannot tell
    (numbers, abbreviations such as "FBI")."""
    if not word[:1].isalpha() or (len(word) > 1 and word.isupper()):
        return None
    lower = word.lower()
    if lower.startswith(_AN_BEFORE):
        return "an"
    if lower.startswith(_A_BEFORE):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


def with_article_for(text: str, start: int, replacement: str, written: str) -> tuple[int, str]:
    """Where a replacement starts right after "a"/"an" and needs the other article, the
    edit grows to take the article in ("an information convention" -> "a news conference").
    ``written`` is the replacement as the rule wrote it, before it took the text's case."""
    for article in ("an", "a"):
        at = start - len(article) - 1
        if at < 0 or text[start - 1] != " " or text[at : start - 1].lower() != article:
            continue
        if at > 0 and is_word_char(text[at - 1]):
            return start, replacement
        wanted = article_for(written.split(" ", 1)[0])
        if wanted is None or wanted == article:
            return start, replacement
        return at, follow_case(text[at : start - 1], wanted) + " " + replacement
    return start, replacement


#: Words Title Case leaves in lower case ("Department of Energy").
_TITLE_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"]
)


def follow_case(matched: str, replacement: str) -> str:
    """Give ``replacement`` the case of ``matched``: ALL CAPS, a leading capital, or as written."""
    letters = [c for c in matched if c.isalpha()]
    words = matched.split()
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        replacement = replacement.upper()
    elif len(words) >= 2 and all(w[:1].isupper() for w in words):
        # Title Case ("Weekend Field Workplace") stays Title Case ("Box Office").
        replacement = " ".join(
            w if i and w in _TITLE_SMALL_WORDS else w[:1].upper() + w[1:]
            for i, w in enumerate(replacement.split(" "))
        )
    else:
        first = next((c for c in matched if c.isalpha()), "")
        if first.isupper():
            for i, char in enumerate(replacement):
                if char.isalpha():
                    replacement = replacement[:i] + char.upper() + replacement[i + 1 :]
                    break
    if "\u2019" in matched and "\u2019" not in replacement:
        replacement = replacement.replace("'", "\u2019")
    return replacement
