"""Logistic regression with n = 200 000 and d = 50: ng.glm against scikit-learn and statsmodels.

Each solver is timed in the same run, on the same synthetic data (fixed seed), and the median
of a few repeats is printed. The goals are that ng.glm is no slower than scikit-learn's
newton-cholesky solver, at least 10x faster than statsmodels' IRLS, and that the
coefficients agree to 1e-8. Nothing is asserted: this prints figures. scikit-learn and
statsmodels are benchmark-only dependencies (requirements-dev.txt). If one of them is
missing, its row is skipped.

Run it with ``make bench`` or ``.venv/bin/python benchmarks/bench_glm.py``.
"""

from __future__ import annotations

import inspect
import statistics
import time
from typing import Any, Callable

import numpy as np

from natgrad_lib import glm

N, D, SEED = 200_000, 50, 0
REPEATS = {"ng.glm": 5, "scikit-learn": 5, "statsmodels": 3}


def make_data(n: int = N, d: int = D, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """An intercept plus d − 1 standard-normal features, and y ~ Bernoulli(σ(Xβ))."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, d - 1))])
    beta = rng.normal(size=d) / np.sqrt(d)
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-X @ beta))).astype(float)
    return X, y


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def fit_ng(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    fit = glm.GLM("logistic").fit(X, y, method="natural")
    if not fit.converged:
        raise RuntimeError(f"ng.glm did not converge: {fit.trajectory.message}")
    return fit.coef


def sklearn_fitter() -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return None
    # scikit-learn 1.8 deprecated penalty=None in favour of C=np.inf.
    if inspect.signature(LogisticRegression).parameters["penalty"].default == "deprecated":
        no_penalty: dict[str, Any] = {"C": np.inf}
    else:
        no_penalty = {"penalty": None}

    def fit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        model = LogisticRegression(solver="newton-cholesky", fit_intercept=False, tol=1e-12,
                                   max_iter=100, **no_penalty)
        return model.fit(X, y).coef_.ravel()

    return fit


def statsmodels_fitter() -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
    try:
        import statsmodels.api as sm
    except ImportError:
        return None

    def fit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.asarray(sm.GLM(y, X, family=sm.families.Binomial()).fit().params)

    return fit


def main() -> None:
    X, y = make_data()
    print(f"logistic regression: n = {N}, d = {D}, seed = {SEED}; median time of {REPEATS} fits")
    solvers = {"ng.glm": fit_ng, "scikit-learn": sklearn_fitter(), "statsmodels": statsmodels_fitter()}
    for name in [name for name, fit in solvers.items() if fit is None]:
        print(f"  {name:<13} not importable: row skipped (pip install -r requirements-dev.txt)")
        del solvers[name]
    samples: dict[str, list[float]] = {name: [] for name in solvers}
    coefs: dict[str, np.ndarray] = {}
    for name, fit in solvers.items():
        coefs[name] = fit(X, y)  # warm-up: imports, BLAS thread start-up
    # Round robin, so that a load change on the machine hits every solver alike.
    for r in range(max(REPEATS.values())):
        for name, fit in solvers.items():
            if r < REPEATS[name]:
                samples[name].append(timed(lambda: fit(X, y))[0])
    times = {name: statistics.median(t) for name, t in samples.items()}
    ref = coefs["ng.glm"]
    print(f"  {'solver':<13} {'time [s]':>9} {'max |coef - ng.glm coef|':>26}")
    for name, t in times.items():
        diff = "-" if name == "ng.glm" else f"{np.max(np.abs(coefs[name] - ref)):.2e}"
        print(f"  {name:<13} {t:9.3f} {diff:>26}")
    if "scikit-learn" in times:
        r = times["ng.glm"] / times["scikit-learn"]
        print(f"  ng.glm / scikit-learn time = {r:.2f}  (goal <= 1: no slower than scikit-learn)")
    if "statsmodels" in times:
        r = times["statsmodels"] / times["ng.glm"]
        print(f"  statsmodels / ng.glm time  = {r:.1f}  (goal >= 10)")
    print("  coefficient goal: max difference <= 1e-8")


if __name__ == "__main__":
    main()
