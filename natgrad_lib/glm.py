"""Generalised linear models: log-likelihood, gradient, Hessian and Fisher information, and fits.

A GLM models independent observations yᵢ through a linear predictor ηᵢ = xᵢᵀβ. Everything
is a sum over the rows of the design matrix X, shape (n, k):

    ℓ(β) = Σᵢ ℓᵢ(ηᵢ),   ∇ℓ = Xᵀ ℓ′(η),   H = Xᵀ diag(ℓ″(η)) X,   I(β) = Xᵀ diag(w(η)) X,

where w(η) = E_y[−ℓ″(η)] is the Fisher weight. For a *canonical* link, ℓ″ does not depend
on y, so H = −I exactly and Newton's method is the natural gradient with step 1 (Fisher
scoring, IRLS). For the probit link, the two differ and agree only in expectation.

========== ====================== ============ ============================================
name        distribution           link         notes
========== ====================== ============ ============================================
logistic    Bernoulli              logit        canonical; y ∈ {0, 1}
poisson     Poisson                log          canonical; y ∈ {0, 1, 2, …}
gaussian    Normal(η, 1)           identity     canonical; the variance is fixed at 1, so
                                                ℓ = −½ Σ (yᵢ − ηᵢ)² − (n/2) log 2π
probit      Bernoulli              probit (Φ⁻¹) not canonical; y ∈ {0, 1}
========== ====================== ============ ============================================

Argument order: every :class:`GLM` method is a function of the coefficients β for fixed
data, ``method(beta, X, y)``, parameters first as in ``scipy.optimize`` objectives
(``fun(x, *args)``); :meth:`GLM.objective` binds (X, y) once and gives β ↦ ℓ(β) for
:func:`natgrad_lib.optim.optimize`. Densities of one observation (``Family.logpdf(y, theta)``)
take the observation first, as ``scipy.stats`` does. The two conventions are the ones of the
two scipy modules, and each module of this library follows one of them throughout.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np
from scipy.special import erfcx, expit, gammaln, log_ndtr

from . import optim
from ._validate import as_float_array, require_finite

# The data loader lives in natgrad_lib.datasets; ``ng.glm.load_dataset`` is the name the
# chapters, the assignments and their library check (assignments/libcheck.py) use.
from .datasets import DATASETS, Dataset, load_dataset

__all__ = [
    "DATASETS",
    "GLM",
    "GLMFit",
    "MODELS",
    "Dataset",
    "PerfectSeparationWarning",
    "load_dataset",
]

#: Names accepted by :class:`GLM`.
MODELS = ("logistic", "poisson", "gaussian", "probit")


_SATURATION = 1e-8  # fitted probability of the observed label within this of 1: "saturated"


class PerfectSeparationWarning(UserWarning):
    """The classes are (quasi-)separable, so no maximum-likelihood estimate exists."""


# --------------------------------------------------------------------------- special functions
# From scipy.special: log Φ (log_ndtr), erfcx(x) = exp(x²) erfc(x), log Γ (gammaln for
# log y!) and the logistic function (expit). What scipy lacks is kept here: the probit Hessian
# needs u + λ(u) (λ the Mills ratio φ/Φ) in the far left tail, where the two terms cancel
# catastrophically. With t = −u/√2 > 4 it equals √2 r(t) / erfcx(t), where r is the tail
# term of W. J. Cody's rational Chebyshev approximation of erfcx ("Rational Chebyshev
# approximations for the error function", Math. Comp. 23 (1969) 631-638; coefficients as in
# netlib's specfun CALERF): erfcx(t) = (1/√π − r(t)) / t. scipy exposes erfcx, not r.

_CODY_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
           1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_CODY_Q = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRT2 = math.sqrt(2.0)


def _poly(x: np.ndarray, coeffs: tuple[float, ...]) -> np.ndarray:
    """Horner evaluation, with the coefficients listed from the highest power down."""
    out = np.full_like(x, coeffs[0])
    for c in coeffs[1:]:
        out = out * x + c
    return out


def _cody_tail(x: np.ndarray) -> np.ndarray:
    """r(x) with erfcx(x) = (1/√π − r(x)) / x for x > 4; r(x) ≈ 1/(2√π x²)."""
    with np.errstate(over="ignore"):
        z = 1.0 / (x * x)
    return z * _poly(z, _CODY_P) / _poly(z, _CODY_Q)


def _exp_neg_half_sq(u: np.ndarray) -> np.ndarray:
    """exp(−u²/2) without the error of rounding u² first: with h = round(16u)/16, h² is
    exact, and u² = h² + (u − h)(u + h)."""
    h = np.round(u * 16.0) / 16.0
    with np.errstate(over="ignore"):
        return np.exp(-0.5 * h * h) * np.exp(-0.5 * (u - h) * (u + h))


def _probit_parts(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log Φ(u), the Mills ratio λ(u) = φ(u)/Φ(u), and u + λ(u), all stable for any u.

    For u ≤ 0, log Φ is scipy's log_ndtr. For u > 0 it is log1p(−Φ(−u)) with
    Φ(−u) = ½ erfcx(u/√2) e^{−u²/2}, which keeps full relative accuracy in the upper tail,
    where log_ndtr and ndtr lose about three digits (log Φ(u) ≈ −Φ(−u) there, e.g. −1e-47 at
    u = 14.4). With t = −u/√2, λ(u) = √(2/π) / erfcx(t) (no
    underflow of φ or Φ), and in the far left tail (t > 4) u + λ(u) = √2 r(t) / erfcx(t)
    with Cody's tail term r. For u > 0, λ(u) = φ(u) / Φ(u) directly.
    """
    log_cdf, mills, u_plus = (np.empty_like(u) for _ in range(3))
    neg = u <= 0.0
    log_cdf[neg] = log_ndtr(u[neg])
    t = -u[neg] / _SQRT2
    e = erfcx(t)
    lam = math.sqrt(2.0 / math.pi) / e
    mills[neg] = lam
    direct = u[neg] + lam
    far = t > 4.0
    direct[far] = _SQRT2 * _cody_tail(t[far]) / e[far]
    u_plus[neg] = direct
    up = u[~neg]
    gauss = _exp_neg_half_sq(up)  # e^{−u²/2}
    upper_tail = 0.5 * erfcx(up / _SQRT2) * gauss  # Φ(−u), small (scipy's ndtr(−u) is 1e-13 off)
    log_cdf[~neg] = np.log1p(-upper_tail)
    lam_p = gauss / math.sqrt(2.0 * math.pi) / (1.0 - upper_tail)
    mills[~neg] = lam_p
    u_plus[~neg] = up + lam_p
    return log_cdf, mills, u_plus


