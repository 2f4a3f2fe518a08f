"""Properties that the chapter on the natural gradient (chapters/05_natural_gradient.md) relies on.

* The closed-form step d* = √(2c / gᵀI⁻¹g) I⁻¹g lies on the ellipse ½dᵀId = c and beats every
  other point of it; −d* is the minimiser.
* The natural-gradient direction is covariant under the registered Gaussian charts, and the
  KL-constrained step maps to the same step.
* One step taken in two charts differs by O(α²) for the natural gradient and by O(α) for the
  plain gradient.
* The exact KL of d* is c (1 + O(√c)).
* Σ ∇p(yᵢ; θ) can point more than 90° away from Σ ∇log p(yᵢ; θ).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import sympy as sp  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import natgrad_lib as ng  # noqa: E402
from natgrad_lib import optim  # noqa: E402

CHARTS = ("gaussian", "gaussian_logstd", "gaussian_var", "gaussian_natural")
GAUSS = ng.family("gaussian")
# The chapter's data set and starting point.
Y = GAUSS.sample(np.array([1.0, 2.0]), 20, np.random.default_rng(5))
THETA0 = np.array([-1.0, 3.0])


def d_star(grad, fisher, c):
    nat = np.linalg.solve(fisher, grad)
    return np.sqrt(2.0 * c / (grad @ nat)) * nat


def random_spd(rng, k):
    a = rng.normal(size=(k, k))
    return a @ a.T + 0.1 * np.eye(k)



def jacobian(fam, phi):
    if fam.name == "gaussian":
        return np.eye(2)
    return np.array(sp.lambdify(fam.symbolic.theta, fam.jacobian)(*phi), dtype=float)


def directions(fam, phi, y=Y):
    obj = optim.family_objective(fam, y)
    grad = obj.grad(phi)
    return grad, optim.solve_spd(obj.fisher(phi), grad)


# ------------------------------------------------------------------------ the closed form


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(2, 4), log_c=st.floats(-6.0, 1.0))
def test_closed_form_is_on_the_ellipse_and_beats_random_points(seed, k, log_c):
    rng = np.random.default_rng(seed)
    fisher, grad, c = random_spd(rng, k), rng.normal(size=k), 10.0**log_c
    d = d_star(grad, fisher, c)
    assert 0.5 * d @ fisher @ d == pytest.approx(c, rel=1e-12)
    best = grad @ d
    assert best == pytest.approx(np.sqrt(2 * c * grad @ np.linalg.solve(fisher, grad)), rel=1e-12)
    # 10^4 random points of the ellipse: L^{-T} (sqrt(2c) u / |u|), with I = L L^T
    u = rng.normal(size=(10_000, k))
    u *= np.sqrt(2 * c) / np.linalg.norm(u, axis=1, keepdims=True)
    pts = np.linalg.solve(np.linalg.cholesky(fisher).T, u.T).T
    np.testing.assert_allclose(0.5 * np.einsum("mi,ij,mj->m", pts, fisher, pts), c, rtol=1e-10)
    values = pts @ grad
    assert values.max() <= best * (1 + 1e-12)
    assert values.min() >= -best * (1 + 1e-12)          # -d* is the minimiser


def test_library_natural_step_kl_is_the_closed_form():
    obj = optim.family_objective(GAUSS, Y)
    for c in (1.0, 1e-3):
        d = optim.natural_step_kl(obj, THETA0, c) - THETA0
        np.testing.assert_allclose(d, d_star(obj.grad(THETA0), obj.fisher(THETA0), c), rtol=1e-12)


def test_dense_search_on_the_ellipse_finds_the_closed_form():
    obj = optim.family_objective(GAUSS, Y)
    grad, fisher, c = obj.grad(THETA0), obj.fisher(THETA0), 0.5
    chol = np.linalg.cholesky(fisher)
    phis = np.linspace(0.0, 2 * np.pi, 100_000, endpoint=False)
    ring = np.linalg.solve(chol.T, np.sqrt(2 * c) * np.stack([np.cos(phis), np.sin(phis)]))
    best = np.argmax(grad @ ring)
    u = chol.T @ d_star(grad, fisher, c)
    assert abs(phis[best] - np.arctan2(u[1], u[0]) % (2 * np.pi)) <= np.pi / phis.size


def test_exact_kl_of_the_step_is_c_up_to_relative_sqrt_c():
    obj = optim.family_objective(GAUSS, Y)
    cs = 10.0 ** -np.arange(1, 6)
    kl = np.array([Y.size * GAUSS.kl(THETA0, THETA0 + d_star(obj.grad(THETA0), obj.fisher(THETA0), c))
                   for c in cs])
    scaled = (kl - cs) / cs / np.sqrt(cs)                 # tends to a constant
    assert np.all(np.abs(np.diff(scaled)) < 0.05 * np.abs(scaled[-1]))
    slope = np.polyfit(np.log(cs), np.log(np.abs(kl - cs) / cs), 1)[0]
    assert slope == pytest.approx(0.5, abs=0.05)


def test_sympy_solves_the_lagrangian_system_for_a_general_spd_fisher():
    a, c, delta = sp.symbols("a c delta", positive=True)
    b, g1, g2 = sp.symbols("b g1 g2", real=True)
    d1, d2, lam = sp.symbols("d1 d2 lambda", real=True)
    fisher = sp.Matrix([[a, b], [b, (b**2 + delta) / a]])
    g, d = sp.Matrix([g1, g2]), sp.Matrix([d1, d2])
    lagrangian = (d.T * g)[0] - lam * ((d.T * fisher * d)[0] / 2 - c)
    roots = sp.solve([sp.diff(lagrangian, v) for v in (d1, d2, lam)], [d1, d2, lam], dict=True)
    assert len(roots) == 2
    q = sp.Symbol("q", positive=True)
    numer, denom = sp.fraction(sp.factor((g.T * fisher.inv() * g)[0]))

    def in_q(expr):
        return sp.simplify(sp.factor(expr).subs(numer, denom * q))

    closed = sp.sqrt(2 * c / q) * fisher.inv() * g
    signs = set()
    for root in roots:
        sign = sp.sign(in_q(root[lam]))
        signs.add(sign)
        d_root = sp.Matrix([root[d1], root[d2]]).applyfunc(in_q)
        assert (d_root - sign * closed).applyfunc(sp.simplify) == sp.zeros(2, 1)
        assert sp.simplify(in_q((g.T * d_root)[0]) - sign * sp.sqrt(2 * c * q)) == 0
    assert signs == {1, -1}


# ---------------------------------------------------------------- parametrisation invariance


@pytest.mark.parametrize("name", CHARTS)
@pytest.mark.parametrize("theta", [(-1.0, 3.0), (0.5, 0.4), (2.0, 1.7)])
def test_natural_direction_is_covariant(name, theta):
    fam = ng.family(name)
    theta = np.array(theta)
    phi = fam.from_base(theta)
    J = jacobian(fam, phi)
    _, nat_phi = directions(fam, phi)
    _, nat_theta = directions(GAUSS, theta)
    np.testing.assert_allclose(J @ nat_phi, nat_theta, rtol=1e-10, atol=0)
    # and the KL-constrained step maps to the KL-constrained step
    for c in (1.0, 1e-4):
        step_phi = optim.natural_step_kl(optim.family_objective(fam, Y), phi, c) - phi
        step_theta = optim.natural_step_kl(optim.family_objective(GAUSS, Y), theta, c) - theta
        np.testing.assert_allclose(J @ step_phi, step_theta, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("name", CHARTS[1:])
def test_chart_score_matches_derivative_of_chart_logpdf(name):
    """Independent of the chain rule the library uses to derive a chart's score."""
    fam = ng.family(name)
    phi_syms = fam.symbolic.theta
    (y_sym,) = fam.symbolic.y
    grad = [sp.lambdify((y_sym, *phi_syms), sp.diff(fam.symbolic.logpdf, p)) for p in phi_syms]
    phi = fam.from_base(THETA0)
    expected = np.stack([np.broadcast_to(f(Y, *phi), Y.shape) for f in grad], axis=-1)
    np.testing.assert_allclose(fam.score(Y, phi), expected, rtol=1e-12, atol=1e-12)


