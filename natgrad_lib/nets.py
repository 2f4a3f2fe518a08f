r"""Small classifiers whose Fisher information can be computed exactly, by enumeration.

A :class:`Network` is multinomial logistic regression (``n_hidden=0``: one linear layer) or a
network with one hidden layer of tanh units. Its output is a categorical distribution over
``n_classes`` labels. The last class is the reference class, with its logit fixed at 0, so the
output layer has ``n_classes - 1`` rows and the Fisher information is positive definite on
data in general position (with ``n_classes`` free logits, adding the same vector to every
class's weights would not change the model, and the Fisher information would be singular).

Each layer l maps its input a_l (with a trailing 1 for the bias) to W_l a_l. The parameters
are θ = (vec W_1, vec W_2), with vec stacking the *columns* of W (Fortran order), so that the
score of one layer is the Kronecker product

.. math:: \nabla_{\operatorname{vec} W}\log p(y\mid x;\theta) = \operatorname{vec}(g\,a^\top)
          = a \otimes g ,

where g = ∂ log p / ∂(W a) is the back-propagated gradient at the layer's outputs. Because the
label y takes only ``n_classes`` values, the Fisher information of the data set,
I(θ) = Σᵢ E_{y∼p(y|xᵢ;θ)}[s sᵀ], is an exact finite sum over the labels (:meth:`Network.fisher`);
no Monte Carlo is needed. The chapter ``chapters/07b_approximations.md`` measures every approximation
of this matrix against it.

:func:`load_wine` reads the UCI wine data shipped in ``natgrad_lib/data/wine.csv``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from ._validate import as_float_array, require_finite, require_generator, require_int
from .optim import Objective, empirical_fisher_from_scores, optimize

__all__ = ["Network", "load_wine", "WINE_FEATURES"]

_DATA = Path(__file__).resolve().parent / "data"

#: The 13 feature columns of ``wine.csv``, in order.
WINE_FEATURES = ("alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols",
                 "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
                 "od280_od315", "proline")


def load_wine(features: Sequence[str] = WINE_FEATURES,
              standardize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The UCI wine data: the features (standardised to mean 0 and sd 1 unless
    ``standardize=False``) and the cultivar 0, 1 or 2.

    Parameters
    ----------
    features : sequence of str
        Columns to keep, from :data:`WINE_FEATURES`.
    standardize : bool
        Centre and scale each column (otherwise the raw measurements are returned).

    Returns
    -------
    X : ndarray, shape (178, len(features))
    y : ndarray of int, shape (178,)

    Examples
    --------
    >>> X, y = load_wine(["alcohol", "malic_acid"])
    >>> X.shape, np.bincount(y).tolist()
    ((178, 2), [59, 71, 48])
    >>> load_wine(["colour"])
    Traceback (most recent call last):
    ...
    ValueError: features must be names from WINE_FEATURES, got 'colour'
    """
    if isinstance(features, str) or not len(features):
        raise ValueError(f"features must be a non-empty sequence of column names, got {features!r}")
    for name in features:
        if name not in WINE_FEATURES:
            raise ValueError(f"features must be names from WINE_FEATURES, got {name!r}")
    with open(_DATA / "wine.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    X = np.array([[float(r[f]) for f in features] for r in rows])
    y = np.array([int(r["cultivar"]) for r in rows])
    if not isinstance(standardize, bool):
        raise TypeError(f"standardize must be True or False, got {standardize!r}")
    return ((X - X.mean(axis=0)) / X.std(axis=0) if standardize else X), y


@dataclass(frozen=True)
class Network:
    """A categorical classifier: softmax regression, or one hidden layer of tanh units.

    Parameters
    ----------
    n_in : int
        Number of features (≥ 1).
    n_hidden : int
        Hidden units; 0 for multinomial logistic regression (≥ 0).
    n_classes : int
        Number of labels (≥ 2). The last one is the reference class (logit 0).

    Examples
    --------
    >>> net = Network(n_in=4, n_hidden=3, n_classes=3)
    >>> net.shapes, net.n_params
    (((3, 5), (2, 4)), 23)
    >>> theta = net.init(np.random.default_rng(0))
    >>> X = np.random.default_rng(1).normal(size=(6, 4))
    >>> net.probs(theta, X).sum(axis=1).round(12)
    array([1., 1., 1., 1., 1., 1.])
    """

    n_in: int
    n_hidden: int
    n_classes: int

    def __post_init__(self) -> None:
        require_int(self.n_in, "n_in", 1)
        require_int(self.n_hidden, "n_hidden", 0)
        require_int(self.n_classes, "n_classes", 2)

    # ------------------------------------------------------------------ layout
    @property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        """The weight matrices (rows = outputs, columns = inputs + 1 for the bias)."""
        out = self.n_classes - 1
        if self.n_hidden == 0:
            return ((out, self.n_in + 1),)
        return ((self.n_hidden, self.n_in + 1), (out, self.n_hidden + 1))

    @property
    def sizes(self) -> tuple[int, ...]:
        """Parameters per layer (the blocks of θ)."""
        return tuple(r * c for r, c in self.shapes)

    @property
    def n_params(self) -> int:
        """k, the length of θ."""
        return int(sum(self.sizes))

    def unpack(self, theta: Any) -> list[np.ndarray]:
        """The weight matrices W_l of θ (vec stacks columns: Fortran order)."""
        theta = self._theta(theta)
        out, start = [], 0
        for (r, c), size in zip(self.shapes, self.sizes):
            out.append(theta[start:start + size].reshape((r, c), order="F"))
            start += size
        return out

    def pack(self, weights: Sequence[np.ndarray]) -> np.ndarray:
        """θ = (vec W_1, vec W_2), the inverse of :meth:`unpack`."""
        if len(weights) != len(self.shapes):
            raise ValueError(f"weights must hold {len(self.shapes)} matrices, got {len(weights)}")
        parts = []
        for i, (w, shape) in enumerate(zip(weights, self.shapes)):
            w = as_float_array(w, f"weights[{i}]")
            if w.shape != shape:
                raise ValueError(f"weights[{i}] must have shape {shape}, got {w.shape}")
            parts.append(w.reshape(-1, order="F"))
        return np.concatenate(parts)

    def init(self, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        """Random weights, N(0, scale²/fan_in) with fan_in = inputs + 1."""
        rng = require_generator(rng)
        return self.pack([rng.normal(size=s) * scale / np.sqrt(s[1]) for s in self.shapes])

    def _theta(self, theta: Any) -> np.ndarray:
        theta = require_finite(as_float_array(theta, "theta"), "theta")
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {theta.shape}")
        return theta

    def _X(self, X: Any) -> np.ndarray:
        X = require_finite(as_float_array(X, "X"), "X")
        if X.ndim != 2 or X.shape[1] != self.n_in or X.shape[0] == 0:
            raise ValueError(f"X must have shape (n, {self.n_in}) with n >= 1, got {X.shape}")
        return X

    def _y(self, y: Any, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must be an integer array of shape ({n},), got {y.dtype} {y.shape}")
        if y.min() < 0 or y.max() >= self.n_classes:
            raise ValueError(f"y must hold labels 0..{self.n_classes - 1}, got {int(y.min())}..{int(y.max())}")
        return y

    # ------------------------------------------------------------------ forward / backward
    def forward(self, theta: Any, X: Any) -> tuple[list[np.ndarray], np.ndarray]:
        """The inputs a_l of every layer (each with a trailing column of ones) and the
        log-probabilities log p(c | xᵢ; θ), shape (n, n_classes)."""
        X = self._X(X)
        weights = self.unpack(theta)
        ones = np.ones((X.shape[0], 1))
        acts = [np.hstack([X, ones])]
        for w in weights[:-1]:
            acts.append(np.hstack([np.tanh(acts[-1] @ w.T), ones]))
        logits = np.hstack([acts[-1] @ weights[-1].T, np.zeros((X.shape[0], 1))])
        logits -= logits.max(axis=1, keepdims=True)
        return acts, logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))

    def probs(self, theta: Any, X: Any) -> np.ndarray:
        """p(y = c | xᵢ; θ), shape (n, n_classes)."""
        return np.exp(self.forward(theta, X)[1])

    def output_grads(self, theta: Any, X: Any) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
        """Every layer's inputs a_l (n, in+1), its output gradients g_l for *every* label,
        shape (n, n_classes, out), and the probabilities (n, n_classes).

        g_l[i, c] = ∂ log p(c | xᵢ; θ) / ∂(W_l a_l). At the output it is e_c − π (without the
        reference class); a hidden layer gets it by back-propagation through tanh.
        """
        weights = self.unpack(theta)
        acts, logp = self.forward(theta, X)
        p = np.exp(logp)
        eye = np.eye(self.n_classes)[:, :-1]                     # e_c without the reference
        g = eye[None, :, :] - p[:, None, :-1]                    # (n, K, K-1)
        grads = [g]
        for l in range(len(weights) - 1, 0, -1):
            h = acts[l][:, :-1]                                  # tanh outputs of layer l-1
            g = (g @ weights[l][:, :-1]) * (1.0 - h**2)[:, None, :]
            grads.insert(0, g)
        return acts, grads, p

    def label_scores(self, theta: Any, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """The score s(c; xᵢ, θ) of every example for every label, shape (n, n_classes, k),
        and the probabilities p(c | xᵢ; θ), shape (n, n_classes).

        Each layer's block is a ⊗ g, i.e. vec(g aᵀ) with columns stacked.
        """
        acts, grads, p = self.output_grads(theta, X)
        n, K = p.shape
        blocks = [(a[:, None, :, None] * g[:, :, None, :]).reshape(n, K, -1) for a, g in zip(acts, grads)]
        return np.concatenate(blocks, axis=2), p

    # ------------------------------------------------------------------ the objective
    def loglik(self, theta: Any, X: Any, y: Any) -> float:
        """ℓ(θ) = Σᵢ log p(yᵢ | xᵢ; θ)."""
        logp = self.forward(theta, X)[1]
        y = self._y(y, logp.shape[0])
        return float(np.sum(logp[np.arange(logp.shape[0]), y]))

    def scores(self, theta: Any, X: Any, y: Any) -> np.ndarray:
        """The per-example scores s(yᵢ; xᵢ, θ) of the observed labels, shape (n, k)."""
        s, p = self.label_scores(theta, X)
        y = self._y(y, p.shape[0])
        return s[np.arange(p.shape[0]), y]

    def grad(self, theta: Any, X: Any, y: Any) -> np.ndarray:
        """∇ℓ(θ), shape (k,)."""
        return self.scores(theta, X, y).sum(axis=0)

    def fisher(self, theta: Any, X: Any) -> np.ndarray:
        """The exact Fisher information of the data set, Σᵢ Σ_c p(c | xᵢ) s s ᵀ, shape (k, k).

        >>> net = Network(2, 0, 3)
        >>> X = np.random.default_rng(0).normal(size=(5, 2)); theta = np.zeros(6)
        >>> F = net.fisher(theta, X)
        >>> bool(np.allclose(F, F.T)), bool(np.linalg.eigvalsh(F)[0] > 0)
        (True, True)
        """
        s, p = self.label_scores(theta, X)
        w = (s * np.sqrt(p)[:, :, None]).reshape(-1, s.shape[2])
        return w.T @ w

    def empirical_fisher(self, theta: Any, X: Any, y: Any) -> np.ndarray:
        """Σᵢ s(yᵢ) s(yᵢ)ᵀ with the observed labels (the empirical Fisher as a sum)."""
        return empirical_fisher_from_scores(self.scores(theta, X, y))

    def kl(self, theta_p: Any, theta_q: Any, X: Any) -> np.ndarray:
        """KL per observation, (1/n) Σᵢ KL(p(·|xᵢ; θ_p) ‖ p(·|xᵢ; θ_q)).

        ``theta_p`` may carry a leading axis (one KL per row), as :func:`optim.optimize`
        expects of its ``kl`` argument.

        >>> net = Network(2, 0, 3); X = np.eye(2)
        >>> float(net.kl(np.zeros(6), np.zeros(6), X))
        0.0
        """
        tp = as_float_array(theta_p, "theta_p")
        rows = tp.reshape(-1, self.n_params) if tp.ndim == 2 else tp[None]
        log_q = self.forward(theta_q, X)[1]
        out = np.array([np.mean(np.sum(np.exp(log_p) * (log_p - log_q), axis=1))
                        for log_p in (self.forward(t, X)[1] for t in rows)])
        return out if tp.ndim == 2 else out[0]

    def objective(self, X: Any, y: Any) -> Objective:
        """ℓ, ∇ℓ, the exact Fisher and the empirical Fisher on the data (X, y)."""
        X = self._X(X)
        y = self._y(y, X.shape[0])
        return Objective(loglik=lambda t: self.loglik(t, X, y), grad=lambda t: self.grad(t, X, y),
                         fisher=lambda t: self.fisher(t, X),
                         empirical_fisher=lambda t: self.empirical_fisher(t, X, y))

    def fit(self, X: Any, y: Any, theta0: Optional[Any] = None, max_iter: int = 100) -> np.ndarray:
        """The maximum-likelihood estimate by the natural gradient (Fisher scoring) with a line
        search; raises ``RuntimeError`` if it does not converge in ``max_iter`` iterations."""
        theta0 = np.zeros(self.n_params) if theta0 is None else self._theta(theta0)
        traj = optimize(self.objective(X, y), theta0, "natural", max_iter=max_iter, line_search=True, tol=1e-12)
        if not traj.converged and traj.status != "line_search":
            raise RuntimeError(f"the fit did not converge: {traj.message}")
        return traj.theta[-1]
