r"""Figures for the chapter on the score: its mean, and how far from zero it is.

Three figures, each drawn from numbers the caller has already computed (no
sampling or symbolic work happens here):

* :func:`plot_expected_score` -- the expected score
  :math:`\mathbb{E}_{y\sim p(y;\theta_0)}[s(y;\theta)]` as a function of the
  evaluation point :math:`\theta`, with Monte Carlo estimates and their error bars;
  it crosses zero at :math:`\theta_0`.
* :func:`plot_score_means` -- Monte Carlo estimates of :math:`\mathbb{E}[s_j]` for
  several families side by side, with error bars, against zero.
* :func:`plot_score_histogram` -- the relative frequencies of the sampled scores
  of a discrete family (one bar per attainable value), the exact probabilities,
  and the sample mean with its :math:`\pm 2` standard-error band against zero.
  :func:`update_score_histogram` changes that figure in place, for explorers.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .._validate import as_float_array, require_finite
from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "plot_expected_score",
    "plot_score_means",
    "plot_score_histogram",
    "update_score_histogram",
]

_GREY = "#666666"


def _vector(value: Any, name: str, *, min_size: int = 1) -> np.ndarray:
    arr = require_finite(as_float_array(value, name), name)
    if arr.ndim != 1 or arr.size < min_size:
        raise ValueError(
            f"{name} must be a 1-d array with at least {min_size} entries, got shape {arr.shape}"
        )
    return arr


def _same_size(arr: np.ndarray, name: str, ref: np.ndarray, ref_name: str) -> None:
    if arr.shape != ref.shape:
        raise ValueError(f"{name} must have the shape of {ref_name} {ref.shape}, got {arr.shape}")


def _increasing(arr: np.ndarray, name: str) -> None:
    bad = np.flatnonzero(np.diff(arr) <= 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name} must be strictly increasing, got {float(arr[i])!r} then "
                         f"{float(arr[i + 1])!r} at index {i + 1}")


def _nonnegative(arr: np.ndarray, name: str) -> None:
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0, got {float(arr[arr < 0][0])!r}")


# ---------------------------------------------------------------- expected score
def plot_expected_score(
    theta: Any,
    exact: Any,
    theta0: float,
    ax: Any = None,
    *,
    theta_mc: Any = None,
    estimate: Any = None,
    stderr: Any = None,
    xlabel: str = r"evaluation point $\theta$",
    ylabel: str = r"$\mathbb{E}_{y\sim p(y;\theta_0)}[s(y;\theta)]$",
) -> Figure:
    r"""Plot the expected score under :math:`\theta_0` against the evaluation point.

    Draws the exact curve :math:`\theta \mapsto \mathbb{E}_{y\sim p(y;\theta_0)}[s(y;\theta)]`
    (one component of the score), the zero line, a marker at :math:`\theta_0`,
    and optionally Monte Carlo estimates with error bars of two standard errors.

    Parameters
    ----------
    theta : array_like, shape (m,)
        Evaluation points, increasing.
    exact : array_like, shape (m,)
        The exact expected score at each point of ``theta``.
    theta0 : float
        The parameter of the sampling distribution; marked on the axis.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when None.
    theta_mc, estimate, stderr : array_like, shape (r,), optional
        Points, Monte Carlo estimates and their standard errors (all three or none).
    xlabel, ylabel : str
        Axis labels.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> lam = np.linspace(1.0, 6.0, 51)
    >>> fig = plot_expected_score(lam, 3.0 / lam - 1.0, 3.0,
    ...                           theta_mc=[2.0, 4.0], estimate=[0.49, -0.26], stderr=[0.03, 0.02])
    >>> len(fig.axes), len(fig.axes[0].lines) >= 3
    (1, True)
    >>> plt.close(fig)
    """
    th = _vector(theta, "theta", min_size=2)
    ex = _vector(exact, "exact", min_size=2)
    _same_size(ex, "exact", th, "theta")
    _increasing(th, "theta")
    t0 = float(require_finite(as_float_array(theta0, "theta0"), "theta0"))
    given = [v is not None for v in (theta_mc, estimate, stderr)]
    if any(given) and not all(given):
        raise ValueError("theta_mc, estimate and stderr must be given together "
                         "(all three or none)")

    fig, ax = new_axes(ax, (6.4, 3.6), layout="constrained")
    ax.axhline(0.0, color=_GREY, lw=0.8)
    ax.plot(th, ex, color="C0", label="exact")
    ax.axvline(t0, color=_GREY, lw=0.8, ls=":")
    ax.plot([t0], [0.0], "o", color="black", ms=5, zorder=5, label=r"$\theta = \theta_0$")
    if all(given):
        tm = _vector(theta_mc, "theta_mc")
        est = _vector(estimate, "estimate")
        se = _vector(stderr, "stderr")
        _same_size(est, "estimate", tm, "theta_mc")
        _same_size(se, "stderr", tm, "theta_mc")
        _nonnegative(se, "stderr")
        ax.errorbar(tm, est, yerr=2 * se, fmt="s", ms=4, capsize=3, lw=1.2, color="C1",
                    label="Monte Carlo ± 2 SE")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize="small")
    return fig


# ------------------------------------------------------------------ score means
def plot_score_means(
    labels: Sequence[str],
    estimates: Any,
    stderrs: Any,
    ax: Any = None,
    *,
    scale: Any = None,
    xlabel: str | None = None,
) -> Figure:
    r"""A forest plot: Monte Carlo estimates of score means, ± 2 standard errors, against 0.

    One row per label, top to bottom. With ``scale`` (for example the exact
    standard deviations :math:`\sqrt{I_{jj}(\theta)}` of the score components),
    every estimate and error bar is divided by it, so rows of different
    families share one axis.

    Parameters
    ----------
    labels : sequence of str
        Row labels, e.g. ``"Poisson, λ"``.
    estimates, stderrs : array_like, shape (r,)
        Estimates of :math:`\mathbb{E}[s_j]` and their standard errors.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when None.
    scale : array_like, shape (r,), optional
        Positive numbers to divide each row by.
    xlabel : str, optional
        Label of the horizontal axis (a default is chosen from ``scale``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_score_means(["a", "b"], [0.01, -0.02], [0.01, 0.015], scale=[1.0, 2.0])
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['a', 'b']
    >>> plt.close(fig)
    """
    if isinstance(labels, str) or not all(isinstance(lab, str) for lab in labels):
        raise TypeError(f"labels must be a sequence of str, got {labels!r}")
    est = _vector(estimates, "estimates")
    se = _vector(stderrs, "stderrs")
    if len(labels) != est.size:
        raise ValueError(f"labels must have one entry per estimate ({est.size}), got {len(labels)}")
    _same_size(se, "stderrs", est, "estimates")
    _nonnegative(se, "stderrs")
    if scale is not None:
        sc = _vector(scale, "scale")
        _same_size(sc, "scale", est, "estimates")
        if np.any(sc <= 0):
            raise ValueError(f"scale must be > 0, got {float(sc[sc <= 0][0])!r}")
        est, se = est / sc, se / sc
    if xlabel is None:
        xlabel = (r"estimate of $\mathbb{E}[s_j]\,/\,\sqrt{I_{jj}(\theta)}$, ± 2 SE"
                  if scale is not None else r"estimate of $\mathbb{E}[s_j]$, ± 2 SE")

    fig, ax = new_axes(ax, (6.4, 0.4 * est.size + 1.2), layout="constrained")
    rows = np.arange(est.size)
    ax.axvline(0.0, color=_GREY, lw=0.8)
    ax.errorbar(est, rows, xerr=2 * se, fmt="o", ms=5, capsize=3, lw=1.2)
    ax.set_yticks(rows, labels=list(labels))
    ax.set_ylim(est.size - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    half = float(np.max(np.abs(est) + 2 * se)) * 1.15
    ax.set_xlim(-half, half)
    ax.set_xlabel(xlabel)
    return fig


# -------------------------------------------------------------- score histogram
@dataclass
class _Histogram:
    bars: Any
    pmf: Any
    band: Any
    mean: Any
    freq_label: Any   # legend text of the bars (shows n)
    mean_label: Any   # legend text of the band (shows the mean and 2 SE)


_HISTOGRAMS: "weakref.WeakKeyDictionary[Any, _Histogram]" = weakref.WeakKeyDictionary()


def _frequencies(scores: Any, support: Any, pmf: Any):
    s = _vector(scores, "scores", min_size=2)
    sup = _vector(support, "support", min_size=1)
    _increasing(sup, "support")
    tol = 1e-9 * (1.0 + np.abs(sup).max())
    idx = np.clip(np.searchsorted(sup, s), 0, sup.size - 1)
    left = np.clip(idx - 1, 0, sup.size - 1)
    nearest = np.where(np.abs(sup[left] - s) < np.abs(sup[idx] - s), left, idx)
    off = np.abs(sup[nearest] - s) > tol
    if np.any(off):
        raise ValueError(f"scores must take values in support, got {float(s[off][0])!r}")
    freq = np.bincount(nearest, minlength=sup.size) / s.size
    p = None
    if pmf is not None:
        p = _vector(pmf, "pmf")
        _same_size(p, "pmf", sup, "support")
        _nonnegative(p, "pmf")
    mean = float(s.mean())
    se = float(s.std(ddof=1) / np.sqrt(s.size))
    return s.size, sup, freq, p, mean, se


def _width(sup: np.ndarray) -> float:
    return 0.8 * float(np.min(np.diff(sup))) if sup.size > 1 else 0.8


def _freq_label(n: int) -> str:
    return f"sampled frequency, $n$ = {n:,}"


def _mean_label(mean: float, se: float) -> str:
    return f"mean ± 2 SE = {mean:+.3f} ± {2 * se:.3f}"


def plot_score_histogram(
    scores: Any,
    support: Any,
    ax: Any = None,
    *,
    pmf: Any = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    xlabel: str = r"score $s(y;\theta)$",
    legend_loc: str = "upper right",
) -> Figure:
    r"""Relative frequencies of sampled scores of a discrete family, their mean ± 2 SE, and 0.

    The score of a discrete family takes countably many values; ``support``
    lists the ones to draw (one bar each, at its value). The figure shows the
    fraction of ``scores`` equal to each value, the exact probabilities
    ``pmf`` (markers), a dashed line at zero, and the sample mean with a band
    of ± 2 standard errors; the legend states ``n``, the mean and two standard
    errors. Change it in place with :func:`update_score_histogram`.

    Parameters
    ----------
    scores : array_like, shape (n,)
        Sampled scores, ``n >= 2``; each must equal a value of ``support``.
    support : array_like, shape (m,)
        The score values to draw, strictly increasing.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when None.
    pmf : array_like, shape (m,), optional
        Exact probability of each value of ``support``.
    xlim, ylim : (float, float), optional
        Fixed axis limits (set them when the figure will be updated).
    xlabel : str
        Label of the horizontal axis.
    legend_loc : str
        Where the legend goes (a matplotlib ``loc``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> y = np.array([0, 1, 1, 2, 4])                  # Poisson counts, lambda = 2
    >>> fig = plot_score_histogram(y / 2.0 - 1.0, np.arange(6) / 2.0 - 1.0)
    >>> [round(float(b.get_height()), 2) for b in fig.axes[0].patches[:3]]
    [0.2, 0.4, 0.2]
    >>> plt.close(fig)
    """
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import blended_transform_factory

    n, sup, freq, p, mean, se = _frequencies(scores, support, pmf)
    fig, ax = new_axes(ax, (6.4, 3.2), layout="constrained")
    bars = ax.bar(sup, freq, width=_width(sup), color="C0", alpha=0.75)
    (pmf_line,) = ax.plot(sup, p if p is not None else np.full(sup.size, np.nan), "_",
                          color="black", ms=10, mew=2)
    ax.axvline(0.0, color=_GREY, lw=1.0, ls="--")
    # the band spans the full height: x in data units, y in axes units
    band = ax.add_patch(Rectangle(
        (mean - 2 * se, 0.0), 4 * se, 1.0,
        transform=blended_transform_factory(ax.transData, ax.transAxes),
        color="C1", alpha=0.25, lw=0))
    mean_line = ax.axvline(mean, color="C1", lw=2)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    else:
        top = max(float(freq.max()), float(np.nanmax(p)) if p is not None else 0.0)
        ax.set_ylim(0.0, 1.25 * top if top > 0 else 1.0)
    ax.set(xlabel=xlabel, ylabel="relative frequency")
    handles, labels = [bars, band], [_freq_label(n), _mean_label(mean, se)]
    if p is None:
        pmf_line.set_visible(False)
    else:
        handles.insert(1, pmf_line)
        labels.insert(1, "exact probability")
    texts = ax.legend(handles, labels, loc=legend_loc, fontsize="small").get_texts()
    _HISTOGRAMS[ax] = _Histogram(bars, pmf_line, band, mean_line, texts[0], texts[-1])
    return fig


def update_score_histogram(ax: Any, scores: Any, support: Any, *, pmf: Any = None) -> None:
    r"""Redraw a :func:`plot_score_histogram` figure in place for new scores.

    Moves and resizes the existing bars (``set_x``, ``set_width``,
    ``set_height``), the markers (``set_data``), the band and the mean line, and
    rewrites the legend's text; no artist is created or removed. ``support`` may change
    (another parameter moves the attainable values) but not its length.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes drawn by :func:`plot_score_histogram`.
    scores, support, pmf
        As in :func:`plot_score_histogram`; ``pmf`` is needed if the figure has one.

    Examples
    --------
    >>> sup = np.arange(6) / 2.0 - 1.0
    >>> fig = plot_score_histogram(np.array([0, 1, 1, 2, 4]) / 2.0 - 1.0, sup)
    >>> ax = fig.axes[0]; first = ax.patches[0]
    >>> update_score_histogram(ax, np.array([0, 0, 3, 3]) / 2.0 - 1.0, sup)
    >>> ax.patches[0] is first, first.get_height()
    (True, 0.5)
    >>> plt.close(fig)
    """
    h = _HISTOGRAMS.get(ax)
    if h is None:
        raise ValueError("ax must be axes drawn by plot_score_histogram, got other axes")
    n, sup, freq, p, mean, se = _frequencies(scores, support, pmf)
    if sup.size != len(h.bars):
        raise ValueError(
            f"support must keep its length {len(h.bars)} (one bar per value), got {sup.size}"
        )
    if h.pmf.get_visible() and p is None:
        raise ValueError("pmf must be given: this figure shows exact probabilities")
    width = _width(sup)
    for bar, x, f in zip(h.bars, sup, freq):
        bar.set_x(float(x) - width / 2)
        bar.set_width(width)
        bar.set_height(float(f))
    if p is not None:
        h.pmf.set_data(sup, p)
    h.band.set_x(mean - 2 * se)
    h.band.set_width(4 * se)
    h.mean.set_xdata([mean, mean])
    h.freq_label.set_text(_freq_label(n))
    h.mean_label.set_text(_mean_label(mean, se))
