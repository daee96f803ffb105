"""The learned short-line chrome model: its file is validated on load, the chrome stage removes
the short pitch lines it calls chrome (on English documents only, each edit naming the model
and its probability), and real article sentences stay, in our own examples and in the AEB
ground-truth bodies, the spun samples and the reference article."""

from __future__ import annotations

import functools
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import REFERENCE, SPUN_DIR, run_cli

from cleaner.chrome_model import (
    MODEL_FILE_NAME,
    MODEL_RULE_ID,
    chrome_lines,
    load_line_model,
    model_for,
)
from cleaner.document import Document, Replacement
from cleaner.pipeline import PipelineConfig
from cleaner.registry import StageSettings
from cleaner.rules.source import RuleError
from cleaner.stages import chrome

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "rules" / "chrome" / MODEL_FILE_NAME
AEB_TRUTH = REPO.parent / "shared" / "bench" / "aeb" / "ground-truth.json"

# Our own articles, each of a different kind of site, with one pitch line that no hand-written
# rule of rules/chrome/ names (the test checks that too) and that the model removes.
ARTICLE_LINES = {
    "city news": [
        "Council Expands Bus Service",
        "The council voted on Monday to expand bus service across the city.",
        "Officials said costs would rise by about five percent next year.",
        "The mayor said the first new routes would open in the spring.",
        "Riders can expect buses every ten minutes at peak hours.",
    ],
    "gardening blog": [
        "Planting Tomatoes in Cool Springs",
        "Start the seeds indoors about six weeks before the last frost.",
        "Harden the seedlings off over a week before you plant them out.",
        "A layer of straw keeps the soil warm and the leaves clean.",
        "Water deeply twice a week rather than a little every day.",
    ],
    "software guide": [
        "Setting Up a Python Project",
        "Create a virtual environment before you install anything.",
        "Pin your dependencies so that every machine builds the same thing.",
        "Run the tests on every commit, not only before a release.",
        "Keep the configuration in one file that the whole team reads.",
    ],
}
PITCHES = {
    "city news": "Join thousands of readers who get our weekly digest.",
    "gardening blog": "Struggling with your garden? Download our free planting guide.",
    "software guide": "Want more tips like these? Sign up for our free weekly email.",
}


def _stage(**options: object) -> chrome.ChromeStage:
    return _built_stage(tuple(sorted(options.items())))


@functools.cache
def _built_stage(options: tuple[tuple[str, object], ...]) -> chrome.ChromeStage:
    """Built once per set of options: a build reads the rules and the model again (the AEB
    test cleaned 181 bodies in 8 CPU seconds building one for each, 0.4 s with one)."""
    return chrome.build(
        StageSettings(options={"line_model": True, **dict(options)}, rules_dir=REPO / "rules")
    )


def _clean(text: str, language: str = "en", **options: object) -> Document:
    return _stage(**options)(Document(text=text, metadata={"format": "text", "language": language}))


def _with_pitch(site: str) -> str:
    lines = ARTICLE_LINES[site]
    return "\n\n".join([*lines[:3], PITCHES[site], *lines[3:]]) + "\n"


def _model_edits(doc: Document) -> list[str]:
    return [edit.before.strip() for edit in doc.edits if edit.rule_id == MODEL_RULE_ID]


