"""One preconditioned step of exact NGD, K-FAC and the diagonal Fisher as the hidden layer grows.

The model is the one-hidden-layer network of chapters/07b_approximations.md on all 13 features
of the wine data (178 examples, 3 classes), with 2 to 128 tanh units. For each size, one
direction of each method is computed from scratch at the same θ (statistics, factors, solve:
``approx.network_directions``, damping 10⁻³ of the mean diagonal Fisher entry), timed in
round robin (median of a few repeats, so that a load change on the machine hits every method
alike), and its peak of newly allocated memory is measured with tracemalloc. Printed as ratios
to K-FAC, measured side by side in one run; the crossover is the smallest size at which K-FAC's
step is faster than the exact one. Nothing is asserted: this prints figures.

Run it with ``make bench`` or ``.venv/bin/python benchmarks/bench_approx.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from natgrad_lib import approx, nets  # noqa: E402
from tools.report import print_table  # noqa: E402

HIDDEN = (2, 4, 8, 16, 32, 64, 128)
METHODS = ("natural", "kfac", "diagonal_fisher")
REPEATS = 3


def measure(hidden: int) -> dict[str, tuple[float, float]]:
    """(median seconds, peak MiB) of one direction per method, at a random θ."""
    X, y = nets.load_wine()
    net = nets.Network(X.shape[1], hidden, 3)
    theta = net.init(np.random.default_rng(0))
    directions = approx.network_directions(net, X, y, damping=1e-3)
    grad = net.grad(theta, X, y)
    peak = {}
    for name in METHODS:                        # warm-up and memory
        tracemalloc.start()
        directions[name](theta, grad)
        peak[name] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    samples: dict[str, list[float]] = {name: [] for name in METHODS}
    for _ in range(REPEATS):
        for name in METHODS:
            start = time.perf_counter()
            directions[name](theta, grad)
            samples[name].append(time.perf_counter() - start)
    return {name: (statistics.median(samples[name]), peak[name]) for name in METHODS}


def main() -> None:
    print("one preconditioned step, wine data (n = 178, 13 features, 3 classes); "
          f"median of {REPEATS}; ratios to K-FAC measured in this run")
    rows = []
    crossover = None
    for hidden in HIDDEN:
        k = nets.Network(13, hidden, 3).n_params
        m = measure(hidden)
        t_ex, t_kf, t_dg = (m[name][0] for name in METHODS)
        mem_ex, mem_kf, mem_dg = (m[name][1] for name in METHODS)
        if crossover is None and t_kf < t_ex:
            crossover = hidden
        rows.append((f"H = {hidden:3d} (k = {k}): time exact / K-FAC / diagonal [ms]",
                     f"{1e3 * t_ex:.1f} / {1e3 * t_kf:.1f} / {1e3 * t_dg:.1f}"))
        rows.append((f"H = {hidden:3d}: time ratio exact : K-FAC : diagonal",
                     f"{t_ex / t_kf:.2f} : 1 : {t_dg / t_kf:.2f}"))
        rows.append((f"H = {hidden:3d}: peak memory ratio exact : K-FAC : diagonal",
                     f"{mem_ex / mem_kf:.2f} : 1 : {mem_dg / mem_kf:.2f}"))
    rows.append(("crossover: smallest H with K-FAC faster than exact",
                 "none measured" if crossover is None else f"H = {crossover}"))
    print_table(rows, value_width=24)


if __name__ == "__main__":
    main()
