"""plots.geometry, animations and the optimiser explorer: real geometric properties, offline
HTML, and figures that update their artists in place."""

from __future__ import annotations

import base64
import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

import natgrad_lib as ng
from natgrad_lib import animations, jshtml, optim, races
from natgrad_lib.datasets import regression_data
from natgrad_lib.explore import CompactExplorer
from natgrad_lib.plots import geometry, optimizer_explorer

FRAME = re.compile(r"frames\[\d+\] = \"data:image/png;base64,")


def _radius_error(fam, theta, c):
    g = geometry.kl_geometry(fam, theta, c, [1.0, 0.5], n_rays=61)
    r_exact = np.linalg.norm(g["exact"] - theta, axis=1)
    r_quad = np.linalg.norm(g["ellipse"] - theta, axis=1)
    return float(np.max(np.abs(r_exact / r_quad - 1)))


# --------------------------------------------------------------------------- geometry


@pytest.mark.parametrize("name", ["gaussian", "gaussian_logstd", "gaussian_natural"])
def test_exact_kl_contour_approaches_the_fisher_ellipse(name):
    """The relative gap between the exact KL ball and the ellipse is O(sqrt(c)) as c -> 0."""
    fam = ng.family(name)
    theta = fam.from_base([0.5, 0.8])
    errs = [_radius_error(fam, theta, c) for c in (1e-2, 1e-4, 1e-6)]
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 2e-3
    # O(sqrt(c)): a factor 100 in c is a factor ~10 in the error
    assert 5 < errs[1] / errs[2] < 20


def test_circle_has_the_area_of_the_ellipse_and_steps_are_on_their_curves():
    fam = ng.family("gaussian")
    theta, c, grad = np.array([0.0, 0.7]), 0.03, np.array([0.4, -1.3])
    g = geometry.kl_geometry(fam, theta, c, grad, n_rays=721)

    def area(pts):
        x, y = (pts - theta).T
        return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))

    assert area(g["circle"]) == pytest.approx(area(g["ellipse"]), rel=1e-4)
    info = fam.fisher(theta)
    assert 0.5 * g["natural"] @ info @ g["natural"] == pytest.approx(c, rel=1e-12)
    assert np.linalg.norm(g["gradient"]) == pytest.approx(g["radius"], rel=1e-12)
    # the natural step beats every other point of the ellipse (to the grid resolution)
    gains = (g["ellipse"] - theta) @ grad
    assert g["gain"]["natural"] >= gains.max() - 1e-9
    assert g["gain"]["natural"] == pytest.approx(np.sqrt(2 * c * grad @ np.linalg.solve(info, grad)))


def test_kl_geometry_argument_checks():
    with pytest.raises(ValueError, match="two-parameter"):
        geometry.kl_geometry(ng.family("bernoulli"), [0.3], 0.1, [1.0])
    with pytest.raises(ValueError, match="non-zero"):
        geometry.kl_geometry(ng.family("gaussian"), [0.0, 1.0], 0.1, [0.0, 0.0])


def test_plot_kl_geometry_returns_the_figure_of_its_axes(y_gauss):
    fig = geometry.plot_kl_geometry(ng.family("gaussian"), [1.0, 0.5], 0.05, y_gauss, n_rays=31)
    assert isinstance(fig, Figure)
    fig2, ax = plt.subplots()
    assert geometry.plot_kl_geometry(ng.family("gaussian_logstd"), [1.0, np.log(0.5)], 0.05, y_gauss,
                                     ax=ax, n_rays=31, legend=False) is fig2
    assert len(ax.patches) == 2 and ax.get_aspect() == 1.0


def test_plot_direction_fields(y_gauss):
    X, y = regression_data(20, np.random.default_rng(0))
    prob = races.glm_problem("gaussian", X, y)
    field = races.direction_field(prob, np.linspace(-2, 2, 4), np.linspace(-2, 2, 3))
    runs = {"natural": [optim.optimize(prob.objective, [-1.5, 1.5], "natural", max_iter=3, lr=0.5, **races.RACE_OPTIONS)]}
    fig = geometry.plot_direction_fields(field, runs, optimum=[1.0, 0.0])
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    fig2, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="one Axes per method"):
        geometry.plot_direction_fields(field, axes=axes)


# --------------------------------------------------------------------------- animations


@pytest.fixture(scope="module")
def race(y_gauss):
    return races.race(ng.family("gaussian"), y_gauss, [0.0, 0.4], max_iter=6, lr_gradient=0.005,
                      lr_natural=0.25)


@pytest.fixture(scope="module")
def invariances(y_gauss, y_bern):
    gauss = races.invariance_paths(["gaussian", "gaussian_logstd", "gaussian_var", "gaussian_natural"],
                                   y_gauss, [0.0, 2.0], max_iter=5, lr=0.1)
    bern = races.invariance_paths(["bernoulli", "bernoulli_logit"], y_bern, [0.2], max_iter=5, lr=0.1)
    return gauss, bern


