r"""KL balls: the exact set :math:`\{d : \mathrm{KL}(p_\theta\|p_{\theta+d}) = c\}` against the Fisher ellipse.

For small steps, :math:`\mathrm{KL}(p_\theta\|p_{\theta+d}) = \tfrac12 d^\top I(\theta) d
+ O(\|d\|^3)`, so the KL ball of radius :math:`c` is close to the ellipse
:math:`\tfrac12 d^\top I(\theta) d = c`.  This module computes both sets along
rays from :math:`\theta` and draws them.

Numeric helpers (no plotting; they belong to the numerics layer and may move there):

* :func:`kl_ray_radius` -- the radius along each ray at which the exact KL equals ``c``;
* :func:`fisher_ray_radius` -- the same for the quadratic form, in closed form;
* :func:`kl_contour`, :func:`fisher_ellipse` -- the points themselves.

Figures (``ax=None`` makes a new figure; every function returns the figure):

* :func:`plot_kl_ball` -- exact contours and Fisher ellipses of a two-parameter family;
* :func:`plot_kl_interval` -- the one-parameter picture: KL against the parabola;
* :func:`plot_kl_directions` -- both directions of KL and the quadratic along a line;
* :func:`plot_kl_remainder`, :func:`plot_kl_ratio` -- the error of the quadratic
  approximation as the step shrinks;
* :func:`plot_radius_error` -- how far the exact ball is from the ellipse as ``c`` grows;
* :func:`kl_ball_explorer` -- an explorer over ``c`` and the parametrisation of the Gaussian.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._validate import as_float_array, require_finite
from ..families import Family
from .convergence import _axes

__all__ = [
    "ray_directions",
    "fisher_directions",
    "kl_ray_radius",
    "fisher_ray_radius",
    "kl_contour",
    "fisher_ellipse",
    "plot_kl_ball",
    "plot_kl_interval",
    "plot_kl_directions",
    "plot_kl_remainder",
    "plot_kl_ratio",
    "plot_radius_error",
    "kl_ball_explorer",
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


# ------------------------------------------------------------------------------------- figures
def _param_label(fam: Family, i: int) -> str:
    p = fam.param_specs[i]
    return f"${p.latex or p.name}$"


def _levels(cs: Any) -> list[float]:
    arr = np.atleast_1d(as_float_array(cs, "cs")).ravel()
    if arr.size == 0:
        raise ValueError("cs must hold at least one level, got none")
    return [_check_c(float(c)) for c in arr]


def plot_kl_ball(fam: Family, theta: Any, cs: Sequence[float], ax: Any = None, n_rays: int = 241,
                 ellipse: bool = True, legend: bool = True):
    r"""Exact KL contours (solid) and Fisher ellipses (dashed) around ``theta``, one colour per level.

    Parameters
    ----------
    fam : Family
        A two-parameter family.
    theta : array_like, shape (2,)
        The centre :math:`\theta`.
    cs : sequence of float
        The levels :math:`c`.
    ax : matplotlib Axes, optional
    n_rays : int
        Points per curve.
    ellipse : bool
        Draw the Fisher ellipses :math:`\tfrac12 d^\top I(\theta) d = c` too.
    legend : bool
        Add a legend of the levels.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, natgrad_lib as ng
    >>> fig = plot_kl_ball(ng.family("gaussian"), [0.0, 1.0], [0.1, 0.5])
    >>> len(fig.axes[0].lines)             # 2 contours, 2 ellipses, the centre
    5
    >>> plt.close(fig)
    """
    fam = _check_family(fam)
    if fam.k != 2:
        raise ValueError(f"plot_kl_ball needs a two-parameter family, got {fam.name} with k={fam.k}")
    th = _check_point(fam, theta)
    levels = _levels(cs)
    fig, ax = _axes(ax)
    u = fisher_directions(fam, th, n_rays)
    for j, c in enumerate(levels):
        colour = f"C{j % 7}"
        exact = kl_contour(fam, th, c, u)
        ax.plot(exact[:, 0], exact[:, 1], "-", color=colour, lw=1.8, label=f"$c = {c:g}$")
        if ellipse:
            quad = fisher_ellipse(fam, th, c, u)
            ax.plot(quad[:, 0], quad[:, 1], "--", color=colour, lw=1.2)
    ax.plot(*th, "o", color="black", ms=4)
    ax.set_xlabel(_param_label(fam, 0))
    ax.set_ylabel(_param_label(fam, 1))
    if legend:
        ax.legend(title="solid: KL $= c$\ndashed: $\\frac{1}{2} d^\\top I d = c$", fontsize="small",
                  title_fontsize="small")
    return fig


def plot_kl_interval(fam: Family, theta: Any, cs: Sequence[float], ax: Any = None,
                     grid: Any = None):
    r"""One parameter: :math:`\mathrm{KL}(p_\theta\|p_{\tilde\theta})` and the parabola, with the level sets.

    For each level :math:`c` a horizontal segment joins the two points where the
    exact KL equals :math:`c` (solid, dots), and another joins
    :math:`\theta \pm \sqrt{2c/I(\theta)}` (dashed, crosses), where the parabola
    equals :math:`c`.

    Parameters
    ----------
    fam : Family
        A one-parameter family.
    theta : array_like, shape (1,)
    cs : sequence of float
        The levels.
    ax : matplotlib Axes, optional
    grid : array_like, optional
        Values of :math:`\tilde\theta` for the curves; default: 400 points spanning
        the exact and quadratic intervals of the largest level (inside the domain).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, natgrad_lib as ng
    >>> fig = plot_kl_interval(ng.family("bernoulli"), [0.05], [0.02, 0.1])
    >>> fig.axes[0].get_xlabel()
    '$p$'
    >>> plt.close(fig)
    """
    fam = _check_family(fam)
    if fam.k != 1:
        raise ValueError(f"plot_kl_interval needs a one-parameter family, got {fam.name} with k={fam.k}")
    th = _check_point(fam, theta)
    levels = _levels(cs)
    fisher = float(fam.fisher(th)[0, 0])
    ends = [kl_contour(fam, th, c)[:, 0] for c in levels]
    quads = [fisher_ellipse(fam, th, c)[:, 0] for c in levels]
    p = fam.param_specs[0]
    if grid is None:
        lo = np.nanmin(np.concatenate([ends[-1], quads[-1]]))
        hi = np.nanmax(np.concatenate([ends[-1], quads[-1]]))
        pad = 0.08 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        eps = 1e-6 * max(1.0, hi - lo)
        lo_in, hi_in = max(lo, p.lower + eps), min(hi, p.upper - eps)
        grid = np.linspace(lo_in, hi_in, 400)
        x_range = (lo, hi)
    else:
        grid = np.asarray(grid, dtype=float)
        x_range = (float(grid.min()), float(grid.max()))
    fig, ax = _axes(ax)
    with np.errstate(all="ignore"):
        kl = fam.kl(th, grid[:, None])
    xq = np.linspace(*x_range, 400)
    ax.plot(grid, kl, "-", color="C0", label=r"$\mathrm{KL}(p_\theta\,\|\,p_{\tilde\theta})$")
    ax.plot(xq, 0.5 * fisher * (xq - th[0]) ** 2, "--", color="C1",
            label=r"$\frac{1}{2} I(\theta)(\tilde\theta-\theta)^2$")
    for c, e, q in zip(levels, ends, quads):
        ax.plot(e, [c, c], "-o", color="C0", lw=1, ms=4)
        ax.plot(q, [c, c], "--x", color="C1", lw=1, ms=6)
    for bound in (p.lower, p.upper):
        if np.isfinite(bound) and x_range[0] <= bound <= x_range[1]:
            ax.axvline(bound, color="0.3", lw=1)
            side = (x_range[0], bound) if bound <= th[0] else (bound, x_range[1])
            ax.axvspan(*side, color="0.85", lw=0, zorder=0)
    ax.plot(th[0], 0.0, "o", color="black", ms=4)
    ax.set_xlim(*x_range)
    ax.set_ylim(0.0, 1.35 * max(levels))
    ax.set_xlabel(_param_label(fam, 0))
    ax.set_ylabel("nats")
    ax.legend(fontsize="small", loc="upper center")
    return fig


def _line_values(fam: Family, theta: np.ndarray, direction: np.ndarray, ts: np.ndarray):
    pts = theta + ts[:, None] * direction
    with np.errstate(all="ignore"):
        fwd = _kl_or_inf_rows(fam, theta, pts, forward=True)
        rev = _kl_or_inf_rows(fam, theta, pts, forward=False)
    quad = 0.5 * ts**2 * float(direction @ fam.fisher(theta) @ direction)
    return fwd, rev, quad


def _kl_or_inf_rows(fam: Family, theta: np.ndarray, pts: np.ndarray, forward: bool) -> np.ndarray:
    out = np.full(pts.shape[0], np.nan)
    ok = _inside(fam, pts)
    if np.any(ok):
        out[ok] = fam.kl(theta, pts[ok]) if forward else fam.kl(pts[ok], theta)
    return out


def plot_kl_directions(fam: Family, theta: Any, direction: Any, ts: Any, ax: Any = None):
    r"""Both directions of KL and the quadratic form along the line :math:`\theta + t d`.

    Draws :math:`\mathrm{KL}(p_\theta\|p_{\theta+td})`,
    :math:`\mathrm{KL}(p_{\theta+td}\|p_\theta)` and
    :math:`\tfrac12 t^2 d^\top I(\theta) d` against :math:`t`; points outside
    the parameter domain are left out.

    Parameters
    ----------
    fam : Family
    theta : array_like, shape (k,)
    direction : array_like, shape (k,)
        The direction :math:`d`.
    ts : array_like, shape (n,)
        Values of :math:`t`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, matplotlib.pyplot as plt, natgrad_lib as ng
    >>> fig = plot_kl_directions(ng.family("bernoulli"), [0.2], [1.0], np.linspace(-0.15, 0.3, 50))
    >>> len(fig.axes[0].lines)
    3
    >>> plt.close(fig)
    """
    fam = _check_family(fam)
    th = _check_point(fam, theta)
    d = as_float_array(direction, "direction").reshape(-1)
    if d.shape != (fam.k,):
        raise ValueError(f"direction must have shape ({fam.k},), got shape {d.shape}")
    ts = np.asarray(as_float_array(ts, "ts"), dtype=float).reshape(-1)
    fwd, rev, quad = _line_values(fam, th, d, ts)
    fig, ax = _axes(ax)
    ax.plot(ts, fwd, "-", label=r"$\mathrm{KL}(p_\theta\,\|\,p_{\theta+td})$")
    ax.plot(ts, rev, "-.", label=r"$\mathrm{KL}(p_{\theta+td}\,\|\,p_\theta)$")
    ax.plot(ts, quad, "--", color="0.2", lw=1.4, label=r"$\frac{1}{2} t^2 d^\top I(\theta) d$")
    ax.set_xlabel("$t$")
    ax.set_ylabel("nats")
    ax.legend(fontsize="small")
    return fig


def _remainders(cases: Sequence[tuple], norms: np.ndarray):
    out = []
    for label, fam, theta, direction in cases:
        fam = _check_family(fam)
        th = _check_point(fam, theta)
        u = as_float_array(direction, "direction").reshape(-1)
        if u.shape != (fam.k,):
            raise ValueError(f"direction for {label!r} must have shape ({fam.k},), got {u.shape}")
        u = u / np.linalg.norm(u)
        kl = fam.kl(th, th + norms[:, None] * u)
        quad = 0.5 * norms**2 * float(u @ fam.fisher(th) @ u)
        out.append((label, kl, quad))
    return out


def _check_norms(norms: Any) -> np.ndarray:
    arr = as_float_array(norms, "norms").reshape(-1)
    if arr.size < 2 or np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"norms must be at least two positive finite step lengths, got {norms!r}")
    return arr


def plot_kl_remainder(cases: Sequence[tuple], norms: Any, ax: Any = None):
    r"""Log-log plot of :math:`|\mathrm{KL}(p_\theta\|p_{\theta+d}) - \tfrac12 d^\top I d|` against :math:`\|d\|`.

    Parameters
    ----------
    cases : sequence of (label, family, theta, direction)
        Each case moves from ``theta`` along ``direction`` (normalised to length 1).
    norms : array_like
        Step lengths :math:`\|d\|`, positive.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        Markers for each case and a dashed line of slope 3 through the first.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, matplotlib.pyplot as plt, natgrad_lib as ng
    >>> cases = [("Bernoulli", ng.family("bernoulli"), [0.3], [1.0])]
    >>> fig = plot_kl_remainder(cases, np.geomspace(1e-3, 1e-1, 5))
    >>> fig.axes[0].get_xscale(), fig.axes[0].get_yscale()
    ('log', 'log')
    >>> plt.close(fig)
    """
    norms = _check_norms(norms)
    fig, ax = _axes(ax)
    rows = _remainders(cases, norms)
    for j, (label, kl, quad) in enumerate(rows):
        ax.plot(norms, np.abs(kl - quad), "o-", ms=4, lw=1, color=f"C{j % 7}", label=label)
    _, kl0, quad0 = rows[0]
    ref = np.abs(kl0 - quad0)[-1] * (norms / norms[-1]) ** 3
    ax.plot(norms, ref, "--", color="0.3", lw=1.2, label=r"slope 3: $\propto \|d\|^3$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"step length $\|d\|$")
    ax.set_ylabel(r"$|\mathrm{KL} - \frac{1}{2} d^\top I(\theta) d|$")
    ax.legend(fontsize="small")
    return fig


def plot_kl_ratio(cases: Sequence[tuple], norms: Any, ax: Any = None):
    r"""The ratio :math:`\mathrm{KL}(p_\theta\|p_{\theta+d}) / (\tfrac12 d^\top I d)` against :math:`\|d\|`.

    Parameters
    ----------
    cases, norms, ax
        As in :func:`plot_kl_remainder`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, matplotlib.pyplot as plt, natgrad_lib as ng
    >>> cases = [("Poisson", ng.family("poisson"), [2.0], [1.0])]
    >>> fig = plot_kl_ratio(cases, np.geomspace(1e-3, 1.0, 5))
    >>> bool(abs(fig.axes[0].lines[0].get_ydata()[0] - 1) < 1e-3)
    True
    >>> plt.close(fig)
    """
    norms = _check_norms(norms)
    fig, ax = _axes(ax)
    for j, (label, kl, quad) in enumerate(_remainders(cases, norms)):
        ax.plot(norms, kl / quad, "o-", ms=4, lw=1, color=f"C{j % 7}", label=label)
    ax.axhline(1.0, color="0.3", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel(r"step length $\|d\|$")
    ax.set_ylabel(r"$\mathrm{KL} \,/\, \frac{1}{2} d^\top I(\theta) d$")
    ax.legend(fontsize="small")
    return fig


def plot_radius_error(cases: Sequence[tuple], cs: Any, ax: Any = None, n_rays: int = 121):
    r"""How far the Fisher ellipse is from the exact KL ball, as the level :math:`c` grows.

    For each ray :math:`u` the exact radius :math:`r_{\mathrm{KL}}` (where
    :math:`\mathrm{KL}(p_\theta\|p_{\theta+ru}) = c`) is compared with the
    ellipse radius :math:`r_I = \sqrt{2c / u^\top I u}`; the plot shows the
    largest :math:`|r_{\mathrm{KL}}/r_I - 1|` over the rays, on log-log axes,
    with a line of slope 1/2 (the small-``c`` rate).

    Parameters
    ----------
    cases : sequence of (label, family, theta)
    cs : array_like
        Levels :math:`c > 0`.
    ax : matplotlib Axes, optional
    n_rays : int
        Rays for two-parameter families.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, matplotlib.pyplot as plt, natgrad_lib as ng
    >>> fig = plot_radius_error([("p = 0.3", ng.family("bernoulli"), [0.3])], [0.01, 0.1])
    >>> len(fig.axes[0].lines)
    2
    >>> plt.close(fig)
    """
    levels = np.array(_levels(cs))
    fig, ax = _axes(ax)
    first = None
    for j, (label, fam, theta) in enumerate(cases):
        fam = _check_family(fam)
        th = _check_point(fam, theta)
        u = fisher_directions(fam, th, n_rays)
        err = np.array([
            np.nanmax(np.abs(kl_ray_radius(fam, th, c, u) / fisher_ray_radius(fam, th, c, u) - 1.0))
            for c in levels
        ])
        ax.plot(levels, err, "o-", ms=4, lw=1, color=f"C{j % 7}", label=label)
        first = err if first is None else first
    ax.plot(levels, first[0] * np.sqrt(levels / levels[0]), "--", color="0.3", lw=1.2,
            label=r"slope 1/2: $\propto \sqrt{c}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("level $c$ (nats)")
    ax.set_ylabel("largest relative error of the radius")
    ax.legend(fontsize="small")
    return fig


# ------------------------------------------------------------------------------------ explorer
# Plain Unicode labels (no mathtext): the fallback redraws them on every frame.
_CHART_AXES = {
    "gaussian": ("μ", "σ"),
    "gaussian_logstd": ("μ", "log σ"),
    "gaussian_var": ("μ", "σ²"),
    "gaussian_natural": ("η₁ = μ/σ²", "η₂ = −1/(2σ²)"),
}


def _to_base_or_nan(fam: Family, pts: np.ndarray) -> np.ndarray:
    """``fam.to_base`` on the rows inside the domain of ``fam``; NaN rows elsewhere."""
    out = np.full(pts.shape, np.nan)
    ok = _inside(fam, pts)
    if np.any(ok):
        with np.errstate(all="ignore"):
            out[ok] = fam.to_base(pts[ok])
    return out


def _from_base(fam: Family, base_theta: np.ndarray) -> np.ndarray:
    return base_theta if fam.base is fam else fam.from_base(base_theta)


def _limits(points: Sequence[np.ndarray], pad: float = 0.08) -> tuple[tuple, tuple]:
    allpts = np.concatenate([p[np.all(np.isfinite(p), axis=1)] for p in points])
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    span = np.maximum(hi - lo, 1e-12)
    lo, hi = lo - pad * span, hi + pad * span
    return (lo[0], hi[0]), (lo[1], hi[1])


def kl_ball_explorer(base_theta: Any, cs: Sequence[float], charts: Sequence[str] = tuple(_CHART_AXES),
                     n_rays: int = 241, figsize: tuple[float, float] = (6.4, 3.2), dpi: int = 72):
    r"""Explorer: the exact KL ball and the Fisher ellipse of a Gaussian, in four charts.

    Left panel: in the coordinates :math:`\phi` of the chosen chart, the exact
    contour :math:`\mathrm{KL}(p_\phi\|p_{\phi+d}) = c` (solid) and the Fisher
    ellipse :math:`\tfrac12 d^\top I(\phi) d = c` (dashed). Right panel: both
    mapped to :math:`(\mu, \sigma)` with ``fam.to_base`` (points of the ellipse
    outside the chart's domain are left out). The exact ball is the same set of
    distributions in every chart; the ellipse is not. Both panels zoom to the
    current curves. Controls: ``c`` (swept in the static fallback) and
    ``parametrisation``. The update only changes the data of existing lines and
    texts and the axis limits.

    Parameters
    ----------
    base_theta : array_like, shape (2,)
        The centre as :math:`(\mu, \sigma)`; each chart gets it through ``fam.from_base``.
    cs : sequence of float
        The levels offered by the ``c`` control (at most 20 keep the fallback small).
    charts : sequence of str
        Names of Gaussian families (default: ``gaussian``, ``gaussian_logstd``,
        ``gaussian_var``, ``gaussian_natural``).
    n_rays : int
        Points per curve.
    figsize, dpi
        Size of the explorer figure.

    Returns
    -------
    natgrad_lib.explore.Explorer

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> ex = kl_ball_explorer([0.5, 0.8], [0.05, 0.2], n_rays=31, dpi=30)
    >>> line = ex.fig.axes[0].lines[0]
    >>> ex.set(parametrisation="gaussian_natural", c=0.2)
    >>> ex.fig.axes[0].lines[0] is line, len(ex.fig.axes)
    (True, 2)
    >>> plt.close(ex.fig)
    """
    import matplotlib.pyplot as plt

    from .. import registry
    from ..explore import explorer

    levels = _levels(cs)
    charts = tuple(charts)
    if not charts:
        raise ValueError("charts must name at least one Gaussian chart, got none")
    unknown = [name for name in charts if name not in _CHART_AXES]
    if unknown:
        raise ValueError(f"charts must be among {list(_CHART_AXES)}, got {unknown}")
    fams = {name: registry.family(name) for name in charts}
    base_th = _check_point(registry.family("gaussian"), base_theta)

    # A fixed layout and plain tick labels: the fallback redraws every frame, and
    # constrained layout with mathtext tick labels would dominate the build time.
    fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=figsize, dpi=dpi)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.16, top=0.9, wspace=0.32)
    for ax in (ax_l, ax_r):
        for axis in (ax.xaxis, ax.yaxis):
            axis.get_major_formatter().set_useMathText(False)
    (exact_l,) = ax_l.plot([], [], "-", color="C0", label="KL = c")
    (quad_l,) = ax_l.plot([], [], "--", color="C1", label="½ dᵀ I d = c")
    (centre_l,) = ax_l.plot([], [], "o", color="black", ms=3)
    (exact_r,) = ax_r.plot([], [], "-", color="C0")
    (quad_r,) = ax_r.plot([], [], "--", color="C1")
    ax_r.plot(*base_th, "o", color="black", ms=3)
    ax_r.axhspan(-1e6, 0.0, color="0.85", lw=0, zorder=0)  # sigma <= 0: no distribution
    ax_r.set_xlabel("μ")
    ax_r.set_ylabel("σ")
    ax_r.set_title("mapped to (μ, σ)", fontsize="small")
    ax_l.legend(fontsize="x-small", loc="upper left")
    note = ax_r.text(0.03, 0.97, "", transform=ax_r.transAxes, va="top", fontsize="x-small")
    cache: dict[tuple[str, float], tuple] = {}

    def curves(name: str, c: float):
        if (name, c) not in cache:
            fam = fams[name]
            phi = _from_base(fam, base_th)
            u = fisher_directions(fam, phi, n_rays)
            exact, quad = kl_contour(fam, phi, c, u), fisher_ellipse(fam, phi, c, u)
            cache[(name, c)] = (phi, exact, quad, _to_base_or_nan(fam, exact), _to_base_or_nan(fam, quad))
        return cache[(name, c)]

    def update(c: float, parametrisation: str) -> None:
        fam = fams[parametrisation]
        phi, exact, quad, exact_b, quad_b = curves(parametrisation, c)
        exact_l.set_data(exact[:, 0], exact[:, 1])
        quad_l.set_data(quad[:, 0], quad[:, 1])
        centre_l.set_data([phi[0]], [phi[1]])
        (x0, x1), (y0, y1) = _limits([exact, quad], pad=0.1)
        ax_l.set_xlim(x0, x1)
        ax_l.set_ylim(y0, y1 + 0.25 * (y1 - y0))  # room for the legend
        xlabel, ylabel = _CHART_AXES[parametrisation]
        ax_l.set_xlabel(xlabel)
        ax_l.set_ylabel(ylabel)
        ax_l.set_title(f"in the chart ({xlabel.split(' ')[0]}, {ylabel.split(' = ')[0]})", fontsize="small")
        exact_r.set_data(exact_b[:, 0], exact_b[:, 1])
        quad_r.set_data(quad_b[:, 0], quad_b[:, 1])
        (x0, x1), (y0, y1) = _limits([exact_b], pad=0.3)
        ax_r.set_xlim(x0, x1)
        ax_r.set_ylim(min(y0, base_th[1] - 1.05 * (base_th[1] - y0) - 0.05 * (y1 - y0)), y1 + 0.3 * (y1 - y0))
        rel = np.nanmax(np.abs(np.linalg.norm(exact - phi, axis=1) / np.linalg.norm(quad - phi, axis=1) - 1))
        outside = int(np.sum(~_inside(fam, quad)))
        note.set_text(f"c = {c:g} nats, radius error up to {100 * rel:.0f}%"
                      + (f"\nellipse leaves the domain on {outside}/{len(quad)} rays" if outside else ""))

    return explorer(fig, update, {"c": levels, "parametrisation": list(charts)}, sweep="c",
                    alt=("The exact KL ball (solid) and the Fisher ellipse (dashed) of a Gaussian, "
                         "in the chosen chart (left) and mapped to (mu, sigma) (right), "
                         f"for levels c from {min(levels):g} to {max(levels):g} nats."))
