"""LanguageTool: where it is installed, the one background server every run shares, a client.

Install: ``cleaner languagetool install`` (or ``make setup``, which runs
``scripts/install-languagetool.sh``) resolves the pinned server from Maven Central with Maven
into ``<home>/<version>/lib``. ``<home>`` is ``$CLEANER_LANGUAGETOOL_HOME`` if set, else the
first of the user cache (``~/.cache/cleaner/languagetool``) and a checkout's
``.cache/languagetool`` that holds an install, else the user cache.

Server: the first run that needs LanguageTool starts a background server (a small Python
supervisor and its JVM, in a session of their own) and records it in ``<home>/server.json``.
Later runs, concurrent ones included, find it there; a lock file makes sure two processes
never start two JVMs. Every check touches the state file; the supervisor stops the JVM after
``idle_timeout`` seconds without one (10 minutes by default), and ``cleaner languagetool stop``
stops it at once. A URL the user gives (``--languagetool-url`` or
``$CLEANER_LANGUAGETOOL_URL``) is used as is: never started, restarted or stopped by us.

Client: language-tool-python (``LanguageTool(remote_server=...)``) sends the requests. Two of
its habits are corrected here: it reports offsets in UTF-16 code units and corrects the offset
but not the length of a match that spans an emoji, through class-level state
(``Match.PREVIOUS_MATCHES_TEXT``) that is not safe when threads check at once, so matches are
built here from the server's JSON; and it waits 300 s a try, twice, on a hung server, so each
request here is one try with our own time limit (:data:`REQUEST_TIMEOUT_S`).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cleaner.errors import ServiceError
from cleaner.processes import pid_alive

LANGUAGETOOL_VERSION = "6.7"
"""Pinned in ``languagetool/pom.xml`` (and :data:`POM`); a test checks they agree."""

MAIN_CLASS = "org.languagetool.server.HTTPServer"

HOME_ENV = "CLEANER_LANGUAGETOOL_HOME"
URL_ENV = "CLEANER_LANGUAGETOOL_URL"
JAVA_OPTS_ENV = "CLEANER_LANGUAGETOOL_JAVA_OPTS"
IDLE_ENV = "CLEANER_LANGUAGETOOL_IDLE_TIMEOUT"

DEFAULT_JAVA_OPTS = ("-Xmx1g", "-XX:+UseSerialGC")
"""English alone fits in 1 GB with room for the result cache; the serial collector keeps the
RSS and the CPU share small on the 2-core machines the project runs on."""

START_TIMEOUT_S = 180.0
"""JVM start plus loading the English tagger takes ~5 s on an idle machine and several times
that when other processes compete for 2 cores; a real failure shows up as an exited process
long before this."""

REQUEST_TIMEOUT_S = 30.0
"""One request (a paragraph or a few) takes well under a second; past this the server is taken
for hung, the document is written without grammar fixes and the server is checked."""

DEFAULT_IDLE_TIMEOUT_S = 600.0
"""The background server stops after this long without a check (0: never);
``$CLEANER_LANGUAGETOOL_IDLE_TIMEOUT`` changes it for servers that runs start."""


def idle_timeout_setting() -> float:
    value = os.environ.get(IDLE_ENV)
    if not value:
        return DEFAULT_IDLE_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        raise LanguageToolError(f"${IDLE_ENV} must be a number of seconds, not {value!r}") from None
    return max(0.0, seconds)


CACHE_SIZE = 5000
"""Sentences whose results the server keeps (``cacheSize``): rechecking a chunk after a fix
then costs only the changed sentences."""

STATE_FILE = "server.json"
LOCK_FILE = "server.lock"
INSTALL_HINT = (
    "install LanguageTool with `cleaner languagetool install` (or `make setup` in a checkout), "
    "or skip the stage with `--skip grammar`"
)


class LanguageToolError(ServiceError):
    """LanguageTool is missing, would not start, or a server we were given stopped answering:
    the run stops."""


class RequestFailed(LanguageToolError):
    """One request failed (timed out, or the server went away while answering it): the
    document is written without grammar fixes, and the run goes on."""


# --- installation -----------------------------------------------------------------------


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def user_home() -> Path:
    """The per-user install folder: ``$XDG_CACHE_HOME/cleaner/languagetool``."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser() / "cleaner" / "languagetool"


