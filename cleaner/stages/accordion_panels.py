"""accordion_panels: the collapsed panels of an accordion are part of the article.

Buying guides, FAQs and how-tos fold sections of their article into accordions or toggles: a
button or heading shows a panel that the page ships in its HTML but hides until clicked
(``style="display:none"``, ``aria-hidden="true"``, the ``hidden`` attribute, or a class such
as ``panel-hidden``). trafilatura deletes every hidden element before extraction (its discard
list, meant for hidden menus, pop-ups and spam traps), so such an article loses the answers of
its FAQ, the weeks of a plan, the method of a review (tuning pages: up to two thirds of an
article).

:func:`show_accordion_panels` removes the hiding marks from a panel that is an accordion's:
it carries a mark of one (a class, id or ``data-`` attribute naming an accordion, a toggle,
a collapsible or an FAQ, on the panel or one of its near ancestors; or ``role="region"``
labelled by its button) and holds prose (a sentence-length run of text, most of it outside
links). A hidden menu, a closed pop-up or a spam trap carries no such mark or holds only
links; a hidden table of contents sits in a ``nav`` and stays hidden.
"""

from __future__ import annotations

import logging
import re

from lxml.html import HtmlElement  # type: ignore[import-untyped]

from cleaner.stages.furniture_marks import named_as_furniture

_LOG = logging.getLogger(__name__)

# The marks of an accordion's panel on the panel or an ancestor this close (tuning pages: the
# mark sits on the panel's parent or grandparent; a wrapper two levels above the panel names
# the accordion, "kt-accordion-wrap", "best-section-wrap accordion").
MARK_LEVELS = 3
# The wrappers of an accordion lie this close above its panels (tuning pages: panel, pane,
# inner wrap, accordion).
WRAPPER_LEVELS = 4
_ACCORDION_MARK = re.compile(r"accordion|collaps|toggle|faq|expand", re.IGNORECASE)
# The hiding marks trafilatura's discard list reads (xpaths.OVERALL_DISCARD_XPATH): the style,
# aria-hidden, and class tokens meaning hidden; the HTML ``hidden`` attribute hides it from
# the reader in the same way.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none\s*;?", re.IGNORECASE)
_HIDDEN_CLASS_TOKEN = re.compile(r"hidden|^hide|-hide-", re.IGNORECASE)
# A panel worth showing holds a sentence: a text run this long (a short FAQ answer is one
# sentence; a menu entry or a link label is shorter)...
PANEL_RUN_CHARS = 40
# ...and at most this share of its text in links (a hidden menu is all links).
PANEL_LINK_SHARE = 0.5
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# The level of an ARIA heading that states none (WAI-ARIA's default for role="heading").
DEFAULT_ARIA_LEVEL = 2
# Panels inside these stay as they are: a collapsible table of contents or menu.
_NAVIGATION_TAGS = frozenset({"nav", "header", "footer"})


def show_accordion_panels(tree: HtmlElement) -> int:
    """Remove the hiding marks from every hidden accordion panel of ``tree`` that holds prose
    (and from hidden elements inside it); the number of panels shown. Mutates ``tree``."""
    panels = [element for element in tree.iter() if _is_hidden(element) and _is_panel(element)]
    shown = 0
    wrappers: dict[int, HtmlElement] = {}
    for panel in panels:
        if not _holds_prose(panel) or _in_navigation(panel):
            continue
        for element in panel.iter():
            if isinstance(element.tag, str) and _is_hidden(element):
                _unhide(element)
        for level, ancestor in enumerate(panel.iterancestors(), start=1):
            if level > WRAPPER_LEVELS or ancestor.tag in ("body", "html", "article", "main"):
                break
            if any(map(_ACCORDION_MARK.search, _marks(ancestor))) and named_as_furniture(ancestor):
                wrappers[id(ancestor)] = ancestor
        shown += 1
        _LOG.debug(
            "accordion panel shown: <%s class=%r> %.60r",
            panel.tag,
            panel.get("class"),
            " ".join(panel.text_content().split()),
        )
    # The accordion's own wrappers that trafilatura's discard list takes for page furniture
    # by a modifier class ("kt-accodion-icon-style-arrow" reads as an icon, a section of
    # class "embed" as an embedded widget) go, their content stays: else every panel they
    # hold goes with them. Other wrappers stay, an article body named "has-faq" too: without
    # it trafilatura may choose another container, a sidebar's.
    for wrapper in wrappers.values():
        if wrapper.getparent() is not None:
            _LOG.debug(
                "accordion wrapper unwrapped: <%s class=%r>", wrapper.tag, wrapper.get("class")
            )
            wrapper.drop_tag()
    _unwrap_heading_toggles(tree)
    return shown


