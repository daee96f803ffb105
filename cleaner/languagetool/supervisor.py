"""The background server's supervisor: ``python -m cleaner.languagetool supervise STATE IDLE --
JAVA...`` runs the JVM and stops it once the state file has gone untouched for IDLE seconds."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def supervise(state_file: Path, idle_timeout: float, command: list[str]) -> int:
    """The background server's supervisor (``python -m cleaner.languagetool supervise``): runs
    the JVM, stops it after ``idle_timeout`` s without a touch of ``state_file``, and exits
    when it exits. Killing the process group stops both."""
    java = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)

    def stop(*_: object) -> None:
        java.terminate()
        try:
            java.wait(timeout=10)
        except subprocess.TimeoutExpired:
            java.kill()

    def stop_and_exit(*_: object) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop_and_exit)
    began = time.time()
    poll = min(5.0, max(0.2, idle_timeout / 10)) if idle_timeout > 0 else 5.0
    while java.poll() is None:
        time.sleep(poll)
        if idle_timeout <= 0:
            continue
        try:
            last_used = state_file.stat().st_mtime
        except OSError:
            # Not written yet: the JVM is still starting. The idle clock starts once it serves.
            began = time.time()
            continue
        if time.time() - max(last_used, began) > idle_timeout:
            print(f"cleaner: idle for {idle_timeout:g} s, stopping LanguageTool", flush=True)
            stop()
            _forget_state_of(state_file, os.getpid())
            return 0
    _forget_state_of(state_file, os.getpid())
    return java.returncode or 0


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the JVM's child process, before exec: a supervisor killed outright (SIGKILL, the
    OOM killer) cannot stop its JVM, which would then serve on, unlisted, with no idle stop
    and nothing that `cleaner languagetool stop` finds; Linux can end it with its parent."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the supervisor died before the request was made
        os._exit(1)


def _forget_state_of(state_file: Path, pid: int) -> None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        if json.loads(state_file.read_text(encoding="utf-8"))["pid"] == pid:
            state_file.unlink()


def main(argv: list[str]) -> int:
    if len(argv) >= 4 and argv[0] == "supervise" and argv[3] == "--":
        return supervise(Path(argv[1]), float(argv[2]), argv[4:])
    print("usage: python -m cleaner.languagetool supervise STATE IDLE -- JAVA...", file=sys.stderr)
    return 2
