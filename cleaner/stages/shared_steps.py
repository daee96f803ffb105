"""trafilatura's steps that the extract stage's several runs on one page repeat, done once.

Importing this module wraps three of trafilatura's functions for the whole process; outside
:func:`steps_shared` the wrappers pass every call through unchanged (see the end of this
docstring).

The stage runs trafilatura up to five times on a page (:mod:`.html_extraction`): the fast
precise run, then on some pages the full precise run, the fast and full balanced runs and the
fast recall run. A full run repeats its fast run's main extraction (``extract_content``, about
half of a fast run's cost) before adding the comparison with readability and jusText, and a
balanced run that escalates to recall extracts the page in recall mode as the recall run does.
Within :func:`steps_shared`, those repeats are answered from the first run:

- ``extract_content`` of a page in one focus (precision, balanced, recall): its input is the
  page's tree cleaned for that focus whether the run is fast or full, and its output depends
  on the fast setting only when it falls back to recovering loose text from a tree holding
  teaser blocks (``TEASER_DISCARD_XPATH``, kept in fast mode only), so any other result
  serves both settings;
- ``html2txt`` of a page (the balanced runs' measure of the page's text, which decides the
  recall escalation);
- the prunes of the raw page (``RAW_TREE_PRUNE_XPATH``, then the comment containers and
  lists), which every run makes on its copy of the page before cleaning it: a later run
  deletes the elements at the places the first run's prune found, without the search (the
  XPath evaluations are the cost; the copies are alike, so the places are the same). The fast
  precise run reads the page with subtrees hidden (:mod:`.cleaned_elements`), a different
  raw tree: it neither records nor replays (:func:`run_on`'s ``whole``);
- readability's reading of the raw page in the comparison of one focus kind (precision,
  which prunes it first, or not): a full balanced run and its recall escalation read the
  same tree.

A run names its page with :func:`run_on` (the tree it gives trafilatura: the same tree gives
the same cleaned tree in each focus, with the extract stage's options, which are the same for
every run of a page). Only a page read without comments shares steps: with comments,
trafilatura cleans the tree differently for the recall escalation than for a recall run.
Each result is kept as a copy and given out as a copy, since the runs change the trees they
are given. ``tests/test_shared_steps.py`` holds the stage's output with shared steps to its
output without them on every benchmark page it reads in more than one run, against a change
of trafilatura's sequence.

The wrappers stay installed in trafilatura's modules but do nothing outside
:func:`steps_shared` (a context variable, so threads and other callers of trafilatura are not
affected).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

import trafilatura.core
import trafilatura.external
import trafilatura.main_extractor
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura.xml import delete_element
from trafilatura.xpaths import (
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    TEASER_DISCARD_XPATH,
)


@dataclass
class _Content:
    body: Any
    text: str
    fast_dependent: bool
    fast: bool


@dataclass
class PageSteps:
    """The shared steps' results, by the identity of the page tree they came from (the trees
    are held, so that an identity is never reused for another tree)."""

    trees: dict[int, HtmlElement] = field(default_factory=dict)
    contents: dict[tuple[int, str], _Content] = field(default_factory=dict)
    page_texts: dict[tuple[int, str], str] = field(default_factory=dict)
    prunes: dict[tuple[int, int], list[list[list[int]]]] = field(default_factory=dict)
    """By page and discard list: for each XPath of the list, the index paths (from the raw
    tree's root) of the elements it matched."""
    readings: dict[tuple[int, bool], HtmlElement] = field(default_factory=dict)
    page: int | None = None
    whole: bool = False
    """Whether the current run reads the whole page (no subtree hidden)."""
    comparing: list[bool] = field(default_factory=list)
    """For the comparisons under way: whether in precision focus."""
    recovering: list[bool] = field(default_factory=list)
    reused: int = 0
    """How many steps were answered from an earlier run."""


_STEPS: ContextVar[PageSteps | None] = ContextVar("cleaner_shared_steps", default=None)


@contextmanager
def steps_shared() -> Iterator[PageSteps]:
    """Within the block, the runs named with :func:`run_on` share their repeated steps (the
    results kept are given)."""
    steps = PageSteps()
    token = _STEPS.set(steps)
    try:
        yield steps
    finally:
        _STEPS.reset(token)


@contextmanager
def run_on(tree: HtmlElement, whole: bool = True) -> Iterator[None]:
    """Within the block, trafilatura's run is a run on ``tree`` (a no-op outside
    :func:`steps_shared`); ``whole``: the run reads all of it (no subtree hidden)."""
    steps = _STEPS.get()
    if steps is None:
        yield
        return
    steps.trees[id(tree)] = tree
    outer, steps.page = steps.page, id(tree)
    outer_whole, steps.whole = steps.whole, whole
    try:
        yield
    finally:
        steps.page = outer
        steps.whole = outer_whole


def _current() -> tuple[PageSteps, int] | None:
    """The shared steps and the page of the run in progress, or ``None`` outside one."""
    steps = _STEPS.get()
    return (steps, steps.page) if steps is not None and steps.page is not None else None


def _shared_extract_content(cleaned_tree: HtmlElement, options: Any) -> tuple[Any, str]:
    current = _current()
    if current is None:
        return _extract_content(cleaned_tree, options)
    steps, page = current
    key = (page, options.focus)
    known = steps.contents.get(key)
    if known is not None and (not known.fast_dependent or known.fast == options.fast):
        steps.reused += 1
        return deepcopy(known.body), known.text
    steps.recovering.append(False)
    try:
        body, text = _extract_content(cleaned_tree, options)
    finally:
        fast_dependent = steps.recovering.pop()
    steps.contents[key] = _Content(deepcopy(body), text, fast_dependent, options.fast)
    return body, text


def _flagged_recover_wild_text(tree: HtmlElement, *args: Any, **kwargs: Any) -> Any:
    steps = _STEPS.get()
    if steps is not None and steps.recovering:
        # The fast setting only decides whether teaser blocks are pruned from this tree
        # (before which elements are only deleted, so a tree without one keeps none).
        steps.recovering[-1] = any(expression(tree) for expression in TEASER_DISCARD_XPATH)
    return _recover_wild_text(tree, *args, **kwargs)


def _shared_html2txt(content: Any, *args: Any, **kwargs: Any) -> str:
    current = _current()
    if current is None or args or kwargs:
        return _html2txt(content, *args, **kwargs)
    steps, page = current
    key = (page, "html2txt")
    text = steps.page_texts.get(key)
    if text is None:
        text = steps.page_texts[key] = _html2txt(content)
    else:
        steps.reused += 1
    return text


def _index_path(element: HtmlElement, root: HtmlElement) -> list[int]:
    path: list[int] = []
    while element is not root:
        parent = element.getparent()
        path.append(parent.index(element))
        element = parent
    path.reverse()
    return path


def _at(root: HtmlElement, path: list[int]) -> HtmlElement:
    element = root
    for index in path:
        element = element[index]
    return element


_RAW_PRUNES = (id(RAW_TREE_PRUNE_XPATH), id(REMOVE_COMMENTS_AND_LISTS_XPATH))


def _shared_prune_unwanted_nodes(
    tree: HtmlElement, nodelist: Any, *args: Any, **kwargs: Any
) -> Any:
    current = _current()
    if current is None or not current[0].whole or args or kwargs or id(nodelist) not in _RAW_PRUNES:
        return _prune_unwanted_nodes(tree, nodelist, *args, **kwargs)
    steps, page = current
    key = (page, id(nodelist))
    known = steps.prunes.get(key)
    if known is not None:
        steps.reused += 1
        for paths in known:
            # All of an XPath's matches are found before any is deleted, as in the prune.
            for element in [_at(tree, path) for path in paths]:
                delete_element(element)
        return tree
    found: list[list[list[int]]] = []
    for expression in nodelist:
        matches = expression(tree)
        found.append([_index_path(element, tree) for element in matches])
        for element in matches:
            delete_element(element)
    steps.prunes[key] = found
    return tree


def _shared_compare_extraction(*args: Any, **kwargs: Any) -> Any:
    current = _current()
    if current is None or not current[0].whole:
        return _compare_extraction(*args, **kwargs)
    steps = current[0]
    options = kwargs.get("options", args[-1] if args else None)
    steps.comparing.append(getattr(options, "focus", None) == "precision")
    try:
        return _compare_extraction(*args, **kwargs)
    finally:
        steps.comparing.pop()


def _shared_try_readability(raw_tree: HtmlElement) -> HtmlElement:
    current = _current()
    if current is None or not current[0].whole or not current[0].comparing:
        return _try_readability(raw_tree)
    steps, page = current
    key = (page, steps.comparing[-1])
    known = steps.readings.get(key)
    if known is not None:
        steps.reused += 1
        return deepcopy(known)
    reading = _try_readability(raw_tree)
    steps.readings[key] = deepcopy(reading)
    return reading


def _install(module: Any, name: str, wrapper: Callable[..., Any]) -> Any:
    """Put ``wrapper`` in place of ``module.name`` (once) and give the original."""
    original = getattr(module, name)
    original = getattr(original, "__wrapped_original__", original)
    wrapper.__wrapped_original__ = original  # type: ignore[attr-defined]
    setattr(module, name, wrapper)
    return original


_extract_content: Callable[[HtmlElement, Any], tuple[Any, str]] = _install(
    trafilatura.core, "extract_content", _shared_extract_content
)
_recover_wild_text: Callable[..., Any] = _install(
    trafilatura.main_extractor, "recover_wild_text", _flagged_recover_wild_text
)
_html2txt: Callable[..., str] = _install(trafilatura.core, "html2txt", _shared_html2txt)
_prune_unwanted_nodes: Callable[..., Any] = _install(
    trafilatura.core, "prune_unwanted_nodes", _shared_prune_unwanted_nodes
)
_compare_extraction: Callable[..., Any] = _install(
    trafilatura.core, "compare_extraction", _shared_compare_extraction
)
_try_readability: Callable[[HtmlElement], HtmlElement] = _install(
    trafilatura.external, "try_readability", _shared_try_readability
)
