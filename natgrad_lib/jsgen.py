"""The families' formulas printed as JavaScript, for the explorers that compute in the page.

One source of truth: every formula the live explorers evaluate in the browser (log-density,
score, Hessian, Fisher information, KL divergence, the maps to and from the base chart, and
the natural-gradient direction I(θ)⁻¹ g with the pivots of I(θ) that decide whether it may be
taken) is printed here from the same sympy expressions that :mod:`natgrad_lib.families`
lambdifies for numpy, with sympy's JavaScript code printer (:func:`sympy.printing.jscode`)
after common subexpression elimination. Nothing is typed a second time by hand: the page's
optimisers (``js/src/optimizer.js``, ``js/src/numerics.js``) keep only the generic algorithm
(the loop, the step rules, a Cholesky solve for the data-dependent Newton and empirical-Fisher
matrices, the refusal rules of :func:`natgrad_lib.optim.solve_spd`).

Special functions the printer cannot emit come from maintained npm packages (stdlib-js,
bundled by esbuild; see ``js/src/special.js``): ``loggamma``/``gamma`` (``gammaln``,
``gamma``), ``polygamma(0, x)`` (``digamma``) and ``polygamma(1, x)`` (``trigamma``). The
stable ``LogOnePlusSumExp`` of :mod:`natgrad_lib._sym` is ``lse1`` in the same file.

Run ``python -m natgrad_lib.jsgen OUT.js`` (``make js`` does) to write the ES module.

>>> src = family_js("gaussian")
>>> "export const gaussian" in src and "kl(p, q)" in src
True
"""

from __future__ import annotations

import functools
import json
import math
import sys
from pathlib import Path
from typing import Iterable, Sequence

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

from . import registry

__all__ = ["family_js", "module_js", "natural_direction", "fisher_pivots", "SPECIAL"]

#: sympy functions the printer does not know, and the JavaScript names (js/src/special.js).
SPECIAL = {"loggamma": "sf.gammaln", "gamma": "sf.gamma", "LogOnePlusSumExp": "sf.lse1"}


class _Printer(JavascriptCodePrinter):
    """sympy's JavaScript printer, with the special functions of :data:`SPECIAL` and
    ``polygamma(0|1, x)`` printed as ``digamma``/``trigamma``."""

    def __init__(self) -> None:
        super().__init__({"user_functions": dict(SPECIAL), "strict": True})

    def _print_polygamma(self, expr: sp.Expr) -> str:
        order, x = expr.args
        name = {0: "sf.digamma", 1: "sf.trigamma"}.get(int(order)) if order.is_Integer else None
        if name is None:
            raise ValueError(f"polygamma of order {order} has no JavaScript implementation")
        return f"{name}({self._print(x)})"

    def _print_LogOnePlusSumExp(self, expr: sp.Expr) -> str:
        return f"sf.lse1({', '.join(self._print(a) for a in expr.args)})"

    def _print_Piecewise(self, expr: sp.Expr) -> str:
        # (a if c1 else (b if c2 else ...)): sympy's own form, with a NaN for a missing otherwise
        parts = []
        for e, c in expr.args:
            if c == sp.true:
                parts.append(self._print(e))
                break
            parts.append(f"({self._print(c)}) ? ({self._print(e)}) : ")
        else:
            parts.append("NaN")
        return "(" + "".join(parts) + ")"


def _expr(e: object) -> sp.Basic:
    """A sympy object of a family's definition, or a plain number; never a string (nothing here
    is parsed: sympify would evaluate a string)."""
    if isinstance(e, sp.Basic):
        return e
    if isinstance(e, (bool, str)) or not isinstance(e, (int, float)):
        raise TypeError(f"expected a sympy expression or a number, got {type(e).__name__}: {e!r}")
    return sp.Integer(e) if isinstance(e, int) else sp.Float(e)


