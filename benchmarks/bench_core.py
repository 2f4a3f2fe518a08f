"""Benchmarks of the natgrad_lib core (printed by `make bench`; nothing here asserts on time).

1. ``mc_check`` with n = 10**6 for ``gaussian`` and for ``categorical_softmax`` with K = 10,
   against the same computation done with a Python loop over samples (the loop runs on a
   subset and is scaled to n, which the per-sample cost makes exact up to noise).
   Goal: the vectorized version at least 50x faster.
2. ``verify_identities`` over all registered families, cold (fresh process) and cached.
   Goal: under 20 s cold, instant when cached.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

import natgrad_lib as ng

N = 1_000_000
LOOP_N = 20_000


def loop_mc(fam: ng.Family, theta: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The same estimates as mc_check, one sample at a time (the naive baseline)."""
    k = fam.k
    num = fam._num  # the same generated scalar functions mc_check uses, without validation
    feats = fam.features(y, theta)
    sum_s = np.zeros(k)
    sum_ss = np.zeros((k, k))
    sum_h = np.zeros((k, k))
    sum_kl = 0.0
    tq = theta + 0.05
    for t in range(y.shape[0]):
        f = [a[t] for a in feats]
        s = np.array(num["score"](*f, *theta), dtype=float)
        h = np.array(num["hessian"](*f, *theta), dtype=float).reshape(k, k)
        sum_s += s
        sum_ss += np.outer(s, s)
        sum_h -= h
        sum_kl += num["logpdf"](*f, *theta) - num["logpdf"](*f, *tq)
    n = y.shape[0]
    return {"mean": sum_s / n, "outer": sum_ss / n, "negh": sum_h / n, "kl": sum_kl / n}


def bench_mc(name: str, theta, **options) -> None:
    fam = ng.family(name, **options)
    theta = np.asarray(theta, dtype=float)
    ng.mc_check(fam, theta, 1000, np.random.default_rng(0))  # compile the symbolic parts once
    t0 = time.perf_counter()
    rep = ng.mc_check(fam, theta, N, np.random.default_rng(1))
    t_vec = time.perf_counter() - t0
    y = fam.sample(theta, LOOP_N, np.random.default_rng(2))
    t0 = time.perf_counter()
    loop_mc(fam, theta, y)
    t_loop = (time.perf_counter() - t0) * N / LOOP_N
    label = name + (f" (K={options['K']})" if options else "")
    print(f"  {label:<30} vectorized {t_vec:7.2f} s   python loop {t_loop:8.1f} s "
          f"(from {LOOP_N:,} samples)   speed-up {t_loop / t_vec:7.0f}x   max|z| {rep.max_abs_z:.2f}")


COLD = """
import time, natgrad_lib as ng
t0 = time.perf_counter()
for name in ng.families():
    ng.verify_identities(ng.family(name))
cold = time.perf_counter() - t0
t0 = time.perf_counter()
for name in ng.families():
    ng.verify_identities(ng.family(name))
print(f"{cold:.2f} {time.perf_counter() - t0:.6f}")
"""


def main() -> None:
    print(f"mc_check, n = {N:,} (goal: >= 50x faster than a Python loop over samples)")
    bench_mc("gaussian", [0.5, 1.5])
    bench_mc("categorical_softmax", np.linspace(-1, 1, 9), K=10)
    out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
    cold, warm = (float(v) for v in out.stdout.split())
    print(f"verify_identities over all {len(ng.families())} families "
          f"(goal: < 20 s cold, instant cached): cold {cold:.2f} s, cached {warm * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
