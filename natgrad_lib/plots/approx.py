"""The race between approximate natural gradients: loss and KL-to-fit curves, and their animation.

The trajectories come from :func:`natgrad_lib.optim.optimize` with the directions of
:func:`natgrad_lib.approx.network_directions`; this module only draws them.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

__all__ = ["APPROX_STYLES", "APPROX_LABELS", "plot_race", "race_animation"]

#: Colour, dash and width of each method (dash and width differ, so the curves stay apart
#: without colour, and curves that coincide stay visible).
APPROX_STYLES: dict[str, dict[str, Any]] = {
    "natural": dict(color="C0", ls="-", lw=3.4),
    "kfac": dict(color="C2", ls="--", lw=2.4),
    "empirical_fisher": dict(color="C3", ls=":", lw=2.2),
    "diagonal_fisher": dict(color="C4", ls="-.", lw=1.6),
    "adam": dict(color="C5", ls=(0, (5, 1, 1, 1, 1, 1)), lw=1.6),
    "gradient": dict(color="C1", ls="-", lw=1.0),
    "sqrt_empirical_diagonal": dict(color="C6", ls="--", lw=1.0),
    "block_diagonal": dict(color="C7", ls="-.", lw=1.0),
}

#: Legend names.
APPROX_LABELS: dict[str, str] = {
    "natural": "exact natural gradient",
    "kfac": "K-FAC",
    "empirical_fisher": "empirical Fisher",
    "diagonal_fisher": "diagonal Fisher",
    "adam": "Adam",
    "gradient": "gradient",
    "sqrt_empirical_diagonal": "√diag empirical Fisher",
    "block_diagonal": "block-diagonal Fisher",
}


def _curves(runs: Mapping[str, Any], n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(−ℓ/n, KL to the fit) of every trajectory."""
    return {name: (-np.asarray(tr.loglik) / n, np.asarray(tr.kl_to_target)) for name, tr in runs.items()}


def plot_race(races: Mapping[str, Mapping[str, Any]], n: int, budget: float | None = None,
              axes: Any = None):
    """Loss (top row) and KL divergence to the fit (bottom row, log scale) against the iteration.

    Parameters
    ----------
    races : mapping
        Column title -> {method name -> Trajectory with ``kl_to_target``}.
    n : int
        The number of observations (the loss shown is −ℓ/n).
    budget : float, optional
        The KL budget per step, drawn as a dotted horizontal line in the KL panels.
    axes : array of Axes, shape (2, len(races)), optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from types import SimpleNamespace
    >>> tr = SimpleNamespace(loglik=np.array([-3.0, -2.0]), kl_to_target=np.array([1.0, 0.1]))
    >>> fig = plot_race({"a": {"natural": tr}}, n=2, budget=0.1)
    >>> len(fig.axes)
    2
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(2, len(races), figsize=(4.8 * len(races), 5.6), sharex=True,
                                 squeeze=False, layout="constrained")
    axes = np.asarray(axes).reshape(2, len(races))
    for col, (title, runs) in enumerate(races.items()):
        ax_loss, ax_kl = axes[0, col], axes[1, col]
        for name, (loss, kl) in _curves(runs, n).items():
            style = APPROX_STYLES.get(name, {})
            ax_loss.plot(loss, label=APPROX_LABELS.get(name, name), **style)
            ax_kl.semilogy(np.arange(kl.size), np.maximum(kl, 1e-12), **style)
        if budget is not None:
            ax_kl.axhline(budget, color="0.5", lw=0.8, ls=":")
        ax_loss.set_title(title)
        ax_loss.set_ylabel("−ℓ(θ_t)/n")
        ax_kl.set_ylabel("KL to the fit, per observation")
        ax_kl.set_xlabel("iteration t")
    axes[0, -1].legend(fontsize="x-small", loc="upper right")
    return axes[0, 0].figure


def race_animation(races: Mapping[str, Mapping[str, Any]], n: int, budget: float | None = None,
                   *, max_frames: int = 30, dpi: int = 60, alt: str | None = None):
    """The KL panels of :func:`plot_race`, drawn up to iteration t in frame t (offline HTML).

    Returns a :class:`natgrad_lib.jshtml.JSAnimation`.
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    from ..animations import frame_indices
    from ..jshtml import JSAnimation, render

    fig, axes = plt.subplots(1, len(races), figsize=(4.4 * len(races), 3.0), dpi=dpi, squeeze=False,
                             layout="constrained")
    lines = []
    T = 0
    for ax, (title, runs) in zip(axes[0], races.items()):
        curves = _curves(runs, n)
        top = max(float(kl.max()) for _, kl in curves.values())
        low = min(float(np.maximum(kl, 1e-12).min()) for _, kl in curves.values())
        T = max([T] + [kl.size - 1 for _, kl in curves.values()])
        ax.set_yscale("log")
        ax.set(title=title, xlabel="iteration t", ylabel="KL to the fit", xlim=(0, T),
               ylim=(low / 2, top * 2))
        ax.set_autoscale_on(False)              # the empty lines must not rescale the axes
        for name, (_, kl) in curves.items():
            (line,) = ax.plot([], [], label=APPROX_LABELS.get(name, name), **APPROX_STYLES.get(name, {}))
            lines.append((line, np.maximum(kl, 1e-12)))
        if budget is not None:
            ax.axhline(budget, color="0.5", lw=0.8, ls=":")
    axes[0, -1].legend(fontsize="x-small", loc="upper right")
    frames = frame_indices(T + 1, max_frames)

    def update(i: int) -> None:
        t = int(frames[i])
        for line, kl in lines:
            line.set_data(np.arange(min(t, kl.size - 1) + 1), kl[:t + 1])

    update(len(frames) - 1)
    anim = FuncAnimation(fig, update, frames=len(frames), interval=200, blit=False)
    alt = alt or ("Animation of the race: the KL divergence to the maximum-likelihood fit of every "
                  "method, drawn iteration by iteration, one panel per version of the data.")
    try:
        # The frames move the lines only (fixed limits, titles and legend): one layout for all.
        return JSAnimation(render(anim, alt, fixed_layout=True))
    finally:
        plt.close(fig)
