"""WARC error messages are one line each: warcio's messages quote the bytes they choked on,
whose line breaks would otherwise split a message in two, in the terminal, in _errors.jsonl
readers and in logs."""

from __future__ import annotations

import gzip
from pathlib import Path

from conftest import run_cli, warc_pages

from cleaner.io.warc import one_line, read_warc_path

SKIP = ("--skip", "grammar,repair")


def _broken_second_record(tmp_path: Path) -> Path:
    """A whole record, then one whose first line holds line breaks (a vertical tab, a form
    feed, NEL, LINE SEPARATOR) that warcio quotes in its message."""
    path = tmp_path / "pages.warc.gz"
    junk = "JUNK\x0bfirst\x0cline\x85next\u2028end\r\nmore\r\n\r\n".encode()
    path.write_bytes(gzip.compress(warc_pages(1)) + gzip.compress(junk))
    return path


def test_warcio_multi_line_message_becomes_one_line(tmp_path: Path) -> None:
    sources = list(read_warc_path(_broken_second_record(tmp_path), "pages.warc.gz"))
    errors = [source.error for source in sources if source.error]
    assert errors, [source.name for source in sources]
    for error in errors:
        assert error == error.strip() and len(error.splitlines()) == 1, repr(error)
        assert "  " not in error, repr(error)


def test_cli_prints_each_warc_error_on_one_line(tmp_path: Path) -> None:
    big = tmp_path / "huge.warc"  # a Content-Length no read can take: it crashed the command
    big.write_bytes(
        b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.org/\r\n"
        b"Content-Type: application/http; msgtype=response\r\n"
        b"Content-Length: 99999999999999999999999\r\n\r\nHTTP/1.1 200 OK\r\n"
    )
    proc = run_cli("clean", str(_broken_second_record(tmp_path)), str(big), *SKIP)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert all(line.startswith("cleaner: ") for line in lines), err
    assert any("pages.warc.gz" in line and "damaged WARC file" in line for line in lines), err
    assert any("huge.warc:1: damaged WARC file" in line for line in lines), err


def test_one_line_keeps_a_single_line_as_it_is() -> None:
    assert one_line("record 3 is cut off") == "record 3 is cut off"
    assert one_line("\n  ERROR: first\n\n  second\r\nthird\u2028end  ") == (
        "ERROR: first second third end"
    )