def _artists(fig):
    return [list(ax.lines) + list(ax.texts) for ax in fig.axes] + [list(fig.texts)]


def test_race_figure_updates_in_place(race):
    fig, update = animations.race_figure(race, n_rays=13, dpi=30)
    before = _artists(fig)
    line = fig.axes[0].lines[1]          # the gradient path (after the MLE star)
    data0 = np.array(line.get_xydata())
    update(6)
    assert _artists(fig) == before       # the same artist objects, nothing added or removed
    assert all(a is b for group_a, group_b in zip(_artists(fig), before) for a, b in zip(group_a, group_b))
    assert len(line.get_xydata()) == 7 and len(data0) == 1
    assert "iteration t = 6" in fig.texts[0].get_text()


def test_invariance_figure_updates_in_place(invariances):
    fig, update = animations.invariance_figure(*invariances, dpi=30)
    assert len(fig.axes) == 3
    before = _artists(fig)
    update(5)
    after = _artists(fig)
    assert all(a is b for group_a, group_b in zip(after, before) for a, b in zip(group_a, group_b))
    moved = [ln for ax in fig.axes for ln in ax.lines if len(ln.get_xdata()) == 6]
    assert len(moved) == 4 + 4 + 4       # two planes of four charts; 2 methods x 2 charts


def _frames(html: str) -> int:
    return len(FRAME.findall(html))


def test_animations_are_offline_with_alt_text_and_at_most_60_frames(race, invariances):
    for anim in (animations.race_animation(race, n_rays=13, dpi=20),
                 animations.invariance_animation(*invariances, dpi=20)):
        html = anim.html
        assert "http://" not in html and "https://" not in html
        assert re.search(r'<img alt="[^"]{20,}"', html)
        assert 2 <= _frames(html) <= animations.MAX_FRAMES
        assert 'class="natgrad-static-fallback"' in html
    assert _frames(animations.race_animation(race, n_rays=13, dpi=20).html) == 7


def test_long_paths_are_subsampled_to_60_frames(y_gauss):
    long_race = races.race(ng.family("gaussian"), y_gauss, [1.0, 1.0], max_iter=90, lr_gradient=0.05,
                           lr_natural=0.2)
    html = animations.race_animation(long_race, n_rays=7, dpi=12).html
    assert _frames(html) == 60
    with pytest.raises(ValueError, match="max_frames"):
        animations.race_animation(long_race, max_frames=61)


def test_fixed_layout_draws_the_same_frames_and_restores_the_layout_engine(monkeypatch):
    """A constrained-layout animation that moves data only: laying out the first frame only
    (fixed_layout) gives byte-identical frames, and the figure gets its layout engine back."""
    from matplotlib.animation import FuncAnimation
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    layouts = []
    execute = ConstrainedLayoutEngine.execute
    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", lambda self, fig: layouts.append(1) or execute(self, fig))

    def frames(fixed):
        layouts.clear()
        fig, axes = plt.subplots(1, 2, figsize=(4.0, 2.0), dpi=40, layout="constrained")
        t = np.linspace(0.0, 1.0, 30)
        lines = []
        for ax in axes:
            ax.set(yscale="log", xlim=(0, 1), ylim=(1e-3, 10), title="KL", xlabel="t", ylabel="nats")
            ax.set_autoscale_on(False)
            (line,) = ax.plot([], [], label="path")
            lines.append(line)
        axes[-1].legend(loc="upper right")

        def update(i):
            for k, line in enumerate(lines):
                line.set_data(t[: 5 * i + 2], np.exp(-(k + 3) * t[: 5 * i + 2]))

        anim = FuncAnimation(fig, update, frames=5, blit=False)
        html = jshtml.render(anim, "two KL curves", fixed_layout=fixed)
        assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
        assert "savefig" not in fig.__dict__
        plt.close(fig)
        return re.findall(r"base64,((?:[A-Za-z0-9+/=]|\\\n)+)", html), len(layouts)

    (relaid, n_relaid), (fixed, n_fixed) = frames(False), frames(True)
    assert len(relaid) == 5 and len(set(relaid)) == 5
    assert fixed == relaid
    assert n_fixed < n_relaid / 2    # the first frame only (its draws), not every frame


def test_compact_frames_keeps_a_valid_smaller_png():
    from PIL import Image

    fig, ax = plt.subplots(figsize=(3, 2), dpi=60)
    ax.plot(np.linspace(0, 1, 50), np.sin(np.linspace(0, 6, 50)))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    b64 = base64.encodebytes(buf.getvalue()).decode("ascii").replace("\n", "\\\n")
    page = f'frames[0] = "data:image/png;base64,{b64}"\n'
    out = jshtml.compact_frames(page)
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", out).group(1))
    img = Image.open(io.BytesIO(data))
    assert img.size == (180, 120) and img.mode == "P"
    assert len(data) < len(buf.getvalue())


