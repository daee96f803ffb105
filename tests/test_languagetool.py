"""The LanguageTool install, server lifecycle and client, against real servers."""

from __future__ import annotations

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
from languagetool_fixtures import lt_service

from cleaner import languagetool as lt
from cleaner.document import Document
from cleaner.registry import StageSettings
from cleaner.rules.grammar import load_allow_list
from cleaner.stages import grammar

__all__ = ["lt_service"]

ROOT = Path(__file__).resolve().parents[1]
INSTALL_SCRIPT = ROOT / "scripts" / "install-languagetool.sh"


def test_pom_and_code_pin_the_same_version() -> None:
    pom = (ROOT / "languagetool" / "pom.xml").read_text(encoding="utf-8")
    found = re.search(r"<languagetool.version>(.+?)</languagetool.version>", pom)
    assert found is not None
    assert found.group(1) == lt.LANGUAGETOOL_VERSION


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
    with pytest.raises(lt.LanguageToolError, match="make languagetool") as caught:
        service.check("Hello.")
    assert "--skip grammar" in str(caught.value)


def test_a_killed_server_is_restarted_and_the_next_document_checked() -> None:
    # A server of its own: killing the shared one would only slow the other tests down.
    service = lt.LanguageToolService(use_background=False)
    stage = grammar.GrammarStage(
        allow_list=load_allow_list(ROOT / "rules" / "grammar.toml"),
        service=lambda: service,
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
        assert not lt.pid_alive(old_pid)

        second = stage(Document(text="It was part of of the plan."))
        assert second.text == "It was part of the plan."
        assert service.restarts == 1
        assert service.server is not None and service.server.pid != old_pid
        new_pid = service.server.pid
    finally:
        service.close()
    assert not lt.pid_alive(new_pid)


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
    assert not lt.pid_alive(pid)


def test_background_server_start_status_stop(tmp_path: Path) -> None:
    # A private home whose version folder is the real install: a state file of its own.
    (tmp_path / lt.LANGUAGETOOL_VERSION).symlink_to(lt.install_dir())
    state, started = lt.start_background(home=tmp_path)
    try:
        assert started
        assert json.loads(lt.state_path(tmp_path).read_text())["pid"] == state.pid
        again, started_again = lt.start_background(home=tmp_path)
        assert (again, started_again) == (state, False)

        service = lt.LanguageToolService(home=tmp_path)
        assert service.url() == state.url
        assert service.server is None  # found, not started
        assert [m.rule_id for m in service.check("This is a apple.")] == ["EN_A_VS_AN"]
    finally:
        stopped = lt.stop_background(home=tmp_path)
    assert stopped == state
    assert not lt.pid_alive(state.pid)
    assert not lt.state_path(tmp_path).exists()
    assert lt.stop_background(home=tmp_path) is None


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
    for command in ("start", "stop", "status"):
        help_text = CliRunner().invoke(app, [command, "--help"]).output
        assert "Example: cleaner languagetool" in help_text