def checkout_home() -> Path:
    return repo_root() / ".cache" / "languagetool"


def languagetool_home() -> Path:
    """Folder holding one sub-folder per installed version, and the server's state file."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    for candidate in (user_home(), checkout_home()):
        if is_installed(candidate):
            return candidate
    return user_home()


def install_dir(home: Path | None = None, version: str = LANGUAGETOOL_VERSION) -> Path:
    return (home or languagetool_home()) / version


def is_installed(home: Path | None = None, version: str = LANGUAGETOOL_VERSION) -> bool:
    folder = install_dir(home, version)
    marker = folder / "INSTALLED"
    try:
        return marker.read_text(encoding="utf-8").strip() == version and (folder / "lib").is_dir()
    except OSError:
        return False


POM = """\
<?xml version="1.0" encoding="UTF-8"?>
<!--
  Resolves a pinned LanguageTool HTTP server with English only, from Maven Central.
  Used by scripts/install-languagetool.sh (`make languagetool`); nothing is built here.
  `cleaner languagetool install` writes the same file (cleaner/languagetool.py POM; a test
  checks the two agree).
  language-all (every language, hundreds of MB) is excluded: cleaner applies fixes in English
  only. language-es, -ca and -pt stay: the server's language identifier (CommonWordsDetector)
  looks these three up in a static initializer and the server dies at start without them.
-->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>cleaner</groupId>
  <artifactId>cleaner-languagetool</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <properties>
    <!-- The one place the version is pinned: the install script and cleaner/languagetool.py
         (LANGUAGETOOL_VERSION, checked by a test) must agree with it. -->
    <languagetool.version>{version}</languagetool.version>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.languagetool</groupId>
      <artifactId>languagetool-server</artifactId>
      <version>${{languagetool.version}}</version>
      <exclusions>
        <exclusion>
          <groupId>org.languagetool</groupId>
          <artifactId>language-all</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
{languages}  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <groupId>org.apache.maven.plugins</groupId>
          <artifactId>maven-dependency-plugin</artifactId>
          <version>3.6.1</version>
        </plugin>
      </plugins>
    </pluginManagement>
  </build>
