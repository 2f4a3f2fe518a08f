// Explorer: the curvature of single-observation log-likelihoods along one parameter
// (chapter 03; the live twin of natgrad_lib.plots.curvature_explorer; configured by
// natgrad_lib.live.curvature). The kernel sends standard normal draws z (common random
// numbers, as in the library: y = mu + theta0 * z for the Gaussian's sigma); the page
// evaluates the generated log-density, score, Hessian, Fisher information and KL.
import { families } from "../build/formulas.js";
import { INK, PALETTE, dropdown, fmtG, frame, panel, resetButton, slider } from "./ui.js";

const POS = PALETTE[0];
const NEG = PALETTE[1];
const EXTRA = PALETTE[2];
const NEG_L2 = "−ℓ″";

export function compute(cfg, v, n) {
  const fam = families[cfg.family];
  const k = cfg.index;
  const withParam = (x) => cfg.theta.map((t, i) => (i === k ? x : t));
  const t0 = withParam(v);
  const y = cfg.z.map((z) => t0[0] + v * z);          // location-scale: y = mu + sigma0 z
  const grid = cfg.grid.map(withParam);
  const info = fam.fisher(t0)[k][k];
  const l0 = y.map((yi) => fam.logpdf(yi, t0));
  const curve = (i) => grid.map((g) => fam.logpdf(y[i], g) - l0[i]);
  const curves = [];
  for (let i = 0; i < cfg.n_curves; i++) curves.push(curve(i));
  const mean = new Array(grid.length).fill(0);
  for (let i = 0; i < n; i++) {
    const c = i < cfg.n_curves ? curves[i] : curve(i);
    for (let j = 0; j < grid.length; j++) mean[j] += c[j];
  }
  for (let j = 0; j < grid.length; j++) mean[j] /= n;
  const expected = grid.map((g) => -fam.kl(t0, g));
  const obs = y.slice(0, n).map((yi) => -fam.hessian(yi, t0)[k][k] / info);
  const sq = y.slice(0, n).map((yi) => fam.score(yi, t0)[k] ** 2 / info);
  const run = (a) => { let s = 0; return a.map((x, i) => (s += x) / (i + 1)); };
  return { info, curves, mean, expected, obs, meanObs: run(obs), meanSq: run(sq) };
}

