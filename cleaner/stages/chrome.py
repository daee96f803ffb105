"""chrome: removes page-chrome lines (ad slugs, newsletter promos, share prompts), lines
repeated back to back, the comment-form or related-links tail of a page, and the closing
block after the article's last paragraph (author bio, disclaimers, the site's sign-off), the
datelines and byline labels of its head before the first paragraph, and a jump link glued to
the start of a paragraph ("Jump to the list ⤵ ...").

Which lines are chrome is data: the ``line``, ``tail``, ``closing`` and ``opening`` rules of
``rules/chrome/``, and the learned short-line model beside them
(``rules/chrome/short-line-model.json``, :mod:`cleaner.chrome_model`), which judges the short
lines of English documents that no rule names (option ``line_model``, off by default: on the
benchmarks' 892 pages it removed 9 lines, all chrome, for about 6% more CPU). This module only
decides how they apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from cleaner.chrome_model import MODEL_RULE_ID, LineModel, chrome_lines, model_for
from cleaner.document import (
    Document,
    Replacement,
    TextLines,
    apply_replacements,
    count_non_blank_lines,
    line_spans,
    report_timeouts,
)
from cleaner.registry import CHROME, StageSettings
from cleaner.rules.chrome import (
    DEFAULT_MAX_LINE_CHARS,
    LAST_SENTENCES,
    PATTERN_TIMEOUT_S,
    REPEATED_LINE_RULE,
    ChromeRuleSet,
    fold_line,
    is_repeatable,
)
from cleaner.rules.players import player_removals
from cleaner.rules.text import normalize_line, without_leading_emoji

NAME = CHROME
OPTIONS = frozenset({"rules", "drop_repeated_lines", "line_model"})
DESCRIPTION = "Removes page-chrome lines (ad slugs, newsletter promos, share prompts), back-to-back repeats and comment/related-links tails, from rules/chrome/."

# A tail marker ends the article only in the latter part of a document: "Related Articles"
# near the top is a navigation box, not the end of the story. At least this many article
# lines must stand before the marker for each one after it.
TAIL_MIN_BEFORE_RATIO = 1.0
# A chrome line is often a list item of a box ("- 11 min read", "• Share this post"): the
# line rules are tried on the item's text too. The marker and one space, nothing more.
_LIST_MARKER = re.compile(r"[-•*–·]\s+(?=\S)")
# A closing block ("Jane Doe is a freelance writer based in Ohio.", "This content is for
# informational purposes only.") is the run of ``closing`` lines that ends a document. Mid-text
# such a line may be the article's own; at the end, after the last paragraph, it is the site's.
# The run goes only when at least this many article lines stand before it: a short note that
# is all there is stays.
CLOSING_MIN_ARTICLE_LINES = 2
# A document's head ("Written by", "Posted On", "Jan 13, 2025", "| | January 22nd, 2019 |")
# is the lines before its first paragraph of prose, a line of at least this many words that
# ends as a sentence ends (a title of as many words has no full stop), and among its first
# lines only: a list of short lines (dates heading an event list) is not a
# head. Its ``opening`` lines are the site's; further down the same line may be the article's.
HEAD_PROSE_WORDS = 12
_WORD = re.compile(r"\w+")
# The first words of a paragraph, where it names its subject.
SUBJECT_WORDS = 3
HEAD_MAX_LINES = 12
# A link that points down the page ("Jump to the list ⤵"), then the paragraph it was set in.
_DOWN_ARROWS = "⤵↓⬇▼▾⇩"
_JUMP_LINK = re.compile(rf"\s*(?P<link>[^\n{_DOWN_ARROWS}]{{3,60}}?)\s*[{_DOWN_ARROWS}]\s+(?=\S)")
_SENTENCE_END = tuple('.!?…:;"”’)')
# Where a sentence ends within a line: its closing mark (and a closing quote or bracket), then
# the white space before the next one, which goes with a promo removed from there on.
_SENTENCE_BREAK = re.compile(r"[.!?…][\"”’)\]]*(?P<space>\s+)(?=\S)")
# A bare heading that may open a site's footer or the article's own last section ("Contact
# Us", "©"; the tail rules marked ``not_before_prose``) cuts the tail only when what follows
# is not prose. A footer holds addresses, phone numbers, a legal name and link labels; a
# guide's "Contact Us" section opens with a sentence ("The helpline is open on weekdays from
# 8am to 6pm."), a legal explainer's "Copyright" section is sentences. A sentence here is a
# line of at least this many words that ends as a sentence ends: fewer than the head's
# prose line, since a section's sentences are often short ones.
SECTION_SENTENCE_WORDS = 6
# A line that opens with the copyright sign is the notice of the footer (or a journal's
# licence block) that names its owner ("©The authors. First published in ..."), however
# sentence-like its end.
_COPYRIGHT_NOTICE = "©"
# Chinese and Japanese write no spaces between words: there a sentence is this many
# characters of their scripts (two characters for a word, about), ending in their own full
# stop, question or exclamation mark.
SECTION_SENTENCE_CJK_CHARS = 2 * SECTION_SENTENCE_WORDS
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_CJK_SENTENCE_END = tuple("。！？」』）")


class Kept(NamedTuple):
    """A line the line rules leave: where it starts and ends (its newline included), and the
    tail marker rule it matches ("" for none). The line itself is not kept: the kept lines of
    a long document would be a second copy of it."""

    offset: int
    end: int
    marker: str


@dataclass(frozen=True)
class ChromeStage:
    rules: ChromeRuleSet
    name: str = NAME
    description: str = DESCRIPTION
    drop_repeated_lines: bool = True
    line_model: LineModel | None = None
    """The learned short-line model (``rules/chrome/short-line-model.json``), or None."""

    def __call__(self, doc: Document) -> Document:
        line_rules = self.rules.index("line")
        last_sentence_rules = self.rules.index(LAST_SENTENCES)
        tail_rules = self.rules.index("tail")
        replacements: list[Replacement] = []
        kept: list[Kept] = []
        previous_kept = ""
        # Each list's first line's offset -> whether it is the article's list.
        article_lists: dict[int, bool] = {}
        timed_out: set[str] = set()  # rules whose pattern timed out: skipped for this document
        # A jump link needs a down arrow, which few pages hold: one look at the whole text
        # spares trying the link's pattern on every line of the others.
        jump_links = any(arrow in doc.text for arrow in _DOWN_ARROWS)
        for offset, end in line_spans(doc.text):
            line = doc.text[offset:end]
            stripped = line.strip()
            if not stripped:
                continue
            if len(stripped) > DEFAULT_MAX_LINE_CHARS * 4:
                if jump_links:
                    self._drop_jump_link(line, offset, replacements, timed_out)
                kept.append(Kept(offset, end, ""))  # prose, and too long to be any rule's
                previous_kept = ""
                continue
            normalized = normalize_line(stripped)
            folded = fold_line(normalized)
            key = folded[0]
            rule = line_rules.first_match(normalized, timed_out, folded)
            if rule is None and (words := without_leading_emoji(normalized)) != normalized:
                rule = line_rules.first_match(words, timed_out)
            if rule is None and (item := list_item_text(normalized)):
                rule = line_rules.first_match(item, timed_out)
                if rule is not None and self._in_article_list(
                    doc.text, offset, end, article_lists, timed_out
                ):
                    rule = None
            if rule is not None and rule.not_in_list and is_marked_list_item(doc.text, offset, end):
                rule = None
            if rule is not None:
                replacements.append(Replacement(offset, offset + len(line), "", rule.rule_id))
                continue
            if self.drop_repeated_lines and key == previous_kept and is_repeatable(key):
                replacements.append(Replacement(offset, offset + len(line), "", REPEATED_LINE_RULE))
                continue
            if last_sentence_rules.may_match_within(folded[1]):
                self._drop_last_sentences(line, offset, replacements, timed_out)
            if jump_links:
                self._drop_jump_link(line, offset, replacements, timed_out)
            marker = tail_rules.first_match(normalized, timed_out, folded)
            kept.append(Kept(offset, end, marker.rule_id if marker is not None else ""))
            previous_kept = key
        title = doc.metadata.get("title")
        kept = self._opening(
            doc.text, kept, replacements, timed_out, title if isinstance(title, str) else ""
        )
        if (
            self.line_model is not None
            and doc.metadata.get("language") in self.line_model.languages
        ):
            kept = model_removals(self.line_model, doc.text, kept, replacements)
        tail = None
        # Cutting a tail leaves fewer lines after any earlier marker, which may then qualify,
        # and a new last line that may close a block: cut again until nothing changes, so
        # that cleaning the output again cuts nothing.
        closing = self._closing(doc.text, kept, timed_out)
        while (found := self._tail(doc.text, kept, timed_out, closing)) is not None:
            tail = found
            kept = [entry for entry in kept if entry.offset < found[0]]
            closing = self._closing(doc.text, kept, timed_out)
        if tail is not None:
            start, rule_id = tail
            replacements = [r for r in replacements if r.start < start]
            replacements.append(Replacement(start, len(doc.text), "", rule_id))
        if closing:
            # A closing line goes whole, with any part of it an edit above took out.
            closing_spans = [(e.offset, e.end) for e in kept if e.offset in closing]
            replacements = [
                r
                for r in replacements
                if not any(start <= r.start < end for start, end in closing_spans)
            ]
        for entry in kept:
            if entry.offset in closing:
                replacements.append(Replacement(entry.offset, entry.end, "", closing[entry.offset]))
        replacements.sort(key=lambda r: r.start)
        removed = sum(count_non_blank_lines(doc.text, r.start, r.end) for r in replacements)
        cleaned = apply_replacements(doc, NAME, replacements, chrome_lines_removed=removed)
        return report_timeouts(cleaned, NAME, timed_out, PATTERN_TIMEOUT_S)

    def _in_article_list(
        self,
        text: str,
        offset: int,
        end: int,
        article_lists: dict[int, bool],
        timed_out: set[str],
    ) -> bool:
        """Whether the list item at ``offset:end``, whose text a line rule calls chrome, is an
        item of the article's own list: the run of items with its marker that it stands in
        holds at least as many items that no line rule calls chrome as items it does. "-
        Comments" and "- Read more" among "- Passport", "- Tickets", "- Charger" are things to
        pack; "- 11 min read" alone, or a box of share links with one network no rule names
        ("- Share on Bluesky" among five "- Share on ..." and "- Copy link"), is the page's
        (review: one unnamed item kept the whole box). ``article_lists`` keeps the answer for
        each run (by its first line's offset)."""
        run = list_run(text, offset, end)
        key = run[0][0]
        if key not in article_lists:
            rules = self.rules.index("line")
            verdicts = [
                rules.first_match(normalized, timed_out) is None
                and rules.first_match(list_item_text(normalized), timed_out) is None
                for start, stop in run
                if (normalized := normalize_line(text[start:stop].strip()))
            ]
            article_lists[key] = 2 * sum(verdicts) >= len(verdicts) > 0
        return article_lists[key]

    def _drop_last_sentences(
        self, line: str, offset: int, replacements: list[Replacement], timed_out: set[str]
    ) -> None:
        """Remove the last sentences of a kept line (at ``offset``) that a ``last_sentences``
        rule matches on their own: a promo appended to a paragraph ("... the final version of
        the budget. Sign up for our newsletter to follow the story."). The earliest sentence
        from which the rest of the line matches starts the removal, so a promo's own lead-in
        ("Want more? Sign up ...") goes with it; the sentences before it stay, and the line
        with them."""
        rules = self.rules.index(LAST_SENTENCES)
        content_end = len(line.rstrip())
        if content_end > rules.max_length:
            # A paragraph longer than any pitch rule's line is prose whose last sentence may
            # urge a sign-up in its own words ("... Sign up for the council's flood alerts by
            # text or in its weekly newsletter."): such rules judge short lines only (review).
            return
        for found in _SENTENCE_BREAK.finditer(line, 0, content_end):
            rest = line[found.end() : content_end]
            if len(rest) > rules.max_length:
                continue
            rule = rules.first_match(normalize_line(rest), timed_out)
            if rule is not None:
                start = offset + found.start("space")
                replacements.append(Replacement(start, offset + content_end, "", rule.rule_id))
                return

    def _drop_jump_link(
        self, line: str, offset: int, replacements: list[Replacement], timed_out: set[str]
    ) -> None:
        """Remove a jump link glued to the start of a kept line (at ``offset``), when the line
        rules call its text chrome.

        A page's "Jump to the list ⤵" link inside the intro's paragraph comes out on the
        paragraph's line; the arrow pointing down the page ends it, and the line rules judge
        its text as they would on a line of its own."""
        found = _JUMP_LINK.match(line)
        if found is None:
            return
        link = normalize_line(found.group("link"))
        rule = self.rules.index("line").first_match(link, timed_out)
        if rule is not None:
            start, end = offset + found.start("link"), offset + found.end()
            replacements.append(Replacement(start, end, "", rule.rule_id))

    def _opening(
        self,
        text: str,
        kept: list[Kept],
        replacements: list[Replacement],
        timed_out: set[str],
        title: str,
    ) -> list[Kept]:
        """The kept lines less the ``opening`` lines of the document's head, each removal
        added to ``replacements``.

        The head is the lines before the first line of prose, and only when there are at most
        :data:`HEAD_MAX_LINES` of them: a page of short lines (an event list, dates and talks)
        has no head. Removing head lines leaves a shorter head before the same prose line, so
        that cleaning the output again removes nothing.

        A head line that names the article's subject is its title, not a site's label, however
        much it reads like one: the page's ``title``, or a line whose words the first line of
        prose opens with (a page on RSS, or on cookies the snack, opens "RSS" / "Cookie", its
        prose "RSS is..." / "A cookie is..."; "Home prices rose" does not keep a "Search"
        label)."""
        opening_rules = self.rules.index("opening")
        if not opening_rules.rules:
            return kept
        head: list[tuple[int, str]] = []
        for index, entry in enumerate(kept):
            line = text[entry.offset : entry.end].strip()
            if is_sentence(line, HEAD_PROSE_WORDS):
                break
            if len(head) == HEAD_MAX_LINES:
                return kept
            head.append((index, line))
        else:
            return kept  # no prose: nothing tells the head from the rest
        prose = kept[len(head)]
        prose_words = set(_WORD.findall(text[prose.offset : prose.end].casefold())[:SUBJECT_WORDS])
        title_key = " ".join(normalize_line(title).casefold().split())
        removed: set[int] = set()
        for index, line in head:
            normalized = normalize_line(line)
            words = _WORD.findall(normalized.casefold())
            if " ".join(normalized.casefold().split()) == title_key or (
                words and prose_words.issuperset(words)
            ):
                continue
            rule = opening_rules.first_match(normalized, timed_out)
            if rule is not None:
                entry = kept[index]
                replacements.append(Replacement(entry.offset, entry.end, "", rule.rule_id))
                removed.add(index)
        return [entry for index, entry in enumerate(kept) if index not in removed]

    def _closing(self, text: str, kept: list[Kept], timed_out: set[str]) -> dict[int, str]:
        """The closing block of the kept lines: offset -> rule id of each line of the run of
        ``closing`` lines that ends them, when enough article stands before it; else empty.

        The run is taken whole or not at all, so that cleaning the output again finds none.
        """
        closing_rules = self.rules.index("closing")
        if not closing_rules.rules:
            return {}
        run: dict[int, str] = {}
        for entry in reversed(kept):
            if entry.marker:
                break
            normalized = normalize_line(text[entry.offset : entry.end].strip())
            rule = closing_rules.first_match(normalized, timed_out)
            if rule is None:
                break
            run[entry.offset] = rule.rule_id
        article_before = len(kept) - len(run)
        if not run or article_before < max(len(run), CLOSING_MIN_ARTICLE_LINES):
            return {}
        return run

    def _tail(
        self, text: str, kept: list[Kept], timed_out: set[str], closing: dict[int, str]
    ) -> tuple[int, str] | None:
        """Where a comment/related-links tail starts, and the marker rule that says so.

        A marker counts only once at least as many article lines stand before it as after
        it. Counting the lines that stay (not ones the rules remove, nor the closing block,
        nor the player blocks the captions stage will remove, found as it finds them at its
        default similarity) keeps the decision the same when the cleaned text is cleaned
        again.
        """
        if not any(entry.marker for entry in kept):
            return None
        before_prose_only = {
            rule.rule_id for rule in self.rules.index("tail").rules if rule.not_before_prose
        }
        kept_lines = TextLines(text, ((entry.offset, entry.end) for entry in kept))
        players = {r.start for r in player_removals(self.rules, kept_lines, timed_out)}
        article = [
            not entry.marker and entry.offset not in players and entry.offset not in closing
            for entry in kept
        ]
        article_total = sum(article)
        article_before = 0
        for position, (entry, is_article) in enumerate(zip(kept, article, strict=True)):
            if entry.marker:
                article_after = article_total - article_before
                if article_before >= max(article_after, 1) * TAIL_MIN_BEFORE_RATIO and (
                    entry.marker not in before_prose_only
                    or not heads_prose(text, kept[position + 1 :], article[position + 1 :])
                ):
                    return entry.offset, entry.marker
            if is_article:
                article_before += 1
        return None


def is_sentence(line: str, min_words: int) -> bool:
    """Whether a stripped line is a sentence of prose: at least ``min_words`` words, and it
    ends as a sentence ends (a title or a label of as many words has no full stop)."""
    return len(line.split()) >= min_words and line.endswith(_SENTENCE_END)


def heads_prose(text: str, after: list[Kept], is_article: list[bool]) -> bool:
    """Whether a bare heading is the article's own section: the first article line after it
    is a sentence (see :data:`SECTION_SENTENCE_WORDS`; in Chinese or Japanese
    :data:`SECTION_SENTENCE_CJK_CHARS`), or half of the article lines after it or more are
    (a guide's "Contact us" section may set "By phone" and "By post" over its sentences).

    A site's footer under "Contact Us" or "©" is addresses, numbers, a legal name, link
    labels; it may hold a sentence or two (a partner programme's pitch, a licence line), but
    it opens with none. The lines counted are the ones that stay (the article lines of
    :meth:`ChromeStage._tail`), so the output cleaned again gets the same answer."""
    lines = [
        text[entry.offset : entry.end].strip()
        for entry, article in zip(after, is_article, strict=True)
        if article
    ]
    sentences = [_is_section_sentence(line) for line in lines]
    return bool(sentences) and (sentences[0] or sum(sentences) * 2 >= len(sentences))


def _is_section_sentence(line: str) -> bool:
    if line.startswith(_COPYRIGHT_NOTICE):
        return False
    if is_sentence(line, SECTION_SENTENCE_WORDS):
        return True
    return len(_CJK_CHAR.findall(line)) >= SECTION_SENTENCE_CJK_CHARS and line.endswith(
        _CJK_SENTENCE_END + _SENTENCE_END
    )


MODEL_PASSES = 3
"""A block of chrome at a page's end (sign-up, share, bio) goes within three passes."""


def model_removals(
    model: LineModel, text: str, kept: list[Kept], replacements: list[Replacement]
) -> list[Kept]:
    """The kept lines less those the short-line model calls chrome, each removal added to
    ``replacements`` with its probability. A tail marker line is the tail rules' to judge.
    Removing a line changes its neighbours' context: the model runs again on what is left,
    so that cleaning the output again removes nothing, but at most :data:`MODEL_PASSES` times:
    a page's last lines are edge lines, and a long run of lines the model only calls chrome
    there would otherwise go three by three, in time that grows with its square."""
    for _ in range(MODEL_PASSES):
        found = chrome_lines(model, [text[e.offset : e.end].rstrip("\n") for e in kept])
        found = {index: p for index, p in found.items() if not kept[index].marker}
        if not found:
            return kept
        for index, probability in found.items():
            entry = kept[index]
            message = f"short-line model: p(chrome) = {probability:.3f}"
            replacements.append(Replacement(entry.offset, entry.end, "", MODEL_RULE_ID, message))
        kept = [entry for index, entry in enumerate(kept) if index not in found]
    return kept


def is_marked_list_item(text: str, offset: int, end: int) -> bool:
    """Whether the line at ``offset:end`` starts with the same character as the non-blank line
    before or after it: an item of a list that this marker (an emoji, an arrow) sets off."""
    marker = text[offset:end].lstrip()[:1]
    before = text[:offset].rstrip().rpartition("\n")[2].lstrip()
    after = text[end:].lstrip().partition("\n")[0]
    return bool(marker) and marker in (before[:1], after[:1])


def list_run(text: str, offset: int, end: int) -> list[tuple[int, int]]:
    """The spans (newline included) of the list items around the line at ``offset:end``, itself
    among them: the adjacent lines, with no blank line between, that are list items set off
    by the same marker."""
    marker = text[offset:end].lstrip()[:1]

    def is_item(start: int, stop: int) -> bool:
        line = text[start:stop].strip()
        return line[:1] == marker and _LIST_MARKER.match(line) is not None

    spans = [(offset, end)]
    start = offset
    while start > 0 and is_item(before := text.rfind("\n", 0, start - 1) + 1, start):
        spans.insert(0, (before, start))
        start = before
    stop = end
    while stop < len(text):
        after = text.find("\n", stop)
        after = len(text) if after == -1 else after + 1
        if not is_item(stop, after):
            break
        spans.append((stop, after))
        stop = after
    return spans


def list_item_text(normalized: str) -> str:
    """The text of a list item line less its marker ("- Share this" -> "Share this"); "" for
    a line that is not a list item."""
    marker = _LIST_MARKER.match(normalized)
    return normalized[marker.end() :] if marker else ""


def build(settings: StageSettings) -> ChromeStage:
    return ChromeStage(
        rules=settings.chrome_rules(settings.options.get("rules")),
        drop_repeated_lines=bool(settings.options.get("drop_repeated_lines", True)),
        line_model=model_for(settings.rules_dir)
        if settings.options.get("line_model", False)
        else None,
    )
