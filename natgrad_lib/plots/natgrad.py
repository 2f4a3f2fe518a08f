"""The KL-constrained step: its ellipse, the two gradients, and steps taken in different charts.

Figures for the chapter on the natural gradient. The model problem there is: maximise the
linearised log-likelihood ∇ℓ(θ)ᵀd over the ellipse ½ dᵀI(θ)d = c, where ℓ is the
log-likelihood of n observations and I = n I₁ is their Fisher information. Its solution is
d* = √(2c / ∇ℓᵀI⁻¹∇ℓ) I⁻¹∇ℓ.

* :func:`plot_kl_ellipse` -- the ellipse with ∇ℓ, d*, the dense-search maximiser and the
  exact KL level set.
* :func:`kl_ellipse_explorer` -- the same figure with the controls ``c`` and ``chart``.
* :func:`plot_step_gap` -- a gap against the step size on log-log axes, with a reference slope.
* :func:`plot_step_paths` -- one-step paths drawn in one chart, over KL contours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from ..explore import Explorer, explorer
from ..klgeometry import kl_contour, kl_ray_radius
from ..optim import family_objective, natural_step_kl
from ..style import PALETTE
from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "plot_kl_ellipse",
    "kl_ellipse_explorer",
    "plot_step_gap",
    "plot_step_paths",
]


class _EllipseView:
    """The artists of one KL-ellipse panel, drawn once and updated in place."""

    def __init__(self, ax: Any, n_search: int, legend: bool) -> None:
        from matplotlib.patches import FancyArrowPatch

        self.ax, self.n_search = ax, n_search
        (self.ellipse,) = ax.plot([], [], "-", color=PALETTE[0], lw=1.8,
                                  label=r"model: $\frac{1}{2} d^\top I d = c$")
        (self.exact,) = ax.plot([], [], "--", color="0.45", lw=1.3,
                                label=r"exact: $\mathrm{KL}(p_\theta\,\|\,p_{\theta+d}) = c$")
        (self.tangent,) = ax.plot([], [], ":", color=PALETTE[1], lw=1.3,
                                  label=r"level line of $\nabla\ell^\top d$ through $d^\ast$")
        arrow = dict(arrowstyle="-|>", mutation_scale=13, lw=2.0, zorder=3, shrinkA=0, shrinkB=0)
        self.grad = FancyArrowPatch((0, 0), (0, 0), color=PALETTE[2], **arrow)
        self.nat = FancyArrowPatch((0, 0), (0, 0), color=PALETTE[1], **arrow)
        ax.add_patch(self.grad)
        ax.add_patch(self.nat)
        (self.search,) = ax.plot([], [], "x", color=PALETTE[6], ms=9, mew=2, zorder=4,
                                 label="dense-search maximiser")
        ax.plot([0], [0], "o", color=PALETTE[6], ms=4, zorder=4)
        # legend proxies for the two arrows
        ax.plot([], [], "-", color=PALETTE[2], label=r"direction of $\nabla\ell$")
        ax.plot([], [], "-", color=PALETTE[1], label=r"natural step $d^\ast$")
        ax.set_aspect("equal", adjustable="box")
        self.legend = ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5),
                                fontsize="small") if legend else None

    def update(self, fam: Any, y: Any, phi: Any, c: float, limits: float | None = None) -> float:
        """Redraw for (fam, y, phi, c); return the half-width of the square window used."""
        phi = fam.check_theta(phi, "phi")
        obj = family_objective(fam, y)
        g, fisher = obj.grad(phi), obj.fisher(phi)
        d_star = natural_step_kl(obj, phi, c)   # d* = √(2c / ∇ℓᵀI⁻¹∇ℓ) I⁻¹∇ℓ
        # the ellipse, parametrised as L^{-T} (sqrt(2c) (cos t, sin t)) with I = L L^T
        chol = np.linalg.cholesky(fisher)
        t = np.linspace(0.0, 2.0 * np.pi, self.n_search, endpoint=False)
        ring = np.linalg.solve(chol.T, np.sqrt(2.0 * c) * np.stack([np.cos(t), np.sin(t)])).T
        best = ring[np.argmax(ring @ g)]
        step = max(1, self.n_search // 360)
        outline = np.vstack([ring[::step], ring[:1]])
        # exact level set n KL(p_phi || p_{phi+d}) = c of the n observations, ray by ray
        radii = kl_ray_radius(fam, phi, c / len(np.asarray(y)), outline)
        exact = radii[:, None] * outline
        d_grad = np.sqrt(2.0 * c / float(g @ fisher @ g)) * g
        self.ellipse.set_data(outline[:, 0], outline[:, 1])
        self.exact.set_data(exact[:, 0], exact[:, 1])
        self.grad.set_positions((0.0, 0.0), tuple(d_grad))
        self.nat.set_positions((0.0, 0.0), tuple(d_star))
        self.search.set_data([best[0]], [best[1]])
        half = limits
        if half is None:
            half = 1.15 * float(np.nanmax(np.abs(np.vstack([outline, exact]))))
        perp = np.array([-g[1], g[0]]) / np.linalg.norm(g)
        line = d_star + np.outer([-2.0 * half, 2.0 * half], perp)
        self.tangent.set_data(line[:, 0], line[:, 1])
        self.ax.set_xlim(-half, half)
        self.ax.set_ylim(-half, half)
        specs = fam.param_specs
        self.ax.set_xlabel(f"step in ${specs[0].latex or specs[0].name}$")
        self.ax.set_ylabel(f"step in ${specs[1].latex or specs[1].name}$")
        return half


def _check_2d(fam: Any) -> None:
    if fam.k != 2:
        raise ValueError(f"the KL ellipse is drawn for 2-parameter families, got k={fam.k} ({fam.name})")


def plot_kl_ellipse(fam: Any, y: Any, phi: Any, c: float, ax: Any = None, *,
                    n_search: int = 100_000, legend: bool = True) -> Figure:
    """Draw the KL ellipse at φ with ∇ℓ, the natural step d* and the dense-search maximiser.

    In the step coordinates d of ``fam`` (centred on φ), the figure shows the ellipse
    ½ dᵀI d = c (I: Fisher information of the n observations ``y``), the exact level set
    n·KL(p_φ ‖ p_{φ+d}) = c, the point of the ellipse in the direction of ∇ℓ, the natural
    step d*, the best of ``n_search`` equally spaced angles of the ellipse for the linear
    objective ∇ℓᵀd, and the level line of that objective through d* (tangent to the
    ellipse there). The axes have equal scales, so that right angles look right.

    Parameters
    ----------
    fam : Family
        A two-parameter family.
    y : array_like, shape (n,)
        The observations.
    phi : array_like, shape (2,)
        The current point, in the coordinates of ``fam``.
    c : float
        The KL budget of the n observations, > 0.
    ax : matplotlib Axes, optional
    n_search : int
        Number of angles in the dense search.
    legend : bool

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_kl_ellipse(ng.family("gaussian"), [0.5, 1.5, 2.0], [0.0, 1.0], 0.1,
    ...                       n_search=1000)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    _check_2d(fam)
    fig, ax = new_axes(ax, figsize=(6.4, 3.6), layout="constrained")
    _EllipseView(ax, n_search, legend).update(fam, y, phi, c)
    return fig


