"""Gradient ascent, natural gradient and Newton's method on a log-likelihood: the one loop.

An :class:`Objective` bundles a log-likelihood ℓ(θ) with its gradient, Fisher information,
Hessian and empirical Fisher. The step functions (:func:`gradient_step`, :func:`natural_step`,
:func:`natural_step_kl`, :func:`newton_step`) are pure functions of θ and an objective.
:func:`optimize` is the library's only optimisation loop: it repeats one method and records
a :class:`Trajectory` (``natgrad_lib.races`` and ``GLM.fit`` run on it).

Every update is an ascent step θ ← θ + α d, with

=====================  =====================================================
method                 direction d
=====================  =====================================================
``"gradient"``         ∇ℓ(θ)
``"natural"``          I(θ)⁻¹ ∇ℓ(θ)
``"newton"``           −H(θ)⁻¹ ∇ℓ(θ), where H is the Hessian of ℓ
``"empirical_fisher"`` (Σᵢ sᵢ sᵢᵀ)⁻¹ ∇ℓ(θ), where sᵢ are the per-observation scores
a callable             ``method(theta, grad)``, e.g. a preconditioner (K-FAC, Adam)
=====================  =====================================================

With ``kl_budget=c`` any direction is rescaled so that its local KL cost ½ dᵀ I(θ) d is c
(for ``"natural"`` this is the steepest-ascent step of :func:`natural_step_kl`).

Argument order: objectives are functions of the parameters θ only (the data are bound in
when the objective is built, by :func:`family_objective` or ``GLM.objective``); the step
functions and :func:`optimize` take ``(objective, theta, ...)``.

Symmetric positive-definite systems are solved by Cholesky factorisation. A matrix that is
singular, indefinite or not finite raises :class:`numpy.linalg.LinAlgError` (a subclass of
``ValueError``). The message names the matrix and gives its smallest eigenvalue and its
condition number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

import numpy as np

from ._validate import as_float_array, require_finite, require_int
from .families import Family

__all__ = [
    "METHODS",
    "TOL",
    "Direction",
    "central_difference",
    "direction",
    "Objective",
    "Trajectory",
    "empirical_fisher_from_scores",
    "family_objective",
    "gradient_step",
    "natural_step",
    "natural_step_kl",
    "newton_step",
    "optimize",
    "solve_spd",
]

#: Method names accepted by :func:`optimize` (which also accepts a :data:`Direction` callable).
METHODS = ("gradient", "natural", "newton", "empirical_fisher")

#: The default tolerance of :func:`optimize` and ``GLM.fit``: stop when
#: max|Δθ| ≤ TOL · (1 + max|θ|).
TOL = 1e-8

#: A direction rule ``direction(theta, grad) -> d``: the ascent direction at θ, shape (k,).
Direction = Callable[[np.ndarray, np.ndarray], np.ndarray]

_METRICS = ("fisher", "empirical_fisher")
_ARMIJO_C = 1e-4  # sufficient-increase constant of the Armijo condition
_ROUNDING = 1e-10  # a change in ℓ below this (relative) is treated as lost in rounding
_MAX_HALVINGS = 60  # the line search tries lr, lr/2, ..., lr/2**60

Matrix = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Objective:
    """A log-likelihood ℓ(θ) and the derivative information the optimisers need.

    Every field is a callable of a 1-D parameter vector θ of length k.

    Parameters
    ----------
    loglik : callable
        θ ↦ ℓ(θ), a float.
    grad : callable
        θ ↦ ∇ℓ(θ), shape (k,).
    fisher : callable, optional
        θ ↦ I(θ), the Fisher information of the whole data set, shape (k, k).
        Needed by the ``"natural"`` method and by ``kl_budget``.
    hessian : callable, optional
        θ ↦ ∇²ℓ(θ), shape (k, k). Needed by ``"newton"``.
    empirical_fisher : callable, optional
        θ ↦ Σᵢ sᵢ(θ) sᵢ(θ)ᵀ, the sum of the outer products of the per-observation scores,
        shape (k, k). Needed by ``"empirical_fisher"``.
    n : int, optional
        The number of observations, for step sizes on the average ℓ/n (``average=True``).
    in_domain : callable, optional
        θ of shape (..., k) ↦ bool array of shape (...): inside the parameter domain?
        Default: every finite θ is.

    Examples
    --------
    Here is ℓ(θ) = −½ θᵀAθ + bᵀθ, written out by hand. Its maximiser is A⁻¹b:

    >>> import numpy as np
    >>> A = np.array([[2.0, 0.5], [0.5, 1.0]]); b = np.array([1.0, -1.0])
    >>> obj = Objective(loglik=lambda t: -0.5 * t @ A @ t + b @ t,
    ...                 grad=lambda t: b - A @ t,
    ...                 fisher=lambda t: A, hessian=lambda t: -A)
    >>> newton_step(obj, np.zeros(2)).round(6)
    array([ 0.857143, -1.428571])
    """

    loglik: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    fisher: Optional[Matrix] = None
    hessian: Optional[Matrix] = None
    empirical_fisher: Optional[Matrix] = None
    n: Optional[int] = None
    in_domain: Optional[Callable[[np.ndarray], np.ndarray]] = None


@dataclass(frozen=True, repr=False)
class Trajectory:
    """The iterates of :func:`optimize`, one row per iteration.

    Attributes
    ----------
    theta : ndarray, shape (T + 1, k)
        θ₀, θ₁, …, θ_T.
    loglik : ndarray, shape (T + 1,)
        ℓ(θ_t).
    kl_to_target : ndarray, shape (T + 1,), or None
        ``kl(theta[t], target)``. It is None unless both ``target`` and ``kl`` were given.
    step_size : ndarray, shape (T,)
        The step length α that was used at each iteration. It is smaller than ``lr`` when the
        line search backtracked.
    method : str
        The method name, one of :data:`METHODS`, or the name of a direction callable.
    converged : bool
        True if the last step met the tolerance ``tol``.
    n_iter : int
        T, the number of steps taken.
    status : str
        Why the loop stopped: ``"converged"``, ``"max_iter"``, ``"callback"``,
        ``"singular"`` (only with ``on_singular="stop"``), ``"line_search"`` (no step
        length increased ℓ), ``"domain"`` (the next step would leave the parameter domain;
        only with ``on_domain="stop"``) or ``"failed"`` (a value was not finite; only with
        ``on_domain="stop"``).
    message : str
        The same reason, in words.
    theta_base : ndarray, shape (T + 1, k), or None
        The iterates mapped to the family's base chart (``fam.to_base``), filled in by
        :mod:`natgrad_lib.races` for paths compared across charts.
    step_kl : ndarray, shape (T,), or None
        The local KL cost ½ d_tᵀ Ī(θ_t) d_t of each step per observation, filled in by
        :mod:`natgrad_lib.races`.
    """

    theta: np.ndarray
    loglik: np.ndarray
    kl_to_target: Optional[np.ndarray]
    step_size: np.ndarray
    method: str
    converged: bool
    n_iter: int
    status: str
    message: str
    theta_base: Optional[np.ndarray] = None
    step_kl: Optional[np.ndarray] = None

    def __repr__(self) -> str:
        return (
            f"Trajectory(method={self.method!r}, n_iter={self.n_iter}, "
            f"converged={self.converged}, loglik: {self.loglik[0]:.6g} -> {self.loglik[-1]:.6g})"
        )


# --------------------------------------------------------------------------- objectives


def empirical_fisher_from_scores(scores: np.ndarray) -> np.ndarray:
    """Σᵢ sᵢ sᵢᵀ for per-observation scores stacked as rows, ``scores`` of shape (n, k).

    The empirical Fisher is a sum of outer products of *observed* scores. The Fisher
    information is an *expectation* over y. The two agree only on average, at the true θ
    (Kunstner, Balles & Hennig, 2019).

    >>> empirical_fisher_from_scores(np.array([[1.0, 0.0], [1.0, 2.0]]))
    array([[2., 2.],
           [2., 4.]])
    """
    scores = np.asarray(scores, dtype=float)
    return scores.T @ scores


def family_objective(fam: Family, y: Any) -> Objective:
    """The i.i.d. log-likelihood of the observations ``y`` under a natgrad family.

    ℓ(θ) = Σᵢ log p(yᵢ; θ), ∇ℓ = Σᵢ s(yᵢ; θ), Fisher = n · I₁(θ) (where I₁ is the
    Fisher information of one observation), Hessian = Σᵢ ∇² log p(yᵢ; θ), and empirical
    Fisher = Σᵢ sᵢ sᵢᵀ.

    Parameters
    ----------
    fam : Family
        A family from ``natgrad_lib.family(name)``.
    y : array_like, shape (n,)
        The observations.

    Returns
    -------
    Objective

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> fam = ng.family("poisson")
    >>> obj = family_objective(fam, [2, 4, 3])
    >>> traj = optimize(obj, [1.0], method="newton", max_iter=50)
    >>> traj.theta[-1].round(10)            # the MLE is the sample mean
    array([3.])
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] == 0:
        raise ValueError(f"y must be a non-empty 1-D array of observations, got shape {y.shape}")
    n = y.shape[0]

    def loglik(theta: np.ndarray) -> float:
        return float(np.sum(fam.logpdf(y, theta)))

    def grad(theta: np.ndarray) -> np.ndarray:
        return np.sum(fam.score(y, theta), axis=0)

    def fisher(theta: np.ndarray) -> np.ndarray:
        return n * np.asarray(fam.fisher(theta), dtype=float)

    def hessian(theta: np.ndarray) -> np.ndarray:
        return np.sum(fam.hessian(y, theta), axis=0)

    def empirical_fisher(theta: np.ndarray) -> np.ndarray:
        return empirical_fisher_from_scores(fam.score(y, theta))

    return Objective(loglik, grad, fisher, hessian, empirical_fisher, n=n, in_domain=fam.in_domain)


