"""The live explorers in the built book: they start, follow every control, and show the
library's numbers.

The pages are opened in headless Chromium (offline, served from 127.0.0.1). That every
``<div class="natgrad-live">`` of every page starts (``data-state="live"``, no console error)
is checked by tests/browser/test_pages.py, which opens every page anyway. For each explorer of :data:`CHECKS`, every control is moved, from the keyboard and with the
pointer; after each change the test waits for the explorer's ``natgrad:drawn`` event (no fixed
waits), checks that the picture changed, and compares the numbers behind it (curves, read-out)
with natgrad_lib's for the same settings. It also checks the reset button, the hover read-out,
the layout at 400 px, the fallback without JavaScript, and that a broken explorer shows its
fallback while the rest of the page works.

An explorer's test and test_page of the same page share one load of it on a worker (the
``page`` fixture below, ``BookPages`` in conftest.py): the explorer's test takes its turn first
and ends with Reset; a failed test closes the page, so the next test loads it afresh.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from natgrad_pages import ALLOWED_PROBLEMS

import natgrad_lib as ng
from natgrad_lib.klgeometry import fisher_directions, fisher_ellipse, kl_contour

pytestmark = pytest.mark.book  # needs the built book; deselect with -m "not book"

CEILING_MS = 60_000
RTOL = 1e-9   # both sides run the same algorithm on formulas from the same sympy definitions

COUNT_JS = """() => {
  if (!window.__natgradDrawn) {
    window.__natgradDrawn = 0;
    document.addEventListener("natgrad:drawn", () => { window.__natgradDrawn += 1; });
  }
  return window.__natgradDrawn;
}"""


def _allowed(text: str) -> bool:
    return any(pattern in text for pattern, _reason in ALLOWED_PROBLEMS)


LIVE_SETTLED_JS = "() => [...document.querySelectorAll('.natgrad-live')].every(e => e.dataset.state)"


def _page_id(page: str) -> str:
    return page.removesuffix(".html")


def explorer_page(path: str):
    """Parametrises an explorer's test with its page (``page_path``): the test id names the page,
    and the test shares the page's load with test_pages.py::test_page (see ``page`` below)."""
    return pytest.mark.parametrize("page_path", [path], ids=_page_id)


@pytest.fixture
def page(request: pytest.FixtureRequest, book_pages, page_path: str):
    """The explorer's page, loaded (``load``) with every explorer settled; its load is shared with
    the page's test_page on this worker (BookPages, conftest.py). ``page.errors``: the console
    errors and uncaught exceptions of the load and of this test. After a failed test the page
    is closed, so the next test of the page loads it afresh."""
    with book_pages.borrow(page_path) as visit:
        page = visit.page
        page.errors = [m.text for m in visit.seen("console") if not _allowed(m.text)]
        page.errors += [f"uncaught: {e}" for e in visit.seen("uncaught")]
        on_console = lambda m: m.type == "error" and not _allowed(m.text) and page.errors.append(m.text)  # noqa: E731
        on_error = lambda e: page.errors.append(f"uncaught: {e}")  # noqa: E731
        page.on("console", on_console)
        page.on("pageerror", on_error)
        try:
            page.wait_for_function(LIVE_SETTLED_JS)
            yield page
        finally:
            page.remove_listener("console", on_console)
            page.remove_listener("pageerror", on_error)
        # a failed test leaves the page to no one: the borrow closes it, the next test loads it afresh
        visit.spoiled = getattr(request.node, "natgrad_call_failed", True)


