"""The handle the grammar stage checks through: a given URL, or the background server.

A :class:`LanguageToolService` is an object its owner closes: the grammar stage makes one when
it is built, the pipeline that holds the stage closes it (``Pipeline.close``), and a rule
check makes and closes its own. Nothing about it lives in module globals.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cleaner.languagetool.client import Client, Match, is_healthy, server_answers
from cleaner.languagetool.install import is_installed
from cleaner.languagetool.process import ServerProcess, check_threads, start_server
from cleaner.languagetool.registry import ServerState, read_state, start_background, touch
from cleaner.languagetool.settings import (
    LANGUAGETOOL_VERSION,
    REQUEST_TIMEOUT_S,
    START_TIMEOUT_S,
    URL_ENV,
    LanguageToolError,
    RequestFailed,
    idle_timeout_setting,
)


def _warn(message: str) -> None:
    print(f"cleaner: warning: {message}", file=sys.stderr, flush=True)


class LanguageToolService:
    """A reachable LanguageTool for one process: a given URL, or the background server
    (started when none runs). Thread-safe; the grammar stage checks paragraphs in parallel.

    ``check`` raises :class:`RequestFailed` for one failed request (time limit, server gone
    while answering); the background server is then checked and, if it does not answer,
    replaced (with a warning on stderr) so the next document finds a working one.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        home: Path | None = None,
        use_background: bool = True,
        start_timeout: float = START_TIMEOUT_S,
        request_timeout: float = REQUEST_TIMEOUT_S,
        idle_timeout: float | None = None,
    ) -> None:
        self._url_argument = url
        self._given_url = url or os.environ.get(URL_ENV) or None
        self._home = home
        self._use_background = use_background
        self._start_timeout = start_timeout
        self.request_timeout = request_timeout
        self._idle_timeout_argument = idle_timeout
        self._idle_timeout = idle_timeout_setting() if idle_timeout is None else idle_timeout
        self._server: ServerProcess | None = None
        self._state: ServerState | None = None
        self._client: Client | None = None
        self._lock = threading.Lock()
        self._last_touch = 0.0
        self._executor: tuple[int, ThreadPoolExecutor] | None = None
        self.restarts = 0

    def __reduce__(self) -> tuple[Any, ...]:
        """A copy for another process (a Ray worker): the same settings, nothing started."""
        settings = {
            "home": self._home,
            "use_background": self._use_background,
            "start_timeout": self._start_timeout,
            "request_timeout": self.request_timeout,
            "idle_timeout": self._idle_timeout_argument,
        }
        return (_rebuild, (self._url_argument, settings))

    @property
    def server(self) -> ServerProcess | None:
        """The server this handle started for itself (``use_background=False``), if any."""
        return self._server

    @property
    def background(self) -> ServerState | None:
        """The background server in use, if that is what this handle uses."""
        return self._state

    def url(self) -> str:
        return self.client().url

    def client(self) -> Client:
        with self._lock:
            return self._ensure_client()

    def _ensure_client(self) -> Client:
        if self._client is not None:
            return self._client
        if self._given_url:
            if not is_healthy(self._given_url):
                raise LanguageToolError(
                    f"LanguageTool at {self._given_url} is not reachable "
                    f"(from --languagetool-url or ${URL_ENV}); start it, drop the option to let "
                    "cleaner start its own server, or skip the stage with `--skip grammar`"
                )
            self._client = Client(self._given_url, self.request_timeout)
            return self._client
        if self._use_background:
            self._state = self._background()
            self._client = Client(self._state.url, self.request_timeout)
            return self._client
        self._server = start_server(self._home, timeout=self._start_timeout)
        self._client = Client(self._server.url, self.request_timeout)
        return self._client

    def _background(self, replace_pid: int | None = None) -> ServerState:
        state = read_state(self._home)
        if (
            replace_pid is None
            and state is not None
            and state.version == LANGUAGETOOL_VERSION
            and is_healthy(state.url)
        ):
            touch(self._home)
            return state
        # Said only when a server can start: a missing install is refused by start_background
        # next, and "starting a server" before "not installed" told of a start that never was.
        if replace_pid is None and is_installed(self._home):
            _warn(
                "starting a LanguageTool server in the background; it stops after "
                f"{self._idle_timeout / 60:g} min unused (now: `cleaner languagetool stop`)"
            )
        state, _ = start_background(
            self._home, idle_timeout=self._idle_timeout, replace_pid=replace_pid
        )
        return state

    def languages(self) -> frozenset[str]:
        return self.client().languages()

    def check(
        self, text: str, language: str = "en-US", only_rules: Sequence[str] = ()
    ) -> list[Match]:
        client = self.client()
        self._touch()
        try:
            return client.check(text, language, only_rules)
        except RequestFailed as failure:
            self._recover(client, failure)
            raise

    def _touch(self) -> None:
        now = time.monotonic()
        if self._state is not None and now - self._last_touch > 1.0:
            self._last_touch = now
            touch(self._home)

    def _recover(self, failed: Client, failure: RequestFailed) -> None:
        """After a failed request: keep the server if it still answers, else replace it."""
        if self._given_url:
            if not server_answers(self._given_url):
                raise LanguageToolError(
                    f"LanguageTool at {self._given_url} stopped answering: {failure}"
                ) from failure
            return
        with self._lock:
            if self._client is not failed:
                return  # another thread replaced it already
            if server_answers(failed.url, self._serving_pid()):
                return  # the server is fine, only busy; this one request was too slow
            self.restarts += 1
            try:
                if self._server is not None:
                    self._server.stop(timeout=5.0)
                    self._server = start_server(self._home, timeout=self._start_timeout)
                    new_url = self._server.url
                else:
                    old = self._state.pid if self._state is not None else None
                    self._state = self._background(replace_pid=old)
                    new_url = self._state.url
            except LanguageToolError as exc:
                self._client = None
                raise LanguageToolError(
                    f"LanguageTool stopped answering ({failure}) and could not be restarted: {exc}"
                ) from exc
            _warn(f"{failure}; restarted LanguageTool at {new_url}")
            self._client = Client(new_url, self.request_timeout)

    def _serving_pid(self) -> int | None:
        if self._server is not None:
            return self._server.pid
        return self._state.pid if self._state is not None else None

    def executor(self) -> ThreadPoolExecutor:
        """Threads to send requests in parallel, as many as the server checks at once.
        Made per process: a forked corpus worker inherits the object but not its threads."""
        with self._lock:
            if self._executor is None or self._executor[0] != os.getpid():
                pool = ThreadPoolExecutor(check_threads(), thread_name_prefix="languagetool")
                self._executor = (os.getpid(), pool)
            return self._executor[1]

    def close(self) -> None:
        """Stop the server this handle started for itself (the background one stays up for
        the next run) and the request threads."""
        with self._lock:
            if self._server is not None:
                self._server.stop()
            self._server = None
            self._client = None
            executor, self._executor = self._executor, None
        if executor is not None and executor[0] == os.getpid():
            executor[1].shutdown(wait=True, cancel_futures=True)


def _rebuild(url: str | None, settings: dict[str, Any]) -> LanguageToolService:
    return LanguageToolService(url, **settings)


@contextlib.contextmanager
def running_service(url: str | None = None, **kwargs: Any) -> Iterator[LanguageToolService]:
    service = LanguageToolService(url, **kwargs)
    try:
        yield service
    finally:
        service.close()


def background_url(url: str | None = None) -> str:
    """The LanguageTool every worker of a run should use: ``url`` (or
    ``$CLEANER_LANGUAGETOOL_URL``) when it answers, else the background server, started here
    when none runs. Raises :class:`LanguageToolError` when there is none to be had."""
    with running_service(url) as service:
        return service.url()