def central_difference(f: Callable[[np.ndarray], Any], x: Any, h: float = 1e-6) -> np.ndarray:
    """The derivative of f at x by central differences, with steps h · max(1, |x_j|).

    For f with values of shape S and x of shape (k,), the result has shape S + (k,): the
    gradient of a scalar function, the Jacobian of a vector one. The error is O(h²) from
    truncation plus O(ε/h) from rounding, about 1e-10 relative with the default h.

    Parameters
    ----------
    f : callable
        x ↦ a float or an array.
    x : array_like, shape (k,)
    h : float
        The relative step, > 0.

    Examples
    --------
    >>> central_difference(lambda t: t[0] ** 2 * t[1], [3.0, 2.0]).round(6)
    array([12.,  9.])
    """
    x = _check_theta(x, "x")
    h = _check_positive(h, "h")
    steps = h * np.maximum(1.0, np.abs(x))
    cols = [(np.asarray(f(x + hj * ej), dtype=float) - np.asarray(f(x - hj * ej), dtype=float)) / (2 * hj)
            for hj, ej in zip(steps, np.eye(x.size))]
    return np.stack(cols, axis=-1)


# --------------------------------------------------------------------------- linear algebra


def _require_matrix_fn(objective: Objective, field: str, needed_by: str) -> Matrix:
    """``objective.<field>``; a ValueError naming what needs it (e.g. "method='natural'") if None."""
    fn = getattr(objective, field)
    if fn is None:
        raise ValueError(f"{needed_by} needs objective.{field}, got None")
    return fn


