"""The examples in the library's docstrings run and hold: they are the first code users copy."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

import cleaner
import cleaner.api


@pytest.mark.parametrize("module", [cleaner, cleaner.api], ids=lambda m: m.__name__)
def test_docstring_examples_hold(module: ModuleType) -> None:
    outcome = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert outcome.attempted > 0, f"{module.__name__} has no docstring examples to run"
    assert outcome.failed == 0
