r"""Optimisation problems and races across methods and parametrisations, on :func:`optim.optimize`.

The book's last part asks two questions of an optimiser: *which way* does it step (gradient,
natural gradient, Newton, empirical Fisher), and does the answer depend on *how the model is
written* (the chart: :math:`(\mu, \sigma)`, :math:`(\mu, \log\sigma)`, :math:`(\mu, \sigma^2)`,
natural parameters; :math:`p` or the logit). Every run here is one call of the library's one
loop, :func:`natgrad_lib.optim.optimize`, with :data:`RACE_OPTIONS`; the paths are
:class:`~natgrad_lib.optim.Trajectory` objects mapped to the family's **base chart**
(``fam.to_base``), where paths from different charts can be compared point by point:

* :class:`Problem` -- a log-likelihood with its per-observation Fisher information and a
  vectorised ℓ: :func:`family_problem` (i.i.d. data under a family) or :func:`glm_problem`
  (a GLM, e.g. linear regression).
* :func:`chart_path`, :func:`chart_paths`, :func:`path_gap` -- the same data, start and
  method in several charts, mapped to the base chart, and how far apart the paths are.
* :func:`fit_mle`, :func:`race` -- gradient ascent against the natural gradient from the same
  start, with the KL divergence to the maximum-likelihood fit at every iteration.
* :func:`direction_field` -- the gradient, natural-gradient and empirical-Fisher directions
  on a grid, as in figure 1 of Kunstner, Balles & Hennig (2019).

Step sizes
----------
``lr`` is the step size α for the *average* log-likelihood ℓ(θ)/n (``average=True`` in
:func:`~natgrad_lib.optim.optimize`). The natural gradient, Newton and empirical-Fisher steps
do not change when ℓ is rescaled, so for them α is the familiar fraction of a full step
(α = 1: a full Fisher-scoring or Newton step). Gradient ascent moves by α ∇ℓ(θ)/n, which
keeps α meaningful whatever the number n of observations. With ``kl_budget=c`` instead,
every step d is rescaled so that its local KL cost ½ dᵀ Ī(θ) d equals c, where Ī(θ) = I(θ)/n
is the Fisher information of one observation (the average over the rows, for a GLM): the
methods then differ only in their direction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

import numpy as np

from . import optim, registry
from ._validate import as_float_array, require_finite
from .families import Family
from .optim import Trajectory

__all__ = [
    "RACE_OPTIONS",
    "Problem",
    "Race",
    "DirectionField",
    "family_problem",
    "glm_problem",
    "chart_path",
    "chart_paths",
    "path_gap",
    "Invariance",
    "invariance_paths",
    "fit_mle",
    "race",
    "direction_field",
]

#: The options of :func:`natgrad_lib.optim.optimize` for every run here: α for the average
#: log-likelihood, exactly ``max_iter`` steps (no tolerance), and a path that stops at its
#: last valid point, with a status, when a step would leave the parameter domain or a matrix
#: is singular.
RACE_OPTIONS: dict[str, Any] = {"average": True, "tol": None, "on_domain": "stop", "on_singular": "stop"}


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """A log-likelihood of n observations, with its per-observation Fisher and a vectorised ℓ.

    Attributes
    ----------
    objective : natgrad_lib.optim.Objective
        ℓ(θ) = Σᵢ log p(yᵢ; θ) with its gradient, Fisher information, Hessian and empirical
        Fisher (sums over the observations), ``n`` and ``in_domain``.
    fisher1 : callable
        θ of shape (..., k) ↦ Ī(θ) = I(θ)/n, shape (..., k, k): the Fisher information of one
        observation (averaged over the rows of the design matrix, for a GLM).
    loglik_many : callable
        θ of shape (m, k) ↦ ℓ at every row, shape (m,).
    name : str
        What the problem is, for messages.
    """

    objective: optim.Objective
    fisher1: Callable[[Any], np.ndarray]
    loglik_many: Callable[[np.ndarray], np.ndarray]
    name: str


def family_problem(fam: Family, y: Any) -> Problem:
    """The i.i.d. log-likelihood of the observations ``y`` under the family ``fam``.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> prob = family_problem(ng.family("poisson"), [2, 4, 3])
    >>> prob.objective.n, prob.loglik_many(np.array([[3.0], [1.0]])).round(4)
    (3, array([-4.7754, -8.663 ]))
    """
    if not isinstance(fam, Family):
        raise TypeError(f"fam must be a natgrad_lib Family, got {type(fam).__name__}")
    obj = optim.family_objective(fam, y)
    yy = np.asarray(y, dtype=float)

    def loglik_many(thetas: np.ndarray) -> np.ndarray:
        th = fam.check_theta(thetas)
        return np.sum(fam.logpdf(yy[:, None], th[None, :, :]), axis=0)

    return Problem(obj, fam.fisher, loglik_many, f"{fam.name} with n = {yy.shape[0]}")


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

    return Problem(obj, fisher1, loglik_many, f"{model.name} GLM with n = {n}")


# --------------------------------------------------------------------------- paths


def _step_kl(fisher1: Callable[[Any], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """½ d_tᵀ Ī(θ_t) d_t for the steps d_t = θ_{t+1} − θ_t of a path, shape (T,)."""
    d = np.diff(theta, axis=0)
    if not len(d):
        return np.zeros(0)
    return 0.5 * np.einsum("ti,tij,tj->t", d, fisher1(theta[:-1]), d)


def _kl_in_base(base: Family, theta_base: np.ndarray, target: np.ndarray) -> np.ndarray:
    """KL(p_θ ‖ p_target) in the base chart; +inf where a point rounded onto the domain's edge."""
    # A point of a chart can round to the edge of the base domain (a logit of 40 is p = 1.0
    # in floating point); its KL divergence from the target is then infinite.
    kl = np.full(theta_base.shape[0], np.inf)
    inside = base.in_domain(theta_base)
    if np.any(inside):
        kl[inside] = base.kl(theta_base[inside], target)
    return kl


