"""Bad input gets a clear error naming the argument, the constraint and the value."""

from __future__ import annotations

import numpy as np
import pytest

import natgrad_lib as ng

RNG = np.random.default_rng(0)


def test_unknown_family_lists_valid_names():
    with pytest.raises(ValueError, match="unknown family 'gausian'; valid names: bernoulli"):
        ng.family("gausian")


def test_family_options():
    with pytest.raises(ValueError, match="K must be an integer >= 2, got 1"):
        ng.family("categorical_softmax", K=1)
    with pytest.raises(TypeError, match="takes no options"):
        ng.family("gaussian", K=3)


@pytest.mark.parametrize(
    ("name", "theta", "message"),
    [
        ("gaussian", [0.0, -1.0], "sigma must be > 0, got -1.0"),
        ("gaussian", [0.0, 0.0], "sigma must be > 0, got 0.0"),
        ("bernoulli", [1.2], r"p must be in the open interval \(0, 1\), got 1.2"),
        ("bernoulli", [0.0], r"p must be in the open interval \(0, 1\), got 0.0"),
        ("poisson", [-2.0], "lam must be > 0, got -2.0"),
        ("gaussian_natural", [0.0, 0.5], "eta2 must be < 0, got 0.5"),
        ("gamma", [np.nan, 1.0], "theta must be finite, got nan"),
        ("exponential", [np.inf], "theta must be finite, got inf"),
    ],
)
def test_parameters_outside_their_domain(name, theta, message):
    with pytest.raises(ValueError, match=message):
        ng.family(name).fisher(theta)


def test_theta_with_the_wrong_number_of_parameters():
    with pytest.raises(ValueError, match=r"theta must have shape \(\.\.\., 2\) with last axis \(mu, sigma\), got shape \(3,\)"):
        ng.family("gaussian").fisher([0.0, 1.0, 2.0])


def test_theta_that_is_not_numeric():
    with pytest.raises(TypeError, match="theta must be numeric, got 'abc'"):
        ng.family("poisson").fisher("abc")


@pytest.mark.parametrize(
    ("name", "theta", "y", "message"),
    [
        ("bernoulli", [0.5], [0, 2], r"y must be in the support \{0, 1\}, got 2.0"),
        ("bernoulli", [0.5], [0.5], "y must be integer-valued"),
        ("poisson", [1.0], [-1], r"y must be in the support \{0, 1, 2, \.\.\.\}, got -1.0"),
        ("exponential", [1.0], [-0.1], r"y must be in the support \[0, inf\), got -0.1"),
        ("beta", [1.0, 1.0], [1.5], r"y must be in the support \(0, 1\), got 1.5"),
        ("uniform", [2.0], [2.5], r"y must be in the support \[0, theta\], got 2.5"),
        ("gaussian", [0.0, 1.0], [np.nan], "y must be finite, got nan"),
        ("categorical_softmax", [0.0, 0.0], [3], r"y must be in the support \{0, \.\.\., 2\}, got 3.0"),
    ],
)
def test_observations_outside_the_support(name, theta, y, message):
    with pytest.raises(ValueError, match=message):
        ng.family(name).logpdf(y, theta)


def test_shapes_that_do_not_broadcast():
    fam = ng.family("gaussian")
    with pytest.raises(ValueError, match=r"shapes do not broadcast: y has shape \(3,\), theta\[\.\.\., 0\] has shape \(2,\)"):
        fam.logpdf(np.zeros(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="shapes do not broadcast"):
        fam.kl(np.ones((2, 2)), np.ones((3, 2)))


def test_monte_carlo_needs_two_samples_and_a_generator():
    fam = ng.family("poisson")
    with pytest.raises(ValueError, match="n must be an integer >= 2, got 1"):
        ng.mc_check(fam, [1.0], 1, RNG)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        ng.mc_check(fam, [1.0], 100, 42)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        fam.sample([1.0], 3, np.random.RandomState(0))
    with pytest.raises(TypeError, match="n must be an integer"):
        ng.mc_check(fam, [1.0], 10.5, RNG)


def test_sample_size_must_be_non_negative():
    with pytest.raises(ValueError, match="size must be a non-negative int"):
        ng.family("poisson").sample([1.0], -3, RNG)


def test_overflow_is_an_error_not_nan():
    with pytest.raises(ValueError, match="not finite"):
        ng.family("poisson_log").fisher([800.0])


def test_kl_may_be_infinite_but_never_nan():
    fam = ng.family("uniform")
    assert fam.kl([2.0], [1.0]) == np.inf
    assert fam.kl([1.0], [2.0]) == pytest.approx(np.log(2.0))


def test_verify_identities_rejects_a_non_family():
    with pytest.raises(TypeError, match="fam must be a natgrad_lib Family, got str"):
        ng.verify_identities("gaussian")


def test_expect_refuses_strings():
    with pytest.raises(TypeError, match="must be a sympy expression or a number"):
        ng.family("poisson").expect("y**2")
