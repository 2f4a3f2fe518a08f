r"""Monte Carlo estimates of the score moments, the Fisher information and KL.

``mc_check(fam, theta, n, rng)`` draws ``n`` observations ``y ~ p(y; theta)``
and estimates, with a standard error for each entry,

* the mean of the score, :math:`\mathbb{E}[s]`;
* the covariance of the score, :math:`\operatorname{Cov}[s]`;
* :math:`\mathbb{E}[s s^\top]` and :math:`\mathbb{E}[-\nabla^2_\theta\log p]`;
* :math:`\mathrm{KL}(p_\theta\|p_{\theta_q})` as the mean of
  :math:`\log p(y;\theta) - \log p(y;\theta_q)`.

Each estimate is compared with the exact value from the family's symbolic
definition through a z-score ``(estimate - exact) / standard error``.  All of
it is vectorized: the score and Hessian are evaluated on all samples at once,
and the second moments are matrix products.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import _sym
from ._validate import require_generator, require_int
from .families import Family

__all__ = ["MCRow", "MCReport", "MeanEstimate", "mc_check", "mc_mean", "mc_convergence",
           "convergence_of_draws", "Convergence", "QUANTITIES"]

QUANTITIES = {
    "score_mean": r"\mathbb{E}[s]",
    "score_cov": r"\operatorname{Cov}[s]",
    "fisher_outer": r"\mathbb{E}[s s^\top]",
    "fisher_neg_hessian": r"\mathbb{E}[-\nabla^2_\theta \log p]",
    "kl": r"\mathrm{KL}(p_\theta\|p_{\theta_q})",
}


@dataclass(frozen=True)
class MCRow:
    """One estimated entry, with its standard error and z-score against the exact value."""

    quantity: str
    index: tuple[int, ...]
    estimate: float
    stderr: float
    exact: float
    z: float


@dataclass(frozen=True)
class MCReport:
    """Result of :func:`mc_check`; renders as a table in a notebook."""

    family: str
    params: tuple[str, ...]
    theta: np.ndarray
    theta_q: np.ndarray
    n: int
    rows: tuple[MCRow, ...]

    @property
    def max_abs_z(self) -> float:
        return max(abs(r.z) for r in self.rows)

    def row(self, quantity: str, index: tuple[int, ...] = (0,)) -> MCRow:
        """The row of one entry, e.g. ``rep.row("score_mean")`` or ``rep.row("fisher_outer", (0, 1))``.

        Off-diagonal entries are stored once, with i ≤ j; ``(j, i)`` finds the same row. The
        KL row has ``index=()``.

        >>> import numpy as np, natgrad_lib as ng
        >>> rep = ng.mc_check(ng.family("poisson"), [2.0], 1000, np.random.default_rng(0))
        >>> rep.row("fisher_outer", (0, 0)).exact
        0.5
        """
        if quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {sorted(QUANTITIES)}, got {quantity!r}")
        index = () if quantity == "kl" else tuple(sorted(index)) if len(index) == 2 else tuple(index)
        for r in self.rows:
            if r.quantity == quantity and r.index == index:
                return r
        raise ValueError(f"this report has no row ({quantity!r}, {index}); "
                         f"entries: {sorted({r.index for r in self.rows if r.quantity == quantity})}")

    def _select(self, quantity: str, field: str) -> np.ndarray | float:
        if quantity not in QUANTITIES:
            raise ValueError(f"quantity must be one of {sorted(QUANTITIES)}, got {quantity!r}")
        rows = [r for r in self.rows if r.quantity == quantity]
        if quantity == "kl":
            if not rows:
                raise ValueError("this report was made with kl=False: it has no KL row")
            return getattr(rows[0], field)
        k = len(self.params)
        if quantity == "score_mean":
            return np.array([getattr(r, field) for r in rows])
        out = np.empty((k, k))
        for r in rows:
            i, j = r.index
            out[i, j] = out[j, i] = getattr(r, field)
        return out

    def estimate(self, quantity: str) -> np.ndarray | float:
        """The estimate of ``quantity`` (a key of ``QUANTITIES``) as an array."""
        return self._select(quantity, "estimate")

    def stderr(self, quantity: str) -> np.ndarray | float:
        return self._select(quantity, "stderr")

    def exact(self, quantity: str) -> np.ndarray | float:
        return self._select(quantity, "exact")

    def _repr_markdown_(self) -> str:
        names = ", ".join(self.params)
        head = (
            f"**Monte Carlo check of `{self.family}`** at $\\theta$ = "
            f"({', '.join(f'{v:.4g}' for v in self.theta)}) [{names}], "
            f"$\\theta_q$ = ({', '.join(f'{v:.4g}' for v in self.theta_q)}), n = {self.n:,}\n\n"
            "| quantity | entry | estimate | std. error | exact | z |\n"
            "|---|---|---:|---:|---:|---:|\n"
        )
        body = "".join(
            f"| ${QUANTITIES[r.quantity]}$ | {','.join(str(i + 1) for i in r.index) or '-'} "
            f"| {r.estimate:.5g} | {r.stderr:.2g} | {r.exact:.5g} | {r.z:+.2f} |\n"
            for r in self.rows
        )
        return head + body

    def __str__(self) -> str:
        lines = [f"Monte Carlo check of {self.family}, n = {self.n}"]
        for r in self.rows:
            lines.append(
                f"  {r.quantity:<19} {str(r.index):<8} est {r.estimate: .5g} "
                f"± {r.stderr:.2g}  exact {r.exact: .5g}  z {r.z:+.2f}"
            )
        return "\n".join(lines)


@functools.lru_cache(maxsize=None)
def _exact_moments(fam: Family) -> Callable[..., tuple[list, list, list]]:
    """Numeric exact ``E[s]``, ``E[s s^T]`` and ``E[-H]`` from the symbolic definition."""
    sym = fam.symbolic
    mean_s = [fam.expect(e) for e in sym.score]
    neg_h = [fam.expect(-e) for e in sym.hessian]
    f = _sym.lambdify(sym.theta, [mean_s, list(sym.fisher_raw), neg_h])
    return f


def _mean_and_se(x: np.ndarray) -> tuple[float, float]:
    n = x.shape[0]
    mean = x.mean()
    dev = x - mean
    return float(mean), float(np.sqrt(np.dot(dev, dev) / (n - 1) / n))


def _second_moment(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For samples in the columns of ``a`` (k, n): the mean of the outer products
    ``a_t a_t^T`` and the standard error of each entry."""
    n = a.shape[1]
    m = a @ a.T / n
    sq = a * a
    m2 = sq @ sq.T / n  # E[(a_i a_j)^2]
    var = np.maximum(m2 - m * m, 0.0) * n / (n - 1)
    return m, np.sqrt(var / n)


