"""pytest configuration shared by tests/ and the doctests of natgrad_lib."""

from __future__ import annotations

import gc

import pytest


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
