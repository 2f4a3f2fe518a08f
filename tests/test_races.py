"""natgrad_lib.races (problems and races on optim.optimize) and the loop options they use."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib import optim, races
from natgrad_lib.datasets import regression_data

GAUSSIAN_CHARTS = ["gaussian", "gaussian_logstd", "gaussian_var", "gaussian_natural"]
BERNOULLI_CHARTS = ["bernoulli", "bernoulli_logit"]


@pytest.fixture(scope="module")
def y_gauss() -> np.ndarray:
    return np.random.default_rng(20260701).normal(2.0, 0.6, size=40)


@pytest.fixture(scope="module")
def y_bern() -> np.ndarray:
    return (np.random.default_rng(11).random(30) < 0.8).astype(float)


def _gap(charts, y, start, method, lr, steps=5):
    return races.path_gap(races.chart_paths(charts, y, start, method, max_iter=steps, lr=lr)).max()


# --------------------------------------------------------------------------- invariance


def test_natural_gradient_paths_agree_to_second_order(y_gauss):
    """Mapped to (mu, sigma), the four charts' natural-gradient paths are O(alpha^2) apart."""
    start = [0.0, 2.0]
    gaps = [_gap(GAUSSIAN_CHARTS, y_gauss, start, "natural", a) for a in (0.002, 0.001, 0.0005)]
    ratios = [gaps[0] / gaps[1], gaps[1] / gaps[2]]
    assert all(3.4 < r < 4.6 for r in ratios), ratios
    assert ratios[1] == pytest.approx(4.0, abs=0.3)


def test_gradient_paths_differ_at_first_order(y_gauss):
    start = [0.0, 2.0]
    gaps = [_gap(GAUSSIAN_CHARTS, y_gauss, start, "gradient", a) for a in (0.002, 0.001, 0.0005)]
    ratios = [gaps[0] / gaps[1], gaps[1] / gaps[2]]
    assert all(1.7 < r < 2.3 for r in ratios), ratios
    # and at the same alpha the gradient paths are far further apart than the natural ones
    assert _gap(GAUSSIAN_CHARTS, y_gauss, start, "natural", 0.002) < 1e-2 * gaps[0]


def test_bernoulli_p_and_logit_natural_paths_agree_to_second_order(y_bern):
    gaps = [_gap(BERNOULLI_CHARTS, y_bern, [0.3], "natural", a) for a in (0.004, 0.002, 0.001)]
    assert 3.4 < gaps[0] / gaps[1] < 4.6 and 3.4 < gaps[1] / gaps[2] < 4.6
    grad = [_gap(BERNOULLI_CHARTS, y_bern, [0.3], "gradient", a) for a in (0.004, 0.002)]
    assert 1.7 < grad[0] / grad[1] < 2.3


def test_bernoulli_one_step_second_order_term(y_bern):
    """The logit step mapped to p exceeds the p step by a^2 (1-2p)(ybar-p)^2 / (2p(1-p)) + O(a^3)."""
    p0, ybar = 0.3, float(np.mean(y_bern))
    coef = (1 - 2 * p0) * (ybar - p0) ** 2 / (2 * p0 * (1 - p0))
    estimates = []
    for a in (0.02, 0.01):
        one = races.chart_paths(BERNOULLI_CHARTS, y_bern, [p0], "natural", max_iter=1, lr=a)
        estimates.append((one["bernoulli_logit"].theta_base[1, 0] - one["bernoulli"].theta_base[1, 0]) / a**2)
    # the estimate converges linearly in a: its error halves with a
    assert abs(estimates[1] - coef) < 0.6 * abs(estimates[0] - coef) + 1e-9
    assert estimates[1] == pytest.approx(coef, rel=0.05)


def test_invariance_paths_collects_methods_and_target(y_gauss):
    inv = races.invariance_paths(GAUSSIAN_CHARTS, y_gauss, [0.0, 2.0], max_iter=4, lr=0.05)
    assert set(inv.paths) == {"natural", "gradient"}
    assert set(inv.paths["natural"]) == set(GAUSSIAN_CHARTS)
    np.testing.assert_allclose(inv.mle, [y_gauss.mean(), y_gauss.std()], rtol=1e-10)
    for path in inv.paths["natural"].values():
        assert path.kl_to_target.shape == (5,)
        assert np.all(np.diff(path.kl_to_target) < 0)  # each step gets closer
    assert inv.gap("natural") < inv.gap("gradient")
    with pytest.raises(ValueError, match="one base family"):
        races.invariance_paths(["gaussian", "bernoulli"], y_gauss, [0.0, 1.0], max_iter=1, lr=0.1)


