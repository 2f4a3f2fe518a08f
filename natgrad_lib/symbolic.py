r"""Symbolic verification of the identities (a)-(d) for a family.

``verify_identities(fam)`` computes, with sympy and from the family's one
definition,

* (0) :math:`\int p(y;\theta)\,dy = 1` (a sanity check of the definition);
* (a) :math:`\mathbb{E}_{y\sim p(y;\theta)}[s(y;\theta)] = 0`;
* (b) :math:`\operatorname{Cov}[s] = \mathbb{E}[s s^\top]`;
* (c) :math:`\mathbb{E}[s s^\top] = \mathbb{E}[-\nabla^2_\theta \log p(y;\theta)]`;
* (d) :math:`\mathrm{KL}(p_\theta\|p_{\theta+td}) = \tfrac12 t^2 d^\top I(\theta) d + O(t^3)`,

and reports, for each, the expressions and whether the residual is identically
zero.  A residual is first evaluated at random parameter values with 40-digit
arithmetic (a quick refutation); a residual that is numerically zero is then
simplified symbolically, and the report says which of the two settled it.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

import sympy as sp

from . import _sym
from .families import Family

__all__ = ["IdentityCheck", "IdentityReport", "verify_identities"]

_PROBES = 3
_DIGITS = 40


@dataclass(frozen=True)
class IdentityCheck:
    """One identity: its statement, the two sides computed, and the verdict."""

    key: str
    title: str
    statement: str  # LaTeX
    lhs: sp.Basic
    rhs: sp.Basic
    holds: bool
    method: str  # "symbolic", "numeric" (40 digits at random points) or "counterexample"
    explanation: str = ""
    #: The displayed equation: a chain of (LaTeX label or sympy value, relation) pairs.
    display: tuple = ()

    def latex(self, names: dict | None = None) -> str:
        """What was computed, e.g. ``E[s] = 0`` or ``E[s] = -1/theta \\neq 0``."""
        parts = []
        for item, relation in self.display or ((self.lhs, "="), (self.rhs, "")):
            text = item if isinstance(item, str) else sp.latex(item, symbol_names=names or {})
            parts.append(text + (f" {relation} " if relation else ""))
        return "".join(parts)


@dataclass(frozen=True)
class IdentityReport:
    """Result of :func:`verify_identities`; renders as LaTeX in a notebook."""

    family: str
    params: tuple[str, ...]
    regular: bool
    checks: dict[str, IdentityCheck] = field(default_factory=dict)
    symbol_names: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def all_hold(self) -> bool:
        return all(c.holds for c in self.checks.values())

    def __getitem__(self, key: str) -> IdentityCheck:
        return self.checks[key]

    def __getattr__(self, key: str) -> IdentityCheck:
        checks = self.__dict__.get("checks", {})
        if key in checks:
            return checks[key]
        raise AttributeError(key)

    def _repr_markdown_(self) -> str:
        head = (
            f"**Identities for `{self.family}`** "
            f"(parameters {', '.join(self.params)}; "
            f"{'regular' if self.regular else 'support depends on the parameter: irregular'})\n"
        )
        parts = [head]
        for c in self.checks.values():
            verdict = "holds" if c.holds else "**fails**"
            how = {"symbolic": "proved by sympy", "numeric": "checked to 40 digits",
                   "counterexample": "refuted"}[c.method]
            parts.append(f"- ({c.key}) {c.title}: {verdict} ({how})\n")
            parts.append(f"\n$$\n{c.latex(self.symbol_names)}\n$$\n")
            if c.explanation:
                parts.append(f"\n  {c.explanation}\n")
        return "\n".join(parts)

    def __str__(self) -> str:
        lines = [f"Identities for {self.family} ({', '.join(self.params)}):"]
        for c in self.checks.values():
            lines.append(f"  ({c.key}) {c.title}: {'holds' if c.holds else 'FAILS'} [{c.method}]")
            if c.explanation:
                lines.append(f"      {c.explanation}")
        return "\n".join(lines)


def _probe_points(symbols: list[sp.Symbol], seed: int) -> list[dict]:
    rnd = random.Random(seed)
    points = []
    for _ in range(_PROBES):
        pt = {}
        for s in symbols:
            if s.is_positive:
                v = rnd.uniform(0.3, 0.9) if s.name in ("p",) else rnd.uniform(0.6, 2.4)
            elif s.is_negative:
                v = -rnd.uniform(0.4, 2.0)
            else:
                v = rnd.uniform(-1.5, 1.5)
            pt[s] = sp.Rational(round(v * 1000), 1000)
        points.append(pt)
    return points


def _zero(expr: sp.Basic, symbols: list[sp.Symbol], seed: int = 0) -> tuple[bool, str]:
    """Is ``expr`` (scalar or matrix) identically zero?  Returns (verdict, method)."""
    entries = list(expr) if isinstance(expr, sp.MatrixBase) else [expr]
    entries = [_sym.explicit(_sym.as_expr(e)) for e in entries]
    free = sorted(set().union(*(e.free_symbols for e in entries)) | set(symbols), key=str)
    for pt in _probe_points(free, seed):
        for e in entries:
            val = sp.N(e.subs(pt), _DIGITS)
            if val.has(sp.nan, sp.zoo) or not val.is_number or abs(complex(val)) > 1e-25:
                return False, "counterexample"
    if all(_sym.is_zero(e) for e in entries):
        return True, "symbolic"
    return True, "numeric"


def _irregular_note(fam: Family) -> str:
    return (
        f"The support {fam.support.description} depends on the parameter, so the "
        "regularity conditions fail: differentiating the normalisation "
        r"$\int p(y;\theta)\,dy = 1$ under the integral sign is not allowed, because "
        "the derivative of the moving endpoint adds a boundary term (Leibniz's rule)."
    )


def _matrix_or_scalar(m: sp.MatrixBase) -> sp.Basic:
    return m[0, 0] if m.shape == (1, 1) else m


@functools.lru_cache(maxsize=None)
def verify_identities(fam: Family) -> IdentityReport:
    r"""Check (a)-(d) symbolically for ``fam``; cached per family.

    Parameters
    ----------
    fam : Family
        A family from :func:`natgrad_lib.family` or :meth:`Family.reparametrize`.

    Returns
    -------
    IdentityReport
        ``report.a`` ... ``report.d`` (and ``report["0"]``, the normalisation)
        hold ``lhs``, ``rhs``, ``holds``, ``method`` and an ``explanation``.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> rep = ng.verify_identities(ng.family("poisson"))
    >>> rep.a.holds, rep.c.holds, rep.d.holds
    (True, True, True)
    >>> bad = ng.verify_identities(ng.family("uniform"))
    >>> bad.a.holds, bad.c.holds
    (False, False)
    """
    if not isinstance(fam, Family):
        raise TypeError(f"fam must be a natgrad_lib Family, got {type(fam).__name__}")
    sym = fam.symbolic
    theta = list(sym.theta)
    k = fam.k
    names = {s: p.latex or p.name for s, p in zip(theta, fam.param_specs)}
    checks: dict[str, IdentityCheck] = {}
    note = "" if fam.regular else _irregular_note(fam)

    # (0) the density is normalised
    total = sp.simplify(fam.normaliser())
    ok, how = _zero(total - 1, theta)
    checks["0"] = IdentityCheck(
        "0", "the density is normalised", r"\int p(y;\theta)\,dy = 1",
        sp.Symbol(r"\int p(y;\theta)\,dy"), total, ok, how,
    )

    # (a) the score has mean zero
    s = sym.score
    mean_s = s.applyfunc(lambda e: sp.simplify(fam.expect(e)))
    ok, how = _zero(mean_s, theta)
    if ok and how == "symbolic":
        mean_s = sp.zeros(k, 1)  # proved zero: show it as zero, not as an unsimplified sum
    mean_shown = _matrix_or_scalar(_display(mean_s))
    e_s = r"\mathbb{E}_{y\sim p(y;\theta)}[s(y;\theta)]"
    checks["a"] = IdentityCheck(
        "a", "the score has mean zero", e_s + " = 0",
        sp.Symbol(e_s), mean_shown, ok, how,
        "" if ok else note or "The score does not have mean zero.",
        ((e_s, "="), (mean_shown, "")) if ok else ((e_s, "="), (mean_shown, r"\neq"), ("0", "")),
    )

    # (b) the covariance of the score equals E[s s^T]
    outer = sym.fisher_raw
    cov = outer - mean_s * mean_s.T
    ok, how = _zero(cov - outer, theta)
    outer_shown = _matrix_or_scalar(_display(outer))
    cov_s, outer_s = r"\operatorname{Cov}_{y\sim p(y;\theta)}[s]", r"\mathbb{E}[s s^\top]"
    checks["b"] = IdentityCheck(
        "b", "the covariance of the score is E[s s^T]",
        r"\operatorname{Cov}[s] = \mathbb{E}[s s^\top]",
        sp.Symbol(cov_s), outer_shown, ok, how,
        "" if ok else "Cov[s] = E[s s^T] - E[s]E[s]^T, and E[s] is not zero here (see (a)).",
        ((cov_s, "="), (outer_s, "="), (outer_shown, "")) if ok else
        ((cov_s, "="), (_matrix_or_scalar(_display(cov)), r"\neq"), (outer_shown, "="), (outer_s, "")),
    )

    # (c) E[s s^T] = E[-H]
    neg_h = sym.fisher_neg_hessian
    ok, how = _zero(outer - neg_h, theta)
    negh_s = r"\mathbb{E}[-\nabla_\theta^2 \log p(y;\theta)]"
    negh_shown = _matrix_or_scalar(neg_h)
    checks["c"] = IdentityCheck(
        "c", "the Fisher information is the expected negative Hessian",
        outer_s + " = " + negh_s,
        outer_shown, negh_shown, ok, how,
        "" if ok else note or "E[s s^T] differs from E[-H].",
        ((outer_s, "="), (negh_s, "="), (negh_shown, "")) if ok else
        ((outer_s, "="), (outer_shown, r"\neq"), (negh_shown, "="), (negh_s, "")),
    )

    # (d) KL(p_theta || p_{theta + t d}) = t^2/2 d^T I d + O(t^3)
    t = sp.Symbol("t", real=True)
    d = sp.Matrix([sp.Symbol(f"d_{i + 1}", real=True) for i in range(k)])
    kl_t = fam.kl_expr(theta, [theta[i] + t * d[i] for i in range(k)])
    c0 = kl_t.subs(t, 0)
    c1 = sp.diff(kl_t, t).subs(t, 0)
    c2 = sp.diff(kl_t, t, 2).subs(t, 0) / 2
    quad = (d.T * outer * d)[0, 0] / 2
    free = theta + list(d)
    ok0, h0 = _zero(c0, free, seed=1)
    ok1, h1 = _zero(c1, free, seed=2)
    ok2, h2 = _zero(c2 - quad, free, seed=3)
    ok = ok0 and ok1 and ok2
    how = "counterexample" if not ok else ("symbolic" if {h0, h1, h2} == {"symbolic"} else "numeric")
    taylor = sp.Symbol(r"\mathrm{KL}(p_\theta\|p_{\theta+td})")
    rhs = sp.simplify(_sym.explicit(c0)) + sp.simplify(_sym.explicit(c1)) * t + \
        sp.simplify(_sym.explicit(c2)) * t**2 + sp.Order(t**3)
    explanation = ""
    if not ok:
        explanation = (
            (note + " ") if note else ""
        ) + (
            "The first-order term does not vanish." if not ok1
            else "The second-order coefficient differs from d^T I d / 2."
        )
    claim = r"\tfrac{t^2}{2} d^\top I(\theta) d + O(t^3)"
    checks["d"] = IdentityCheck(
        "d", "KL is locally the Fisher quadratic form",
        r"\mathrm{KL}(p_\theta\|p_{\theta+td}) = " + claim,
        taylor, rhs, ok, how, explanation,
        ((taylor, "="), (rhs, "")) if ok else ((taylor, "="), (rhs, r"\neq"), (claim, "")),
    )
    names.update({di: f"d_{{{i + 1}}}" for i, di in enumerate(d)})
    return IdentityReport(fam.name, fam.params, fam.regular, checks, names)


def _display(m):
    from .families import _display as display

    return display(m)
