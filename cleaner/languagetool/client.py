"""Talking to a LanguageTool server through language-tool-python.

Two of the library's habits are corrected here: it reports offsets in UTF-16 code units and
corrects the offset but not the length of a match that spans an emoji, through class-level
state (``Match.PREVIOUS_MATCHES_TEXT``) that is not safe when threads check at once, so matches
are built here from the server's JSON; and it waits 300 s a try, twice, on a hung server, so
each request here is one try with our own time limit (:data:`REQUEST_TIMEOUT_S`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import language_tool_python as ltp
import requests
from language_tool_python.exceptions import LanguageToolError as LibraryError

from cleaner.languagetool.settings import (
    REQUEST_TIMEOUT_S,
    START_TIMEOUT_S,
    LanguageToolError,
    RequestFailed,
)
from cleaner.processes import pid_alive


@dataclass(frozen=True, slots=True)
class Match:
    """One LanguageTool match, with ``offset``/``length`` in Python characters."""

    rule_id: str
    offset: int
    length: int
    message: str
    replacements: tuple[str, ...]
    category: str
    issue_type: str


def _utf16_to_index(text: str) -> list[int] | None:
    """Map UTF-16 offsets to ``str`` indices, or ``None`` when they coincide (no astral chars)."""
    if all(ord(ch) <= 0xFFFF for ch in text):
        return None
    mapping: list[int] = []
    for index, ch in enumerate(text):
        mapping.append(index)
        if ord(ch) > 0xFFFF:
            mapping.append(index)
    mapping.append(len(text))
    return mapping


def parse_matches(payload: dict[str, Any], text: str) -> list[Match]:
    """Turn a ``/v2/check`` response for ``text`` into :class:`Match` objects, with offsets and
    lengths converted from UTF-16 code units to characters."""
    mapping = _utf16_to_index(text)
    matches: list[Match] = []
    for raw in payload.get("matches", []):
        start16 = int(raw["offset"])
        end16 = start16 + int(raw["length"])
        if mapping is None:
            start, end = start16, end16
        else:
            start, end = (
                mapping[min(start16, len(mapping) - 1)],
                mapping[min(end16, len(mapping) - 1)],
            )
        rule = raw.get("rule", {})
        matches.append(
            Match(
                rule_id=str(rule.get("id", "")),
                offset=start,
                length=end - start,
                message=str(raw.get("message", "")),
                replacements=tuple(str(r.get("value", "")) for r in raw.get("replacements", [])),
                category=str(rule.get("category", {}).get("id", "")),
                issue_type=str(rule.get("issueType", "")),
            )
        )
    return matches


class Client:
    """language-tool-python talking to one server at ``url``: one ``LanguageTool`` object per
    language (its settings are per object), each request one try within ``timeout``."""

    def __init__(self, url: str, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._tools: dict[str, Any] = {}
        self._languages: frozenset[str] | None = None
        self._lock = threading.Lock()

    def languages(self) -> frozenset[str]:
        """Language codes the server checks (``en``, ``en-US``, ``pt``...)."""
        with self._lock:
            if self._languages is None:
                self._languages = frozenset(self._tool("en-US")._get_languages())
            return self._languages

    def _tool(self, language: str) -> Any:
        tool = self._tools.get(language)
        if tool is None:
            # A subclass carrying our time limit: the library's class (300 s) stays untouched,
            # and it applies from the first request (the language list) on.
            limited = type(
                "TimeLimitedLanguageTool", (ltp.LanguageTool,), {"_TIMEOUT": self.timeout}
            )
            try:
                tool = limited(language, remote_server=self.url)
            except LibraryError as exc:
                raise _failure(self.url, exc, self.timeout) from exc
            except ValueError as exc:  # a language the server does not have
                raise LanguageToolError(f"LanguageTool at {self.url}: {exc}") from exc
            if language not in ("en-US", "en"):
                # The first check in a language loads its tagger and rules, which can take
                # longer than a request may: pay for it once, with the start's time limit.
                with contextlib.suppress(requests.RequestException):
                    requests.post(
                        self.url + "/v2/check",
                        data={"text": "Ok.", "language": language},
                        timeout=START_TIMEOUT_S,
                    ).close()
            self._tools[language] = tool
        return tool

    def check(
        self, text: str, language: str = "en-US", only_rules: Sequence[str] = ()
    ) -> list[Match]:
        """LanguageTool's matches in ``text``: of every rule, or of ``only_rules`` alone
        (the server then runs only those, several times faster)."""
        with self._lock:
            tool = self._tool(language)
        params = tool._create_params(text)
        if only_rules:
            params.update(enabledRules=",".join(only_rules), enabledOnly="true")
        try:
            payload = tool._query_server(self.url + "/v2/check", params, num_tries=1, method="post")
        except LibraryError as exc:
            raise _failure(self.url, exc, self.timeout) from exc
        if not isinstance(payload, dict):
            raise RequestFailed(f"LanguageTool at {self.url} sent an unexpected answer")
        return parse_matches(payload, text)


def _failure(url: str, exc: Exception, timeout: float) -> RequestFailed:
    cause = exc.__cause__
    if isinstance(cause, requests.Timeout):
        return RequestFailed(f"LanguageTool at {url} did not answer within {timeout:g} s")
    if isinstance(cause, (requests.ConnectionError, OSError)):
        return RequestFailed(f"LanguageTool at {url} did not answer: {cause}")
    return RequestFailed(f"LanguageTool at {url} failed: {str(exc)[:300]}")


def is_healthy(url: str, timeout: float = 10.0) -> bool:
    """True when the server answers a real check (not merely accepts connections)."""
    try:
        response = requests.post(
            url.rstrip("/") + "/v2/check",
            data={"text": "Hello world.", "language": "en-US"},
            timeout=timeout,
        )
        return response.status_code == 200 and "matches" in response.json()
    except (requests.RequestException, ValueError):
        return False


HEALTH_TIMEOUT_S = 20.0
"""How long a server suspected of hanging gets to answer "Hello world." A busy one (every
check thread taken, a language loading) answers within this; a hung one does not."""


def _group_stopped(pid: int) -> bool:
    """Whether ``pid`` or a process of its group is stopped (SIGSTOP): it cannot answer."""
    with contextlib.suppress(OSError):
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError):
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pid and fields[0] in ("T", "t"):
                    return True
    return False


def server_answers(url: str, pid: int | None = None) -> bool:
    """After a failed request: is the server at ``url`` (process group ``pid``) still
    serving? Not if its processes are stopped or gone, or it does not answer a check."""
    if pid is not None and (not pid_alive(pid) or _group_stopped(pid)):
        return False
    return is_healthy(url, timeout=HEALTH_TIMEOUT_S)


def post_check(
    url: str, text: str, language: str = "en-US", timeout: float = REQUEST_TIMEOUT_S
) -> list[Match]:
    """One check against ``url`` (for benchmarks and tools; stages go through a service)."""
    return Client(url, timeout).check(text, language)
