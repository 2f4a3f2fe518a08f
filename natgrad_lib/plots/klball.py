r"""KL balls: the exact set :math:`\{d : \mathrm{KL}(p_\theta\|p_{\theta+d}) = c\}` against the Fisher ellipse.

For small steps, :math:`\mathrm{KL}(p_\theta\|p_{\theta+d}) = \tfrac12 d^\top I(\theta) d
+ O(\|d\|^3)`, so the KL ball of radius :math:`c` is close to the ellipse
:math:`\tfrac12 d^\top I(\theta) d = c`.  This module computes both sets along
rays from :math:`\theta` and draws them.

The point sets come from the numerics module :mod:`natgrad_lib.klgeometry`
(:func:`~natgrad_lib.klgeometry.kl_ray_radius`, :func:`~natgrad_lib.klgeometry.kl_contour`,
:func:`~natgrad_lib.klgeometry.fisher_ellipse`, ...); they are re-exported here.

Figures (``ax=None`` makes a new figure; every function returns the figure):

* :func:`plot_kl_ball` -- exact contours and Fisher ellipses of a two-parameter family;
* :func:`plot_kl_interval` -- the one-parameter picture: KL against the parabola;
* :func:`plot_kl_directions` -- both directions of KL and the quadratic along a line;
* :func:`plot_kl_remainder`, :func:`plot_kl_ratio` -- the error of the quadratic
  approximation as the step shrinks;
* :func:`plot_radius_error` -- how far the exact ball is from the ellipse as ``c`` grows;
* :func:`kl_ball_explorer` -- an explorer over ``c`` and the parametrisation of the Gaussian.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ..explore import Explorer, explorer
from ..families import Family
from ..klgeometry import (
    chart_ball,
    check_family,
    check_levels,
    check_norms,
    check_point,
    fisher_directions,
    fisher_ellipse,
    kl_along_line,
    kl_contour,
    kl_remainders,
    radius_error,
)
from ._common import limits, new_axes, param_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "plot_kl_ball",
    "plot_kl_interval",
    "plot_kl_directions",
    "plot_kl_remainder",
    "plot_kl_ratio",
    "plot_radius_error",
    "kl_ball_explorer",
]


# ------------------------------------------------------------------------------------- figures
def plot_kl_ball(fam: Family, theta: Any, cs: Sequence[float], ax: Any = None, n_rays: int = 241,
                 ellipse: bool = True, legend: bool = True) -> Figure:
    r"""Exact KL contours (solid) and Fisher ellipses (dashed) around ``theta``, one colour per level.

    Parameters
    ----------
    fam : Family
        A two-parameter family.
    theta : array_like, shape (2,)
        The centre :math:`\theta`.
    cs : sequence of float
        The levels :math:`c`.
    ax : matplotlib Axes, optional
    n_rays : int
        Points per curve.
    ellipse : bool
        Draw the Fisher ellipses :math:`\tfrac12 d^\top I(\theta) d = c` too.
    legend : bool
        Add a legend of the levels.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_kl_ball(ng.family("gaussian"), [0.0, 1.0], [0.1, 0.5])
    >>> len(fig.axes[0].lines)             # 2 contours, 2 ellipses, the centre
    5
    >>> plt.close(fig)
    """
    fam = check_family(fam)
    if fam.k != 2:
        raise ValueError(f"plot_kl_ball needs a two-parameter family, got {fam.name} with k={fam.k}")
    th = check_point(fam, theta)
    levels = check_levels(cs)
    fig, ax = new_axes(ax)
    u = fisher_directions(fam, th, n_rays)
    for j, c in enumerate(levels):
        colour = f"C{j % 7}"
        exact = kl_contour(fam, th, c, u)
        ax.plot(exact[:, 0], exact[:, 1], "-", color=colour, lw=1.8, label=f"$c = {c:g}$")
        if ellipse:
            quad = fisher_ellipse(fam, th, c, u)
            ax.plot(quad[:, 0], quad[:, 1], "--", color=colour, lw=1.2)
    ax.plot(*th, "o", color="black", ms=4)
    ax.set_xlabel(param_label(fam, 0))
    ax.set_ylabel(param_label(fam, 1))
    if legend:
        ax.legend(title="solid: KL $= c$\ndashed: $\\frac{1}{2} d^\\top I d = c$", fontsize="small",
                  title_fontsize="small")
    return fig


def plot_kl_interval(fam: Family, theta: Any, cs: Sequence[float], ax: Any = None,
                     grid: Any = None) -> Figure:
    r"""One parameter: :math:`\mathrm{KL}(p_\theta\|p_{\tilde\theta})` and the parabola, with the level sets.

    For each level :math:`c` a horizontal segment joins the two points where the
    exact KL equals :math:`c` (solid, dots), and another joins
    :math:`\theta \pm \sqrt{2c/I(\theta)}` (dashed, crosses), where the parabola
    equals :math:`c`.

    Parameters
    ----------
    fam : Family
        A one-parameter family.
    theta : array_like, shape (1,)
    cs : sequence of float
        The levels.
    ax : matplotlib Axes, optional
    grid : array_like, optional
        Values of :math:`\tilde\theta` for the curves; default: 400 points spanning
        the exact and quadratic intervals of the largest level (inside the domain).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_kl_interval(ng.family("bernoulli"), [0.05], [0.02, 0.1])
    >>> fig.axes[0].get_xlabel()
    '$p$'
    >>> plt.close(fig)
    """
    fam = check_family(fam)
    if fam.k != 1:
        raise ValueError(f"plot_kl_interval needs a one-parameter family, got {fam.name} with k={fam.k}")
    th = check_point(fam, theta)
    levels = check_levels(cs)
    fisher = float(fam.fisher(th)[0, 0])
    ends = [kl_contour(fam, th, c)[:, 0] for c in levels]
    quads = [fisher_ellipse(fam, th, c)[:, 0] for c in levels]
    p = fam.param_specs[0]
    if grid is None:
        lo = np.nanmin(np.concatenate([ends[-1], quads[-1]]))
        hi = np.nanmax(np.concatenate([ends[-1], quads[-1]]))
        pad = 0.08 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        eps = 1e-6 * max(1.0, hi - lo)
        lo_in, hi_in = max(lo, p.lower + eps), min(hi, p.upper - eps)
        grid = np.linspace(lo_in, hi_in, 400)
        x_range = (lo, hi)
    else:
        grid = np.asarray(grid, dtype=float)
        x_range = (float(grid.min()), float(grid.max()))
    fig, ax = new_axes(ax)
    with np.errstate(all="ignore"):
        kl = fam.kl(th, grid[:, None])
    xq = np.linspace(*x_range, 400)
    ax.plot(grid, kl, "-", color="C0", label=r"$\mathrm{KL}(p_\theta\,\|\,p_{\tilde\theta})$")
    ax.plot(xq, 0.5 * fisher * (xq - th[0]) ** 2, "--", color="C1",
            label=r"$\frac{1}{2} I(\theta)(\tilde\theta-\theta)^2$")
    for c, e, q in zip(levels, ends, quads):
        ax.plot(e, [c, c], "-o", color="C0", lw=1, ms=4)
        ax.plot(q, [c, c], "--x", color="C1", lw=1, ms=6)
    for bound in (p.lower, p.upper):
        if np.isfinite(bound) and x_range[0] <= bound <= x_range[1]:
            ax.axvline(bound, color="0.3", lw=1)
            side = (x_range[0], bound) if bound <= th[0] else (bound, x_range[1])
            ax.axvspan(*side, color="0.85", lw=0, zorder=0)
    ax.plot(th[0], 0.0, "o", color="black", ms=4)
    ax.set_xlim(*x_range)
    ax.set_ylim(0.0, 1.35 * max(levels))
    ax.set_xlabel(param_label(fam, 0))
    ax.set_ylabel("nats")
    ax.legend(fontsize="small", loc="upper center")
    return fig


def plot_kl_directions(fam: Family, theta: Any, direction: Any, ts: Any, ax: Any = None) -> Figure:
    r"""Both directions of KL and the quadratic form along the line :math:`\theta + t d`.

    Draws :math:`\mathrm{KL}(p_\theta\|p_{\theta+td})`,
    :math:`\mathrm{KL}(p_{\theta+td}\|p_\theta)` and
    :math:`\tfrac12 t^2 d^\top I(\theta) d` against :math:`t`; points outside
    the parameter domain are left out.

    Parameters
    ----------
    fam : Family
    theta : array_like, shape (k,)
    direction : array_like, shape (k,)
        The direction :math:`d`.
    ts : array_like, shape (n,)
        Values of :math:`t`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_kl_directions(ng.family("bernoulli"), [0.2], [1.0], np.linspace(-0.15, 0.3, 50))
    >>> len(fig.axes[0].lines)
    3
    >>> plt.close(fig)
    """
    fam = check_family(fam)
    th = check_point(fam, theta)
    line = kl_along_line(fam, th, direction, ts)
    ts, fwd, rev, quad = line["t"], line["forward"], line["reverse"], line["quadratic"]
    fig, ax = new_axes(ax)
    ax.plot(ts, fwd, "-", label=r"$\mathrm{KL}(p_\theta\,\|\,p_{\theta+td})$")
    ax.plot(ts, rev, "-.", label=r"$\mathrm{KL}(p_{\theta+td}\,\|\,p_\theta)$")
    ax.plot(ts, quad, "--", color="0.2", lw=1.4, label=r"$\frac{1}{2} t^2 d^\top I(\theta) d$")
    ax.set_xlabel("$t$")
    ax.set_ylabel("nats")
    ax.legend(fontsize="small")
    return fig


def plot_kl_remainder(cases: Sequence[tuple], norms: Any, ax: Any = None) -> Figure:
    r"""Log-log plot of :math:`|\mathrm{KL}(p_\theta\|p_{\theta+d}) - \tfrac12 d^\top I d|` against :math:`\|d\|`.

    Parameters
    ----------
    cases : sequence of (label, family, theta, direction)
        Each case moves from ``theta`` along ``direction`` (normalised to length 1).
    norms : array_like
        Step lengths :math:`\|d\|`, positive.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        Markers for each case and a dashed line of slope 3 through the first.

    Examples
    --------
    >>> cases = [("Bernoulli", ng.family("bernoulli"), [0.3], [1.0])]
    >>> fig = plot_kl_remainder(cases, np.geomspace(1e-3, 1e-1, 5))
    >>> fig.axes[0].get_xscale(), fig.axes[0].get_yscale()
    ('log', 'log')
    >>> plt.close(fig)
    """
    norms = check_norms(norms)
    rows = kl_remainders(cases, norms)
    fig, ax = new_axes(ax)
    for j, (label, kl, quad) in enumerate(rows):
        ax.plot(norms, np.abs(kl - quad), "o-", ms=4, lw=1, color=f"C{j % 7}", label=label)
    _, kl0, quad0 = rows[0]
    ref = np.abs(kl0 - quad0)[-1] * (norms / norms[-1]) ** 3
    ax.plot(norms, ref, "--", color="0.3", lw=1.2, label=r"slope 3: $\propto \|d\|^3$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"step length $\|d\|$")
    ax.set_ylabel(r"$|\mathrm{KL} - \frac{1}{2} d^\top I(\theta) d|$")
    ax.legend(fontsize="small")
    return fig


def plot_kl_ratio(cases: Sequence[tuple], norms: Any, ax: Any = None) -> Figure:
    r"""The ratio :math:`\mathrm{KL}(p_\theta\|p_{\theta+d}) / (\tfrac12 d^\top I d)` against :math:`\|d\|`.

    Parameters
    ----------
    cases, norms, ax
        As in :func:`plot_kl_remainder`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> cases = [("Poisson", ng.family("poisson"), [2.0], [1.0])]
    >>> fig = plot_kl_ratio(cases, np.geomspace(1e-3, 1.0, 5))
    >>> bool(abs(fig.axes[0].lines[0].get_ydata()[0] - 1) < 1e-3)
    True
    >>> plt.close(fig)
    """
    norms = check_norms(norms)
    rows = kl_remainders(cases, norms)
    fig, ax = new_axes(ax)
    for j, (label, kl, quad) in enumerate(rows):
        ax.plot(norms, kl / quad, "o-", ms=4, lw=1, color=f"C{j % 7}", label=label)
    ax.axhline(1.0, color="0.3", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel(r"step length $\|d\|$")
    ax.set_ylabel(r"$\mathrm{KL} \,/\, \frac{1}{2} d^\top I(\theta) d$")
    ax.legend(fontsize="small")
    return fig


def plot_radius_error(cases: Sequence[tuple], cs: Any, ax: Any = None, n_rays: int = 121) -> Figure:
    r"""How far the Fisher ellipse is from the exact KL ball, as the level :math:`c` grows.

    For each ray :math:`u` the exact radius :math:`r_{\mathrm{KL}}` (where
    :math:`\mathrm{KL}(p_\theta\|p_{\theta+ru}) = c`) is compared with the
    ellipse radius :math:`r_I = \sqrt{2c / u^\top I u}`; the plot shows the
    largest :math:`|r_{\mathrm{KL}}/r_I - 1|` over the rays, on log-log axes,
    with a line of slope 1/2 (the small-``c`` rate).

    Parameters
    ----------
    cases : sequence of (label, family, theta)
    cs : array_like
        Levels :math:`c > 0`.
    ax : matplotlib Axes, optional
    n_rays : int
        Rays for two-parameter families.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_radius_error([("p = 0.3", ng.family("bernoulli"), [0.3])], [0.01, 0.1])
    >>> len(fig.axes[0].lines)
    2
    >>> plt.close(fig)
    """
    levels = np.array(check_levels(cs))
    errors = [(label, radius_error(fam, theta, levels, n_rays)) for label, fam, theta in cases]
    fig, ax = new_axes(ax)
    first = None
    for j, (label, err) in enumerate(errors):
        ax.plot(levels, err, "o-", ms=4, lw=1, color=f"C{j % 7}", label=label)
        first = err if first is None else first
    ax.plot(levels, first[0] * np.sqrt(levels / levels[0]), "--", color="0.3", lw=1.2,
            label=r"slope 1/2: $\propto \sqrt{c}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("level $c$ (nats)")
    ax.set_ylabel("largest relative error of the radius")
    ax.legend(fontsize="small")
    return fig


# ------------------------------------------------------------------------------------ explorer
# Plain Unicode labels (no mathtext): the fallback redraws them on every frame.
_CHART_AXES = {
    "gaussian": ("μ", "σ"),
    "gaussian_logstd": ("μ", "log σ"),
    "gaussian_var": ("μ", "σ²"),
    "gaussian_natural": ("η₁ = μ/σ²", "η₂ = −1/(2σ²)"),
}


def kl_ball_explorer(base_theta: Any, cs: Sequence[float], charts: Sequence[str] = tuple(_CHART_AXES),
                     n_rays: int = 241, figsize: tuple[float, float] = (6.4, 3.2), dpi: int = 72) -> Explorer:
    r"""Explorer: the exact KL ball and the Fisher ellipse of a Gaussian, in four charts.

    Left panel: in the coordinates :math:`\phi` of the chosen chart, the exact
    contour :math:`\mathrm{KL}(p_\phi\|p_{\phi+d}) = c` (solid) and the Fisher
    ellipse :math:`\tfrac12 d^\top I(\phi) d = c` (dashed). Right panel: both
    mapped to :math:`(\mu, \sigma)` with ``fam.to_base`` (points of the ellipse
    outside the chart's domain are left out). The exact ball is the same set of
    distributions in every chart; the ellipse is not. Both panels zoom to the
    current curves. Controls: ``c`` (swept in the static fallback) and
    ``parametrisation``. The update only changes the data of existing lines and
    texts and the axis limits.

    Parameters
    ----------
    base_theta : array_like, shape (2,)
        The centre as :math:`(\mu, \sigma)`; each chart gets it through ``fam.from_base``.
    cs : sequence of float
        The levels offered by the ``c`` control (at most 20 keep the fallback small).
    charts : sequence of str
        Names of Gaussian families (default: ``gaussian``, ``gaussian_logstd``,
        ``gaussian_var``, ``gaussian_natural``).
    n_rays : int
        Points per curve.
    figsize, dpi
        Size of the explorer figure.

    Returns
    -------
    natgrad_lib.explore.Explorer

    Examples
    --------
    >>> ex = kl_ball_explorer([0.5, 0.8], [0.05, 0.2], n_rays=31, dpi=30)
    >>> line = ex.fig.axes[0].lines[0]
    >>> ex.set(parametrisation="gaussian_natural", c=0.2)
    >>> ex.fig.axes[0].lines[0] is line, len(ex.fig.axes)
    (True, 2)
    >>> plt.close(ex.fig)
    """
    from .. import registry

    levels = check_levels(cs)
    charts = tuple(charts)
    if not charts:
        raise ValueError("charts must name at least one Gaussian chart, got none")
    unknown = [name for name in charts if name not in _CHART_AXES]
    if unknown:
        raise ValueError(f"charts must be among {list(_CHART_AXES)}, got {unknown}")
    fams = {name: registry.family(name) for name in charts}
    base_th = check_point(registry.family("gaussian"), base_theta)
    fig, draw = _ball_figure(base_th, figsize, dpi)
    cache: dict[tuple[str, float], dict[str, Any]] = {}

    def update(c: float, parametrisation: str) -> None:
        if (parametrisation, c) not in cache:
            cache[(parametrisation, c)] = chart_ball(fams[parametrisation], base_th, c, n_rays)
        draw(cache[(parametrisation, c)], c, parametrisation)

    return explorer(fig, update, {"c": levels, "parametrisation": list(charts)}, sweep="c",
                    alt=("The exact KL ball (solid) and the Fisher ellipse (dashed) of a Gaussian, "
                         "in the chosen chart (left) and mapped to (mu, sigma) (right), "
                         f"for levels c from {min(levels):g} to {max(levels):g} nats."))


def _ball_figure(base_th: np.ndarray, figsize: tuple[float, float],
                 dpi: int) -> tuple[Any, Callable[[dict[str, Any], float, str], None]]:
    """The two panels of :func:`kl_ball_explorer` and ``draw(ball, c, chart)`` that moves them
    to a ball from :func:`natgrad_lib.klgeometry.chart_ball`."""
    import matplotlib.pyplot as plt

    # A fixed layout and plain tick labels: the fallback redraws every frame, and
    # constrained layout with mathtext tick labels would dominate the build time.
    fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=figsize, dpi=dpi)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.16, top=0.9, wspace=0.32)
    for ax in (ax_l, ax_r):
        for axis in (ax.xaxis, ax.yaxis):
            axis.get_major_formatter().set_useMathText(False)
    (exact_l,) = ax_l.plot([], [], "-", color="C0", label="KL = c")
    (quad_l,) = ax_l.plot([], [], "--", color="C1", label="½ dᵀ I d = c")
    (centre_l,) = ax_l.plot([], [], "o", color="black", ms=3)
    (exact_r,) = ax_r.plot([], [], "-", color="C0")
    (quad_r,) = ax_r.plot([], [], "--", color="C1")
    ax_r.plot(*base_th, "o", color="black", ms=3)
    ax_r.axhspan(-1e6, 0.0, color="0.85", lw=0, zorder=0)  # sigma <= 0: no distribution
    ax_r.set_xlabel("μ")
    ax_r.set_ylabel("σ")
    ax_r.set_title("mapped to (μ, σ)", fontsize="small")
    ax_l.legend(fontsize="x-small", loc="upper left")
    note = ax_r.text(0.03, 0.97, "", transform=ax_r.transAxes, va="top", fontsize="x-small")

    def draw(ball: dict[str, Any], c: float, parametrisation: str) -> None:
        phi, exact, quad, exact_b, quad_b = (ball[k] for k in ("phi", "exact", "quad", "exact_base", "quad_base"))
        exact_l.set_data(exact[:, 0], exact[:, 1])
        quad_l.set_data(quad[:, 0], quad[:, 1])
        centre_l.set_data([phi[0]], [phi[1]])
        (x0, x1), (y0, y1) = limits([exact, quad], pad=0.1)
        ax_l.set_xlim(x0, x1)
        ax_l.set_ylim(y0, y1 + 0.25 * (y1 - y0))  # room for the legend
        xlabel, ylabel = _CHART_AXES[parametrisation]
        ax_l.set_xlabel(xlabel)
        ax_l.set_ylabel(ylabel)
        ax_l.set_title(f"in the chart ({xlabel.split(' ')[0]}, {ylabel.split(' = ')[0]})", fontsize="small")
        exact_r.set_data(exact_b[:, 0], exact_b[:, 1])
        quad_r.set_data(quad_b[:, 0], quad_b[:, 1])
        (x0, x1), (y0, y1) = limits([exact_b], pad=0.3)
        ax_r.set_xlim(x0, x1)
        ax_r.set_ylim(min(y0, base_th[1] - 1.05 * (base_th[1] - y0) - 0.05 * (y1 - y0)), y1 + 0.3 * (y1 - y0))
        outside = ball["outside"]
        note.set_text(f"c = {c:g} nats, radius error up to {100 * ball['radius_error']:.0f}%"
                      + (f"\nellipse leaves the domain on {outside}/{len(quad)} rays" if outside else ""))

    return fig, draw
