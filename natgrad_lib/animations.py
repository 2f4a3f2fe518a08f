r"""Animations of optimisation paths (presentation layer), rendered offline with ``to_html``.

* :func:`race_figure` / :func:`race_animation` -- gradient ascent against the natural
  gradient from the same start (a :class:`natgrad_lib.races.Race`), drawn three ways: in
  parameter space over the log-likelihood contours, with the KL ellipse
  :math:`\tfrac12 d^\top I(\theta_t) d = \tfrac12 d_t^\top I(\theta_t) d_t` of each method's
  current step; in distribution space, the two densities moving towards the histogram of the
  data; and the KL divergence to the maximum-likelihood fit at every iteration.
* :func:`invariance_figure` / :func:`invariance_animation` -- one method in several charts
  from the same start (a :class:`natgrad_lib.races.Invariance`), every path mapped to the
  common chart: natural-gradient paths coincide, gradient paths split apart.

Each ``*_figure`` function returns ``(fig, update)``: ``update(t)`` moves the existing artists
to iteration ``t`` (``set_data``, ``set_text``; nothing is created or removed), so the same
figure serves a :class:`~matplotlib.animation.FuncAnimation`. Each ``*_animation`` function
renders at most 60 frames with :func:`natgrad_lib.jshtml.to_html` (frames inlined, no remote
resources, alt text on the frames), closes its figure and returns a
:class:`natgrad_lib.jshtml.JSAnimation` that a notebook displays.
"""

from __future__ import annotations

from ._extras import require_plots

require_plots("natgrad_lib.animations")  # a clear ImportError naming the extra, not a bare one

from typing import Any, Callable, Optional, Sequence

import numpy as np

from .figdata import loglik_grid
from .jshtml import JSAnimation, render
from .klgeometry import fisher_ellipse
from .plots._common import (
    METHOD_LABELS,
    METHOD_STYLES,
    PARAM_TEXT,
    contour_levels,
    integer_locator,
    limits,
    plain_log_axis,
    plain_ticks,
)
from .races import Invariance, Race

__all__ = ["MAX_FRAMES", "frame_indices", "race_figure", "race_animation", "invariance_figure",
           "invariance_animation"]

#: The most frames an animation may have (every frame is inlined in the page).
MAX_FRAMES = 60

#: Line styles of the charts in the invariance animation (colour and dash both differ, so that
#: the paths stay distinguishable without colour; the widths differ so coinciding paths show).
CHART_STYLES: dict[str, dict[str, Any]] = {
    "gaussian": dict(color="C0", ls="-", lw=3.2, label="(μ, σ)"),
    "gaussian_logstd": dict(color="C1", ls="--", lw=2.4, label="(μ, log σ)"),
    "gaussian_var": dict(color="C2", ls="-.", lw=1.8, label="(μ, σ²)"),
    "gaussian_natural": dict(color="C3", ls=":", lw=1.8, label="(η₁, η₂)"),
    "bernoulli": dict(color="C0", lw=3.2, label="p"),
    "bernoulli_logit": dict(color="C1", lw=1.8, label="logit"),
}


