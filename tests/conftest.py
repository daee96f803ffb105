"""Shared fixtures: paths to the shared samples and a pipeline without the network-bound stages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "samples" / "000_4b0a173bbebc4d8d.txt"
SPUN_DIR = SHARED / "samples" / "spun"
AEB_TRUTH = SHARED / "bench" / "aeb" / "ground-truth.json"
CLEANER_BIN = Path(sys.executable).parent / "cleaner"

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