def _open(page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_function(LIVE_SETTLED_JS)


def _changed(page, before: int, action) -> None:
    """Do ``action`` and wait until an explorer has redrawn."""
    action()
    page.wait_for_function("n => window.__natgradDrawn > n", arg=before)


# That every explorer of every page starts (data-state="live") and draws a vector figure (SVG
# with a viewBox; no raster image, no canvas: crisp at any device pixel ratio) is checked by
# tests/browser/test_pages.py::test_page, which opens every page anyway; the phone-width test
# below looks at one at device pixel ratio 2.


# ------------------------------------------------------------------ chapter 04: the KL ball


def _kl_ball_expected(cfg: dict, c: float, chart: str) -> dict:
    fam = ng.family(chart)
    base = np.asarray(cfg["base_theta"])
    phi = fam.from_base(base) if fam.base is not fam else base
    u = fisher_directions(fam, phi, cfg["n_rays"])
    exact, quad = kl_contour(fam, phi, c, u), fisher_ellipse(fam, phi, c, u)
    rel = np.nanmax(np.abs(np.linalg.norm(exact - phi, axis=1) / np.linalg.norm(quad - phi, axis=1) - 1))
    inside = np.all(np.isfinite(quad), axis=1)
    for i, p in enumerate(fam.param_specs):
        inside &= (quad[:, i] > p.lower) & (quad[:, i] < p.upper)
    outside = int(np.sum(~inside))
    # points on the edge of the domain to rounding (a ray tangent to sigma = 0): either side
    edge = np.zeros(len(quad), dtype=bool)
    for i, p in enumerate(fam.param_specs):
        for bound in (p.lower, p.upper):
            if np.isfinite(bound):
                edge |= np.abs(quad[:, i] - bound) <= 1e-12 * (1.0 + np.abs(phi[i]))
    head = f"c = {c:g} nats, radius error up to {100 * rel:.0f}%"
    return {"phi": phi, "exact": exact, "quad": quad, "head": head, "outside": outside, "edge": int(edge.sum()),
            "rays": len(quad)}


def _kl_ball_check(page, host, cfg: dict) -> None:
    data = host.evaluate("el => { const d = el.querySelector('.natgrad-live-view').natgradData; "
                         "return {c: d.c, chart: d.chart, phi: d.phi, exact: d.exact, quad: d.quad}; }")
    want = _kl_ball_expected(cfg, data["c"], data["chart"])
    for key in ("phi", "exact", "quad"):
        got = np.array([[np.nan if v is None else v for v in row] for row in data[key]]) if key != "phi" \
            else np.asarray(data[key])
        np.testing.assert_allclose(got, want[key], rtol=RTOL, atol=1e-12, err_msg=f"{data['chart']} c={data['c']} {key}")
    readout = host.locator(".natgrad-live-readout").inner_text().strip().split("\n")
    assert readout[0] == want["head"], (readout, want)
    m = re.fullmatch(r"ellipse leaves the domain on (\d+)/(\d+) rays", readout[1]) if len(readout) > 1 else None
    shown = int(m.group(1)) if m else 0
    assert abs(shown - want["outside"]) <= want["edge"], (readout, want["outside"], want["edge"])
    assert m is None or int(m.group(2)) == want["rays"]


@explorer_page("chapters/04_kl_fisher.html")
def test_kl_ball_controls(page) -> None:
    host = page.locator('.natgrad-live[data-kind="kl_ball"]')
    assert host.count() == 1
    cfg = json.loads(host.locator('script[type="application/json"]').text_content())["config"]
    page.evaluate(COUNT_JS)
    _kl_ball_check(page, host, cfg)
    slider = host.locator('input[type="range"][name="c"]')
    select = host.locator('select[name="parametrisation"]')
    exact_path = host.locator(".natgrad-live-panel").first.locator("path.natgrad-live-exact")
    for i in range(len(cfg["charts"])):
        if i:   # the chart from the keyboard: focus the dropdown, arrow down
            before_d = exact_path.get_attribute("d")
            select.focus()
            _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowDown"))
            assert select.input_value() == str(i)
            assert exact_path.get_attribute("d") != before_d, "the picture did not change"
            _kl_ball_check(page, host, cfg)
        for _ in range(2):   # the budget from the keyboard
            before_d = exact_path.get_attribute("d")
            slider.focus()
            _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowRight"))
            assert exact_path.get_attribute("d") != before_d, "the picture did not change"
            _kl_ball_check(page, host, cfg)
    # the budget with the pointer: a click at the right end of the slider picks the largest c
    box = slider.bounding_box()
    _changed(page, page.evaluate(COUNT_JS),
             lambda: page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2))
    assert slider.input_value() == str(len(cfg["cs"]) - 1)
    _kl_ball_check(page, host, cfg)
    # the chart with the pointer (select_option is what a click on an option does)
    _changed(page, page.evaluate(COUNT_JS), lambda: select.select_option("0"))
    _kl_ball_check(page, host, cfg)
    # reset: back to the initial values
    _changed(page, page.evaluate(COUNT_JS), lambda: host.get_by_role("button", name="Reset").click())
    assert slider.input_value() == "0" and select.input_value() == "0"
    _kl_ball_check(page, host, cfg)
    # hover read-out: the coordinates and the KL divergence from the centre
    svg = host.locator(".natgrad-live-panel svg").first
    b = svg.bounding_box()
    page.mouse.move(b["x"] + 0.55 * b["width"], b["y"] + 0.5 * b["height"])
    page.wait_for_function("el => /KL\\(p₀ ‖ p\\) = /.test(el.textContent)",
                           arg=host.locator(".natgrad-live-hover").element_handle())
    text = host.locator(".natgrad-live-hover").inner_text()
    m = re.match(r"μ = (\S+), σ = (\S+): KL\(p₀ ‖ p\) = (\S+) nats", text)
    assert m, text
    mu, sigma, kl = (float(g) for g in m.groups())
    # the read-out rounds the point to 4 digits: compare loosely, the point's KL to 2 %
    want = float(ng.family("gaussian").kl(cfg["base_theta"], [mu, sigma]))
    assert abs(kl - want) <= 0.02 * want + 1e-3, (text, want)
    assert not page.errors, page.errors


