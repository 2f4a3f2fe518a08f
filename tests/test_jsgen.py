"""The JavaScript printed from the families' sympy definitions equals the library's numbers,
evaluated in Chromium.

natgrad_lib.jsgen prints every family's log-density, score, Hessian, Fisher information, KL
divergence, chart maps, natural-gradient direction I(θ)⁻¹ g and the pivots of I(θ) as an ES
module (js/build/formulas.js), which esbuild bundles into the book's script
_static/natgrad-live.js (``make js``). This test loads that shipped bundle into one page of
the system's headless Chromium (Playwright, never a downloaded browser), evaluates every
generated function at a spread of points per family and chart in a single ``evaluate`` call,
and compares with natgrad_lib:

* exact formulas (elementary functions only): relative difference <= 1e-9 (absolute 1e-12
  near zero);
* formulas with special functions, which the page takes from stdlib-js and natgrad_lib from
  scipy (poisson: gamma/loggamma; gamma and beta: gammaln, digamma, trigamma): the same
  bound, :data:`SPECIAL_RTOL`. The largest difference measured at these points, as
  |difference| / max(|value|, 1e-3), is 1e-14 (beta's log-density, stdlib-js's gammaln
  against scipy's); for the exact formulas it is 5e-15 (categorical_softmax's natural
  direction). The bound holds with five orders of magnitude to spare.

It also checks the generic parts of the page against the library: the linear algebra
(``numerics.solveSpd`` against :func:`natgrad_lib.optim.solve_spd`: the same solutions, and
the same refusals of matrices that are not finite, not positive definite or numerically
singular), and the optimiser loop of chapter 07's explorer (``optimizer.run`` against
:func:`natgrad_lib.races.chart_path`) for every chart, method and step rule, with step sizes
up to 5 that end paths at the domain's edge and at singular matrices: the same status and the
same iterates.

Chromium (``/usr/bin/chromium``), the playwright package and the built bundle (``make js``)
are needed; without them the test is skipped locally and fails under CI=true.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import natgrad_lib as ng
from natgrad_lib import jsgen
from natgrad_lib.optim import solve_spd

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "_static" / "natgrad-live.js"
RTOL, ATOL = 1e-9, 1e-12
#: The bound for the families whose formulas hold special functions (see the module docstring).
SPECIAL_RTOL = 1e-9
SPECIAL = {"poisson", "poisson_log", "gamma", "beta"}
N_POINTS = 12

EVALUATE = r"""(cases) => {
  const { families, numerics } = window.natgradLive;
  const out = {};
  for (const [name, c] of Object.entries(cases.families)) {
    const f = families[name];
    const r = { logpdf: [], score: [], hessian: [], fisher: [], kl: [], natural: [], fisherPivots: [],
                toBase: [], fromBase: [], keys: Object.keys(f) };
    c.theta.forEach((t, i) => {
      const y = c.y[i];
      r.logpdf.push(f.logpdf(y, t)); r.score.push(f.score(y, t)); r.hessian.push(f.hessian(y, t));
      r.fisher.push(f.fisher(t)); r.kl.push(f.kl(t, c.theta_q[i]));
      r.natural.push(f.natural(t, c.g[i])); r.fisherPivots.push(f.fisherPivots(t));
      if (f.toBase) r.toBase.push(f.toBase(t));
      if (f.fromBase) r.fromBase.push(f.fromBase(c.base[i]));
    });
    out[name] = r;
  }
  out.paths = cases.paths.map(([chart, method, rule, size, steps]) => {
    const r = window.natgradLive.optimizerRun(cases.optimizer, chart, method, rule, size, steps);
    return { theta: r.theta, common: r.common, status: r.status };
  });
  out.solve = cases.solve.map(([M, g]) => {
    try { return { x: numerics.solveSpd(M, g) }; } catch (e) {
      return { refused: e instanceof numerics.Singular, message: String(e.message) };
    }
  });
  return out;
}"""


def _points(fam, rng: np.random.Generator, n: int) -> np.ndarray:
    cols = []
    for p in fam.param_specs:
        lo, hi = p.lower, p.upper
        if np.isfinite(lo) and np.isfinite(hi):
            cols.append(rng.uniform(lo + 0.05 * (hi - lo), hi - 0.05 * (hi - lo), n))
        elif np.isfinite(lo):
            cols.append(lo + np.exp(rng.normal(0.0, 0.7, n)))
        elif np.isfinite(hi):
            cols.append(hi - np.exp(rng.normal(0.0, 0.7, n)))
        else:
            cols.append(rng.normal(0.0, 1.5, n))
    return np.stack(cols, axis=-1)


def _fisher_pivots(fisher: np.ndarray) -> np.ndarray:
    """The pivots of I = L diag(d) Lᵀ: the squared diagonal of the Cholesky factor."""
    return np.diagonal(np.linalg.cholesky(fisher), axis1=-2, axis2=-1) ** 2


def _cases(rng: np.random.Generator) -> tuple[dict, dict]:
    cases, expected = {}, {}
    for name in ng.families():
        fam = ng.family(name)
        theta, theta_q = _points(fam, rng, N_POINTS), _points(fam, rng, N_POINTS)
        if name == "uniform":   # KL(U(0,a) || U(0,b)) is finite for a <= b only
            theta_q = theta + np.abs(theta_q)
        y = np.array([fam.sample(t, 1, rng)[0] for t in theta])
        feats = fam.features(y, theta)
        y_js = np.stack(feats, axis=-1).tolist() if len(feats) > 1 else y.tolist()
        g = rng.normal(0.0, 2.0, theta.shape)
        fisher = fam.fisher(theta)
        cases[name] = {"theta": theta.tolist(), "theta_q": theta_q.tolist(), "y": y_js, "g": g.tolist()}
        exp = {"logpdf": fam.logpdf(y, theta), "score": fam.score(y, theta),
               "hessian": fam.hessian(y, theta), "fisher": fisher, "kl": fam.kl(theta, theta_q),
               "natural": np.stack([solve_spd(f, gi, "fisher") for f, gi in zip(fisher, g)]),
               "fisherPivots": _fisher_pivots(fisher)}
        if fam.base is not fam:
            base = fam.to_base(theta)
            exp["toBase"], exp["fromBase"] = base, fam.from_base(base)
            cases[name]["base"] = base.tolist()
        else:
            cases[name]["base"] = theta.tolist()
        expected[name] = exp
    return cases, expected


def _optimizer_cases() -> tuple[dict, list]:
    """chapter 07's explorer configuration on fresh data, and every (chart, method, rule,
    size, steps) to run: sizes 0.3, 1.5 and 5 end 63 paths at the domain's edge and 22 at a
    singular matrix, and let 59 run their 25 steps."""
    rng = np.random.default_rng(3)
    y, y_bern = rng.normal(1.5, 0.5, 25), (rng.random(15) < 0.85).astype(float)
    cfg = ng.live.optimizer(y, y_bern, sizes=(0.3, 1.5, 5.0), steps=(25,), fallback=False).config
    runs = [[chart, method, rule, size, 25] for chart in cfg["charts"] for method in cfg["methods"]
            for rule in cfg["rules"] for size in cfg["sizes"]]
    return cfg, runs


def _solve_cases() -> list[tuple[list, list]]:
    """Matrices for numerics.solveSpd: positive definite (1 x 1, 2 x 2, 3 x 3), indefinite,
    singular, numerically singular, and not finite."""
    rng = np.random.default_rng(7)
    a = rng.normal(size=(3, 3))
    return [([[4.0]], [2.0]), ([[4.0, 1.0], [1.0, 3.0]], [1.0, -2.0]), ((a @ a.T + np.eye(3)).tolist(), [1.0, 2.0, 3.0]),
            ([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0]), ([[1.0, 1.0], [1.0, 1.0]], [1.0, 1.0]),
            ([[1.0, 0.0], [0.0, 1e-17]], [1.0, 1.0]), ([[-1.0]], [1.0]), ([[1.0, float("nan")], [0.0, 1.0]], [1.0, 1.0])]


def _chromium() -> str:
    missing = None
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright Python package is missing: pip install -r requirements-dev.txt"
    if executable is None:
        missing = "no Chromium: apt-get install -y chromium"
    elif not BUNDLE.exists():
        missing = f"{BUNDLE.relative_to(ROOT)} is missing: run `make js`"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set: {missing}")
        pytest.skip(missing)
    return executable


@pytest.fixture(scope="module")
def evaluated():
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    text = jsgen.module_js()   # the bundle must hold the current definitions
    built = ROOT / "js" / "build" / "formulas.js"
    if not built.exists() or built.read_text() != text:
        pytest.fail("js/build/formulas.js is not the current jsgen output: run `make js`")
    cases, expected = _cases(np.random.default_rng(20261206))
    solves = _solve_cases()
    cfg, runs = _optimizer_cases()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.set_content("<!doctype html><html><head></head><body></body></html>")
            page.add_script_tag(path=str(BUNDLE))
            got = page.evaluate(EVALUATE, {"families": cases, "solve": [list(c) for c in solves],
                                           "optimizer": cfg, "paths": runs})
            assert not errors, errors
        finally:
            browser.close()
    got["optimizer"], got["runs"] = cfg, runs
    return got, expected, solves


def _array(values) -> np.ndarray:
    return np.array(values, dtype=float)   # JSON null (a NaN in the page) becomes nan


@pytest.mark.parametrize("name", ng.families())
def test_generated_js_matches_numpy(evaluated, name):
    got, expected, _ = evaluated
    rtol = SPECIAL_RTOL if name in SPECIAL else RTOL
    for what, want in expected[name].items():
        have = _array(got[name][what])
        assert np.all(np.isfinite(have)), f"{name}.{what}: {have}"
        np.testing.assert_allclose(have, np.asarray(want, dtype=float).reshape(have.shape), rtol=rtol, atol=ATOL,
                                   err_msg=f"{name}.{what}")
    fam = ng.family(name)
    keys = set(got[name]["keys"])
    want_keys = {"logpdf", "score", "hessian", "fisher", "kl", "natural", "fisherPivots"}
    if fam.base is not fam:
        want_keys |= {"toBase", "fromBase"}
    assert want_keys <= keys, f"{name} lacks {want_keys - keys}"


def test_solve_spd_matches_the_library(evaluated):
    """numerics.solveSpd solves what optim.solve_spd solves and refuses what it refuses."""
    got, _, solves = evaluated
    for (matrix, rhs), res in zip(solves, got["solve"]):
        try:
            want = solve_spd(matrix, rhs)
        except np.linalg.LinAlgError as err:
            assert res.get("refused") is True, (matrix, res, err)
            assert str(err).split(":")[0].split(" is ")[1] in res["message"], (matrix, res["message"], str(err))
        else:
            np.testing.assert_allclose(res["x"], want, rtol=RTOL, atol=ATOL, err_msg=str(matrix))


def test_optimizer_loop_matches_chart_path(evaluated):
    """The page's loop stops where optimize stops, with the same status, on the same iterates."""
    from natgrad_lib import races

    got, _, _ = evaluated
    cfg = got["optimizer"]
    statuses = []
    for (chart, method, rule, size, steps), res in zip(got["runs"], got["paths"]):
        fam = ng.family(chart)
        gaussian = fam.k == 2
        kw = {"lr": size} if rule == cfg["rules"][0] else {"kl_budget": size}
        want = races.chart_path(fam, cfg["gaussian_y"] if gaussian else cfg["bernoulli_y"],
                                cfg["gaussian_start"] if gaussian else [cfg["bernoulli_start"]], method,
                                max_iter=steps, **kw)
        where = f"{chart} {method} {rule} {size}"
        assert res["status"] == want.status, (where, res["status"], want.status)
        # a long path amplifies rounding (as in tests/browser/test_live.py), hence rtol 1e-7
        np.testing.assert_allclose(_array(res["theta"]), want.theta, rtol=1e-7, atol=1e-10, err_msg=where)
        np.testing.assert_allclose(_array(res["common"]), want.theta_base, rtol=1e-7, atol=1e-10, err_msg=where)
        statuses.append(want.status)
    assert {"max_iter", "domain", "singular"} <= set(statuses), sorted(set(statuses))


def test_every_chart_has_its_maps():
    src = jsgen.module_js(["gaussian_natural", "poisson_log", "bernoulli_logit"])
    assert src.count("toBase(t)") == 3 and src.count("fromBase(b)") == 3


def test_printer_refuses_unknown_functions():
    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="polygamma of order 2"):
        jsgen._Printer().doprint(sp.polygamma(2, x))
