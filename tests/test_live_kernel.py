"""natgrad_lib.live: the kernel side of the live explorers only configures.

The static page gets the state as JSON with the fallback in <noscript>; a kernel gets an
anywidget widget whose ES module is the built front end and whose traits are the controls.
(The front end itself is tested in Chromium: tests/browser/test_live.py.)
"""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

import natgrad_lib as ng
from natgrad_lib import live


def _state(html: str) -> dict:
    m = re.search(r'<script type="application/json">(.*?)</script>', html, re.S)
    assert m, html[:200]
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_static_html_carries_the_state_and_the_fallback(monkeypatch):
    ex = live.kl_ball([0.5, 0.8], [0.05, 0.2], fallback=False)
    monkeypatch.setenv("NATGRAD_STATIC", "1")
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}   # no widget view: myst-nb would drop it
    state = _state(bundle["text/html"])
    assert state["kind"] == "kl_ball" and state["c"] == 0.05 and state["parametrisation"] == "gaussian"
    assert state["config"]["initial"] == {"c": 0.05, "parametrisation": "gaussian"}
    assert "<noscript>" in bundle["text/html"]


def test_json_cannot_close_the_script_element():
    ex = live.LiveExplorer("kl_ball", {"title": "</script><b>x</b>"}, {"c": 1.0})
    html = ex.static_html()
    assert html.count("</script>") == 2 and _state(html)["config"]["title"] == "</script><b>x</b>"   # JSON, mount


def test_widget_in_a_kernel(monkeypatch):
    pytest.importorskip("anywidget")
    try:
        path = live.bundle_path()
    except FileNotFoundError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {err}")
        pytest.skip(str(err))
    monkeypatch.delenv("NATGRAD_STATIC", raising=False)
    ex = live.kl_ball([0.5, 0.8], [0.05, 0.2], fallback=False)
    w = ex.widget()
    assert w._esm == path.read_text()
    assert (w.kind, w.c, w.parametrisation) == ("kl_ball", 0.05, "gaussian")
    assert w.config["cs"] == [0.05, 0.2]
    ex.set(c=0.2)
    assert w.c == 0.2
    w.parametrisation = "gaussian_var"          # as the front end would
    assert ex.state["parametrisation"] == "gaussian_var"
    assert "application/vnd.jupyter.widget-view+json" in ex._repr_mimebundle_()
    with pytest.raises(ValueError, match="unknown controls"):
        ex.set(size=1.0)


def test_the_checkout_finds_the_front_end_make_js_built():
    """In the repository (an editable install), the ES module anywidget loads is the one
    ``make js`` wrote to js/build; a wheel carries it as package data, which
    tests/test_colab_install.py checks in an installed wheel."""
    from pathlib import Path

    built = Path(live.__file__).parents[1] / "js" / "build" / "natgrad-live.mjs"
    if not built.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true: js/build/natgrad-live.mjs is missing: run `make js`")
        pytest.skip("js/build/natgrad-live.mjs is missing: run `make js`")
    if not (Path(live.__file__).parent / "static" / "natgrad-live.mjs").exists():
        assert live.bundle_path() == built


def test_without_the_front_end_a_kernel_shows_the_player_and_says_why(monkeypatch, tmp_path):
    """An install without the built ES module (e.g. from git, without node) must not fail the cell."""
    monkeypatch.delenv("NATGRAD_STATIC", raising=False)
    monkeypatch.setattr(live, "_PACKAGE_STATIC", tmp_path)   # nothing built there
    monkeypatch.setattr(live, "_JS_BUILD", tmp_path)
    ex = live.LiveExplorer("kl_ball", {"title": "t"}, {"c": 1.0}, fallback=lambda: "<div>player</div>")
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    assert "not live here" in bundle["text/html"] and "make js" in bundle["text/html"]
    assert bundle["text/html"].endswith("<div>player</div>")


@pytest.mark.parametrize("bad, match", [
    (dict(base_theta=[0.5, -1.0], cs=[0.1]), "sigma"),
    (dict(base_theta=[0.5, 0.8], cs=[0.0]), "cs must be"),
    (dict(base_theta=[0.5, 0.8], cs=[0.1], charts=["poisson"]), "Gaussian charts"),
])
def test_kl_ball_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        live.kl_ball(fallback=False, **bad)


def test_score_histogram_counts_are_the_first_n_draws():
    y = np.random.default_rng(1).poisson(3.0, 100)
    ex = live.score_histogram(ng.family("poisson"), {3.0: y}, [10, 100], {"at": 1.0}, xlim=(-1, 3),
                              ylim=(0, 1), xlabel="s")
    assert ex.config["counts"][0][0] == np.bincount(y[:10], minlength=41).tolist()
    with pytest.raises(ValueError, match="at least 200 counts"):
        live.score_histogram(ng.family("poisson"), {3.0: y}, [200], {"at": 1.0}, xlim=(-1, 3), ylim=(0, 1),
                             xlabel="s")


def test_curvature_draws_as_the_library():
    # y = mu + sigma0 z: the z the library's sampler uses after the same rng
    ex = live.curvature([0.0, 1.0], [1.0, 2.0], [1, 5], np.linspace(0.2, 3, 10), np.random.default_rng(2024))
    seed = int(np.random.default_rng(2024).integers(2**32))
    y = ng.family("gaussian").sample(np.array([0.0, 2.0]), 5, np.random.default_rng(seed))
    np.testing.assert_array_equal(0.0 + 2.0 * np.asarray(ex.config["z"]), y)


@pytest.mark.parametrize("module", [True, False])
def test_the_built_front_end_evaluates_no_string(module):
    """The bundles (ours, d3, stdlib-js) never evaluate a string as code: no eval, no Function
    constructor, no string timers. (Their ``.exec(`` calls are RegExp.prototype.exec.)"""
    try:
        text = live.bundle_path(module=module).read_text(encoding="utf-8")
    except FileNotFoundError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {err}")
        pytest.skip(str(err))
    for pattern in (r"\beval\s*\(", r"\bnew\s+Function\b", r"(?<![.\w])Function\s*\(",
                    r"\bset(?:Timeout|Interval)\(\s*[\"'`]"):
        assert not re.search(pattern, text), pattern
    for m in re.finditer(r"(\w+)\.exec\(", text):   # every exec is a RegExp's
        assert re.search(rf"\b{re.escape(m.group(1))}\s*=\s*(?:/|new RegExp\()", text), m.group(0)


def test_code_generation_parses_no_string():
    from natgrad_lib import jsgen

    with pytest.raises(TypeError, match="never|expected a sympy expression"):
        jsgen._expr("__import__('os')")
