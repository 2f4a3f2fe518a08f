r"""Figures for fitting GLMs: convergence of the log-likelihood, Newton's quadratic models, fit paths.

* :func:`plot_loglik_gap` -- :math:`\ell^\ast - \ell(\theta_t)` against the iteration :math:`t`
  on a logarithmic axis, where quadratic convergence (Newton, natural gradient with step 1)
  bends down and linear convergence (gradient ascent) is a straight line.
* :func:`plot_newton_1d` -- a one-parameter log-likelihood, the iterates of Newton's method
  and the quadratic models whose maxima they are: shows how a full step can overshoot.
* :func:`glm_path_figure` -- a two-parameter GLM (intercept and one slope): the fitted mean
  curve over the data, and the iterates of several methods on the contours of the
  log-likelihood. It returns the figure and an ``update(t, method)`` function that moves
  the artists in place, for :func:`natgrad_lib.explore.explorer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from .._validate import as_float_array, require_finite
from ..figdata import glm_loglik_grid
from ..optim import Objective
from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["glm_path_figure", "plot_loglik_gap", "plot_newton_1d"]

#: Line style of each optimisation method in these figures (the colours follow the book's cycle).
METHOD_STYLES: dict[str, dict[str, Any]] = {
    "newton": dict(color="C0", marker="o", ms=5, ls="-"),
    "natural": dict(color="C1", marker="s", ms=9, ls="--", mfc="none", mew=1.5),
    "gradient": dict(color="C2", marker="^", ms=5, ls=":"),
}


def _vector(value: Any, name: str) -> np.ndarray:
    arr = require_finite(as_float_array(value, name), name)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    return arr


def plot_loglik_gap(logliks: Mapping[str, Any], best: float, ax: Any = None,
                    styles: Mapping[str, Mapping[str, Any]] | None = None) -> Figure:
    r"""Plot :math:`\ell^\ast - \ell(\theta_t)` against :math:`t` on a logarithmic axis.

    Parameters
    ----------
    logliks : mapping of str to array_like, shape (T + 1,)
        For each label, the log-likelihoods :math:`\ell(\theta_0), \dots, \ell(\theta_T)`
        (for example ``trajectory.loglik``).
    best : float
        :math:`\ell^\ast`, the maximum. Gaps :math:`\le 0` (iterates that reached the
        maximum to rounding error) cannot be drawn on a log axis and are left out.
    ax : matplotlib Axes, optional
    styles : mapping of str to dict, optional
        Extra keyword arguments of ``ax.plot`` for each label. Labels that are method
        names (``"newton"``, ``"natural"``, ``"gradient"``) get :data:`METHOD_STYLES`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_loglik_gap({"newton": [-3.0, -1.5, -1.01, -1.0], "gradient": [-3.0, -2.0, -1.5]},
    ...                       best=-1.0)
    >>> [len(line.get_xdata()) for line in fig.axes[0].get_lines()]   # the zero gap is dropped
    [3, 3]
    >>> plt.close(fig)
    """
    best = float(best)
    if not np.isfinite(best):
        raise ValueError(f"best must be finite, got {best!r}")
    fig, ax = new_axes(ax)
    for label, values in logliks.items():
        ell = _vector(values, f"logliks[{label!r}]")
        gap = best - ell
        t = np.arange(ell.size)
        keep = gap > 0
        kw = {**METHOD_STYLES.get(label, dict(marker="o", ms=4)), **((styles or {}).get(label, {}))}
        ax.plot(t[keep], gap[keep], label=label, lw=1.5, **kw)
    ax.set_yscale("log")
    ax.set_xlabel("iteration $t$")
    ax.set_ylabel(r"$\ell^\ast - \ell(\theta_t)$")
    ax.legend(fontsize="small")
    return fig


def plot_newton_1d(objective: Objective, iterates: Any, grid: Any, ax: Any = None,
                   models: int = 2) -> Figure:
    r"""Newton's method on a log-likelihood of one parameter, with its quadratic models.

    Draws :math:`\ell` over ``grid``, the iterates :math:`\theta_t` that lie inside the grid,
    and, for the first ``models`` iterates, the quadratic model
    :math:`q_t(\theta) = \ell(\theta_t) + \ell'(\theta_t)(\theta - \theta_t) +
    \tfrac12 \ell''(\theta_t)(\theta - \theta_t)^2`. A full Newton step jumps to the
    maximum of :math:`q_t`, marked with an open circle.

    Parameters
    ----------
    objective : natgrad_lib.optim.Objective
        With ``loglik``, ``grad`` and ``hessian`` of a 1-D parameter vector.
    iterates : array_like, shape (T + 1,) or (T + 1, 1)
        :math:`\theta_0, \theta_1, \dots` (for example ``trajectory.theta``).
    grid : array_like, shape (m,)
        The values of :math:`\theta` at which to draw, increasing.
    ax : matplotlib Axes, optional
    models : int
        How many quadratic models to draw (from :math:`\theta_0` on).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from natgrad_lib.glm import GLM
    >>> obj = GLM("poisson").objective(np.ones((3, 1)), [2, 4, 3])   # ℓ = 9θ − 3eᶿ + const
    >>> fig = plot_newton_1d(obj, [[0.0], [2.0]], np.linspace(-1, 3, 50), models=1)
    >>> labels = [line.get_label() for line in fig.axes[0].get_lines()]
    >>> labels[:2]
    ['$\\ell(\\theta)$', '$q_0$, the quadratic model at $\\theta_0$']
    >>> plt.close(fig)
    """
    grid = _vector(grid, "grid")
    theta = require_finite(as_float_array(iterates, "iterates"), "iterates").reshape(-1)
    if not isinstance(models, (int, np.integer)) or models < 0:
        raise ValueError(f"models must be an integer >= 0, got {models!r}")
    fig, ax = new_axes(ax)
    ell = np.array([objective.loglik(np.array([g])) for g in grid])
    ax.plot(grid, ell, color="C6", lw=2, label=r"$\ell(\theta)$")
    lo, hi = float(ell.min()), float(ell.max())
    inside = (theta >= grid[0]) & (theta <= grid[-1])
    for t in range(min(models, theta.size)):
        th = np.array([theta[t]])
        f, g = objective.loglik(th), float(objective.grad(th)[0])
        h = float(np.asarray(objective.hessian(th))[0, 0])
        q = f + g * (grid - th[0]) + 0.5 * h * (grid - th[0]) ** 2
        (line,) = ax.plot(grid, q, "--", lw=1.3, color=f"C{t}",
                          label=rf"$q_{t}$, the quadratic model at $\theta_{t}$")
        if h < 0:
            peak = th[0] - g / h
            if grid[0] <= peak <= grid[-1]:
                top = f - 0.5 * g * g / h
                ax.plot([peak], [top], "o", mfc="none", mew=1.5, ms=8, color=line.get_color())
                hi = max(hi, top)  # keep the maximum of the model in view
    for t in np.flatnonzero(inside):
        val = objective.loglik(np.array([theta[t]]))
        ax.plot([theta[t]], [val], "o", color="C6", ms=6)
        ax.annotate(rf"$\theta_{t}$", (theta[t], val), textcoords="offset points", xytext=(4, 6))
    pad = 0.08 * (hi - lo)
    ax.set_ylim(lo - pad, hi + 2 * pad)
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("log-likelihood")
    ax.legend(fontsize="small", loc="lower center")
    return fig


def glm_path_figure(model: Any, X: Any, y: Any, paths: Mapping[str, Any], extent: Sequence[float],
                    *, num: int = 61, figsize: tuple[float, float] = (6.4, 3.2), dpi: int = 72,
                    xlabel: str = "$x$") -> tuple[Any, Callable[..., None]]:
    r"""A GLM with an intercept and one feature: fitted mean and iterates on the log-likelihood.

    Left: the data :math:`(x_i, y_i)` and the fitted mean :math:`\mu(\theta_0 + \theta_1 x)`
    at iterate :math:`t` of the selected method. Right: contours of :math:`\ell` in the
    :math:`(\theta_0, \theta_1)` plane with the first :math:`t` steps of every method in
    ``paths`` (the selected one in full colour, the others faint).

    Parameters
    ----------
    model : natgrad_lib.glm.GLM
        Supplies ``mean`` and ``loglik``.
    X : array_like, shape (n, 2)
        Design matrix: a column of ones, then the feature.
    y : array_like, shape (n,)
    paths : mapping of str to array_like, shape (T + 1, 2)
        The iterates of each method, all of the same length.
    extent : sequence of 4 floats
        ``(theta0_min, theta0_max, theta1_min, theta1_max)`` of the contour panel.
    num : int
        Grid points per axis for the contours.
    figsize, dpi
        Keep them small: an explorer inlines one PNG per frame.
    xlabel : str

    Returns
    -------
    fig : matplotlib.figure.Figure
    update : callable
        ``update(t, method)`` redraws in place for iteration ``t`` (0 ≤ t ≤ T) of ``method``.

    Examples
    --------
    >>> from natgrad_lib.glm import GLM
    >>> X = np.column_stack([np.ones(4), [-1.0, 0.0, 1.0, 2.0]]); y = np.array([0, 1, 0, 1])
    >>> paths = {"newton": [[0, 0], [0.1, 0.4], [0.2, 0.5]], "gradient": [[0, 0], [0, 0.1], [0, 0.2]]}
    >>> fig, update = glm_path_figure(GLM("logistic"), X, y, paths, (-1, 1, -1, 1), num=5)
    >>> update(t=1, method="newton")
    >>> n_figs = len(plt.get_fignums()); update(t=2, method="gradient")
    >>> len(plt.get_fignums()) == n_figs                  # nothing new is created
    True
    >>> fig.axes[1].get_lines()[0].get_xydata().tolist()  # the newton path, up to t = 2
    [[0.0, 0.0], [0.1, 0.4], [0.2, 0.5]]
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    X = require_finite(as_float_array(X, "X"), "X")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) (intercept, feature), got {X.shape}")
    y = _vector(y, "y")
    arrays = {name: require_finite(as_float_array(p, f"paths[{name!r}]"), f"paths[{name!r}]")
              for name, p in paths.items()}
    if not arrays:
        raise ValueError("paths must name at least one method, got none")
    lengths = {a.shape for a in arrays.values()}
    if len(lengths) != 1 or next(iter(lengths))[1:] != (2,):
        raise ValueError(f"paths must all have the same shape (T + 1, 2), got {sorted(lengths)}")
    if len(extent) != 4:
        raise ValueError(f"extent must be (theta0_min, theta0_max, theta1_min, theta1_max), got {extent!r}")
    last = next(iter(lengths))[0] - 1

    fig, (ax_fit, ax_ll) = plt.subplots(1, 2, figsize=figsize, dpi=dpi, layout="constrained")
    x = X[:, 1]
    ax_fit.plot(x, y, "|", color="0.35", alpha=0.4, ms=8)
    xs = np.linspace(x.min(), x.max(), 200)
    Xs = np.column_stack([np.ones_like(xs), xs])
    (curve,) = ax_fit.plot(xs, np.zeros_like(xs), lw=2)
    ax_fit.set(xlabel=xlabel, ylabel=r"$\mu(\theta_0 + \theta_1 x)$", ylim=(-0.08, 1.08))

    b0 = np.linspace(extent[0], extent[1], num)
    b1 = np.linspace(extent[2], extent[3], num)
    surface = glm_loglik_grid(model, X, y, b0, b1)
    gap = surface.max() - surface
    levels = np.geomspace(max(np.quantile(gap, 0.01), 1e-3), gap.max(), 9)
    ax_ll.contour(b0, b1, gap, levels=levels, colors="0.65", linewidths=0.7)
    lines = {}
    for name, path in arrays.items():
        style = METHOD_STYLES.get(name, dict(marker="o", ms=4))
        (lines[name],) = ax_ll.plot(path[:1, 0], path[:1, 1], lw=1.5, label=name, **style)
    (current,) = ax_ll.plot([], [], "*", color="black", ms=12)
    ax_ll.set(xlim=extent[:2], ylim=extent[2:], xlabel=r"$\theta_0$", ylabel=r"$\theta_1$")
    ax_ll.legend(fontsize="x-small", loc="lower right")
    title = ax_fit.set_title("", fontsize="small")

    def update(t: int, method: str) -> None:
        if method not in arrays:
            raise ValueError(f"method must be one of {list(arrays)}, got {method!r}")
        t = int(t)
        if not 0 <= t <= last:
            raise ValueError(f"t must be in 0..{last}, got {t}")
        for name, line in lines.items():
            line.set_data(arrays[name][: t + 1, 0], arrays[name][: t + 1, 1])
            line.set_alpha(1.0 if name == method else 0.3)
        beta = arrays[method][t]
        current.set_data([beta[0]], [beta[1]])
        curve.set_ydata(model.mean(beta, Xs))
        curve.set_color(METHOD_STYLES.get(method, {}).get("color", "C0"))
        title.set_text(f"{method}, t = {t}: " + r"$\ell$" + f" = {model.loglik(beta, X, y):.2f}")

    update(0, next(iter(arrays)))
    return fig, update
