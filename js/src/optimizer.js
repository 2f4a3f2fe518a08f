// Explorer: one optimiser, one chart, one step rule, drawn in the common chart (chapter 07;
// the live twin of natgrad_lib.explore.optimizer_explorer; configured by
// natgrad_lib.live.optimizer). The kernel sends the data, the start and the maximum-likelihood
// fits; the page runs the loop of natgrad_lib.races.chart_path (optim.optimize with
// races.RACE_OPTIONS: the average log-likelihood, no tolerance, a stop at the domain's edge or
// at a matrix that is not positive definite) step for step.
//
// Generated from the families' sympy definitions (build/formulas.js, natgrad_lib/jsgen.py):
// the per-observation scores and Hessians, the Fisher information, the natural-gradient
// direction I(theta)^{-1} g in closed form with the pivots of I(theta) it is refused on, the
// KL divergence, and the maps to and from the common (base) chart. Hand-written, because it
// is generic algorithm rather than mathematics of a family: the loop, the step rules of
// optim._direction (gradient ascent by alpha g / n; the natural gradient; Newton and the
// empirical Fisher by a Cholesky solve of their data-dependent matrices, numerics.solveSpd),
// and the KL budget's rescaling of a step d to 1/2 d^T I1 d = c (optim._kl_rescale).
import { contours } from "d3-contour";
import { families } from "../build/formulas.js";
import { Singular, naturalDirection, solveSpd } from "./numerics.js";
import { INK, PALETTE, dropdown, fmtG, frame, panel, resetButton, slider } from "./ui.js";

const inside = (fam, t) => t.every((v, i) => Number.isFinite(v) && v > fam.lower[i] && v < fam.upper[i]);
// the chart maps of the generated formulas (the identity for a base family)
export function toCommon(name, t) {
  const f = families[name];
  return f.toBase ? f.toBase(t) : t.slice();
}
function fromCommon(name, c) {
  const f = families[name];
  return f.fromBase ? f.fromBase(c) : c.slice();
}

// A value the library's family refuses to hand back (families._guard: NaN or an infinity in
// a score, Hessian, Fisher information or log-density): optimize stops with "failed" (or
// "domain" at the next point), as the page does.
class NotFinite extends Error {}
function finite(values, what) {
  if (!values.flat().every(Number.isFinite)) throw new NotFinite(`${what} is not finite`);
  return values;
}

// sums over the observations: the gradient, and the negative Hessian or the empirical Fisher
function sums(fam, y, t, method) {
  const k = t.length;
  const g = new Array(k).fill(0);
  const M = Array.from({ length: k }, () => new Array(k).fill(0));
  for (const yi of y) {
    const s = finite(fam.score(yi, t), "score");
    const h = method === "newton" ? finite(fam.hessian(yi, t), "hessian") : null;
    for (let a = 0; a < k; a++) {
      g[a] += s[a];
      if (method === "newton") for (let b = 0; b < k; b++) M[a][b] -= h[a][b];
      else if (method === "empirical_fisher") for (let b = 0; b < k; b++) M[a][b] += s[a] * s[b];
    }
  }
  return { g: finite(g, "grad(theta)"), M };
}

// optim._direction with average=True: the direction d for a unit step on l / n
function direction(fam, y, t, method) {
  const n = y.length;
  const { g, M } = sums(fam, y, t, method);
  const gAvg = g.map((v) => v / n);
  if (method === "gradient") return gAvg;
  if (method === "natural") {
    finite(fam.fisher(t), "fisher");
    return naturalDirection(fam, t, gAvg);   // I1^{-1} (g / n): generated
  }
  return solveSpd(M, g);   // (-H)^{-1} g or (sum s s^T)^{-1} g: the same for l and l / n
}

// optim._new_loglik: the log-likelihood at the next point, where the family refuses a
// non-finite log-density (a "domain" stop) and a sum that overflows is "failed"
function nextStatus(fam, y, t) {
  if (!inside(fam, t)) return "domain";
  let ll = 0;
  for (const yi of y) {
    const v = fam.logpdf(yi, t);
    if (!Number.isFinite(v)) return "domain";
    ll += v;
  }
  return Number.isFinite(ll) ? null : "failed";
}

