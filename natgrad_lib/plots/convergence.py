"""Monte Carlo error against sample size, on log-log axes, with the 1/sqrt(n) reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..montecarlo import QUANTITIES, Convergence


def _axes(ax: Any, figsize=(6.4, 4.0)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def plot_convergence(conv: Convergence, ax: Any = None, labels: dict[str, str] | None = None):
    """Plot ``conv`` (from :func:`natgrad_lib.montecarlo.mc_convergence`).

    Each quantity gets its absolute error (markers) with the standard error as
    a band, and a dashed ``c / sqrt(n)`` line through the first standard error.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, natgrad_lib as ng
    >>> from natgrad_lib.montecarlo import mc_convergence
    >>> conv = mc_convergence(ng.family("poisson"), [2.0], [100, 1000], np.random.default_rng(0))
    >>> fig = plot_convergence(conv)
    >>> len(fig.axes)
    1
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    fig, ax = _axes(ax)
    ns = conv.ns.astype(float)
    for q, err in conv.error.items():
        label = (labels or {}).get(q, f"${QUANTITIES[q]}$")
        (pts,) = ax.plot(ns, np.maximum(err, 1e-300), "o-", lw=1, ms=4, label=label)
        se = conv.stderr[q]
        if np.all(se > 0):
            ax.fill_between(ns, se * 0.0 + 1e-300, se, color=pts.get_color(), alpha=0.12, lw=0)
            ax.plot(ns, se[0] * np.sqrt(ns[0] / ns), "--", color=pts.get_color(), lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sample size $n$")
    ax.set_ylabel("absolute error of the estimate")
    ax.legend(title="dashed: $\\propto 1/\\sqrt{n}$; band: 1 s.e.", fontsize="small")
    return fig