def test_kl_ball_phone_width(base_url: str, browser) -> None:
    """A phone: 400 px wide, two device pixels per CSS pixel."""
    ctx = browser.new_context(viewport={"width": 400, "height": 800}, device_scale_factor=2)
    ctx.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page = ctx.new_page()
    try:
        _open(page, base_url + "chapters/04_kl_fisher.html")
        assert page.evaluate("() => window.devicePixelRatio") == 2
        view = page.locator('.natgrad-live[data-kind="kl_ball"] .natgrad-live-view')
        assert view.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "wider than the screen"
        figure = view.evaluate("el => ({svg: [...el.querySelectorAll('svg')].every(s => s.getAttribute('viewBox')"
                               " && s.getBoundingClientRect().width > 0), n: el.querySelectorAll('svg').length,"
                               " raster: el.querySelectorAll('img, image, canvas').length})")
        assert figure == {"svg": True, "n": figure["n"], "raster": 0} and figure["n"] >= 1, figure
        panels = view.locator(".natgrad-live-panel")
        a, b = panels.nth(0).bounding_box(), panels.nth(1).bounding_box()
        assert b["y"] >= a["y"] + a["height"] - 1, "panels should stack at 400 px"
    finally:
        ctx.close()


def test_fallback_without_javascript(base_url: str, browser) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    ctx.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page = ctx.new_page()
    try:
        page.goto(base_url + "chapters/04_kl_fisher.html", wait_until="load")
        host = page.locator('.natgrad-live[data-kind="kl_ball"]')
        assert host.locator(".natgrad-live-view svg").count() == 0
        assert host.locator("noscript").count() == 1
        assert "natgrad-static-fallback" in host.locator("noscript").inner_html()
    finally:
        ctx.close()


def test_broken_explorer_shows_its_fallback(base_url: str, browser_context) -> None:
    """A broken configuration: that explorer shows the frame player, the page works on."""
    page = browser_context.new_page()
    page.set_default_timeout(CEILING_MS)
    url = base_url + "chapters/04_kl_fisher.html"

    def corrupt(route):
        body = route.fetch().text()
        body = body.replace('"kind": "kl_ball",', '"kind": "kl_ball",,', 1)   # JSON that does not parse
        route.fulfill(body=body, content_type="text/html")

    page.route(url, corrupt)
    try:
        _open(page, url)
        host = page.locator('.natgrad-live[data-kind="kl_ball"]')
        assert host.get_attribute("data-state") == "fallback"
        assert host.locator(".natgrad-live-view div.animation").count() == 1
        page.wait_for_function("() => typeof MathJax !== 'undefined'")
    finally:
        page.close()


# ------------------------------------------------------------------ chapter 05: the KL ellipse


