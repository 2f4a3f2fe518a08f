// Explorer: the KL ellipse in step coordinates, with the gradient direction, the natural
// step d*, the dense-search maximiser and the exact KL level set, in a chosen chart
// (the live twin of natgrad_lib.plots.kl_ellipse_explorer; configured by natgrad_lib.live.kl_ellipse).
import { families } from "../build/formulas.js";
import { cholesky2, klRayRadius, naturalDirection } from "./numerics.js";
import { INK, PALETTE, dropdown, fmtG, frame, panel, resetButton, slider } from "./ui.js";

const dot = (a, b) => a[0] * b[0] + a[1] * b[1];
const mv = (m, v) => [m[0][0] * v[0] + m[0][1] * v[1], m[1][0] * v[0] + m[1][1] * v[1]];

// gradient = sum of the scores, Fisher = n I_1 (optim.family_objective)
function objective(fam, y, phi) {
  const g = [0, 0];
  for (const yi of y) { const s = fam.score(yi, phi); g[0] += s[0]; g[1] += s[1]; }
  const I = fam.fisher(phi);
  const n = y.length;
  return { g, F: [[n * I[0][0], n * I[0][1]], [n * I[1][0], n * I[1][1]]] };
}

export function compute(cfg, c, label) {
  const ch = cfg.charts.find((x) => x.label === label);
  const fam = families[ch.family];
  const { g, F } = objective(fam, cfg.y, ch.phi);
  // (n I_1)^{-1} g: the generated natural-gradient direction of the family, I_1^{-1} (g / n)
  const nat = naturalDirection(fam, ch.phi, g.map((v) => v / cfg.y.length));
  const dStar = nat.map((v) => Math.sqrt((2 * c) / dot(g, nat)) * v);
  const L = cholesky2(F);
  const s = Math.sqrt(2 * c);
  const N = cfg.n_search;
  // the ellipse: L^{-T} (sqrt(2c) (cos t, sin t)), t on N equally spaced angles
  const ring = (k) => {
    const t = (2 * Math.PI * k) / N;
    const v = [s * Math.cos(t), s * Math.sin(t)];
    const u1 = v[1] / L[1][1];
    return [(v[0] - L[1][0] * u1) / L[0][0], u1];
  };
  let best = ring(0);
  let bestVal = dot(best, g);
  for (let k = 1; k < N; k++) {
    const p = ring(k);
    const v = dot(p, g);
    if (v > bestVal) { best = p; bestVal = v; }
  }
  const step = Math.max(1, Math.floor(N / 360));
  const outline = [];
  for (let k = 0; k < N; k += step) outline.push(ring(k));
  outline.push(ring(0));
  const budget = c / cfg.y.length;
  const I1 = fam.fisher(ch.phi);
  const exact = outline.map((u) => { const r = klRayRadius(fam, ch.phi, budget, u, I1); return [r * u[0], r * u[1]]; });
  const dGrad = g.map((v) => Math.sqrt((2 * c) / dot(g, mv(F, g))) * v);
  return { fam, ch, g, dStar, best, outline, exact, dGrad };
}

function half(d) {
  let m = 0;
  for (const p of [...d.outline, ...d.exact]) for (const v of p) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return 1.15 * m;
}

