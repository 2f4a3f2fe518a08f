"""Properties that chapter 06 (Newton's method is the natural gradient for GLMs) relies on and
that tests/test_glm.py does not already cover: the y-independence of the canonical Hessian,
checked symbolically with the library's family definitions; the probit counterexample,
symbolically and by Monte Carlo on the bundled data set; the rank-one Fisher information of
one observation; the divergence of undamped Newton steps on a concave log-likelihood; and
the GLM plots."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import natgrad_lib as ng
from natgrad_lib import optim
from natgrad_lib._sym import explicit
from natgrad_lib.glm import GLM, load_dataset

X1, X2, T1, T2 = sp.symbols("x_1 x_2 theta_1 theta_2", real=True)
ETA = sp.Symbol("eta", real=True)
LINEAR = T1 * X1 + T2 * X2
XXT = sp.Matrix([X1, X2]) * sp.Matrix([[X1, X2]])


def _is_zero(matrix: sp.Matrix) -> bool:
    """Every entry simplifies to 0, after writing theta_1 through eta = theta^T x."""
    to_eta = {T1: (ETA - T2 * X2) / X1}
    return all(sp.simplify(explicit(e).subs(to_eta)) == 0 for e in matrix)


def _one_observation(fam, sub):
    log_p = fam.symbolic.logpdf.subs(sub)
    score = sp.Matrix([sp.diff(log_p, t) for t in (T1, T2)])
    neg_hessian = -sp.hessian(log_p, (T1, T2))
    fisher = (score * score.T).applyfunc(lambda e: fam.expect(e).subs(sub))
    return neg_hessian, fisher


# ------------------------------------------------------------------------------ symbolic


@pytest.mark.parametrize(("name", "params", "a2"), [
    ("bernoulli_logit", lambda th: {th[0]: LINEAR}, sp.exp(ETA) / (1 + sp.exp(ETA)) ** 2),
    ("poisson_log", lambda th: {th[0]: LINEAR}, sp.exp(ETA)),
    ("gaussian", lambda th: {th[0]: LINEAR, th[1]: 1}, sp.Integer(1)),
])
def test_canonical_negative_hessian_has_no_y_and_is_the_fisher(name, params, a2):
    fam = ng.family(name)
    (y,) = fam.symbolic.y
    neg_hessian, fisher = _one_observation(fam, params(fam.symbolic.theta))
    assert y not in neg_hessian.free_symbols
    assert _is_zero(neg_hessian - a2.subs(ETA, LINEAR) * XXT)
    assert _is_zero(fisher - a2.subs(ETA, LINEAR) * XXT)


def _probit_parts():
    Phi = (1 + sp.erf(ETA / sp.sqrt(2))) / 2
    phi = sp.exp(-ETA**2 / 2) / sp.sqrt(2 * sp.pi)
    h1 = phi * (ETA * Phi + phi) / Phi**2
    h0 = phi * (phi - ETA * (1 - Phi)) / (1 - Phi) ** 2
    w = phi**2 / (Phi * (1 - Phi))
    return Phi, h1, h0, w


def test_probit_negative_hessian_depends_on_y_but_not_in_expectation():
    bern = ng.family("bernoulli")
    (p,), (y,) = bern.symbolic.theta, bern.symbolic.y
    Phi, h1, h0, w = _probit_parts()
    sub = {p: Phi.subs(ETA, LINEAR)}
    neg_hessian, fisher = _one_observation(bern, sub)
    at = lambda e: e.subs(ETA, LINEAR)  # noqa: E731
    assert y in neg_hessian.free_symbols
    assert _is_zero(neg_hessian.subs(y, 1) - at(h1) * XXT)
    assert _is_zero(neg_hessian.subs(y, 0) - at(h0) * XXT)
    expected = neg_hessian.applyfunc(lambda e: bern.expect(e).subs(sub))
    assert _is_zero(expected - at(w) * XXT)
    assert _is_zero(fisher - at(w) * XXT)
    # The general decomposition -H = [w - (y - mu) psi''] x x^T, psi = logit(Phi(eta)).
    psi2 = sp.diff(sp.log(Phi / (1 - Phi)), ETA, 2)
    assert _is_zero(neg_hessian - at(w - (y - Phi) * psi2) * XXT)


@pytest.mark.parametrize("eta", [-3.0, -0.4, 0.0, 1.0, 2.5])
def test_probit_weights_agree_with_the_library(eta):
    _, h1, h0, w = _probit_parts()
    f = sp.lambdify(ETA, [h1, h0, w])
    m, X = GLM("probit"), np.array([[1.0]])
    want_h1, want_h0, want_w = f(eta)
    assert -m.hessian([eta], X, [1.0])[0, 0] == pytest.approx(want_h1, rel=1e-12)
    assert -m.hessian([eta], X, [0.0])[0, 0] == pytest.approx(want_h0, rel=1e-12)
    assert m.fisher([eta], X)[0, 0] == pytest.approx(want_w, rel=1e-12)


def test_probit_minus_hessian_is_the_fisher_at_eta_zero():
    """psi = logit(Phi) is odd, so psi''(0) = 0: at theta = 0 the first Newton and
    Fisher-scoring steps coincide, whatever the labels; later steps differ."""
    X, y, _ = load_dataset("breast_cancer")
    m = GLM("probit")
    np.testing.assert_allclose(-m.hessian(np.zeros(4), X, y), m.fisher(np.zeros(4), X),
                               rtol=1e-14)
    obj = m.objective(X, y)
    newton = optim.optimize(obj, np.zeros(4), "newton", max_iter=3, tol=None)
    scoring = optim.optimize(obj, np.zeros(4), "natural", max_iter=3, tol=None)
    np.testing.assert_allclose(newton.theta[1], scoring.theta[1], rtol=1e-13)
    assert np.abs(newton.theta[3] - scoring.theta[3]).max() > 0.1


# ------------------------------------------------------------------------------ Monte Carlo


def test_probit_expected_negative_hessian_on_the_data_set_by_monte_carlo():
    """At the probit MLE for the breast-cancer features, the mean of -H(y) over labels drawn
    from the fitted model matches the Fisher information (|z| < 5), while -H at the real
    labels does not."""
    X, y, _ = load_dataset("breast_cancer")
    n, d = X.shape
    m = GLM("probit")
    theta = m.fit(X, y, method="newton", tol=1e-12).coef
    fisher = m.fisher(theta, X)
    assert np.abs(-m.hessian(theta, X, y) - fisher).max() > 0.02 * np.abs(fisher).max()
    upper = np.triu_indices(d)
    c1 = np.array([-m.hessian(theta, X[i:i + 1], [1.0])[0, 0] for i in range(n)])
    c0 = np.array([-m.hessian(theta, X[i:i + 1], [0.0])[0, 0] for i in range(n)])
    pairs = X[:, upper[0]] * X[:, upper[1]]
    rng = np.random.default_rng(7)
    Y = (rng.uniform(size=(5000, n)) < m.mean(theta, X)).astype(float)
    np.testing.assert_allclose((c0 + Y[0] * (c1 - c0)) @ pairs, -m.hessian(theta, X, Y[0])[upper],
                               rtol=1e-12)
    draws = (c0 + Y * (c1 - c0)) @ pairs
    z = (draws.mean(axis=0) - fisher[upper]) / (draws.std(axis=0, ddof=1) / math.sqrt(len(Y)))
    assert np.abs(z).max() < 5


def test_logistic_fisher_is_the_covariance_of_the_score_on_the_data_set():
    X, y, _ = load_dataset("breast_cancer")
    m = GLM("logistic")
    theta = m.fit(X, y).coef
    mu = m.mean(theta, X)
    rng = np.random.default_rng(2026)
    scores = ((rng.uniform(size=(5000, X.shape[0])) < mu) - mu) @ X
    upper = np.triu_indices(X.shape[1])
    outer = (scores[:, :, None] * scores[:, None, :])[:, upper[0], upper[1]]
    z = (outer.mean(axis=0) - m.fisher(theta, X)[upper]) / (outer.std(axis=0, ddof=1)
                                                           / math.sqrt(len(outer)))
    assert np.abs(z).max() < 5


# ------------------------------------------------------------------------------ the theorem


@pytest.mark.parametrize("name", ["logistic", "poisson", "gaussian", "probit"])
@pytest.mark.parametrize("d", [2, 3])
def test_fisher_of_one_observation_has_rank_one(name, d):
    m = GLM(name)
    x = np.linspace(0.5, 1.5, d)[None, :]
    theta = np.full(d, 0.1)
    fisher = m.fisher(theta, x)
    assert np.linalg.matrix_rank(fisher) == 1
    y = [2.0] if name == "poisson" else [1.0]
    with pytest.raises(np.linalg.LinAlgError, match="fisher is not positive definite"):
        optim.natural_step(m.objective(x, y), theta)


def test_newton_natural_and_irls_iterates_coincide_on_the_data_set():
    X, y, _ = load_dataset("breast_cancer")
    m = GLM("logistic")
    obj = m.objective(X, y)
    newton = optim.optimize(obj, np.zeros(4), "newton", max_iter=12, tol=None)
    natural = optim.optimize(obj, np.zeros(4), "natural", max_iter=12, tol=None)
    irls = [np.zeros(4)]
    for _ in range(12):
        irls.append(m.irls_step(irls[-1], X, y))
    assert np.abs(newton.theta - natural.theta).max() < 1e-10
    assert np.abs(newton.theta - np.array(irls)).max() < 1e-10
    assert m.fit(X, y).loglik - newton.loglik[9] < 1e-10  # quadratic: done after 9 steps


def test_gradient_ascent_with_step_one_over_l_is_monotone():
    """μ(1 − μ) ≤ 1/4, so −∇²ℓ ⪯ XᵀX/4 everywhere and α = 4/λmax(XᵀX) always ascends."""
    X, y, _ = load_dataset("breast_cancer")
    obj = GLM("logistic").objective(X, y)
    L = np.linalg.eigvalsh(X.T @ X).max() / 4
    run = optim.optimize(obj, np.zeros(4), "gradient", lr=1 / L, max_iter=500, tol=None)
    assert np.all(np.diff(run.loglik) >= -1e-9)


# ------------------------------------------------------------------------------ divergence


def test_undamped_newton_diverges_on_a_strictly_concave_loglik():
    """Intercept-only logistic model on the data set: from theta0 = 2 the full steps
    alternate in sign with growing size until the curvature underflows; with a line
    search, and from theta0 = 1 without one, Newton converges to logit(mean y)."""
    X, y, _ = load_dataset("breast_cancer")
    m = GLM("logistic")
    obj = m.objective(X[:, :1], y)
    target = math.log(y.mean() / (1 - y.mean()))
    run = optim.optimize(obj, [2.0], "newton", max_iter=10, tol=None, on_singular="stop")
    theta = run.theta[:, 0]
    assert run.status == "singular" and abs(theta[-1]) > 1e5
    assert np.all(np.sign(theta[1:]) == -np.sign(theta[:-1]))
    assert np.all(np.abs(theta[2:]) > np.abs(theta[1:-1]))
    damped = m.fit(X[:, :1], y, method="newton", beta0=[2.0])
    assert damped.converged and damped.coef[0] == pytest.approx(target, abs=1e-10)
    assert damped.trajectory.step_size.min() < 1 and damped.trajectory.step_size[-1] == 1
    near = optim.optimize(obj, [1.0], "newton", max_iter=20)
    assert near.converged and near.theta[-1, 0] == pytest.approx(target, abs=1e-10)


@pytest.mark.parametrize("theta", [-2.5, -0.3, 0.7, 2.1, 2.3])
def test_balanced_newton_map_is_theta_minus_sinh(theta):
    obj = GLM("logistic").objective(np.ones((2, 1)), [0.0, 1.0])
    assert optim.newton_step(obj, [theta])[0] == pytest.approx(theta - math.sinh(theta), rel=1e-12)


# ------------------------------------------------------------------------------ plots


def test_glm_path_figure_updates_in_place_and_checks_its_arguments():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y, _ = load_dataset("breast_cancer")
    X2 = X[:, [0, 2]]
    obj = GLM("logistic").objective(X2, y)
    paths = {k: optim.optimize(obj, np.zeros(2), k, max_iter=4, tol=None, **kw).theta
             for k, kw in (("newton", {}), ("natural", {}), ("gradient", {"lr": 0.005}))}
    fig, update = ng.plots.glm_path_figure(GLM("logistic"), X2, y, paths, (-1, 1, 0, 7), num=9)
    before = plt.get_fignums()
    update(t=4, method="gradient")
    assert plt.get_fignums() == before
    lines = {line.get_label(): line for line in fig.axes[1].get_lines()}
    np.testing.assert_array_equal(lines["gradient"].get_xydata(), paths["gradient"])
    assert lines["gradient"].get_alpha() == 1.0 and lines["newton"].get_alpha() < 1.0
    with pytest.raises(ValueError, match="method must be one of"):
        update(t=1, method="bfgs")
    with pytest.raises(ValueError, match=r"t must be in 0..4, got 5"):
        update(t=5, method="newton")
    with pytest.raises(ValueError, match="same shape"):
        ng.plots.glm_path_figure(GLM("logistic"), X2, y, {"a": np.zeros((3, 2)),
                                                         "b": np.zeros((4, 2))}, (-1, 1, 0, 7))
    plt.close("all")


def test_plot_loglik_gap_rejects_a_non_finite_maximum():
    with pytest.raises(ValueError, match="best must be finite"):
        ng.plots.plot_loglik_gap({"newton": [0.0]}, best=float("nan"))
