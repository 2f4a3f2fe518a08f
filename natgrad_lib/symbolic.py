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

__all__ = ["IDENTITIES", "IdentityCheck", "IdentityReport", "explicit", "verify_identities"]

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


def explicit(expr: sp.Expr) -> sp.Expr:
    """``expr`` with the library's numerically stable helpers written as elementary functions.

    The families write log(1 + Σ eᵘ) as a stable function (``LogOnePlusSumExp``) so that the
    generated code never overflows; for reading and for sympy's algebra this turns it back
    into the logarithm.

    >>> import sympy as sp, natgrad_lib as ng
    >>> explicit(ng.family("bernoulli_logit").symbolic.logpdf)
    logit*y - log(exp(logit) + 1)
    """
    return _sym.explicit(expr)


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
    ctx = _Context(fam)
    checks = {key: check(ctx) for key, check in IDENTITIES}
    names = {s: p.latex or p.name for s, p in zip(ctx.theta, fam.param_specs)}
    names.update({di: f"d_{{{i + 1}}}" for i, di in enumerate(ctx.d)})
    return IdentityReport(fam.name, fam.params, fam.regular, checks, names)


class _Context:
    """What the identity checks of one family share: symbols and the expectations they reuse."""

    def __init__(self, fam: Family) -> None:
        self.fam = fam
        self.sym = fam.symbolic
        self.theta = list(self.sym.theta)
        self.note = "" if fam.regular else _irregular_note(fam)
        self.d = sp.Matrix([sp.Symbol(f"d_{i + 1}", real=True) for i in range(fam.k)])

    @functools.cached_property
    def mean_score(self) -> tuple[sp.Matrix, bool, str]:
        """E[s] (shown as 0 once proved zero), whether it is zero, and how that was decided."""
        mean_s = self.sym.score.applyfunc(lambda e: sp.simplify(self.fam.expect(e)))
        ok, how = _zero(mean_s, self.theta)
        if ok and how == "symbolic":
            mean_s = sp.zeros(self.fam.k, 1)  # proved zero: show it as zero, not as an unsimplified sum
        return mean_s, ok, how

    @functools.cached_property
    def outer_shown(self) -> sp.Expr:
        return _matrix_or_scalar(_sym.display(self.sym.fisher_raw))


_E_S = r"\mathbb{E}_{y\sim p(y;\theta)}[s(y;\theta)]"
_COV_S, _OUTER_S = r"\operatorname{Cov}_{y\sim p(y;\theta)}[s]", r"\mathbb{E}[s s^\top]"
_NEGH_S = r"\mathbb{E}[-\nabla_\theta^2 \log p(y;\theta)]"
_KL_CLAIM = r"\tfrac{t^2}{2} d^\top I(\theta) d + O(t^3)"


def _check_normalised(ctx: _Context) -> IdentityCheck:
    """(0) the density is normalised."""
    total = sp.simplify(ctx.fam.normaliser())
    ok, how = _zero(total - 1, ctx.theta)
    return IdentityCheck("0", "the density is normalised", r"\int p(y;\theta)\,dy = 1",
                         sp.Symbol(r"\int p(y;\theta)\,dy"), total, ok, how)


def _check_score_mean(ctx: _Context) -> IdentityCheck:
    """(a) the score has mean zero."""
    mean_s, ok, how = ctx.mean_score
    shown = _matrix_or_scalar(_sym.display(mean_s))
    return IdentityCheck(
        "a", "the score has mean zero", _E_S + " = 0", sp.Symbol(_E_S), shown, ok, how,
        "" if ok else ctx.note or "The score does not have mean zero.",
        ((_E_S, "="), (shown, "")) if ok else ((_E_S, "="), (shown, r"\neq"), ("0", "")),
    )


def _check_score_covariance(ctx: _Context) -> IdentityCheck:
    """(b) the covariance of the score equals E[s s^T]."""
    outer = ctx.sym.fisher_raw
    mean_s = ctx.mean_score[0]
    cov = outer - mean_s * mean_s.T
    ok, how = _zero(cov - outer, ctx.theta)
    shown = ctx.outer_shown
    return IdentityCheck(
        "b", "the covariance of the score is E[s s^T]", r"\operatorname{Cov}[s] = \mathbb{E}[s s^\top]",
        sp.Symbol(_COV_S), shown, ok, how,
        "" if ok else "Cov[s] = E[s s^T] - E[s]E[s]^T, and E[s] is not zero here (see (a)).",
        ((_COV_S, "="), (_OUTER_S, "="), (shown, "")) if ok else
        ((_COV_S, "="), (_matrix_or_scalar(_sym.display(cov)), r"\neq"), (shown, "="), (_OUTER_S, "")),
    )


def _check_information_equality(ctx: _Context) -> IdentityCheck:
    """(c) E[s s^T] = E[-H]."""
    neg_h = ctx.sym.fisher_neg_hessian
    ok, how = _zero(ctx.sym.fisher_raw - neg_h, ctx.theta)
    shown = _matrix_or_scalar(neg_h)
    return IdentityCheck(
        "c", "the Fisher information is the expected negative Hessian", _OUTER_S + " = " + _NEGH_S,
        ctx.outer_shown, shown, ok, how,
        "" if ok else ctx.note or "E[s s^T] differs from E[-H].",
        ((_OUTER_S, "="), (_NEGH_S, "="), (shown, "")) if ok else
        ((_OUTER_S, "="), (ctx.outer_shown, r"\neq"), (shown, "="), (_NEGH_S, "")),
    )


def _check_kl_quadratic(ctx: _Context) -> IdentityCheck:
    """(d) KL(p_theta || p_{theta + t d}) = t^2/2 d^T I d + O(t^3)."""
    t, d, theta = sp.Symbol("t", real=True), ctx.d, ctx.theta
    kl_t = ctx.fam.kl_expr(theta, [theta[i] + t * d[i] for i in range(ctx.fam.k)])
    coeffs = [kl_t.subs(t, 0), sp.diff(kl_t, t).subs(t, 0), sp.diff(kl_t, t, 2).subs(t, 0) / 2]
    quad = (d.T * ctx.sym.fisher_raw * d)[0, 0] / 2
    free = theta + list(d)
    results = [_zero(c - target, free, seed=i + 1) for i, (c, target) in enumerate(zip(coeffs, (0, 0, quad)))]
    ok = all(r[0] for r in results)
    how = "counterexample" if not ok else ("symbolic" if {r[1] for r in results} == {"symbolic"} else "numeric")
    taylor = sp.Symbol(r"\mathrm{KL}(p_\theta\|p_{\theta+td})")
    rhs = sum((sp.simplify(_sym.explicit(c)) * t**i for i, c in enumerate(coeffs)), sp.S.Zero) + sp.Order(t**3)
    explanation = "" if ok else ((ctx.note + " ") if ctx.note else "") + (
        "The first-order term does not vanish." if not results[1][0]
        else "The second-order coefficient differs from d^T I d / 2.")
    return IdentityCheck(
        "d", "KL is locally the Fisher quadratic form", r"\mathrm{KL}(p_\theta\|p_{\theta+td}) = " + _KL_CLAIM,
        taylor, rhs, ok, how, explanation,
        ((taylor, "="), (rhs, "")) if ok else ((taylor, "="), (rhs, r"\neq"), (_KL_CLAIM, "")),
    )


#: The identities :func:`verify_identities` checks, in order: (key, check(context) -> IdentityCheck).
IDENTITIES = (
    ("0", _check_normalised),
    ("a", _check_score_mean),
    ("b", _check_score_covariance),
    ("c", _check_information_equality),
    ("d", _check_kl_quadratic),
)
