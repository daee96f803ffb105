"""Shared fixtures: paths to the shared samples and a pipeline without the network-bound stages."""

from __future__ import annotations

import functools
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaner.pipeline import PipelineConfig

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "samples" / "000_4b0a173bbebc4d8d.txt"
SPUN_DIR = SHARED / "samples" / "spun"
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"
CLEANER_BIN = Path(sys.executable).parent / "cleaner"


def sample_texts() -> list[str]:
    """The shared samples' texts (undecodable bytes replaced), in name order."""
    return [
        sample.read_text(encoding="utf-8", errors="replace")
        for sample in sorted((SHARED / "samples").rglob("*.txt"))
    ]


def bench_page_paths() -> list[Path]:
    """The extraction benchmarks' pages: AEB's, then WCXB dev's, each in name order."""
    bench = SHARED / "bench"
    paths = sorted((bench / "aeb" / "html").glob("*.html.gz"))
    paths += sorted((bench / "wcxb-dev" / "html").glob("*.html.gz"))
    assert paths, f"no benchmark pages under {bench}"
    return paths


def bench_pages(aeb_limit: int | None = None) -> list[bytes]:
    """Every benchmark page's HTML bytes, or only the first ``aeb_limit`` AEB pages."""
    paths = bench_page_paths()
    return [gzip.decompress(path.read_bytes()) for path in paths[:aeb_limit]]


def _private_languagetool_home() -> Path | None:
    """Tests use a LanguageTool home of their own (its version folder links to the real
    install), so the background server they start is theirs alone and stopped at the end.
    Set once in the controlling process; xdist workers inherit it and share one server."""
    if os.environ.get("CLEANER_TEST_LANGUAGETOOL_HOME"):
        return Path(os.environ["CLEANER_TEST_LANGUAGETOOL_HOME"])
    from cleaner import languagetool as lt

    if not lt.is_installed():
        return None
    home = Path(tempfile.mkdtemp(prefix="cleaner-test-languagetool-"))
    (home / lt.LANGUAGETOOL_VERSION).symlink_to(lt.install_dir())
    os.environ["CLEANER_TEST_LANGUAGETOOL_HOME"] = os.environ[lt.HOME_ENV] = str(home)
    # A server left by a test that died goes on its own.
    os.environ.setdefault(lt.IDLE_ENV, "300")
    return home


PRIVATE_LANGUAGETOOL_HOME = _private_languagetool_home()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if PRIVATE_LANGUAGETOOL_HOME is None or hasattr(session.config, "workerinput"):
        return  # only the controlling process stops the server, after every worker is done
    from cleaner import languagetool as lt

    lt.stop_background(PRIVATE_LANGUAGETOOL_HOME)
    shutil.rmtree(PRIVATE_LANGUAGETOOL_HOME, ignore_errors=True)


# Stages written for issue 2; repair and grammar have tests of their own.
CORE_SKIP = ("repair", "grammar")


@pytest.fixture(scope="session")
def reference_bytes() -> bytes:
    if not REFERENCE.exists():
        pytest.fail(f"shared sample missing: {REFERENCE} (../shared must sit beside the repo)")
    return REFERENCE.read_bytes()


@pytest.fixture(scope="session")
def core_cleaner():  # type: ignore[no-untyped-def]
    from cleaner import Cleaner

    return Cleaner.from_config(skip=CORE_SKIP)


