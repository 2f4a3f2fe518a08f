"""What every figure module of :mod:`natgrad_lib.plots` shares (private to the presentation layer).

One copy of each small job: a new figure or the caller's axes (:func:`new_axes`), axis
limits around point sets (:func:`limits`), cheap tick labels for figures redrawn frame after
frame (:func:`plain_ticks`, :func:`plain_log_axis`, :func:`integer_locator`), contour levels
of a log-likelihood surface (:func:`contour_levels`), a parameter's axis label
(:func:`param_label`), and the styles of the optimisation methods (:data:`METHOD_STYLES`).
The module is private (its name starts with ``_``); its names are public within the
presentation layer, so the figure modules and :mod:`natgrad_lib.animations` import them
without reaching for another module's private names.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["new_axes", "limits", "plain_ticks", "plain_log_axis", "integer_locator", "contour_levels",
           "param_label", "METHOD_STYLES", "METHOD_LABELS", "PARAM_TEXT"]

#: Colour and line style of each method in the geometry figures and in the animations.
METHOD_STYLES: dict[str, dict[str, Any]] = {
    "gradient": dict(color="C1", ls="--"),
    "natural": dict(color="C0", ls="-"),
    "newton": dict(color="C2", ls="-."),
    "empirical_fisher": dict(color="C3", ls=":"),
}
#: Legend labels of the methods.
METHOD_LABELS: dict[str, str] = {
    "gradient": "gradient",
    "natural": "natural gradient",
    "newton": "Newton",
    "empirical_fisher": "empirical Fisher",
}
#: Plain-text (no mathtext) names of parameters, for figures redrawn every frame.
PARAM_TEXT = {"mu": "μ", "sigma": "σ", "p": "p"}


def new_axes(ax: Any = None, figsize: tuple[float, float] = (6.4, 4.0), *, layout: str | None = None,
             dpi: float | None = None) -> tuple[Any, Any]:
    """``(figure, axes)``: a new figure of ``figsize`` (and ``layout``, ``dpi``) if ``ax`` is
    None, else ``ax`` and its figure (the caller's layout is left alone).

    >>> fig, ax = new_axes(figsize=(2, 1), layout="constrained")
    >>> fig.get_size_inches().tolist(), new_axes(ax) == (fig, ax)
    ([2.0, 1.0], True)
    >>> plt.close(fig)
    """
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, dpi=dpi, layout=layout)


def limits(points: Sequence[np.ndarray], pad: float = 0.08) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits around the finite rows of ``points`` (arrays of shape (m, 2)), padded by
    ``pad`` times the span.

    >>> limits([np.array([[0.0, 0.0], [1.0, 2.0], [np.nan, 9.0]])], pad=0.5)
    ((-0.5, 1.5), (-1.0, 3.0))
    """
    allpts = np.concatenate([p[np.all(np.isfinite(p), axis=1)] for p in points])
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    span = np.maximum(hi - lo, 1e-12)
    lo, hi = lo - pad * span, hi + pad * span
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def plain_ticks(*axes: Any) -> None:
    """Plain tick labels (no mathtext), few of them, and no grid: cheaper to redraw every frame."""
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.grid(False)
        for axis in (ax.xaxis, ax.yaxis):
            fmt = axis.get_major_formatter()
            if hasattr(fmt, "set_useMathText"):
                fmt.set_useMathText(False)
            axis.set_major_locator(MaxNLocator(4))


def plain_log_axis(ax: Any) -> None:
    """A log y-axis with a few plain labels (10⁻⁶ as 1e-06) and no minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(numticks=4))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0e}"))


def integer_locator() -> Any:
    """At most 4 integer ticks (iterations)."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(4, integer=True)


def contour_levels(ll: np.ndarray, n: int = 12) -> np.ndarray:
    """Levels spaced evenly in log(ℓ* − ℓ): dense near the maximum, sparse far away.

    >>> contour_levels(np.array([0.0, -1.0, np.nan]), n=3)
    array([-1.        , -0.14142136, -0.02      ])
    """
    top = np.nanmax(ll)
    gaps = np.geomspace(0.02, max(float(top - np.nanmin(ll)), 0.05), n)
    return np.sort(top - gaps)


def param_label(fam: Any, index: int) -> str:
    """Axis label of parameter ``index`` of ``fam``: its LaTeX in math mode, else its name."""
    spec = fam.param_specs[index]
    return f"${spec.latex}$" if spec.latex else spec.name