def test_plain_gradient_is_not_covariant():
    grad_theta = directions(GAUSS, THETA0)[0]
    for name in CHARTS[1:]:
        fam = ng.family(name)
        phi = fam.from_base(THETA0)
        mapped = jacobian(fam, phi) @ directions(fam, phi)[0]
        assert np.linalg.norm(mapped - grad_theta) > 0.1 * np.linalg.norm(grad_theta)


def _gap_slope(name, method, alphas):
    fam = ng.family(name)
    phi = fam.from_base(THETA0)
    grad, nat = directions(fam, phi)
    grad0, nat0 = directions(GAUSS, THETA0)
    v, v0 = (nat, nat0) if method == "natural" else (grad, grad0)
    gap = np.linalg.norm(fam.to_base(phi + alphas[:, None] * v) - (THETA0 + alphas[:, None] * v0), axis=1)
    return np.polyfit(np.log(alphas), np.log(gap), 1)[0]


@pytest.mark.parametrize("name", CHARTS[1:])
def test_natural_steps_in_two_charts_differ_at_second_order(name):
    assert _gap_slope(name, "natural", np.geomspace(1e-4, 1e-1, 13)) == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("name", CHARTS[1:])
def test_gradient_steps_in_two_charts_differ_at_first_order(name):
    assert _gap_slope(name, "gradient", np.geomspace(1e-8, 1e-5, 13)) == pytest.approx(1.0, abs=0.1)


