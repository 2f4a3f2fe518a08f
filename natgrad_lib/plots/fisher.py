r"""Ellipses for Fisher-type matrices: score clouds and the unit balls of a metric.

A symmetric positive semi-definite 2 x 2 matrix can be drawn in two ways:

* as a **covariance ellipse** :math:`\{c + x : x^\top C^{-1} x = r^2\}`. Its extent
  along a unit direction :math:`v` is :math:`\pm r\sqrt{v^\top C v}`, that is
  :math:`r` standard deviations of :math:`v^\top s` when :math:`C = \operatorname{Cov}[s]`.
  :func:`plot_score_cloud` draws sampled score vectors with the covariance ellipse of the
  sample and that of the Fisher information; :func:`update_score_cloud` moves those
  artists in place (for explorers).
* as the **unit ball of a metric** :math:`\{d : d^\top M d = r^2\}`, the steps that a
  matrix :math:`M` (a Fisher information, an empirical Fisher) counts as having length
  :math:`r`. It is small where :math:`M` is large. :func:`plot_metric_ellipses` draws several.

:func:`ellipse_path` computes the points of either kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from .._validate import as_float_array, require_finite
from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ellipse_path", "plot_score_cloud", "update_score_cloud", "plot_metric_ellipses"]

#: gid of each artist drawn by :func:`plot_score_cloud` (used by :func:`update_score_cloud`).
SCORE_CLOUD_GIDS = ("score-samples", "score-sample-cov", "score-fisher")


def _matrix2(value: Any, name: str) -> np.ndarray:
    """A finite, symmetric 2 x 2 float matrix, or ValueError naming ``name``."""
    m = require_finite(as_float_array(value, name), name)
    if m.shape != (2, 2):
        raise ValueError(f"{name} must be a 2 x 2 matrix, got shape {m.shape}")
    if not np.allclose(m, m.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(m).max()))):
        raise ValueError(f"{name} must be symmetric, got {m.tolist()}")
    return (m + m.T) / 2


def ellipse_path(matrix: Any, *, metric: bool = False, radius: float = 1.0,
                 center: Sequence[float] = (0.0, 0.0), num: int = 181) -> np.ndarray:
    r"""Points on the ellipse of a symmetric 2 x 2 matrix, as an array of shape (num, 2).

    Parameters
    ----------
    matrix : array_like, shape (2, 2)
        Symmetric; positive semi-definite, and positive definite if ``metric``.
    metric : bool
        False (default): the covariance ellipse
        :math:`\{c + x : x^\top M^{-1} x = r^2\}`, i.e. :math:`c + r M^{1/2} u` for unit
        vectors :math:`u` (a singular ``matrix`` gives a flat ellipse, a segment).
        True: the unit ball of the metric, :math:`\{c + d : d^\top M d = r^2\}`, i.e.
        :math:`c + r M^{-1/2} u`.
    radius : float
        :math:`r > 0`.
    center : sequence of 2 floats
        :math:`c`.
    num : int
        Number of points; the first and the last coincide, so the path is closed.

    Returns
    -------
    ndarray, shape (num, 2)

    Examples
    --------
    The covariance ellipse of ``diag(4, 1)`` has half-axes 2 and 1; the unit ball of the
    same matrix as a metric has half-axes 1/2 and 1.

    >>> xy = ellipse_path(np.diag([4.0, 1.0]), num=5)
    >>> np.abs(xy).max(axis=0)
    array([2., 1.])
    >>> np.abs(ellipse_path(np.diag([4.0, 1.0]), metric=True, num=5)).max(axis=0)
    array([0.5, 1. ])
    >>> bool(np.allclose(xy[0], xy[-1]))
    True
    """
    m = _matrix2(matrix, "matrix")
    if not (np.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be > 0, got {radius!r}")
    if int(num) != num or num < 3:
        raise ValueError(f"num must be an integer >= 3, got {num!r}")
    c = require_finite(as_float_array(center, "center"), "center")
    if c.shape != (2,):
        raise ValueError(f"center must have shape (2,), got shape {c.shape}")
    w, v = np.linalg.eigh(m)
    scale = max(1.0, float(np.abs(w).max()))
    if w[0] < -1e-10 * scale:
        raise ValueError(f"matrix must be positive semi-definite, got eigenvalues {w.tolist()}")
    w = np.clip(w, 0.0, None)
    if metric:
        if w[0] <= 1e-14 * scale:
            raise ValueError("matrix must be positive definite when metric=True, "
                             f"got eigenvalues {w.tolist()}")
        half = 1.0 / np.sqrt(w)
    else:
        half = np.sqrt(w)
    t = np.linspace(0.0, 2.0 * np.pi, int(num))
    u = np.stack([np.cos(t), np.sin(t)], axis=-1)      # unit circle, (num, 2)
    xy = (u * half) @ v.T                              # r * V diag(half) u
    xy[-1] = xy[0]
    return c + radius * xy


def _scores2(scores: Any) -> np.ndarray:
    s = require_finite(as_float_array(scores, "scores"), "scores")
    if s.ndim != 2 or s.shape[1] != 2 or s.shape[0] < 3:
        raise ValueError(f"scores must have shape (n, 2) with n >= 3, got shape {s.shape}")
    return s


def _limits(fisher: np.ndarray, span: float) -> tuple[float, float]:
    half = span * np.sqrt(np.diag(fisher))
    return float(half[0]), float(half[1])


def plot_score_cloud(scores: Any, fisher: Any, ax: Any = None, *, radius: float = 2.0,
                     span: float = 4.0, labels: Sequence[str] = ("$s_1$", "$s_2$"),
                     max_points: int = 2000) -> Figure:
    r"""Scatter of sampled score vectors with the sample covariance and the Fisher ellipse.

    Draws the first ``max_points`` rows of ``scores`` (a point cloud), the covariance
    ellipse of all the rows (solid) and the covariance ellipse of ``fisher`` (dashed),
    both with radius ``radius``: along any unit direction :math:`v` an ellipse reaches
    ``radius`` standard deviations of :math:`v^\top s`. The axes are centred at 0 and
    reach ``span`` standard deviations of each coordinate under ``fisher``.

    Parameters
    ----------
    scores : array_like, shape (n, 2)
        Score vectors :math:`s(y_i;\theta)`, for example ``fam.score(y, theta)``.
    fisher : array_like, shape (2, 2)
        The Fisher information :math:`I(\theta)`, positive definite.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    radius, span : float
        Ellipse radius and axis half-width, in standard deviations.
    labels : pair of str
        Axis labels.
    max_points : int
        At most this many points are drawn (all rows enter the sample covariance).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fam = ng.family("gaussian")
    >>> theta = np.array([0.0, 1.0])
    >>> s = fam.score(fam.sample(theta, 500, np.random.default_rng(0)), theta)
    >>> fig = plot_score_cloud(s, fam.fisher(theta))
    >>> sorted(a.get_gid() for a in fig.axes[0].get_children() if a.get_gid())
    ['score-fisher', 'score-sample-cov', 'score-samples']
    >>> plt.close(fig)
    """
    s = _scores2(scores)
    f = _matrix2(fisher, "fisher")
    fig, ax = new_axes(ax, figsize=(4.8, 4.0))
    ax.scatter(s[:max_points, 0], s[:max_points, 1], s=6, alpha=0.35, lw=0,
               color="#0072B2", gid=SCORE_CLOUD_GIDS[0], label="sampled scores")
    ax.plot(*ellipse_path(np.cov(s.T), radius=radius).T, color="#0072B2", lw=2,
            gid=SCORE_CLOUD_GIDS[1], label="covariance of the sample")
    ax.plot(*ellipse_path(f, radius=radius).T, "--", color="#D55E00", lw=2,
            gid=SCORE_CLOUD_GIDS[2], label=r"Fisher information $I(\theta)$")
    ax.plot([0], [0], "+", color="#222222", ms=10, mew=1.5)
    hx, hy = _limits(f, span)
    ax.set(xlim=(-hx, hx), ylim=(-hy, hy), xlabel=labels[0], ylabel=labels[1])
    ax.legend(loc="upper right", fontsize="small")
    return fig


def update_score_cloud(ax: Any, scores: Any, fisher: Any, *, radius: float = 2.0,
                       span: float = 4.0, max_points: int = 2000) -> tuple[Any, Any, Any]:
    """Move the artists of :func:`plot_score_cloud` on ``ax`` to new scores and Fisher.

    Nothing new is drawn: the points get :meth:`set_offsets`, the two ellipses
    :meth:`set_data`, and the axis limits follow ``fisher``. Use it in an explorer's
    ``update``.

    Returns
    -------
    tuple
        The scatter and the two ellipse lines (sample covariance, Fisher).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> fig = plot_score_cloud(rng.normal(size=(300, 2)), np.eye(2))
    >>> pts, cov, fis = update_score_cloud(fig.axes[0], 3 * rng.normal(size=(50, 2)), 9 * np.eye(2))
    >>> pts.get_offsets().shape, [float(x) for x in fig.axes[0].get_xlim()]
    ((50, 2), [-12.0, 12.0])
    >>> plt.close(fig)
    """
    s = _scores2(scores)
    f = _matrix2(fisher, "fisher")
    found = {a.get_gid(): a for a in ax.get_children() if a.get_gid() in SCORE_CLOUD_GIDS}
    missing = [g for g in SCORE_CLOUD_GIDS if g not in found]
    if missing:
        raise ValueError(f"ax must hold a plot_score_cloud figure, missing artists {missing}")
    pts, cov, fis = (found[g] for g in SCORE_CLOUD_GIDS)
    pts.set_offsets(s[:max_points])
    cov.set_data(*ellipse_path(np.cov(s.T), radius=radius).T)
    fis.set_data(*ellipse_path(f, radius=radius).T)
    hx, hy = _limits(f, span)
    ax.set_xlim(-hx, hx)
    ax.set_ylim(-hy, hy)
    return pts, cov, fis


def plot_metric_ellipses(matrices: Mapping[str, Any], ax: Any = None, *, radius: float = 1.0,
                         styles: Sequence[str] = ("-", "--", ":", "-."),
                         colors: Sequence[str] | None = None) -> Figure:
    r"""Unit balls :math:`\{d : d^\top M d = r^2\}` of several 2 x 2 metrics on one axes.

    A matrix that is large in a direction makes its ball short in that direction:
    it counts steps along it as long. The axes get an equal aspect ratio, so the
    shapes are true.

    Parameters
    ----------
    matrices : mapping of str to array_like (2, 2)
        Legend label -> symmetric positive definite matrix.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    radius : float
        :math:`r`.
    styles, colors : sequences of str, optional
        Line styles and colours, cycled; by default the style's colour cycle.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_metric_ellipses({"I": np.diag([1.0, 2.0]),
    ...                             "F": np.array([[1.0, 0.5], [0.5, 3.0]])})
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['I', 'F']
    >>> plt.close(fig)
    """
    if not matrices:
        raise ValueError("matrices must hold at least one labelled matrix, got none")
    fig, ax = new_axes(ax, figsize=(4.4, 4.0))
    for i, (label, m) in enumerate(matrices.items()):
        kw = {"ls": styles[i % len(styles)], "label": label}
        if colors is not None:
            kw["color"] = colors[i % len(colors)]
        ax.plot(*ellipse_path(_matrix2(m, f"matrices[{label!r}]"), metric=True,
                              radius=radius).T, **kw)
    ax.plot([0], [0], "+", color="#222222", ms=10, mew=1.5)
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper right", fontsize="small")
    return fig
