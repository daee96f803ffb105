"""A site's navigation menu left at a page's head (a long run of short label lines before the
first paragraph of prose) goes, as rule ``chrome.head-menu``; an article's own short lines
before its prose (a recipe's ingredients, a poem, a list shorter than a menu) stay, and so do
short lines after the first paragraph."""

from __future__ import annotations

from cleaner.document import Document
from cleaner.registry import StageSettings
from cleaner.stages.chrome import HEAD_MENU_RULE, MENU_MIN_LABELS, build

STAGE = build(StageSettings())

PROSE = (
    "The bakery on Mill Street opened a second oven this spring, and the queue for its rye"
    " loaf now reaches the corner by eight."
)
MORE_PROSE = "Its owner says the new oven doubled what the shop can bake before the doors open."

# A made-up shop's menu as an extraction leaves it: section labels as blocks of their own,
# their entries as list items.
MENU_SECTIONS = {
    "Breads": ["Sourdough loaves", "Rye and spelt", "Flatbreads", "Gluten-free range"],
    "Cakes": ["Birthday cakes", "Wedding cakes", "Cupcakes", "Seasonal bakes"],
    "Catering": ["Office lunches", "Party platters", "Wholesale orders"],
    "Visit us": ["Opening hours", "Find a shop", "Careers"],
    "Account": ["Sign in", "Order history", "Gift cards", "Help centre"],
}


def menu_lines() -> list[str]:
    lines = ["Menu", "Shop"]
    for section, entries in MENU_SECTIONS.items():
        lines.append(section)
        lines.extend(f"- {entry}" for entry in entries)
        lines.append("View all")
    return lines


def as_text(lines: list[str]) -> str:
    """Labels as an extraction sets them out: a section label a block of its own, a section's
    entries one list."""
    blocks: list[str] = []
    for line in lines:
        if line.startswith("- ") and blocks and blocks[-1].split("\n")[-1].startswith("- "):
            blocks[-1] += f"\n{line}"
        else:
            blocks.append(line)
    return "\n\n".join(blocks)


def non_blank(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def chrome(text: str, title: str = "") -> Document:
    return STAGE(Document(text=text, metadata={"title": title} if title else {}))


def test_a_long_menu_before_the_first_paragraph_goes() -> None:
    menu = menu_lines()
    assert len(menu) >= MENU_MIN_LABELS
    text = f"Rye Queue on Mill Street\n\n{as_text(menu)}\n\n{PROSE}\n\n{MORE_PROSE}\n"
    cleaned = chrome(text, title="Rye Queue on Mill Street")
    assert non_blank(cleaned.text) == ["Rye Queue on Mill Street", PROSE, MORE_PROSE]
    menu_edits = [edit for edit in cleaned.edits if edit.rule_id == HEAD_MENU_RULE]
    assert len(menu_edits) == len(menu)


def test_cleaning_the_output_again_removes_nothing() -> None:
    text = f"{as_text(menu_lines())}\n\nFresh bread every morning from six until noon\n\n{PROSE}\n"
    once = chrome(text).text
    assert non_blank(once) == ["Fresh bread every morning from six until noon", PROSE]
    assert chrome(once).text == once


def test_a_short_title_next_to_the_menu_stays() -> None:
    text = f"Bread\n\n{as_text(menu_lines())}\n\n{PROSE}\n"
    assert non_blank(chrome(text, title="Bread").text) == ["Bread", PROSE]


def test_a_run_shorter_than_a_menu_stays() -> None:
    short = menu_lines()[: MENU_MIN_LABELS - 1]
    text = f"{as_text(short)}\n\n{PROSE}\n"
    assert non_blank(chrome(text).text) == [*short, PROSE]


def test_the_same_labels_after_the_first_paragraph_stay() -> None:
    # Short lines in the body are the article's own list (places, names, products).
    text = f"{PROSE}\n\n{as_text(menu_lines())}\n\n{MORE_PROSE}\n"
    assert non_blank(chrome(text).text) == non_blank(text)


def test_a_page_without_prose_keeps_its_short_lines() -> None:
    # A list page has no paragraph to tell a menu from its own entries.
    text = f"{as_text(menu_lines())}\n"
    assert non_blank(chrome(text).text) == non_blank(text)


def test_a_recipes_ingredients_before_its_method_stay() -> None:
    # Quantities open an ingredient line: no label starts with a digit.
    ingredients = [
        f"- {amount} {item}"
        for amount in ("2", "1/2", "3", "250 g")
        for item in (
            "cups of strong flour",
            "teaspoons of salt",
            "spoons of honey",
            "eggs",
            "sachets of dried yeast",
            "cups of warm water",
            "tablespoons of oil",
        )
    ]
    assert len(ingredients) >= MENU_MIN_LABELS
    text = "Ingredients\n\n" + "\n".join(ingredients) + f"\n\n{PROSE}\n"
    assert non_blank(chrome(text).text) == non_blank(text)


def test_a_poems_short_lines_before_the_prose_stay() -> None:
    # A poem's lines, broken inside one block, are no labels, however short.
    stanza = "\n".join(
        ["Grey gulls over", "the harbour wall", "a bell somewhere", "tide coming in"]
    )
    poem = "\n\n".join([stanza] * 7)
    text = f"{poem}\n\n{PROSE}\n"
    assert non_blank(chrome(text).text) == non_blank(text)


def test_short_sentences_and_clauses_are_no_labels() -> None:
    # Lines ending as a sentence or a clause ends, in Latin and CJK scripts: a list of
    # answers or steps, not a menu.
    steps = [
        "Wash the jars.",
        "Dry them well,",
        "Fill them!",
        "手を洗う。",
        "瓶を乾かす。",
        "Wait?",
    ]
    items = [f"- {steps[n % len(steps)]}" for n in range(MENU_MIN_LABELS + 4)]
    text = "\n".join(items) + f"\n\n{PROSE}\n"
    assert non_blank(chrome(text).text) == non_blank(text)


def test_a_german_menu_goes_too() -> None:
    labels = [
        "Startseite",
        "Politik",
        "- Inland",
        "- Ausland",
        "- Europa",
        "Wirtschaft",
        "- Börse",
        "- Verbraucher",
        "- Immobilien",
        "Sport",
        "- Fußball",
        "- Wintersport",
        "- Tennis",
        "Kultur",
        "- Kino",
        "- Musik",
        "- Bücher",
        "Wissen",
        "- Gesundheit",
        "- Klima",
        "- Technik",
        "Reisen",
        "- Städtereisen",
        "- Fernreisen",
        "Anmelden",
        "Abo abschließen",
    ]
    assert len(labels) >= MENU_MIN_LABELS
    prose = (
        "Die Bäckerei in der Mühlenstraße hat im Frühjahr einen zweiten Ofen in Betrieb"
        " genommen, und die Schlange reicht jetzt bis zur Ecke."
    )
    text = f"{as_text(labels)}\n\n{prose}\n"
    assert non_blank(chrome(text).text) == [prose]
