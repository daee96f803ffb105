"""Hostile input, limits, paths and faults: size limits, deep or entity-laden HTML, no network
while cleaning, the corpus runner never writing outside OUT, and a full or read-only OUT."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CLEANER_BIN, CORE_SKIP, run_cli

from cleaner.corpus import (
    ERRORS_FILE,
    CorpusError,
    iter_jsonl,
    run_corpus,
)
from cleaner.errors import DocumentError
from cleaner.pipeline import Pipeline, PipelineConfig

ARTICLE = (
    "The council voted on Monday to expand bus service across the city, officials said.\n\n"
    "Costs would rise by about five percent next year, while critics warned of delays.\n"
)
# Generous bounds for a loaded 2-core machine; what they catch is a parse that runs away.
QUICK_S = 20.0


def config(**overrides: object) -> PipelineConfig:
    return PipelineConfig.load().without(CORE_SKIP).with_overrides(**overrides)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(config())


# --- size limits ------------------------------------------------------------------------------


def test_max_bytes_refuses_large_documents_in_the_corpus_runner(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "big.txt").write_text("word " * 1000, encoding="utf-8")
    (src / "small.txt").write_text(ARTICLE, encoding="utf-8")
    records = [{"id": "big", "text": "word " * 1000}, {"id": "small", "text": ARTICLE}]
    (src / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    summary = run_corpus(src, tmp_path / "out", config(max_bytes=2000), jobs=1)
    errors = list(iter_jsonl(tmp_path / "out" / ERRORS_FILE))
    assert summary.failures_total == 2 and len(errors) == 2
    assert all("MB limit" in e["reason"] and "--max-bytes" in e["reason"] for e in errors), errors
    assert (tmp_path / "out" / "small.txt").read_text() == ARTICLE
    assert not (tmp_path / "out" / "big.txt").exists()
    big, small = [json.loads(line) for line in (tmp_path / "out" / "docs.jsonl").open()]
    assert small["id"] == "small" and "cleaner_error" not in small
    # Refused while reading, never held: the line is named in its place, not copied.
    [reason] = [e["reason"] for e in errors if e["source"] == "docs.jsonl:1"]
    assert big == {"cleaner_input": "docs.jsonl:1", "cleaner_error": reason}


def test_max_bytes_defaults_to_20_mb_and_is_enforced(pipeline: Pipeline) -> None:
    assert pipeline.config.max_bytes == 20_000_000
    with pytest.raises(DocumentError, match="above the 20 MB limit"):
        pipeline.clean_bytes(b"a" * 20_000_001)


# --- hostile HTML -----------------------------------------------------------------------------


def test_deeply_nested_html_finishes_quickly_with_a_clear_warning(pipeline: Pipeline) -> None:
    page = (
        "<html><body>"
        + "<div>" * 100_000
        + "deep"
        + "</div>" * 100_000
        + "<p>"
        + "Article text. " * 40
        + "</p></body></html>"
    )
    started = time.monotonic()
    try:
        result = pipeline.clean_text(page, {"format": "html"})
    except DocumentError as exc:  # refusing is a clear result too
        assert "internal error" not in exc.reason
    else:
        assert any("nests deeper" in w for w in result.warnings), result.warnings
    assert time.monotonic() - started < QUICK_S


def test_entity_expansion_is_not_performed(pipeline: Pipeline) -> None:
    # "Billion laughs": ten levels of entities each expanding to ten of the next.
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    page = (
        f'<?xml version="1.0"?><!DOCTYPE html [{entities}]><html><body>'
        f"<p>&lol9;</p><p>{'Article text here. ' * 30}</p></body></html>"
    )
    started = time.monotonic()
    result = pipeline.clean_text(page, {"format": "html"})
    assert time.monotonic() - started < QUICK_S
    assert "lollol" not in result.text and len(result.text) < 10_000
    assert "Article text here." in result.text


# --- no network while cleaning ----------------------------------------------------------------


@pytest.fixture
def network_guard(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any connection or name lookup in this process is recorded and refused."""
    attempts: list[object] = []

    def refuse_connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network access while cleaning")

    def refuse_lookup(host: object, *args: object, **kwargs: object) -> None:
        attempts.append(host)
        raise socket.gaierror("name lookup while cleaning")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_lookup)
    monkeypatch.setattr(socket, "gethostbyname", refuse_lookup)
    return attempts


def test_the_network_guard_catches_a_fetch(network_guard: list[object]) -> None:
    with pytest.raises(OSError):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)
    assert network_guard


