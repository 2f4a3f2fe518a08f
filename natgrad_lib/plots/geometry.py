r"""The geometry of a step: KL balls against Euclidean balls, and fields of ascent directions.

* :func:`plot_kl_geometry` -- at :math:`\theta`, the Fisher ellipse
  :math:`\tfrac12 d^\top I(\theta) d = c`, the exact contour
  :math:`\mathrm{KL}(p_\theta\|p_{\theta+d}) = c`, the Euclidean circle of the same *area* as
  the ellipse, and two arrows: the gradient step to the circle (steepest ascent for a
  Euclidean budget) and the natural-gradient step to the ellipse (steepest ascent for a KL
  budget), over the contours of the average log-likelihood.
* :func:`plot_direction_fields` -- one panel per method: its (normalised) ascent directions on
  a grid over the log-likelihood contours, with optimisation paths drawn on top, as in
  figure 1 of Kunstner, Balles & Hennig (2019).

The curves and steps come from :func:`natgrad_lib.klgeometry.kl_geometry` (re-exported here;
the exact contour takes one root-find per ray); the data for the fields and paths from :mod:`natgrad_lib.races`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from .. import races
from ..families import Family
from ..klgeometry import kl_geometry  # the arrays plot_kl_geometry draws (numerics layer)
from ..optim import Trajectory
from ._common import METHOD_LABELS, METHOD_STYLES, new_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["METHOD_STYLES", "METHOD_LABELS", "kl_geometry", "plot_kl_geometry", "plot_direction_fields"]


def plot_kl_geometry(fam: Family, theta: Any, c: float, y: Any, ax: Any = None, n_rays: int = 181,
                     contours: bool = True, legend: bool = True) -> Figure:
    r"""The KL ball at ``theta`` against the Euclidean ball of the same area, with both steps.

    Draws, around :math:`\theta` in the chart of ``fam``: the exact contour
    :math:`\mathrm{KL}(p_\theta\|p_{\theta+d}) = c` (solid), the Fisher ellipse
    :math:`\tfrac12 d^\top I(\theta) d = c` (dashed), the circle of the same area (dotted), the
    gradient step to the circle and the natural-gradient step to the ellipse (arrows), and,
    with ``contours``, the contours of the average log-likelihood of the data ``y``. The axes
    have equal scales, so the circle looks round.

    Parameters
    ----------
    fam : Family
        A two-parameter family.
    theta : array_like, shape (2,)
    c : float
        The KL budget (nats, one observation).
    y : array_like, shape (n,)
        Data whose log-likelihood gives the gradient.
    ax : matplotlib Axes, optional
    n_rays : int
    contours, legend : bool

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_kl_geometry(ng.family("gaussian"), [0.0, 1.0], 0.05, [1.0, 2.0, 2.5], n_rays=31)
    >>> len(fig.axes[0].patches)            # the two arrows
    2
    >>> plt.close(fig)
    """
    problem = races.family_problem(fam, y)
    th = fam.check_theta(theta)
    g = problem.objective.grad(th) / problem.objective.n
    geo = kl_geometry(fam, th, c, g, n_rays)
    from matplotlib.patches import FancyArrowPatch

    fig, ax = new_axes(ax)
    pts = np.concatenate([geo["ellipse"], geo["exact"], geo["circle"]])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    half = 0.6 * float(np.max(hi - lo))
    mid = 0.5 * (lo + hi)
    if contours:
        xs = np.linspace(mid[0] - half, mid[0] + half, 61)
        ys = np.linspace(mid[1] - half, mid[1] + half, 61)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        inside = fam.in_domain(grid)
        ll = np.full(len(grid), np.nan)
        ll[inside] = problem.loglik_many(grid[inside]) / problem.objective.n
        ax.contour(xs, ys, ll.reshape(61, 61), levels=12, colors="0.75", linewidths=0.7, linestyles="solid")
    ax.plot(*geo["exact"].T, "-", color="C0", lw=1.8, label=r"$\mathrm{KL}(p_\theta\,\|\,p_{\theta+d}) = c$")
    ax.plot(*geo["ellipse"].T, "--", color="C5", lw=1.5, label=r"$\frac{1}{2} d^\top I(\theta)\, d = c$")
    ax.plot(*geo["circle"].T, ":", color="C1", lw=1.5, label="circle, same area")
    for key in ("gradient", "natural"):
        style = METHOD_STYLES[key]
        ax.add_patch(FancyArrowPatch(th, th + geo[key], arrowstyle="-|>", mutation_scale=12,
                                     color=style["color"], lw=1.8, shrinkA=0, shrinkB=0, zorder=3))
        ax.plot([], [], color=style["color"], lw=1.8, label=f"{METHOD_LABELS[key]} step")
    ax.plot(*th, "o", color="black", ms=4)
    ax.set_xlim(mid[0] - half, mid[0] + half)
    ax.set_ylim(mid[1] - half, mid[1] + half)
    ax.set_aspect("equal", adjustable="box")
    labels = [f"${p.latex or p.name}$" for p in fam.param_specs]
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if legend:
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def _unit(d: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(d, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, d / norm, np.nan)


def plot_direction_fields(field: races.DirectionField,
                          paths: Mapping[str, Sequence[Trajectory]] | None = None,
                          axes: Any = None, optimum: Any = None, labels: Sequence[str] = ("$w$", "$b$")) -> Figure:
    r"""One panel per method: unit-length ascent directions over the log-likelihood contours.

    Parameters
    ----------
    field : natgrad_lib.races.DirectionField
        From :func:`natgrad_lib.races.direction_field`.
    paths : mapping of str to sequence of natgrad_lib.optim.Trajectory, optional
        Optimisation paths to draw in the panel of their method.
    axes : sequence of matplotlib Axes, optional
        One per method of ``field`` (default: a new row of panels).
    optimum : array_like, shape (2,), optional
        Marked with a star in every panel.
    labels : (str, str)
        Axis labels of the two parameters.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from natgrad_lib import races
    >>> from natgrad_lib.datasets import regression_data
    >>> X, y = regression_data(30, np.random.default_rng(0))
    >>> prob = races.glm_problem("gaussian", X, y)
    >>> field = races.direction_field(prob, np.linspace(-2, 2, 5), np.linspace(-2, 2, 5))
    >>> fig = plot_direction_fields(field)
    >>> len(fig.axes)
    3
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    methods = list(field.directions)
    if axes is None:
        fig, axes = plt.subplots(1, len(methods), figsize=(3.2 * len(methods), 3.3), sharey=True,
                                 layout="constrained")
        axes = np.atleast_1d(axes)
    else:
        axes = list(axes)
        if len(axes) != len(methods):
            raise ValueError(f"axes must hold one Axes per method ({len(methods)}), got {len(axes)}")
        fig = axes[0].figure
    X, Y = np.meshgrid(field.xs, field.ys)
    for ax, method in zip(axes, methods):
        ax.contour(field.xs, field.ys, field.loglik, levels=14, colors="0.78", linewidths=0.7, linestyles="solid")
        u = _unit(field.directions[method])
        style = METHOD_STYLES.get(method, {})
        ax.quiver(X, Y, u[..., 0], u[..., 1], color=style.get("color", "C0"), angles="xy",
                  pivot="middle", scale=22, width=0.006, headwidth=3.5, alpha=0.85)
        for path in (paths or {}).get(method, ()):
            ax.plot(*path.theta.T, "-", color="black", lw=1.2)
            ax.plot(*path.theta[0], "o", color="black", ms=3.5)
        if optimum is not None:
            ax.plot(*np.asarray(optimum, dtype=float), "*", color="black", ms=10)
        ax.set_title(METHOD_LABELS.get(method, method), fontsize="medium")
        ax.set_xlim(field.xs[0], field.xs[-1])
        ax.set_ylim(field.ys[0], field.ys[-1])
        ax.set_xlabel(labels[0])
        ax.grid(False)
    axes[0].set_ylabel(labels[1])
    return fig
