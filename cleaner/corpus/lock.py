"""One run at a time per OUT: an exclusive ``flock`` the kernel releases when its holder dies,
so a killed run never leaves a lock that blocks the next."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from cleaner.corpus.errors import CorpusLocked
from cleaner.processes import pid_alive

STALE_LOCK_WAIT_S = 10.0
"""A lock whose owner is dead can still be held for a moment by its exiting workers."""


class RunLock:
    """An exclusive ``flock`` on ``OUT/.cleaner/lock`` holding the owner's pid and start time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, out_dir: Path) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + STALE_LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                owner = self._owner()
                pid = owner.get("pid")
                if isinstance(pid, int) and not pid_alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.1)  # the dead run's workers are exiting
                    continue
                os.close(fd)
                who = f"pid {pid}" if pid else "another process"
                since = f", started {owner['started']}" if "started" in owner else ""
                raise CorpusLocked(
                    f"another 'cleaner corpus' run ({who}{since}) is writing to {out_dir}; "
                    "wait for it to finish or stop it, then run again"
                ) from None
        os.ftruncate(fd, 0)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        os.pwrite(fd, json.dumps(info).encode() + b"\n", 0)
        self.fd = fd

    def _owner(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)
            self.fd = None
