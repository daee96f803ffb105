"""LanguageTool: where the server is installed, how it is started and stopped, and a client.

The server is a JVM (``org.languagetool.server.HTTPServer``) installed by
``scripts/install-languagetool.sh`` (``make languagetool``) from Maven Central into
``.cache/languagetool/<version>/lib``. Three ways to reach one, in this order:

1. a URL the user gave (``--languagetool-url`` or ``CLEANER_LANGUAGETOOL_URL``): used as is,
   never started or restarted by us;
2. the background server of ``cleaner languagetool start``, found through its state file;
3. a server started for this process on a free localhost port, stopped at exit (atexit and
   a kill of its process group, so no JVM outlives the run).

The client talks to ``/v2/check`` over plain HTTP (urllib) rather than through
language-tool-python: LanguageTool reports offsets in UTF-16 code units, and
language-tool-python corrects the offset but not the length of a match that spans an
emoji, and does so through class-level mutable state (``Match.PREVIOUS_MATCHES_TEXT``) that
is not safe when several threads check at once.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.errors import ServiceError
from cleaner.processes import pid_alive

LANGUAGETOOL_VERSION = "6.7"
"""Pinned in ``languagetool/pom.xml``; a test checks the two agree."""

MAIN_CLASS = "org.languagetool.server.HTTPServer"

HOME_ENV = "CLEANER_LANGUAGETOOL_HOME"
URL_ENV = "CLEANER_LANGUAGETOOL_URL"
JAVA_OPTS_ENV = "CLEANER_LANGUAGETOOL_JAVA_OPTS"

DEFAULT_JAVA_OPTS = ("-Xmx1g", "-XX:+UseSerialGC")
"""English alone fits in 1 GB with room for the result cache; the serial collector keeps the
RSS and the CPU share small on the 2-core machines the project runs on."""

START_TIMEOUT_S = 180.0
"""JVM start plus loading the English tagger takes ~5 s on an idle machine and several times
that when other processes compete for 2 cores; a real failure shows up as an exited process
long before this."""

REQUEST_TIMEOUT_S = 300.0
"""One chunk of a few thousand characters takes well under a second; a generous bound only
catches a hung server."""

CACHE_SIZE = 5000
"""Sentences whose results the server keeps (``cacheSize``): rechecking a chunk after a fix
then costs only the changed sentences."""

STATE_FILE = "server.json"
INSTALL_HINT = (
    "install LanguageTool with `make languagetool` "
    "(or `bash scripts/install-languagetool.sh`), or skip the stage with `--skip grammar`"
)


class LanguageToolError(ServiceError):
    """LanguageTool is missing, would not start, or stopped answering: the run stops."""


# --- installation -----------------------------------------------------------------------


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def languagetool_home() -> Path:
    """Folder holding one sub-folder per installed version (``$CLEANER_LANGUAGETOOL_HOME``)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return repo_root() / ".cache" / "languagetool"


def install_dir(home: Path | None = None, version: str = LANGUAGETOOL_VERSION) -> Path:
    return (home or languagetool_home()) / version


def is_installed(home: Path | None = None, version: str = LANGUAGETOOL_VERSION) -> bool:
    folder = install_dir(home, version)
    marker = folder / "INSTALLED"
    try:
        return marker.read_text(encoding="utf-8").strip() == version and (folder / "lib").is_dir()
    except OSError:
        return False


