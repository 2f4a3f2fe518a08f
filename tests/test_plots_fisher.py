"""Tests for natgrad_lib.plots.fisher: ellipse geometry, score clouds, metric ellipses."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import natgrad_lib as ng
from natgrad_lib.plots.fisher import (
    SCORE_CLOUD_GIDS,
    ellipse_path,
    plot_metric_ellipses,
    plot_score_cloud,
    update_score_cloud,
)


def spd(a: float, b: float, c: float) -> np.ndarray:
    """A symmetric positive-definite 2 x 2 matrix L L^T + 0.1 I from three numbers."""
    L = np.array([[a, 0.0], [b, c]])
    return L @ L.T + 0.1 * np.eye(2)


entries = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=50, deadline=None)
@given(a=entries, b=entries, c=entries, r=st.floats(0.1, 5.0))
def test_covariance_ellipse_satisfies_its_equation(a, b, c, r):
    C = spd(a, b, c)
    xy = ellipse_path(C, radius=r, num=50)
    q = np.einsum("ni,ij,nj->n", xy, np.linalg.inv(C), xy)
    np.testing.assert_allclose(q, r**2, rtol=1e-9)


@settings(max_examples=50, deadline=None)
@given(a=entries, b=entries, c=entries, r=st.floats(0.1, 5.0))
def test_metric_ellipse_satisfies_its_equation(a, b, c, r):
    M = spd(a, b, c)
    xy = ellipse_path(M, metric=True, radius=r, num=50)
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", xy, M, xy), r**2, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(a=entries, b=entries, c=entries)
def test_metric_ellipse_of_m_is_covariance_ellipse_of_inverse(a, b, c):
    """The same set of points (the parametrisations may start at different points)."""
    M = spd(a, b, c)
    xy = ellipse_path(np.linalg.inv(M))
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", xy, M, xy), 1.0, rtol=1e-9)


@settings(max_examples=30, deadline=None)
@given(a=entries, b=entries, c=entries, vx=entries, vy=entries)
def test_covariance_ellipse_extent_is_the_standard_deviation(a, b, c, vx, vy):
    """Along a unit vector v the ellipse reaches r * sqrt(v^T C v) (up to the grid)."""
    v = np.array([vx, vy])
    if np.linalg.norm(v) < 1e-3:
        v = np.array([1.0, 0.0])
    v = v / np.linalg.norm(v)
    C = spd(a, b, c)
    xy = ellipse_path(C, radius=2.0, num=4001)
    reach = (xy @ v).max()
    np.testing.assert_allclose(reach, 2.0 * np.sqrt(v @ C @ v), rtol=1e-5)


def test_ellipse_is_closed_and_centred():
    xy = ellipse_path(np.diag([4.0, 1.0]), center=(1.0, -2.0), num=7)
    assert xy.shape == (7, 2)
    np.testing.assert_array_equal(xy[0], xy[-1])
    np.testing.assert_allclose(xy[:-1].mean(axis=0), [1.0, -2.0], atol=1e-12)


def test_singular_covariance_gives_a_segment():
    xy = ellipse_path(np.array([[1.0, 1.0], [1.0, 1.0]]), num=21)
    np.testing.assert_allclose(xy[:, 0], xy[:, 1], atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"matrix": np.eye(3)}, "matrix must be a 2 x 2 matrix"),
        ({"matrix": [[1.0, 0.5], [0.0, 1.0]]}, "matrix must be symmetric"),
        ({"matrix": np.diag([1.0, -1.0])}, "matrix must be positive semi-definite"),
        ({"matrix": np.diag([1.0, 0.0]), "metric": True}, "positive definite when metric=True"),
        ({"matrix": np.eye(2), "radius": 0.0}, "radius must be > 0"),
        ({"matrix": np.eye(2), "num": 2}, "num must be an integer >= 3"),
        ({"matrix": np.eye(2), "center": (0.0, 0.0, 0.0)}, "center must have shape"),
        ({"matrix": [[np.nan, 0.0], [0.0, 1.0]]}, "matrix must be finite"),
    ],
)
def test_ellipse_path_errors(kwargs, message):
    matrix = kwargs.pop("matrix")
    with pytest.raises(ValueError, match=message):
        ellipse_path(matrix, **kwargs)


def test_ellipse_path_type_error():
    with pytest.raises(TypeError, match="matrix must be numeric"):
        ellipse_path("identity")


def _gaussian_scores(theta, n, seed):
    fam = ng.family("gaussian")
    theta = np.asarray(theta, dtype=float)
    return fam.score(fam.sample(theta, n, np.random.default_rng(seed)), theta), fam.fisher(theta)


def test_score_cloud_draws_the_three_artists():
    scores, fisher = _gaussian_scores([0.0, 2.0], 400, 0)
    fig = plot_score_cloud(scores, fisher, max_points=100)
    ax = fig.axes[0]
    found = {a.get_gid(): a for a in ax.get_children() if a.get_gid() in SCORE_CLOUD_GIDS}
    assert set(found) == set(SCORE_CLOUD_GIDS)
    assert found["score-samples"].get_offsets().shape == (100, 2)
    # the Fisher ellipse (radius 2) of diag(1/4, 1/2) reaches 2 * sqrt(I_ii) along each axis
    x, y = found["score-fisher"].get_data()
    np.testing.assert_allclose([np.max(x), np.max(y)], 2 * np.sqrt(np.diag(fisher)), rtol=1e-3)
    np.testing.assert_allclose(ax.get_xlim(), [-4 * 0.5, 4 * 0.5])


def test_score_cloud_uses_given_axes():
    fig, ax = plt.subplots()
    scores, fisher = _gaussian_scores([0.0, 1.0], 50, 1)
    assert plot_score_cloud(scores, fisher, ax=ax) is fig


def test_update_moves_artists_in_place():
    scores, fisher = _gaussian_scores([0.0, 1.0], 300, 2)
    fig = plot_score_cloud(scores, fisher)
    ax = fig.axes[0]
    before = list(ax.get_children())
    scores2, fisher2 = _gaussian_scores([0.0, 0.25], 300, 3)
    pts, cov, fis = update_score_cloud(ax, scores2, fisher2)
    assert list(ax.get_children()) == before            # nothing added, nothing removed
    np.testing.assert_allclose(pts.get_offsets(), scores2)
    np.testing.assert_allclose(np.column_stack(fis.get_data()),
                               ellipse_path(fisher2, radius=2.0))
    np.testing.assert_allclose(np.column_stack(cov.get_data()),
                               ellipse_path(np.cov(scores2.T), radius=2.0))
    np.testing.assert_allclose(ax.get_ylim(), [-4 * np.sqrt(2 / 0.0625), 4 * np.sqrt(2 / 0.0625)])


def test_update_needs_a_score_cloud():
    fig, ax = plt.subplots()
    scores, fisher = _gaussian_scores([0.0, 1.0], 30, 4)
    with pytest.raises(ValueError, match="plot_score_cloud"):
        update_score_cloud(ax, scores, fisher)


@pytest.mark.parametrize("bad", [np.zeros((5, 3)), np.zeros((2, 2)), np.zeros(10)])
def test_score_cloud_rejects_bad_scores(bad):
    with pytest.raises(ValueError, match="scores must have shape"):
        plot_score_cloud(bad, np.eye(2))


def test_sample_covariance_ellipse_approaches_fisher():
    """Monte Carlo: with many samples the two ellipses nearly coincide (the chapter's claim)."""
    scores, fisher = _gaussian_scores([1.0, 0.5], 200_000, 5)
    fig = plot_score_cloud(scores, fisher)
    found = {a.get_gid(): a for a in fig.axes[0].get_children() if a.get_gid() in SCORE_CLOUD_GIDS}
    cov = np.column_stack(found["score-sample-cov"].get_data())
    # Points of the sample ellipse, measured with the exact Fisher: x^T I^{-1} x = 4 (1 + O(n^-1/2)).
    # The relative error is that of the sample variance of v^T s for some direction v; its
    # standard error is sqrt(Var[(v^T s)^2] / n) / Var[v^T s], largest for v^T s prop. to
    # z^2 - 1, where it is sqrt(14 / n).  Tolerance: 5 standard errors.
    q = np.einsum("ni,ij,nj->n", cov, np.linalg.inv(fisher), cov)
    assert np.max(np.abs(q / 4.0 - 1.0)) < 5 * np.sqrt(14 / 200_000)


def test_metric_ellipses_labels_and_aspect():
    fig = plot_metric_ellipses({"I": np.diag([1.0, 2.0]), "F": [[1.0, 0.5], [0.5, 3.0]]},
                               colors=["k"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["I", "F"]
    assert ax.get_aspect() == 1.0
    assert all(line.get_color() == "k" for line in ax.get_lines()[:2])


def test_metric_ellipses_errors():
    with pytest.raises(ValueError, match="at least one"):
        plot_metric_ellipses({})
    with pytest.raises(ValueError, match=r"matrices\['bad'\] must be symmetric"):
        plot_metric_ellipses({"bad": [[1.0, 2.0], [0.0, 1.0]]})


def test_plots_package_exports():
    for name in ("ellipse_path", "plot_score_cloud", "update_score_cloud", "plot_metric_ellipses"):
        assert callable(getattr(ng.plots, name))
