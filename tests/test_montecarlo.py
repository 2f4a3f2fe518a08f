"""Monte Carlo checks: the exact Fisher and KL agree with their estimates within 5 standard errors."""

from __future__ import annotations

import numpy as np
import pytest

import natgrad_lib as ng
from natgrad_lib.montecarlo import mc_convergence
from tests._strategies import POINTS

N = 200_000


@pytest.mark.parametrize("name", list(POINTS))
def test_exact_values_agree_with_monte_carlo(name):
    fam = ng.family(name)
    rep = ng.mc_check(fam, POINTS[name], N, np.random.default_rng(20261125))
    bad = [r for r in rep.rows if abs(r.z) >= 5]
    assert not bad, bad


@pytest.mark.parametrize("name", [n for n in POINTS if n != "uniform"])
def test_the_two_monte_carlo_forms_of_the_fisher_agree(name):
    """Per sample, d = s s^T - (-H); its mean must be 0 within 5 standard errors."""
    fam = ng.family(name)
    theta = np.asarray(POINTS[name])
    y = fam.sample(theta, N, np.random.default_rng(7))
    s = fam.score(y, theta)
    d = s[:, :, None] * s[:, None, :] + fam.hessian(y, theta)
    mean = d.mean(axis=0)
    se = d.std(axis=0, ddof=1) / np.sqrt(N)
    # Where s s^T + H is 0 for every y (Bernoulli: y^2 = y), only rounding is left.
    rounding = 1e-12 * np.abs(s[:, :, None] * s[:, None, :]).mean(axis=0).max()
    exact_zero = np.abs(mean) <= rounding
    z = np.divide(mean, se, out=np.zeros_like(mean), where=~exact_zero)
    assert np.all(np.abs(z) < 5), z


def test_uniform_monte_carlo_matches_its_irregular_exact_values():
    rep = ng.mc_check(ng.family("uniform"), [2.0], 1000, np.random.default_rng(0))
    assert rep.estimate("score_mean")[0] == pytest.approx(-0.5)
    assert rep.estimate("fisher_outer")[0, 0] == pytest.approx(0.25)
    assert rep.estimate("fisher_neg_hessian")[0, 0] == pytest.approx(-0.25)
    assert rep.max_abs_z == 0


def test_categorical_with_ten_classes():
    fam = ng.family("categorical_softmax", K=10)
    rep = ng.mc_check(fam, np.linspace(-1, 1, 9), 200_000, np.random.default_rng(3))
    assert rep.max_abs_z < 5


def test_standard_errors_shrink_like_one_over_root_n():
    conv = mc_convergence(ng.family("gaussian"), [0.0, 1.0], [1_000, 100_000],
                          np.random.default_rng(5), quantities=("fisher_outer",))
    ratio = conv.stderr["fisher_outer"][0] / conv.stderr["fisher_outer"][1]
    assert 8 < ratio < 12.5  # sqrt(100) = 10, up to the noise of the s.e. itself


def test_report_renders_as_a_table():
    rep = ng.mc_check(ng.family("poisson"), [2.0], 100, np.random.default_rng(0))
    md = rep._repr_markdown_()
    assert md.count("\n|") >= 6 and "z" in md
    assert rep.exact("fisher_outer").shape == (1, 1)
    with pytest.raises(ValueError, match="quantity must be one of"):
        rep.estimate("fisher")


def test_default_theta_q_stays_inside_the_domain_near_an_edge():
    rep = ng.mc_check(ng.family("bernoulli"), [0.995], 1000, np.random.default_rng(0))
    assert 0 < rep.theta_q[0] < 1


def test_report_row_finds_each_entry():
    rep = ng.mc_check(ng.family("gaussian"), [0.0, 1.0], 2000, np.random.default_rng(4))
    assert rep.row("fisher_outer", (1, 0)) is rep.row("fisher_outer", (0, 1))
    assert rep.row("score_mean", (1,)).exact == 0.0 and rep.row("kl").quantity == "kl"
    with pytest.raises(ValueError, match="no row"):
        rep.row("score_mean", (2,))


def test_mc_mean_and_convergence_of_draws_match_mc_check_conventions():
    rng = np.random.default_rng(9)
    draws = rng.normal(1.0, 2.0, size=(4000, 3))
    est = ng.montecarlo.mc_mean(draws, exact=[1.0, 1.0, 1.0])
    np.testing.assert_allclose(est.stderr, draws.std(axis=0, ddof=1) / np.sqrt(4000))
    assert np.all(np.abs(est.z) < 5)
    conv = ng.montecarlo.convergence_of_draws(lambda R, g: g.normal(1.0, 2.0, size=(R, 3)), np.ones(3),
                                              [100, 10_000], np.random.default_rng(1), name="n", quantity="m")
    # the largest of three errors is a few standard errors, which shrink like 1/sqrt(R)
    assert np.all(conv.error["m"] < 5 * conv.stderr["m"])
    np.testing.assert_allclose(conv.stderr["m"][0] / conv.stderr["m"][1], 10, rtol=0.2)
