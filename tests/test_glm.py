"""Tests for natgrad_lib.glm: derivatives, Fisher vs Hessian, Newton = natural gradient = IRLS,
stable special functions, fits, separation, input errors and the bundled data set."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib import glm, optim
from natgrad_lib.glm import GLM, PerfectSeparationWarning

CANONICAL = ("logistic", "poisson", "gaussian")


def design(seed, n=60, k=3, scale=0.5):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    beta = rng.normal(size=k) * scale
    return rng, X, beta


def simulate(name, seed, n=60, k=3, scale=0.5):
    rng, X, beta = design(seed, n, k, scale)
    eta = X @ beta
    if name == "gaussian":
        y = eta + rng.normal(size=n)
    elif name == "poisson":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = (rng.uniform(size=n) < GLM(name).mean(beta, X)).astype(float)
    return X, y, beta


def fd_grad(f, beta):
    return optim.central_difference(f, beta)


# ------------------------------------------------------------------------------ construction


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"GLM name must be one of \('logistic', 'poisson', "
                                         r"'gaussian', 'probit'\), got 'logit'"):
        GLM("logit")


def test_links_and_canonical_flags():
    assert [(GLM(n).link, GLM(n).canonical) for n in glm.MODELS] == [
        ("logit", True), ("log", True), ("identity", True), ("probit", False)]
    assert repr(GLM("probit")) == "GLM('probit')"


# ------------------------------------------------------------------------------ derivatives


@pytest.mark.parametrize("name", glm.MODELS)
def test_grad_and_hessian_match_finite_differences(name):
    X, y, beta = simulate(name, seed=3)
    m = GLM(name)
    b = beta + 0.1
    np.testing.assert_allclose(m.grad(b, X, y), fd_grad(lambda t: m.loglik(t, X, y), b),
                               rtol=1e-6, atol=1e-6)
    fd_h = np.array([(m.grad(b + 1e-6 * e, X, y) - m.grad(b - 1e-6 * e, X, y)) / 2e-6 for e in np.eye(3)])
    np.testing.assert_allclose(m.hessian(b, X, y), fd_h, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("name", "family", "extra"), [
    ("logistic", "bernoulli_logit", None), ("poisson", "poisson_log", None), ("gaussian", "gaussian", 1.0)])
def test_canonical_glms_agree_with_the_symbolic_families(name, family, extra):
    """Each canonical GLM is the natgrad family with its natural parameter set to η = xᵀβ."""
    X, y, beta = simulate(name, seed=4)
    fam, m = ng.family(family), GLM(name)
    eta = X @ beta
    theta = eta[:, None] if extra is None else np.column_stack([eta, np.full_like(eta, extra)])
    assert m.loglik(beta, X, y) == pytest.approx(np.sum(fam.logpdf(y, theta)), rel=1e-12)
    np.testing.assert_allclose(m.grad(beta, X, y), X.T @ fam.score(y, theta)[:, 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.hessian(beta, X, y), X.T @ (fam.hessian(y, theta)[:, 0, 0][:, None] * X),
                               rtol=1e-10)
    np.testing.assert_allclose(m.fisher(beta, X), X.T @ (fam.fisher(theta)[:, 0, 0][:, None] * X), rtol=1e-10)


@pytest.mark.parametrize("name", CANONICAL)
def test_canonical_fisher_is_exactly_minus_hessian(name):
    X, y, beta = simulate(name, seed=5)
    m = GLM(name)
    np.testing.assert_array_equal(m.hessian(beta, X, y), -m.fisher(beta, X, y))


def test_probit_fisher_differs_from_minus_hessian():
    X, y, beta = simulate("probit", seed=5)
    m = GLM("probit")
    diff = np.abs(m.hessian(beta, X, y) + m.fisher(beta, X))
    assert diff.max() > 1e-2 * np.abs(m.fisher(beta, X)).max()


@settings(max_examples=100, deadline=None)
@given(eta=st.floats(-40.0, 40.0), x=st.floats(-3.0, 3.0))
def test_probit_expected_negative_hessian_is_fisher_exactly(eta, x):
    """E_y[−H] = Σ_{y∈{0,1}} p(y) (−H(y)) = I, for a single observation."""
    m = GLM("probit")
    X = np.array([[1.0, x]])
    beta = np.array([eta, 0.5])
    p1, p0 = float(m.mean(beta, X)[0]), float(m.mean(-beta, X)[0])  # Φ(η), Φ(−η): no 1 − p
    expected = -(p1 * m.hessian(beta, X, [1.0]) + p0 * m.hessian(beta, X, [0.0]))
    fisher = m.fisher(beta, X)
    np.testing.assert_allclose(expected, fisher, rtol=1e-9, atol=1e-300)


def test_probit_expected_negative_hessian_is_fisher_by_monte_carlo():
    rng, X, beta = design(seed=6, n=40, scale=0.8)
    m = GLM("probit")
    mu = m.mean(beta, X)
    reps = 4000
    draws = np.array([-m.hessian(beta, X, (rng.uniform(size=X.shape[0]) < mu).astype(float))
                      for _ in range(reps)])
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / math.sqrt(reps)
    z = (mean - m.fisher(beta, X)) / se
    assert np.max(np.abs(z)) < 5


def test_empirical_fisher_is_the_sum_of_score_outer_products():
    for name in glm.MODELS:
        X, y, beta = simulate(name, seed=7, n=15)
        m = GLM(name)
        scores = np.array([m.grad(beta, X[i:i + 1], y[i:i + 1]) for i in range(15)])
        np.testing.assert_allclose(m.empirical_fisher(beta, X, y), scores.T @ scores, rtol=1e-12)


def test_objective_matches_the_methods():
    X, y, beta = simulate("probit", seed=8)
    m = GLM("probit")
    obj = m.objective(X, y)
    assert obj.loglik(beta) == m.loglik(beta, X, y)
    np.testing.assert_array_equal(obj.grad(beta), m.grad(beta, X, y))
    np.testing.assert_array_equal(obj.fisher(beta), m.fisher(beta, X))
    np.testing.assert_array_equal(obj.hessian(beta), m.hessian(beta, X, y))
    np.testing.assert_array_equal(obj.empirical_fisher(beta), m.empirical_fisher(beta, X, y))
    obj.loglik(beta + 1.0)  # the η cache follows β
    np.testing.assert_array_equal(obj.grad(beta), m.grad(beta, X, y))


# ------------------------------------------------------------------------------ Newton = natural = IRLS


@pytest.mark.parametrize("name", CANONICAL)
def test_newton_and_natural_iterates_coincide_for_canonical_links(name):
    X, y, _ = simulate(name, seed=9, n=200, k=4)
    obj = GLM(name).objective(X, y)
    kw = dict(max_iter=8, tol=None)
    nat = optim.optimize(obj, np.zeros(4), "natural", **kw)
    newt = optim.optimize(obj, np.zeros(4), "newton", **kw)
    np.testing.assert_allclose(nat.theta, newt.theta, rtol=0, atol=1e-10)


def test_newton_and_natural_iterates_differ_for_probit():
    X, y, _ = simulate("probit", seed=9, n=200, k=4)
    obj = GLM("probit").objective(X, y)
    nat = optim.optimize(obj, np.zeros(4), "natural", max_iter=3, tol=None)
    newt = optim.optimize(obj, np.zeros(4), "newton", max_iter=3, tol=None)
    assert np.abs(nat.theta[2] - newt.theta[2]).max() > 1e-4
    # ... yet both reach the same MLE.
    a, b = GLM("probit").fit(X, y, "natural", tol=1e-12), GLM("probit").fit(X, y, "newton", tol=1e-12)
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-9)


@pytest.mark.parametrize("name", glm.MODELS)
def test_irls_step_is_the_fisher_scoring_step(name):
    X, y, beta = simulate(name, seed=10)
    m = GLM(name)
    b = beta + 0.2
    irls = m.irls_step(b, X, y)
    np.testing.assert_allclose(irls, optim.natural_step(m.objective(X, y), b), rtol=1e-10, atol=1e-12)
    if m.canonical:
        np.testing.assert_allclose(irls, optim.newton_step(m.objective(X, y), b), rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(glm.MODELS))
def test_natural_step_is_invariant_under_linear_reparametrisation(seed, name):
    """With β = Aγ the model uses X A; the natural step in γ maps to the one in β, and the
    gradient step does not."""
    X, y, beta = simulate(name, seed=seed % 1000, n=40)
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    A = (q * rng.uniform(0.3, 3.0, size=3)) @ np.linalg.qr(rng.normal(size=(3, 3)))[0]
    gamma = np.linalg.solve(A, beta)
    m = GLM(name)
    obj_b, obj_g = m.objective(X, y), m.objective(X @ A, y)
    np.testing.assert_allclose(A @ optim.natural_step(obj_g, gamma), optim.natural_step(obj_b, beta),
                               rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(A @ optim.natural_step_kl(obj_g, gamma, 0.01),
                               optim.natural_step_kl(obj_b, beta, 0.01), rtol=1e-8, atol=1e-10)
    grad_b = optim.gradient_step(obj_b, beta, lr=0.01) - beta
    grad_g = A @ (optim.gradient_step(obj_g, gamma, lr=0.01) - gamma)  # = A Aᵀ (β-step)
    np.testing.assert_allclose(grad_g, A @ A.T @ grad_b, rtol=1e-8, atol=1e-12)
    if np.abs(grad_b).max() > 1e-6:
        assert np.abs(grad_g - grad_b).max() > 1e-6 * np.abs(grad_b).max()


# ------------------------------------------------------------------------------ numerical stability


def test_probit_log_cdf_and_mills_ratio_against_mpmath():
    mpmath.mp.dps = 50
    us = np.concatenate([-np.geomspace(1e-3, 1e5, 120), np.linspace(-10.0, 37.5, 120)])
    log_cdf, mills, u_plus = glm._probit_parts(us)

    def ref(u):
        u = mpmath.mpf(u)
        cdf = mpmath.ncdf(u)
        lam = mpmath.npdf(u) / cdf
        log_cdf = mpmath.log(cdf) if u < 0 else mpmath.log1p(-mpmath.ncdf(-u))
        return float(log_cdf), float(lam), float(u + lam)

    expected = np.array([ref(u) for u in us])
    np.testing.assert_allclose(log_cdf, expected[:, 0], rtol=1e-14)
    np.testing.assert_allclose(mills, expected[:, 1], rtol=1e-14)
    np.testing.assert_allclose(u_plus, expected[:, 2], rtol=1e-13)


def test_loglik_is_finite_far_in_the_tails():
    X = np.array([[1.0], [1.0]])
    y = np.array([1.0, 0.0])
    for b, logistic, probit in [(-800.0, -800.0, float(mpmath.log(mpmath.ncdf(-800)))),
                                (40.0, -40.0, float(mpmath.log(mpmath.ncdf(-40))))]:
        beta = np.array([b])
        # One observation is fitted almost perfectly (log p ≈ 0), the other is badly misfitted.
        assert GLM("logistic").loglik(beta, X, y) == pytest.approx(logistic, rel=1e-14)
        assert GLM("probit").loglik(beta, X, y) == pytest.approx(probit, rel=1e-14)
        for name in ("logistic", "probit"):
            assert np.all(np.isfinite(GLM(name).grad(beta, X, y)))
            assert np.all(np.isfinite(GLM(name).hessian(beta, X, y)))
            assert np.all(np.isfinite(GLM(name).fisher(beta, X)))


def test_poisson_log_factorial_for_large_counts():
    y = np.array([0.0, 1.0, 5.0, 1024.0, 1025.0, 2000.0, 1e6, 1e12])
    expected = -np.sum([math.lgamma(v + 1) for v in y])
    assert GLM("poisson").loglik([0.0], np.ones((y.size, 1)), y) == pytest.approx(expected - y.size, rel=1e-14)


def test_poisson_overflow_is_rejected_by_the_line_search():
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    y = np.array([0.0, 3.0, 200.0, 4000.0])
    fit = GLM("poisson").fit(X, y, method="gradient", lr=10.0, max_iter=20)  # huge first trials
    assert np.all(np.isfinite(fit.trajectory.loglik))


# ------------------------------------------------------------------------------ fits


def test_breast_cancer_fit_and_standard_errors():
    X, y, names = glm.load_dataset("breast_cancer")
    m = GLM("logistic")
    fit = m.fit(X, y)
    assert fit.converged and fit.model == "logistic" and fit.method == "natural"
    assert np.abs(m.grad(fit.coef, X, y)).max() < 1e-9
    assert fit.loglik == pytest.approx(m.loglik(fit.coef, X, y), rel=1e-15)
    # stderr = √diag I⁻¹, checked against the inverse of the observed information obtained by
    # finite differences of the gradient (for a canonical link, observed = expected).
    fd_h = np.array([(m.grad(fit.coef + 1e-6 * e, X, y) - m.grad(fit.coef - 1e-6 * e, X, y)) / 2e-6
                     for e in np.eye(4)])
    np.testing.assert_allclose(fit.stderr, np.sqrt(np.diag(np.linalg.inv(-fd_h))), rtol=1e-6)
    assert fit.trajectory.theta.shape == (fit.n_iter + 1, 4)
    assert "beta[2] =  9.69" in repr(fit)


@pytest.mark.parametrize("name", glm.MODELS)
def test_fit_agrees_with_statsmodels(name):
    sm = pytest.importorskip("statsmodels.api")
    families = {"logistic": sm.families.Binomial(), "poisson": sm.families.Poisson(),
                "gaussian": sm.families.Gaussian(),
                "probit": sm.families.Binomial(sm.families.links.Probit())}
    X, y, _ = simulate(name, seed=11, n=300, k=4)
    ref = sm.GLM(y, X, family=families[name]).fit(tol=1e-14, scale=1.0)
    fit = GLM(name).fit(X, y, tol=1e-12)
    np.testing.assert_allclose(fit.coef, ref.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.stderr, ref.bse, rtol=1e-7)
    llf = ref.model.family.loglike(y, ref.mu, scale=1.0)  # the gaussian GLM has unit variance
    assert fit.loglik == pytest.approx(llf, rel=1e-10)


@pytest.mark.parametrize("method", ["natural", "newton", "empirical_fisher"])
def test_methods_reach_the_same_mle(method):
    X, y, _ = simulate("logistic", seed=12, n=300)
    ref = GLM("logistic").fit(X, y, "newton")
    fit = GLM("logistic").fit(X, y, method, max_iter=500)
    assert fit.converged
    np.testing.assert_allclose(fit.coef, ref.coef, rtol=1e-8)


def test_gradient_ascent_is_slower():
    X, y, _ = simulate("logistic", seed=12, n=300)
    nat = GLM("logistic").fit(X, y, "natural")
    grad = GLM("logistic").fit(X, y, "gradient", max_iter=nat.n_iter)
    assert not grad.converged and grad.loglik < nat.loglik
    assert np.all(np.isfinite(grad.stderr))


def test_beta0_and_damping():
    X, y, _ = simulate("poisson", seed=13)
    ref = GLM("poisson").fit(X, y)
    fit = GLM("poisson").fit(X, y, beta0=ref.coef + 0.01, damping=1e-6)
    assert fit.converged
    np.testing.assert_allclose(fit.coef, ref.coef, rtol=1e-8)


# ------------------------------------------------------------------------------ separation


@pytest.mark.parametrize("name", ["logistic", "probit"])
def test_complete_separation_warns(name):
    x = np.array([-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0])
    X = np.column_stack([np.ones_like(x), x])
    y = (x > 0).astype(float)
    with pytest.warns(PerfectSeparationWarning, match="perfect separation"):
        fit = GLM(name).fit(X, y)
    assert not fit.converged
    assert np.all(np.isfinite(fit.coef)) and np.all(np.isnan(fit.stderr))
    assert np.all((2 * y - 1) * (X @ fit.coef) > 0)


@pytest.mark.parametrize("name", ["logistic", "probit"])
def test_quasi_complete_separation_warns(name):
    x = np.array([-3.0, -2.0, -1.0, 0.0, 0.0, 1.0, 2.0, 3.0])
    X = np.column_stack([np.ones_like(x), x])
    y = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])  # the two points at x = 0 overlap
    with pytest.warns(PerfectSeparationWarning, match="quasi-complete separation"):
        fit = GLM(name).fit(X, y)
    assert not fit.converged and np.all(np.isnan(fit.stderr))
    assert fit.coef[1] > 5  # the slope is running away
    assert fit.coef[0] == pytest.approx(0.0, abs=1e-6)  # the overlapping pair is fitted at p = 1/2


def test_bundled_data_are_not_separable():
    """On its 3 features the breast-cancer data are not separable: the fits converge without any
    warning (warnings are errors in this test suite)."""
    X, y, _ = glm.load_dataset()
    assert GLM("logistic").fit(X, y).converged and GLM("probit").fit(X, y).converged


# ------------------------------------------------------------------------------ input errors


@pytest.mark.parametrize(
    ("name", "X", "y", "exc", "match"),
    [
        ("logistic", np.ones(3), [0, 1, 0], ValueError, r"X must be a 2-D design matrix .* got shape \(3,\)"),
        ("logistic", np.ones((0, 2)), [], ValueError, "X must be a 2-D design matrix"),
        ("logistic", [[1.0, np.nan], [1.0, 0.0]], [0, 1], ValueError, "X must be finite, got nan at index"),
        ("logistic", "X", [0, 1], TypeError, "X must be numeric"),
        ("logistic", np.ones((3, 2)), [0, 1], ValueError, r"y must have shape \(n,\) = \(3,\) to match X"),
        ("logistic", np.ones((2, 2)), [[0, 1]], ValueError, r"y must have shape \(n,\) = \(2,\)"),
        ("logistic", np.ones((2, 2)), [0, np.inf], ValueError, "y must be finite"),
        ("logistic", np.ones((3, 2)), [0, 2, 1], ValueError,
         r"y must be 0 or 1 for the 'logistic' GLM, got 2.0 at index \(1,\)"),
        ("probit", np.ones((3, 2)), [0, 0.5, 1], ValueError, "y must be 0 or 1 for the 'probit' GLM, got 0.5"),
        ("poisson", np.ones((2, 2)), [1, -1], ValueError,
         "y must be a non-negative integer count for the 'poisson' GLM, got -1.0"),
        ("poisson", np.ones((2, 2)), [1.5, 1], ValueError, "non-negative integer count .* got 1.5"),
    ],
)
def test_bad_data_is_a_clear_error(name, X, y, exc, match):
    m = GLM(name)
    for call in (lambda: m.fit(X, y), lambda: m.loglik(np.zeros(2), X, y), lambda: m.grad(np.zeros(2), X, y),
                 lambda: m.hessian(np.zeros(2), X, y), lambda: m.objective(X, y)):
        with pytest.raises(exc, match=match):
            call()


def test_bad_beta_is_a_clear_error():
    m = GLM("gaussian")
    X, y = np.ones((3, 2)), np.zeros(3)
    with pytest.raises(ValueError, match=r"beta must have shape \(k,\) = \(2,\) to match X, got shape \(3,\)"):
        m.loglik(np.zeros(3), X, y)
    with pytest.raises(ValueError, match="beta must be finite"):
        m.fisher([np.nan, 0.0], X)
    with pytest.raises(ValueError, match=r"beta0 must have shape \(k,\) = \(2,\)"):
        m.fit(X, y, beta0=[0.0])
    with pytest.raises(ValueError, match="method must be one of"):
        m.fit(X, y, method="bfgs")
    with pytest.raises(ValueError, match="y must have shape"):
        m.fisher(np.zeros(2), X, np.zeros(2))


def test_rank_deficient_design_is_a_clear_error():
    rng = np.random.default_rng(14)
    x = rng.normal(size=20)
    X = np.column_stack([np.ones(20), x, 2 * x])
    y = (x > 0).astype(float)
    y[:3] = 1 - y[:3]
    with pytest.raises(np.linalg.LinAlgError, match="fisher is .* at iteration 0.*linearly dependent"):
        GLM("logistic").fit(X, y)


# ------------------------------------------------------------------------------ data set


def test_load_dataset():
    X, y, names = glm.load_dataset("breast_cancer")
    assert X.shape == (569, 4) and y.shape == (569,)
    assert names == ("intercept", "mean_texture", "worst_area", "worst_smoothness")
    np.testing.assert_array_equal(X[:, 0], 1.0)
    np.testing.assert_allclose(X[:, 1:].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X[:, 1:].std(axis=0), 1.0, rtol=1e-12)
    assert set(np.unique(y)) == {0.0, 1.0} and int(y.sum()) == 212
    with pytest.raises(ValueError, match=r"data set name must be one of \('breast_cancer',\), got 'iris'"):
        glm.load_dataset("iris")