def test_the_shipped_model_loads_and_says_how_it_was_made() -> None:
    model = load_line_model(MODEL)
    assert model.languages == {"en"}
    assert 0.5 <= model.threshold < 1.0
    about = json.loads(MODEL.read_text(encoding="utf-8"))["about"]
    assert "bench/train_chrome_model.py" in about["made_by"]
    assert "tuning" in about["data"]
    assert model_for(REPO / "rules") is model_for(REPO / "rules")  # loaded once


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"format": "other", "version": 1}', "expected format"),
        ("__WEIGHTS__", "weight of feature 'w:subscribe' is not a number"),
        ("__THRESHOLD__", "'threshold' must be a probability"),
    ],
)
def test_a_broken_model_file_is_refused_naming_the_file(
    tmp_path: Path, content: str, problem: str
) -> None:
    good = json.loads(MODEL.read_text(encoding="utf-8"))
    if content == "__WEIGHTS__":
        content = json.dumps({**good, "weights": {"w:subscribe": "high"}})
    elif content == "__THRESHOLD__":
        content = json.dumps({**good, "threshold": 1.5})
    path = tmp_path / MODEL_FILE_NAME
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_line_model(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_a_rules_folder_without_a_model_has_none(tmp_path: Path) -> None:
    (tmp_path / "chrome").mkdir()
    assert model_for(tmp_path) is None


@pytest.mark.parametrize("site", sorted(PITCHES))
def test_a_pitch_line_no_rule_names_goes_and_the_article_stays(site: str) -> None:
    assert _stage().rules.line_rule(PITCHES[site]) is None, "a hand-written rule covers it"
    doc = _clean(_with_pitch(site))
    assert _model_edits(doc) == [PITCHES[site]]
    edit = next(edit for edit in doc.edits if edit.rule_id == MODEL_RULE_ID)
    assert edit.stage == "chrome"
    assert "p(chrome) = 0.9" in edit.message
    for line in ARTICLE_LINES[site]:
        assert line in doc.text
    assert _clean(doc.text).edits == ()  # cleaning the output again removes nothing


@pytest.mark.parametrize("site", sorted(PITCHES))
def test_the_model_stands_aside_on_other_languages_and_when_switched_off(site: str) -> None:
    assert _model_edits(_clean(_with_pitch(site), language="de")) == []
    assert _model_edits(_clean(_with_pitch(site), line_model=False)) == []


def test_the_first_line_a_table_row_and_code_are_never_judged() -> None:
    model = load_line_model(MODEL)
    pitch = PITCHES["city news"]
    lines = [
        pitch,
        "| Subscribe | weekly |",
        "    subscribe(newsletter);",
        *ARTICLE_LINES["city news"],
    ]
    assert chrome_lines(model, lines) == {}


def test_real_article_sentences_about_newsletters_and_sharing_stay() -> None:
    # Sentences of an article that talk about the words the model weighs: reported, not pitched.
    text = "\n\n".join(
        [
            "Local Paper Changes Hands",
            "The paper was sold on Friday to a regional publisher.",
            "She said the newsletter had grown to thousands of readers.",
            "The new owners plan to share offices with a radio station.",
            "He reads the paper every morning before work.",
            "Staff were told their jobs were safe for at least a year.",
        ]
    )
    assert _model_edits(_clean(text + "\n")) == []


@pytest.mark.skipif(not AEB_TRUTH.exists(), reason="AEB data not present")
def test_the_aeb_ground_truth_bodies_lose_no_line_to_the_model() -> None:
    truths = json.loads(AEB_TRUTH.read_text(encoding="utf-8"))
    removed = {
        (page_id[:8], line)
        for page_id, page in truths.items()
        for line in _model_edits(_clean(page["articleBody"]))
    }
    assert removed == set()


@pytest.mark.skipif(not SPUN_DIR.exists(), reason="spun samples not present")
def test_the_spun_samples_and_the_reference_lose_no_line_to_the_model() -> None:
    for path in [*sorted(SPUN_DIR.glob("*.txt")), REFERENCE]:
        assert _model_edits(_clean(path.read_text(encoding="utf-8"))) == [], path.name


def test_explain_shows_the_models_removal(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    article.write_text(_with_pitch("gardening blog"), encoding="utf-8")
    off = run_cli("clean", str(article), "--skip", "grammar")
    assert PITCHES["gardening blog"] in off.stdout.decode()  # the model is off by default
    config = tmp_path / "pipeline.toml"
    default = (REPO / "cleaner" / "defaults" / "pipeline.toml").read_text(encoding="utf-8")
    config.write_text(
        f'rules_dir = "{REPO / "rules"}"\n{default}\n[options.chrome]\nline_model = true\n',
        encoding="utf-8",
    )
    result = run_cli(
        "clean", str(article), "--skip", "grammar", "--explain", "--config", str(config)
    )
    assert result.returncode == 0, result.stderr.decode()
    assert PITCHES["gardening blog"] not in result.stdout.decode()
    explained = [line for line in result.stderr.decode().splitlines() if MODEL_RULE_ID in line]
    assert len(explained) == 1
    assert "Download our free planting guide" in explained[0]
    assert "p(chrome) = 0." in explained[0]


def test_a_broken_model_file_stops_the_run_naming_it(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules" / "chrome", rules / "chrome")
    (rules / "chrome" / MODEL_FILE_NAME).write_text('{"format": "cleaner-short-line-model"')
    config = tmp_path / "pipeline.toml"
    config.write_text(
        f'rules_dir = "{rules}"\nstages = ["decode", "language", "chrome"]\n'
        "[options.chrome]\nline_model = true\n"
    )
    article = tmp_path / "story.txt"
    article.write_text(_with_pitch("city news"), encoding="utf-8")
    result = run_cli("clean", str(article), "--config", str(config))
    assert result.returncode == 2
    assert str(rules / "chrome" / MODEL_FILE_NAME) in result.stderr.decode()
    assert "not valid JSON" in result.stderr.decode()
    assert result.stdout == b""


def test_a_changed_model_changes_the_pipelines_fingerprint(tmp_path: Path) -> None:
    """A corpus run resumes what its fingerprint calls done: a retrained model must not."""
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    config = replace(PipelineConfig.load(), rules_dir=rules)
    before = config.fingerprint()
    model = rules / "chrome" / MODEL_FILE_NAME
    data = json.loads(model.read_text(encoding="utf-8"))
    data["threshold"] = 0.99
    model.write_text(json.dumps(data), encoding="utf-8")
    assert config.fingerprint() != before


def test_a_long_run_of_edge_lines_is_judged_a_bounded_number_of_times() -> None:
    """Lines the model calls chrome only as a page's last lines went three by three, one
    pass each, in time growing with the run's square (1,000 lines: 335 passes, 8 s)."""
    body = [
        "The harbour board reopened the north pier on Monday after the storm, officials said,"
        " and the cafe will follow."
    ] * 5
    run = [
        f"Related stories appeared in several local papers that week. {n}"
        for n in range(1000, 1300)
    ]
    lines = ["Harbour News", *body, *run]
    text = "".join(line + "\n" for line in lines)
    kept, offset = [], 0
    for line in lines:
        kept.append(chrome.Kept(offset, offset + len(line) + 1, ""))
        offset += len(line) + 1
    removals: list[Replacement] = []
    left = chrome.model_removals(load_line_model(MODEL), text, kept, removals)
    assert 0 < len(removals) <= 9  # three passes of three edge lines
    assert len(left) == len(lines) - len(removals)
