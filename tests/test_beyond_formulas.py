"""The closed forms stated in chapter 07 ("Beyond the problem set"), checked with sympy against
the library's symbolic Hessian and Fisher, and numerically against ng.glm / ng.optim."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import natgrad_lib as ng
from natgrad_lib import optim, races


def test_gaussian_negative_hessian_of_a_data_set_and_its_determinant():
    """eq-beyond-gauss-hessian and eq-beyond-gauss-pd: with sum(y-mu) = n delta and
    sum (y-mu)^2 = n (s^2 + delta^2), -H = n/sigma^2 [[1, 2delta/sigma], [., 3(s^2+delta^2)/sigma^2 - 1]]
    and det(-H) = n^2 (3 s^2 - delta^2 - sigma^2) / sigma^6."""
    fam = ng.family("gaussian")
    mu, sigma = fam.symbolic.theta
    (y,) = fam.symbolic.y
    n, delta, s2 = sp.symbols("n delta s2", positive=True)
    r = sp.Symbol("r")
    neg_h_one = (-fam.symbolic.hessian).subs(y, mu + r).applyfunc(sp.expand)
    moments = {0: n, 1: n * delta, 2: n * (s2 + delta**2)}

    def summed(entry):
        return sum(coef * moments[k] for (k,), coef in sp.Poly(entry, r).terms())

    neg_h = neg_h_one.applyfunc(summed)
    stated = n / sigma**2 * sp.Matrix([[1, 2 * delta / sigma],
                                       [2 * delta / sigma, 3 * (s2 + delta**2) / sigma**2 - 1]])
    assert (neg_h - stated).applyfunc(sp.simplify) == sp.zeros(2, 2)
    assert sp.simplify(neg_h.det() - n**2 * (3 * s2 - delta**2 - sigma**2) / sigma**6) == 0
    # equal to n I_1 exactly at delta = 0, sigma^2 = s^2
    diff = (neg_h - n * fam.symbolic.fisher).subs({delta: 0, s2: sigma**2}).applyfunc(sp.simplify)
    assert diff == sp.zeros(2, 2)


def test_gaussian_natural_parameters_hessian_is_free_of_y_and_equals_minus_fisher():
    fam = ng.family("gaussian_natural")
    (y,) = fam.symbolic.y
    assert y not in fam.symbolic.hessian.free_symbols
    assert sp.simplify(-fam.symbolic.hessian - fam.symbolic.fisher) == sp.zeros(2, 2)


def test_probit_at_zero_observed_curvature_equals_fisher_weight_two_over_pi():
    """At eta = 0: d^2 log Phi = d^2 log(1 - Phi) = -2/pi, and phi(0)^2 / (Phi(0)(1-Phi(0))) = 2/pi."""
    eta = sp.Symbol("eta", real=True)
    Phi = (1 + sp.erf(eta / sp.sqrt(2))) / 2
    phi = sp.exp(-eta**2 / 2) / sp.sqrt(2 * sp.pi)
    for branch in (sp.log(Phi), sp.log(1 - Phi)):
        assert sp.simplify(sp.diff(branch, eta, 2).subs(eta, 0) + 2 / sp.pi) == 0
    assert sp.simplify((phi**2 / (Phi * (1 - Phi))).subs(eta, 0) - 2 / sp.pi) == 0
    # and numerically, through ng.glm: -H = I at beta = 0 for any labels
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(50), rng.normal(size=50)])
    y = (rng.random(50) < 0.5).astype(float)
    model = ng.glm.GLM("probit")
    np.testing.assert_allclose(-model.hessian(np.zeros(2), X, y), model.fisher(np.zeros(2), X), rtol=1e-12)


def test_poisson_hessian_and_fisher_in_both_charts():
    """Exercise: -l'' = n ybar / lambda^2 vs n I_1 = n / lambda; in log lambda both are n e^eta."""
    lam, eta, n, ybar = sp.symbols("lambda eta n ybar", positive=True)
    loglik_lam = n * (ybar * sp.log(lam) - lam)          # up to a constant
    loglik_eta = n * (ybar * eta - sp.exp(eta))
    assert sp.simplify(-sp.diff(loglik_lam, lam, 2) - n * ybar / lam**2) == 0
    assert sp.simplify(-sp.diff(loglik_eta, eta, 2) - n * sp.exp(eta)) == 0
    fam, fam_log = ng.family("poisson"), ng.family("poisson_log")
    assert sp.simplify(fam.symbolic.fisher[0, 0] - 1 / fam.symbolic.theta[0]) == 0
    assert sp.simplify(fam_log.symbolic.fisher[0, 0] - sp.exp(fam_log.symbolic.theta[0])) == 0


@pytest.mark.parametrize("s, mu0", [(1.0, -20.0), (2.0, -0.3), (0.6, -0.3)])
def test_empirical_fisher_map_of_the_gaussian_mean(s, mu0):
    """eq-beyond-ef-map: one empirical-Fisher step with alpha = 1 sends delta to delta (1 - 1/(s^2 + delta^2))."""
    z = np.random.default_rng(5).normal(size=50)
    y = s * (z - z.mean()) / z.std()                      # ybar = 0, s^2 exactly
    prob = races.glm_problem("gaussian", np.ones((50, 1)), y)
    path = optim.optimize(prob.objective, [mu0], "empirical_fisher", max_iter=3, lr=1.0, **races.RACE_OPTIONS)
    delta = -path.theta[:, 0]
    np.testing.assert_allclose(delta[1:], delta[:-1] * (1 - 1 / (s**2 + delta[:-1] ** 2)), rtol=1e-10)