def kl_ellipse_explorer(charts: Mapping[str, tuple[Any, Any]], y: Any, cs: Sequence[float], *,
                        figsize=(6.4, 3.2), dpi: int = 72, n_search: int = 20_000,
                        alt: str | None = None) -> Explorer:
    """An explorer of :func:`plot_kl_ellipse` with the controls ``c`` (swept) and ``chart``.

    Parameters
    ----------
    charts : mapping
        ``{label: (family, phi)}``: the same distribution in several two-parameter charts.
    y : array_like, shape (n,)
    cs : sequence of float
        The KL budgets offered (the static fallback shows one frame per value; keep ≤ 20).
    figsize, dpi
        Keep the figure small: every frame of the fallback is inlined in the page.
    n_search : int
    alt : str, optional
        Text alternative of the static fallback.

    Returns
    -------
    natgrad_lib.explore.Explorer
        Call ``.display()`` in a notebook. Each chart keeps one window, sized for the
        largest c, so the ellipse grows as c grows.

    Examples
    --------
    >>> ex = kl_ellipse_explorer({"(mu, sigma)": (ng.family("gaussian"), [0.0, 1.0])},
    ...                          [0.5, 1.5, 2.0], [0.05, 0.2], n_search=500)
    >>> ex.set(c=0.2); ex.values
    {'c': 0.2, 'chart': '(mu, sigma)'}
    >>> plt.close(ex.fig)
    """
    import matplotlib.pyplot as plt

    cs = [float(c) for c in cs]
    if not charts or not cs:
        raise ValueError("charts and cs must both be non-empty")
    for fam, _ in charts.values():
        _check_2d(fam)
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi, layout="constrained")
    view = _EllipseView(ax, n_search, legend=True)
    title = ax.set_title("")
    windows = {label: view.update(fam, y, phi, max(cs)) for label, (fam, phi) in charts.items()}

    def update(c: float, chart: str) -> None:
        fam, phi = charts[chart]
        view.update(fam, y, phi, c, limits=windows[chart])
        title.set_text(f"chart {chart},  c = {c:.3g}")

    text = alt or ("The KL ellipse in step coordinates, with the gradient direction, the natural "
                   "step and the dense-search maximiser, for KL budgets c from "
                   f"{min(cs):.3g} to {max(cs):.3g}.")
    return explorer(fig, update, {"c": cs, "chart": list(charts)}, sweep="c", alt=text)