def _gradient(objective: Objective, theta: np.ndarray) -> np.ndarray:
    g = np.asarray(objective.grad(theta), dtype=float)
    if g.shape != theta.shape:
        raise ValueError(f"grad(theta) must have shape {theta.shape}, got {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError(f"grad(theta) must be finite, got {_brief(g)} at theta={_brief(theta)}")
    return g


def _brief(arr: np.ndarray) -> str:
    return np.array2string(arr, precision=4, threshold=8)


def _eig_report(matrix: np.ndarray) -> str:
    eig = np.linalg.eigvalsh(matrix)
    lo, hi = float(eig[0]), float(eig[-1])
    cond = abs(hi / lo) if lo != 0 else math.inf
    return f"smallest eigenvalue {lo:.3g}, largest {hi:.3g}, condition number {cond:.3g}"


def solve_spd(
    matrix: Any, rhs: Any, name: str = "matrix", theta: Optional[np.ndarray] = None
) -> np.ndarray:
    """Solve M x = rhs for a symmetric positive-definite M by Cholesky, or raise clearly.

    Parameters
    ----------
    matrix : array_like, shape (k, k)
    rhs : array_like, shape (k,) or (k, m)
    name : str
        What to call the matrix in error messages.
    theta : ndarray, optional
        The point at which the matrix was evaluated. It is quoted in error messages.

    Raises
    ------
    numpy.linalg.LinAlgError
        If M is not finite, not positive definite, or numerically singular: that is, if its
        condition number is about 1/(k·machine epsilon) or more. The message gives the
        smallest eigenvalue and the condition number.

    Examples
    --------
    >>> solve_spd([[4.0, 0.0], [0.0, 1.0]], [2.0, 3.0])
    array([0.5, 3. ])
    >>> solve_spd([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0], "fisher")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    numpy.linalg.LinAlgError: fisher is not positive definite: smallest eigenvalue -1, ...
    """
    m = np.asarray(matrix, dtype=float)
    rhs = np.asarray(rhs, dtype=float)
    k = rhs.shape[0]
    if m.shape != (k, k):
        raise ValueError(f"{name} must have shape {(k, k)}, got {m.shape}")
    where = "" if theta is None else f" at theta={_brief(theta)}"
    if not np.all(np.isfinite(m)):
        raise np.linalg.LinAlgError(f"{name} is not finite{where}: it contains nan or inf")
    hint = "add damping > 0, or check that the parameters are identifiable"
    try:
        chol = np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        raise np.linalg.LinAlgError(
            f"{name} is not positive definite{where}: {_eig_report(m)}; {hint}"
        ) from None
    d = np.diag(chol)
    # (max d / min d)^2 is a lower bound on the condition number of M.
    if d.min() ** 2 <= k * np.finfo(float).eps * d.max() ** 2:
        raise np.linalg.LinAlgError(
            f"{name} is numerically singular{where}: {_eig_report(m)}; {hint}"
        )
    return np.linalg.solve(chol.T, np.linalg.solve(chol, rhs))


def _metric(objective: Objective, theta: np.ndarray, field: str, method: str, damping: float,
            scale: float = 1.0) -> tuple[np.ndarray, str]:
    """The metric ``scale * M(θ) + damping * Id`` of ``field`` and its name for messages."""
    matrix = scale * np.asarray(_require_matrix_fn(objective, field, f"method={method!r}")(theta), dtype=float)
    name = {"fisher": "fisher", "empirical_fisher": "empirical fisher",
            "hessian": "the negative Hessian -hessian"}[field]
    if field == "hessian":
        matrix = -matrix
    if damping:
        return matrix + damping * np.eye(theta.shape[0]), f"{name} + damping*I"
    return matrix, name


_FIELDS = {"natural": "fisher", "newton": "hessian", "empirical_fisher": "empirical_fisher"}


def _direction(objective: Objective, theta: np.ndarray, method: Union[str, Direction],
               damping: float = 0.0, scale: float = 1.0
               ) -> tuple[np.ndarray, np.ndarray, Optional[np.ndarray]]:
    """(g, d, M): the gradient g of ``scale * ℓ``, the direction d of ``method`` for a unit
    step, and the metric M it solved with (the damped Fisher for ``"natural"``, else None)."""
    g = scale * _gradient(objective, theta)
    if callable(method):
        d = np.asarray(method(theta, g), dtype=float)
        if d.shape != theta.shape or not np.all(np.isfinite(d)):
            raise ValueError(f"method(theta, grad) must return a finite array of shape {theta.shape}, "
                             f"got {_brief(d)} of shape {d.shape}")
        return g, d, None
    if method == "gradient":
        return g, g, None
    matrix, name = _metric(objective, theta, _FIELDS[method], method, damping, scale)
    return g, solve_spd(matrix, g, name, theta), (matrix if method == "natural" else None)


def _kl_rescale(d: np.ndarray, matrix: np.ndarray, kl_budget: float) -> np.ndarray:
    """d rescaled so that ½ dᵀ M d = kl_budget (0 if d is 0)."""
    quad = float(d @ matrix @ d)
    return d * math.sqrt(2.0 * kl_budget / quad) if quad > 0 else np.zeros_like(d)


def direction(objective: Objective, theta: Any, method: Union[str, Direction] = "natural", *,
              average: bool = False, damping: float = 0.0) -> np.ndarray:
    """The ascent direction d of ``method`` at θ, for a unit step (θ + d is the full step).

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (k,)
    method : {"gradient", "natural", "newton", "empirical_fisher"} or callable
    average : bool
        The direction for the average log-likelihood ℓ/n (changes only ``"gradient"`` and
        callables, which see ∇ℓ/n); needs ``objective.n``.
    damping : float
        ε ≥ 0, added to the diagonal of the metric (or of −H).

    Returns
    -------
    ndarray, shape (k,)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([4.0, 1.0]); b = np.array([4.0, 1.0])
    >>> obj = Objective(lambda t: -0.5 * t @ A @ t + b @ t, lambda t: b - A @ t, fisher=lambda t: A, n=2)
    >>> direction(obj, [0.0, 0.0], "natural"), direction(obj, [0.0, 0.0], "gradient", average=True)
    (array([1., 1.]), array([2. , 0.5]))
    """
    opt = _options(objective, method, 0, None, None, average, damping, False, None, None, "raise", "raise")
    return _direction(objective, _check_theta(theta), method, opt.damping, opt.scale)[1]


# --------------------------------------------------------------------------- argument checks


def _check_theta(theta: Any, name: str = "theta") -> np.ndarray:
    arr = as_float_array(theta, name)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D parameter vector, got shape {arr.shape}")
    return require_finite(arr, name)


def _check_positive(value: Any, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not (ok and math.isfinite(value)):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite, got {value!r}")
    return value


def _check_metric(metric: str) -> str:
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}")
    return metric


# --------------------------------------------------------------------------- step functions


def gradient_step(objective: Objective, theta: Any, lr: float = 1.0) -> np.ndarray:
    """One gradient-ascent step: θ + α ∇ℓ(θ).

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (k,)
    lr : float
        The step size α > 0.

    Returns
    -------
    ndarray, shape (k,)

    Examples
    --------
    >>> obj = Objective(loglik=lambda t: -t @ t, grad=lambda t: -2 * t)
    >>> gradient_step(obj, [1.0, -2.0], lr=0.25)
    array([ 0.5, -1. ])
    """
    theta = _check_theta(theta)
    lr = _check_positive(lr, "lr")
    return theta + lr * _gradient(objective, theta)


def natural_step(
    objective: Objective,
    theta: Any,
    lr: float = 1.0,
    damping: float = 0.0,
    metric: str = "fisher",
) -> np.ndarray:
    """One natural-gradient step: θ + α (I(θ) + ε Id)⁻¹ ∇ℓ(θ).

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (k,)
    lr : float
        The step size α > 0.
    damping : float
        ε ≥ 0. It is added to the diagonal of the metric before the solve.
    metric : {"fisher", "empirical_fisher"}
        Which matrix preconditions the gradient: ``objective.fisher`` or
        ``objective.empirical_fisher``.

    Returns
    -------
    ndarray, shape (k,)

    Examples
    --------
    For ℓ(θ) = −½ θᵀAθ + bᵀθ with Fisher A, one step with α = 1 lands on the maximiser A⁻¹b:

    >>> import numpy as np
    >>> A = np.diag([4.0, 1.0]); b = np.array([4.0, 1.0])
    >>> obj = Objective(lambda t: -0.5 * t @ A @ t + b @ t, lambda t: b - A @ t, fisher=lambda t: A)
    >>> natural_step(obj, [0.0, 0.0])
    array([1., 1.])
    """
    theta = _check_theta(theta)
    lr = _check_positive(lr, "lr")
    damping = _check_positive(damping, "damping", allow_zero=True)
    method = "natural" if _check_metric(metric) == "fisher" else "empirical_fisher"
    return theta + lr * _direction(objective, theta, method, damping)[1]


def natural_step_kl(
    objective: Objective,
    theta: Any,
    kl_budget: float,
    damping: float = 0.0,
    metric: str = "fisher",
) -> np.ndarray:
    """The steepest-ascent step whose local KL cost ½ dᵀ I(θ) d is exactly ``kl_budget``.

    The step is d* = √(2c / ∇ℓᵀI⁻¹∇ℓ) · I⁻¹∇ℓ, where c is ``kl_budget``. It maximises the
    linearised gain ∇ℓᵀd subject to ½ dᵀ I d = c. Because KL(p_θ ‖ p_{θ+d}) ≈ ½ dᵀ I d, each
    step moves the model by about the same KL, whatever the parametrisation. When ∇ℓ = 0, the
    step is 0. If ``objective.fisher`` is the Fisher of n i.i.d. observations, then c is a KL
    budget for the joint distribution of all n.

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (k,)
    kl_budget : float
        c > 0.
    damping : float
        ε ≥ 0. The metric becomes I + ε Id, both in the solve and in the constraint.
    metric : {"fisher", "empirical_fisher"}

    Returns
    -------
    ndarray, shape (k,)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([4.0, 1.0]); b = np.array([4.0, 1.0])
    >>> obj = Objective(lambda t: -0.5 * t @ A @ t + b @ t, lambda t: b - A @ t, fisher=lambda t: A)
    >>> d = natural_step_kl(obj, [0.0, 0.0], kl_budget=0.01)
    >>> float(0.5 * d @ A @ d)
    0.01
    """
    theta = _check_theta(theta)
    kl_budget = _check_positive(kl_budget, "kl_budget")
    damping = _check_positive(damping, "damping", allow_zero=True)
    field = _check_metric(metric)
    matrix, name = _metric(objective, theta, field, "natural", damping)
    d = solve_spd(matrix, _gradient(objective, theta), name, theta)
    return theta + _kl_rescale(d, matrix, kl_budget)


def newton_step(objective: Objective, theta: Any, lr: float = 1.0, damping: float = 0.0) -> np.ndarray:
    """One Newton step: θ − α (H(θ) − ε Id)⁻¹ ∇ℓ(θ), where H is the Hessian of ℓ.

    The negative Hessian −H (plus ε Id) must be positive definite. If it is not, ℓ is not
    locally concave at θ, the Newton direction need not go uphill, and this function raises
    :class:`numpy.linalg.LinAlgError`.

    Parameters
    ----------
    objective : Objective
    theta : array_like, shape (k,)
    lr : float
        The step size α > 0.
    damping : float
        ε ≥ 0.

    Returns
    -------
    ndarray, shape (k,)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([4.0, 1.0]); b = np.array([4.0, 1.0])
    >>> obj = Objective(lambda t: -0.5 * t @ A @ t + b @ t, lambda t: b - A @ t, hessian=lambda t: -A)
    >>> newton_step(obj, [3.0, -7.0])
    array([1., 1.])
    """
    theta = _check_theta(theta)
    lr = _check_positive(lr, "lr")
    damping = _check_positive(damping, "damping", allow_zero=True)
    return theta + lr * _direction(objective, theta, "newton", damping)[1]


# --------------------------------------------------------------------------- the loop


def _safe_loglik(objective: Objective, theta: np.ndarray) -> float:
    """ℓ(θ) for a line-search trial point. A point outside the domain counts as -inf."""
    if not _inside(objective, theta):
        return -math.inf
    try:
        value = float(objective.loglik(theta))
    except ValueError:  # e.g. a family's parameter check: sigma must be > 0
        return -math.inf
    return value if math.isfinite(value) else -math.inf


def _inside(objective: Objective, theta: np.ndarray) -> bool:
    if not np.all(np.isfinite(theta)):
        return False
    return objective.in_domain is None or bool(np.all(objective.in_domain(theta)))


def _armijo(objective: Objective, theta: np.ndarray, ell: float, d: np.ndarray, slope: float,
            alpha: float) -> bool:
    """Does the step αd increase ℓ enough? (Armijo, or its derivative form in the noise regime.)"""
    trial_theta = theta + alpha * d
    trial = _safe_loglik(objective, trial_theta)
    if trial >= ell + _ARMIJO_C * alpha * slope:
        return True
    if abs(trial - ell) > _ROUNDING * (1.0 + abs(ell)):  # also when trial is -inf
        return False
    # ℓ cannot resolve the change. On the quadratic model, the Armijo condition is equivalent
    # to ∇ℓ(θ + αd)ᵀd ≥ (2c − 1) ∇ℓ(θ)ᵀd, and gradients keep their accuracy near the optimum.
    g_trial = np.asarray(objective.grad(trial_theta), dtype=float)
    return bool(np.all(np.isfinite(g_trial)) and g_trial @ d >= (2 * _ARMIJO_C - 1) * slope)


def _backtrack(objective: Objective, theta: np.ndarray, ell: float, d: np.ndarray, slope: float,
               lr: float) -> float:
    """The first of lr, lr/2, lr/4, … that passes :func:`_armijo`, or 0.0 if none does."""
    alpha = lr
    while alpha >= lr * 2.0**-_MAX_HALVINGS:
        if _armijo(objective, theta, ell, d, slope, alpha):
            return alpha
        alpha *= 0.5
    return 0.0


def _small(step: np.ndarray, theta: np.ndarray, tol: Optional[float]) -> bool:
    return tol is not None and float(np.max(np.abs(step))) <= tol * (1.0 + float(np.max(np.abs(theta))))


def _method_name(method: Any) -> str:
    if callable(method):
        return str(getattr(method, "name", None) or getattr(method, "__name__", type(method).__name__))
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS} or a callable direction(theta, grad), "
                         f"got {method!r}")
    return method


