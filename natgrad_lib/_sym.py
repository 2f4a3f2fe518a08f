"""Small sympy toolbox shared by the family definitions.

Two jobs: (1) a numerically stable log-sum-exp that sympy can differentiate,
so stable numeric code is *generated* from the symbolic definition, and
(2) turning expressions into vectorized numpy functions (``lambdify``) and
deciding whether a symbolic expression is identically zero.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp


class LogOnePlusSumExp(sp.Function):
    r"""``log(1 + exp(x_1) + ... + exp(x_m))``, the log-partition of a softmax.

    Its derivative is ``exp(x_i - LogOnePlusSumExp(x))`` (a softmax probability),
    which stays finite for large ``x``; the numeric implementation shifts by the
    maximum, so generated code never overflows.

    >>> x = sp.Symbol("x", real=True)
    >>> sp.diff(LogOnePlusSumExp(x), x)
    exp(x - LogOnePlusSumExp(x))
    >>> explicit(LogOnePlusSumExp(x))
    log(exp(x) + 1)
    """

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.exp(self.args[argindex - 1] - self)

    def _latex(self, printer) -> str:  # pragma: no cover - cosmetic
        inner = " + ".join(rf"e^{{{printer._print(a)}}}" for a in self.args)
        return rf"\log\left(1 + {inner}\right)"


def _lse1_numpy(*xs: np.ndarray) -> np.ndarray:
    """Stable numpy ``log(1 + sum(exp(x_i)))`` (shift by the maximum)."""
    arrs = np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs])
    m = np.maximum(0.0, np.max(np.stack(arrs), axis=0))
    total = np.exp(-m)
    for a in arrs:
        total = total + np.exp(a - m)
    return m + np.log(total)


# scipy supplies the special functions sympy prints (gammaln, polygamma, ...).
_NUMERIC_MODULES: list = [{"LogOnePlusSumExp": _lse1_numpy}, "scipy", "numpy"]


def as_expr(value: Any, argname: str = "expr") -> sp.Expr:
    """A sympy object from a sympy object or a plain number; strings are refused.

    No string from a user is ever parsed (``sympify`` would evaluate it).

    >>> as_expr(2), as_expr(0.5)
    (2, 0.500000000000000)
    >>> as_expr("x")
    Traceback (most recent call last):
    ...
    TypeError: expr must be a sympy expression or a number, got 'x' of type str
    """
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return sp.Integer(int(value)) if float(value).is_integer() else sp.Float(float(value))
    raise TypeError(
        f"{argname} must be a sympy expression or a number, got {value!r} of type {type(value).__name__}"
    )


def explicit(expr: sp.Expr) -> sp.Expr:
    """Rewrite the stable helper functions into elementary functions."""
    return expr.replace(
        lambda e: isinstance(e, LogOnePlusSumExp),
        lambda e: sp.log(1 + sum(sp.exp(a) for a in e.args)),
    )


def exp_as_powers(logp: sp.Expr, ysyms: Sequence[sp.Symbol]) -> sp.Expr:
    """``exp(logp)`` as a product of powers: ``exp(c log u) -> u**c``.

    sympy cannot do this by itself when it does not know ``u > 0`` (as for
    ``1 - y`` on (0, 1)), and integrates the power form far faster.

    >>> y, a = sp.Symbol("y", positive=True), sp.Symbol("a", positive=True)
    >>> exp_as_powers((a - 1) * sp.log(1 - y) - sp.loggamma(a), [y])
    (1 - y)**a/((1 - y)*gamma(a))
    """
    logp = sp.expand(logp.replace(sp.loggamma, lambda a: sp.log(sp.gamma(a))))
    factors = []
    for term in sp.Add.make_args(logp):
        coeff, dep = term.as_independent(*ysyms, as_Add=False)
        logs = [f for f in sp.Mul.make_args(coeff) if isinstance(f, sp.log)]
        if isinstance(dep, sp.log):
            factors.append(dep.args[0] ** coeff)
        elif len(logs) == 1:
            factors.append(logs[0].args[0] ** (sp.Mul(*sp.Mul.make_args(coeff)) / logs[0] * dep))
        else:
            factors.append(sp.exp(term))
    return sp.Mul(*factors)


def lambdify(args: Sequence[sp.Symbol], expr: Any) -> Callable:
    """Vectorized numpy function of ``args`` (common subexpressions shared).

    Floating-point warnings are silenced inside the generated function: the
    callers check every result for NaN and infinities and raise a clear error
    instead (see ``families._guard``).
    """
    fn = sp.lambdify(list(args), expr, modules=_NUMERIC_MODULES, cse=True)

    def quiet(*values):
        with np.errstate(all="ignore"):
            return fn(*values)

    quiet.__doc__ = fn.__doc__
    _KEEP_ALIVE.append(fn)
    return quiet


# lambdify registers each generated function's source in linecache and removes
# it when the function is garbage-collected; a collection while doctest scans
# linecache can then fail at random (KeyError '<lambdifygenerated-N>').  The
# generated functions are cached by their families anyway, so keep them alive.
_KEEP_ALIVE: list[Callable] = []


def simplify_entry(expr: sp.Expr) -> sp.Expr:
    """A fast-then-thorough simplification used for results shown to readers."""
    expr = explicit(expr)
    out = sp.simplify(sp.cancel(sp.together(expr)))
    # simplify likes log(a**a / b**a); split it again (a**a overflows in floats).
    return sp.expand_log(out)


def is_zero(expr: sp.Expr) -> bool:
    """Decide symbolically whether ``expr`` is identically zero.

    Cheap rewrites first (expand, cancel), then ``sympy.simplify``.

    >>> p = sp.Symbol("p", positive=True)
    >>> is_zero(p / (1 - p) - 1 / (1 - p) + 1)
    True
    """
    expr = explicit(as_expr(expr))
    if expr == 0:
        return True
    for step in (sp.expand, lambda e: sp.cancel(sp.together(e)), sp.simplify):
        expr = step(expr)
        if expr == 0:
            return True
    expr = sp.simplify(sp.expand_log(sp.expand(expr), force=False))
    return bool(expr == 0)


def display(obj: Any) -> Any:
    """Simplify for reading; stable helper functions become elementary ones."""
    if isinstance(obj, sp.MatrixBase):
        return obj.applyfunc(display)
    return sp.factor(simplify_entry(obj)) if obj.has(LogOnePlusSumExp) else obj