def _unwrap_heading_toggles(tree: HtmlElement) -> None:
    """Drop the toggle buttons (``aria-expanded`` or ``aria-controls``) that hold a heading
    or sit in one (Bootstrap's ``h3 > button``; the WAI accordion's ``div[role=heading] >
    button``), keeping their text: trafilatura deletes buttons, and an FAQ that sets each
    question as a heading inside its toggle, or a toggle inside its heading, lost every
    question (its answers stayed)."""
    toggles = [
        button
        for button in tree.iter("button")
        if (button.get("aria-expanded") is not None or button.get("aria-controls"))
        and (any(map(_is_heading, button.iterdescendants())) or _is_whole_heading(button))
    ]
    for button in toggles:
        _LOG.debug("accordion toggle unwrapped: %.60r", " ".join(button.text_content().split()))
        parent = button.getparent()
        for heading in (parent, *button.iterdescendants()):
            if heading is not None and heading.get("role") == "heading":
                _as_heading_tag(heading)
        button.drop_tag()


def _is_whole_heading(button: HtmlElement) -> bool:
    """Whether ``button`` sits in a heading and holds all of its text (the question of an
    FAQ); a "Share this step" button beside a heading's own words is no toggle of it."""
    heading = button.getparent()
    return (
        heading is not None
        and _is_heading(heading)
        and " ".join(button.text_content().split()) == " ".join(heading.text_content().split())
    )


def _is_heading(element: HtmlElement) -> bool:
    """Whether ``element`` is a heading: an ``<h1>``..``<h6>``, or any element that says it
    is one by its ARIA role (``<div role="heading" aria-level="3">``), as accessible
    accordions set their questions."""
    return element.tag in _HEADINGS or element.get("role") == "heading"


def _as_heading_tag(element: HtmlElement) -> None:
    """Give an ARIA heading (``role="heading"``) the tag of its level, ``<h3>`` for
    ``aria-level="3"`` (2 when it says none, the role's default level): trafilatura reads a
    heading by its tag, and drops the short text of a ``<div>`` or ``<span>`` that holds only
    a question. Mutates ``element``."""
    if element.tag in _HEADINGS:
        return
    level = element.get("aria-level", "")
    number = int(level) if level.isdigit() else DEFAULT_ARIA_LEVEL
    _LOG.debug("ARIA heading <%s> read as <h%d>", element.tag, min(max(number, 1), 6))
    element.tag = f"h{min(max(number, 1), 6)}"


def _is_hidden(element: HtmlElement) -> bool:
    # Called on every element of the page, most of which carry no mark: the cheap substring
    # tests ("hid" is in every hiding class token, "none" in a hiding style) come first.
    if not isinstance(element.tag, str):
        return False
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    if style and "none" in style.lower() and _HIDDEN_STYLE.search(style):
        return True
    classes = element.get("class")
    return bool(
        classes
        and "hid" in classes.lower()
        and any(_HIDDEN_CLASS_TOKEN.search(token) for token in classes.split())
    )


def _is_panel(element: HtmlElement) -> bool:
    if element.get("role") == "region" and element.get("aria-labelledby"):
        return True
    for level, candidate in enumerate((element, *element.iterancestors())):
        if level >= MARK_LEVELS or candidate.tag == "body":
            return False
        if any(map(_ACCORDION_MARK.search, _marks(candidate))):
            return True
    return False


def _marks(element: HtmlElement) -> list[str]:
    """The names an element carries: its id, its ``data-`` attribute values and its class
    tokens less the hiding ones ("sidebar-collapsed" hides a sidebar, it names no accordion)."""
    names = [
        value for name, value in element.attrib.items() if name == "id" or name.startswith("data-")
    ]
    classes = (element.get("class") or "").split()
    return names + [token for token in classes if not _HIDDEN_CLASS_TOKEN.search(token)]


def _holds_prose(panel: HtmlElement) -> bool:
    text = " ".join(panel.text_content().split())
    if not any(len(run.strip()) >= PANEL_RUN_CHARS for run in panel.itertext()):
        return False
    linked = sum(len(" ".join(link.text_content().split())) for link in panel.iter("a"))
    return linked <= PANEL_LINK_SHARE * len(text)


def _in_navigation(panel: HtmlElement) -> bool:
    return any(
        element.tag in _NAVIGATION_TAGS or element.get("role") == "navigation"
        for element in (panel, *panel.iterancestors())
    )


def _unhide(element: HtmlElement) -> None:
    for name in ("hidden", "aria-hidden"):
        element.attrib.pop(name, None)
    style = element.get("style")
    if style is not None:
        element.set("style", _HIDDEN_STYLE.sub("", style).strip())
    classes = element.get("class")
    if classes is not None:
        element.set(
            "class",
            " ".join(token for token in classes.split() if not _HIDDEN_CLASS_TOKEN.search(token)),
        )
