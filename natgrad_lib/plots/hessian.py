r"""Figures for the Fisher information as expected curvature, :math:`I(\theta) = \mathbb{E}[-\nabla^2_\theta \log p]`.

* :func:`plot_observed_information` -- the eigenvalues of the observed
  information :math:`-\nabla^2_\theta \log p(y;\theta)` as functions of ``y``,
  against the eigenvalues of the Fisher information :math:`I(\theta)`.
* :func:`plot_information_samples` -- histograms of the per-observation values
  whose averages estimate :math:`I(\theta)`: :math:`s s^\top` and :math:`-\nabla^2_\theta \log p`.
* :func:`curvature_explorer` -- log-likelihood curves of single observations,
  their average and the expected curve, with the observed curvatures as ``n`` grows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from .._validate import require_generator
from ..explore import Explorer, explorer
from ..families import Family
from ..figdata import curvature_data
from ..klgeometry import check_family
from ..style import PALETTE
from ._common import new_axes, param_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_observed_information", "plot_information_samples", "curvature_explorer"]

_POSITIVE, _NEGATIVE, _EXTRA = PALETTE[0], PALETTE[1], PALETTE[2]
#: "-l''" in plain text (minus, script l, double prime): the explorer avoids mathtext,
#: which matplotlib re-parses in every frame of a static fallback.
_NEG_L2 = "\u2212\u2113\u2033"


def plot_observed_information(fam: Family, theta: Any, y: Any, ax: Any = None) -> Figure:
    r"""Eigenvalues of the observed information :math:`-\nabla^2_\theta \log p(y;\theta)` against ``y``.

    Each eigenvalue of the :math:`k \times k` matrix :math:`-H(y)` is drawn as a
    function of the observation ``y`` (a line for a continuous family, markers
    for a discrete one), with the eigenvalues of the Fisher information
    :math:`I(\theta) = \mathbb{E}[-H(y)]` as dashed horizontal lines.  Where the
    smallest eigenvalue is negative, :math:`-H(y)` is not positive
    semi-definite and the region between it and zero is shaded.

    Parameters
    ----------
    fam : Family
        A regular family (its support does not depend on ``theta``).
    theta : array_like, shape (k,)
        The parameter at which the Hessian is evaluated.
    y : array_like, shape (m,)
        Observations in the support, in increasing order (the x-axis).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when None.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_observed_information(ng.family("gaussian"), [0.0, 1.0], np.linspace(-3, 3, 61))
    >>> len(fig.axes[0].lines)      # two eigenvalue curves, two Fisher eigenvalues, zero
    5
    >>> plt.close(fig)
    """
    fam = check_family(fam)
    th = fam.check_theta(theta)
    if th.ndim != 1:
        raise ValueError(f"theta must be a single parameter vector of shape ({fam.k},), got shape {th.shape}")
    yy = np.asarray(y, dtype=float)
    if yy.ndim != 1 or yy.size == 0:
        raise ValueError(f"y must be a non-empty 1-d array of observations, got shape {yy.shape}")
    eig = np.linalg.eigvalsh(-fam.hessian(yy, th))  # (m, k), ascending
    fisher_eig = np.linalg.eigvalsh(fam.fisher(th))
    fig, ax = new_axes(ax, layout="constrained")
    style = dict(ls="none", marker="o", ms=5) if fam.discrete else dict(ls="-")
    for j in range(fam.k):
        label = "$-H(y)$" if fam.k == 1 else f"eigenvalue {j + 1} of $-H(y)$"
        ax.plot(yy, eig[:, j], color=PALETTE[j % len(PALETTE)], label=label, **style)
    for j, lam in enumerate(fisher_eig):
        label = r"$I(\theta)$" if fam.k == 1 else (r"eigenvalues of $I(\theta)$" if j == 0 else None)
        ax.axhline(lam, color="black", ls="--", lw=1.2, label=label)
    low = eig[:, 0]
    if np.any(low < 0):
        if fam.discrete:
            ax.vlines(yy[low < 0], low[low < 0], 0.0, color=_NEGATIVE, alpha=0.3, lw=6,
                      label="not positive semi-definite")
        else:
            ax.fill_between(yy, low, 0.0, where=low < 0, color=_NEGATIVE, alpha=0.15, lw=0,
                            label="not positive semi-definite")
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set_xlabel("observation $y$")
    ax.set_ylabel("observed information")
    ax.legend(fontsize="small")
    return fig


def plot_information_samples(outer: Any, neg_hessian: Any, exact: float | None = None,
                             ax: Any = None, bins: int = 40) -> Figure:
    r"""Histograms of the per-observation values of :math:`s s^\top` and :math:`-\nabla^2_\theta \log p`.

    Both samples have mean :math:`I(\theta)` (one entry of it) when the
    identity of this chapter holds, so both averages estimate it; the narrower
    histogram is the estimator with the smaller standard error.  The legend
    gives each sample's mean and standard deviation.  A sample that does not
    vary at all (as :math:`-\nabla^2_\theta \log p` in an exponential family
    written in its natural parameter) shows as a single spike.

    Parameters
    ----------
    outer, neg_hessian : array_like, shape (n,)
        One entry of :math:`s(y_i;\theta)s(y_i;\theta)^\top` and of
        :math:`-\nabla^2_\theta\log p(y_i;\theta)` for draws :math:`y_i`.
    exact : float, optional
        The exact value of that entry of :math:`I(\theta)` (a vertical line).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when None.
    bins : int
        Number of histogram bins, shared by the two samples.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fam, theta = ng.family("poisson"), np.array([3.0])
    >>> y = fam.sample(theta, 2000, np.random.default_rng(0))
    >>> outer = fam.score(y, theta)[:, 0] ** 2
    >>> neg_h = -fam.hessian(y, theta)[:, 0, 0]
    >>> fig = plot_information_samples(outer, neg_h, exact=fam.fisher(theta)[0, 0])
    >>> len(fig.axes[0].get_legend().get_texts())
    3
    >>> plt.close(fig)
    """
    a = np.asarray(outer, dtype=float).ravel()
    b = np.asarray(neg_hessian, dtype=float).ravel()
    for name, arr in (("outer", a), ("neg_hessian", b)):
        if arr.size < 2 or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must hold at least 2 finite values, got {arr.size} values")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    both = np.concatenate([a, b])
    lo, hi = np.quantile(both, [0.005, 0.995])
    if hi - lo < 1e-12 * (1.0 + abs(hi)):
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, int(bins) + 1)
    fig, ax = new_axes(ax, layout="constrained")
    for arr, color, tex, hatch in ((a, _POSITIVE, r"s s^\top", None),
                                   (b, _NEGATIVE, r"-\nabla^2_\theta \log p", "//")):
        clipped = np.clip(arr, lo, hi)
        dens, _ = np.histogram(clipped, bins=edges, density=True)
        label = f"${tex}$: mean {arr.mean():.3g}, sd {arr.std(ddof=1):.3g}"
        ax.stairs(dens, edges, color=color, fill=True, alpha=0.3, hatch=hatch, label=label)
        ax.stairs(dens, edges, color=color, lw=1.2)
    if exact is not None:
        ax.axvline(float(exact), color="black", ls="--", lw=1.2, label=rf"$I(\theta)$ = {float(exact):.3g}")
    ax.set_xlabel("value for one observation")
    ax.set_ylabel("density")
    ax.legend(fontsize="small")
    return fig


def curvature_explorer(
    fam: Family,
    theta: Any,
    index: int,
    values: Sequence[float],
    ns: Sequence[int],
    grid: Any,
    rng: np.random.Generator,
    n_curves: int = 12,
    ylim: tuple[float, float] = (-2.5, 0.75),
    figsize: tuple[float, float] = (7.2, 3.4),
) -> Explorer:
    r"""An explorer of the curvature of single-observation log-likelihoods along one parameter.

    One parameter, ``theta[index]``, varies; the others stay at their values
    in ``theta``.  For the true value :math:`\theta_0` (control ``<name>0``,
    taking ``values``) the explorer draws ``max(ns)`` observations
    :math:`y_i \sim p(y;\theta_0)` and shows

    * left: the log-likelihood curves :math:`\ell(\theta; y_i) - \ell(\theta_0; y_i)`
      of the first ``n_curves`` observations, coloured by the sign of their
      curvature at :math:`\theta_0`; the average of the first ``n`` curves
      (control ``n``); and the expected curve
      :math:`\mathbb{E}[\ell(\theta;y) - \ell(\theta_0;y)] = -\mathrm{KL}(p_{\theta_0}\,\|\,p_\theta)`,
      whose curvature at :math:`\theta_0` is the Fisher information;
    * right: the observed information :math:`-\partial^2_\theta \ell(\theta_0; y_i)`
      of each of the first ``n`` observations and the running averages of it
      and of :math:`s(y_i;\theta_0)^2`, all divided by :math:`I(\theta_0)` so
      that the target is the line at 1.

    The same random numbers are used for every :math:`\theta_0` (common
    random numbers), so moving that control changes the model, not the luck.
    The static fallback sweeps ``n``.

    Parameters
    ----------
    fam : Family
        A regular family.
    theta : array_like, shape (k,)
        Values of the parameters; entry ``index`` is replaced by each of ``values``.
    index : int
        Which parameter varies.
    values : sequence of float
        The values of :math:`\theta_0` offered (the first is the initial one).
    ns : sequence of int
        The numbers of observations offered, increasing (the first is the initial one).
    grid : array_like, shape (m,)
        Values of the varying parameter on the x-axis of the left panel.
    rng : numpy.random.Generator
        Source of randomness.
    n_curves : int
        How many single-observation curves to draw.
    ylim : (float, float)
        Limits of the left panel's y-axis.
    figsize : (float, float)
        Figure size in inches (keep it small: every frame of the fallback is inlined).

    Returns
    -------
    natgrad_lib.explore.Explorer
        Call ``.display()`` in a notebook; ``.fig`` is the figure.

    Examples
    --------
    >>> ex = curvature_explorer(ng.family("poisson"), [2.0], 0, [1.0, 2.0], [1, 10, 100],
    ...                         np.linspace(0.5, 4.0, 50), np.random.default_rng(0))
    >>> sorted(ex.controls)
    ['lam0', 'n']
    >>> ex.set(n=100, lam0=2.0)
    >>> "n = 100" in ex.fig.get_suptitle()
    True
    >>> plt.close(ex.fig)
    """
    fam = check_family(fam)
    require_generator(rng)
    th, vals, n_list, xs = _check_curvature_args(fam, theta, index, values, ns, grid)
    name = fam.params[index]
    n_max = n_list[-1]
    n_curves = max(1, min(int(n_curves), n_max))
    seed = int(rng.integers(2**32))   # one seed for every value: common random numbers
    data = {v: curvature_data(fam, th, index, v, xs, n_max, n_curves, seed) for v in vals}
    fig, update = _curvature_figure(fam, index, data, xs, n_max, n_curves, ylim, figsize)
    alt = (f"Log-likelihood curves of single observations along {name}, their average over n "
           f"observations and the expected curve (left); the observed information of each "
           f"observation and its running average against the Fisher information (right), "
           f"for n = {', '.join(str(n) for n in n_list)}.")
    ex = explorer(fig, update, {f"{name}0": vals, "n": n_list}, sweep="n", alt=alt)
    # Lay the figure out once; the frames of the fallback then skip the layout pass.
    fig.canvas.draw()
    fig.set_layout_engine("none")
    return ex


def _check_curvature_args(fam: Family, theta: Any, index: Any, values: Sequence[float], ns: Sequence[int],
                          grid: Any) -> tuple[np.ndarray, list[float], list[int], np.ndarray]:
    th = fam.check_theta(theta)
    if th.ndim != 1:
        raise ValueError(f"theta must be a single parameter vector of shape ({fam.k},), got shape {th.shape}")
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < fam.k:
        raise ValueError(f"index must be an integer in [0, {fam.k - 1}], got {index!r}")
    vals = [float(v) for v in values]
    n_list = [int(n) for n in ns]
    if not vals:
        raise ValueError("values must offer at least one value of the parameter, got none")
    if not n_list or min(n_list) < 1 or any(b <= a for a, b in zip(n_list, n_list[1:])):
        raise ValueError(f"ns must be increasing positive integers, got {list(ns)!r}")
    xs = np.asarray(grid, dtype=float)
    if xs.ndim != 1 or xs.size < 2:
        raise ValueError(f"grid must be a 1-d array of at least 2 values, got shape {xs.shape}")
    return th, vals, n_list, xs


def _curvature_figure(fam: Family, index: int, data: dict[float, dict[str, Any]], xs: np.ndarray,
                      n_max: int, n_curves: int, ylim: tuple[float, float],
                      figsize: tuple[float, float]) -> tuple[Any, Callable[..., None]]:
    """The two panels of :func:`curvature_explorer` and their ``update(n, <name>0=...)``."""
    import matplotlib.pyplot as plt

    zero = f"{fam.params[index]}0"
    # Plain tick labels: fewer mathtext strings than matplotlib's cache of 50 keeps the
    # frames of the static fallback fast.
    with plt.rc_context({"axes.formatter.use_mathtext": False}):
        fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    left = _curves_panel(ax_l, fam, index, xs, n_curves, ylim, next(iter(data)))
    right = _information_panel(ax_r, n_max)
    text = fig.suptitle(" ", fontsize="small")

    def update(n: int, **values: Any) -> None:
        v = float(values[zero])
        d = data[v]
        n = int(n)
        left(d, v, n)
        right(d, n)
        negative = int(np.sum(d["obs"][:n] < 0))
        # plain text (no mathtext): it changes in every frame of the fallback
        text.set_text(
            f"{zero} = {v:g}, I = {d['info']:.3g}, n = {n}: {_NEG_L2} < 0 for {negative};  "
            f"averages {_NEG_L2}/I = {d['mean_obs'][n - 1]:.2f}, "
            f"s\u00b2/I = {d['mean_sq'][n - 1]:.2f}"
        )

    return fig, update


def _curves_panel(ax: Any, fam: Family, index: int, xs: np.ndarray, n_curves: int, ylim: tuple[float, float],
                  v0: float) -> Callable[[dict[str, Any], float, int], None]:
    """Left panel: single-observation curves, their average and the expected curve."""
    from matplotlib.lines import Line2D

    lines = [ax.plot(xs, np.zeros_like(xs), lw=0.9, alpha=0.7)[0] for _ in range(n_curves)]
    (mean_line,) = ax.plot(xs, np.zeros_like(xs), color="black", lw=2.2)
    (exp_line,) = ax.plot(xs, np.zeros_like(xs), color=_EXTRA, lw=2.0, ls="--")
    v_line = ax.axvline(v0, color="0.4", lw=0.8)
    ax.set(xlim=(xs[0], xs[-1]), ylim=ylim, xlabel=param_label(fam, index),
           ylabel="\u2113(\u03b8; y) \u2212 \u2113(\u03b8\u2080; y)")
    ax.legend(handles=[
        Line2D([], [], color=_POSITIVE, lw=1, label=f"one observation, {_NEG_L2} \u2265 0"),
        Line2D([], [], color=_NEGATIVE, lw=1, label=f"one observation, {_NEG_L2} < 0"),
        Line2D([], [], color="black", lw=2.2, label="average of n"),
        Line2D([], [], color=_EXTRA, lw=2, ls="--", label="expected: \u2212KL"),
    ], fontsize="x-small", loc="lower center")

    def update(d: dict[str, Any], v: float, n: int) -> None:
        for i, ln in enumerate(lines):
            ln.set_ydata(d["curves"][i])
            ln.set_color(_POSITIVE if d["obs"][i] >= 0 else _NEGATIVE)
            ln.set_visible(i < n)
        mean_line.set_ydata(d["mean_curve"][n - 1])
        exp_line.set_ydata(d["expected"])
        v_line.set_xdata([v, v])

    return update


def _information_panel(ax: Any, n_max: int) -> Callable[[dict[str, Any], int], None]:
    """Right panel: the observed information of each observation and the running averages."""
    idx = np.arange(1, n_max + 1)
    scat = ax.scatter([], [], s=6, color="0.45", alpha=0.4, lw=0, label=f"{_NEG_L2}/I, one observation")
    (run_obs,) = ax.plot([], [], color="black", lw=2, label=f"average of {_NEG_L2}/I")
    (run_sq,) = ax.plot([], [], color=PALETTE[3], lw=2, ls="--", label="average of s\u00b2/I")
    ax.axhline(1.0, color=_EXTRA, lw=1.5, ls=":", label="target 1")
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set(xscale="log", xlim=(0.8, n_max * 1.25), ylim=(-1.0, 4.0),
           xlabel="observation i", ylabel="relative to I(\u03b8\u2080)")
    decades = 10 ** np.arange(int(np.log10(n_max)) + 1)
    ax.set_xticks(decades, labels=[f"{d:d}" for d in decades])
    ax.set_xticks([], minor=True)
    ax.legend(fontsize="x-small", loc="upper left")

    def update(d: dict[str, Any], n: int) -> None:
        scat.set_offsets(np.column_stack([idx[:n], d["obs"][:n]]))
        run_obs.set_data(idx[:n], d["mean_obs"][:n])
        run_sq.set_data(idx[:n], d["mean_sq"][:n])

    return update