export function render({ model, el }) {
  const cfg = model.get("config");
  const ui = frame(el, cfg.title);
  const vName = cfg.value_name;
  const on = (name) => (v) => { model.set(name, v); model.save_changes(); };
  const ctl = {
    n: slider(ui.controls, { name: "n", label: "n", values: cfg.ns, labels: cfg.labels.n, value: model.get("n"), onInput: on("n") }),
    v: dropdown(ui.controls, { name: vName, label: cfg.labels.value_name, values: cfg.values, labels: cfg.labels.values, value: model.get(vName), onInput: on(vName) }),
  };
  resetButton(ui.controls, () => { for (const [k, v] of Object.entries(cfg.initial)) model.set(k, v); model.save_changes(); });
  const L = panel(ui.panels, { label: "log-likelihood curves of single observations, their average and the expected curve" });
  const R = panel(ui.panels, { xlog: true, label: "observed information of each observation and running averages, relative to the Fisher information" });
  const xs = cfg.grid;
  L.setDomain([xs[0], xs[xs.length - 1]], cfg.ylim, cfg.labels.param, "ℓ(θ; y) − ℓ(θ₀; y)");
  const nMax = Math.max(...cfg.ns);
  R.setDomain([0.8, nMax * 1.25], [-1, 4], "observation i", "relative to I(θ₀)");
  R.line("target", [[0.8, 1], [nMax * 1.25, 1]], { stroke: EXTRA, "stroke-width": 1.5, "stroke-dasharray": "1.5 2.5" });
  R.line("zero", [[0.8, 0], [nMax * 1.25, 0]], { stroke: "#666", "stroke-width": 0.8 });
  const dots = R.data.append("path").attr("stroke", "#737373").attr("stroke-opacity", 0.5).attr("stroke-width", 2.4).attr("stroke-linecap", "round");
  const lg = L.over.append("g").attr("font-size", 8.5).attr("fill", INK);
  [[`one observation, ${NEG_L2} ≥ 0`, POS, null], [`one observation, ${NEG_L2} < 0`, NEG, null], ["average of n", INK, null], ["expected: −KL", EXTRA, "5 3"]]
    .forEach(([t, col, dash], i) => {
      lg.append("line").attr("x1", 120).attr("x2", 134).attr("y1", 160 + 10 * i).attr("y2", 160 + 10 * i).attr("stroke", col).attr("stroke-width", 1.6).attr("stroke-dasharray", dash);
      lg.append("text").attr("x", 137).attr("y", 163 + 10 * i).text(t);
    });
  let current = null;

  function draw() {
    const n = model.get("n");
    const v = model.get(vName);
    ctl.n.set(n); ctl.v.set(v);
    const d = compute(cfg, v, n);
    current = { n, v, ...d };
    d.curves.forEach((c, i) => {
      const path = L.line(`c${i}`, xs.map((x, j) => [x, c[j]]), { "stroke-width": 0.9, "stroke-opacity": 0.7 });
      path.attr("stroke", d.obs.length > i ? (d.obs[i] >= 0 ? POS : NEG) : "none");
    });
    L.line("mean", xs.map((x, j) => [x, d.mean[j]]), { stroke: INK, "stroke-width": 2.2 });
    L.line("expected", xs.map((x, j) => [x, d.expected[j]]), { stroke: EXTRA, "stroke-width": 2, "stroke-dasharray": "5 3" });
    L.line("v", [[v, -1e6], [v, 1e6]], { stroke: "#666", "stroke-width": 0.8 });
    dots.attr("d", d.obs.map((o, i) => `M${R.x(i + 1).toFixed(1)} ${R.y(o).toFixed(1)}h0`).join(""));
    R.line("runObs", d.meanObs.map((m, i) => [i + 1, m]), { stroke: INK, "stroke-width": 2 });
    R.line("runSq", d.meanSq.map((m, i) => [i + 1, m]), { stroke: PALETTE[3], "stroke-width": 2, "stroke-dasharray": "5 3" });
    const negative = d.obs.filter((o) => o < 0).length;
    L.setTitle(`${cfg.labels.value_name} = ${fmtG(v)}, I = ${fmtG(d.info, 3)}, n = ${n}`);
    R.setTitle(`${NEG_L2} < 0 for ${negative} of ${n}`);
    ui.readout.textContent = `${cfg.labels.value_name} = ${fmtG(v)}, I = ${fmtG(d.info, 3)}, n = ${n}: ${NEG_L2} < 0 for ${negative};  `
      + `averages ${NEG_L2}/I = ${d.meanObs[n - 1].toFixed(2)}, s²/I = ${d.meanSq[n - 1].toFixed(2)}`;
    el.natgradData = current;
    el.dispatchEvent(new CustomEvent("natgrad:drawn", { bubbles: true }));
  }
  L.onHover((x) => {
    let j = 0;
    for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - x) < Math.abs(xs[j] - x)) j = i;
    return `${cfg.labels.param} = ${fmtG(xs[j], 4)}: average ${fmtG(current.mean[j], 4)}, expected −KL ${fmtG(current.expected[j], 4)}`;
  }, ui.hover);
  R.onHover((x) => {
    const i = Math.min(current.n, Math.max(1, Math.round(x))) - 1;
    return `observation ${i + 1}: ${NEG_L2}/I = ${fmtG(current.obs[i], 4)}; running averages ${fmtG(current.meanObs[i], 4)} and ${fmtG(current.meanSq[i], 4)}`;
  }, ui.hover);
  model.on("change:n", draw);
  model.on(`change:${vName}`, draw);
  draw();
  return () => { model.off("change:n", draw); model.off(`change:${vName}`, draw); };
}

export default { render };
