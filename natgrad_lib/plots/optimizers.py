r"""One optimiser in one chart, drawn in the common chart: the optimiser explorer of chapter 07.

* :func:`optimizer_explorer` -- controls for the chart (four Gaussian charts, two Bernoulli
  charts), the method, the step rule (a step size α or a KL budget c per step), its size and
  the number of steps; the path mapped to the common chart and the KL divergence to the
  maximum-likelihood fit per iteration.

The paths come from :func:`natgrad_lib.races.chart_path` and the log-likelihood contours from
:func:`natgrad_lib.figdata.loglik_grid`; the figures of the same paths as animations are in
:mod:`natgrad_lib.animations`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .. import races, registry
from ..explore import CompactExplorer
from ..figdata import loglik_grid
from ._common import contour_levels, plain_log_axis, plain_ticks

__all__ = ["optimizer_explorer"]

#: Axis labels of the common chart of each chart offered by :func:`optimizer_explorer`.
CHARTS = {
    "gaussian": "(μ, σ)",
    "gaussian_logstd": "(μ, log σ)",
    "gaussian_var": "(μ, σ²)",
    "gaussian_natural": "(η₁, η₂)",
    "bernoulli": "p",
    "bernoulli_logit": "logit",
}
RULES = ("step size α", "KL budget c")
_STOPPED = {"domain": "the next step leaves the parameter domain",
            "singular": "its matrix is not positive definite",
            "failed": "a value is not finite"}


@dataclass
class _Problems:
    """The two data sets, their starts and maximum-likelihood fits, and the Gaussian window."""

    gy: np.ndarray
    by: np.ndarray
    g_start: np.ndarray
    b_start: np.ndarray
    mle: dict[str, np.ndarray]
    g_xlim: tuple[float, float]
    g_ylim: tuple[float, float]


def _problems(fams: dict[str, Any], gaussian_y: Sequence[float], bernoulli_y: Sequence[float],
              gaussian_start: Sequence[float], bernoulli_start: float) -> _Problems:
    gy = np.asarray(gaussian_y, dtype=float)
    by = np.asarray(bernoulli_y, dtype=float)
    g_start = fams["gaussian"].check_theta(gaussian_start, "gaussian_start")
    b_start = fams["bernoulli"].check_theta([bernoulli_start], "bernoulli_start")
    mle = {"gaussian": races.fit_mle(fams["gaussian"], gy, g_start),
           "bernoulli": races.fit_mle(fams["bernoulli"], by, b_start)}
    # Gaussian window: the start, the MLE and room around them.
    pts = np.stack([g_start, mle["gaussian"]])
    reach = max(float(np.ptp(pts[:, 0])), 2.0 * float(pts[:, 1].max()))
    g_xlim = (float(pts[:, 0].min() - 0.5 * reach), float(pts[:, 0].max() + 0.5 * reach))
    g_ylim = (0.0, 4.0 * float(pts[:, 1].max()))
    return _Problems(gy, by, g_start, b_start, mle, g_xlim, g_ylim)


def _kl_top(kl: np.ndarray) -> float:
    """Top of the KL axis: room for a path that moves away from the fit (a step size too large
    for the chart), in whole powers of 10^3, so that the axis (and the cached background)
    rarely changes."""
    finite = kl[np.isfinite(kl)]
    top = max(30.0, 3.0 * float(finite.max())) if finite.size else 30.0
    return 30.0 if top <= 30.0 else 10.0 ** (3 * math.ceil(math.log10(top) / 3))


def optimizer_explorer(
    gaussian_y: Sequence[float],
    bernoulli_y: Sequence[float],
    *,
    gaussian_start: Sequence[float] = (0.0, 0.4),
    bernoulli_start: float = 0.05,
    methods: Sequence[str] = ("gradient", "natural", "newton", "empirical_fisher"),
    sizes: Sequence[float] = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5),
    steps: Sequence[int] = (30, 10, 20, 40),
    figsize: tuple[float, float] = (6.4, 3.2),
    dpi: int = 72,
) -> CompactExplorer:
    r"""Explorer: one optimiser, one chart, one step rule, drawn in the common chart.

    Controls: ``chart`` (the four Gaussian charts and the two Bernoulli charts), ``method``
    (gradient, natural gradient, Newton, empirical Fisher), ``rule`` (a step size α, or a KL
    budget c per step; see :mod:`natgrad_lib.races`), ``size`` (the value of α or c; swept in
    the static fallback) and ``steps``. Left: the path mapped to the common chart, (μ, σ) over
    the contours of the average log-likelihood for the Gaussians, p against the iteration
    for the Bernoullis. Right: KL(p_θt ‖ p_MLE) against the iteration. A path that stops early
    (a step would leave the parameter domain; −∇²ℓ is not positive definite for Newton) says
    so in the figure.

    Every update runs the optimiser once (:func:`natgrad_lib.races.chart_path`) and moves the
    existing artists (``set_data``, ``set_text``, ``set_visible``, axis limits and labels);
    the contours and the maximum-likelihood fits are computed once, here.

    Parameters
    ----------
    gaussian_y, bernoulli_y : sequence
        The data of the Gaussian and the Bernoulli problems.
    gaussian_start : (float, float)
        The start (μ, σ) of every Gaussian chart.
    bernoulli_start : float
        The start p of both Bernoulli charts.
    methods, sizes, steps : sequences
        The values offered by the controls (the first is the initial one; at most 20 sizes).
    figsize, dpi
        Size of the figure.

    Returns
    -------
    natgrad_lib.explore.CompactExplorer

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ex = optimizer_explorer(rng.normal(2.0, 0.6, 30), rng.random(20) < 0.8, sizes=(0.1, 0.5),
    ...                         steps=(5,), dpi=30)
    >>> path_line = ex.fig.axes[0].lines[0]
    >>> ex.set(chart="bernoulli_logit", method="natural", rule="KL budget c")
    >>> ex.fig.axes[0].lines[0] is path_line, len(path_line.get_xdata())
    (True, 6)
    >>> ex.set(chart="gaussian", method="newton")          # −∇²ℓ indefinite at the start
    >>> "stopped" in ex.fig.axes[0].texts[0].get_text()
    True
    >>> plt.close(ex.fig)
    """
    fams = {name: registry.family(name) for name in CHARTS}
    prob = _problems(fams, gaussian_y, bernoulli_y, gaussian_start, bernoulli_start)
    if len(sizes) > 20:
        raise ValueError(f"sizes must offer at most 20 values (frames of the fallback), got {len(sizes)}")
    view = _OptimizerView(fams["gaussian"], prob, figsize, dpi)

    def update(chart: str, method: str, rule: str, size: float, steps: int) -> None:
        fam = fams[chart]
        gaussian = fam.k == 2
        kw = {"lr": size} if rule == RULES[0] else {"kl_budget": size}
        path = races.chart_path(fam, prob.gy if gaussian else prob.by, prob.g_start if gaussian else prob.b_start,
                                method, max_iter=steps, target=prob.mle["gaussian" if gaussian else "bernoulli"], **kw)
        view.draw(path, chart, gaussian, steps, f"C{list(CHARTS).index(chart) % 7}")
        symbol = "α" if rule == RULES[0] else "c"
        view.title.set_text(f"{method.replace('_', ' ')} in the chart {CHARTS[chart]}, "
                            f"{symbol} = {size:g}, {steps} steps")

    controls = {"chart": list(CHARTS), "method": list(methods), "rule": list(RULES),
                "size": [float(s) for s in sizes], "steps": [int(s) for s in steps]}
    return CompactExplorer(
        view.fig, update, controls, sweep="size", animated=view.animated,
        alt=("Gradient ascent in the (mu, sigma) chart of a Gaussian, 30 steps from the same start, "
             f"for step sizes from {min(sizes):g} to {max(sizes):g}: left, the path over the "
             "log-likelihood contours; right, the KL divergence to the maximum-likelihood fit per "
             "iteration. Small steps crawl; large ones leave the parameter domain."))


class _OptimizerView:
    """The two panels of :func:`optimizer_explorer`, drawn once and moved by :meth:`draw`."""

    def __init__(self, gaussian: Any, prob: _Problems, figsize: tuple[float, float], dpi: int) -> None:
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        self.prob = prob
        fig, (ax_p, ax_k) = plt.subplots(1, 2, figsize=figsize, dpi=dpi)
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.8, wspace=0.3)
        plain_ticks(ax_p, ax_k)
        xs, ys, ll = loglik_grid(gaussian, prob.gy, prob.g_xlim, prob.g_ylim)   # computed once
        self.contours = ax_p.contour(xs, ys, ll, levels=contour_levels(ll), colors="0.8", linewidths=0.7,
                                     linestyles="solid")
        (self.path_line,) = ax_p.plot([], [], "-", color="C0", lw=1.6, marker="o", ms=2.5)
        (self.start_dot,) = ax_p.plot([], [], "o", color="black", ms=4)
        (self.target,) = ax_p.plot([], [], color="black", ms=9)
        self.note = ax_p.text(0.03, 0.97, "", transform=ax_p.transAxes, va="top", fontsize="x-small")
        (self.kl_line,) = ax_k.plot([], [], "-", color="C0", lw=1.6)
        plain_log_axis(ax_k)
        ax_k.xaxis.set_major_locator(MaxNLocator(4, integer=True))
        ax_k.set_ylim(1e-10, 30.0)
        ax_k.set_xlabel("iteration t")
        ax_k.set_title("KL(p_θt ‖ p_MLE), nats", fontsize="small", y=1.0)  # fixed y: no auto-placement
        self.title = fig.text(0.5, 0.97, "", ha="center", va="top", fontsize="small")
        self.fig, self.ax_p, self.ax_k = fig, ax_p, ax_k
        self.animated = (self.path_line, self.start_dot, self.target, self.note, self.kl_line, self.title)

    def draw(self, path: Any, chart: str, gaussian: bool, steps: int, colour: str) -> None:
        """Move the artists to ``path`` (from :func:`natgrad_lib.races.chart_path`)."""
        from matplotlib.ticker import MaxNLocator

        prob, ax_p = self.prob, self.ax_p
        t = np.arange(path.n_iter + 1)
        self.contours.set_visible(gaussian)
        if gaussian:
            mle = prob.mle["gaussian"]
            self.path_line.set_data(path.theta_base[:, 0], path.theta_base[:, 1])
            self.start_dot.set_data([prob.g_start[0]], [prob.g_start[1]])
            self.target.set_data([mle[0]], [mle[1]])
            self.target.set_marker("*")
            self.target.set_linestyle("none")
            ax_p.set_xlim(*prob.g_xlim)
            ax_p.set_ylim(*prob.g_ylim)
            ax_p.xaxis.set_major_locator(MaxNLocator(4))
            ax_p.set_xlabel("μ")
            ax_p.set_ylabel("σ")
        else:
            mle = prob.mle["bernoulli"]
            self.path_line.set_data(t, path.theta_base[:, 0])
            self.start_dot.set_data([0], [prob.b_start[0]])
            self.target.set_data([0, steps], [mle[0]] * 2)
            self.target.set_marker("None")
            self.target.set_linestyle(":")
            ax_p.set_xlim(0, steps)
            ax_p.set_ylim(0.0, 1.0)
            ax_p.xaxis.set_major_locator(MaxNLocator(4, integer=True))
            ax_p.set_xlabel("iteration t")
            ax_p.set_ylabel("p")
        self.path_line.set_color(colour)
        self.kl_line.set_color(colour)
        kl = np.maximum(path.kl_to_target, 1e-12)
        self.kl_line.set_data(t, kl)
        self.ax_k.set_xlim(0, steps)
        self.ax_k.set_ylim(1e-10, _kl_top(kl))
        ax_p.set_title(f"path mapped to {'(μ, σ)' if gaussian else 'p'}", fontsize="small", y=1.0)
        if path.status == "max_iter":
            self.note.set_text(f"KL to the MLE after {path.n_iter} steps: {path.kl_to_target[-1]:.2g}")
        else:
            self.note.set_text(f"stopped after {path.n_iter} steps:\n{_STOPPED[path.status]}")
