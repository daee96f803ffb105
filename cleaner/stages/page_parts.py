"""Measures shared by the extract stage (:mod:`.html_extraction`) and the pre-steps it
imports (:mod:`.article_headers`, :mod:`.embed_blocks`, :mod:`.quote_figures`): kept here so
that all read one definition and no step imports the stage.

A prose paragraph is :data:`PROSE_PARAGRAPH_CHARS` characters or more: navigation and teaser
links are shorter.
Embedded media are players and frames (:data:`PLAYER_TAGS`) and pictures
(:data:`PICTURE_TAGS`); each step says which of them mark a block as media.
"""

from __future__ import annotations

PROSE_PARAGRAPH_CHARS = 80
PLAYER_TAGS = ("iframe", "video", "audio", "object", "embed")
PICTURE_TAGS = ("img", "picture")


def descendants(tags: tuple[str, ...]) -> str:
    """An XPath union of the descendants with any of ``tags`` (``.//iframe|.//video``)."""
    return "|".join(f".//{tag}" for tag in tags)


def normalised(text: str) -> str:
    """``text`` as compared for repetition: case folded, white space runs made one space."""
    return " ".join(text.split()).casefold()