def chart_path(fam: Family, y: Any, start: Any, method: str, *, max_iter: int,
               lr: Optional[float] = None, kl_budget: Optional[float] = None,
               target: Any = None) -> Trajectory:
    """Run ``method`` on the data ``y`` in the chart of ``fam``, from ``start`` in the base chart.

    One call of :func:`natgrad_lib.optim.optimize` with :data:`RACE_OPTIONS`.

    Parameters
    ----------
    fam : Family
    y : array_like, shape (n,)
    start : array_like, shape (k,)
        The starting distribution, in the base chart ``fam.base`` (e.g. (μ, σ) for every
        Gaussian, p for the Bernoulli in the logit).
    method : {"gradient", "natural", "newton", "empirical_fisher"} or callable
    max_iter : int
        The number of steps T ≥ 0 (fewer if a step would leave the domain).
    lr : float, optional
        The step size α for the average log-likelihood (default 1.0).
    kl_budget : float, optional
        c > 0: rescale every step to local KL cost ½ dᵀ Ī(θ) d = c (then ``lr`` must be None).
    target : array_like, shape (k,), optional
        A distribution in the base chart (e.g. the MLE from :func:`fit_mle`); fills in
        ``kl_to_target`` = KL(p_θt ‖ p_target).

    Returns
    -------
    natgrad_lib.optim.Trajectory
        ``theta`` in the chart of ``fam``, ``theta_base`` mapped to the base chart, and
        ``step_kl`` the local KL cost of each step per observation. If a step would leave the
        parameter domain, or a matrix cannot be inverted, the path stops at the last valid
        point and ``status`` says why.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> y = np.array([0.0, 1.0, 1.0, 1.0])
    >>> p = chart_path(ng.family("bernoulli_logit"), y, [0.5], "natural", max_iter=1, lr=1.0)
    >>> p.theta.ravel().round(4), p.theta_base.ravel().round(4)   # one step: logit 1, p = σ(1)
    (array([0., 1.]), array([0.5   , 0.7311]))

    For the Poisson mean, one full natural-gradient step (Fisher scoring) lands on the MLE,
    the sample mean 3; a step of KL budget c costs exactly c; and a path that would leave the
    domain stops at its last valid point:

    >>> pois = ng.family("poisson")
    >>> chart_path(pois, [2, 4, 3], [1.0], "natural", max_iter=2).theta.ravel()
    array([1., 3., 3.])
    >>> chart_path(pois, [2, 4, 3], [1.0], "gradient", max_iter=3, kl_budget=0.01).step_kl.round(12)
    array([0.01, 0.01, 0.01])
    >>> too_far = chart_path(pois, [2, 4, 3], [1.0], "gradient", max_iter=5, lr=20.0)  # 1 → 41 → 22.5 → 5.2 → (< 0)
    >>> too_far.status, too_far.n_iter
    ('domain', 3)
    """
    if not isinstance(fam, Family):
        raise TypeError(f"fam must be a natgrad_lib Family, got {type(fam).__name__}")
    phi0 = fam.from_base(start)
    traj = optim.optimize(optim.family_objective(fam, y), phi0, method, max_iter=max_iter, lr=lr,
                          kl_budget=kl_budget, **RACE_OPTIONS)
    theta_base = fam.to_base(traj.theta)
    kl = None if target is None else _kl_in_base(fam.base, theta_base,
                                                 fam.base.check_theta(target, "target"))
    return replace(traj, theta_base=theta_base, kl_to_target=kl,
                   step_kl=_step_kl(fam.fisher, traj.theta))


