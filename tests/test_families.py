"""The registered families: symbolic identities, numeric consistency, reparametrisation."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import natgrad_lib as ng
from natgrad_lib.optim import central_difference
from tests._strategies import POINTS, REGULAR


def test_registry_lists_every_family_of_the_contract():
    assert set(ng.families()) == set(POINTS)


@pytest.mark.parametrize("name", REGULAR)
def test_identities_hold_for_every_regular_family(name):
    rep = ng.verify_identities(ng.family(name))
    assert rep.regular
    for key, check in rep.checks.items():
        assert check.holds, (name, key, check.lhs, check.rhs)
        assert check.method == "symbolic", (name, key, check.method)


def test_uniform_fails_a_and_c_and_explains_why():
    rep = ng.verify_identities(ng.family("uniform"))
    assert rep["0"].holds  # the density itself is fine
    assert not rep.regular
    assert not rep.a.holds and not rep.c.holds
    for key in "ac":
        assert "support" in rep[key].explanation and "Leibniz" in rep[key].explanation
    theta = ng.family("uniform").symbolic.theta[0]
    assert sp.simplify(rep.a.rhs + 1 / theta) == 0  # E[s] = -1/theta
    assert "irregular" in rep._repr_markdown_()


def test_categorical_identities_hold_for_K4():
    rep = ng.verify_identities(ng.family("categorical_softmax", K=4))
    assert rep.all_hold


def test_report_renders_latex():
    md = ng.verify_identities(ng.family("gaussian"))._repr_markdown_()
    assert "$$" in md and r"\sigma" in md and "holds" in md


# --------------------------------------------------------------- numerics vs symbolic
@pytest.mark.parametrize("name", list(POINTS))
def test_score_and_hessian_are_derivatives_of_logpdf(name):
    fam = ng.family(name)
    theta = np.asarray(POINTS[name])
    y = fam.sample(theta, 5, np.random.default_rng(1))
    fd = central_difference(lambda t: fam.logpdf(y, t), theta)
    np.testing.assert_allclose(fam.score(y, theta), fd, rtol=1e-6, atol=1e-7)
    fd_s = central_difference(lambda t: fam.score(y, t), theta)
    np.testing.assert_allclose(fam.hessian(y, theta), fd_s, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["gamma", "beta"])
def test_hand_written_moments_match_quadrature(name):
    """The moment tables are the only hand-written formulas: check them by quadrature."""
    fam = ng.family(name)
    theta = POINTS[name]
    sub = dict(zip(fam.symbolic.theta, theta))
    pdf = sp.lambdify(fam.symbolic.y, fam.symbolic.pdf.subs(sub), "mpmath")
    lo, hi = float(fam.support.lower), fam.support.upper
    hi = mpmath.inf if hi == sp.oo else float(hi)
    (ysym,) = fam.symbolic.y
    mpmath.mp.dps = 30
    for feature, value in fam._moment_table.items():
        g = sp.lambdify(ysym, feature, "mpmath")
        quad = mpmath.quad(lambda t: g(t) * pdf(t), [lo, 1, hi] if hi == mpmath.inf else [lo, hi])
        assert abs(quad - sp.N(value.subs(sub), 30)) < 1e-15, (feature, quad)


def test_fisher_of_one_observation_is_symmetric_and_matches_known_forms():
    assert np.allclose(ng.family("gaussian").fisher([3.0, 0.5]), np.diag([4.0, 8.0]))
    assert np.allclose(ng.family("poisson").fisher([4.0]), [[0.25]])
    p = 0.2
    assert np.allclose(ng.family("bernoulli").fisher([p]), [[1 / (p * (1 - p))]])
    sig = 1 / (1 + np.exp(-0.7))
    assert np.allclose(ng.family("bernoulli_logit").fisher([0.7]), [[sig * (1 - sig)]])


def test_categorical_with_two_classes_is_the_logit_bernoulli():
    cat, ber = ng.family("categorical_softmax", K=2), ng.family("bernoulli_logit")
    y = np.array([0, 1, 1, 0])
    th = np.array([[0.3], [-1.2], [2.0], [5.0]])
    np.testing.assert_allclose(cat.logpdf(y, th), ber.logpdf(y, th), rtol=1e-14)
    np.testing.assert_allclose(cat.fisher(th), ber.fisher(th), rtol=1e-14)


def test_categorical_fisher_is_diag_minus_outer_of_softmax():
    K = 5
    fam = ng.family("categorical_softmax", K=K)
    eta = np.array([0.5, -1.0, 2.0, 0.0])
    logits = np.concatenate([[0.0], eta])
    pi = np.exp(logits - logits.max())
    pi /= pi.sum()
    expected = np.diag(pi[1:]) - np.outer(pi[1:], pi[1:])
    np.testing.assert_allclose(fam.fisher(eta), expected, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------- stability
def test_logit_families_are_stable_for_huge_logits():
    ber = ng.family("bernoulli_logit")
    lp = ber.logpdf([1, 0], [[800.0], [800.0]])
    assert np.isfinite(lp[0]) and lp[0] == pytest.approx(0.0, abs=1e-300)
    assert lp[1] == pytest.approx(-800.0)
    cat = ng.family("categorical_softmax", K=3)
    assert np.all(np.isfinite(cat.fisher([[900.0, -900.0]])))
    assert np.all(np.isfinite(cat.score([0, 1, 2], [900.0, 899.0])))


def test_bernoulli_near_the_edges():
    ber = ng.family("bernoulli")
    lp = ber.logpdf([0, 1], [1e-12])
    assert lp[0] == pytest.approx(-1e-12, rel=1e-3) and lp[1] == pytest.approx(np.log(1e-12))


# ------------------------------------------------------------------ reparametrisation
def _numeric_jacobian(fam, phi):
    return central_difference(fam.to_base, np.asarray(phi, dtype=float))


@pytest.mark.parametrize("name", ["gaussian_logstd", "gaussian_var", "gaussian_natural", "poisson_log"])
def test_reparametrized_fisher_is_jt_i_j_and_kl_is_invariant(name):
    fam = ng.family(name)
    base = fam.base
    phi = np.asarray(POINTS[name])
    theta = fam.to_base(phi)
    J = _numeric_jacobian(fam, phi)
    np.testing.assert_allclose(fam.fisher(phi), J.T @ base.fisher(theta) @ J, rtol=1e-7, atol=1e-9)
    phi_q = phi + 0.1
    np.testing.assert_allclose(fam.kl(phi, phi_q), base.kl(theta, fam.to_base(phi_q)), rtol=1e-12)
    np.testing.assert_allclose(fam.from_base(theta), phi, rtol=1e-12)


@pytest.mark.parametrize("name", ["gaussian", "gaussian_logstd", "gaussian_var", "gaussian_natural",
                                  "poisson_log", "bernoulli_logit"])
def test_base_chart_maps_are_inverse_and_the_jacobian_is_their_derivative(name):
    fam = ng.family(name)
    phi = np.asarray(POINTS[name], dtype=float)
    np.testing.assert_allclose(fam.from_base(fam.to_base(phi)), phi, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fam.jacobian_to_base(phi), _numeric_jacobian(fam, phi), rtol=1e-8, atol=1e-10)
    # the KL is a property of the distributions, so it is the same in the base chart
    phi_q = phi + 0.05
    np.testing.assert_allclose(fam.kl(phi, phi_q), fam.base.kl(fam.to_base(phi), fam.to_base(phi_q)),
                               rtol=1e-10, atol=1e-14)


def test_in_domain_labels_and_evaluate():
    fam = ng.family("gaussian")
    assert fam.in_domain([[0.0, 1.0], [0.0, 0.0], [np.inf, 1.0]]).tolist() == [True, False, False]
    assert fam.labels == ("mu", "sigma") and fam.latex_labels == (r"$\mu$", r"$\sigma$")
    y = np.array([0.3, -1.2, 2.0])
    out = fam.evaluate(["logpdf", "score", "hessian"], y, [0.5, 1.5])
    np.testing.assert_array_equal(out["logpdf"], fam.logpdf(y, [0.5, 1.5]))
    np.testing.assert_array_equal(out["score"], fam.score(y, [0.5, 1.5]))
    np.testing.assert_array_equal(out["hessian"], fam.hessian(y, [0.5, 1.5]))
    with pytest.raises(ValueError, match="quantities must be among"):
        fam.evaluate(["fisher"], y, [0.5, 1.5])
    with pytest.raises(ValueError, match="theta must have shape"):
        fam.in_domain([0.0, 1.0, 2.0])


@pytest.mark.parametrize("name", ["gaussian_logstd", "gaussian_var", "gaussian_natural", "poisson_log"])
def test_chain_rule_score_equals_direct_derivative(name):
    fam = ng.family(name)
    sym = fam.symbolic
    direct = sp.Matrix([sp.diff(sym.logpdf, t) for t in sym.theta])
    assert all(sp.simplify(a - b) == 0 for a, b in zip(direct, sym.score))
    direct_h = sp.hessian(sym.logpdf, sym.theta)
    assert all(sp.simplify(a - b) == 0 for a, b in zip(direct_h, sym.hessian))


def test_user_reparametrisation_of_bernoulli_to_logit_matches_registered_family():
    ber = ng.family("bernoulli")
    logit = ber.reparametrize(
        "my_logit", ["eta"], to_base=lambda e: (1 / (1 + sp.exp(-e)),),
        from_base=lambda p: (sp.log(p / (1 - p)),),
    )
    ref = ng.family("bernoulli_logit")
    eta = np.array([[-2.0], [0.1], [1.5]])
    y = np.array([0, 1, 1])
    np.testing.assert_allclose(logit.fisher(eta), ref.fisher(eta), rtol=1e-12)
    np.testing.assert_allclose(logit.score(y, eta), ref.score(y, eta), rtol=1e-12)
    np.testing.assert_allclose(logit.kl(eta, eta[::-1]), ref.kl(eta, eta[::-1]), rtol=1e-10)
    assert ng.verify_identities(logit).all_hold


def test_reparametrize_rejects_a_non_invertible_map():
    with pytest.raises(ValueError, match="Jacobian"):
        ng.family("gaussian").reparametrize("bad", ["a", "b"], to_base=lambda a, b: (a + b, sp.exp(a + b)))


def test_reparametrize_rejects_strings():
    with pytest.raises(TypeError, match="sympy expressions"):
        ng.family("poisson").reparametrize("bad", ["a"], to_base=lambda a: ("exp(a)",))


def test_kl_expr_accepts_the_family_symbols_on_both_sides():
    """KL(p_{p+td} || p_p) must not collapse to 0 when theta_q reuses the symbol p."""
    fam = ng.family("bernoulli")
    (p,) = fam.symbolic.theta
    t = sp.Symbol("t", real=True)
    forward = fam.kl_expr([p + t], [p])
    value = forward.subs({p: sp.Rational(3, 10), t: sp.Rational(1, 10)})
    expected = fam.kl([0.4], [0.3])
    assert float(value) == pytest.approx(float(expected), rel=1e-12)
    gauss = ng.family("gaussian_logstd")
    mu, ls = gauss.symbolic.theta
    assert sp.simplify(gauss.kl_expr([mu + t, ls], [mu, ls]) - t**2 * sp.exp(-2 * ls) / 2) == 0