def frame_indices(n_points: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Which iterations become frames: all of 0..n_points-1, or ``max_frames`` spread evenly.

    >>> frame_indices(5)
    array([0, 1, 2, 3, 4])
    >>> frame_indices(101, 5)
    array([  0,  25,  50,  75, 100])
    """
    if isinstance(max_frames, bool) or not isinstance(max_frames, (int, np.integer)) \
            or not 2 <= max_frames <= MAX_FRAMES:
        raise ValueError(f"max_frames must be an integer in [2, {MAX_FRAMES}], got {max_frames!r}")
    if n_points <= max_frames:
        return np.arange(n_points)
    return np.unique(np.round(np.linspace(0, n_points - 1, max_frames)).astype(int))


# --------------------------------------------------------------------------- the race


def race_figure(race: Race, *, figsize: tuple[float, float] = (10.0, 3.3), dpi: int = 72,
                n_rays: int = 61) -> tuple[Any, Callable[[int], None]]:
    r"""The race in three panels, and ``update(t)`` that moves every artist to iteration ``t``.

    Left: the paths in the chart of ``race.family`` over contours of the average
    log-likelihood, with the KL ellipse of each method's current step. Middle: the data
    histogram and the density of each current iterate. Right:
    :math:`\mathrm{KL}(p_{\theta_t}\,\|\,p_{\hat\theta})` against :math:`t` (log scale).

    Parameters
    ----------
    race : natgrad_lib.races.Race
        A race of a two-parameter family of continuous observations.
    figsize, dpi
        Size of the figure (keep it small: every frame is inlined in the page).
    n_rays : int
        Points on each ellipse.

    Returns
    -------
    fig : matplotlib.figure.Figure
    update : callable
        ``update(t)`` for ``t`` in ``0..T``.

    Examples
    --------
    >>> from natgrad_lib import races
    >>> y = np.random.default_rng(0).normal(2.0, 0.5, size=30)
    >>> r = races.race(ng.family("gaussian"), y, [0.0, 1.5], max_iter=4, lr_gradient=0.1, lr_natural=0.3)
    >>> fig, update = race_figure(r, n_rays=13)
    >>> line = fig.axes[0].lines[1]          # the gradient path (lines[0] is the MLE)
    >>> update(4); fig.axes[0].lines[1] is line, len(line.get_xdata())
    (True, 5)
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    fam = race.family
    if fam.k != 2 or fam.discrete:
        raise ValueError(f"race_figure draws a two-parameter family of continuous observations, "
                         f"got {fam.name} (k={fam.k}, discrete={fam.discrete})")
    runs = {"gradient": race.gradient, "natural": race.natural}
    T = max(p.n_iter for p in runs.values())  # a path that stopped early stays at its last point
    fig, (ax_p, ax_d, ax_k) = plt.subplots(1, 3, figsize=figsize, dpi=dpi)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.16, top=0.8, wspace=0.28)
    plain_ticks(ax_p, ax_d, ax_k)
    panels = [_race_parameter_panel(ax_p, race, runs, n_rays), _race_density_panel(ax_d, race, runs),
              _race_kl_panel(ax_k, runs, T)]
    kls = {m: np.maximum(p.kl_to_target, 1e-12) for m, p in runs.items()}
    stamp = fig.text(0.5, 0.965, "", ha="center", va="top", fontsize="small")

    def update(t: int) -> None:
        t = int(min(max(t, 0), T))
        for m, p in runs.items():
            for step in panels:
                step(m, min(t, p.n_iter))
        s_g, s_n = min(t, race.gradient.n_iter), min(t, race.natural.n_iter)
        stamp.set_text(f"iteration t = {t}: KL from the MLE {kls['gradient'][s_g]:.2g} (gradient), "
                       f"{kls['natural'][s_n]:.2g} (natural gradient) nats")

    update(0)
    return fig, update


_Step = Callable[[str, int], None]   # step(method, s): move a panel's artists of method to iterate s


def _race_parameter_panel(ax: Any, race: Race, runs: dict[str, Any], n_rays: int) -> _Step:
    """Parameter space: the paths over the log-likelihood contours, with each step's KL ellipse."""
    fam = race.family
    ellipses = {m: [fisher_ellipse(fam, p.theta[t], max(float(p.step_kl[t]), 1e-300), n_rays=n_rays)
                    if t < p.n_iter else np.full((n_rays, 2), np.nan) for t in range(p.n_iter + 1)]
                for m, p in runs.items()}
    mle_chart = race.natural.theta[-1]
    xlim, ylim = limits([p.theta for p in runs.values()] + [mle_chart[None]], pad=0.1)
    xs, ys, ll = loglik_grid(fam, race.y, xlim, ylim)
    ax.contour(xs, ys, ll, levels=contour_levels(ll), colors="0.75", linewidths=0.7, linestyles="solid")
    ax.plot(*mle_chart, "*", color="black", ms=9)
    lines, heads, rings = {}, {}, {}
    for m in runs:
        st = METHOD_STYLES[m]
        (lines[m],) = ax.plot([], [], color=st["color"], ls=st["ls"], lw=1.6, label=METHOD_LABELS[m])
        (heads[m],) = ax.plot([], [], "o", color=st["color"], ms=4)
        (rings[m],) = ax.plot([], [], "-", color=st["color"], lw=1.0, alpha=0.9)
    ax.set(xlim=xlim, ylim=ylim)
    names = [PARAM_TEXT.get(p.name, p.name) for p in fam.param_specs]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title("parameter space", fontsize="small", y=1.0)

    def step(m: str, s: int) -> None:
        theta = runs[m].theta
        lines[m].set_data(theta[: s + 1, 0], theta[: s + 1, 1])
        heads[m].set_data([theta[s, 0]], [theta[s, 1]])
        rings[m].set_data(ellipses[m][s][:, 0], ellipses[m][s][:, 1])

    return step


