"""Gradient ascent, natural gradient and Newton's method on a log-likelihood.

An :class:`Objective` bundles a log-likelihood ℓ(θ) with its gradient, Fisher information,
Hessian and empirical Fisher. The step functions (:func:`gradient_step`, :func:`natural_step`,
:func:`natural_step_kl`, :func:`newton_step`) are pure functions of θ and an objective.
:func:`optimize` repeats one of them and records a :class:`Trajectory`.

Every update is an ascent step θ ← θ + α d, with

=====================  =====================================================
method                 direction d
=====================  =====================================================
``"gradient"``         ∇ℓ(θ)
``"natural"``          I(θ)⁻¹ ∇ℓ(θ)
``"natural_kl"``       √(2c / ∇ℓᵀI⁻¹∇ℓ) · I(θ)⁻¹∇ℓ, so that ½ dᵀ I d = c
``"newton"``           −H(θ)⁻¹ ∇ℓ(θ), where H is the Hessian of ℓ
``"empirical_fisher"`` (Σᵢ sᵢ sᵢᵀ)⁻¹ ∇ℓ(θ), where sᵢ are the per-observation scores
=====================  =====================================================

Symmetric positive-definite systems are solved by Cholesky factorisation. A matrix that is
singular, indefinite or not finite raises :class:`numpy.linalg.LinAlgError` (a subclass of
``ValueError``). The message names the matrix and gives its smallest eigenvalue and its
condition number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from ._validate import as_float_array, require_finite, require_int

__all__ = [
    "METHODS",
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

#: Method names accepted by :func:`optimize`.
METHODS = ("gradient", "natural", "natural_kl", "newton", "empirical_fisher")

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
        Needed by the ``"natural"`` and ``"natural_kl"`` methods.
    hessian : callable, optional
        θ ↦ ∇²ℓ(θ), shape (k, k). Needed by ``"newton"``.
    empirical_fisher : callable, optional
        θ ↦ Σᵢ sᵢ(θ) sᵢ(θ)ᵀ, the sum of the outer products of the per-observation scores,
        shape (k, k). Needed by ``"empirical_fisher"``.

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
        The method name, one of :data:`METHODS`.
    converged : bool
        True if the last step met the tolerance ``tol``.
    n_iter : int
        T, the number of steps taken.
    status : str
        Why the loop stopped: ``"converged"``, ``"max_steps"``, ``"callback"``,
        ``"singular"`` (only with ``on_singular="stop"``) or ``"line_search"`` (no step
        length increased ℓ).
    message : str
        The same reason, in words.
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


def family_objective(fam: Any, y: Any) -> Objective:
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
    >>> traj = optimize(obj, [1.0], method="newton", steps=50)
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

    return Objective(loglik, grad, fisher, hessian, empirical_fisher)


# --------------------------------------------------------------------------- linear algebra


def _require_matrix_fn(objective: Objective, field: str, method: str) -> Matrix:
    fn = getattr(objective, field)
    if fn is None:
        raise ValueError(f"method={method!r} needs objective.{field}, got None")
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


def _metric(objective: Objective, theta: np.ndarray, field: str, method: str, damping: float):
    matrix = np.asarray(_require_matrix_fn(objective, field, method)(theta), dtype=float)
    name = field if field == "fisher" else "empirical fisher"
    if damping:
        return matrix + damping * np.eye(theta.shape[0]), f"{name} + damping*I"
    return matrix, name


def _direction(
    objective: Objective,
    theta: np.ndarray,
    method: str,
    damping: float = 0.0,
    kl_budget: Optional[float] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (∇ℓ(θ), d), where d is the ascent direction of ``method`` for a unit step."""
    g = _gradient(objective, theta)
    if method == "gradient":
        return g, g
    if method == "newton":
        neg_h = -np.asarray(_require_matrix_fn(objective, "hessian", method)(theta), dtype=float)
        name = "the negative Hessian -hessian"
        if damping:
            neg_h = neg_h + damping * np.eye(theta.shape[0])
            name += " + damping*I"
        return g, solve_spd(neg_h, g, name, theta)
    field = "empirical_fisher" if method == "empirical_fisher" else "fisher"
    matrix, name = _metric(objective, theta, field, method, damping)
    d = solve_spd(matrix, g, name, theta)
    if kl_budget is not None:
        quad = float(g @ d)  # ∇ℓᵀ M⁻¹ ∇ℓ ≥ 0
        d = d * math.sqrt(2.0 * kl_budget / quad) if quad > 0 else np.zeros_like(d)
    return g, d


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
    return theta + lr * _direction(objective, theta, "gradient")[1]


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
    method = "natural_kl" if _check_metric(metric) == "fisher" else "empirical_fisher"
    return theta + _direction(objective, theta, method, damping, kl_budget)[1]


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
    try:
        value = float(objective.loglik(theta))
    except ValueError:  # e.g. a family's parameter check: sigma must be > 0
        return -math.inf
    return value if math.isfinite(value) else -math.inf


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


