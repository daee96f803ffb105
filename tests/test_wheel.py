"""The wheel works anywhere: built from the checkout, installed by the stock pip of a fresh
``python3 -m venv`` with no registry (``--no-index``), it cleans the reference article from an
unrelated folder exactly as the checkout does.

The dependencies come from this test environment: each installed distribution that cleaner
needs is packed back into a wheel, so the fresh venv gets only what cleaner's metadata asks
for (no ``--system-site-packages``, which would hide a missing dependency).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from conftest import REFERENCE, REPO, run_cli
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Files pip writes into a dist-info when it installs; a wheel does not carry them.
INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD"}


def clean_env() -> dict[str, str]:
    """The environment without anything that could point pip or cleaner elsewhere."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIP_", "PYTHON", "CLEANER_", "VIRTUAL_ENV"))
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(),
        timeout=300,
        check=False,
    )


def build_wheel(into: Path, scratch: Path) -> Path:
    """Build cleaner's wheel from a copy of the checkout's sources (a build in the checkout
    itself leaves build/ behind, whose stale files would end up in later wheels)."""
    source = scratch / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "cleaner", source / "cleaner", ignore=ignore)
    shutil.copytree(REPO / "rules", source / "rules", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    done = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--no-index", "-w", into, source,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = into.glob("cleaner-*.whl")
    return wheel


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _wheel_name(dist: metadata.Distribution) -> str:
    wheel_info = Parser().parsestr(dist.read_text("WHEEL") or "")
    tags = [tag.split("-") for tag in wheel_info.get_all("Tag") or ["py3-none-any"]]
    python, abi, platform = (".".join(dict.fromkeys(t[i] for t in tags)) for i in range(3))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    return f"{name}-{dist.version}-{python}-{abi}-{platform}.whl"


def repack(dist: metadata.Distribution, into: Path) -> None:
    """Pack an installed distribution back into a wheel: its files in site-packages and its
    metadata, with a fresh RECORD (scripts are made again by pip from entry_points.txt)."""
    assert dist.files is not None, f"{dist.metadata['Name']}: installed without a RECORD"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    dist_info = None
    target = into / _wheel_name(dist)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as wheel:
        for file in dist.files:
            parts = file.parts
            if parts[0] == ".." or "__pycache__" in parts:
                continue
            if parts[0].endswith(".dist-info"):
                dist_info = parts[0]
                if parts[-1] in INSTALLER_FILES:
                    continue
            path = Path(str(file.locate()))
            if not path.is_file():
                continue
            data = path.read_bytes()
            wheel.writestr(file.as_posix(), data)
            writer.writerow([file.as_posix(), _record_hash(data), len(data)])
        assert dist_info is not None, f"{dist.metadata['Name']}: no .dist-info folder"
        writer.writerow([f"{dist_info}/RECORD", "", ""])
        wheel.writestr(f"{dist_info}/RECORD", record.getvalue())


def runtime_closure(wheel: Path) -> list[metadata.Distribution]:
    """The installed distributions cleaner's wheel needs, its requirements followed with the
    extras they ask for, evaluated for this interpreter."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        root = Parser().parsestr(archive.read(name).decode())
    pending = [(Requirement(r), "") for r in root.get_all("Requires-Dist") or []]
    found: dict[str, metadata.Distribution] = {}
    seen_extras: set[tuple[str, str]] = set()
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        key = canonicalize_name(requirement.name)
        dist = found.get(key) or metadata.distribution(requirement.name)
        found[key] = dist
        for wanted in ["", *requirement.extras]:
            if (key, wanted) in seen_extras:
                continue
            seen_extras.add((key, wanted))
            pending.extend((Requirement(r), wanted) for r in dist.requires or [])
    return list(found.values())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(cleaner's wheel, a folder of the wheels of its dependencies)."""
    scratch = tmp_path_factory.mktemp("wheel")
    wheels = scratch / "wheels"
    wheels.mkdir()
    wheel = build_wheel(wheels, scratch)
    for dist in runtime_closure(wheel):
        repack(dist, wheels)
    return wheel, wheels


def test_the_wheel_carries_every_module_and_rule_file(built: tuple[Path, Path]) -> None:
    wheel, _ = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "cleaner").rglob("*.py")}
    rules = {
        "cleaner/rule_files/" + p.relative_to(REPO / "rules").as_posix()
        for p in (REPO / "rules").rglob("*")
        if p.is_file()
    }
    missing = sorted((modules | rules) - names)
    assert not missing, (
        f"not in the wheel: {missing[:10]}; a new subpackage must be added to "
        "[tool.setuptools] packages in pyproject.toml"
    )
    assert {"cleaner/py.typed", "cleaner/defaults/pipeline.toml"} <= names
    assert not any(n.startswith("rules/") for n in names), "rules go inside the package"


def test_a_fresh_venv_installs_the_wheel_offline_and_cleans(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    wheel, wheels = built
    base_python = getattr(sys, "_base_executable", sys.executable)
    venv = tmp_path / "venv"
    made = run(base_python, "-m", "venv", venv)
    if made.returncode != 0 and "ensurepip" in made.stdout + made.stderr:
        pytest.skip(f"{base_python} -m venv cannot install pip (no ensurepip): {made.stdout}")
    assert made.returncode == 0, made.stdout + made.stderr
    python = venv / "bin" / "python"
    installed = run(python, "-m", "pip", "install", "--no-index", "--find-links", wheels, wheel)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args = ("clean", str(REFERENCE), "--skip", "grammar")
    cleaned = run(venv / "bin" / "cleaner", *args, cwd=elsewhere)
    assert cleaned.returncode == 0, cleaned.stderr[-3000:]
    text = cleaned.stdout
    assert "Story continues below commercial" not in text, "chrome not removed"
    assert "Click to play video" not in text, "player captions not removed"
    assert "fourth year" in text and "fourth 12 months" not in text, "spin not repaired"
    assert "at the White House" in text
    checkout = run_cli(*args)
    assert checkout.returncode == 0
    assert text == checkout.stdout.decode(), "the wheel cleans differently from the checkout"

    # Its rules are the packaged copy, and 'rules check' finds them from anywhere.
    checked = run(venv / "bin" / "cleaner", "rules", "check", venv / "no-such-rules", cwd=elsewhere)
    assert checked.returncode == 1 and "no such file or folder" in checked.stderr
    where = run(
        python, "-c", "from cleaner.rules.location import locate_rules_dir as l; print(l())",
        cwd=elsewhere,
    )  # fmt: skip
    assert "site-packages/cleaner/rule_files" in where.stdout, where.stdout + where.stderr
    assert "packaged with cleaner" in where.stdout
