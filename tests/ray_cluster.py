"""A real multi-node Ray cluster on 127.0.0.1, started with ``ray start`` as a user would, for
the tests that lose a node (and the reproduction in ``bench/bench_ray.py``'s docstring).

Every node gets its own free ports and the cluster its own short temporary folder, so it never
meets another Ray on the machine. It is stopped by process id: every Ray process whose command
line names that folder, never ``ray stop`` (which stops every Ray on the machine).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))
START_TIMEOUT_S = 180.0
"""``ray start`` takes 5-20 s on a quiet machine; a loaded 2-core one can take much longer."""
START_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _processes() -> dict[int, str]:
    """Every live process of this machine: id -> command line."""
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if raw:  # a zombie has none, and nothing to stop
                found[int(entry)] = raw.replace(b"\0", b" ").decode(errors="replace")
    return found


def _uses(pid: int, folder: str) -> bool:
    """Whether a process belongs to the Ray whose temporary folder is ``folder``: named in its
    command line, its environment, or a file it holds open (Ray's agents rename themselves,
    which wipes the first two)."""
    try:
        if folder.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
            return True
        if f"RAY_TMPDIR={folder}".encode() in Path(f"/proc/{pid}/environ").read_bytes():
            return True
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(folder):
                    return True
    except OSError:
        pass
    return False


@dataclass
class Node:
    number: int
    raylet_pid: int
    pids: set[int]


@dataclass
class LocalCluster:
    """Start with :meth:`start_head`, add nodes with :meth:`add_node`, always :meth:`stop`."""

    temp_dir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="rc", dir="/tmp"))
    address: str = ""
    client_port: int = 0
    nodes: list[Node] = field(default_factory=list)
    auth_mode: str = "disabled"
    """``RAY_AUTH_MODE`` of every node. Ray 2.x turns token auth on for a new head whenever
    ``~/.ray/auth_token`` exists (any local ``ray.init()`` writes one), so it is set, not
    inherited from whatever the machine has."""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def environment(self) -> dict[str, str]:
        """The environment of the cluster's nodes, and of a driver that is to reach it."""
        return {
            **os.environ,
            "RAY_TMPDIR": self.temp_dir,
            "RAY_AUTH_MODE": self.auth_mode,
            **self.extra_env,
        }

    def _mine(self) -> dict[int, str]:
        return {pid: cmd for pid, cmd in _processes().items() if _uses(pid, self.temp_dir)}

    def _start(self, *args: str) -> Node:
        """``ray start``, tried again when it fails: on a loaded machine a raylet can miss
        Ray's fixed 30 s to register, and that attempt's processes are then stopped."""
        for attempt in range(START_ATTEMPTS):
            before = set(self._mine())
            try:
                return self._start_once(before, args)
            except (RuntimeError, subprocess.TimeoutExpired):
                for pid in set(self._mine()) - before:
                    _kill(pid)
                if attempt == START_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _start_once(self, before: set[int], args: tuple[str, ...]) -> Node:
        ports = (
            "--node-manager-port",
            "--object-manager-port",
            "--dashboard-agent-listen-port",
            "--dashboard-agent-grpc-port",
            "--metrics-export-port",
            "--runtime-env-agent-port",
        )
        command = [RAY, "start", *args, "--disable-usage-stats"]
        if not any(arg.startswith("--num-cpus=") for arg in args):
            command.append("--num-cpus=1")
        for option in ports:
            command.append(f"{option}={free_port()}")
        started = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            env=self.environment,
        )
        if started.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{started.stdout}{started.stderr}")
        new = {pid: cmd for pid, cmd in self._mine().items() if pid not in before}
        raylets = [pid for pid, cmd in new.items() if "/raylet " in cmd or "raylet/raylet" in cmd]
        if len(raylets) != 1:
            raise RuntimeError(f"expected one new raylet, found {raylets}: {new}")
        node = Node(len(self.nodes), raylets[0], set(new))
        self.nodes.append(node)
        return node

    def start_head(self, cpus: int = 1) -> str:
        port = free_port()
        self.client_port = free_port()
        self._start(
            "--head",
            f"--port={port}",
            "--node-ip-address=127.0.0.1",
            f"--temp-dir={self.temp_dir}",
            f"--ray-client-server-port={self.client_port}",
            "--include-dashboard=false",
            f"--dashboard-port={free_port()}",
            f"--num-cpus={cpus}",
        )
        self.address = f"127.0.0.1:{port}"
        return self.address

    def add_node(self) -> Node:
        return self._start(f"--address={self.address}", "--node-ip-address=127.0.0.1")

    def kill_node(self, node: Node) -> None:
        """Lose a node as a crashed machine would: its raylet killed, then its workers."""
        doomed = self._children_of(node)  # before its death hands them to init
        os.kill(node.raylet_pid, signal.SIGKILL)
        for pid in doomed:
            _kill(pid)

    def _children_of(self, node: Node) -> set[int]:
        """The node's processes, workers started after it included (their parent is its
        raylet)."""
        owned = set(node.pids)
        for pid in list(self._mine()):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == node.raylet_pid:
                owned.add(pid)
        return owned

    def runs(self, node: Node, title: str) -> bool:
        """Whether one of the node's workers is at ``title`` (Ray names a worker process
        after what it runs, e.g. ``ray::ShardWorker.run``)."""
        return any(
            title in _processes().get(pid, "") for pid in self._children_of(node) - node.pids
        )

    def alive_nodes(self) -> int:
        """Nodes the cluster counts as alive (asked in a separate process, so the caller's
        own Ray connection, if any, is untouched)."""
        probe = (
            "import ray, sys\n"
            "ray.init(address=sys.argv[1], logging_level='ERROR')\n"
            "print(sum(1 for n in ray.nodes() if n['Alive']))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe, self.address],
            capture_output=True,
            text=True,
            timeout=120,
            env=self.environment,
        )
        return int(result.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        """Every process this cluster started, by id; then its folder."""
        for _ in range(3):
            mine = self._mine()
            if not mine:
                break
            for pid in mine:
                _kill(pid)
            time.sleep(0.5)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
