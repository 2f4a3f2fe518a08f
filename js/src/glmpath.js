// Explorer: gradient ascent, the natural gradient and Newton's method on a logistic
// regression with an intercept and one feature (chapter 06; the live twin of its
// glm_path_figure explorer; configured by natgrad_lib.live.glm_paths). The kernel sends the
// data; the page runs the three methods (optim.optimize without line search) with the
// per-observation log-likelihood, score, Hessian and Fisher information of the generated
// bernoulli_logit family in eta = theta0 + theta1 x (the data-dependent matrices X^T W X solved by
// numerics.solveSpd, as optim.solve_spd), and draws the contours with d3-contour.
import { quantile } from "d3-array";
import { contours } from "d3-contour";
import { families } from "../build/formulas.js";
import { solveSpd } from "./numerics.js";
import { INK, PALETTE, dropdown, fmtG, frame, panel, resetButton, slider } from "./ui.js";

const fam = families.bernoulli_logit;
const STYLE = { newton: [PALETTE[0], null], natural: [PALETTE[1], "5 3"], gradient: [PALETTE[2], "1.5 2.5"] };

export function loglik(cfg, b) {
  let s = 0;
  for (let i = 0; i < cfg.y.length; i++) s += fam.logpdf(cfg.y[i], [b[0] + b[1] * cfg.x[i]]);
  return s;
}

function pieces(cfg, b, what) {
  const g = [0, 0];
  const M = [[0, 0], [0, 0]];
  for (let i = 0; i < cfg.y.length; i++) {
    const x = [1, cfg.x[i]];
    const eta = [b[0] + b[1] * x[1]];
    const s = fam.score(cfg.y[i], eta)[0];
    const w = what === "newton" ? -fam.hessian(cfg.y[i], eta)[0][0] : fam.fisher(eta)[0][0];
    for (let a = 0; a < 2; a++) {
      g[a] += s * x[a];
      for (let c = 0; c < 2; c++) M[a][c] += w * x[a] * x[c];
    }
  }
  return { g, M };
}

export function path(cfg, method) {
  const lr = cfg.lr[method];
  const out = [[0, 0]];
  for (let t = 0; t < cfg.steps; t++) {
    const b = out[t];
    const { g, M } = pieces(cfg, b, method);
    const d = method === "gradient" ? g : solveSpd(M, g);
    out.push([b[0] + lr * d[0], b[1] + lr * d[1]]);
  }
  return out;
}

