"""pytest configuration shared by tests/ and the doctests of natgrad_lib."""

from __future__ import annotations

import gc
import os

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles. "ci" (chosen when the CI variable is set, as .ci/run sets it) is
# derandomised: every CI run tries the same examples, so a red CI means a real regression,
# not an unlucky draw; no example database is written, and a slow example on a loaded
# machine is never an error (deadline=None, too_slow suppressed). "dev" (the default)
# draws new examples on every run, the nightly-style search for counterexamples.
# HYPOTHESIS_PROFILE=ci|dev overrides the choice.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _no_pending_lambdify_garbage(request: pytest.FixtureRequest) -> None:
    """Collect garbage before each doctest, so that a doctest cannot fail at random.

    sympy's ``lambdify`` registers each generated function in ``linecache.cache`` and
    removes the entry when the function is garbage-collected. A doctest starts by
    calling ``linecache.checkcache()``, which on Python 3.11 iterates over the keys
    it listed first; a garbage collection in the middle of that loop deletes an entry
    and the doctest fails with ``KeyError: '<lambdifygenerated-N>'``. With nothing
    left to collect when the doctest starts, that cannot happen.
    """
    if type(request.node).__name__ == "DoctestItem":
        gc.collect()
