"""A real LanguageTool server for the tests that need one (imported by their modules).

One server for the whole test run: the fixture hands out one
:class:`cleaner.languagetool.LanguageToolService`, closed when the run ends; like every grammar
stage and rule check, it finds the background server of the run's private LanguageTool home
(see ``tests/conftest.py``), which the run stops when it ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from cleaner import languagetool as lt


@pytest.fixture(scope="session")
def lt_service() -> Iterator[lt.LanguageToolService]:
    with lt.running_service() as service:
        try:
            service.url()
        except lt.LanguageToolError as exc:
            pytest.fail(f"these tests need a real LanguageTool server: {exc}")
        yield service


QUICK_START_JAVA_OPTS = " ".join((*lt.DEFAULT_JAVA_OPTS, "-XX:TieredStopAtLevel=1"))
"""JVM flags for a server asked only a few checks: without the JVM's optimising compiler its
start takes about a third of the CPU (7-9 s instead of 19-23 s); the long checking runs of the
shared server keep the default flags, which check faster once warm."""


@pytest.fixture
def quick_start_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The servers a test starts for itself (to kill, pause or stop) start quickly. The shared
    server of ``lt_service`` is session-scoped, so it is started before this takes effect."""
    if lt.JAVA_OPTS_ENV not in os.environ:
        monkeypatch.setenv(lt.JAVA_OPTS_ENV, QUICK_START_JAVA_OPTS)
