"""A LanguageTool server process: its command line, starting it, waiting for it, stopping it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from cleaner.languagetool.client import is_healthy
from cleaner.languagetool.install import (
    find_java,
    install_dir,
    is_installed,
    languagetool_home,
    log_tail,
    repo_root,
)
from cleaner.languagetool.settings import (
    CACHE_SIZE,
    DEFAULT_JAVA_OPTS,
    INSTALL_HINT,
    JAVA_OPTS_ENV,
    LANGUAGETOOL_VERSION,
    MAIN_CLASS,
    REQUEST_TIMEOUT_S,
    START_TIMEOUT_S,
    STATE_FILE,
    LanguageToolError,
)
from cleaner.processes import pid_alive


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """A LanguageTool server we started: its process (group leader), port and log.

    One started for this process alone (not detached) is stopped by :meth:`stop`, or at the
    latest when this object is collected or the interpreter exits: a JVM is never left behind
    by a process that forgot it.
    """

    pid: int
    port: int
    version: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    start_seconds: float = 0.0
    _release: weakref.finalize[..., ServerProcess] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return pid_alive(self.pid)

    def own(self) -> None:
        """Stop this server when this object goes away, whoever forgets to."""
        if self._release is None:
            self._release = weakref.finalize(self, stop_group, self.pid, self.process, 5.0)

    def stop(self, timeout: float = 10.0, *, keep_log: bool = False) -> None:
        """Stop the server's whole process group: TERM, then KILL after ``timeout``.

        A stopped (SIGSTOP) group is continued first, or TERM would wait for ever. The log
        goes too unless ``keep_log``: a server that failed to start keeps it for the message.
        """
        if self._release is not None:
            self._release.detach()
        stop_group(self.pid, self.process, timeout)
        if not keep_log:
            with contextlib.suppress(OSError):
                self.log_path.unlink()


def stop_group(pid: int, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """TERM (and CONT) the process group ``pid`` leads, KILL it after ``timeout`` seconds."""

    def alive() -> bool:
        return process.poll() is None if process is not None else pid_alive(pid)

    _kill_group(pid, signal.SIGTERM)
    _kill_group(pid, signal.SIGCONT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            break
        time.sleep(0.05)
    else:
        _kill_group(pid, signal.SIGKILL)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    # The server runs in its own session (start_new_session), so its pid is its group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def check_threads() -> int:
    """Requests the server works on at once: one per core, at least two (a corpus run sends
    one per worker, and a long document its paragraphs in parallel)."""
    return max(2, os.cpu_count() or 2)


def _write_config(folder: Path, port: int) -> Path:
    config = folder / f"server-{port}.properties"
    config.write_text(
        "# Written by cleaner; see cleaner/languagetool/process.py.\n"
        "pipelineCaching=true\n"
        f"cacheSize={CACHE_SIZE}\n"
        f"maxCheckThreads={check_threads()}\n"
        # Longer than our own request limit: we give up first and say so.
        f"maxCheckTimeMillis={int(REQUEST_TIMEOUT_S * 4 * 1000)}\n",
        encoding="utf-8",
    )
    return config


def java_command(
    home: Path | None = None, port: int = 8081, version: str = LANGUAGETOOL_VERSION
) -> list[str]:
    home = home or languagetool_home()
    opts = os.environ.get(JAVA_OPTS_ENV)
    java_opts = opts.split() if opts is not None else list(DEFAULT_JAVA_OPTS)
    return [
        find_java(),
        *java_opts,
        "-cp",
        str(install_dir(home, version) / "lib" / "*"),
        MAIN_CLASS,
        "--port",
        str(port),
        "--config",
        str(_write_config(_run_dir(home), port)),
    ]


def _run_dir(home: Path) -> Path:
    """Logs and server configs: beside the state file, not inside the (shareable) install."""
    folder = home / "run"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start_server(
    home: Path | None = None,
    port: int | None = None,
    *,
    timeout: float = START_TIMEOUT_S,
    detached: bool = False,
    idle_timeout: float = 0.0,
    version: str = LANGUAGETOOL_VERSION,
) -> ServerProcess:
    """Start a server on ``port`` (a free one by default) and wait until it answers a check.

    A server started with ``detached=False`` belongs to this process: it stops with
    :meth:`ServerProcess.stop`, or when the object is collected or the interpreter exits.
    A detached one outlives it: a supervisor process runs the JVM and stops it once the state
    file has not been touched for ``idle_timeout`` seconds (0: never).
    """
    home = home or languagetool_home()
    if not is_installed(home, version):
        raise LanguageToolError(
            f"LanguageTool {version} is not installed in {install_dir(home, version)}: "
            + INSTALL_HINT
        )
    chosen = port or free_port()
    command = java_command(home, chosen, version)
    log_path = _run_dir(home) / f"server-{chosen}.log"
    if detached:
        command = [
            sys.executable, "-m", "cleaner.languagetool", "supervise",
            str(home / STATE_FILE), str(idle_timeout), "--", *command,
        ]  # fmt: skip
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=_run_dir(home),
            env={**os.environ, "PYTHONPATH": str(repo_root())} if detached else None,
        )
    server = ServerProcess(
        pid=process.pid, port=chosen, version=version, log_path=log_path, process=process
    )
    if not detached:
        server.own()
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
                f"{log_tail(server.log_path)}\n{INSTALL_HINT}"
            )
        if is_healthy(server.url, timeout=max(1.0, min(30.0, deadline - time.monotonic()))):
            return
        time.sleep(0.2)
    raise LanguageToolError(
        f"LanguageTool did not answer on port {server.port} within {timeout:.0f} s "
        f"(see {server.log_path}); {INSTALL_HINT}"
    )


def process_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its children (Linux ``/proc``), 0 when unknown."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            children = (task / "children").read_text().split()
            pids += [int(child) for child in children]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total