@dataclass(frozen=True)
class _Options:
    """The validated options of one :func:`optimize` run."""

    method: Union[str, Direction]
    max_iter: int
    lr: float
    kl_budget: Optional[float]
    scale: float
    damping: float
    line_search: bool
    tol: Optional[float]
    callback: Optional[Callable[[int, np.ndarray], Any]]
    on_singular: str
    on_domain: str


def _check_choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def _options(objective: Objective, method: Any, max_iter: Any, lr: Any, kl_budget: Any,
             average: bool, damping: Any, line_search: bool, tol: Any, callback: Any,
             on_singular: str, on_domain: str) -> _Options:
    _method_name(method)
    if kl_budget is not None:
        if lr is not None:
            raise ValueError(f"give lr or kl_budget, not both; got lr={lr!r} and kl_budget={kl_budget!r}")
        kl_budget = _check_positive(kl_budget, "kl_budget")
        _require_matrix_fn(objective, "fisher", "kl_budget (the local KL cost ½ dᵀI(θ)d)")
    scale = 1.0
    if average:
        if objective.n is None:
            raise ValueError("average=True needs objective.n, the number of observations, got None")
        scale = 1.0 / require_int(objective.n, "objective.n", 1)
    return _Options(
        method=method, max_iter=require_int(max_iter, "max_iter", 0),
        lr=_check_positive(1.0 if lr is None else lr, "lr"), kl_budget=kl_budget, scale=scale,
        damping=_check_positive(damping, "damping", allow_zero=True), line_search=bool(line_search),
        tol=None if tol is None else _check_positive(tol, "tol", allow_zero=True), callback=callback,
        on_singular=_check_choice(on_singular, "on_singular", ("raise", "stop")),
        on_domain=_check_choice(on_domain, "on_domain", ("raise", "stop")),
    )


