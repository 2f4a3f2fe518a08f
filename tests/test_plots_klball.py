"""Tests for natgrad_lib.klgeometry (exact KL contours along rays, Fisher ellipses) and natgrad_lib.plots.klball (figures, explorer)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib import klgeometry
from natgrad_lib.plots import klball

# (family name, options, theta) covering discrete / continuous, one / two parameters, several charts
CASES = [
    ("bernoulli", {}, [0.3]),
    ("bernoulli", {}, [0.05]),
    ("poisson", {}, [2.0]),
    ("gaussian", {}, [0.0, 1.0]),
    ("gaussian", {}, [1.5, 0.05]),
    ("gaussian_logstd", {}, [0.5, -0.2]),
    ("gaussian_var", {}, [0.5, 0.64]),
    ("gaussian_natural", {}, [0.78, -0.78]),
    ("gamma", {}, [2.0, 1.0]),
    ("categorical_softmax", {"K": 3}, [0.2, -0.4]),
]


def _family(name, options):
    return ng.family(name, **options)


def _directions(fam, theta, n=41):
    return klgeometry.fisher_directions(fam, theta, n) if fam.k <= 2 else None


@pytest.mark.parametrize("name, options, theta", CASES)
@pytest.mark.parametrize("c", [1e-6, 1e-3, 0.1, 1.0])
def test_contour_points_have_kl_equal_to_c(name, options, theta, c):
    fam = _family(name, options)
    pts = klgeometry.kl_contour(fam, theta, c, _directions(fam, theta))
    assert np.all(np.isfinite(pts))
    np.testing.assert_allclose(fam.kl(theta, pts), c, rtol=0, atol=1e-8)


@pytest.mark.parametrize("name, options, theta", CASES)
def test_contour_approaches_fisher_ellipse_as_c_shrinks(name, options, theta):
    fam = _family(name, options)
    u = _directions(fam, theta)
    errors = []
    for c in [1e-2, 1e-4, 1e-6, 1e-8]:
        r_kl = klgeometry.kl_ray_radius(fam, theta, c, u)
        r_fisher = klgeometry.fisher_ray_radius(fam, theta, c, u)
        errors.append(np.max(np.abs(r_kl / r_fisher - 1)))
    errors = np.array(errors)
    # the radii differ by O(c) while each is O(sqrt(c)): relative error O(sqrt(c)),
    # so each factor 100 in c must shrink the error by about 10 (at least 5 here)
    assert np.all(errors[1:] <= errors[:-1] / 5 + 1e-7)
    assert errors[-1] < 1e-3


def test_symmetric_bernoulli_error_shrinks_like_c():
    """At p = 1/2 the cubic term vanishes, so the radius error is O(c), not O(sqrt(c))."""
    bern = ng.family("bernoulli")
    err = [abs(klgeometry.kl_ray_radius(bern, [0.5], c)[1] / klgeometry.fisher_ray_radius(bern, [0.5], c)[1] - 1)
           for c in (1e-2, 1e-4)]
    assert 80 < err[0] / err[1] < 120


def test_fisher_radius_solves_the_quadratic_form():
    fam = ng.family("gamma")
    theta = np.array([2.0, 1.0])
    u = klgeometry.ray_directions(2, 13)
    r = klgeometry.fisher_ray_radius(fam, theta, 0.3, u)
    d = r[:, None] * u
    np.testing.assert_allclose(0.5 * np.einsum("mi,ij,mj->m", d, fam.fisher(theta), d), 0.3)
    pts = klgeometry.fisher_ellipse(fam, theta, 0.3, u)
    np.testing.assert_allclose(pts, theta + d)


def test_fisher_directions_have_unit_fisher_length():
    fam = ng.family("gaussian_natural")
    theta = np.array([0.78, -0.78])
    u = klgeometry.fisher_directions(fam, theta, 17)
    np.testing.assert_allclose(np.einsum("mi,ij,mj->m", u, fam.fisher(theta), u), 1.0)
    np.testing.assert_allclose(klgeometry.fisher_ray_radius(fam, theta, 0.02, u), np.sqrt(0.04))


def test_one_parameter_contour_is_the_interval_ends():
    bern = ng.family("bernoulli")
    lo, hi = klgeometry.kl_contour(bern, [0.02], 0.05)[:, 0]
    assert 0 < lo < 0.02 < hi < 1
    q_lo, q_hi = klgeometry.fisher_ellipse(bern, [0.02], 0.05)[:, 0]
    assert q_lo < 0 < 0.02 < q_hi          # the quadratic interval leaves (0, 1)
    np.testing.assert_allclose([q_lo, q_hi], 0.02 + np.array([-1, 1]) * np.sqrt(2 * 0.05 * 0.02 * 0.98))


def test_exact_ball_is_the_same_in_every_chart():
    """KL does not depend on the chart: contours of any chart, mapped to (mu, sigma), have KL = c there."""
    gauss = ng.family("gaussian")
    base = np.array([0.5, 0.8])
    for name in ["gaussian_logstd", "gaussian_var", "gaussian_natural"]:
        fam = ng.family(name)
        phi = fam.from_base(base)
        pts = klgeometry.kl_contour(fam, phi, 0.4, klgeometry.fisher_directions(fam, phi, 31))
        np.testing.assert_allclose(gauss.kl(base, fam.to_base(pts)), 0.4, atol=1e-8)


def test_ray_leaving_the_domain_first_gives_nan():
    # lambda = 1 + u with u in (0, 1): the KL divergence stays below 0.2 nats on the whole chart
    bounded = ng.family("poisson").reparametrize(
        "poisson_bounded", [ng.Param("u", "u", 0.0, 1.0)], to_base=lambda u: (1 + u,))
    r = klgeometry.kl_ray_radius(bounded, [0.5], 1.0)
    assert np.all(np.isnan(r))
    # Bernoulli(0.02) against q -> 0: KL reaches 1 nat only at q ~ 1e-23, closer to the edge
    # than theta + r u can resolve in float64, so that ray reports NaN too
    r_bern = klgeometry.kl_ray_radius(ng.family("bernoulli"), [0.02], 1.0)
    assert np.isnan(r_bern[0]) and np.isfinite(r_bern[1])
    r_small = klgeometry.kl_ray_radius(bounded, [0.5], 1e-3)
    np.testing.assert_allclose(bounded.kl([0.5], (0.5 + r_small * [-1, 1])[:, None]), 1e-3, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(mu=st.floats(-3, 3), log_sigma=st.floats(-4, 2), log_c=st.floats(-9, 1))
def test_gaussian_contours_property(mu, log_sigma, log_c):
    gauss = ng.family("gaussian")
    theta = np.array([mu, np.exp(log_sigma)])
    c = float(np.exp(log_c))
    pts = klgeometry.kl_contour(gauss, theta, c, klgeometry.fisher_directions(gauss, theta, 19))
    assert np.all(pts[:, 1] > 0)                  # the exact ball never leaves sigma > 0
    np.testing.assert_allclose(gauss.kl(theta, pts), c, atol=1e-8)


def test_scale_invariance_of_the_gaussian_ball():
    """KL between Gaussians depends on the step only through d / sigma."""
    gauss = ng.family("gaussian")
    u = klgeometry.ray_directions(2, 25)
    r1 = klgeometry.kl_ray_radius(gauss, [0.0, 1.0], 0.3, u)
    r2 = klgeometry.kl_ray_radius(gauss, [0.0, 0.01], 0.3, u)
    np.testing.assert_allclose(r2, 0.01 * r1, rtol=1e-10)


@pytest.mark.parametrize("bad_c", [0.0, -1.0, np.inf, np.nan])
def test_bad_level_is_rejected(bad_c):
    with pytest.raises(ValueError, match="c must be > 0"):
        klgeometry.kl_contour(ng.family("poisson"), [2.0], bad_c)


def test_argument_errors():
    gauss = ng.family("gaussian")
    with pytest.raises(TypeError, match="fam must be a natgrad_lib Family"):
        klgeometry.kl_contour("gaussian", [0.0, 1.0], 0.1)
    with pytest.raises(TypeError, match="c must be a positive number"):
        klgeometry.kl_contour(gauss, [0.0, 1.0], "0.1")
    with pytest.raises(ValueError, match="sigma must be > 0"):
        klgeometry.kl_contour(gauss, [0.0, -1.0], 0.1)
    with pytest.raises(ValueError, match="directions must have shape"):
        klgeometry.kl_contour(gauss, [0.0, 1.0], 0.1, directions=[[1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="non-zero"):
        klgeometry.kl_contour(gauss, [0.0, 1.0], 0.1, directions=[[0.0, 0.0]])
    with pytest.raises(ValueError, match="single parameter vector"):
        klgeometry.kl_contour(gauss, [[0.0, 1.0]], 0.1)
    with pytest.raises(ValueError, match="k = 1 or 2"):
        klgeometry.ray_directions(3)
    with pytest.raises(ValueError, match="two-parameter family"):
        klball.plot_kl_ball(ng.family("poisson"), [2.0], [0.1])
    with pytest.raises(ValueError, match="one-parameter family"):
        klball.plot_kl_interval(gauss, [0.0, 1.0], [0.1])
    with pytest.raises(ValueError, match="norms must be"):
        klball.plot_kl_remainder([("g", gauss, [0.0, 1.0], [1.0, 0.0])], [0.1])
    with pytest.raises(ValueError, match="charts must be among"):
        klball.kl_ball_explorer([0.5, 0.8], [0.1], charts=["poisson"])


# ---------------------------------------------------------------------------------- figures
def test_plots_draw_on_the_given_axes_and_return_its_figure():
    gauss, bern = ng.family("gaussian"), ng.family("bernoulli")
    fig, axes = plt.subplots(2, 3)
    calls = [
        lambda ax: klball.plot_kl_ball(gauss, [0.0, 1.0], [0.1, 0.5], ax=ax, n_rays=31),
        lambda ax: klball.plot_kl_interval(bern, [0.02], [0.01, 0.05], ax=ax),
        lambda ax: klball.plot_kl_directions(gauss, [0.0, 1.0], [0.0, 1.0], np.linspace(-0.5, 1, 31), ax=ax),
        lambda ax: klball.plot_kl_remainder([("b", bern, [0.3], [1.0])], [1e-3, 1e-2, 1e-1], ax=ax),
        lambda ax: klball.plot_kl_ratio([("b", bern, [0.3], [1.0])], [1e-3, 1e-2, 1e-1], ax=ax),
        lambda ax: klball.plot_radius_error([("b", bern, [0.3])], [1e-3, 1e-1], ax=ax),
    ]
    for ax, call in zip(axes.flat, calls):
        assert call(ax) is fig
        assert ax.lines
    assert len(plt.get_fignums()) == 1


def test_plot_kl_directions_leaves_out_invalid_points():
    fig = klball.plot_kl_directions(ng.family("gaussian"), [0.0, 1.0], [0.0, 1.0], np.linspace(-2, 1, 31))
    forward = fig.axes[0].lines[0].get_ydata()
    assert np.isnan(forward[0]) and np.all(np.isfinite(forward[-10:]))


def test_remainder_plot_shows_third_order():
    fig = klball.plot_kl_remainder([("p", ng.family("poisson"), [2.0], [1.0])], np.geomspace(1e-3, 1e-2, 5))
    x, y = fig.axes[0].lines[0].get_data()
    slope = np.polyfit(np.log(x), np.log(y), 1)[0]
    assert abs(slope - 3) < 0.02


# --------------------------------------------------------------------------------- explorer
def test_explorer_updates_artists_in_place():
    ex = klball.kl_ball_explorer([0.5, 0.8], [0.05, 0.2], n_rays=31, dpi=30)
    fig, lines = ex.fig, [list(ax.lines) for ax in ex.fig.axes]
    n_figs = len(plt.get_fignums())
    for chart in ["gaussian", "gaussian_logstd", "gaussian_var", "gaussian_natural"]:
        for c in [0.05, 0.2]:
            ex.set(c=c, parametrisation=chart)
            assert ex.fig is fig
            assert [list(ax.lines) for ax in ex.fig.axes] == lines
            x, y = lines[0][0].get_data()
            fam = ng.family(chart)
            phi = np.array([0.5, 0.8]) if chart == "gaussian" else fam.from_base([0.5, 0.8])
            np.testing.assert_allclose(fam.kl(phi, np.stack([x, y], axis=-1)), c, atol=1e-8)
            # the right panel shows the same exact ball whatever the chart
            xb, yb = lines[1][0].get_data()
            np.testing.assert_allclose(ng.family("gaussian").kl([0.5, 0.8], np.stack([xb, yb], -1)),
                                       c, atol=1e-8)
    assert len(plt.get_fignums()) == n_figs
    html = ex.static_html()
    assert "natgrad-static-fallback" in html and "https://" not in html
