"""The one background server every run shares, recorded in ``<home>/server.json``.

The first run that needs LanguageTool starts it (a small Python supervisor and its JVM, in a
session of their own, see :mod:`cleaner.languagetool.supervisor`); later runs, concurrent ones
included, find it in the state file; a lock file makes sure two processes never start two
JVMs. Every check touches the state file, and the supervisor stops the JVM after
``idle_timeout`` seconds without one; ``cleaner languagetool stop`` stops it at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from cleaner.languagetool.client import is_healthy
from cleaner.languagetool.install import languagetool_home
from cleaner.languagetool.process import ServerProcess, start_server
from cleaner.languagetool.settings import DEFAULT_IDLE_TIMEOUT_S, LOCK_FILE, STATE_FILE
from cleaner.processes import pid_alive


@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int
    version: str
    log_path: str
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT_S

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
            idle_timeout=float(data.get("idle_timeout", DEFAULT_IDLE_TIMEOUT_S)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not pid_alive(state.pid):
        # Stale: the machine restarted or the server was killed. Forget it.
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return state


@contextlib.contextmanager
def server_lock(home: Path | None = None) -> Iterator[None]:
    """Held while a process starts, restarts or stops the background server: two runs
    starting at once start one JVM, and the second uses it."""
    home = home or languagetool_home()
    home.mkdir(parents=True, exist_ok=True)
    with (home / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def touch(home: Path | None = None) -> None:
    """Mark the background server as used now (the supervisor's idle clock)."""
    with contextlib.suppress(OSError):
        os.utime(state_path(home))


def _write_state(home: Path | None, state: ServerState) -> None:
    path = state_path(home)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def start_background(
    home: Path | None = None,
    port: int | None = None,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT_S,
    *,
    replace_pid: int | None = None,
) -> tuple[ServerState, bool]:
    """The background server, started unless a healthy one runs; (state, started_now).

    ``replace_pid``: the server a caller found unresponsive. It is stopped and replaced,
    unless another process replaced it already (then the new one is returned).
    """
    home = home or languagetool_home()
    with server_lock(home):
        existing = read_state(home)
        if existing is not None and existing.pid != replace_pid and is_healthy(existing.url):
            touch(home)
            return existing, False
        if existing is not None:
            _stop_state(existing)
            with contextlib.suppress(OSError):
                state_path(home).unlink()
        server = start_server(home, port, detached=True, idle_timeout=idle_timeout)
        state = ServerState(
            pid=server.pid,
            port=server.port,
            version=server.version,
            log_path=str(server.log_path),
            idle_timeout=idle_timeout,
        )
        _write_state(home, state)
        return state, True


def _stop_state(state: ServerState) -> None:
    ServerProcess(
        pid=state.pid, port=state.port, version=state.version, log_path=Path(state.log_path)
    ).stop(timeout=5.0)


def stop_background(home: Path | None = None) -> ServerState | None:
    """Stop the background server; the state it had, or ``None`` if none was running."""
    with server_lock(home):
        state = read_state(home)
        if state is not None:
            _stop_state(state)
        with contextlib.suppress(OSError):
            state_path(home).unlink()
        return state