def chart_paths(charts: Iterable[Any], y: Any, start: Any, method: str, **kwargs: Any) -> dict[str, Trajectory]:
    """:func:`chart_path` for each chart (a family or a family name), keyed by family name.

    >>> import natgrad_lib as ng
    >>> paths = chart_paths(["bernoulli", "bernoulli_logit"], [0, 1, 1, 1], [0.5], "natural",
    ...                     max_iter=3, lr=0.1)
    >>> float(path_gap(paths).max()) < 1e-3             # the same path, to O(α²)
    True
    """
    out: dict[str, Trajectory] = {}
    for chart in charts:
        fam = registry.family(chart) if isinstance(chart, str) else chart
        out[fam.name] = chart_path(fam, y, start, method, **kwargs)
    if not out:
        raise ValueError("charts must name at least one family, got none")
    return out


def path_gap(paths: Mapping[str, Trajectory]) -> np.ndarray:
    """The largest distance, in the base chart, between any two paths at each iteration.

    A path that stopped early (its next step would have left the parameter domain) is held
    at its last point, as an optimiser that stops stays where it is.

    Returns
    -------
    ndarray, shape (T + 1,)
        max over pairs (a, b) of ‖theta_base_a[t] − theta_base_b[t]‖₂, for T the longest path.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> a = chart_path(ng.family("poisson"), [2, 4, 3], [1.0], "gradient", max_iter=2, lr=0.5)
    >>> b = chart_path(ng.family("poisson_log"), [2, 4, 3], [1.0], "gradient", max_iter=1, lr=0.5)
    >>> a.theta_base.ravel(), b.theta_base.ravel().round(4)
    (array([1.  , 2.  , 2.25]), array([1.    , 2.7183]))
    >>> path_gap({"a": a, "b": b}).round(4)
    array([0.    , 0.7183, 0.4683])
    """
    arrs = [p.theta_base for p in paths.values()]
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
        The base family (its chart is where the paths are compared).
    y : ndarray, shape (n,)
    start, mle : ndarray, shape (k,)
        The start and the maximum-likelihood estimate, in the base chart.
    paths : dict of str to dict of str to Trajectory
        ``paths[method][chart]``, with ``kl_to_target`` = KL(p_{θ_t} ‖ p_{MLE}).
    lr : float
        The step size α shared by every run.
    """

    family: Family
    y: np.ndarray
    start: np.ndarray
    mle: np.ndarray
    paths: dict[str, dict[str, Trajectory]]
    lr: float

    def gap(self, method: str) -> float:
        """The largest distance between two charts' paths of ``method``, over all iterations."""
        return float(path_gap(self.paths[method]).max())

    def __repr__(self) -> str:
        gaps = ", ".join(f"{m} {self.gap(m):.3g}" for m in self.paths)
        return f"Invariance({self.family.name}, charts={list(next(iter(self.paths.values())))}, gaps: {gaps})"