def _ellipse_expected(cfg: dict, c: float, label: str) -> dict:
    from natgrad_lib.klgeometry import kl_ray_radius
    from natgrad_lib.optim import family_objective, solve_spd

    ch = next(x for x in cfg["charts"] if x["label"] == label)
    fam, phi, y = ng.family(ch["family"]), np.asarray(ch["phi"]), np.asarray(cfg["y"])
    obj = family_objective(fam, y)
    g, fisher = obj.grad(phi), obj.fisher(phi)
    nat = solve_spd(fisher, g, "fisher", phi)
    d_star = np.sqrt(2.0 * c / float(g @ nat)) * nat
    chol = np.linalg.cholesky(fisher)
    t = np.linspace(0.0, 2.0 * np.pi, cfg["n_search"], endpoint=False)
    ring = np.linalg.solve(chol.T, np.sqrt(2.0 * c) * np.stack([np.cos(t), np.sin(t)])).T
    best = ring[np.argmax(ring @ g)]
    step = max(1, cfg["n_search"] // 360)
    outline = np.vstack([ring[::step], ring[:1]])
    exact = kl_ray_radius(fam, phi, c / len(y), outline)[:, None] * outline
    return {"dStar": d_star, "best": best, "outline": outline, "exact": exact}


def _ellipse_check(host, cfg: dict) -> None:
    data = host.evaluate("el => { const d = el.querySelector('.natgrad-live-view').natgradData; "
                         "return {c: d.c, chart: d.chart, dStar: d.dStar, best: d.best, outline: d.outline, exact: d.exact}; }")
    want = _ellipse_expected(cfg, data["c"], data["chart"])
    for key, value in want.items():
        got = np.array(data[key], dtype=float)
        # t = 2 pi k / N in the page, k * (2 pi / N) in numpy: a few ulps apart, hence atol
        np.testing.assert_allclose(got, value, rtol=RTOL, atol=1e-12, err_msg=f"{data['chart']} c={data['c']} {key}")


@explorer_page("chapters/05_natural_gradient.html")
def test_kl_ellipse_controls(page) -> None:
    host = page.locator('.natgrad-live[data-kind="kl_ellipse"]')
    assert host.count() == 1
    cfg = json.loads(host.locator('script[type="application/json"]').text_content())["config"]
    page.evaluate(COUNT_JS)
    _ellipse_check(host, cfg)
    slider = host.locator('input[type="range"][name="c"]')
    select = host.locator('select[name="chart"]')
    path = host.locator("path.natgrad-live-ellipse")
    for i in range(len(cfg["charts"])):
        if i:
            before_d = path.get_attribute("d")
            select.focus()
            _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowDown"))
            assert select.input_value() == str(i) and path.get_attribute("d") != before_d
            _ellipse_check(host, cfg)
        before_d = path.get_attribute("d")
        slider.focus()
        _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowRight"))
        assert path.get_attribute("d") != before_d, "the picture did not change"
        _ellipse_check(host, cfg)
    box = slider.bounding_box()
    _changed(page, page.evaluate(COUNT_JS),
             lambda: page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2))
    assert slider.input_value() == str(len(cfg["cs"]) - 1)
    _ellipse_check(host, cfg)
    _changed(page, page.evaluate(COUNT_JS), lambda: host.get_by_role("button", name="Reset").click())
    assert slider.input_value() == "0" and select.input_value() == "0"
    svg = host.locator("svg").first
    b = svg.bounding_box()
    page.mouse.move(b["x"] + 0.6 * b["width"], b["y"] + 0.45 * b["height"])
    page.wait_for_function("el => /n KL = /.test(el.textContent)", arg=host.locator(".natgrad-live-hover").element_handle())
    assert not page.errors, page.errors


# ------------------------------------------------------------------ chapter 01: sampled scores