# --------------------------------------------------------------------------- the four models


@dataclass(frozen=True)
class _Model:
    """Elementwise functions of the linear predictor η (and of y) that define one GLM."""

    link: str
    canonical: bool
    support: str  # used in error messages
    check_y: Callable[[np.ndarray], np.ndarray]  # returns a boolean mask of valid labels
    mean: Callable[[np.ndarray], np.ndarray]  # μ(η)
    dmu: Callable[[np.ndarray], np.ndarray]  # dμ/dη
    kernel: Callable[[np.ndarray, np.ndarray], np.ndarray]  # the η-dependent part of ℓᵢ
    const: Callable[[np.ndarray], float]  # Σᵢ (the part of ℓᵢ free of η)
    d1: Callable[[np.ndarray, np.ndarray], np.ndarray]  # ∂ℓᵢ/∂η
    d2: Callable[[np.ndarray, np.ndarray], np.ndarray]  # ∂²ℓᵢ/∂η² (≤ 0 for all four)
    weight: Callable[[np.ndarray], np.ndarray]  # Fisher weight E_y[−∂²ℓᵢ/∂η²]


def _binary(y: np.ndarray) -> np.ndarray:
    return (y == 0) | (y == 1)


def _logistic_weight(eta: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(eta))
    return e / (1.0 + e) ** 2  # μ(1 − μ) without cancellation


