"""control_mojibake: text the page encoded twice is repaired before trafilatura deletes half of it.

A page whose UTF-8 text was decoded as Latin-1 and encoded again holds each curly apostrophe
as three characters, "â" and two C1 controls (U+0080 and U+0099); a page written in
Windows-1252 and labelled Latin-1 holds its curly quotes as single C1 controls. ftfy, in the unicode stage, turns these
back into the characters meant, but it never sees them: trafilatura deletes every character
that is not printable from the text it extracts, so "it\u00e2\u0080\u0099s" comes out as
"it\u00e2s", which nothing can repair any more (tuning pages: a parenting guide with every
apostrophe of its article so broken).

:func:`repair_control_mojibake` runs ftfy's encoding fixers on the text runs of the page that
hold a C1 control, before extraction. C1 controls are not text in an HTML page (HTML reads the
references ``&#128;`` to ``&#159;`` as Windows-1252 characters for that reason), so a run
without one is never touched, and in a run with one ftfy changes only what its own evidence
says is mis-decoded. ftfy's other fixers (HTML entities, quotes, ligatures, normalisation) stay
off: the parser has already decoded the entities, and the rest is the unicode stage's choice.
"""

from __future__ import annotations

import logging
import re

import ftfy
from lxml.html import HtmlElement  # type: ignore[import-untyped]

_LOG = logging.getLogger(__name__)

_C1_CONTROL = re.compile("[\x80-\x9f]")
# Elements whose text is not the page's text: nothing is extracted from them.
_NOT_TEXT = frozenset({"script", "style", "noscript", "template"})

# ftfy's repairs of a wrong decoding only (fix_encoding and the steps it leans on, and C1
# controls read as Windows-1252); every other fixer off.
_ENCODING_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def may_hold_control_mojibake(html: str) -> bool:
    """Whether the page's source ``html`` holds a C1 control (a search at C speed: most pages
    hold none, and their tree is then never walked). A numeric reference to one (``&#146;``)
    needs no repair: the parser reads it as the Windows-1252 character, as HTML does."""
    return _C1_CONTROL.search(html) is not None


def repair_control_mojibake(tree: HtmlElement) -> int:
    """Run ftfy's encoding repairs on every text run of ``tree`` holding a C1 control; the
    number of runs changed. Mutates ``tree``."""
    repaired = 0
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions are not extracted
        if element.tag not in _NOT_TEXT and element.text and _C1_CONTROL.search(element.text):
            fixed = repaired_run(element.text)
            if fixed != element.text:
                element.text = fixed
                repaired += 1
        if element.tail and _C1_CONTROL.search(element.tail):
            fixed = repaired_run(element.tail)
            if fixed != element.tail:
                element.tail = fixed
                repaired += 1
    return repaired


def repaired_run(run: str) -> str:
    """``run`` after ftfy's encoding repairs (the characters meant where it was mis-decoded;
    unchanged when ftfy finds nothing mis-decoded)."""
    fixed = ftfy.fix_text(run, _ENCODING_ONLY)
    if fixed != run:
        _LOG.debug("mis-decoded text repaired: %.60r -> %.60r", run, fixed)
    return fixed