def _body(args: dict[sp.Symbol, str], exprs: Sequence[sp.Expr], shape: str) -> str:
    """The body of a JavaScript function: shared subexpressions as ``const``, then the result
    (``"scalar"``, ``"vector"`` or ``"matrix"`` for a k x k list of rows)."""
    printer = _Printer()
    exprs = [_expr(e).subs({s: sp.Symbol(n, real=True) for s, n in args.items()}, simultaneous=True)
             for e in exprs]
    subs, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("c"), optimizations="basic")
    lines = [f"    const {sym} = {printer.doprint(val)};" for sym, val in subs]
    out = [printer.doprint(e) for e in reduced]
    if shape == "scalar":
        lines.append(f"    return {out[0]};")
    elif shape == "vector":
        lines.append(f"    return [{', '.join(out)}];")
    else:
        k = math.isqrt(len(out))
        rows = ", ".join("[" + ", ".join(out[i * k:(i + 1) * k]) + "]" for i in range(k))
        lines.append(f"    return [{rows}];")
    return "\n".join(lines)


#: Simplify an expression only up to this many operations (sympy's count_ops): the natural
#: direction of categorical_softmax (230 operations) takes minutes to simplify and gains little.
_SIMPLIFY_MAX_OPS = 60


def _tidy(e: sp.Expr) -> sp.Expr:
    """``sympy.simplify(e)`` where that is cheap and makes ``e`` shorter; else ``e`` itself."""
    ops = sp.count_ops(e)
    if ops > _SIMPLIFY_MAX_OPS:
        return e
    s = sp.simplify(e)
    return s if sp.count_ops(s) <= ops else e


def _fisher_matrix(name: str) -> sp.Matrix:
    return sp.Matrix(registry.family(name).symbolic.fisher_raw)


def direction_symbols(k: int) -> tuple[sp.Symbol, ...]:
    """The symbols g0, ..., g(k-1) of a gradient, in :func:`natural_direction`."""
    return tuple(sp.Symbol(f"g{i}", real=True) for i in range(k))


@functools.lru_cache(maxsize=None)
def natural_direction(name: str) -> tuple[sp.Expr, ...]:
    """The natural-gradient direction I(θ)⁻¹ g of the family ``name``, in closed form.

    I(θ) is the Fisher information of one observation (``symbolic.fisher_raw``) and g the
    symbols of :func:`direction_symbols`; the linear system is solved symbolically (LU, no row
    exchanges) and each component simplified where that is cheap (:func:`_tidy`).

    >>> import sympy as sp
    >>> mu, sigma = registry.family("gaussian").symbolic.theta
    >>> g0, g1 = direction_symbols(2)
    >>> natural_direction("gaussian") == (g0 * sigma**2, g1 * sigma**2 / 2)
    True
    """
    fisher = _fisher_matrix(name)
    g = sp.Matrix(direction_symbols(fisher.shape[0]))
    return tuple(_tidy(e) for e in fisher.LUsolve(g))


@functools.lru_cache(maxsize=None)
def fisher_pivots(name: str) -> tuple[sp.Expr, ...]:
    """The pivots d_1, ..., d_k of I(θ) = L diag(d) Lᵀ (L unit lower triangular), in closed form.

    They are the squares of the diagonal of I(θ)'s Cholesky factor, so I(θ) is positive
    definite if and only if every pivot is > 0, and min d / max d is the quantity
    :func:`natgrad_lib.optim.solve_spd` compares with k · machine epsilon to call a matrix
    numerically singular. The page tests them before it takes the direction of
    :func:`natural_direction`.

    >>> fisher_pivots("gaussian_var")
    (1/var, 1/(2*var**2))
    """
    a = _fisher_matrix(name)
    k = a.shape[0]
    pivots = []
    for j in range(k):   # Gaussian elimination without row exchanges
        pivots.append(a[j, j])
        for i in range(j + 1, k):
            f = a[i, j] / a[j, j]
            for c in range(j, k):
                a[i, c] -= f * a[j, c]
    return tuple(_tidy(e) for e in pivots)


def _unpack(names: Iterable[str], array: str) -> dict[str, str]:
    return {n: f"{array}[{i}]" for i, n in enumerate(names)}


