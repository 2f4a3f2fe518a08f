"""Which functions of a notebook use natgrad_lib: a static check across all code cells.

The students' answers must not call ``natgrad_lib`` (imported as ``ng`` for checking only).
``library_users(cells)`` returns, for every function defined at the top level of the
notebook, why it counts as using the library, if it does:

- its body, default values or decorators name the library directly (``ng``, an
  ``import natgrad_lib`` inside the function) or through an alias made in any cell
  (``lib = ng``, ``from natgrad_lib import glm``, ``score = ng.family("gaussian").score``);
- it calls another notebook function that uses the library;
- it reaches for names no cell binds statically (a name bound by ``exec``, ``globals()``
  or ``setattr`` could hide an alias), or for the machinery that could fetch the library
  at run time (``__import__``, ``importlib``, ``sys.modules``, ``eval``, ``exec``,
  ``globals``, ``vars``, ``getattr``/``setattr`` on modules, ``gc``, ``builtins``).

Only the library's data loader is allowed (``X, y, _ = ng.glm.load_dataset(...)`` gives data,
not the library). The check is on source code, so it runs in the grader without executing
anything, and the submission cannot change it.
"""

from __future__ import annotations

import ast
import builtins

LIBRARY = "natgrad_lib"
DATA_LOADERS = {"load_dataset"}
DYNAMIC = {"__import__", "importlib", "eval", "exec", "compile", "globals", "vars", "locals",
           "getattr", "setattr", "delattr", "gc", "builtins", "__builtins__", "sys", "inspect",
           "ctypes", "runpy", "pickle", "marshal", "types"}
BUILTINS = set(dir(builtins)) | {"__name__", "__file__", "display", "get_ipython"}


def _parse(cells: list[str]) -> list[ast.stmt]:
    body = []
    for src in cells:
        # Lines starting with % or ! are IPython magics: neither Python nor answers.
        lines = [l for l in src.splitlines() if not l.lstrip().startswith(("%", "!"))]
        try:
            body += ast.parse("\n".join(lines)).body
        except SyntaxError:
            continue  # a cell that does not parse defines nothing when the notebook runs either
    return body


def _root(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_data_loader(node) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in DATA_LOADERS)


def _loaded_names(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _targets(target) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _imports_library(node) -> bool:
    for n in ast.walk(node):
        if isinstance(n, ast.Import) and any(a.name.split(".")[0] == LIBRARY for a in n.names):
            return True
        if isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == LIBRARY:
            return True
    return False


def constant_functions(cells: list[str]) -> dict[str, str]:
    """Functions (defined at the top level) that read none of their parameters: whatever the
    inputs, they return the same thing, so they are a hard-coded answer."""
    found = {}
    for stmt in _parse(cells):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = stmt.args
            params = {a.arg for a in args.args + args.posonlyargs + args.kwonlyargs}
            params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
            used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            unanswered = all(isinstance(b, ast.Pass) or (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))
                             for b in stmt.body)
            if params and not params & used and not unanswered:
                found[stmt.name] = "reads none of its inputs, so its result is hard-coded"
            elif not params:
                found.pop(stmt.name, None)
        elif isinstance(stmt, (ast.Assign,)):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    found.pop(t.id, None)
    return found


def library_users(cells: list[str]) -> dict[str, str]:
    body = _parse(cells)
    tainted: set[str] = set()
    bound: set[str] = set()
    functions: dict[str, ast.AST] = {}

    # Top-level bindings, in order, repeated until nothing changes (a later cell may alias
    # a name that an earlier cell uses).
    for _ in range(len(body) + 1):
        before = set(tainted)
        for stmt in body:
            for node in ast.walk(stmt) if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                ast.Lambda)) else [stmt]:
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for alias in node.names:
                        name = alias.asname or alias.name.split(".")[0]
                        bound.add(name)
                        module = alias.name if isinstance(node, ast.Import) else (node.module or "")
                        if module.split(".")[0] == LIBRARY:
                            tainted.add(name)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    bound.add(node.name)
                elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names = set().union(*(_targets(t) for t in targets))
                    bound |= names
                    value = node.value
                    if value is not None and not _is_data_loader(value) and \
                            (_loaded_names(value) & tainted or _imports_library(value)):
                        tainted |= names
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    names = _targets(node.target)
                    bound |= names
                    if _loaded_names(node.iter) & tainted:
                        tainted |= names
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    for item in node.items:
                        if item.optional_vars is not None:
                            bound |= _targets(item.optional_vars)
                            if _loaded_names(item.context_expr) & tainted:
                                tainted |= _targets(item.optional_vars)
                elif isinstance(node, ast.ExceptHandler) and node.name:
                    bound.add(node.name)
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[stmt.name] = stmt
                bound.add(stmt.name)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Lambda):
                for name in set().union(*(_targets(t) for t in stmt.targets)):
                    functions[name] = stmt.value
        if tainted == before:
            break

    direct: dict[str, str] = {}
    calls: dict[str, set[str]] = {}
    for name, fn in functions.items():
        args = fn.args
        local = {a.arg for a in args.args + args.posonlyargs + args.kwonlyargs}
        local |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        for n in ast.walk(fn):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                local.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n is not fn:
                local.add(n.name)
            elif isinstance(n, ast.arg):
                local.add(n.arg)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                local |= {a.asname or a.name.split(".")[0] for a in n.names}
        used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        free = used - local
        reasons = []
        if _imports_library(fn):
            reasons.append("imports natgrad_lib")
        if free & tainted:
            reasons.append(f"uses {', '.join(sorted(free & tainted))}, which is natgrad_lib or "
                           "comes from it")
        dynamic = (used | {n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)}) & DYNAMIC
        dynamic |= {a.name.split(".")[0] for n in ast.walk(fn) if isinstance(n, ast.Import)
                    for a in n.names} & DYNAMIC
        if dynamic:
            reasons.append(f"uses {', '.join(sorted(dynamic))}, which could fetch natgrad_lib")
        unbound = free - bound - BUILTINS
        if unbound:
            reasons.append(f"uses {', '.join(sorted(unbound))}, which no cell defines")
        if reasons:
            direct[name] = "; ".join(reasons)
        calls[name] = free & set(functions)

    users = dict(direct)
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name in users:
                continue
            bad = sorted(c for c in callees if c in users)
            if bad:
                users[name] = f"calls {', '.join(bad)}, which uses natgrad_lib"
                changed = True
    return users
