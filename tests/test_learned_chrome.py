"""Chrome learned from the corpus (issue #17): the stage as a pure function, the decision and
its thresholds, the saved list, and real `cleaner corpus` / `cleaner clean` runs: learning,
replaying, turning it off, rerunning and resuming after a kill."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import kill_when, run_cli
from learned_corpus import FOOTER, HEADING, PAGES, PROMO, make_corpus, site_a_page, site_b_page
from test_corpus import corpus_command, files_under, without_timings

from cleaner.corpus import AUDIT_FILE, CorpusError, LearnThresholds, iter_jsonl
from cleaner.corpus.learned_chrome import (
    LEARNED_FILE,
    MAX_LIST_LINE_BYTES,
    decide,
    read_table,
    write_table,
)
from cleaner.document import Document
from cleaner.stages.learned_chrome import (
    KEPT_KEY,
    NAME,
    LearnedChromeStage,
    LearnedLine,
    LearnedTable,
    document_lines,
    site_of,
)

REPO = Path(__file__).resolve().parents[1]
SKIP = ("--skip", "grammar")

# --- the stage: a pure function of a document, given the table -----------------------------

PROMO_LINE = "Readers save a fifth on ferry tickets until the end of the month."
FOOTER_LINE = "The Harbour Gazette, 12 Quay Street, Port Ellis."
STORY = (
    "The harbour board repaired the north pier on Monday after the storm, officials said.\n\n"
    "Work on the sea wall is due to finish before the regatta in the summer, they added.\n\n"
)


def table(*texts: str, site: str = "harbour.example", documents: int = 30) -> LearnedTable:
    return LearnedTable.of([LearnedLine(site, text, documents, documents) for text in texts])


def stage_of(*texts: str, site: str = "harbour.example") -> LearnedChromeStage:
    return LearnedChromeStage(table(*texts, site=site))


def doc(text: str, url: str = "https://www.harbour.example/story/1") -> Document:
    return Document(text=text, metadata={"url": url, "source": "in/story.txt"})


def test_learned_lines_of_the_site_go_with_an_edit_each() -> None:
    text = STORY + "Ferry Club\n" + PROMO_LINE + "\n\n" + FOOTER_LINE + "\n"
    out = stage_of("Ferry Club", PROMO_LINE, FOOTER_LINE)(doc(text))
    assert out.text == STORY  # the blank line inside the block goes with it
    edits = [e for e in out.edits if e.stage == NAME]
    assert [e.before.strip() for e in edits] == ["Ferry Club", PROMO_LINE, FOOTER_LINE]
    for edit in edits:
        assert text[edit.start : edit.end] == edit.before and edit.after == ""
        assert edit.rule_id.startswith("learned.harbour.example.")
        assert "in 30 of 30 documents" in edit.message
    assert edits[2].line == text[: edits[2].start].count("\n") + 1
    assert out.metadata["learned_chrome_lines_removed"] == 3


def test_another_sites_document_is_left_alone() -> None:
    text = STORY + FOOTER_LINE + "\n"
    other = doc(text, url="https://valley.example/news/2")
    assert stage_of(FOOTER_LINE)(other) == other
    without_url = Document(text=text, metadata={"source": "valley/a.txt"})
    assert stage_of(FOOTER_LINE)(without_url) == without_url


def test_a_short_learned_line_goes_only_inside_a_block() -> None:
    """A heading every page has ("Background") is structure; chrome comes in blocks."""
    alone = STORY + "Background\n\nThe pier opened in 1901, the museum said.\n"
    assert stage_of("Background", PROMO_LINE)(doc(alone)).text == alone
    block = STORY + "Ferry Club\n\n" + PROMO_LINE + "\n"
    assert stage_of("Ferry Club", PROMO_LINE)(doc(block)).text == STORY


def test_a_document_that_is_mostly_learned_lines_is_kept_whole() -> None:
    """A page that is nearly all footer, or a near copy of another page: its text is kept."""
    text = "Short note.\n\n" + PROMO_LINE + "\n" + FOOTER_LINE + "\n"
    out = stage_of(PROMO_LINE, FOOTER_LINE)(doc(text))
    assert out.text == text and not out.edits
    assert "harbour.example" in out.metadata[KEPT_KEY]
    # Both figures measure the same thing: the lines' characters less the blank around them.
    going = len(PROMO_LINE) + len(FOOTER_LINE)
    assert f" is {going} of its {len(text.strip())} characters" in out.metadata[KEPT_KEY]
    only = FOOTER_LINE + "\n"
    assert stage_of(FOOTER_LINE)(doc(only)).text == only


def test_lines_match_whatever_their_spacing() -> None:
    text = STORY + "  The Harbour  Gazette, 12 Quay Street,\tPort Ellis.  \n"
    assert stage_of(FOOTER_LINE)(doc(text)).text == STORY


@pytest.mark.parametrize(
    ("metadata", "site"),
    [
        ({"url": "https://WWW.Harbour.Example:8080/a?b=1"}, "harbour.example"),
        ({"url": "http://news.harbour.example/a", "source": "x/y.txt"}, "news.harbour.example"),
        ({"url": "", "source": "site-a/p01.txt"}, "folder:site-a"),
        ({"source": "crawl/dump.jsonl:12"}, "folder:crawl"),
        ({"source": "top.txt"}, "folder:."),
        ({"url": "not a url", "source": "b/c.html"}, "folder:b"),
        ({}, "folder:."),
        # Names as read from the file system (by clean, a corpus run or a library caller):
        # bytes that are not UTF-8 are escaped, and a name's own backslashes doubled, so
        # that a folder named "caf\xe9" in letters is another site than the byte's.
        ({"source": "caf\udce9/p01.txt"}, "folder:caf\\xe9"),
        ({"source": "caf\\xe9/p01.txt"}, "folder:caf\\\\xe9"),
        ({"source": "we\\ird/p.txt"}, "folder:we\\\\ird"),
    ],
)
def test_the_site_is_the_hosts_or_else_the_inputs_folder(
    metadata: dict[str, str], site: str
) -> None:
    assert site_of(metadata) == site


def test_pass_one_records_each_distinct_line_once() -> None:
    record = document_lines("A b c\n\nA  b c\nD e f\n" + "x" * 900 + "\n", {"source": "s/a"})
    assert record == {"site": "folder:s", "lines": ["A b c", "D e f"]}
    assert document_lines(" \n\n", {}) is None


# --- the decision --------------------------------------------------------------------------


def learn_file(path: Path, records: list[tuple[str, list[str]]]) -> Path:
    path.write_text("".join(json.dumps({"site": s, "lines": lines}) + "\n" for s, lines in records))
    return path


def test_a_line_is_learned_on_enough_documents_and_share_of_its_site(tmp_path: Path) -> None:
    big = [("big.example", [f"story {n}", "Footer line of big"]) for n in range(10)]
    # Shared by 4 of 4: a small site's repeated sentence stays (below five documents).
    small = [("small.example", [f"item {n}", "A quote the small site repeats"]) for n in range(4)]
    # In 5 of 20 documents: at least five, but a quarter is not chrome.
    some = [
        ("some.example", [f"page {n}"] + (["Seen on some"] if n < 5 else [])) for n in range(20)
    ]
    files = [
        learn_file(tmp_path / "a.learn", big[:5] + small),
        learn_file(tmp_path / "b.learn", big[5:] + some),
    ]
    learned = decide(iter(files), LearnThresholds())
    assert [
        (line.site, line.text, line.documents, line.site_documents) for line in learned.lines()
    ] == [("big.example", "Footer line of big", 10, 10)]
    looser = decide(iter(files), LearnThresholds(min_documents=4, min_share=0.25))
    assert {line.text for line in looser.lines()} == {
        "Footer line of big",
        "A quote the small site repeats",
        "Seen on some",
    }


def test_the_sketch_never_changes_the_decision(tmp_path: Path) -> None:
    """The count-min sketch only picks which lines to count exactly; even a sketch of two
    counters a row, where every line collides with every other, decides the same."""
    records = [
        (f"site{n % 3}.example", [f"page {n}", f"Footer of site {n % 3}", f"tag {n % 7}"])
        for n in range(60)
    ]
    files = [learn_file(tmp_path / "a.learn", records)]
    exact = decide(iter(files), LearnThresholds())
    assert {line.text for line in exact.lines()} == {f"Footer of site {n}" for n in range(3)}
    for bits in (1, 4, 21):
        tiny = decide(iter(files), LearnThresholds(), sketch_bits=bits)
        assert tiny.lines() == exact.lines()


def test_a_line_shared_across_sites_is_never_learned(tmp_path: Path) -> None:
    """Six documents hold the line, but three on each site: each site's count decides."""
    records = [
        (site, [f"{site} {n}", "Shared by two sites"])
        for site in ("a.example", "b.example")
        for n in range(3)
    ]
    assert not len(decide(iter([learn_file(tmp_path / "x.learn", records)]), LearnThresholds()))


