"""Shared fixtures: paths to the shared samples and a pipeline without the network-bound stages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "samples" / "000_4b0a173bbebc4d8d.txt"
SPUN_DIR = SHARED / "samples" / "spun"
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"
CLEANER_BIN = Path(sys.executable).parent / "cleaner"


def _private_languagetool_home() -> Path | None:
    """Tests use a LanguageTool home of their own (its version folder links to the real
    install), so the background server they start is theirs alone and stopped at the end.
    Set once in the controlling process; xdist workers inherit it and share one server."""
    if os.environ.get("CLEANER_TEST_LANGUAGETOOL_HOME"):
        return Path(os.environ["CLEANER_TEST_LANGUAGETOOL_HOME"])
    from cleaner import languagetool as lt

    if not lt.is_installed():
        return None
    home = Path(tempfile.mkdtemp(prefix="cleaner-test-languagetool-"))
    (home / lt.LANGUAGETOOL_VERSION).symlink_to(lt.install_dir())
    os.environ["CLEANER_TEST_LANGUAGETOOL_HOME"] = os.environ[lt.HOME_ENV] = str(home)
    # A server left by a test that died goes on its own.
    os.environ.setdefault(lt.IDLE_ENV, "300")
    return home


PRIVATE_LANGUAGETOOL_HOME = _private_languagetool_home()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if PRIVATE_LANGUAGETOOL_HOME is None or hasattr(session.config, "workerinput"):
        return  # only the controlling process stops the server, after every worker is done
    from cleaner import languagetool as lt

    lt.stop_background(PRIVATE_LANGUAGETOOL_HOME)
    shutil.rmtree(PRIVATE_LANGUAGETOOL_HOME, ignore_errors=True)


# Stages written for issue 2; repair and grammar have tests of their own.
CORE_SKIP = ("repair", "grammar")


@pytest.fixture(scope="session")
def reference_bytes() -> bytes:
    if not REFERENCE.exists():
        pytest.fail(f"shared sample missing: {REFERENCE} (../shared must sit beside the repo)")
    return REFERENCE.read_bytes()


@pytest.fixture(scope="session")
def core_cleaner():  # type: ignore[no-untyped-def]
    from cleaner import Cleaner

    return Cleaner.from_config(skip=CORE_SKIP)


def run_cli(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Run the real `cleaner` command in a subprocess."""
    env = dict(os.environ)
    env.pop("CLEANER_LANGUAGETOOL_URL", None)
    return subprocess.run(
        [str(CLEANER_BIN), *args],
        input=stdin,
        capture_output=True,
        cwd=cwd or REPO,
        env=env,
        timeout=timeout,
        check=False,
    )


# Modules whose every test starts a real service (LanguageTool, Ray, a browser) or kills and
# restarts processes: the slow tier. Tests elsewhere that take a real LanguageTool server
# through the `lt_service` fixture are slow too; `make test-fast` runs everything else.
SLOW_MODULES = frozenset(
    {
        "test_languagetool",
        "test_grammar",
        "test_integrations_ray",
        "test_integrations_datatrove",
        "test_corpus_kill",
        "test_reference_full",
    }
)


# Single tests elsewhere that take many seconds: whole-benchmark passes, a 50 MB line, a
# LanguageTool server killed mid-run.
SLOW_TESTS = frozenset(
    {
        "test_corpus_run_with_languagetool_killed_stops_cleanly_and_resumes",
        "test_reproduces_published_trafilatura_figure",
        "test_huge_single_line_is_refused_then_cleaned_with_a_higher_limit",
        "test_ground_truth_bodies_lose_only_reviewed_chrome_lines",
        "test_cleaner_reaches_target_on_the_benchmark",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        if (
            module in SLOW_MODULES
            or getattr(item, "originalname", item.name) in SLOW_TESTS
            or "lt_service" in getattr(item, "fixturenames", ())
        ):
            item.add_marker(pytest.mark.slow)