export function render({ model, el }) {
  const cfg = model.get("config");
  const ui = frame(el, cfg.title);
  const labels = cfg.charts.map((x) => x.label);
  const ctl = {
    c: slider(ui.controls, { name: "c", label: "budget c (nats)", values: cfg.cs, labels: cfg.labels.c,
      value: model.get("c"), onInput: (v) => { model.set("c", v); model.save_changes(); } }),
    chart: dropdown(ui.controls, { name: "chart", label: "chart", values: labels, labels: cfg.labels.chart,
      value: model.get("chart"), onInput: (v) => { model.set("chart", v); model.save_changes(); } }),
  };
  resetButton(ui.controls, () => {
    for (const [k, v] of Object.entries(cfg.initial)) model.set(k, v);
    model.save_changes();
  });
  const p = panel(ui.panels, { label: "KL ellipse, exact level set, gradient direction and natural step" });
  p.box.classList.add("natgrad-live-wide");
  // each chart keeps one window, sized for the largest c (as in the library)
  const cmax = Math.max(...cfg.cs);
  const windows = Object.fromEntries(labels.map((l) => [l, half(compute(cfg, cmax, l))]));
  const legend = [["model: ½ dᵀ I d = c", PALETTE[0], null], ["exact: n KL = c", "#737373", "5 3"],
    ["direction of ∇ℓ", PALETTE[2], null], ["natural step d*", PALETTE[1], null]];
  const lg = p.over.append("g").attr("font-size", 9).attr("fill", INK);
  legend.forEach(([t, col, dash], i) => {
    lg.append("line").attr("x1", 58).attr("x2", 74).attr("y1", 32 + 11 * i).attr("y2", 32 + 11 * i)
      .attr("stroke", col).attr("stroke-width", 1.6).attr("stroke-dasharray", dash);
    lg.append("text").attr("x", 77).attr("y", 35 + 11 * i).text(t);
  });
  let current = null;

  function draw() {
    const c = model.get("c");
    const chart = model.get("chart");
    ctl.c.set(c);
    ctl.chart.set(chart);
    const d = compute(cfg, c, chart);
    current = { c, chart, ...d };
    const h = windows[chart];
    const names = d.ch.axes;
    p.setDomain([-h, h], [-h, h], `step in ${names[0]}`, `step in ${names[1]}`);
    p.setTitle(`chart ${cfg.labels.chart[labels.indexOf(chart)]},  c = ${fmtG(c, 3)}`);
    p.line("ellipse", d.outline, { stroke: PALETTE[0], "stroke-width": 1.8 });
    p.line("exact", d.exact, { stroke: "#737373", "stroke-width": 1.3, "stroke-dasharray": "5 3" });
    const gn = Math.hypot(d.g[0], d.g[1]);
    const perp = [-d.g[1] / gn, d.g[0] / gn];
    p.line("tangent", [[d.dStar[0] - 2 * h * perp[0], d.dStar[1] - 2 * h * perp[1]],
      [d.dStar[0] + 2 * h * perp[0], d.dStar[1] + 2 * h * perp[1]]], { stroke: PALETTE[1], "stroke-width": 1.3, "stroke-dasharray": "1.5 2.5" });
    p.line("grad", [[0, 0], d.dGrad], { stroke: PALETTE[2], "stroke-width": 2 });
    p.line("nat", [[0, 0], d.dStar], { stroke: PALETTE[1], "stroke-width": 2 });
    p.dot("origin", [0, 0]);
    p.dot("search", d.best, 4);
    ui.readout.textContent = `natural step d* = (${fmtG(d.dStar[0], 4)}, ${fmtG(d.dStar[1], 4)}); `
      + `dense-search maximiser (${fmtG(d.best[0], 4)}, ${fmtG(d.best[1], 4)})`;
    el.natgradData = current;
    el.dispatchEvent(new CustomEvent("natgrad:drawn", { bubbles: true }));
  }

  p.onHover((a, b) => {
    const q = [current.ch.phi[0] + a, current.ch.phi[1] + b];
    const fam = current.fam;
    const ok = q.every((v, i) => v > fam.lower[i] && v < fam.upper[i]);
    const head = `d = (${fmtG(a, 3)}, ${fmtG(b, 3)})`;
    if (!ok) return `${head}: outside the parameter domain`;
    return `${head}: ½ dᵀ I d = ${fmtG(0.5 * dot([a, b], mv(objective(fam, cfg.y, current.ch.phi).F, [a, b])), 4)}, `
      + `n KL = ${fmtG(cfg.y.length * fam.kl(current.ch.phi, q), 4)} nats`;
  }, ui.hover);
  model.on("change:c", draw);
  model.on("change:chart", draw);
  draw();
  return () => { model.off("change:c", draw); model.off("change:chart", draw); };
}

export default { render };
