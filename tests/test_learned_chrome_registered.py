"""The learned-chrome stage is a registered stage like the others: listed by `cleaner stages`,
skipped with --skip, built from its options (so any engine's workers can build it from the
pipeline's settings), shown by --explain, and run by the Ray engine on a replayed list."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli
from learned_corpus import FOOTER, PROMO, make_corpus
from test_learned_chrome import SKIP, corpus, doc, learned_edits, table

from cleaner.corpus import learned_pipeline
from cleaner.corpus.learned_chrome import LEARNED_FILE, prefix_config
from cleaner.errors import ConfigError
from cleaner.pipeline import Pipeline, PipelineConfig
from cleaner.registry import LEARNED_CHROME
from cleaner.stages.learned_chrome import NAME, line_records

FOOTER_LINE = "The Harbour Gazette, 12 Quay Street, Port Ellis."
PROMO_LINE = "Readers save a fifth on ferry tickets until the end of the month."
STORY = (
    "The harbour board repaired the north pier on Monday after the storm, officials said.\n\n"
    "Work on the sea wall is due to finish before the regatta in the summer, they added.\n\n"
)


def test_stages_lists_it_and_the_default_pipeline_runs_it_between_chrome_and_captions() -> None:
    shown = run_cli("stages")
    assert shown.returncode == 0 and NAME in shown.stdout.decode()
    stages = PipelineConfig.load().stages
    assert stages.index(NAME) == stages.index("chrome") + 1
    assert stages.index(NAME) + 1 == stages.index("captions")
    # Pass 1 of a corpus run stops before it.
    assert NAME not in prefix_config(PipelineConfig.load()).stages


def test_without_a_list_it_changes_nothing() -> None:
    text = STORY + PROMO_LINE + "\n"
    result = Pipeline(PipelineConfig(stages=(NAME,))).run(doc(text))
    assert result.text == text and not result.edits
    assert NAME in result.timings


def test_it_is_built_from_its_lines_option_as_an_engine_worker_builds_it() -> None:
    learned = table(PROMO_LINE, FOOTER_LINE)
    config = PipelineConfig(stages=(NAME, "tidy"), options={NAME: {"lines": line_records(learned)}})
    text = STORY + PROMO_LINE + "\n" + FOOTER_LINE + "\n"
    result = Pipeline(config).run(doc(text))
    assert PROMO_LINE not in result.text and FOOTER_LINE not in result.text
    assert {edit.stage for edit in result.edits if edit.applied} >= {NAME}

    # What the corpus runner hands its engine: a config that builds the same pipeline.
    replayed = learned_pipeline(Pipeline(PipelineConfig.load().without(["grammar"])), learned)
    assert replayed.config.stages.count(NAME) == 1
    rebuilt = Pipeline(replayed.config)
    assert rebuilt.run(doc(text)).text == replayed.run(doc(text)).text != text

    for bad, message in (("footer", "must be a list"), ([{"site": "x"}], "entry 1: missing")):
        try:
            Pipeline(PipelineConfig(stages=(NAME,), options={NAME: {"lines": bad}}))
        except ConfigError as exc:
            assert message in str(exc), exc
        else:
            raise AssertionError(f"{bad!r} was accepted")


def test_skip_learned_chrome_turns_learning_off_and_contradictions_are_usage_errors(
    tmp_path: Path,
) -> None:
    src = make_corpus(tmp_path / "in", pages=6)
    out = tmp_path / "out"
    done = corpus(src, out, "--skip", LEARNED_CHROME, "--learn-min-documents", "3")
    assert done.returncode == 0, done.stderr.decode()
    assert not (out / LEARNED_FILE).exists()
    assert FOOTER[1] in (out / "site-a" / "p01.txt").read_text()

    learned = tmp_path / "learned"
    assert corpus(src, learned, "--learn-min-documents", "3").returncode == 0
    saved = learned / LEARNED_FILE
    assert saved.exists()
    for extra in (("--learn-chrome",), ("--learned-chrome", str(saved))):
        refused = corpus(src, tmp_path / "refused", "--skip", LEARNED_CHROME, *extra)
        assert refused.returncode == 2, refused.stderr
        assert b"leaves out stage learned_chrome" in refused.stderr
        assert not (tmp_path / "refused").exists()

    page = "site-a/p01.txt"
    plain = run_cli("clean", page, *SKIP, "--skip", LEARNED_CHROME, cwd=src)
    assert plain.returncode == 0 and FOOTER[1] in plain.stdout.decode()
    refused = run_cli(
        "clean", page, *SKIP, "--skip", LEARNED_CHROME, "--learned-chrome", str(saved), cwd=src
    )
    assert refused.returncode == 2 and b"leaves out" in refused.stderr
    explained = run_cli("clean", page, *SKIP, "--learned-chrome", str(saved), "--explain", cwd=src)
    assert explained.returncode == 0, explained.stderr.decode()
    assert explained.stdout == (learned / page).read_bytes()
    shown = [line for line in explained.stderr.decode().splitlines() if line.startswith(NAME)]
    assert len(shown) == len(learned_edits(learned)[page]) >= 2
    assert all("learned.folder:site-a." in line for line in shown)


def test_learning_on_ray_is_a_usage_error_naming_the_replay(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("One short article line that is here.\n", encoding="utf-8")
    refused = corpus(src, tmp_path / "out", "--engine", "ray", "--learn-chrome")
    assert refused.returncode == 2
    assert b"--learned-chrome FILE" in refused.stderr
    assert not (tmp_path / "out").exists()


def test_a_replayed_list_in_the_stage_options_survives_json() -> None:
    """What travels to a remote worker is plain data."""
    learned = table(*PROMO[:2])
    records = line_records(learned)
    assert json.loads(json.dumps(records)) == records
