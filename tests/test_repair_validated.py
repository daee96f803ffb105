"""Rule files found valid are not compiled again: the marker cache of repair rule files.

Every test points ``XDG_CACHE_HOME`` at its own folder. What must hold: a valid file is
marked and loads to the same rules from the marker; a file with a problem is never marked and
fails with the same message every time; an edited file is checked again; a cache that cannot
be written changes nothing but the time; ``cleaner rules check`` never trusts a marker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.rules.repair import check_file, load_rules, validated
from cleaner.rules.source import RuleError, load_rule_file

SCHEMA = Path(validated.__file__).with_name("schema.py")

HEADER = '[meta]\nkind = "repair"\ntheme = "demo"\ndescription = "d"\n\n'
VALID = """[[rules]]
id = "demo.year"
pattern = "(?i)\\\\b(this|final) 12 months\\\\b"
replace = "\\\\1 year"
forbid_before = "\\\\bthe "
keep = ["the final 12 months of a lease"]
examples = [["Sales rose this 12 months.", "Sales rose this year."]]
"""
INVALID = VALID.replace("forbid_before = ", 'forbid_after = "(unclosed"\nforbid_before = ')


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "cleaner" / "repair-rules"


def write(folder: Path, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "demo.toml"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def marker(path: Path) -> Path:
    return validated.cache_root() / validated.content_key(path.read_bytes(), SCHEMA)


def test_a_valid_file_is_marked_and_loads_the_same_from_its_marker(
    tmp_path: Path, cache: Path
) -> None:
    path = write(tmp_path / "rules", VALID)
    first = load_rules(path.parent)
    assert marker(path).is_file() and marker(path).parent == cache
    again = load_rules(path.parent)
    assert again == first and again[0].forbid_before == r"\bthe "


def test_a_file_with_a_problem_is_never_marked(tmp_path: Path, cache: Path) -> None:
    path = write(tmp_path / "rules", INVALID)
    messages = []
    for _ in range(2):
        with pytest.raises(RuleError) as error:
            load_rules(path.parent)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert (
        messages[0].startswith(f"{path}:") and "'forbid_after' is not a valid regex" in messages[0]
    )
    assert not marker(path).exists() and not any(cache.glob("*"))


def test_an_edited_file_is_checked_again(tmp_path: Path, cache: Path) -> None:
    path = write(tmp_path / "rules", VALID)
    load_rules(path.parent)
    write(tmp_path / "rules", INVALID)
    with pytest.raises(RuleError, match="'forbid_after' is not a valid regex"):
        load_rules(path.parent)


def test_a_cache_that_cannot_be_written_costs_only_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    path = write(tmp_path / "rules", VALID)
    assert [r.rule_id for r in load_rules(path.parent)] == ["demo.year"]
    with pytest.raises(RuleError, match="not a valid regex"):
        load_rules(write(tmp_path / "rules", INVALID).parent)


def test_rules_check_never_trusts_a_marker(tmp_path: Path, cache: Path) -> None:
    path = write(tmp_path / "rules", INVALID)
    cache.mkdir(parents=True)
    marker(path).touch()  # a marker for these very bytes, as if they had been valid
    problems = check_file(load_rule_file(path))
    assert len(problems) == 1 and "'forbid_after' is not a valid regex" in str(problems[0])