def plot_step_gap(alphas: Any, gaps: Mapping[str, Any], slope: float, ax: Any = None, *,
                  xlabel: str = r"step size $\alpha$", ylabel: str = "gap",
                  title: str | None = None) -> Figure:
    """Plot gaps against the step size on log-log axes, with a dashed line of slope ``slope``.

    Parameters
    ----------
    alphas : array_like, shape (m,)
    gaps : mapping
        ``{label: gaps of shape (m,)}``; non-positive or NaN gaps are not drawn.
    slope : float
        The slope of the reference line C·α^slope; it runs through the geometric mean of
        the curves at the smallest α.
    ax : matplotlib Axes, optional
    xlabel, ylabel, title : str

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> a = np.geomspace(1e-3, 1e-1, 5)
    >>> fig = plot_step_gap(a, {"quadratic": 3 * a**2}, slope=2)
    >>> fig.axes[0].get_xscale(), fig.axes[0].get_yscale()
    ('log', 'log')
    >>> plt.close(fig)
    """
    fig, ax = new_axes(ax, layout="constrained")
    alphas = np.asarray(alphas, dtype=float)
    firsts = []
    styles = zip("osD^v<>", [7, 4.5, 5, 5, 5, 5, 5], ["-", "--", "-.", ":", "-", "--", "-."])
    for (label, gap), (marker, size, line) in zip(gaps.items(), styles):
        gap = np.asarray(gap, dtype=float)
        ok = np.isfinite(gap) & (gap > 0)
        ax.plot(alphas[ok], gap[ok], marker=marker, ls=line, ms=size, mfc="none", mew=1.3,
                lw=1.2, label=label)
        if ok[0]:
            firsts.append(gap[0])
    if firsts:
        anchor = float(np.exp(np.mean(np.log(firsts))))
        ax.plot(alphas, anchor * (alphas / alphas[0]) ** slope, "--", color="black", lw=1,
                label=f"slope {slope:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")
    return fig


def plot_step_paths(paths: Mapping[str, Any], start: Any, ax: Any = None, *,
                    kl_family: Any = None, kl_levels: Sequence[float] = (), kl_scale: float = 1.0,
                    xlabel: str | None = None, ylabel: str | None = None, title: str | None = None,
                    legend: bool = True) -> Figure:
    """Draw step paths (one curve per chart) in one chart, each with its end point.

    Parameters
    ----------
    paths : mapping
        ``{label: array of shape (m, 2)}``: the points reached, in the chart of the plot; the
        last row is marked as the end point.
    start : array_like, shape (2,)
        The starting point (a black dot).
    ax : matplotlib Axes, optional
    kl_family : Family, optional
        With ``kl_levels``, draws the exact contours kl_scale·KL(p_start ‖ p_θ) = level in
        grey (:func:`natgrad_lib.klgeometry.kl_contour`). It must be the chart of the plot.
    kl_levels : sequence of float
    kl_scale : float
        Multiplies the KL of one observation, e.g. n for n i.i.d. observations.
    xlabel, ylabel, title : str, optional
        The axis labels default to the parameters of ``kl_family`` if it is given.
    legend : bool

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> line = np.linspace([0.0, 1.0], [0.3, 1.2], 5)
    >>> fig = plot_step_paths({"a": line}, [0.0, 1.0], kl_family=ng.family("gaussian"),
    ...                       kl_levels=[0.01, 0.05])
    >>> "mu" in fig.axes[0].get_xlabel()
    True
    >>> plt.close(fig)
    """
    fig, ax = new_axes(ax, layout="constrained")
    start = np.asarray(start, dtype=float)
    if kl_family is not None and len(kl_levels):
        for i, level in enumerate(sorted(kl_levels)):
            ring = kl_contour(kl_family, start, level / kl_scale, n_rays=241)
            ax.plot(ring[:, 0], ring[:, 1], "-", color="0.7", lw=0.8, zorder=1,
                    label="KL contours" if i == 0 else None)
    for (label, p), style in zip(paths.items(), ["-", "--", "-.", ":", "-", "--"]):
        p = np.asarray(p, dtype=float)
        (ln,) = ax.plot(p[:, 0], p[:, 1], style, lw=1.8, label=label)
        ax.plot(p[-1, 0], p[-1, 1], "o", color=ln.get_color(), ms=6)
    ax.plot(*start, "o", color="black", ms=5, zorder=4)
    if kl_family is not None:
        specs = kl_family.param_specs
        xlabel = xlabel or f"${specs[0].latex or specs[0].name}$"
        ylabel = ylabel or f"${specs[1].latex or specs[1].name}$"
    ax.set(xlabel=xlabel or "", ylabel=ylabel or "")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize="small")
    return fig
