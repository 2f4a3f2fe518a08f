r"""Optimisation paths compared across methods and parametrisations (numerics layer).

The book's last part asks two questions of an optimiser: *which way* does it step (gradient,
natural gradient, Newton, empirical Fisher), and does the answer depend on *how the model is
written* (the chart: :math:`(\mu, \sigma)`, :math:`(\mu, \log\sigma)`, :math:`(\mu, \sigma^2)`,
natural parameters; :math:`p` or the logit). This module runs the optimisers and maps every
path into one **common chart**, where paths from different charts can be compared point by
point:

* :class:`Problem` -- a log-likelihood with its parameter domain: :func:`family_problem`
  (i.i.d. data under a family) or :func:`glm_problem` (a GLM, e.g. linear regression).
* :func:`run` -- a fixed number of steps of one method, with a step size α or a KL budget c
  per step; it stops cleanly, keeping the path so far, when a step leaves the parameter
  domain or a matrix is singular. Returns a :class:`Path`.
* :func:`common_family`, :func:`to_common`, :func:`from_common` -- the common chart of a
  family: the base of a reparametrised family (``fam.to_base``), and Bernoulli(p) for
  ``bernoulli_logit`` (the sigmoid).
* :func:`chart_path`, :func:`chart_paths`, :func:`path_gap` -- the same data, start and
  method in several charts, mapped to the common chart, and how far apart the paths are.
* :func:`fit_mle`, :func:`race` -- gradient ascent against the natural gradient from the same
  start, with the KL divergence to the maximum-likelihood fit at every iteration.
* :func:`regression_data`, :func:`direction_field` -- the gradient, natural-gradient and
  empirical-Fisher directions on a grid, as in figure 1 of Kunstner, Balles & Hennig (2019).

Step sizes
----------
``lr`` is the step size α for the *average* log-likelihood ℓ(θ)/n. The natural gradient,
Newton and empirical-Fisher steps do not change when ℓ is rescaled, so for them α is the
familiar fraction of a full step (α = 1: a full Fisher-scoring or Newton step). Gradient
ascent moves by α ∇ℓ(θ)/n, which keeps α meaningful whatever the number n of observations.
With ``kl_budget=c`` instead, every step d is rescaled so that its local KL cost
½ dᵀ Ī(θ) d equals c, where Ī(θ) = I(θ)/n is the Fisher information of one observation
(the average over the rows, for a GLM): the methods then differ only in their direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

import numpy as np

from . import optim, registry
from ._validate import as_float_array, require_finite, require_generator, require_int
from .families import Family

__all__ = [
    "METHODS",
    "Path",
    "Problem",
    "Race",
    "DirectionField",
    "family_problem",
    "glm_problem",
    "run",
    "common_family",
    "to_common",
    "from_common",
    "chart_path",
    "chart_paths",
    "path_gap",
    "Invariance",
    "invariance_paths",
    "fit_mle",
    "race",
    "regression_data",
    "direction_field",
]

#: Methods accepted by :func:`run` (the direction of each is in :mod:`natgrad_lib.optim`).
METHODS = ("gradient", "natural", "newton", "empirical_fisher")


def _expit(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


# Direct families whose common chart is another family: name -> (common family, to, from).
_LINKED: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "bernoulli_logit": ("bernoulli", _expit, _logit),
}


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """A log-likelihood of n observations, with what :func:`run` needs beyond the objective.

    Attributes
    ----------
    objective : natgrad_lib.optim.Objective
        ℓ(θ) = Σᵢ log p(yᵢ; θ) with its gradient, Fisher information, Hessian and empirical
        Fisher (sums over the observations).
    n : int
        The number of observations.
    check : callable
        θ ↦ validated θ; raises ``ValueError`` outside the parameter domain.
    fisher1 : callable
        θ of shape (..., k) ↦ Ī(θ) = I(θ)/n, shape (..., k, k): the Fisher information of one
        observation (averaged over the rows of the design matrix, for a GLM).
    loglik_many : callable
        θ of shape (m, k) ↦ ℓ at every row, shape (m,).
    name : str
        What the problem is, for messages.
    """

    objective: optim.Objective
    n: int
    check: Callable[[Any], np.ndarray]
    fisher1: Callable[[Any], np.ndarray]
    loglik_many: Callable[[np.ndarray], np.ndarray]
    name: str


def family_problem(fam: Family, y: Any) -> Problem:
    """The i.i.d. log-likelihood of the observations ``y`` under the family ``fam``.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> prob = family_problem(ng.family("poisson"), [2, 4, 3])
    >>> prob.n, prob.loglik_many(np.array([[3.0], [1.0]])).round(4)
    (3, array([-4.7754, -8.663 ]))
    """
    if not isinstance(fam, Family):
        raise TypeError(f"fam must be a natgrad_lib Family, got {type(fam).__name__}")
    obj = optim.family_objective(fam, y)
    yy = np.asarray(y, dtype=float)

    def loglik_many(thetas: np.ndarray) -> np.ndarray:
        th = fam.check_theta(thetas)
        return np.sum(fam.logpdf(yy[:, None], th[None, :, :]), axis=0)

    return Problem(obj, int(yy.shape[0]), fam.check_theta, fam.fisher, loglik_many,
                   f"{fam.name} with n = {yy.shape[0]}")


def glm_problem(model: Any, X: Any, y: Any) -> Problem:
    """The log-likelihood of a GLM (``model`` is a :class:`natgrad_lib.glm.GLM` or its name).

    Examples
    --------
    >>> X = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]); y = np.array([1.0, 2.0, 4.0])
    >>> prob = glm_problem("gaussian", X, y)
    >>> prob.fisher1([0.0, 0.0]).round(4)           # XᵀX / n for unit noise variance
    array([[1.6667, 1.    ],
           [1.    , 1.    ]])
    """
    from . import glm

    model = glm.GLM(model) if isinstance(model, str) else model
    if not isinstance(model, glm.GLM):
        raise TypeError(f"model must be a GLM or one of {glm.MODELS}, got {type(model).__name__}")
    obj = model.objective(X, y)
    Xa = np.asarray(X, dtype=float)
    n, k = Xa.shape

    def check(theta: Any) -> np.ndarray:
        th = require_finite(as_float_array(theta, "beta"), "beta")
        if th.shape[-1:] != (k,):
            raise ValueError(f"beta must have shape (..., {k}), got shape {th.shape}")
        return th

    def fisher1(theta: Any) -> np.ndarray:
        th = check(theta)
        flat = th.reshape(-1, k)
        out = np.stack([model.fisher(b, Xa) for b in flat]) / n
        return out.reshape(th.shape[:-1] + (k, k))

    def loglik_many(thetas: np.ndarray) -> np.ndarray:
        return np.array([obj.loglik(b) for b in check(thetas).reshape(-1, k)])

    return Problem(obj, n, check, fisher1, loglik_many, f"{model.name} GLM with n = {n}")


# --------------------------------------------------------------------------- paths


@dataclass(frozen=True, repr=False)
class Path:
    """The iterates of one method, in its own chart and in the common chart.

    Attributes
    ----------
    theta : ndarray, shape (T + 1, k)
        θ₀, …, θ_T in the chart where the optimiser ran.
    common : ndarray, shape (T + 1, k)
        The same points in the common chart (see :func:`to_common`). Equal to ``theta`` for
        a path from :func:`run`.
    loglik : ndarray, shape (T + 1,)
        ℓ(θ_t).
    step_kl : ndarray, shape (T,)
        The local KL cost ½ d_tᵀ Ī(θ_t) d_t of each step d_t = θ_{t+1} − θ_t, per observation.
    kl_to_target : ndarray, shape (T + 1,), or None
        KL(p_{θ_t} ‖ p_target) for one observation, when a target was given.
    chart : str
        The name of the family (or problem) the optimiser ran in.
    method : str
        One of :data:`METHODS`.
    status : str
        ``"max_steps"`` (all steps taken), ``"domain"`` (the next step would leave the
        parameter domain), ``"singular"`` (the metric, or −H for Newton, was not positive
        definite) or ``"failed"`` (a value was not finite).
    message : str
        The same, in words.
    """

    theta: np.ndarray
    common: np.ndarray
    loglik: np.ndarray
    step_kl: np.ndarray
    kl_to_target: Optional[np.ndarray]
    chart: str
    method: str
    status: str
    message: str

    @property
    def n_iter(self) -> int:
        """T, the number of steps taken."""
        return self.theta.shape[0] - 1

    def __repr__(self) -> str:
        return (f"Path(chart={self.chart!r}, method={self.method!r}, n_iter={self.n_iter}, "
                f"status={self.status!r})")


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be > 0 and finite, got {value!r}")
    return value


def _step(problem: Problem, theta: np.ndarray, method: str, lr: float) -> np.ndarray:
    """θ + α d for ``method`` (α for the average log-likelihood; see the module docstring)."""
    obj = problem.objective
    if method == "gradient":
        return optim.gradient_step(obj, theta, lr / problem.n)
    if method == "natural":
        return optim.natural_step(obj, theta, lr)
    if method == "newton":
        return optim.newton_step(obj, theta, lr)
    return optim.natural_step(obj, theta, lr, metric="empirical_fisher")


def run(problem: Problem, theta0: Any, method: str, *, steps: int, lr: Optional[float] = None,
        kl_budget: Optional[float] = None) -> Path:
    """Take ``steps`` steps of ``method`` from ``theta0`` (no line search, no early stop).

    Parameters
    ----------
    problem : Problem
    theta0 : array_like, shape (k,)
    method : {"gradient", "natural", "newton", "empirical_fisher"}
    steps : int
        The number of steps T ≥ 0.
    lr : float, optional
        The step size α for the average log-likelihood (default 1.0).
    kl_budget : float, optional
        c > 0: rescale every step to local KL cost ½ dᵀ Ī(θ) d = c (then ``lr`` must be None).

    Returns
    -------
    Path
        With ``common`` equal to ``theta`` and no ``kl_to_target`` (see :func:`chart_path`).
        If a step would leave the parameter domain, or a matrix cannot be inverted, the
        path stops at the last valid point and ``status`` says why.

    Examples
    --------
    For the Poisson mean, one full natural-gradient step (Fisher scoring) lands on the MLE,
    the sample mean 3, and a step of KL budget c costs exactly c:

    >>> import natgrad_lib as ng
    >>> prob = family_problem(ng.family("poisson"), [2, 4, 3])
    >>> run(prob, [1.0], "natural", steps=2).theta.ravel()
    array([1., 3., 3.])
    >>> path = run(prob, [1.0], "gradient", steps=3, kl_budget=0.01)
    >>> path.step_kl.round(12)
    array([0.01, 0.01, 0.01])
    >>> run(prob, [1.0], "gradient", steps=5, lr=2.0)    # ∇ℓ/n = 3/λ − 1
    Path(chart='poisson with n = 3', method='gradient', n_iter=5, status='max_steps')
    >>> too_far = run(prob, [1.0], "gradient", steps=5, lr=20.0)    # 1 → 41 → 22.5 → 5.2 → (< 0)
    >>> too_far.status, too_far.n_iter
    ('domain', 3)
    """
    method = _check_method(method)
    steps = require_int(steps, "steps", 0)
    if kl_budget is not None:
        if lr is not None:
            raise ValueError(f"give lr or kl_budget, not both; got lr={lr!r} and kl_budget={kl_budget!r}")
        kl_budget = _positive(kl_budget, "kl_budget")
        alpha = 1.0
    else:
        alpha = _positive(1.0 if lr is None else lr, "lr")
    theta = np.array(problem.check(theta0), dtype=float)
    if theta.ndim != 1:
        raise ValueError(f"theta0 must be a single parameter vector, got shape {theta.shape}")
    thetas = [theta]
    status, message = "max_steps", f"took all {steps} steps"
    for t in range(steps):
        try:
            new = _step(problem, theta, method, alpha)
            if kl_budget is not None:
                d = new - theta
                quad = float(d @ problem.fisher1(theta) @ d)
                new = theta + (d * math.sqrt(2.0 * kl_budget / quad) if quad > 0 else 0.0 * d)
        except np.linalg.LinAlgError as err:
            status, message = "singular", f"stopped before step {t + 1}: {err}"
            break
        except ValueError as err:
            status, message = "failed", f"stopped before step {t + 1}: {err}"
            break
        try:
            problem.check(new)
        except ValueError as err:
            status, message = "domain", f"step {t + 1} would leave the parameter domain: {err}"
            break
        theta = new
        thetas.append(theta)
    th = np.array(thetas)
    d = np.diff(th, axis=0)
    step_kl = (0.5 * np.einsum("ti,tij,tj->t", d, problem.fisher1(th[:-1]), d) if len(d)
               else np.zeros(0))
    return Path(theta=th, common=th, loglik=problem.loglik_many(th), step_kl=step_kl,
                kl_to_target=None, chart=problem.name, method=method, status=status, message=message)


# --------------------------------------------------------------------------- charts


def common_family(fam: Family) -> Family:
    """The family whose chart paths are compared in: ``fam.base``, or Bernoulli for the logit.

    >>> import natgrad_lib as ng
    >>> common_family(ng.family("gaussian_natural")).name, common_family(ng.family("bernoulli_logit")).name
    ('gaussian', 'bernoulli')
    """
    if fam.name in _LINKED:
        return registry.family(_LINKED[fam.name][0])
    return fam.base


def to_common(fam: Family, theta: Any) -> np.ndarray:
    """Map parameters of ``fam``, shape (..., k), to the common chart.

    >>> import natgrad_lib as ng
    >>> to_common(ng.family("bernoulli_logit"), [[0.0], [np.log(3.0)]])
    array([[0.5 ],
           [0.75]])
    >>> to_common(ng.family("gaussian_var"), [1.0, 4.0])
    array([1., 2.])
    """
    th = fam.check_theta(theta)
    if fam.name in _LINKED:
        return _LINKED[fam.name][1](th)
    return fam.to_base(th)


def from_common(fam: Family, theta: Any) -> np.ndarray:
    """Map parameters in the common chart to the chart of ``fam`` (inverse of :func:`to_common`).

    >>> import natgrad_lib as ng
    >>> from_common(ng.family("gaussian_natural"), [1.0, 2.0])
    array([ 0.25 , -0.125])
    """
    base = common_family(fam)
    th = base.check_theta(theta, "theta_common")
    if fam.name in _LINKED:
        return fam.check_theta(_LINKED[fam.name][2](th))
    if fam is base:
        return th
    phi = fam.from_base(th)
    if not np.allclose(fam.to_base(phi), th, rtol=1e-9, atol=1e-12):
        raise ValueError(f"family {fam.name!r} does not map back to {base.name!r} through from_base "
                         "(it is reparametrized more than once); pass a start in its own chart")
    return phi


def chart_path(fam: Family, y: Any, start: Any, method: str, *, steps: int,
               lr: Optional[float] = None, kl_budget: Optional[float] = None,
               target: Any = None) -> Path:
    """Run ``method`` on the data ``y`` in the chart of ``fam``, from ``start`` in the common chart.

    Parameters
    ----------
    fam : Family
    y : array_like, shape (n,)
    start : array_like, shape (k,)
        The starting distribution, in the common chart (e.g. (μ, σ) for every Gaussian).
    method, steps, lr, kl_budget
        As in :func:`run`.
    target : array_like, shape (k,), optional
        A distribution in the common chart (e.g. the MLE from :func:`fit_mle`); fills in
        ``kl_to_target``.

    Returns
    -------
    Path
        ``chart`` is ``fam.name``; ``common`` holds the iterates mapped to the common chart.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> y = np.array([0.0, 1.0, 1.0, 1.0])
    >>> p = chart_path(ng.family("bernoulli_logit"), y, [0.5], "natural", steps=1, lr=1.0)
    >>> p.theta.ravel().round(4), p.common.ravel().round(4)   # one step: logit 1, p = σ(1)
    (array([0., 1.]), array([0.5   , 0.7311]))
    """
    phi0 = from_common(fam, start)
    path = run(family_problem(fam, y), phi0, method, steps=steps, lr=lr, kl_budget=kl_budget)
    common = to_common(fam, path.theta)
    kl = None
    if target is not None:
        base = common_family(fam)
        tgt = base.check_theta(target, "target")
        # A point of fam can round to the edge of the common domain (a logit of 40 is p = 1.0
        # in floating point); its KL divergence from the target is then infinite.
        kl = np.full(common.shape[0], np.inf)
        inside = np.all(np.isfinite(common), axis=-1)
        for i, spec in enumerate(base.param_specs):
            inside &= (common[:, i] > spec.lower) & (common[:, i] < spec.upper)
        if np.any(inside):
            kl[inside] = base.kl(common[inside], tgt)
    return replace(path, common=common, kl_to_target=kl, chart=fam.name)


def chart_paths(charts: Iterable[Any], y: Any, start: Any, method: str, **kwargs: Any) -> dict[str, Path]:
    """:func:`chart_path` for each chart (a family or a family name), keyed by family name.

    >>> import natgrad_lib as ng
    >>> paths = chart_paths(["bernoulli", "bernoulli_logit"], [0, 1, 1, 1], [0.5], "natural",
    ...                     steps=3, lr=0.1)
    >>> float(path_gap(paths).max()) < 1e-3             # the same path, to O(α²)
    True
    """
    out: dict[str, Path] = {}
    for chart in charts:
        fam = registry.family(chart) if isinstance(chart, str) else chart
        out[fam.name] = chart_path(fam, y, start, method, **kwargs)
    if not out:
        raise ValueError("charts must name at least one family, got none")
    return out


def path_gap(paths: Mapping[str, Path]) -> np.ndarray:
    """The largest distance, in the common chart, between any two paths at each iteration.

    A path that stopped early (its next step would have left the parameter domain) is held
    at its last point, as an optimiser that stops stays where it is.

    Returns
    -------
    ndarray, shape (T + 1,)
        max over pairs (a, b) of ‖common_a[t] − common_b[t]‖₂, for T the longest path.

    Examples
    --------
    >>> a = Path(np.zeros((3, 1)), np.array([[0.0], [1.0], [2.0]]), np.zeros(3), np.zeros(2), None,
    ...          "a", "natural", "max_steps", "")
    >>> b = Path(np.zeros((2, 1)), np.array([[0.0], [0.5]]), np.zeros(2), np.zeros(1), None,
    ...          "b", "natural", "domain", "")
    >>> path_gap({"a": a, "b": b})
    array([0. , 0.5, 1.5])
    """
    arrs = [p.common for p in paths.values()]
    if not arrs:
        raise ValueError("paths must hold at least one path, got none")
    T = max(a.shape[0] for a in arrs)
    stack = np.stack([np.concatenate([a, np.repeat(a[-1:], T - a.shape[0], axis=0)]) for a in arrs])
    diff = stack[:, None] - stack[None, :]
    return np.sqrt(np.max(np.sum(diff**2, axis=-1), axis=(0, 1)))


@dataclass(frozen=True, repr=False)
class Invariance:
    """The same start, data and step size in several charts, for several methods.

    Attributes
    ----------
    family : Family
        The common family (its chart is where the paths are compared).
    y : ndarray, shape (n,)
    start, mle : ndarray, shape (k,)
        The start and the maximum-likelihood estimate, in the common chart.
    paths : dict of str to dict of str to Path
        ``paths[method][chart]``, with ``kl_to_target`` = KL(p_{θ_t} ‖ p_{MLE}).
    lr : float
        The step size α shared by every run.
    """

    family: Family
    y: np.ndarray
    start: np.ndarray
    mle: np.ndarray
    paths: dict[str, dict[str, Path]]
    lr: float

    def gap(self, method: str) -> float:
        """The largest distance between two charts' paths of ``method``, over all iterations."""
        return float(path_gap(self.paths[method]).max())

    def __repr__(self) -> str:
        gaps = ", ".join(f"{m} {self.gap(m):.3g}" for m in self.paths)
        return f"Invariance({self.family.name}, charts={list(next(iter(self.paths.values())))}, gaps: {gaps})"