def _z(est: float, se: float, exact: float) -> float:
    """z-score; a quantity that does not vary with y has a zero standard error
    (up to rounding), and then only an exact match (to rounding) counts."""
    diff = est - exact
    rounding = 1e-10 * (1.0 + abs(exact))
    if abs(diff) <= rounding:
        return 0.0
    if se > rounding:
        return float(diff / se)
    return float(np.copysign(np.inf, diff))


def _default_theta_q(fam: Family, theta: np.ndarray) -> np.ndarray:
    """A nearby point: each parameter moved by 0.2 / sqrt(I_ii), shrunk until valid."""
    step = 0.2 / np.sqrt(np.diag(fam.fisher(theta)))
    for sign in (1.0, -1.0):
        for _ in range(30):
            cand = theta + sign * step
            try:
                fam.check_theta(cand)
                if np.isfinite(fam.kl(theta, cand)):
                    return cand
            except ValueError:
                pass
            step = step / 2
        step = 0.2 / np.sqrt(np.diag(fam.fisher(theta)))
    raise ValueError(f"could not find a valid theta_q near theta={theta.tolist()}; pass theta_q")


def mc_check(
    fam: Family,
    theta: Any,
    n: int,
    rng: np.random.Generator,
    theta_q: Any = None,
    kl: bool = True,
) -> MCReport:
    r"""Monte Carlo estimates, with standard errors, of the score moments, Fisher and KL.

    Parameters
    ----------
    fam : Family
        The family.
    theta : array_like, shape (k,)
        The parameter at which the samples are drawn.
    n : int
        Number of samples, at least 2.
    rng : numpy.random.Generator
        Source of randomness (required; the global RNG is never used).
    theta_q : array_like, shape (k,), optional
        Second parameter for ``KL(p_theta || p_theta_q)``; by default a nearby
        point, each coordinate moved by ``0.2 / sqrt(I_ii(theta))``.
    kl : bool
        Include the KL row (set False for a family whose KL has no closed form).

    Returns
    -------
    MCReport
        Rows of (quantity, entry, estimate, standard error, exact, z).

    Examples
    --------
    >>> import numpy as np, natgrad_lib as ng
    >>> rep = ng.mc_check(ng.family("gaussian"), [0.0, 1.0], 10_000, np.random.default_rng(0))
    >>> rep.max_abs_z < 5
    True
    >>> rep.exact("fisher_outer")
    array([[1., 0.],
           [0., 2.]])
    """
    if not isinstance(fam, Family):
        raise TypeError(f"fam must be a natgrad_lib Family, got {type(fam).__name__}")
    n = require_int(n, "n", 2)
    require_generator(rng)
    th = fam.check_theta(theta)
    if th.ndim != 1:
        raise ValueError(f"theta must be a single parameter vector of shape ({fam.k},), got shape {th.shape}")
    if not kl:
        tq = th
    elif theta_q is None:
        tq = _default_theta_q(fam, th)
    else:
        tq = fam.check_theta(theta_q, "theta_q")
    if tq.shape != th.shape:
        raise ValueError(f"theta_q must have shape {th.shape}, got shape {tq.shape}")

    y = fam.sample(th, n, rng)
    # One validation, then the generated functions on all samples at once.  Entries
    # that do not depend on y come back as scalars and are never broadcast to n.
    want = ("score", "hessian", "logpdf") if kl else ("score", "hessian")
    at = fam.evaluate(want, y, th, compact=True)
    rows = _moment_rows(fam, th, at["score"], at["hessian"], n)
    if not kl:
        return MCReport(fam.name, fam.params, th, tq, n, tuple(rows))
    diff = at["logpdf"] - fam.logpdf(y, tq)
    est, se = _mean_and_se(diff)
    kl_ex = float(fam.kl(th, tq))
    rows.append(MCRow("kl", (), est, se, kl_ex, _z(est, se, kl_ex)))
    return MCReport(fam.name, fam.params, th, tq, n, tuple(rows))