def test_cleaning_html_with_remote_references_makes_no_connection(
    pipeline: Pipeline, network_guard: list[object]
) -> None:
    page = (
        "<!doctype html><html><head>"
        '<base href="http://example.com/news/">'
        '<link rel="stylesheet" href="http://example.com/s.css">'
        '<link rel="canonical" href="https://example.com/story">'
        '<meta property="og:url" content="https://example.com/story">'
        '<meta http-equiv="refresh" content="0; url=http://example.com/elsewhere">'
        '<script src="https://example.com/app.js"></script>'
        "<title>Bus plan</title></head><body><article>"
        '<img src="http://example.com/a.jpg"><iframe src="http://example.com/embed"></iframe>'
        f"<p>{ARTICLE.splitlines()[0]}</p><p>{ARTICLE.splitlines()[2]}</p>"
        '<p><a href="relative/link">More</a></p>'
        "</article></body></html>"
    )
    result = pipeline.clean_text(page, {"format": "html", "url": "https://example.com/story"})
    assert "council voted" in result.text
    assert network_guard == []


# --- paths ------------------------------------------------------------------------------------


def _outputs(out: Path) -> set[str]:
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and not {".cleaner", "_report"} & set(p.relative_to(out).parts)
    } - {"_audit.jsonl", "_errors.jsonl", "report.html", "_learned_chrome.jsonl"}


@pytest.fixture
def linked_tree(tmp_path: Path) -> tuple[Path, Path]:
    src, outside = tmp_path / "in", tmp_path / "outside"
    src.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("Private notes outside IN.\n")
    (src / "real.txt").write_text(ARTICLE)
    (src / "link.txt").symlink_to(outside / "secret.txt")
    (src / "linkdir").symlink_to(outside, target_is_directory=True)
    (src / "inner.txt").symlink_to(src / "real.txt")
    (src / "loop").symlink_to(src, target_is_directory=True)
    return src, outside


def test_links_out_of_in_are_not_followed(tmp_path: Path, linked_tree: tuple[Path, Path]) -> None:
    src, outside = linked_tree
    summary = run_corpus(src, tmp_path / "out", config(), jobs=1)
    assert _outputs(tmp_path / "out") == {"real.txt", "inner.txt"}
    assert set(summary.links_skipped) == {"link.txt", "linkdir", "loop"}
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_follow_symlinks_reads_them_and_ends_link_loops(
    tmp_path: Path, linked_tree: tuple[Path, Path]
) -> None:
    src, _ = linked_tree
    started = time.monotonic()
    run_corpus(src, tmp_path / "out", config(), jobs=1, follow_symlinks=True)
    assert time.monotonic() - started < QUICK_S
    outputs = _outputs(tmp_path / "out")
    assert {"real.txt", "inner.txt", "link.txt", "linkdir/secret.txt"} <= outputs
    assert not any(name.startswith("loop/loop/") for name in outputs)


def test_odd_input_names_stay_inside_out(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    (src / "sub").mkdir(parents=True)
    names = ["a..txt", "...html", "-rf.txt", "a\\..\\b.txt", "new\nline.txt", "ü ñ 文.txt"]
    for name in names:
        (src / name).write_text(ARTICLE)
    (src / "sub" / "x.jsonl").write_text(json.dumps({"text": ARTICLE, "id": "../../x"}) + "\n")
    before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(src)}
    run_corpus(src, out, config(), jobs=1)
    after = {p for p in tmp_path.rglob("*") if not p.is_relative_to(src)}
    new = after - before
    assert new and all(p.is_relative_to(out) for p in new), sorted(map(str, new - {out}))
    # Hidden files ("...html") are left out, as everywhere; every other input has its output.
    assert len(_outputs(out)) == len(names) - 1 + 1


def test_a_link_in_out_leading_elsewhere_is_refused(tmp_path: Path) -> None:
    src, out, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_text(ARTICLE)
    out.mkdir()
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(CorpusError, match="leads outside OUT"):
        run_corpus(src, out, config(), jobs=1)
    assert list(elsewhere.iterdir()) == []


def test_out_reached_through_a_link_into_in_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "clean").mkdir(parents=True)
    (tmp_path / "out").symlink_to(src / "clean", target_is_directory=True)
    with pytest.raises(CorpusError, match="inside IN"):
        run_corpus(src, tmp_path / "out", config(), jobs=1)
    assert list((src / "clean").iterdir()) == []


# --- faults: a full or read-only OUT ------------------------------------------------------------


