"""Where the rules come from: $CLEANER_RULES_DIR, the checkout, the wheel; a missing or empty
rules folder is refused with its name instead of cleaning nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REFERENCE, REPO, ZEBRA_RULE, run_cli

from cleaner import Cleaner
from cleaner.errors import ConfigError
from cleaner.rules.location import RULES_DIR_ENV, locate_rules_dir


def own_rules(tmp_path: Path) -> Path:
    """A rules folder of one chrome rule, like one a user keeps outside the checkout."""
    rules = tmp_path / "my-rules"
    (rules / "chrome").mkdir(parents=True)
    (rules / "chrome" / "zebra.toml").write_text(ZEBRA_RULE, encoding="utf-8")
    return rules


def test_a_checkout_uses_its_own_rules_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RULES_DIR_ENV, raising=False)
    assert locate_rules_dir().path == REPO / "rules"


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda tmp: tmp / "nonexistent", "does not exist"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "holds no rule files (*.toml)"),
        (lambda tmp: (tmp / "file").write_text("x") and tmp / "file", "is not a folder"),
    ],
    ids=["missing", "empty", "a-file"],
)
def test_clean_refuses_an_unusable_rules_folder(tmp_path: Path, make: object, problem: str) -> None:
    rules = make(tmp_path)  # type: ignore[operator]
    done = run_cli("clean", str(REFERENCE), "--skip", "grammar", "--rules", str(rules))
    assert done.returncode == 2, done.stderr.decode()
    assert f"rules folder {rules} {problem}" in done.stderr.decode()
    assert done.stdout == b"", "nothing is cleaned without rules"


def test_a_wrong_rules_dir_in_a_pipeline_file_is_refused(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text('stages = ["decode", "chrome"]\nrules_dir = "rulez"\n', encoding="utf-8")
    done = run_cli("clean", str(REFERENCE), "--config", str(pipeline))
    assert done.returncode == 2
    assert f"rules folder {tmp_path / 'rulez'} does not exist" in done.stderr.decode()
    with pytest.raises(ConfigError, match="rulez does not exist"):
        Cleaner.from_config(pipeline)


def test_corpus_refuses_a_missing_rules_folder_before_writing(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Advertisement\n\nText.\n", encoding="utf-8")
    out = tmp_path / "out"
    done = run_cli(
        "corpus",
        str(tmp_path / "in"),
        str(out),
        "--skip",
        "grammar",
        "--rules",
        str(tmp_path / "nope"),
    )
    assert done.returncode == 2
    assert f"rules folder {tmp_path / 'nope'} does not exist" in done.stderr.decode()
    assert not out.exists()


def test_a_stage_option_naming_a_missing_rules_path_is_refused(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(
        f'stages = ["decode", "chrome"]\n[options.chrome]\nrules = "{tmp_path / "gone"}"\n',
        encoding="utf-8",
    )
    done = run_cli("clean", str(REFERENCE), "--config", str(pipeline))
    assert done.returncode == 2
    assert (
        f"stage chrome: option 'rules': {tmp_path / 'gone'} does not exist" in done.stderr.decode()
    )


def test_pipelines_without_rule_stages_need_no_rules(tmp_path: Path) -> None:
    done = run_cli(
        "clean",
        "-",
        "--skip",
        "chrome,captions,repair,grammar,tidy",
        "--rules",
        str(tmp_path / "nope"),
        stdin=b"Plain text.\n",
    )
    assert (done.returncode, done.stdout) == (0, b"Plain text.\n"), done.stderr.decode()


def test_rules_dir_from_the_environment_is_used_by_clean_and_rules_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = own_rules(tmp_path)
    monkeypatch.setenv(RULES_DIR_ENV, str(rules))
    done = run_cli(
        "clean",
        "-",
        "--skip",
        "grammar",
        cwd=tmp_path,
        stdin=b"The council met.\n\nZebra crossing ahead\n\nIt voted.\n",
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == "The council met.\n\nIt voted.\n"
    checked = run_cli("rules", "check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr.decode()
    assert "1 files, 1 rules, 0 problems" in checked.stdout.decode()


def test_rules_check_says_which_path_is_missing_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RULES_DIR_ENV, str(tmp_path / "gone"))
    done = run_cli("rules", "check", cwd=tmp_path)
    assert done.returncode == 1
    assert (
        f"{tmp_path / 'gone'}: no such file or folder (the default rules folder: ${RULES_DIR_ENV})"
        in done.stderr.decode()
    )
    given = run_cli("rules", "check", str(tmp_path / "typo"), cwd=tmp_path)
    assert given.returncode == 1
    assert (
        f"{tmp_path / 'typo'}: no such file or folder (given on the command line)"
        in given.stderr.decode()
    )
