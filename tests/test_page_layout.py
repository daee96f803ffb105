"""Structure kept (issue 17): an HTML page's text comes out with a blank line between
paragraphs and its title as the first line; --format markdown marks headings, numbered lists,
quotes and tables, and every other stage sees the same lines whatever the format."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from conftest import run_cli

from cleaner.io.writers import result_record
from cleaner.pipeline import Pipeline, PipelineConfig
from cleaner.stages.html_extraction import escape_ampersands
from cleaner.stages.html_parsing import parse_html
from cleaner.stages.page_layout import line_break_pairs, paragraph_layout

REPO = Path(__file__).resolve().parents[1]
WCXB = REPO.parent / "shared" / "bench" / "wcxb-dev"
# A WCXB tuning page (a home-server write-up) with headings, bulleted and numbered lists,
# quotes, a table and code.
TINYBOX = "0493"
TINYBOX_TITLE = "Turning a tinybox Green v2 into a Private AI Home Server"
_HEADING_OR_QUOTE = re.compile(r"\A(?:#{1,6} |> )")


def _wcxb(key: str) -> bytes:
    return gzip.decompress((WCXB / "html" / f"{key}.html.gz").read_bytes())


def _pipeline(**extract: bool) -> Pipeline:
    config = PipelineConfig.load().without(["grammar"])
    options = {name: dict(values) for name, values in config.options.items()}
    options.setdefault("extract", {}).update(extract)
    return Pipeline(config.with_overrides(options=options))


def test_paragraph_layout_sets_blocks_apart_and_keeps_lists_and_tables_together() -> None:
    text = (
        "Heading\nFirst paragraph.\n- one\n- two\n| a | b |\n|---|---|\n| 1 | 2 |\nLast.\n\n\nEnd."
    )
    assert paragraph_layout(text) == (
        "Heading\n\nFirst paragraph.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        "\n\nLast.\n\nEnd."
    )
    assert paragraph_layout("- a dash opening a paragraph\nNext.") == (
        "- a dash opening a paragraph\n\nNext."
    )
    assert paragraph_layout("- a\n- b\n\n- c") == "- a\n- b\n\n- c"


def test_real_page_text_has_blank_line_paragraphs_and_the_title_once() -> None:
    result = _pipeline().clean_bytes(_wcxb(TINYBOX), {"format": "html"})
    text = result.text
    assert text.startswith(TINYBOX_TITLE + "\n\nTL;DR: I turned a tinybox")
    assert text.count(TINYBOX_TITLE) == 1
    assert "\n\n\n" not in text
    blocks = text.rstrip("\n").split("\n\n")
    # A list is one block, each item on its own line; so is a table.
    assert (
        "- Power control\n- Serial-over-LAN console\n"
        "- The ability to fix your own mistakes without walking upstairs"
    ) in blocks
    table = next(block for block in blocks if block.startswith("| Component |"))
    assert table.splitlines()[1:3] == ["|---|---|", "| GPU | 4 × Nvidia RTX 5090 |"]
    # The numbered list keeps its numbers in plain text too.
    assert (
        "1. Boot with the simple on switch — only button on the nice clean front plate\n"
        "2. Note the BMC IP and default password on the tinybox display\n3. From my Mac,"
    ) in text
    # Every other block is one paragraph (or heading) on one line, but the page's four code
    # blocks, whose lines stay together; the last keeps its blank line, as on the page.
    multi_line = [b for b in blocks if "\n" in b and not b.startswith(("- ", "| ", "1. "))]
    assert [b.splitlines()[0] for b in multi_line] == [
        " ufw default deny incoming",
        " -fsSL https://tailscale.com/install.sh | sh",
        " tailscale serve reset",
        "services:",
        "volumes:",
    ]
    assert "    volumes: ...  # /proc, /sys, etc for visibility\n\nvolumes:\n" in text
    body = _pipeline(title_line=False).clean_bytes(_wcxb(TINYBOX), {"format": "html"})
    assert body.text.startswith("TL;DR: I turned a tinybox")
    assert TINYBOX_TITLE not in body.text
    assert body.metadata["title"] == result.metadata["title"] == TINYBOX_TITLE
    # Plain text keeps its own layout: single-line paragraphs stay as they are.
    plain = "First paragraph of a note.\nSecond paragraph of the note.\n"
    assert _pipeline().clean_bytes(plain.encode(), {"format": "text"}).text == plain


def test_markdown_marks_the_structure_of_a_real_page_on_the_same_lines() -> None:
    text = _pipeline().clean_bytes(_wcxb(TINYBOX), {"format": "html"}).text
    markdown = _pipeline(markdown=True).clean_bytes(_wcxb(TINYBOX), {"format": "html"}).text
    lines = markdown.splitlines()
    assert lines[0] == f"# {TINYBOX_TITLE}"
    assert "## The Hardware" in lines and "### Initial Setup" in lines
    assert "1. Boot with the simple on switch — only button on the nice clean front plate" in lines
    assert "3. From my Mac, as per the docs:" in lines
    assert any(line.startswith("> TL;DR: I turned a tinybox") for line in lines)
    assert "| GPU | 4 × Nvidia RTX 5090 |" in lines and "- Power control" in lines
    # The markers are all that differs: the same lines, in the same order (a quote's blank
    # line is ">"; plain text keeps a list's numbers and a code block's blank lines too).
    unmarked = [
        _HEADING_OR_QUOTE.sub("", "" if line == ">" else line) for line in lines if line != "```"
    ]
    assert unmarked == text.splitlines()
    # A code block is fenced, its lines together.
    fenced = markdown.split("```\n")[1]
    assert fenced.endswith(
        "sudo ufw allow from xxx.xxx.x.x/xx to any port 22 proto tcp\nsudo ufw enable\n"
    )
    assert "markdown_markers" not in json.dumps(
        dict(_pipeline(markdown=True).clean_bytes(_wcxb(TINYBOX), {"format": "html"}).metadata)
    )


SPUN_PAGE = (
    "<!doctype html><html><head><title>Harbour tram report</title></head><body><article>"
    "<h1>Harbour tram report</h1>"
    "<p>The council voted on Tuesday to extend the tram line to the harbour, one in all the "
    "plans debated for more than a decade that residents say will change the district.</p>"
    "<h2>The war is nearing its fourth 12 months</h2>"
    "<p>Engineers expect the first trams to run within two years, the mayor said, and the "
    "budget was approved after a long debate about the school roads.</p>"
    "<p>Sign up for our newsletter</p>"
    "<ol start='2'><li>Tracks are laid along the quay first.</li>"
    "<li>Stations open in the spring.</li></ol>"
    "<blockquote><p>We have waited for this tram for a very long time, said a resident of "
    "the harbour district.</p></blockquote>"
    "</article></body></html>"
)


def test_chrome_and_repair_work_on_the_same_lines_in_markdown() -> None:
    text = _pipeline().clean_bytes(SPUN_PAGE.encode(), {"format": "html"})
    markdown = _pipeline(markdown=True).clean_bytes(SPUN_PAGE.encode(), {"format": "html"})
    # The repair fixed the heading and chrome removed the newsletter item in both formats...
    assert "The war is nearing its fourth year" in text.text
    assert "Sign up for our newsletter" not in text.text + markdown.text
    assert [e.rule_id for e in text.edits if e.stage in ("chrome", "repair")] == [
        e.rule_id for e in markdown.edits if e.stage in ("chrome", "repair")
    ]
    # ...and the repaired heading keeps its marker; the list keeps the page's numbers. (The
    # pitch stands alone: as one item of a list of article steps it would be the article's,
    # see test_chrome_rules' list tests.)
    lines = markdown.text.splitlines()
    assert lines[0] == "# Harbour tram report"
    assert "## The war is nearing its fourth year" in lines
    assert "2. Tracks are laid along the quay first." in lines
    assert "3. Stations open in the spring." in lines
    assert any(line.startswith("> We have waited") for line in lines)


CODE_PAGE = (
    "<html><head><title>Loops in a few lines</title></head><body><article>"
    "<p>Here is how you write a short loop, with a word on each part of it and why.</p>"
    "<pre><code>for step in range(3):\n    print(step)</code></pre>"
    "{after}"
    "</article></body></html>"
)


def test_a_code_block_keeps_its_closing_fence_where_layout_edits_meet_it() -> None:
    # The closing fence goes at the end of the last code line, where tidy's own edits (the
    # final newline; the blank lines left by a removed chrome line) start: both must be kept.
    followed = CODE_PAGE.format(
        after="<p>Sign up for our newsletter</p>"
        "<p>The loop runs three times and prints each number on a line of its own.</p>"
    )
    for page, last in (
        (followed, "The loop runs three times"),
        (CODE_PAGE.format(after=""), "```"),
    ):
        markdown = _pipeline(markdown=True).clean_bytes(page.encode(), {"format": "html"}).text
        lines = markdown.splitlines()
        assert lines.count("```") == 2, markdown
        assert lines[lines.index("```") + 1 : lines.index("```") + 3] == [
            "for step in range(3):",
            "    print(step)",
        ]
        assert lines[-1].startswith(last) and markdown.endswith("\n")


def test_cli_markdown_title_and_jsonl_agree(tmp_path: Path) -> None:
    page = tmp_path / "tinybox.html"
    page.write_bytes(_wcxb(TINYBOX))
    text = run_cli("clean", str(page), "--skip", "grammar,repair")
    assert text.returncode == 0, text.stderr.decode()
    assert text.stdout.decode().startswith(TINYBOX_TITLE + "\n\n")
    jsonl = run_cli("clean", str(page), "--skip", "grammar,repair", "--format", "jsonl")
    assert json.loads(jsonl.stdout)["text"] == text.stdout.decode()
    bare = run_cli("clean", str(page), "--skip", "grammar,repair", "--no-title")
    assert bare.stdout.decode().startswith("TL;DR: I turned a tinybox")
    out = tmp_path / "out"
    md = run_cli(
        "clean", str(page), str(page.with_name("note.txt")), "--skip", "grammar,repair",
        "--format", "markdown", "-o", f"{out}/",
    )  # fmt: skip
    assert md.returncode == 1  # note.txt does not exist: named, and the page still written
    written = (out / "tinybox.md").read_text()
    assert written.startswith(f"# {TINYBOX_TITLE}\n\n> TL;DR:")
    assert "\n## The Hardware\n" in written
    helptext = run_cli("clean", "--help").stdout.decode()
    assert "--no-title" in helptext and "markdown" in helptext


def test_corpus_takes_no_title(tmp_path: Path) -> None:
    src = tmp_path / "raw"
    src.mkdir()
    (src / "tinybox.html").write_bytes(_wcxb(TINYBOX))
    (src / "note.txt").write_text("First line of a note.\nSecond line.\n")
    for flag, start in (("--title", TINYBOX_TITLE + "\n\n"), ("--no-title", "TL;DR:")):
        out = tmp_path / flag
        proc = run_cli("corpus", str(src), str(out), "--skip", "grammar,repair", "-q", flag)
        assert proc.returncode == 0, proc.stderr.decode()
        assert (out / "tinybox.txt").read_text().startswith(start)
        assert (out / "note.txt").read_text() == "First line of a note.\nSecond line.\n"


TABLE_PAGE = (
    "<html><head><title>Where the budget goes</title></head><body><article>"
    "<p>The council set out where the money goes this year, line by line, in a table.</p>"
    "<table><thead><tr><th>Item</th><th>Amount | note</th></tr></thead>"
    "<tbody><tr><td>Parks</td><td>$1.2m | new</td></tr></tbody></table>"
    "<p>The full budget is published on the council's site for anyone to read.</p>"
    "</article></body></html>"
)


def test_a_pipe_in_a_table_cell_is_escaped_in_markdown_and_in_text() -> None:
    # A bare "|" in a cell splits it: the header row would get a column the separator lacks,
    # in plain text as in Markdown (the rows are written "| cell | cell |" in both).
    page = TABLE_PAGE.encode()
    for markdown in (True, False):
        text = _pipeline(markdown=markdown).clean_bytes(page, {"format": "html"}).text
        assert "| Item | Amount \\| note |\n|---|---|\n| Parks | $1.2m \\| new |" in text


def test_a_numbered_list_keeps_the_page_start_number_in_markdown() -> None:
    page = (
        b"<html><head><title>Steps to a new playground</title></head><body><article>"
        b"<p>The first two steps were taken last year; the council listed the next ones.</p>"
        b'<ol start="3"><li>Residents vote on the design</li><li>Building starts</li></ol>'
        b"<p>Then, after a short wait:</p>"
        b"<ol><li>The playground opens in the spring</li><li>A review follows</li></ol>"
        b"</article></body></html>"
    )
    lines = _pipeline(markdown=True).clean_bytes(page, {"format": "html"}).text.splitlines()
    assert "3. Residents vote on the design" in lines and "4. Building starts" in lines
    assert "1. The playground opens in the spring" in lines and "2. A review follows" in lines


def test_two_numbered_lists_opening_with_the_same_item_keep_their_own_starts() -> None:
    # The second list goes on from step 4; the first, with the same first step, opens at 1.
    steps = "<li>Wash your hands and clear the counter.</li><li>Chop the {0}.</li>"
    page = (
        "<html><head><title>Two recipes for the week</title></head><body><article>"
        "<p>Here are two simple recipes that you can make on a weeknight at home.</p>"
        f"<h2>Tomato soup</h2><ol>{steps.format('tomatoes')}</ol>"
        "<h2>Bean stew</h2><p>Last week we did steps one to three; here is the rest.</p>"
        f'<ol start="4">{steps.format("beans")}</ol>'
        "</article></body></html>"
    )
    markdown = _pipeline(markdown=True).clean_bytes(page.encode(), {"format": "html"}).text
    lines = markdown.splitlines()
    assert "1. Wash your hands and clear the counter." in lines, markdown
    assert "2. Chop the tomatoes." in lines and "5. Chop the beans." in lines, markdown
    # Plain text keeps the page's numbers too.
    text = _pipeline().clean_bytes(page.encode(), {"format": "html"}).text.splitlines()
    assert "4. Wash your hands and clear the counter." in text and "5. Chop the beans." in text


def test_a_list_start_that_is_no_ascii_number_numbers_from_one() -> None:
    # "²" passes str.isdigit, and int() raised on it: the page failed.
    page = (
        "<html><body><article><p>The council met on Tuesday to talk about the new budget.</p>"
        '<ol start="²"><li>Residents vote on the design</li><li>Building starts</li></ol>'
        "</article></body></html>"
    )
    lines = _pipeline(markdown=True).clean_bytes(page.encode(), {"format": "html"}).text
    assert "1. Residents vote on the design" in lines.splitlines(), lines


def test_blank_lines_inside_a_code_block_stay_inside_it_in_both_formats() -> None:
    # trafilatura's text output drops a code block's blank lines; its tree keeps them.
    for code in (
        "def f(x):\n    return x * 2\n\n\nprint(f(3))",
        "def f(x):\n\n    return x * 2\n\nprint(f(3))\nprint(f(4))",
    ):
        page = CODE_PAGE.replace("for step in range(3):\n    print(step)", code).format(
            after="<p>The function doubles what it is given and the calls print the result.</p>"
        )
        markdown = _pipeline(markdown=True).clean_bytes(page.encode(), {"format": "html"}).text
        assert f"\n```\n{code}\n```\n\nThe function doubles" in markdown, markdown
        # Plain text keeps them too: the code block comes out whole.
        text = _pipeline().clean_bytes(page.encode(), {"format": "html"}).text
        assert f"\n\n{code}\n\nThe function doubles" in text, text


NESTED_QUOTED_REVERSED = (
    "<html><head><title>Council budget</title></head><body><article>"
    "<p>The council met on Tuesday to discuss the budget for the coming year.</p>"
    "<ul><li>Roads and bridges<ul><li>North bridge repairs</li><li>South road resurfacing</li>"
    "</ul></li><li>Schools and libraries</li></ul>"
    "<p>The mayor said the plan was fair to every district in the city.</p>"
    "<blockquote><p>We have listened to every resident who wrote to us this spring.</p>"
    "<p>The budget is balanced for the first time in ten years.</p></blockquote>"
    "<p>The final vote is expected next month after another round of hearings.</p>"
    "<ol reversed><li>Third place went to the library plan</li>"
    "<li>Second place went to the roads</li><li>First place went to the schools</li></ol>"
    '<ol reversed start="10"><li>Ten green bottles</li><li>Nine green bottles</li></ol>'
    "<p>Residents can read the full plan on the council website from Friday.</p>"
    "</article></body></html>"
)


def test_nested_list_items_stay_on_consecutive_lines() -> None:
    for markdown in (False, True):
        text = _pipeline(markdown=markdown).clean_bytes(
            NESTED_QUOTED_REVERSED.encode(), {"format": "html"}
        )
        assert (
            "- Roads and bridges\n  - North bridge repairs\n  - South road resurfacing\n"
            "- Schools and libraries\n\n"
        ) in text.text, text.text


def test_a_quote_of_two_paragraphs_is_one_quote_in_markdown() -> None:
    markdown = _pipeline(markdown=True).clean_bytes(
        NESTED_QUOTED_REVERSED.encode(), {"format": "html"}
    )
    assert (
        "city.\n\n> We have listened to every resident who wrote to us this spring.\n>\n"
        "> The budget is balanced for the first time in ten years.\n\nThe final vote"
    ) in markdown.text, markdown.text


def test_a_reversed_numbered_list_counts_down_in_markdown() -> None:
    lines = (
        _pipeline(markdown=True)
        .clean_bytes(NESTED_QUOTED_REVERSED.encode(), {"format": "html"})
        .text.splitlines()
    )
    assert "3. Third place went to the library plan" in lines
    assert "2. Second place went to the roads" in lines
    assert "1. First place went to the schools" in lines
    assert "10. Ten green bottles" in lines and "9. Nine green bottles" in lines


def _markdown_lines(body: str) -> list[str]:
    page = f"<html><head><title>Lists</title></head><body><article>{body}</article></body></html>"
    return _pipeline(markdown=True).clean_bytes(page.encode(), {"format": "html"}).text.split("\n")


def test_a_list_nested_in_a_numbered_item_leaves_the_outer_numbers_alone() -> None:
    # Items were keyed on their text with the nested list's: the outer list took another
    # list's numbers, and its items after the nested list lost theirs.
    lines = _markdown_lines(
        "<p>The steps below are the ones the council agreed on at its meeting on Tuesday.</p>"
        "<ol><li>Step one of the numbered list<ol><li>Sub step one of step one</li>"
        "<li>Sub step two of step one</li></ol></li><li>Step two of the numbered list</li></ol>"
        "<p>The places of the contest are counted down from the third to the first here.</p>"
        "<ol reversed><li>Item C of the outer list here<ul><li>Note one on C</li>"
        "<li>Note two on C</li></ul></li><li>Item B of the outer list here</li>"
        "<li>Item A of the outer list here</li></ol>"
    )
    at = lines.index("1. Step one of the numbered list")
    assert lines[at : at + 4] == [
        "1. Step one of the numbered list",
        "  1. Sub step one of step one",
        "  2. Sub step two of step one",
        "2. Step two of the numbered list",
    ], lines
    at = lines.index("3. Item C of the outer list here")
    assert lines[at + 3 : at + 5] == [
        "2. Item B of the outer list here",
        "1. Item A of the outer list here",
    ], lines


def test_a_countdown_below_zero_keeps_its_bullets() -> None:
    # <ol reversed start="1"> of three counted 1, 0, -1: no Markdown number, and a
    # corrupt "-1. - Bottom three" line.
    lines = _markdown_lines(
        "<p>The worst three of the year, counted down from the start the page gives.</p>"
        '<ol reversed start="1"><li>Bottom one goes to the yellow team this year.</li>'
        "<li>Bottom two goes to the purple team this year.</li>"
        "<li>Bottom three goes to the orange team this year.</li></ol>"
    )
    assert [line for line in lines if "team" in line] == [
        "- Bottom one goes to the yellow team this year.",
        "- Bottom two goes to the purple team this year.",
        "- Bottom three goes to the orange team this year.",
    ], lines


def test_a_paragraph_between_two_quotes_keeps_them_apart() -> None:
    lines = _markdown_lines(
        "<p>And a quote from the judges of the contest, which runs for two paragraphs.</p>"
        "<blockquote><p>The first paragraph of the quote says the teams did well.</p>"
        "<p>The second paragraph of the quote says the final was close.</p></blockquote>"
        "<p>A paragraph between quotes that belongs to the article and stays out of quotes.</p>"
        "<blockquote><p>A second, separate quote from another judge of the final.</p></blockquote>"
    )
    at = lines.index("> The first paragraph of the quote says the teams did well.")
    assert lines[at : at + 7] == [
        "> The first paragraph of the quote says the teams did well.",
        ">",
        "> The second paragraph of the quote says the final was close.",
        "",
        "A paragraph between quotes that belongs to the article and stays out of quotes.",
        "",
        "> A second, separate quote from another judge of the final.",
    ], lines


VERSE_PAGE = (
    "<html><head><title>A walk by the river</title></head><body><article>"
    "<p>Our reader sent in a short verse about the walk along the river last weekend.</p>"
    "<p>The water ran slow by the mill,<br>The swans kept close to the shore,<br>"
    "And the <b>bridge</b> stood grey and still.</p>"
    "<p>We walked on till the light was gone,<br><br>and home by the lane at dusk.</p>"
    "<ul><li>Start at the mill<br>by the car park</li><li>End at the old bridge</li></ul>"
    "<blockquote>Slow water,<br>quiet swans.</blockquote>"
    "<address>River Walkers Club<br>4 Mill Lane &amp; Co<br>Eastbridge</address>"
    "<p>The club meets again next month, and new walkers are always welcome to join.</p>"
    "</article></body></html>"
)


def test_a_line_break_keeps_the_lines_of_one_paragraph_together() -> None:
    # A <br> parts two lines of one paragraph (a verse, an address): in plain text they stay
    # on consecutive lines, the paragraphs apart by a blank line as before; two <br> in a row
    # are a blank line on the page, and part two paragraphs.
    text = _pipeline().clean_bytes(VERSE_PAGE.encode(), {"format": "html"}).text
    assert (
        "\n\nThe water ran slow by the mill,\nThe swans kept close to the shore,\n"
        "And the bridge stood grey and still.\n\nWe walked on till the light was gone,\n\n"
        "and home by the lane at dusk.\n\n- Start at the mill\nby the car park\n"
        "- End at the old bridge\n\nSlow water,\nquiet swans.\n\n"
        "River Walkers Club\n4 Mill Lane & Co\nEastbridge\n\nThe club meets again"
    ) in text, text
    # Markdown keeps them in one paragraph, each line ended by a hard line break ("\"), which
    # a trim of trailing spaces cannot take away; the quote marks both of its lines.
    markdown = _pipeline(markdown=True).clean_bytes(VERSE_PAGE.encode(), {"format": "html"}).text
    assert (
        "\n\nThe water ran slow by the mill,\\\nThe swans kept close to the shore,\\\n"
        "And the bridge stood grey and still.\n\nWe walked on till the light was gone,\n\n"
        "and home by the lane at dusk.\n\n- Start at the mill\\\nby the car park\n"
        "- End at the old bridge\n\n> Slow water,\\\n> quiet swans.\n\n"
        "River Walkers Club\\\n4 Mill Lane & Co\\\nEastbridge\n\nThe club meets again"
    ) in markdown, markdown
    # Cleaning the output again changes nothing: plain text keeps its own lines.
    again = _pipeline().clean_bytes(text.encode(), {"format": "text"}).text
    assert again == text


def test_line_break_pairs_are_the_lines_one_br_parts_inside_prose() -> None:
    page = parse_html(
        "<html><body><div>Top line<br>second line<p>own block</p>after the block<br>"
        "<br>new paragraph<br>and its next line</div>"
        "<h2>A heading<br>on two lines</h2><pre>code one<br>code two</pre>"
        "<table><tr><td>cell one<br>cell two</td></tr></table>"
        "<p>Salt &amp;amp; pepper<br><i>in</i> the soup</p></body></html>"
    )
    escape_ampersands(page)  # as the extract stage does before trafilatura reads the page
    assert line_break_pairs(page) == {
        ("Top line", "second line"),
        ("new paragraph", "and its next line"),
        ("Salt &amp; pepper", "in the soup"),
    }
    assert paragraph_layout(
        "Intro.\nTop line\nsecond line\nown block\n- new paragraph\nand its next line\nEnd.",
        line_breaks=frozenset(line_break_pairs(page)),
    ) == (
        "Intro.\n\nTop line\nsecond line\n\nown block\n\n- new paragraph\nand its next line\n\nEnd."
    )
    # The same two lines as separate paragraphs of a page without the break stay apart.
    assert paragraph_layout("Top line\nsecond line") == "Top line\n\nsecond line"


def test_a_code_block_holding_an_ampersand_keeps_its_fences() -> None:
    # The tree's text holds "&amp;" where trafilatura's output holds "&": the code's lines
    # were not found, and the opening fence was lost.
    page = (
        "<html><head><title>Chaining commands</title></head><body><article>"
        "<p>Two commands can be chained so that the second runs only if the first worked.</p>"
        "<pre><code>make &amp;&amp; make test\n\nmake install</code></pre>"
        "<p>The last line installs the program once the tests have passed on your machine.</p>"
        "</article></body></html>"
    )
    markdown = _pipeline(markdown=True).clean_bytes(page.encode(), {"format": "html"}).text
    assert "\n\n```\nmake && make test\n\nmake install\n```\n\n" in markdown, markdown
    text = _pipeline().clean_bytes(page.encode(), {"format": "html"}).text
    assert "\n\nmake && make test\n\nmake install\n\nThe last line" in text, text


def test_without_tidy_the_layout_markers_are_no_jsonl_metadata() -> None:
    # Plain text now has markers too (a numbered list's numbers): tidy writes and drops them;
    # a run that skips tidy writes the page's text without them, and no marker list.
    config = PipelineConfig.load().without(["grammar", "tidy"])
    result = Pipeline(config).clean_bytes(TABLE_PAGE.encode(), {"format": "html"})
    assert result.metadata.get("markdown_markers")
    record = result_record(result, "page")
    assert "markdown_markers" not in record["metadata"]
    assert "markdown_line_breaks" not in record["metadata"]


def test_without_tidy_the_pages_code_lines_are_no_jsonl_metadata() -> None:
    # Review: the grammar stage's list of the page's code lines reached the record.
    page = (
        "<html><head><title>Loops</title></head><body><article>"
        "<p>A loop repeats its body once for every item of the list it is given.</p>"
        "<pre><code>for item in items:\n    print(item)</code></pre>"
        "<p>The body here prints each item on a line of its own, in the list's order.</p>"
        "</article></body></html>"
    )
    config = PipelineConfig.load().without(["grammar", "tidy"])
    result = Pipeline(config).clean_bytes(page.encode(), {"format": "html"})
    assert result.metadata.get("code_lines")
    assert "code_lines" not in result_record(result, "page")["metadata"]