def _mounted_tmpfs(tmp_path: Path, size: str) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mount not permitted here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB file system (tmpfs), mounted for the test: a disk that fills up."""
    yield from _mounted_tmpfs(tmp_path, "64k")


@pytest.fixture
def roomy_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB file system (tmpfs), for a run that must fit before it is made read-only."""
    yield from _mounted_tmpfs(tmp_path, "1m")


def _remount(mount: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(mount)], check=True)


def _articles(src: Path, count: int) -> None:
    src.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        (src / f"a{number:03d}.txt").write_text(f"Story {number}.\n\n" + ARTICLE * 20)


def _no_partial_files(out: Path, reference: Path) -> None:
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers, leftovers
    for path in out.glob("*.txt"):
        assert path.read_bytes() == (reference / path.name).read_bytes(), path


def test_disk_full_gives_a_clear_error_and_no_partial_files(tmp_path: Path, tmpfs: Path) -> None:
    src, out, reference = tmp_path / "in", tmpfs / "out", tmp_path / "ref"
    _articles(src, 40)  # ~130 KB of output for a 64 KiB disk
    run_corpus(src, reference, config(), jobs=1)
    done = run_cli("corpus", str(src), str(out), "--skip", ",".join(CORE_SKIP), "--jobs", "2")
    stderr = done.stderr.decode()
    assert done.returncode != 0
    assert "disk is full" in stderr and "Traceback" not in stderr, stderr
    _no_partial_files(out, reference)
    # Space freed: the same command finishes the job.
    _remount(tmpfs, "size=4m")
    again = run_cli("corpus", str(src), str(out), "--skip", ",".join(CORE_SKIP), "--jobs", "2")
    assert again.returncode == 0, again.stderr.decode()
    assert _outputs(out) == _outputs(reference)
    _no_partial_files(out, reference)


def test_read_only_out_gives_a_clear_error(tmp_path: Path, roomy_tmpfs: Path) -> None:
    tmpfs = roomy_tmpfs
    src, out, reference = tmp_path / "in", tmpfs / "out", tmp_path / "ref"
    _articles(src, 3)
    run_corpus(src, out, config(), jobs=1)
    run_corpus(src, reference, config(), jobs=1)
    (src / "new.txt").write_text(ARTICLE)
    _remount(tmpfs, "ro")
    # Refused before the run starts (a probe file in OUT), not found by the first write.
    with pytest.raises(CorpusError, match=r"(?i)read-only"):
        run_corpus(src, out, config(), jobs=1)
    done = run_cli("corpus", str(src), str(tmpfs / "other"), "--skip", ",".join(CORE_SKIP))
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert "read-only" in stderr.lower() and "Traceback" not in stderr, stderr
    _remount(tmpfs, "rw")
    _no_partial_files(out, reference)
    assert not (out / "new.txt").exists()


# --- faults: LanguageTool killed during a corpus run ----------------------------------------


def test_corpus_run_with_languagetool_killed_stops_cleanly_and_resumes(tmp_path: Path) -> None:
    from cleaner import languagetool as lt

    if not lt.is_installed():
        pytest.skip("LanguageTool is not installed (make languagetool)")
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for number in range(400):
        (src / f"a{number:03d}.txt").write_text(f"Story {number} is a apple.\n\n{ARTICLE}")
    args = ["corpus", str(src), str(out), "--skip", "repair", "--jobs", "2", "--quiet"]
    server = lt.start_server()
    try:
        runner = subprocess.Popen(
            [str(CLEANER_BIN), *args, "--languagetool-url", server.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and runner.poll() is None:
            if any(out.glob("a*.txt")):  # outputs are being written
                break
            time.sleep(0.05)
        server.stop(timeout=0)  # SIGTERM then SIGKILL of the whole process group at once
        _, stderr = runner.communicate(timeout=120)
    finally:
        server.stop(timeout=0)
    message = stderr.decode()
    assert runner.returncode == 3, message  # EXIT_SERVICE
    assert "LanguageTool" in message and "Traceback" not in message, message
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    finished = _outputs(out)
    assert len(finished) < 400
    for name in finished:
        assert "is an apple." in (out / name).read_text(), name  # complete, checked outputs
    # A new server: the same command resumes and finishes.
    server = lt.start_server()
    try:
        again = run_cli(*args, "--languagetool-url", server.url, timeout=600)
    finally:
        server.stop()
    assert again.returncode == 0, again.stderr.decode()
    assert len(_outputs(out)) == 400