def test_thresholds_are_checked() -> None:
    with pytest.raises(CorpusError):
        LearnThresholds(min_documents=1)
    with pytest.raises(CorpusError):
        LearnThresholds(min_share=0)


def test_the_saved_list_reads_back_and_bad_lines_are_named(tmp_path: Path) -> None:
    saved = tmp_path / LEARNED_FILE
    original = table(PROMO_LINE, "Ferry Club")
    write_table(saved, original, LearnThresholds())
    records = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [r["text"] for r in records] == ["Ferry Club", PROMO_LINE]
    assert records[0]["removed"] == "next to another learned line"
    assert records[1]["removed"] == "always"
    assert records[1]["threshold"] == {"min_documents": 5, "min_share": 0.5}
    assert read_table(saved).digest() == original.digest()
    saved.write_text(saved.read_text() + '{"site": "x.example"}\n')
    with pytest.raises(CorpusError, match=rf"{LEARNED_FILE}:3: .*'text'"):
        read_table(saved)
    with pytest.raises(CorpusError, match="cannot read"):
        read_table(tmp_path / "missing.jsonl")


def test_a_file_that_is_no_list_is_refused_without_reading_it_into_memory(tmp_path: Path) -> None:
    # /dev/zero, or any big file with no line breaks: refused at its first line, which is
    # read only up to the longest line a list can hold.
    endless = tmp_path / "no-lines.bin"
    endless.write_bytes(b"x" * (MAX_LIST_LINE_BYTES * 4))
    with pytest.raises(CorpusError, match=r"no-lines\.bin:1: a line longer than"):
        read_table(endless)


