"""Property-based tests (hypothesis): shapes, broadcasting, Fisher SPD, KL >= 0."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import natgrad_lib as ng
from tests._strategies import theta_for

FAMILIES = list(ng.families())
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", FAMILIES)
@SETTINGS
@given(data=st.data())
def test_shapes_broadcast_over_leading_axes(name, data):
    fam = ng.family(name)
    batch = data.draw(st.sampled_from([(), (3,), (2, 3)]))
    theta = data.draw(theta_for(fam, batch))
    y = fam.sample(theta, 4, np.random.default_rng(0))  # (4, *batch)
    assert y.shape == (4, *batch)
    assert fam.logpdf(y, theta).shape == (4, *batch)
    assert fam.score(y, theta).shape == (4, *batch, fam.k)
    assert fam.hessian(y, theta).shape == (4, *batch, fam.k, fam.k)
    assert fam.fisher(theta).shape == (*batch, fam.k, fam.k)
    assert fam.kl(theta, theta).shape == batch
    # evaluating one element at a time gives the same numbers
    if batch:
        idx = (0,) * len(batch)
        np.testing.assert_allclose(fam.score(y[(slice(None), *idx)], theta[idx]),
                                   fam.score(y, theta)[(slice(None), *idx)], rtol=1e-12)


@pytest.mark.parametrize("name", FAMILIES)
@SETTINGS
@given(data=st.data())
def test_fisher_is_symmetric_positive_definite(name, data):
    fam = ng.family(name)
    theta = data.draw(theta_for(fam))
    fisher = fam.fisher(theta)
    np.testing.assert_allclose(fisher, fisher.T, rtol=1e-12, atol=1e-14)
    assert np.linalg.eigvalsh(fisher).min() > 0


@pytest.mark.parametrize("name", FAMILIES)
@SETTINGS
@given(data=st.data())
def test_kl_is_nonnegative_and_zero_on_the_diagonal(name, data):
    fam = ng.family(name)
    tp = data.draw(theta_for(fam))
    tq = data.draw(theta_for(fam))
    assert fam.kl(tp, tq) >= -1e-12
    assert abs(fam.kl(tp, tp)) < 1e-12


@pytest.mark.parametrize("name", ["gaussian_logstd", "gaussian_var", "gaussian_natural", "poisson_log"])
@SETTINGS
@given(data=st.data())
def test_kl_is_invariant_under_reparametrisation(name, data):
    fam = ng.family(name)
    tp = data.draw(theta_for(fam))
    tq = data.draw(theta_for(fam))
    base = fam.base
    np.testing.assert_allclose(fam.kl(tp, tq), base.kl(fam.to_base(tp), fam.to_base(tq)),
                               rtol=1e-9, atol=1e-12)


@SETTINGS
@given(K=st.integers(2, 6), data=st.data())
def test_categorical_accepts_any_K(K, data):
    fam = ng.family("categorical_softmax", K=K)
    theta = data.draw(theta_for(fam))
    probs = np.exp(fam.logpdf(np.arange(K), theta))
    assert probs.sum() == pytest.approx(1.0)
