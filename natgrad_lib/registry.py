"""The registered families: each written once, as a sympy log-density.

``family(name)`` returns a cached :class:`~natgrad_lib.families.Family`; the
reparametrized Gaussians and the Poisson in log-rate are derived from their
base family with :meth:`Family.reparametrize`, so they share one definition.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np
import sympy as sp
from scipy.special import expit, logit
from sympy import log, loggamma, polygamma

from ._sym import LogOnePlusSumExp
from .families import Family, Param, Support

__all__ = ["families", "family"]

_y = sp.Symbol("y", real=True)
_ypos = sp.Symbol("y", positive=True)
_ycount = sp.Symbol("y", integer=True, nonnegative=True)
_BINARY = Support("finite", outcomes=((0,), (1,)), description="{0, 1}")


def _bernoulli() -> Family:
    return Family(
        "bernoulli",
        [Param("p", "p", 0.0, 1.0)],
        [_y],
        lambda y, t: y[0] * log(t[0]) + (1 - y[0]) * log(1 - t[0]),
        _BINARY,
        lambda c, shape, rng: rng.random(shape) < c[0],
        description="Bernoulli(p): y = 1 with probability p",
    )


def _bernoulli_logit() -> Family:
    return Family(
        "bernoulli_logit",
        [Param("logit", r"\eta")],
        [_y],
        lambda y, t: y[0] * t[0] - LogOnePlusSumExp(t[0]),
        _BINARY,
        lambda c, shape, rng: rng.random(shape) < expit(c[0]),
        base=(lambda: family("bernoulli"), expit, logit,
              lambda t: (expit(t) * expit(-t))[..., None],   # dp/deta = p (1 - p)
              lambda eta: (1 / (1 + sp.exp(-eta)),),           # the same maps in sympy
              lambda p: (sp.log(p / (1 - p)),)),
        description="Bernoulli in its natural parameter, the logit eta = log(p / (1 - p))",
    )


def _categorical(K: int) -> Family:
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 2:
        raise ValueError(f"K must be an integer >= 2, got {K!r}")
    K = int(K)
    ind = [sp.Symbol(f"e_{j}", real=True) for j in range(1, K)]
    outcomes = tuple(tuple(int(i == j) for i in range(1, K)) for j in range(K))

    def sampler(cols, shape, rng):
        logits = np.stack([np.zeros(shape)] + [np.asarray(c) for c in cols], axis=-1)
        logits = logits - logits.max(axis=-1, keepdims=True)
        cdf = np.cumsum(np.exp(logits), axis=-1)
        u = rng.random(shape)[..., None] * cdf[..., -1:]
        return np.minimum((u > cdf).sum(axis=-1), K - 1)

    return Family(
        "categorical_softmax",
        [Param(f"eta_{j}", rf"\eta_{{{j}}}") for j in range(1, K)],
        ind,
        lambda y, t: sum(e * s for e, s in zip(y, t)) - LogOnePlusSumExp(*t),
        Support("finite", outcomes=outcomes, description=f"{{0, ..., {K - 1}}}"),
        sampler,
        features=lambda y: tuple((y == j).astype(float) for j in range(1, K)),
        description=f"Categorical over {K} classes, softmax of logits (class 0 has logit 0)",
    )


def _poisson() -> Family:
    return Family(
        "poisson",
        [Param("lam", r"\lambda", lower=0.0)],
        [_ycount],
        lambda y, t: y[0] * log(t[0]) - t[0] - loggamma(y[0] + 1),
        Support("count", 0, sp.oo, description="{0, 1, 2, ...}"),
        lambda c, shape, rng: rng.poisson(c[0], shape),
        description="Poisson(lambda), mean lambda",
    )


def _exponential() -> Family:
    return Family(
        "exponential",
        [Param("rate", r"\lambda", lower=0.0)],
        [_ypos],
        lambda y, t: log(t[0]) - t[0] * y[0],
        Support("continuous", 0, sp.oo, description="[0, inf)"),
        lambda c, shape, rng: rng.exponential(1.0 / c[0], shape),
        description="Exponential with rate lambda, mean 1 / lambda",
    )


def _gaussian() -> Family:
    return Family(
        "gaussian",
        [Param("mu", r"\mu"), Param("sigma", r"\sigma", lower=0.0)],
        [_y],
        lambda y, t: -log(t[1]) - log(2 * sp.pi) / 2 - (y[0] - t[0]) ** 2 / (2 * t[1] ** 2),
        Support("continuous", -sp.oo, sp.oo, description="the real line"),
        lambda c, shape, rng: rng.normal(c[0], c[1], shape),
        description="Gaussian N(mu, sigma^2) in mean and standard deviation",
    )


def _gamma_moments(y, t):
    (y,), (a, b) = y, t
    ey, elog = a / b, polygamma(0, a) - log(b)
    return {
        y: ey,
        y**2: a * (a + 1) / b**2,
        log(y): elog,
        log(y) ** 2: polygamma(1, a) + elog**2,
        y * log(y): ey * (polygamma(0, a) - log(b)) + 1 / b,  # psi(a+1) = psi(a) + 1/a
    }


def _gamma() -> Family:
    return Family(
        "gamma",
        [Param("shape", r"\alpha", lower=0.0), Param("rate", r"\beta", lower=0.0)],
        [_ypos],
        lambda y, t: t[0] * log(t[1]) - loggamma(t[0]) + (t[0] - 1) * log(y[0]) - t[1] * y[0],
        Support("continuous", 0, sp.oo, description="(0, inf)"),
        lambda c, shape, rng: rng.gamma(c[0], 1.0 / c[1], shape),
        moments=_gamma_moments,
        description="Gamma with shape alpha and rate beta, mean alpha / beta",
    )


def _beta_moments(y, t):
    (y,), (a, b) = y, t
    ly, l1y = polygamma(0, a) - polygamma(0, a + b), polygamma(0, b) - polygamma(0, a + b)
    return {
        log(y): ly,
        log(1 - y): l1y,
        log(y) ** 2: polygamma(1, a) - polygamma(1, a + b) + ly**2,
        log(1 - y) ** 2: polygamma(1, b) - polygamma(1, a + b) + l1y**2,
        log(y) * log(1 - y): -polygamma(1, a + b) + ly * l1y,
    }


def _beta() -> Family:
    yb = sp.Symbol("y", positive=True)
    return Family(
        "beta",
        [Param("a", "a", lower=0.0), Param("b", "b", lower=0.0)],
        [yb],
        lambda y, t: loggamma(t[0] + t[1]) - loggamma(t[0]) - loggamma(t[1])
        + (t[0] - 1) * log(y[0]) + (t[1] - 1) * log(1 - y[0]),
        Support("continuous", 0, 1, description="(0, 1)"),
        lambda c, shape, rng: rng.beta(c[0], c[1], shape),
        moments=_beta_moments,
        description="Beta(a, b) on (0, 1)",
    )


def _uniform() -> Family:
    # KL(U(0, tp) || U(0, tq)) = log(tq / tp) if tq >= tp, else +inf (p puts mass where q has none).
    return Family(
        "uniform",
        [Param("theta", r"\theta", lower=0.0)],
        [_ypos],
        lambda y, t: -log(t[0]),
        Support("continuous", 0, sp.Symbol("theta", positive=True), description="[0, theta]"),
        lambda c, shape, rng: rng.uniform(0.0, c[0], shape),
        kl=lambda tp, tq: sp.Piecewise((log(tq[0] / tp[0]), tq[0] >= tp[0]), (sp.oo, True)),
        description="Uniform(0, theta): its support depends on theta (irregular)",
    )


_BUILDERS: dict[str, Callable[..., Family]] = {
    "bernoulli": _bernoulli,
    "bernoulli_logit": _bernoulli_logit,
    "categorical_softmax": _categorical,
    "poisson": _poisson,
    "poisson_log": lambda: family("poisson").reparametrize(
        "poisson_log", [Param("log_lam", r"\log\lambda")],
        to_base=lambda eta: (sp.exp(eta),), from_base=lambda lam: (log(lam),),
        description="Poisson in its natural parameter log(lambda)",
    ),
    "exponential": _exponential,
    "gaussian": _gaussian,
    "gaussian_logstd": lambda: family("gaussian").reparametrize(
        "gaussian_logstd", [Param("mu", r"\mu"), Param("log_sigma", r"\log\sigma")],
        to_base=lambda mu, s: (mu, sp.exp(s)), from_base=lambda mu, sigma: (mu, log(sigma)),
        description="Gaussian in mean and log standard deviation",
    ),
    "gaussian_var": lambda: family("gaussian").reparametrize(
        "gaussian_var", [Param("mu", r"\mu"), Param("var", r"\sigma^2", lower=0.0)],
        to_base=lambda mu, v: (mu, sp.sqrt(v)), from_base=lambda mu, sigma: (mu, sigma**2),
        description="Gaussian in mean and variance",
    ),
    "gaussian_natural": lambda: family("gaussian").reparametrize(
        "gaussian_natural",
        [Param("eta1", r"\eta_1"), Param("eta2", r"\eta_2", upper=0.0)],
        to_base=lambda e1, e2: (-e1 / (2 * e2), 1 / sp.sqrt(-2 * e2)),
        from_base=lambda mu, sigma: (mu / sigma**2, -1 / (2 * sigma**2)),
        description="Gaussian in natural parameters eta1 = mu / sigma^2, eta2 = -1 / (2 sigma^2)",
    ),
    "gamma": _gamma,
    "beta": _beta,
    "uniform": _uniform,
}


def families() -> tuple[str, ...]:
    """Names of the registered families.

    >>> "gaussian" in families()
    True
    """
    return tuple(_BUILDERS)


@functools.lru_cache(maxsize=None)
def _cached(name: str, items: tuple[tuple[str, Any], ...]) -> Family:
    return _BUILDERS[name](**dict(items))


def family(name: str, **options: Any) -> Family:
    """The registered family ``name`` (cached: the same object every time).

    ``categorical_softmax`` takes ``K`` (number of classes, default 3).

    >>> family("gaussian").params
    ('mu', 'sigma')
    >>> family("categorical_softmax", K=4).k
    3
    >>> family("gauss")
    Traceback (most recent call last):
    ...
    ValueError: unknown family 'gauss'; valid names: bernoulli, bernoulli_logit, categorical_softmax, poisson, poisson_log, exponential, gaussian, gaussian_logstd, gaussian_var, gaussian_natural, gamma, beta, uniform
    """
    if not isinstance(name, str) or name not in _BUILDERS:
        raise ValueError(f"unknown family {name!r}; valid names: {', '.join(_BUILDERS)}")
    if name == "categorical_softmax":
        options = {"K": 3, **options}
    elif options:
        raise TypeError(f"family {name!r} takes no options, got {sorted(options)}")
    unknown = set(options) - {"K"}
    if unknown:
        raise TypeError(f"family {name!r} got unknown options {sorted(unknown)}; it takes K")
    return _cached(name, tuple(sorted(options.items())))