def find_java() -> str:
    """The ``java`` executable: ``$JAVA_HOME/bin/java`` first, then ``java`` on the PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise LanguageToolError(
            "cannot start LanguageTool: 'java' (17 or newer) was not found on the PATH "
            "and JAVA_HOME is not set; install Java, or skip the stage with `--skip grammar`"
        )
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the HTTP client --------------------------------------------------------------------


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
    """Turn a ``/v2/check`` response for ``text`` into :class:`Match` objects."""
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


class ServerUnreachable(LanguageToolError):
    """The server did not answer (connection refused, reset, timed out)."""


def post_check(
    url: str, text: str, language: str, timeout: float = REQUEST_TIMEOUT_S
) -> list[Match]:
    """POST ``text`` to ``{url}/v2/check`` and return its matches."""
    body = urllib.parse.urlencode({"text": text, "language": language}).encode("utf-8")
    endpoint = url.rstrip("/") + "/v2/check"
    request = urllib.request.Request(endpoint, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()[:300]
        raise LanguageToolError(
            f"LanguageTool at {url} rejected the request (HTTP {exc.code}): {detail}"
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise ServerUnreachable(f"LanguageTool at {url} did not answer: {reason}") from exc
    except ValueError as exc:
        raise LanguageToolError(f"LanguageTool at {url} sent an answer that is not JSON") from exc
    if not isinstance(payload, dict):
        raise LanguageToolError(
            f"LanguageTool at {url} sent an unexpected answer: {payload!r:.200}"
        )
    return parse_matches(payload, text)


def is_healthy(url: str, timeout: float = 10.0) -> bool:
    """True when the server answers a real check (not merely accepts connections)."""
    try:
        post_check(url, "Hello world.", "en-US", timeout=timeout)
    except LanguageToolError:
        return False
    return True


# --- a server process ---------------------------------------------------------------------


@dataclass
class ServerProcess:
    """A LanguageTool server we started: its process, port and log."""

    pid: int
    port: int
    version: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    start_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return pid_alive(self.pid)

    def stop(self, timeout: float = 10.0, *, keep_log: bool = False) -> None:
        """Stop the server's whole process group: TERM, then KILL after ``timeout``.

        The log goes too (one per port would pile up run after run) unless ``keep_log``:
        a server that failed to start keeps it for the error message to point at.
        """
        _kill_group(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._still_running():
                break
            time.sleep(0.05)
        else:
            _kill_group(self.pid, signal.SIGKILL)
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        if not keep_log:
            with contextlib.suppress(OSError):
                self.log_path.unlink()
        _forget(self)

    def _still_running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return pid_alive(self.pid)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    # The server runs in its own session (start_new_session), so its pid is its group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


# Servers this process started and must stop at exit. Process-wide by nature: atexit is.
_owned: list[ServerProcess] = []
_owned_lock = threading.Lock()


def _forget(server: ServerProcess) -> None:
    with _owned_lock:
        if server in _owned:
            _owned.remove(server)


@atexit.register
def _stop_owned_servers() -> None:
    with _owned_lock:
        servers = list(_owned)
    for server in servers:
        server.stop(timeout=5.0)


def _write_config(folder: Path) -> Path:
    config = folder / "server.properties"
    # Written aside and renamed: another process may be starting a server from it right now.
    tmp = folder / f"server.properties.{os.getpid()}"
    tmp.write_text(
        "# Written by cleaner; see cleaner/languagetool.py.\n"
        "pipelineCaching=true\n"
        f"cacheSize={CACHE_SIZE}\n",
        encoding="utf-8",
    )
    tmp.replace(config)
    return config


def java_command(
    home: Path | None = None, port: int = 8081, version: str = LANGUAGETOOL_VERSION
) -> list[str]:
    folder = install_dir(home, version)
    opts = os.environ.get(JAVA_OPTS_ENV)
    java_opts = opts.split() if opts is not None else list(DEFAULT_JAVA_OPTS)
    return [
        find_java(),
        *java_opts,
        "-cp",
        str(folder / "lib" / "*"),
        MAIN_CLASS,
        "--port",
        str(port),
        "--config",
        str(_write_config(folder)),
    ]


def start_server(
    home: Path | None = None,
    port: int | None = None,
    *,
    timeout: float = START_TIMEOUT_S,
    detached: bool = False,
    version: str = LANGUAGETOOL_VERSION,
) -> ServerProcess:
    """Start a server on ``port`` (a free one by default) and wait until it answers a check.

    A server started with ``detached=False`` belongs to this process and is stopped at exit;
    a detached one (``cleaner languagetool start``) outlives it.
    """
    if not is_installed(home, version):
        raise LanguageToolError(
            f"LanguageTool {version} is not installed in {install_dir(home, version)}: "
            + INSTALL_HINT
        )
    chosen = port or free_port()
    command = java_command(home, chosen, version)
    log_path = install_dir(home, version) / f"server-{chosen}.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=install_dir(home, version),
        )
    server = ServerProcess(
        pid=process.pid, port=chosen, version=version, log_path=log_path, process=process
    )
    if not detached:
        with _owned_lock:
            _owned.append(server)
    try:
        _wait_until_ready(server, timeout)
    except BaseException:
        server.stop(keep_log=True)
        raise
    server.start_seconds = time.monotonic() - started
    if detached:
        # Nothing in this process waits for it; drop the handle so no ResourceWarning fires.
        server.process = None
    return server


def _wait_until_ready(server: ServerProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise LanguageToolError(
                f"LanguageTool exited while starting (see {server.log_path}):\n"
                f"{_log_tail(server.log_path)}\n{INSTALL_HINT}"
            )
        if is_healthy(server.url, timeout=max(1.0, min(30.0, deadline - time.monotonic()))):
            return
        time.sleep(0.2)
    raise LanguageToolError(
        f"LanguageTool did not answer on port {server.port} within {timeout:.0f} s "
        f"(see {server.log_path}); {INSTALL_HINT}"
    )


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def process_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` (Linux ``/proc``), 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


# --- the background server (`cleaner languagetool start|stop|status`) ----------------------


@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int
    version: str
    log_path: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def state_path(home: Path | None = None) -> Path:
    return (home or languagetool_home()) / STATE_FILE


def read_state(home: Path | None = None) -> ServerState | None:
    """The recorded background server, or ``None`` (no file, unreadable, or a dead pid)."""
    path = state_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        state = ServerState(
            pid=int(data["pid"]),
            port=int(data["port"]),
            version=str(data["version"]),
            log_path=str(data.get("log_path", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not pid_alive(state.pid):
        # Stale: the machine restarted or the JVM was killed. Forget it.
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return state


def start_background(home: Path | None = None, port: int | None = None) -> tuple[ServerState, bool]:
    """Start the background server unless one is running; (state, started_now)."""
    existing = read_state(home)
    if existing is not None and is_healthy(existing.url):
        return existing, False
    if existing is not None:
        stop_background(home)
    server = start_server(home, port, detached=True)
    state = ServerState(
        pid=server.pid, port=server.port, version=server.version, log_path=str(server.log_path)
    )
    path = state_path(home)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.__dict__, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return state, True


def stop_background(home: Path | None = None) -> ServerState | None:
    """Stop the background server; the state it had, or ``None`` if none was running."""
    state = read_state(home)
    if state is not None:
        ServerProcess(
            pid=state.pid, port=state.port, version=state.version, log_path=Path(state.log_path)
        ).stop()
    with contextlib.suppress(OSError):
        state_path(home).unlink()
    return state


# --- the handle a stage uses ----------------------------------------------------------------


class LanguageToolService:
    """A reachable LanguageTool for one run: a given URL, the background server, or our own.

    Our own server is started on first use and restarted once if it stops answering; a
    URL the user gave is never restarted, and failing to reach it names the URL.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        home: Path | None = None,
        use_background: bool = True,
        start_timeout: float = START_TIMEOUT_S,
    ) -> None:
        self._given_url = url or os.environ.get(URL_ENV) or None
        self._home = home
        self._use_background = use_background
        self._start_timeout = start_timeout
        self._server: ServerProcess | None = None
        self._url: str | None = None
        self._lock = threading.Lock()
        self.restarts = 0

    @property
    def server(self) -> ServerProcess | None:
        """The server this handle started, if it started one."""
        return self._server

    def url(self) -> str:
        with self._lock:
            return self._ensure_url()

    def _ensure_url(self) -> str:
        if self._url is not None:
            return self._url
        if self._given_url:
            if not is_healthy(self._given_url):
                raise LanguageToolError(
                    f"LanguageTool at {self._given_url} is not reachable "
                    f"(from --languagetool-url or ${URL_ENV}); start it, drop the option to let "
                    "cleaner start its own server, or skip the stage with `--skip grammar`"
                )
            self._url = self._given_url
            return self._url
        if self._use_background:
            state = read_state(self._home)
            if (
                state is not None
                and state.version == LANGUAGETOOL_VERSION
                and is_healthy(state.url)
            ):
                self._url = state.url
                return self._url
        self._server = self._start_own()
        self._url = self._server.url
        return self._url

    def _start_own(self) -> ServerProcess:
        """Start our server, trying a second time if the first start fails (a port taken
        between choosing and binding it, a JVM that crashed while loading)."""
        try:
            return start_server(self._home, timeout=self._start_timeout)
        except LanguageToolError:
            if not is_installed(self._home):
                raise
            return start_server(self._home, timeout=self._start_timeout)

    def check(self, text: str, language: str = "en-US") -> list[Match]:
        url = self.url()
        try:
            return post_check(url, text, language)
        except ServerUnreachable as first:
            if self._given_url:
                raise LanguageToolError(
                    f"LanguageTool at {self._given_url} stopped answering: {first}"
                ) from first
            self._restart(url, first)
            try:
                return post_check(self.url(), text, language)
            except ServerUnreachable as second:
                raise LanguageToolError(
                    f"LanguageTool stopped answering again after a restart: {second}; "
                    + INSTALL_HINT
                ) from second

    def _restart(self, dead_url: str, reason: Exception) -> None:
        with self._lock:
            if self._url != dead_url:
                return  # another thread already restarted it
            if self._server is not None:
                self._server.stop(timeout=5.0)
            self._server = None
            self._url = None
            self.restarts += 1
            try:
                # The background server (if it was that one) is gone too: start our own.
                self._server = start_server(self._home, timeout=self._start_timeout)
            except LanguageToolError as exc:
                raise LanguageToolError(
                    f"LanguageTool stopped answering ({reason}) and could not be restarted: {exc}"
                ) from exc
            self._url = self._server.url

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.stop()
            self._server = None
            self._url = None


@contextlib.contextmanager
def running_service(url: str | None = None, **kwargs: Any) -> Iterator[LanguageToolService]:
    service = LanguageToolService(url, **kwargs)
    try:
        yield service
    finally:
        service.close()


_shared: dict[str | None, LanguageToolService] = {}
_shared_lock = threading.Lock()


def shared_service(url: str | None = None) -> LanguageToolService:
    """One service per URL for the whole process, so every grammar stage and rule check of a
    run shares one JVM. Its server (if it starts one) is stopped at exit."""
    key = url or os.environ.get(URL_ENV) or None
    with _shared_lock:
        service = _shared.get(key)
        if service is None:
            service = LanguageToolService(key)
            _shared[key] = service
        return service