def invariance_paths(charts: Iterable[Any], y: Any, start: Any, *, steps: int, lr: float,
                     methods: Sequence[str] = ("natural", "gradient")) -> Invariance:
    """Each method in each chart from the same ``start`` (common chart), with the same ``lr``.

    Natural-gradient paths mapped to the common chart agree to O(α²) after a fixed number
    of steps: the continuous-time flow θ' = I(θ)⁻¹∇ℓ(θ) is the same in every chart, and one
    Euler step in two charts differs at second order. Gradient paths differ at O(α), because
    the gradient transforms with the Jacobian (twice: once as a gradient, once back as a step).

    Examples
    --------
    >>> inv = invariance_paths(["bernoulli", "bernoulli_logit"], [0, 1, 1, 1, 1], [0.3],
    ...                        steps=5, lr=0.05)
    >>> inv.gap("natural") < 0.01 * inv.gap("gradient")
    True
    """
    charts = [registry.family(c) if isinstance(c, str) else c for c in charts]
    if not charts:
        raise ValueError("charts must name at least one family, got none")
    bases = {common_family(f).name for f in charts}
    if len(bases) != 1:
        raise ValueError(f"charts must share one common family, got {sorted(bases)}")
    fam = common_family(charts[0])
    y = np.asarray(y, dtype=float)
    start = fam.check_theta(start, "start")
    mle = fit_mle(fam, y, start)
    lr = _positive(lr, "lr")
    out = {m: chart_paths(charts, y, start, _check_method(m), steps=steps, lr=lr, target=mle)
           for m in methods}
    return Invariance(fam, y, start, mle, out, lr)