# ------------------------------------------------------------------ the grad p pitfall


def _angle(u, v, metric=None):
    metric = np.eye(2) if metric is None else metric
    cos = u @ metric @ v / np.sqrt((u @ metric @ u) * (v @ metric @ v))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def test_sum_of_grad_p_can_point_away_from_sum_of_scores():
    y = np.array([-0.3, 0.1, 0.4, 6.0])
    theta = np.array([0.0, 1.0])
    scores = GAUSS.score(y, theta)
    grad_p = (np.exp(GAUSS.logpdf(y, theta))[:, None] * scores).sum(axis=0)
    grad_log = scores.sum(axis=0)
    fisher = y.size * GAUSS.fisher(theta)
    assert _angle(grad_log, grad_p) > 90
    assert _angle(np.linalg.solve(fisher, grad_log), np.linalg.solve(fisher, grad_p), fisher) > 90
    # a step along the density-weighted direction lowers the log-likelihood
    obj = optim.family_objective(GAUSS, y)
    assert obj.loglik(theta + 1e-3 * grad_p) < obj.loglik(theta)


def test_for_one_observation_grad_p_is_a_positive_multiple_of_the_score():
    theta = np.array([0.3, 1.2])
    for yi in (-2.0, 0.1, 5.0):
        s = GAUSS.score(yi, theta)
        assert _angle(s, np.exp(GAUSS.logpdf(yi, theta)) * s) == pytest.approx(0.0, abs=1e-6)


# ------------------------------------------------------------------------------- figures


def test_ellipse_explorer_updates_in_place_and_search_matches_closed_form():
    charts = {name: (ng.family(name), ng.family(name).from_base(THETA0)) for name in CHARTS}
    before = len(plt.get_fignums())
    ex = ng.plots.kl_ellipse_explorer(charts, Y, [0.1, 1.0], n_search=20_000)
    for name, (fam, phi) in charts.items():
        ex.set(c=1.0, chart=name)
        ax = ex.fig.axes[0]
        (cross,) = [ln for ln in ax.lines if ln.get_marker() == "x"]
        tip = np.array([cross.get_xdata()[0], cross.get_ydata()[0]])
        grad, nat = directions(fam, phi)
        expected = d_star(grad, optim.family_objective(fam, Y).fisher(phi), 1.0)
        assert np.linalg.norm(tip - expected) < 1e-3 * np.linalg.norm(expected)
    assert len(plt.get_fignums()) == before + 1
    plt.close(ex.fig)
