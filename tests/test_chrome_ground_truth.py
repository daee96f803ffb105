"""The chrome and captions stages remove no article sentence from clean, human-edited text.

The 181 ground-truth bodies of the Article Extraction Benchmark and the spun samples are run
through the two stages as plain text. A few truths keep a genuine chrome line (a credit, a
copyright notice, a "Don't Miss" box header); those are the reviewed allow-list below, and
any other removed line fails the test: it is either a rule that reaches into prose or a new
chrome line to review and add here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner.document import Document
from cleaner.registry import StageSettings
from cleaner.stages import captions, chrome

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"
SPUN = SHARED / "samples" / "spun"

# (page id prefix, rule id, removed line): each reviewed as chrome, not article text.
REVIEWED_REMOVALS = {
    ("359fee22", "credits.wire-reporting", "(Reporting by Will Dunham; Editing by Tom Brown)"),
    ("359fee22", "credits.copyright", "© Reuters"),
    ("4219d096", "credits.copyright", "© Regan"),  # photo credit under a recipe
    ("961bd85c", "ad-slug.story-continues", "Story continues below gallery"),
    ("a860fb5e", "promo.click-here-to", "Click here to get more information or download this game."),
    ("abd9d629", "credits.follow-on-social", "Follow NBC Latino on Facebook, Twitter and Instagram."),
    (
        "c467d507",
        "credits.copyright",
        "© 2019 Associated Press. All Rights Reserved. This material may not be published,"
        " broadcast, rewritten, or redistributed.",
    ),
    ("e7d77f18", "promo.dont-miss", "Don't Miss"),
    ("eecd2575", "player.play-video-bare", "UP NEXT"),
    ("f344ca5f", "credits.copyright", "Copyright 2019 Hawaii News Now. All rights reserved."),
}


def _stages() -> list[chrome.ChromeStage | captions.CaptionsStage]:
    settings = StageSettings(options={}, rules_dir=REPO / "rules", languagetool_url=None)
    return [chrome.build(settings), captions.build(settings)]


def _removed_lines(text: str) -> list[tuple[str, str]]:
    doc = Document(text=text, metadata={"format": "text"})
    for stage in _stages():
        doc = stage(doc)
    return [(edit.rule_id, edit.before.strip()) for edit in doc.edits if edit.before.strip()]


@pytest.mark.skipif(not AEB_TRUTH.exists(), reason="AEB data not present")
def test_ground_truth_bodies_lose_only_reviewed_chrome_lines() -> None:
    truths = json.loads(AEB_TRUTH.read_text(encoding="utf-8"))
    removed = set()
    for page_id, page in truths.items():
        for rule_id, line in _removed_lines(page["articleBody"]):
            removed.add((page_id[:8], rule_id, line))
    assert removed - REVIEWED_REMOVALS == set(), "article lines removed (or new chrome to review)"
    assert REVIEWED_REMOVALS - removed == set(), "a reviewed chrome line is no longer removed"


@pytest.mark.skipif(not SPUN.exists(), reason="spun samples not present")
@pytest.mark.parametrize("path", sorted(SPUN.glob("*.txt")), ids=lambda p: p.name)
def test_spun_samples_lose_nothing(path: Path) -> None:
    assert _removed_lines(path.read_text(encoding="utf-8")) == []