def run_cli(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    """Run the real `cleaner` command in a subprocess."""
    env = dict(os.environ)
    env.pop("CLEANER_LANGUAGETOOL_URL", None)
    return subprocess.run(
        [str(CLEANER_BIN), *args],
        input=stdin,
        capture_output=True,
        cwd=cwd or REPO,
        env=env,
        timeout=timeout,
        check=False,
    )


# Modules whose every test starts a real service (LanguageTool, Ray, a browser) or kills and
# restarts processes, or is a battery of `cleaner` subprocesses (each costs ~1.5 CPU seconds
# to start) or a fresh virtual environment: the slow tier, but for the FAST_REPRESENTATIVES.
# Tests elsewhere that take a real LanguageTool server through the `lt_service` fixture are
# slow too, but for the FAST_REPRESENTATIVES; `make test-fast` runs everything else, in under
# a minute on two idle cores.
SLOW_MODULES = frozenset(
    {
        "test_languagetool",
        "test_grammar",
        "test_integrations_ray",
        "test_integrations_datatrove",
        "test_corpus_kill",
        "test_reference_full",
        "test_clean_cli",
        "test_corpus_hostile",
        "test_wheel",
        "test_cli_new_user",
    }
)
# The cheap tests of the CLI batteries above that stay in the fast tier, one or two per area
# they cover, so that `make test-fast` still runs the real command; and a few that take the
# real LanguageTool server, so that it still starts one (one server serves the whole run).
FAST_REPRESENTATIVES = frozenset(
    {
        # test_languagetool: a real server's offsets; versions, a missing or unreachable
        # server and stale state without one
        "test_offsets_are_python_characters_even_after_emoji",
        "test_pom_and_code_pin_the_same_version",
        "test_unreachable_url_gives_a_clear_error_naming_it",
        "test_missing_install_says_how_to_install",
        "test_stale_state_with_a_dead_pid_is_forgotten",
        # test_grammar: the stage on a real server, and `cleaner clean` with every default
        # stage through to it
        "test_allow_listed_fixes_are_applied_and_logged",
        "test_a_plain_clean_applies_fixes_and_collects_no_findings",
        # test_clean_cli: output naming, pipeline-file errors, stage options (input limits are
        # test_reliability's max_bytes tests)
        "test_two_inputs_that_would_share_an_output_are_refused_before_cleaning",
        "test_a_bad_stage_option_value_is_refused_once_naming_the_file",
        "test_every_stage_declares_the_options_its_build_reads",
        # test_corpus_hostile: hostile JSONL inputs (a cut WARC: test_every_hostile_kind_at_once)
        "test_a_lone_surrogate_in_jsonl_fails_that_line_only",
        # test_cli_new_user: standard output or -o that cannot be written
        "test_a_full_standard_output_is_an_error_message_not_a_traceback",
    }
)


# Single tests elsewhere that take many seconds: whole-benchmark passes, a 50 MB line, a
# LanguageTool server killed mid-run, a browser, the long hypothesis runs over generated HTML,
# and the `cleaner` subprocess batteries of modules whose other tests stay fast.
SLOW_TESTS = frozenset(
    {
        "test_corpus_run_with_languagetool_killed_stops_cleanly_and_resumes",
        "test_reproduces_published_trafilatura_figure",
        "test_huge_single_line_is_refused_then_cleaned_with_a_higher_limit",
        "test_ground_truth_bodies_lose_only_reviewed_chrome_lines",
        "test_cleaner_reaches_target_on_the_benchmark",
        # whole benchmark or corpus
        "test_a_complete_fast_precise_run_is_the_full_precise_run",
        "test_the_cached_model_gives_the_packaged_models_numbers",
        # a browser
        "test_report_has_no_clipped_column_in_chromium",
        "test_report_in_chromium_shows_failures_totals_and_a_document",
        "test_report_filters_by_stage_and_rule_in_chromium",
        # hypothesis over generated HTML (the byte and text properties stay fast)
        "test_pipeline_on_generated_html",
        "test_no_stage_invents_text_on_html",
        # a full disk, a corpus run twice through the CLI
        "test_disk_full_gives_a_clear_error_and_no_partial_files",
        # CLI batteries (test_cli keeps its golden output, stage list and rule-file errors)
        "test_usage_errors_exit_2",
        "test_help_teaches_with_examples",
        "test_explain_prints_every_edit_to_stderr",
        "test_diff_shows_removed_lines",
        "test_stdin_to_output_file",
        "test_html_input_is_extracted",
        "test_bad_inputs_fail_alone_and_name_the_file",
        "test_jsonl_output_carries_metadata_and_edits",
        "test_several_files_into_a_folder",
        "test_jsonl_stdin_pipe_keeps_other_fields",
        "test_missing_field_in_rule_file",
        "test_command_exit_codes_and_quiet_output",
        # (test_packaging keeps its wrong rules_dir test)
        "test_clean_refuses_an_unusable_rules_folder",
        "test_rules_dir_from_the_environment_is_used_by_clean_and_rules_check",
        "test_rules_check_says_which_path_is_missing_and_why",
        "test_pipelines_without_rule_stages_need_no_rules",
        "test_a_stage_option_naming_a_missing_rules_path_is_refused",
        "test_corpus_refuses_a_missing_rules_folder_before_writing",
        # (mining, candidates, language, spin gate and regex safety keep their in-process tests)
        "test_mine_writes_a_candidate_file_that_loads_and_passes_check",
        "test_rules_check_cli_runs_candidate_examples_with_the_model",
        "test_cli_jsonl_carries_the_language",
        "test_score_command_reports_the_gate",
        "test_rules_check_warns_about_nested_quantifiers",
        "test_a_run_killed_while_learning_or_cleaning_resumes_to_the_same_output",
        # Measured for the one-minute fast tier (CPU seconds of each test and its
        # subprocesses); each area keeps a cheaper test in the fast tier, named after '>'.
        # learned chrome through the CLI > its in-process tests (learning in test_learned_chrome,
        # the saved decision in test_learned_chrome_cache, the stage in ..._registered); the
        # `stages` and `corpus` commands > test_cli, test_a_lone_surrogate_in_jsonl_...
        "test_sites_by_url_in_jsonl_and_a_page_added_later",
        "test_skip_learned_chrome_turns_learning_off_and_contradictions_are_usage_errors",
        "test_learning_on_ray_is_a_usage_error_naming_the_replay",
        "test_stages_lists_it_and_the_default_pipeline_runs_it_between_chrome_and_captions",
        "test_a_rerun_with_the_same_learn_files_takes_the_saved_decision",
        "test_pass_one_shows_progress_and_an_input_it_lost_is_told_once_cleaning_shows",
        "test_a_saved_list_replays_on_another_run_and_in_clean",
        "test_a_sites_footer_and_promo_are_learned_and_removed",
        "test_contradictory_or_unusable_learned_chrome_options_stop_before_out_is_made",
        "test_help_teaches_the_options",
        # page layout > the in-process real-page tests
        "test_cli_markdown_title_and_jsonl_agree",
        "test_corpus_takes_no_title",
        "test_a_code_block_keeps_its_closing_fence_where_layout_edits_meet_it",
        "test_chrome_and_repair_work_on_the_same_lines_in_markdown",
        # decoding > the in-process decode tests
        "test_cli_cleans_a_broken_html_page_from_any_name_and_stdin",
        "test_corpus_run_cleans_a_broken_html_page_with_the_warning_in_its_audit",
        # corpus runner > test_every_format_is_cleaned_into_a_mirrored_tree and the rest of
        # test_corpus, test_every_hostile_kind_at_once, test_a_lone_surrogate_in_jsonl_...
        "test_any_mix_of_inputs_is_cleaned_or_reported_and_a_rerun_changes_nothing",
        "test_big_jsonl_is_sharded_across_workers_in_order",
        "test_a_second_run_on_the_same_out_is_refused",
        "test_progress_and_summary_on_a_terminal",
        "test_rerun_skips_unchanged_and_redoes_what_changed",
        "test_read_only_out_gives_a_clear_error",
        # memory bounds > the streamed audit line and lowering-in-pieces tests
        "test_repair_of_a_long_glued_document_region_by_region",
        "test_repair_region_by_region_is_repair_in_one_piece",
        "test_unicode_piece_by_piece_is_ftfy_on_the_whole_text",
        "test_unicode_on_a_long_glued_document_is_ftfy",
        "test_report_of_a_huge_audit_line_never_holds_its_edits",
        # extraction against trafilatura's own tree > the other test_extract_stage tests
        "test_parse_html_builds_the_tree_trafilatura_builds",
        "test_body_container_test_is_translated_and_agrees_with_the_xpath",
        # unicode against ftfy > test_equals_fix_text_on_mojibake and the rest
        "test_equals_fix_text_on_benchmark_bodies",
        # language model cache > test_the_default_sample_gives_the_language_of_a_long_sample
        "test_an_unusable_cache_falls_back_to_the_packaged_model",
        # a CLI subprocess > test_cli
        "test_mine_names_a_missing_input",
        # Measured again (CPU seconds of the test and its `cleaner` subprocesses), each area
        # keeping a cheaper test, named after '>':
        # corpus --format markdown (7 s) > test_markdown_without_tidy_is_a_usage_error_in_...
        # and test_page_layout's in-process Markdown tests
        "test_corpus_writes_the_markdown_clean_writes_under_the_same_names",
        # the chrome model through the CLI (4 + 1.4 s) > its in-process tests (a broken file:
        # test_a_broken_model_file_is_refused_naming_the_file)
        "test_explain_shows_the_models_removal",
        "test_a_broken_model_file_stops_the_run_naming_it",
        # an unreadable rule-check cache (3 s: checks every rule) > the in-process tests of
        # test_repair_validated
        "test_an_unreadable_cache_folder_means_checking_the_rules_again",
    }
)


def unknown_tier_names(tests_dir: Path = REPO / "tests") -> list[str]:
    """Names in SLOW_MODULES, FAST_REPRESENTATIVES and SLOW_TESTS that no test file defines:
    a renamed or deleted test would otherwise leave its entry silently doing nothing (and a
    renamed heavy test slip into the fast tier). Read from the sources, so that a run of a
    few files checks the whole list too."""
    test_files = sorted(tests_dir.glob("test_*.py"))
    defined = {
        match.group(1)
        for path in test_files
        for match in re.finditer(r"^\s*(?:async\s+)?def\s+(test_\w+)", path.read_text(), re.M)
    }
    modules = {path.stem for path in test_files}
    return sorted(
        [f"SLOW_MODULES: {name}" for name in SLOW_MODULES - modules]
        + [f"FAST_REPRESENTATIVES: {name}" for name in FAST_REPRESENTATIVES - defined]
        + [f"SLOW_TESTS: {name}" for name in SLOW_TESTS - defined]
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.option.markexpr == "not slow":
        # The fast tier's one LanguageTool server is asked only a few checks: it starts quickly.
        from languagetool_fixtures import QUICK_START_JAVA_OPTS

        from cleaner import languagetool as lt

        os.environ.setdefault(lt.JAVA_OPTS_ENV, QUICK_START_JAVA_OPTS)
    unknown = unknown_tier_names()
    if unknown:
        raise pytest.UsageError(
            "tests/conftest.py names tests that no test file defines (renamed or deleted? "
            "update the list): " + ", ".join(unknown)
        )


def is_slow(module: str, name: str, fixtures: Collection[str]) -> bool:
    """Whether test ``name`` of ``module``, taking ``fixtures``, is in the slow tier."""
    if name in SLOW_TESTS:
        return True
    if name in FAST_REPRESENTATIVES:
        return False
    return module in SLOW_MODULES or "lt_service" in fixtures


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        name = getattr(item, "originalname", item.name)
        if is_slow(module, name, getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# --- inputs of the corpus runner's tests (test_corpus, _hostile, _fuzz, _kill share them) ------

ARTICLE = (
    "Council approves new cycle lanes\n\n"
    "The city council voted on Tuesday to build four kilometres of protected cycle lanes "
    "along the river road, after a debate that lasted most of the afternoon.\n\n"
    "Advertisement\n\n"
    "Work is due to start in the spring and to finish before the end of the school year, "
    "the council's transport committee said.\n\n"
    "Sign up for our newsletter\n\n"
    "Residents will be able to comment on the detailed plans at three public meetings.\n"
)
PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Lanes</title></head><body>"
    "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>Council approves "
    "new cycle lanes</h1><p>The city council voted on Tuesday to build four kilometres of "
    "protected cycle lanes along the river road, after a long debate.</p><p>Advertisement</p>"
    "<p>Work is due to start in the spring and to finish before the end of the school year, "
    "the council's transport committee said.</p><p>Residents will be able to comment on the "
    "detailed plans at three public meetings.</p></article><footer>Contact us</footer></body></html>"
)


def corpus_config(rules_dir: Path | None = None) -> PipelineConfig:
    """The pipeline of the corpus tests: no network-bound stage."""
    cfg = PipelineConfig.load().without(CORE_SKIP)
    return cfg.with_overrides(rules_dir=rules_dir)


def article(number: int) -> str:
    return ARTICLE.replace("four", f"{number} and four")


@functools.cache
def warc_pages(pages: int = 3, gzipped: bool = False, long: bool = True) -> bytes:
    """A WARC of ``pages`` HTML responses (gzip members if ``gzipped``), each a long article,
    or the short :data:`PAGE` (for tests that cut the file at every byte)."""
    buffer = BytesIO()
    writer = WARCWriter(buffer, gzip=gzipped)
    for number in range(pages):
        body = PAGE.replace("four kilometres", f"{number + 4} kilometres")
        if long:
            padding = "<p>" + "The plan brought significant gains. " * 60 + "</p></article>"
            body = body.replace("</article>", padding)
        http = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        record = writer.create_warc_record(
            f"https://news.example.org/{number}",
            "response",
            payload=BytesIO(body.encode("utf-8")),
            length=len(body.encode("utf-8")),
            http_headers=http,
        )
        writer.write_record(record)
    return buffer.getvalue()


def children_reading(parent: int, path: Path) -> list[int]:
    """Child processes of ``parent`` that have ``path`` open."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) != parent:
                continue
            if any(os.readlink(fd) == str(path) for fd in (entry / "fd").iterdir()):
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def kill_when(
    proc: subprocess.Popen[bytes], moment: Callable[[], bool], wait_s: float = 120
) -> bool:
    """SIGKILL ``proc`` as soon as ``moment()`` holds (or after ``wait_s``) and wait for it;
    whether it was still running to be killed (False: it had ended first)."""
    deadline = time.monotonic() + wait_s
    while proc.poll() is None and not moment() and time.monotonic() < deadline:
        time.sleep(0.002)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return killed


# A user's own chrome rule file of one rule (tests of rules kept outside the checkout).
ZEBRA_RULE = """[meta]
kind = "chrome"

[[rules]]
id = "test.zebra"
action = "line"
exact = ["Zebra crossing ahead"]
examples = ["Zebra crossing ahead"]
keep = ["A zebra crossing is ahead of the school."]
"""
