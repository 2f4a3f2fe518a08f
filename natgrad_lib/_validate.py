"""Argument checking shared by every module: clear errors instead of silent NaN.

Each helper raises ``ValueError`` or ``TypeError`` with a message that names the
argument, the constraint and the value received, e.g. ``sigma must be > 0, got -1.0``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _show(value: Any) -> str:
    """A short, readable rendering of a received value for error messages."""
    arr = np.asarray(value) if not isinstance(value, (str, bytes)) else None
    if arr is not None and arr.ndim > 0 and arr.size > 6:
        return f"array of shape {arr.shape}"
    return repr(value.tolist() if isinstance(value, np.ndarray) else value)


def as_float_array(value: Any, name: str) -> np.ndarray:
    """Convert ``value`` to a float array, or raise naming ``name``.

    >>> as_float_array([1, 2], "theta")
    array([1., 2.])
    >>> as_float_array("x", "theta")
    Traceback (most recent call last):
    ...
    TypeError: theta must be numeric, got 'x'
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numeric, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numeric, got {_show(value)}") from None
    return arr


def require_finite(arr: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity.

    >>> require_finite(np.array([1.0, np.nan]), "y")
    Traceback (most recent call last):
    ...
    ValueError: y must be finite, got nan at index (1,)
    """
    bad = ~np.isfinite(arr)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite, got {float(arr[idx])!r} at index {idx}")
    return arr


def require_generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """Require a numpy ``Generator``; the global RNG is never used.

    >>> require_generator(np.random.default_rng(0)) is not None
    True
    >>> require_generator(0)
    Traceback (most recent call last):
    ...
    TypeError: rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), got int
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return rng


def require_int(value: Any, name: str, minimum: int) -> int:
    """Require an integer ``>= minimum``.

    >>> require_int(10, "n", 2)
    10
    >>> require_int(1, "n", 2)
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer >= 2, got 1
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {_show(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def broadcast_shape(shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """Broadcast named shapes, or raise a ``ValueError`` naming them all.

    >>> broadcast_shape({"y": (3,), "theta[..., :-1]": (2, 1)})
    (2, 3)
    >>> broadcast_shape({"y": (3,), "theta[..., :-1]": (2,)})
    Traceback (most recent call last):
    ...
    ValueError: shapes do not broadcast: y has shape (3,), theta[..., :-1] has shape (2,)
    """
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        desc = ", ".join(f"{k} has shape {v}" for k, v in shapes.items())
        raise ValueError(f"shapes do not broadcast: {desc}") from None
