"""The LanguageTool install, server lifecycle and client, against real servers."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from languagetool_fixtures import lt_service, quick_start_servers

from cleaner import languagetool as lt
from cleaner.document import Document
from cleaner.processes import pid_alive
from cleaner.registry import StageSettings
from cleaner.rules.grammar import load_allow_list
from cleaner.stages import grammar

__all__ = ["lt_service", "quick_start_servers"]
# Most tests here start servers of their own, to kill, pause or stop them.
pytestmark = pytest.mark.usefixtures("quick_start_servers")

ROOT = Path(__file__).resolve().parents[1]
INSTALL_SCRIPT = ROOT / "scripts" / "install-languagetool.sh"


def test_pom_and_code_pin_the_same_version() -> None:
    pom = (ROOT / "languagetool" / "pom.xml").read_text(encoding="utf-8")
    found = re.search(r"<languagetool.version>(.+?)</languagetool.version>", pom)
    assert found is not None
    assert found.group(1) == lt.LANGUAGETOOL_VERSION
    # `cleaner languagetool install` resolves the same dependencies as the script.
    assert lt.render_pom() == pom


def test_install_script_is_a_quick_no_op_when_installed(lt_service: lt.LanguageToolService) -> None:
    started = time.monotonic()
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "already installed" in result.stdout
    assert time.monotonic() - started < 5


def _tool_dir(tmp_path: Path, tools: list[str]) -> Path:
    """A PATH folder holding only the named tools (plus what the script needs to run)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    basics = [
        "bash",
        "sed",
        "cat",
        "dirname",
        "head",
        "date",
        "find",
        "wc",
        "du",
        "cut",
        "mkdir",
        "rm",
        "mv",
    ]
    for tool in basics + tools:
        found = shutil.which(tool)
        assert found is not None, tool
        (folder / tool).symlink_to(found)
    return folder