</project>
"""
POM_LANGUAGES = ("en", "es", "ca", "pt")


def render_pom(version: str = LANGUAGETOOL_VERSION) -> str:
    languages = "".join(
        "    <dependency>\n"
        "      <groupId>org.languagetool</groupId>\n"
        f"      <artifactId>language-{code}</artifactId>\n"
        "      <version>${languagetool.version}</version>\n"
        "    </dependency>\n"
        for code in POM_LANGUAGES
    )
    return POM.format(version=version, languages=languages)


def java_major_version(java: str) -> int | None:
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return None
    for token in (out.stderr + out.stdout).split('"')[1:2]:
        head = token.split(".")[0]
        if head.isdigit():
            return int(head)
    return None


def install(
    home: Path | None = None,
    version: str = LANGUAGETOOL_VERSION,
    echo: Callable[[str], None] = print,
) -> Path:
    """Install LanguageTool ``version`` into ``<home>/<version>/lib`` (a quick no-op when it is
    there). Needs Java 17+ and Maven; raises :class:`LanguageToolError` saying what is
    missing. An interrupted install leaves no ``lib`` that looks complete."""
    home = home or (Path(os.environ[HOME_ENV]) if os.environ.get(HOME_ENV) else user_home())
    dest = install_dir(home, version)
    if is_installed(home, version):
        echo(f"LanguageTool {version} already installed in {dest}")
        return dest
    java = find_java()
    major = java_major_version(java)
    if major is None or major < 17:
        raise LanguageToolError(
            f"LanguageTool {version} needs Java 17 or newer; {java} is version {major or 'unknown'}"
        )
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LanguageToolError(
            "'mvn' (Maven) not found; it resolves LanguageTool's jars from Maven Central "
            "(Debian/Ubuntu: apt-get install maven)"
        )
    echo(f"Installing LanguageTool {version} from Maven Central into {dest} ...")
    started = time.monotonic()
    dest.mkdir(parents=True, exist_ok=True)
    partial = dest / "lib.partial"
    shutil.rmtree(partial, ignore_errors=True)
    log = dest / "maven.log"
    with tempfile.TemporaryDirectory() as work:
        pom = Path(work) / "pom.xml"
        pom.write_text(render_pom(version), encoding="utf-8")
        with log.open("wb") as log_file:
            done = subprocess.run(
                [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(pom),
                 "dependency:copy-dependencies", "-DincludeScope=runtime",
                 f"-DoutputDirectory={partial}"],
                stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False,
            )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise LanguageToolError(
            f"Maven could not resolve LanguageTool {version} (is Maven Central reachable?); "
            f"see {log}:\n{_log_tail(log)}"
        )
    shutil.rmtree(dest / "lib", ignore_errors=True)
    partial.rename(dest / "lib")
    (dest / "INSTALLED").write_text(version + "\n", encoding="utf-8")
    jars = len(list((dest / "lib").glob("*.jar")))
    echo(
        f"LanguageTool {version} installed: {jars} jars in {time.monotonic() - started:.0f} s "
        f"({dest / 'lib'})"
    )
    return dest


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


# --- the client -------------------------------------------------------------------------


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
            import language_tool_python as ltp
            from language_tool_python.exceptions import LanguageToolError as LTPError

            # A subclass carrying our time limit: the library's class (300 s) stays untouched,
            # and it applies from the first request (the language list) on.
            limited = type(
                "TimeLimitedLanguageTool", (ltp.LanguageTool,), {"_TIMEOUT": self.timeout}
            )
            try:
                tool = limited(language, remote_server=self.url)
            except LTPError as exc:
                raise _failure(self.url, exc, self.timeout) from exc
            except ValueError as exc:  # a language the server does not have
                raise LanguageToolError(f"LanguageTool at {self.url}: {exc}") from exc
            if language not in ("en-US", "en"):
                # The first check in a language loads its tagger and rules, which can take
                # longer than a request may: pay for it once, with the start's time limit.
                import requests

                with contextlib.suppress(requests.RequestException):
                    requests.post(
                        self.url + "/v2/check",
                        data={"text": "Ok.", "language": language},
                        timeout=START_TIMEOUT_S,
                    ).close()
            self._tools[language] = tool
        return tool

    def check(self, text: str, language: str = "en-US") -> list[Match]:
        with self._lock:
            tool = self._tool(language)
        from language_tool_python.exceptions import LanguageToolError as LTPError

        try:
            payload = tool._query_server(
                self.url + "/v2/check", tool._create_params(text), num_tries=1, method="post"
            )
        except LTPError as exc:
            raise _failure(self.url, exc, self.timeout) from exc
        if not isinstance(payload, dict):
            raise RequestFailed(f"LanguageTool at {self.url} sent an unexpected answer")
        return parse_matches(payload, text)


def _failure(url: str, exc: Exception, timeout: float) -> RequestFailed:
    import requests

    cause = exc.__cause__
    if isinstance(cause, requests.Timeout):
        return RequestFailed(f"LanguageTool at {url} did not answer within {timeout:g} s")
    if isinstance(cause, (requests.ConnectionError, OSError)):
        return RequestFailed(f"LanguageTool at {url} did not answer: {cause}")
    return RequestFailed(f"LanguageTool at {url} failed: {str(exc)[:300]}")


def is_healthy(url: str, timeout: float = 10.0) -> bool:
    """True when the server answers a real check (not merely accepts connections)."""
    import requests

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


# --- a server process ---------------------------------------------------------------------


@dataclass
class ServerProcess:
    """A LanguageTool server we started: its process (group leader), port and log."""

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

        A stopped (SIGSTOP) group is continued first, or TERM would wait for ever. The log
        goes too unless ``keep_log``: a server that failed to start keeps it for the message.
        """
        _kill_group(self.pid, signal.SIGTERM)
        _kill_group(self.pid, signal.SIGCONT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
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


def _kill_group(pid: int, sig: signal.Signals) -> None:
    # The server runs in its own session (start_new_session), so its pid is its group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


# Servers this process started for itself and must stop at exit (benchmarks, use_background=
# False). Process-wide by nature: atexit is.
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


def check_threads() -> int:
    """Requests the server works on at once: one per core, at least two (a corpus run sends
    one per worker, and a long document its paragraphs in parallel)."""
    return max(2, os.cpu_count() or 2)


def _write_config(folder: Path, port: int) -> Path:
    config = folder / f"server-{port}.properties"
    config.write_text(
        "# Written by cleaner; see cleaner/languagetool.py.\n"
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

    A server started with ``detached=False`` belongs to this process and is stopped at exit.
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
            str(state_path(home)), str(idle_timeout), "--", *command,
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


# --- the background server (`cleaner languagetool start|stop|status`, and every run) -------


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


def supervise(state_file: Path, idle_timeout: float, command: list[str]) -> int:
    """The background server's supervisor (``python -m cleaner.languagetool supervise``): runs
    the JVM, stops it after ``idle_timeout`` s without a touch of ``state_file``, and exits
    when it exits. Killing the process group stops both."""
    java = subprocess.Popen(command, stdin=subprocess.DEVNULL)

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


def _forget_state_of(state_file: Path, pid: int) -> None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        if json.loads(state_file.read_text(encoding="utf-8"))["pid"] == pid:
            state_file.unlink()


# --- the handle a stage uses ----------------------------------------------------------------


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
        self._given_url = url or os.environ.get(URL_ENV) or None
        self._home = home
        self._use_background = use_background
        self._start_timeout = start_timeout
        self.request_timeout = request_timeout
        self._idle_timeout = idle_timeout_setting() if idle_timeout is None else idle_timeout
        self._server: ServerProcess | None = None
        self._state: ServerState | None = None
        self._client: Client | None = None
        self._lock = threading.Lock()
        self._last_touch = 0.0
        self.restarts = 0

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
        if replace_pid is None:
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

    def check(self, text: str, language: str = "en-US") -> list[Match]:
        client = self.client()
        self._touch()
        try:
            return client.check(text, language)
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

    def close(self) -> None:
        """Stop the server this handle started for itself; the background one stays up."""
        with self._lock:
            if self._server is not None:
                self._server.stop()
            self._server = None
            self._client = None


@contextlib.contextmanager
def running_service(url: str | None = None, **kwargs: Any) -> Iterator[LanguageToolService]:
    service = LanguageToolService(url, **kwargs)
    try:
        yield service
    finally:
        service.close()


_shared: dict[tuple[str | None, str | None, float], LanguageToolService] = {}
_shared_lock = threading.Lock()


def shared_service(
    url: str | None = None, request_timeout: float = REQUEST_TIMEOUT_S
) -> LanguageToolService:
    """One service per URL (and home) for the whole process, so every grammar stage and rule
    check of a run shares one client and one server."""
    key = (url or os.environ.get(URL_ENV) or None, os.environ.get(HOME_ENV), request_timeout)
    with _shared_lock:
        service = _shared.get(key)
        if service is None:
            service = LanguageToolService(key[0], request_timeout=request_timeout)
            _shared[key] = service
        return service


def _main(argv: list[str]) -> int:
    if len(argv) >= 4 and argv[0] == "supervise" and argv[3] == "--":
        return supervise(Path(argv[1]), float(argv[2]), argv[4:])
    print("usage: python -m cleaner.languagetool supervise STATE IDLE -- JAVA...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
