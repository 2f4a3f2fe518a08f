"""The JavaScript printed from the families' sympy definitions equals the library's numbers.

natgrad_lib.jsgen prints every family's log-density, score, Hessian, Fisher information, KL
divergence and chart maps as an ES module (js/build/formulas.js, ``make js``). This test
evaluates that module in node (the V8 engine of Chromium) at a spread of points per family
and chart, and compares with natgrad_lib's numpy functions:

* relative difference <= 1e-9 (absolute 1e-12 near zero) where both sides are exact formulas;
* the same bound for the families whose formulas hold special functions (poisson: gamma;
  gamma and beta: gammaln, digamma, trigamma from stdlib-js against scipy): measured
  differences are below 1e-12, so the exact-formula bound holds for them too.

node and the npm packages (``make js``) are needed; without them the test is skipped locally
and fails under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import natgrad_lib as ng
from natgrad_lib import jsgen

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "js"
RTOL, ATOL = 1e-9, 1e-12
N_POINTS = 12

RUNNER = r"""
import { families } from "./build/formulas.js";
import { readFileSync } from "node:fs";
const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = {};
for (const [name, c] of Object.entries(cases)) {
  const f = families[name];
  const r = { logpdf: [], score: [], hessian: [], fisher: [], kl: [], toBase: [], fromBase: [] };
  c.theta.forEach((t, i) => {
    const y = c.y[i];
    r.logpdf.push(f.logpdf(y, t)); r.score.push(f.score(y, t)); r.hessian.push(f.hessian(y, t));
    r.fisher.push(f.fisher(t)); r.kl.push(f.kl(t, c.theta_q[i]));
    if (f.toBase) r.toBase.push(f.toBase(t));
    if (f.fromBase) r.fromBase.push(f.fromBase(c.base[i]));
  });
  out[name] = r;
}
process.stdout.write(JSON.stringify(out));
"""


def _need_node() -> str:
    node = shutil.which("node")
    missing = None if node else "node is not installed (apt-get install nodejs)"
    if node and not (JS / "node_modules" / "@stdlib").exists():
        missing = "js/node_modules is missing: run `make js`"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {missing}")
        pytest.skip(missing)
    return node


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


def _cases(rng: np.random.Generator) -> tuple[dict, dict]:
    cases, expected = {}, {}
    for name in ng.families():
        fam = ng.family(name)
        theta, theta_q = _points(fam, rng, N_POINTS), _points(fam, rng, N_POINTS)
        if name == "uniform":   # KL(U(0,a) || U(0,b)) is finite for a <= b only
            theta_q = theta + np.abs(theta_q)
        y = np.array([fam.sample(t, 1, rng)[0] for t in theta])
        feats = fam._features_fn(y) if fam._features_fn is not None else None
        y_js = (np.stack(feats, axis=-1).tolist() if feats is not None and len(feats) > 1 else y.tolist())
        cases[name] = {"theta": theta.tolist(), "theta_q": theta_q.tolist(), "y": y_js}
        exp = {"logpdf": fam.logpdf(y, theta), "score": fam.score(y, theta),
               "hessian": fam.hessian(y, theta), "fisher": fam.fisher(theta), "kl": fam.kl(theta, theta_q)}
        if fam.base is not fam:
            exp["toBase"] = fam.to_base(theta)
            base = fam.to_base(theta)
            cases[name]["base"] = base.tolist()
            exp["fromBase"] = fam.from_base(base)
        else:
            cases[name]["base"] = theta.tolist()
        expected[name] = exp
    return cases, expected


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    node = _need_node()
    out = JS / "build" / "formulas.js"
    text = jsgen.module_js()
    if not out.exists() or out.read_text() != text:   # the test checks the current definitions
        out.parent.mkdir(exist_ok=True)
        out.write_text(text)
    cases, expected = _cases(np.random.default_rng(20261206))
    tmp = tmp_path_factory.mktemp("jsgen")
    (tmp / "cases.json").write_text(json.dumps(cases))
    runner = JS / f".test-runner-{os.getpid()}.mjs"   # inside js/ so node finds node_modules
    runner.write_text(RUNNER)
    try:
        res = subprocess.run([node, str(runner), str(tmp / "cases.json")], capture_output=True, text=True,
                             cwd=JS, check=False)
    finally:
        runner.unlink()
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout), expected


@pytest.mark.parametrize("name", ng.families())
def test_generated_js_matches_numpy(evaluated, name):
    got, expected = evaluated
    for what, want in expected[name].items():
        have = np.asarray(got[name][what], dtype=float)
        np.testing.assert_allclose(have, np.asarray(want, dtype=float).reshape(have.shape), rtol=RTOL, atol=ATOL,
                                   err_msg=f"{name}.{what}")


def test_every_chart_has_its_maps():
    src = jsgen.module_js(["gaussian_natural", "poisson_log"])
    assert src.count("toBase(t)") == 2 and src.count("fromBase(b)") == 2


def test_printer_refuses_unknown_functions():
    import sympy as sp

    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="polygamma of order 2"):
        jsgen._Printer().doprint(sp.polygamma(2, x))