def _small(step: np.ndarray, theta: np.ndarray, tol: Optional[float]) -> bool:
    return tol is not None and float(np.max(np.abs(step))) <= tol * (1.0 + float(np.max(np.abs(theta))))


def optimize(
    objective: Objective,
    theta0: Any,
    method: str = "natural",
    *,
    steps: int = 100,
    lr: Optional[float] = None,
    kl_budget: Optional[float] = None,
    damping: float = 0.0,
    line_search: bool = False,
    target: Any = None,
    kl: Optional[Callable[[np.ndarray, np.ndarray], np.ndarray]] = None,
    tol: Optional[float] = 1e-10,
    callback: Optional[Callable[[int, np.ndarray], Any]] = None,
    on_singular: str = "raise",
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
    method : {"gradient", "natural", "natural_kl", "newton", "empirical_fisher"}
    steps : int
        The maximum number of iterations (≥ 0).
    lr : float, optional
        The step size α. Default 1.0. It does not apply to ``"natural_kl"``, whose step
        length is set by ``kl_budget``.
    kl_budget : float, optional
        c > 0. Required by ``"natural_kl"``, and not allowed for the other methods.
    damping : float
        ε ≥ 0, added to the diagonal of the Fisher, the empirical Fisher or −H.
        It has no effect on ``"gradient"``.
    line_search : bool
        Backtrack (halve α) until the Armijo condition holds. A trial point where ℓ is not
        finite, or where ``objective.loglik`` raises ``ValueError`` (outside the parameter
        domain), is rejected.
    target, kl : optional
        Give both to record ``kl_to_target[t] = kl(theta[t], target)``. ``kl`` must broadcast
        over a leading axis, like ``fam.kl``: with ``kl=fam.kl`` this is
        KL(p_θt ‖ p_target).
    tol : float or None
        Stop when a step satisfies max|Δθ| ≤ tol · (1 + max|θ|). With None, exactly ``steps``
        iterations run (unless the callback stops the loop) and ``converged`` is False.
    callback : callable, optional
        ``callback(t, theta_t)`` is called after each step. If it returns True, the loop
        stops.
    on_singular : {"raise", "stop"}
        What to do when the metric or −H is singular, indefinite or not finite. ``"raise"``
        raises :class:`numpy.linalg.LinAlgError`. ``"stop"`` ends the loop: ``converged``
        is False and the error text is in ``message``.

    Returns
    -------
    Trajectory

    Raises
    ------
    ValueError
        If the arguments are invalid, or if ℓ stops being finite when there is no line search.
    numpy.linalg.LinAlgError
        If a matrix is singular, indefinite or not finite (with ``on_singular="raise"``).

    Examples
    --------
    The Poisson log-likelihood for the counts y = (2, 4, 3), in the log-rate θ = log λ, is
    ℓ(θ) = 9θ − 3eᶿ. Its Fisher information is 3eᶿ.

    >>> import numpy as np
    >>> obj = Objective(loglik=lambda t: 9 * t[0] - 3 * np.exp(t[0]),
    ...                 grad=lambda t: np.array([9 - 3 * np.exp(t[0])]),
    ...                 fisher=lambda t: np.array([[3 * np.exp(t[0])]]))
    >>> traj = optimize(obj, [0.0], method="natural")
    >>> traj
    Trajectory(method='natural', n_iter=7, converged=True, loglik: -3 -> 0.887511)
    >>> float(np.exp(traj.theta[-1, 0]))       # the MLE of the rate is the mean, 3
    3.0
    >>> optimize(obj, [0.0], method="gradient", lr=0.05, steps=7).loglik.round(3)
    array([-3.   , -1.35 , -0.259,  0.367,  0.677,  0.81 ,  0.861,  0.879])
    """
    # issue-17 hook; superseded by issue-16a's loop at merge: a callable method
    # direction(theta, grad) -> ascent direction, optionally rescaled to a KL budget.
    custom = callable(method)
    if not custom and method not in METHODS:
        raise ValueError(f"method must be one of {METHODS} or a callable direction(theta, grad), got {method!r}")
    if on_singular not in ("raise", "stop"):
        raise ValueError(f"on_singular must be 'raise' or 'stop', got {on_singular!r}")
    theta = _check_theta(theta0, "theta0")
    steps = require_int(steps, "steps", 0)
    if method == "natural_kl" or (custom and kl_budget is not None):
        if lr is not None:
            raise ValueError(
                f"lr does not apply to method='natural_kl' (kl_budget sets the step length), got {lr!r}"
            )
        if kl_budget is None:
            raise ValueError("method='natural_kl' needs kl_budget > 0, got None")
        if custom and objective.fisher is None:  # issue-17 hook
            raise ValueError("kl_budget with a callable method needs objective.fisher, got None")
        kl_budget = _check_positive(kl_budget, "kl_budget")
        lr = 1.0
    elif kl_budget is not None:
        raise ValueError(f"kl_budget only applies to method='natural_kl', got method={method!r}")
    lr = _check_positive(1.0 if lr is None else lr, "lr")
    damping = _check_positive(damping, "damping", allow_zero=True)
    if tol is not None:
        tol = _check_positive(tol, "tol", allow_zero=True)
    if (target is None) != (kl is None):
        raise ValueError("target and kl must be given together, got only "
                         + ("target" if kl is None else "kl"))
    if target is not None:
        target = _check_theta(target, "target")
        if target.shape != theta.shape:
            raise ValueError(f"target must have shape {theta.shape} like theta0, got {target.shape}")

    ell = float(objective.loglik(theta))
    if not math.isfinite(ell):
        raise ValueError(f"loglik(theta0) must be finite, got {ell!r} at theta0={_brief(theta)}")
    thetas, logliks, alphas = [theta], [ell], []
    status, message = "max_steps", f"reached the maximum number of steps ({steps})"
    for t in range(steps):
        try:
            if custom:  # issue-17 hook; superseded by issue-16a's loop at merge
                g = _gradient(objective, theta)
                d = np.asarray(method(theta, g), dtype=float)
                if d.shape != theta.shape or not np.all(np.isfinite(d)):
                    raise ValueError(f"method(theta, grad) must return a finite array of shape "
                                     f"{theta.shape}, got {_brief(d)}")
                if kl_budget is not None:
                    cost = 0.5 * float(d @ np.asarray(objective.fisher(theta), dtype=float) @ d)
                    d = d * math.sqrt(kl_budget / cost) if cost > 0 else 0.0 * d
            else:
                g, d = _direction(objective, theta, method, damping, kl_budget)
        except np.linalg.LinAlgError as err:
            if on_singular == "raise":
                raise
            status, message = "singular", f"stopped at iteration {t}: {err}"
            break
        alpha = lr
        if line_search and not _small(lr * d, theta, tol):
            slope = float(g @ d)
            while True:
                if _armijo(objective, theta, ell, d, slope, alpha):
                    break
                alpha *= 0.5
                if alpha < lr * 2.0**-_MAX_HALVINGS:
                    alpha = 0.0
                    break
            if alpha == 0.0:
                status, message = "line_search", (
                    f"stopped at iteration {t}: the line search found no step length in "
                    f"[lr*2**-{_MAX_HALVINGS}, lr] that increases the log-likelihood enough "
                    "(Armijo condition); theta is at a maximum to floating-point precision, or "
                    "the direction does not point uphill"
                )
                break
        step = alpha * d
        theta = theta + step
        ell = float(objective.loglik(theta))
        if not math.isfinite(ell):
            raise ValueError(
                f"loglik became {ell!r} at iteration {t + 1} (theta={_brief(theta)}); "
                "use a smaller lr, damping or line_search=True"
            )
        thetas.append(theta)
        logliks.append(ell)
        alphas.append(alpha)
        if callback is not None and callback(t + 1, theta):
            status, message = "callback", f"stopped by the callback at iteration {t + 1}"
            break
        if _small(step, theta, tol):
            status, message = "converged", f"the step at iteration {t + 1} met tol={tol}"
            break

    theta_arr = np.array(thetas)
    kl_arr = None
    if kl is not None:
        kl_arr = np.asarray(kl(theta_arr, target), dtype=float)
        if kl_arr.shape != (theta_arr.shape[0],):
            raise ValueError(
                f"kl(theta, target) must broadcast over the leading axis and return shape "
                f"{(theta_arr.shape[0],)}, got {kl_arr.shape}"
            )
    return Trajectory(
        theta=theta_arr,
        loglik=np.array(logliks),
        kl_to_target=kl_arr,
        step_size=np.array(alphas),
        method=method if not custom else str(getattr(method, "name", getattr(method, "__name__", method))),
        converged=status == "converged",
        n_iter=len(alphas),
        status=status,
        message=message,
    )
