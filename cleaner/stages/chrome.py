"""chrome: removes page-chrome lines (ad slugs, newsletter promos, share prompts), lines
repeated back to back, and the comment-form or related-links tail of a page.

Which lines are chrome is data: the ``line`` and ``tail`` rules of ``rules/chrome/``. This
module only decides how they apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cleaner.document import Document, Replacement, apply_replacements
from cleaner.registry import StageSettings
from cleaner.rules.chrome import (
    DEFAULT_MAX_LINE_CHARS,
    ChromeRuleSet,
    first_match,
    lines_with_offsets,
    load_chrome_rules,
    normalize_line,
)

NAME = "chrome"
DESCRIPTION = "Removes page-chrome lines (ad slugs, newsletter promos, share prompts), back-to-back repeats and comment/related-links tails, from rules/chrome/."

REPEATED_LINE_RULE = "chrome.repeated-line"
# A repeated short line ("Yes." "Yes.") can be real dialogue; a repeated sentence of several
# words back to back is a scraping artefact.
MIN_WORDS_FOR_REPEAT = 4
# A tail marker ends the article only in the latter part of a document: "Related Articles"
# near the top is a navigation box, not the end of the story.
TAIL_MIN_POSITION = 0.5


@dataclass(frozen=True)
class ChromeStage:
    rules: ChromeRuleSet
    name: str = NAME
    description: str = DESCRIPTION
    drop_repeated_lines: bool = True

    def __call__(self, doc: Document) -> Document:
        line_rules = self.rules.of_action("line")
        tail_rules = self.rules.of_action("tail")
        lines = list(lines_with_offsets(doc.text))
        content_total = sum(1 for _, line in lines if line.strip())
        replacements: list[Replacement] = []
        previous_kept = ""
        content_seen = 0
        lines_removed = 0
        for offset, line in lines:
            stripped = line.strip()
            if not stripped:
                continue
            content_seen += 1
            if len(stripped) > DEFAULT_MAX_LINE_CHARS * 4:
                previous_kept = ""
                continue
            normalized = normalize_line(stripped)
            if tail_rules and content_seen > content_total * TAIL_MIN_POSITION:
                marker = first_match(tail_rules, normalized)
                if marker is not None:
                    replacements.append(Replacement(offset, len(doc.text), "", marker.rule_id))
                    lines_removed += content_total - content_seen + 1
                    break
            rule = first_match(line_rules, normalized)
            if rule is not None:
                replacements.append(Replacement(offset, offset + len(line), "", rule.rule_id))
                lines_removed += 1
                continue
            key = normalized.casefold()
            if (
                self.drop_repeated_lines
                and key == previous_kept
                and len(key.split()) >= MIN_WORDS_FOR_REPEAT
            ):
                replacements.append(
                    Replacement(offset, offset + len(line), "", REPEATED_LINE_RULE)
                )
                lines_removed += 1
                continue
            previous_kept = key
        return apply_replacements(doc, NAME, replacements, chrome_lines_removed=lines_removed)


def build(settings: StageSettings) -> ChromeStage:
    root = settings.options.get("rules", settings.rules_dir / "chrome")
    return ChromeStage(
        rules=load_chrome_rules(Path(root)),
        drop_repeated_lines=bool(settings.options.get("drop_repeated_lines", True)),
    )
