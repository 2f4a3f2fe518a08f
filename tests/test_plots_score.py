"""Tests for natgrad_lib.plots.score: expected score, score means, score histogram."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import natgrad_lib as ng
from natgrad_lib.plots.score import (
    plot_expected_score,
    plot_score_histogram,
    plot_score_means,
    update_score_histogram,
)

LAM = np.linspace(1.0, 6.0, 51)


def poisson_scores(lam: float, n: int, seed: int = 0):
    """Sampled Poisson scores y / lam - 1, the attainable values and their probabilities."""
    fam = ng.family("poisson")
    y = fam.sample([lam], n, np.random.default_rng(seed))
    k = np.arange(30)
    return fam.score(y, [lam])[:, 0], k / lam - 1.0, np.exp(fam.logpdf(k, [lam]))


# ------------------------------------------------------------ plot_expected_score
def test_expected_score_returns_figure_and_uses_given_axes():
    fig = plot_expected_score(LAM, 3.0 / LAM - 1.0, 3.0)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    fig2, ax = plt.subplots()
    assert plot_expected_score(LAM, 3.0 / LAM - 1.0, 3.0, ax=ax) is fig2


def test_expected_score_draws_error_bars_of_two_standard_errors():
    fig = plot_expected_score(LAM, 3.0 / LAM - 1.0, 3.0, theta_mc=[2.0, 4.0],
                              estimate=[0.5, -0.25], stderr=[0.1, 0.05])
    (container,) = fig.axes[0].containers
    segments = container.lines[2][0].get_segments()
    half_widths = [abs(seg[1, 1] - seg[0, 1]) / 2 for seg in segments]
    np.testing.assert_allclose(half_widths, [0.2, 0.1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"exact": np.zeros(3)}, "exact must have the shape of theta"),
        ({"theta": LAM[::-1]}, "strictly increasing"),
        ({"theta_mc": [2.0]}, "all three or none"),
        ({"theta_mc": [2.0], "estimate": [0.1], "stderr": [-0.1]}, "stderr must be >= 0"),
        ({"theta_mc": [2.0, 3.0], "estimate": [0.1], "stderr": [0.1]}, "estimate must have"),
        ({"theta0": np.nan}, "theta0 must be finite"),
    ],
)
def test_expected_score_rejects_bad_input(kwargs, match):
    args = {"theta": LAM, "exact": 3.0 / LAM - 1.0, "theta0": 3.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        plot_expected_score(**args)


# --------------------------------------------------------------- plot_score_means
def test_score_means_rows_labels_and_scaling():
    fig = plot_score_means(["a", "b", "c"], [0.1, -0.2, 0.0], [0.05, 0.1, 0.02],
                           scale=[1.0, 2.0, 4.0])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    (container,) = ax.containers
    np.testing.assert_allclose(container.lines[0].get_xdata(), [0.1, -0.1, 0.0])


@pytest.mark.parametrize(
    "labels, estimates, stderrs, scale, error, match",
    [
        (["a"], [0.1, 0.2], [0.1, 0.1], None, ValueError, "one entry per estimate"),
        ("ab", [0.1, 0.2], [0.1, 0.1], None, TypeError, "sequence of str"),
        (["a", "b"], [0.1, 0.2], [0.1], None, ValueError, "stderrs must have"),
        (["a", "b"], [0.1, 0.2], [0.1, 0.1], [1.0, 0.0], ValueError, "scale must be > 0"),
        (["a", "b"], [0.1, "x"], [0.1, 0.1], None, TypeError, "estimates must be numeric"),
    ],
)
def test_score_means_rejects_bad_input(labels, estimates, stderrs, scale, error, match):
    with pytest.raises(error, match=match):
        plot_score_means(labels, estimates, stderrs, scale=scale)


# ----------------------------------------------------------- plot_score_histogram
def test_histogram_bars_are_relative_frequencies():
    scores, support, pmf = poisson_scores(2.0, 500)
    fig = plot_score_histogram(scores, support, pmf=pmf)
    ax = fig.axes[0]
    heights = np.array([b.get_height() for b in ax.containers[0]])
    expected = np.array([np.mean(np.isclose(scores, v)) for v in support])
    np.testing.assert_allclose(heights, expected)
    assert heights.sum() == pytest.approx(1.0)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0] == "sampled frequency, $n$ = 500"
    assert texts[-1].startswith(f"mean ± 2 SE = {scores.mean():+.3f}")


def test_histogram_updates_artists_in_place():
    scores, support, pmf = poisson_scores(2.0, 50)
    fig = plot_score_histogram(scores, support, pmf=pmf, xlim=(-1.5, 4), ylim=(0, 0.6))
    ax = fig.axes[0]
    before = (list(ax.patches), list(ax.lines), list(ax.texts), ax.get_legend())
    new_scores, new_support, new_pmf = poisson_scores(3.0, 5000, seed=1)
    update_score_histogram(ax, new_scores, new_support, pmf=new_pmf)

    assert fig.axes == [ax]
    assert (list(ax.patches), list(ax.lines), list(ax.texts), ax.get_legend()) == before
    bars = ax.containers[0]
    np.testing.assert_allclose([b.get_x() + b.get_width() / 2 for b in bars], new_support)
    np.testing.assert_allclose(
        [b.get_height() for b in bars],
        [np.mean(np.isclose(new_scores, v)) for v in new_support])
    se = new_scores.std(ddof=1) / np.sqrt(new_scores.size)
    band = next(p for p in ax.patches if p not in list(bars))
    assert band.get_x() == pytest.approx(new_scores.mean() - 2 * se)
    assert band.get_width() == pytest.approx(4 * se)
    assert ax.get_legend().get_texts()[0].get_text() == "sampled frequency, $n$ = 5,000"
    assert ax.get_xlim() == (-1.5, 4) and ax.get_ylim() == (0, 0.6)


def test_histogram_works_as_an_explorer():
    scores, support, pmf = poisson_scores(2.0, 200)
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=30)
    plot_score_histogram(scores, support, ax=ax, pmf=pmf)

    def update(n):
        update_score_histogram(ax, scores[:n], support, pmf=pmf)

    ex = ng.explore.explorer(fig, update, {"n": [20, 200]}, sweep="n", alt="bars")
    assert "natgrad-static-fallback" in ex.static_html()
    assert len(plt.get_fignums()) == 1


def test_histogram_rejects_bad_input():
    scores, support, pmf = poisson_scores(2.0, 100)
    with pytest.raises(ValueError, match="scores must take values in support"):
        plot_score_histogram(scores + 0.1, support)
    with pytest.raises(ValueError, match="support must be strictly increasing"):
        plot_score_histogram(scores, support[::-1])
    with pytest.raises(ValueError, match="scores must be a 1-d array with at least 2"):
        plot_score_histogram(scores[:1], support)
    with pytest.raises(ValueError, match="pmf must have the shape of support"):
        plot_score_histogram(scores, support, pmf=pmf[:-1])

    fig = plot_score_histogram(scores, support, pmf=pmf)
    ax = fig.axes[0]
    with pytest.raises(ValueError, match="support must keep its length"):
        update_score_histogram(ax, scores, support[:-1], pmf=pmf[:-1])
    with pytest.raises(ValueError, match="pmf must be given"):
        update_score_histogram(ax, scores, support)
    _, other = plt.subplots()
    with pytest.raises(ValueError, match="drawn by plot_score_histogram"):
        update_score_histogram(other, scores, support, pmf=pmf)
