"""Where cleaner keeps what it derives once per user (cleaner.cache)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleaner.cache import user_cache_dir


def test_an_absolute_xdg_cache_home_is_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert user_cache_dir("langid") == tmp_path / "cleaner" / "langid"


@pytest.mark.parametrize("value", ["", "relative/cache", "."])
def test_an_empty_or_relative_xdg_cache_home_is_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", value)
    assert user_cache_dir("languagetool") == tmp_path / ".cache" / "cleaner" / "languagetool"


def test_an_unset_xdg_cache_home_means_the_home_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert user_cache_dir("repair-rules") == tmp_path / ".cache" / "cleaner" / "repair-rules"