def _race_density_panel(ax: Any, race: Race, runs: dict[str, Any]) -> _Step:
    """Distribution space: the data histogram and the density of each current iterate."""
    y = race.y
    base = {m: p.theta_base for m, p in runs.items()}
    common_fam = race.family.base
    grid = _density_grid(common_fam, y, np.concatenate(list(base.values())))
    ax.hist(y, bins=12, density=True, color="0.82", edgecolor="0.6", lw=0.5, label="data")
    dens = {}
    for m in runs:
        st = METHOD_STYLES[m]
        (dens[m],) = ax.plot(grid, np.zeros_like(grid), color=st["color"], ls=st["ls"], lw=1.6)
    peak = max(float(np.max(np.exp(common_fam.logpdf(grid[:, None], base[m][None])))) for m in runs)
    hist_peak = float(np.max(np.histogram(y, bins=12, density=True)[0]))
    ax.set(xlim=(grid[0], grid[-1]), ylim=(0, 1.08 * min(max(peak, hist_peak), 3 * hist_peak)))
    ax.set_xlabel("y")
    ax.set_title("distribution space", fontsize="small", y=1.0)

    def step(m: str, s: int) -> None:
        dens[m].set_ydata(np.exp(common_fam.logpdf(grid, base[m][s])))

    return step


def _race_kl_panel(ax: Any, runs: dict[str, Any], T: int) -> _Step:
    """KL(p_θt ‖ p_MLE) against the iteration, on a log scale."""
    kls = {m: np.maximum(p.kl_to_target, 1e-12) for m, p in runs.items()}
    curves, dots = {}, {}
    for m in runs:
        st = METHOD_STYLES[m]
        (curves[m],) = ax.plot([], [], color=st["color"], ls=st["ls"], lw=1.6, label=METHOD_LABELS[m])
        (dots[m],) = ax.plot([], [], "o", color=st["color"], ms=4)
    allk = np.concatenate(list(kls.values()))
    plain_log_axis(ax)
    ax.set(xlim=(0, T), ylim=(max(float(allk.min()) / 3, 1e-10), 3 * float(allk.max())))
    ax.set_xlabel("iteration t")
    ax.xaxis.set_major_locator(integer_locator())
    ax.set_title("KL(p_θt ‖ p_MLE), nats", fontsize="small", y=1.0)
    ax.legend(fontsize="x-small", loc="upper right")

    def step(m: str, s: int) -> None:
        curves[m].set_data(np.arange(s + 1), kls[m][: s + 1])
        dots[m].set_data([s], [kls[m][s]])

    return step


def _density_grid(fam: Any, y: np.ndarray, thetas: np.ndarray, n: int = 241) -> np.ndarray:
    """Points at which to draw densities: the data range, widened to ±3σ around the means of a
    (μ, σ) family (at most by twice the data range), and clipped to the support."""
    lo, hi = float(y.min()), float(y.max())
    span = max(hi - lo, 1e-9)
    if [p.name for p in fam.param_specs] == ["mu", "sigma"]:
        lo = min(lo, float(np.min(thetas[:, 0] - 3 * thetas[:, 1])))
        hi = max(hi, float(np.max(thetas[:, 0] + 3 * thetas[:, 1])))
    lo, hi = max(lo, float(y.min()) - 2 * span), min(hi, float(y.max()) + 2 * span)
    bounds = [float(b) if getattr(b, "is_number", True) else np.nan
              for b in (fam.support.lower, fam.support.upper)]
    if np.isfinite(bounds[0]):
        lo = max(lo, bounds[0])
    if np.isfinite(bounds[1]):
        hi = min(hi, bounds[1])
    return np.linspace(lo, hi, n)