def _exact(fam: Family, th: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exact E[s], Cov[s], E[s s^T] and E[-H] at θ."""
    k = fam.k
    mean_ex, outer_ex, negh_ex = (
        np.asarray(np.broadcast_to(np.asarray(v, dtype=float), (k if i == 0 else k * k,)))
        for i, v in enumerate(_exact_moments(fam)(*th))
    )
    outer_ex = outer_ex.reshape(k, k)
    return mean_ex, outer_ex - np.outer(mean_ex, mean_ex), outer_ex, negh_ex.reshape(k, k)


def _moment_rows(fam: Family, th: np.ndarray, score: tuple, hess: tuple, n: int) -> list[MCRow]:
    """The rows of E[s], Cov[s], E[s s^T] and E[-H] from the per-sample score and Hessian entries."""
    k = fam.k
    mean_ex, cov_ex, outer_ex, negh_ex = _exact(fam, th)
    s = np.empty((k, n))  # one contiguous row per score entry: fast BLAS products below
    for i, entry in enumerate(score):
        s[i] = entry
    rows: list[MCRow] = []
    for i in range(k):
        est, se = _mean_and_se(s[i])
        rows.append(MCRow("score_mean", (i,), est, se, float(mean_ex[i]), _z(est, se, mean_ex[i])))

    centred = s - s.mean(axis=1, keepdims=True)
    cov, cov_se = _second_moment(centred)
    cov = cov * n / (n - 1)
    outer, outer_se = _second_moment(s)
    for qty, est_m, se_m, ex_m in (
        ("score_cov", cov, cov_se, cov_ex),
        ("fisher_outer", outer, outer_se, outer_ex),
    ):
        for i in range(k):
            for j in range(i, k):
                rows.append(MCRow(qty, (i, j), float(est_m[i, j]), float(se_m[i, j]),
                                  float(ex_m[i, j]), _z(est_m[i, j], se_m[i, j], ex_m[i, j])))
    for i in range(k):
        for j in range(i, k):
            entry = -hess[i * k + j]
            est, se = _mean_and_se(entry) if entry.ndim else (float(entry), 0.0)
            rows.append(MCRow("fisher_neg_hessian", (i, j), est, se, float(negh_ex[i, j]),
                              _z(est, se, negh_ex[i, j])))
    return rows


@dataclass(frozen=True)
class MeanEstimate:
    """A Monte Carlo mean over the first axis, its standard error and, given the exact
    value, its z-score (estimate − exact) / stderr (NaN where the standard error is 0)."""

    estimate: np.ndarray
    stderr: np.ndarray
    z: np.ndarray | None


def mc_mean(draws: Any, exact: Any = None) -> MeanEstimate:
    """The mean of i.i.d. draws (stacked on axis 0) with its standard error s/√R.

    Parameters
    ----------
    draws : array_like, shape (R, ...)
        R ≥ 2 independent draws of a quantity of any shape.
    exact : array_like, optional
        The exact expectation, broadcastable to ``draws.shape[1:]``; fills in ``z``.

    Examples
    --------
    >>> est = mc_mean([[1.0, 2.0], [3.0, 2.0], [2.0, 2.0]], exact=[2.5, 2.0])
    >>> est.estimate, est.stderr.round(4)
    (array([2., 2.]), array([0.5774, 0.    ]))
    >>> float(est.z[0])
    -0.8660254037844385
    """
    arr = np.asarray(draws, dtype=float)
    if arr.ndim == 0 or arr.shape[0] < 2:
        raise ValueError(f"draws must stack at least 2 draws on axis 0, got shape {arr.shape}")
    estimate = arr.mean(axis=0)
    stderr = arr.std(axis=0, ddof=1) / np.sqrt(arr.shape[0])
    if exact is None:
        return MeanEstimate(estimate, stderr, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(stderr > 0, (estimate - np.asarray(exact, dtype=float)) / stderr, np.nan)
    return MeanEstimate(estimate, stderr, z)


@dataclass(frozen=True)
class Convergence:
    """Errors of Monte Carlo estimates against the exact values as n grows.

    ``error[q]`` and ``stderr[q]`` have one entry per sample size in ``ns``:
    the largest absolute error over the entries of quantity ``q`` and the
    standard error of that same entry.
    """

    family: str
    ns: np.ndarray
    error: dict[str, np.ndarray]
    stderr: dict[str, np.ndarray]


def mc_convergence(
    fam: Family,
    theta: Any,
    ns: Any,
    rng: np.random.Generator,
    quantities: tuple[str, ...] = ("score_mean", "fisher_outer", "fisher_neg_hessian"),
    theta_q: Any = None,
) -> Convergence:
    """Run :func:`mc_check` at each sample size in ``ns`` and collect the errors.

    >>> import numpy as np, natgrad_lib as ng
    >>> conv = mc_convergence(ng.family("poisson"), [2.0], [100, 10_000], np.random.default_rng(0))
    >>> bool(conv.error["score_mean"][1] < conv.error["score_mean"][0])
    True
    """
    ns_arr = np.asarray(ns)
    if ns_arr.ndim != 1 or ns_arr.size == 0:
        raise ValueError(f"ns must be a non-empty 1-d sequence of sample sizes, got {ns!r}")
    for q in quantities:
        if q not in QUANTITIES:
            raise ValueError(f"quantities must be among {sorted(QUANTITIES)}, got {q!r}")
    err = {q: np.empty(ns_arr.size) for q in quantities}
    se = {q: np.empty(ns_arr.size) for q in quantities}
    for t, n in enumerate(ns_arr):
        rep = mc_check(fam, theta, int(n), rng, theta_q=theta_q)
        for q in quantities:
            rows = [r for r in rep.rows if r.quantity == q]
            worst = max(rows, key=lambda r: abs(r.estimate - r.exact))
            err[q][t] = abs(worst.estimate - worst.exact)
            se[q][t] = worst.stderr
    return Convergence(fam.name, ns_arr, err, se)


def convergence_of_draws(
    draw: Callable[[int, np.random.Generator], np.ndarray],
    exact: Any,
    ns: Any,
    rng: np.random.Generator,
    *,
    name: str,
    quantity: str,
) -> Convergence:
    """Errors of the Monte Carlo mean of ``draw(R, rng)`` against ``exact`` as R grows.

    For each R in ``ns`` (fresh draws each time) the entry with the largest absolute error
    |mean − exact| is recorded, with the standard error of that same entry, as in
    :func:`mc_convergence`. Use it for estimators :func:`mc_check` does not cover (a GLM's
    expected negative Hessian, say).

    Parameters
    ----------
    draw : callable
        ``draw(R, rng)`` returns R draws, shape (R, m).
    exact : array_like, shape (m,)
    ns : sequence of int
    rng : numpy.random.Generator
    name, quantity : str
        ``Convergence.family`` and the key of ``error`` and ``stderr``.

    Examples
    --------
    >>> import numpy as np
    >>> conv = convergence_of_draws(lambda R, rng: rng.normal(size=(R, 3)), np.zeros(3),
    ...                             [100, 10_000], np.random.default_rng(0), name="normal", quantity="mean")
    >>> bool(conv.error["mean"][1] < conv.error["mean"][0]), conv.ns.tolist()
    (True, [100, 10000])
    """
    require_generator(rng)
    ns_arr = np.asarray(ns)
    if ns_arr.ndim != 1 or ns_arr.size == 0:
        raise ValueError(f"ns must be a non-empty 1-d sequence of sample sizes, got {ns!r}")
    exact = np.asarray(exact, dtype=float)
    err, se = np.empty(ns_arr.size), np.empty(ns_arr.size)
    for t, size in enumerate(ns_arr):
        sample = np.asarray(draw(int(size), rng), dtype=float)
        dev = sample.mean(axis=0) - exact
        worst = np.argmax(np.abs(dev))
        err[t], se[t] = abs(dev[worst]), sample[:, worst].std(ddof=1) / np.sqrt(size)
    return Convergence(name, ns_arr, {quantity: err}, {quantity: se})
