"""The house rules, checked on the source: layers, no import cycles, small modules, true docs.

Every import statement counts, wherever it is (module level, inside a function, under
``TYPE_CHECKING``): a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("dicom_emulator", "helpers")
MAX_MODULE_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {
    _module_name(path): path
    for package in PACKAGES for path in sorted((REPO / package).rglob("*.py"))
}


def _imported(name: str, node: ast.AST) -> Iterator[str]:
    """The project modules one import statement of module ``name`` brings in."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        # The house style is absolute imports (ruff's isort keeps them so).
        assert not node.level, f"relative import in {name}"
        base = node.module or ""
        # ``from pkg import mod`` imports the module pkg.mod when there is one.
        targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                   for a in node.names]
    else:
        return
    for target in targets:
        while target and target not in MODULES:
            target = target.rpartition(".")[0]
        if target and target != name:
            yield target


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {t for node in ast.walk(tree) for t in _imported(name, node)}
        # A package's __init__ is imported with each of its modules; that is not a cycle.
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    return graph


GRAPH = _graph()


def _external_imports(name: str) -> set[str]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def _in(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_graph_sees_the_packages() -> None:
    # Guards the checks below against passing on an empty or broken graph.
    assert "dicom_emulator.features.store.service" in GRAPH
    assert "dicom_emulator.storage.index" in GRAPH["dicom_emulator.features.store.service"]
    assert "helpers.config" in GRAPH["helpers.client"]


def test_there_is_no_import_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack + [target])
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("name", [n for n in MODULES if _in(n, "dicom_emulator.dicom")])
def test_dicom_rules_import_no_other_layer(name: str) -> None:
    allowed = ("dicom_emulator.dicom", "dicom_emulator.errors")
    assert {t for t in GRAPH[name] if not _in(t, *allowed)} == set()
    assert "starlette" not in _external_imports(name)


@pytest.mark.parametrize("name", [n for n in MODULES if _in(n, "dicom_emulator.storage")])
def test_storage_imports_neither_features_nor_the_web(name: str) -> None:
    allowed = ("dicom_emulator.storage", "dicom_emulator.dicom", "dicom_emulator.errors",
               "dicom_emulator.platform")
    assert {t for t in GRAPH[name] if not _in(t, *allowed)} == set()
    assert "starlette" not in _external_imports(name)


def test_the_platform_module_is_a_leaf() -> None:
    # Every layer may ask it what the OS needs, so it may import none of them.
    assert GRAPH["dicom_emulator.platform"] == set()


FEATURE_MODULES = [n for n in MODULES if _in(n, "dicom_emulator.features")]


@pytest.mark.parametrize("name", [n for n in FEATURE_MODULES if not n.endswith(".endpoint")])
def test_only_endpoints_speak_http(name: str) -> None:
    assert "starlette" not in _external_imports(name)
    # Pure wire helpers (media types, URL shapes) are fine; requests and responses are not.
    web = {t for t in GRAPH[name] if _in(t, "dicom_emulator.web")}
    assert web <= {"dicom_emulator.web.media", "dicom_emulator.web.urls"}


def test_the_composition_root_imports_no_endpoint() -> None:
    assert {t for t in GRAPH["dicom_emulator.components"] if t.endswith(".endpoint")} == set()


@pytest.mark.parametrize("name", [n for n in MODULES if _in(n, "helpers")])
def test_helpers_never_import_the_emulator(name: str) -> None:
    # The client side starts the emulator as a process; it must work against Azure alone.
    assert "dicom_emulator" not in _external_imports(name)


SOURCE_FILES = sorted(
    path for folder in (*PACKAGES, "tests", "tools", "bench")
    for path in (REPO / folder).rglob("*.py")
)


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(REPO)} has {lines} lines"


def _names_something(token: str) -> bool:
    """A path of the repository, or of the emulator (``features/store/service.py``), maybe
    followed by a name in that module (``storage/search.find_page``)."""
    for root in (REPO, REPO / "dicom_emulator"):
        if (root / token).exists():
            return True
        module, _, _name = token.rpartition(".")
        while module:
            if (root / f"{module}.py").exists():
                return True
            module = module.rpartition(".")[0]
    return False


def test_the_architecture_page_names_only_what_exists() -> None:
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    # Whole backticked paths only: `features/<name>/` placeholders are not paths.
    roots = ("dicom_emulator|helpers|tests|notebooks|bench|docs|data|postman"
             "|web|features|dicom|storage|identity")
    named = set(re.findall(rf"`((?:{roots})/[\w/.-]*)`", page))
    assert len(named) > 40  # the page really is a map
    assert sorted(t for t in named if not _names_something(t)) == []
