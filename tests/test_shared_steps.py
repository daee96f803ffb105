"""The extract stage's runs on one page share the trafilatura steps they repeat
(cleaner.stages.shared_steps): each run's output must be the one it gives alone."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import bench_pages
from lxml.html import HtmlElement, tostring  # type: ignore[import-untyped]

from cleaner.document import Document
from cleaner.stages.html_extraction import HtmlExtractor
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.shared_steps import PageSteps, steps_shared

SENTENCE = (
    "The council voted on Tuesday to extend the tram line to the harbour, a plan that has "
    "been debated for more than a decade and that residents say will change the district."
)
# The stage's runs in the order it makes them: fast precise, full precise, fast balanced,
# full balanced, fast recall (precision, recall, fast).
STAGE_RUNS = (
    (True, False, True),
    (True, False, False),
    (False, False, True),
    (False, False, False),
    (False, True, True),
)


def _tree(body: str) -> HtmlElement:
    tree = parse_html(
        f"<!doctype html><html><head><title>Tram</title></head><body>{body}</body></html>"
    )
    assert tree is not None
    return tree


def _output(found: dict[str, Any]) -> tuple[str, bytes] | None:
    return (found["text"], tostring(found["body"])) if found else None


def _alone(stage: HtmlExtractor, tree: HtmlElement, run: tuple[bool, bool, bool]) -> Any:
    precision, recall, fast = run
    return _output(stage._run(tree, None, precision, recall, fast=fast))


def _shared_runs(
    stage: HtmlExtractor, tree: HtmlElement, runs: tuple[tuple[bool, bool, bool], ...]
) -> tuple[list[Any], PageSteps]:
    with steps_shared() as steps:
        outputs = [_alone(stage, tree, run) for run in runs]
    return outputs, steps


def _assert_each_run_as_alone(
    stage: HtmlExtractor, tree: HtmlElement, runs: tuple[tuple[bool, bool, bool], ...]
) -> PageSteps:
    before = tostring(tree)
    shared, steps = _shared_runs(stage, tree, runs)
    assert shared == [_alone(stage, tree, run) for run in runs]
    assert tostring(tree) == before
    return steps


def test_a_full_run_takes_the_fast_runs_extraction() -> None:
    # Too short for trafilatura's main pass alone: it recovers the loose paragraphs too.
    tree = _tree(f"<div><p>Short lead.</p></div><section><p>{SENTENCE}</p></section>")
    stage = HtmlExtractor()
    steps = _assert_each_run_as_alone(stage, tree, STAGE_RUNS[:2])
    assert steps.reused == 1


def test_a_recovery_that_keeps_teasers_in_fast_mode_is_not_shared() -> None:
    # The fast run's recovery keeps the teaser paragraph, the full run's prunes it.
    tree = _tree(
        f"<div><p>Short lead.</p></div><div class='teaser'><p>Teaser. {SENTENCE}</p></div>"
        f"<section><p>{SENTENCE}</p></section>"
    )
    stage = HtmlExtractor()
    fast_text = stage._run(tree, None, True, False, fast=True)["text"]
    assert "Teaser." in fast_text
    steps = _assert_each_run_as_alone(stage, tree, STAGE_RUNS[:2])
    assert steps.reused == 0


def test_the_balanced_runs_and_the_recall_run_share_their_steps() -> None:
    # A short balanced output beside much page text: trafilatura escalates to recall mode.
    filler = "".join(f"<li><a href='/{i}'>Link number {i} of the menu</a></li>" for i in range(80))
    tree = _tree(f"<ul>{filler}</ul><article><p>{SENTENCE}</p></article>")
    stage = HtmlExtractor()
    steps = _assert_each_run_as_alone(stage, tree, STAGE_RUNS)
    assert steps.reused >= 2


def test_the_raw_page_prunes_are_replayed_on_the_later_runs() -> None:
    # An appended follow-up article (infinite scroll) and a comment list: the raw prunes
    # delete both, and a later run deletes them where the first run found them.
    filler = "".join(f"<li><a href='/{i}'>Link number {i} of the menu</a></li>" for i in range(80))
    tree = _tree(
        f"<ul>{filler}</ul><article><p>{SENTENCE}</p></article>"
        f"<div class='infinite-scroll'><p>Next story. {SENTENCE}</p></div>"
        f"<ol class='comment-list'><li>Great post! {SENTENCE}</li></ol>tail text"
    )
    stage = HtmlExtractor()
    steps = _assert_each_run_as_alone(stage, tree, STAGE_RUNS[1:])
    found = [paths for prunes in steps.prunes.values() for paths in prunes]
    assert [path for paths in found for path in paths], "the prunes found nothing to replay"
    assert steps.reused >= 4
    # Readability reads the raw page in the full balanced run's comparison and again in its
    # recall escalation's: the one step that run alone repeats.
    steps = _assert_each_run_as_alone(stage, tree, STAGE_RUNS[3:4])
    assert [precise for _, precise in steps.readings] == [False]
    assert steps.reused == 1


def test_the_fast_precise_run_with_hidden_subtrees_records_no_prune() -> None:
    tree = _tree(f"<nav><a href='/'>Home</a></nav><article><p>{SENTENCE}</p></article>")
    stage = HtmlExtractor()
    steps = _assert_each_run_as_alone(stage, tree, STAGE_RUNS[:1])
    assert not steps.prunes


def test_runs_outside_the_block_keep_nothing() -> None:
    tree = _tree(f"<article><p>{SENTENCE}</p></article>")
    stage = HtmlExtractor()
    with steps_shared() as steps:
        pass
    for run in STAGE_RUNS:
        _alone(stage, tree, run)
    assert steps.reused == 0 and not steps.contents and not steps.page_texts
    assert not steps.prunes and not steps.readings


def test_a_page_read_with_comments_shares_nothing() -> None:
    tree = _tree(f"<div><p>Short lead.</p></div><section><p>{SENTENCE}</p></section>")
    stage = HtmlExtractor(include_comments=True)
    steps = _assert_each_run_as_alone(stage, tree, STAGE_RUNS)
    assert steps.reused == 0


def test_every_run_of_benchmark_pages_is_as_alone() -> None:
    stage = HtmlExtractor()
    for page in bench_pages(aeb_limit=8):
        tree = parse_html(page.decode("utf-8", "replace"))
        assert tree is not None
        _assert_each_run_as_alone(stage, tree, STAGE_RUNS)


class _CountingExtractor(HtmlExtractor):
    """The stage, counting the trafilatura runs it makes (``runs``)."""

    runs = 0

    def _run(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        type(self).runs += 1
        return super()._run(*args, **kwargs)


@pytest.mark.slow  # two whole benchmarks, each page once and its several-run pages twice
def test_the_stage_output_is_the_unshared_one_on_every_benchmark_page() -> None:
    stage = _CountingExtractor()
    # The stage without its scope of shared steps: each run alone.
    unshared = HtmlExtractor.__call__.__wrapped__  # type: ignore[attr-defined]
    compared = 0
    for page in bench_pages():
        doc = Document(text=page.decode("utf-8", "replace"))
        _CountingExtractor.runs = 0
        shared = stage(doc)
        # A page the stage reads in one run has no step to share: its output is the run's.
        if _CountingExtractor.runs < 2:
            continue
        alone = unshared(stage, doc)
        assert (shared.text, shared.metadata) == (alone.text, alone.metadata)
        compared += 1
    # About a sixth of the pages get more than one run (2026-12: 150 of 892).
    assert compared >= 100
