"""Known failures of the repair pack stay failures until fixed; then move them into rules."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cleaner.rules.repair import load_pack

REPO = Path(__file__).resolve().parents[1]
CASES = tomllib.loads((REPO / "tests" / "golden" / "repair-known-failures.toml").read_text())[
    "case"
]


@pytest.fixture(scope="module")
def pack():  # type: ignore[no-untyped-def]
    return load_pack(REPO / "rules" / "repairs")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["text"][:40])
def test_known_failure_still_fails(pack, case: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    got, _ = pack.repair(case["text"])
    assert got != case["expected"], (
        "now repaired: move this case into a rule's examples and delete it from "
        "tests/golden/repair-known-failures.toml"
    )
