r"""The arrays that figures draw, computed in the numerics layer (no plotting).

Compute, then draw: each function here returns plain numpy arrays (or a dict of them) that a
figure or an explorer of the presentation layer only draws.

* :func:`loglik_grid` -- the average log-likelihood of a two-parameter family on a grid (NaN
  outside the parameter domain): the contours under the optimisation paths of
  :mod:`natgrad_lib.animations` and :mod:`natgrad_lib.plots.optimizers`.
* :func:`glm_loglik_grid` -- the log-likelihood of a GLM with two coefficients on a grid (the
  contours of :func:`natgrad_lib.plots.glm.glm_path_figure`).
* :func:`curvature_data` -- single-observation log-likelihood curves along one parameter,
  their running averages, the observed information and the squared score with their running
  averages: what :func:`natgrad_lib.plots.hessian.curvature_explorer` shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .families import Family

__all__ = ["loglik_grid", "glm_loglik_grid", "curvature_data"]


def loglik_grid(fam: Family, y: Any, xlim: tuple[float, float], ylim: tuple[float, float],
                n: int = 61) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Average log-likelihood :math:`\frac1n\sum_i \log p(y_i;\theta)` of a two-parameter family
    on an ``n`` × ``n`` grid over ``xlim`` × ``ylim``.

    Returns ``(xs, ys, ll)`` with ``ll[j, i]`` at :math:`\theta = (x_i, y_j)` (the layout
    ``contour`` expects); NaN where :math:`\theta` is outside the parameter domain.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> xs, ys, ll = loglik_grid(ng.family("gaussian"), [0.0, 1.0], (-1, 1), (-1, 1), n=3)
    >>> ll.shape, bool(np.isnan(ll[0]).all() and np.isnan(ll[1]).all()), bool(np.isfinite(ll[2]).all())
    ((3, 3), True, True)
    """
    yy = np.asarray(y, dtype=float)
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    inside = fam.in_domain(grid)
    ll = np.full(len(grid), np.nan)
    th = fam.check_theta(grid[inside])
    ll[inside] = np.sum(fam.logpdf(yy[:, None], th[None, :, :]), axis=0) / len(yy)
    return xs, ys, ll.reshape(n, n)


def glm_loglik_grid(model: Any, X: Any, y: Any, b0: np.ndarray, b1: np.ndarray) -> np.ndarray:
    r"""``model.loglik(θ, X, y)`` at every :math:`\theta = (b_0, b_1)` of the grid ``b0`` × ``b1``;
    entry ``[j, i]`` is at ``(b0[i], b1[j])`` (the layout ``contour`` expects).

    Examples
    --------
    >>> from natgrad_lib.glm import GLM
    >>> X = np.column_stack([np.ones(3), [-1.0, 0.0, 1.0]]); y = np.array([0.0, 1.0, 1.0])
    >>> surface = glm_loglik_grid(GLM("logistic"), X, y, np.array([0.0, 1.0]), np.array([0.0, 0.5, 1.0]))
    >>> surface.shape, bool(np.isclose(surface[0, 0], 3 * np.log(0.5)))
    ((3, 2), True)
    """
    return np.array([[model.loglik([u, v], X, y) for u in b0] for v in b1])


def curvature_data(fam: Family, theta: np.ndarray, index: int, value: float, grid: np.ndarray,
                   n_max: int, n_curves: int, seed: int) -> dict[str, Any]:
    r"""What the curvature explorer shows for the true value ``theta[index] = value``.

    Draws ``n_max`` observations :math:`y_i \sim p(y;\theta_0)` from
    ``numpy.random.default_rng(seed)`` (the same seed for every ``value``: common random
    numbers) and returns

    * ``curves``: :math:`\ell(\theta; y_i) - \ell(\theta_0; y_i)` over ``grid`` for the first
      ``n_curves`` observations, shape ``(n_curves, m)``;
    * ``mean_curve``: the running average of those curves over all ``n_max``, shape ``(n_max, m)``;
    * ``expected``: :math:`-\mathrm{KL}(p_{\theta_0}\,\|\,p_\theta)` over ``grid``;
    * ``obs``, ``mean_obs``: :math:`-\partial^2 \ell(\theta_0; y_i) / I(\theta_0)` and its running
      average; ``mean_sq``: the running average of :math:`s(y_i;\theta_0)^2 / I(\theta_0)`;
    * ``info``: :math:`I(\theta_0)` (the diagonal entry ``index``).

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> d = curvature_data(ng.family("poisson"), np.array([2.0]), 0, 2.0, np.linspace(1, 3, 5), 2000, 3, 0)
    >>> d["curves"].shape, d["mean_curve"].shape, d["info"]
    ((3, 5), (2000, 5), 0.5)
    >>> bool(abs(d["mean_obs"][-1] - 1) < 0.1), bool(abs(d["mean_sq"][-1] - 1) < 0.1)
    (True, True)
    """
    def with_param(v: Any) -> np.ndarray:
        out = np.array(np.broadcast_to(theta, np.shape(v) + theta.shape))
        out[..., index] = v
        return fam.check_theta(out)

    theta_grid = with_param(grid)  # (m, k)
    t0 = with_param(value)
    y = fam.sample(t0, n_max, np.random.default_rng(seed))
    curves = fam.logpdf(y[:, None], theta_grid) - fam.logpdf(y, t0)[:, None]  # (n_max, m)
    info = float(fam.fisher(t0)[index, index])
    obs = -fam.hessian(y, t0)[:, index, index] / info
    sq = fam.score(y, t0)[:, index] ** 2 / info
    counts = np.arange(1, n_max + 1)
    return dict(
        curves=curves[:n_curves],
        mean_curve=np.cumsum(curves, axis=0) / counts[:, None],
        expected=-fam.kl(t0, theta_grid),
        obs=obs,
        mean_obs=np.cumsum(obs) / counts,
        mean_sq=np.cumsum(sq) / counts,
        info=info,
    )