# --------------------------------------------------------------------------- the race


def fit_mle(fam: Family, y: Any, start: Any) -> np.ndarray:
    """The maximum-likelihood estimate in the common chart (Fisher scoring with line search).

    >>> import natgrad_lib as ng
    >>> fit_mle(ng.family("gaussian_logstd"), [1.0, 2.0, 3.0, 6.0], [0.0, 1.0])   # mean, std (1/n)
    array([3.        , 1.87082869])
    """
    base = common_family(fam)
    traj = optim.optimize(optim.family_objective(base, y), base.check_theta(start, "start"),
                          "natural", steps=500, line_search=True, tol=1e-13)
    if not traj.converged:
        raise ValueError(f"the MLE fit of {base.name} did not converge: {traj.message}")
    return traj.theta[-1]


@dataclass(frozen=True, repr=False)
class Race:
    """Gradient ascent and the natural gradient from the same start, on the same data.

    Attributes
    ----------
    family : Family
        The chart both optimisers ran in.
    y : ndarray, shape (n,)
    gradient, natural : Path
        The two paths, with ``kl_to_target`` = KL(p_{θ_t} ‖ p_{MLE}).
    mle : ndarray, shape (k,)
        The maximum-likelihood estimate, in the common chart.
    """

    family: Family
    y: np.ndarray
    gradient: Path
    natural: Path
    mle: np.ndarray

    def __repr__(self) -> str:
        g, n = self.gradient.kl_to_target[-1], self.natural.kl_to_target[-1]
        return (f"Race({self.family.name}, n={self.y.shape[0]}, steps={self.natural.n_iter}: "
                f"final KL to the MLE gradient {g:.3g}, natural {n:.3g})")


