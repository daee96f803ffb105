"""Standard input is cleaned as it comes: a program that writes one JSONL record and waits for
its answer before writing the next (request/response) must get each answer without closing
the pipe. The format sniff read 64 bytes and the replay behind it 8 KiB before the first line
was cleaned, so two short records and a pause gave no output at all: the consumer deadlocked."""

from __future__ import annotations

import json
import os
import select
import subprocess
from typing import IO

from conftest import CLEANER_BIN


def _read_line(stream: IO[bytes], timeout: float) -> bytes:
    """One line from ``stream``, or b"" when none arrives within ``timeout`` seconds."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else b""


def _converse(*args: str) -> None:
    env = dict(os.environ)
    env.pop("CLEANER_LANGUAGETOOL_URL", None)
    with subprocess.Popen(
        [str(CLEANER_BIN), "clean", *args, "-", "--skip", "grammar"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            for number in (1, 2, 3):
                proc.stdin.write(json.dumps({"text": f"Record {number}."}).encode() + b"\n")
                proc.stdin.flush()
                # Generous: the first answer includes the start of the command.
                answer = _read_line(proc.stdout, 60 if number == 1 else 20)
                assert answer, f"no answer to record {number} while stdin stays open"
                assert json.loads(answer)["text"] == f"Record {number}."
            proc.stdin.close()
            assert proc.wait(timeout=60) == 0
        finally:
            proc.kill()


def test_each_jsonl_record_on_stdin_is_answered_before_the_next_arrives() -> None:
    _converse("--format", "jsonl")


def test_jsonl_input_format_on_stdin_streams_too() -> None:
    _converse("--input-format", "jsonl", "--format", "jsonl")