def family_js(name: str) -> str:
    """The JavaScript object ``export const <name> = {...}`` of one registered family.

    Its functions take arrays: ``logpdf(y, t)``, ``score(y, t)``, ``hessian(y, t)``
    (k x k rows), ``fisher(t)``, ``kl(p, q)`` (KL(p_p || p_q)), ``natural(t, g)`` (the
    natural-gradient direction I(t)⁻¹ g, :func:`natural_direction`), ``fisherPivots(t)``
    (:func:`fisher_pivots`), and for a family with a base chart ``toBase(t)`` and
    ``fromBase(b)`` (the base family's parameters). ``y`` is a number, or an array
    (:meth:`~natgrad_lib.families.Family.features`) for a family with several observation
    symbols.
    """
    fam = registry.family(name)
    sym = fam.symbolic
    th = {s: f"t[{i}]" for i, s in enumerate(sym.theta)}
    ys = ({sym.y[0]: "y"} if len(sym.y) == 1 else {s: f"y[{i}]" for i, s in enumerate(sym.y)})
    p = {s: f"p[{i}]" for i, s in enumerate(sym.theta)}
    q = {s: f"q[{i}]" for i, s in enumerate(sym.theta_q)}

    def fn(signature: str, args: dict, exprs, shape: str) -> str:
        # the symbols stand for array elements: print them as safe names, then bind them
        names = {s: f"a{i}" for i, s in enumerate(args)}
        binds = "".join(f"    const a{i} = {args[s]};\n" for i, s in enumerate(args))
        return f"  {signature} {{\n{binds}{_body(names, exprs, shape)}\n  }},"

    specs = fam.param_specs
    parts = [
        f"export const {name} = {{",
        f"  name: {json.dumps(name)},",
        f"  params: {json.dumps(list(fam.params))},",
        f"  lower: [{', '.join(_js_number(s.lower) for s in specs)}],",
        f"  upper: [{', '.join(_js_number(s.upper) for s in specs)}],",
        f"  base: {json.dumps(fam.base.name)},",
        fn("logpdf(y, t)", {**ys, **th}, [sym.logpdf], "scalar"),
        fn("score(y, t)", {**ys, **th}, list(sym.score), "vector"),
        fn("hessian(y, t)", {**ys, **th}, list(sym.hessian), "matrix"),
        fn("fisher(t)", th, list(sym.fisher_raw), "matrix"),
        fn("kl(p, q)", {**p, **q}, [sym.kl_raw], "scalar"),
        fn("natural(t, g)", {**th, **{s: f"g[{i}]" for i, s in enumerate(direction_symbols(fam.k))}},
           list(natural_direction(name)), "vector"),
        fn("fisherPivots(t)", th, list(fisher_pivots(name)), "vector"),
    ]
    to_b, from_b = sym.to_base, sym.from_base
    if to_b is not None:
        parts.append(fn("toBase(t)", th, to_b, "vector"))
    if from_b is not None:
        base_th = {s: f"b[{i}]" for i, s in enumerate(fam.base.symbolic.theta)}
        parts.append(fn("fromBase(b)", base_th, from_b, "vector"))
    parts.append("};")
    return "\n".join(parts)


def _js_number(x: float) -> str:
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(float(x))


def module_js(names: Sequence[str] | None = None) -> str:
    """The ES module with every family of ``names`` (default: all registered families)."""
    names = list(registry.families() if names is None else names)
    head = ("// Generated by natgrad_lib/jsgen.py from the families' sympy definitions. Do not edit:\n"
            "// change the family in natgrad_lib and rebuild (make js).\n"
            "/* eslint-disable */\n"
            'import * as sf from "../src/special.js";\n')
    body = "\n\n".join(family_js(n) for n in names)
    index = "export const families = {" + ", ".join(names) + "};\n"
    return head + "\n" + body + "\n\n" + index + _style_js()


def _style_js() -> str:
    """The book's palette and ink (:mod:`natgrad_lib.style`), so the page's figures match."""
    from . import style

    return (f"export const PALETTE = {json.dumps(list(style.PALETTE))};\n"
            f"export const INK = {json.dumps(style.INK)};\n"
            f"export const PAPER = {json.dumps(style.PAPER)};\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m natgrad_lib.jsgen OUT.js", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    text = module_js()
    if not out.exists() or out.read_text() != text:
        out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