def race(fam: Family, y: Any, start: Any, *, steps: int, lr_gradient: float,
         lr_natural: float) -> Race:
    """Gradient ascent (step ``lr_gradient``) against the natural gradient (``lr_natural``).

    Both start from ``start`` (common chart) and run ``steps`` steps in the chart of ``fam``.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> y = np.random.default_rng(0).normal(2.0, 0.5, size=40)
    >>> r = race(ng.family("gaussian"), y, [0.0, 1.5], steps=20, lr_gradient=0.1, lr_natural=0.3)
    >>> bool(r.natural.kl_to_target[-1] < r.gradient.kl_to_target[-1])
    True
    """
    y = np.asarray(y, dtype=float)
    mle = fit_mle(fam, y, start)
    kw = dict(steps=steps, target=mle)
    grad = chart_path(fam, y, start, "gradient", lr=lr_gradient, **kw)
    nat = chart_path(fam, y, start, "natural", lr=lr_natural, **kw)
    return Race(fam, y, grad, nat, mle)


# --------------------------------------------------------------------------- vector fields


def regression_data(n: int, rng: np.random.Generator, *, slope: float = 1.0, intercept: float = 0.0,
                    noise: float = 1.0, x_mean: float = 0.0, x_scale: float = 1.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Simulated linear regression: x ~ N(x_mean, x_scale²), y = slope·x + intercept + noise·ε.

    With ``x_mean`` ≠ 0 the slope and the intercept are correlated, and the contours of the
    log-likelihood are tilted ellipses.

    Returns
    -------
    X : ndarray, shape (n, 2)
        Columns (x, 1), so that θ = (w, b) = (slope, intercept).
    y : ndarray, shape (n,)

    Examples
    --------
    >>> X, y = regression_data(3, np.random.default_rng(0))
    >>> X.shape, X[:, 1]
    ((3, 2), array([1., 1., 1.]))
    """
    n = require_int(n, "n", 2)
    rng = require_generator(rng)
    x = x_mean + x_scale * rng.standard_normal(n)
    y = slope * x + intercept + noise * rng.standard_normal(n)
    return np.column_stack([x, np.ones(n)]), y


@dataclass(frozen=True, repr=False)
class DirectionField:
    """Ascent directions of several methods on a grid of parameter values.

    Attributes
    ----------
    xs, ys : ndarray
        The grid axes (first and second parameter).
    loglik : ndarray, shape (len(ys), len(xs))
        ℓ on the grid.
    directions : dict of str to ndarray, shape (len(ys), len(xs), 2)
        For each method, the direction d of a full step (α = 1, as in :func:`run`) at each
        grid point; NaN where its matrix is singular.
    """

    xs: np.ndarray
    ys: np.ndarray
    loglik: np.ndarray
    directions: dict[str, np.ndarray]

    def __repr__(self) -> str:
        return f"DirectionField({len(self.xs)} x {len(self.ys)} grid, methods={list(self.directions)})"


def direction_field(problem: Problem, xs: Any, ys: Any,
                    methods: Sequence[str] = ("gradient", "natural", "empirical_fisher")) -> DirectionField:
    """The direction of each method at every point of the grid ``xs`` × ``ys`` (two parameters).

    Examples
    --------
    For linear regression the natural-gradient direction points straight at the least-squares
    fit from everywhere (one full step lands on it); the empirical-Fisher direction does not:

    >>> X, y = regression_data(50, np.random.default_rng(1), slope=2.0, intercept=-1.0)
    >>> prob = glm_problem("gaussian", X, y)
    >>> field = direction_field(prob, [-2.0, 0.0, 2.0], [-2.0, 1.0])
    >>> ols = np.linalg.lstsq(X, y, rcond=None)[0]
    >>> grid = np.stack(np.meshgrid(field.xs, field.ys), axis=-1)
    >>> bool(np.allclose(grid + field.directions["natural"], ols))
    True
    >>> bool(np.allclose(grid + field.directions["empirical_fisher"], ols))
    False
    """
    xs = require_finite(as_float_array(xs, "xs"), "xs").ravel()
    ys = require_finite(as_float_array(ys, "ys"), "ys").ravel()
    methods = [_check_method(m) for m in methods]
    pts = np.stack(np.meshgrid(xs, ys), axis=-1)  # (ny, nx, 2)
    flat = pts.reshape(-1, 2)
    problem.check(flat[0])
    out = {m: np.full(flat.shape, np.nan) for m in methods}
    for i, theta in enumerate(flat):
        for m in methods:
            try:
                out[m][i] = _step(problem, theta, m, 1.0) - theta
            except np.linalg.LinAlgError:
                pass
    loglik = problem.loglik_many(flat).reshape(pts.shape[:2])
    return DirectionField(xs, ys, loglik, {m: d.reshape(pts.shape) for m, d in out.items()})