@pytest.mark.parametrize(
    ("tools", "missing"), [([], "'java' not found"), (["java"], "'mvn' (Maven) not found")]
)
def test_install_script_names_the_missing_tool(
    tmp_path: Path, tools: list[str], missing: str
) -> None:
    env = {
        "PATH": str(_tool_dir(tmp_path, tools)),
        "HOME": str(tmp_path),
        "CLEANER_LANGUAGETOOL_HOME": str(tmp_path / "lt"),
    }
    result = subprocess.run(
        [str(tmp_path / "bin" / "bash"), str(INSTALL_SCRIPT)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert missing in result.stderr
    assert not (tmp_path / "lt" / lt.LANGUAGETOOL_VERSION / "INSTALLED").exists()


def test_offsets_are_python_characters_even_after_emoji(lt_service: lt.LanguageToolService) -> None:
    text = "We 😀 love 😀😀 this a apple."
    matches = lt_service.check(text)
    a_an = [m for m in matches if m.rule_id == "EN_A_VS_AN"]
    assert len(a_an) == 1
    assert text[a_an[0].offset : a_an[0].offset + a_an[0].length] == "a"
    assert a_an[0].offset == text.index(" a apple") + 1


def test_unreachable_url_gives_a_clear_error_naming_it() -> None:
    url = f"http://127.0.0.1:{lt.free_port()}"
    stage = grammar.build(StageSettings(rules_dir=ROOT / "rules", languagetool_url=url))
    with pytest.raises(lt.LanguageToolError) as caught:
        stage(Document(text="This is a apple."))
    message = str(caught.value)
    assert url in message
    assert "--skip grammar" in message


def test_unreachable_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{lt.free_port()}"
    monkeypatch.setenv(lt.URL_ENV, url)
    with pytest.raises(lt.LanguageToolError, match=re.escape(url)):
        lt.LanguageToolService().check("Hello.")


def test_missing_install_says_how_to_install(tmp_path: Path) -> None:
    service = lt.LanguageToolService(home=tmp_path, use_background=False)
    with pytest.raises(lt.LanguageToolError, match="cleaner languagetool install") as caught:
        service.check("Hello.")
    assert "--skip grammar" in str(caught.value)


def test_a_killed_server_is_restarted_and_the_next_document_checked(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # A server of its own: killing the shared one would only slow the other tests down.
    service = lt.LanguageToolService(use_background=False)
    stage = grammar.GrammarStage(
        allow_list=load_allow_list(ROOT / "rules" / "grammar.toml"),
        service=service,
    )
    try:
        first = stage(Document(text="This is a apple."))
        assert first.text == "This is an apple."
        server = service.server
        assert server is not None
        old_pid = server.pid
        os.killpg(old_pid, signal.SIGKILL)
        if server.process is not None:
            server.process.wait(timeout=10)
        assert not pid_alive(old_pid)

        # The document whose request met the dead server is written unchanged and flagged...
        second = stage(Document(text="It was part of of the plan."))
        assert second.text == "It was part of of the plan."
        assert "did not answer" in second.metadata["grammar_skipped"]
        assert any("without grammar fixes" in w for w in second.metadata["warnings"])
        assert "restarted LanguageTool" in capfd.readouterr().err
        # ...and the next one finds the restarted server.
        third = stage(Document(text="It was part of of the plan."))
        assert third.text == "It was part of the plan."
        assert service.restarts == 1
        assert service.server is not None and service.server.pid != old_pid
        new_pid = service.server.pid
    finally:
        service.close()
    assert not pid_alive(new_pid)


def test_a_server_started_by_a_process_is_stopped_when_it_exits(tmp_path: Path) -> None:
    script = (
        "from cleaner import languagetool as lt\n"
        "s = lt.LanguageToolService(use_background=False)\n"
        "s.check('Hello.')\n"
        "print(s.server.pid, flush=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    pid = int(result.stdout.split()[-1])
    assert not pid_alive(pid)


def _private_home(tmp_path: Path) -> Path:
    """A home whose version folder is the real install: a background server of its own."""
    home = tmp_path / "home"
    home.mkdir()
    (home / lt.LANGUAGETOOL_VERSION).symlink_to(lt.install_dir())
    return home


def test_background_server_start_status_stop(tmp_path: Path) -> None:
    home = _private_home(tmp_path)
    state, started = lt.start_background(home=home)
    try:
        assert started
        assert json.loads(lt.state_path(home).read_text())["pid"] == state.pid
        again, started_again = lt.start_background(home=home)
        assert (again, started_again) == (state, False)

        service = lt.LanguageToolService(home=home)
        assert service.url() == state.url
        assert service.server is None and service.background == state  # found, not started
        assert [m.rule_id for m in service.check("This is a apple.")] == ["EN_A_VS_AN"]
    finally:
        stopped = lt.stop_background(home=home)
    assert stopped == state
    assert not pid_alive(state.pid)
    assert not lt.state_path(home).exists()
    assert lt.stop_background(home=home) is None


def test_background_server_stops_itself_when_idle(tmp_path: Path) -> None:
    home = _private_home(tmp_path)
    state, _ = lt.start_background(home=home, idle_timeout=2)
    try:
        deadline = time.monotonic() + 60
        while pid_alive(state.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not pid_alive(state.pid)
        assert not lt.state_path(home).exists()
        assert "idle for 2 s" in (home / "run" / f"server-{state.port}.log").read_text()
    finally:
        lt.stop_background(home=home)


def _jvms_of(home: Path) -> list[int]:
    """LanguageTool JVMs whose class path lies under ``home``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        is_java = Path(args[0].decode(errors="replace")).name == "java"
        if (
            is_java
            and lt.MAIN_CLASS.encode() in args
            and any(str(home).encode() in a for a in args)
        ):
            found.append(int(proc.name))
    return found


def test_concurrent_runs_start_one_server_and_later_runs_reuse_it(tmp_path: Path) -> None:
    home = _private_home(tmp_path)
    env = {**os.environ, lt.HOME_ENV: str(home)}
    env.pop(lt.URL_ENV, None)
    doc = tmp_path / "doc.txt"
    doc.write_text("It was part of of the plan that the committee approved on Tuesday.\n")
    command = [str(Path(sys.executable).parent / "cleaner"), "clean", str(doc)]
    try:
        runs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=600) for run in runs]
        for run, (out, err) in zip(runs, outputs, strict=True):
            assert run.returncode == 0, err
            assert out.decode().startswith("It was part of the plan")
        state = lt.read_state(home)
        assert state is not None and len(_jvms_of(home)) == 1
        # A later run reuses it: same server, and no start message.
        later = subprocess.run(command, env=env, capture_output=True, timeout=300, check=True)
        assert b"starting a LanguageTool server" not in later.stderr
        assert lt.read_state(home) == state
    finally:
        lt.stop_background(home=home)
    assert _jvms_of(home) == []


def test_stale_state_with_a_dead_pid_is_forgotten(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    lt.state_path(tmp_path).write_text(
        json.dumps({"pid": dead.pid, "port": 9, "version": lt.LANGUAGETOOL_VERSION, "log_path": ""})
    )
    assert lt.read_state(tmp_path) is None
    assert not lt.state_path(tmp_path).exists()


def test_cli_status_reports_no_background_server(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cleaner.cli_languagetool import app

    result = CliRunner().invoke(app, ["status"], env={lt.HOME_ENV: str(tmp_path)})
    assert result.exit_code == 1
    assert "not running" in result.output
    for command in ("install", "start", "stop", "status"):
        help_text = CliRunner().invoke(app, [command, "--help"]).output
        assert "Example: cleaner languagetool" in help_text


def test_cli_install_is_a_no_op_when_installed(tmp_path: Path) -> None:
    home = _private_home(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "cleaner.cli", "languagetool", "install"],
        env={**os.environ, lt.HOME_ENV: str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"already installed in {home / lt.LANGUAGETOOL_VERSION}" in result.stdout


@pytest.mark.parametrize(
    ("tools", "missing"), [([], "'java' (17 or newer) was not found"), (["java"], "'mvn' (Maven)")]
)
def test_cli_install_names_the_missing_tool(tmp_path: Path, tools: list[str], missing: str) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in tools:
        found = shutil.which(tool)
        assert found is not None
        (folder / tool).symlink_to(found)
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    result = subprocess.run(
        [sys.executable, "-m", "cleaner.cli", "languagetool", "install"],
        env={**env, "PATH": str(folder), lt.HOME_ENV: str(tmp_path / "lt")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert missing in result.stderr
    assert not (tmp_path / "lt" / lt.LANGUAGETOOL_VERSION / "INSTALLED").exists()


def test_the_install_is_found_in_the_user_cache_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(lt.HOME_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert lt.user_home() == tmp_path / "cache" / "cleaner" / "languagetool"
    # Nothing in the user cache: a checkout's install keeps working.
    if lt.is_installed(lt.checkout_home()):
        assert lt.languagetool_home() == lt.checkout_home()
    lt.user_home().mkdir(parents=True)
    (lt.user_home() / lt.LANGUAGETOOL_VERSION).symlink_to(
        lt.install_dir(Path(os.environ.get("CLEANER_TEST_LANGUAGETOOL_HOME", lt.checkout_home())))
    )
    assert lt.languagetool_home() == lt.user_home()
    monkeypatch.setenv(lt.HOME_ENV, str(tmp_path / "mine"))
    assert lt.languagetool_home() == tmp_path / "mine"


def test_utf16_offsets_and_lengths_around_astral_characters() -> None:
    # LanguageTool counts UTF-16 units: each emoji is two. A match that spans emoji must
    # come back with its length in characters too (language-tool-python fixes only offsets).
    text = "Go 😀 now 😀😀 ok"
    start16 = len("Go 😀 now ".encode("utf-16-le")) // 2
    length16 = len("😀😀 ok".encode("utf-16-le")) // 2
    payload = {"matches": [{"offset": start16, "length": length16, "rule": {"id": "X"}}]}
    (match,) = lt.parse_matches(payload, text)
    assert text[match.offset : match.offset + match.length] == "😀😀 ok"


def test_the_client_is_language_tool_python_with_our_time_limit(
    lt_service: lt.LanguageToolService,
) -> None:
    import language_tool_python

    client = lt_service.client()
    tool = client._tool("en-US")
    assert isinstance(tool, language_tool_python.LanguageTool)
    assert tool._TIMEOUT == lt.REQUEST_TIMEOUT_S
    assert language_tool_python.LanguageTool._TIMEOUT == 300  # the library's class untouched
    assert {"en-US", "pt"} <= client.languages()


def test_parallel_checks_from_threads_keep_their_offsets(
    lt_service: lt.LanguageToolService,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [("😀" * n) + f" Item {n}: this is a apple." for n in range(12)]
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda t: lt_service.check(t), texts))
    for text, matches in zip(texts, results, strict=True):
        (a_an,) = [m for m in matches if m.rule_id == "EN_A_VS_AN"]
        assert text[a_an.offset : a_an.offset + a_an.length] == "a"
        assert a_an.offset == text.index(" a apple") + 1


@pytest.mark.parametrize("how", ["SIGSTOP", "SIGKILL"])
def test_a_corpus_run_outlives_a_hung_or_killed_server(tmp_path: Path, how: str) -> None:
    home = _private_home(tmp_path)
    src = tmp_path / "in"
    src.mkdir()
    paragraph = (
        "The council met on Tuesday and approved the budget for the coming year after a long "
        "debate about roads, schools and the harbour. "
    )
    docs = 40
    for n in range(docs):
        (src / f"doc{n:02d}.txt").write_text(
            f"Story {n}\n\n" + "\n\n".join([paragraph * 3] * 6) + "\n\nHe ate a apple.\n"
        )
    pipeline = tmp_path / "pipeline.toml"
    default = (ROOT / "cleaner" / "defaults" / "pipeline.toml").read_text()
    pipeline.write_text(f'rules_dir = "{ROOT / "rules"}"\n' + default + "request_timeout = 8\n")
    out = tmp_path / "out"
    env = {**os.environ, lt.HOME_ENV: str(home)}
    env.pop(lt.URL_ENV, None)
    lt.start_background(home=home)
    try:
        run = subprocess.Popen(
            [str(Path(sys.executable).parent / "cleaner"), "corpus", str(src), str(out),
             "--jobs", "2", "--config", str(pipeline), "--quiet"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 600
        while len(list(out.glob("doc*.txt"))) < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        (jvm,) = _jvms_of(home)
        os.kill(jvm, getattr(signal, how))
        hit = time.monotonic()
        _, err = run.communicate(timeout=900)
        after_hit = time.monotonic() - hit
        assert run.returncode == 0, err.decode()
        assert "restarted LanguageTool" in err.decode()
        written = sorted(out.glob("doc*.txt"))
        assert len(written) == docs
        audit = [json.loads(line) for line in (out / "_audit.jsonl").read_text().splitlines()]
        assert len(audit) == docs
        flagged = [a for a in audit if "grammar_skipped" in a]
        assert flagged, "no document was flagged"
        for record in flagged:
            assert "written without grammar fixes" in record["grammar_skipped"]
            assert (out / record["output"]).read_text().rstrip().endswith("He ate a apple.")
        fixed = [p for p in written if p.read_text().rstrip().endswith("He ate an apple.")]
        assert len(fixed) + len(flagged) == docs
        # Bounded by one time limit and one restart, not a 300 s wait per request.
        assert after_hit < 8 + lt.HEALTH_TIMEOUT_S + lt.START_TIMEOUT_S
        with contextlib.suppress(ProcessLookupError):
            os.kill(jvm, signal.SIGCONT)
    finally:
        lt.stop_background(home=home)
    assert _jvms_of(home) == []


def test_a_wait_for_the_server_does_not_count_against_the_documents_time_limit(
    tmp_path: Path,
) -> None:
    """A server that is slow to answer (starting, restarting, or paused here) is not the
    document's doing; the grammar stage is bounded by its own request timeout instead. A
    corpus run under heavy load failed documents whose server had just been restarted."""
    home = _private_home(tmp_path)
    text = tmp_path / "story.txt"
    text.write_text("He ate a apple in the garden.\n", encoding="utf-8")
    env = {**os.environ, lt.HOME_ENV: str(home)}
    env.pop(lt.URL_ENV, None)
    lt.start_background(home=home)
    try:
        (jvm,) = _jvms_of(home)
        os.kill(jvm, signal.SIGSTOP)
        try:
            run = subprocess.Popen(
                [str(Path(sys.executable).parent / "cleaner"), "clean", str(text),
                 "--time-limit", "1"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )  # fmt: skip
            time.sleep(3)
        finally:
            os.kill(jvm, signal.SIGCONT)
        out, err = run.communicate(timeout=120)
    finally:
        lt.stop_background(home=home)
    assert run.returncode == 0, err.decode()
    assert out == b"He ate an apple in the garden.\n"


def test_a_killed_supervisor_takes_its_jvm_with_it(tmp_path: Path) -> None:
    """kill -9 of the supervisor (or the OOM killer) left its JVM serving, unlisted: `cleaner
    languagetool status` said "not running", `stop` found nothing, and 1 GB stayed taken."""
    home = _private_home(tmp_path)
    state, _ = lt.start_background(home=home)
    try:
        [jvm] = _jvms_of(home)
        os.kill(state.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while pid_alive(jvm) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not pid_alive(jvm)
    finally:
        for pid in _jvms_of(home):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        lt.stop_background(home=home)
