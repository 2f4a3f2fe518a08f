"""Monte Carlo error against sample size, on log-log axes, with the 1/sqrt(n) reference."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..montecarlo import QUANTITIES, Convergence
from ._common import new_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_convergence(conv: Convergence, ax: Any = None, labels: dict[str, str] | None = None) -> Figure:
    """Plot ``conv`` (from :func:`natgrad_lib.montecarlo.mc_convergence`).

    Each quantity gets its absolute error (markers), its standard error (dotted)
    and a dashed ``c / sqrt(n)`` line through the first standard error.  Errors
    that are exactly 0 are left out (a log axis cannot show them).

    Examples
    --------
    >>> from natgrad_lib.montecarlo import mc_convergence
    >>> conv = mc_convergence(ng.family("poisson"), [2.0], [100, 1000], np.random.default_rng(0))
    >>> fig = plot_convergence(conv)
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    fig, ax = new_axes(ax)
    ns = conv.ns.astype(float)
    for q, err in conv.error.items():
        label = (labels or {}).get(q, f"${QUANTITIES[q]}$")
        shown = err > 0  # an estimate that is exactly right has no place on a log axis
        (pts,) = ax.plot(ns[shown], err[shown], "o-", lw=1, ms=4, label=label)
        se = conv.stderr[q]
        if np.all(se > 0):
            ax.plot(ns, se, ":", color=pts.get_color(), lw=1)
            ax.plot(ns, se[0] * np.sqrt(ns[0] / ns), "--", color=pts.get_color(), lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sample size $n$")
    ax.set_ylabel("absolute error of the estimate")
    ax.legend(title="dotted: 1 s.e.; dashed: $\\propto 1/\\sqrt{n}$", fontsize="small")
    return fig
