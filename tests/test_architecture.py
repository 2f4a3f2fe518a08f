"""The shape of natgrad_lib, read from its source with ``ast`` (docs/ARCHITECTURE.md).

* No module imports a private name (``_x``) from another natgrad_lib module, unless the
  module it imports from is itself private (its name starts with ``_``, e.g. ``plots/_common``),
  which is how the figure modules share helpers.
* The import graph of natgrad_lib is acyclic, counting the imports inside functions too (a
  cycle through a lazy import is still a cycle for a reader).

import-linter (``make lint``) checks the layers; these two properties it cannot state.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "natgrad_lib"

#: Known violations (importing module, imported module, name): none left after issue #16.
PRIVATE_ALLOWED: set[tuple[str, str, str]] = set()


def _module_name(path: Path) -> str:
    parts = ["natgrad_lib", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute name of the module a ``from ... import`` names."""
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(name: str) -> list[tuple[str, str | None]]:
    """Every (imported natgrad_lib module, name taken from it or None) in module ``name``,
    at any depth (module level, functions, methods)."""
    tree = ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names if alias.name.startswith("natgrad_lib")]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(name, node)
            if source.startswith("natgrad_lib"):
                found += [(source, alias.name) for alias in node.names]
    return found


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for source, imported in _imports(name):
            submodule = f"{source}.{imported}" if imported else None
            target = submodule if submodule in MODULES else source
            if target in MODULES and target != name:
                graph[name].add(target)
    return graph


def test_the_parser_sees_the_package():
    assert {"natgrad_lib.families", "natgrad_lib.explore", "natgrad_lib.plots._common"} <= set(MODULES)
    graph = _edges()
    assert "natgrad_lib.explore" in graph["natgrad_lib.plots.klball"]
    assert "natgrad_lib.klgeometry" in graph["natgrad_lib.plots.klball"]


def test_no_private_name_is_imported_across_modules():
    found = []
    for name in MODULES:
        for source, imported in _imports(name):
            if imported is None or not imported.startswith("_") or imported.startswith("__"):
                continue
            if source.rsplit(".", 1)[-1].startswith("_") or f"{source}.{imported}" in MODULES:
                continue   # a private module's names, or a private module itself
            if (name, source, imported) not in PRIVATE_ALLOWED:
                found.append(f"{name} imports {imported} from {source}")
    assert not found, "private names imported across modules:\n" + "\n".join(found)


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}   # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_is_acyclic():
    cycle = _find_cycle(_edges())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("graph, cycle", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
])
def test_the_cycle_finder_finds_cycles(graph, cycle):
    assert _find_cycle(graph) == cycle


def test_the_explorer_framework_imports_no_figure_code():
    graph = _edges()
    assert not {t for t in graph["natgrad_lib.explore"]
                if t.startswith(("natgrad_lib.plots", "natgrad_lib.animations"))}