def invariance_paths(charts: Iterable[Any], y: Any, start: Any, *, max_iter: int, lr: float,
                     methods: Sequence[str] = ("natural", "gradient")) -> Invariance:
    """Each method in each chart from the same ``start`` (base chart), with the same ``lr``.

    Natural-gradient paths mapped to the base chart agree to O(α²) after a fixed number
    of steps: the continuous-time flow θ' = I(θ)⁻¹∇ℓ(θ) is the same in every chart, and one
    Euler step in two charts differs at second order. Gradient paths differ at O(α), because
    the gradient transforms with the Jacobian (twice: once as a gradient, once back as a step).

    Examples
    --------
    >>> inv = invariance_paths(["bernoulli", "bernoulli_logit"], [0, 1, 1, 1, 1], [0.3],
    ...                        max_iter=5, lr=0.05)
    >>> inv.gap("natural") < 0.01 * inv.gap("gradient")
    True
    """
    charts = [registry.family(c) if isinstance(c, str) else c for c in charts]
    if not charts:
        raise ValueError("charts must name at least one family, got none")
    bases = {f.base.name for f in charts}
    if len(bases) != 1:
        raise ValueError(f"charts must share one base family, got {sorted(bases)}")
    fam = charts[0].base
    y = np.asarray(y, dtype=float)
    start = fam.check_theta(start, "start")
    mle = fit_mle(fam, y, start)
    out = {m: chart_paths(charts, y, start, m, max_iter=max_iter, lr=lr, target=mle)
           for m in methods}
    return Invariance(fam, y, start, mle, out, lr)


# --------------------------------------------------------------------------- the race


def fit_mle(fam: Family, y: Any, start: Any) -> np.ndarray:
    """The maximum-likelihood estimate in the base chart (Fisher scoring with line search).

    >>> import natgrad_lib as ng
    >>> fit_mle(ng.family("gaussian_logstd"), [1.0, 2.0, 3.0, 6.0], [0.0, 1.0])   # mean, std (1/n)
    array([3.        , 1.87082869])
    """
    base = fam.base
    traj = optim.optimize(optim.family_objective(base, y), base.check_theta(start, "start"),
                          "natural", max_iter=500, line_search=True, tol=1e-13)
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
    gradient, natural : natgrad_lib.optim.Trajectory
        The two paths, with ``kl_to_target`` = KL(p_{θ_t} ‖ p_{MLE}).
    mle : ndarray, shape (k,)
        The maximum-likelihood estimate, in the base chart.
    """

    family: Family
    y: np.ndarray
    gradient: Trajectory
    natural: Trajectory
    mle: np.ndarray

    def __repr__(self) -> str:
        g, n = self.gradient.kl_to_target[-1], self.natural.kl_to_target[-1]
        return (f"Race({self.family.name}, n={self.y.shape[0]}, steps={self.natural.n_iter}: "
                f"final KL to the MLE gradient {g:.3g}, natural {n:.3g})")


def race(fam: Family, y: Any, start: Any, *, max_iter: int, lr_gradient: float,
         lr_natural: float) -> Race:
    """Gradient ascent (step ``lr_gradient``) against the natural gradient (``lr_natural``).

    Both start from ``start`` (base chart) and run ``max_iter`` steps in the chart of ``fam``.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> y = np.random.default_rng(0).normal(2.0, 0.5, size=40)
    >>> r = race(ng.family("gaussian"), y, [0.0, 1.5], max_iter=20, lr_gradient=0.1, lr_natural=0.3)
    >>> bool(r.natural.kl_to_target[-1] < r.gradient.kl_to_target[-1])
    True
    """
    y = np.asarray(y, dtype=float)
    mle = fit_mle(fam, y, start)
    kw = dict(max_iter=max_iter, target=mle)
    grad = chart_path(fam, y, start, "gradient", lr=lr_gradient, **kw)
    nat = chart_path(fam, y, start, "natural", lr=lr_natural, **kw)
    return Race(fam, y, grad, nat, mle)


# --------------------------------------------------------------------------- vector fields


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
        For each method, the direction d of a full step (α = 1, see
        :func:`natgrad_lib.optim.direction`) at each grid point; NaN where its matrix is
        singular.
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

    >>> from natgrad_lib.datasets import regression_data
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
    pts = np.stack(np.meshgrid(xs, ys), axis=-1)  # (ny, nx, 2)
    flat = pts.reshape(-1, 2)
    out = {m: np.full(flat.shape, np.nan) for m in methods}
    for i, theta in enumerate(flat):
        for m in methods:
            try:
                out[m][i] = optim.direction(problem.objective, theta, m, average=True)
            except np.linalg.LinAlgError:
                pass
    loglik = problem.loglik_many(flat).reshape(pts.shape[:2])
    return DirectionField(xs, ys, loglik, {m: d.reshape(pts.shape) for m, d in out.items()})
