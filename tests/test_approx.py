"""natgrad_lib.nets and natgrad_lib.approx: every preconditioner against the exact Fisher.

The models are small enough that the Fisher information is an exact sum over the labels
(chapters/07b_approximations.md relies on each property tested here).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import block_diag

from natgrad_lib import approx, nets, optim

FEATURES = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash"]


@pytest.fixture(scope="module")
def data():
    X, y = nets.load_wine(FEATURES)
    return X[::4], y[::4]                 # 45 examples keep every test fast


@pytest.fixture(scope="module", params=[0, 5], ids=["softmax", "hidden5"])
def model(request, data):
    X, y = data
    net = nets.Network(4, request.param, 3)
    theta = net.init(np.random.default_rng(request.param + 1))
    return net, theta, X, y


def kfac_matrix(net, theta, X):
    acts, grads, p = net.output_grads(theta, X)
    return block_diag(*[X.shape[0] * np.kron(*approx.kron_factors(a, g, p)) for a, g in zip(acts, grads)])


def spd(rng, d):
    m = rng.normal(size=(d, d))
    return m @ m.T + 0.5 * np.eye(d)


# ------------------------------------------------------------------ the exact model


def test_score_matches_finite_differences(model):
    net, theta, X, y = model
    eye = 1e-6 * np.eye(net.n_params)
    fd = np.array([(net.loglik(theta + e, X, y) - net.loglik(theta - e, X, y)) / 2e-6 for e in eye])
    assert np.allclose(fd, net.grad(theta, X, y), rtol=1e-6, atol=1e-6)


def test_fisher_is_the_expected_outer_product_of_the_score(model):
    """Enumeration over the labels, written out as a loop, and as E[s] = 0."""
    net, theta, X, y = model
    s, p = net.label_scores(theta, X)
    loop = sum(p[i, c] * np.outer(s[i, c], s[i, c]) for i in range(len(X)) for c in range(3))
    F = net.fisher(theta, X)
    assert np.allclose(F, loop)
    assert np.allclose(np.einsum("ic,ick->k", p, s), 0.0, atol=1e-12)     # mean score is zero
    assert np.allclose(F, F.T) and np.linalg.eigvalsh(F)[0] > -1e-10


def test_softmax_fisher_is_the_negative_hessian_for_any_labels(data):
    """Softmax regression is a canonical GLM: -∇²ℓ = I(θ) whatever the labels."""
    X, y = data
    net = nets.Network(4, 0, 3)
    theta = net.init(np.random.default_rng(3))
    eye = 1e-5 * np.eye(net.n_params)
    hess = np.array([(net.grad(theta + e, X, y) - net.grad(theta - e, X, y)) / 2e-5 for e in eye])
    assert np.allclose(-hess, net.fisher(theta, X), rtol=1e-5, atol=1e-6)


def test_empirical_fisher_with_labels_from_the_model_is_unbiased(model):
    """E_y[F̂] = I when y is drawn from the model: Monte Carlo, z from the standard error."""
    net, theta, X, y = model
    s, p = net.label_scores(theta, X)
    rng = np.random.default_rng(20)
    R, n = 2000, len(X)
    labels = (rng.random((R, n, 1)) > np.cumsum(p, axis=1)[None]).sum(axis=2)
    S = s[np.arange(n), labels]                                      # (R, n, k)
    draws = np.einsum("rnk,rnl->rkl", S, S)
    F = net.fisher(theta, X)
    se = draws.std(axis=0, ddof=1) / np.sqrt(R)
    mask = se > 1e-12
    z = (draws.mean(axis=0) - F)[mask] / se[mask]
    assert np.all(np.abs(z) < 5)


def test_kl_is_zero_at_equal_parameters_and_quadratic_nearby(model):
    net, theta, X, y = model
    assert net.kl(theta, theta, X) == 0.0
    d = np.random.default_rng(4).normal(size=net.n_params)
    F1 = net.fisher(theta, X) / len(X)
    for eps in (1e-2, 1e-3):
        kl = net.kl(theta, theta + eps * d, X)
        assert kl > 0
        assert abs(kl / (0.5 * eps**2 * d @ F1 @ d) - 1) < 30 * eps
    rows = net.kl(np.stack([theta, theta + 0.1 * d]), theta, X)
    assert rows.shape == (2,) and rows[0] == 0.0


def test_pack_and_unpack_are_inverse(model):
    net, theta, X, y = model
    assert np.array_equal(net.pack(net.unpack(theta)), theta)


# ------------------------------------------------------------------ the preconditioners


def test_diagonal_is_the_diagonal_of_the_fisher(model):
    net, theta, X, y = model
    s, p = net.label_scores(theta, X)
    assert np.allclose(approx.diagonal_from_scores(s, p), np.diag(net.fisher(theta, X)))


def test_sampled_diagonal_fisher_is_unbiased(model):
    net, theta, X, y = model
    s, p = net.label_scores(theta, X)
    rng = np.random.default_rng(21)
    R, n = 1000, len(X)
    labels = (rng.random((R, n, 1)) > np.cumsum(p, axis=1)[None]).sum(axis=2)
    sampled = (s[np.arange(n), labels] ** 2).sum(axis=1)
    z = (sampled.mean(axis=0) - approx.diagonal_from_scores(s, p)) / (sampled.std(axis=0, ddof=1) / np.sqrt(R))
    assert np.all(np.abs(z) < 5)


def test_empirical_fisher_is_fisher_from_scores_with_one_hot_weights(model):
    net, theta, X, y = model
    s, _ = net.label_scores(theta, X)
    assert np.allclose(approx.fisher_from_scores(s, np.eye(3)[y]), net.empirical_fisher(theta, X, y))


def test_block_diagonal_keeps_the_layer_blocks(model):
    net, theta, X, y = model
    F = net.fisher(theta, X)
    B = approx.block_diagonal(F, net.sizes)
    start = 0
    for size in net.sizes:
        sl = slice(start, start + size)
        assert np.array_equal(B[sl, sl], F[sl, sl])
        start += size
    assert np.count_nonzero(B) <= sum(s * s for s in net.sizes)


def test_kfac_is_exact_when_inputs_and_gradients_are_independent():
    """A product design: every input with every gradient, so a and g are independent."""
    rng = np.random.default_rng(5)
    a_vals, g_vals = rng.normal(size=(4, 3)), rng.normal(size=(5, 2))
    acts = np.repeat(a_vals, 5, axis=0)                               # (20, 3)
    grads = np.tile(g_vals, (4, 1))[:, None, :]                      # (20, 1, 2)
    w = np.ones((20, 1))
    scores = (acts[:, None, :, None] * grads[:, :, None, :]).reshape(20, 1, -1)
    A, G = approx.kron_factors(acts, grads, w)
    assert np.allclose(approx.fisher_from_scores(scores, w), 20 * np.kron(A, G))


def test_kfac_is_exact_for_softmax_regression_at_zero_and_not_elsewhere(data):
    X, y = data
    net = nets.Network(4, 0, 3)
    zero = np.zeros(net.n_params)
    assert approx.relative_error(kfac_matrix(net, zero, X), net.fisher(zero, X)) < 1e-12
    theta = net.init(np.random.default_rng(6), scale=2.0)
    assert approx.relative_error(kfac_matrix(net, theta, X), net.fisher(theta, X)) > 1e-3


def test_network_directions_against_the_exact_fisher(model):
    net, theta, X, y = model
    dirs = approx.network_directions(net, X, y, damping=0.0)
    g = net.grad(theta, X, y)
    F = net.fisher(theta, X)
    assert np.allclose(dirs["natural"](theta, g), np.linalg.solve(F, g))
    B = approx.block_diagonal(F, net.sizes)
    assert np.allclose(dirs["block_diagonal"](theta, g), np.linalg.solve(B, g))
    assert np.allclose(dirs["kfac"](theta, g), np.linalg.solve(kfac_matrix(net, theta, X), g))
    assert np.allclose(dirs["diagonal_fisher"](theta, g), g / np.diag(F))
    Fe = net.empirical_fisher(theta, X, y)
    assert np.allclose(dirs["empirical_fisher"](theta, g), np.linalg.solve(Fe, g))
    v = np.diag(Fe) / len(X)
    assert np.allclose(dirs["sqrt_empirical_diagonal"](theta, g), g / (np.sqrt(v) + 1e-8))
    assert all(d.name == key for key, d in dirs.items())


def test_damped_directions_add_damping_times_the_mean_diagonal(model):
    net, theta, X, y = model
    g = net.grad(theta, X, y)
    F = net.fisher(theta, X)
    damped = approx.network_directions(net, X, y, damping=0.1)
    lam = 0.1 * np.mean(np.diag(F))
    assert np.allclose(damped["natural"](theta, g), np.linalg.solve(F + lam * np.eye(len(g)), g))
    K = kfac_matrix(net, theta, X)
    lam_k = 0.1 * np.mean(np.diag(K))
    assert np.allclose(damped["kfac"](theta, g), np.linalg.solve(K + lam_k * np.eye(len(g)), g))


# ------------------------------------------------------------------ Kronecker identities


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d_in=st.integers(1, 5), d_out=st.integers(1, 4))
def test_kronecker_inverse_is_the_kronecker_of_inverses(seed, d_in, d_out):
    rng = np.random.default_rng(seed)
    A, G = spd(rng, d_in), spd(rng, d_out)
    assert np.allclose(np.linalg.inv(np.kron(A, G)), np.kron(np.linalg.inv(A), np.linalg.inv(G)),
                       rtol=1e-8, atol=1e-8 * np.linalg.cond(np.kron(A, G)))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d_in=st.integers(1, 5), d_out=st.integers(1, 4))
def test_vec_of_a_matrix_product(seed, d_in, d_out):
    rng = np.random.default_rng(seed)
    A, B, X = rng.normal(size=(d_in, d_in)), rng.normal(size=(d_out, d_out)), rng.normal(size=(d_out, d_in))
    vec = lambda M: M.reshape(-1, order="F")
    assert np.allclose(vec(B @ X @ A.T), np.kron(A, B) @ vec(X))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), d_in=st.integers(1, 5), d_out=st.integers(1, 4),
       damping=st.floats(0.0, 10.0), n=st.floats(0.5, 200.0))
def test_kron_solve_is_the_damped_dense_solve(seed, d_in, d_out, damping, n):
    rng = np.random.default_rng(seed)
    A, G, V = spd(rng, d_in), spd(rng, d_out), rng.normal(size=(d_out, d_in))
    M = n * np.kron(A, G) + damping * np.eye(d_in * d_out)
    dense = np.linalg.solve(M, V.reshape(-1, order="F"))
    assert np.allclose(approx.kron_solve(A, G, V, damping, n).reshape(-1, order="F"), dense,
                       rtol=1e-7, atol=1e-9 * np.abs(dense).max())


# ------------------------------------------------------------------ Adam and RMSprop


def test_adam_follows_its_recurrence():
    rng = np.random.default_rng(9)
    grads = rng.normal(size=(6, 3))
    d = approx.adam(beta1=0.8, beta2=0.9, eps=1e-3)
    m = v = np.zeros(3)
    for t, g in enumerate(grads, start=1):
        m, v = 0.8 * m + 0.2 * g, 0.9 * v + 0.1 * g**2
        want = (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.9**t)) + 1e-3)
        assert np.allclose(d(np.zeros(3), g), want)
    assert d.name == "adam" and approx.rmsprop().name == "rmsprop"


def test_adam_v_hat_with_a_constant_gradient_is_its_square():
    """The bias correction makes v̂ a weighted average with weights summing to 1."""
    d = approx.adam(beta1=0.0, beta2=0.99, eps=0.0)
    g = np.array([2.0, -0.5])
    for _ in range(5):
        out = d(np.zeros(2), g)
    assert np.allclose(out, np.sign(g))


def test_minibatch_second_moment_by_monte_carlo():
    rng = np.random.default_rng(10)
    scores = rng.normal(loc=0.3, size=(40, 3)) * np.array([1.0, 3.0, 0.2])
    B, R = 5, 20000
    idx = rng.integers(0, 40, size=(R, B))
    sq = scores[idx].mean(axis=1) ** 2
    z = (sq.mean(axis=0) - approx.minibatch_second_moment(scores, B)) / (sq.std(axis=0, ddof=1) / np.sqrt(R))
    assert np.all(np.abs(z) < 5)


# ------------------------------------------------------------------ the optimize hook


def test_optimize_accepts_a_direction_and_spends_the_kl_budget(data):
    X, y = data
    net = nets.Network(4, 0, 3)
    obj = net.objective(X, y)
    dirs = approx.network_directions(net, X, y, damping=0.0)
    for name in ("gradient", "kfac", "adam"):
        traj = optim.optimize(obj, np.zeros(net.n_params), dirs[name], max_iter=3, kl_budget=0.5, tol=None)
        assert traj.method == name and traj.n_iter == 3
        for a, b in zip(traj.theta[:-1], traj.theta[1:]):
            d = b - a
            assert np.isclose(0.5 * d @ net.fisher(a, X) @ d, 0.5)
    traj = optim.optimize(obj, np.zeros(net.n_params), lambda theta, g: g, max_iter=2, lr=1e-3, tol=None)
    assert traj.method == "<lambda>"


def test_optimize_hook_errors(data):
    X, y = data
    net = nets.Network(4, 0, 3)
    obj = net.objective(X, y)
    theta0 = np.zeros(net.n_params)
    no_fisher = optim.Objective(obj.loglik, obj.grad)
    with pytest.raises(ValueError, match=r"kl_budget \(the local KL cost .*\) needs objective.fisher, got None"):
        optim.optimize(no_fisher, theta0, lambda t, g: g, kl_budget=0.1)
    with pytest.raises(ValueError, match="give lr or kl_budget, not both"):
        optim.optimize(obj, theta0, lambda t, g: g, kl_budget=0.1, lr=0.5)
    with pytest.raises(ValueError, match="must return a finite array of shape"):
        optim.optimize(obj, theta0, lambda t, g: g[:2], max_iter=1)
    with pytest.raises(ValueError, match="method must be one of"):
        optim.optimize(obj, theta0, "adam")


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("call, exc, match", [
    (lambda: nets.Network(0, 3, 3), ValueError, "n_in must be an integer >= 1, got 0"),
    (lambda: nets.Network(2, 3, 1), ValueError, "n_classes must be an integer >= 2, got 1"),
    (lambda: nets.Network(2, 1.5, 3), TypeError, "n_hidden must be an integer"),
    (lambda: nets.Network(2, 0, 3).probs(np.zeros(5), np.zeros((1, 2))), ValueError, r"theta must have shape \(6,\)"),
    (lambda: nets.Network(2, 0, 3).probs(np.zeros(6), np.zeros((1, 3))), ValueError, r"X must have shape \(n, 2\)"),
    (lambda: nets.Network(2, 0, 3).loglik(np.zeros(6), np.zeros((1, 2)), np.array([3])), ValueError,
     "y must hold labels 0..2"),
    (lambda: nets.Network(2, 0, 3).loglik(np.zeros(6), np.zeros((1, 2)), np.array([0.5])), ValueError,
     "y must be an integer array"),
    (lambda: nets.Network(2, 0, 3).probs([np.nan] * 6, np.zeros((1, 2))), ValueError, "theta must be finite"),
    (lambda: nets.load_wine(["colour"]), ValueError, "features must be names from WINE_FEATURES"),
    (lambda: nets.load_wine(standardize="yes"), TypeError, "standardize must be True or False"),
    (lambda: approx.kron_solve(np.eye(2), np.eye(1), np.ones((1, 2)), damping=-1.0), ValueError,
     "damping must be >= 0"),
    (lambda: approx.kron_solve([[1.0, 2.0], [0.0, 1.0]], np.eye(1), np.ones((1, 2))), ValueError,
     "A must be symmetric"),
    (lambda: approx.kron_solve(-np.eye(2), np.eye(1), np.ones((1, 2))), ValueError,
     "A must be positive semidefinite"),
    (lambda: approx.kron_solve(np.eye(2), np.eye(1), np.ones((2, 1))), ValueError, r"V must have shape \(1, 2\)"),
    (lambda: approx.kron_solve(np.zeros((2, 2)), np.eye(1), np.ones((1, 2))), np.linalg.LinAlgError,
     "add damping > 0"),
    (lambda: approx.fisher_from_scores(np.ones((2, 3)), np.ones((2, 3))), ValueError, "scores must have shape"),
    (lambda: approx.fisher_from_scores(np.ones((2, 3, 1)), -np.ones((2, 3))), ValueError, "weights must be >= 0"),
    (lambda: approx.fisher_from_scores(np.ones((2, 3, 1)), np.ones((2, 2))), ValueError, "weights must have shape"),
    (lambda: approx.block_diagonal(np.eye(3), [1, 1]), ValueError, "matrix must have shape"),
    (lambda: approx.adam(beta1=1.0), ValueError, r"beta1 must be in \[0, 1\)"),
    (lambda: approx.rmsprop(eps="small"), TypeError, "eps must be a number"),
    (lambda: approx.sqrt_diagonal_direction([-1.0], [1.0]), ValueError, "v must be >= 0"),
    (lambda: approx.sqrt_diagonal_direction([0.0], [1.0], eps=0.0), ValueError, "use eps > 0"),
    (lambda: approx.minibatch_second_moment(np.ones((3, 2)), 0), ValueError, "batch_size must be an integer >= 1"),
    (lambda: approx.relative_error(np.eye(2), np.zeros((2, 2))), ValueError, "exact must not be zero"),
    (lambda: approx.angle([0.0, 0.0], [1.0, 0.0]), ValueError, "u and v must be non-zero"),
])
def test_bad_input_is_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
