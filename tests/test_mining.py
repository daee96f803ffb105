"""``cleaner rules mine``: proposals from a user's own pairs, scored with the real model, written
as a candidate file that loads and passes ``cleaner rules check``."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from cleaner.mining import (
    SeenPair,
    caption_pairs,
    group_pairs,
    read_aligned_pairs,
    read_page_folder,
    without_existing,
)
from cleaner.rules.candidates import Candidate, load_candidates

PAIRS = (
    "spun\toriginal\tcount\tpages\texample_context_spun\texample_context_original\n"
    "invoice\tbill\t3\t001,002\tthe Senate passed the spending invoice on Friday after a long\t-\n"
    "invoice\tbill\t1\t009\tonly on a held-out page\t-\n"
    "brokers\tagents\t2\t001\tthe new AI brokers can automate boring work for\t-\n"
    "hundreds\tmillions\t2\t002\tthe film made hundreds of dollars in its first\t-\n"
    "secret\tsecret\t2\t002\tsame word on both sides\t-\n"
    "ghost\tspirit\t2\t009\tseen only on a held-out page\t-\n"
)


def test_read_aligned_pairs_leaves_out_pairs_seen_only_on_held_out_pages(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS, encoding="utf-8")
    pairs = read_aligned_pairs(path, exclude_pages=["009"])
    assert [(p.spun, p.original, p.count) for p in pairs] == [
        ("invoice", "bill", 3),
        ("brokers", "agents", 2),
        ("hundreds", "millions", 2),
        ("secret", "secret", 2),
    ]


def test_captions_quote_the_unspun_wording_before_the_spun_line() -> None:
    text = (
        "Some text.\n\nClick to play video: 'Leaders are trying to pass the bill'\n\n"
        "Leaders are attempting to pass the invoice\n\nMore text.\n"
    )
    pairs = caption_pairs(text)
    assert {(p.spun, p.original) for p in pairs} == {("attempting", "trying"), ("invoice", "bill")}
    assert all(p.source == "captions" for p in pairs)


def test_group_pairs_refuses_chains_and_identical_forms() -> None:
    seen = [
        SeenPair("extra", "more", "pairs", 5),
        SeenPair("more", "additional", "pairs", 1),  # would rewrite an original again
        SeenPair("same", "Same", "pairs", 3),
    ]
    proposals = group_pairs(seen)
    assert [(p.spun, p.originals) for p in proposals] == [("extra", ["more"])]


def test_mine_writes_a_candidate_file_that_loads_and_passes_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forms the shipped precise rules already repair are not proposed ("invoice" is one):
    # mine against a rules folder without repair rules, so every pair here is judged.
    rules = tmp_path / "rules" / "repairs"
    rules.mkdir(parents=True)
    (rules / "none.toml").write_text(
        '[meta]\nkind = "repair"\ntheme = "none"\ndescription = "No repair rules."\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CLEANER_RULES_DIR", str(tmp_path / "rules"))
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(PAIRS, encoding="utf-8")
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.txt").write_text(
        "The hotel sent an invoice for the room. Two brokers in London handled the sale.\n"
        "Hundreds of people came to the park.\n",
        encoding="utf-8",
    )
    spins = [tmp_path / "spin1.txt", tmp_path / "spin2.txt"]
    spins[0].write_text("The Senate passed the invoice.\n", encoding="utf-8")
    spins[1].write_text("The Senate passed the bill.\n", encoding="utf-8")
    out = tmp_path / "out" / "mined.toml"
    result = run_cli(
        "rules", "mine", "-o", str(out), "--pairs", str(pairs), "--exclude-pages", "009",
        "--no-reference", "--clean", str(clean), "--respins", str(spins[0]),
        "--respins", str(spins[1]), "--spun-texts", str(spins[0]), "--no-thesaurus",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert b"proposed" in result.stdout
    text = out.read_text(encoding="utf-8")
    candidates = {c.spun: c for c in load_candidates(out)}
    assert candidates["invoice"].originals == ("bill",)
    assert "re-spin swaps: 1" in text  # the two spins disagree on invoice/bill
    assert "hundreds" not in candidates  # the model prefers "hundreds of dollars"
    assert "# hundreds -> millions: the model cannot separate it" in text
    assert "ghost" not in text and "secret" not in text
    check = run_cli("rules", "check", str(out))
    assert check.returncode == 0, check.stdout.decode()


def test_mine_names_a_missing_input(tmp_path: Path) -> None:
    result = run_cli("rules", "mine", "-o", str(tmp_path / "x.toml"), "--pairs", "nope.tsv")
    assert result.returncode == 1
    assert b"nope.tsv: no such file or folder (pairs)" in result.stderr
    assert not (tmp_path / "x.toml").exists()


def test_read_page_folder_aligns_pages_with_originals_and_leaves_out_held_out_pages(
    tmp_path: Path,
) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "originals").mkdir()
    pages = {
        "001": (
            "https://a.example/1\nThe Senate passed the invoice on Friday.",
            "The Senate passed the bill on Friday.",
        ),
        "002": (
            "The workplace was closed for the vacation.",
            "The office was closed for the holiday.",
        ),
        "003": ("A page without its original: brokers everywhere.", None),
    }
    for page, (spun, original) in pages.items():
        (tmp_path / "pages" / f"{page}.txt").write_text(spun, encoding="utf-8")
        if original is not None:
            (tmp_path / "originals" / f"{page}.txt").write_text(original, encoding="utf-8")
    pairs = read_page_folder(tmp_path, exclude_pages=["002"])
    assert [(p.spun, p.original, p.source) for p in pairs] == [("invoice", "bill", "pages")]
    assert "passed the invoice on Friday" in pairs[0].context
    assert {(p.spun, p.original) for p in read_page_folder(tmp_path)} == {
        ("invoice", "bill"),
        ("workplace", "office"),
        ("vacation", "holiday"),
    }
    with pytest.raises(ValueError, match="no pages/ folder"):
        read_page_folder(tmp_path / "pages")


def test_without_existing_drops_covered_and_chaining_forms() -> None:
    proposals = group_pairs(
        [
            SeenPair("invoice", "bill", "pairs", 3),
            SeenPair("brokers", "agents", "pairs", 2),
            SeenPair("agents", "reps", "pairs", 1),
            SeenPair("vacation", "holiday", "pairs", 1),
        ]
    )
    committed = [
        Candidate("candidates.invoice", Path("x.toml"), 1, "invoice", ("bill",), 1.0),
        Candidate("candidates.holidays", Path("x.toml"), 2, "holiday", ("vacation",), 1.0),
    ]
    kept = without_existing(proposals, committed)
    assert [(p.spun, p.originals) for p in kept] == [("brokers", ["agents"])]