# --------------------------------------------------------------------------- explorer


@pytest.fixture
def explorer(y_gauss, y_bern):
    return optimizer_explorer(y_gauss, y_bern, sizes=(0.005, 0.1, 0.5), steps=(8, 4), dpi=30)


def test_explorer_update_mutates_the_same_artists(explorer):
    assert isinstance(explorer, CompactExplorer)
    fig = explorer.fig
    before = _artists(fig)
    path_line = fig.axes[0].lines[0]
    kl_line = fig.axes[1].lines[0]
    n_children = [len(ax.get_children()) for ax in fig.axes]
    for change in [dict(chart="gaussian_natural"), dict(method="natural", rule="KL budget c"),
                   dict(chart="bernoulli_logit", size=0.5), dict(method="empirical_fisher", steps=4),
                   dict(chart="gaussian", method="newton")]:
        explorer.set(**change)
        fig.canvas.draw()
        assert all(a is b for group_a, group_b in zip(_artists(fig), before) for a, b in zip(group_a, group_b))
        assert [len(ax.get_children()) for ax in fig.axes] == n_children
    assert fig.axes[0].lines[0] is path_line and fig.axes[1].lines[0] is kl_line
    # Newton from the race start: -H is indefinite there, so the path stops at once
    assert "stopped after 0 steps" in fig.axes[0].texts[0].get_text()
    assert len(path_line.get_xdata()) == 1


def test_explorer_paths_match_the_numerics(explorer, y_gauss):
    explorer.set(chart="gaussian_logstd", method="natural", rule="step size α", size=0.1, steps=8)
    fam = ng.family("gaussian_logstd")
    ref = races.chart_path(fam, y_gauss, [0.0, 0.4], "natural", max_iter=8, lr=0.1)
    np.testing.assert_allclose(np.column_stack(explorer.fig.axes[0].lines[0].get_data()), ref.theta_base)


def test_explorer_static_fallback_is_offline_and_short(explorer):
    html = explorer.static_html()
    assert "https://" not in html and "http://" not in html
    assert _frames(html) == 3 and 'alt="' in html


def test_explorer_widgets_redraw_the_image_once_per_change(explorer, monkeypatch):
    """The live controls: one control per name, and a PNG image that a change replaces (one
    draw per change) while the figure's artists stay the same objects."""
    import ipywidgets as w
    from PIL import Image

    box = explorer.widgets()
    *controls, image = box.children
    assert isinstance(image, w.Image) and len(controls) == len(explorer.controls)
    first = bytes(image.value)
    assert Image.open(io.BytesIO(first)).size == tuple(   # at twice the displayed size: crisp
        int(round(v)) for v in explorer.fig.get_size_inches() * explorer.live_dpi())
    draws = []
    canvas = explorer.fig.canvas
    original = type(canvas).draw
    monkeypatch.setattr(type(canvas), "draw", lambda self, *a, **k: (draws.append(1), original(self, *a, **k))[1])
    path_line = explorer.fig.axes[0].lines[0]
    chart = next(c for c in controls if c.description == "chart")
    chart.value = "gaussian_var"
    assert explorer.values["chart"] == "gaussian_var"
    # the same axes and labels: the cached background is reused, no full draw at all
    assert bytes(image.value) != first and len(draws) == 0
    chart.value = "bernoulli"            # other axes: one full draw for the new background
    assert len(draws) == 1
    assert explorer.fig.axes[0].lines[0] is path_line


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_blitted_png_matches_a_full_draw(explorer):
    """render_png draws the moving artists over a cached background; the picture must be the
    one a full draw gives (up to antialiasing where a line crosses an axis spine)."""
    changes = [dict(size=0.1), dict(chart="bernoulli"), dict(method="natural"),
               dict(chart="gaussian_natural", rule="KL budget c"), dict(chart="gaussian", size=0.5),
               dict(method="empirical_fisher", steps=4)]
    for change in changes:
        explorer.set(**change)
        blit = _pixels(explorer.render_png())
        buf = io.BytesIO()
        explorer.fig.savefig(buf, format="png", dpi="figure")
        full = _pixels(buf.getvalue())
        assert blit.shape == full.shape
        assert np.mean(np.any(blit != full, axis=-1)) < 1e-3, change


def test_layout_key_tracks_limits_labels_and_visibility(explorer):
    explorer.set(chart="gaussian", steps=8)
    key = explorer.layout_key()
    explorer.set(chart="gaussian_logstd")
    assert explorer.layout_key() == key          # only moving artists changed
    explorer.set(steps=4)
    assert explorer.layout_key() != key          # the iteration axis changed
    explorer.set(chart="bernoulli", steps=8)
    assert explorer.layout_key() != key          # contours hidden, other labels
