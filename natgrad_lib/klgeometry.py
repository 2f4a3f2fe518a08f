r"""KL balls as point sets (numerics layer): the exact set
:math:`\{d : \mathrm{KL}(p_\theta\|p_{\theta+d}) = c\}` and the Fisher ellipse
:math:`\tfrac12 d^\top I(\theta) d = c`, computed along rays from :math:`\theta`.

* :func:`ray_directions`, :func:`fisher_directions` -- the rays;
* :func:`kl_ray_radius` -- the radius along each ray at which the exact KL equals ``c``
  (a vectorized bracket-and-bisect root-find over all rays at once);
* :func:`fisher_ray_radius` -- the same for the quadratic form, in closed form;
* :func:`kl_contour`, :func:`fisher_ellipse` -- the points themselves.

No plotting: :mod:`natgrad_lib.plots.klball`, :mod:`natgrad_lib.plots.geometry` and
:mod:`natgrad_lib.animations` draw these sets.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import as_float_array, require_finite
from .families import Family

__all__ = [
    "ray_directions",
    "fisher_directions",
    "kl_ray_radius",
    "fisher_ray_radius",
    "kl_contour",
    "fisher_ellipse",
]

_MAX_BRACKET = 200
_MAX_BISECT = 200


# ------------------------------------------------------------------ numeric helpers (no plotting)
def _check_family(fam: Any) -> Family:
    if not isinstance(fam, Family):
        raise TypeError(f"fam must be a natgrad_lib Family, got {type(fam).__name__}")
    return fam


def _check_point(fam: Family, theta: Any) -> np.ndarray:
    th = fam.check_theta(theta)
    if th.ndim != 1:
        raise ValueError(f"theta must be a single parameter vector of shape ({fam.k},), got shape {th.shape}")
    return th


def _check_c(c: Any) -> float:
    if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, float, np.integer, np.floating)):
        raise TypeError(f"c must be a positive number, got {c!r}")
    c = float(c)
    if not (np.isfinite(c) and c > 0):
        raise ValueError(f"c must be > 0 and finite, got {c!r}")
    return c


def ray_directions(k: int, n_rays: int = 181) -> np.ndarray:
    """Unit directions for the rays: ``[[-1], [1]]`` for one parameter, a circle for two.

    Parameters
    ----------
    k : int
        Number of parameters, 1 or 2 (for more, pass your own directions).
    n_rays : int
        Number of directions on the circle when ``k == 2`` (the first and last
        coincide, so the points close up into a curve). Ignored when ``k == 1``.

    Returns
    -------
    numpy.ndarray, shape (m, k)

    Examples
    --------
    >>> ray_directions(1)
    array([[-1.],
           [ 1.]])
    >>> ray_directions(2, 5).round(12)
    array([[ 1.,  0.],
           [ 0.,  1.],
           [-1.,  0.],
           [-0., -1.],
           [ 1., -0.]])
    """
    if k == 1:
        return np.array([[-1.0], [1.0]])
    if k == 2:
        if isinstance(n_rays, bool) or not isinstance(n_rays, (int, np.integer)) or n_rays < 3:
            raise ValueError(f"n_rays must be an integer >= 3, got {n_rays!r}")
        angle = np.linspace(0.0, 2.0 * np.pi, int(n_rays))
        return np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    raise ValueError(f"ray_directions covers k = 1 or 2 parameters, got k={k!r}; pass directions")


def fisher_directions(fam: Family, theta: Any, n_rays: int = 181) -> np.ndarray:
    r"""Directions spread evenly around the Fisher ellipse at ``theta`` rather than around a circle.

    With :math:`I(\theta) = L L^\top` (Cholesky), the directions are
    :math:`u = L^{-\top} v` for :math:`v` evenly spaced on the unit circle, so
    that :math:`u^\top I(\theta) u = 1`: the ray along :math:`u` meets the ellipse
    :math:`\tfrac12 d^\top I(\theta) d = c` at radius :math:`\sqrt{2c}`. Curves
    traced along these rays are sampled evenly even when the parameters have
    very different scales. For one parameter they are :math:`\pm 1/\sqrt{I(\theta)}`.

    Parameters
    ----------
    fam : Family
        A family with one or two parameters.
    theta : array_like, shape (k,)
    n_rays : int
        Number of directions for two parameters (first and last coincide).

    Returns
    -------
    numpy.ndarray, shape (m, k)

    Examples
    --------
    >>> import numpy as np, natgrad_lib as ng
    >>> u = fisher_directions(ng.family("gaussian"), [0.0, 2.0], 5)
    >>> u.round(12)                     # I = diag(1/4, 1/2)
    array([[ 2.        ,  0.        ],
           [ 0.        ,  1.41421356],
           [-2.        ,  0.        ],
           [-0.        , -1.41421356],
           [ 2.        , -0.        ]])
    """
    fam = _check_family(fam)
    th = _check_point(fam, theta)
    v = ray_directions(fam.k, n_rays)
    chol = np.linalg.cholesky(fam.fisher(th))
    return np.linalg.solve(chol.T, v.T).T


def _directions(fam: Family, directions: Any, n_rays: int) -> np.ndarray:
    if directions is None:
        return ray_directions(fam.k, n_rays)
    u = as_float_array(directions, "directions")
    if u.ndim == 1:
        u = u[None, :]
    if u.ndim != 2 or u.shape[1] != fam.k:
        raise ValueError(f"directions must have shape (m, {fam.k}), got shape {u.shape}")
    require_finite(u, "directions")
    if np.any(np.all(u == 0, axis=1)):
        raise ValueError("directions must be non-zero vectors, got a zero row")
    return u


def _domain_radius(fam: Family, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Largest r with theta + r u inside the (open, box-shaped) parameter domain."""
    r = np.full(u.shape[0], np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, p in enumerate(fam.param_specs):
            up = np.where(u[:, i] > 0, (p.upper - theta[i]) / u[:, i], np.inf)
            down = np.where(u[:, i] < 0, (p.lower - theta[i]) / u[:, i], np.inf)
            r = np.minimum(r, np.minimum(up, down))
    return r


def _inside(fam: Family, pts: np.ndarray) -> np.ndarray:
    ok = np.all(np.isfinite(pts), axis=-1)
    for i, p in enumerate(fam.param_specs):
        ok &= (pts[..., i] > p.lower) & (pts[..., i] < p.upper)
    return ok


def _kl_or_inf(fam: Family, theta: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """KL(p_theta || p_pt) for each row of ``pts``; +inf outside the domain or on overflow."""
    out = np.full(pts.shape[0], np.inf)
    ok = _inside(fam, pts)
    if np.any(ok):
        with np.errstate(all="ignore"):
            try:
                out[ok] = fam.kl(theta, pts[ok])
            except ValueError:  # NaN from overflow at extreme points: treat each on its own
                for j in np.flatnonzero(ok):
                    try:
                        out[j] = float(fam.kl(theta, pts[j]))
                    except ValueError:
                        out[j] = np.inf
    return out


def fisher_ray_radius(fam: Family, theta: Any, c: float, directions: Any = None,
                      n_rays: int = 181) -> np.ndarray:
    r"""Radius ``r`` along each direction ``u`` with ``r**2 / 2 * u @ I(theta) @ u == c``.

    The Fisher ellipse :math:`\tfrac12 d^\top I(\theta) d = c` meets the ray
    :math:`d = r u` at :math:`r = \sqrt{2c / u^\top I(\theta) u}`. Nothing
    checks that :math:`\theta + r u` is a valid parameter: the ellipse may leave
    the parameter space, and showing that is the point.

    Parameters
    ----------
    fam : Family
    theta : array_like, shape (k,)
    c : float
        The level, ``c > 0``.
    directions : array_like, shape (m, k), optional
        Ray directions (not necessarily unit vectors); default :func:`ray_directions`.
    n_rays : int
        Number of default directions for two parameters.

    Returns
    -------
    numpy.ndarray, shape (m,)

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> fisher_ray_radius(ng.family("bernoulli"), [0.5], 0.02)   # sqrt(2 c p (1 - p))
    array([0.1, 0.1])
    """
    fam = _check_family(fam)
    th = _check_point(fam, theta)
    c = _check_c(c)
    u = _directions(fam, directions, n_rays)
    quad = np.einsum("mi,ij,mj->m", u, fam.fisher(th), u)
    return np.sqrt(2.0 * c / quad)


def kl_ray_radius(fam: Family, theta: Any, c: float, directions: Any = None,
                  n_rays: int = 181) -> np.ndarray:
    r"""Radius ``r`` along each direction ``u`` with :math:`\mathrm{KL}(p_\theta\|p_{\theta+ru}) = c`.

    A vectorized root-find over all rays at once: the bracket starts at the
    Fisher-ellipse radius and grows (or creeps towards the edge of the
    parameter domain) until the KL divergence exceeds ``c``; then bisection
    runs to machine precision. If the KL divergence increases along the ray
    (true for the families of the book in their usual charts) this is the
    unique crossing; otherwise it is one of them.

    Parameters
    ----------
    fam : Family
    theta : array_like, shape (k,)
    c : float
        The level, ``c > 0``.
    directions : array_like, shape (m, k), optional
        Ray directions (not necessarily unit vectors); default :func:`ray_directions`.
    n_rays : int
        Number of default directions for two parameters.

    Returns
    -------
    numpy.ndarray, shape (m,)
        ``NaN`` for a ray that leaves the parameter domain before KL reaches ``c``,
        or whose crossing lies closer to the edge of the domain than float64
        can resolve along the ray.

    Examples
    --------
    >>> import numpy as np, natgrad_lib as ng
    >>> bern = ng.family("bernoulli")
    >>> r = kl_ray_radius(bern, [0.5], 0.02)
    >>> r.round(6)                       # slightly inside the Fisher radius 0.1
    array([0.099008, 0.099008])
    >>> bool(np.allclose(bern.kl([0.5], (0.5 + r * [-1, 1])[:, None]), 0.02, atol=1e-12))
    True
    """
    fam = _check_family(fam)
    th = _check_point(fam, theta)
    c = _check_c(c)
    u = _directions(fam, directions, n_rays)
    m = u.shape[0]
    r_dom = _domain_radius(fam, th, u)
    with np.errstate(divide="ignore", invalid="ignore"):
        start = np.sqrt(2.0 * c / np.einsum("mi,ij,mj->m", u, fam.fisher(th), u))
    start = np.where(np.isfinite(start) & (start > 0), start, 1.0)
    lo = np.zeros(m)
    hi = np.where(np.isfinite(r_dom), np.minimum(start, 0.5 * r_dom), start)
    done = np.zeros(m, dtype=bool)
    for _ in range(_MAX_BRACKET):
        todo = ~done
        if not np.any(todo):
            break
        pts = th + hi[todo, None] * u[todo]
        kl = _kl_or_inf(fam, th, pts)
        idx = np.flatnonzero(todo)
        # a point rounded onto the edge of the domain: no room left along this ray
        stuck = idx[~_inside(fam, pts)]
        done[stuck] = True
        lo[stuck] = np.nan
        reached = (kl >= c) & _inside(fam, pts)
        done[idx[reached]] = True
        grow = idx[~reached & _inside(fam, pts)]
        lo[grow] = hi[grow]
        finite = np.isfinite(r_dom[grow])
        hi[grow] = np.where(finite, 0.5 * (hi[grow] + r_dom[grow]), 2.0 * hi[grow])
        no_room = grow[finite & (hi[grow] <= lo[grow])]
        done[no_room] = True
        lo[no_room] = np.nan
    lo[~done] = np.nan
    hi[np.isnan(lo)] = np.nan
    live = ~np.isnan(lo)
    for _ in range(_MAX_BISECT):
        mid = 0.5 * (lo + hi)
        open_ = live & (mid > lo) & (mid < hi)
        if not np.any(open_):
            break
        kl = _kl_or_inf(fam, th, th + mid[open_, None] * u[open_])
        idx = np.flatnonzero(open_)
        above = kl >= c
        hi[idx[above]] = mid[idx[above]]
        lo[idx[~above]] = mid[idx[~above]]
    # the end of the final bracket whose KL is closer to c
    kl_lo = np.full(m, np.nan)
    kl_hi = np.full(m, np.nan)
    kl_lo[live] = _kl_or_inf(fam, th, th + lo[live, None] * u[live])
    kl_hi[live] = _kl_or_inf(fam, th, th + hi[live, None] * u[live])
    return np.where(np.abs(kl_hi - c) <= np.abs(kl_lo - c), hi, lo)


def kl_contour(fam: Family, theta: Any, c: float, directions: Any = None,
               n_rays: int = 181) -> np.ndarray:
    r"""Points :math:`\theta + r u` on the exact KL contour :math:`\mathrm{KL}(p_\theta\|p_{\theta+d}) = c`.

    For a two-parameter family and the default directions the rows trace a
    closed curve; for one parameter they are the two ends of the interval
    :math:`\{\tilde\theta : \mathrm{KL}(p_\theta\|p_{\tilde\theta}) \le c\}`.

    Parameters
    ----------
    fam, theta, c, directions, n_rays
        As in :func:`kl_ray_radius`.

    Returns
    -------
    numpy.ndarray, shape (m, k)
        Rows of ``NaN`` where a ray leaves the parameter domain first.

    Examples
    --------
    >>> import numpy as np, natgrad_lib as ng
    >>> gauss = ng.family("gaussian")
    >>> pts = kl_contour(gauss, [0.0, 1.0], 0.1, n_rays=9)
    >>> bool(np.allclose(gauss.kl([0.0, 1.0], pts), 0.1, atol=1e-12))
    True
    """
    fam = _check_family(fam)
    th = _check_point(fam, theta)
    u = _directions(fam, directions, n_rays)
    r = kl_ray_radius(fam, th, c, u)
    return th + r[:, None] * u


def fisher_ellipse(fam: Family, theta: Any, c: float, directions: Any = None,
                   n_rays: int = 181) -> np.ndarray:
    r"""Points :math:`\theta + d` with :math:`\tfrac12 d^\top I(\theta) d = c`, one per ray.

    Parameters
    ----------
    fam, theta, c, directions, n_rays
        As in :func:`fisher_ray_radius`.

    Returns
    -------
    numpy.ndarray, shape (m, k)
        The points may lie outside the parameter domain.

    Examples
    --------
    >>> import natgrad_lib as ng
    >>> fisher_ellipse(ng.family("bernoulli"), [0.02], 0.05).round(4)   # leaves (0, 1)
    array([[-0.0243],
           [ 0.0643]])
    """
    fam = _check_family(fam)
    th = _check_point(fam, theta)
    u = _directions(fam, directions, n_rays)
    r = fisher_ray_radius(fam, th, c, u)
    return th + r[:, None] * u