# --------------------------------------------------------------------------- the loop's race options


def _run(prob, theta0, method, max_iter, **kw):
    return optim.optimize(prob.objective, theta0, method, max_iter=max_iter, **kw, **races.RACE_OPTIONS)


def test_average_scales_only_the_gradient_step(y_gauss):
    fam = ng.family("gaussian_logstd")
    prob = races.family_problem(fam, y_gauss)
    theta0 = fam.from_base([0.0, 1.0])
    mine = _run(prob, theta0, "natural", 6, lr=0.3)
    ref = optim.optimize(optim.family_objective(fam, y_gauss), theta0, "natural", max_iter=6, lr=0.3, tol=None)
    np.testing.assert_allclose(mine.theta, ref.theta, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(mine.loglik, ref.loglik, rtol=1e-12)
    # gradient steps use the average log-likelihood: lr / n for the sum
    g_mine = _run(prob, theta0, "gradient", 3, lr=0.2)
    g_ref = optim.optimize(optim.family_objective(fam, y_gauss), theta0, "gradient", max_iter=3,
                           lr=0.2 / len(y_gauss), tol=None)
    np.testing.assert_allclose(g_mine.theta, g_ref.theta, rtol=1e-13)


@pytest.mark.parametrize("method", optim.METHODS)
def test_kl_budget_fixes_the_local_kl_cost_of_every_step(y_gauss, method):
    fam = ng.family("gaussian")
    path = races.chart_path(fam, y_gauss, [2.0, 0.45], method, max_iter=4, kl_budget=0.01)  # -H is PD there
    assert path.status == "max_iter"
    np.testing.assert_allclose(path.step_kl, 0.01, rtol=1e-10)


def test_kl_budget_applies_to_a_callable_direction(y_gauss):
    fam = ng.family("gaussian")
    obj = optim.family_objective(fam, y_gauss)

    def diagonal_fisher(theta, grad):
        return grad / np.diag(fam.fisher(theta))

    traj = optim.optimize(obj, [2.0, 0.45], diagonal_fisher, max_iter=4, kl_budget=0.01, average=True, tol=None)
    d = np.diff(traj.theta, axis=0)
    cost = 0.5 * np.einsum("ti,tij,tj->t", d, fam.fisher(traj.theta[:-1]), d)
    np.testing.assert_allclose(cost, 0.01, rtol=1e-10)
    assert traj.method == "diagonal_fisher"


def test_the_path_stops_cleanly_at_the_domain_edge():
    path = races.chart_path(ng.family("poisson"), [2, 4, 3], [1.0], "gradient", max_iter=10, lr=20.0)
    assert path.status == "domain" and path.n_iter == 3
    assert "leave the parameter domain" in path.message
    assert np.all(path.theta > 0) and path.loglik.shape == (4,) and path.step_kl.shape == (3,)


def test_newton_stops_where_the_negative_hessian_is_indefinite(y_gauss):
    """For the Gaussian in (mu, sigma), -H is positive definite iff (mu-ybar)^2 + sigma^2 < 3 s^2."""
    prob = races.family_problem(ng.family("gaussian"), y_gauss)
    ybar, s = y_gauss.mean(), y_gauss.std()
    outside = [ybar - 1.2 * np.sqrt(3) * s, 0.5 * s]
    inside = [ybar - 0.5 * s, 0.8 * s]
    assert _run(prob, outside, "newton", 3).status == "singular"
    assert _run(prob, outside, "natural", 3).status == "max_iter"
    eig_in = np.linalg.eigvalsh(-prob.objective.hessian(np.array(inside)))
    eig_out = np.linalg.eigvalsh(-prob.objective.hessian(np.array(outside)))
    assert eig_in[0] > 0 > eig_out[0]


def test_empirical_fisher_two_cycle():
    """EF steps for a Gaussian mean with data spread s^2 in (1/4, 1/2) settle on +-sqrt(1/2 - s^2)."""
    s = 0.6
    z = np.random.default_rng(5).normal(size=50)
    y = s * (z - z.mean()) / z.std()
    prob = races.glm_problem("gaussian", np.ones((50, 1)), y)
    path = _run(prob, [-0.05], "empirical_fisher", 80, lr=1.0)
    np.testing.assert_allclose(np.abs(path.theta[-2:, 0]), np.sqrt(0.5 - s**2), rtol=1e-6)
    assert path.theta[-1, 0] == pytest.approx(-path.theta[-2, 0])
    assert _run(prob, [-0.05], "natural", 1).theta[-1, 0] == pytest.approx(0.0, abs=1e-12)


def test_chart_path_argument_errors(y_gauss):
    fam = ng.family("gaussian")
    with pytest.raises(ValueError, match="method must be one of"):
        races.chart_path(fam, y_gauss, [0.0, 1.0], "adam", max_iter=1)
    with pytest.raises(ValueError, match="not both"):
        races.chart_path(fam, y_gauss, [0.0, 1.0], "natural", max_iter=1, lr=0.1, kl_budget=0.1)
    with pytest.raises(ValueError, match="lr must be > 0"):
        races.chart_path(fam, y_gauss, [0.0, 1.0], "natural", max_iter=1, lr=-1.0)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        races.chart_path(fam, y_gauss, [0.0, -1.0], "natural", max_iter=1)
    with pytest.raises(TypeError, match="Family"):
        races.chart_path("gaussian", y_gauss, [0.0, 1.0], "natural", max_iter=1)


# --------------------------------------------------------------------------- charts


@settings(max_examples=30, deadline=None)
@given(mu=st.floats(-5, 5), sigma=st.floats(0.05, 5))
def test_base_chart_round_trip_gaussian(mu, sigma):
    for name in GAUSSIAN_CHARTS:
        fam = ng.family(name)
        np.testing.assert_allclose(fam.to_base(fam.from_base([mu, sigma])), [mu, sigma],
                                   rtol=1e-10, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(p=st.floats(1e-6, 1 - 1e-6))
def test_base_chart_round_trip_bernoulli(p):
    fam = ng.family("bernoulli_logit")
    assert fam.base.name == "bernoulli"
    np.testing.assert_allclose(fam.to_base(fam.from_base([p])), [p], rtol=1e-9)


def test_kl_to_target_is_infinite_where_the_base_chart_rounds_to_its_edge():
    fam = ng.family("bernoulli_logit")
    path = races.chart_path(fam, [1.0, 1.0, 1.0, 0.0], [0.5], "gradient", max_iter=3, lr=200.0, target=[0.75])
    assert path.status == "max_iter"
    assert np.isfinite(path.kl_to_target[0]) and np.isinf(path.kl_to_target[-1])


def test_path_gap_holds_stopped_paths_at_their_last_point():
    def make(base):
        base = np.asarray(base, dtype=float)[:, None]
        return optim.Trajectory(base, np.zeros(len(base)), None, np.ones(len(base) - 1), "natural",
                                False, len(base) - 1, "max_iter", "", theta_base=base)

    gap = races.path_gap({"a": make([0.0, 1.0, 2.0]), "b": make([0.0, 0.5])})
    np.testing.assert_allclose(gap, [0.0, 0.5, 1.5])


# --------------------------------------------------------------------------- race and fields


def test_race_natural_gradient_wins_from_a_badly_scaled_start(y_gauss):
    race = races.race(ng.family("gaussian"), y_gauss, [0.0, 0.4], max_iter=20, lr_gradient=0.005,
                      lr_natural=0.25)
    np.testing.assert_allclose(race.mle, [y_gauss.mean(), y_gauss.std()], rtol=1e-10)
    assert race.natural.kl_to_target[0] == race.gradient.kl_to_target[0]
    assert race.natural.kl_to_target[-1] < 1e-2 < race.gradient.kl_to_target[-1]
    assert race.natural.theta.shape == race.gradient.theta.shape == (21, 2)


def test_direction_field_for_linear_regression():
    X, y = regression_data(30, np.random.default_rng(2), slope=1.0, x_mean=1.0, noise=0.5)
    prob = races.glm_problem("gaussian", X, y)
    xs, ys = np.linspace(-1, 3, 5), np.linspace(-2, 2, 4)
    field = races.direction_field(prob, xs, ys, methods=("gradient", "natural", "empirical_fisher", "newton"))
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    resid = y[None, None, :] - grid @ X.T                      # (ny, nx, n)
    np.testing.assert_allclose(field.directions["gradient"], resid @ X / len(y), rtol=1e-12, atol=1e-12)
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(grid + field.directions["natural"], np.broadcast_to(ols, grid.shape), atol=1e-10)
    np.testing.assert_allclose(field.directions["newton"], field.directions["natural"], atol=1e-10)
    assert not np.allclose(grid + field.directions["empirical_fisher"], ols)
    assert field.loglik.shape == (4, 5)
