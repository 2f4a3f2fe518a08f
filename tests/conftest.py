"""Fixtures shared by the tests in tests/ (the repository's conftest.py holds the session-wide
configuration: hypothesis profiles, the book build, the xdist scheduler, doctest imports).

- matplotlib draws with Agg, set once here (no test module sets the backend itself);
- every figure a test leaves open is closed after it (no pyplot import unless the test used it);
- ``rng``: a seeded ``numpy.random.Generator``, new for each test;
- ``y_gauss``, ``y_bern``: the Gaussian and binary data of chapter 07's optimiser explorer.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

try:
    import matplotlib
except ModuleNotFoundError:   # a library-only environment: the plotting tests skip themselves
    matplotlib = None
else:
    matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure the test left open (only if it imported pyplot at all)."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed, new for each test (tests never share random state)."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def y_gauss() -> np.ndarray:
    """40 draws from N(2, 0.6²): the Gaussian data of the optimiser explorer and the races."""
    return np.random.default_rng(20260701).normal(2.0, 0.6, size=40)


@pytest.fixture(scope="session")
def y_bern() -> np.ndarray:
    """20 binary observations with success probability 0.8."""
    return (np.random.default_rng(1).random(20) < 0.8).astype(float)