export function render({ model, el }) {
  const cfg = model.get("config");
  const ui = frame(el, cfg.title);
  const on = (name) => (v) => { model.set(name, v); model.save_changes(); };
  const ts = Array.from({ length: cfg.steps + 1 }, (_, i) => i);
  const ctl = {
    t: slider(ui.controls, { name: "t", label: "iteration t", values: ts, labels: ts.map(String), value: model.get("t"), onInput: on("t") }),
    method: dropdown(ui.controls, { name: "method", label: "method", values: cfg.methods, labels: cfg.methods, value: model.get("method"), onInput: on("method") }),
  };
  resetButton(ui.controls, () => { for (const [k, v] of Object.entries(cfg.initial)) model.set(k, v); model.save_changes(); });
  const F = panel(ui.panels, { label: "fitted probability over the data" });
  const C = panel(ui.panels, { label: "iterates of the three methods on the contours of the log-likelihood" });
  const xmin = Math.min(...cfg.x);
  const xmax = Math.max(...cfg.x);
  F.setDomain([xmin, xmax], [-0.08, 1.08], cfg.xlabel, "μ(θ₀ + θ₁ x)");
  F.data.append("path").attr("stroke", "#595959").attr("stroke-opacity", 0.4)
    .attr("d", cfg.x.map((x, i) => `M${F.x(x).toFixed(1)} ${(F.y(cfg.y[i]) - 5).toFixed(1)}v10`).join(""));
  const [e0, e1, e2, e3] = cfg.extent;
  C.setDomain([e0, e1], [e2, e3], "θ₀", "θ₁");
  // the contours of the gap max ℓ - ℓ on the grid, at 9 geometric levels (as the library)
  const num = cfg.num;
  const b0 = Array.from({ length: num }, (_, i) => e0 + ((e1 - e0) * i) / (num - 1));
  const b1 = Array.from({ length: num }, (_, i) => e2 + ((e3 - e2) * i) / (num - 1));
  const surface = [];
  for (const v of b1) for (const u of b0) surface.push(loglik(cfg, [u, v]));
  const top = Math.max(...surface);
  const gap = surface.map((s) => top - s);
  const gmax = Math.max(...gap);
  const lo = Math.max(quantile(gap, 0.01), 1e-3);
  const levels = Array.from({ length: 9 }, (_, i) => lo * (gmax / lo) ** (i / 8));
  const toData = ([gx, gy]) => [e0 + (gx - 0.5) * ((e1 - e0) / (num - 1)), e2 + (gy - 0.5) * ((e3 - e2) / (num - 1))];
  const cg = C.data.append("g").attr("fill", "none").attr("stroke", "#a6a6a6").attr("stroke-width", 0.7);
  for (const c of contours().size([num, num]).thresholds(levels)(gap)) {
    const d = c.coordinates.map((poly) => poly.map((ring) => `M${ring.map((p) => { const q = toData(p); return `${C.x(q[0]).toFixed(1)},${C.y(q[1]).toFixed(1)}`; }).join("L")}Z`).join("")).join("");
    cg.append("path").attr("d", d);
  }
  const paths = Object.fromEntries(cfg.methods.map((m) => [m, path(cfg, m)]));
  const lg = C.over.append("g").attr("font-size", 9).attr("fill", INK).attr("text-anchor", "end");
  cfg.methods.forEach((m, i) => {
    lg.append("line").attr("x1", 290).attr("x2", 306).attr("y1", 160 + 11 * i).attr("y2", 160 + 11 * i).attr("stroke", STYLE[m][0]).attr("stroke-width", 1.6).attr("stroke-dasharray", STYLE[m][1]);
    lg.append("text").attr("x", 286).attr("y", 163 + 11 * i).text(m);
  });
  const xs = Array.from({ length: 200 }, (_, i) => xmin + ((xmax - xmin) * i) / 199);
  let current = null;

  function draw() {
    const t = model.get("t");
    const method = model.get("method");
    ctl.t.set(t); ctl.method.set(method);
    for (const m of cfg.methods) {
      C.line(`p-${m}`, paths[m].slice(0, t + 1), { stroke: STYLE[m][0], "stroke-width": 1.5, "stroke-dasharray": STYLE[m][1] || "none" })
        .attr("stroke-opacity", m === method ? 1 : 0.3);
    }
    const beta = paths[method][t];
    C.dot("star", beta, 5);
    const mu = xs.map((x) => [x, Math.exp(fam.logpdf(1, [beta[0] + beta[1] * x]))]);
    F.line("curve", mu, { "stroke-width": 2 }).attr("stroke", STYLE[method][0]);
    const ll = loglik(cfg, beta);
    F.setTitle(`${method}, t = ${t}: ℓ = ${ll.toFixed(2)}`);
    ui.readout.textContent = `${method}, t = ${t}: θ = (${fmtG(beta[0], 4)}, ${fmtG(beta[1], 4)}), ℓ = ${ll.toFixed(2)}`;
    current = { t, method, beta, loglik: ll, paths };
    el.natgradData = current;
    el.dispatchEvent(new CustomEvent("natgrad:drawn", { bubbles: true }));
  }
  C.onHover((a, b) => `θ₀ = ${fmtG(a, 3)}, θ₁ = ${fmtG(b, 3)}: ℓ = ${loglik(cfg, [a, b]).toFixed(2)}`, ui.hover);
  F.onHover((x) => `x = ${fmtG(x, 3)}: fitted probability ${fmtG(Math.exp(fam.logpdf(1, [current.beta[0] + current.beta[1] * x])), 3)}`, ui.hover);
  model.on("change:t", draw);
  model.on("change:method", draw);
  draw();
  return () => { model.off("change:t", draw); model.off("change:method", draw); };
}

export default { render };