def _probit_mean(eta: np.ndarray) -> np.ndarray:
    return np.exp(_probit_parts(eta)[0])


def _probit_kernel(eta: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _probit_parts((2.0 * y - 1.0) * eta)[0]  # log Φ(qη) with q = ±1


def _probit_d1(eta: np.ndarray, y: np.ndarray) -> np.ndarray:
    q = 2.0 * y - 1.0
    return q * _probit_parts(q * eta)[1]


def _probit_d2(eta: np.ndarray, y: np.ndarray) -> np.ndarray:
    _, lam, u_plus = _probit_parts((2.0 * y - 1.0) * eta)
    return -lam * u_plus  # −λ(u)(u + λ(u)), u = qη


def _probit_weight(eta: np.ndarray) -> np.ndarray:
    return _probit_parts(eta)[1] * _probit_parts(-eta)[1]  # φ² / (Φ(η) Φ(−η))


def _exp(eta: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # overflow gives ℓ = −inf, which the line search rejects
        return np.exp(eta)


_MODELS: dict[str, _Model] = {
    "logistic": _Model(
        link="logit", canonical=True, support="0 or 1", check_y=_binary,
        mean=expit, dmu=_logistic_weight,
        kernel=lambda eta, y: y * eta - (np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))),
        const=lambda y: 0.0,
        d1=lambda eta, y: y - expit(eta),
        d2=lambda eta, y: -_logistic_weight(eta),
        weight=_logistic_weight,
    ),
    "poisson": _Model(
        link="log", canonical=True, support="a non-negative integer count",
        check_y=lambda y: (y >= 0) & (y == np.floor(y)),
        mean=_exp, dmu=_exp,
        kernel=lambda eta, y: y * eta - _exp(eta),
        const=lambda y: -float(np.sum(gammaln(y + 1.0))),
        d1=lambda eta, y: y - _exp(eta),
        d2=lambda eta, y: -_exp(eta),
        weight=_exp,
    ),
    "gaussian": _Model(
        link="identity", canonical=True, support="a real number", check_y=np.isfinite,
        mean=lambda eta: eta, dmu=np.ones_like,
        kernel=lambda eta, y: -0.5 * (y - eta) ** 2,
        const=lambda y: -0.5 * y.shape[0] * math.log(2.0 * math.pi),
        d1=lambda eta, y: y - eta,
        d2=lambda eta, y: -np.ones_like(eta),
        weight=np.ones_like,
    ),
    "probit": _Model(
        link="probit", canonical=False, support="0 or 1", check_y=_binary,
        mean=_probit_mean,
        dmu=lambda eta: _exp_neg_half_sq(eta) / math.sqrt(2.0 * math.pi),
        kernel=_probit_kernel, const=lambda y: 0.0,
        d1=_probit_d1, d2=_probit_d2, weight=_probit_weight,
    ),
}


