"""A real LanguageTool server for the tests that need one (imported by their modules).

One server for the whole test run: the fixture hands out
:func:`cleaner.languagetool.shared_service`, the same handle the grammar stage and the rule
checks use; it finds the background server of the run's private LanguageTool home (see
``tests/conftest.py``), which the run stops when it ends.
"""

from __future__ import annotations

import pytest

from cleaner import languagetool as lt


@pytest.fixture(scope="session")
def lt_service() -> lt.LanguageToolService:
    service = lt.shared_service()
    try:
        service.url()
    except lt.LanguageToolError as exc:
        pytest.fail(f"these tests need a real LanguageTool server: {exc}")
    return service
