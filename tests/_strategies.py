"""Shared helpers for the library tests: valid parameter values for every family."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import natgrad_lib as ng

#: A fixed, valid parameter point for every registered family (k entries each).
POINTS = {
    "bernoulli": [0.3],
    "bernoulli_logit": [0.4],
    "categorical_softmax": [0.2, -0.5],
    "poisson": [3.0],
    "poisson_log": [0.5],
    "exponential": [2.0],
    "gaussian": [1.0, 2.0],
    "gaussian_logstd": [1.0, 0.3],
    "gaussian_var": [1.0, 2.0],
    "gaussian_natural": [0.5, -0.7],
    "gamma": [2.5, 1.5],
    "beta": [2.0, 3.0],
    "uniform": [2.0],
}

REGULAR = [n for n in ng.families() if n != "uniform"]


def param_value(spec: ng.Param) -> st.SearchStrategy[float]:
    """Values well inside a parameter's domain (away from the edges where floats fail)."""
    lo, hi = spec.lower, spec.upper
    if math.isinf(lo) and math.isinf(hi):
        return st.floats(-3.0, 3.0)
    if math.isinf(hi):
        return st.floats(lo + 0.2, lo + 5.0)
    if math.isinf(lo):
        return st.floats(hi - 5.0, hi - 0.2)
    width = hi - lo
    return st.floats(lo + 0.02 * width, hi - 0.02 * width)


def theta_for(fam: ng.Family, batch: tuple[int, ...] = ()) -> st.SearchStrategy[np.ndarray]:
    """Parameter arrays of shape batch + (k,) for ``fam``."""
    size = int(np.prod(batch)) if batch else 1
    cols = [st.lists(param_value(p), min_size=size, max_size=size) for p in fam.param_specs]
    return st.tuples(*cols).map(
        lambda cs: np.stack([np.asarray(c).reshape(batch) for c in cs], axis=-1)
    )