def _gram(X: np.ndarray, w: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """Xᵀ diag(w) X for w ≥ 0, as one symmetric rank-k product (BLAS syrk) of √w X.

    ``out`` (same shape as X) receives √w X: reusing one buffer across iterations saves
    allocating and page-faulting an n × k array each time.
    """
    xw = np.multiply(X, np.sqrt(w)[:, None], out=out)
    return xw.T @ xw


class _Evaluator:
    """ℓ, ∇ℓ, H and I for validated (X, y). η = Xβ is cached for the most recent β, so
    ℓ, ∇ℓ and I at the same β share one matrix-vector product."""

    def __init__(self, model: _Model, X: np.ndarray, y: np.ndarray):
        self.model, self.X, self.y = model, X, y
        self._const: Optional[float] = None
        self._beta: Optional[np.ndarray] = None
        self._eta = np.empty(0)
        self._buf: Optional[np.ndarray] = None  # for √w X, allocated on first use

    def gram(self, w: np.ndarray) -> np.ndarray:
        if self._buf is None:
            self._buf = np.empty_like(self.X)
        return _gram(self.X, w, out=self._buf)

    def eta(self, beta: np.ndarray) -> np.ndarray:
        if self._beta is None or not np.array_equal(beta, self._beta):
            self._eta = self.X @ beta
            self._beta = np.array(beta, dtype=float)
        return self._eta

    def loglik(self, beta: np.ndarray) -> float:
        if self._const is None:
            self._const = self.model.const(self.y)
        return float(np.sum(self.model.kernel(self.eta(beta), self.y))) + self._const

    def grad(self, beta: np.ndarray) -> np.ndarray:
        return self.X.T @ self.model.d1(self.eta(beta), self.y)

    def fisher(self, beta: np.ndarray) -> np.ndarray:
        return self.gram(self.model.weight(self.eta(beta)))

    def hessian(self, beta: np.ndarray) -> np.ndarray:
        return -self.gram(-self.model.d2(self.eta(beta), self.y))

    def empirical_fisher(self, beta: np.ndarray) -> np.ndarray:
        return self.gram(self.model.d1(self.eta(beta), self.y) ** 2)

    def objective(self) -> optim.Objective:
        return optim.Objective(self.loglik, self.grad, self.fisher, self.hessian,
                               self.empirical_fisher, n=self.X.shape[0])


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True, repr=False)
class GLMFit:
    """The result of :meth:`GLM.fit`.

    Attributes
    ----------
    coef : ndarray, shape (k,)
        β̂, the last iterate. It is the MLE when ``converged`` is True.
    stderr : ndarray, shape (k,)
        √diag I(β̂)⁻¹, the asymptotic standard errors. They are NaN when separation was
        detected, because then no MLE exists.
    loglik : float
        ℓ(β̂).
    n_iter : int
    converged : bool
    method : str
    model : str
    trajectory : natgrad_lib.optim.Trajectory
    """

    coef: np.ndarray
    stderr: np.ndarray
    loglik: float
    n_iter: int
    converged: bool
    method: str
    model: str
    trajectory: optim.Trajectory

    def __repr__(self) -> str:
        rows = "\n".join(
            f"  beta[{j}] = {c: .6g}  (stderr {s:.3g})" for j, (c, s) in enumerate(zip(self.coef, self.stderr))
        )
        return (f"GLMFit(model={self.model!r}, method={self.method!r}, converged={self.converged}, "
                f"n_iter={self.n_iter}, loglik={self.loglik:.6g})\n{rows}")


