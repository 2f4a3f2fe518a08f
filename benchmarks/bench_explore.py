"""Update time of the optimiser explorer of chapter 07 (printed by `make bench`; never asserts).

``natgrad_lib.plots.optimizer_explorer`` on the chapter's data (40 Gaussian and 30 binary
observations, same seeds): 100 random control changes (a random control set to a random
value, as a reader would click). Each change is timed as a learner's live kernel runs it:
``update(**values)`` (the optimiser and the artists) and then ``render_png()``, the one draw
and PNG that the explorer's ``ipywidgets.Image`` shows. The median is printed with its ratio
to the goal, 50 ms, and split into the optimiser and the rendering.

Side by side, for the same changes in the same run: what showing the figure through
matplotlib's inline backend costs instead (``display(fig)``: a PNG at ``savefig.dpi`` with
``bbox_inches="tight"``, which draws twice), the way the explorers showed it before.
The first update after building the explorer is not timed.

Run it with ``make bench`` or ``MPLBACKEND=Agg .venv/bin/python benchmarks/bench_explore.py``.
"""

from __future__ import annotations

import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import natgrad_lib as ng  # noqa: E402
from natgrad_lib.plots import optimizer_explorer  # noqa: E402

GOAL_MS = 50.0
CHANGES = 100
SEED = 20260701


def main() -> None:
    ng.use_style()
    rng = np.random.default_rng(SEED)
    y = rng.normal(2.0, 0.6, size=40)
    y_bern = (rng.random(30) < 0.8).astype(float)
    start = time.perf_counter()
    ex = optimizer_explorer(y, y_bern, gaussian_start=(0.0, 0.4), bernoulli_start=0.05)
    ex.render_png()
    build_s = time.perf_counter() - start

    clicks = np.random.default_rng(1)
    names = list(ex.controls)
    live, optimiser, rendering, inline = [], [], [], []
    backgrounds = 0
    for _ in range(CHANGES):
        name = names[clicks.integers(len(names))]
        options = ex.controls[name]
        ex.values[name] = options[clicks.integers(len(options))]
        key_before = ex._background_key
        t0 = time.perf_counter()
        ex.update(**ex.values)
        t1 = time.perf_counter()
        ex.render_png()
        t2 = time.perf_counter()
        backgrounds += ex._background_key is not key_before
        ex.fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")  # the inline backend's way
        t3 = time.perf_counter()
        live.append(t2 - t0)
        optimiser.append(t1 - t0)
        rendering.append(t2 - t1)
        inline.append(t1 - t0 + t3 - t2)

    med = 1e3 * statistics.median(live)
    med_inline = 1e3 * statistics.median(inline)
    print(f"optimizer_explorer: built in {build_s:.2f} s (families, MLE fits, contours)")
    print(f"median update + PNG over {CHANGES} random control changes: {med:.1f} ms "
          f"(goal {GOAL_MS:.0f} ms; ratio to goal {med / GOAL_MS:.2f})")
    print(f"  of which optimiser and artists {1e3 * statistics.median(optimiser):.1f} ms, "
          f"drawing and PNG {1e3 * statistics.median(rendering):.1f} ms; "
          f"90th percentile {1e3 * float(np.percentile(live, 90)):.1f} ms")
    print(f"  the cached background (axes, ticks, labels, contours) was redrawn for {backgrounds} "
          f"of the {CHANGES} changes; the others drew only the moving artists")
    print(f"  same changes shown through the inline backend (tight bbox, savefig.dpi): "
          f"{med_inline:.1f} ms; ratio inline / Image widget {med_inline / med:.2f}")


if __name__ == "__main__":
    main()