def race_animation(race: Race, *, max_frames: int = MAX_FRAMES, alt: Optional[str] = None,
                   interval: int = 250, **kwargs: Any) -> JSAnimation:
    """Render :func:`race_figure` as an offline HTML animation (at most ``max_frames`` frames).

    Examples
    --------
    >>> from natgrad_lib import races
    >>> y = np.random.default_rng(0).normal(2.0, 0.5, size=30)
    >>> r = races.race(ng.family("gaussian"), y, [0.0, 1.5], max_iter=3, lr_gradient=0.1, lr_natural=0.3)
    >>> html = race_animation(r, n_rays=13, dpi=20).html
    >>> "https://" in html, 'alt="' in html
    (False, True)
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, update = race_figure(race, **kwargs)
    T = max(race.gradient.n_iter, race.natural.n_iter)
    frames = frame_indices(T + 1, max_frames)
    anim = FuncAnimation(fig, lambda i: update(int(frames[i])), frames=len(frames), interval=interval,
                         blit=False)
    alt = alt or (f"Animation over {T} iterations: gradient ascent and the natural gradient fit a "
                  f"{race.family.name} model to {race.y.shape[0]} observations from the same start. "
                  "Left, both paths in parameter space with the KL ellipse of each step; middle, "
                  "both densities over the data histogram; right, the KL divergence to the "
                  "maximum-likelihood fit on a log scale.")
    try:
        return JSAnimation(render(anim, alt))
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- invariance


def invariance_figure(*results: Invariance, figsize: Optional[tuple[float, float]] = None,
                      dpi: int = 72, methods: Sequence[str] = ("natural", "gradient")
                      ) -> tuple[Any, Callable[[int], None]]:
    r"""Paths of each method in several charts, mapped to the common chart, and ``update(t)``.

    For a two-parameter common family, each method gets a panel of the common chart (e.g.
    :math:`(\mu, \sigma)`) with the log-likelihood contours. For a one-parameter family, one
    panel shows the common parameter against the iteration, the methods told apart by their
    markers (● natural gradient, ▲ gradient).

    Parameters
    ----------
    *results : natgrad_lib.races.Invariance
        One or more, e.g. the Gaussian and the Bernoulli.
    figsize, dpi
        Size of the figure.
    methods : sequence of str
        Which methods of the results to draw.

    Returns
    -------
    fig, update
        ``update(t)`` shows iterations ``0..t`` of every path (a path that stopped early
        stays at its last point).

    Examples
    --------
    >>> from natgrad_lib import races
    >>> inv = races.invariance_paths(["bernoulli", "bernoulli_logit"], [0, 1, 1, 1], [0.3],
    ...                              max_iter=4, lr=0.2)
    >>> fig, update = invariance_figure(inv)
    >>> before = list(fig.axes[0].lines)
    >>> update(4); list(fig.axes[0].lines) == before
    True
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("invariance_figure needs at least one Invariance result, got none")
    panels: list[tuple[Invariance, Optional[str]]] = []
    for res in results:
        if res.family.k == 2:
            panels += [(res, m) for m in methods]
        elif res.family.k == 1:
            panels.append((res, None))
        else:
            raise ValueError(f"invariance_figure draws one- or two-parameter families, got k={res.family.k}")
    figsize = figsize or (3.3 * len(panels), 3.3)
    fig, axes = plt.subplots(1, len(panels), figsize=figsize, dpi=dpi, squeeze=False)
    axes = axes[0]
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.8, wspace=0.3)
    plain_ticks(*axes)
    # A path that stopped early (it would have left the domain) stays at its last point.
    T = max(p.n_iter for res in results for m in methods for p in res.paths[m].values())
    movers: list[tuple[Any, Any, np.ndarray, np.ndarray]] = []  # (line, head, x-values, y-values)
    windows: dict[int, tuple] = {}
    for ax, (res, method) in zip(axes, panels):
        if method is not None:  # a plane: the common chart
            if id(res) not in windows:
                windows[id(res)] = _invariance_window(res, methods[0])
            movers += _plane_panel(ax, res, method, windows[id(res)])
        else:  # one parameter against the iteration
            movers += _iteration_panel(ax, res, methods, T)
        if method is None or method == methods[0]:  # the charts' legend once per result
            ax.legend(fontsize="x-small", loc="lower right" if method is None else "best", framealpha=0.8)
    stamp = fig.text(0.5, 0.975, "", ha="center", va="top", fontsize="small")

    def update(t: int) -> None:
        t = int(min(max(t, 0), T))
        for line, head, xv, yv in movers:
            s = min(t, len(xv) - 1)
            line.set_data(xv[: s + 1], yv[: s + 1])
            head.set_data([xv[s]], [yv[s]])
        stamp.set_text(f"iteration t = {t}: every path mapped to the common chart")

    update(0)
    return fig, update