def _score_check(host, cfg: dict) -> None:
    d = host.evaluate("el => { const d = el.querySelector('.natgrad-live-view').natgradData; "
                      "return {n: d.n, theta0: d.theta0, at: d.at, mean: d.mean, se: d.se, support: d.support, pmf: d.pmf}; }")
    fam = ng.family(cfg["family"])
    counts = np.asarray(cfg["counts"][cfg["theta0s"].index(d["theta0"])][cfg["ns"].index(d["n"])])
    sample = np.repeat(np.arange(counts.size), counts)   # the same data, in another order
    theta = d["theta0"] * cfg["evaluation"][d["at"]]
    scores = fam.score(sample, [theta])[:, 0]
    np.testing.assert_allclose(d["mean"], scores.mean(), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(d["se"], scores.std(ddof=1) / np.sqrt(scores.size), rtol=RTOL)
    k = np.arange(counts.size)
    np.testing.assert_allclose(d["support"], fam.score(k, [theta])[:, 0], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(d["pmf"], np.exp(fam.logpdf(k, [d["theta0"]])), rtol=RTOL, atol=1e-300)
    legend = host.locator("svg text").all_text_contents()
    mean_text = f"mean ± 2 SE = {scores.mean():+.3f} ± {2 * scores.std(ddof=1) / np.sqrt(scores.size):.3f}"
    assert mean_text.replace("-", "−") in legend, (mean_text, legend)


@explorer_page("chapters/01_score.html")
def test_score_histogram_controls(page) -> None:
    host = page.locator('.natgrad-live[data-kind="score_histogram"]')
    assert host.count() == 1
    cfg = json.loads(host.locator('script[type="application/json"]').text_content())["config"]
    page.evaluate(COUNT_JS)
    _score_check(host, cfg)
    slider = host.locator('input[type="range"][name="n"]')
    bars = host.locator("g.natgrad-live-bars rect")
    heights = lambda: bars.evaluate_all("rs => rs.map(r => r.getAttribute('height')).join()")  # noqa: E731
    for _ in range(3):
        before = heights()
        slider.focus()
        _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowRight"))
        _score_check(host, cfg)
        assert heights() != before
    for name in ("theta0", "evaluated_at"):
        sel = host.locator(f'select[name="{name}"]')
        sel.focus()
        _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowDown"))
        assert sel.input_value() == "1"
        _score_check(host, cfg)
    box = slider.bounding_box()
    _changed(page, page.evaluate(COUNT_JS),
             lambda: page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2))
    assert slider.input_value() == str(len(cfg["ns"]) - 1)
    _score_check(host, cfg)
    _changed(page, page.evaluate(COUNT_JS), lambda: host.get_by_role("button", name="Reset").click())
    assert slider.input_value() == "0"
    _score_check(host, cfg)
    assert not page.errors, page.errors


# ------------------------------------------------------------------ chapter 02: the score cloud


def _cloud_check(host, cfg: dict) -> None:
    d = host.evaluate("el => { const d = el.querySelector('.natgrad-live-view').natgradData; "
                      "return {theta: d.theta, n: d.n, y: d.y, cov: d.cov, fisher: d.fisher}; }")
    fam = ng.family(cfg["family"])
    theta, y = np.asarray(d["theta"]), np.asarray(d["y"])
    assert y.shape == (d["n"],) and np.all(y > 0)
    scores = fam.score(y, theta)   # the library's score of the page's sample
    np.testing.assert_allclose(d["cov"], np.cov(scores.T), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d["fisher"], fam.fisher(theta), rtol=RTOL)
    f = fam.fisher(theta)
    corr = f[0, 1] / np.sqrt(f[0, 0] * f[1, 1])
    assert host.locator(".natgrad-live-readout").inner_text().strip().endswith(f"correlation in I: {corr:+.3f}")


@explorer_page("chapters/02_fisher_covariance.html")
def test_score_cloud_controls(page) -> None:
    host = page.locator('.natgrad-live[data-kind="score_cloud"]')
    assert host.count() == 1
    cfg = json.loads(host.locator('script[type="application/json"]').text_content())["config"]
    page.evaluate(COUNT_JS)
    _cloud_check(host, cfg)
    dots = host.locator("svg path").first
    slider = host.locator(f'input[type="range"][name="{cfg["slider"]}"]')
    for _ in range(2):
        before = dots.get_attribute("d")
        slider.focus()
        _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowRight"))
        assert dots.get_attribute("d") != before
        _cloud_check(host, cfg)
    for name in cfg["controls"]:
        if name == cfg["slider"]:
            continue
        sel = host.locator(f'select[name="{name}"]')
        sel.focus()
        _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowDown"))
        _cloud_check(host, cfg)
    box = slider.bounding_box()
    _changed(page, page.evaluate(COUNT_JS),
             lambda: page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2))
    _cloud_check(host, cfg)
    _changed(page, page.evaluate(COUNT_JS), lambda: host.get_by_role("button", name="Reset").click())
    assert slider.input_value() == "0"
    assert not page.errors, page.errors