class _Stop(Exception):
    """Ends the loop early with a status and a message (never escapes :func:`optimize`)."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _ascent_direction(objective: Objective, theta: np.ndarray, opt: _Options, t: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(g, d) at θ_t: the method's direction, rescaled to the KL budget if one is set."""
    try:
        g, d, matrix = _direction(objective, theta, opt.method, opt.damping, opt.scale)
        if opt.kl_budget is not None:
            if matrix is None:
                matrix = opt.scale * np.asarray(objective.fisher(theta), dtype=float)
            d = _kl_rescale(d, matrix, opt.kl_budget)
    except np.linalg.LinAlgError as err:
        if opt.on_singular == "raise":
            raise
        raise _Stop("singular", f"stopped at iteration {t}: {err}") from None
    except ValueError as err:
        if opt.on_domain == "raise":
            raise
        raise _Stop("failed", f"stopped at iteration {t}: {err}") from None
    return g, d


def _step_length(objective: Objective, theta: np.ndarray, ell: float, g: np.ndarray,
                 d: np.ndarray, opt: _Options, t: int) -> float:
    if not opt.line_search or _small(opt.lr * d, theta, opt.tol):
        return opt.lr
    alpha = _backtrack(objective, theta, ell, d, float(g @ d), opt.lr)
    if alpha == 0.0:
        raise _Stop("line_search", (
            f"stopped at iteration {t}: the line search found no step length in "
            f"[lr*2**-{_MAX_HALVINGS}, lr] that increases the log-likelihood enough "
            "(Armijo condition); theta is at a maximum to floating-point precision, or "
            "the direction does not point uphill"))
    return alpha


