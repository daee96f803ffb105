"""The house rules of cleaner's code, read from its own imports (``ast``; nothing is imported).

- No import cycles inside ``cleaner/``. Imports inside functions count (an import moved into a
  function to dodge a cycle is still the cycle); imports under ``if TYPE_CHECKING:`` do not
  (they never run), nor do names loaded by ``importlib`` (the stage and rule-kind registries).
  Importing ``a.b.c`` is an edge to ``a.b.c`` only, not to the packages above it.
- No module over :data:`MAX_LINES` lines.
- No ``_private`` name of one cleaner module used by another (``from m import _x``, or ``m._x``
  on an imported module).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "cleaner"
MAX_LINES = 600

@dataclass(frozen=True)
class Import:
    module: str
    """The cleaner module that imports."""
    target: str
    """The cleaner module imported."""
    names: tuple[str, ...]
    """The names taken from it (``from target import a, b``), or ``()`` for ``import target``."""
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except what stands under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in (child, *_statements(child)))
            continue
        yield node
        yield from _statements(node)


def _package_of(module: str) -> str:
    return module if modules()[module].name == "__init__.py" else module.rpartition(".")[0]


@cache
def imports() -> tuple[Import, ...]:
    known = modules()
    found: list[Import] = []
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _statements(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in known:
                        found.append(Import(module, alias.name, (), node.lineno))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = _package_of(module).split(".")
                    anchor = package[: len(package) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    if submodule in known:  # from package import module
                        found.append(Import(module, submodule, (), node.lineno))
                    elif base in known:
                        found.append(Import(module, base, (alias.name,), node.lineno))
    return tuple(found)


def cycles() -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for edge in imports():
        if edge.target != edge.module:
            graph[edge.module].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return groups


def private_uses() -> list[tuple[str, str]]:
    """(where, what) for each ``_private`` name one cleaner module takes from another."""
    found: list[tuple[str, str]] = []
    for edge in imports():
        if edge.target == edge.module:
            continue
        for name in edge.names:
            if name.startswith("_") and not name.startswith("__"):
                found.append((edge.module, f"{edge.target}.{name} (line {edge.line})"))
    for module, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {
            alias.asname or alias.name: alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name in modules() and alias.name != module
        }
        aliases.update(
            {
                alias.asname or alias.name: f"{node.module}.{alias.name}"
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
                for alias in node.names
                if f"{node.module}.{alias.name}" in modules()
                and f"{node.module}.{alias.name}" != module
            }
        )
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append((module, f"{aliases[node.value.id]}.{node.attr} (line {node.lineno})"))
    return found


def test_no_import_cycles() -> None:
    found = [" -> ".join(group) for group in cycles()]
    assert not found, "import cycles:\n" + "\n".join(found)


def test_no_module_over_the_line_limit() -> None:
    too_long = [
        f"{path.relative_to(REPO)}: {lines} lines"
        for path in modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not too_long, f"modules over {MAX_LINES} lines:\n" + "\n".join(too_long)


def test_no_private_name_taken_from_another_module() -> None:
    found = [f"{where}: {what}" for where, what in private_uses()]
    assert not found, "private names used across modules:\n" + "\n".join(found)


def test_the_rules_layer_imports_no_stage() -> None:
    """``cleaner.rules`` is data (load, validate, compile); running rules through stages is
    :mod:`cleaner.rulecheck`'s business, above both."""
    found = [
        f"{edge.module} imports {edge.target} (line {edge.line})"
        for edge in imports()
        if edge.module.startswith("cleaner.rules")
        and edge.target.startswith("cleaner.stages")
    ]
    assert not found, "\n".join(found)


def test_the_walk_sees_the_imports_it_judges() -> None:
    """The checks above can fail: the walk finds known imports, a function-level one included."""
    edges = {(edge.module, edge.target) for edge in imports()}
    assert ("cleaner.pipeline", "cleaner.registry") in edges
    assert ("cleaner.rules.repair.engine", "cleaner.rules.repair.schema") in edges
    assert ("cleaner.cli_rules", "cleaner.pipeline") in edges  # imported inside a function