def _invariance_window(res: Invariance, method: str) -> tuple:
    """One window per result, shared by its panels: the paths of ``method`` (the natural
    gradient by default), the start and the MLE, with the log-likelihood grid over it. Paths
    that wander further run off the panel rather than shrink the others."""
    pts = [p.theta_base for p in res.paths[method].values()] + [res.mle[None], res.start[None]]
    xlim, ylim = limits(pts, pad=0.15)
    if res.family.param_specs[1].lower == 0.0:
        ylim = (max(ylim[0], 0.0), ylim[1])
    return (xlim, ylim, *loglik_grid(res.family, res.y, xlim, ylim))


def _plane_panel(ax: Any, res: Invariance, method: str, window: tuple) -> list[tuple]:
    """The paths of ``method`` in every chart, mapped to the common (two-parameter) chart."""
    xlim, ylim, xs, ys, ll = window
    ax.contour(xs, ys, ll, levels=contour_levels(ll), colors="0.8", linewidths=0.7, linestyles="solid")
    ax.plot(*res.mle, "*", color="black", ms=9)
    ax.plot(*res.start, "o", color="black", ms=4)
    movers = []
    for chart, path in res.paths[method].items():
        st = CHART_STYLES.get(chart, {})
        (line,) = ax.plot([], [], color=st.get("color"), ls=st.get("ls", "-"), lw=st.get("lw", 1.6),
                          label=st.get("label", chart))
        (head,) = ax.plot([], [], "o", color=st.get("color"), ms=3.5)
        movers.append((line, head, path.theta_base[:, 0], path.theta_base[:, 1]))
    names = [PARAM_TEXT.get(p.name, p.name) for p in res.family.param_specs]
    ax.set(xlim=xlim, ylim=ylim)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(f"{METHOD_LABELS[method]}, α = {res.lr:g}", fontsize="small", y=1.0)
    return movers


def _iteration_panel(ax: Any, res: Invariance, methods: Sequence[str], T: int) -> list[tuple]:
    """One parameter against the iteration: every method in every chart, told apart by markers."""
    movers = []
    for m in methods:
        marker = "o" if m == "natural" else "^"
        for chart, path in res.paths[m].items():
            st = CHART_STYLES.get(chart, {})
            (line,) = ax.plot([], [], color=st.get("color"), ls="-" if m == "natural" else "--",
                              lw=st.get("lw", 1.6), label=f"{METHOD_LABELS[m]}, {st.get('label', chart)}")
            (head,) = ax.plot([], [], marker, color=st.get("color"), ms=4)
            movers.append((line, head, np.arange(path.n_iter + 1, dtype=float), path.theta_base[:, 0]))
    ax.axhline(res.mle[0], color="black", lw=0.8, ls=":")
    ax.set(xlim=(0, max(T, 1)), ylim=(0.0, 1.0) if res.family.param_specs[0].upper == 1.0 else None)
    ax.set_xlabel("iteration t")
    ax.xaxis.set_major_locator(integer_locator())
    ax.set_ylabel(PARAM_TEXT.get(res.family.param_specs[0].name, res.family.param_specs[0].name))
    ax.set_title(f"{res.family.name}, α = {res.lr:g}", fontsize="small", y=1.0)
    return movers


def invariance_animation(*results: Invariance, max_frames: int = MAX_FRAMES, alt: Optional[str] = None,
                         interval: int = 250, **kwargs: Any) -> JSAnimation:
    """Render :func:`invariance_figure` as an offline HTML animation (at most ``max_frames`` frames).

    Examples
    --------
    >>> from natgrad_lib import races
    >>> inv = races.invariance_paths(["bernoulli", "bernoulli_logit"], [0, 1, 1, 1], [0.3],
    ...                              max_iter=3, lr=0.2)
    >>> html = invariance_animation(inv, dpi=20).html
    >>> "http://" in html or "https://" in html, html.count('alt="') >= 1
    (False, True)
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, update = invariance_figure(*results, **kwargs)
    methods = kwargs.get("methods", ("natural", "gradient"))
    T = max(p.n_iter for res in results for m in methods for p in res.paths[m].values())
    frames = frame_indices(T + 1, max_frames)
    anim = FuncAnimation(fig, lambda i: update(int(frames[i])), frames=len(frames), interval=interval,
                         blit=False)
    charts = "; ".join(", ".join(next(iter(r.paths.values()))) for r in results)
    alt = alt or (f"Animation over {T} iterations: the natural gradient and gradient ascent run from "
                  f"the same start on the same data in several parametrisations ({charts}), every "
                  "path mapped back to a common chart. The natural-gradient paths lie on top of "
                  "each other; the gradient paths split apart.")
    try:
        return JSAnimation(render(anim, alt))
    finally:
        plt.close(fig)
