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

from typing import Any, Sequence

import numpy as np

from ..families import Family
from ..style import PALETTE

__all__ = ["plot_observed_information", "plot_information_samples", "curvature_explorer"]

_POSITIVE, _NEGATIVE, _EXTRA = PALETTE[0], PALETTE[1], PALETTE[2]
#: "-l''" in plain text (minus, script l, double prime): the explorer avoids mathtext,
#: which matplotlib re-parses in every frame of a static fallback.
_NEG_L2 = "\u2212\u2113\u2033"


def _axes(ax: Any, figsize: tuple[float, float] = (6.4, 4.0)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _check_family(fam: Any) -> Family:
    if not isinstance(fam, Family):
        raise TypeError(f"fam must be a natgrad_lib Family, got {type(fam).__name__}")
    return fam


def _param_label(fam: Family, index: int) -> str:
    spec = fam.param_specs[index]
    return f"${spec.latex}$" if spec.latex else spec.name


def plot_observed_information(fam: Family, theta: Any, y: Any, ax: Any = None):
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
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, natgrad_lib as ng
    >>> fig = plot_observed_information(ng.family("gaussian"), [0.0, 1.0], np.linspace(-3, 3, 61))
    >>> len(fig.axes[0].lines)      # two eigenvalue curves, two Fisher eigenvalues, zero
    5
    >>> plt.close(fig)
    """
    fam = _check_family(fam)
    th = fam.check_theta(theta)
    if th.ndim != 1:
        raise ValueError(f"theta must be a single parameter vector of shape ({fam.k},), got shape {th.shape}")
    yy = np.asarray(y, dtype=float)
    if yy.ndim != 1 or yy.size == 0:
        raise ValueError(f"y must be a non-empty 1-d array of observations, got shape {yy.shape}")
    eig = np.linalg.eigvalsh(-fam.hessian(yy, th))  # (m, k), ascending
    fisher_eig = np.linalg.eigvalsh(fam.fisher(th))
    fig, ax = _axes(ax)
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
                             ax: Any = None, bins: int = 40):
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
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, natgrad_lib as ng
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
    fig, ax = _axes(ax)
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
):
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
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, natgrad_lib as ng
    >>> ex = curvature_explorer(ng.family("poisson"), [2.0], 0, [1.0, 2.0], [1, 10, 100],
    ...                         np.linspace(0.5, 4.0, 50), np.random.default_rng(0))
    >>> sorted(ex.controls)
    ['lam0', 'n']
    >>> ex.set(n=100, lam0=2.0)
    >>> "n = 100" in ex.fig.get_suptitle()
    True
    >>> plt.close(ex.fig)
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from .._validate import require_generator
    from ..explore import explorer

    fam = _check_family(fam)
    require_generator(rng)
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
    name = fam.params[index]
    zero = f"{name}0"
    n_max = n_list[-1]
    n_curves = max(1, min(int(n_curves), n_max))

    def with_param(v: Any) -> np.ndarray:
        out = np.array(np.broadcast_to(th, np.shape(v) + th.shape))
        out[..., index] = v
        return fam.check_theta(out)

    theta_grid = with_param(xs)  # (m, k)
    seed = int(rng.integers(2**32))
    data = {}
    for v in vals:
        t0 = with_param(v)
        y = fam.sample(t0, n_max, np.random.default_rng(seed))  # common random numbers
        curves = fam.logpdf(y[:, None], theta_grid) - fam.logpdf(y, t0)[:, None]  # (n_max, m)
        info = float(fam.fisher(t0)[index, index])
        obs = -fam.hessian(y, t0)[:, index, index] / info
        sq = fam.score(y, t0)[:, index] ** 2 / info
        counts = np.arange(1, n_max + 1)
        data[v] = dict(
            curves=curves[:n_curves],
            mean_curve=np.cumsum(curves, axis=0) / counts[:, None],
            expected=-fam.kl(t0, theta_grid),
            obs=obs,
            mean_obs=np.cumsum(obs) / counts,
            mean_sq=np.cumsum(sq) / counts,
            info=info,
        )

    # Plain tick labels: fewer mathtext strings than matplotlib's cache of 50 keeps the
    # frames of the static fallback fast.
    with plt.rc_context({"axes.formatter.use_mathtext": False}):
        fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    lines = [ax_l.plot(xs, np.zeros_like(xs), lw=0.9, alpha=0.7)[0] for _ in range(n_curves)]
    (mean_line,) = ax_l.plot(xs, np.zeros_like(xs), color="black", lw=2.2)
    (exp_line,) = ax_l.plot(xs, np.zeros_like(xs), color=_EXTRA, lw=2.0, ls="--")
    v_line = ax_l.axvline(vals[0], color="0.4", lw=0.8)
    ax_l.set(xlim=(xs[0], xs[-1]), ylim=ylim, xlabel=_param_label(fam, index),
             ylabel="\u2113(\u03b8; y) \u2212 \u2113(\u03b8\u2080; y)")
    ax_l.legend(handles=[
        Line2D([], [], color=_POSITIVE, lw=1, label=f"one observation, {_NEG_L2} \u2265 0"),
        Line2D([], [], color=_NEGATIVE, lw=1, label=f"one observation, {_NEG_L2} < 0"),
        Line2D([], [], color="black", lw=2.2, label="average of n"),
        Line2D([], [], color=_EXTRA, lw=2, ls="--", label="expected: \u2212KL"),
    ], fontsize="x-small", loc="lower center")

    idx = np.arange(1, n_max + 1)
    scat = ax_r.scatter([], [], s=6, color="0.45", alpha=0.4, lw=0,
                        label=f"{_NEG_L2}/I, one observation")
    (run_obs,) = ax_r.plot([], [], color="black", lw=2, label=f"average of {_NEG_L2}/I")
    (run_sq,) = ax_r.plot([], [], color=PALETTE[3], lw=2, ls="--", label="average of s\u00b2/I")
    ax_r.axhline(1.0, color=_EXTRA, lw=1.5, ls=":", label="target 1")
    ax_r.axhline(0.0, color="0.4", lw=0.8)
    ax_r.set(xscale="log", xlim=(0.8, n_max * 1.25), ylim=(-1.0, 4.0),
             xlabel="observation i", ylabel="relative to I(\u03b8\u2080)")
    decades = 10 ** np.arange(int(np.log10(n_max)) + 1)
    ax_r.set_xticks(decades, labels=[f"{d:d}" for d in decades])
    ax_r.set_xticks([], minor=True)
    ax_r.legend(fontsize="x-small", loc="upper left")
    text = fig.suptitle(" ", fontsize="small")

    def update(n: int, **values: Any) -> None:
        v = float(values[f"{name}0"])
        d = data[v]
        n = int(n)
        for i, ln in enumerate(lines):
            ln.set_ydata(d["curves"][i])
            ln.set_color(_POSITIVE if d["obs"][i] >= 0 else _NEGATIVE)
            ln.set_visible(i < n)
        mean_line.set_ydata(d["mean_curve"][n - 1])
        exp_line.set_ydata(d["expected"])
        v_line.set_xdata([v, v])
        scat.set_offsets(np.column_stack([idx[:n], d["obs"][:n]]))
        run_obs.set_data(idx[:n], d["mean_obs"][:n])
        run_sq.set_data(idx[:n], d["mean_sq"][:n])
        negative = int(np.sum(d["obs"][:n] < 0))
        # plain text (no mathtext): it changes in every frame of the fallback
        text.set_text(
            f"{zero} = {v:g}, I = {d['info']:.3g}, n = {n}: {_NEG_L2} < 0 for {negative};  "
            f"averages {_NEG_L2}/I = {d['mean_obs'][n - 1]:.2f}, "
            f"s\u00b2/I = {d['mean_sq'][n - 1]:.2f}"
        )

    controls = {f"{name}0": vals, "n": n_list}
    alt = (f"Log-likelihood curves of single observations along {name}, their average over n "
           f"observations and the expected curve (left); the observed information of each "
           f"observation and its running average against the Fisher information (right), "
           f"for n = {', '.join(str(n) for n in n_list)}.")
    ex = explorer(fig, update, controls, sweep="n", alt=alt)
    # Lay the figure out once; the frames of the fallback then skip the layout pass.
    fig.canvas.draw()
    fig.set_layout_engine("none")
    return ex
