"""natgrad_lib.plots.hessian: observed information, estimator samples, curvature explorer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

import natgrad_lib as ng
from natgrad_lib.plots.hessian import (
    curvature_explorer,
    plot_information_samples,
    plot_observed_information,
)


def _lines_with_label(ax, text):
    return [ln for ln in ax.get_lines() if text in ln.get_label()]


# ---------------------------------------------------------------- observed information
def test_gaussian_observed_information_is_indefinite_for_every_y():
    # det(-H) = -((y - mu)^2 + sigma^2) / sigma^6 < 0, so the smaller eigenvalue is negative.
    y = np.linspace(-4, 4, 81)
    fig = plot_observed_information(ng.family("gaussian"), [0.0, 1.0], y)
    ax = fig.axes[0]
    (low,) = _lines_with_label(ax, "eigenvalue 1")
    assert np.all(np.asarray(low.get_ydata()) < 0)
    assert any("not positive" in t.get_text() for t in ax.get_legend().get_texts())


def test_natural_parameters_give_constant_observed_information_equal_to_fisher():
    fam, theta = ng.family("gaussian_natural"), np.array([0.5, -0.5])
    fig = plot_observed_information(fam, theta, np.linspace(-3, 3, 31))
    ax = fig.axes[0]
    eig = np.linalg.eigvalsh(fam.fisher(theta))
    for j in range(2):
        (line,) = _lines_with_label(ax, f"eigenvalue {j + 1}")
        np.testing.assert_allclose(line.get_ydata(), eig[j], rtol=1e-12)
    assert not any("not positive" in t.get_text() for t in ax.get_legend().get_texts())


def test_discrete_family_uses_markers_and_draws_into_given_axes():
    fig, ax = plt.subplots()
    out = plot_observed_information(ng.family("poisson"), [2.0], np.arange(8), ax=ax)
    assert out is fig
    (line,) = _lines_with_label(ax, "-H(y)")
    assert line.get_linestyle() == "None" and line.get_marker() == "o"
    np.testing.assert_allclose(line.get_ydata(), np.arange(8) / 4.0)


@pytest.mark.parametrize(
    "args, err, match",
    [
        (("gaussian", [0.0, -1.0], [0.0, 1.0]), ValueError, "sigma must be > 0"),
        (("gaussian", [0.0, 1.0], [[0.0, 1.0]]), ValueError, "y must be a non-empty 1-d"),
        (("gaussian", [[0.0, 1.0], [0.0, 2.0]], [0.0]), ValueError, "single parameter vector"),
    ],
)
def test_observed_information_rejects_bad_input(args, err, match):
    name, theta, y = args
    with pytest.raises(err, match=match):
        plot_observed_information(ng.family(name), theta, y)


def test_observed_information_rejects_non_family():
    with pytest.raises(TypeError, match="fam must be a natgrad_lib Family"):
        plot_observed_information("gaussian", [0.0, 1.0], [0.0])


# ------------------------------------------------------------------- estimator samples
def test_information_samples_legend_reports_means_and_spike_for_constant_sample():
    rng = np.random.default_rng(7)
    outer = rng.exponential(size=500)
    fig = plot_information_samples(outer, np.full(500, 1.0), exact=1.0)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"mean {outer.mean():.3g}" in texts[0]
    assert "sd 0" in texts[1]
    assert "1" in texts[2]


@pytest.mark.parametrize(
    "outer, neg_h, bins, match",
    [
        ([1.0], [1.0, 2.0], 10, "outer must hold at least 2"),
        ([1.0, 2.0], [np.nan, 1.0], 10, "neg_hessian must hold at least 2 finite"),
        ([1.0, 2.0], [1.0, 2.0], 0, "bins must be a positive integer"),
    ],
)
def test_information_samples_rejects_bad_input(outer, neg_h, bins, match):
    with pytest.raises(ValueError, match=match):
        plot_information_samples(outer, neg_h, bins=bins)


# ------------------------------------------------------------------- curvature explorer
def _gauss_explorer(**kw):
    args = dict(values=[1.0, 2.0], ns=[1, 10, 2000], grid=np.linspace(0.2, 4.0, 60),
                rng=np.random.default_rng(11))
    args.update(kw)
    return curvature_explorer(ng.family("gaussian"), [0.0, 1.0], 1, **args)


def test_explorer_updates_the_same_artists_in_place():
    ex = _gauss_explorer()
    ax_l, ax_r = ex.fig.axes
    before = (list(ax_l.get_lines()), list(ax_r.get_lines()), list(ax_r.collections))
    ex.set(n=2000, sigma0=2.0)
    after = (list(ax_l.get_lines()), list(ax_r.get_lines()), list(ax_r.collections))
    assert all(a == b for a, b in zip(before, after))
    assert len(plt.get_fignums()) == 1
    assert ax_r.collections[0].get_offsets().shape == (2000, 2)
    assert "n = 2000" in ex.fig.get_suptitle()


def test_explorer_negative_curvature_fraction_matches_theory():
    # For N(0, sigma^2) along sigma, -l'' < 0 iff |y| < sigma / sqrt(3): probability 0.4363.
    ex = _gauss_explorer()
    ex.set(n=2000)
    title = ex.fig.get_suptitle()
    negative = int(title.split("< 0 for ")[1].split(";")[0])
    p, n = 0.436297138349227, 2000
    assert abs(negative - n * p) < 5 * np.sqrt(n * p * (1 - p))


def test_explorer_uses_common_random_numbers_across_theta0():
    # sigma is a scale parameter: with the same random numbers, -l''/I is the same for every sigma0.
    ex = _gauss_explorer()
    scat = ex.fig.axes[1].collections[0]
    ex.set(n=2000, sigma0=1.0)
    first = np.array(scat.get_offsets())
    ex.set(sigma0=2.0)
    np.testing.assert_allclose(scat.get_offsets(), first, rtol=1e-10)


def test_explorer_average_curve_tends_to_minus_kl():
    ex = _gauss_explorer()
    ex.set(n=2000)
    mean_line = next(ln for ln in ex.fig.axes[0].get_lines() if ln.get_linewidth() == 2.2)
    grid = np.linspace(0.2, 4.0, 60)
    expected = -ng.family("gaussian").kl([0.0, 1.0], np.stack([np.zeros(60), grid], axis=-1))
    near = (grid > 0.6) & (grid < 2.0)
    np.testing.assert_allclose(np.asarray(mean_line.get_ydata())[near], expected[near], atol=0.15)


def test_explorer_static_fallback_sweeps_n():
    ex = _gauss_explorer(ns=[1, 5])
    page = ex.static_html()
    assert "natgrad-static-fallback" in page and "alt=" in page
    assert ex.values == {"sigma0": 1.0, "n": 1}


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(index=2), "index must be an integer in"),
        (dict(ns=[10, 5]), "ns must be increasing positive integers"),
        (dict(values=[]), "values must offer at least one value"),
        (dict(grid=[1.0]), "grid must be a 1-d array"),
        (dict(values=[-1.0]), "sigma must be > 0"),
    ],
)
def test_explorer_rejects_bad_input(kw, match, rng):
    args = dict(theta=[0.0, 1.0], index=1, values=[1.0], ns=[1, 10],
                grid=np.linspace(0.5, 2.0, 10), rng=rng)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        curvature_explorer(ng.family("gaussian"), **args)


def test_explorer_requires_a_generator():
    with pytest.raises(TypeError):
        curvature_explorer(ng.family("poisson"), [1.0], 0, [1.0], [1, 2], [0.5, 1.5], rng=0)
