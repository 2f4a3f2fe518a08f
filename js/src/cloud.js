// Explorer: the cloud of score vectors of a two-parameter family, with the covariance ellipse
// of the sample and the ellipse of the Fisher information (chapter 02; the live twin of its
// matplotlib explorer; configured by natgrad_lib.live.score_cloud). The page draws its own
// sample (d3-random's gamma generator on a seeded LCG: the same seed for every setting, as in
// the chapter) and evaluates the generated score and Fisher information.
import { randomGamma, randomLcg } from "d3-random";
import { families } from "../build/formulas.js";
import { INK, PALETTE, dropdown, fmtG, frame, panel, resetButton, slider } from "./ui.js";

export function sample(cfg, theta, n) {
  const draw = randomGamma.source(randomLcg(cfg.seed))(theta[0], 1 / theta[1]);
  return Array.from({ length: n }, draw);
}

// eigen-decomposition of a symmetric 2 x 2 matrix: [w0 <= w1], columns of V
function eigh2([[a, b], [, d]]) {
  const mid = (a + d) / 2;
  const rad = Math.hypot((a - d) / 2, b);
  const w = [mid - rad, mid + rad];
  const vec = (l) => (Math.abs(b) > 1e-300 ? [b, l - a] : (a <= d) === (l === w[0]) ? [1, 0] : [0, 1]);
  const V = w.map((l) => { const v = vec(l); const h = Math.hypot(v[0], v[1]); return [v[0] / h, v[1] / h]; });
  return { w, V };
}

// the covariance ellipse {x : x^T M^-1 x = r^2} (plots.fisher.ellipse_path)
export function ellipsePath(M, radius, num = 181) {
  const { w, V } = eigh2(M);
  const half = w.map((x) => Math.sqrt(Math.max(x, 0)));
  const pts = [];
  for (let i = 0; i < num; i++) {
    const t = (2 * Math.PI * i) / (num - 1);
    const u = [Math.cos(t) * half[0], Math.sin(t) * half[1]];
    pts.push([radius * (u[0] * V[0][0] + u[1] * V[1][0]), radius * (u[0] * V[0][1] + u[1] * V[1][1])]);
  }
  pts[num - 1] = pts[0];
  return pts;
}

export function compute(cfg, theta, n) {
  const fam = families[cfg.family];
  const y = sample(cfg, theta, n);
  const scores = y.map((v) => fam.score(v, theta));
  const m = [0, 0];
  for (const s of scores) { m[0] += s[0] / n; m[1] += s[1] / n; }
  const cov = [[0, 0], [0, 0]];
  for (const s of scores) {
    const a = s[0] - m[0];
    const b = s[1] - m[1];
    cov[0][0] += a * a; cov[0][1] += a * b; cov[1][1] += b * b;
  }
  cov[0][0] /= n - 1; cov[0][1] /= n - 1; cov[1][1] /= n - 1; cov[1][0] = cov[0][1];
  const fisher = fam.fisher(theta);
  return { y, scores, cov, fisher, corr: fisher[0][1] / Math.sqrt(fisher[0][0] * fisher[1][1]) };
}

const f73 = (x) => x.toFixed(3).padStart(7);