# --- real runs --------------------------------------------------------------------------------


def corpus(src: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return run_cli("corpus", str(src), str(out), *SKIP, "--jobs", "2", *extra, timeout=600)


def learned_edits(out: Path) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for record in iter_jsonl(out / AUDIT_FILE):
        found[record["source"]] = [e for e in record.get("edits", []) if e["stage"] == NAME]
    return found


def test_a_sites_footer_and_promo_are_learned_and_removed(tmp_path: Path) -> None:
    """The issue's acceptance test: 30 pages of one site share a footer and a promo block,
    another site's 30 pages share nothing but a heading."""
    src = make_corpus(tmp_path / "in")
    out, plain = tmp_path / "out", tmp_path / "plain"
    done = corpus(src, out)
    assert done.returncode == 0, done.stderr.decode()
    assert b"chrome lines learned on" in done.stderr

    listed = [json.loads(line) for line in (out / LEARNED_FILE).read_text().splitlines()]
    site_a = {r["text"] for r in listed if r["site"] == "folder:site-a"}
    assert set(PROMO) <= site_a and FOOTER[1] in site_a
    assert all(r["documents"] == PAGES and r["share"] == 1.0 for r in listed)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "learned chrome" in report and f"folder:site-a ({len(site_a)})" in report

    for number in range(PAGES):
        text = (out / "site-a" / f"p{number:02d}.txt").read_text(encoding="utf-8")
        for line in (*FOOTER, *PROMO):
            assert line not in text, (number, line)
        assert f"Harbour story number {number}" in text
        assert text.count("residents said") == site_a_page(number).count("residents said")

    assert corpus(src, plain, "--no-learn-chrome").returncode == 0
    assert not (plain / LEARNED_FILE).exists()
    for number in range(PAGES):
        name = f"site-b/p{number:02d}.txt"
        assert (out / name).read_bytes() == (plain / name).read_bytes(), name
        assert HEADING in (out / name).read_text()
        assert FOOTER[1] in (plain / name.replace("site-b", "site-a")).read_text()
    edits = learned_edits(out)
    assert all(not e for source, e in edits.items() if source.startswith("site-b/"))
    ids = {r["id"] for r in listed}
    for source, found in edits.items():
        if source.startswith("site-a/"):
            assert len(found) == len(PROMO) + 1
            assert {e["rule_id"] for e in found} <= ids

    before = files_under(out)
    again = corpus(src, out)
    assert again.returncode == 0 and b"60 unchanged" in again.stderr
    assert files_under(out) == before, "a rerun gives identical output"
    fresh = tmp_path / "fresh"
    assert corpus(src, fresh).returncode == 0
    fresh_files = files_under(fresh)
    assert set(fresh_files) == set(before)
    for name in before:
        if name != AUDIT_FILE:
            assert fresh_files[name] == before[name], name
    assert without_timings(fresh / AUDIT_FILE) == without_timings(out / AUDIT_FILE)


def test_a_folder_named_in_bytes_that_are_not_utf8_is_one_site_in_corpus_and_clean(
    tmp_path: Path,
) -> None:
    """Linux takes any bytes in a name: a corpus run names the folder ``caf\\xe9`` and
    ``clean`` read it surrogate-escaped, so its list did not match the same folder there."""
    src, out = tmp_path / "in", tmp_path / "out"
    folder = src / os.fsdecode(b"caf\xe9")
    folder.mkdir(parents=True)
    for number in range(8):
        (folder / f"p{number:02d}.txt").write_text(site_a_page(number), encoding="utf-8")
    assert corpus(src, out).returncode == 0
    listed = list(iter_jsonl(out / LEARNED_FILE))
    assert listed and {r["site"] for r in listed} == {"folder:caf\\xe9"}
    page = os.fsdecode(b"caf\xe9/p07.txt")
    cleaned = run_cli("clean", page, *SKIP, "--learned-chrome", str(out / LEARNED_FILE), cwd=src)
    assert cleaned.returncode == 0, cleaned.stderr.decode()
    assert b"not in the list" not in cleaned.stderr
    assert FOOTER[1] not in cleaned.stdout.decode()
    assert cleaned.stdout == (out / page).read_bytes()


def test_a_folder_named_like_an_escaped_byte_is_a_site_of_its_own(tmp_path: Path) -> None:
    """A folder named ``caf\\xe9`` in letters and one named with the byte 0xE9 were both
    written ``caf\\xe9``: one site, their chrome learned and removed together."""
    src, out = tmp_path / "in", tmp_path / "out"
    letters, byte = src / "caf\\xe9", src / os.fsdecode(b"caf\xe9")
    for folder in (letters, byte):
        folder.mkdir(parents=True)
    for number in range(8):
        (letters / f"p{number:02d}.txt").write_text(site_a_page(number), encoding="utf-8")
        # The other folder has the footer on two pages in eight: not its chrome.
        unique = f"The cafe on the quay served {number * 7 + 3} guests on day {number}.\n"
        page = site_a_page(number) if number % 4 == 1 else unique
        (byte / f"p{number:02d}.txt").write_text(page, encoding="utf-8")
    assert corpus(src, out).returncode == 0
    listed = list(iter_jsonl(out / LEARNED_FILE))
    assert {r["site"] for r in listed} == {"folder:caf\\\\xe9"}
    assert FOOTER[1] in (out / byte.name / "p01.txt").read_text()
    page = "caf\\xe9/p07.txt"
    cleaned = run_cli("clean", page, *SKIP, "--learned-chrome", str(out / LEARNED_FILE), cwd=src)
    assert cleaned.returncode == 0, cleaned.stderr.decode()
    assert FOOTER[1] not in cleaned.stdout.decode()
    assert cleaned.stdout == (out / page).read_bytes()
    other = os.fsdecode(b"caf\xe9/p01.txt")
    kept = run_cli("clean", other, *SKIP, "--learned-chrome", str(out / LEARNED_FILE), cwd=src)
    assert FOOTER[1] in kept.stdout.decode()


def test_a_saved_list_replays_on_another_run_and_in_clean(tmp_path: Path) -> None:
    src = make_corpus(tmp_path / "in")
    out = tmp_path / "out"
    assert corpus(src, out).returncode == 0
    saved = tmp_path / "saved.jsonl"
    saved.write_bytes((out / LEARNED_FILE).read_bytes())

    # A new page of the site, alone in a run, loses its chrome through the replayed list.
    new = tmp_path / "new"
    (new / "site-a").mkdir(parents=True)
    (new / "site-a" / "p99.txt").write_text(site_a_page(99), encoding="utf-8")
    replayed = tmp_path / "replayed"
    done = corpus(new, replayed, "--learned-chrome", str(saved))
    assert done.returncode == 0, done.stderr.decode()
    text = (replayed / "site-a" / "p99.txt").read_text()
    assert FOOTER[1] not in text and PROMO[1] not in text and "Harbour story number 99" in text
    assert (replayed / LEARNED_FILE).read_text().count("\n") == saved.read_text().count("\n")
    unlearned = corpus(new, tmp_path / "unlearned")  # one page: nothing to learn
    assert unlearned.returncode == 0
    assert FOOTER[1] in (tmp_path / "unlearned" / "site-a" / "p99.txt").read_text()

    cleaned = run_cli(
        "clean", "site-a/p07.txt", *SKIP, "--learned-chrome", str(saved), "--explain", cwd=src
    )
    assert cleaned.returncode == 0, cleaned.stderr.decode()
    assert cleaned.stdout == (out / "site-a" / "p07.txt").read_bytes()
    assert b"learned_chrome" in cleaned.stderr and b"folder:site-a" in cleaned.stderr
    assert b"not in the list" not in cleaned.stderr
    # The same page named by its absolute path is of another site ('folder:/...'): nothing is
    # removed, and the user is told why rather than left to find the footer still there.
    elsewhere = run_cli(
        "clean", str(src / "site-a" / "p07.txt"), *SKIP, "--learned-chrome", str(saved)
    )
    assert elsewhere.returncode == 0, elsewhere.stderr.decode()
    assert FOOTER[1] in elsewhere.stdout.decode()
    assert b"is not in the list, so nothing is removed" in elsewhere.stderr

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    refused = corpus(src, tmp_path / "bad-out", "--learned-chrome", str(bad))
    assert refused.returncode == 2 and b"bad.jsonl:1" in refused.stderr
    refused = run_cli("clean", "site-a/p07.txt", *SKIP, "--learned-chrome", str(bad), cwd=src)
    assert refused.returncode == 2 and b"bad.jsonl:1" in refused.stderr


def test_sites_by_url_in_jsonl_and_a_page_added_later(tmp_path: Path) -> None:
    """JSONL records name their site by URL; a page added to a site later is cleaned alone
    (the learned lines did not change, so no other output is redone)."""
    src = tmp_path / "in"
    src.mkdir()
    records = [
        {"id": f"a{n}", "url": f"https://www.harbour.example/s/{n}", "text": site_a_page(n)}
        for n in range(12)
    ] + [
        {
            "id": f"b{n}",
            "url": f"https://valley.example/r/{n}",
            "text": site_b_page(n) + "\n" + FOOTER[1] + "\n",
        }
        for n in range(4)
    ]
    (src / "dump.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "out"
    assert corpus(src, out).returncode == 0
    listed = [json.loads(line) for line in (out / LEARNED_FILE).read_text().splitlines()]
    assert {r["site"] for r in listed} == {"harbour.example"}
    lines = [json.loads(line) for line in (out / "dump.jsonl").read_text().splitlines()]
    for line in lines[:12]:
        assert FOOTER[1] not in line["text"] and PROMO[1] not in line["text"]
    for line in lines[12:]:  # the same footer line on four pages of another site stays
        assert FOOTER[1] in line["text"]

    (src / "later.txt").write_text("A page of no site in particular.\n")
    again = corpus(src, out)
    assert again.returncode == 0 and b"1 cleaned, 1 unchanged" in again.stderr


def test_help_teaches_the_options() -> None:
    shown = run_cli("corpus", "--help").stdout.decode()
    for option in (
        "--learn-chrome",
        "--no-learn-chrome",
        "--learned-chrome",
        "--learn-min-documents",
        "--learn-min-share",
        "_learned_chrome.jsonl",
    ):
        assert option in shown, option
    assert "A first pass learns each site's chrome" in " ".join(shown.split())
    assert "--learned-chrome" in run_cli("clean", "--help").stdout.decode()


# --- resuming after a kill --------------------------------------------------------------------


def start(src: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "CLEANER_LANGUAGETOOL_URL"}
    return subprocess.Popen(
        [*corpus_command(), str(src), str(out), *SKIP, "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=env,
    )


def test_a_run_killed_while_learning_or_cleaning_resumes_to_the_same_output(tmp_path: Path) -> None:
    src = make_corpus(tmp_path / "in", pages=120)
    reference = tmp_path / "reference"
    assert start(src, reference).wait(timeout=600) == 0

    out = tmp_path / "out"
    learn_dir = out / ".cleaner" / "learn"
    moments = [
        ("learning", lambda: learn_dir.exists() and any(learn_dir.glob("*.learn"))),
        ("cleaning", lambda: (out / LEARNED_FILE).exists() and any((out / "site-b").glob("*.txt"))),
    ]
    hit = []
    for name, condition in moments:
        proc = start(src, out)
        if kill_when(proc, condition):
            hit.append(name)
        time.sleep(0.5)  # the killed run's workers notice and exit
    assert hit, "the run ended before it could be killed"
    final = start(src, out)
    _, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()
    ref_files, out_files = files_under(reference), files_under(out)
    assert set(out_files) == set(ref_files)
    for name in ref_files:
        if name != AUDIT_FILE:
            assert out_files[name] == ref_files[name], name
    assert without_timings(out / AUDIT_FILE) == without_timings(reference / AUDIT_FILE)
    assert FOOTER[1] not in (out / "site-a" / "p77.txt").read_text()
    print(f"killed while: {hit}")


def test_contradictory_or_unusable_learned_chrome_options_stop_before_out_is_made(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("One short article line that is here.\n", encoding="utf-8")
    saved = tmp_path / LEARNED_FILE
    write_table(saved, table(PROMO_LINE), LearnThresholds())
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"site": "x.example"}\n', encoding="utf-8")
    cases = [
        (("--learned-chrome", str(saved), "--no-learn-chrome"), "give one of them"),
        (("--learn-chrome", "--engine", "ray"), "local engine only"),
        (("--learned-chrome", str(broken)), "broken.jsonl:1:"),
    ]
    for number, (extra, message) in enumerate(cases):
        out = tmp_path / f"out{number}"
        proc = run_cli("corpus", str(src), str(out), *SKIP, *extra)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr.decode()
        assert not out.exists()


def test_clean_gives_the_real_name_as_source_and_the_escaped_one_only_as_site(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "we\\ird"
    folder.mkdir()
    (folder / "p.txt").write_text(site_a_page(1), encoding="utf-8")
    run = run_cli("clean", "we\\ird/p.txt", *SKIP, "--format", "jsonl", cwd=tmp_path)
    assert run.returncode == 0, run.stderr.decode()
    (record,) = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert record["metadata"]["source"] == "we\\ird/p.txt"
    assert (tmp_path / record["metadata"]["source"]).exists()
    assert site_of(record["metadata"]) == "folder:we\\\\ird"


def test_a_refused_run_leaves_the_learned_list_and_its_state_as_they_were(
    tmp_path: Path,
) -> None:
    """A run refused for removing most outputs (IN empty or unmounted) said "Nothing was
    changed" but had already run pass 1 over the empty IN: it deleted OUT/_learned_chrome.jsonl,
    emptied .cleaner/learn/ and rewrote the saved decision, so a --learned-chrome replay of
    the list then failed. The refusal now comes before anything is written."""
    src = make_corpus(tmp_path / "in", pages=12)
    out, empty = tmp_path / "out", tmp_path / "mnt"
    empty.mkdir()
    assert corpus(src, out).returncode == 0
    assert (out / LEARNED_FILE).exists()

    def everything(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "lock" and not p.name.startswith("manifest")
        }

    before = everything(out)
    assert any(name.startswith(".cleaner/learn/") for name in before)
    refused = corpus(empty, out)
    assert refused.returncode == 2
    assert b"Nothing was changed" in refused.stderr
    assert everything(out) == before
    replay = corpus(src, tmp_path / "replayed", "--learned-chrome", str(out / LEARNED_FILE))
    assert replay.returncode == 0, replay.stderr.decode()
