r"""The approximations of the Fisher information that practical optimisers use.

Each preconditioner M stands in for the Fisher information I(θ) in the natural-gradient
direction M⁻¹∇ℓ. This module computes them from per-example quantities, vectorised:

==============================  ===============================================================
:func:`fisher_from_scores`      Σᵢ Σ_c wᵢc sᵢc sᵢcᵀ: the exact Fisher when wᵢc = p(c | xᵢ; θ)
                                and c runs over every label (an enumeration, not a sample)
:func:`diagonal_from_scores`    the diagonal of the same sum, without forming the matrix
:func:`kron_factors`            K-FAC's factors A = mean aaᵀ, G = mean E[ggᵀ] of one layer;
                                the layer's Fisher block is approximated by n (A ⊗ G)
:func:`kron_solve`              (n A ⊗ G + λ Id)⁻¹ vec V through the eigendecompositions of
                                the factors, never forming the Kronecker product
:func:`block_diagonal`          keep only the diagonal blocks (one per layer)
:func:`sqrt_diagonal_direction` g / (√v + ε): the diagonal square-root preconditioner of
                                Adam and RMSprop
:func:`adam`, :func:`rmsprop`   the stateful optimisers, as ascent directions
==============================  ===============================================================

Every direction can be wrapped as a :class:`Direction`, a callable ``direction(theta, grad)``
with a ``name``, which is what :func:`natgrad_lib.optim.optimize` accepts as ``method``.
:func:`network_directions` builds all of them for a :class:`natgrad_lib.nets.Network`.

The vec convention is the one of :mod:`natgrad_lib.nets`: vec stacks the columns of a matrix,
so vec(B X Aᵀ) = (A ⊗ B) vec X and the score of a layer is a ⊗ g.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ._validate import as_float_array, require_finite, require_int
from .optim import solve_spd

__all__ = [
    "Direction", "fisher_from_scores", "diagonal_from_scores", "kron_factors", "kron_solve",
    "block_diagonal", "sqrt_diagonal_direction", "adam", "rmsprop", "relative_error", "angle",
    "kl_cost", "minibatch_second_moment", "network_directions",
]


def _nonneg(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number >= 0, got {value!r}")
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be >= 0 and finite, got {value!r}")
    return value


def _unit_interval(value: Any, name: str) -> float:
    value = _nonneg(value, name)
    if value >= 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return value


def _scores_and_weights(scores: Any, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    s = require_finite(as_float_array(scores, "scores"), "scores")
    w = require_finite(as_float_array(weights, "weights"), "weights")
    if s.ndim != 3:
        raise ValueError(f"scores must have shape (n, labels, k), got {s.shape}")
    if w.shape != s.shape[:2]:
        raise ValueError(f"weights must have shape {s.shape[:2]} like scores[..., 0], got {w.shape}")
    if np.any(w < 0):
        raise ValueError(f"weights must be >= 0, got a minimum of {float(w.min())!r}")
    return s, w


@dataclass
class Direction:
    """An ascent direction ``fn(theta, grad)`` with a name, for ``optim.optimize(method=...)``.

    Examples
    --------
    >>> d = Direction("gradient", lambda theta, grad: grad)
    >>> d(np.zeros(2), np.array([1.0, -1.0])), d.name
    (array([ 1., -1.]), 'gradient')
    """

    name: str
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray] = field(repr=False)

    def __call__(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return np.asarray(self.fn(theta, grad), dtype=float)


# --------------------------------------------------------------------------- matrices


def fisher_from_scores(scores: Any, weights: Any) -> np.ndarray:
    """Σᵢ Σ_c wᵢc sᵢc sᵢcᵀ for scores of shape (n, labels, k) and weights (n, labels).

    With every label enumerated and w the model's own probabilities, this is the exact
    Fisher information of the data set. With one label per example (the observed one) and
    w = 1 it is the empirical Fisher.

    >>> s = np.array([[[1.0, 0.0], [0.0, 2.0]]]); w = np.array([[0.5, 0.5]])
    >>> fisher_from_scores(s, w)
    array([[0.5, 0. ],
           [0. , 2. ]])
    """
    s, w = _scores_and_weights(scores, weights)
    root = (s * np.sqrt(w)[:, :, None]).reshape(-1, s.shape[2])
    return root.T @ root


def diagonal_from_scores(scores: Any, weights: Any) -> np.ndarray:
    """The diagonal of :func:`fisher_from_scores`, Σᵢ Σ_c wᵢc sᵢc², in O(n·labels·k).

    >>> s = np.array([[[1.0, 0.0], [0.0, 2.0]]]); w = np.array([[0.5, 0.5]])
    >>> diagonal_from_scores(s, w)
    array([0.5, 2. ])
    """
    s, w = _scores_and_weights(scores, weights)
    return np.einsum("nc,nck->k", w, s**2)


def kron_factors(acts: Any, grads: Any, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """K-FAC's factors of one layer: A = (1/n) Σᵢ aᵢaᵢᵀ and G = (1/n) Σᵢ Σ_c wᵢc gᵢc gᵢcᵀ.

    The layer's block of the Fisher information is Σᵢ Σ_c wᵢc (aᵢaᵢᵀ) ⊗ (gᵢc gᵢcᵀ); K-FAC
    replaces this mean of Kronecker products by n times the Kronecker product of the means,
    n (A ⊗ G). The two agree when a and g are independent under the weights.

    Parameters
    ----------
    acts : array_like, shape (n, d_in)
        The layer's inputs aᵢ (with the trailing 1 of the bias).
    grads : array_like, shape (n, labels, d_out)
        The back-propagated gradients gᵢc at the layer's outputs, for every label c.
    weights : array_like, shape (n, labels)
        p(c | xᵢ; θ) for the Fisher (or a one-hot of the observed label, for the empirical
        K-FAC).

    Examples
    --------
    >>> a = np.array([[1.0, 1.0], [2.0, 1.0]]); g = np.ones((2, 1, 1)); w = np.ones((2, 1))
    >>> A, G = kron_factors(a, g, w)
    >>> A, G
    (array([[2.5, 1.5],
           [1.5, 1. ]]), array([[1.]]))
    """
    a = require_finite(as_float_array(acts, "acts"), "acts")
    g, w = _scores_and_weights(grads, weights)
    if a.ndim != 2 or a.shape[0] != g.shape[0]:
        raise ValueError(f"acts must have shape ({g.shape[0]}, d_in) like grads[:, 0, 0], got {a.shape}")
    n = a.shape[0]
    return a.T @ a / n, fisher_from_scores(g, w) / n


def _spd_factor(m: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    m = require_finite(as_float_array(m, name), name)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {m.shape}")
    if not np.allclose(m, m.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(m).max()))):
        raise ValueError(f"{name} must be symmetric")
    vals, vecs = np.linalg.eigh(m)
    if vals[0] < -1e-10 * max(1.0, abs(vals[-1])):
        raise ValueError(f"{name} must be positive semidefinite, got an eigenvalue {vals[0]:.3g}")
    return np.clip(vals, 0.0, None), vecs


def kron_solve(A: Any, G: Any, V: Any, damping: float = 0.0, n: float = 1.0) -> np.ndarray:
    """X with vec X = (n A ⊗ G + λ Id)⁻¹ vec V, through the factors' eigendecompositions.

    With A = Q_A diag(α) Q_Aᵀ and G = Q_G diag(γ) Q_Gᵀ, the Kronecker product has eigenvectors
    Q_A ⊗ Q_G and eigenvalues αⱼγᵢ, so (with vec(B X Aᵀ) = (A ⊗ B) vec X)

        X = Q_G [ (Q_Gᵀ V Q_A) ⊘ (n γ αᵀ + λ) ] Q_Aᵀ.

    The cost is that of two small eigendecompositions, O(d_in³ + d_out³), instead of the
    O(d_in³ d_out³) of a dense solve, and the damping λ is exact (it is added to the
    Kronecker product, not to each factor).

    Parameters
    ----------
    A : array_like, shape (d_in, d_in), symmetric positive semidefinite
    G : array_like, shape (d_out, d_out), symmetric positive semidefinite
    V : array_like, shape (d_out, d_in)
        The layer's gradient as a matrix.
    damping : float
        λ ≥ 0; the product must be positive definite after damping.
    n : float
        The factor in front of A ⊗ G (the number of examples, for a Fisher of the data set).

    Examples
    --------
    >>> A = np.array([[2.0, 0.5], [0.5, 1.0]]); G = np.array([[3.0]]); V = np.array([[1.0, 2.0]])
    >>> X = kron_solve(A, G, V, damping=0.1)
    >>> dense = np.linalg.solve(np.kron(A, G) + 0.1 * np.eye(2), V.reshape(-1, order="F"))
    >>> bool(np.allclose(X.reshape(-1, order="F"), dense))
    True
    >>> kron_solve(A, G, V, damping=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: damping must be >= 0 and finite, got -1.0
    """
    damping = _nonneg(damping, "damping")
    n = _nonneg(n, "n")
    alpha, qa = _spd_factor(A, "A")
    gamma, qg = _spd_factor(G, "G")
    V = require_finite(as_float_array(V, "V"), "V")
    if V.shape != (qg.shape[0], qa.shape[0]):
        raise ValueError(f"V must have shape {(qg.shape[0], qa.shape[0])} (d_out, d_in), got {V.shape}")
    eig = n * np.outer(gamma, alpha) + damping
    if eig.min() <= 0:
        raise np.linalg.LinAlgError(
            f"n A ⊗ G + damping Id is singular (smallest eigenvalue {eig.min():.3g}); add damping > 0")
    return qg @ ((qg.T @ V @ qa) / eig) @ qa.T


def block_diagonal(matrix: Any, sizes: Sequence[int]) -> np.ndarray:
    """The matrix with every entry outside the diagonal blocks of the given sizes set to 0.

    >>> block_diagonal(np.ones((3, 3)), [1, 2])
    array([[1., 0., 0.],
           [0., 1., 1.],
           [0., 1., 1.]])
    """
    m = as_float_array(matrix, "matrix")
    sizes = [require_int(s, "sizes[i]", 1) for s in sizes]
    if m.ndim != 2 or m.shape != (sum(sizes), sum(sizes)):
        raise ValueError(f"matrix must have shape ({sum(sizes)}, {sum(sizes)}) = sum(sizes), got {m.shape}")
    out = np.zeros_like(m)
    start = 0
    for s in sizes:
        out[start:start + s, start:start + s] = m[start:start + s, start:start + s]
        start += s
    return out


# --------------------------------------------------------------------------- adaptive optimisers


def sqrt_diagonal_direction(v: Any, grad: Any, eps: float = 1e-8) -> np.ndarray:
    """g / (√v + ε), element-wise: the preconditioner of Adam and RMSprop for a given v.

    >>> sqrt_diagonal_direction([4.0, 0.25], [1.0, 1.0], eps=0.0)
    array([0.5, 2. ])
    """
    v = require_finite(as_float_array(v, "v"), "v")
    g = require_finite(as_float_array(grad, "grad"), "grad")
    eps = _nonneg(eps, "eps")
    if np.any(v < 0):
        raise ValueError(f"v must be >= 0, got a minimum of {float(v.min())!r}")
    if v.shape != g.shape:
        raise ValueError(f"v must have the shape of grad {g.shape}, got {v.shape}")
    denom = np.sqrt(v) + eps
    if np.any(denom == 0):
        raise ValueError("sqrt(v) + eps is 0 in some coordinate; use eps > 0")
    return g / denom


def adam(beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Direction:
    """Adam (Kingma and Ba, 2015) as a stateful ascent direction ``d(theta, grad)``.

    At call t = 1, 2, …: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², and the direction is
    m̂ / (√v̂ + ε) with the bias corrections m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). Each call
    advances the state, so make a fresh one per run.

    Examples
    --------
    On the first call the bias correction makes m̂ = g and v̂ = g², so the direction is the
    sign of g (up to ε):

    >>> d = adam(eps=0.0)
    >>> d(np.zeros(2), np.array([3.0, -0.5]))
    array([ 1., -1.])
    """
    beta1 = _unit_interval(beta1, "beta1")
    beta2 = _unit_interval(beta2, "beta2")
    eps = _nonneg(eps, "eps")
    state: dict[str, Any] = {"t": 0, "m": None, "v": None}

    def step(theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        g = require_finite(as_float_array(grad, "grad"), "grad")
        if state["m"] is None:
            state["m"], state["v"] = np.zeros_like(g), np.zeros_like(g)
        state["t"] += 1
        state["m"] = beta1 * state["m"] + (1 - beta1) * g
        state["v"] = beta2 * state["v"] + (1 - beta2) * g**2
        m_hat = state["m"] / (1 - beta1 ** state["t"])
        v_hat = state["v"] / (1 - beta2 ** state["t"])
        return sqrt_diagonal_direction(v_hat, m_hat, eps)

    return Direction("adam", step)


def rmsprop(beta2: float = 0.99, eps: float = 1e-8) -> Direction:
    """RMSprop: v ← β₂v + (1 − β₂)g² and the direction g / (√v + ε), with no bias correction.

    >>> d = rmsprop(beta2=0.75, eps=0.0)
    >>> d(np.zeros(1), np.array([2.0]))          # v = 0.25 * 4 = 1: no correction
    array([2.])
    """
    beta2 = _unit_interval(beta2, "beta2")
    eps = _nonneg(eps, "eps")
    state: dict[str, Any] = {"v": None}

    def step(theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        g = require_finite(as_float_array(grad, "grad"), "grad")
        state["v"] = (1 - beta2) * g**2 + (0.0 if state["v"] is None else beta2 * state["v"])
        return sqrt_diagonal_direction(state["v"], g, eps)

    return Direction("rmsprop", step)


def minibatch_second_moment(scores: Any, batch_size: int) -> np.ndarray:
    """E[ḡ_B²], the expected element-wise square of a mini-batch mean gradient.

    For a batch of B examples drawn uniformly with replacement from n per-example scores sᵢ,
    ḡ_B = (1/B) Σ_{b} s_{i_b} has mean ḡ = (1/n) Σᵢ sᵢ, and

        E[ḡ_B²] = ḡ² + (diag Î_emp − ḡ²) / B = diag(Î_emp) / B + (1 − 1/B) ḡ²,

    where Î_emp = (1/n) Σᵢ sᵢsᵢᵀ is the empirical Fisher. This is what Adam's v estimates
    when the gradient does not change: the diagonal of the empirical Fisher only for B = 1,
    and mostly the squared mean gradient for large B.

    >>> s = np.array([[1.0], [3.0]])
    >>> minibatch_second_moment(s, 1), minibatch_second_moment(s, 2)
    (array([5.]), array([4.5]))
    """
    s = require_finite(as_float_array(scores, "scores"), "scores")
    if s.ndim != 2:
        raise ValueError(f"scores must have shape (n, k), got {s.shape}")
    b = require_int(batch_size, "batch_size", 1)
    mean = s.mean(axis=0)
    return (s**2).mean(axis=0) / b + (1 - 1 / b) * mean**2


# --------------------------------------------------------------------------- measures


def relative_error(approx: Any, exact: Any) -> float:
    """‖approx − exact‖_F / ‖exact‖_F.

    >>> relative_error(np.diag([1.0, 1.0]), np.array([[1.0, 1.0], [1.0, 1.0]]))
    0.7071067811865476
    """
    a, e = as_float_array(approx, "approx"), as_float_array(exact, "exact")
    if a.shape != e.shape:
        raise ValueError(f"approx must have the shape of exact {e.shape}, got {a.shape}")
    norm = float(np.linalg.norm(e))
    if norm == 0:
        raise ValueError("exact must not be zero")
    return float(np.linalg.norm(a - e)) / norm


def angle(u: Any, v: Any) -> float:
    """The angle between two directions, in degrees (0 = same direction).

    >>> angle([1.0, 0.0], [1.0, 1.0])
    45.0
    """
    u, v = as_float_array(u, "u").ravel(), as_float_array(v, "v").ravel()
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        raise ValueError("u and v must be non-zero")
    return float(np.degrees(np.arccos(np.clip(u @ v / (nu * nv), -1.0, 1.0))))


def kl_cost(d: Any, fisher: Any) -> float:
    """½ dᵀ I d, the KL divergence that the step d costs to second order.

    >>> kl_cost([1.0, 2.0], np.diag([2.0, 0.5]))
    2.0
    """
    d = as_float_array(d, "d")
    return float(0.5 * d @ as_float_array(fisher, "fisher") @ d)


# --------------------------------------------------------------------------- for a network


def network_directions(net: Any, X: Any, y: Any, damping: float = 1e-3,
                       adam_kwargs: dict[str, float] | None = None) -> dict[str, Direction]:
    """Every preconditioned direction for a :class:`natgrad_lib.nets.Network` on (X, y).

    The keys (and names): ``gradient`` (∇ℓ), ``natural`` ((I + λ Id)⁻¹∇ℓ, exact), ``kfac``
    (per layer (n A ⊗ G + λ)⁻¹), ``block_diagonal`` (the exact per-layer blocks),
    ``diagonal_fisher`` ((diag I + λ)⁻¹∇ℓ), ``empirical_fisher`` ((F̂ + λ Id)⁻¹∇ℓ),
    ``sqrt_empirical_diagonal`` (∇ℓ / (√diag Î_emp + ε), the idealised Adam/RMSprop
    preconditioner) and ``adam`` (fresh state). The damping λ of each matrix is ``damping``
    times the mean of its own diagonal at the current θ, so that it scales with the data;
    K-FAC computes that mean from its factors (the diagonal of A ⊗ G is the outer product of
    theirs), never forming a k × k matrix.

    Examples
    --------
    >>> from natgrad_lib import nets
    >>> net = nets.Network(2, 0, 3); X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> dirs = network_directions(net, X, np.array([0, 1, 2]), damping=0.0)
    >>> g = net.grad(np.zeros(6), X, np.array([0, 1, 2]))
    >>> bool(np.allclose(dirs["kfac"](np.zeros(6), g), dirs["natural"](np.zeros(6), g)))
    True
    """
    damping = _nonneg(damping, "damping")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n = X.shape[0]

    def damped(M: np.ndarray) -> np.ndarray:
        return M + damping * float(np.mean(np.diag(M))) * np.eye(M.shape[0])

    def natural(theta, g):
        return solve_spd(damped(net.fisher(theta, X)), g, "fisher", theta)

    def kfac(theta, g):
        acts, grads, p = net.output_grads(theta, X)
        factors = [kron_factors(a, gl, p) for a, gl in zip(acts, grads)]
        diag_sum = sum(n * np.trace(A) * np.trace(G) for A, G in factors)
        lam_t = damping * diag_sum / net.n_params
        return net.pack([kron_solve(A, G, V, damping=lam_t, n=n)
                         for (A, G), V in zip(factors, net.unpack(g))])

    def block(theta, g):
        F = block_diagonal(net.fisher(theta, X), net.sizes)
        return solve_spd(damped(F), g, "block-diagonal Fisher", theta)

    def diag(theta, g):
        s, p = net.label_scores(theta, X)
        d = diagonal_from_scores(s, p)
        return g / (d + damping * d.mean())

    def emp(theta, g):
        return solve_spd(damped(net.empirical_fisher(theta, X, y)), g, "empirical Fisher", theta)

    def sqrt_emp(theta, g):
        s = net.scores(theta, X, y)
        return sqrt_diagonal_direction((s**2).mean(axis=0), g)

    return {
        "gradient": Direction("gradient", lambda theta, g: g),
        "natural": Direction("natural", natural),
        "kfac": Direction("kfac", kfac),
        "block_diagonal": Direction("block_diagonal", block),
        "diagonal_fisher": Direction("diagonal_fisher", diag),
        "empirical_fisher": Direction("empirical_fisher", emp),
        "sqrt_empirical_diagonal": Direction("sqrt_empirical_diagonal", sqrt_emp),
        "adam": adam(**(adam_kwargs or {})),
    }
