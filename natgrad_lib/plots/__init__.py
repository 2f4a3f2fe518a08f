"""Static figures for the book (presentation layer: the only place with matplotlib plots).

Every function takes ``ax=None`` (a new figure is made when it is None),
returns the figure, and never shows it (the caller, or the notebook, does).  One module per topic:

* :mod:`natgrad_lib.plots.convergence` -- Monte Carlo error against sample size.
* :mod:`natgrad_lib.plots.hessian` -- observed vs expected information: plot_observed_information,
  plot_information_samples, curvature_explorer.
* :mod:`natgrad_lib.plots.fisher` -- score clouds and Fisher ellipses: ellipse_path,
  plot_score_cloud, update_score_cloud, plot_metric_ellipses.
* :mod:`natgrad_lib.plots.score` -- the mean of the score: plot_expected_score,
  plot_score_means, plot_score_histogram, update_score_histogram.
* :mod:`natgrad_lib.plots.glm` -- fitting GLMs: plot_loglik_gap, plot_newton_1d, glm_path_figure.
* :mod:`natgrad_lib.plots.klball` -- the KL ball against the Fisher ellipse: plot_kl_ball,
  plot_kl_interval, plot_kl_directions, plot_kl_remainder, plot_kl_ratio, plot_radius_error,
  kl_ball_explorer (the point sets themselves come from the numerics module
  :mod:`natgrad_lib.klgeometry`).
* :mod:`natgrad_lib.plots.natgrad` -- the KL-constrained step: plot_kl_ellipse,
  kl_ellipse_explorer, plot_step_gap, plot_step_paths.
* :mod:`natgrad_lib.plots.geometry` -- KL ball against the Euclidean ball of the same area, with the
  gradient and natural-gradient steps, and fields of ascent directions: kl_geometry,
  plot_kl_geometry, plot_direction_fields.
* :mod:`natgrad_lib.plots.approx` -- the race between approximate natural gradients: plot_race,
  race_animation.
* :mod:`natgrad_lib.plots.optimizers` -- one optimiser in one chart, drawn in the common chart:
  optimizer_explorer.

Shared helpers (one ``new_axes``, limits, ticks, contour levels, method styles) are in the
private module ``plots/_common.py``; the numbers every figure draws come from the numerics
layer (:mod:`natgrad_lib.klgeometry`, :mod:`natgrad_lib.figdata`, :mod:`natgrad_lib.races`, ...).
"""

from .._extras import require_plots

require_plots("natgrad_lib.plots")  # a clear ImportError naming the extra, not a bare one

from .approx import plot_race
from .convergence import plot_convergence
from .fisher import ellipse_path, plot_metric_ellipses, plot_score_cloud, update_score_cloud
from .geometry import kl_geometry, plot_direction_fields, plot_kl_geometry
from .glm import glm_path_figure, plot_loglik_gap, plot_newton_1d
from .hessian import curvature_explorer, plot_information_samples, plot_observed_information
from .klball import (
    kl_ball_explorer,
    plot_kl_ball,
    plot_kl_directions,
    plot_kl_interval,
    plot_kl_ratio,
    plot_kl_remainder,
    plot_radius_error,
)
from .natgrad import kl_ellipse_explorer, plot_kl_ellipse, plot_step_gap, plot_step_paths
from .optimizers import optimizer_explorer
from .score import plot_expected_score, plot_score_histogram, plot_score_means, update_score_histogram

__all__ = [
    "plot_race",
    "plot_convergence",
    "plot_expected_score",
    "plot_score_histogram",
    "plot_score_means",
    "update_score_histogram",
    "ellipse_path",
    "plot_metric_ellipses",
    "plot_score_cloud",
    "update_score_cloud",
    "glm_path_figure",
    "plot_loglik_gap",
    "plot_newton_1d",
    "curvature_explorer",
    "plot_information_samples",
    "plot_observed_information",
    "kl_ball_explorer",
    "plot_kl_ball",
    "plot_kl_directions",
    "plot_kl_interval",
    "plot_kl_ratio",
    "plot_kl_remainder",
    "plot_radius_error",
    "kl_ellipse_explorer",
    "plot_kl_ellipse",
    "plot_step_gap",
    "plot_step_paths",
    "kl_geometry",
    "plot_direction_fields",
    "plot_kl_geometry",
    "optimizer_explorer",
]
