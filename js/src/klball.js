// Explorer: the exact KL ball and the Fisher ellipse of a Gaussian, in four charts
// (the live twin of natgrad_lib.plots.kl_ball_explorer; configured by natgrad_lib.live.kl_ball).
import { families } from "../build/formulas.js";
import { fisherDirections, fisherEllipse, inside, klContour, limits, toBaseOrNaN } from "./numerics.js";
import { INK, PALETTE, dropdown, fmtG, frame, outsideRects, panel, resetButton, slider } from "./ui.js";

const norm = (p, c) => Math.hypot(p[0] - c[0], p[1] - c[1]);

export function compute(cfg, c, chart) {
  const fam = families[chart];
  const base = families[fam.base];
  const phi = fam.fromBase ? fam.fromBase(cfg.base_theta) : cfg.base_theta.slice();
  const dirs = fisherDirections(fam, phi, cfg.n_rays);
  const exact = klContour(fam, phi, c, dirs);
  const quad = fisherEllipse(fam, phi, c, dirs);
  let rel = NaN;
  for (let i = 0; i < exact.length; i++) {
    const v = Math.abs(norm(exact[i], phi) / norm(quad[i], phi) - 1);
    if (Number.isFinite(v) && !(v <= rel)) rel = v;
  }
  const outside = quad.filter((p) => !inside(fam, p)).length;
  return { fam, base, phi, exact, quad, exactBase: toBaseOrNaN(fam, exact), quadBase: toBaseOrNaN(fam, quad), rel, outside };
}

export function note(c, d) {
  return `c = ${fmtG(c)} nats, radius error up to ${(100 * d.rel).toFixed(0)}%`
    + (d.outside ? `\nellipse leaves the domain on ${d.outside}/${d.quad.length} rays` : "");
}

export function render({ model, el }) {
  const cfg = model.get("config");
  const ui = frame(el, cfg.title);
  const [cLab, chartLab] = [cfg.labels.c, cfg.labels.parametrisation];
  const ctl = {
    c: slider(ui.controls, { name: "c", label: "budget c (nats)", values: cfg.cs, labels: cLab,
      value: model.get("c"), onInput: (v) => { model.set("c", v); model.save_changes(); } }),
    parametrisation: dropdown(ui.controls, { name: "parametrisation", label: "parametrisation",
      values: cfg.charts, labels: chartLab, value: model.get("parametrisation"),
      onInput: (v) => { model.set("parametrisation", v); model.save_changes(); } }),
  };
  resetButton(ui.controls, () => {
    for (const [k, v] of Object.entries(cfg.initial)) model.set(k, v);
    model.save_changes();
  });
  const left = panel(ui.panels, { label: "KL ball and Fisher ellipse in the chosen chart" });
  const right = panel(ui.panels, { label: "KL ball and Fisher ellipse mapped to (mu, sigma)" });
  const legend = left.over.append("g").attr("font-size", 10).attr("fill", INK);
  [["KL = c", PALETTE[0], null], ["½ dᵀ I d = c", PALETTE[1], "5 3"]].forEach(([t, col, dash], i) => {
    legend.append("line").attr("x1", 58).attr("x2", 78).attr("y1", 34 + 13 * i).attr("y2", 34 + 13 * i)
      .attr("stroke", col).attr("stroke-width", 1.6).attr("stroke-dasharray", dash);
    legend.append("text").attr("x", 82).attr("y", 37 + 13 * i).text(t);
  });
  const exactStyle = { stroke: PALETTE[0], "stroke-width": 1.6 };
  const quadStyle = { stroke: PALETTE[1], "stroke-width": 1.6, "stroke-dasharray": "5 3" };
  let current = null;

  function draw() {
    const c = model.get("c");
    const chart = model.get("parametrisation");
    ctl.c.set(c);
    ctl.parametrisation.set(chart);
    const d = compute(cfg, c, chart);
    current = { c, chart, ...d };
    const [xl, yl] = cfg.axes[chart];
    const [[x0, x1], [y0, y1]] = limits([d.exact, d.quad], 0.1);
    left.setDomain([x0, x1], [y0, y1 + 0.25 * (y1 - y0)], xl, yl);
    left.setTitle(`in the chart (${xl.split(" ")[0]}, ${yl.split(" = ")[0]})`);
    left.outside(outsideRects(d.fam));
    left.line("exact", d.exact, exactStyle);
    left.line("quad", d.quad, quadStyle);
    left.dot("centre", d.phi);
    const [[u0, u1], [v0, v1]] = limits([d.exactBase], 0.3);
    const bt = cfg.base_theta;
    right.setDomain([u0, u1], [Math.min(v0, bt[1] - 1.05 * (bt[1] - v0) - 0.05 * (v1 - v0)), v1 + 0.3 * (v1 - v0)], "μ", "σ");
    right.setTitle("mapped to (μ, σ)");
    right.outside(outsideRects(d.base));
    right.line("exact", d.exactBase, exactStyle);
    right.line("quad", d.quadBase, quadStyle);
    right.dot("centre", bt);
    ui.readout.textContent = note(c, d);
    el.natgradData = current;   // for the browser tests: the numbers behind the picture
    el.dispatchEvent(new CustomEvent("natgrad:drawn", { bubbles: true }));
  }

  const where = (fam, theta, pt, names) => {
    const txt = `${names[0]} = ${fmtG(pt[0], 4)}, ${names[1]} = ${fmtG(pt[1], 4)}`;
    if (!inside(fam, pt)) return `${txt}: outside the parameter domain`;
    return `${txt}: KL(p₀ ‖ p) = ${fmtG(fam.kl(theta, pt), 4)} nats`;
  };
  left.onHover((a, b) => where(current.fam, current.phi, [a, b], cfg.axes[current.chart].map((s) => s.split(" = ")[0])), ui.hover);
  right.onHover((a, b) => where(current.base, cfg.base_theta, [a, b], ["μ", "σ"]), ui.hover);
  model.on("change:c", draw);
  model.on("change:parametrisation", draw);
  draw();
  return () => { model.off("change:c", draw); model.off("change:parametrisation", draw); };
}

export default { render };
