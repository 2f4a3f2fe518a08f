"""natgrad_lib.explore in a live kernel: build -> display -> interact, as a learner does.

``Explorer.display()`` closes the figure (so the inline backend does not show it twice);
from matplotlib 3.11 on a closed figure's canvas is a bare ``FigureCanvasBase``, which
killed the blitting explorers (chapter 07). These tests run the real sequence: build,
``display()`` (which closes the figure), then move every control through the widgets
and check that the picture changes. ``make test-mpl-oldest`` runs this file against the
oldest matplotlib the requirements allow (3.8); the main suite runs the newest installed.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import natgrad_lib as ng  # noqa: F401  (the package imports before its submodules)
from natgrad_lib import explore, plots
from natgrad_lib.jshtml import JSAnimation

ipywidgets = pytest.importorskip("ipywidgets")


@pytest.fixture
def shown(monkeypatch):
    """Collect what ``display()`` shows (there is no front end in a test)."""
    objs: list = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: objs.extend(a))
    monkeypatch.delenv("NATGRAD_STATIC", raising=False)
    return objs


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _controls_and_image(box):
    *controls, image = box.children
    assert isinstance(image, ipywidgets.Image)
    return controls, image


def _line_explorer(animated: bool, blit: bool = True):
    fig, ax = plt.subplots(figsize=(3.0, 2.0), dpi=40)
    ax.set_xlim(0, 1)
    ax.set_ylim(-2, 2)
    (line,) = ax.plot([0, 1], [0, 0], lw=3)
    text = ax.text(0.05, 0.9, "", transform=ax.transAxes)

    def update(slope, label):
        line.set_ydata([0, slope])
        text.set_text(label)

    ex = explore.explorer(fig, update, {"slope": [0.0, 0.6294627058970836, 1.5, -1.5],
                                        "label": ["one", "two"]},
                          sweep="slope", alt="a line", animated=(line, text) if animated else ())
    ex.blit = blit
    return ex


@pytest.mark.parametrize("animated, blit", [(True, True), (False, True), (False, False)],
                         ids=["blit-given", "blit-auto", "full-draw"])
def test_build_display_interact_redraws_the_image(shown, animated, blit):
    ex = _line_explorer(animated, blit)
    ex.display()
    assert len(shown) == 1 and isinstance(shown[0], ipywidgets.VBox), "live kernel: widgets only"
    assert not plt.fignum_exists(ex.fig.number), "display() closes the figure"
    controls, image = _controls_and_image(shown[0])
    before = _pixels(image.value)
    for ctl in controls:
        for value in ctl.options[1:]:
            old = image.value
            ctl.value = value[1] if isinstance(value, tuple) else value
            assert image.value != old, f"{ctl.description} = {ctl.value!r} did not change the image"
    assert np.abs(_pixels(image.value) - before).sum() > 0


@pytest.mark.parametrize("animated", [True, False], ids=["given", "auto"])
def test_blit_after_close_matches_a_full_draw(shown, animated):
    """The blitted picture after close equals a full draw of the same state."""
    ex = _line_explorer(animated=animated)
    ex.display()
    controls, image = _controls_and_image(shown[0])
    controls[0].value = 1.5
    controls[1].value = "two"
    blitted = _pixels(image.value)
    ex.blit = False
    full = _pixels(ex.render_png(ex.live_dpi()))
    assert blitted.shape == full.shape
    # The blit draws the moving artists on top of everything, a full draw in z-order: they
    # differ only where the line crosses a spine or a tick.
    differ = (np.abs(blitted - full).max(axis=2) > 2).mean()
    assert differ < 0.01, f"{differ:.1%} of the pixels differ"


def test_chapter_07_optimiser_explorer_lives_after_display(shown):
    """The defect of issue 12: every control of chapter 07's explorer changes the picture
    after display() closed the figure."""
    rng = np.random.default_rng(3)
    ex = plots.optimizer_explorer(rng.normal(2.0, 0.6, 30), (rng.random(20) < 0.8).astype(float),
                                    sizes=(0.005, 0.1, 0.5), steps=(8, 4), dpi=30)
    ex.display()
    controls, image = _controls_and_image(shown[0])
    for ctl in controls:
        for label, value in ctl.options[1:]:
            old = image.value
            ctl.value = value
            assert image.value != old, f"{ctl.description} = {label} did not change the image"


def test_live_image_is_rendered_at_twice_its_displayed_size(shown):
    ex = _line_explorer(animated=True)
    css_w, css_h = ex.css_size()
    assert (css_w, css_h) == (120, 80)
    ex.display()
    _, image = _controls_and_image(shown[0])
    assert Image.open(io.BytesIO(image.value)).size == (2 * css_w, 2 * css_h)
    assert image.layout.width == f"{css_w}px" and image.layout.max_width == "100%"
    assert ex.fig.dpi == 40, "rendering at the live dpi leaves the figure's own dpi alone"


def test_static_build_shows_only_the_fallback(shown, monkeypatch):
    monkeypatch.setenv("NATGRAD_STATIC", "1")
    ex = _line_explorer(animated=True)
    ex.display()
    assert len(shown) == 1 and isinstance(shown[0], JSAnimation)


def test_controls_read_well(shown):
    charts = {r"$(\mu, \sigma)$": 0, r"$(\mu, \log\sigma)$": 1, r"$(\eta_1, \eta_2)$": 2}
    fig, ax = plt.subplots(figsize=(3, 2), dpi=30)
    ex = explore.explorer(fig, lambda evaluated_at, chart: None,
                          {"evaluated_at": [0.6294627058970836, 1.0, 20_000.0], "chart": list(charts)},
                          sweep="evaluated_at", alt="nothing")
    ex.display()
    (slider, dropdown), _ = _controls_and_image(shown[0])
    assert [label for label, _ in slider.options] == ["0.629", "1", "20000"]
    assert slider.value == 0.6294627058970836, "labels only: the values stay exact"
    assert [label for label, _ in dropdown.options] == ["(μ, σ)", "(μ, log σ)", "(η₁, η₂)"]
    assert dropdown.value == r"$(\mu, \sigma)$"
    assert slider.description == "evaluated at"
    width = slider.style.description_width
    assert width.endswith("ch") and float(width[:-2]) >= len("evaluated at")
    assert dropdown.style.description_width == width, "one column for all descriptions"


def test_option_labels_stay_distinct():
    assert explore.option_labels([1.00001, 1.00002, 2.0]) == ["1.00001", "1.00002", "2"]
    assert explore.option_labels([30, 10, 20]) == ["30", "10", "20"]


def test_glue_without_myst_nb_displays(monkeypatch):
    from natgrad_lib import notebook

    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.extend(a))
    monkeypatch.setitem(sys.modules, "myst_nb", None)   # as in Colab: not installed
    notebook.glue("x", 1.5)
    notebook.glue("y", 2.5, display=False)
    assert shown == [1.5]
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        notebook.glue("", 1.0)


def test_widgets_without_ipywidgets_name_the_extra(monkeypatch):
    ex = _line_explorer(animated=False)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r'pip install "natgrad_lib\[plots\]"') as info:
        ex.widgets()
    assert "ipywidgets" in str(info.value)
    plt.close(ex.fig)


# The presentation layer's entry points, tried without matplotlib and ipywidgets.
WITHOUT_PLOTS = ["ng.use_style()", "ng.plots", "ng.explore", "import natgrad_lib.style",
                 "from natgrad_lib.plots import plot_convergence"]


def test_library_only_install_names_the_plots_extra():
    """Without matplotlib (``pip install natgrad_lib``), the presentation layer says which
    extra to install; the numerical layers keep working.

    Each entry point is tried in a fresh interpreter's state: one Python imports natgrad_lib
    with matplotlib and ipywidgets blocked and checks a number, then forks a child per entry
    point (the child starts from that state, whatever the others imported), instead of one
    Python, and one import of natgrad_lib, per entry point."""
    tries = "".join(f"def try_{i}():\n    {expr}\n" for i, expr in enumerate(WITHOUT_PLOTS))
    code = ("import os, sys; sys.modules['matplotlib'] = None; sys.modules['ipywidgets'] = None\n"
            "import natgrad_lib as ng\n"
            "assert abs(ng.family('bernoulli').fisher([0.2])[0, 0] - 6.25) < 1e-9\n"
            f"{tries}"
            f"for i in range({len(WITHOUT_PLOTS)}):\n"
            "    sys.stdout.flush()\n"
            "    pid = os.fork()\n"
            "    if pid == 0:\n"
            "        try:\n"
            "            print(f'<{i}>', end='')\n"
            "            try:\n"
            "                globals()[f'try_{i}']()\n"
            "            except ImportError as e:\n"
            "                print(type(e).__name__, e, end='')\n"
            "            print(f'</{i}>')\n"
            "            sys.stdout.flush()\n"
            "        finally:\n"
            "            os._exit(0)\n"
            "    assert os.waitpid(pid, 0)[1] == 0, i\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    problems = []
    for i, expr in enumerate(WITHOUT_PLOTS):
        found = re.search(rf"<{i}>(.*?)</{i}>", out.stdout, re.S)
        said = found.group(1) if found else f"(no output; stderr: {out.stderr[-300:]})"
        if not (said.startswith("ImportError ") and "ModuleNotFound" not in said
                and 'pip install "natgrad_lib[plots]"' in said and "matplotlib" in said):
            problems.append(f"{expr}: {said!r}")
    assert not problems, problems


def test_auto_blit_keeps_the_frame_in_the_background_and_redraws_it_when_it_changes(shown):
    """Without ``animated``, the data and the texts move; the frame is cached, and redrawn when
    limits or labels change (the picture then still equals a full draw)."""
    fig, ax = plt.subplots(figsize=(3, 2), dpi=40)
    (line,) = ax.plot([0, 1], [0, 1])
    title = ax.set_title("t")

    def update(top):
        line.set_ydata([0, top])
        ax.set_ylim(0, max(1.0, top))
        title.set_text(f"top {top:g}")

    ex = explore.explorer(fig, update, {"top": [0.5, 1.0, 4.0]}, sweep="top", alt="a line")
    moving = ex.moving_artists()
    assert line in moving and title in moving and ax.xaxis not in moving
    ex.render_png()
    key = ex._background_key
    ex.set(top=1.0)
    ex.render_png()
    assert ex._background_key == key, "a title or a line alone does not redraw the frame"
    ex.set(top=4.0)
    blitted = _pixels(ex.render_png())
    assert ex._background_key != key, "new limits redraw the frame"
    ex.blit = False
    differ = (np.abs(blitted - _pixels(ex.render_png())).max(axis=2) > 2).mean()
    assert differ < 0.01
    plt.close(fig)
