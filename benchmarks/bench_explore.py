"""Update time of the optimiser explorer of chapter 07 (printed by `make bench`; never asserts).

``natgrad_lib.explore.optimizer_explorer`` on the chapter's data (40 Gaussian and 30 binary
observations, same seeds): 50 random control changes (a random control set to a random
value, as a reader would click), each timed as ``update(**values)`` followed by
``fig.canvas.draw()`` with the Agg backend. The median is printed with its ratio to the goal,
50 ms, and split into the optimiser (update) and the drawing. The first update after
building the explorer is not timed.

Run it with ``make bench`` or ``MPLBACKEND=Agg .venv/bin/python benchmarks/bench_explore.py``.
"""

from __future__ import annotations

import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import natgrad_lib as ng  # noqa: E402
from natgrad_lib.explore import optimizer_explorer  # noqa: E402

GOAL_MS = 50.0
CHANGES = 50
SEED = 20260701


def main() -> None:
    ng.use_style()
    rng = np.random.default_rng(SEED)
    y = rng.normal(2.0, 0.6, size=40)
    y_bern = (rng.random(30) < 0.8).astype(float)
    start = time.perf_counter()
    ex = optimizer_explorer(y, y_bern, gaussian_start=(0.0, 0.4), bernoulli_start=0.05)
    ex.fig.canvas.draw()
    build_s = time.perf_counter() - start

    clicks = np.random.default_rng(1)
    names = list(ex.controls)
    total, optimiser, drawing = [], [], []
    for _ in range(CHANGES):
        name = names[clicks.integers(len(names))]
        options = ex.controls[name]
        ex.values[name] = options[clicks.integers(len(options))]
        t0 = time.perf_counter()
        ex.update(**ex.values)
        t1 = time.perf_counter()
        ex.fig.canvas.draw()
        t2 = time.perf_counter()
        total.append(t2 - t0)
        optimiser.append(t1 - t0)
        drawing.append(t2 - t1)

    med = 1e3 * statistics.median(total)
    print(f"optimizer_explorer: built in {build_s:.2f} s (families, MLE fits, contours)")
    print(f"median update + draw over {CHANGES} random control changes: {med:.1f} ms "
          f"(goal {GOAL_MS:.0f} ms; ratio to goal {med / GOAL_MS:.2f})")
    print(f"  of which optimiser (update) {1e3 * statistics.median(optimiser):.1f} ms, "
          f"drawing {1e3 * statistics.median(drawing):.1f} ms; "
          f"90th percentile {1e3 * float(np.percentile(total, 90)):.1f} ms")


if __name__ == "__main__":
    main()