export function render({ model, el }) {
  const cfg = model.get("config");
  const ui = frame(el, cfg.title);
  const names = cfg.controls;
  const on = (name) => (v) => { model.set(name, v); model.save_changes(); };
  const ctl = {};
  for (const name of names) {
    const spec = { name, label: cfg.labels[name].name, values: cfg.values[name], labels: cfg.labels[name].options, value: model.get(name), onInput: on(name) };
    ctl[name] = name === cfg.slider ? slider(ui.controls, spec) : dropdown(ui.controls, spec);
  }
  resetButton(ui.controls, () => { for (const [k, v] of Object.entries(cfg.initial)) model.set(k, v); model.save_changes(); });
  const p = panel(ui.panels, { label: "sampled score vectors with the covariance ellipse of the sample and the Fisher information ellipse" });
  p.box.classList.add("natgrad-live-wide");
  ui.readout.classList.add("natgrad-live-mono");
  const dots = p.data.append("path").attr("stroke", PALETTE[0]).attr("stroke-opacity", 0.35).attr("stroke-width", 2.6).attr("stroke-linecap", "round");
  const lg = p.over.append("g").attr("font-size", 9).attr("fill", INK).attr("text-anchor", "end");
  [["sampled scores", PALETTE[0], "1 0", 0.35], ["covariance of the sample", PALETTE[0], null, 1], ["Fisher information I(θ)", PALETTE[1], "5 3", 1]]
    .forEach(([t, col, dash, op], i) => {
      lg.append("line").attr("x1", 288).attr("x2", 304).attr("y1", 32 + 11 * i).attr("y2", 32 + 11 * i).attr("stroke", col)
        .attr("stroke-width", 2).attr("stroke-dasharray", dash).attr("stroke-opacity", op);
      lg.append("text").attr("x", 284).attr("y", 35 + 11 * i).text(t);
    });
  let current = null;

  function draw() {
    const v = Object.fromEntries(names.map((k) => [k, model.get(k)]));
    for (const k of names) ctl[k].set(v[k]);
    const theta = cfg.theta_names.map((k) => v[k]);
    const n = v[cfg.n_name];
    const d = compute(cfg, theta, n);
    current = { values: v, theta, n, ...d };
    const hx = cfg.span * Math.sqrt(d.fisher[0][0]);
    const hy = cfg.span * Math.sqrt(d.fisher[1][1]);
    p.setDomain([-hx, hx], [-hy, hy], cfg.axis_labels[0], cfg.axis_labels[1]);
    const shown = d.scores.slice(0, cfg.max_points);
    dots.attr("d", shown.map(([a, b]) => `M${p.x(a).toFixed(1)} ${p.y(b).toFixed(1)}h0`).join(""));
    p.line("cov", ellipsePath(d.cov, cfg.radius), { stroke: PALETTE[0], "stroke-width": 2 });
    p.line("fisher", ellipsePath(d.fisher, cfg.radius), { stroke: PALETTE[1], "stroke-width": 2, "stroke-dasharray": "5 3" });
    p.dot("origin", [0, 0], 2);
    const F = d.fisher;
    const S = d.cov;
    ui.readout.textContent = `${cfg.theta_names.map((k, i) => `${cfg.labels[k].name}=${fmtG(theta[i])}`).join("  ")}  n=${n}\n`
      + `I(theta)   [${f73(F[0][0])} ${f73(F[0][1])}]\n           [${f73(F[1][0])} ${f73(F[1][1])}]\n`
      + `sample Cov [${f73(S[0][0])} ${f73(S[0][1])}]\n           [${f73(S[1][0])} ${f73(S[1][1])}]\n`
      + `correlation in I: ${d.corr >= 0 ? "+" : "-"}${Math.abs(d.corr).toFixed(3)}`;
    el.natgradData = current;
    el.dispatchEvent(new CustomEvent("natgrad:drawn", { bubbles: true }));
  }
  p.onHover((a, b) => {
    // v^T s along the pointer's direction: its spread in the sample and in I(θ)
    const h = Math.hypot(a, b) || 1;
    const u = [a / h, b / h];
    const q = (M) => Math.sqrt(u[0] * u[0] * M[0][0] + 2 * u[0] * u[1] * M[0][1] + u[1] * u[1] * M[1][1]);
    return `s = (${fmtG(a, 3)}, ${fmtG(b, 3)}); along this direction: sd of vᵀs ${fmtG(q(current.cov), 4)} in the sample, ${fmtG(q(current.fisher), 4)} from I(θ)`;
  }, ui.hover);
  for (const k of names) model.on(`change:${k}`, draw);
  draw();
  return () => { for (const k of names) model.off(`change:${k}`, draw); };
}

export default { render };
