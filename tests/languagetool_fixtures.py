"""A real LanguageTool server for the tests that need one (imported by their modules).

One server for the whole test run: the fixture hands out one
:class:`cleaner.languagetool.LanguageToolService`, closed when the run ends; like every grammar
stage and rule check, it finds the background server of the run's private LanguageTool home
(see ``tests/conftest.py``), which the run stops when it ends.
"""

from __future__ import annotations

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
