"""The lists in conftest.py that put tests in the slow tier name only tests that exist."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FAST_REPRESENTATIVES, REPO, SLOW_TESTS, is_slow, unknown_tier_names


def test_every_name_in_the_tier_lists_is_a_test() -> None:
    assert unknown_tier_names() == []


def test_the_fast_tier_keeps_a_real_languagetool_server_and_the_real_command() -> None:
    """A listed representative stays fast though it takes the server; the rest that take it,
    and the rest of a slow module, are slow."""
    representative = "test_a_plain_clean_applies_fixes_and_collects_no_findings"
    assert representative in FAST_REPRESENTATIVES
    assert not is_slow("test_grammar", representative, ("tmp_path", "lt_service"))
    assert is_slow("test_grammar", "test_stage_is_idempotent_on_its_output", ("lt_service",))
    assert is_slow("test_grammar_evidence", "test_x", ("request", "lt_service"))
    assert is_slow("test_clean_cli", "test_x", ("tmp_path",))
    assert not is_slow(
        "test_clean_cli", "test_every_stage_declares_the_options_its_build_reads", ()
    )
    assert not is_slow("test_aeb_score", "test_x", ("tmp_path",))
    assert is_slow("test_aeb_score", "test_reproduces_published_trafilatura_figure", ())


def test_a_renamed_slow_test_stops_the_run_naming_it(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    shutil.copytree(REPO / "tests", tests, ignore=shutil.ignore_patterns("__pycache__"))
    renamed = "test_reproduces_published_trafilatura_figure"
    assert renamed in SLOW_TESTS
    (owner,) = [p for p in tests.glob("test_*.py") if f"def {renamed}(" in p.read_text()]
    owner.write_text(owner.read_text().replace(f"def {renamed}(", f"def {renamed}_v2("))

    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_doctests.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 4, run.stdout + run.stderr  # pytest's usage error
    assert f"SLOW_TESTS: {renamed}" in run.stderr
    assert "no test file defines" in run.stderr