class GLM:
    """A generalised linear model. ``name`` is one of :data:`MODELS`.

    Parameters
    ----------
    name : {"logistic", "poisson", "gaussian", "probit"}
        ``"gaussian"`` has unit variance: ℓ = −½ Σ (yᵢ − xᵢᵀβ)² − (n/2) log 2π. Its MLE is
        ordinary least squares, whatever the true noise variance, but its Fisher information
        XᵀX, and so the standard errors from :meth:`fit`, assume that the variance is 1.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, -1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> y = np.array([0.0, 1.0, 0.0, 1.0])
    >>> m = GLM("logistic")
    >>> m.loglik(np.zeros(2), X, y)          # 4 log(1/2)
    -2.772588722239781
    >>> m.fisher(np.zeros(2), X)         # Xᵀ diag(μ(1 − μ)) X with μ = 1/2
    array([[1. , 0.5],
           [0.5, 1.5]])
    >>> np.array_equal(m.hessian(np.zeros(2), X, y), -m.fisher(np.zeros(2), X))   # canonical
    True
    >>> GLM("probit").canonical
    False
    """

    def __init__(self, name: str):
        if name not in _MODELS:
            raise ValueError(f"GLM name must be one of {MODELS}, got {name!r}")
        self.name = name
        self._model = _MODELS[name]

    def __repr__(self) -> str:
        return f"GLM({self.name!r})"

    @property
    def link(self) -> str:
        """The link function: ``"logit"``, ``"log"``, ``"identity"`` or ``"probit"``."""
        return self._model.link

    @property
    def canonical(self) -> bool:
        """True if the link is canonical, in which case the Hessian is exactly −Fisher."""
        return self._model.canonical

    # ---- validation
    def _check_X(self, X: Any) -> np.ndarray:
        X = as_float_array(X, "X")
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must be a 2-D design matrix of shape (n, k) with n, k >= 1, "
                             f"got shape {X.shape}")
        return require_finite(X, "X")

    def _check_y(self, y: Any, n: int) -> np.ndarray:
        y = as_float_array(y, "y")
        if y.shape != (n,):
            raise ValueError(f"y must have shape (n,) = ({n},) to match X, got shape {y.shape}")
        require_finite(y, "y")
        bad = ~self._model.check_y(y)
        if np.any(bad):
            i = int(np.argmax(bad))
            raise ValueError(f"y must be {self._model.support} for the {self.name!r} GLM, "
                             f"got {float(y[i])!r} at index ({i},)")
        return y

    def _check_beta(self, beta: Any, k: int, name: str = "beta") -> np.ndarray:
        beta = as_float_array(beta, name)
        if beta.shape != (k,):
            raise ValueError(f"{name} must have shape (k,) = ({k},) to match X, got shape {beta.shape}")
        return require_finite(beta, name)

    def _evaluator(self, X: Any, y: Any) -> _Evaluator:
        X = self._check_X(X)
        return _Evaluator(self._model, X, self._check_y(y, X.shape[0]))

    # ---- values and derivatives
    def mean(self, beta: Any, X: Any) -> np.ndarray:
        """The fitted means μᵢ = E[yᵢ] at β, shape (n,).

        >>> GLM("poisson").mean([0.0, 1.0], [[1.0, 0.0], [1.0, 2.0]]).round(4)
        array([1.    , 7.3891])
        """
        X = self._check_X(X)
        return self._model.mean(X @ self._check_beta(beta, X.shape[1]))

    def objective(self, X: Any, y: Any) -> optim.Objective:
        """The log-likelihood of (X, y) as an :class:`natgrad_lib.optim.Objective` of β.

        >>> from natgrad_lib import optim
        >>> obj = GLM("gaussian").objective([[1.0], [1.0]], [1.0, 3.0])
        >>> optim.newton_step(obj, [0.0])           # one Newton step solves least squares
        array([2.])
        """
        return self._evaluator(X, y).objective()

    def loglik(self, beta: Any, X: Any, y: Any) -> float:
        """ℓ(β) = Σᵢ log p(yᵢ | xᵢ; β).

        >>> round(GLM("poisson").loglik([0.0], [[1.0], [1.0]], [0, 2]), 6)   # −2 − log 2!
        -2.693147
        """
        ev = self._evaluator(X, y)
        return ev.loglik(self._check_beta(beta, ev.X.shape[1]))

    def grad(self, beta: Any, X: Any, y: Any) -> np.ndarray:
        """∇ℓ(β) = Xᵀ ∂ℓ/∂η, shape (k,). For canonical links, ∂ℓᵢ/∂ηᵢ = yᵢ − μᵢ.

        >>> GLM("logistic").grad([0.0], [[1.0], [2.0]], [1, 0])
        array([-0.5])
        """
        ev = self._evaluator(X, y)
        return ev.grad(self._check_beta(beta, ev.X.shape[1]))

    def hessian(self, beta: Any, X: Any, y: Any) -> np.ndarray:
        """∇²ℓ(β) = Xᵀ diag(∂²ℓ/∂η²) X, shape (k, k).

        >>> GLM("probit").hessian([0.0], [[1.0]], [1]).round(6)    # −λ(0)² = −2/π
        array([[-0.63662]])
        """
        ev = self._evaluator(X, y)
        return ev.hessian(self._check_beta(beta, ev.X.shape[1]))

    def fisher(self, beta: Any, X: Any, y: Any = None) -> np.ndarray:
        """I(β) = Xᵀ diag(w) X, shape (k, k), computed as one symmetric rank-k product.

        The Fisher information does not depend on the observations. ``y`` is accepted so that
        the signature matches the other methods, and it is validated if given.

        >>> GLM("poisson").fisher([0.0, 0.0], [[1.0, 0.0], [1.0, 1.0]])
        array([[2., 1.],
               [1., 1.]])
        """
        X = self._check_X(X)
        if y is not None:
            self._check_y(y, X.shape[0])
        beta = self._check_beta(beta, X.shape[1])
        return _gram(X, self._model.weight(X @ beta))

    def empirical_fisher(self, beta: Any, X: Any, y: Any) -> np.ndarray:
        """Σᵢ sᵢ sᵢᵀ, where sᵢ = (∂ℓᵢ/∂η) xᵢ is the score of observation i.

        >>> GLM("gaussian").empirical_fisher([0.0], [[1.0], [1.0]], [1.0, 3.0])
        array([[10.]])
        """
        ev = self._evaluator(X, y)
        return ev.empirical_fisher(self._check_beta(beta, ev.X.shape[1]))

    def irls_step(self, beta: Any, X: Any, y: Any) -> np.ndarray:
        """One step of iteratively reweighted least squares (IRLS).

        It solves the weighted least-squares problem min_b Σᵢ wᵢ (zᵢ − xᵢᵀb)², with the
        working response zᵢ = ηᵢ + (yᵢ − μᵢ) / (dμ/dη)ᵢ and the Fisher weights wᵢ. The
        solve goes through ``lstsq`` on √w X, a different computation from the Cholesky
        solves in :mod:`natgrad_lib.optim`, yet it gives the same point as a
        Fisher-scoring step β + I⁻¹∇ℓ (and so a Newton step, for canonical links).

        >>> X = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]; y = [1, 2, 6]
        >>> m = GLM("poisson")
        >>> from natgrad_lib import optim
        >>> b0 = [0.5, 0.5]
        >>> bool(np.allclose(m.irls_step(b0, X, y), optim.natural_step(m.objective(X, y), b0)))
        True
        """
        ev = self._evaluator(X, y)
        beta = self._check_beta(beta, ev.X.shape[1])
        eta = ev.eta(beta)
        z = eta + (ev.y - self._model.mean(eta)) / self._model.dmu(eta)
        sw = np.sqrt(self._model.weight(eta))
        return np.linalg.lstsq(ev.X * sw[:, None], sw * z, rcond=None)[0]

    # ---- fitting
    def fit(
        self,
        X: Any,
        y: Any,
        method: str = "natural",
        *,
        beta0: Any = None,
        lr: Optional[float] = None,
        max_iter: int = 100,
        tol: float = optim.TOL,
        line_search: bool = True,
        damping: float = 0.0,
    ) -> GLMFit:
        """Maximum-likelihood fit by :func:`natgrad_lib.optim.optimize`.

        Parameters
        ----------
        X : array_like, shape (n, k)
            The design matrix. Add a column of ones yourself if you want an intercept.
        y : array_like, shape (n,)
        method : {"natural", "newton", "gradient", "empirical_fisher"} or callable
            ``"natural"`` is Fisher scoring. For canonical links it gives the same iterates
            as ``"newton"``. A callable is a direction rule, as in
            :func:`natgrad_lib.optim.optimize`.
        beta0 : array_like, shape (k,), optional
            The starting point. Default: zeros.
        lr : float, optional
            The initial step size (default 1.0). With ``line_search`` it is the first trial.
        max_iter : int
        tol : float
            Stop when a step has max|Δβ| ≤ tol · (1 + max|β|). Newton's method and Fisher
            scoring for canonical links converge quadratically, so the coefficients are then
            accurate to about tol², far below tol. Linearly convergent iterations (Fisher
            scoring for the probit, gradient ascent) stop further from the MLE: pass a
            smaller tol if that matters.
        line_search : bool
            Armijo backtracking on ℓ. It is on by default. Full steps are accepted whenever
            they increase ℓ enough, so near the optimum it changes nothing.
        damping : float

        Returns
        -------
        GLMFit

        Warns
        -----
        PerfectSeparationWarning
            For the logistic and probit models, when an iterate β separates the classes
            (every (2yᵢ − 1) xᵢᵀβ > 0: complete separation), or when the fit does not
            converge and some fitted probabilities of the observed labels are within 1e-8 of
            1 (quasi-complete separation). Then no MLE exists: the fit stops, ``converged``
            is False and ``stderr`` is NaN.

        Examples
        --------
        >>> X, y, names = load_dataset("breast_cancer")
        >>> fit = GLM("logistic").fit(X, y)
        >>> fit.converged, fit.n_iter
        (True, 10)
        >>> names
        ('intercept', 'mean_texture', 'worst_area', 'worst_smoothness')
        >>> fit.coef.round(3)
        array([0.512, 1.556, 9.693, 2.333])
        >>> fit.stderr.round(3)
        array([0.324, 0.308, 1.303, 0.356])
        """
        if not callable(method) and method not in optim.METHODS:
            raise ValueError(f"method must be one of {optim.METHODS} or a callable direction, got {method!r}")
        ev = self._evaluator(X, y)
        n, k = ev.X.shape
        beta0 = np.zeros(k) if beta0 is None else self._check_beta(beta0, k, "beta0")
        binary = self._model.check_y is _binary
        sign = 2.0 * ev.y - 1.0
        separated = False

        def separates(t: int, beta: np.ndarray) -> bool:
            nonlocal separated
            separated = binary and bool(np.min(sign * ev.eta(beta)) > 0.0)
            return separated

        traj = optim.optimize(ev.objective(), beta0, method, max_iter=max_iter, lr=lr,
                              damping=damping, line_search=line_search, tol=tol,
                              callback=separates, on_singular="stop")
        coef = traj.theta[-1]
        saturated = 0
        if binary and not separated and not traj.converged:
            saturated = int(np.sum(self._model.kernel(ev.eta(coef), ev.y) > math.log1p(-_SATURATION)))
        if separated:
            warnings.warn(
                f"perfect separation in the {self.name!r} GLM: at iteration {traj.n_iter}, X @ beta "
                "already classifies every observation correctly, so the log-likelihood keeps "
                "rising towards 0 as ||beta|| grows and no maximum-likelihood estimate exists. "
                "Returning the last iterate with converged=False and stderr=nan.",
                PerfectSeparationWarning, stacklevel=2)
        elif saturated:
            warnings.warn(
                f"quasi-complete separation in the {self.name!r} GLM: the fit did not converge "
                f"({traj.message}) and {saturated} of {n} observations have a fitted probability "
                f"within {_SATURATION:g} of their label, so some coefficients are growing without "
                "bound and no maximum-likelihood estimate exists. Returning the last iterate "
                "with converged=False and stderr=nan.",
                PerfectSeparationWarning, stacklevel=2)
        elif traj.status == "singular":
            raise np.linalg.LinAlgError(
                f"{traj.message}. If this happens at iteration 0, the columns of X are linearly "
                "dependent (or n < k), so beta is not identifiable")
        if separated or saturated:
            stderr = np.full(k, np.nan)
        else:
            inv = optim.solve_spd(ev.fisher(coef), np.eye(k), "fisher at the fitted beta", coef)
            stderr = np.sqrt(np.diag(inv))
        return GLMFit(coef=coef, stderr=stderr, loglik=float(traj.loglik[-1]), n_iter=traj.n_iter,
                      converged=traj.converged, method=traj.method, model=self.name, trajectory=traj)
