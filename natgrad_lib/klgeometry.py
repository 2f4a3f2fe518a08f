r"""KL balls as point sets (numerics layer): the exact set
:math:`\{d : \mathrm{KL}(p_\theta\|p_{\theta+d}) = c\}` and the Fisher ellipse
:math:`\tfrac12 d^\top I(\theta) d = c`, computed along rays from :math:`\theta`.

* :func:`ray_directions`, :func:`fisher_directions` -- the rays;
* :func:`kl_ray_radius` -- the radius along each ray at which the exact KL equals ``c``
  (a vectorized bracket-and-bisect root-find over all rays at once);
* :func:`fisher_ray_radius` -- the same for the quadratic form, in closed form;
* :func:`kl_contour`, :func:`fisher_ellipse` -- the points themselves;
* :func:`kl_along_line`, :func:`kl_remainders`, :func:`radius_error` -- KL against its
  quadratic approximation along lines and rays (what the figures of
  :mod:`natgrad_lib.plots.klball` draw);
* :func:`to_base_or_nan` -- the map from a chart to its base chart row by row (NaN outside the
  domain, which ``Family.in_domain`` tests); :func:`chart_ball` -- the exact ball and the
  Fisher ellipse of one chart, in the chart and mapped to the base chart;
* :func:`kl_geometry` -- the KL ball, the Fisher ellipse, the Euclidean circle of the same
  area and the gradient and natural-gradient steps to them;
* :func:`check_family`, :func:`check_point`, :func:`check_level`, :func:`check_levels` --
  argument checks shared with the figures.

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
    "check_family",
    "check_point",
    "check_level",
    "check_levels",
    "kl_along_line",
    "kl_remainders",
    "radius_error",
    "to_base_or_nan",
    "chart_ball",
    "kl_geometry",
]

_MAX_BRACKET = 200
_MAX_BISECT = 200


# ------------------------------------------------------------------ numeric helpers (no plotting)
def check_family(fam: Any) -> Family:
    """``fam`` if it is a :class:`~natgrad_lib.families.Family`, else a TypeError naming it."""
    if not isinstance(fam, Family):
        raise TypeError(f"fam must be a natgrad_lib Family, got {type(fam).__name__}")
    return fam


def check_point(fam: Family, theta: Any) -> np.ndarray:
    """``theta`` as one checked parameter vector of shape ``(fam.k,)``."""
    th = fam.check_theta(theta)
    if th.ndim != 1:
        raise ValueError(f"theta must be a single parameter vector of shape ({fam.k},), got shape {th.shape}")
    return th


def check_level(c: Any) -> float:
    """``c`` as a positive finite float (a KL level in nats)."""
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
    fam = check_family(fam)
    th = check_point(fam, theta)
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


def _kl_or_inf(fam: Family, theta: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """KL(p_theta || p_pt) for each row of ``pts``; +inf outside the domain or on overflow."""
    out = np.full(pts.shape[0], np.inf)
    ok = fam.in_domain(pts)
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
    fam = check_family(fam)
    th = check_point(fam, theta)
    c = check_level(c)
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
    fam = check_family(fam)
    th = check_point(fam, theta)
    c = check_level(c)
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
        stuck = idx[~fam.in_domain(pts)]
        done[stuck] = True
        lo[stuck] = np.nan
        reached = (kl >= c) & fam.in_domain(pts)
        done[idx[reached]] = True
        grow = idx[~reached & fam.in_domain(pts)]
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
    fam = check_family(fam)
    th = check_point(fam, theta)
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
    fam = check_family(fam)
    th = check_point(fam, theta)
    u = _directions(fam, directions, n_rays)
    r = fisher_ray_radius(fam, th, c, u)
    return th + r[:, None] * u


# ------------------------------------------------------------- what the KL-ball figures draw
def check_levels(cs: Any) -> list[float]:
    """One or more levels ``c`` as a list of positive floats (at least one)."""
    arr = np.atleast_1d(as_float_array(cs, "cs")).ravel()
    if arr.size == 0:
        raise ValueError("cs must hold at least one level, got none")
    return [check_level(float(c)) for c in arr]


def _kl_rows(fam: Family, theta: np.ndarray, pts: np.ndarray, forward: bool) -> np.ndarray:
    """KL between ``theta`` and each row of ``pts`` (either direction); NaN outside the domain."""
    out = np.full(pts.shape[0], np.nan)
    ok = fam.in_domain(pts)
    if np.any(ok):
        out[ok] = fam.kl(theta, pts[ok]) if forward else fam.kl(pts[ok], theta)
    return out


def kl_along_line(fam: Family, theta: Any, direction: Any, ts: Any) -> dict[str, np.ndarray]:
    r"""Both directions of KL and the quadratic form along the line :math:`\theta + t d`.

    Returns ``{"t", "forward", "reverse", "quadratic"}``: :math:`\mathrm{KL}(p_\theta\|p_{\theta+td})`,
    :math:`\mathrm{KL}(p_{\theta+td}\|p_\theta)` (NaN where :math:`\theta+td` leaves the domain)
    and :math:`\tfrac12 t^2 d^\top I(\theta) d`.

    >>> import natgrad_lib as ng
    >>> out = kl_along_line(ng.family("bernoulli"), [0.2], [1.0], [-0.3, 0.0, 0.1])
    >>> bool(np.isnan(out["forward"][0])), float(out["forward"][1]), float(out["quadratic"][2])
    (True, 0.0, 0.03125)
    """
    fam = check_family(fam)
    th = check_point(fam, theta)
    d = as_float_array(direction, "direction").reshape(-1)
    if d.shape != (fam.k,):
        raise ValueError(f"direction must have shape ({fam.k},), got shape {d.shape}")
    ts = np.asarray(as_float_array(ts, "ts"), dtype=float).reshape(-1)
    pts = th + ts[:, None] * d
    with np.errstate(all="ignore"):
        fwd = _kl_rows(fam, th, pts, forward=True)
        rev = _kl_rows(fam, th, pts, forward=False)
    quad = 0.5 * ts**2 * float(d @ fam.fisher(th) @ d)
    return {"t": ts, "forward": fwd, "reverse": rev, "quadratic": quad}


def check_norms(norms: Any) -> np.ndarray:
    """At least two positive finite step lengths, as a 1-d float array."""
    arr = as_float_array(norms, "norms").reshape(-1)
    if arr.size < 2 or np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"norms must be at least two positive finite step lengths, got {norms!r}")
    return arr


def kl_remainders(cases: Any, norms: Any) -> list[tuple[str, np.ndarray, np.ndarray]]:
    r"""KL and its quadratic approximation at steps of length ``norms`` along unit directions.

    ``cases`` holds ``(label, family, theta, direction)``; each direction is normalised to
    length 1. Returns ``(label, kl, quad)`` per case, with
    :math:`\mathrm{KL}(p_\theta\|p_{\theta+ru})` and :math:`\tfrac12 r^2 u^\top I(\theta) u`
    for each length :math:`r`.

    >>> import natgrad_lib as ng
    >>> [(label, kl, quad)] = kl_remainders([("B", ng.family("bernoulli"), [0.3], [2.0])], [0.001, 0.01])
    >>> label, kl.shape, bool(np.all(np.abs(kl - quad) < 1e-5))      # the remainder is O(r³)
    ('B', (2,), True)
    """
    norms = check_norms(norms)
    out = []
    for label, fam, theta, direction in cases:
        fam = check_family(fam)
        th = check_point(fam, theta)
        u = as_float_array(direction, "direction").reshape(-1)
        if u.shape != (fam.k,):
            raise ValueError(f"direction for {label!r} must have shape ({fam.k},), got {u.shape}")
        u = u / np.linalg.norm(u)
        kl = fam.kl(th, th + norms[:, None] * u)
        quad = 0.5 * norms**2 * float(u @ fam.fisher(th) @ u)
        out.append((label, kl, quad))
    return out


def radius_error(fam: Family, theta: Any, cs: Any, n_rays: int = 121) -> np.ndarray:
    r"""Per level ``c``: the largest :math:`|r_{\mathrm{KL}}/r_I - 1|` over the rays from ``theta``.

    :math:`r_{\mathrm{KL}}` is where :math:`\mathrm{KL}(p_\theta\|p_{\theta+ru}) = c`
    (:func:`kl_ray_radius`), :math:`r_I` where the Fisher ellipse meets the ray
    (:func:`fisher_ray_radius`).

    >>> import natgrad_lib as ng
    >>> err = radius_error(ng.family("bernoulli"), [0.3], [0.001, 0.1])
    >>> bool(err[0] < err[1] < 1)
    True
    """
    fam = check_family(fam)
    th = check_point(fam, theta)
    u = fisher_directions(fam, th, n_rays)
    return np.array([
        np.nanmax(np.abs(kl_ray_radius(fam, th, c, u) / fisher_ray_radius(fam, th, c, u) - 1.0))
        for c in check_levels(cs)
    ])


def to_base_or_nan(fam: Family, pts: np.ndarray) -> np.ndarray:
    """``fam.to_base`` on the rows of ``pts`` inside the domain of ``fam``; NaN rows elsewhere.

    >>> import natgrad_lib as ng
    >>> to_base_or_nan(ng.family("gaussian_logstd"), np.array([[1.0, 0.0], [np.nan, 0.0]]))
    array([[ 1.,  1.],
           [nan, nan]])
    """
    out = np.full(pts.shape, np.nan)
    ok = fam.in_domain(pts)
    if np.any(ok):
        with np.errstate(all="ignore"):
            out[ok] = fam.to_base(pts[ok])
    return out


def chart_ball(fam: Family, base_theta: np.ndarray, c: float, n_rays: int = 241) -> dict[str, Any]:
    r"""The exact KL ball and the Fisher ellipse of level ``c`` of the chart ``fam``, centred at
    the base point ``base_theta``, in the chart and mapped to the base chart.

    Returns ``phi`` (the centre in the chart), ``exact`` and ``quad`` (points of the ball and
    of the ellipse in the chart, one per ray), ``exact_base`` and ``quad_base`` (the same
    mapped with ``fam.to_base``; NaN where the ellipse leaves the domain), ``radius_error``
    (the largest :math:`|r_{\mathrm{KL}}/r_I - 1|` over the rays) and ``outside`` (how many
    points of the ellipse lie outside the domain).

    >>> import natgrad_lib as ng
    >>> ball = chart_ball(ng.family("gaussian_logstd"), np.array([0.0, 1.0]), 0.05, n_rays=9)
    >>> ball["phi"].tolist(), ball["exact"].shape, ball["outside"], bool(ball["radius_error"] < 0.2)
    ([0.0, 0.0], (9, 2), 0, True)
    """
    phi = fam.from_base(base_theta)
    u = fisher_directions(fam, phi, n_rays)
    exact, quad = kl_contour(fam, phi, c, u), fisher_ellipse(fam, phi, c, u)
    rel = np.nanmax(np.abs(np.linalg.norm(exact - phi, axis=1) / np.linalg.norm(quad - phi, axis=1) - 1))
    return {"phi": phi, "exact": exact, "quad": quad, "exact_base": to_base_or_nan(fam, exact),
            "quad_base": to_base_or_nan(fam, quad), "radius_error": float(rel),
            "outside": int(np.sum(~fam.in_domain(quad)))}


def kl_geometry(fam: Family, theta: Any, c: float, grad: Any, n_rays: int = 181) -> dict[str, Any]:
    r"""The curves and steps of :func:`natgrad_lib.plots.geometry.plot_kl_geometry`, as arrays.

    Parameters
    ----------
    fam : Family
        A two-parameter family.
    theta : array_like, shape (2,)
    c : float
        The KL budget, ``c > 0``.
    grad : array_like, shape (2,)
        The gradient of the objective at ``theta`` (any positive multiple gives the same
        steps).
    n_rays : int
        Points per curve.

    Returns
    -------
    dict
        ``ellipse``, ``exact``, ``circle`` (each of shape (n_rays, 2), points
        :math:`\theta + d`), ``radius`` (of the circle), ``natural`` and ``gradient`` (the
        steps :math:`d`, shape (2,)), and ``gain`` (the linearised gains
        :math:`\nabla^\top d` of the two steps).

    Examples
    --------
    The circle has the area of the ellipse, :math:`\pi\, 2c / \sqrt{\det I(\theta)}`, and the
    natural step lies on the ellipse:

    >>> g = kl_geometry(ng.family("gaussian"), [0.0, 1.0], 0.02, [1.0, 1.0], n_rays=9)
    >>> round(float(g["radius"] ** 2), 12), round(2 * 0.02 / float(np.sqrt(2.0)), 12)   # I = diag(1, 2)
    (0.028284271247, 0.028284271247)
    >>> d = g["natural"]; round(float(0.5 * d @ np.diag([1.0, 2.0]) @ d), 12)
    0.02
    """
    th = fam.check_theta(theta)
    if fam.k != 2 or th.shape != (2,):
        raise ValueError(f"kl_geometry needs a two-parameter family and theta of shape (2,), "
                         f"got {fam.name} with k={fam.k} and shape {th.shape}")
    g = np.asarray(grad, dtype=float)
    if g.shape != (2,) or not np.all(np.isfinite(g)) or not np.any(g):
        raise ValueError(f"grad must be a finite non-zero vector of shape (2,), got {grad!r}")
    info = fam.fisher(th)
    u = fisher_directions(fam, th, n_rays)
    ellipse = fisher_ellipse(fam, th, c, u)
    exact = kl_contour(fam, th, c, u)
    radius = float(np.sqrt(2.0 * c) / np.linalg.det(info) ** 0.25)
    angle = np.linspace(0.0, 2.0 * np.pi, n_rays)
    circle = th + radius * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    nat = np.linalg.solve(info, g)
    nat = nat * np.sqrt(2.0 * c / float(g @ nat))
    grd = radius * g / np.linalg.norm(g)
    return dict(ellipse=ellipse, exact=exact, circle=circle, radius=radius, natural=nat,
                gradient=grd, gain=dict(natural=float(g @ nat), gradient=float(g @ grd)))
