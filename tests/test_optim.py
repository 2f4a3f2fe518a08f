"""Tests for natgrad_lib.optim: step functions, the optimize loop, and their errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib import optim
from natgrad_lib.optim import Objective


def quadratic(A, b, fisher_scale=1.0):
    """ℓ(θ) = −½ θᵀAθ + bᵀθ; its Hessian is −A, and we take the Fisher to be fisher_scale·A."""
    A, b = np.asarray(A, float), np.asarray(b, float)
    return Objective(
        loglik=lambda t: float(-0.5 * t @ A @ t + b @ t),
        grad=lambda t: b - A @ t,
        fisher=lambda t: fisher_scale * A,
        hessian=lambda t: -A,
        empirical_fisher=lambda t: 2.0 * A,
    )


def poisson_log_objective(y):
    """Hand-written Poisson log-likelihood in θ = log λ (no natgrad family needed)."""
    y = np.asarray(y, float)
    n, s = y.size, y.sum()
    return Objective(
        loglik=lambda t: float(s * t[0] - n * np.exp(t[0])),
        grad=lambda t: np.array([s - n * np.exp(t[0])]),
        fisher=lambda t: np.array([[n * np.exp(t[0])]]),
        hessian=lambda t: np.array([[-n * np.exp(t[0])]]),
    )


def spd(rng, k, cond=10.0):
    q, _ = np.linalg.qr(rng.normal(size=(k, k)))
    return (q * np.geomspace(1.0, cond, k)) @ q.T


A2 = np.array([[3.0, 1.0], [1.0, 2.0]])
B2 = np.array([1.0, -2.0])
THETA_STAR = np.linalg.solve(A2, B2)


# ------------------------------------------------------------------------------ step functions


def test_gradient_step_is_theta_plus_lr_grad():
    obj = quadratic(A2, B2)
    theta = np.array([0.3, -0.7])
    np.testing.assert_array_equal(optim.gradient_step(obj, theta, lr=0.1), theta + 0.1 * obj.grad(theta))


def test_natural_and_newton_step_solve_a_quadratic_in_one_step():
    obj = quadratic(A2, B2)
    for step in (optim.natural_step, optim.newton_step):
        np.testing.assert_allclose(step(obj, [5.0, 5.0]), THETA_STAR, rtol=1e-13)


def test_natural_step_uses_the_fisher_not_the_hessian():
    obj = quadratic(A2, B2, fisher_scale=2.0)  # Fisher = 2A, Hessian = −A
    theta = np.zeros(2)
    np.testing.assert_allclose(optim.natural_step(obj, theta), 0.5 * THETA_STAR, rtol=1e-13)
    np.testing.assert_allclose(optim.newton_step(obj, theta), THETA_STAR, rtol=1e-13)


def test_empirical_fisher_metric_is_used():
    obj = quadratic(A2, B2)  # empirical Fisher = 2A
    np.testing.assert_allclose(
        optim.natural_step(obj, np.zeros(2), metric="empirical_fisher"), 0.5 * THETA_STAR, rtol=1e-13
    )
    traj = optim.optimize(obj, np.zeros(2), method="empirical_fisher", max_iter=1, tol=None)
    np.testing.assert_allclose(traj.theta[1], 0.5 * THETA_STAR, rtol=1e-13)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 6),
       c=st.floats(1e-6, 10.0), damping=st.sampled_from([0.0, 0.1, 3.0]))
def test_kl_step_spends_exactly_the_budget(seed, k, c, damping):
    rng = np.random.default_rng(seed)
    A, b = spd(rng, k, cond=1e3), rng.normal(size=k)
    obj = quadratic(A, b)
    theta = rng.normal(size=k)
    d = optim.natural_step_kl(obj, theta, kl_budget=c, damping=damping) - theta
    metric = A + damping * np.eye(k)
    assert 0.5 * d @ metric @ d == pytest.approx(c, rel=1e-12)
    # It is the natural-gradient direction, rescaled.
    nat = np.linalg.solve(metric, obj.grad(theta))
    np.testing.assert_allclose(d, nat * math.sqrt(2 * c / (obj.grad(theta) @ nat)), rtol=1e-9, atol=1e-300)


def test_kl_step_ascends_for_a_small_budget():
    obj = poisson_log_objective([2, 4, 3, 7])
    theta = np.array([0.0])
    new = optim.natural_step_kl(obj, theta, kl_budget=1e-3)
    assert obj.loglik(new) > obj.loglik(theta)


def test_kl_step_is_zero_at_a_stationary_point():
    obj = quadratic(A2, [0.0, 0.0])
    np.testing.assert_array_equal(optim.natural_step_kl(obj, [0.0, 0.0], 0.1), [0.0, 0.0])


def test_damping_interpolates_between_natural_and_gradient():
    obj = quadratic(A2, B2)
    theta = np.array([1.0, 1.0])
    g = obj.grad(theta)
    eps = 0.7
    expected = theta + np.linalg.solve(A2 + eps * np.eye(2), g)
    np.testing.assert_allclose(optim.natural_step(obj, theta, damping=eps), expected, rtol=1e-13)
    np.testing.assert_allclose(optim.newton_step(obj, theta, damping=eps), expected, rtol=1e-13)
    big = 1e8  # (I + εId)⁻¹g → g/ε
    np.testing.assert_allclose(optim.natural_step(obj, theta, lr=big, damping=big), theta + g, rtol=1e-6)


# ------------------------------------------------------------------------------ the loop


def test_trajectory_shapes_and_fixed_number_of_steps():
    obj = quadratic(A2, B2)
    traj = optim.optimize(obj, [1.0, 1.0], method="gradient", lr=0.1, max_iter=12, tol=None)
    assert traj.theta.shape == (13, 2) and traj.loglik.shape == (13,) and traj.step_size.shape == (12,)
    assert traj.n_iter == 12 and not traj.converged and traj.status == "max_iter"
    assert traj.kl_to_target is None
    np.testing.assert_allclose(traj.loglik, [obj.loglik(t) for t in traj.theta])
    np.testing.assert_array_equal(traj.step_size, 0.1)
    assert repr(traj).startswith("Trajectory(method='gradient', n_iter=12, converged=False")


@pytest.mark.parametrize("method", ["natural", "newton"])
def test_loop_converges_quadratically_to_the_mle(method):
    y = np.array([2, 4, 3, 7, 0, 1])
    traj = optim.optimize(poisson_log_objective(y), [2.5], method=method)
    assert traj.converged and traj.status == "converged" and traj.n_iter < 12
    assert traj.theta[-1, 0] == pytest.approx(math.log(y.mean()), rel=1e-14)
    err = np.abs(traj.theta[:, 0] - math.log(y.mean()))
    fast = (err[1:] > 1e-12) & (err[:-1] < 0.1)
    assert np.all(err[1:][fast] <= 2 * err[:-1][fast] ** 2)  # quadratic convergence


def test_gradient_ascent_with_small_lr_converges_slowly():
    obj = quadratic(A2, B2)
    traj = optim.optimize(obj, [0.0, 0.0], method="gradient", lr=0.01, max_iter=3000, tol=1e-10)
    assert traj.converged
    assert traj.n_iter > 500
    np.testing.assert_allclose(traj.theta[-1], THETA_STAR, atol=1e-7)


def test_line_search_makes_the_loglik_monotone():
    obj = poisson_log_objective([20, 40, 30])
    plain = optim.optimize(obj, [0.0], method="gradient", lr=0.05, max_iter=5, tol=None)
    assert np.any(np.diff(plain.loglik) < 0)  # lr too big: it overshoots
    searched = optim.optimize(obj, [0.0], method="gradient", lr=0.05, max_iter=200, line_search=True)
    slack = 1e-10 * (1 + np.abs(searched.loglik[:-1]))  # rounding allowance of the line search
    assert np.all(np.diff(searched.loglik) >= -slack)
    assert np.any(searched.step_size < 0.05)
    assert searched.converged
    # Every accepted step satisfies the Armijo condition.
    for t in range(searched.n_iter):
        g = obj.grad(searched.theta[t])
        gain = searched.loglik[t + 1] - searched.loglik[t]
        assert gain >= 1e-4 * searched.step_size[t] * (g @ g) - slack[t]


def test_line_search_rejects_points_outside_the_domain():
    y = np.array([1.0, 2.0, 4.0, 3.5])
    obj = optim.family_objective(ng.family("gaussian"), y)
    # Full Newton steps from a poor start push sigma below 0; backtracking keeps it positive.
    traj = optim.optimize(obj, [10.0, 0.5], method="natural", line_search=True, max_iter=200)
    assert traj.converged
    assert np.all(traj.theta[:, 1] > 0)
    np.testing.assert_allclose(traj.theta[-1], [y.mean(), y.std()], rtol=1e-9)


def test_loglik_that_stops_being_finite_without_line_search_raises():
    obj = Objective(loglik=lambda t: -t[0] ** 2 if abs(t[0]) < 10 else -math.inf,
                    grad=lambda t: np.array([-2 * t[0] + 1.0]))
    with pytest.raises(ValueError, match="loglik became -inf at iteration 1"):
        optim.optimize(obj, [0.0], method="gradient", lr=30.0)


def test_non_finite_loglik_at_the_start_is_a_clear_error():
    obj = Objective(loglik=lambda t: math.nan, grad=lambda t: np.ones(1))
    with pytest.raises(ValueError, match=r"loglik\(theta0\) must be finite, got nan"):
        optim.optimize(obj, [0.0])


def test_kl_to_target_with_a_family():
    fam = ng.family("gaussian")
    y = np.array([0.5, 1.5, 2.0, 4.0])
    mle = np.array([y.mean(), y.std()])
    traj = optim.optimize(optim.family_objective(fam, y), [0.0, 3.0], method="natural",
                          line_search=True, target=mle, kl=fam.kl)
    assert traj.kl_to_target.shape == traj.loglik.shape
    np.testing.assert_allclose(traj.kl_to_target, fam.kl(traj.theta, mle))
    assert traj.kl_to_target[0] > 0.1 and traj.kl_to_target[-1] < 1e-20


@pytest.mark.parametrize("method", optim.METHODS)
def test_kl_budget_loop_moves_by_the_budget(method):
    fam = ng.family("poisson")
    obj = optim.family_objective(fam, [3, 5, 4, 6])
    traj = optim.optimize(obj, [1.0], method=method, kl_budget=0.05, max_iter=5, tol=None)
    d = np.diff(traj.theta, axis=0)
    quad = 0.5 * np.einsum("ti,tij,tj->t", d, np.array([obj.fisher(t) for t in traj.theta[:-1]]), d)
    np.testing.assert_allclose(quad, 0.05, rtol=1e-12)
    assert np.all(np.diff(traj.loglik) > 0)


def test_natural_with_kl_budget_is_natural_step_kl():
    obj = optim.family_objective(ng.family("gaussian"), [0.5, 1.5, 2.0, 4.0])
    traj = optim.optimize(obj, [0.0, 3.0], "natural", kl_budget=0.02, damping=0.1, max_iter=1, tol=None)
    np.testing.assert_allclose(traj.theta[1], optim.natural_step_kl(obj, [0.0, 3.0], 0.02, damping=0.1),
                               rtol=1e-14)


def test_callable_direction_is_a_method():
    """A stateful direction rule (heavy-ball momentum) runs through the same loop and line search."""
    obj = quadratic(A2, B2)
    velocity = np.zeros(2)

    def momentum(theta, grad):
        velocity[:] = 0.5 * velocity + grad
        return velocity.copy()

    momentum.name = "heavy ball"
    traj = optim.optimize(obj, [0.0, 0.0], momentum, lr=0.2, max_iter=500)
    assert traj.converged and traj.method == "heavy ball"
    np.testing.assert_allclose(traj.theta[-1], np.linalg.solve(A2, B2), rtol=1e-6)
    np.testing.assert_allclose(optim.direction(obj, [0.0, 0.0], lambda t, g: 2 * g), 2 * B2)
    with pytest.raises(ValueError, match=r"method\(theta, grad\) must return a finite array of shape \(2,\)"):
        optim.optimize(obj, [0.0, 0.0], lambda t, g: np.zeros(3))


def test_on_domain_stop_keeps_the_path_to_the_edge():
    obj = optim.family_objective(ng.family("poisson"), [2, 4, 3])
    with pytest.raises(ValueError, match="lam must be > 0"):
        optim.optimize(obj, [1.0], "gradient", lr=20.0 / 3, max_iter=10, tol=None)
    traj = optim.optimize(obj, [1.0], "gradient", lr=20.0 / 3, max_iter=10, tol=None, on_domain="stop")
    assert traj.status == "domain" and traj.n_iter == 3 and not traj.converged


def test_callback_can_stop_the_loop():
    seen = []

    def cb(t, theta):
        seen.append(t)
        return t == 3

    traj = optim.optimize(quadratic(A2, B2), [0.0, 0.0], "gradient", lr=0.01, callback=cb)
    assert seen == [1, 2, 3] and traj.n_iter == 3 and traj.status == "callback" and not traj.converged


# ------------------------------------------------------------------------------ families


def test_family_objective_derivatives():
    fam = ng.family("gaussian")
    rng = np.random.default_rng(1)
    y = rng.normal(1.0, 2.0, size=50)
    obj = optim.family_objective(fam, y)
    theta = np.array([0.7, 1.8])
    fd = optim.central_difference(obj.loglik, theta)
    np.testing.assert_allclose(obj.grad(theta), fd, rtol=1e-6)
    fd_h = optim.central_difference(obj.grad, theta)
    np.testing.assert_allclose(obj.hessian(theta), fd_h, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(obj.fisher(theta), 50 * fam.fisher(theta))
    s = fam.score(y, theta)
    np.testing.assert_allclose(obj.empirical_fisher(theta), s.T @ s)


def test_newton_on_a_family_finds_the_mle():
    y = np.array([0.5, 1.5, 2.0, 4.0, 3.0])
    traj = optim.optimize(optim.family_objective(ng.family("gaussian"), y), [2.0, 1.0],
                          method="newton", line_search=True)
    assert traj.converged
    np.testing.assert_allclose(traj.theta[-1], [y.mean(), y.std()], rtol=1e-10)


def test_family_objective_rejects_bad_y():
    with pytest.raises(ValueError, match="y must be a non-empty 1-D array"):
        optim.family_objective(ng.family("poisson"), [[1, 2]])


# ------------------------------------------------------------------------------ errors


def test_singular_fisher_is_a_clear_error():
    obj = quadratic([[1.0, 1.0], [1.0, 1.0]], [1.0, 0.0])
    with pytest.raises(np.linalg.LinAlgError, match=r"fisher is (not positive definite|numerically "
                       r"singular) at theta=.*smallest eigenvalue .*condition number"):
        optim.natural_step(obj, [0.0, 0.0])
    assert issubclass(np.linalg.LinAlgError, ValueError)
    # Damping fixes it.
    assert np.all(np.isfinite(optim.natural_step(obj, [0.0, 0.0], damping=1e-3)))


def test_nearly_singular_fisher_is_caught():
    obj = quadratic([[1.0, 1.0], [1.0, 1.0 + 2.0**-52]], [1.0, 0.0])  # condition number ~ 1.8e16
    with pytest.raises(np.linalg.LinAlgError, match="fisher is .*singular"):
        optim.natural_step(obj, [0.0, 0.0])


def test_non_finite_fisher_is_a_clear_error():
    obj = Objective(lambda t: 0.0, lambda t: np.ones(2), fisher=lambda t: np.full((2, 2), np.nan))
    with pytest.raises(np.linalg.LinAlgError, match="fisher is not finite at theta"):
        optim.natural_step(obj, [0.0, 0.0])


def test_indefinite_hessian_is_a_clear_error():
    obj = quadratic([[1.0, 0.0], [0.0, -1.0]], [1.0, 1.0])
    with pytest.raises(np.linalg.LinAlgError,
                       match=r"negative Hessian -hessian is not positive definite.*smallest eigenvalue -1"):
        optim.newton_step(obj, [0.0, 0.0])


def test_on_singular_stop_ends_the_loop():
    obj = quadratic([[1.0, 1.0], [1.0, 1.0]], [1.0, 0.0])
    traj = optim.optimize(obj, [0.0, 0.0], on_singular="stop")
    assert traj.status == "singular" and traj.n_iter == 0 and "fisher" in traj.message


def test_non_finite_gradient_is_a_clear_error():
    obj = Objective(lambda t: 0.0, lambda t: np.array([np.inf]))
    with pytest.raises(ValueError, match=r"grad\(theta\) must be finite"):
        optim.gradient_step(obj, [0.0])


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"method": "adam"}, ValueError, "method must be one of"),
        ({"theta0": [[0.0, 0.0]]}, ValueError, "theta0 must be a non-empty 1-D"),
        ({"theta0": [np.nan, 0.0]}, ValueError, "theta0 must be finite"),
        ({"theta0": "ab"}, TypeError, "theta0 must be numeric"),
        ({"max_iter": -1}, ValueError, "max_iter must be an integer >= 0"),
        ({"max_iter": 2.5}, TypeError, "max_iter must be an integer"),
        ({"lr": 0.0}, ValueError, "lr must be > 0"),
        ({"lr": "big"}, TypeError, "lr must be a real number"),
        ({"damping": -1.0}, ValueError, "damping must be >= 0"),
        ({"tol": -1.0}, ValueError, "tol must be >= 0"),
        ({"method": "natural_kl"}, ValueError, "method must be one of"),
        ({"kl_budget": 0.1, "lr": 0.5}, ValueError, "lr or kl_budget, not both"),
        ({"kl_budget": -0.1}, ValueError, "kl_budget must be > 0"),
        ({"average": True}, ValueError, "average=True needs objective.n"),
        ({"on_domain": "ignore"}, ValueError, "on_domain must be"),
        ({"target": [0.0, 0.0]}, ValueError, "target and kl must be given together"),
        ({"target": [0.0], "kl": lambda a, b: 0.0}, ValueError, "target must have shape"),
        ({"on_singular": "ignore"}, ValueError, "on_singular must be"),
    ],
)
def test_optimize_argument_errors(kwargs, exc, match):
    args = {"theta0": [0.0, 0.0]} | kwargs
    theta0 = args.pop("theta0")
    with pytest.raises(exc, match=match):
        optim.optimize(quadratic(A2, B2), theta0, **args)


def test_missing_objective_field_is_named():
    obj = Objective(lambda t: 0.0, lambda t: np.ones(1))
    with pytest.raises(ValueError, match=r"method='newton' needs objective.hessian, got None"):
        optim.newton_step(obj, [0.0])
    with pytest.raises(ValueError, match=r"needs objective.empirical_fisher"):
        optim.natural_step(obj, [0.0], metric="empirical_fisher")
    with pytest.raises(ValueError, match="metric must be one of"):
        optim.natural_step(quadratic(A2, B2), [0.0, 0.0], metric="hessian")


def test_wrong_matrix_shape_is_named():
    obj = Objective(lambda t: 0.0, lambda t: np.ones(2), fisher=lambda t: np.eye(3))
    with pytest.raises(ValueError, match=r"fisher must have shape \(2, 2\), got \(3, 3\)"):
        optim.natural_step(obj, [0.0, 0.0])


def test_kl_must_broadcast():
    with pytest.raises(ValueError, match="kl.* must broadcast"):
        optim.optimize(quadratic(A2, B2), [0.0, 0.0], max_iter=2, target=[0.0, 0.0], kl=lambda a, b: 0.0)
