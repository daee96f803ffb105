from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORE_SKIP

from cleaner import Cleaner, ConfigError, DocumentError, PipelineConfig, clean
from cleaner.document import Document
from cleaner.pipeline import Pipeline


def test_default_config_has_the_documented_order() -> None:
    config = PipelineConfig.load()
    assert config.stages == (
        "decode",
        "extract",
        "unicode",
        "language",
        "chrome",
        "learned_chrome",
        "captions",
        "repair",
        "grammar",
        "tidy",
    )


def test_skip_and_unknown_stage() -> None:
    config = PipelineConfig.load().without(["grammar", "repair"])
    assert "grammar" not in config.stages and "tidy" in config.stages
    with pytest.raises(ConfigError, match="unknown stage"):
        PipelineConfig.load().without(["grammer"])


def test_custom_pipeline_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('stages = ["decode", "tidy"]\n', encoding="utf-8")
    cleaner = Cleaner.from_config(path)
    result = cleaner.clean("Advertisement\n\n\n\nText.   \n")
    assert result.text == "Advertisement\n\nText.\n", "chrome is not in this pipeline"
    assert list(result.timings) == ["decode", "tidy"]


def test_bad_pipeline_files(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('stages = ["decode", "polish"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"p.toml: unknown stage 'polish'"):
        PipelineConfig.load(path)
    path.write_text("stages = [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid pipeline file"):
        PipelineConfig.load(path)


def test_a_rules_path_that_is_not_a_string_is_a_config_error(tmp_path: Path) -> None:
    """A number where a rules path goes ended in TypeError from Path(5)."""
    path = tmp_path / "p.toml"
    path.write_text("[options.chrome]\nrules = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"p\.toml.*chrome.*rules.*must be a path"):
        Pipeline(PipelineConfig.load(path).without(["repair", "grammar"]))


@pytest.mark.parametrize(
    ("table", "line", "expected"),
    [
        ('[options.extract]\nmarkdown = "yes"', "markdown", "true or false, not the string 'yes'"),
        ("[options.chrome]\nline_model = 1", "line_model", "true or false, not the integer 1"),
        ('[options.language]\nmin_letters = "20"', "min_letters", "an integer, not the string '20'"),
        ("[options.language]\nmin_letters = 2.5", "min_letters", "an integer, not the number 2.5"),
        ("[options.captions]\nsimilarity = true", "similarity", "a number, not true"),
        ('[options.repair]\ndisable = "R1"', "disable", "a list of strings, not the string 'R1'"),
        ("[options.repair]\ndisable = [1]", "disable", "a list of strings, not a list"),
        ("[options.tidy]\nrules = []", "rules", "a path (a string), not an empty list"),
        ("[options.unicode]\nunescape_html = 1", "unescape_html", '"auto", true or false, not'),
        ('[options.learned_chrome]\nlines = ["x"]', "lines", "a list of tables, not a list"),
    ],
)
def test_an_option_of_the_wrong_type_is_refused_naming_file_line_key_and_type(
    tmp_path: Path, table: str, line: str, expected: str
) -> None:
    """Stages read their options with bool(), int(), float() and Path(): a value of the wrong
    type was taken silently ("false" is true) or failed later without naming the file."""
    path = tmp_path / "p.toml"
    path.write_text(f"stages = [\"decode\"]\n{table}\n", encoding="utf-8")
    stage = table.split("]")[0].removeprefix("[options.")
    with pytest.raises(ConfigError) as refused:
        PipelineConfig.load(path)
    assert str(refused.value).startswith(f"{path}:3: [options.{stage}] {line} must be {expected}")


def test_every_stage_option_has_a_type() -> None:
    """The one table of option types and the stages' own OPTIONS name the same options: an
    option added to a stage without a type would go unchecked."""
    from cleaner.registry import STAGE_MODULES, stage_module
    from cleaner.stage_options import OPTION_TYPES

    for stage in STAGE_MODULES:
        assert set(OPTION_TYPES.get(stage, {})) == set(stage_module(stage).OPTIONS), stage


def test_options_of_the_right_type_are_taken(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        '[options.extract]\nmarkdown = true\n[options.grammar]\nfindings = "auto"\n'
        "request_timeout = 5\n[options.captions]\nsimilarity = 1\n"
        '[options.repair]\ndisable = []\n[options.unicode]\nunescape_html = "auto"\n',
        encoding="utf-8",
    )
    config = PipelineConfig.load(path)
    assert config.options["extract"] == {"markdown": True}
    assert config.options["captions"] == {"similarity": 1}


def test_relative_paths_are_taken_from_the_pipeline_files_folder(tmp_path: Path) -> None:
    """They were taken from the working folder; an absolute path is kept as it is."""
    folder = tmp_path / "conf"
    folder.mkdir()
    path = folder / "p.toml"
    path.write_text(
        '[options.chrome]\nrules = "rules/chrome"\n[options.repair]\n'
        f'rules = "../repairs"\ncandidates = "{tmp_path / "candidates"}"\n',
        encoding="utf-8",
    )
    options = PipelineConfig.load(path).options
    assert options["chrome"]["rules"] == str(folder.resolve() / "rules" / "chrome")
    assert options["repair"]["rules"] == str(tmp_path.resolve() / "repairs")
    assert options["repair"]["candidates"] == str(tmp_path / "candidates")


def test_every_path_option_that_is_not_there_is_refused(tmp_path: Path) -> None:
    """A misspelt candidates path was taken for a folder without candidates, silently."""
    path = tmp_path / "p.toml"
    path.write_text('stages = ["decode", "repair"]\n[options.repair]\ncandidates = "nope"\n')
    with pytest.raises(ConfigError, match=rf"option 'candidates': {tmp_path.resolve() / 'nope'} does not exist"):
        Pipeline(PipelineConfig.load(path))


def test_size_limit() -> None:
    cleaner = Cleaner.from_config(skip=CORE_SKIP, max_bytes=10)
    with pytest.raises(DocumentError, match="above the 1e-05 MB limit"):
        cleaner.clean("x" * 11)


def test_stage_crash_becomes_a_document_error() -> None:
    class Exploding:
        name = "boom"
        description = "fails"

        def __call__(self, doc: Document) -> Document:
            raise KeyError("oops")

    pipeline = Pipeline(PipelineConfig(stages=("tidy",)))
    pipeline.stages.append(Exploding())
    with pytest.raises(DocumentError, match="internal error in stage boom: KeyError"):
        pipeline.clean_text("text")


def test_clean_documents_streams_and_isolates_failures() -> None:
    cleaner = Cleaner.from_config(skip=CORE_SKIP)
    results = list(
        cleaner.clean_documents(["Advertisement\n\nOne.", {"text": 5}, {"text": "Two.", "id": "b"}])
    )
    assert results[0].text == "One."
    assert isinstance(results[1], DocumentError)
    assert results[2].text == "Two." and results[2].metadata["id"] == "b"


def test_library_clean_function() -> None:
    result = clean("Advertisement\n\nThe council met on Monday.", skip=CORE_SKIP)
    assert result.text == "The council met on Monday."
    assert next(e.rule_id for e in result.applied_edits) == "ad-slug.advertisement"


def test_fingerprint_changes_with_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "chrome").mkdir(parents=True)
    config = PipelineConfig(stages=("decode",), rules_dir=rules)
    before = config.fingerprint()
    (rules / "chrome" / "a.toml").write_text('[meta]\nkind = "chrome"\n', encoding="utf-8")
    assert config.fingerprint() != before
