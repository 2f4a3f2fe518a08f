"""Parametric families defined once, symbolically, with numeric functions generated from them.

A :class:`Family` holds a sympy log-density ``log p(y; theta)`` together with its
support and parameter domain.  Everything else -- the score, the Hessian of the
log-density, the Fisher information, the KL divergence -- is *derived* from that
one definition with sympy, and the numeric (numpy) versions are generated from
the derived expressions with ``lambdify``.  The proof in a chapter and the Monte
Carlo check of the same identity therefore cannot disagree about the model.

Expectations ``E_{y~p(y;theta)}[f(y, theta)]`` are computed exactly: by summing
over the outcomes of a finite family, and otherwise by splitting ``f`` into
``sum_j c_j(theta) g_j(y)`` and taking ``E[g_j(y)]`` from sympy integration or
summation.  Where sympy finds no closed form (``E[log y]`` for the Gamma, say),
a family may carry a hand-written table of such moments; ``tests/`` checks every
table entry against numerical quadrature.

Argument order: a density takes the observation first, ``fam.logpdf(y, theta)``,
``fam.score(y, theta)``, ``fam.hessian(y, theta)``, as ``scipy.stats`` does
(``logpdf(x, *params)``). Functions of the parameters alone take them alone
(``fam.fisher(theta)``, ``fam.kl(theta_p, theta_q)``). A log-likelihood *of the parameters*
for fixed data (``natgrad_lib.glm.GLM.loglik(beta, X, y)``, ``optim.Objective``) takes the
parameters first, as ``scipy.optimize`` objectives do (``fun(x, *args)``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import sympy as sp

from . import _sym
from ._validate import (
    as_float_array,
    broadcast_shape,
    require_finite,
    require_generator,
)

__all__ = ["Param", "Support", "Family", "Symbolic"]


@dataclass(frozen=True)
class Param:
    """One parameter: its name, LaTeX form and open domain ``(lower, upper)``.

    >>> Param("sigma", r"\\sigma", lower=0.0).constraint
    '> 0'
    >>> Param("p", "p", 0.0, 1.0).constraint
    'in the open interval (0, 1)'
    """

    name: str
    latex: str = ""
    lower: float = -math.inf
    upper: float = math.inf

    @property
    def constraint(self) -> str:
        lo, hi = self.lower, self.upper
        if math.isinf(lo) and math.isinf(hi):
            return "finite"
        if math.isinf(hi):
            return f"> {lo:g}"
        if math.isinf(lo):
            return f"< {hi:g}"
        return f"in the open interval ({lo:g}, {hi:g})"

    def symbol(self) -> sp.Symbol:
        """The sympy symbol, with the sign assumptions its domain implies."""
        kwargs: dict[str, bool] = {"real": True}
        if self.lower >= 0:
            kwargs["positive"] = True
        elif self.upper <= 0:
            kwargs["negative"] = True
        return sp.Symbol(self.name, **kwargs)

    def check(self, values: np.ndarray, argname: str) -> None:
        """Raise ``ValueError`` if any value is outside the open domain."""
        bad = ~((values > self.lower) & (values < self.upper))
        if np.any(bad):
            first = float(values[bad].flat[0])
            raise ValueError(f"{argname} {self.name} must be {self.constraint}, got {first!r}")


@dataclass(frozen=True)
class Support:
    """Where ``y`` lives.

    ``kind`` is ``"continuous"`` (an interval whose ends may depend on theta),
    ``"count"`` (the integers ``0, 1, 2, ...``) or ``"finite"`` (integer labels
    ``0 .. len(outcomes)-1``; ``outcomes[j]`` gives the values of the
    observation symbols for label ``j``).
    """

    kind: str
    lower: sp.Expr = sp.S.NegativeInfinity
    upper: sp.Expr = sp.S.Infinity
    outcomes: tuple[tuple[int, ...], ...] = ()
    description: str = ""


class Symbolic:
    """The sympy objects of a family, derived lazily from its log-density.

    Attributes: ``theta`` (parameter symbols), ``y`` (observation symbols),
    ``logpdf``, ``pdf``, ``score`` (k x 1), ``hessian`` (k x k),
    ``fisher`` (``E[s s^T]``, k x k), ``fisher_neg_hessian`` (``E[-H]``),
    ``theta_q`` (a second copy of the parameters) and ``kl`` (an expression in
    ``theta`` and ``theta_q`` for ``KL(p_theta || p_theta_q)``).
    """

    def __init__(self, family: "Family") -> None:
        self._family = family
        self.theta: tuple[sp.Symbol, ...] = family._theta_syms
        self.y: tuple[sp.Symbol, ...] = family._y_syms
        self.logpdf: sp.Expr = family._logpdf_expr

    @functools.cached_property
    def pdf(self) -> sp.Expr:
        """``exp(logpdf)`` written as a product of powers, the form sympy integrates best."""
        return _sym.exp_as_powers(_sym.explicit(self.logpdf), self.y)

    @functools.cached_property
    def score(self) -> sp.Matrix:
        return self._family._derive_score()

    @functools.cached_property
    def hessian(self) -> sp.Matrix:
        return self._family._derive_hessian()

    @functools.cached_property
    def fisher_raw(self) -> sp.Matrix:
        """``E[s s^T]`` in the stable form used for numerics (unsimplified)."""
        return self._family._derive_fisher()

    @functools.cached_property
    def fisher(self) -> sp.Matrix:
        """``E[s s^T]``, simplified into elementary functions for reading."""
        return _sym.display(self.fisher_raw)

    @functools.cached_property
    def fisher_neg_hessian(self) -> sp.Matrix:
        fam = self._family
        return (-self.hessian).applyfunc(lambda e: _sym.simplify_entry(fam.expect(e)))

    @functools.cached_property
    def theta_q(self) -> tuple[sp.Symbol, ...]:
        return tuple(
            sp.Symbol(f"{s.name}_q", **_assumptions(s)) for s in self.theta
        )

    @functools.cached_property
    def kl_raw(self) -> sp.Expr:
        """``KL(p_theta || p_theta_q)`` in the stable form used for numerics."""
        return self._family.kl_expr(self.theta, self.theta_q)

    @functools.cached_property
    def kl(self) -> sp.Expr:
        """``KL(p_theta || p_theta_q)`` simplified for reading."""
        return _sym.display(self.kl_raw)

    @functools.cached_property
    def to_base(self) -> tuple[sp.Expr, ...] | None:
        """The base family's parameters as expressions in ``theta``, composed through every
        parent; None for a base family, or a family linked to its base numerically only."""
        return self._family._symbolic_to_base()

    @functools.cached_property
    def from_base(self) -> tuple[sp.Expr, ...] | None:
        """``theta`` as expressions in the base family's parameter symbols (its ``symbolic.theta``),
        when the family reparametrises its base directly and was given the inverse map; else None."""
        return self._family._symbolic_from_base()

    def __repr__(self) -> str:
        return f"<Symbolic {self._family.name}: log p = {self.logpdf}>"


class _LazyFunctions(Mapping):
    """A read-only mapping whose values are built by their factory on first access."""

    def __init__(self, factories: dict[str, Callable[[], Callable]]) -> None:
        self._factories = factories
        self._built: dict[str, Callable] = {}

    def __getitem__(self, key: str) -> Callable:
        if key not in self._built:
            self._built[key] = self._factories[key]()
        return self._built[key]

    def __iter__(self):
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


def _assumptions(s: sp.Symbol) -> dict[str, bool]:
    keys = ("real", "positive", "negative")
    return {k: True for k in keys if s.assumptions0.get(k)}


class Family:
    """A parametric family ``p(y; theta)`` defined by a sympy log-density.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"gaussian"``.
    params : sequence of Param
        Parameters with their open domains; ``theta[..., i]`` is ``params[i]``.
    y : sequence of sympy.Symbol
        Symbols for the observation.  Usually one symbol ``y``; a categorical
        uses one indicator per non-reference class.
    logpdf : callable
        ``logpdf(y_syms, theta_syms) -> sympy expression``.
    support : Support
        Where ``y`` lives (may depend on theta: then the family is irregular).
    sampler : callable
        ``sampler(theta_columns, shape, rng) -> y`` using the numpy Generator.
    features : callable, optional
        Maps a numeric observation array to the arrays for the ``y`` symbols.
    moments : callable, optional
        ``moments(y_syms, theta_syms) -> {g(y): E[g(y)]}`` hand-written
        expectations used where sympy has no closed form; tested numerically.
    kl : callable, optional
        ``kl(theta_p, theta_q) -> expr``: a hand-written KL where the generic
        expectation cannot be used (a support that depends on theta).
    base : (callable, callable, callable, callable[, callable, callable]), optional
        ``(base_family_factory, to_base, from_base, jacobian[, sym_to_base, sym_from_base])``:
        a family defined directly in
        its own chart (for its numerical stability) that is another family in other
        coordinates, e.g. Bernoulli in the logit. ``to_base``/``from_base`` are numpy maps of
        shape ``(..., k) -> (..., k)``, ``jacobian`` maps ``(..., k) -> (..., k, k)``. Then :attr:`base`, :meth:`to_base` and :meth:`from_base`
        lead to that family, as they do for a :meth:`reparametrize`-d one. The optional
        ``sym_to_base(*theta)`` and ``sym_from_base(*base_theta)`` give the same two maps as
        sympy expressions (for :attr:`Symbolic.to_base` / :attr:`Symbolic.from_base`, from
        which the browser's formulas are generated).
    description : str
        One line for readers.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> fam = ng.family("gaussian")
    >>> fam.params
    ('mu', 'sigma')
    >>> fam.fisher([0.0, 2.0])
    array([[0.25, 0.  ],
           [0.  , 0.5 ]])
    >>> float(fam.kl([0.0, 1.0], [1.0, 1.0]))
    0.5
    """

    def __init__(
        self,
        name: str,
        params: Sequence[Param],
        y: Sequence[sp.Symbol],
        logpdf: Callable[..., sp.Expr] | sp.Expr,
        support: Support,
        sampler: Callable[..., np.ndarray],
        *,
        features: Callable[[np.ndarray], tuple[np.ndarray, ...]] | None = None,
        moments: Callable[..., Mapping[sp.Expr, sp.Expr]] | None = None,
        kl: Callable[..., sp.Expr] | None = None,
        base: tuple[Callable[..., Any], ...] | None = None,
        description: str = "",
    ) -> None:
        self.name = name
        self._base_link = base
        self._params = tuple(params)
        self._theta_syms = tuple(p.symbol() for p in self._params)
        self._y_syms = tuple(y)
        self._logpdf_expr = (
            logpdf(self._y_syms, self._theta_syms) if callable(logpdf) else logpdf
        )
        self.support = support
        self._sampler = sampler
        self._features_fn = features
        self._moment_table = (
            dict(moments(self._y_syms, self._theta_syms)) if moments else {}
        )
        self._kl_override = kl
        self.description = description
        self._feature_cache: dict[sp.Expr, sp.Expr] = {}
        self.symbolic = Symbolic(self)

    # ------------------------------------------------------------------ basics
    @property
    def params(self) -> tuple[str, ...]:
        """Parameter names, in the order of ``theta[..., i]``."""
        return tuple(p.name for p in self._params)

    @property
    def param_specs(self) -> tuple[Param, ...]:
        return self._params

    @property
    def k(self) -> int:
        """Number of parameters."""
        return len(self._params)

    @property
    def labels(self) -> tuple[str, ...]:
        """Plain-text parameter labels (the names), in the order of ``theta[..., i]``.

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian_logstd").labels
        ('mu', 'log_sigma')
        """
        return self.params

    @property
    def latex_labels(self) -> tuple[str, ...]:
        """Parameter labels in inline LaTeX math (``$...$``), for axes and tables.

        >>> import natgrad_lib as ng
        >>> print(*ng.family("gaussian_logstd").latex_labels)
        $\\mu$ $\\log\\sigma$
        """
        return tuple(f"${p.latex or p.name}$" for p in self._params)

    def in_domain(self, theta: Any) -> np.ndarray:
        """Which parameter vectors lie in the open parameter domain (finite, every bound met).

        Unlike :meth:`check_theta` it never raises on values: it answers for each vector.

        Parameters
        ----------
        theta : array_like, shape (..., k)

        Returns
        -------
        ndarray of bool, shape (...)

        Examples
        --------
        >>> import natgrad_lib as ng
        >>> ng.family("gaussian").in_domain([[0.0, 1.0], [0.0, -1.0], [float("nan"), 1.0]])
        array([ True, False, False])
        """
        arr = self._theta_shape(theta, "theta")
        ok = np.all(np.isfinite(arr), axis=-1)
        with np.errstate(invalid="ignore"):
            for i, p in enumerate(self._params):
                ok &= (arr[..., i] > p.lower) & (arr[..., i] < p.upper)
        return ok

    @property
    def discrete(self) -> bool:
        return self.support.kind in ("count", "finite")

    @property
    def regular(self) -> bool:
        """False when the support depends on theta (the regularity conditions fail)."""
        ends = {_sym.as_expr(self.support.lower), _sym.as_expr(self.support.upper)}
        free = set().union(*(e.free_symbols for e in ends))
        return not (free & set(self._theta_syms))

    def __repr__(self) -> str:
        return f"<Family {self.name}({', '.join(self.params)})>"

    # ------------------------------------------------------------ expectations
    def expect(self, expr: sp.Expr) -> sp.Expr:
        """Exact ``E_{y~p(y;theta)}[expr]`` for an expression in y and theta.

        >>> import natgrad_lib as ng
        >>> fam = ng.family("poisson")
        >>> y, = fam.symbolic.y
        >>> fam.expect(y**2)
        lam*(lam + 1)
        """
        expr = _sym.as_expr(expr)
        if self.support.kind == "finite":
            return self._expect_finite(expr)
        expr = sp.expand(_sym.explicit(expr))
        total = sp.S.Zero
        for term in sp.Add.make_args(expr):
            coeff, feature = term.as_independent(*self._y_syms, as_Add=False)
            total += coeff * self._feature_mean(feature)
        return total

    def _expect_finite(self, expr: sp.Expr) -> sp.Expr:
        total = sp.S.Zero
        for values in self.support.outcomes:
            sub = dict(zip(self._y_syms, values))
            total += sp.exp(self._logpdf_expr.subs(sub)) * expr.subs(sub)
        return total

    def _feature_mean(self, feature: sp.Expr) -> sp.Expr:
        if feature == 1:
            return sp.S.One
        if feature in self._feature_cache:
            return self._feature_cache[feature]
        if feature in self._moment_table:
            value = self._moment_table[feature]
        else:
            value = self._integrate(feature)
        self._feature_cache[feature] = value
        return value

    def normaliser(self) -> sp.Expr:
        """``int p(y; theta) dy`` (or the sum), computed by sympy: 1 for a valid density."""
        if self.support.kind == "finite":
            return sp.simplify(_sym.explicit(self._expect_finite(sp.S.One)))
        return self._integrate(sp.S.One)

    def _integrate(self, feature: sp.Expr) -> sp.Expr:
        (y,) = self._y_syms
        f = feature * self.symbolic.pdf
        bounds = (y, self.support.lower, self.support.upper)
        if self.support.kind == "count":
            value = sp.summation(f, bounds)
        else:
            value = sp.integrate(f, bounds, conds="none", meijerg=True)
            if value.has(sp.Integral):
                value = sp.integrate(f, bounds, conds="none")
        value = sp.hyperexpand(value)
        if value.has(sp.Integral, sp.Sum):
            raise NotImplementedError(
                f"sympy found no closed form for E[{feature}] in family {self.name!r}; "
                "supply it in the family's moments table"
            )
        return sp.simplify(value)

    # -------------------------------------------------------------- derivation
    def _derive_score(self) -> sp.Matrix:
        return sp.Matrix([sp.diff(self._logpdf_expr, t) for t in self._theta_syms])

    def _derive_hessian(self) -> sp.Matrix:
        s = self.symbolic.score
        return sp.Matrix(
            self.k, self.k, lambda i, j: sp.diff(s[i], self._theta_syms[j])
        )

    def _derive_fisher(self) -> sp.Matrix:
        s = self.symbolic.score
        out = sp.zeros(self.k, self.k)
        for i in range(self.k):
            for j in range(i, self.k):
                out[i, j] = out[j, i] = self._finish(self.expect(s[i] * s[j]))
        return out

    def _finish(self, expr: sp.Expr) -> sp.Expr:
        """Simplify a derived expectation for display and fast numerics.

        Expressions holding the stable log-sum-exp are kept as they are
        (simplifying would re-introduce overflow-prone ``exp``).
        """
        if expr.has(_sym.LogOnePlusSumExp):
            return expr
        return _sym.simplify_entry(expr)

    def kl_expr(self, theta_p: Sequence[sp.Expr], theta_q: Sequence[sp.Expr]) -> sp.Expr:
        """Symbolic ``KL(p_{theta_p} || p_{theta_q})``."""
        if self._kl_override is not None:
            return self._kl_override(tuple(theta_p), tuple(theta_q))
        lp = self._logpdf_expr
        # Placeholders for theta_q, so that theta_p and theta_q may both contain the
        # family's own symbols (e.g. theta_p = theta + t d, theta_q = theta).
        q = [sp.Dummy(f"{t.name}_q", **_assumptions(t)) for t in self._theta_syms]
        lq = lp.subs(dict(zip(self._theta_syms, q)), simultaneous=True)
        expr = self.expect(lp - lq)
        sub = {**dict(zip(self._theta_syms, theta_p)), **dict(zip(q, theta_q))}
        return self._finish(expr.subs(sub, simultaneous=True))

    # ----------------------------------------------------------------- numeric
    @functools.cached_property
    def _num(self) -> Mapping[str, Callable]:
        """Generated numpy functions, each compiled on first use (the Fisher and KL
        need symbolic expectations, which a call to ``score`` should not wait for)."""
        sym = self.symbolic
        args = (*self._y_syms, *self._theta_syms)
        return _LazyFunctions(
            {
                "logpdf": lambda: _sym.lambdify(args, self._logpdf_expr),
                "score": lambda: _sym.lambdify(args, list(sym.score)),
                "hessian": lambda: _sym.lambdify(args, list(sym.hessian)),
                "fisher": lambda: _sym.lambdify(self._theta_syms, list(sym.fisher_raw)),
                "kl": lambda: _sym.lambdify((*self._theta_syms, *sym.theta_q), sym.kl_raw),
            }
        )

    def _theta_shape(self, theta: Any, argname: str) -> np.ndarray:
        """``theta`` as a float array of shape ``(..., k)`` (a scalar is one parameter of a
        one-parameter family); ValueError naming ``argname`` otherwise. Values are not checked."""
        arr = as_float_array(theta, argname)
        if arr.ndim == 0 and self.k == 1:
            arr = arr.reshape(1)
        if arr.ndim == 0 or arr.shape[-1] != self.k:
            raise ValueError(
                f"{argname} must have shape (..., {self.k}) with last axis "
                f"({', '.join(self.params)}), got shape {arr.shape}"
            )
        return arr

    def check_theta(self, theta: Any, argname: str = "theta") -> np.ndarray:
        """Validate parameters: float array ``(..., k)`` inside the domain.

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian").check_theta([0.0, -1.0])
        Traceback (most recent call last):
        ...
        ValueError: theta sigma must be > 0, got -1.0
        """
        arr = self._theta_shape(theta, argname)
        require_finite(arr, argname)
        for i, p in enumerate(self._params):
            p.check(arr[..., i], argname)
        return arr

    def features(self, y: Any, theta: Any = None) -> tuple[np.ndarray, ...]:
        """The values of the observation symbols ``symbolic.y`` for the observations ``y``.

        One array per symbol, each of the shape of ``y``: ``(y,)`` for a family with one
        observation symbol, the indicators of the classes 1, ..., K - 1 for
        ``categorical_softmax``. These are the arguments the generated formulas take (the
        lambdified numpy functions, and the JavaScript of :mod:`natgrad_lib.jsgen`).
        ``y`` is validated against the support first (give ``theta`` for a family whose
        support depends on it, such as ``uniform``).

        >>> import natgrad_lib as ng
        >>> ng.family("categorical_softmax").features([0, 2])
        (array([0., 0.]), array([0., 1.]))
        >>> ng.family("poisson").features([3, 1])
        (array([3., 1.]),)
        """
        yy = self.check_y(y, None if theta is None else self.check_theta(theta))
        return tuple(self._features_fn(yy)) if self._features_fn else (yy,)

    def check_y(self, y: Any, theta: np.ndarray | None = None) -> np.ndarray:
        """Validate observations against the support (and theta, if it depends on it)."""
        arr = as_float_array(y, "y")
        require_finite(arr, "y")
        kind = self.support.kind
        if kind in ("count", "finite"):
            if np.any(arr != np.round(arr)):
                bad = float(arr[arr != np.round(arr)].flat[0])
                raise ValueError(f"y must be integer-valued ({self.support.description}), got {bad!r}")
            hi = len(self.support.outcomes) - 1 if kind == "finite" else np.inf
            bad = (arr < 0) | (arr > hi)
            if np.any(bad):
                raise ValueError(
                    f"y must be in the support {self.support.description}, got {float(arr[bad].flat[0])!r}"
                )
            return arr
        lo, hi = self._support_bounds(theta)
        with np.errstate(invalid="ignore"):
            bad = (arr < lo) | (arr > hi)
        if np.any(bad):
            raise ValueError(
                f"y must be in the support {self.support.description}, "
                f"got {float(np.broadcast_to(arr, bad.shape)[bad].flat[0])!r}"
            )
        return arr

    def _support_bounds(self, theta: np.ndarray | None) -> tuple[Any, Any]:
        ends = []
        for end in (self.support.lower, self.support.upper):
            end = _sym.as_expr(end)
            if end.free_symbols:
                if theta is None:
                    raise ValueError(f"the support of {self.name} depends on theta; pass theta")
                f = _sym.lambdify(self._theta_syms, end)
                ends.append(np.asarray(f(*np.moveaxis(theta, -1, 0)), dtype=float))
            else:
                ends.append(float(end))
        return ends[0], ends[1]

    def _prepare(self, y: Any, theta: Any) -> tuple[tuple, tuple, tuple[int, ...]]:
        th = self.check_theta(theta)
        yy = self.check_y(y, th)
        shape = broadcast_shape({"y": yy.shape, "theta[..., 0]": th.shape[:-1]})
        feats = tuple(self._features_fn(yy)) if self._features_fn else (yy,)
        return feats, tuple(np.moveaxis(th, -1, 0)), shape

    #: The per-observation quantities :meth:`evaluate` computes.
    QUANTITIES = ("logpdf", "score", "hessian")

    def evaluate(self, quantities: Sequence[str], y: Any, theta: Any, *,
                 compact: bool = False) -> dict[str, Any]:
        """Several per-observation quantities at once, validating ``y`` and ``theta`` once.

        ``y`` of shape (...) broadcasts against ``theta`` of shape (..., k), as in
        :meth:`logpdf`. This is the batch entry point for Monte Carlo estimators, which need
        the log-density, the score and the Hessian at the same draws.

        Parameters
        ----------
        quantities : sequence of {"logpdf", "score", "hessian"}
        y : array_like, shape (...)
        theta : array_like, shape (..., k)
        compact : bool
            If True, ``"score"`` and ``"hessian"`` come back as tuples of their k (or k·k,
            row-major) entries, and an entry that does not depend on ``y`` is not broadcast
            (it may be 0-d). Estimators over many samples use this to skip copies.

        Returns
        -------
        dict of str to ndarray
            ``"logpdf"`` of shape (...), ``"score"`` (..., k), ``"hessian"`` (..., k, k).

        Raises
        ------
        ValueError
            If a value is not finite (parameters too extreme for float64), or as
            :meth:`check_theta` and :meth:`check_y`.

        Examples
        --------
        >>> import natgrad_lib as ng
        >>> out = ng.family("poisson").evaluate(["score", "hessian"], [1, 3], [2.0])
        >>> out["score"].ravel(), out["hessian"].ravel()
        (array([-0.5,  0.5]), array([-0.25, -0.75]))
        >>> ng.family("gaussian").evaluate(["hessian"], [0.0, 1.0], [0.0, 1.0], compact=True)["hessian"][0]
        array(-1.)
        """
        unknown = [q for q in quantities if q not in self.QUANTITIES]
        if unknown:
            raise ValueError(f"quantities must be among {self.QUANTITIES}, got {unknown[0]!r}")
        feats, cols, shape = self._prepare(y, theta)
        out: dict[str, Any] = {}
        for q in quantities:
            value = self._num[q](*feats, *cols)
            if q == "logpdf":
                out[q] = _guard(_broadcast(value, shape), q, self.name)
            elif compact:
                out[q] = tuple(_guard(np.asarray(e, dtype=float), q, self.name) for e in value)
            else:
                arr = np.stack([_broadcast(e, shape) for e in value], axis=-1)
                if q == "hessian":
                    arr = arr.reshape(shape + (self.k, self.k))
                out[q] = _guard(arr, q, self.name)
        return out

    def logpdf(self, y: Any, theta: Any) -> np.ndarray:
        """``log p(y; theta)``, broadcasting ``y (...)`` against ``theta (..., k)``.

        >>> import natgrad_lib as ng
        >>> ng.family("bernoulli").logpdf([0, 1], [0.25])
        array([-0.28768207, -1.38629436])
        """
        return self.evaluate(("logpdf",), y, theta)["logpdf"]

    def score(self, y: Any, theta: Any) -> np.ndarray:
        """Score ``grad_theta log p(y; theta)``, shape ``(..., k)``.

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian").score(1.0, [0.0, 1.0])
        array([1., 0.])
        """
        return self.evaluate(("score",), y, theta)["score"]

    def hessian(self, y: Any, theta: Any) -> np.ndarray:
        """Hessian of ``log p(y; theta)`` in theta, shape ``(..., k, k)``.

        >>> import natgrad_lib as ng
        >>> ng.family("poisson").hessian(2, [1.0])
        array([[-2.]])
        """
        return self.evaluate(("hessian",), y, theta)["hessian"]

    def fisher(self, theta: Any) -> np.ndarray:
        """Exact Fisher information ``E[s s^T]`` of one observation, ``(..., k, k)``.

        >>> import natgrad_lib as ng
        >>> ng.family("bernoulli").fisher([0.5])
        array([[4.]])
        """
        th = self.check_theta(theta)
        shape = th.shape[:-1]
        entries = self._num["fisher"](*np.moveaxis(th, -1, 0))
        out = np.stack([_broadcast(e, shape) for e in entries], axis=-1)
        return _guard(out.reshape(shape + (self.k, self.k)), "fisher", self.name)

    def kl(self, theta_p: Any, theta_q: Any) -> np.ndarray:
        """Exact ``KL(p_{theta_p} || p_{theta_q})``; may be ``inf``, never NaN.

        >>> import natgrad_lib as ng
        >>> round(float(ng.family("bernoulli").kl([0.5], [0.25])), 6)
        0.143841
        """
        tp = self.check_theta(theta_p, "theta_p")
        tq = self.check_theta(theta_q, "theta_q")
        shape = broadcast_shape({"theta_p[..., 0]": tp.shape[:-1], "theta_q[..., 0]": tq.shape[:-1]})
        out = _broadcast(
            self._num["kl"](*np.moveaxis(tp, -1, 0), *np.moveaxis(tq, -1, 0)), shape
        )
        return _guard(out, "kl", self.name, allow_posinf=True)

    def sample(self, theta: Any, size: int | Sequence[int], rng: np.random.Generator) -> np.ndarray:
        """Draw ``y ~ p(y; theta)``; the output has shape ``size + theta.shape[:-1]``.

        >>> import numpy as np, natgrad_lib as ng
        >>> ng.family("poisson").sample([3.0], 4, np.random.default_rng(0)).shape
        (4,)
        """
        require_generator(rng)
        th = self.check_theta(theta)
        size_t = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
        if any((not isinstance(s, (int, np.integer))) or s < 0 for s in size_t):
            raise ValueError(f"size must be a non-negative int or tuple of them, got {size!r}")
        shape = tuple(int(s) for s in size_t) + th.shape[:-1]
        cols = tuple(np.broadcast_to(c, shape) for c in np.moveaxis(th, -1, 0))
        return np.asarray(self._sampler(cols, shape, rng), dtype=float)

    # ---------------------------------------------------------- reparametrize
    def reparametrize(
        self,
        name: str,
        params: Sequence[Param | str],
        to_base: Callable[..., Sequence[sp.Expr]],
        from_base: Callable[..., Sequence[sp.Expr]] | None = None,
        description: str = "",
    ) -> "Reparametrized":
        """A new family ``phi -> p(y; g(phi))`` from an invertible map ``theta = g(phi)``.

        The score follows the chain rule ``s_phi = J^T s_theta`` and the Fisher
        transforms as ``J^T I(theta) J``, with ``J = d theta / d phi``.

        Parameters
        ----------
        name : str
            Name of the new family.
        params : sequence of Param or str
            New parameters (a plain name means an unconstrained real parameter).
        to_base : callable
            ``to_base(*phi_symbols) -> tuple`` of sympy expressions for the old
            parameters.  Only sympy objects are accepted: no strings are parsed.
        from_base : callable, optional
            The inverse map, ``from_base(*theta_symbols) -> tuple``.

        Examples
        --------
        >>> import sympy as sp, natgrad_lib as ng
        >>> gauss = ng.family("gaussian")
        >>> prec = gauss.reparametrize(
        ...     "gaussian_precision",
        ...     [ng.Param("mu", r"\\mu"), ng.Param("tau", r"\\tau", lower=0.0)],
        ...     to_base=lambda mu, tau: (mu, 1 / sp.sqrt(tau)),
        ...     from_base=lambda mu, sigma: (mu, sigma**-2),
        ... )
        >>> prec.fisher([0.0, 4.0])
        array([[4.     , 0.     ],
               [0.     , 0.03125]])
        """
        specs = tuple(p if isinstance(p, Param) else Param(str(p), str(p)) for p in params)
        return Reparametrized(self, name, specs, to_base, from_base, description)

    def to_base(self, theta: Any) -> np.ndarray:
        """Parameters of the base chart, shape (..., k) (identity for a base family).

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian").to_base([1.0, 2.0])
        array([1., 2.])
        >>> ng.family("bernoulli_logit").to_base([[0.0], [np.log(3.0)]])
        array([[0.5 ],
               [0.75]])
        """
        th = self.check_theta(theta)
        return th if self._base_link is None else self._base_link[1](th)

    def from_base(self, theta_base: Any) -> np.ndarray:
        """Parameters of the base chart mapped to this family's chart (inverse of :meth:`to_base`).

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian").from_base([1.0, 2.0])
        array([1., 2.])
        >>> ng.family("bernoulli_logit").from_base([0.5])
        array([0.])
        """
        th = self.base.check_theta(theta_base, "theta_base")
        return th if self._base_link is None else self.check_theta(self._base_link[2](th))

    def jacobian_to_base(self, theta: Any) -> np.ndarray:
        """J = ∂(base parameters)/∂θ at θ, shape (..., k, k) (the identity for a base family).

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian_logstd").jacobian_to_base([0.0, np.log(2.0)])
        array([[1., 0.],
               [0., 2.]])
        >>> ng.family("bernoulli_logit").jacobian_to_base([0.0])
        array([[0.25]])
        """
        th = self.check_theta(theta)
        if self._base_link is not None:
            return self._base_link[3](th)
        return np.broadcast_to(np.eye(self.k), th.shape[:-1] + (self.k, self.k)).copy()

    @functools.cached_property
    def base(self) -> "Family":
        """The family whose chart this one maps to with :meth:`to_base` (itself for a base family).

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian_natural").base.name, ng.family("bernoulli_logit").base.name
        ('gaussian', 'bernoulli')
        """
        return self if self._base_link is None else self._base_link[0]()

    def _symbolic_to_base(self) -> tuple[sp.Expr, ...] | None:
        if self._base_link is None or len(self._base_link) < 6:
            return None   # a base family, or a link to the base given in numpy only
        return tuple(_as_expr(e, "sym_to_base") for e in self._base_link[4](*self._theta_syms))

    def _symbolic_from_base(self) -> tuple[sp.Expr, ...] | None:
        if self._base_link is None or len(self._base_link) < 6:
            return None
        return tuple(_as_expr(e, "sym_from_base") for e in self._base_link[5](*self.base.symbolic.theta))


class Reparametrized(Family):
    """A family in new coordinates ``phi``, with ``theta = g(phi)`` in a base family."""

    def __init__(
        self,
        parent: Family,
        name: str,
        params: Sequence[Param],
        to_base: Callable[..., Sequence[sp.Expr]],
        from_base: Callable[..., Sequence[sp.Expr]] | None,
        description: str,
    ) -> None:
        phi = tuple(p.symbol() for p in params)
        g = tuple(_as_expr(e, "to_base") for e in to_base(*phi))
        if len(g) != parent.k or len(phi) != parent.k:
            raise ValueError(
                f"to_base must return {parent.k} expressions for {parent.k} new parameters, "
                f"got {len(g)} for {len(phi)}"
            )
        for e in g:
            if not isinstance(e, sp.Expr) or (e.free_symbols - set(phi)):
                raise TypeError(
                    f"to_base must return sympy expressions in the new parameters {phi}, got {e!r}"
                )
        self._parent = parent
        self._g = g
        self._sub = dict(zip(parent._theta_syms, g))
        jac = sp.Matrix(parent.k, parent.k, lambda i, j: sp.diff(g[i], phi[j]))
        if sp.simplify(jac.det()) == 0:
            raise ValueError(f"to_base is not invertible: its Jacobian determinant is 0 ({jac})")
        self.jacobian = jac
        self._from_base = (
            tuple(_as_expr(e, "from_base") for e in from_base(*parent._theta_syms)) if from_base else None
        )
        super().__init__(
            name,
            params,
            parent._y_syms,
            parent._logpdf_expr.subs(self._sub, simultaneous=True),
            Support(
                parent.support.kind,
                _sym.as_expr(parent.support.lower).subs(self._sub),
                _sym.as_expr(parent.support.upper).subs(self._sub),
                parent.support.outcomes,
                parent.support.description,
            ),
            parent._sampler,
            features=parent._features_fn,
            description=description or f"{parent.name} written in ({', '.join(p.name for p in params)})",
        )
        self._theta_syms = phi
        self.symbolic.theta = phi

    @property
    def base(self) -> Family:
        return self._parent.base

    def _symbolic_to_base(self) -> tuple[sp.Expr, ...] | None:
        parent_map = self._parent.symbolic.to_base
        if parent_map is None:
            return None if self._parent.base is not self._parent else tuple(self._g)
        sub = dict(zip(self._parent._theta_syms, self._g))
        return tuple(e.subs(sub, simultaneous=True) for e in parent_map)

    def _symbolic_from_base(self) -> tuple[sp.Expr, ...] | None:
        return self._from_base if self._parent.base is self._parent else None

    def _feature_mean(self, feature: sp.Expr) -> sp.Expr:
        return self._parent._feature_mean(feature).subs(self._sub, simultaneous=True)

    def normaliser(self) -> sp.Expr:
        return self._parent.normaliser().subs(self._sub, simultaneous=True)

    def _derive_score(self) -> sp.Matrix:
        base_s = self._parent.symbolic.score.subs(self._sub, simultaneous=True)
        return (self.jacobian.T * base_s).applyfunc(sp.simplify)

    def _derive_hessian(self) -> sp.Matrix:
        par = self._parent.symbolic
        jac = self.jacobian
        base_h = par.hessian.subs(self._sub, simultaneous=True)
        base_s = par.score.subs(self._sub, simultaneous=True)
        curv = sp.zeros(self.k, self.k)
        for m, gm in enumerate(self._g):
            curv += base_s[m] * sp.hessian(gm, self._theta_syms)
        return (jac.T * base_h * jac + curv).applyfunc(sp.simplify)

    def _derive_fisher(self) -> sp.Matrix:
        base_i = self._parent.symbolic.fisher_raw.subs(self._sub, simultaneous=True)
        return (self.jacobian.T * base_i * self.jacobian).applyfunc(self._finish)

    def kl_expr(self, theta_p: Sequence[sp.Expr], theta_q: Sequence[sp.Expr]) -> sp.Expr:
        phi = self._theta_syms
        gp = [e.subs(dict(zip(phi, theta_p)), simultaneous=True) for e in self._g]
        gq = [e.subs(dict(zip(phi, theta_q)), simultaneous=True) for e in self._g]
        return self._finish(self._parent.kl_expr(gp, gq))

    def sample(self, theta: Any, size: int | Sequence[int], rng: np.random.Generator) -> np.ndarray:
        return self._parent.sample(self.to_base_parent(theta), size, rng)

    @functools.cached_property
    def _g_num(self) -> Callable:
        return _sym.lambdify(self._theta_syms, list(self._g))

    @functools.cached_property
    def _from_num(self) -> Callable | None:
        if self._from_base is None:
            return None
        return _sym.lambdify(self._parent._theta_syms, list(self._from_base))

    def to_base_parent(self, theta: Any) -> np.ndarray:
        """Numeric ``g(phi)``: the parameters in the parent family's chart."""
        th = self.check_theta(theta)
        out = self._g_num(*np.moveaxis(th, -1, 0))
        return np.stack([_broadcast(o, th.shape[:-1]) for o in out], axis=-1)

    def to_base(self, theta: Any) -> np.ndarray:
        """Numeric map to the base family's chart (through every parent).

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian_logstd").to_base([1.0, 0.0])
        array([1., 1.])
        """
        return self._parent.to_base(self.to_base_parent(theta))

    @functools.cached_property
    def _jac_num(self) -> Callable:
        return _sym.lambdify(self._theta_syms, list(self.jacobian))

    def jacobian_to_base(self, theta: Any) -> np.ndarray:
        """J = ∂(base parameters)/∂φ at φ, through every parent (chain rule), shape (..., k, k)."""
        th = self.check_theta(theta)
        entries = self._jac_num(*np.moveaxis(th, -1, 0))
        own = np.stack([_broadcast(e, th.shape[:-1]) for e in entries], axis=-1)
        own = own.reshape(th.shape[:-1] + (self.k, self.k))
        return self._parent.jacobian_to_base(self.to_base_parent(th)) @ own

    def from_base(self, theta_base: Any) -> np.ndarray:
        """Numeric inverse of :meth:`to_base`: from the base chart to this one (through every parent).

        >>> import natgrad_lib as ng
        >>> ng.family("gaussian_natural").from_base([1.0, 2.0])
        array([ 0.25 , -0.125])
        """
        if self._from_num is None:
            raise ValueError(f"family {self.name!r} was built without from_base")
        th = self._parent.from_base(theta_base)
        out = self._from_num(*np.moveaxis(th, -1, 0))
        return np.stack([_broadcast(o, th.shape[:-1]) for o in out], axis=-1)


def _as_expr(value: Any, argname: str) -> sp.Expr:
    try:
        return _sym.as_expr(value, argname)
    except TypeError:
        raise TypeError(
            f"{argname} must return sympy expressions in the new parameters, got {value!r} "
            f"of type {type(value).__name__}"
        ) from None


def _broadcast(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), shape)


def _guard(out: np.ndarray, what: str, family: str, allow_posinf: bool = False) -> np.ndarray:
    """Refuse to hand back NaN (or infinities, unless ``+inf`` is a legal value)."""
    bad = np.isnan(out) | (np.isinf(out) & ~(allow_posinf & (out > 0)))
    if np.any(bad):
        raise ValueError(
            f"{family}.{what} is not finite at some of the given inputs "
            "(parameters too extreme for float64); got "
            f"{float(out[bad].flat[0])!r}"
        )
    return np.array(out)
