// Explorer: sampled scores of a one-parameter discrete family balance at zero
// (chapter 01; the live twin of its matplotlib explorer; configured by
// natgrad_lib.live.score_histogram). The kernel sends the histogram of the first n draws for
// each setting (data, drawn once with numpy's Generator); the page evaluates the scores, the
// exact probabilities (from the generated formulas), the mean and its standard error.
import { families } from "../build/formulas.js";
import { INK, PALETTE, dropdown, fmtG, frame, panel, resetButton, slider } from "./ui.js";

export function compute(cfg, n, theta0, at) {
  const fam = families[cfg.family];
  const i = cfg.theta0s.indexOf(theta0);
  const counts = cfg.counts[i][cfg.ns.indexOf(n)];
  const theta = theta0 * cfg.evaluation[at];
  const k = counts.map((_, j) => j);
  const support = k.map((y) => fam.score(y, [theta])[0]);
  const pmf = k.map((y) => Math.exp(fam.logpdf(y, [theta0])));
  let sum = 0;
  for (let j = 0; j < k.length; j++) sum += counts[j] * support[j];
  const mean = sum / n;
  let ss = 0;
  for (let j = 0; j < k.length; j++) ss += counts[j] * (support[j] - mean) ** 2;
  const se = Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
  return { theta, support, pmf, freq: counts.map((c) => c / n), mean, se };
}

const signed = (x, d) => (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(d);

export function render({ model, el }) {
  const cfg = model.get("config");
  const ui = frame(el, cfg.title);
  const on = (name) => (v) => { model.set(name, v); model.save_changes(); };
  const atValues = Object.keys(cfg.evaluation);
  const ctl = {
    n: slider(ui.controls, { name: "n", label: "n", values: cfg.ns, labels: cfg.labels.n, value: model.get("n"), onInput: on("n") }),
    theta0: dropdown(ui.controls, { name: "theta0", label: cfg.labels.theta0_name, values: cfg.theta0s, labels: cfg.labels.theta0, value: model.get("theta0"), onInput: on("theta0") }),
    at: dropdown(ui.controls, { name: "evaluated_at", label: "evaluated at", values: atValues, labels: atValues, value: model.get("evaluated_at"), onInput: on("evaluated_at") }),
  };
  resetButton(ui.controls, () => { for (const [k, v] of Object.entries(cfg.initial)) model.set(k, v); model.save_changes(); });
  const p = panel(ui.panels, { label: "relative frequencies of the sampled scores, exact probabilities, zero and the mean with two standard errors" });
  p.box.classList.add("natgrad-live-wide");
  p.setDomain(cfg.xlim, cfg.ylim, cfg.xlabel, "relative frequency");
  const bars = p.data.append("g").attr("class", "natgrad-live-bars");
  const band = p.data.append("rect").attr("fill", PALETTE[1]).attr("opacity", 0.25);
  const zero = p.data.append("line").attr("stroke", "#737373").attr("stroke-dasharray", "4 3");
  const meanLine = p.data.append("line").attr("stroke", PALETTE[1]).attr("stroke-width", 2);
  const ticks = p.data.append("g");
  const legend = p.over.append("g").attr("font-size", 10).attr("fill", INK).attr("text-anchor", "end");
  let current = null;

  function draw() {
    const n = model.get("n");
    const theta0 = model.get("theta0");
    const at = model.get("evaluated_at");
    ctl.n.set(n); ctl.theta0.set(theta0); ctl.at.set(at);
    const d = compute(cfg, n, theta0, at);
    current = { n, theta0, at, ...d };
    let w = Infinity;
    for (let j = 1; j < d.support.length; j++) w = Math.min(w, d.support[j] - d.support[j - 1]);
    w = 0.8 * (Number.isFinite(w) ? w : 1);
    const x = p.x;
    const y = p.y;
    bars.selectAll("rect").data(d.support.map((s, j) => [s, d.freq[j]])).join("rect")
      .attr("x", ([s]) => x(s - w / 2)).attr("width", ([s]) => x(s + w / 2) - x(s - w / 2))
      .attr("y", ([, f]) => y(f)).attr("height", ([, f]) => y(0) - y(f)).attr("fill", PALETTE[0]).attr("opacity", 0.75);
    ticks.selectAll("line").data(d.support.map((s, j) => [s, d.pmf[j]])).join("line")
      .attr("x1", ([s]) => x(s) - 5).attr("x2", ([s]) => x(s) + 5).attr("y1", ([, q]) => y(q)).attr("y2", ([, q]) => y(q))
      .attr("stroke", INK).attr("stroke-width", 2);
    const [top, bottom] = y.range().slice().reverse();
    zero.attr("x1", x(0)).attr("x2", x(0)).attr("y1", top).attr("y2", bottom);
    band.attr("x", x(d.mean - 2 * d.se)).attr("width", x(d.mean + 2 * d.se) - x(d.mean - 2 * d.se)).attr("y", top).attr("height", bottom - top);
    meanLine.attr("x1", x(d.mean)).attr("x2", x(d.mean)).attr("y1", top).attr("y2", bottom);
    p.setTitle(`y ∼ ${cfg.family_label}(${fmtG(theta0)}), score at ${cfg.labels.theta_name} = ${fmtG(d.theta)}`);
    const lines = [`sampled frequency, n = ${n.toLocaleString("en-US")}`, "exact probability",
      `mean ± 2 SE = ${signed(d.mean, 3)} ± ${(2 * d.se).toFixed(3)}`];
    legend.selectAll("text").data(lines).join("text").attr("x", 308).attr("y", (_, i) => 38 + 12 * i).text((t) => t);
    ui.readout.textContent = `mean score ${signed(d.mean, 4)}, two standard errors ${(2 * d.se).toFixed(4)}`
      + (Math.abs(d.mean) <= 2 * d.se ? ": zero lies inside the band" : ": zero lies outside the band");
    el.natgradData = current;
    el.dispatchEvent(new CustomEvent("natgrad:drawn", { bubbles: true }));
  }
  p.onHover((a) => {
    let j = 0;
    for (let i = 1; i < current.support.length; i++) if (Math.abs(current.support[i] - a) < Math.abs(current.support[j] - a)) j = i;
    return `y = ${j}: score ${fmtG(current.support[j], 4)}, sampled ${current.freq[j].toFixed(4)}, exact ${current.pmf[j].toFixed(4)}`;
  }, ui.hover);
  for (const k of ["n", "theta0", "evaluated_at"]) model.on(`change:${k}`, draw);
  draw();
  return () => { for (const k of ["n", "theta0", "evaluated_at"]) model.off(`change:${k}`, draw); };
}

export default { render };