# ------------------------------------------------------------------ chapter 03: curvature


def _curvature_check(host, cfg: dict) -> None:
    d = host.evaluate("el => { const d = el.querySelector('.natgrad-live-view').natgradData; "
                      "return {n: d.n, v: d.v, info: d.info, mean: d.mean, expected: d.expected, obs: d.obs, "
                      "meanObs: d.meanObs, meanSq: d.meanSq}; }")
    fam = ng.family(cfg["family"])
    n, v = d["n"], d["v"]
    t0 = np.array(cfg["theta"])
    t0[cfg["index"]] = v
    y = t0[0] + v * np.asarray(cfg["z"])   # what fam.sample(t0, n, rng) draws from the same z
    grid = np.tile(t0, (len(cfg["grid"]), 1))
    grid[:, cfg["index"]] = cfg["grid"]
    info = fam.fisher(t0)[1, 1]
    curves = fam.logpdf(y[:n, None], grid) - fam.logpdf(y[:n], t0)[:, None]
    obs = -fam.hessian(y[:n], t0)[:, 1, 1] / info
    sq = fam.score(y[:n], t0)[:, 1] ** 2 / info
    np.testing.assert_allclose(d["info"], info, rtol=RTOL)
    np.testing.assert_allclose(d["mean"], curves.mean(axis=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d["expected"], -fam.kl(t0, grid), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(d["obs"], obs, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(d["meanObs"], np.cumsum(obs) / np.arange(1, n + 1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d["meanSq"], np.cumsum(sq) / np.arange(1, n + 1), rtol=1e-9, atol=1e-12)


@explorer_page("chapters/03_fisher_hessian.html")
def test_curvature_controls(page) -> None:
    host = page.locator('.natgrad-live[data-kind="curvature"]')
    assert host.count() == 1
    cfg = json.loads(host.locator('script[type="application/json"]').text_content())["config"]
    page.evaluate(COUNT_JS)
    _curvature_check(host, cfg)
    slider = host.locator('input[type="range"][name="n"]')
    mean = host.locator("path.natgrad-live-mean")
    for _ in range(3):
        before = mean.get_attribute("d")
        slider.focus()
        _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowRight"))
        assert mean.get_attribute("d") != before
        _curvature_check(host, cfg)
    sel = host.locator('select[name="sigma0"]')
    sel.focus()
    _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowDown"))
    _curvature_check(host, cfg)
    box = slider.bounding_box()
    _changed(page, page.evaluate(COUNT_JS),
             lambda: page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2))
    assert slider.input_value() == str(len(cfg["ns"]) - 1)
    _curvature_check(host, cfg)
    _changed(page, page.evaluate(COUNT_JS), lambda: host.get_by_role("button", name="Reset").click())
    assert slider.input_value() == "0" and sel.input_value() == "0"
    assert not page.errors, page.errors


# ------------------------------------------------------------------ chapter 06: GLM paths


@explorer_page("chapters/06_newton_glm.html")
def test_glm_paths_controls(page) -> None:
    from natgrad_lib import optim
    from natgrad_lib.glm import GLM

    host = page.locator('.natgrad-live[data-kind="glm_paths"]')
    assert host.count() == 1
    cfg = json.loads(host.locator('script[type="application/json"]').text_content())["config"]
    X = np.column_stack([np.ones(len(cfg["x"])), cfg["x"]])
    y = np.asarray(cfg["y"])
    model = GLM("logistic")
    obj = model.objective(X, y)
    want = {m: optim.optimize(obj, np.zeros(2), m, max_iter=cfg["steps"], tol=None, lr=cfg["lr"][m]).theta
            for m in cfg["methods"]}

    def check() -> None:
        d = host.evaluate("el => { const d = el.querySelector('.natgrad-live-view').natgradData; "
                          "return {t: d.t, method: d.method, beta: d.beta, loglik: d.loglik, paths: d.paths}; }")
        for m in cfg["methods"]:
            np.testing.assert_allclose(d["paths"][m], want[m], rtol=1e-9, atol=1e-12, err_msg=m)
        np.testing.assert_allclose(d["loglik"], model.loglik(d["beta"], X, y), rtol=RTOL)
        text = host.locator(".natgrad-live-readout").inner_text()
        assert text.endswith(f"ℓ = {model.loglik(d['beta'], X, y):.2f}"), text

    page.evaluate(COUNT_JS)
    check()
    slider = host.locator('input[type="range"][name="t"]')
    star = host.locator("circle.natgrad-live-star")
    for _ in range(3):
        before = star.get_attribute("cx")
        slider.focus()
        _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowRight"))
        assert star.get_attribute("cx") != before
        check()
    sel = host.locator('select[name="method"]')
    for _ in cfg["methods"][1:]:
        sel.focus()
        _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowDown"))
        check()
    box = slider.bounding_box()
    _changed(page, page.evaluate(COUNT_JS),
             lambda: page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2))
    assert slider.input_value() == str(cfg["steps"])
    check()
    _changed(page, page.evaluate(COUNT_JS), lambda: host.get_by_role("button", name="Reset").click())
    assert slider.input_value() == "0" and sel.input_value() == "0"
    assert not page.errors, page.errors


# ------------------------------------------------------------------ chapter 07: the optimiser


def _optimizer_check(host, cfg: dict) -> None:
    from natgrad_lib import races

    d = host.evaluate("el => { const d = el.querySelector('.natgrad-live-view').natgradData; "
                      "return {chart: d.chart, method: d.method, rule: d.rule, size: d.size, steps: d.steps, "
                      "theta: d.theta, common: d.common, kl: d.kl.map(String), status: d.status}; }")
    fam = ng.family(d["chart"])
    gaussian = fam.k == 2
    kw = {"lr": d["size"]} if d["rule"] == cfg["rules"][0] else {"kl_budget": d["size"]}
    want = races.chart_path(fam, cfg["gaussian_y"] if gaussian else cfg["bernoulli_y"],
                            cfg["gaussian_start"] if gaussian else [cfg["bernoulli_start"]], d["method"],
                            max_iter=int(d["steps"]), target=cfg["mle"]["gaussian" if gaussian else "bernoulli"], **kw)
    where = f"{d['chart']} {d['method']} {d['rule']} {d['size']}"
    assert d["status"] == want.status, (where, d["status"], want.status)
    # iterates: a long path amplifies rounding (gradient steps of a large size), hence rtol 1e-7
    np.testing.assert_allclose(d["theta"], want.theta, rtol=1e-7, atol=1e-10, err_msg=where)
    np.testing.assert_allclose(d["common"], want.theta_base, rtol=1e-7, atol=1e-10, err_msg=where)
    kl = np.array([float(v) for v in d["kl"]])
    np.testing.assert_allclose(kl, want.kl_to_target, rtol=1e-6, atol=1e-9, err_msg=where)


@explorer_page("chapters/07_beyond.html")
def test_optimizer_controls(page) -> None:
    host = page.locator('.natgrad-live[data-kind="optimizer"]')
    assert host.count() == 1
    cfg = json.loads(host.locator('script[type="application/json"]').text_content())["config"]
    page.evaluate(COUNT_JS)
    _optimizer_check(host, cfg)
    line = host.locator("path.natgrad-live-path")
    slider = host.locator('input[type="range"][name="size"]')
    for name, count in (("chart", len(cfg["charts"]) - 1), ("method", len(cfg["methods"]) - 1), ("rule", 1),
                        ("steps", len(cfg["steps"]) - 1)):
        sel = host.locator(f'select[name="{name}"]')
        for _ in range(count):
            sel.focus()
            _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowDown"))
            _optimizer_check(host, cfg)
        for _ in range(2):
            before = line.get_attribute("d")
            slider.focus()
            _changed(page, page.evaluate(COUNT_JS), lambda: page.keyboard.press("ArrowRight"))
            _optimizer_check(host, cfg)
            assert line.get_attribute("d") != before or "stopped after 0" in host.locator(".natgrad-live-readout").inner_text()
    box = slider.bounding_box()
    _changed(page, page.evaluate(COUNT_JS),
             lambda: page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2))
    _optimizer_check(host, cfg)
    _changed(page, page.evaluate(COUNT_JS), lambda: host.get_by_role("button", name="Reset").click())
    assert slider.input_value() == "0"
    _optimizer_check(host, cfg)
    assert not page.errors, page.errors