// natgrad_lib.races.chart_path (optim.optimize with races.RACE_OPTIONS): steps of method from theta0, stopping at the domain's edge
export function run(cfg, chart, method, rule, size, steps) {
  const fam = families[chart];
  const y = fam.params.length === 2 ? cfg.gaussian_y : cfg.bernoulli_y;
  const start = fam.params.length === 2 ? cfg.gaussian_start : [cfg.bernoulli_start];
  const budget = rule === cfg.rules[1] ? size : null;
  const alpha = budget === null ? size : 1.0;
  let theta = fromCommon(chart, start);
  const thetas = [theta];
  let status = "max_iter";
  for (let s = 0; s < steps; s++) {
    let next;
    try {
      let d = direction(fam, y, theta, method);
      if (budget !== null) {
        const I = finite(fam.fisher(theta), "fisher");
        let quad = 0;
        for (let a = 0; a < d.length; a++) for (let b = 0; b < d.length; b++) quad += d[a] * I[a][b] * d[b];
        d = d.map((v) => (quad > 0 ? v * Math.sqrt((2 * budget) / quad) : 0));
      }
      next = theta.map((v, i) => v + alpha * d[i]);
    } catch (err) {
      if (err instanceof Singular) { status = "singular"; break; }
      if (err instanceof NotFinite) { status = "failed"; break; }
      throw err;
    }
    const stop = nextStatus(fam, y, next);
    if (stop !== null) { status = stop; break; }
    theta = next;
    thetas.push(theta);
  }
  const cname = families[chart].base;
  const common = thetas.map((t) => toCommon(chart, t));
  const base = families[cname];
  const target = cname === "gaussian" ? cfg.mle.gaussian : cfg.mle.bernoulli;
  const kl = common.map((c) => (inside(base, c) ? base.kl(c, target) : Infinity));
  return { theta: thetas, common, kl, status, nIter: thetas.length - 1 };
}

export function note(path) {
  if (path.status === "max_iter") return `KL to the MLE after ${path.nIter} steps: ${fmtG(path.kl[path.kl.length - 1], 2)}`;
  const reason = { domain: "the next step leaves the parameter domain", singular: "its matrix is not positive definite",
    failed: "a value is not finite" }[path.status];
  return `stopped after ${path.nIter} steps:\n${reason}`;
}

