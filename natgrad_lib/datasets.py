"""Data sets (numerics layer): small real ones shipped with the library (:func:`load_dataset`)
and simulated ones (:func:`regression_data`).

The files live in ``natgrad_lib/data`` (see its README for sources and licences). Each data
set is returned as a design matrix with an intercept column, ready for
:class:`natgrad_lib.glm.GLM`; ``natgrad_lib.glm.load_dataset`` is the same function.
"""

from __future__ import annotations

from importlib import resources
from typing import NamedTuple

import numpy as np

from ._validate import require_generator, require_int

__all__ = ["DATASETS", "Dataset", "load_dataset", "regression_data"]

#: Names accepted by :func:`load_dataset`.
DATASETS = ("breast_cancer",)


class Dataset(NamedTuple):
    """A design matrix with an intercept column, labels and column names."""

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]


def load_dataset(name: str = "breast_cancer") -> Dataset:
    """Load a small real data set shipped in ``natgrad_lib/data``.

    ``"breast_cancer"`` is the Wisconsin diagnostic breast-cancer data (UCI, CC BY 4.0):
    569 tumours, with y = 1 for malignant. There are three features (``mean_texture``,
    ``worst_area``, ``worst_smoothness``), each standardised to mean 0 and standard
    deviation 1, after an intercept column of ones. On these features the classes are not
    separable, so the logistic MLE exists. See ``natgrad_lib/data/README.md`` for the source.

    Returns
    -------
    Dataset
        A named tuple ``(X, y, feature_names)``, with X of shape (n, k) where column 0 is
        the intercept, y of shape (n,), and k names starting with ``"intercept"``.

    Examples
    --------
    >>> X, y, names = load_dataset("breast_cancer")
    >>> X.shape, int(y.sum()), names[:2]
    ((569, 4), 212, ('intercept', 'mean_texture'))
    """
    if name not in DATASETS:
        raise ValueError(f"data set name must be one of {DATASETS}, got {name!r}")
    with resources.files("natgrad_lib").joinpath("data").joinpath(f"{name}.csv").open() as f:
        columns = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",", ndmin=2)
    features = table[:, :-1]
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    X = np.column_stack([np.ones(features.shape[0]), features])
    return Dataset(X=X, y=table[:, -1], feature_names=("intercept", *columns[:-1]))


def regression_data(n: int, rng: np.random.Generator, *, slope: float = 1.0, intercept: float = 0.0,
                    noise: float = 1.0, x_mean: float = 0.0, x_scale: float = 1.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Simulated linear regression: x ~ N(x_mean, x_scale²), y = slope·x + intercept + noise·ε.

    With ``x_mean`` ≠ 0 the slope and the intercept are correlated, and the contours of the
    log-likelihood are tilted ellipses.

    Returns
    -------
    X : ndarray, shape (n, 2)
        Columns (x, 1), so that θ = (w, b) = (slope, intercept).
    y : ndarray, shape (n,)

    Examples
    --------
    >>> X, y = regression_data(3, np.random.default_rng(0))
    >>> X.shape, X[:, 1]
    ((3, 2), array([1., 1., 1.]))
    """
    n = require_int(n, "n", 2)
    rng = require_generator(rng)
    x = x_mean + x_scale * rng.standard_normal(n)
    y = slope * x + intercept + noise * rng.standard_normal(n)
    return np.column_stack([x, np.ones(n)]), y
