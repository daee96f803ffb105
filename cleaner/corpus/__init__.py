"""Cleaning a folder tree: parallel, incremental, resumable, with an audit trail.

``run_corpus(IN, OUT, config)`` walks IN and writes into OUT a tree that mirrors it:

=====================================  ===============================================
input                                  output
=====================================  ===============================================
``a/b.txt``, ``a/b.html``(``.gz``)     ``a/b.txt``: the clean text
``a/b.jsonl`` (``.gz``)                ``a/b.jsonl`` (``.gz``): every field kept, the text
                                       field cleaned, cleaner's ``metadata`` added
``a/b.warc`` (``.gz``)                 ``a/b.jsonl``: one record per HTML response
=====================================  ===============================================

plus ``_audit.jsonl`` (one line per document), ``_errors.jsonl`` (one line per failed document),
``_learned_chrome.jsonl`` (the lines learned as each site's chrome and removed:
:mod:`~cleaner.corpus.learned_chrome`) and ``report.html``. Everything the runner needs to resume lives in ``OUT/.cleaner/``.

How a run survives being killed at any moment (SIGKILL included):

* Work is cut into *shards*: one per text, HTML or WARC file, and byte ranges of about
  :data:`SHARD_BYTES` for uncompressed JSONL (so one big file is spread over every worker and
  a kill loses at most a shard per worker). A worker writes a shard's output, audit lines and
  error lines to temporary files, renames them into ``OUT/.cleaner/parts/`` and writes the
  shard's ``done`` file last: a shard with a ``done`` file is complete, any other is redone.
* When every shard of an input is done, the runner *commits* the input: output renamed into
  the mirrored tree, audit and error lines into per-input files, then the input recorded in the
  manifest. Every step is idempotent, so a commit cut short is simply redone.
* An input that is a single shard (every text, HTML and WARC file, and small JSONL) skips the
  parts: the worker renames its output, audit and error files straight into their final
  places, and the runner only records it in the manifest. Until that entry is written the input
  counts as not done, and a rerun replaces the files whole, so a kill in between loses nothing
  and duplicates nothing. The runner's own work per input stays small enough not to hold back
  the workers (with a file per document, it was a third of what they did).
* ``_audit.jsonl`` and ``_errors.jsonl`` are rebuilt from the per-input files at the end of a
  run, so no document's lines can appear twice, whatever was interrupted.

Incremental: the manifest (:mod:`cleaner.corpus.manifest`, an SQLite file in
``OUT/.cleaner/``) records, per input, its size, mtime, ctime, content hash and a job key (content hash + pipeline
fingerprint, which covers the rule files + cleaner version + text field). An input whose job
key is unchanged and whose outputs exist is skipped; change a rule and every input is redone.
Inputs that disappeared from IN have their outputs removed.

Memory stays flat in the size of the corpus: documents stream through the workers, and the
run's list of inputs and its plan wait in the manifest on disk, not in the runner's memory.

Only one run may write to an OUT at a time (``OUT/.cleaner/lock``, an ``flock``, released by
the kernel when its holder dies, so a killed run never leaves a lock that blocks the next).

The package, in the order a run uses it: :mod:`~cleaner.corpus.plan` (walk IN through
:mod:`cleaner.io.walk`, decide what to clean), :mod:`~cleaner.corpus.lock`,
:mod:`~cleaner.corpus.manifest` (the state), :mod:`~cleaner.corpus.learned_chrome` (pass 1
and the learned list, with :mod:`~cleaner.corpus.prefix_cache`, what pass 1 keeps for pass 2),
:mod:`~cleaner.corpus.shards` (what a worker does, and the engine protocol), :mod:`~cleaner.corpus.pool` (the local engine),
:mod:`~cleaner.corpus.audit` (the audit and error lines), :mod:`~cleaner.corpus.commit`,
:mod:`~cleaner.corpus.run` (:func:`run_corpus`, which ties them together).
"""

from __future__ import annotations

from cleaner.corpus.errors import CorpusError, CorpusLocked, OutputError
from cleaner.corpus.learned_chrome import MIN_DOCUMENTS as LEARN_MIN_DOCUMENTS
from cleaner.corpus.learned_chrome import MIN_SHARE as LEARN_MIN_SHARE
from cleaner.corpus.learned_chrome import Thresholds as LearnThresholds
from cleaner.corpus.learned_chrome import learned_pipeline
from cleaner.corpus.learned_chrome import read_table as read_learned_chrome
from cleaner.corpus.lock import RunLock
from cleaner.corpus.plan import MASS_DELETE_FRACTION, SHARD_BYTES
from cleaner.corpus.run import default_jobs, run_corpus
from cleaner.corpus.shards import (
    ShardDone,
    ShardEngine,
    ShardTask,
    batches,
    run_shard,
    service_error,
    shard_file,
)
from cleaner.corpus.summary import CorpusSummary, LearningProgress, ProgressSink
from cleaner.errors import ConfigError
from cleaner.io.layout import (
    AUDIT_FILE,
    ERRORS_FILE,
    REPORT_ASSETS,
    REPORT_FILE,
    STATE_DIR,
    printable_name,
)
from cleaner.io.readers import iter_jsonl
from cleaner.io.walk import walk_inputs

__all__ = [
    "AUDIT_FILE",
    "ERRORS_FILE",
    "LEARN_MIN_DOCUMENTS",
    "LEARN_MIN_SHARE",
    "MASS_DELETE_FRACTION",
    "REPORT_ASSETS",
    "REPORT_FILE",
    "SHARD_BYTES",
    "STATE_DIR",
    "ConfigError",
    "CorpusError",
    "CorpusLocked",
    "CorpusSummary",
    "LearnThresholds",
    "LearningProgress",
    "OutputError",
    "ProgressSink",
    "RunLock",
    "ShardDone",
    "ShardEngine",
    "ShardTask",
    "batches",
    "default_jobs",
    "iter_jsonl",
    "learned_pipeline",
    "printable_name",
    "read_learned_chrome",
    "run_corpus",
    "run_shard",
    "service_error",
    "shard_file",
    "walk_inputs",
]