export function render({ model, el }) {
  const cfg = model.get("config");
  const ui = frame(el, cfg.title);
  const on = (name) => (v) => { model.set(name, v); model.save_changes(); };
  const ctl = {
    chart: dropdown(ui.controls, { name: "chart", label: "chart", values: cfg.charts, labels: cfg.labels.chart, value: model.get("chart"), onInput: on("chart") }),
    method: dropdown(ui.controls, { name: "method", label: "method", values: cfg.methods, labels: cfg.labels.method, value: model.get("method"), onInput: on("method") }),
    rule: dropdown(ui.controls, { name: "rule", label: "rule", values: cfg.rules, labels: cfg.rules, value: model.get("rule"), onInput: on("rule") }),
    size: slider(ui.controls, { name: "size", label: "size", values: cfg.sizes, labels: cfg.labels.size, value: model.get("size"), onInput: on("size") }),
    steps: dropdown(ui.controls, { name: "steps", label: "steps", values: cfg.steps, labels: cfg.steps.map(String), value: model.get("steps"), onInput: on("steps") }),
  };
  resetButton(ui.controls, () => { for (const [k, v] of Object.entries(cfg.initial)) model.set(k, v); model.save_changes(); });
  const P = panel(ui.panels, { label: "the path mapped to the common chart" });
  const K = panel(ui.panels, { ylog: true, label: "KL divergence to the maximum-likelihood fit against the iteration" });
  // the Gaussian contours of the average log-likelihood, computed once (figdata.loglik_grid)
  const gfam = families.gaussian;
  const [gx, gy] = [cfg.g_xlim, cfg.g_ylim];
  const num = 61;
  const lin = ([a, b]) => Array.from({ length: num }, (_, i) => a + ((b - a) * i) / (num - 1));
  const xs = lin(gx);
  const ys = lin(gy);
  const ll = [];
  for (const v of ys) for (const u of xs) {
    if (!inside(gfam, [u, v])) { ll.push(NaN); continue; }
    let s = 0;
    for (const yi of cfg.gaussian_y) s += gfam.logpdf(yi, [u, v]);
    ll.push(s / cfg.gaussian_y.length);
  }
  const finite = ll.filter(Number.isFinite);
  const top = Math.max(...finite);
  const gapMax = Math.max(top - Math.min(...finite), 0.05);
  const levels = Array.from({ length: 12 }, (_, i) => top - 0.02 * (gapMax / 0.02) ** (i / 11)).sort((a, b) => a - b);
  const filled = ll.map((v) => (Number.isFinite(v) ? v : -1e300));
  const cont = P.data.append("g").attr("fill", "none").attr("stroke", "#cccccc").attr("stroke-width", 0.7);
  const contourLines = contours().size([num, num]).thresholds(levels)(filled);
  let current = null;

  function draw() {
    const v = Object.fromEntries(Object.keys(ctl).map((k) => [k, model.get(k)]));
    for (const k of Object.keys(ctl)) ctl[k].set(v[k]);
    const path = run(cfg, v.chart, v.method, v.rule, v.size, v.steps);
    const gaussian = families[v.chart].params.length === 2;
    const colour = PALETTE[cfg.charts.indexOf(v.chart) % 7];
    const t = path.common.map((_, i) => i);
    cont.selectAll("*").remove();
    if (gaussian) {
      P.setDomain(gx, gy, "μ", "σ");
      const toData = ([a, b]) => [gx[0] + (a - 0.5) * ((gx[1] - gx[0]) / (num - 1)), gy[0] + (b - 0.5) * ((gy[1] - gy[0]) / (num - 1))];
      for (const c of contourLines) {
        cont.append("path").attr("d", c.coordinates.map((poly) => poly.map((ring) => `M${ring.map((p) => { const q = toData(p); return `${P.x(q[0]).toFixed(1)},${P.y(q[1]).toFixed(1)}`; }).join("L")}Z`).join("")).join(""));
      }
      P.line("path", path.common, { "stroke-width": 1.6 }).attr("stroke", colour);
      P.dot("start", cfg.gaussian_start, 3);
      P.dot("target", cfg.mle.gaussian, 5);
      P.line("targetline", [], {});
    } else {
      P.setDomain([0, v.steps], [0, 1], "iteration t", "p");
      P.line("path", path.common.map((c, i) => [t[i], c[0]]), { "stroke-width": 1.6 }).attr("stroke", colour);
      P.dot("start", [0, cfg.bernoulli_start], 3);
      P.dot("target", [-1e9, -1e9], 0);
      P.line("targetline", [[0, cfg.mle.bernoulli[0]], [v.steps, cfg.mle.bernoulli[0]]], { stroke: INK, "stroke-dasharray": "1.5 2.5" });
    }
    P.outside(gaussian ? [[[-1e12, 1e12], [-1e12, 0]]] : []);
    P.setTitle(`path mapped to ${gaussian ? "(μ, σ)" : "p"}`);
    const kl = path.kl.map((x) => Math.max(x, 1e-12));
    const fin = kl.filter(Number.isFinite);
    const topK = fin.length ? Math.max(30, 3 * Math.max(...fin)) : 30;
    K.setDomain([0, v.steps], [1e-10, topK <= 30 ? 30 : 10 ** (3 * Math.ceil(Math.log10(topK) / 3))], "iteration t", "");
    K.setTitle("KL(p_θt ‖ p_MLE), nats");
    K.line("kl", kl.map((x, i) => [i, x]), { "stroke-width": 1.6 }).attr("stroke", colour);
    const symbol = v.rule === cfg.rules[0] ? "α" : "c";
    ui.readout.textContent = `${v.method.replace("_", " ")} in the chart ${cfg.labels.chart[cfg.charts.indexOf(v.chart)]}, `
      + `${symbol} = ${fmtG(v.size)}, ${v.steps} steps. ${note(path)}`;
    current = { ...v, ...path };
    el.natgradData = current;
    el.dispatchEvent(new CustomEvent("natgrad:drawn", { bubbles: true }));
  }
  K.onHover((x) => {
    const i = Math.max(0, Math.min(current.kl.length - 1, Math.round(x)));
    return `iteration ${i}: KL to the MLE ${fmtG(current.kl[i], 4)} nats; ${cfg.labels.chart[cfg.charts.indexOf(current.chart)]} = (${current.theta[i].map((u) => fmtG(u, 4)).join(", ")})`;
  }, ui.hover);
  P.onHover((a, b) => `(${fmtG(a, 3)}, ${fmtG(b, 3)})`, ui.hover);
  for (const k of Object.keys(ctl)) model.on(`change:${k}`, draw);
  draw();
  return () => { for (const k of Object.keys(ctl)) model.off(`change:${k}`, draw); };
}

export default { render };