def _new_loglik(objective: Objective, theta: np.ndarray, opt: _Options, t: int) -> float:
    """ℓ at the next iterate θ_{t+1}, or a stop at the domain edge (``on_domain="stop"``)."""
    if opt.on_domain == "stop" and not _inside(objective, theta):
        raise _Stop("domain", f"step {t + 1} would leave the parameter domain "
                              f"(theta={_brief(theta)})")
    try:
        ell = float(objective.loglik(theta))
    except ValueError as err:
        if opt.on_domain == "raise":
            raise
        raise _Stop("domain", f"step {t + 1} would leave the parameter domain: {err}") from None
    if not math.isfinite(ell):
        if opt.on_domain == "stop":
            raise _Stop("failed", f"stopped before step {t + 1}: loglik would be {ell!r}")
        raise ValueError(
            f"loglik became {ell!r} at iteration {t + 1} (theta={_brief(theta)}); "
            "use a smaller lr, damping or line_search=True")
    return ell


def _kl_path(kl: Callable[[np.ndarray, np.ndarray], np.ndarray], theta: np.ndarray,
             target: np.ndarray) -> np.ndarray:
    out = np.asarray(kl(theta, target), dtype=float)
    if out.shape != (theta.shape[0],):
        raise ValueError(f"kl(theta, target) must broadcast over the leading axis and return shape "
                         f"{(theta.shape[0],)}, got {out.shape}")
    return out


