"""The shape of helpers/: small documented modules whose imports form no cycle.

Every import of a helpers module counts, wherever it is written: at the top, inside a
function (a lazy import) or under ``TYPE_CHECKING``. A cycle hidden in any of them is
one innocent edit away from an ImportError.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "helpers"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path) -> set[str]:
    """The helpers modules that ``name`` imports anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from .y import z
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return {target for target in found if target in MODULES and target != name}


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``a -> b -> ... -> a``, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_has_no_cycle() -> None:
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH) or [])


def test_lazy_and_type_checking_imports_count(tmp_path: Path) -> None:
    source = tmp_path / "sneaky.py"
    source.write_text(
        '"""A module hiding its imports."""\n'
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from helpers.client import DICOMwebClient\n"
        "def later():\n    from helpers import samples\n    import helpers.render\n")
    assert imported("helpers.sneaky", source) == {
        "helpers.client", "helpers.samples", "helpers.render"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_client_knows_credentials_only_through_auth_and_service() -> None:
    assert not GRAPH["helpers.auth"] - {"helpers.config"}
    assert "helpers.client" not in GRAPH["helpers.auth"] | GRAPH["helpers.service"]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_is_small_and_documented(name: str) -> None:
    source = MODULES[name].read_text(encoding="utf-8")
    assert len(source.splitlines()) < MAX_LINES, f"{name}: split it (one concept each)"
    assert ast.get_docstring(ast.parse(source)), f"{name} needs a module docstring"
