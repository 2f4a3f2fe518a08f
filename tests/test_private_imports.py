"""No natgrad_lib module imports a private name (``_name``) from another natgrad_lib module.

Importing from a module whose own name starts with ``_`` (``_sym``, ``_validate``, ``_extras``,
a ``plots/_common``-style helper module) is fine: those modules exist to be shared inside the
package. Importing ``_name`` from a public module is not: it is a seam the public API should
cover. The allow-list holds the presentation modules' imports that the presentation refactor
(issue-16b) removes; it must only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import natgrad_lib

PACKAGE = Path(natgrad_lib.__file__).parent

# (importing module, source module, name): owned by the presentation refactor (issue-16b).
ALLOWED = {
    ("natgrad_lib.plots.fisher", "natgrad_lib.plots.convergence", "_axes"),
    ("natgrad_lib.plots.glm", "natgrad_lib.plots.convergence", "_axes"),
    ("natgrad_lib.plots.geometry", "natgrad_lib.plots.convergence", "_axes"),
    ("natgrad_lib.plots.klball", "natgrad_lib.plots.convergence", "_axes"),
    ("natgrad_lib.animations", "natgrad_lib.plots.klball", "_limits"),
    ("natgrad_lib.explore", "natgrad_lib.animations", "_contour_levels"),
    ("natgrad_lib.explore", "natgrad_lib.animations", "_loglik_grid"),
    ("natgrad_lib.explore", "natgrad_lib.animations", "_plain_log_axis"),
    ("natgrad_lib.explore", "natgrad_lib.animations", "_plain_ticks"),
    ("natgrad_lib.plots.klball", "natgrad_lib.klgeometry", "_check_c"),
    ("natgrad_lib.plots.klball", "natgrad_lib.klgeometry", "_check_family"),
    ("natgrad_lib.plots.klball", "natgrad_lib.klgeometry", "_check_point"),
    ("natgrad_lib.plots.klball", "natgrad_lib.klgeometry", "_inside"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _source(importer: str, is_package: bool, node: ast.ImportFrom) -> str | None:
    """The absolute name of the module ``node`` imports from, or None outside natgrad_lib."""
    if node.level == 0:
        return node.module if (node.module or "").startswith("natgrad_lib") else None
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def private_imports() -> set[tuple[str, str, str]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _source(importer, path.name == "__init__.py", node)
            if source is None or source.rsplit(".", 1)[-1].startswith("_"):
                continue  # outside the package, or a private helper module: fine
            for alias in node.names:
                if _is_module(f"{source}.{alias.name}"):
                    continue  # ``from . import _sym``: a module, judged by its own name
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.add((importer, source, alias.name))
    return found


def test_no_private_name_crosses_modules():
    unexpected = private_imports() - ALLOWED
    assert not unexpected, f"private names imported across natgrad_lib modules: {sorted(unexpected)}"


def test_the_allow_list_only_shrinks():
    stale = ALLOWED - private_imports()
    assert not stale, f"remove these fixed entries from ALLOWED: {sorted(stale)}"