def _check_target(target: Any, kl: Any, theta: np.ndarray) -> Optional[np.ndarray]:
    if (target is None) != (kl is None):
        raise ValueError("target and kl must be given together, got only "
                         + ("target" if kl is None else "kl"))
    if target is None:
        return None
    target = _check_theta(target, "target")
    if target.shape != theta.shape:
        raise ValueError(f"target must have shape {theta.shape} like theta0, got {target.shape}")
    return target


def optimize(
    objective: Objective,
    theta0: Any,
    method: Union[str, Direction] = "natural",
    *,
    max_iter: int = 100,
    lr: Optional[float] = None,
    kl_budget: Optional[float] = None,
    average: bool = False,
    damping: float = 0.0,
    line_search: bool = False,
    target: Any = None,
    kl: Optional[Callable[[np.ndarray, np.ndarray], np.ndarray]] = None,
    tol: Optional[float] = TOL,
    callback: Optional[Callable[[int, np.ndarray], Any]] = None,
    on_singular: str = "raise",
    on_domain: str = "raise",
) -> Trajectory:
    """Maximise ``objective.loglik`` from ``theta0`` and record the trajectory.

    Each iteration computes the direction d of ``method`` at θ_t (see the module docstring)
    and sets θ_{t+1} = θ_t + α d. Without a line search, α = ``lr``. With one, α is the first
    of lr, lr/2, lr/4, … that satisfies the Armijo condition
    ℓ(θ + αd) ≥ ℓ(θ) + 10⁻⁴ α ∇ℓᵀd. Near the optimum the change in ℓ drowns in rounding
    error; when |ℓ(θ + αd) − ℓ(θ)| ≤ 10⁻¹⁰ (1 + |ℓ(θ)|), the derivative form of the same
    condition, ∇ℓ(θ + αd)ᵀd ≥ −(1 − 2·10⁻⁴) ∇ℓ(θ)ᵀd, decides instead (the "approximate
    Wolfe" condition of Hager and Zhang, 2005).

    Parameters
    ----------
    objective : Objective
    theta0 : array_like, shape (k,)
        The starting point.
    method : {"gradient", "natural", "newton", "empirical_fisher"} or callable
        A named method, or a direction rule ``direction(theta, grad) -> d`` (a
        :data:`Direction`): given θ_t and the gradient g (of ℓ/n with ``average=True``), it
        returns the ascent direction d, shape (k,). ``lr``, ``kl_budget`` and the line search
        then apply to d exactly as for a named method. It may keep state between calls
        (a closure for Adam's moments, a K-FAC or diagonal-Fisher preconditioner).
        ``Trajectory.method`` records its ``name`` attribute, or else its ``__name__``.
    max_iter : int
        The maximum number of iterations (≥ 0).
    lr : float, optional
        The step size α. Default 1.0. With ``kl_budget`` it must be None.
    kl_budget : float, optional
        c > 0: rescale every direction so that its local KL cost ½ dᵀ I(θ) d is c (I is
        ``objective.fisher``, with ``damping`` for ``"natural"``, divided by n with
        ``average=True``). The methods then differ only in their direction; for
        ``"natural"`` it is the step of :func:`natural_step_kl`.
    average : bool
        Step on the *average* log-likelihood ℓ/n (``objective.n`` observations): the
        gradient, the metrics and the KL cost are divided by n. The natural-gradient, Newton
        and empirical-Fisher directions do not change; gradient ascent moves by α ∇ℓ/n,
        which keeps α meaningful whatever n is.
    damping : float
        ε ≥ 0, added to the diagonal of the Fisher, the empirical Fisher or −H.
        It has no effect on ``"gradient"`` or a callable.
    line_search : bool
        Backtrack (halve α) until the Armijo condition holds. A trial point outside
        ``objective.in_domain``, or where ℓ is not finite, or where ``objective.loglik``
        raises ``ValueError``, is rejected.
    target, kl : optional
        Give both to record ``kl_to_target[t] = kl(theta[t], target)``. ``kl`` must broadcast
        over a leading axis, like ``fam.kl``: with ``kl=fam.kl`` this is
        KL(p_θt ‖ p_target).
    tol : float or None
        Stop when a step satisfies max|Δθ| ≤ tol · (1 + max|θ|) (default :data:`TOL`). With
        None, exactly ``max_iter`` iterations run (unless something else stops the loop) and
        ``converged`` is False.
    callback : callable, optional
        ``callback(t, theta_t)`` is called after each step. If it returns True, the loop
        stops.
    on_singular : {"raise", "stop"}
        What to do when the metric or −H is singular, indefinite or not finite. ``"raise"``
        raises :class:`numpy.linalg.LinAlgError`. ``"stop"`` ends the loop: ``converged``
        is False and the error text is in ``message``.
    on_domain : {"raise", "stop"}
        What to do when a step would leave the parameter domain (``objective.in_domain``, or
        ``objective.loglik`` raising ``ValueError``) or a value stops being finite.
        ``"stop"`` keeps the path up to the last valid point, with status ``"domain"`` or
        ``"failed"``.

    Returns
    -------
    Trajectory

    Raises
    ------
    ValueError
        If the arguments are invalid, or (with ``on_domain="raise"``) if ℓ stops being finite.
    numpy.linalg.LinAlgError
        If a matrix is singular, indefinite or not finite (with ``on_singular="raise"``).

    Examples
    --------
    The Poisson log-likelihood for the counts y = (2, 4, 3), in the log-rate θ = log λ, is
    ℓ(θ) = 9θ − 3eᶿ. Its Fisher information is 3eᶿ.

    >>> import numpy as np
    >>> obj = Objective(loglik=lambda t: 9 * t[0] - 3 * np.exp(t[0]),
    ...                 grad=lambda t: np.array([9 - 3 * np.exp(t[0])]),
    ...                 fisher=lambda t: np.array([[3 * np.exp(t[0])]]), n=3)
    >>> traj = optimize(obj, [0.0], method="natural")
    >>> traj
    Trajectory(method='natural', n_iter=7, converged=True, loglik: -3 -> 0.887511)
    >>> float(np.exp(traj.theta[-1, 0]))       # the MLE of the rate is the mean, 3
    3.0
    >>> optimize(obj, [0.0], method="gradient", lr=0.05, max_iter=7).loglik.round(3)
    array([-3.   , -1.35 , -0.259,  0.367,  0.677,  0.81 ,  0.861,  0.879])

    A KL budget fixes the local KL cost of every step, whatever the direction:

    >>> steps = np.diff(optimize(obj, [0.0], "gradient", kl_budget=0.01, max_iter=3, tol=None).theta[:, 0])
    >>> (0.5 * steps**2 * 3 * np.exp(np.array([0.0, *np.cumsum(steps)[:-1]]))).round(12)
    array([0.01, 0.01, 0.01])

    A direction rule as the method: the Fisher 3eᶿ written by hand as a preconditioner
    retraces the natural gradient:

    >>> def fisher_scaled(theta, grad):
    ...     return grad / (3 * np.exp(theta))
    >>> optimize(obj, [0.0], fisher_scaled)
    Trajectory(method='fisher_scaled', n_iter=7, converged=True, loglik: -3 -> 0.887511)
    """
    opt = _options(objective, method, max_iter, lr, kl_budget, average, damping, line_search,
                   tol, callback, on_singular, on_domain)
    theta = _check_theta(theta0, "theta0")
    target = _check_target(target, kl, theta)
    ell = float(objective.loglik(theta))
    if not math.isfinite(ell):
        raise ValueError(f"loglik(theta0) must be finite, got {ell!r} at theta0={_brief(theta)}")
    thetas, logliks, alphas = [theta], [ell], []
    status, message = "max_iter", f"reached the maximum number of iterations ({opt.max_iter})"
    try:
        for t in range(opt.max_iter):
            g, d = _ascent_direction(objective, theta, opt, t)
            alpha = _step_length(objective, theta, ell, g, d, opt, t)
            step = alpha * d
            ell = _new_loglik(objective, theta + step, opt, t)
            theta = theta + step
            thetas.append(theta)
            logliks.append(ell)
            alphas.append(alpha)
            if callback is not None and callback(t + 1, theta):
                raise _Stop("callback", f"stopped by the callback at iteration {t + 1}")
            if _small(step, theta, opt.tol):
                raise _Stop("converged", f"the step at iteration {t + 1} met tol={opt.tol}")
    except _Stop as stop:
        status, message = stop.status, stop.message
    theta_arr = np.array(thetas)
    return Trajectory(
        theta=theta_arr,
        loglik=np.array(logliks),
        kl_to_target=None if kl is None else _kl_path(kl, theta_arr, target),
        step_size=np.array(alphas),
        method=_method_name(method),
        converged=status == "converged",
        n_iter=len(alphas),
        status=status,
        message=message,
    )
