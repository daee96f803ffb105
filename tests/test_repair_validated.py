"""Rule files found valid are not compiled again: the marker cache of repair rule files.

Every test points ``XDG_CACHE_HOME`` at its own folder. What must hold: a valid file is
marked and loads to the same rules from the marker; a file with a problem is never marked and
fails with the same message every time; an edited file is checked again; a cache that cannot
be written changes nothing but the time; ``cleaner rules check`` never trusts a marker; markers
of bytes no file holds any more are swept, never a young one nor one of a current file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
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


HOURS_AGO = 2 * 3600


def age(path: Path, seconds: float = HOURS_AGO) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_marker_names_its_file_and_goes_once_the_file_has_other_bytes(
    tmp_path: Path, cache: Path
) -> None:
    path = write(tmp_path / "rules", VALID)
    load_rules(path.parent)
    first = marker(path)
    assert first.read_bytes() == os.fsencode(path)
    age(first)
    write(tmp_path / "rules", VALID.replace("lease", "loan"))
    load_rules(path.parent)  # a new marker, and a sweep
    assert sorted(cache.iterdir()) == [marker(path)] and not first.exists()


def test_a_young_marker_is_never_swept(tmp_path: Path, cache: Path) -> None:
    """Another process may have just written it for bytes it is still loading."""
    path = write(tmp_path / "rules", VALID)
    load_rules(path.parent)
    first = marker(path)
    write(tmp_path / "rules", VALID.replace("lease", "loan"))
    load_rules(path.parent)
    assert first.exists() and marker(path).exists()


def test_a_sweep_keeps_old_markers_of_current_files_and_removes_the_rest(
    tmp_path: Path, cache: Path
) -> None:
    kept = write(tmp_path / "kept", VALID)
    gone = write(tmp_path / "gone", VALID.replace("lease", "loan"))
    load_rules(kept.parent)
    load_rules(gone.parent)
    kept_marker, gone_marker = marker(kept), marker(gone)
    gone.unlink()
    legacy = cache / ("0" * 64)  # an empty marker of an earlier version: names no file
    legacy.touch()
    stray_temp = cache / ".cleaner.123.0123abcd.tmp"  # a write that was killed
    stray_temp.write_bytes(b"/x")
    young_temp = cache / ".cleaner.124.0123abcd.tmp"  # a write going on now
    young_temp.write_bytes(b"/x")
    unrelated = cache / "README"
    unrelated.write_text("not ours")
    for path in (kept_marker, gone_marker, legacy, stray_temp, unrelated):
        age(path)
    validated.sweep(cache, SCHEMA)
    assert sorted(cache.iterdir()) == sorted([kept_marker, young_temp, unrelated])


def test_a_sweep_looks_at_a_bounded_number_of_entries(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.mkdir(parents=True)
    for number in range(10):
        stale = cache / f"{number:064x}"
        stale.touch()
        age(stale)
    monkeypatch.setattr(validated, "SWEEP_MAX_ENTRIES", 4)
    validated.sweep(cache, SCHEMA)
    assert len(list(cache.iterdir())) == 6


LOAD_AND_SWEEP = """
import sys
from pathlib import Path
from cleaner.rules.repair import load_rules
assert [r.rule_id for r in load_rules(Path(sys.argv[1]))] == ["demo.year"]
"""


def test_processes_sweeping_at_once_keep_every_current_marker(tmp_path: Path, cache: Path) -> None:
    """Real processes, each writing a marker for a new file and sweeping, all at once, in a
    folder of old markers: the current ones all stay, the orphaned ones all go."""
    current = [write(tmp_path / f"old{n}", VALID.replace("lease", f"lease {n}")) for n in range(3)]
    orphaned = [write(tmp_path / f"gone{n}", VALID.replace("lease", f"loan {n}")) for n in range(3)]
    for path in current + orphaned:
        load_rules(path.parent)
        age(marker(path))
    orphaned_markers = [marker(path) for path in orphaned]
    for path in orphaned:
        path.unlink()
    fresh = [
        write(tmp_path / f"new{n}", VALID.replace("lease", f"lease new {n}")) for n in range(4)
    ]
    processes = [
        subprocess.Popen([sys.executable, "-c", LOAD_AND_SWEEP, str(path.parent)]) for path in fresh
    ]
    assert [process.wait(timeout=120) for process in processes] == [0] * len(fresh)
    assert sorted(cache.iterdir()) == sorted(marker(path) for path in current + fresh)
    assert not any(path.exists() for path in orphaned_markers)


@pytest.mark.skipif(not shutil.which("setpriv"), reason="needs setpriv (util-linux)")
def test_an_unreadable_cache_folder_means_checking_the_rules_again(tmp_path: Path) -> None:
    """A cache folder the user may not look inside (a shared HOME): cleaning goes on; it
    stopped before the first document with 'Permission denied'."""
    cache = tmp_path / "cache"
    (cache / "cleaner" / "repair-rules").mkdir(parents=True)
    (cache / "cleaner").chmod(0)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    # Without the capabilities that let root read any folder, the mode holds for root too.
    proc = subprocess.run(
        ["setpriv", "--bounding-set=-all",
         str(Path(sys.executable).parent / "cleaner"), "clean", "-", "--skip", "grammar"],
        input=b"He came with out his coat on one in all the coldest days this 12 months.\n",
        capture_output=True, env=env, cwd="/",
        check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    # Spun enough for the gate (three signatures of three rules), so the rules must be read.
    assert proc.stdout == b"He came without his coat on one of the coldest days this year.\n"
